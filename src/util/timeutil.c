#include "util/timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec time_deadline_in(int64_t ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	return until;
}

/* Howard Hinnant's days_from_civil, exact for the proleptic Gregorian calendar. */
int64_t time_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Read exactly n digits at *p into *out and advance; false if not digits. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool parse_ymd(const char **p, int *y, int *m, int *d)
{
	if (!read_digits(p, 4, y) || **p != '-')
		return false;
	(*p)++;
	if (!read_digits(p, 2, m) || **p != '-')
		return false;
	(*p)++;
	if (!read_digits(p, 2, d))
		return false;
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m);
}

int time_parse_date(const char *s, int *y, int *m, int *d)
{
	const char *p = s;

	if (!parse_ymd(&p, y, m, d) || *p)
		return ERR_INVALID;
	return ERR_OK;
}

/* A leap second: POSIX time, and so Oasis, has none. */
static int leap_second(const char *s, struct err *e)
{
	return err_set(e, ERR_INVALID, "'%s': a leap second (:60) is not an "
		       "instant Oasis stores (write :59.999 or the next "
		       "second)", s);
}

/*
 * "HH:MM[:SS[.fff]]" at p, then "Z" or "+HH:MM"/"-HH:MM": the ms of the day
 * minus the zone's offset.  s is the whole text, for messages.
 */
static int parse_clock_and_zone(const char *s, const char *p,
				int64_t *ms_of_day, struct err *e)
{
	int hh, mm, ss = 0, oh, om, sign;
	int64_t frac = 0, scale = 100;

	if (!read_digits(&p, 2, &hh) || *p++ != ':' || !read_digits(&p, 2, &mm))
		goto bad;
	if (*p == ':') {
		p++;
		if (!read_digits(&p, 2, &ss))
			goto bad;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			for (; isdigit((unsigned char)*p); p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		goto bad;
	*ms_of_day = ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac;
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			goto bad;
		return ss == 60 ? leap_second(s, e) : ERR_OK;
	}
	if (*p != '+' && *p != '-')
		goto bad;
	sign = *p++ == '-' ? -1 : 1;
	if (!read_digits(&p, 2, &oh))
		goto bad;
	if (*p == ':')
		p++;
	if (!read_digits(&p, 2, &om) || *p || oh > 23 || om > 59)
		goto bad;
	if (ss == 60)
		return leap_second(s, e);
	*ms_of_day -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	return ERR_OK;
bad:
	return err_set(e, ERR_INVALID, "'%s': bad time of day or zone "
		       "(expected e.g. T08:00:00Z or T08:00:00+08:00)", s);
}

static int parse_rfc3339(const char *s, int64_t *out, struct err *e)
{
	const char *p = s;
	int y, m, d, rc;
	int64_t ms_of_day = 0;

	if (!parse_ymd(&p, &y, &m, &d))
		return err_set(e, ERR_INVALID, "'%s' is not a date or time "
			       "(expected RFC 3339, e.g. 2026-07-01T08:00:00Z)", s);
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if ((rc = parse_clock_and_zone(s, p + 1, &ms_of_day, e)))
			return rc;
	} else if (*p) {
		return err_set(e, ERR_INVALID, "'%s': unexpected text after the date", s);
	}
	/* four-digit years: a few hundred thousand days, far inside int64 */
	*out = time_days_from_civil(y, m, d) * MS_PER_DAY + ms_of_day;
	return ERR_OK;
}

/*
 * The decimal digits at s (at least one, nothing else before *end) as an
 * int64; false when there are none or the number passes INT64_MAX.
 */
static bool parse_count(const char *s, const char **end, int64_t *out)
{
	int64_t v = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *p - '0', &v))
			return false;
	*end = p;
	*out = v;
	return p != s;
}

int time_parse_duration(const char *s, int64_t *out_ms, struct err *e)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", MS_PER_SECOND }, { "m", MS_PER_MINUTE },
		{ "h", MS_PER_HOUR }, { "d", MS_PER_DAY }, { "w", 7 * MS_PER_DAY },
	};
	const char *end;
	int64_t n, ms;

	if (!parse_count(s, &end, &n))
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (__builtin_mul_overflow(n, units[i].ms, &ms) ||
		    ms > TIME_SPAN_MAX_MS)
			return err_set(e, ERR_INVALID, "'%s' is longer than %lld "
				       "days (the span from 1970 to 2100)", s,
				       (long long)(TIME_SPAN_MAX_MS / MS_PER_DAY));
		if (ms == 0)
			goto bad;
		*out_ms = ms;
		return ERR_OK;
	}
bad:
	return err_set(e, ERR_INVALID, "'%s' is not a duration (expected a "
		       "positive whole number and a unit: ms, s, m, h, d, w)", s);
}

int time_parse_step(const char *s, int64_t *out_ms, struct err *e)
{
	int64_t ms = 0;
	int rc;

	if ((rc = time_parse_duration(s, &ms, e)))
		return rc;
	if (ms < TIME_STEP_MIN_MS || ms > TIME_STEP_MAX_MS)
		return err_set(e, ERR_INVALID, "'%s' is not a step between 1s "
			       "and 366d", s);
	*out_ms = ms;
	return ERR_OK;
}

bool time_instant_valid(int64_t ms)
{
	return ms >= TIME_MIN_MS && ms <= TIME_MAX_MS;
}

/* "now", "-6h", "now-30d", epoch ms or RFC 3339, before the range check. */
static int parse_instant(const char *s, int64_t now_ms, int64_t *out_ms,
			 struct err *e)
{
	int64_t d;
	const char *p = s, *end;
	int rc;

	if (strcmp(s, "now") == 0) {
		*out_ms = now_ms;
		return ERR_OK;
	}
	if (strncmp(p, "now", 3) == 0)
		p += 3;
	if (*p == '-' && (p != s || !isdigit((unsigned char)p[1]) ||
			  strpbrk(p + 1, "smhdw"))) {
		if ((rc = time_parse_duration(p + 1, &d, e)))
			return e ? err_prefix(e, "'%s'", s) : rc;
		if (__builtin_sub_overflow(now_ms, d, out_ms))
			*out_ms = INT64_MIN;   /* refused by the range check */
		return ERR_OK;
	}
	if (strlen(s) > 8 && parse_count(s, &end, &d) && *end == '\0') {
		*out_ms = d;
		return ERR_OK;
	}
	if (strlen(s) > 8 && isdigit((unsigned char)*s) &&
	    strspn(s, "0123456789") == strlen(s)) {
		*out_ms = INT64_MAX;           /* past 64 bits: out of range */
		return ERR_OK;
	}
	return parse_rfc3339(s, out_ms, e);
}

int time_parse(const char *s, int64_t now_ms, int64_t *out_ms, struct err *e)
{
	int64_t ms = 0;
	int rc;

	if ((rc = parse_instant(s, now_ms, &ms, e)))
		return rc;
	if (!time_instant_valid(ms))
		return err_set(e, ERR_INVALID, "'%s' is outside 1970-01-01 to "
			       "2100-01-01", s);
	*out_ms = ms;
	return ERR_OK;
}

int64_t time_floor_div(int64_t a, int64_t d)
{
	int64_t q = a / d;

	return (a % d != 0 && a < 0) ? q - 1 : q;
}

int time_buckets(int64_t from, int64_t to, int64_t step, int64_t *base,
		 uint64_t *n)
{
	int64_t r = from % step;
	uint64_t span;

	if (r < 0)
		r += step;
	if (__builtin_sub_overflow(from, r, base))
		return ERR_INVALID;
	if (to <= *base) {
		*n = 0;
		return ERR_OK;
	}
	/* to > base: their difference fits in uint64 */
	span = (uint64_t)to - (uint64_t)*base;
	*n = span / (uint64_t)step + (span % (uint64_t)step != 0);
	return ERR_OK;
}

int time_check_buckets(int64_t from, int64_t to, int64_t step, struct err *e)
{
	int64_t base;
	uint64_t n = UINT64_MAX;   /* when even the first bucket overflows */
	char a[32], b[32];

	if (step <= 0)
		return err_set(e, ERR_INVALID, "the step must be positive");
	if (time_buckets(from, to, step, &base, &n) == ERR_OK &&
	    n <= TIME_BUCKETS_MAX)
		return ERR_OK;
	time_format_iso(from, a, sizeof(a));
	time_format_iso(to, b, sizeof(b));
	return err_set(e, ERR_INVALID, "from %s to %s in steps of %lld ms makes "
		       "%llu buckets, more than %d: use a larger 'step' or a "
		       "shorter range ('from', 'to')", a, b, (long long)step,
		       (unsigned long long)n, TIME_BUCKETS_MAX);
}

void time_format_iso(int64_t ms, char *out, size_t size)
{
	int64_t days = time_floor_div(ms, MS_PER_DAY);
	int64_t rest = ms % MS_PER_DAY;         /* not ms - days * day: overflows */
	int y, m, d;

	if (rest < 0)
		rest += MS_PER_DAY;
	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
		 (int)(rest / MS_PER_HOUR), (int)(rest / MS_PER_MINUTE % 60),
		 (int)(rest / 1000 % 60), (int)(rest % 1000));
}
