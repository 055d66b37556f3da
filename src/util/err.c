#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t used, rest;
	va_list ap;
	int n;

	if (!e)
		return ERR_INTERNAL;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	used = n < 0 ? 0 : (size_t)n;
	if (used + 3 >= sizeof(e->msg))
		return e->code;
	memcpy(e->msg + used, ": ", 2);
	used += 2;
	rest = strnlen(old, sizeof(old) - 1);
	if (rest > sizeof(e->msg) - 1 - used)
		rest = sizeof(e->msg) - 1 - used;
	memcpy(e->msg + used, old, rest);
	e->msg[used + rest] = '\0';
	return e->code;
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

int err_nomem(struct err *e)
{
	return err_set(e, ERR_NOMEM, "out of memory");
}

const char *err_code_name(enum err_code code)
{
	static const char *const names[] = {
		[ERR_OK] = "ok",
		[ERR_INVALID] = "invalid",
		[ERR_NOT_FOUND] = "not_found",
		[ERR_EXISTS] = "exists",
		[ERR_UNAUTHORIZED] = "unauthorized",
		[ERR_FORBIDDEN] = "forbidden",
		[ERR_TOO_LARGE] = "too_large",
		[ERR_UNSUPPORTED] = "unsupported",
		[ERR_IO] = "io",
		[ERR_NOMEM] = "no_memory",
		[ERR_STORE] = "store",
		[ERR_FULL] = "disk_full",
		[ERR_UNAVAILABLE] = "unavailable",
		[ERR_TIMEOUT] = "timeout",
		[ERR_INTERNAL] = "internal",
		[ERR_LIMITED] = "too_many_requests",
	};

	if ((size_t)code >= sizeof(names) / sizeof(names[0]) || !names[code])
		return "internal";
	return names[code];
}
