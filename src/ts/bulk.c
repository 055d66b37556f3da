/* Bulk loads: points gathered per series, encoded, stored at once. */
#include "ts/bulk.h"

#include <stdlib.h>
#include <string.h>

#include "ts/engine_internal.h"

#define DEFAULT_MAX_POINTS ((size_t)16 << 20)

struct series_buf {
	int64_t series;
	struct ts_point *pts;
	size_t n, cap;
	bool has_latest;
	struct db_latest latest;
};

struct ts_bulk {
	struct db *db;
	size_t max_points, gathered;
	struct imap by_series;       /* series -> struct series_buf */
	struct series_buf *last;     /* cache: consecutive points of a series */
	struct chunk_list chunks;
	uint64_t points, stored;
};

int ts_bulk_open(struct db *db, size_t max_points, struct ts_bulk **out,
		 struct err *e)
{
	struct ts_bulk *b = calloc(1, sizeof(*b));

	if (!b)
		return err_nomem(e);
	b->db = db;
	b->max_points = max_points ? max_points : DEFAULT_MAX_POINTS;
	*out = b;
	return ERR_OK;
}

static struct series_buf *series_buf(struct ts_bulk *b, int64_t series)
{
	struct series_buf *s = imap_get(&b->by_series, series);

	if (s)
		return s;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	s->series = series;
	if (imap_put(&b->by_series, series, s)) {
		free(s);
		return NULL;
	}
	return s;
}

/* Encode one series' gathered points into chunks and empty its buffer. */
static int encode_series(struct ts_bulk *b, struct series_buf *s, struct err *e)
{
	size_t n = s->n;
	int64_t window;
	int rc;

	if (!n)
		return ERR_OK;
	if (ts__sort_dedup(s->pts, &n))
		return err_nomem(e);
	window = ts__window_for_density(n, s->pts[n - 1].ts - s->pts[0].ts);
	if ((rc = ts__encode_windows(&b->chunks, s->series, s->pts, n, window, e)))
		return rc;
	if (!s->has_latest || s->pts[n - 1].ts >= s->latest.ts) {
		s->has_latest = true;
		s->latest = (struct db_latest){ s->series, s->pts[n - 1].ts,
						s->pts[n - 1].value };
	}
	b->stored += n;
	b->gathered -= s->n;
	free(s->pts);
	s->pts = NULL;
	s->n = s->cap = 0;
	return ERR_OK;
}

struct encode_all {
	struct ts_bulk *b;
	int rc;
	struct err *e;
};

static void encode_each(int64_t key, void *value, void *ctx)
{
	struct encode_all *a = ctx;

	(void)key;
	if (!a->rc)
		a->rc = encode_series(a->b, value, a->e);
}

static int encode_all(struct ts_bulk *b, struct err *e)
{
	struct encode_all a = { b, ERR_OK, e };

	imap_foreach(&b->by_series, encode_each, &a);
	return a.rc;
}

int ts_bulk_add(struct ts_bulk *b, int64_t series, int64_t ts, double value,
		struct err *e)
{
	struct series_buf *s = b->last;

	if (!s || s->series != series) {
		if (!(s = series_buf(b, series)))
			return err_nomem(e);
		b->last = s;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct ts_point *p = realloc(s->pts, cap * sizeof(*p));

		if (!p)
			return err_nomem(e);
		s->pts = p;
		s->cap = cap;
	}
	s->pts[s->n++] = (struct ts_point){ ts, value };
	b->points++;
	if (++b->gathered >= b->max_points)
		return encode_all(b, e);
	return ERR_OK;
}

struct latest_list {
	struct db_latest *items;
	size_t n;
};

static void collect_latest(int64_t key, void *value, void *ctx)
{
	struct series_buf *s = value;
	struct latest_list *l = ctx;

	(void)key;
	if (s->has_latest)
		l->items[l->n++] = s->latest;
}

int ts_bulk_commit(struct ts_bulk *b, struct err *e)
{
	struct latest_list l = { 0 };
	struct db_chunk_write w;
	int rc;

	if ((rc = encode_all(b, e)))
		return rc;
	if (!(l.items = malloc((b->by_series.n ? b->by_series.n : 1) *
			       sizeof(*l.items))))
		return err_nomem(e);
	imap_foreach(&b->by_series, collect_latest, &l);
	ts__chunks_fix(&b->chunks);
	w = (struct db_chunk_write){ .add = b->chunks.items, .n_add = b->chunks.n,
				     .latest = l.items, .n_latest = l.n };
	rc = db_chunks_write(b->db, &w, e);
	free(l.items);
	return rc;
}

static void free_series(int64_t key, void *value, void *ctx)
{
	struct series_buf *s = value;

	(void)key;
	(void)ctx;
	free(s->pts);
	free(s);
}

void ts_bulk_free(struct ts_bulk *b)
{
	if (!b)
		return;
	imap_foreach(&b->by_series, free_series, NULL);
	imap_free(&b->by_series);
	ts__chunk_list_free(&b->chunks);
	free(b);
}

void ts_bulk_stats(const struct ts_bulk *b, struct ts_bulk_stats *out)
{
	out->points = b->points;
	out->stored = b->stored;
	out->chunks = b->chunks.n;
	out->bytes = b->chunks.arena.len;
}
