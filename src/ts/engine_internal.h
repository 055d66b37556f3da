/* The insides of the time-series engine, shared by its files. */
#ifndef OASIS_TS_ENGINE_INTERNAL_H
#define OASIS_TS_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "ts/engine.h"
#include "ts/wal.h"
#include "util/buf.h"
#include "util/map.h"

/* Windows are 2^k UTC days; the smallest holds a day. */
#define TS_DAY_MS INT64_C(86400000)
#define TS_WINDOW_MIN_MS TS_DAY_MS
#define TS_WINDOW_MAX_MS (32 * TS_DAY_MS)
/* A window aims at about this many points (codec headers amortised). */
#define TS_WINDOW_TARGET_POINTS 1000

/*
 * A series' head: the points of it that are durable in the WAL but not yet
 * in a chunk.  `pts` takes new points in arrival order; a checkpoint moves
 * them to `frozen` while it seals them.  Arrival order matters: among
 * equal timestamps the later arrival wins.
 */
struct head {
	int64_t series;
	struct ts_point *pts;
	uint32_t n, cap;
	struct ts_point *frozen;
	uint32_t n_frozen;
	bool has_latest;
	int64_t latest_ts;
	double latest_value;
	/* sealed since the last compaction: [dirty_from, dirty_to] */
	bool dirty;
	int64_t dirty_from, dirty_to;
};

/* A write waiting for the group commit. */
struct pending {
	const struct ts_write *pts;
	size_t n;
	struct buf record;
	int rc;
	struct err err;
	bool done;
	struct pending *next;
};

struct ts_engine {
	struct db *db;
	struct ts_engine_opts opts;
	struct wal wal;

	/* group commit: wal, queue, flushing, sticky are under wal_lock */
	pthread_mutex_t wal_lock;
	pthread_cond_t wal_done;
	struct pending *queue, *queue_tail;
	bool flushing;
	int sticky;                 /* a WAL failure that could not be undone */

	/* heads: under heads_lock */
	pthread_rwlock_t heads_lock;
	struct imap heads;
	size_t head_points;
	uint64_t points_written;
	uint64_t checkpoints;
	uint64_t compactions;
	/* work left at the last stop: the first round runs at once */
	bool compact_at_start;
	/*
	 * Bumped (under heads_lock, held for writing) each time a checkpoint
	 * that has committed its chunks drops their points from the heads;
	 * readers compare it before their chunks and at their head copy
	 * (invariant 7).
	 */
	atomic_uint_fast64_t seal_gen;
	atomic_uint_fast64_t read_retries;

	/* one checkpoint or compaction at a time */
	pthread_mutex_t maint_lock;
	pthread_t maint_thread;
	bool maint_running;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;
	/* the maintenance hook: under stop_lock */
	void (*hook)(struct ts_engine *eng, void *ctx);
	void *hook_ctx;
};

/* heads.c */
struct head *ts__head_get(struct ts_engine *eng, int64_t series, bool create);
int ts__head_append(struct ts_engine *eng, const struct ts_write *pts,
		    size_t n);
void ts__heads_free(struct ts_engine *eng);
/*
 * Sort points by time and drop repeated timestamps, the later in the array
 * winning; *n becomes the new count.
 */
int ts__sort_dedup(struct ts_point *pts, size_t *n);
/* The head's points (frozen, then new) in [from, to], sorted, deduped. */
int ts__head_copy(struct head *h, int64_t from, int64_t to,
		  struct ts_point **out, size_t *n);

/* seal.c */
int64_t ts__window_for_density(size_t points, int64_t span_ms);
static inline int64_t ts__window_start(int64_t ts, int64_t window)
{
	return ts >= 0 ? ts - ts % window : ts - ((ts % window) + window) % window;
}

/*
 * Encode sorted, unique points into chunks cut at window boundaries and
 * append them to *chunks (growing *n, *cap); their bytes go to arena and
 * their data pointers are fixed up by ts__chunks_fix.
 */
struct chunk_list {
	struct db_chunk *items;
	size_t *offsets;            /* of each chunk's bytes in arena */
	size_t n, cap;
	struct buf arena;
};

int ts__encode_windows(struct chunk_list *cl, int64_t series,
		       const struct ts_point *pts, size_t n, int64_t window,
		       struct err *e);
void ts__chunks_fix(struct chunk_list *cl);
void ts__chunk_list_free(struct chunk_list *cl);

/* merge.c: points from several places, the highest rank winning a timestamp */
struct ts_ranked {
	int64_t ts;
	int64_t rank;
	double value;
};

struct ts_merge {
	struct ts_ranked *items;
	size_t n, cap;
};

/* Add points with a rank; rank < 0 ranks them by arrival.  ERR_NOMEM. */
int ts__merge_add(struct ts_merge *m, const struct ts_point *pts, size_t n,
		  int64_t rank);
/* Decode a chunk and add its points, ranked by the chunk's seq. */
int ts__merge_add_chunk(struct ts_merge *m, const struct db_chunk *k,
			struct err *e);
/* Sort, resolve repeated timestamps into out (room for m->n); the count. */
size_t ts__merge_finish(struct ts_merge *m, struct ts_point *out);
void ts__merge_free(struct ts_merge *m);

/* engine.c */
int ts__checkpoint(struct ts_engine *eng, struct err *e);

/* shared.c: the engine on a store shared by many nodes (opts.shared) */
/* The group commit's work: one store transaction; never sticky. */
int ts__shared_flush(struct ts_engine *eng, struct pending *list);
/* The stored newest points (ts INT64_MIN: none); an error code. */
int ts__shared_latest(struct ts_engine *eng, const int64_t *series, size_t n,
		      struct ts_point *out);
/*
 * The dirty ranges left at a clean close, kept in the store (compact.c), and
 * taken back at the next open so that compaction goes on where it stopped.
 */
void ts__compact_todo_save(struct ts_engine *eng);
int ts__compact_todo_load(struct ts_engine *eng, struct err *e);

/* The lease of one window's merge (always held when not shared). */
int ts__shared_window_take(struct ts_engine *eng, int64_t series,
			   int64_t start, bool *held, struct err *e);
void ts__shared_window_give(struct ts_engine *eng, int64_t series,
			    int64_t start);

/*
 * view.c: one consistent view of a series for a read (invariant 7): the
 * chunk ranges are read in one store transaction (each range's callback
 * gathering what it needs), then the head's points in [head_from,
 * head_to] are copied; if a checkpoint moved points from the heads into
 * chunks in between, reset(ctx) drops what the ranges gathered and the
 * read starts again.  *head (sorted, unique) is the caller's to free().
 */
struct ts_view {
	const struct db_chunk_range *ranges;
	size_t n_ranges;
	int64_t series, head_from, head_to;
	void (*reset)(void *ctx);
	void *ctx;
};

int ts__view_read(struct ts_engine *eng, const struct ts_view *v,
		  struct ts_point **head, size_t *n_head, struct err *e);

/*
 * Many series in one view: every range in one store read, then the head of
 * each h[i] (series, [from, to]) copied under one lock into h[i].pts (the
 * caller's to free()); begun again as ts__view_read, reset(ctx) between.
 */
struct ts_view_head {
	int64_t series, from, to;
	struct ts_point *pts;
	size_t n;
};

int ts__view_read_many(struct ts_engine *eng, const struct db_chunk_range *r,
		       size_t n_ranges, struct ts_view_head *h, size_t n_heads,
		       void (*reset)(void *ctx), void *ctx, struct err *e);

#endif
