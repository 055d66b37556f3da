/*
 * Merging points from several places (chunks, heads, arrivals) where the
 * same timestamp may appear more than once: each point carries a rank (a
 * chunk's seq, an arrival's position), and the highest rank wins.
 */
#include "ts/engine_internal.h"

#include <stdlib.h>
#include <string.h>

static int merge_grow(struct ts_merge *m, size_t more)
{
	size_t cap;
	struct ts_ranked *p;

	if (m->n + more <= m->cap)
		return ERR_OK;
	cap = m->cap ? m->cap : 256;
	while (cap < m->n + more)
		cap *= 2;
	if (!(p = realloc(m->items, cap * sizeof(*p))))
		return ERR_NOMEM;
	m->items = p;
	m->cap = cap;
	return ERR_OK;
}

int ts__merge_add(struct ts_merge *m, const struct ts_point *pts, size_t n,
		  int64_t rank)
{
	if (merge_grow(m, n))
		return ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		m->items[m->n++] = (struct ts_ranked){
			pts[i].ts, rank < 0 ? (int64_t)m->n : rank, pts[i].value };
	return ERR_OK;
}

int ts__merge_add_chunk(struct ts_merge *m, const struct db_chunk *k,
			struct err *e)
{
	struct ts_point *pts;
	size_t n;
	int rc;

	if ((rc = ts_codec_decode_alloc(k->data, k->len, &pts, &n, e)))
		return err_prefix(e, "chunk %lld of series %lld", (long long)k->seq,
				  (long long)k->series);
	rc = ts__merge_add(m, pts, n, k->seq) ? err_nomem(e) : ERR_OK;
	free(pts);
	return rc;
}

static int compare_ranked(const void *a, const void *b)
{
	const struct ts_ranked *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

size_t ts__merge_finish(struct ts_merge *m, struct ts_point *out)
{
	size_t k = 0;

	qsort(m->items, m->n, sizeof(*m->items), compare_ranked);
	for (size_t i = 0; i < m->n; i++) {
		if (i + 1 < m->n && m->items[i + 1].ts == m->items[i].ts)
			continue; /* a higher rank has this timestamp */
		out[k].ts = m->items[i].ts;
		out[k++].value = m->items[i].value;
	}
	return k;
}

void ts__merge_free(struct ts_merge *m)
{
	free(m->items);
	memset(m, 0, sizeof(*m));
}
