/*
 * timeutil: instants as int64 milliseconds since 1970-01-01T00:00:00Z (UTC),
 * their parsing from what people and devices write, and durations.
 *
 * Every instant and duration a request carries is parsed here, and here
 * only, with overflow-checked arithmetic and range checks, so that what
 * the rest of the program computes with them cannot overflow:
 *   - an instant lies in [TIME_MIN_MS, TIME_MAX_MS] (1970-01-01 to
 *     2100-01-01, both included);
 *   - a duration lies in [1 ms, TIME_SPAN_MAX_MS] (the width of that range);
 *   - a query step lies in [TIME_STEP_MIN_MS, TIME_STEP_MAX_MS] and one
 *     answer holds at most TIME_BUCKETS_MAX buckets.
 * Sums of an instant and such a duration therefore stay far inside int64.
 */
#ifndef OASIS_UTIL_TIMEUTIL_H
#define OASIS_UTIL_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)
#define MS_PER_DAY (24 * MS_PER_HOUR)

/* 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z: the instants accepted. */
#define TIME_MIN_MS INT64_C(0)
#define TIME_MAX_MS INT64_C(4102444800000)
/* The longest duration accepted: from TIME_MIN_MS to TIME_MAX_MS. */
#define TIME_SPAN_MAX_MS (TIME_MAX_MS - TIME_MIN_MS)
/* A query step: at least a second, at most a leap year. */
#define TIME_STEP_MIN_MS MS_PER_SECOND
#define TIME_STEP_MAX_MS (366 * MS_PER_DAY)
/* The most buckets one downsampled answer holds. */
#define TIME_BUCKETS_MAX 100000

int64_t time_now_ms(void);
/* The CLOCK_REALTIME instant ms from now, for pthread_cond_timedwait. */
struct timespec time_deadline_in(int64_t ms);

/*
 * Parse an instant: RFC 3339 ("2026-07-01T08:00:00Z", "...+08:00", fractional
 * seconds), a date ("2026-07-01", midnight UTC), integer milliseconds since
 * the epoch, "now", or now minus a duration ("-6h", "now-30d").  The
 * instant must lie in [TIME_MIN_MS, TIME_MAX_MS]; a leap second (":60")
 * is refused.  ERR_INVALID with a message that quotes s.
 */
int time_parse(const char *s, int64_t now_ms, int64_t *out_ms, struct err *e);

/*
 * Parse a duration "500ms", "30s", "10m", "1h", "7d", "2w" into ms: digits
 * and a unit, nothing else, in [1, TIME_SPAN_MAX_MS].
 */
int time_parse_duration(const char *s, int64_t *out_ms, struct err *e);

/* A duration that is a query step: in [TIME_STEP_MIN_MS, TIME_STEP_MAX_MS]. */
int time_parse_step(const char *s, int64_t *out_ms, struct err *e);

/* Is ms an instant Oasis accepts (in [TIME_MIN_MS, TIME_MAX_MS])? */
bool time_instant_valid(int64_t ms);

/* floor(a / d) for d > 0, without overflow (the day of an instant...). */
int64_t time_floor_div(int64_t a, int64_t d);

/*
 * The buckets of step ms (> 0), aligned to multiples of step since the
 * epoch, that cover [from, to) (from < to): *base is the first bucket's
 * start and *n their count.  Any int64 arguments are safe: ERR_INVALID
 * when the first bucket would start before INT64_MIN.
 */
int time_buckets(int64_t from, int64_t to, int64_t step, int64_t *base,
		 uint64_t *n);

/*
 * ERR_INVALID, saying how to narrow the question, when [from, to) in steps
 * of step makes more than TIME_BUCKETS_MAX buckets.
 */
int time_check_buckets(int64_t from, int64_t to, int64_t step, struct err *e);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); no range check. */
int64_t time_days_from_civil(int y, int m, int d);
/* The civil date of a day number; inverse of time_days_from_civil. */
void time_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Parse "YYYY-MM-DD" strictly (valid month and day); 0 or ERR_INVALID. */
int time_parse_date(const char *s, int *y, int *m, int *d);

/* Write "2026-07-01T08:00:00.000Z" (24 chars + NUL) into out; any ms. */
void time_format_iso(int64_t ms, char *out, size_t size);

#endif
