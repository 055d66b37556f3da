/* IANA time zones from TZif files (RFC 8536); see tz.h. */
#include "util/tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_FILE_MAX (1 << 20)

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TZ_NAME_MAX || s[0] == '/' || strstr(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("/_-+", *s)))
			return false;
	return true;
}

static int64_t be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	if (bytes == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* The six counts of a TZif header at p (44 bytes). */
struct counts {
	int64_t isut, isstd, leap, time, type, chr;
};

static void read_counts(const unsigned char *p, struct counts *c)
{
	c->isut = be(p + 20, 4);
	c->isstd = be(p + 24, 4);
	c->leap = be(p + 28, 4);
	c->time = be(p + 32, 4);
	c->type = be(p + 36, 4);
	c->chr = be(p + 40, 4);
}

static int64_t block_size(const struct counts *c, int tb)
{
	return c->time * tb + c->time + c->type * 6 + c->chr +
	       c->leap * (tb + 4) + c->isstd + c->isut;
}

/* A footer "STD-8" or "<+08>-8" without a DST part: its offset in *off. */
static bool fixed_footer(const char *f, size_t n, int32_t *off)
{
	char buf[64];
	const char *p;
	int h = 0, m = 0, sign = 1;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, f, n);
	buf[n] = 0;
	p = buf;
	if (*p == '<') {
		if (!(p = strchr(p, '>')))
			return false;
		p++;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
			p++;
	}
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (sscanf(p, "%d:%d", &h, &m) < 1)
		return false;
	while (*p && ((*p >= '0' && *p <= '9') || *p == ':'))
		p++;
	if (*p)
		return false; /* a DST part follows */
	/* POSIX offsets are west-positive: "CST-8" is UTC+8 */
	*off = (int32_t)(-sign * (h * 3600 + m * 60));
	return true;
}

static int parse(const unsigned char *b, size_t n, struct tz *z,
		 struct err *e)
{
	struct counts c1, c;
	const unsigned char *p, *types, *idx;
	int64_t v1;

	if (n < 44 || memcmp(b, "TZif", 4) || b[4] < '2')
		return err_set(e, ERR_INVALID, "time zone '%s': not a TZif file "
			       "of version 2 or later", z->name);
	read_counts(b, &c1);
	v1 = 44 + block_size(&c1, 4);
	if (v1 < 44 || (size_t)v1 + 44 > n)
		return err_set(e, ERR_INVALID, "time zone '%s': truncated",
			       z->name);
	p = b + v1;
	read_counts(p, &c);
	if (memcmp(p, "TZif", 4) || c.time < 0 || c.type < 1 ||
	    c.time > TZ_MAX_TRANSITIONS || c.type > 256 ||
	    (size_t)(v1 + 44 + block_size(&c, 8)) > n)
		return err_set(e, ERR_INVALID, "time zone '%s': bad header",
			       z->name);
	p += 44;
	idx = p + c.time * 8;
	types = idx + c.time;
	z->n = (int)c.time;
	for (int i = 0; i < z->n; i++) {
		if (idx[i] >= c.type)
			return err_set(e, ERR_INVALID, "time zone '%s': bad "
				       "transition type", z->name);
		z->at[i] = be(p + 8 * i, 8);
		z->off[i] = (int32_t)be(types + 6 * idx[i], 4);
	}
	z->before = (int32_t)be(types, 4);
	for (int i = 0; i < c.type; i++)
		if (!types[6 * i + 4]) { /* the first standard-time type */
			z->before = (int32_t)be(types + 6 * i, 4);
			break;
		}
	/* the footer: "\nRULE\n" after the v2 block */
	{
		const char *f = (const char *)b + v1 + 44 + block_size(&c, 8);
		const char *end = (const char *)b + n;
		const char *nl;
		int32_t off;

		if (f < end && *f == '\n' && (nl = memchr(f + 1, '\n', (size_t)(end - f - 1))) &&
		    fixed_footer(f + 1, (size_t)(nl - f - 1), &off) &&
		    z->n < TZ_MAX_TRANSITIONS) {
			/* from the last transition on: a fixed offset */
			if (z->n == 0)
				z->before = off;
			else
				z->off[z->n - 1] = off;
		}
	}
	return ERR_OK;
}

int tz_load(const char *name, const char *dir, struct tz *out, struct err *e)
{
	char path[4096];
	unsigned char *b = NULL;
	size_t n;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name_ok(name))
		return err_set(e, ERR_INVALID, "time zone '%s': not an IANA zone "
			       "name (like Asia/Shanghai)", name);
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : TZ_DIR, name);
	if (!(f = fopen(path, "rb")))
		return err_set(e, ERR_NOT_FOUND, "time zone '%s': unknown (no "
			       "%s)", name, path);
	if (!(b = malloc(TZ_FILE_MAX))) {
		fclose(f);
		return err_set(e, ERR_NOMEM, "time zone '%s': out of memory",
			       name);
	}
	n = fread(b, 1, TZ_FILE_MAX, f);
	fclose(f);
	rc = parse(b, n, out, e);
	free(b);
	return rc;
}

int32_t tz_offset_at(const struct tz *z, int64_t ms)
{
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int lo = 0, hi = z->n;

	if (z->n == 0 || s < z->at[0])
		return z->before;
	while (hi - lo > 1) { /* the last transition at or before s */
		int mid = (lo + hi) / 2;

		if (z->at[mid] <= s)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t tz_local_midnight_ms(const struct tz *z, int y, int m, int d)
{
	int64_t local = days_from_civil(y, m, d) * 86400000;
	int64_t t = local - (int64_t)tz_offset_at(z, local) * 1000;

	/* once more with the offset in force at the first guess */
	t = local - (int64_t)tz_offset_at(z, t) * 1000;
	return t;
}

static int64_t floor_div(int64_t a, int64_t d)
{
	return a >= 0 ? a / d : -((-a + d - 1) / d);
}

int64_t tz_local_day(const struct tz *z, int64_t ms)
{
	return floor_div(ms + (int64_t)tz_offset_at(z, ms) * 1000, 86400000);
}

static int64_t midnight_guess(const struct tz *z, int64_t day)
{
	int64_t local = day * 86400000;
	int64_t t = local - (int64_t)tz_offset_at(z, local) * 1000;

	return local - (int64_t)tz_offset_at(z, t) * 1000;
}

int64_t tz_day_number_start_ms(const struct tz *z, int64_t day)
{
	int64_t t = midnight_guess(z, day);

	/* a skipped midnight: the guess lies in the day before; the day
	 * starts at the transition */
	if (tz_local_day(z, t) != day)
		for (int i = 0; i < z->n; i++)
			if (z->at[i] * 1000 > t &&
			    tz_local_day(z, z->at[i] * 1000) == day)
				return z->at[i] * 1000;
	return t;
}

int64_t tz_day_start_ms(const struct tz *z, int64_t ms)
{
	return tz_day_number_start_ms(z, tz_local_day(z, ms));
}

int64_t tz_day_next_ms(const struct tz *z, int64_t ms)
{
	return tz_day_number_start_ms(z, tz_local_day(z, ms) + 1);
}

void tz_fixed(struct tz *z, int32_t off_s, const char *name)
{
	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->before = off_s;
}
