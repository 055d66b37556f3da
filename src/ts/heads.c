/* The in-memory heads: the newest points of each series. */
#include "ts/engine_internal.h"

#include <stdlib.h>
#include <string.h>

struct head *ts__head_get(struct ts_engine *eng, int64_t series, bool create)
{
	struct head *h = imap_get(&eng->heads, series);

	if (h || !create)
		return h;
	if (!(h = calloc(1, sizeof(*h))))
		return NULL;
	h->series = series;
	if (imap_put(&eng->heads, series, h)) {
		free(h);
		return NULL;
	}
	return h;
}

static int head_push(struct head *h, int64_t ts, double value)
{
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 16;
		struct ts_point *p = realloc(h->pts, cap * sizeof(*p));

		if (!p)
			return ERR_NOMEM;
		h->pts = p;
		h->cap = cap;
	}
	h->pts[h->n].ts = ts;
	h->pts[h->n++].value = value;
	if (!h->has_latest || ts >= h->latest_ts) {
		h->has_latest = true;
		h->latest_ts = ts;
		h->latest_value = value;
	}
	return ERR_OK;
}

/* Caller holds heads_lock for writing. */
int ts__head_append(struct ts_engine *eng, const struct ts_write *pts,
		    size_t n)
{
	struct head *h = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!h || h->series != pts[i].series)
			h = ts__head_get(eng, pts[i].series, true);
		if (!h || head_push(h, pts[i].ts, pts[i].value))
			return ERR_NOMEM;
	}
	eng->head_points += n;
	eng->points_written += n;
	return ERR_OK;
}

static void free_head(int64_t key, void *value, void *ctx)
{
	struct head *h = value;

	(void)key;
	(void)ctx;
	free(h->pts);
	free(h->frozen);
	free(h);
}

void ts__heads_free(struct ts_engine *eng)
{
	imap_foreach(&eng->heads, free_head, NULL);
	imap_free(&eng->heads);
}

static bool sorted_unique(const struct ts_point *pts, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (pts[i].ts <= pts[i - 1].ts)
			return false;
	return true;
}

int ts__sort_dedup(struct ts_point *pts, size_t *n)
{
	struct ts_merge m = { 0 };

	if (sorted_unique(pts, *n))
		return ERR_OK;
	if (ts__merge_add(&m, pts, *n, -1))
		return ERR_NOMEM;
	*n = ts__merge_finish(&m, pts);
	ts__merge_free(&m);
	return ERR_OK;
}

/* Caller holds heads_lock (either way). */
int ts__head_copy(struct head *h, int64_t from, int64_t to,
		  struct ts_point **out, size_t *n)
{
	size_t total = (size_t)h->n_frozen + h->n, k = 0;
	struct ts_point *pts;

	*out = NULL;
	*n = 0;
	if (!total)
		return ERR_OK;
	if (!(pts = malloc(total * sizeof(*pts))))
		return ERR_NOMEM;
	for (uint32_t i = 0; i < h->n_frozen; i++)
		if (h->frozen[i].ts >= from && h->frozen[i].ts <= to)
			pts[k++] = h->frozen[i];
	for (uint32_t i = 0; i < h->n; i++)
		if (h->pts[i].ts >= from && h->pts[i].ts <= to)
			pts[k++] = h->pts[i];
	if (!k) {
		free(pts);
		return ERR_OK;
	}
	if (ts__sort_dedup(pts, &k)) {
		free(pts);
		return ERR_NOMEM;
	}
	*out = pts;
	*n = k;
	return ERR_OK;
}
