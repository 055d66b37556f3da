#include "util/log.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
	char when[32];
	char line[2048];
	va_list ap;

	if (level < min_level)
		return;
	time_format_iso(time_now_ms(), when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	err_redact(line, sizeof(line)); /* no password reaches a log */
	/* one fprintf per line: stdio locks the stream, lines never interleave */
	fprintf(stderr, "%s %s %s\n", when, names[level], line);
}
