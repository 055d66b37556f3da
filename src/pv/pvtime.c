/*
 * pvtime: strict RFC 3339 instants with their offset (see pv/pvtime.h).
 */
#include "pv/pvtime.h"

#include <string.h>

#include "util/timeutil.h"

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				  31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

/* The offset part: Z or +HH:MM or -HH:MM, all of s[0..len). */
static int parse_offset(const char *s, size_t len, int *offset_min)
{
	int h, m;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*offset_min = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	h = digits(s + 1, 2);
	m = digits(s + 4, 2);
	if (h < 0 || m < 0 || h > 23 || m > 59)
		return -1;
	*offset_min = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return 0;
}

int pv_time_parse(const char *s, size_t len, int64_t *ms, int *offset_min,
		  struct err *e)
{
	int y, mo, d, h, mi, sec, frac = 0;
	size_t i = 19, nf = 0;

	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		goto bad;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59 ||
	    d > days_in_month(y, mo))
		goto bad;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nf++)
			if (nf < 3)
				frac = frac * 10 + (s[i] - '0');
		if (nf == 0 || nf > 3)
			goto bad;
		for (; nf < 3; nf++)
			frac *= 10;
	}
	if (parse_offset(s + i, len - i, offset_min))
		goto bad;
	*ms = ((time_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) *
		      MS_PER_MINUTE + sec * MS_PER_SECOND + frac -
	      (int64_t)*offset_min * MS_PER_MINUTE;
	return ERR_OK;
bad:
	return err_set(e, ERR_INVALID,
		       "'%.*s' is not a time like 2025-06-21T14:00:00+08:00 "
		       "(an offset or Z is required)", (int)(len > 64 ? 64 : len),
		       s);
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t pv_time_format(int64_t ms, int offset_min, int zulu, char *out)
{
	int64_t local = ms + (int64_t)offset_min * MS_PER_MINUTE;
	int64_t days = local >= 0 ? local / MS_PER_DAY :
				    -((-local + MS_PER_DAY - 1) / MS_PER_DAY);
	int64_t rest = local - days * MS_PER_DAY;
	int y, m, d, off = offset_min < 0 ? -offset_min : offset_min;
	size_t n;

	time_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return 0; /* the parser cannot produce such years */
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, (int)(rest / MS_PER_HOUR));
	out[13] = ':';
	put2(out + 14, (int)(rest / MS_PER_MINUTE % 60));
	out[16] = ':';
	put2(out + 17, (int)(rest / MS_PER_SECOND % 60));
	n = 19;
	if (rest % 1000) {
		out[n++] = '.';
		out[n++] = (char)('0' + rest % 1000 / 100);
		put2(out + n, (int)(rest % 100));
		n += 2;
	}
	if (zulu && offset_min == 0) {
		out[n++] = 'Z';
	} else {
		out[n++] = offset_min < 0 ? '-' : '+';
		put2(out + n, off / 60);
		out[n + 2] = ':';
		put2(out + n + 3, off % 60);
		n += 5;
	}
	out[n] = '\0';
	return n;
}
