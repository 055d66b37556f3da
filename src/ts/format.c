/* Query answers as JSON or CSV. */
#include "ts/format.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/tz.h"

/* local-day buckets are folded from fine buckets read this many at a time */
#define LOCAL_WINDOW_FINE 8192

static const struct {
	const char *name;
	enum ts_agg bit;
} agg_names[] = {
	{ "avg", TS_AGG_AVG }, { "min", TS_AGG_MIN }, { "max", TS_AGG_MAX },
	{ "sum", TS_AGG_SUM }, { "count", TS_AGG_COUNT },
	{ "first", TS_AGG_FIRST }, { "last", TS_AGG_LAST },
};

#define N_AGGS (sizeof(agg_names) / sizeof(agg_names[0]))

int ts_aggs_parse(const char *s, unsigned *mask, struct err *e)
{
	char word[16];
	const char *p = s;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;

		if (len == 0 || len >= sizeof(word))
			goto bad;
		memcpy(word, p, len);
		word[len] = '\0';
		for (size_t i = 0; i < N_AGGS; i++)
			if (!strcmp(word, agg_names[i].name)) {
				*mask |= agg_names[i].bit;
				found = true;
			}
		if (!found)
			goto bad;
		p += len;
		if (*p == ',')
			p++;
	}
	if (*mask)
		return ERR_OK;
bad:
	return err_set(e, ERR_INVALID, "agg '%s': expected a list of avg, min, "
		       "max, sum, count, first, last", s);
}

/* The decimal digits of u, written backwards ending at end; returns start. */
static char *digits_before(uint64_t u, char *end)
{
	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return end;
}

void ts_format_int(struct buf *b, int64_t v)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p;

	p = digits_before(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, end);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(end - p));
}

/* Sensor readings have a fixed resolution: most have at most this many
 * decimals, and below this magnitude k = v * 10^d stays an exact integer. */
#define FIXED_DECIMALS 6
#define FIXED_LIMIT 1e9

/*
 * v as k / 10^d with the fewest decimals d <= FIXED_DECIMALS, if one reads
 * back exactly: k and 10^d are exact doubles, so a correctly rounded
 * parser computes the same division as the check below.  False otherwise.
 */
static bool format_fixed(struct buf *b, double v)
{
	static const double pow10[FIXED_DECIMALS + 1] = {
		1, 10, 100, 1e3, 1e4, 1e5, 1e6,
	};
	char dig[24], *end = dig + sizeof(dig), *p, out[48];
	long long k = 0;
	size_t n, o = 0;
	int d;

	if (!(fabs(v) < FIXED_LIMIT) || (v == 0 && signbit(v)))
		return false;
	for (d = 0; d <= FIXED_DECIMALS; d++) {
		k = llround(v * pow10[d]);
		if ((double)k / pow10[d] == v)
			break;
	}
	if (d > FIXED_DECIMALS)
		return false;
	p = digits_before(k < 0 ? 0 - (uint64_t)k : (uint64_t)k, end);
	n = (size_t)(end - p);
	if (k < 0)
		out[o++] = '-';
	if (n > (size_t)d) {                  /* 213 -> 21.3 */
		memcpy(out + o, p, n - (size_t)d);
		o += n - (size_t)d;
	} else {                              /* 5 -> 0.05 */
		out[o++] = '0';
	}
	if (d) {
		size_t frac = n > (size_t)d ? (size_t)d : n;

		out[o++] = '.';
		for (size_t z = n; z < (size_t)d; z++)
			out[o++] = '0';
		memcpy(out + o, end - frac, frac);
		o += frac;
	}
	buf_append(b, out, o);
	return true;
}

void ts_format_double(struct buf *b, double v)
{
	char s[32];

	if (!isfinite(v)) {             /* JSON has no inf or nan */
		buf_puts(b, "null");
		return;
	}
	if (format_fixed(b, v))
		return;
	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	buf_puts(b, s);
}

/* A value: a number, or where there is none (a sum past the largest
 * double) null in JSON and an empty field in CSV. */
static void put_value(struct buf *b, double v, bool csv)
{
	if (csv && !isfinite(v))
		return;
	ts_format_double(b, v);
}

static void put_time(struct buf *b, int64_t ms, bool csv)
{
	char iso[32];

	if (!csv) {
		ts_format_int(b, ms);
		return;
	}
	time_format_iso(ms, iso, sizeof(iso));
	buf_puts(b, iso);
}

static void put_header(struct buf *b, const struct ts_query *q)
{
	const char *sep = q->csv ? "," : "\",\"";

	if (q->csv) {
		buf_puts(b, "ts");
	} else {
		buf_puts(b, "{\"series\":");
		buf_json_string(b, q->label);
		if (q->unit) {
			buf_puts(b, ",\"unit\":");
			buf_json_string(b, q->unit);
		}
		if (q->step)
			buf_printf(b, ",\"step_ms\":%lld", (long long)q->step);
		buf_puts(b, ",\"columns\":[\"ts");
	}
	if (!q->step) {
		buf_printf(b, "%svalue", sep);
	} else {
		for (size_t i = 0; i < N_AGGS; i++)
			if (q->aggs & agg_names[i].bit)
				buf_printf(b, "%s%s", sep, agg_names[i].name);
	}
	buf_puts(b, q->csv ? "\n" : "\"],\"values\":[");
}

static void put_bucket(struct buf *b, const struct ts_bucket *k, unsigned aggs,
		       bool csv)
{
	const double values[] = { k->sum / (double)k->count, k->min, k->max,
				  k->sum, (double)k->count, k->first, k->last };

	buf_puts(b, csv ? "" : "[");
	put_time(b, k->start, csv);
	for (size_t i = 0; i < N_AGGS; i++) {
		if (!(aggs & agg_names[i].bit))
			continue;
		buf_putc(b, ',');
		put_value(b, values[i], csv);
	}
	buf_puts(b, csv ? "\n" : "]");
}

static void put_point(struct buf *b, const struct ts_point *p, bool csv)
{
	buf_puts(b, csv ? "" : "[");
	put_time(b, p->ts, csv);
	buf_putc(b, ',');
	put_value(b, p->value, csv);
	buf_puts(b, csv ? "\n" : "]");
}

/* The start of the bucket of k local days holding instant ms: buckets
 * are aligned to multiples of k local days since 1970-01-01 (local). */
static int64_t local_bucket_start(const struct tz *z, int64_t ms, int64_t k)
{
	int64_t g = time_floor_div(tz_local_day(z, ms), k) * k;

	return tz_day_number_start_ms(z, g);
}

/* Hours, or quarter-hours when an offset in force over [from, to) is not
 * whole hours: local midnights never split such a bucket. */
static int64_t fine_step(const struct tz *z, int64_t from, int64_t to)
{
	bool quarter = tz_offset_at(z, from) % 3600 != 0;

	for (int i = 0; i < z->n && !quarter; i++)
		quarter = z->at[i] * 1000 >= from && z->at[i] * 1000 < to &&
			  z->off[i] % 3600 != 0;
	return quarter ? 15 * MS_PER_MINUTE : MS_PER_HOUR;
}

/* Fold fine buckets b[0..nb) into the local buckets res[0..*m). */
static int fold(const struct tz *z, int64_t k, const struct ts_bucket *b,
		size_t nb, struct ts_bucket **res, size_t *m, size_t *cap,
		struct err *e)
{
	for (size_t i = 0; i < nb; i++) {
		int64_t start = local_bucket_start(z, b[i].start, k);
		struct ts_bucket *o = *m ? &(*res)[*m - 1] : NULL;

		if (o && o->start == start) {
			o->count += b[i].count;
			o->sum += b[i].sum;
			o->min = fmin(o->min, b[i].min);
			o->max = fmax(o->max, b[i].max);
			o->last = b[i].last;
			continue;
		}
		if (*m == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			struct ts_bucket *g = realloc(*res, nc * sizeof(*g));

			if (!g)
				return err_nomem(e);
			*res = g;
			*cap = nc;
		}
		(*res)[*m] = b[i];
		(*res)[(*m)++].start = start;
	}
	return ERR_OK;
}

int64_t ts_local_fine_step(const struct tz *z, int64_t from, int64_t to)
{
	return fine_step(z, from, to);
}

unsigned ts_local_fine_mask(unsigned aggs)
{
	return aggs | TS_AGG_AVG | TS_AGG_MIN | TS_AGG_MAX | TS_AGG_SUM |
	       TS_AGG_COUNT;
}

int ts_fold_local_days(const struct tz *z, int64_t k,
		       const struct ts_bucket *b, size_t nb,
		       struct ts_bucket **out, size_t *n, struct err *e)
{
	struct ts_bucket *res = NULL;
	size_t m = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (fold(z, k, b, nb, &res, &m, &cap, e)) {
		free(res);
		return e->code;
	}
	*out = res;
	*n = m;
	return ERR_OK;
}

int ts_aggregate_local_days(struct ts_engine *eng, int64_t series,
			    int64_t from, int64_t to, int64_t k,
			    const struct tz *z, unsigned aggs,
			    struct ts_bucket **out, size_t *n, struct err *e)
{
	int64_t fine = fine_step(z, from, to);
	int64_t window = LOCAL_WINDOW_FINE * fine;
	unsigned mask = ts_local_fine_mask(aggs);
	struct ts_bucket *res = NULL;
	size_t m = 0, cap = 0;
	int rc = ERR_OK;

	*out = NULL;
	*n = 0;
	/* windows of fine buckets, so memory stays small whatever the range;
	 * a fine bucket cut by a window's edge folds back together */
	for (int64_t w0 = from; w0 < to && !rc; ) {
		int64_t w1 = to - w0 > window ? w0 + window : to;
		struct ts_bucket *b = NULL;
		size_t nb = 0;

		if (!(rc = ts_engine_aggregate(eng, series, w0, w1, fine, mask,
					       &b, &nb, e)))
			rc = fold(z, k, b, nb, &res, &m, &cap, e);
		free(b);
		w0 = w1;
	}
	if (rc) {
		free(res);
		return rc;
	}
	*out = res;
	*n = m;
	return ERR_OK;
}

int ts_query_write(struct ts_engine *eng, const struct ts_query *q,
		   struct buf *out, struct err *e)
{
	struct ts_point *pts = NULL;
	struct ts_bucket *bk = NULL;
	size_t n;
	int rc;

	if (q->step && q->tz && q->step % MS_PER_DAY == 0)
		rc = ts_aggregate_local_days(eng, q->series, q->from, q->to,
					     q->step / MS_PER_DAY, q->tz,
					     q->aggs, &bk, &n, e);
	else if (q->step)
		rc = ts_engine_aggregate(eng, q->series, q->from, q->to, q->step,
					 q->aggs, &bk, &n, e);
	else
		rc = ts_engine_read(eng, q->series, q->from, q->to, &pts, &n, e);
	if (rc)
		return rc;
	put_header(out, q);
	for (size_t i = 0; i < n; i++) {
		if (i && !q->csv)
			buf_putc(out, ',');
		if (q->step)
			put_bucket(out, &bk[i], q->aggs, q->csv);
		else
			put_point(out, &pts[i], q->csv);
	}
	if (!q->csv)
		buf_puts(out, "]}");
	free(pts);
	free(bk);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}
