/*
 * The engine on a store shared by many nodes (ts_engine_opts.shared):
 * PostgreSQL is the log.  A group commit (the same leader/follower queue
 * as the WAL's, engine.c) turns the queued writes into one small chunk
 * per series and window, and stores them with the series' newest points in
 * one store transaction (db_chunks_write); the writers are answered once
 * it committed.  Nothing goes to the heads or to a local file, so a node
 * holds no acknowledged point of its own: every node reads every node's
 * points from the store (chunks, and the `latest` table), and among equal
 * timestamps the chunk with the higher seq (the later commit) wins
 * (invariant 6).  The heads only remember, for compaction, which windows
 * this node wrote; merging a window is guarded by a lease of that window
 * (db_lease_acquire), so two nodes never merge one window at once.
 */
#include "ts/engine_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

/*
 * A commit that failed for want of the store (a failover: the connection
 * broke, the server is read-only or starting) is tried again, with the
 * same chunks, for this long: the writers wait instead of failing.  Safe
 * whether or not the failed COMMIT in fact happened: the same points
 * again read back the same (a higher seq, the same values).
 */
#define RETRY_FOR_MS 20000
#define RETRY_PAUSE_MS 250

/* A point queued for the commit, with its arrival rank. */
struct arrived {
	int64_t series, ts;
	uint64_t order;
	double value;
};

static int by_series_ts_order(const void *a, const void *b)
{
	const struct arrived *x = a, *y = b;

	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every queued point, sorted by series and time, the later arrival last. */
static struct arrived *gather(const struct pending *list, size_t *n)
{
	const struct pending *p;
	struct arrived *all;
	size_t total = 0, k = 0;

	for (p = list; p; p = p->next)
		total += p->n;
	if (!(all = malloc((total ? total : 1) * sizeof(*all))))
		return NULL;
	for (p = list; p; p = p->next)
		for (size_t i = 0; i < p->n; i++, k++)
			all[k] = (struct arrived){ p->pts[i].series, p->pts[i].ts,
						   k, p->pts[i].value };
	qsort(all, total, sizeof(*all), by_series_ts_order);
	*n = total;
	return all;
}

struct commit {
	struct chunk_list chunks;
	struct db_latest *latest;
	size_t n_latest;
	struct ts_point *pts;       /* one series at a time */
};

/* Encode one series' points all[i, j) (sorted), the last arrival winning. */
static int encode_series(struct commit *c, const struct arrived *all,
			 size_t i, size_t j, struct err *e)
{
	size_t n = 0;
	int rc;

	for (size_t k = i; k < j; k++) {
		if (k + 1 < j && all[k + 1].ts == all[k].ts)
			continue;   /* a later arrival holds this timestamp */
		c->pts[n++] = (struct ts_point){ all[k].ts, all[k].value };
	}
	if ((rc = ts__encode_windows(&c->chunks, all[i].series, c->pts, n,
				     TS_WINDOW_MIN_MS, e)))
		return rc;
	c->latest[c->n_latest++] = (struct db_latest){ all[i].series,
		c->pts[n - 1].ts, c->pts[n - 1].value };
	return ERR_OK;
}

/* Remember, for compaction, the windows written (heads_lock held). */
static void mark_dirty(struct ts_engine *eng, int64_t series, int64_t from,
		       int64_t to)
{
	struct head *h = ts__head_get(eng, series, true);

	if (!h)
		return;   /* compaction misses it: the data is safe */
	if (!h->dirty || from < h->dirty_from)
		h->dirty_from = from;
	if (!h->dirty || to > h->dirty_to)
		h->dirty_to = to;
	h->dirty = true;
}

static void after_commit(struct ts_engine *eng, const struct arrived *all,
			 size_t n)
{
	size_t i = 0;

	pthread_rwlock_wrlock(&eng->heads_lock);
	while (i < n) {
		size_t j = i;

		while (j < n && all[j].series == all[i].series)
			j++;
		mark_dirty(eng, all[i].series, all[i].ts, all[j - 1].ts);
		i = j;
	}
	eng->points_written += n;
	pthread_rwlock_unlock(&eng->heads_lock);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int commit_retrying(struct ts_engine *eng,
			   const struct db_chunk_write *w, struct err *e)
{
	int64_t until = mono_ms() + RETRY_FOR_MS;
	struct timespec pause = { 0, RETRY_PAUSE_MS * 1000000L };
	unsigned tries = 1;
	int rc;

	while ((rc = db_chunks_write(eng->db, w, e)) == ERR_UNAVAILABLE &&
	       mono_ms() < until) {
		if (tries++ == 1)
			log_warn("the store is unavailable (%s): retrying the "
				 "commit for up to %d s", e->msg,
				 RETRY_FOR_MS / 1000);
		nanosleep(&pause, NULL);
	}
	if (!rc && tries > 1)
		log_info("commit done after %u tries", tries);
	return rc;
}

int ts__shared_flush(struct ts_engine *eng, struct pending *list)
{
	struct commit c = { 0 };
	struct db_chunk_write w;
	struct arrived *all;
	struct err e = { 0 };
	size_t n = 0, i = 0, series = 0;
	int rc = ERR_OK;

	if (!(all = gather(list, &n))) {
		rc = err_nomem(&e);
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		series += !k || all[k].series != all[k - 1].series;
	c.pts = malloc((n ? n : 1) * sizeof(*c.pts));
	c.latest = malloc((series ? series : 1) * sizeof(*c.latest));
	if (!c.pts || !c.latest) {
		rc = err_nomem(&e);
		goto out;
	}
	while (i < n && !rc) {
		size_t j = i;

		while (j < n && all[j].series == all[i].series)
			j++;
		rc = encode_series(&c, all, i, j, &e);
		i = j;
	}
	if (rc)
		goto out;
	ts__chunks_fix(&c.chunks);
	w = (struct db_chunk_write){ .add = c.chunks.items, .n_add = c.chunks.n,
				     .latest = c.latest,
				     .n_latest = c.n_latest };
	if (!(rc = commit_retrying(eng, &w, &e)))
		after_commit(eng, all, n);
out:
	for (struct pending *p = list; p; p = p->next) {
		p->rc = rc;
		if (rc)
			p->err = e;
	}
	ts__chunk_list_free(&c.chunks);
	free(c.latest);
	free(c.pts);
	free(all);
	return ERR_OK;   /* nothing sticky: a failed commit left no trace */
}

int ts__shared_latest(struct ts_engine *eng, const int64_t *series, size_t n,
		      struct ts_point *out)
{
	struct db_latest *l = malloc((n ? n : 1) * sizeof(*l));
	struct err e;
	int rc;

	if (!l)
		return ERR_NOMEM;
	if (!(rc = db_latest_get(eng->db, series, n, l, &e)))
		for (size_t i = 0; i < n; i++)
			out[i] = (struct ts_point){ l[i].ts, l[i].value };
	free(l);
	return rc;
}

/*
 * Merging a window is one node's at a time: the window's own lease,
 * forgotten once done.  *held false: another node merges it now.
 */
int ts__shared_window_take(struct ts_engine *eng, int64_t series,
			   int64_t start, bool *held, struct err *e)
{
	char name[80];
	int64_t epoch;

	if (!eng->opts.shared) {
		*held = true;
		return ERR_OK;
	}
	snprintf(name, sizeof(name), "compact/%" PRId64 "/%" PRId64, series,
		 start);
	return db_lease_acquire(eng->db, name, eng->opts.node, 60000, held,
				&epoch, e);
}

void ts__shared_window_give(struct ts_engine *eng, int64_t series,
			    int64_t start)
{
	char name[80];
	struct err e;

	if (!eng->opts.shared)
		return;
	snprintf(name, sizeof(name), "compact/%" PRId64 "/%" PRId64, series,
		 start);
	db_lease_release(eng->db, name, eng->opts.node, true, &e);
}
