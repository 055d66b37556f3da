/*
 * timeutil: instants as int64 milliseconds since 1970-01-01T00:00:00Z (UTC),
 * their parsing from what people and devices write, and durations.
 */
#ifndef OASIS_UTIL_TIMEUTIL_H
#define OASIS_UTIL_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/err.h"

#define MS_PER_SECOND INT64_C(1000)
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)
#define MS_PER_DAY (24 * MS_PER_HOUR)

int64_t time_now_ms(void);
/* The CLOCK_REALTIME instant ms from now, for pthread_cond_timedwait. */
struct timespec time_deadline_in(int64_t ms);

/*
 * Parse an instant: RFC 3339 ("2026-07-01T08:00:00Z", "...+08:00", fractional
 * seconds), a date ("2026-07-01", midnight UTC), integer milliseconds since
 * the epoch, "now", or now minus a duration ("-6h", "now-30d").
 */
int time_parse(const char *s, int64_t now_ms, int64_t *out_ms, struct err *e);

/* Parse a duration "500ms", "30s", "10m", "1h", "7d", "2w" into ms (> 0). */
int time_parse_duration(const char *s, int64_t *out_ms, struct err *e);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); no range check. */
int64_t time_days_from_civil(int y, int m, int d);
/* The civil date of a day number; inverse of time_days_from_civil. */
void time_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Parse "YYYY-MM-DD" strictly (valid month and day); 0 or ERR_INVALID. */
int time_parse_date(const char *s, int *y, int *m, int *d);

/* Write "2026-07-01T08:00:00.000Z" (24 chars + NUL) into out. */
void time_format_iso(int64_t ms, char *out, size_t size);

#endif
