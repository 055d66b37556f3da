/*
 * ts/engine: the time-series engine.  Points are (series id, timestamp in ms
 * UTC, double value); this module makes them durable, keeps them compactly
 * for years, and answers range, downsampling and latest-value queries.
 *
 * Design notes
 *
 * Layout.  Recent points live in memory, in a head per series, backed by
 * the write-ahead log (DIR/ts/wal/NNNNNNNNNNNN.wal).  Older points live in
 * chunks in the store (db_chunks_*): each chunk is one series' points in a
 * window of time, compressed by ts/codec, with its count, time range, min,
 * max and sum beside it.
 *
 * Invariants.
 *  1. A write is acknowledged only after its WAL record is on disk
 *     (write + fdatasync).  Concurrent writers share one fdatasync (group
 *     commit): the first waiter becomes the leader, writes every pending
 *     record, syncs once, and wakes the others.
 *  2. Points enter the heads only after their record is durable, in WAL
 *     order, so a query never sees a point a crash could take back, and
 *     "the last write wins" follows the WAL order.
 *  3. A failed write or sync truncates the segment back to where the
 *     failed records began and syncs the cut, so replay never resurrects
 *     an unacknowledged point: the writers get ERR_FULL (no space; HTTP
 *     507) or ERR_IO (500) and the engine goes on (wal.h, wal_sys: the
 *     tests inject these faults).  If even the cut fails, the engine
 *     refuses every later write with
 *     ERR_INTERNAL (a sticky error, under wal_lock) until it is reopened
 *     (a restart): the log can no longer be trusted to end where the
 *     engine thinks.  The failed records may then be cut short (a torn
 *     tail, dropped at replay) or whole (replayed though refused: a
 *     retried write lands on the same timestamps, so it does no harm);
 *     never half a record.  Out of memory while putting durable points
 *     into the heads is sticky too (reads would miss them).
 *  4. A checkpoint rotates the WAL to a new segment, freezes the heads,
 *     seals the frozen points into chunks and commits them in one store
 *     transaction together with "ts.wal_checkpoint" = the new segment number.
 *     Only after that commit are older segments deleted.  At open, segments
 *     below wal_checkpoint are deleted and the rest are replayed: a crash
 *     anywhere loses nothing acknowledged and duplicates nothing.
 *  5. No chunk crosses a window boundary (windows are 2^k UTC days, k <= 5;
 *     DB_CHUNK_MAX_SPAN_MS bounds them), so a range query finds its chunks
 *     with one index range scan.
 *  6. Chunks of a series may overlap (late points, several seals in one
 *     window); where they hold the same timestamp the higher seq wins, and
 *     the heads win over every chunk.  Compaction merges a window's chunks
 *     into one, taking the highest seq it replaced (db_chunks_write), so the
 *     rule still holds for chunks written while it ran.
 *  7. A read sees one consistent view: every point acknowledged before
 *     the read began is in its answer, once.  Its chunks (raw and
 *     rolled-up) come from one store read transaction, so a compaction or
 *     a rollup (each one transaction) is seen whole or not at all; its
 *     head is copied after the chunks, and a checkpoint that dropped
 *     points from the heads after committing them (seal_gen, bumped under
 *     heads_lock) between the two makes the read begin again (view.c;
 *     after three tries it holds checkpoints off for the last one).
 *  8. Replay never stops at damage.  A record cut short at the end of
 *     the newest segment is an interrupted write, never acknowledged: it
 *     is cut off.  Any other bad bytes are skipped, replay resynchronises
 *     on the next record whose magic and both CRCs hold, the damaged
 *     segment is kept aside (NNN.wal.damaged, a hard link: never written,
 *     cut or deleted; appends go to a new segment) and log_error says how
 *     many bytes and records were skipped and where the copy is.
 *
 * Crash story.  Killed anywhere, the engine reopens to: every chunk that
 * committed, wal_checkpoint naming the first segment not in them, and the
 * segments from there replayed into the heads.  A crash during a write
 * leaves at most a torn tail (never acknowledged: cut); during a
 * checkpoint, either the commit happened (its segments are replayed no
 * more, and deleted) or not (they are replayed again; the chunks did not
 * commit).  Duplicates cannot arise: a point is in chunks or in replayed
 * segments, not both.  A disk that damages acknowledged bytes loses those
 * records only (invariant 8); docs/SECURITY.md, "Durability", says how
 * to recover.
 *
 * Threads.  Writers call ts_engine_write concurrently.  A maintenance thread
 * checkpoints (every checkpoint_ms, or sooner when the heads hold more than
 * max_head_points) and compacts.  Readers take the heads' read lock briefly
 * to copy what they need.  ts_engine_opts.hook is set before the
 * maintenance thread starts (ts_engine_set_hook replaces it under a lock).
 *
 * A reader-only engine (ts_engine_open with readonly) replays the WAL into
 * private heads without touching files, so `oasis query` sees every
 * acknowledged point while a server owns the store.
 */
#ifndef OASIS_TS_ENGINE_H
#define OASIS_TS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "ts/codec.h"
#include "util/err.h"

struct ts_engine;

struct ts_engine_opts {
	bool readonly;            /* replay the WAL, write nothing */
	int64_t checkpoint_ms;    /* 0: 10 minutes */
	size_t max_head_points;   /* 0: 4 M (64 MB of points) */
	bool no_maintenance;      /* tests: checkpoint only when asked */
	/* run by the maintenance thread after each round (ts_engine_set_hook) */
	void (*hook)(struct ts_engine *eng, void *ctx);
	void *hook_ctx;
	/*
	 * Many nodes on one store (docs/CLUSTER.md): no WAL and no
	 * points in the heads; a write is acknowledged once its chunks and
	 * newest points committed in the store (group commit), reads and
	 * latest values come from the store.  node: this node's id (leases).
	 */
	bool shared;
	const char *node;
};

/* Open the engine on a store; data_dir holds the WAL (DATA/ts/wal). */
int ts_engine_open(struct db *db, const char *data_dir,
		   const struct ts_engine_opts *o, struct ts_engine **out,
		   struct err *e);
/* Checkpoint (unless readonly) and close. */
void ts_engine_close(struct ts_engine *eng);
/*
 * Release without a checkpoint, leaving the files as a crash would: the
 * log still holds every acknowledged point (tests, fatal paths).
 */
void ts_engine_drop(struct ts_engine *eng);

struct ts_write {
	int64_t series;
	int64_t ts;
	double value;   /* finite: the caller validated it */
};

/* Make n points durable; returns once they are (group commit). */
int ts_engine_write(struct ts_engine *eng, const struct ts_write *pts,
		    size_t n, struct err *e);

/*
 * A job the maintenance thread runs after each round of checkpoint and
 * compaction (retention policies); it must not block for long.  Better
 * given in ts_engine_opts, before the thread starts; this may replace it
 * at any time (under a lock).
 */
void ts_engine_set_hook(struct ts_engine *eng,
			void (*fn)(struct ts_engine *eng, void *ctx), void *ctx);

/* Seal the heads into chunks now and trim the WAL. */
int ts_engine_checkpoint(struct ts_engine *eng, struct err *e);
/* Merge fragmented windows of the series touched since the last call. */
int ts_engine_compact(struct ts_engine *eng, struct err *e);

/*
 * Retention: replace the raw points of series older than `before` (whole
 * chunks) by aggregates per `step` (which divides a day): sum, count, min,
 * max, first and last, kept in six derived series ts_rollup_series(S, f).
 * Aggregate queries fold them in transparently; raw queries over a
 * rolled-up period return one point per step, the step's mean, at its
 * start.  *rolled counts the raw points replaced.
 */
enum ts_rollup_field {
	TS_ROLLUP_SUM, TS_ROLLUP_COUNT, TS_ROLLUP_MIN, TS_ROLLUP_MAX,
	TS_ROLLUP_FIRST, TS_ROLLUP_LAST, TS_ROLLUP_FIELDS
};

static inline int64_t ts_rollup_series(int64_t series, int field)
{
	return -(series * 8 + field + 1);
}

int ts_engine_rollup(struct ts_engine *eng, int64_t series, int64_t before,
		     int64_t step, size_t *rolled, struct err *e);

/* The newest point of a series; ERR_NOT_FOUND if it has none. */
int ts_engine_latest(struct ts_engine *eng, int64_t series, int64_t *ts,
		     double *value);

/*
 * The newest point of each of n series (one lock for all): out[i] for
 * series[i], with ts INT64_MIN for a series without points.
 */
void ts_engine_latest_many(struct ts_engine *eng, const int64_t *series,
			   size_t n, struct ts_point *out);

/*
 * Every point of a series in [from, to], in time order, duplicates resolved.
 * *out is the caller's to free().
 */
int ts_engine_read(struct ts_engine *eng, int64_t series, int64_t from,
		   int64_t to, struct ts_point **out, size_t *n,
		   struct err *e);

/* Aggregates of a downsampled query. */
enum ts_agg {
	TS_AGG_AVG = 1 << 0,
	TS_AGG_MIN = 1 << 1,
	TS_AGG_MAX = 1 << 2,
	TS_AGG_SUM = 1 << 3,
	TS_AGG_COUNT = 1 << 4,
	TS_AGG_FIRST = 1 << 5,
	TS_AGG_LAST = 1 << 6,
};

struct ts_bucket {
	int64_t start;            /* bucket start: a multiple of step */
	uint64_t count;
	double sum, min, max, first, last;
};

/*
 * Buckets of step ms for the points in [from, to), for the aggregates in
 * mask; buckets start at multiples of step since the epoch (as InfluxDB's
 * GROUP BY time), so the first and last may be partial; empty buckets are
 * left out.  Chunks lying whole inside one bucket and touching
 * no other data answer from their summary when the aggregates allow (not
 * first/last), without being decoded.  *out is the caller's to free().
 */
int ts_engine_aggregate(struct ts_engine *eng, int64_t series, int64_t from,
			int64_t to, int64_t step, unsigned mask,
			struct ts_bucket **out, size_t *n, struct err *e);

/*
 * Many aggregates in one consistent view (invariant 7): every series'
 * chunks in one store read (one statement on PostgreSQL, one transaction
 * on SQLite) and every head copied under one lock.  Each q[i] is answered
 * as ts_engine_aggregate(q[i].series, from, to, step, mask) would, into
 * q[i].out (the caller's to free()) and q[i].n.  On an error every out is
 * NULL.  For readers that need many series at once (the irrigation plan):
 * a round trip per batch instead of one per series.
 */
struct ts_agg_query {
	int64_t series, from, to, step;
	unsigned mask;
	struct ts_bucket *out;
	size_t n;
};

int ts_engine_aggregate_many(struct ts_engine *eng, struct ts_agg_query *q,
			     size_t n, struct err *e);

/* What the engine holds in memory, for /metrics and tests. */
struct ts_engine_stats {
	size_t series;            /* series with a head */
	size_t head_points;
	uint64_t wal_segment;
	uint64_t points_written;
	uint64_t checkpoints;
	uint64_t compactions;     /* rounds of compaction finished */
	uint64_t read_retries;    /* reads begun again (invariant 7) */
	int sticky;               /* the log's sticky error; 0: none */
};

void ts_engine_stats(struct ts_engine *eng, struct ts_engine_stats *out);

#endif
