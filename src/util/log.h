/*
 * log: one line per event on stderr, "2026-07-01T12:00:00.123Z LEVEL message".
 * Never pass a token, password or cookie to these functions.
 *
 * The access log (struct access_log) decides which HTTP requests get a line
 * of their own and sums up the others once an interval: it is pure (the
 * caller passes the clock) and thread-safe.  In the default "sampled" mode
 * an error (status >= 400) or a slow request (> ACCESS_SLOW_MS) gets a line,
 * at most one per interval for each route group and status (the others are
 * counted and the next line says how many), a routine answer none; "all"
 * writes a line for every request, "off" none.  Whatever the mode, one
 * summary line per interval gives each route group's requests, status
 * classes and p50/p90/p99 latencies.
 */
#ifndef OASIS_UTIL_LOG_H
#define OASIS_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" -> 0; -1 for anything else */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

enum access_mode { ACCESS_OFF, ACCESS_SAMPLED, ACCESS_ALL };

#define ACCESS_SLOW_MS 1000.0
#define ACCESS_INTERVAL_MS 60000

/* The program-wide choice (--access-log), read by the HTTP server. */
void log_set_access_mode(enum access_mode mode);
enum access_mode log_get_access_mode(void);
/* "off", "sampled", "all" -> 0; -1 for anything else */
int access_mode_parse(const char *s, enum access_mode *out);

/* "/api/v1/valves/v-3/poll" -> "/api/v1/valves"; other paths -> "static" */
void access_route_group(const char *path, char *out, size_t n);

struct access_log;

/* NULL when out of memory; the first interval starts at now_ms. */
struct access_log *access_log_new(enum access_mode mode, int64_t interval_ms,
				  int64_t now_ms);
void access_log_free(struct access_log *a);

/*
 * Counts one finished request.  Returns true and fills line (without the
 * time stamp and level) and *level when it gets a line of its own.
 */
bool access_log_record(struct access_log *a, const char *method,
		       const char *path, unsigned status, double ms,
		       bool ended_early, int64_t now_ms, enum log_level *level,
		       char *line, size_t n);

/*
 * Returns true and fills line with the summary of the requests counted
 * since the last one when the interval has passed (or when force is set)
 * and there was at least one; starts the next interval.
 */
bool access_log_summary(struct access_log *a, int64_t now_ms, bool force,
			char *line, size_t n);

/* The latency under which a share p (0.5, 0.9, 0.99) of ms[] lies, as the
 * summary computes it (the largest value of the histogram bucket holding
 * that rank; buckets are 2^(1/4) wide): for the tests. */
double access_percentile(const double *ms, size_t count, double p);

#endif
