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

/* "HH:MM:SS[.fff]" then "Z" or "+HH:MM"/"-HH:MM"; ms of day minus offset. */
static bool parse_clock_and_zone(const char *p, int64_t *ms_of_day)
{
	int hh, mm, ss, oh, om, sign;
	int64_t frac = 0, scale = 100;

	if (!read_digits(&p, 2, &hh) || *p++ != ':' || !read_digits(&p, 2, &mm))
		return false;
	ss = 0;
	if (*p == ':') {
		p++;
		if (!read_digits(&p, 2, &ss))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			for (; isdigit((unsigned char)*p); p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return false;
	*ms_of_day = ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac;
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0';
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!read_digits(&p, 2, &oh))
		return false;
	if (*p == ':')
		p++;
	if (!read_digits(&p, 2, &om) || *p || oh > 23 || om > 59)
		return false;
	*ms_of_day -= sign * ((int64_t)oh * 3600 + om * 60) * 1000;
	return true;
}

static int parse_rfc3339(const char *s, int64_t *out, struct err *e)
{
	const char *p = s;
	int y, m, d;
	int64_t ms_of_day = 0;

	if (!parse_ymd(&p, &y, &m, &d))
		return err_set(e, ERR_INVALID, "'%s' is not a date or time "
			       "(expected RFC 3339, e.g. 2026-07-01T08:00:00Z)", s);
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (!parse_clock_and_zone(p + 1, &ms_of_day))
			return err_set(e, ERR_INVALID, "'%s': bad time of day or "
				       "zone (expected e.g. T08:00:00Z or "
				       "T08:00:00+08:00)", s);
	} else if (*p) {
		return err_set(e, ERR_INVALID, "'%s': unexpected text after the date", s);
	}
	*out = time_days_from_civil(y, m, d) * MS_PER_DAY + ms_of_day;
	return ERR_OK;
}

int time_parse_duration(const char *s, int64_t *out_ms, struct err *e)
{
	static const struct { const char *unit; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", MS_PER_SECOND }, { "m", MS_PER_MINUTE },
		{ "h", MS_PER_HOUR }, { "d", MS_PER_DAY }, { "w", 7 * MS_PER_DAY },
	};
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || errno || n <= 0)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (n > INT64_MAX / units[i].ms)
				goto bad;
			*out_ms = n * units[i].ms;
			return ERR_OK;
		}
	}
bad:
	return err_set(e, ERR_INVALID, "'%s' is not a duration (expected a "
		       "positive number and a unit: ms, s, m, h, d, w)", s);
}

int time_parse(const char *s, int64_t now_ms, int64_t *out_ms, struct err *e)
{
	int64_t d;
	const char *p = s;
	bool digits = *s != '\0';

	if (strcmp(s, "now") == 0) {
		*out_ms = now_ms;
		return ERR_OK;
	}
	if (strncmp(p, "now", 3) == 0)
		p += 3;
	if (*p == '-' && (p != s || !isdigit((unsigned char)p[1]) ||
			  strpbrk(p + 1, "smhdw"))) {
		if (time_parse_duration(p + 1, &d, e))
			return e ? e->code : ERR_INVALID;
		*out_ms = now_ms - d;
		return ERR_OK;
	}
	for (const char *q = s; *q; q++)
		digits &= isdigit((unsigned char)*q) != 0;
	if (digits && strlen(s) > 8) {
		*out_ms = strtoll(s, NULL, 10);
		return ERR_OK;
	}
	return parse_rfc3339(s, out_ms, e);
}

void time_format_iso(int64_t ms, char *out, size_t size)
{
	int64_t days = ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
	int64_t rest = ms - days * MS_PER_DAY;
	int y, m, d;

	time_civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
		 (int)(rest / MS_PER_HOUR), (int)(rest / MS_PER_MINUTE % 60),
		 (int)(rest / 1000 % 60), (int)(rest % 1000));
}
