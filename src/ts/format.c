/* Query answers as JSON or CSV. */
#include "ts/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

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

void ts_format_double(struct buf *b, double v)
{
	char s[32];

	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	buf_puts(b, s);
}

static void put_time(struct buf *b, int64_t ms, bool csv)
{
	char iso[32];

	if (!csv) {
		buf_printf(b, "%lld", (long long)ms);
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
		ts_format_double(b, values[i]);
	}
	buf_puts(b, csv ? "\n" : "]");
}

static void put_point(struct buf *b, const struct ts_point *p, bool csv)
{
	buf_puts(b, csv ? "" : "[");
	put_time(b, p->ts, csv);
	buf_putc(b, ',');
	ts_format_double(b, p->value);
	buf_puts(b, csv ? "\n" : "]");
}

int ts_query_write(struct ts_engine *eng, const struct ts_query *q,
		   struct buf *out, struct err *e)
{
	struct ts_point *pts = NULL;
	struct ts_bucket *bk = NULL;
	size_t n;
	int rc;

	if (q->step)
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
