/*
 * The engine's life and write path: open (replay), group commit, heads,
 * checkpoints and the maintenance thread.  The design notes and invariants
 * are in engine.h.
 */
#include "ts/engine_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/log.h"
#include "util/timeutil.h"

#define CHECKPOINT_KEY "ts.wal_checkpoint" /* db.h: owner ts */
#define DEFAULT_CHECKPOINT_MS (10 * MS_PER_MINUTE)
#define DEFAULT_MAX_HEAD_POINTS ((size_t)4 << 20)

/* ---- opening ------------------------------------------------------------ */

static int replay_into_heads(const struct ts_write *pts, size_t n, void *ctx,
			     struct err *e)
{
	struct ts_engine *eng = ctx;

	if (ts__head_append(eng, pts, n))
		return err_nomem(e);
	return ERR_OK;
}

static int load_latest(const struct db_latest *l, void *ctx)
{
	struct ts_engine *eng = ctx;
	struct head *h = ts__head_get(eng, l->series, true);

	if (!h)
		return ERR_NOMEM;
	h->has_latest = true;
	h->latest_ts = l->ts;
	h->latest_value = l->value;
	return ERR_OK;
}

static void *maintenance_main(void *arg);

static int start_maintenance(struct ts_engine *eng, struct err *e)
{
	if (eng->opts.readonly || eng->opts.no_maintenance)
		return ERR_OK;
	if (pthread_create(&eng->maint_thread, NULL, maintenance_main, eng))
		return err_set(e, ERR_INTERNAL, "cannot start the engine's "
			       "maintenance thread");
	eng->maint_running = true;
	return ERR_OK;
}

static struct ts_engine *engine_new(struct db *db, const struct ts_engine_opts *o)
{
	struct ts_engine *eng = calloc(1, sizeof(*eng));

	if (!eng)
		return NULL;
	eng->db = db;
	if (o)
		eng->opts = *o;
	if (!eng->opts.checkpoint_ms)
		eng->opts.checkpoint_ms = DEFAULT_CHECKPOINT_MS;
	if (!eng->opts.max_head_points)
		eng->opts.max_head_points = DEFAULT_MAX_HEAD_POINTS;
	/* set before the maintenance thread starts */
	eng->hook = eng->opts.hook;
	eng->hook_ctx = eng->opts.hook_ctx;
	pthread_mutex_init(&eng->wal_lock, NULL);
	pthread_cond_init(&eng->wal_done, NULL);
	pthread_rwlock_init(&eng->heads_lock, NULL);
	pthread_mutex_init(&eng->maint_lock, NULL);
	pthread_mutex_init(&eng->stop_lock, NULL);
	pthread_cond_init(&eng->stop_cond, NULL);
	eng->wal.fd = -1;
	eng->wal.lock_fd = -1;
	return eng;
}

static void engine_free(struct ts_engine *eng)
{
	ts__heads_free(eng);
	pthread_mutex_destroy(&eng->wal_lock);
	pthread_cond_destroy(&eng->wal_done);
	pthread_rwlock_destroy(&eng->heads_lock);
	pthread_mutex_destroy(&eng->maint_lock);
	pthread_mutex_destroy(&eng->stop_lock);
	pthread_cond_destroy(&eng->stop_cond);
	free(eng);
}

int ts_engine_open(struct db *db, const char *data_dir,
		   const struct ts_engine_opts *o, struct ts_engine **out,
		   struct err *e)
{
	char dir[PATH_MAX];
	struct ts_engine *eng = engine_new(db, o);
	struct wal_open_stats ws;
	int64_t checkpoint;
	int rc;

	if (!eng)
		return err_nomem(e);
	if (eng->opts.shared) {
		/* the store is the log: nothing to replay, no file */
		if ((rc = start_maintenance(eng, e)))
			goto fail;
		*out = eng;
		return ERR_OK;
	}
	snprintf(dir, sizeof(dir), "%s/ts", data_dir);
	if (!eng->opts.readonly && mkdir(dir, 0700) && errno != EEXIST) {
		rc = err_set(e, ERR_IO, "cannot create %s: %s", dir, strerror(errno));
		goto fail;
	}
	snprintf(dir, sizeof(dir), "%s/ts/wal", data_dir);
	if ((rc = db_state_get(db, CHECKPOINT_KEY, &checkpoint, e)) ||
	    (rc = db_latest_list(db, load_latest, eng, e)))
		goto fail;
	rc = wal_open(&eng->wal, dir, (uint64_t)checkpoint, eng->opts.readonly,
		      replay_into_heads, eng, &ws, e);
	if (rc || (!eng->opts.readonly &&
		   (rc = ts__compact_todo_load(eng, e))) ||
	    (rc = start_maintenance(eng, e)))
		goto fail;
	if (ws.damaged_segments)
		log_error("time-series log replayed with DAMAGE: %" PRIu64 " points "
			  "in %" PRIu64 " records replayed, %" PRIu64 " bytes (at "
			  "least %" PRIu64 " records) skipped in %" PRIu64
			  " damaged segments, kept aside as *.wal.damaged in %s",
			  ws.points, ws.records, ws.skipped_bytes - ws.torn_bytes,
			  ws.bad_records, ws.damaged_segments, dir);
	else if (ws.points)
		log_info("time-series log replayed: %" PRIu64 " points in %zu "
			 "series", ws.points, eng->heads.n);
	*out = eng;
	return ERR_OK;
fail:
	wal_close(&eng->wal);
	engine_free(eng);
	return rc;
}

static void stop_maintenance(struct ts_engine *eng)
{
	if (!eng->maint_running)
		return;
	pthread_mutex_lock(&eng->stop_lock);
	eng->stopping = true;
	pthread_cond_signal(&eng->stop_cond);
	pthread_mutex_unlock(&eng->stop_lock);
	pthread_join(eng->maint_thread, NULL);
	eng->maint_running = false;
}

void ts_engine_close(struct ts_engine *eng)
{
	struct err e;
	int sticky;

	if (!eng)
		return;
	stop_maintenance(eng);
	pthread_mutex_lock(&eng->wal_lock);
	sticky = eng->sticky;
	pthread_mutex_unlock(&eng->wal_lock);
	if (!eng->opts.readonly && !sticky && eng->head_points &&
	    ts_engine_checkpoint(eng, &e))
		log_warn("closing the time-series engine: %s (the log keeps "
			 "the points)", e.msg);
	if (!eng->opts.readonly && !eng->opts.shared)
		ts__compact_todo_save(eng);
	wal_close(&eng->wal);
	engine_free(eng);
}

void ts_engine_drop(struct ts_engine *eng)
{
	if (!eng)
		return;
	stop_maintenance(eng);
	wal_close(&eng->wal);
	engine_free(eng);
}

/* ---- the write path ----------------------------------------------------- */

/*
 * The leader's work: write and sync every queued record at once, then put
 * their points into the heads in log order.  Called without wal_lock;
 * owns the batch list.  Returns the sticky error to record (under
 * wal_lock, by the caller), 0 if none.
 */
static int flush_batch(struct ts_engine *eng, struct pending *list)
{
	struct iovec iov[256];
	struct pending *p, *start = list;
	struct err e = { 0 };
	int rc = ERR_OK, sticky = 0;

	if (eng->opts.shared)
		return ts__shared_flush(eng, list);
	while (start && !rc) {
		int n = 0;

		for (p = start; p && n < 256; p = p->next, n++) {
			iov[n].iov_base = p->record.data;
			iov[n].iov_len = p->record.len;
		}
		rc = wal_append(&eng->wal, iov, n, &e);
		if (!rc) {
			pthread_rwlock_wrlock(&eng->heads_lock);
			for (p = start; n--; p = p->next)
				if (ts__head_append(eng, p->pts, p->n) && !rc)
					rc = err_nomem(&e);
			pthread_rwlock_unlock(&eng->heads_lock);
			start = p;
			/* durable, but the heads lack points: reads would miss them */
			if (rc)
				sticky = ERR_NOMEM;
		}
	}
	for (p = start; rc && p; p = p->next) {
		p->rc = rc;
		p->err = e;
	}
	return rc == ERR_INTERNAL ? rc : sticky;
}

int ts_engine_write(struct ts_engine *eng, const struct ts_write *pts,
		    size_t n, struct err *e)
{
	struct pending me = { .pts = pts, .n = n };
	int rc, sticky;

	if (eng->opts.readonly)
		return err_set(e, ERR_INTERNAL, "the engine is open read-only");
	if (n == 0)
		return ERR_OK;
	if (!eng->opts.shared && (rc = wal_encode(pts, n, &me.record, e)))
		goto out;
	pthread_mutex_lock(&eng->wal_lock);
	if (eng->sticky) {
		pthread_mutex_unlock(&eng->wal_lock);
		rc = err_set(e, ERR_INTERNAL, "the write-ahead log failed earlier "
			     "and could not be repaired: restart the server");
		goto out;
	}
	if (eng->queue_tail)
		eng->queue_tail->next = &me;
	else
		eng->queue = &me;
	eng->queue_tail = &me;
	while (!me.done) {
		struct pending *list, *p;

		if (eng->flushing) {
			pthread_cond_wait(&eng->wal_done, &eng->wal_lock);
			continue;
		}
		list = eng->queue;
		eng->queue = eng->queue_tail = NULL;
		eng->flushing = true;
		pthread_mutex_unlock(&eng->wal_lock);
		sticky = flush_batch(eng, list);
		pthread_mutex_lock(&eng->wal_lock);
		if (sticky && !eng->sticky)
			eng->sticky = sticky;
		for (p = list; p; p = p->next)
			p->done = true;
		eng->flushing = false;
		pthread_cond_broadcast(&eng->wal_done);
	}
	pthread_mutex_unlock(&eng->wal_lock);
	rc = me.rc;
	if (rc && e)
		*e = me.err;
out:
	buf_free(&me.record);
	return rc;
}

/* ---- checkpoints ----------------------------------------------------------- */

static void freeze_head(int64_t key, void *value, void *ctx)
{
	struct head *h = value;
	struct ts_engine *eng = ctx;
	struct ts_point *grown;

	(void)key;
	if (!h->n)
		return;
	if (!h->n_frozen) {
		/* the common case: hand the array over */
		h->frozen = h->pts;
		h->n_frozen = h->n;
		h->pts = NULL;
		h->n = h->cap = 0;
		return;
	}
	/* an earlier checkpoint failed: its points stay first */
	grown = realloc(h->frozen, ((size_t)h->n_frozen + h->n) * sizeof(*grown));
	if (!grown) {
		eng->sticky = eng->sticky ? eng->sticky : ERR_NOMEM;
		return;
	}
	memcpy(grown + h->n_frozen, h->pts, h->n * sizeof(*grown));
	h->frozen = grown;
	h->n_frozen += h->n;
	h->n = 0;
}

/*
 * Rotate the log and freeze the heads at one instant: wait until no group
 * commit is in flight and hold the others off, so that the frozen points
 * are exactly those of the segments before the new one.
 */
static int rotate_and_freeze(struct ts_engine *eng, uint64_t *first_kept,
			     struct err *e)
{
	int rc;

	pthread_mutex_lock(&eng->wal_lock);
	while (eng->flushing)
		pthread_cond_wait(&eng->wal_done, &eng->wal_lock);
	rc = wal_rotate(&eng->wal, e);
	if (!rc) {
		*first_kept = eng->wal.segment;
		pthread_rwlock_wrlock(&eng->heads_lock);
		imap_foreach(&eng->heads, freeze_head, eng);
		pthread_rwlock_unlock(&eng->heads_lock);
	}
	pthread_mutex_unlock(&eng->wal_lock);
	return rc;
}

struct seal {
	struct chunk_list chunks;
	struct db_latest *latest;
	size_t n_latest, cap_latest;
	int rc;
	struct err *e;
};

static int push_latest(struct seal *s, int64_t series, const struct ts_point *p)
{
	if (s->n_latest == s->cap_latest) {
		size_t cap = s->cap_latest ? s->cap_latest * 2 : 256;
		struct db_latest *l = realloc(s->latest, cap * sizeof(*l));

		if (!l)
			return err_nomem(s->e);
		s->latest = l;
		s->cap_latest = cap;
	}
	s->latest[s->n_latest++] = (struct db_latest){ series, p->ts, p->value };
	return ERR_OK;
}

/*
 * Encode one head's frozen points.  Readers may be copying the frozen array
 * at the same time (both hold the read lock), so it is sorted in a copy.
 */
static void seal_head(int64_t key, void *value, void *ctx)
{
	struct head *h = value;
	struct seal *s = ctx;
	size_t n = h->n_frozen;
	struct ts_point *pts;

	(void)key;
	if (!n || s->rc)
		return;
	if (!(pts = malloc(n * sizeof(*pts)))) {
		s->rc = err_nomem(s->e);
		return;
	}
	memcpy(pts, h->frozen, n * sizeof(*pts));
	if (ts__sort_dedup(pts, &n))
		s->rc = err_nomem(s->e);
	else if (!(s->rc = ts__encode_windows(&s->chunks, h->series, pts, n,
					       TS_WINDOW_MIN_MS, s->e)))
		s->rc = push_latest(s, h->series, &pts[n - 1]);
	free(pts);
}

static void release_frozen(int64_t key, void *value, void *ctx)
{
	struct head *h = value;
	struct ts_engine *eng = ctx;

	(void)key;
	if (!h->n_frozen)
		return;
	if (!h->dirty || h->frozen[0].ts < h->dirty_from)
		h->dirty_from = h->frozen[0].ts;
	if (!h->dirty || h->frozen[h->n_frozen - 1].ts > h->dirty_to)
		h->dirty_to = h->frozen[h->n_frozen - 1].ts;
	h->dirty = true;
	eng->head_points -= h->n_frozen;
	free(h->frozen);
	h->frozen = NULL;
	h->n_frozen = 0;
}

int ts__checkpoint(struct ts_engine *eng, struct err *e)
{
	struct seal s = { .e = e };
	uint64_t first_kept;
	struct db_chunk_write w;
	size_t frozen_before;
	int rc;

	if ((rc = rotate_and_freeze(eng, &first_kept, e)))
		return rc;
	pthread_rwlock_rdlock(&eng->heads_lock);
	frozen_before = eng->head_points;
	pthread_rwlock_unlock(&eng->heads_lock);
	/* frozen arrays change only here, under maint_lock: safe to read */
	pthread_rwlock_rdlock(&eng->heads_lock);
	imap_foreach(&eng->heads, seal_head, &s);
	pthread_rwlock_unlock(&eng->heads_lock);
	if ((rc = s.rc))
		goto out;
	ts__chunks_fix(&s.chunks);
	w = (struct db_chunk_write){
		.add = s.chunks.items, .n_add = s.chunks.n,
		.latest = s.latest, .n_latest = s.n_latest,
		.state_key = CHECKPOINT_KEY, .state_value = (int64_t)first_kept,
	};
	if ((rc = db_chunks_write(eng->db, &w, e)))
		goto out;
	pthread_rwlock_wrlock(&eng->heads_lock);
	imap_foreach(&eng->heads, release_frozen, eng);
	eng->checkpoints++;
	atomic_fetch_add(&eng->seal_gen, 1); /* after the commit: invariant 7 */
	pthread_rwlock_unlock(&eng->heads_lock);
	wal_remove_below(&eng->wal, first_kept);
	log_debug("checkpoint: %zu points sealed into %zu chunks", frozen_before,
		  s.chunks.n);
out:
	ts__chunk_list_free(&s.chunks);
	free(s.latest);
	return rc;
}

int ts_engine_checkpoint(struct ts_engine *eng, struct err *e)
{
	int rc;

	if (eng->opts.readonly || eng->opts.shared)
		return ERR_OK;   /* shared: the heads hold no points */
	pthread_mutex_lock(&eng->maint_lock);
	rc = ts__checkpoint(eng, e);
	pthread_mutex_unlock(&eng->maint_lock);
	return rc;
}

/* ---- the maintenance thread ---------------------------------------------------- */

/* Sleep up to ms, waking early when the engine closes; false when closing. */
static bool nap(struct ts_engine *eng, int64_t ms)
{
	struct timespec until;
	bool stopping;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&eng->stop_lock);
	if (!eng->stopping)
		pthread_cond_timedwait(&eng->stop_cond, &eng->stop_lock, &until);
	stopping = eng->stopping;
	pthread_mutex_unlock(&eng->stop_lock);
	return !stopping;
}

static void *maintenance_main(void *arg)
{
	struct ts_engine *eng = arg;
	int64_t last = eng->compact_at_start ? 0 : time_now_ms();
	struct err e;

	while (nap(eng, 1000)) {
		void (*hook)(struct ts_engine *eng, void *ctx);
		void *hook_ctx;
		size_t pending;

		pthread_rwlock_rdlock(&eng->heads_lock);
		pending = eng->head_points;
		pthread_rwlock_unlock(&eng->heads_lock);
		if (pending < eng->opts.max_head_points &&
		    time_now_ms() - last < eng->opts.checkpoint_ms)
			continue;
		if (pending && ts_engine_checkpoint(eng, &e))
			log_error("checkpoint failed (points stay in the log, "
				  "retrying): %s", e.msg);
		else if (ts_engine_compact(eng, &e))
			log_error("compaction failed: %s", e.msg);
		pthread_mutex_lock(&eng->stop_lock);
		hook = eng->hook;
		hook_ctx = eng->hook_ctx;
		pthread_mutex_unlock(&eng->stop_lock);
		if (hook)
			hook(eng, hook_ctx);
		last = time_now_ms();
	}
	return NULL;
}

void ts_engine_set_hook(struct ts_engine *eng,
			void (*fn)(struct ts_engine *eng, void *ctx), void *ctx)
{
	pthread_mutex_lock(&eng->stop_lock);
	eng->hook = fn;
	eng->hook_ctx = ctx;
	pthread_mutex_unlock(&eng->stop_lock);
}

/* ---- reading the heads -------------------------------------------------------- */

int ts_engine_latest(struct ts_engine *eng, int64_t series, int64_t *ts,
		     double *value)
{
	struct head *h;
	int rc = ERR_NOT_FOUND;

	if (eng->opts.shared) {
		struct ts_point p;

		if (ts__shared_latest(eng, &series, 1, &p) || p.ts == INT64_MIN)
			return ERR_NOT_FOUND;
		*ts = p.ts;
		*value = p.value;
		return ERR_OK;
	}
	pthread_rwlock_rdlock(&eng->heads_lock);
	h = ts__head_get(eng, series, false);
	if (h && h->has_latest) {
		*ts = h->latest_ts;
		*value = h->latest_value;
		rc = ERR_OK;
	}
	pthread_rwlock_unlock(&eng->heads_lock);
	return rc;
}

void ts_engine_latest_many(struct ts_engine *eng, const int64_t *series,
			   size_t n, struct ts_point *out)
{
	if (eng->opts.shared && !ts__shared_latest(eng, series, n, out))
		return;
	/* shared and the store failed: this node's heads, i.e. none */
	pthread_rwlock_rdlock(&eng->heads_lock);
	for (size_t i = 0; i < n; i++) {
		struct head *h = ts__head_get(eng, series[i], false);

		out[i] = h && h->has_latest
			 ? (struct ts_point){ h->latest_ts, h->latest_value }
			 : (struct ts_point){ INT64_MIN, 0 };
	}
	pthread_rwlock_unlock(&eng->heads_lock);
}

void ts_engine_stats(struct ts_engine *eng, struct ts_engine_stats *out)
{
	pthread_rwlock_rdlock(&eng->heads_lock);
	out->series = eng->heads.n;
	out->head_points = eng->head_points;
	out->points_written = eng->points_written;
	out->checkpoints = eng->checkpoints;
	out->compactions = eng->compactions;
	pthread_rwlock_unlock(&eng->heads_lock);
	out->read_retries = atomic_load(&eng->read_retries);
	pthread_mutex_lock(&eng->wal_lock);
	out->wal_segment = eng->wal.segment;
	out->sticky = eng->sticky;
	pthread_mutex_unlock(&eng->wal_lock);
}
