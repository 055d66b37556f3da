/*
 * Compaction: the chunks a series gets from successive checkpoints are small
 * and may overlap; once a window has several, they are merged into one
 * chunk per window (the highest seq winning on repeated timestamps), which
 * keeps the store small and lets aggregates answer from summaries.  Windows
 * grow with sparseness (ts__window_for_density), so a probe reporting every
 * ten minutes gets week-long chunks and a station every minute day-long ones.
 */
#include "ts/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

/* A window still receiving points is merged only once it has this many. */
#define OPEN_WINDOW_MAX_CHUNKS 16
/* A window counts as closed this long after its end. */
#define CLOSE_GRACE_MS (MS_PER_HOUR)

struct dirty {
	int64_t series, from, to;
};

struct dirty_list {
	struct dirty *items;
	size_t n, cap;
	bool failed;
};

static void take_dirty(int64_t key, void *value, void *ctx)
{
	struct head *h = value;
	struct dirty_list *l = ctx;

	(void)key;
	if (!h->dirty || l->failed)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct dirty *d = realloc(l->items, cap * sizeof(*d));

		if (!d) {
			l->failed = true;
			return;
		}
		l->items = d;
		l->cap = cap;
	}
	l->items[l->n++] = (struct dirty){ h->series, h->dirty_from, h->dirty_to };
	h->dirty = false;
}

static void mark_dirty(struct ts_engine *eng, const struct dirty *d, bool create)
{
	struct head *h;

	pthread_rwlock_wrlock(&eng->heads_lock);
	h = ts__head_get(eng, d->series, create);
	if (h) {
		if (!h->dirty || d->from < h->dirty_from)
			h->dirty_from = d->from;
		if (!h->dirty || d->to > h->dirty_to)
			h->dirty_to = d->to;
		h->dirty = true;
	}
	pthread_rwlock_unlock(&eng->heads_lock);
}

/* The chunks around a dirty range: key, span and point count. */
struct summary {
	struct db_chunk_ref ref;
	int64_t ts_max;
	uint32_t count;
};

struct summaries {
	struct summary *items;
	size_t n, cap;
	struct err *e;
};

static int collect_summary(const struct db_chunk *k, void *ctx)
{
	struct summaries *s = ctx;
	struct ts_chunk_summary sum;
	int rc;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct summary *c = realloc(s->items, cap * sizeof(*c));

		if (!c)
			return err_nomem(s->e);
		s->items = c;
		s->cap = cap;
	}
	if ((rc = ts_codec_summary(k->data, k->len, &sum, s->e)))
		return err_prefix(s->e, "chunk %lld of series %lld",
				  (long long)k->seq, (long long)k->series);
	s->items[s->n++] = (struct summary){
		{ k->series, k->ts_min, k->seq }, k->ts_max, sum.count };
	return ERR_OK;
}

/* The chunks of a window being merged, and their points. */
struct group_read {
	const struct db_chunk_ref *refs;
	size_t n_refs;
	struct ts_merge merge;
	struct err *e;
};

static int read_member(const struct db_chunk *k, void *ctx)
{
	struct group_read *g = ctx;

	for (size_t i = 0; i < g->n_refs; i++)
		if (g->refs[i].seq == k->seq)
			return ts__merge_add_chunk(&g->merge, k, g->e);
	return ERR_OK;
}

/* Merge chunks [first, last] of s (one window) into chunks of `window`. */
static int merge_window(struct ts_engine *eng, int64_t series,
			const struct summaries *s, size_t first, size_t last,
			int64_t window, struct err *e)
{
	size_t count = last - first + 1, n;
	struct db_chunk_ref *refs = malloc(count * sizeof(*refs));
	struct group_read g = { .n_refs = count, .e = e };
	struct ts_point *pts = NULL;
	struct chunk_list cl = { 0 };
	struct db_chunk_write w;
	int64_t from = INT64_MAX, to = INT64_MIN;
	int rc;

	if (!refs)
		return err_nomem(e);
	for (size_t i = 0; i < count; i++) {
		const struct summary *k = &s->items[first + i];

		refs[i] = k->ref;
		from = k->ref.ts_min < from ? k->ref.ts_min : from;
		to = k->ts_max > to ? k->ts_max : to;
	}
	g.refs = refs;
	if ((rc = db_chunks_read(eng->db, series, from, to, read_member, &g, e)))
		goto out;
	if (!(pts = malloc((g.merge.n ? g.merge.n : 1) * sizeof(*pts)))) {
		rc = err_nomem(e);
		goto out;
	}
	n = ts__merge_finish(&g.merge, pts);
	if ((rc = ts__encode_windows(&cl, series, pts, n, window, e)))
		goto out;
	ts__chunks_fix(&cl);
	w = (struct db_chunk_write){ .add = cl.items, .n_add = cl.n,
				     .replace = refs, .n_replace = count,
				     .relayout = true };
	rc = db_chunks_write(eng->db, &w, e);
out:
	ts__chunk_list_free(&cl);
	ts__merge_free(&g.merge);
	free(pts);
	free(refs);
	return rc;
}

/* Merge a window under its lease (shared stores); leave it if taken. */
static int merge_taken(struct ts_engine *eng, int64_t series,
		       const struct summaries *s, size_t first, size_t last,
		       int64_t window, int64_t start, bool *unfinished,
		       struct err *e)
{
	bool held;
	int rc;

	if ((rc = ts__shared_window_take(eng, series, start, &held, e)))
		return rc;
	if (!held) {
		*unfinished = true;   /* another node merges it now */
		return ERR_OK;
	}
	rc = merge_window(eng, series, s, first, last, window, e);
	ts__shared_window_give(eng, series, start);
	if (rc == ERR_EXISTS) {
		/* another node wrote into the window meanwhile (db.h) */
		*unfinished = true;
		return ERR_OK;
	}
	return rc;
}

/*
 * Compact one series around [from, to]; *unfinished is set when a window
 * was left because it is still open.
 */
static int compact_series(struct ts_engine *eng, const struct dirty *d,
			  int64_t now, bool *unfinished, struct err *e)
{
	struct summaries s = { .e = e };
	int64_t window, span;
	uint64_t points = 0;
	size_t i = 0;
	int rc;

	rc = db_chunks_read(eng->db, d->series, d->from - TS_WINDOW_MAX_MS,
			    d->to + TS_WINDOW_MAX_MS, collect_summary, &s, e);
	if (rc || s.n < 2)
		goto out;
	for (size_t k = 0; k < s.n; k++)
		points += s.items[k].count;
	span = s.items[s.n - 1].ts_max - s.items[0].ref.ts_min;
	window = ts__window_for_density((size_t)points, span);
	while (i < s.n && !rc) {
		int64_t start = ts__window_start(s.items[i].ref.ts_min, window);
		size_t j = i;

		while (j + 1 < s.n && s.items[j + 1].ref.ts_min < start + window)
			j++;
		if (j > i) {
			bool closed = start + window + CLOSE_GRACE_MS <= now;

			if (closed || j - i + 1 >= OPEN_WINDOW_MAX_CHUNKS)
				rc = merge_taken(eng, d->series, &s, i, j, window,
						 start, unfinished, e);
			else
				*unfinished = true;
		}
		i = j + 1;
	}
out:
	free(s.items);
	return rc;
}

int ts_engine_compact(struct ts_engine *eng, struct err *e)
{
	struct dirty_list l = { 0 };
	int64_t now = time_now_ms();
	bool stop = false;
	int rc = ERR_OK;

	if (eng->opts.readonly)
		return ERR_OK;
	pthread_mutex_lock(&eng->maint_lock);
	pthread_rwlock_wrlock(&eng->heads_lock);
	imap_foreach(&eng->heads, take_dirty, &l);
	pthread_rwlock_unlock(&eng->heads_lock);
	for (size_t i = 0; i < l.n; i++) {
		bool unfinished = false;

		/* closing: the rest is left for the next start (todo_save) */
		if (!rc && !stop && !(stop = ts__stopping(eng)))
			rc = compact_series(eng, &l.items[i], now, &unfinished, e);
		if (rc || stop || unfinished)
			mark_dirty(eng, &l.items[i], false);
	}
	pthread_rwlock_wrlock(&eng->heads_lock);
	eng->compactions++;
	pthread_rwlock_unlock(&eng->heads_lock);
	pthread_mutex_unlock(&eng->maint_lock);
	free(l.items);
	if (!rc && l.failed)
		rc = err_nomem(e);
	return rc;
}

/* ---- the work left at close, kept in the store for the next start ---------- */

/*
 * A text file in the store: one "series from to" line per dirty range.  It
 * is written when the engine closes cleanly and read at the next start, so
 * a restart does not leave the windows written just before it fragmented
 * for good (their reads would cost a row per checkpoint's chunk).  After a
 * crash the file is older than the work: the ranges it lacks stay as they
 * are, readable, only slower to read.
 */
#define TODO_FILE "ts/compaction-todo"

void ts__compact_todo_save(struct ts_engine *eng)
{
	struct dirty_list l = { 0 };
	struct buf text = BUF_INIT;
	struct err e;
	int rc;

	pthread_rwlock_wrlock(&eng->heads_lock);
	imap_foreach(&eng->heads, take_dirty, &l);
	pthread_rwlock_unlock(&eng->heads_lock);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&text, "%lld %lld %lld\n",
			   (long long)l.items[i].series,
			   (long long)l.items[i].from, (long long)l.items[i].to);
	if (l.failed || buf_failed(&text))
		rc = err_nomem(&e);
	else if (l.n)
		rc = db_file_put(eng->db, TODO_FILE, text.data, text.len,
				 time_now_ms(), &e);
	else if ((rc = db_file_delete(eng->db, TODO_FILE, &e)) == ERR_NOT_FOUND)
		rc = ERR_OK;
	if (rc)
		log_warn("closing the time-series engine: the compaction left "
			 "(%zu series) is not kept for the next start: %s", l.n,
			 e.msg);
	else if (l.n)
		log_info("compaction left for the next start: %zu series", l.n);
	buf_free(&text);
	free(l.items);
}

int ts__compact_todo_load(struct ts_engine *eng, struct err *e)
{
	struct db_file f;
	const char *p, *end;
	size_t n = 0;
	int rc;

	if ((rc = db_file_get(eng->db, TODO_FILE, &f, e)) == ERR_NOT_FOUND)
		return ERR_OK;
	if (rc)
		return err_prefix(e, "reading the compaction left at the last stop");
	p = f.data;
	end = p + f.size;
	while (p < end) {
		long long series, from, to;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char line[80];
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (sscanf(line, "%lld %lld %lld", &series, &from, &to) == 3 &&
			    from <= to) {
				mark_dirty(eng, &(struct dirty){ series, from, to },
					   true);
				n++;
			}
		}
		p += len + 1;
	}
	db_file_free(&f);
	eng->compact_at_start = n > 0;
	if (n)
		log_info("compaction left at the last stop: %zu series", n);
	return ERR_OK;
}
