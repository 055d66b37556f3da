/*
 * ts/engine read consistency (invariant 7): readers racing a writer whose
 * points a checkpointing thread keeps moving from the heads into chunks
 * (and compacting), and aggregates racing rollups that replace raw chunks.
 * Every point acknowledged before a read began must be in it, once.
 * Also the engine's shared state under concurrent writers and its
 * maintenance thread: the sticky error, the hook.
 * Runs under AddressSanitizer (make test) and ThreadSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "ts/engine.h"
#include "ts/wal.h"
#include "test_folder.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */
#define RAW_READS 50000           /* over all raw readers */
#define RAW_READERS 2
#define WINDOW 400                /* points a raw read asks for */
#define BATCH 8                   /* points a write carries */
#define ROLL_DAYS 60
#define ROLL_PER_DAY 96           /* a point every 15 minutes */
#define ROLL_START (T0 - 400 * DAY)

struct race {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;
	atomic_int_fast64_t acked;   /* points acknowledged so far */
	atomic_int_fast64_t sent;    /* points handed to a write so far */
	atomic_bool stop;
	atomic_int_fast64_t reads, misses, extra, worst_miss;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int setup(void **state)
{
	struct race *r = calloc(1, sizeof(*r));

	if (test_folder_open(r->dir, sizeof(r->dir), "ts-race", &r->db,
			     &r->eng, &manual))
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct race *r = *state;

	if (test_folder_close(r->dir, r->db, r->eng))
		return -1;
	free(r);
	return 0;
}

static void note_miss(struct race *r, int64_t missing)
{
	int64_t worst = atomic_load(&r->worst_miss);

	atomic_fetch_add(&r->misses, 1);
	while (missing > worst &&
	       !atomic_compare_exchange_weak(&r->worst_miss, &worst, missing))
		;
}

/* ---- raw reads racing checkpoints --------------------------------------- */

/* Points next .. next+BATCH-1: one a second, valued by their index. */
static void write_batch(struct race *r, int64_t next)
{
	struct ts_write w[BATCH];
	struct err e;

	for (int i = 0; i < BATCH; i++)
		w[i] = (struct ts_write){ 1, T0 + (next + i) * 1000,
					  (double)(next + i) };
	if (ts_engine_write(r->eng, w, BATCH, &e)) {
		fprintf(stderr, "write: %s\n", e.msg);
		abort();
	}
	atomic_store(&r->acked, next + BATCH);
}

static void *raw_writer(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop))
		write_batch(r, atomic_load(&r->acked));
	return NULL;
}

static void *checkpointer(void *arg)
{
	struct race *r = arg;
	struct err e;
	unsigned rounds = 0;

	while (!atomic_load(&r->stop)) {
		if (ts_engine_checkpoint(r->eng, &e) ||
		    (++rounds % 8 == 0 && ts_engine_compact(r->eng, &e))) {
			fprintf(stderr, "maintenance: %s\n", e.msg);
			abort();
		}
		usleep(200);
	}
	return NULL;
}

/* Read the newest WINDOW acknowledged points: all of them, each once. */
static void *raw_reader(void *arg)
{
	struct race *r = arg;
	struct err e;

	for (int i = 0; i < RAW_READS / RAW_READERS; i++) {
		int64_t hi = atomic_load(&r->acked), lo = hi > WINDOW ? hi - WINDOW : 0;
		struct ts_point *pts;
		size_t n;

		if (ts_engine_read(r->eng, 1, T0 + lo * 1000, T0 + (hi - 1) * 1000,
				   &pts, &n, &e)) {
			fprintf(stderr, "read: %s\n", e.msg);
			abort();
		}
		if ((int64_t)n < hi - lo)
			note_miss(r, hi - lo - (int64_t)n);
		for (size_t k = 0; k < n; k++)
			if (pts[k].value != (double)(lo + (int64_t)k)) {
				atomic_fetch_add(&r->extra, 1);
				break;
			}
		free(pts);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static void raw_reads_never_miss_a_checkpointed_point(void **state)
{
	struct race *r = *state;
	pthread_t writer, maint, readers[RAW_READERS];

	/* some points first, so that the first reads have a window to read */
	while (atomic_load(&r->acked) < WINDOW)
		write_batch(r, atomic_load(&r->acked));
	assert_int_equal(pthread_create(&writer, NULL, raw_writer, r), 0);
	assert_int_equal(pthread_create(&maint, NULL, checkpointer, r), 0);
	for (int i = 0; i < RAW_READERS; i++)
		assert_int_equal(pthread_create(&readers[i], NULL, raw_reader, r), 0);
	for (int i = 0; i < RAW_READERS; i++)
		pthread_join(readers[i], NULL);
	atomic_store(&r->stop, true);
	pthread_join(writer, NULL);
	pthread_join(maint, NULL);
	print_message("%lld raw reads, %lld points written, %lld missed some "
		      "(worst %lld), %lld out of order\n",
		      (long long)atomic_load(&r->reads),
		      (long long)atomic_load(&r->acked),
		      (long long)atomic_load(&r->misses),
		      (long long)atomic_load(&r->worst_miss),
		      (long long)atomic_load(&r->extra));
	assert_int_equal(atomic_load(&r->reads), RAW_READS);
	assert_int_equal(atomic_load(&r->misses), 0);
	assert_int_equal(atomic_load(&r->extra), 0);
}

/* ---- aggregates racing rollups ------------------------------------------ */

/* Day by day: write, seal into chunks, roll the day up. */
static void *roller(void *arg)
{
	struct race *r = arg;
	struct ts_write w[ROLL_PER_DAY];
	struct err e;
	size_t rolled;

	for (int d = 0; d < ROLL_DAYS; d++) {
		int64_t day = ROLL_START + d * DAY;

		for (int i = 0; i < ROLL_PER_DAY; i++)
			w[i] = (struct ts_write){ 2, day + i * (DAY / ROLL_PER_DAY), 1.0 };
		/* a write's points may be read before its caller counts them */
		atomic_fetch_add(&r->sent, ROLL_PER_DAY);
		if (ts_engine_write(r->eng, w, ROLL_PER_DAY, &e) ||
		    (atomic_fetch_add(&r->acked, ROLL_PER_DAY), 0) ||
		    ts_engine_checkpoint(r->eng, &e) ||
		    ts_engine_rollup(r->eng, 2, day + DAY, 3600000, &rolled, &e)) {
			fprintf(stderr, "roller: %s\n", e.msg);
			abort();
		}
	}
	atomic_store(&r->stop, true);
	return NULL;
}

/*
 * Count every point by daily aggregates: at least what was acknowledged
 * before the read, at most what had been handed to a write after it.
 */
static void *agg_reader(void *arg)
{
	struct race *r = arg;
	struct err e;

	while (!atomic_load(&r->stop)) {
		int64_t before = atomic_load(&r->acked), after;
		struct ts_bucket *b;
		uint64_t count = 0;
		size_t n;

		if (ts_engine_aggregate(r->eng, 2, ROLL_START,
					ROLL_START + ROLL_DAYS * DAY, DAY,
					TS_AGG_COUNT, &b, &n, &e)) {
			fprintf(stderr, "aggregate: %s\n", e.msg);
			abort();
		}
		after = atomic_load(&r->sent);
		for (size_t i = 0; i < n; i++)
			count += b[i].count;
		free(b);
		if ((int64_t)count < before)
			note_miss(r, before - (int64_t)count);
		if ((int64_t)count > after)
			atomic_fetch_add(&r->extra, 1);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static void aggregates_never_miss_a_rolled_up_point(void **state)
{
	struct race *r = *state;
	pthread_t roll, readers[2];

	assert_int_equal(pthread_create(&roll, NULL, roller, r), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&readers[i], NULL, agg_reader, r), 0);
	pthread_join(roll, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(readers[i], NULL);
	print_message("%lld aggregate reads over %d days rolled up, %lld missed "
		      "points (worst %lld), %lld counted some twice\n",
		      (long long)atomic_load(&r->reads), ROLL_DAYS,
		      (long long)atomic_load(&r->misses),
		      (long long)atomic_load(&r->worst_miss),
		      (long long)atomic_load(&r->extra));
	assert_int_equal(atomic_load(&r->acked), ROLL_DAYS * ROLL_PER_DAY);
	assert_int_equal(atomic_load(&r->misses), 0);
	assert_int_equal(atomic_load(&r->extra), 0);
}

/* ---- shared state: the sticky error, the maintenance hook ----------------- */

static ssize_t failing_pwritev(int fd, const struct iovec *iov, int n, off_t at)
{
	(void)fd;
	(void)iov;
	(void)n;
	(void)at;
	errno = EIO;
	return -1;
}

static int failing_ftruncate(int fd, off_t size)
{
	(void)fd;
	(void)size;
	errno = EIO;
	return -1;
}

static void *doomed_writer(void *arg)
{
	struct race *r = arg;
	struct ts_write w = { 3, T0, 1 };
	struct err e;

	for (int i = 0; i < 50; i++) {
		w.ts++;
		if (ts_engine_write(r->eng, &w, 1, &e) != ERR_INTERNAL)
			atomic_fetch_add(&r->extra, 1);
	}
	return NULL;
}

/* Writers that find the log broken all see it, the sticky error included. */
static void concurrent_writers_share_the_sticky_error(void **state)
{
	struct race *r = *state;
	struct ts_engine_stats st;
	pthread_t t[4];

	wal_sys.pwritev = failing_pwritev;
	wal_sys.ftruncate = failing_ftruncate;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, doomed_writer, r), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	wal_sys_reset();
	assert_int_equal(atomic_load(&r->extra), 0);
	ts_engine_stats(r->eng, &st);
	assert_int_equal(st.sticky, ERR_INTERNAL);
}

static void count_round(struct ts_engine *eng, void *ctx)
{
	(void)eng;
	atomic_fetch_add((atomic_int_fast64_t *)ctx, 1);
}

/* The hook given at open runs; replacing it while the thread runs is safe. */
static void the_maintenance_hook_is_set_safely(void **state)
{
	struct race *r = *state;
	atomic_int_fast64_t first = 0, second = 0;
	struct ts_engine_opts o = { .checkpoint_ms = 1, .hook = count_round,
				    .hook_ctx = &first };
	struct err e;

	ts_engine_close(r->eng);
	assert_int_equal(ts_engine_open(r->db, r->dir, &o, &r->eng, &e), 0);
	for (int i = 0; i < 1000 && !atomic_load(&first); i++)
		usleep(10000);
	assert_true(atomic_load(&first) > 0);
	ts_engine_set_hook(r->eng, count_round, &second);
	for (int i = 0; i < 1000 && !atomic_load(&second); i++)
		usleep(10000);
	assert_true(atomic_load(&second) > 0);
	ts_engine_close(r->eng);
	r->eng = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(raw_reads_never_miss_a_checkpointed_point, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregates_never_miss_a_rolled_up_point, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_writers_share_the_sticky_error, setup, teardown),
		cmocka_unit_test_setup_teardown(the_maintenance_hook_is_set_safely, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
