/*
 * Alert states under threads (alert/alerts.c, db/sqlite_alerts.c):
 * each change is a compare-and-set from the state its writer read;
 * acknowledgements racing closes on many alerts never reopen a closed one
 * and each transition happens once; raises and clears decided in one order
 * on several threads land in that order, so a cleared condition never
 * leaves an alert open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_store.h"
#include "alert/alerts.h"
#include "util/log.h"

#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */
#define N_ALERTS 240
#define ACKERS 4
#define CLOSERS 4
#define JOIN_DEADLINE_S 120

struct fixture {
	struct test_store store;
	struct db *db;
	struct events *ev;
	struct alerts *a;
	void *scratch;          /* freed by teardown, even after a failure */
};

static int64_t fixed_now(void *ctx)
{
	(void)ctx;
	return T0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN };
	struct err e;

	if (test_store_open(&f->store, false, "alertrace", false) ||
	    events_open(100000, 60000, &f->ev, &e))
		return -1;
	f->db = f->store.db;
	strcpy(p.crop, "cotton");
	p.geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
	p.area_m2 = 1000;
	for (int i = 1; i <= 4; i++) {
		snprintf(p.code, sizeof(p.code), "P%d", i);
		if (db_plots_upsert(f->db, &p, 1, NULL, NULL, &e))
			return -1;
	}
	*state = f;
	return 0;
}

static void start(struct fixture *f)
{
	struct alerts_opts o = { .now = fixed_now, .tick_ms = -1 };
	struct err e;

	if (alerts_open(f->db, f->ev, &o, &f->a, &e))
		fail_msg("alerts_open: %s", e.msg);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	alerts_close(f->a);
	free(f->scratch);
	events_shutdown(f->ev);
	events_free(f->ev);
	rc = test_store_close(&f->store);
	free(f);
	return rc;
}

static void join_all(pthread_t *t, int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += JOIN_DEADLINE_S;
	for (int i = 0; i < n; i++)
		if (pthread_timedjoin_np(t[i], NULL, &until))
			fail_msg("thread %d of %d did not finish in %d s", i, n,
				 JOIN_DEADLINE_S);
}

/* ---- acknowledgements racing closes ----------------------------------------- */

struct race {
	struct fixture *f;
	int64_t ids[N_ALERTS];
	int acked[N_ALERTS], closed[N_ALERTS];   /* successes, atomically */
	int workers_left;
	int reopened;                            /* seen by the watcher */
	char reopen_note[128];
};

struct racer {
	pthread_t thread;
	struct race *r;
	int n;
	bool closer;
};

static void *racer_main(void *arg)
{
	struct racer *w = arg;
	struct race *r = w->r;
	struct db_alert out;
	struct err e;

	for (int k = 0; k < N_ALERTS; k++) {
		/* each thread walks the alerts from its own starting point */
		int i = (k + w->n * (N_ALERTS / (ACKERS + CLOSERS))) % N_ALERTS;

		if (w->closer) {
			if (!alerts_close_alert(r->f->a, r->ids[i],
						"auto: condition cleared", NULL,
						&out, &e))
				__atomic_add_fetch(&r->closed[i], 1,
						   __ATOMIC_RELAXED);
		} else if (!alerts_ack(r->f->a, r->ids[i], "op", "seen", &out,
				       &e)) {
			__atomic_add_fetch(&r->acked[i], 1, __ATOMIC_RELAXED);
		}
	}
	__atomic_sub_fetch(&r->workers_left, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct scan {
	struct race *r;
	bool *was_closed;
};

static int check_alert(const struct db_alert *al, void *ctx)
{
	struct scan *s = ctx;
	int64_t i = al->id - s->r->ids[0];

	if (i < 0 || i >= N_ALERTS)
		return 0;
	if (!strcmp(al->state, "closed"))
		s->was_closed[i] = true;
	else if (s->was_closed[i] && !s->r->reopened++)
		snprintf(s->r->reopen_note, sizeof(s->r->reopen_note),
			 "alert %lld was closed, then %s", (long long)al->id,
			 al->state);
	return 0;
}

/* Read every alert over and over while the racers run. */
static void *watcher_main(void *arg)
{
	struct race *r = arg;
	struct db_alert_filter flt = { .limit = N_ALERTS * 2 };
	bool was_closed[N_ALERTS] = { false };
	struct scan s = { r, was_closed };
	struct err e;

	while (__atomic_load_n(&r->workers_left, __ATOMIC_ACQUIRE) > 0)
		db_alert_list(r->f->db, &flt, check_alert, &s, &e);
	db_alert_list(r->f->db, &flt, check_alert, &s, &e);
	return NULL;
}

static void acks_racing_closes_never_reopen_a_closed_alert(void **state)
{
	struct fixture *f = *state;
	struct race *r = calloc(1, sizeof(*r));
	struct racer w[ACKERS + CLOSERS];
	pthread_t threads[ACKERS + CLOSERS + 1];
	struct db_alert al;
	struct err e;
	int acked = 0;

	assert_non_null(r);
	f->scratch = r;
	r->f = f;
	for (int i = 0; i < N_ALERTS; i++) {
		memset(&al, 0, sizeof(al));
		al.rule_id = 1;
		snprintf(al.subject, sizeof(al.subject), "dev-%d", i);
		strcpy(al.plot, "P1");
		strcpy(al.severity, "warning");
		strcpy(al.message, "test");
		al.value = NAN;
		al.opened_ms = T0;
		assert_int_equal(db_alert_open(f->db, &al, &r->ids[i], &e), 0);
		assert_int_equal(r->ids[i], r->ids[0] + i);
	}
	start(f);
	r->workers_left = ACKERS + CLOSERS;
	for (int i = 0; i < ACKERS + CLOSERS; i++) {
		w[i] = (struct racer){ .r = r, .n = i, .closer = i % 2 };
		assert_int_equal(pthread_create(&w[i].thread, NULL, racer_main,
						&w[i]), 0);
		threads[i] = w[i].thread;
	}
	assert_int_equal(pthread_create(&threads[ACKERS + CLOSERS], NULL,
					watcher_main, r), 0);
	join_all(threads, ACKERS + CLOSERS + 1);

	if (r->reopened)
		fail_msg("%d reopenings seen; first: %s", r->reopened,
			 r->reopen_note);
	for (int i = 0; i < N_ALERTS; i++) {
		assert_int_equal(db_alert_get(f->db, r->ids[i], &al, &e), 0);
		if (strcmp(al.state, "closed"))
			fail_msg("alert %lld ended %s, not closed",
				 (long long)r->ids[i], al.state);
		if (r->closed[i] != 1)
			fail_msg("alert %lld was closed %d times",
				 (long long)r->ids[i], r->closed[i]);
		if (r->acked[i] > 1)
			fail_msg("alert %lld was acknowledged %d times",
				 (long long)r->ids[i], r->acked[i]);
		/* an acknowledgement that landed is kept by the close */
		assert_int_equal(r->acked[i] == 1, al.acked_by[0] != '\0');
		acked += r->acked[i];
	}
	print_message("# %d of %d alerts acknowledged before they closed\n",
		      acked, N_ALERTS);
}

/* ---- raises and clears in the order decided ------------------------------ */

#define FLAPPERS 4
#define ROUNDS 25
#define PLOTS 4

struct flap {
	struct fixture *f;
	pthread_barrier_t round_done, checked;
	int left_open;          /* alerts found open after a round of clears */
	int rounds_open;
	int failures;
	char error[ERR_MSG_MAX];
};

struct flapper {
	pthread_t thread;
	struct flap *fl;
	int n;
};

static int count_alert(const struct db_alert *al, void *ctx)
{
	(void)al;
	(*(int *)ctx)++;
	return 0;
}

static int count_active(struct db *db)
{
	struct db_alert_filter active = { .state = "active" };
	struct err e;
	int n = 0;

	assert_int_equal(db_alert_list(db, &active, count_alert, &n, &e), 0);
	return n;
}

static const char *plot_code(int i)
{
	static const char *codes[PLOTS] = { "P1", "P2", "P3", "P4" };

	return codes[i % PLOTS];
}

/*
 * Each round every thread raises and clears each plot (its own order),
 * ending with a clear; once all are done, nothing may be open.
 */
static void *flapper_main(void *arg)
{
	struct flapper *w = arg;
	struct flap *fl = w->fl;
	struct err e;
	bool raised;
	int rc;

	for (int round = 0; round < ROUNDS; round++) {
		for (int k = 0; k < 2 * PLOTS; k++) {
			const char *plot = plot_code(k + w->n);

			if ((rc = alerts_raise_external(fl->f->a,
							"vegetation_anomaly", plot,
							"NDVI dropped", &raised,
							&e)) ||
			    (rc = alerts_clear_external(fl->f->a,
							"vegetation_anomaly", plot,
							&e))) {
				__atomic_add_fetch(&fl->failures, 1,
						   __ATOMIC_RELAXED);
				snprintf(fl->error, sizeof(fl->error), "%s",
					 e.msg);
			}
		}
		pthread_barrier_wait(&fl->round_done);
		if (w->n == 0) {
			int open = count_active(fl->f->db);

			fl->left_open += open;
			fl->rounds_open += open > 0;
		}
		pthread_barrier_wait(&fl->checked);
	}
	return NULL;
}

static void raises_and_clears_land_in_the_order_decided(void **state)
{
	struct fixture *f = *state;
	struct flap fl = { .f = f };
	struct flapper w[FLAPPERS];
	pthread_t threads[FLAPPERS];
	struct alert_rule rule;
	json_t *body = json_pack("{ss}", "template", "vegetation_anomaly");
	struct db_alert_filter all = { .limit = 100000 };
	struct err e;
	int n_all = 0;
	bool raised;

	start(f);
	assert_int_equal(alerts_rule_create(f->a, body, &rule, &e), 0);
	json_decref(body);
	pthread_barrier_init(&fl.round_done, NULL, FLAPPERS);
	pthread_barrier_init(&fl.checked, NULL, FLAPPERS);
	for (int i = 0; i < FLAPPERS; i++) {
		w[i] = (struct flapper){ .fl = &fl, .n = i };
		assert_int_equal(pthread_create(&w[i].thread, NULL, flapper_main,
						&w[i]), 0);
		threads[i] = w[i].thread;
	}
	join_all(threads, FLAPPERS);
	pthread_barrier_destroy(&fl.round_done);
	pthread_barrier_destroy(&fl.checked);
	if (fl.failures)
		fail_msg("%d raises or clears failed, last: %s", fl.failures,
			 fl.error);
	assert_int_equal(db_alert_list(f->db, &all, count_alert, &n_all, &e),
			 0);
	print_message("# %d alerts raised and cleared in %d rounds\n", n_all,
		      ROUNDS);
	/* every thread ended each round with clears: nothing stays open */
	if (fl.left_open)
		fail_msg("%d alerts stayed open after their clear, in %d of %d "
			 "rounds", fl.left_open, fl.rounds_open, ROUNDS);
	assert_true(n_all >= PLOTS);
	/* and the service still follows: a raise opens, a clear closes */
	assert_int_equal(alerts_raise_external(f->a, "vegetation_anomaly", "P1",
					       "again", &raised, &e), 0);
	assert_int_equal(count_active(f->db), 1);
	assert_int_equal(alerts_clear_external(f->a, "vegetation_anomaly", "P1",
					       &e), 0);
	assert_int_equal(count_active(f->db), 0);
}

/* ---- the compare-and-set itself, step by step ------------------------------ */

static void a_change_lands_only_from_the_state_it_read(void **state)
{
	struct fixture *f = *state;
	struct db_alert al = { .rule_id = 1, .value = NAN, .opened_ms = T0,
			       .notified_ms = T0 };
	struct db_alert ack, esc, now;
	struct err e;

	strcpy(al.subject, "dev-1");
	strcpy(al.severity, "warning");
	strcpy(al.message, "test");
	assert_int_equal(db_alert_open(f->db, &al, &al.id, &e), 0);
	assert_int_equal(db_alert_get(f->db, al.id, &ack, &e), 0);
	esc = ack;
	/* the clock escalates it ... */
	esc.escalated = true;
	esc.notified_ms = T0 + 60000;
	strcpy(esc.severity, "critical");
	assert_int_equal(db_alert_update(f->db, &esc, "open", &e), 0);
	/* ... while an operator acknowledges what was read before */
	strcpy(ack.state, "acknowledged");
	strcpy(ack.acked_by, "op");
	ack.acked_ms = T0 + 1000;
	assert_int_equal(db_alert_update(f->db, &ack, "open", &e), 0);
	assert_int_equal(db_alert_get(f->db, al.id, &now, &e), 0);
	assert_string_equal(now.state, "acknowledged");
	assert_string_equal(now.acked_by, "op");
	assert_string_equal(now.severity, "critical");   /* kept */
	assert_true(now.escalated);
	assert_true(now.notified_ms == T0 + 60000);
	/* a close from acknowledged lands; a second from there does not */
	strcpy(now.state, "closed");
	now.closed_ms = T0 + 2000;
	assert_int_equal(db_alert_update(f->db, &now, "open acknowledged", &e),
			 0);
	assert_int_equal(db_alert_update(f->db, &now, "open acknowledged", &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "no longer open acknowledged"));
	/* an acknowledgement read while it was open cannot reopen it */
	assert_int_equal(db_alert_update(f->db, &ack, "open", &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_alert_get(f->db, al.id, &now, &e), 0);
	assert_string_equal(now.state, "closed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			acks_racing_closes_never_reopen_a_closed_alert, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			raises_and_clears_land_in_the_order_decided, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_change_lands_only_from_the_state_it_read, setup,
			teardown),
	};

	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
