#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>

#define MASK "***"

/*
 * Replace the n bytes at p with MASK, within a string of size bytes.  With
 * no room to grow, the tail is shortened, and the mask too when the value
 * ends the full buffer (the end is never passed).
 */
static void mask(char *text, size_t size, char *p, size_t n)
{
	size_t len = strlen(text), tail = len - (size_t)(p - text) - n;
	size_t m = sizeof(MASK) - 1;
	size_t room = size - 1 - (size_t)(p - text); /* p .. the last byte */

	if (n == m && !memcmp(p, MASK, m))
		return;
	if (m > room)
		m = room;
	if (tail > room - m)
		tail = room - m;
	memmove(p + m, p + n, tail);
	memcpy(p, MASK, m);
	p[m + tail] = '\0';
}

/* scheme://user:PASSWORD@host: the password of each URL. */
static void redact_userinfo(char *text, size_t size)
{
	for (char *p = strstr(text, "://"); p; p = strstr(p + 3, "://")) {
		char *info = p + 3;
		size_t span = strcspn(info, "/?#@ \t\r\n'\"<>");
		char *colon;

		if (info[span] != '@')
			continue;
		colon = memchr(info, ':', span);
		if (colon && colon + 1 < info + span)
			mask(text, size, colon + 1,
			     (size_t)(info + span - colon - 1));
	}
}

/* key=VALUE where key names a secret: query strings, libpq, forms. */
static void redact_pairs(char *text, size_t size)
{
	static const char *const keys[] = {
		"password=", "passwd=", "pass=", "pwd=", "secret=", "token=",
		"api_key=", "apikey=", "access_token=", "sslpassword=",
	};

	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		size_t kl = strlen(keys[k]);

		for (char *p = strcasestr(text, keys[k]); p;
		     p = strcasestr(p + kl, keys[k])) {
			char *v = p + kl;
			size_t n = strcspn(v, "& \t\r\n'\"<>;,");

			/* a whole key, not the end of a longer one */
			if (p > text && (isalnum((unsigned char)p[-1]) ||
					 p[-1] == '_'))
				continue;
			if (n)
				mask(text, size, v, n);
		}
	}
}

void err_redact(char *text, size_t size)
{
	if (strstr(text, "://"))
		redact_userinfo(text, size);
	if (strchr(text, '='))
		redact_pairs(text, size);
}

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	err_redact(e->msg, sizeof(e->msg));
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
	err_redact(e->msg, sizeof(e->msg));
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
