/*
 * The listings of db.h on each backend: every listing stops at its
 * callback's non-zero answer and calls back with no connection held (its
 * callback calls the store; SQLite's two chunk streams excepted, as
 * documented), listings come in their documented order and honour their
 * filters.  Each test runs on SQLite, then on PostgreSQL when
 * OASIS_TEST_PG names a server (tests/pg.sh).  The writes are in
 * test_db_writes.c; which test covers which operation: docs/POSTGRES.md,
 * checked by tests/db_ops_covered.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "test_db.h"

struct listing {
	const char *name;
	bool streams_on_sqlite; /* calls back holding its connection there */
	int (*run)(struct db *db, const struct filled *fl, struct probe *p,
		   struct err *e);
};

static int run_user_list(struct db *db, const struct filled *fl,
			 struct probe *p, struct err *e)
{
	(void)fl;
	return db_user_list(db, probe_db_user, p, e);
}

static int run_token_list(struct db *db, const struct filled *fl,
			  struct probe *p, struct err *e)
{
	(void)fl;
	return db_token_list(db, probe_db_token, p, e);
}

static int run_plot_list(struct db *db, const struct filled *fl,
			 struct probe *p, struct err *e)
{
	(void)fl;
	return db_plot_list(db, NULL, probe_db_plot, p, e);
}

static int run_device_list(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	(void)fl;
	return db_device_list(db, NULL, probe_db_device, p, e);
}

static int run_series_list(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	(void)fl;
	return db_series_list(db, NULL, probe_db_series, p, e);
}

static int run_retention_list(struct db *db, const struct filled *fl,
			      struct probe *p, struct err *e)
{
	(void)fl;
	return db_retention_list(db, probe_db_retention, p, e);
}

static int run_command_list(struct db *db, const struct filled *fl,
			    struct probe *p, struct err *e)
{
	(void)fl;
	return db_command_list(db, "v-1", NULL, 0, probe_db_command, p, e);
}

static int run_command_due(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	(void)fl;
	return db_command_due(db, 1000, 1000, probe_db_command, p, e);
}

static int run_station_list(struct db *db, const struct filled *fl,
			    struct probe *p, struct err *e)
{
	(void)fl;
	return db_station_list(db, probe_db_station, p, e);
}

static int run_group_list(struct db *db, const struct filled *fl,
			  struct probe *p, struct err *e)
{
	(void)fl;
	return db_group_list(db, probe_db_group_member, p, e);
}

static int run_scene_list(struct db *db, const struct filled *fl,
			  struct probe *p, struct err *e)
{
	(void)fl;
	return db_scene_list(db, 0, 10000, probe_db_scene, p, e);
}

static int run_scene_stats(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	return db_scene_stats(db, fl->scenes[0], "ndvi", probe_db_scene_stat, p,
			      e);
}

static int run_index_series(struct db *db, const struct filled *fl,
			    struct probe *p, struct err *e)
{
	(void)fl;
	return db_index_series(db, "P1", "ndvi", 0, 10000, probe_db_index_point,
			       p, e);
}

static int run_index_previous(struct db *db, const struct filled *fl,
			      struct probe *p, struct err *e)
{
	(void)fl;
	return db_index_previous(db, "ndvi", "satellite", 0, 10000,
				 probe_db_index_point, p, e);
}

static int run_anomaly_list(struct db *db, const struct filled *fl,
			    struct probe *p, struct err *e)
{
	(void)fl;
	return db_anomaly_list(db, 0, NULL, probe_db_anomaly, p, e);
}

static int run_equipment_list(struct db *db, const struct filled *fl,
			      struct probe *p, struct err *e)
{
	(void)fl;
	return db_equipment_list(db, probe_db_equipment, p, e);
}

static int run_snapshot_list(struct db *db, const struct filled *fl,
			     struct probe *p, struct err *e)
{
	(void)fl;
	return db_snapshot_list(db, "cam-1", probe_db_snapshot, p, e);
}

static int run_alert_rule_list(struct db *db, const struct filled *fl,
			       struct probe *p, struct err *e)
{
	(void)fl;
	return db_alert_rule_list(db, probe_rule, p, e);
}

static int run_alert_list(struct db *db, const struct filled *fl,
			  struct probe *p, struct err *e)
{
	struct db_alert_filter any = { 0 };

	(void)fl;
	return db_alert_list(db, &any, probe_db_alert, p, e);
}

static int run_chunks_read(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	return db_chunks_read(db, fl->series[0], 0, 100, probe_db_chunk, p, e);
}

static int run_chunks_read_view(struct db *db, const struct filled *fl,
				struct probe *p, struct err *e)
{
	struct db_chunk_range r[2] = {
		{ fl->series[0], 0, 100, probe_db_chunk, p },
		{ fl->series[0], 0, 100, probe_db_chunk, p },
	};

	return db_chunks_read_view(db, r, 2, e);
}

static int run_latest_list(struct db *db, const struct filled *fl,
			   struct probe *p, struct err *e)
{
	(void)fl;
	return db_latest_list(db, probe_db_latest, p, e);
}

static const struct listing listings[] = {
	{ "db_user_list", false, run_user_list },
	{ "db_token_list", false, run_token_list },
	{ "db_plot_list", false, run_plot_list },
	{ "db_device_list", false, run_device_list },
	{ "db_series_list", false, run_series_list },
	{ "db_retention_list", false, run_retention_list },
	{ "db_command_list", false, run_command_list },
	{ "db_command_due", false, run_command_due },
	{ "db_station_list", false, run_station_list },
	{ "db_group_list", false, run_group_list },
	{ "db_scene_list", false, run_scene_list },
	{ "db_scene_stats", false, run_scene_stats },
	{ "db_index_series", false, run_index_series },
	{ "db_index_previous", false, run_index_previous },
	{ "db_anomaly_list", false, run_anomaly_list },
	{ "db_equipment_list", false, run_equipment_list },
	{ "db_snapshot_list", false, run_snapshot_list },
	{ "db_alert_rule_list", false, run_alert_rule_list },
	{ "db_alert_list", false, run_alert_list },
	{ "db_chunks_read", true, run_chunks_read },
	{ "db_chunks_read_view", true, run_chunks_read_view },
	{ "db_latest_list", true, run_latest_list },
};

#define N_LISTINGS (sizeof(listings) / sizeof(listings[0]))

/* A callback's non-zero answer ends the listing and is its result. */
static void listings_stop_at_the_callbacks_answer(void **state)
{
	struct test_store *f = *state;
	struct filled fl;
	struct err e;

	fill(f->db, &fl);
	for (size_t i = 0; i < N_LISTINGS; i++) {
		struct probe p = { .db = f->db, .stop = 7 };
		int rc = listings[i].run(f->db, &fl, &p, &e);

		if (rc != 7 || p.calls != 1)
			fail_msg("%s: answered %d after %d calls (7 after 1 "
				 "expected)", listings[i].name, rc, p.calls);
	}
}

/* Collect, then act: every row comes, and a callback may call the store. */
static void listings_call_back_without_a_connection(void **state)
{
	struct test_store *f = *state;
	struct filled fl;
	struct err e;

	fill(f->db, &fl);
	for (size_t i = 0; i < N_LISTINGS; i++) {
		struct probe p = { .db = f->db };
		int rc;

		if (!f->pg && listings[i].streams_on_sqlite)
			continue; /* documented: their callbacks never call */
		rc = listings[i].run(f->db, &fl, &p, &e);
		if (rc != 0 || p.calls < 2)
			fail_msg("%s: answered %d (%s) after %d calls (0 after "
				 "2 or more expected)", listings[i].name, rc,
				 rc ? e.msg : "", p.calls);
	}
}

static void listings_come_in_their_order(void **state)
{
	struct test_store *f = *state;
	struct db_user u = { .role = "viewer", .password_hash = "h",
			     .created_ms = 1 };
	struct db_station st = { .capacity_m3h = 1, .end_min = 60 };
	struct db_equipment q = { .swath_m = NAN, .updated_ms = 1 };
	struct filled fl;
	struct seen s = { 0 };
	struct err e;

	fill(f->db, &fl);
	/* names bytewise on both backends: "Zed" < "ada" < "bob" */
	strcpy(u.name, "Zed");
	assert_int_equal(db_user_create(f->db, &u, NULL, &e), 0);
	assert_int_equal(db_user_list(f->db, see_user, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.name[0], "Zed");
	assert_string_equal(s.name[1], "ada");
	assert_string_equal(s.name[2], "bob");
	/* by id: tokens, retention policies, series, rules */
	s.n = 0;
	assert_int_equal(db_token_list(f->db, see_token, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] < s.id[1]);
	s.n = 0;
	assert_int_equal(db_retention_list(f->db, see_retention, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] < s.id[1]);
	assert_string_equal(s.name[0], "rh");
	s.n = 0;
	assert_int_equal(db_series_list(f->db, NULL, see_series, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] < s.id[1]);
	s.n = 0;
	assert_int_equal(db_alert_rule_list(f->db, see_rule, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] < s.id[1]);
	/* newest first: commands, alerts, scenes, snapshots, anomalies */
	s.n = 0;
	assert_int_equal(db_command_list(f->db, "v-1", NULL, 0, see_command,
					 &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] > s.id[1]);
	s.n = 0;
	assert_int_equal(db_alert_list(f->db, &(struct db_alert_filter){ 0 },
				       see_alert, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 200);
	assert_int_equal(s.id[1], 100);
	s.n = 0;
	assert_int_equal(db_scene_list(f->db, 0, 10000, see_scene, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 2000);
	assert_int_equal(s.id[1], 1000);
	s.n = 0;
	assert_int_equal(db_snapshot_list(f->db, "cam-1", see_snapshot, &s,
					  &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.id[0] > s.id[1]);
	s.n = 0;
	assert_int_equal(db_anomaly_list(f->db, 0, "P1", see_anomaly, &s, &e),
			 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 2000);
	/* oldest first: a plot's index series */
	s.n = 0;
	assert_int_equal(db_index_series(f->db, "P1", "ndvi", 0, 10000,
					 see_point, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 1000);
	assert_int_equal(s.id[1], 2000);
	/* plot code order: a scene's statistics, index_previous */
	s.n = 0;
	assert_int_equal(db_scene_stats(f->db, fl.scenes[1], "ndvi", see_stat,
					&s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.name[0], "P1");
	assert_string_equal(s.name[1], "P2");
	/* names bytewise: stations, equipment */
	strcpy(st.name, "A0");
	assert_int_equal(db_station_set(f->db, &st, &e), 0);
	s.n = 0;
	assert_int_equal(db_station_list(f->db, see_station, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.name[0], "A0");
	assert_string_equal(s.name[2], "S2");
	add_device(f->db, "B-9", "machine", NULL);
	strcpy(q.device, "B-9");
	assert_int_equal(db_equipment_set(f->db, &q, &e), 0);
	s.n = 0;
	assert_int_equal(db_equipment_list(f->db, see_equipment, &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.name[0], "B-9");
	assert_string_equal(s.name[1], "cam-1");
	assert_string_equal(s.name[2], "v-1");
}

/* ---- filters --------------------------------------------------------------- */

static void listings_honour_their_filters(void **state)
{
	struct test_store *f = *state;
	struct db_alert_filter af = { 0 };
	struct filled fl;
	struct seen s = { 0 };
	struct db_alert a;
	struct db_scene sc;
	int64_t id;
	struct err e;

	fill(f->db, &fl);
	/* alerts: state, plot, window, rule, limit */
	id = add_alert(f->db, 2, "v-1", "P2", 300);
	assert_int_equal(db_alert_get(f->db, id, &a, &e), 0);
	strcpy(a.state, "closed");
	assert_int_equal(db_alert_update(f->db, &a, "open", &e), 0);
	af.state = "active";
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 2);
	s.n = 0;
	af = (struct db_alert_filter){ .state = "closed" };
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 1);
	s.n = 0;
	af = (struct db_alert_filter){ .plot = "P2" };
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 300);
	s.n = 0;
	af = (struct db_alert_filter){ .from = 150, .to = 300 };
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 2); /* 200 and 300: both bounds included */
	s.n = 0;
	af = (struct db_alert_filter){ .rule_id = 2 };
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 1);
	s.n = 0;
	af = (struct db_alert_filter){ .limit = 2 };
	assert_int_equal(db_alert_list(f->db, &af, see_alert, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 300);
	/* commands: state and limit, per device */
	add_command(f->db, "v-1", "failed", 300);
	s.n = 0;
	assert_int_equal(db_command_list(f->db, "v-1", "failed", 0, see_command,
					 &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name[0], "failed");
	s.n = 0;
	assert_int_equal(db_command_list(f->db, "v-1", NULL, 2, see_command, &s,
					 &e), 0);
	assert_int_equal(s.n, 2);
	s.n = 0;
	assert_int_equal(db_command_list(f->db, "cam-1", NULL, 0, see_command,
					 &s, &e), 0);
	assert_int_equal(s.n, 0);
	/* scenes: [from, to) */
	s.n = 0;
	assert_int_equal(db_scene_list(f->db, 1000, 2000, see_scene, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 1000);
	assert_int_equal(db_scene_newest(f->db, "satellite", 2001, &sc, &e), 0);
	assert_int_equal(sc.acquired_ms, 2000);
	db_scene_free(&sc);
	/* index series: [from, to), one plot, one index */
	s.n = 0;
	assert_int_equal(db_index_series(f->db, "P2", "ndvi", 1001, 3000,
					 see_point, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 2000);
	s.n = 0;
	assert_int_equal(db_index_series(f->db, "P2", "savi", 0, 3000,
					 see_point, &s, &e), 0);
	assert_int_equal(s.n, 0);
	/* anomalies: a scene, a scene and a plot */
	s.n = 0;
	assert_int_equal(db_anomaly_list(f->db, fl.scenes[0], NULL, see_anomaly,
					 &s, &e), 0);
	assert_int_equal(s.n, 2);
	s.n = 0;
	assert_int_equal(db_anomaly_list(f->db, fl.scenes[0], "P2", see_anomaly,
					 &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name[0], "P2");
	/* statistics of another index or an unknown scene: none */
	s.n = 0;
	assert_int_equal(db_scene_stats(f->db, fl.scenes[0], "savi", see_stat,
					&s, &e), 0);
	assert_int_equal(db_scene_stats(f->db, fl.scenes[1] + 99, "ndvi",
					see_stat, &s, &e), 0);
	assert_int_equal(s.n, 0);
	/* series of one device */
	s.n = 0;
	assert_int_equal(db_series_list(f->db, "cam-1", see_series, &s, &e), 0);
	assert_int_equal(s.n, 0);
}

#define TESTS(T) { \
	T(listings_stop_at_the_callbacks_answer), \
	T(listings_call_back_without_a_connection), \
	T(listings_come_in_their_order), \
	T(listings_honour_their_filters), \
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = TESTS(BOTH);
	const struct CMUnitTest pg_tests[] = TESTS(BOTH_PG);
	int failed;

	failed = cmocka_run_group_tests_name("SQLite", sqlite_tests, NULL, NULL);
	if (!test_store_pg_wanted()) {
		printf("# PostgreSQL: OASIS_TEST_PG is not set (make test sets "
		       "it), so only SQLite was tested\n");
		return failed;
	}
	return failed + cmocka_run_group_tests_name("PostgreSQL", pg_tests,
						    NULL, NULL);
}
