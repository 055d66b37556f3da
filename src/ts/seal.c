/*
 * Cutting sorted points into chunks at window boundaries and encoding them:
 * shared by checkpoints, compaction and bulk loads.
 */
#include "ts/engine_internal.h"

#include <stdlib.h>
#include <string.h>

int64_t ts__window_for_density(size_t points, int64_t span_ms)
{
	int64_t w = TS_WINDOW_MIN_MS;
	double per_ms;

	if (span_ms <= 0 || points < 2)
		return TS_WINDOW_MIN_MS;
	per_ms = (double)points / (double)span_ms;
	while (w < TS_WINDOW_MAX_MS && per_ms * (double)w < TS_WINDOW_TARGET_POINTS)
		w *= 2;
	return w;
}

static int chunk_push(struct chunk_list *cl, int64_t series,
		      const struct ts_point *pts, size_t n, struct err *e)
{
	struct ts_chunk_summary s;
	size_t start = cl->arena.len;
	int rc;

	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 64;
		struct db_chunk *items = realloc(cl->items, cap * sizeof(*items));
		size_t *offsets;

		if (!items)
			return err_nomem(e);
		cl->items = items;
		if (!(offsets = realloc(cl->offsets, cap * sizeof(*offsets))))
			return err_nomem(e);
		cl->offsets = offsets;
		cl->cap = cap;
	}
	if ((rc = ts_codec_encode(pts, n, &cl->arena, e)))
		return rc;
	if ((rc = ts_codec_summary(cl->arena.data + start, cl->arena.len - start,
				   &s, e)))
		return rc;
	cl->items[cl->n] = (struct db_chunk){
		.series = series, .ts_min = s.ts_min, .ts_max = s.ts_max,
		.len = cl->arena.len - start,
	};
	cl->offsets[cl->n++] = start;
	return ERR_OK;
}

int ts__encode_windows(struct chunk_list *cl, int64_t series,
		       const struct ts_point *pts, size_t n, int64_t window,
		       struct err *e)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		int64_t end = ts__window_start(pts[i].ts, window) + window;
		size_t j = i;

		while (j < n && pts[j].ts < end && j - i < TS_CODEC_MAX_POINTS)
			j++;
		if ((rc = chunk_push(cl, series, pts + i, j - i, e)))
			return rc;
		i = j;
	}
	return ERR_OK;
}

void ts__chunks_fix(struct chunk_list *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		cl->items[i].data = cl->arena.data + cl->offsets[i];
}

void ts__chunk_list_free(struct chunk_list *cl)
{
	free(cl->items);
	free(cl->offsets);
	buf_free(&cl->arena);
	memset(cl, 0, sizeof(*cl));
}
