/*
 * Reading the engine: a series' points in a range, and downsampled
 * aggregates that answer from chunk summaries where they can.  Each read
 * gathers its chunks (raw and rolled up) and its head from one consistent
 * view (view.c, invariant 7).
 */
#include "ts/engine_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* Points from one place (a chunk or the head), sorted and unique. */
struct source {
	struct ts_point *pts;
	size_t n;
	int64_t seq;        /* the head ranks above every chunk */
};

struct gather {
	struct source *src;
	size_t n, cap;
	int64_t from, to;
	struct err *e;
};

static int add_source(struct gather *g, struct ts_point *pts, size_t n,
		      int64_t seq)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct source *s = realloc(g->src, cap * sizeof(*s));

		if (!s) {
			free(pts);
			return err_nomem(g->e);
		}
		g->src = s;
		g->cap = cap;
	}
	g->src[g->n++] = (struct source){ pts, n, seq };
	return ERR_OK;
}

static int gather_chunk(const struct db_chunk *k, void *ctx)
{
	struct gather *g = ctx;
	struct ts_point *pts;
	size_t n;
	int rc;

	rc = ts_codec_decode_alloc(k->data, k->len, &pts, &n, g->e);
	if (rc)
		return err_prefix(g->e, "chunk %lld of series %lld", (long long)k->seq,
				  (long long)k->series);
	return add_source(g, pts, n, k->seq);
}

/* The head's copy joins the sources, ranked above every chunk. */
static int gather_head(struct gather *g, struct ts_point *head, size_t n)
{
	if (!n) {
		free(head);
		return ERR_OK;
	}
	return add_source(g, head, n, INT64_MAX);
}

/* Drop what was gathered (a view read starting again), keep the range. */
static void gather_clear(struct gather *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->src[i].pts);
	g->n = 0;
}

static void gather_free(struct gather *g)
{
	gather_clear(g);
	free(g->src);
}

/* A range of the view whose chunks are decoded into g. */
static struct db_chunk_range gather_range(int64_t series, struct gather *g)
{
	return (struct db_chunk_range){ series, g->from, g->to, gather_chunk, g };
}

/* Do the sources, in order, follow one another without touching? */
static bool disjoint_in_order(const struct gather *g)
{
	for (size_t i = 1; i < g->n; i++)
		if (g->src[i].pts[0].ts <= g->src[i - 1].pts[g->src[i - 1].n - 1].ts)
			return false;
	return true;
}

/* Merge overlapping sources: for a repeated timestamp the highest seq wins. */
static int merge_overlapping(const struct gather *g, struct ts_point *out,
			     size_t *n_out)
{
	struct ts_merge m = { 0 };
	int rc = ERR_OK;

	for (size_t i = 0; i < g->n && !rc; i++)
		rc = ts__merge_add(&m, g->src[i].pts, g->src[i].n, g->src[i].seq);
	if (!rc)
		*n_out = ts__merge_finish(&m, out);
	ts__merge_free(&m);
	return rc;
}

static int compare_source(const void *a, const void *b)
{
	const struct source *x = a, *y = b;

	if (x->pts[0].ts != y->pts[0].ts)
		return x->pts[0].ts < y->pts[0].ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- rolled-up periods ------------------------------------------------------- */

/* The chunks of the six derived series over [from, to], as gathered. */
struct rollup_gather {
	struct gather f[TS_ROLLUP_FIELDS];
};

static void rollup_gather_init(struct rollup_gather *rg, int64_t from,
			       int64_t to, struct err *e)
{
	for (int i = 0; i < TS_ROLLUP_FIELDS; i++)
		rg->f[i] = (struct gather){ .from = from, .to = to, .e = e };
}

/* Six ranges of a view, one per field, into r[0..5]. */
static void rollup_ranges(int64_t series, struct rollup_gather *rg,
			  struct db_chunk_range *r)
{
	for (int i = 0; i < TS_ROLLUP_FIELDS; i++)
		r[i] = gather_range(ts_rollup_series(series, i), &rg->f[i]);
}

static void rollup_gather_clear(struct rollup_gather *rg)
{
	for (int i = 0; i < TS_ROLLUP_FIELDS; i++)
		gather_clear(&rg->f[i]);
}

static void rollup_gather_free(struct rollup_gather *rg)
{
	for (int i = 0; i < TS_ROLLUP_FIELDS; i++)
		gather_free(&rg->f[i]);
}

/* The points one derived series' chunks gathered, in range, in time order. */
static int field_points(struct gather *g, struct ts_point **out, size_t *n,
			struct err *e)
{
	size_t total = 0, k = 0;
	int rc = ERR_OK;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < g->n; i++)
		total += g->src[i].n;
	if (total && !(*out = malloc(total * sizeof(**out))))
		rc = err_nomem(e);
	if (!rc && g->n > 1)
		qsort(g->src, g->n, sizeof(*g->src), compare_source);
	for (size_t i = 0; !rc && i < g->n; i++)
		for (size_t j = 0; j < g->src[i].n; j++)
			if (g->src[i].pts[j].ts >= g->from &&
			    g->src[i].pts[j].ts <= g->to)
				(*out)[k++] = g->src[i].pts[j];
	*n = k;
	return rc;
}

/* The rolled-up rows of a series in [from, to]: every field, row-aligned. */
struct rollup_rows {
	struct ts_point *f[TS_ROLLUP_FIELDS];
	size_t n;
};

static void rollup_rows_free(struct rollup_rows *r)
{
	for (int i = 0; i < TS_ROLLUP_FIELDS; i++) {
		free(r->f[i]);
		r->f[i] = NULL; /* freed twice on errors otherwise */
	}
}

static int read_rollups(struct rollup_gather *rg, int64_t series,
			struct rollup_rows *r, struct err *e)
{
	size_t n[TS_ROLLUP_FIELDS];
	int rc = ERR_OK;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < TS_ROLLUP_FIELDS && !rc; i++)
		rc = field_points(&rg->f[i], &r->f[i], &n[i], e);
	for (int i = 1; i < TS_ROLLUP_FIELDS && !rc; i++)
		if (n[i] != n[0])
			rc = err_set(e, ERR_STORE, "the rollups of series %lld "
				     "disagree (%zu and %zu rows)",
				     (long long)series, n[0], n[i]);
	if (rc)
		rollup_rows_free(r);
	else
		r->n = n[0];
	return rc;
}

/* A raw read over a rolled-up period: each step's mean at its start. */
static int add_rollup_means(struct rollup_gather *rg, int64_t series,
			    struct gather *g, struct err *e)
{
	struct rollup_rows r;
	struct ts_point *pts;
	int rc;

	if ((rc = read_rollups(rg, series, &r, e)) || !r.n) {
		rollup_rows_free(&r);
		return rc;
	}
	pts = r.f[TS_ROLLUP_SUM];
	for (size_t i = 0; i < r.n; i++)
		pts[i].value /= r.f[TS_ROLLUP_COUNT][i].value;
	r.f[TS_ROLLUP_SUM] = NULL;
	rc = add_source(g, pts, r.n, 0);
	rollup_rows_free(&r);
	return rc;
}

/* Trim n sorted points to [from, to], in place: *out = pts, *kept. */
static void keep_range(struct ts_point *pts, size_t n, int64_t from,
		       int64_t to, struct ts_point **out, size_t *kept)
{
	size_t lo = 0, hi = n;

	while (lo < hi && pts[lo].ts < from)
		lo++;
	while (hi > lo && pts[hi - 1].ts > to)
		hi--;
	memmove(pts, pts + lo, (hi - lo) * sizeof(*pts));
	*out = pts;
	*kept = hi - lo;
}

/*
 * Sources in time order into one array of sorted, unique points, trimmed
 * to [from, to] (chunks hold whole windows).  *out is the caller's.
 */
static int combine(struct gather *g, int64_t from, int64_t to,
		   struct ts_point **out, size_t *n, struct err *e)
{
	struct ts_point *pts;
	size_t total = 0, k = 0;

	for (size_t i = 0; i < g->n; i++)
		total += g->src[i].n;
	if (!(pts = malloc((total ? total : 1) * sizeof(*pts))))
		return err_nomem(e);
	if (g->n > 1)
		qsort(g->src, g->n, sizeof(*g->src), compare_source);
	if (disjoint_in_order(g)) {
		for (size_t i = 0; i < g->n; i++) {
			memcpy(pts + k, g->src[i].pts, g->src[i].n * sizeof(*pts));
			k += g->src[i].n;
		}
	} else if (merge_overlapping(g, pts, &k)) {
		free(pts);
		return err_nomem(e);
	}
	keep_range(pts, k, from, to, out, n);
	return ERR_OK;
}

/* What a raw read gathers from its view. */
struct point_read {
	struct gather raw;
	struct rollup_gather rg;
};

static void point_read_reset(void *ctx)
{
	struct point_read *pr = ctx;

	gather_clear(&pr->raw);
	rollup_gather_clear(&pr->rg);
}

/* The points in [from, to]; with_rollups adds the rolled-up steps' means. */
static int read_points(struct ts_engine *eng, int64_t series, int64_t from,
		       int64_t to, bool with_rollups, struct ts_point **out,
		       size_t *n, struct err *e)
{
	struct point_read pr = { .raw = { .from = from, .to = to, .e = e } };
	struct db_chunk_range r[1 + TS_ROLLUP_FIELDS];
	struct ts_view v = { r, with_rollups ? 1 + TS_ROLLUP_FIELDS : 1, series,
			     from, to, point_read_reset, &pr };
	struct ts_point *head;
	size_t nh;
	int rc;

	*out = NULL;
	*n = 0;
	rollup_gather_init(&pr.rg, from, to, e);
	r[0] = gather_range(series, &pr.raw);
	rollup_ranges(series, &pr.rg, r + 1);
	if ((rc = ts__view_read(eng, &v, &head, &nh, e)) ||
	    (rc = gather_head(&pr.raw, head, nh)) ||
	    (with_rollups && (rc = add_rollup_means(&pr.rg, series, &pr.raw, e))))
		goto out;
	rc = combine(&pr.raw, from, to, out, n, e);
out:
	gather_free(&pr.raw);
	rollup_gather_free(&pr.rg);
	return rc;
}

int ts_engine_read(struct ts_engine *eng, int64_t series, int64_t from,
		   int64_t to, struct ts_point **out, size_t *n,
		   struct err *e)
{
	return read_points(eng, series, from, to, true, out, n, e);
}

/* ---- aggregates -------------------------------------------------------------- */

#define MAX_BUCKETS ((size_t)10 << 20)

/* A chunk of the range: its header's summary, and where its bytes are. */
struct planned {
	int64_t ts_min, ts_max, seq;
	struct ts_chunk_summary sum;
	size_t offset, len;          /* in agg_plan.bytes */
};

struct agg_plan {
	struct planned *chunks;      /* in the range, by ts_min */
	size_t n, cap;
	struct buf bytes;            /* the chunks' bytes, one after another */
	struct err *e;
};

static int plan_chunk(const struct db_chunk *k, void *ctx)
{
	struct agg_plan *p = ctx;
	struct planned *c;
	int rc;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;

		if (!(c = realloc(p->chunks, cap * sizeof(*c))))
			return err_nomem(p->e);
		p->chunks = c;
		p->cap = cap;
	}
	c = &p->chunks[p->n];
	c->ts_min = k->ts_min;
	c->ts_max = k->ts_max;
	c->seq = k->seq;
	if ((rc = ts_codec_summary(k->data, k->len, &c->sum, p->e)))
		return err_prefix(p->e, "chunk %lld of series %lld",
				  (long long)k->seq, (long long)k->series);
	/* kept: the points may be needed after the view's transaction */
	c->offset = p->bytes.len;
	c->len = k->len;
	buf_append(&p->bytes, k->data, k->len);
	if (buf_failed(&p->bytes))
		return err_nomem(p->e);
	p->n++;
	return ERR_OK;
}

static void plan_clear(void *ctx)
{
	struct agg_plan *p = ctx;

	p->n = 0;
	buf_reset(&p->bytes);
}

static void plan_free(struct agg_plan *p)
{
	free(p->chunks);
	buf_free(&p->bytes);
}

/* What an aggregate gathers from its view. */
struct agg_read {
	struct agg_plan *plan;
	struct rollup_gather rg;
};

static void agg_read_reset(void *ctx)
{
	struct agg_read *ar = ctx;

	plan_clear(ar->plan);
	rollup_gather_clear(&ar->rg);
}

/* Do the planned chunks, then the head, follow one another in time? */
static bool plan_in_order(const struct agg_plan *p, const struct ts_point *head,
			  size_t nh)
{
	for (size_t i = 1; i < p->n; i++)
		if (p->chunks[i].ts_min <= p->chunks[i - 1].ts_max)
			return false;
	return !nh || !p->n || head[0].ts > p->chunks[p->n - 1].ts_max;
}

/*
 * The common case, chunks and head in order: decode straight into one
 * array (the summaries give the counts), then trim it to [from, to].
 */
static int plan_points_in_order(const struct agg_plan *p,
				const struct ts_point *head, size_t nh,
				int64_t from, int64_t to, struct ts_point **out,
				size_t *n, struct err *e)
{
	size_t total = nh, k = 0, got;
	struct ts_point *pts;
	int rc;

	for (size_t i = 0; i < p->n; i++)
		total += p->chunks[i].sum.count;
	if (!(pts = malloc((total ? total : 1) * sizeof(*pts))))
		return err_nomem(e);
	for (size_t i = 0; i < p->n; i++, k += got)
		if ((rc = ts_codec_decode(p->bytes.data + p->chunks[i].offset,
					  p->chunks[i].len, pts + k, total - k,
					  &got, e))) {
			free(pts);
			return err_prefix(e, "chunk %lld",
					  (long long)p->chunks[i].seq);
		}
	if (nh)
		memcpy(pts + k, head, nh * sizeof(*pts));
	keep_range(pts, k + nh, from, to, out, n);
	return ERR_OK;
}

/* The points of the planned chunks and the head, in [from, to]. */
static int plan_points(const struct agg_plan *p, struct ts_point **head,
		       size_t nh, int64_t from, int64_t to,
		       struct ts_point **out, size_t *n, struct err *e)
{
	struct gather g = { .from = from, .to = to, .e = e };
	struct ts_point *pts;
	size_t np;
	int rc = ERR_OK;

	if (plan_in_order(p, *head, nh))
		return plan_points_in_order(p, *head, nh, from, to, out, n, e);
	for (size_t i = 0; i < p->n && !rc; i++) {
		if ((rc = ts_codec_decode_alloc(p->bytes.data + p->chunks[i].offset,
						p->chunks[i].len,
						&pts, &np, e)))
			err_prefix(e, "chunk %lld", (long long)p->chunks[i].seq);
		else
			rc = add_source(&g, pts, np, p->chunks[i].seq);
	}
	if (!rc) {
		rc = gather_head(&g, *head, nh);
		*head = NULL;
	}
	if (!rc)
		rc = combine(&g, from, to, out, n, e);
	gather_free(&g);
	return rc;
}

static void bucket_add(struct ts_bucket *b, int64_t ts, double v)
{
	(void)ts;
	if (!b->count) {
		b->min = b->max = b->first = v;
	} else {
		if (v < b->min)
			b->min = v;
		if (v > b->max)
			b->max = v;
	}
	b->last = v;
	b->sum += v;
	b->count++;
}

static void bucket_add_summary(struct ts_bucket *b,
			       const struct ts_chunk_summary *k)
{
	if (!b->count) {
		b->min = k->min;
		b->max = k->max;
	} else {
		if (k->min < b->min)
			b->min = k->min;
		if (k->max > b->max)
			b->max = k->max;
	}
	b->sum += k->sum;
	b->count += k->count;
}

/* Can chunk i be taken by its summary alone?  Buckets start at base. */
static bool summary_usable(const struct agg_plan *p, size_t i, int64_t from,
			   int64_t to, int64_t base, int64_t step,
			   unsigned mask, int64_t head_min, int64_t head_max)
{
	const struct planned *k = &p->chunks[i];

	if (mask & (TS_AGG_FIRST | TS_AGG_LAST))
		return false;
	if (k->ts_min < from || k->ts_max >= to ||
	    (k->ts_min - base) / step != (k->ts_max - base) / step)
		return false;
	if (i > 0 && p->chunks[i - 1].ts_max >= k->ts_min)
		return false;
	if (i + 1 < p->n && p->chunks[i + 1].ts_min <= k->ts_max)
		return false;
	return head_max < k->ts_min || head_min > k->ts_max;
}

/* Rolled-up rows go into the buckets first: they are older than raw points. */
static int fold_rollups(struct rollup_gather *rg, int64_t series,
			int64_t base, int64_t step, struct ts_bucket *b,
			struct err *e)
{
	struct rollup_rows r;
	int rc = read_rollups(rg, series, &r, e);

	for (size_t i = 0; !rc && i < r.n; i++) {
		struct ts_bucket *k = &b[(r.f[0][i].ts - base) / step];
		double min = r.f[TS_ROLLUP_MIN][i].value;
		double max = r.f[TS_ROLLUP_MAX][i].value;

		if (!k->count) {
			k->min = min;
			k->max = max;
			k->first = r.f[TS_ROLLUP_FIRST][i].value;
		}
		k->min = fmin(k->min, min);
		k->max = fmax(k->max, max);
		k->last = r.f[TS_ROLLUP_LAST][i].value;
		k->sum += r.f[TS_ROLLUP_SUM][i].value;
		k->count += (uint64_t)r.f[TS_ROLLUP_COUNT][i].value;
	}
	rollup_rows_free(&r);
	return rc;
}

static void accumulate(struct ts_bucket *b, int64_t from, int64_t to,
		       int64_t base, int64_t step, const struct ts_point *pts,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pts[i].ts >= from && pts[i].ts < to)
			bucket_add(&b[(pts[i].ts - base) / step], pts[i].ts,
				   pts[i].value);
}

static int compact_buckets(struct ts_bucket *b, size_t nb, int64_t base,
			   int64_t step, struct ts_bucket **out, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < nb; i++) {
		if (!b[i].count)
			continue;
		b[k] = b[i];
		b[k++].start = base + (int64_t)i * step;
	}
	*out = b;
	*n = k;
	return ERR_OK;
}

/* One aggregate: its buckets, and what its view gathers. */
struct agg_job {
	struct agg_plan plan;
	struct agg_read ar;
	struct ts_bucket *b;
	size_t nb;
	int64_t base;
};

/* Check the range and step, make the buckets and the gatherers. */
static int agg_begin(struct agg_job *j, int64_t from, int64_t to,
		     int64_t step, struct err *e)
{
	uint64_t count;

	memset(j, 0, sizeof(*j));
	j->plan.e = e;
	j->ar.plan = &j->plan;
	rollup_gather_init(&j->ar.rg, from, to - 1, e);
	if (step <= 0 || to <= from)
		return err_set(e, ERR_INVALID, "empty range or step");
	/* buckets are aligned to multiples of step since the epoch; the
	 * count is computed without overflow whatever from, to and step */
	if (time_buckets(from, to, step, &j->base, &count) ||
	    count > MAX_BUCKETS)
		return err_set(e, ERR_INVALID, "the range makes more than %zu "
			       "buckets of this step: use a larger step",
			       MAX_BUCKETS);
	j->nb = (size_t)count;
	if (!(j->b = calloc(j->nb, sizeof(*j->b))))
		return err_nomem(e);
	return ERR_OK;
}

/* The 1 + TS_ROLLUP_FIELDS ranges of the job's view into r. */
static void agg_ranges(struct agg_job *j, int64_t series, int64_t from,
		       int64_t to, struct db_chunk_range *r)
{
	r[0] = (struct db_chunk_range){ series, from, to - 1, plan_chunk,
					&j->plan };
	rollup_ranges(series, &j->ar.rg, r + 1);
}

static void agg_job_free(struct agg_job *j)
{
	free(j->b);
	plan_free(&j->plan);
	rollup_gather_free(&j->ar.rg);
}

/* The buckets from what the view gathered; head is taken (freed). */
static int agg_finish(struct agg_job *j, int64_t series, int64_t from,
		      int64_t to, int64_t step, unsigned mask,
		      struct ts_point *head, size_t nh, struct ts_bucket **out,
		      size_t *n, struct err *e)
{
	struct agg_plan *plan = &j->plan;
	struct ts_point *pts = NULL;
	int64_t head_min = INT64_MAX, head_max = INT64_MIN, base = j->base;
	bool all_summaries = true;
	size_t np;
	int rc;

	if ((rc = fold_rollups(&j->ar.rg, series, base, step, j->b, e)))
		goto out;
	if (nh) {
		head_min = head[0].ts;
		head_max = head[nh - 1].ts;
	}
	for (size_t i = 0; i < plan->n; i++)
		all_summaries &= summary_usable(plan, i, from, to, base, step,
						mask, head_min, head_max);
	if (all_summaries) {
		for (size_t i = 0; i < plan->n; i++)
			bucket_add_summary(&j->b[(plan->chunks[i].ts_min - base)
						 / step], &plan->chunks[i].sum);
		accumulate(j->b, from, to, base, step, head, nh);
	} else {
		/* overlaps or chunks across buckets: read the points */
		if ((rc = plan_points(plan, &head, nh, from, to - 1, &pts, &np,
				      e)))
			goto out;
		accumulate(j->b, from, to, base, step, pts, np);
	}
	rc = compact_buckets(j->b, j->nb, base, step, out, n);
	j->b = NULL;
out:
	free(pts);
	free(head);
	return rc;
}

int ts_engine_aggregate(struct ts_engine *eng, int64_t series, int64_t from,
			int64_t to, int64_t step, unsigned mask,
			struct ts_bucket **out, size_t *n, struct err *e)
{
	struct db_chunk_range r[1 + TS_ROLLUP_FIELDS];
	struct agg_job j;
	struct ts_view v = { r, 1 + TS_ROLLUP_FIELDS, series, from, to - 1,
			     agg_read_reset, &j.ar };
	struct ts_point *head = NULL;
	size_t nh = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!(rc = agg_begin(&j, from, to, step, e))) {
		agg_ranges(&j, series, from, to, r);
		if (!(rc = ts__view_read(eng, &v, &head, &nh, e)))
			rc = agg_finish(&j, series, from, to, step, mask, head,
					nh, out, n, e);
		else
			free(head);
	}
	agg_job_free(&j);
	return rc;
}

/* ---- many aggregates in one view ---------------------------------------------- */

struct many_read {
	struct agg_job *jobs;
	size_t n;
};

static void many_reset(void *ctx)
{
	struct many_read *m = ctx;

	for (size_t i = 0; i < m->n; i++)
		agg_read_reset(&m->jobs[i].ar);
}

static void queries_clear(struct ts_agg_query *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].out);
		q[i].out = NULL;
		q[i].n = 0;
	}
}

int ts_engine_aggregate_many(struct ts_engine *eng, struct ts_agg_query *q,
			     size_t n, struct err *e)
{
	const size_t per = 1 + TS_ROLLUP_FIELDS;
	struct agg_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	struct db_chunk_range *r = calloc(n ? n * per : 1, sizeof(*r));
	struct ts_view_head *h = calloc(n ? n : 1, sizeof(*h));
	struct many_read m = { jobs, 0 };
	int rc = ERR_OK;

	for (size_t i = 0; i < n; i++) {
		q[i].out = NULL;
		q[i].n = 0;
	}
	if (!jobs || !r || !h) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++, m.n++) {
		if ((rc = agg_begin(&jobs[i], q[i].from, q[i].to, q[i].step, e))) {
			err_prefix(e, "series %lld", (long long)q[i].series);
			break;
		}
		agg_ranges(&jobs[i], q[i].series, q[i].from, q[i].to,
			   r + i * per);
		h[i] = (struct ts_view_head){ q[i].series, q[i].from,
					      q[i].to - 1, NULL, 0 };
	}
	if (m.n < n || rc)
		goto out;
	rc = ts__view_read_many(eng, r, n * per, h, n, many_reset, &m, e);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = agg_finish(&jobs[i], q[i].series, q[i].from, q[i].to,
				q[i].step, q[i].mask, h[i].pts, h[i].n,
				&q[i].out, &q[i].n, e);
		h[i].pts = NULL;
	}
out:
	for (size_t i = 0; h && i < n; i++)
		free(h[i].pts);
	for (size_t i = 0; i < m.n; i++)
		agg_job_free(&jobs[i]);
	if (rc)
		queries_clear(q, n);
	free(jobs);
	free(r);
	free(h);
	return rc;
}
