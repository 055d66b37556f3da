/*
 * The store's connection pool under threads (db/sqlite.c's invariants):
 * many threads whose listing callbacks call the store again (what valves.c,
 * the latest-by-plot route, retention and the camera list do) all finish
 * with a pool smaller than the threads; the real valve service does the
 * same under 16 threads; a thread asking for a second connection aborts
 * (debug builds); and a wait for a connection ends with ERR_UNAVAILABLE
 * naming the wait instead of lasting for ever.
 *
 * A deadlock shows as a test failure, not a hung suite: threads are joined
 * with a deadline.  The two tests of threads run on PostgreSQL too when
 * OASIS_TEST_PG names a server (make test starts one).  On PostgreSQL every
 * listing, the engine's streams included, gives its connection back before
 * its first callback, so no callback can hold one: there the nested call
 * and the bounded wait are provoked by holding a connection through the
 * pool's own pg__conn_get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agro/valves.h"
#include "db/db.h"
#include "db/pg_internal.h" /* the PostgreSQL pool's own tests hold a connection */
#include "util/events.h"
#include "util/log.h"
#include "test_store.h"

#define THREADS 16            /* twice the old pool of 8 */
#define POOL 8
#define JOIN_DEADLINE_S 60    /* a deadlock fails the test after this */
#define MEET_TIMEOUT_MS 3000

static void add_device(struct db *db, const char *id, const char *kind)
{
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 };
	struct err e;

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	assert_int_equal(db_device_create(db, &d, &e), 0);
}

static void add_command(struct db *db, const char *device, int64_t at)
{
	struct db_command c = { .duration_min = 5, .requested_ms = at,
				.auto_close_ms = at + 300000 };
	int64_t id;
	struct err e;

	snprintf(c.device, sizeof(c.device), "%s", device);
	strcpy(c.action, "open");
	strcpy(c.state, "requested");
	strcpy(c.requested_by, "test");
	assert_int_equal(db_command_create(db, &c, &id, &e), 0);
}

/* The store of the fixture: f->where is a folder or a URL, opened. */
static int fill(struct test_store *f)
{
	struct db_retention r = { .raw_ms = 86400000, .step_ms = 3600000 };
	struct db_equipment q = { .swath_m = NAN };
	int64_t id;
	struct err e;

	if (db_open(f->where, true, &f->db, &e)) {
		fprintf(stderr, "# %s\n", e.msg);
		return -1;
	}
	add_device(f->db, "v-1", "valve");
	add_device(f->db, "ws-1", "weather_station");
	add_device(f->db, "cam-1", "camera");
	for (int i = 0; i < 40; i++)
		add_command(f->db, "v-1", 1000 + i);
	if (db_series_ensure(f->db, "ws-1", "air_temp", &id, &e) ||
	    db_series_ensure(f->db, "ws-1", "rh", &id, &e) ||
	    db_retention_set(f->db, &r, &id, &e))
		return -1;
	strcpy(q.device, "cam-1");
	strcpy(q.stream_url, "rtsp://127.0.0.1:1/x");
	if (db_equipment_set(f->db, &q, &e) ||
	    db_pool_config(f->db, POOL, 5000, &e))
		return -1;
	return 0;
}

static int setup(void **state)
{
	struct test_store *f = calloc(1, sizeof(*f));

	if (!f || test_store_make(f, false, "pool", false))
		return -1;
	*state = f;
	return fill(f);
}

static int setup_pg(void **state)
{
	struct test_store *f = calloc(1, sizeof(*f));

	if (!f || test_store_make(f, true, "pool", false))
		return -1;
	*state = f;
	return fill(f);
}

static int teardown(void **state)
{
	struct test_store *f = *state;
	int rc = test_store_close(f);

	free(f);
	return rc;
}

/*
 * A meeting point with a timeout: every thread's first callback waits here
 * for all the others, so that all THREADS are inside a callback at once.
 * Before the store gave its connection back first, only POOL of them could
 * be; the meeting times out and the nested calls then wait for ever.
 */
struct meet {
	pthread_mutex_t lock;
	pthread_cond_t all_in;
	int arrived;
	int met;            /* how many found everybody there */
};

static void meet(struct meet *m)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MEET_TIMEOUT_MS / 1000;
	pthread_mutex_lock(&m->lock);
	if (++m->arrived == THREADS)
		pthread_cond_broadcast(&m->all_in);
	while (m->arrived < THREADS)
		if (pthread_cond_timedwait(&m->all_in, &m->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (m->arrived == THREADS)
		m->met++;
	pthread_mutex_unlock(&m->lock);
}

struct worker {
	pthread_t thread;
	int n;
	struct db *db;
	struct meet *meet;
	bool met;
	int calls, failures;
	char error[ERR_MSG_MAX];
	bool done;
};

static void first_meet(struct worker *w)
{
	if (!w->met) {
		w->met = true;
		meet(w->meet);
	}
}

static void note(struct worker *w, int rc, const struct err *e)
{
	w->calls++;
	if (rc && rc != ERR_NOT_FOUND) {
		w->failures++;
		snprintf(w->error, sizeof(w->error), "%s", e->msg);
	}
}

/* valves.c forget_close: a new command clears the planned closes. */
static int forget_close(const struct db_command *c, void *ctx)
{
	struct worker *w = ctx;
	struct err e;

	first_meet(w);
	if (c->auto_close_ms)
		note(w, db_command_clear_close(w->db, c->id, &e), &e);
	return 0;
}

/* valves.c take_one: a polling valve takes a requested command. */
static int take_one(const struct db_command *c, void *ctx)
{
	struct worker *w = ctx;
	struct db_command sent;
	struct err e;
	int rc;

	first_meet(w);
	rc = db_command_set_state(w->db, c->id, "requested", "sent", 2000, "",
				  &e);
	note(w, rc, &e);
	if (!rc)
		note(w, db_command_get(w->db, c->id, &sent, &e), &e);
	return 0;
}

static int count_series(const struct db_series *s, void *ctx)
{
	(void)s;
	(*(int *)ctx)++;
	return 0;
}

/* route_query.c latest by plot: each device's series. */
static int device_series(const struct db_device *d, void *ctx)
{
	struct worker *w = ctx;
	struct err e;
	int n = 0;

	first_meet(w);
	note(w, db_series_list(w->db, d->id, count_series, &n, &e), &e);
	return 0;
}

static int count_device(const struct db_device *d, void *ctx)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

/* retention.c: each policy, then the devices it covers. */
static int policy_devices(const struct db_retention *r, void *ctx)
{
	struct worker *w = ctx;
	struct err e;
	int n = 0;

	(void)r;
	first_meet(w);
	note(w, db_device_list(w->db, NULL, count_device, &n, &e), &e);
	return 0;
}

static int count_snapshot(const struct db_snapshot *s, void *ctx)
{
	(void)s;
	(*(int *)ctx)++;
	return 0;
}

/* fleet_ops.c cameras: each camera's equipment and snapshots. */
static int camera_item(const struct db_device *d, void *ctx)
{
	struct worker *w = ctx;
	struct db_equipment q;
	struct err e;
	int n = 0;

	first_meet(w);
	if (strcmp(d->kind, "camera"))
		return 0;
	note(w, db_equipment_get(w->db, d->id, &q, &e), &e);
	note(w, db_snapshot_list(w->db, d->id, count_snapshot, &n, &e), &e);
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct err e;

	for (int round = 0; round < 5; round++) {
		switch ((w->n + round) % 5) {
		case 0:
			note(w, db_command_list(w->db, "v-1", NULL, 0,
						forget_close, w, &e), &e);
			break;
		case 1:
			note(w, db_command_list(w->db, "v-1", "requested", 20,
						take_one, w, &e), &e);
			break;
		case 2:
			note(w, db_device_list(w->db, NULL, device_series, w,
					       &e), &e);
			break;
		case 3:
			note(w, db_retention_list(w->db, policy_devices, w, &e),
			     &e);
			break;
		default:
			note(w, db_device_list(w->db, NULL, camera_item, w, &e),
			     &e);
		}
	}
	first_meet(w);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Join every worker by the deadline; how many are still stuck. */
static int join_all(struct worker *w, int n)
{
	struct timespec until;
	int stuck = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += JOIN_DEADLINE_S;
	for (int i = 0; i < n; i++)
		if (pthread_timedjoin_np(w[i].thread, NULL, &until))
			stuck++;
	return stuck;
}

static void threads_calling_the_store_from_callbacks_all_finish(void **state)
{
	struct test_store *f = *state;
	struct meet m = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  0, 0 };
	struct worker w[THREADS];
	struct db_pool_stats ps;
	int stuck, calls = 0;

	memset(w, 0, sizeof(w));
	for (int i = 0; i < THREADS; i++) {
		w[i].n = i;
		w[i].db = f->db;
		w[i].meet = &m;
		assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main,
						&w[i]), 0);
	}
	stuck = join_all(w, THREADS);
	if (stuck) {
		/* Deadlocked: the stuck threads cannot be joined; leave now. */
		print_error("%d of %d threads still wait for a store connection "
			    "after %d s (pool of %d)\n", stuck, THREADS,
			    JOIN_DEADLINE_S, POOL);
		fail_msg("the store's pool deadlocked");
	}
	for (int i = 0; i < THREADS; i++) {
		if (w[i].failures)
			fail_msg("thread %d: %d calls failed, last: %s", i,
				 w[i].failures, w[i].error);
		calls += w[i].calls;
	}
	/* all THREADS were inside a callback at the same time */
	assert_int_equal(m.met, THREADS);
	assert_true(calls > THREADS * 5);
	db_pool_stats(f->db, &ps);
	assert_int_equal(ps.connections, POOL);
	assert_true(ps.open <= POOL);
	assert_int_equal(ps.timeouts, 0);
}

/* ---- the real valve service: 16 operators and polling valves at once ---- */

struct valve_worker {
	pthread_t thread;
	struct valves *v;
	int n, commands, taken, failures;
	char error[ERR_MSG_MAX];
};

static int count_taken(const struct db_command *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static void *valve_main(void *arg)
{
	struct valve_worker *w = arg;
	struct db_command out;
	struct err e;

	for (int i = 0; i < 12; i++) {
		int rc = (w->n + i) % 2
			? valves_command(w->v, "v-1", "open", 5, "test", &out, &e)
			: valves_take_pending(w->v, "v-1", count_taken, &w->taken,
					      &e);

		if (rc) {
			w->failures++;
			snprintf(w->error, sizeof(w->error), "%s", e.msg);
		} else {
			w->commands++;
		}
	}
	return NULL;
}

static void the_valve_service_under_threads_never_deadlocks(void **state)
{
	struct test_store *f = *state;
	struct valve_worker w[THREADS];
	struct events *ev;
	struct valves *v;
	struct err e;
	int stuck;
	struct timespec until;

	memset(w, 0, sizeof(w));
	assert_int_equal(events_open(64, 60000, &ev, &e), 0);
	assert_int_equal(valves_open(f->db, ev, 60000, &v, &e), 0);
	for (int i = 0; i < THREADS; i++) {
		w[i].n = i;
		w[i].v = v;
		assert_int_equal(pthread_create(&w[i].thread, NULL, valve_main,
						&w[i]), 0);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += JOIN_DEADLINE_S;
	stuck = 0;
	for (int i = 0; i < THREADS; i++)
		if (pthread_timedjoin_np(w[i].thread, NULL, &until))
			stuck++;
	if (stuck)
		fail_msg("%d of %d valve threads deadlocked on the store", stuck,
			 THREADS);
	for (int i = 0; i < THREADS; i++)
		if (w[i].failures)
			fail_msg("valve thread %d: %d calls failed, last: %s", i,
				 w[i].failures, w[i].error);
	valves_close(v);
	events_free(ev);
}

/* ---- invariant 2: a nested acquire is caught ----------------------------- */

static int nested_call(const struct db_chunk *c, void *ctx)
{
	struct db_device d;
	struct err e;

	(void)c;
	db_device_get(ctx, "v-1", &d, &e); /* while db_chunks_read holds one */
	return 0;
}

static void add_chunk(struct db *db)
{
	static const char bytes[] = "x";
	struct db_chunk k = { .ts_min = 1000, .ts_max = 2000, .data = bytes,
			      .len = 1 };
	struct db_chunk_write wr = { .add = &k, .n_add = 1 };
	struct err e;

	assert_int_equal(db_series_ensure(db, "ws-1", "air_temp", &k.series,
					  &e), 0);
	assert_int_equal(db_chunks_write(db, &wr, &e), 0);
}

static void a_nested_store_call_aborts(void **state)
{
	struct test_store *f = *state;
	int status;
	pid_t pid;

#ifdef NDEBUG
	skip(); /* release builds log the nested call instead */
#endif
	add_chunk(f->db);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db *db;
		struct err e;
		int64_t series;

		/* the child opens its own store: connections do not cross fork */
		if (db_open(f->dir, false, &db, &e) ||
		    db_series_ensure(db, "ws-1", "air_temp", &series, &e))
			_exit(2);
		db_chunks_read(db, series, 0, 5000, nested_call, db, &e);
		_exit(0); /* not caught */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("the nested store call was not caught (exit %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- invariant 4: waiting for a connection ends ----------------------------- */

struct holder {
	struct db *db;
	int64_t series;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool holding, release;
};

/* Hold the connection of db_chunks_read until told to let go. */
static int hold(const struct db_chunk *c, void *ctx)
{
	struct holder *h = ctx;

	(void)c;
	pthread_mutex_lock(&h->lock);
	h->holding = true;
	pthread_cond_broadcast(&h->cond);
	while (!h->release)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct err e;

	db_chunks_read(h->db, h->series, 0, 5000, hold, h, &e);
	return NULL;
}

static void a_wait_for_a_connection_ends_with_unavailable(void **state)
{
	struct test_store *f = *state;
	struct holder h = { .db = f->db, .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };
	struct db_pool_stats ps;
	struct timespec t0, t1;
	struct db_device d;
	pthread_t t;
	struct err e;
	double waited_ms;
	int rc;

	add_chunk(f->db);
	assert_int_equal(db_series_ensure(f->db, "ws-1", "air_temp", &h.series,
					  &e), 0);
	assert_int_equal(db_pool_config(f->db, 1, 300, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, holder_main, &h), 0);
	pthread_mutex_lock(&h.lock);
	while (!h.holding)
		pthread_cond_wait(&h.cond, &h.lock);
	pthread_mutex_unlock(&h.lock);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = db_device_get(f->db, "v-1", &d, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_int_equal(rc, ERR_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "waiting for one"));
	assert_non_null(strstr(e.msg, "300 ms"));
	assert_true(waited_ms >= 250 && waited_ms < 5000);

	pthread_mutex_lock(&h.lock);
	h.release = true;
	pthread_cond_broadcast(&h.cond);
	pthread_mutex_unlock(&h.lock);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* once it is back, the next call gets it */
	assert_int_equal(db_device_get(f->db, "v-1", &d, &e), 0);
	db_pool_stats(f->db, &ps);
	assert_int_equal(ps.timeouts, 1);
	assert_true(ps.waits >= 1);
	/* a size out of range is refused, naming it */
	assert_int_equal(db_pool_config(f->db, 0, 0, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "store connections"));
}

/* ---- the PostgreSQL pool: invariants 2 and 4 ----------------------------- */

struct pg_waiter {
	struct db *db;
	int rc;
	double waited_ms;
	char msg[ERR_MSG_MAX];
};

static void *pg_waiter_main(void *arg)
{
	struct pg_waiter *w = arg;
	struct timespec t0, t1;
	struct db_device d;
	struct err e = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	w->rc = db_device_get(w->db, "v-1", &d, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	w->waited_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
	return NULL;
}

static void pg_a_wait_for_a_connection_ends_with_unavailable(void **state)
{
	struct test_store *f = *state;
	struct pg_waiter w = { .db = f->db };
	struct db_pool_stats ps;
	struct pg_conn *held;
	struct db_device d;
	pthread_t t;
	struct err e;

	assert_int_equal(db_pool_config(f->db, 1, 300, &e), 0);
	assert_int_equal(pg__conn_get(f->db, &held, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, pg_waiter_main, &w), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pg__conn_put(f->db, held);
	assert_int_equal(w.rc, ERR_UNAVAILABLE);
	assert_non_null(strstr(w.msg, "waiting for one"));
	assert_non_null(strstr(w.msg, "300 ms"));
	assert_true(w.waited_ms >= 250 && w.waited_ms < 5000);
	assert_int_equal(db_device_get(f->db, "v-1", &d, &e), 0);
	db_pool_stats(f->db, &ps);
	assert_int_equal(ps.timeouts, 1);
	assert_int_equal(ps.connections, 1);
}

static void pg_a_nested_store_call_aborts(void **state)
{
	struct test_store *f = *state;
	int status;
	pid_t pid;

#ifdef NDEBUG
	skip(); /* release builds log the nested call instead */
#endif
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db *db;
		struct pg_conn *held;
		struct db_device d;
		struct err e;

		/* the child opens its own store: connections do not cross fork */
		if (db_open(f->where, false, &db, &e) ||
		    pg__conn_get(db, &held, &e))
			_exit(2);
		db_device_get(db, "v-1", &d, &e);
		_exit(0); /* not caught */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("the nested store call was not caught (exit %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			threads_calling_the_store_from_callbacks_all_finish,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			the_valve_service_under_threads_never_deadlocks, setup,
			teardown),
		cmocka_unit_test_setup_teardown(a_nested_store_call_aborts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_wait_for_a_connection_ends_with_unavailable, setup,
			teardown),
	};

	const struct CMUnitTest pg_tests[] = {
		cmocka_unit_test_setup_teardown(
			threads_calling_the_store_from_callbacks_all_finish,
			setup_pg, teardown),
		cmocka_unit_test_setup_teardown(
			the_valve_service_under_threads_never_deadlocks,
			setup_pg, teardown),
		cmocka_unit_test_setup_teardown(pg_a_nested_store_call_aborts,
						setup_pg, teardown),
		cmocka_unit_test_setup_teardown(
			pg_a_wait_for_a_connection_ends_with_unavailable,
			setup_pg, teardown),
	};
	int failed;

	log_set_level(LOG_WARN);
	failed = cmocka_run_group_tests_name("SQLite", tests, NULL, NULL);
	if (!test_store_pg_wanted())
		return failed;
	return failed + cmocka_run_group_tests_name("PostgreSQL", pg_tests,
						      NULL, NULL);
}
