/* NMEA 0183 GGA, RMC and VTG sentences into fixes; see nmea.h. */
#include "fleet/nmea.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_DAY INT64_C(86400000)
#define HALF_DAY_MS (MS_PER_DAY / 2)
#define MAX_FIELDS 32
#define KNOT_MS (1852.0 / 3600.0)

/* One sentence's fields, split at commas (pointers into the text). */
struct fields {
	const char *s[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	int n;
};

/* The parse of one text: where it is and what it has found so far. */
struct parser {
	struct nmea_track *t;
	size_t base;          /* the first fix of this text */
	int64_t *dates;       /* per fix of this text: its RMC date, or -1 */
	size_t dates_cap;
	long cur;             /* the epoch being built (index in t), or -1 */
	double pend_speed, pend_course; /* a VTG before any epoch */
	uint32_t line;
	struct err *e;
};

void nmea_track_init(struct nmea_track *t)
{
	memset(t, 0, sizeof(*t));
}

void nmea_track_free(struct nmea_track *t)
{
	free(t->fixes);
	memset(t, 0, sizeof(*t));
}

unsigned nmea_checksum(const char *s, size_t len)
{
	unsigned x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= (unsigned char)s[i];
	return x;
}

static int bad(struct parser *p, const char *why, const char *detail)
{
	return err_set(p->e, ERR_INVALID, "line %u: %s%s", p->line, why,
		       detail ? detail : "");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* An unsigned decimal: digits [. digits], a digit on some side. */
static bool parse_decimal(const char *s, size_t n, double *out)
{
	char buf[40];
	size_t dots = 0, digits = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else
			return false;
	}
	if (dots > 1 || digits == 0)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	return isfinite(*out);
}

/* hhmmss[.s...] into milliseconds of the day. */
static bool parse_time(const char *s, size_t n, int64_t *ms)
{
	double sec;
	int h, m;

	if (n < 6 || !is_digits(s, 6))
		return false;
	if (n > 6 && (s[6] != '.' || (n > 7 && !is_digits(s + 7, n - 7))))
		return false;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[2] - '0') * 10 + (s[3] - '0');
	if (!parse_decimal(s + 4, n - 4, &sec))
		return false;
	if (h > 23 || m > 59 || sec >= 61)
		return false;
	*ms = (int64_t)h * 3600000 + m * 60000 + (int64_t)llround(sec * 1000);
	return true;
}

/* ddmmyy into the UTC midnight of that day, in ms. */
static bool parse_date(const char *s, size_t n, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int d, mo, y;

	if (n != 6 || !is_digits(s, 6))
		return false;
	d = (s[0] - '0') * 10 + (s[1] - '0');
	mo = (s[2] - '0') * 10 + (s[3] - '0');
	y = (s[4] - '0') * 10 + (s[5] - '0');
	y += y < 80 ? 2000 : 1900;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	*ms = (int64_t)timegm(&tm) * 1000;
	return true;
}

/*
 * A latitude (ddmm.mmm) or longitude (dddmm.mmm) and its hemisphere into
 * signed degrees.  Both empty: *deg NAN, true.
 */
static bool parse_coord(const struct fields *f, int i, bool lon, double *deg)
{
	const char *h = f->s[i + 1];
	double v, d, min, max = lon ? 180 : 90;

	*deg = NAN;
	if (f->len[i] == 0 && f->len[i + 1] == 0)
		return true;
	if (f->len[i + 1] != 1 || !parse_decimal(f->s[i], f->len[i], &v))
		return false;
	d = floor(v / 100);
	min = v - d * 100;
	if (min >= 60 || d + min / 60 > max)
		return false;
	v = d + min / 60;
	if (lon ? (*h == 'W' || *h == 'w') : (*h == 'S' || *h == 's'))
		v = -v;
	else if (lon ? (*h != 'E' && *h != 'e') : (*h != 'N' && *h != 'n'))
		return false;
	*deg = v;
	return true;
}

/* An optional number: empty gives NAN. */
static bool parse_opt(const struct fields *f, int i, double *out)
{
	*out = NAN;
	return f->len[i] == 0 || parse_decimal(f->s[i], f->len[i], out);
}

static int grow(struct parser *p)
{
	struct nmea_track *t = p->t;
	size_t mine = t->n - p->base;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct nmea_fix *f = realloc(t->fixes, cap * sizeof(*f));

		if (!f)
			return err_nomem(p->e);
		t->fixes = f;
		t->cap = cap;
	}
	if (mine == p->dates_cap) {
		size_t cap = p->dates_cap ? p->dates_cap * 2 : 64;
		int64_t *d = realloc(p->dates, cap * sizeof(*d));

		if (!d)
			return err_nomem(p->e);
		p->dates = d;
		p->dates_cap = cap;
	}
	return ERR_OK;
}

/*
 * The fix of the epoch at tod (ms of the day): the current one when it has
 * that time, else a new one.  While parsing, ts_ms holds the time of day.
 */
static int epoch(struct parser *p, int64_t tod, struct nmea_fix **out)
{
	struct nmea_fix *f;
	int rc;

	if (p->cur >= 0 && p->t->fixes[p->cur].ts_ms == tod) {
		*out = &p->t->fixes[p->cur];
		return ERR_OK;
	}
	if ((rc = grow(p)))
		return rc;
	f = &p->t->fixes[p->t->n];
	f->ts_ms = tod;
	f->lat = f->lon = NAN;
	f->speed_ms = p->pend_speed;
	f->course_deg = p->pend_course;
	f->quality = -1;
	f->line = p->line;
	p->pend_speed = p->pend_course = NAN;
	p->dates[p->t->n - p->base] = -1;
	p->cur = (long)p->t->n++;
	*out = f;
	return ERR_OK;
}

static bool course_ok(double *c)
{
	if (isnan(*c))
		return true;
	if (*c > 360)
		return false;
	if (*c == 360)
		*c = 0;
	return true;
}

static int on_gga(struct parser *p, const struct fields *f)
{
	struct nmea_fix *fix;
	double lat, lon;
	int64_t tod;
	int q = -1, rc;

	if (f->n < 7)
		return bad(p, "GGA: too few fields", NULL);
	if (f->len[6] > 0) {
		if (f->len[6] != 1 || !is_digits(f->s[6], 1))
			return bad(p, "GGA: field 6 (fix quality) is not a digit", NULL);
		q = f->s[6][0] - '0';
	}
	if (!parse_coord(f, 2, false, &lat))
		return bad(p, "GGA: bad latitude (fields 2-3)", NULL);
	if (!parse_coord(f, 4, true, &lon))
		return bad(p, "GGA: bad longitude (fields 4-5)", NULL);
	if (f->len[1] == 0)
		return ERR_OK; /* no time yet: nothing to place */
	if (!parse_time(f->s[1], f->len[1], &tod))
		return bad(p, "GGA: bad UTC time (field 1)", NULL);
	if ((rc = epoch(p, tod, &fix)))
		return rc;
	fix->quality = q < 0 ? 0 : q;
	if (q > 0 && !isnan(lat) && !isnan(lon)) {
		fix->lat = lat;
		fix->lon = lon;
	}
	return ERR_OK;
}

static int on_rmc(struct parser *p, const struct fields *f)
{
	struct nmea_fix *fix;
	double lat, lon, kn, course;
	int64_t tod, date = -1;
	bool valid;
	int rc;

	if (f->n < 10)
		return bad(p, "RMC: too few fields", NULL);
	if (f->len[2] != 1 || (f->s[2][0] != 'A' && f->s[2][0] != 'V'))
		return bad(p, "RMC: field 2 (status) is not A or V", NULL);
	if (!parse_coord(f, 3, false, &lat))
		return bad(p, "RMC: bad latitude (fields 3-4)", NULL);
	if (!parse_coord(f, 5, true, &lon))
		return bad(p, "RMC: bad longitude (fields 5-6)", NULL);
	if (!parse_opt(f, 7, &kn))
		return bad(p, "RMC: field 7 (speed, knots) is not a number", NULL);
	if (!parse_opt(f, 8, &course) || !course_ok(&course))
		return bad(p, "RMC: field 8 (course) is not a bearing", NULL);
	if (f->len[9] && !parse_date(f->s[9], f->len[9], &date))
		return bad(p, "RMC: bad date (field 9, ddmmyy)", NULL);
	valid = f->s[2][0] == 'A' && !(f->n > 12 && f->len[12] == 1 &&
				       f->s[12][0] == 'N');
	if (f->len[1] == 0)
		return ERR_OK;
	if (!parse_time(f->s[1], f->len[1], &tod))
		return bad(p, "RMC: bad UTC time (field 1)", NULL);
	if ((rc = epoch(p, tod, &fix)))
		return rc;
	if (date >= 0)
		p->dates[p->cur - (long)p->base] = date;
	if (!valid)
		return ERR_OK;
	if (isnan(fix->lat) && !isnan(lat) && !isnan(lon)) {
		fix->lat = lat;
		fix->lon = lon;
	}
	if (!isnan(kn))
		fix->speed_ms = kn * KNOT_MS;
	if (!isnan(course))
		fix->course_deg = course;
	return ERR_OK;
}

static int on_vtg(struct parser *p, const struct fields *f)
{
	double course, kn, kmh, speed;

	if (f->n < 9)
		return bad(p, "VTG: too few fields", NULL);
	if (!parse_opt(f, 1, &course) || !course_ok(&course))
		return bad(p, "VTG: field 1 (course, true) is not a bearing", NULL);
	if (!parse_opt(f, 5, &kn))
		return bad(p, "VTG: field 5 (speed, knots) is not a number", NULL);
	if (!parse_opt(f, 7, &kmh))
		return bad(p, "VTG: field 7 (speed, km/h) is not a number", NULL);
	if (f->n > 9 && f->len[9] == 1 && f->s[9][0] == 'N')
		return ERR_OK; /* mode: data not valid */
	speed = !isnan(kmh) ? kmh / 3.6 : kn * KNOT_MS;
	if (p->cur < 0) {
		p->pend_speed = speed;
		p->pend_course = course;
		return ERR_OK;
	}
	if (!isnan(speed))
		p->t->fixes[p->cur].speed_ms = speed;
	if (!isnan(course))
		p->t->fixes[p->cur].course_deg = course;
	return ERR_OK;
}

static bool talker_known(const char *t)
{
	static const char *const talkers[] = { "GP", "GL", "GA", "BD", "GB",
					       "GQ", "GI", "GN" };

	for (size_t i = 0; i < sizeof(talkers) / sizeof(talkers[0]); i++)
		if (!strncmp(t, talkers[i], 2))
			return true;
	return false;
}

static void split(const char *s, size_t n, struct fields *f)
{
	size_t start = 0;

	f->n = 0;
	for (size_t i = 0; i <= n && f->n < MAX_FIELDS; i++)
		if (i == n || s[i] == ',') {
			f->s[f->n] = s + start;
			f->len[f->n++] = i - start;
			start = i + 1;
		}
}

/* The body (between '$' and '*', checksum verified) of one sentence. */
static int on_sentence(struct parser *p, const char *s, size_t n)
{
	struct fields f;
	char detail[48];

	split(s, n, &f);
	p->t->sentences++;
	if (f.len[0] >= 1 && s[0] == 'P') {
		p->t->skipped++; /* proprietary ($PUBX, $PTNL...) */
		return ERR_OK;
	}
	if (f.len[0] != 5 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
	    s[1] > 'Z')
		return bad(p, "the address is not a talker and a sentence type "
			   "($GPGGA)", NULL);
	if (!talker_known(s)) {
		snprintf(detail, sizeof(detail), " '%.2s'", s);
		return bad(p, "unknown talker", detail);
	}
	if (!strncmp(s + 2, "GGA", 3))
		return on_gga(p, &f);
	if (!strncmp(s + 2, "RMC", 3))
		return on_rmc(p, &f);
	if (!strncmp(s + 2, "VTG", 3))
		return on_vtg(p, &f);
	p->t->skipped++;
	return ERR_OK;
}

/* One line (without its end): check the frame and the checksum. */
static int on_line(struct parser *p, const char *s, size_t n)
{
	char detail[64];
	const char *star;
	int hi, lo;
	unsigned sum;

	if (n > NMEA_LINE_MAX) {
		snprintf(detail, sizeof(detail), " (%zu bytes; at most %d)", n,
			 NMEA_LINE_MAX);
		return bad(p, "the line is too long", detail);
	}
	if (s[0] != '$')
		return bad(p, "a sentence starts with '$'", NULL);
	star = memchr(s, '*', n);
	if (!star)
		return bad(p, "no checksum (*HH) at the end of the sentence", NULL);
	if ((size_t)(star - s) + 3 != n || (hi = hexval(star[1])) < 0 ||
	    (lo = hexval(star[2])) < 0)
		return bad(p, "the checksum is not two hex digits ending the "
			   "sentence", NULL);
	for (const char *c = s + 1; c < star; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7E ||
		    *c == '$' || *c == '!') {
			snprintf(detail, sizeof(detail), " (byte 0x%02X at "
				 "column %td)", (unsigned char)*c, c - s + 1);
			return bad(p, "a character NMEA does not allow", detail);
		}
	sum = nmea_checksum(s + 1, (size_t)(star - s - 1));
	if (sum != (unsigned)(hi * 16 + lo)) {
		snprintf(detail, sizeof(detail), " *%.2s does not match the "
			 "sentence (its bytes give %02X)", star + 1, sum);
		return bad(p, "checksum", detail);
	}
	return on_sentence(p, s + 1, (size_t)(star - s - 1));
}

/* Turn each fix's time of day into an instant (see nmea.h). */
static void resolve_days(struct parser *p, int64_t now_ms)
{
	struct nmea_fix *fx;
	size_t n = p->t->n - p->base, first = n;
	int64_t day;

	if (n == 0)
		return;
	fx = p->t->fixes + p->base;

	for (size_t i = 0; i < n && first == n; i++)
		if (p->dates[i] >= 0)
			first = i;
	if (first < n) {
		day = p->dates[first];
		for (size_t i = first; i-- > 0;) {
			if (fx[i].ts_ms > fx[i + 1].ts_ms + HALF_DAY_MS)
				day -= MS_PER_DAY;
			fx[i].ts_ms += day;
		}
		day = p->dates[first];
	} else {
		first = 0;
		day = now_ms - ((now_ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
		if (n && day + fx[0].ts_ms > now_ms + 3600000)
			day -= MS_PER_DAY;
	}
	for (size_t i = first; i < n; i++) {
		int64_t tod = fx[i].ts_ms;

		if (p->dates[i] >= 0)
			day = p->dates[i];
		else if (i > first && tod + HALF_DAY_MS < fx[i - 1].ts_ms - day)
			day += MS_PER_DAY;
		fx[i].ts_ms = day + tod;
	}
}

int nmea_parse(const char *text, size_t len, int64_t now_ms,
	       struct nmea_track *t, struct err *e)
{
	struct parser p = { .t = t, .base = t->n, .cur = -1, .e = e,
			    .pend_speed = NAN, .pend_course = NAN };
	size_t pos = 0;
	int rc = ERR_OK;

	while (pos < len && !rc) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - pos;

		p.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n)
			rc = on_line(&p, text + pos, n);
		pos = end + 1;
	}
	if (!rc)
		resolve_days(&p, now_ms);
	else
		t->n = p.base; /* all of this text or none of it */
	free(p.dates);
	return rc;
}
