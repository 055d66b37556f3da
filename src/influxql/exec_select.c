/*
 * influxql/exec_select: SELECT over the engine.  The matched devices are
 * grouped (by measurement and the GROUP BY tags, sorted as influxd sorts
 * series); each column is computed over the group's series of its field:
 *  - mean, sum, count, min, max, spread: from the engine's buckets
 *    (ts_engine_aggregate: chunk summaries where they suffice), summed
 *    over the group's series;
 *  - median, percentile, stddev, first, last (and anything with a GROUP BY
 *    time offset): from the raw points, merged in time order.
 * Buckets start at multiples of the interval since the epoch (plus the
 * offset), the first at or before the lower bound, as influxd's; fill()
 * then LIMIT/OFFSET apply per series.
 */
#include "influxql/exec_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts/engine.h"
#include "ts/format.h"
#include "util/g17.h"
#include "util/timeutil.h"

#define MS_NS 1000000
#define MAX_SELECT_BUCKETS ((size_t)1 << 20)
#define TIME_END_MS 4102444800000LL   /* 2100-01-01 */
#define MAX_RAW_ROWS ((size_t)10 << 20)  /* rows of raw points a statement */

/* A column being computed: per bucket a value and whether it has one. */
struct column {
	const struct iq_field *f;
	char name[IQ_NAME_MAX + 8];
	double *v;
	unsigned char *has;
	int64_t sel_ts;            /* selector's point time (no GROUP BY time) */
};

struct plan {
	const struct iq_env *env;
	const struct iq_catalog *cat;
	const struct iq_stmt *st;
	int64_t from, to;          /* inclusive ms */
	int64_t iv, base;          /* interval (0: none) and first bucket start */
	size_t nb;                 /* buckets */
	struct iq_field fields[IQ_MAX_FIELDS * 4];
	size_t n_fields;
	bool aggregate;
	bool any_plot;             /* GROUP BY *: a matched device has a plot */
};

/* A group: the devices of one series of the answer. */
struct group {
	const char *name;
	const char *keys[IQ_MAX_GROUP_TAGS + 2], *values[IQ_MAX_GROUP_TAGS + 2];
	size_t n_tags;
	size_t *devs;
	size_t n;
};

static int64_t ceil_div(int64_t a, int64_t d)
{
	return -time_floor_div(-a, d);
}

static int64_t bucket_of(const struct plan *p, int64_t t)
{
	int64_t off = p->st->offset_ns / MS_NS;

	return time_floor_div(t - off, p->iv) * p->iv + off;
}

static int plan_times(struct plan *p, struct err *e)
{
	const struct iq_stmt *st = p->st;
	int64_t last;

	p->from = st->has_tmin ? ceil_div(st->tmin, MS_NS) : 0;
	p->to = st->has_tmax ? time_floor_div(st->tmax, MS_NS)
			     : p->aggregate && st->interval_ns ? p->env->now_ms
							       : TIME_END_MS;
	if (p->from < 0)
		p->from = 0;
	if (p->to > TIME_END_MS)
		p->to = TIME_END_MS;
	p->nb = 1;
	p->base = st->has_tmin ? p->from : 0;
	if (!p->aggregate || !st->interval_ns)
		return ERR_OK;
	p->iv = st->interval_ns / MS_NS;
	if (p->iv <= 0 || st->interval_ns % MS_NS)
		return err_set(e, ERR_INVALID, "Oasis groups by whole "
			       "milliseconds: time(%lldns) is not one",
			       (long long)st->interval_ns);
	if (p->to < p->from)
		return ERR_OK;
	p->base = bucket_of(p, p->from);
	last = bucket_of(p, p->to);
	if ((uint64_t)(last - p->base) / (uint64_t)p->iv >= MAX_SELECT_BUCKETS)
		return err_set(e, ERR_INVALID, "max-select-buckets limit "
			       "exceeded: (%llu/%zu)",
			       (unsigned long long)((last - p->base) / p->iv + 1),
			       MAX_SELECT_BUCKETS);
	p->nb = (size_t)((last - p->base) / p->iv) + 1;
	return ERR_OK;
}

/* The series id of device/metric; false if it has none. */
static bool series_of(const struct iq_catalog *cat, const char *device,
		      const char *metric, int64_t *id)
{
	size_t lo = 0, hi = cat->snap->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct ingest_series_ref *r = &cat->snap->refs[mid];
		int c = strcmp(r->device, device);

		if (!c)
			c = strcmp(r->metric, metric);
		if (!c) {
			*id = r->id;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int field_cmp(const void *a, const void *b)
{
	return strcmp(((const struct iq_field *)a)->name,
		      ((const struct iq_field *)b)->name);
}

/* SELECT * of raw points shows the tags too: device, and plot if any. */
static void star_tags(struct plan *p, size_t from)
{
	bool plot = false;

	if (p->aggregate || p->n_fields + 2 > sizeof(p->fields) / sizeof(p->fields[0]))
		return;
	for (size_t i = 0; i < p->cat->n_devices; i++)
		plot |= p->cat->devices[i].matched && p->cat->devices[i].plot[0];
	for (size_t i = from; i < p->n_fields; i++)
		if (!strcmp(p->fields[i].name, "device") ||
		    !strcmp(p->fields[i].name, "plot"))
			return; /* a metric of that name: leave it */
	memset(&p->fields[p->n_fields], 0, sizeof(p->fields[0]));
	strcpy(p->fields[p->n_fields++].name, "device");
	if (plot) {
		memset(&p->fields[p->n_fields], 0, sizeof(p->fields[0]));
		strcpy(p->fields[p->n_fields++].name, "plot");
	}
}

/* SELECT *: every field of the matched devices (and tags), sorted. */
static int expand_fields(struct plan *p, struct err *e)
{
	const struct iq_stmt *st = p->st;
	size_t first_star;

	for (size_t i = 0; i < st->n_fields; i++) {
		if (strcmp(st->fields[i].name, "*")) {
			if (p->n_fields == sizeof(p->fields) / sizeof(p->fields[0]))
				return err_set(e, ERR_INVALID, "too many fields");
			p->fields[p->n_fields++] = st->fields[i];
			continue;
		}
		first_star = p->n_fields;
		for (size_t k = 0; k < p->cat->snap->n; k++) {
			const struct ingest_series_ref *r = &p->cat->snap->refs[k];
			const struct iq_device *d = iq_catalog_device(p->cat, r->device);
			bool seen = false;

			if (!d || !d->matched)
				continue;
			for (size_t j = 0; j < p->n_fields; j++)
				seen |= !strcmp(p->fields[j].name, r->metric);
			if (seen)
				continue;
			if (p->n_fields == sizeof(p->fields) / sizeof(p->fields[0]))
				return err_set(e, ERR_INVALID, "SELECT * names more "
					       "than %zu fields: name them",
					       sizeof(p->fields) / sizeof(p->fields[0]));
			memset(&p->fields[p->n_fields], 0, sizeof(p->fields[0]));
			snprintf(p->fields[p->n_fields++].name, IQ_NAME_MAX, "%s",
				 r->metric);
		}
		star_tags(p, first_star);
		qsort(p->fields + first_star, p->n_fields - first_star,
		      sizeof(p->fields[0]), field_cmp);
	}
	for (size_t i = 0; i < p->n_fields; i++)
		if (!p->fields[i].func && (!strcmp(p->fields[i].name, "device") ||
					   !strcmp(p->fields[i].name, "plot")))
			p->fields[i].tag = true;
	return ERR_OK;
}

/* ---- groups ---------------------------------------------------------------- */

/* The value of a group key of a device: the measurement, then the tags. */
static const char *key_value(const struct plan *p, const struct iq_device *d,
			     size_t k)
{
	const char *keys[2], *values[2];
	size_t n = iq_device_tags(d, keys, values);
	const char *key;

	if (k == 0)
		return p->st->measurement[0] && !p->st->measurement_re
		       ? p->st->measurement : d->measurement;
	if (p->st->group_all)
		key = k == 1 ? "device" : "plot";
	else
		key = p->st->group_tags[k - 1];
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return values[i];
	return "";
}

static size_t n_keys(const struct plan *p)
{
	if (p->st->group_all)
		return p->any_plot ? 3 : 2;
	return 1 + p->st->n_group_tags;
}

static int dev_cmp(const void *a, const void *b, void *ctx)
{
	const struct plan *sort_plan = ctx;
	const struct iq_device *x = &sort_plan->cat->devices[*(const size_t *)a];
	const struct iq_device *y = &sort_plan->cat->devices[*(const size_t *)b];

	for (size_t k = 0; k < n_keys(sort_plan); k++) {
		int c = strcmp(key_value(sort_plan, x, k),
			       key_value(sort_plan, y, k));
		if (c)
			return c;
	}
	return strcmp(x->id, y->id);
}

static bool same_group(const struct plan *p, size_t a, size_t b)
{
	for (size_t k = 0; k < n_keys(p); k++)
		if (strcmp(key_value(p, &p->cat->devices[a], k),
			   key_value(p, &p->cat->devices[b], k)))
			return false;
	return true;
}

static void group_tags(const struct plan *p, struct group *g)
{
	const struct iq_device *d = &p->cat->devices[g->devs[0]];

	g->name = key_value(p, d, 0);
	g->n_tags = n_keys(p) - 1;
	for (size_t k = 1; k < n_keys(p); k++) {
		g->keys[k - 1] = p->st->group_all ? (k == 1 ? "device" : "plot")
						  : p->st->group_tags[k - 1];
		g->values[k - 1] = key_value(p, d, k);
	}
}

/* ---- computing columns -------------------------------------------------------- */

struct pts {
	struct ts_point *v;
	size_t n, cap;
};

static int pts_add(struct pts *a, const struct ts_point *src, size_t n)
{
	if (a->n + n > a->cap) {
		size_t cap = (a->n + n) * 2;
		struct ts_point *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	memcpy(a->v + a->n, src, n * sizeof(*src));
	a->n += n;
	return ERR_OK;
}

static int pt_cmp(const void *a, const void *b)
{
	const struct ts_point *x = a, *y = b;

	return (x->ts > y->ts) - (x->ts < y->ts);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The group's points of a field, in time order (ties: device order). */
static int group_points(const struct plan *p, const struct group *g,
			const char *field, struct pts *out, struct err *e)
{
	for (size_t i = 0; i < g->n; i++) {
		struct ts_point *v = NULL;
		size_t n = 0;
		int64_t id;

		if (!series_of(p->cat, p->cat->devices[g->devs[i]].id, field, &id))
			continue;
		if (ts_engine_read(p->env->ts, id, p->from, p->to, &v, &n, e))
			return e->code;
		if (pts_add(out, v, n)) {
			free(v);
			return err_nomem(e);
		}
		free(v);
	}
	if (g->n > 1 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), pt_cmp);
	return ERR_OK;
}

/* One bucket's value of a function over points v[0..n) (n > 0). */
static bool reduce(const struct iq_field *f, const struct ts_point *v, size_t n,
		   double *scratch, double *out, int64_t *ts)
{
	double sum = 0, mn = v[0].value, mx = v[0].value;
	size_t imn = 0, imx = 0;

	for (size_t i = 0; i < n; i++) {
		sum += v[i].value;
		if (v[i].value < mn) {
			mn = v[i].value;
			imn = i;
		}
		if (v[i].value > mx) {
			mx = v[i].value;
			imx = i;
		}
	}
	*ts = v[0].ts;
	switch (f->func) {
	case IQ_MEAN: *out = sum / (double)n; return true;
	case IQ_SUM: *out = sum; return true;
	case IQ_COUNT: *out = (double)n; return true;
	case IQ_MIN: *out = mn; *ts = v[imn].ts; return true;
	case IQ_MAX: *out = mx; *ts = v[imx].ts; return true;
	case IQ_SPREAD: *out = mx - mn; return true;
	case IQ_FIRST: *out = v[0].value; return true;
	case IQ_LAST: *out = v[n - 1].value; *ts = v[n - 1].ts; return true;
	case IQ_STDDEV: {
		double mean = sum / (double)n, ss = 0;

		if (n < 2)
			return false;
		for (size_t i = 0; i < n; i++)
			ss += (v[i].value - mean) * (v[i].value - mean);
		*out = sqrt(ss / (double)(n - 1));
		return true;
	}
	default:
		break;
	}
	for (size_t i = 0; i < n; i++)
		scratch[i] = v[i].value;
	qsort(scratch, n, sizeof(*scratch), dbl_cmp);
	if (f->func == IQ_MEDIAN) {
		*out = n % 2 ? scratch[n / 2]
			     : scratch[n / 2 - 1] +
			       (scratch[n / 2] - scratch[n / 2 - 1]) / 2;
		return true;
	}
	{ /* percentile: influxd's nearest rank */
		long i = (long)floor((double)n * f->arg / 100.0 + 0.5) - 1;

		if (i < 0 || (size_t)i >= n)
			return false;
		*out = scratch[i];
		for (size_t k = 0; k < n; k++)
			if (v[k].value == *out) {
				*ts = v[k].ts;
				break;
			}
		return true;
	}
}

static int column_raw(const struct plan *p, const struct group *g,
		      struct column *c, struct err *e)
{
	struct pts a = { 0 };
	double *scratch = NULL;
	size_t i = 0;
	int rc;

	if ((rc = group_points(p, g, c->f->name, &a, e)))
		goto out_free;
	if (a.n && !(scratch = malloc(a.n * sizeof(*scratch)))) {
		rc = err_nomem(e);
		goto out_free;
	}
	while (i < a.n) {
		size_t j = i, b = 0;
		int64_t ts;

		if (p->iv) {
			int64_t start = bucket_of(p, a.v[i].ts);

			while (j < a.n && bucket_of(p, a.v[j].ts) == start)
				j++;
			b = (size_t)((start - p->base) / p->iv);
		} else {
			j = a.n;
		}
		if (b < p->nb && reduce(c->f, a.v + i, j - i, scratch, &c->v[b], &ts)) {
			c->has[b] = 1;
			c->sel_ts = ts;
		}
		i = j;
	}
out_free:
	free(a.v);
	free(scratch);
	return rc;
}

static bool summable(enum iq_func f)
{
	return f == IQ_MEAN || f == IQ_SUM || f == IQ_COUNT || f == IQ_MIN ||
	       f == IQ_MAX || f == IQ_SPREAD;
}

/* mean, sum, count, min, max, spread from the engine's buckets. */
static int column_buckets(const struct plan *p, const struct group *g,
			  struct column *c, struct err *e)
{
	double *sum = calloc(p->nb, sizeof(*sum)), *mn, *mx;
	uint64_t *count = calloc(p->nb, sizeof(*count));
	int rc = ERR_OK;

	mn = malloc(p->nb * sizeof(*mn));
	mx = malloc(p->nb * sizeof(*mx));
	if (!sum || !count || !mn || !mx) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (size_t i = 0; !rc && i < g->n; i++) {
		struct ts_bucket *bk = NULL;
		size_t n = 0;
		int64_t id;

		if (!series_of(p->cat, p->cat->devices[g->devs[i]].id, c->f->name, &id))
			continue;
		if ((rc = ts_engine_aggregate(p->env->ts, id, p->from, p->to + 1,
					      p->iv, TS_AGG_AVG | TS_AGG_MIN |
					      TS_AGG_MAX | TS_AGG_SUM |
					      TS_AGG_COUNT, &bk, &n, e)))
			break;
		for (size_t k = 0; k < n; k++) {
			size_t b = (size_t)((bk[k].start - p->base) / p->iv);

			if (b >= p->nb || !bk[k].count)
				continue;
			mn[b] = count[b] && mn[b] < bk[k].min ? mn[b] : bk[k].min;
			mx[b] = count[b] && mx[b] > bk[k].max ? mx[b] : bk[k].max;
			sum[b] += bk[k].sum;
			count[b] += bk[k].count;
		}
		free(bk);
	}
	for (size_t b = 0; !rc && b < p->nb; b++) {
		if (!count[b])
			continue;
		c->has[b] = 1;
		switch (c->f->func) {
		case IQ_MEAN: c->v[b] = sum[b] / (double)count[b]; break;
		case IQ_SUM: c->v[b] = sum[b]; break;
		case IQ_COUNT: c->v[b] = (double)count[b]; break;
		case IQ_MIN: c->v[b] = mn[b]; break;
		case IQ_MAX: c->v[b] = mx[b]; break;
		default: c->v[b] = mx[b] - mn[b]; break;
		}
	}
out_free:
	free(sum);
	free(count);
	free(mn);
	free(mx);
	return rc;
}

static void fill_column(const struct plan *p, struct column *c)
{
	enum iq_fill fill = p->st->fill;
	size_t prev = SIZE_MAX;

	for (size_t b = 0; b < p->nb; b++) {
		if (c->has[b]) {
			if (fill == IQ_FILL_LINEAR && prev != SIZE_MAX && b > prev + 1)
				for (size_t k = prev + 1; k < b; k++) {
					c->v[k] = c->v[prev] + (c->v[b] - c->v[prev]) *
						  (double)(k - prev) / (double)(b - prev);
					c->has[k] = 2;
				}
			prev = b;
			continue;
		}
		if (fill == IQ_FILL_PREVIOUS && prev != SIZE_MAX) {
			c->v[b] = c->v[prev];
			c->has[b] = 2;
		} else if (fill == IQ_FILL_VALUE) {
			c->v[b] = p->st->fill_value;
			c->has[b] = 2;
		} else if (fill == IQ_FILL_NULL && c->f->func == IQ_COUNT) {
			c->v[b] = 0;
			c->has[b] = 2;
		}
	}
}

/* ---- writing ----------------------------------------------------------------- */

static void name_columns(const struct plan *p, struct column *cols)
{
	for (size_t i = 0; i < p->n_fields; i++) {
		const struct iq_field *f = &p->fields[i];
		const char *base = f->alias[0] ? f->alias
			: f->func == IQ_RAW ? f->name
			: (const char *[]){ "", "mean", "median", "min", "max",
					    "sum", "count", "first", "last",
					    "spread", "stddev",
					    "percentile" }[f->func];
		size_t dup = 0;

		for (size_t k = 0; k < i; k++)
			dup += !strncmp(cols[k].name, base, strlen(base)) &&
			       (cols[k].name[strlen(base)] == '\0' ||
				cols[k].name[strlen(base)] == '_');
		if (dup)
			snprintf(cols[i].name, sizeof(cols[i].name), "%s_%zu", base, dup);
		else
			snprintf(cols[i].name, sizeof(cols[i].name), "%s", base);
	}
}

static void series_head(const struct plan *p, const struct group *g,
			const struct column *cols, struct iq_series *s)
{
	buf_puts(&s->head, "\"name\":");
	buf_json_string(&s->head, g->name);
	if (g->n_tags) {
		buf_puts(&s->head, ",\"tags\":{");
		for (size_t k = 0; k < g->n_tags; k++) {
			if (k)
				buf_putc(&s->head, ',');
			buf_json_string(&s->head, g->keys[k]);
			buf_putc(&s->head, ':');
			buf_json_string(&s->head, g->values[k]);
		}
		buf_putc(&s->head, '}');
	}
	buf_puts(&s->head, ",\"columns\":[\"time\"");
	for (size_t i = 0; i < p->n_fields; i++) {
		buf_putc(&s->head, ',');
		buf_json_string(&s->head, cols[i].name);
	}
	buf_putc(&s->head, ']');
}

static void cell(struct buf *b, const struct column *c, size_t k,
		 const struct iq_device *dev)
{
	buf_putc(b, ',');
	if (c->f->tag) {
		const char *v = !dev ? "" : !strcmp(c->f->name, "device")
				? dev->id : dev->plot;

		if (*v)
			buf_json_string(b, v);
		else
			buf_puts(b, "null");
		return;
	}
	if (!c->has[k])
		buf_puts(b, "null");
	else if (c->f->func == IQ_COUNT)
		ts_format_int(b, (int64_t)c->v[k]);
	else if (!isfinite(c->v[k]))
		buf_puts(b, "null");
	else {
		char num[G17_MAX];

		buf_append(b, num, g17_shortest(c->v[k], num));
	}
}

/* Rows in order (DESC reversed), OFFSET and LIMIT applied. */
static int write_rows(const struct plan *p, struct iq_series *s,
		      const int64_t *times, const struct column *cols,
		      size_t nrows, const unsigned char *keep,
		      const size_t *rowdev, struct err *e)
{
	size_t skipped = 0, written = 0;
	int rc;

	for (size_t r = 0; r < nrows; r++) {
		size_t k = p->st->desc ? nrows - 1 - r : r;

		if (!keep[k])
			continue;
		if (skipped < (size_t)p->st->offset) {
			skipped++;
			continue;
		}
		if (p->st->limit > 0 && written == (size_t)p->st->limit)
			break;
		buf_putc(&s->rows, '[');
		iq_format_time(&s->rows, times[k], p->env->epoch);
		for (size_t i = 0; i < p->n_fields; i++)
			cell(&s->rows, &cols[i], k, rowdev
			     ? &p->cat->devices[rowdev[k]] : NULL);
		buf_putc(&s->rows, ']');
		if ((rc = iq_series_row_end(s, e)))
			return rc;
		written++;
	}
	return ERR_OK;
}

static void columns_free(struct column *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cols[i].v);
		free(cols[i].has);
	}
}

/* An aggregate group: a column per field over the buckets, then rows. */
static int aggregate_group(const struct plan *p, const struct group *g,
			   struct iq_result *r, struct err *e)
{
	struct column cols[IQ_MAX_FIELDS * 4] = { 0 };
	int64_t *times = malloc(p->nb * sizeof(*times));
	unsigned char *keep = calloc(p->nb, 1);
	bool any = false, single_selector;
	struct iq_series *s;
	int rc = ERR_OK;

	/* a lone selector without GROUP BY time answers its point's time */
	single_selector = !p->iv && p->n_fields == 1 &&
			  (p->fields[0].func == IQ_MIN || p->fields[0].func == IQ_MAX ||
			   p->fields[0].func == IQ_FIRST || p->fields[0].func == IQ_LAST ||
			   p->fields[0].func == IQ_PERCENTILE);
	if (!times || !keep) {
		rc = err_nomem(e);
		goto out_free;
	}
	name_columns(p, cols);
	for (size_t i = 0; !rc && i < p->n_fields; i++) {
		cols[i].f = &p->fields[i];
		cols[i].v = calloc(p->nb, sizeof(double));
		cols[i].has = calloc(p->nb, 1);
		if (!cols[i].v || !cols[i].has)
			rc = err_nomem(e);
		else if (p->iv && summable(cols[i].f->func) && !p->st->offset_ns)
			rc = column_buckets(p, g, &cols[i], e);
		else
			rc = column_raw(p, g, &cols[i], e);
	}
	for (size_t b = 0; !rc && b < p->nb; b++) {
		times[b] = p->base + (int64_t)b * p->iv;
		for (size_t i = 0; i < p->n_fields; i++)
			keep[b] |= cols[i].has[b];
		any |= keep[b];
	}
	if (rc || !any)
		goto out_free;
	if (single_selector)
		times[0] = cols[0].sel_ts;
	for (size_t i = 0; i < p->n_fields; i++)
		fill_column(p, &cols[i]);
	if (p->st->fill != IQ_FILL_NONE)
		memset(keep, 1, p->nb);
	if (!(s = iq_result_add(r, e))) {
		rc = e->code;
		goto out_free;
	}
	series_head(p, g, cols, s);
	rc = write_rows(p, s, times, cols, p->nb, keep, NULL, e);
out_free:
	columns_free(cols, p->n_fields);
	free(times);
	free(keep);
	return rc;
}

/* ---- raw rows ---------------------------------------------------------------- */

/* A device's rows: its fields' points merged by time. */
static int device_rows(const struct plan *p, size_t dev, size_t **rowdev,
		       struct pts *per_field, int64_t **times, size_t *nrows,
		       struct column *cols, size_t *cap, struct err *e)
{
	const struct iq_device *d = &p->cat->devices[dev];
	size_t *at = calloc(p->n_fields, sizeof(*at));

	if (!at)
		return err_nomem(e);
	for (size_t i = 0; i < p->n_fields; i++) {
		int64_t id;

		per_field[i].n = 0;
		if (p->fields[i].tag ||
		    !series_of(p->cat, d->id, p->fields[i].name, &id))
			continue;
		free(per_field[i].v);
		per_field[i].v = NULL;
		if (ts_engine_read(p->env->ts, id, p->from, p->to,
				   &per_field[i].v, &per_field[i].n, e)) {
			free(at);
			return e->code;
		}
	}
	for (;;) {
		int64_t t = INT64_MAX;

		for (size_t i = 0; i < p->n_fields; i++)
			if (at[i] < per_field[i].n && per_field[i].v[at[i]].ts < t)
				t = per_field[i].v[at[i]].ts;
		if (t == INT64_MAX)
			break;
		if (*nrows == MAX_RAW_ROWS) {
			free(at);
			return err_set(e, ERR_INVALID, "Oasis answers at most %zu "
				       "rows of raw points a statement: narrow "
				       "the time range or the tags",
				       MAX_RAW_ROWS);
		}
		if (*nrows == *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			int64_t *tt = realloc(*times, ncap * sizeof(*tt));
			size_t *rd = tt ? realloc(*rowdev, ncap * sizeof(*rd)) : NULL;

			if (tt)
				*times = tt;
			if (rd)
				*rowdev = rd;
			else
				tt = NULL;
			for (size_t i = 0; tt && i < p->n_fields; i++) {
				double *v = realloc(cols[i].v, ncap * sizeof(*v));
				unsigned char *h = v ? realloc(cols[i].has, ncap) : NULL;

				if (v)
					cols[i].v = v;
				if (h)
					cols[i].has = h;
				if (!v || !h)
					tt = NULL;
			}
			if (!tt) {
				free(at);
				return err_nomem(e);
			}
			*cap = ncap;
		}
		(*times)[*nrows] = t;
		(*rowdev)[*nrows] = dev;
		for (size_t i = 0; i < p->n_fields; i++) {
			bool here = at[i] < per_field[i].n &&
				    per_field[i].v[at[i]].ts == t;

			cols[i].has[*nrows] = here;
			cols[i].v[*nrows] = here ? per_field[i].v[at[i]++].value : 0;
		}
		(*nrows)++;
	}
	free(at);
	return ERR_OK;
}

static int order_cmp(const void *a, const void *b, void *ctx)
{
	const int64_t *order_times = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (order_times[x] != order_times[y])
		return order_times[x] < order_times[y] ? -1 : 1;
	return (x > y) - (x < y);
}

static int raw_group(const struct plan *p, const struct group *g,
		     struct iq_result *r, struct err *e)
{
	struct column cols[IQ_MAX_FIELDS * 4] = { 0 }, sorted[IQ_MAX_FIELDS * 4];
	struct pts per_field[IQ_MAX_FIELDS * 4] = { 0 };
	int64_t *times = NULL, *stimes = NULL;
	size_t nrows = 0, cap = 0, *order = NULL, *rowdev = NULL, *srowdev = NULL;
	unsigned char *keep = NULL;
	struct iq_series *s;
	int rc = ERR_OK;

	name_columns(p, cols);
	for (size_t i = 0; i < p->n_fields; i++)
		cols[i].f = &p->fields[i];
	for (size_t i = 0; !rc && i < g->n; i++)
		rc = device_rows(p, g->devs[i], &rowdev, per_field, &times,
				 &nrows, cols, &cap, e);
	if (rc || nrows == 0)
		goto out_free;
	memcpy(sorted, cols, sizeof(cols));
	order = malloc(nrows * sizeof(*order));
	stimes = malloc(nrows * sizeof(*stimes));
	srowdev = malloc(nrows * sizeof(*srowdev));
	keep = malloc(nrows);
	for (size_t i = 0; i < p->n_fields && order; i++) {
		sorted[i].v = malloc(nrows * sizeof(double));
		sorted[i].has = malloc(nrows);
		if (!sorted[i].v || !sorted[i].has) {
			for (size_t k = 0; k <= i; k++) {
				free(sorted[k].v);
				free(sorted[k].has);
			}
			free(order);
			order = NULL;
		}
	}
	if (!order || !stimes || !keep || !srowdev) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (size_t k = 0; k < nrows; k++)
		order[k] = k;
	if (g->n > 1)
		qsort_r(order, nrows, sizeof(*order), order_cmp, times);
	for (size_t k = 0; k < nrows; k++) {
		stimes[k] = times[order[k]];
		srowdev[k] = rowdev[order[k]];
		keep[k] = 1;
		for (size_t i = 0; i < p->n_fields; i++) {
			sorted[i].v[k] = cols[i].v[order[k]];
			sorted[i].has[k] = cols[i].has[order[k]];
		}
	}
	if ((s = iq_result_add(r, e))) {
		series_head(p, g, cols, s);
		rc = write_rows(p, s, stimes, sorted, nrows, keep, srowdev, e);
	} else {
		rc = e->code;
	}
	columns_free(sorted, p->n_fields);
out_free:
	columns_free(cols, p->n_fields);
	for (size_t i = 0; i < p->n_fields; i++)
		free(per_field[i].v);
	free(times);
	free(stimes);
	free(rowdev);
	free(srowdev);
	free(order);
	free(keep);
	return rc;
}

/* ---- the statement ---------------------------------------------------------- */

int iq_select(const struct iq_env *env, const struct iq_catalog *cat,
	      const struct iq_stmt *st, struct iq_result *r, struct err *e)
{
	struct plan p = { .env = env, .cat = cat, .st = st };
	size_t *devs = NULL, n = 0, series = 0;
	int rc;

	p.aggregate = st->n_fields && st->fields[0].func != IQ_RAW;
	if ((rc = expand_fields(&p, e)) || (rc = plan_times(&p, e)))
		return rc;
	if (p.to < p.from || !(devs = malloc((cat->n_devices + 1) * sizeof(*devs))))
		return p.to < p.from ? ERR_OK : err_nomem(e);
	for (size_t i = 0; i < cat->n_devices; i++)
		if (cat->devices[i].matched) {
			devs[n++] = i;
			p.any_plot |= cat->devices[i].plot[0] != '\0';
		}
	qsort_r(devs, n, sizeof(*devs), dev_cmp, &p);
	for (size_t i = 0; !rc && i < n;) {
		struct group g = { .devs = devs + i, .n = 1 };
		size_t before = r->n;

		while (i + g.n < n && same_group(&p, devs[i], devs[i + g.n]))
			g.n++;
		i += g.n;
		group_tags(&p, &g);
		if (st->slimit > 0 && series >= (size_t)(st->slimit + st->soffset))
			break;
		rc = p.aggregate ? aggregate_group(&p, &g, r, e)
				 : raw_group(&p, &g, r, e);
		if (!rc && r->n > before && series++ < (size_t)st->soffset) {
			/* SOFFSET: drop the series */
			buf_free(&r->series[before].head);
			buf_free(&r->series[before].rows);
			free(r->series[before].ends);
			r->n = before;
		}
	}
	free(devs);
	return rc;
}
