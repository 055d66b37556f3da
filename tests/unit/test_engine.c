/*
 * ts/engine: durability through the log, checkpoints, replay after a
 * crash (simulated by dropping the engine without closing it), last write
 * wins, late points, compaction, aggregates, and bulk loads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "ts/bulk.h"
#include "ts/engine.h"
#include "test_folder.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */

struct fixture {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (test_folder_open(f->dir, sizeof(f->dir), "engine", &f->db,
			     &f->eng, &manual))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (test_folder_close(f->dir, f->db, f->eng))
		return -1;
	free(f);
	return 0;
}

static void write_minutes(struct ts_engine *eng, int64_t series, int64_t start,
			  int n, double base)
{
	struct ts_write *w = malloc((size_t)n * sizeof(*w));
	struct err e;

	for (int i = 0; i < n; i++)
		w[i] = (struct ts_write){ series, start + i * INT64_C(60000),
					  base + (i % 100) * 0.1 };
	assert_int_equal(ts_engine_write(eng, w, (size_t)n, &e), 0);
	free(w);
}

static size_t count_points(struct ts_engine *eng, int64_t series, int64_t from,
			   int64_t to)
{
	struct ts_point *pts;
	size_t n;
	struct err e;

	assert_int_equal(ts_engine_read(eng, series, from, to, &pts, &n, &e), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(pts[i].ts > pts[i - 1].ts);
	free(pts);
	return n;
}

/* "Crash": reopen the store and engine without closing the old engine. */
static void crash_and_reopen(struct fixture *f)
{
	struct err e;

	ts_engine_drop(f->eng);
	f->eng = NULL;
	db_close(f->db);
	assert_int_equal(db_open(f->dir, false, &f->db, &e), 0);
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
}

static void written_points_survive_a_crash(void **state)
{
	struct fixture *f = *state;
	int64_t ts;
	double v;

	write_minutes(f->eng, 1, T0, 500, 20);
	assert_int_equal(count_points(f->eng, 1, T0, T0 + DAY), 500);
	crash_and_reopen(f);
	assert_int_equal(count_points(f->eng, 1, T0, T0 + DAY), 500);
	assert_int_equal(ts_engine_latest(f->eng, 1, &ts, &v), 0);
	assert_int_equal(ts, T0 + 499 * 60000);
}

static void checkpoint_moves_points_into_chunks(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_stats st;
	struct err e;

	write_minutes(f->eng, 7, T0, 3000, 10);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	ts_engine_stats(f->eng, &st);
	assert_int_equal(st.head_points, 0);
	assert_int_equal(count_points(f->eng, 7, T0, T0 + 3 * DAY), 3000);
	write_minutes(f->eng, 7, T0 + 3000 * 60000, 10, 10);
	ts_engine_close(f->eng);
	f->eng = NULL;
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	assert_int_equal(count_points(f->eng, 7, T0, T0 + 3 * DAY), 3010);
}

static void last_write_wins_and_late_points_merge(void **state)
{
	struct fixture *f = *state;
	struct ts_write first = { 3, T0 + 60000, 1.0 };
	struct ts_write second = { 3, T0 + 60000, 2.0 };
	struct ts_write late = { 3, T0 - DAY, 5.0 };
	struct ts_point *pts;
	struct err e;
	size_t n;

	write_minutes(f->eng, 3, T0, 10, 0);
	assert_int_equal(ts_engine_write(f->eng, &first, 1, &e), 0);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	/* the same timestamp again after the first went into a chunk */
	assert_int_equal(ts_engine_write(f->eng, &second, 1, &e), 0);
	assert_int_equal(ts_engine_write(f->eng, &late, 1, &e), 0);
	assert_int_equal(ts_engine_read(f->eng, 3, T0 - 2 * DAY, T0 + DAY, &pts,
					&n, &e), 0);
	assert_int_equal(n, 11);
	assert_int_equal(pts[0].ts, T0 - DAY);
	assert_true(pts[2].value == 2.0);
	free(pts);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_read(f->eng, 3, T0, T0 + DAY, &pts, &n, &e), 0);
	assert_int_equal(n, 10);
	assert_true(pts[1].value == 2.0);
	free(pts);
	/* compaction merges the window's chunks and keeps the newest value */
	assert_int_equal(ts_engine_compact(f->eng, &e), 0);
	assert_int_equal(ts_engine_read(f->eng, 3, T0, T0 + DAY, &pts, &n, &e), 0);
	assert_int_equal(n, 10);
	assert_true(pts[1].value == 2.0);
	free(pts);
}

static void aggregates_from_summaries_and_points(void **state)
{
	struct fixture *f = *state;
	struct ts_bucket *b;
	struct err e;
	size_t n;

	/* three full days of minutes, values 20.0 .. 29.9 repeating */
	write_minutes(f->eng, 9, T0, 3 * 1440, 20);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_aggregate(f->eng, 9, T0, T0 + 3 * DAY, DAY,
					     TS_AGG_AVG | TS_AGG_MIN | TS_AGG_MAX,
					     &b, &n, &e), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(b[i].count, 1440);
		assert_true(fabs(b[i].min - 20.0) < 1e-9);
		assert_true(fabs(b[i].max - 29.9) < 1e-9);
		assert_int_equal(b[i].start, T0 + (int64_t)i * DAY);
	}
	free(b);
	/* hourly buckets cross chunks: computed from the points */
	assert_int_equal(ts_engine_aggregate(f->eng, 9, T0, T0 + DAY, 3600000,
					     TS_AGG_FIRST | TS_AGG_LAST |
					     TS_AGG_COUNT, &b, &n, &e), 0);
	assert_int_equal(n, 24);
	assert_int_equal(b[0].count, 60);
	assert_true(fabs(b[0].first - 20.0) < 1e-9);
	assert_true(fabs(b[0].last - 25.9) < 1e-9);
	free(b);
	assert_int_equal(ts_engine_aggregate(f->eng, 9, T0, T0 + DAY, 0,
					     TS_AGG_AVG, &b, &n, &e), ERR_INVALID);
}

/* Aggregates over overlapping chunks and head: the newest value wins. */
static void aggregates_resolve_overlaps_like_reads(void **state)
{
	struct fixture *f = *state;
	struct ts_write again = { 11, T0 + 5 * 60000, 100.0 };
	struct ts_write head = { 11, T0 + 6 * 60000, 200.0 };
	struct ts_bucket *b;
	struct err e;
	size_t n;

	write_minutes(f->eng, 11, T0, 60, 0);       /* 0.0 .. 5.9 */
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_write(f->eng, &again, 1, &e), 0);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_write(f->eng, &head, 1, &e), 0);
	assert_int_equal(ts_engine_aggregate(f->eng, 11, T0, T0 + 3600000,
					     3600000, TS_AGG_SUM | TS_AGG_MAX |
					     TS_AGG_FIRST, &b, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b[0].count, 60);
	assert_true(fabs(b[0].max - 200.0) < 1e-9);
	/* 0.0 + ... + 5.9 = 177, with 0.5 -> 100 and 0.6 -> 200 */
	assert_true(fabs(b[0].sum - (177.0 - 0.5 - 0.6 + 300.0)) < 1e-9);
	free(b);
}

static void assert_same_buckets(const struct ts_bucket *a, size_t na,
				const struct ts_bucket *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].start, b[i].start);
		assert_int_equal(a[i].count, b[i].count);
		assert_true(a[i].sum == b[i].sum && a[i].min == b[i].min &&
			    a[i].max == b[i].max && a[i].first == b[i].first &&
			    a[i].last == b[i].last);
	}
}

/* Many aggregates in one view answer as each one alone. */
static void aggregate_many_answers_as_each_alone(void **state)
{
	struct fixture *f = *state;
	struct ts_write late = { 41, T0 + 5 * 60000, 100.0 };
	unsigned all = TS_AGG_AVG | TS_AGG_MIN | TS_AGG_MAX | TS_AGG_SUM |
		       TS_AGG_COUNT | TS_AGG_FIRST | TS_AGG_LAST;
	struct ts_agg_query q[] = {
		{ 41, T0, T0 + 3 * DAY, DAY, all, NULL, 0 },   /* chunks + head */
		{ 42, T0, T0 + 3 * DAY, DAY, TS_AGG_AVG, NULL, 0 }, /* rolled up */
		{ 43, T0, T0 + DAY, 3600000, TS_AGG_LAST, NULL, 0 }, /* head */
		{ 44, T0, T0 + DAY, DAY, all, NULL, 0 },        /* no points */
		{ 41, T0 + DAY / 2, T0 + 2 * DAY, 3600000, all, NULL, 0 },
	};
	size_t nq = sizeof(q) / sizeof(q[0]), rolled, n;
	struct ts_bucket *b;
	struct err e;

	write_minutes(f->eng, 41, T0, 2 * 1440, 10);
	write_minutes(f->eng, 42, T0, 3 * 1440, 20);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_rollup(f->eng, 42, T0 + 2 * DAY, 3600000,
					  &rolled, &e), 0);
	assert_int_equal(ts_engine_write(f->eng, &late, 1, &e), 0);
	write_minutes(f->eng, 41, T0 + 2 * DAY, 100, 30);
	write_minutes(f->eng, 43, T0, 200, 40);
	assert_int_equal(ts_engine_aggregate_many(f->eng, q, nq, &e), 0);
	for (size_t i = 0; i < nq; i++) {
		assert_int_equal(ts_engine_aggregate(f->eng, q[i].series,
						     q[i].from, q[i].to,
						     q[i].step, q[i].mask, &b,
						     &n, &e), 0);
		assert_same_buckets(q[i].out, q[i].n, b, n);
		free(b);
		free(q[i].out);
	}
	assert_int_equal(q[0].n, 3);
	assert_int_equal(q[3].n, 0);
	/* one query refused: none answered */
	q[2].step = 0;
	assert_int_equal(ts_engine_aggregate_many(f->eng, q, nq, &e),
			 ERR_INVALID);
	for (size_t i = 0; i < nq; i++)
		assert_null(q[i].out);
	assert_int_equal(ts_engine_aggregate_many(f->eng, q, 0, &e), 0);
}

static void torn_log_tail_is_cut_off(void **state)
{
	struct fixture *f = *state;
	char path[128];
	int fd;

	write_minutes(f->eng, 4, T0, 100, 1);
	/* a record whose write was interrupted: part of its header */
	snprintf(path, sizeof(path), "%s/ts/wal/000000000001.wal", f->dir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x0c\xa1\x57\x9e\x40\0\0\0\x11", 9), 9);
	close(fd);
	crash_and_reopen(f);
	/* cut, not kept aside as damage */
	strcat(path, ".damaged");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_points(f->eng, 4, T0, T0 + DAY), 100);
	write_minutes(f->eng, 4, T0 + DAY, 5, 1);
	crash_and_reopen(f);
	assert_int_equal(count_points(f->eng, 4, T0, T0 + 2 * DAY), 105);
}

static void bulk_load_is_atomic_and_windowed(void **state)
{
	struct fixture *f = *state;
	struct ts_bulk *b;
	struct ts_bulk_stats st;
	struct ts_bucket *bk;
	struct err e;
	size_t n;

	assert_int_equal(ts_bulk_open(f->db, 1000, &b, &e), 0);
	for (int i = 0; i < 14 * 144; i++) /* two weeks every ten minutes */
		assert_int_equal(ts_bulk_add(b, 11, T0 + i * INT64_C(600000),
					     30.0 + (i % 7) * 0.1, &e), 0);
	assert_int_equal(ts_bulk_add(b, 11, T0, 99.0, &e), 0); /* later wins */
	assert_int_equal(count_points(f->eng, 11, T0, T0 + 30 * DAY), 0);
	assert_int_equal(ts_bulk_commit(b, &e), 0);
	ts_bulk_stats(b, &st);
	assert_int_equal(st.points, 14 * 144 + 1);
	ts_bulk_free(b);
	assert_int_equal(count_points(f->eng, 11, T0, T0 + 30 * DAY), 14 * 144);
	assert_int_equal(ts_engine_aggregate(f->eng, 11, T0, T0 + DAY, DAY,
					     TS_AGG_MAX, &bk, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_true(bk[0].max == 99.0);
	free(bk);
}

static void rollups_replace_old_raw_points_transparently(void **state)
{
	struct fixture *f = *state;
	struct ts_bucket *b;
	struct ts_point *pts;
	size_t n, rolled;
	struct err e;

	/* three days of minutes, values 20.0 .. 29.9 repeating */
	write_minutes(f->eng, 21, T0, 3 * 1440, 20);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(ts_engine_rollup(f->eng, 21, T0 + 2 * DAY, 3600000,
					  &rolled, &e), 0);
	assert_int_equal(rolled, 2 * 1440);
	/* raw reads over the rolled-up days: one mean per hour */
	assert_int_equal(ts_engine_read(f->eng, 21, T0, T0 + DAY - 1, &pts, &n,
					&e), 0);
	assert_int_equal(n, 24);
	assert_int_equal(pts[1].ts, T0 + 3600000);
	free(pts);
	assert_int_equal(count_points(f->eng, 21, T0 + 2 * DAY, T0 + 3 * DAY), 1440);
	/* aggregates are the same as before the rollup */
	assert_int_equal(ts_engine_aggregate(f->eng, 21, T0, T0 + 3 * DAY, DAY,
					     TS_AGG_AVG | TS_AGG_MIN | TS_AGG_MAX |
					     TS_AGG_COUNT | TS_AGG_FIRST |
					     TS_AGG_LAST, &b, &n, &e), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		double sum = 0;

		for (int m = 0; m < 1440; m++)
			sum += 20 + ((int)i * 1440 + m) % 100 * 0.1;
		assert_int_equal(b[i].count, 1440);
		assert_true(fabs(b[i].min - 20.0) < 1e-9);
		assert_true(fabs(b[i].max - 29.9) < 1e-9);
		assert_true(fabs(b[i].first - (20 + (i * 1440) % 100 * 0.1)) < 1e-9);
		assert_true(fabs(b[i].last - (20 + (i * 1440 + 1439) % 100 * 0.1)) < 1e-9);
		assert_true(fabs(b[i].sum - sum) < 1e-6);
	}
	free(b);
	/* a second pass finds nothing more to roll up; a bad step is refused */
	assert_int_equal(ts_engine_rollup(f->eng, 21, T0 + 2 * DAY, 3600000,
					  &rolled, &e), 0);
	assert_int_equal(rolled, 0);
	assert_int_equal(ts_engine_rollup(f->eng, 21, T0 + 2 * DAY, 7 * 3600000,
					  &rolled, &e), ERR_INVALID);
}

static int count_chunk(const struct db_chunk *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static int chunks_of(struct db *db, int64_t series)
{
	int n = 0;
	struct err e;

	assert_int_equal(db_chunks_read(db, series, T0 - DAY, T0 + 2 * DAY,
					count_chunk, &n, &e), 0);
	return n;
}

/*
 * A window left fragmented by checkpoints just before a clean stop is
 * merged after the next start: the work left is kept in the store.
 */
static void compaction_goes_on_after_a_restart(void **state)
{
	struct fixture *f = *state;
	struct err e;

	write_minutes(f->eng, 31, T0, 100, 10);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	write_minutes(f->eng, 31, T0 + 100 * 60000, 100, 10);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(chunks_of(f->db, 31), 2);
	ts_engine_close(f->eng);
	f->eng = NULL;
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	assert_int_equal(ts_engine_compact(f->eng, &e), 0);
	assert_int_equal(chunks_of(f->db, 31), 1);
	assert_int_equal(count_points(f->eng, 31, T0, T0 + DAY), 200);
	/* done: a second restart finds nothing left */
	ts_engine_close(f->eng);
	f->eng = NULL;
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	assert_int_equal(ts_engine_compact(f->eng, &e), 0);
	assert_int_equal(chunks_of(f->db, 31), 1);
}

/*
 * A stop during the maintenance thread's round of compaction loses none of
 * the work: what the round had not reached is merged after the next start.
 */
static void a_stop_during_compaction_leaves_the_rest_for_later(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_opts busy = { .checkpoint_ms = 1 };
	enum { SERIES = 300 };
	struct ts_engine_stats st;
	struct err e;

	ts_engine_close(f->eng);
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	for (int64_t s = 100; s < 100 + SERIES; s++)
		write_minutes(f->eng, s, T0, 30, 1);
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	for (int64_t s = 100; s < 100 + SERIES; s++)
		write_minutes(f->eng, s, T0 + 30 * 60000, 30, 1);
	ts_engine_close(f->eng);   /* its checkpoint leaves 2 chunks each */
	/* a maintenance thread compacts; stopped whenever it has got to */
	assert_int_equal(ts_engine_open(f->db, f->dir, &busy, &f->eng, &e), 0);
	for (int merged = 0; !merged; usleep(1000)) {
		ts_engine_stats(f->eng, &st);
		for (int64_t s = 100; s < 100 + SERIES && !merged; s++)
			merged = st.compactions || chunks_of(f->db, s) == 1;
	}
	ts_engine_close(f->eng);   /* most likely in the middle of the round */
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	assert_int_equal(ts_engine_compact(f->eng, &e), 0);
	for (int64_t s = 100; s < 100 + SERIES; s++)
		assert_int_equal(chunks_of(f->db, s), 1);
}

/*
 * Two engines in shared mode on one store (nodes of a cluster): a write
 * is in the store once acknowledged (no log, no head), each reads the
 * other's points and latest values, a later correction wins, and
 * compaction merges the small chunks of a closed window.
 */
static void shared_engines_read_each_others_writes(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_opts o = { .no_maintenance = true, .shared = true,
				    .node = "n1" };
	struct ts_engine *a, *b;
	struct ts_write fix = { 31, T0 + 5 * 60000, 99.0 };
	struct ts_engine_stats st;
	struct ts_point *pts, many[2];
	int64_t series[2] = { 31, 32 }, ts;
	double v;
	size_t n;
	int chunks = 0;
	struct err e;

	assert_int_equal(ts_engine_open(f->db, f->dir, &o, &a, &e), 0);
	o.node = "n2";
	assert_int_equal(ts_engine_open(f->db, f->dir, &o, &b, &e), 0);
	write_minutes(a, 31, T0, 10, 1.0);
	write_minutes(b, 31, T0 + 10 * 60000, 10, 2.0);
	assert_int_equal(count_points(a, 31, T0, T0 + DAY), 20);
	assert_int_equal(count_points(b, 31, T0, T0 + DAY), 20);
	ts_engine_stats(a, &st);
	assert_int_equal(st.head_points, 0);
	assert_int_equal(st.points_written, 10);
	assert_int_equal(ts_engine_latest(a, 31, &ts, &v), 0);
	assert_int_equal(ts, T0 + 19 * 60000);
	assert_int_equal(ts_engine_write(b, &fix, 1, &e), 0);
	assert_int_equal(ts_engine_read(a, 31, T0 + 5 * 60000, T0 + 5 * 60000,
					&pts, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_float_equal(pts[0].value, 99.0, 0);
	free(pts);
	ts_engine_latest_many(b, series, 2, many);
	assert_int_equal(many[0].ts, T0 + 19 * 60000);
	assert_true(many[1].ts == INT64_MIN);
	assert_int_equal(ts_engine_latest(b, 32, &ts, &v), ERR_NOT_FOUND);
	/* the window is long closed (2026): a's merge takes all three */
	assert_int_equal(db_chunks_read(f->db, 31, T0, T0 + DAY, count_chunk,
					&chunks, &e), 0);
	assert_int_equal(chunks, 3);
	assert_int_equal(ts_engine_compact(a, &e), 0);
	chunks = 0;
	assert_int_equal(db_chunks_read(f->db, 31, T0, T0 + DAY, count_chunk,
					&chunks, &e), 0);
	assert_int_equal(chunks, 1);
	assert_int_equal(count_points(b, 31, T0, T0 + DAY), 20);
	assert_int_equal(ts_engine_read(b, 31, T0 + 5 * 60000, T0 + 5 * 60000,
					&pts, &n, &e), 0);
	assert_float_equal(pts[0].value, 99.0, 0);
	free(pts);
	ts_engine_close(b);
	ts_engine_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shared_engines_read_each_others_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(written_points_survive_a_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoint_moves_points_into_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(last_write_wins_and_late_points_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregates_from_summaries_and_points, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregates_resolve_overlaps_like_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregate_many_answers_as_each_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_log_tail_is_cut_off, setup, teardown),
		cmocka_unit_test_setup_teardown(bulk_load_is_atomic_and_windowed, setup, teardown),
		cmocka_unit_test_setup_teardown(rollups_replace_old_raw_points_transparently, setup, teardown),
		cmocka_unit_test_setup_teardown(compaction_goes_on_after_a_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(a_stop_during_compaction_leaves_the_rest_for_later, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
