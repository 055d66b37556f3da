/*
 * Rollups: raw points older than a retention horizon replaced by per-step
 * aggregates (sum, count, min, max, first, last), kept as six derived
 * series of their own, so that long-range aggregates still answer and the
 * store stops growing with raw points.  The derived series of series S
 * have the negative ids ts_rollup_series(S, field); raw and rolled-up
 * periods never overlap, since a rollup replaces the raw chunks it read in
 * the same transaction.
 */
#include "ts/engine_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct raw_read {
	struct db_chunk_ref *refs;
	size_t n_refs, cap_refs;
	int64_t before;
	struct ts_merge merge;
	struct err *e;
};

/* Take the chunks lying wholly before the horizon, and their points. */
static int take_old_chunk(const struct db_chunk *k, void *ctx)
{
	struct raw_read *r = ctx;

	if (k->ts_max >= r->before)
		return ERR_OK;
	if (r->n_refs == r->cap_refs) {
		size_t cap = r->cap_refs ? r->cap_refs * 2 : 16;
		struct db_chunk_ref *g = realloc(r->refs, cap * sizeof(*g));

		if (!g)
			return err_nomem(r->e);
		r->refs = g;
		r->cap_refs = cap;
	}
	r->refs[r->n_refs++] = (struct db_chunk_ref){ k->series, k->ts_min, k->seq };
	return ts__merge_add_chunk(&r->merge, k, r->e);
}

/* Aggregate sorted points into per-step rows of the six fields. */
static size_t aggregate(const struct ts_point *pts, size_t n, int64_t step,
			struct ts_point *fields[TS_ROLLUP_FIELDS])
{
	size_t rows = 0;

	for (size_t i = 0; i < n;) {
		int64_t start = ts__window_start(pts[i].ts, step);
		double sum = 0, min = INFINITY, max = -INFINITY;
		size_t j = i;

		for (; j < n && pts[j].ts < start + step; j++) {
			sum += pts[j].value;
			min = fmin(min, pts[j].value);
			max = fmax(max, pts[j].value);
		}
		fields[TS_ROLLUP_SUM][rows] = (struct ts_point){ start, sum };
		fields[TS_ROLLUP_COUNT][rows] = (struct ts_point){ start, (double)(j - i) };
		fields[TS_ROLLUP_MIN][rows] = (struct ts_point){ start, min };
		fields[TS_ROLLUP_MAX][rows] = (struct ts_point){ start, max };
		fields[TS_ROLLUP_FIRST][rows] = (struct ts_point){ start, pts[i].value };
		fields[TS_ROLLUP_LAST][rows] = (struct ts_point){ start, pts[j - 1].value };
		rows++;
		i = j;
	}
	return rows;
}

static int encode_rollups(struct chunk_list *cl, int64_t series,
			  const struct ts_point *pts, size_t n, int64_t step,
			  struct err *e)
{
	struct ts_point *fields[TS_ROLLUP_FIELDS] = { 0 };
	size_t rows;
	int rc = ERR_OK;

	for (int f = 0; f < TS_ROLLUP_FIELDS && !rc; f++)
		if (!(fields[f] = malloc((n ? n : 1) * sizeof(struct ts_point))))
			rc = err_nomem(e);
	if (!rc) {
		rows = aggregate(pts, n, step, fields);
		for (int f = 0; f < TS_ROLLUP_FIELDS && !rc; f++)
			rc = ts__encode_windows(cl, ts_rollup_series(series, f),
						fields[f], rows, TS_WINDOW_MAX_MS, e);
	}
	for (int f = 0; f < TS_ROLLUP_FIELDS; f++)
		free(fields[f]);
	return rc;
}

int ts_engine_rollup(struct ts_engine *eng, int64_t series, int64_t before,
		     int64_t step, size_t *rolled, struct err *e)
{
	struct raw_read r = { .before = before, .e = e };
	struct chunk_list cl = { 0 };
	struct ts_point *pts = NULL;
	struct db_chunk_write w;
	size_t n = 0;
	int rc;

	*rolled = 0;
	if (step <= 0 || TS_DAY_MS % step)
		return err_set(e, ERR_INVALID, "a rollup step must divide a day");
	pthread_mutex_lock(&eng->maint_lock);
	rc = db_chunks_read(eng->db, series, INT64_MIN + DB_CHUNK_MAX_SPAN_MS + 1,
			    before, take_old_chunk, &r, e);
	if (rc || !r.n_refs)
		goto out;
	if (!(pts = malloc(r.merge.n * sizeof(*pts)))) {
		rc = err_nomem(e);
		goto out;
	}
	n = ts__merge_finish(&r.merge, pts);
	if ((rc = encode_rollups(&cl, series, pts, n, step, e)))
		goto out;
	ts__chunks_fix(&cl);
	w = (struct db_chunk_write){ .add = cl.items, .n_add = cl.n,
				     .replace = r.refs, .n_replace = r.n_refs };
	if (!(rc = db_chunks_write(eng->db, &w, e)))
		*rolled = n;
out:
	pthread_mutex_unlock(&eng->maint_lock);
	ts__chunk_list_free(&cl);
	ts__merge_free(&r.merge);
	free(r.refs);
	free(pts);
	return rc;
}
