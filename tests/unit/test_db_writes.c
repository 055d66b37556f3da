/*
 * The writes of db.h on each backend: every write of several statements is
 * all or nothing (each of its statements made to fail in turn, the
 * checkpoint transaction of db_chunks_write included), constraint
 * failures roll back, the error paths answer not_found, exists or invalid
 * as db.h says, state keys are <owner>.<name>, and the edges (empty
 * batches, duplicates inside one) answer the same on both.  Each test runs
 * on SQLite, then on PostgreSQL when OASIS_TEST_PG names a server
 * (tests/pg.sh).  The listings are in test_db_listings.c.
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

#include "db/backends.h" /* db__fail_statement */
#include "db/db.h"
#include "test_db.h"

/* ---- atomicity: a failure at any statement leaves nothing ------------------- */

/*
 * Run a write with its k-th statement failing (db__fail_statement), for
 * k = 1, 2, ... until it succeeds; after each failure unchanged() must
 * hold.  The number of failing runs is at least `statements`, the
 * statements the write runs before it can commit.
 */
struct atomic_case {
	const char *name;
	int statements;
	int (*write)(struct db *db, const struct filled *fl, struct err *e);
	bool (*unchanged)(struct db *db, const struct filled *fl);
	bool (*landed)(struct db *db, const struct filled *fl);
};

static int count_chunk(const struct db_chunk *k, void *ctx)
{
	(void)k;
	return count_any(ctx);
}

static int chunks_in(struct db *db, int64_t series, int64_t from, int64_t to)
{
	struct err e;
	int n = 0;

	assert_int_equal(db_chunks_read(db, series, from, to, count_chunk, &n,
					&e), 0);
	return n;
}

static int note_ref(const struct db_chunk *k, void *ctx)
{
	struct db_chunk_ref *r = ctx;

	*r = (struct db_chunk_ref){ k->series, k->ts_min, k->seq };
	return 0;
}

static int note_latest(const struct db_latest *l, void *ctx)
{
	struct db_latest *out = ctx;

	if (l->series == out->series)
		*out = *l;
	return 0;
}

static int64_t latest_ts(struct db *db, int64_t series)
{
	struct db_latest got = { .series = series };
	struct err e;

	assert_int_equal(db_latest_list(db, note_latest, &got, &e), 0);
	return got.ts;
}

static int64_t state_of(struct db *db, const char *key)
{
	struct err e;
	int64_t v;

	assert_int_equal(db_state_get(db, key, &v, &e), 0);
	return v;
}

/*
 * The checkpoint transaction: a time-series write replaces the chunk at
 * 20 by one at 40, moves the series' newest value and the engine's
 * checkpoint state (ck) together, or not at all.
 */
static int write_chunks(struct db *db, const struct filled *fl,
			struct err *e)
{
	struct db_chunk add = { .series = fl->series[0], .ts_min = 40,
				.ts_max = 50, .data = "y", .len = 1 };
	struct db_chunk_ref old = fl->at20;
	struct db_latest l = { .series = fl->series[0], .ts = 99, .value = 4 };
	struct db_chunk_write w = { .add = &add, .n_add = 1, .replace = &old,
				    .n_replace = 1, .latest = &l, .n_latest = 1,
				    .state_key = "test.ck", .state_value = 9 };

	return db_chunks_write(db, &w, e);
}

static bool chunks_unchanged(struct db *db, const struct filled *fl)
{
	return chunks_in(db, fl->series[0], 20, 30) == 1 &&
	       chunks_in(db, fl->series[0], 40, 50) == 0 &&
	       latest_ts(db, fl->series[0]) == 10 && state_of(db, "test.ck") == 3;
}

static bool chunks_landed(struct db *db, const struct filled *fl)
{
	return chunks_in(db, fl->series[0], 20, 30) == 0 &&
	       chunks_in(db, fl->series[0], 40, 50) == 1 &&
	       latest_ts(db, fl->series[0]) == 99 && state_of(db, "test.ck") == 9;
}

static int count_of_plots(struct db *db)
{
	struct err e;
	int64_t n;

	assert_int_equal(db_plot_count(db, &n, &e), 0);
	return (int)n;
}

static int write_plots(struct db *db, const struct filled *fl, struct err *e)
{
	struct db_plot rows[2] = { plot("P3", 88), plot("P1", 86) };

	(void)fl;
	strcpy(rows[1].crop, "rice");
	return db_plots_upsert(db, rows, 2, NULL, NULL, e);
}

static bool plots_unchanged(struct db *db, const struct filled *fl)
{
	struct db_plot got;
	struct err e;
	bool same;

	(void)fl;
	if (count_of_plots(db) != 2 || db_plot_get(db, "P1", &got, &e))
		return false;
	same = !strcmp(got.crop, "cotton");
	db_plot_free(&got);
	return same;
}

static bool plots_landed(struct db *db, const struct filled *fl)
{
	return !plots_unchanged(db, fl) && count_of_plots(db) == 3;
}

static int devices_counted(struct db *db)
{
	struct probe p = { .db = db, .stop = 0 };
	struct err e;

	assert_int_equal(db_device_list(db, NULL, probe_db_device, &p, &e), 0);
	return p.calls;
}

static int write_devices(struct db *db, const struct filled *fl,
			 struct err *e)
{
	struct db_device d[2] = {
		{ .id = "d-1", .kind = "valve", .lon = NAN, .lat = NAN },
		{ .id = "d-2", .kind = "valve", .plot = "P2", .lon = NAN,
		  .lat = NAN },
	};

	(void)fl;
	return db_devices_create(db, d, 2, e);
}

static bool devices_unchanged(struct db *db, const struct filled *fl)
{
	(void)fl;
	return devices_counted(db) == 2;
}

static bool devices_landed(struct db *db, const struct filled *fl)
{
	(void)fl;
	return devices_counted(db) == 4;
}

static int series_counted(struct db *db)
{
	struct seen s = { 0 };
	struct err e;

	assert_int_equal(db_series_list(db, NULL, see_series, &s, &e), 0);
	return s.n;
}

static int write_series(struct db *db, const struct filled *fl,
			struct err *e)
{
	const char *devs[2] = { "v-1", "cam-1" }, *mets[2] = { "m_a", "m_b" };
	int64_t ids[2];

	(void)fl;
	return db_series_ensure_many(db, devs, mets, 2, ids, e);
}

static bool series_unchanged(struct db *db, const struct filled *fl)
{
	(void)fl;
	return series_counted(db) == 2;
}

static bool series_landed(struct db *db, const struct filled *fl)
{
	(void)fl;
	return series_counted(db) == 4;
}

static int scenes_counted(struct db *db)
{
	struct seen s = { 0 };
	struct err e;

	assert_int_equal(db_scene_list(db, 0, 100000, see_scene, &s, &e), 0);
	return s.n;
}

static int write_scene(struct db *db, const struct filled *fl, struct err *e)
{
	const char *plots[2] = { "P1", "P2" };
	struct db_scene s = { .acquired_ms = 5000, .crs = "EPSG:4326",
			      .footprint = "{}", .cloud_share = NAN,
			      .width = 1, .height = 1, .created_ms = 1 };
	struct db_scene_stat st[2] = { { .index = "ndvi", .count = 1 },
				       { .index = "ndvi", .count = 1 } };
	struct db_anomaly an[2] = { { .index = "ndvi", .rule = "drop" },
				    { .index = "ndvi", .rule = "drop" } };
	int64_t id;

	(void)fl;
	strcpy(s.source, "s2");
	strcpy(s.kind, "satellite");
	strcpy(s.file, "f.tif");
	strcpy(s.indices, "ndvi");
	for (int i = 0; i < 2; i++) {
		strcpy(st[i].plot, plots[i]);
		strcpy(an[i].plot, plots[i]);
	}
	return db_scene_add(db, &s, st, 2, an, 2, &id, e);
}

static bool scenes_unchanged(struct db *db, const struct filled *fl)
{
	struct seen s = { 0 };
	struct err e;

	(void)fl;
	assert_int_equal(db_index_series(db, "P2", "ndvi", 4000, 6000,
					 see_point, &s, &e), 0);
	return scenes_counted(db) == 2 && s.n == 0;
}

static bool scenes_landed(struct db *db, const struct filled *fl)
{
	(void)fl;
	return scenes_counted(db) == 3;
}

static int write_group(struct db *db, const struct filled *fl, struct err *e)
{
	const char *plots[1] = { "P2" };

	(void)fl;
	/* P2 moves from G into H: G loses it, H is made */
	return db_group_set(db, "H", "S2", 3, plots, 1, e);
}

static int see_member(const struct db_group_member *m, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s:%s", m->group,
		 m->plot);
	return 0;
}

static bool group_is(struct db *db, const char *a, const char *b)
{
	struct seen s = { 0 };
	struct err e;

	assert_int_equal(db_group_list(db, see_member, &s, &e), 0);
	return s.n == 2 && !strcmp(s.name[0], a) && !strcmp(s.name[1], b);
}

static bool group_unchanged(struct db *db, const struct filled *fl)
{
	(void)fl;
	return group_is(db, "G:P1", "G:P2");
}

static bool group_landed(struct db *db, const struct filled *fl)
{
	(void)fl;
	return group_is(db, "G:P1", "H:P2");
}

static int snapshots_counted(struct db *db)
{
	struct seen s = { 0 };
	struct err e;

	assert_int_equal(db_snapshot_list(db, "cam-1", see_snapshot, &s, &e),
			 0);
	return s.n;
}

static int write_snapshot(struct db *db, const struct filled *fl,
			  struct err *e)
{
	unsigned char jpeg[1] = { 0xff };
	struct db_snapshot s = { .device = "cam-1", .taken_ms = 9, .width = 1,
				 .height = 1, .len = 1, .jpeg = jpeg };
	int64_t id;

	(void)fl;
	return db_snapshot_add(db, &s, 1, &id, e); /* then trims to one */
}

static bool snapshots_unchanged(struct db *db, const struct filled *fl)
{
	(void)fl;
	return snapshots_counted(db) == 2;
}

static bool snapshots_landed(struct db *db, const struct filled *fl)
{
	(void)fl;
	return snapshots_counted(db) == 1;
}

static int write_user_delete(struct db *db, const struct filled *fl,
			     struct err *e)
{
	(void)fl;
	return db_user_delete(db, "ada", e);
}

static bool user_and_session(struct db *db, const struct filled *fl)
{
	struct db_user u;
	struct db_session s;
	struct err e;

	(void)fl;
	return !db_user_get(db, "ada", &u, &e) &&
	       !db_session_find(db, "sess-ada", 2, &s, &e) &&
	       !strcmp(u.password_hash, "h");
}

static bool user_gone(struct db *db, const struct filled *fl)
{
	struct db_user u;
	struct db_session s;
	struct err e;

	(void)fl;
	return db_user_get(db, "ada", &u, &e) == ERR_NOT_FOUND &&
	       db_session_find(db, "sess-ada", 2, &s, &e) == ERR_NOT_FOUND;
}

static int write_user_disable(struct db *db, const struct filled *fl,
			      struct err *e)
{
	(void)fl;
	return db_user_disable(db, "bob", e);
}

static bool bob_and_session(struct db *db, const struct filled *fl)
{
	struct db_user u;
	struct db_session s;
	struct err e;

	(void)fl;
	return !db_user_get(db, "bob", &u, &e) &&
	       !db_session_find(db, "sess-bob", 2, &s, &e) &&
	       !strcmp(u.password_hash, "h");
}

static bool user_disabled(struct db *db, const struct filled *fl)
{
	struct db_user u;
	struct db_session s;
	struct err e;

	(void)fl;
	return !db_user_get(db, "bob", &u, &e) && u.password_hash[0] == '!' &&
	       db_session_find(db, "sess-bob", 2, &s, &e) == ERR_NOT_FOUND;
}

static int write_device_delete(struct db *db, const struct filled *fl,
			       struct err *e)
{
	(void)fl;
	return db_device_delete(db, "v-1", 50, e);
}

static bool device_and_token(struct db *db, const struct filled *fl)
{
	struct db_device d;
	struct db_token t;
	struct err e;

	(void)fl;
	return !db_device_get(db, "v-1", &d, &e) && d.deleted_ms == 0 &&
	       !db_token_find(db, "tok-v1", 60, &t, &e);
}

static bool device_deleted(struct db *db, const struct filled *fl)
{
	struct db_device d;
	struct db_token t;
	struct err e;

	(void)fl;
	return !db_device_get(db, "v-1", &d, &e) && d.deleted_ms == 50 &&
	       db_token_find(db, "tok-v1", 60, &t, &e) == ERR_NOT_FOUND;
}

static const struct atomic_case atomic_cases[] = {
	{ "db_chunks_write", 4, write_chunks, chunks_unchanged, chunks_landed },
	{ "db_plots_upsert", 2, write_plots, plots_unchanged, plots_landed },
	{ "db_devices_create", 2, write_devices, devices_unchanged,
	  devices_landed },
	{ "db_series_ensure_many", 2, write_series, series_unchanged,
	  series_landed },
	{ "db_scene_add", 5, write_scene, scenes_unchanged, scenes_landed },
	{ "db_group_set", 3, write_group, group_unchanged, group_landed },
	{ "db_snapshot_add", 2, write_snapshot, snapshots_unchanged,
	  snapshots_landed },
	{ "db_user_delete", 1, write_user_delete, user_and_session, user_gone },
	{ "db_user_disable", 2, write_user_disable, bob_and_session,
	  user_disabled },
	{ "db_device_delete", 2, write_device_delete, device_and_token,
	  device_deleted },
};

/* What the cases above find in the store before they write. */
static void fill_for_atomicity(struct db *db, struct filled *fl)
{
	struct db_user u;
	struct db_session s = { .hash = "sess-ada", .expires_ms = 100 };
	struct db_token t = { .name = "v-1", .role = "device", .device = "v-1",
			      .hash = "tok-v1", .created_ms = 1 };
	struct err e;

	fill(db, fl);
	assert_int_equal(db_state_set(db, "test.ck", 3, &e), 0);
	assert_int_equal(db_user_get(db, "ada", &u, &e), 0);
	s.user_id = u.id;
	assert_int_equal(db_session_create(db, &s, 1, &e), 0);
	assert_int_equal(db_user_get(db, "bob", &u, &e), 0);
	s.user_id = u.id;
	strcpy(s.hash, "sess-bob");
	assert_int_equal(db_session_create(db, &s, 1, &e), 0);
	assert_int_equal(db_token_create(db, &t, NULL, &e), 0);
	assert_int_equal(db_chunks_read(db, fl->series[0], 20, 30, note_ref,
					&fl->at20, &e), 0);
}

static void writes_are_all_or_nothing(void **state)
{
	const struct atomic_case *c;
	struct test_store *f = *state;
	struct filled fl;
	struct err e;
	int rc, k;

	fill_for_atomicity(f->db, &fl);
	for (size_t i = 0; i < sizeof(atomic_cases) / sizeof(*c); i++) {
		c = &atomic_cases[i];
		if (!c->unchanged(f->db, &fl))
			fail_msg("%s: not as expected before the write", c->name);
		for (k = 1; k < 100; k++) {
			db__fail_statement(k);
			rc = c->write(f->db, &fl, &e);
			db__fail_statement(0);
			if (!rc)
				break;
			if (!strstr(e.msg, "injected"))
				fail_msg("%s, statement %d failing: %s", c->name,
					 k, e.msg);
			if (!c->unchanged(f->db, &fl))
				fail_msg("%s: statement %d failed but the store "
					 "changed", c->name, k);
		}
		if (k - 1 < c->statements)
			fail_msg("%s: only %d statements could fail (%d "
				 "expected)", c->name, k - 1, c->statements);
		if (!c->landed(f->db, &fl))
			fail_msg("%s: succeeded but did not land whole",
				 c->name);
	}
}

/* A constraint violated by the last row rolls back the rows before it. */
static void constraint_failures_roll_back(void **state)
{
	struct test_store *f = *state;
	struct filled fl;
	struct seen s = { 0 };
	const char *devs[3] = { "v-1", "cam-1", "ghost" };
	const char *mets[3] = { "new_a", "new_b", "new_c" };
	const char *members[2] = { "P2", "GHOST" };
	struct db_anomaly an = { .plot = "GHOST", .index = "ndvi",
				 .rule = "drop" };
	struct db_scene_stat st = { .plot = "P1", .index = "ndvi", .count = 1 };
	struct db_scene sc = { .acquired_ms = 5000, .crs = "EPSG:4326",
			       .footprint = "{}", .cloud_share = NAN,
			       .width = 1, .height = 1, .created_ms = 1 };
	struct db_plot rows[2] = { plot("P3", 88), plot("P4", 89) };
	struct db_plot got;
	int64_t ids[3], id;
	struct err e;

	fill(f->db, &fl);
	assert_int_equal(db_series_ensure_many(f->db, devs, mets, 3, ids, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_series_list(f->db, NULL, see_series, &s, &e), 0);
	assert_int_equal(s.n, 2);
	strcpy(sc.source, "s2");
	strcpy(sc.kind, "satellite");
	strcpy(sc.file, "f.tif");
	strcpy(sc.indices, "ndvi");
	assert_int_equal(db_scene_add(f->db, &sc, &st, 1, &an, 1, &id, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(scenes_counted(f->db), 2);
	assert_int_equal(db_group_set(f->db, "G", "S2", 9, members, 2, &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "GHOST"));
	assert_true(group_is(f->db, "G:P1", "G:P2"));
	rows[1].geometry = NULL;
	assert_int_not_equal(db_plots_upsert(f->db, rows, 2, NULL, NULL, &e), 0);
	assert_int_equal(db_plot_get(f->db, "P3", &got, &e), ERR_NOT_FOUND);
}

/* ---- uniqueness and the error paths ------------------------------------------ */

static void writes_answer_their_errors(void **state)
{
	struct test_store *f = *state;
	struct filled fl;
	struct db_command c = { .device = "ghost", .action = "open",
				.state = "requested", .requested_by = "ops" };
	struct db_alert a;
	struct db_snapshot sn;
	struct db_token t;
	struct db_session se;
	struct db_equipment q = { .device = "v-1", .implement = "plough",
				  .swath_m = 3, .updated_ms = 2 };
	struct probe p = { 0 };
	int64_t id;
	struct err e;

	fill(f->db, &fl);
	/* commands: an unknown device, an unknown action, an unknown id */
	assert_int_equal(db_command_create(f->db, &c, &id, &e), ERR_INVALID);
	strcpy(c.device, "v-1");
	strcpy(c.action, "blink");
	assert_int_equal(db_command_create(f->db, &c, &id, &e), ERR_INVALID);
	assert_int_equal(db_command_set_state(f->db, 9999, "requested", "sent",
					      1, NULL, &e), ERR_NOT_FOUND);
	/* alerts: unknown ids */
	assert_int_equal(db_alert_get(f->db, 9999, &a, &e), ERR_NOT_FOUND);
	memset(&a, 0, sizeof(a));
	a.id = 9999;
	strcpy(a.state, "closed");
	assert_int_equal(db_alert_update(f->db, &a, "open", &e), ERR_NOT_FOUND);
	/* snapshots: another device's id is not found */
	assert_int_equal(db_snapshot_get(f->db, "v-1", 0, &sn, &e),
			 ERR_NOT_FOUND);
	/* tokens and sessions: unknown hashes */
	assert_int_equal(db_token_find(f->db, "nope", 1, &t, &e), ERR_NOT_FOUND);
	assert_int_equal(db_token_revoke(f->db, 9999, 1, &e), ERR_NOT_FOUND);
	assert_int_equal(db_session_find(f->db, "nope", 1, &se, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_session_delete(f->db, "nope", &e), ERR_NOT_FOUND);
	/* retention: an unknown id */
	assert_int_equal(db_retention_delete(f->db, 9999, &e), ERR_NOT_FOUND);
	/* equipment: set replaces (one row per device) */
	assert_int_equal(db_equipment_set(f->db, &q, &e), 0);
	p.db = f->db;
	assert_int_equal(db_equipment_list(f->db, probe_db_equipment, &p, &e),
			 0);
	assert_int_equal(p.calls, 2);
	assert_int_equal(db_equipment_get(f->db, "v-1", &q, &e), 0);
	assert_string_equal(q.implement, "plough");
	/* plots: exists for none; delete of an unknown code names it */
	{
		const char *codes[1] = { "NOPE" };
		bool exists[1] = { true };

		assert_int_equal(db_plots_exist(f->db, codes, 1, exists, &e), 0);
		assert_false(exists[0]);
		assert_int_equal(db_plot_delete(f->db, "NOPE", &e),
				 ERR_NOT_FOUND);
		assert_non_null(strstr(e.msg, "NOPE"));
	}
	/* the store's flush: nothing to say on either backend */
	assert_int_equal(db_flush(f->db, &e), 0);
}

/* State keys are "<owner>.<name>" (db.h); the store refuses others. */
static void state_keys_are_owner_dot_name(void **state)
{
	static const char *const bad[] = { "wal", "Ts.x", "ts.", ".x", "ts.x.y",
					   "ts.X", "t s.x", "sim2.x",
					   "" };
	struct test_store *f = *state;
	struct db_chunk k = { .series = 1, .ts_min = 0, .ts_max = 1,
			      .data = "z", .len = 1 };
	struct db_chunk_write w = { .add = &k, .n_add = 1, .state_value = 5 };
	struct err e;
	int64_t v;
	int n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (db_state_set(f->db, bad[i], 1, &e) != ERR_INVALID ||
		    db_state_get(f->db, bad[i], &v, &e) != ERR_INVALID)
			fail_msg("state key '%s' was taken", bad[i]);
		assert_non_null(strstr(e.msg, "state key"));
		w.state_key = bad[i];
		assert_int_equal(db_chunks_write(f->db, &w, &e), ERR_INVALID);
	}
	assert_int_equal(db_chunks_read(f->db, 1, 0, 10, count_chunk, &n, &e),
			 0);
	assert_int_equal(n, 0); /* the refused writes wrote nothing */
	assert_int_equal(db_state_set(f->db, "ts.wal_checkpoint", 7, &e), 0);
	assert_int_equal(db_state_set(f->db, "sim.a_b_9", 8, &e), 0);
	assert_int_equal(db_state_get(f->db, "ts.wal_checkpoint", &v, &e), 0);
	assert_int_equal(v, 7);
	assert_int_equal(db_state_get(f->db, "sim.a_b_9", &v, &e), 0);
	assert_int_equal(v, 8);
}

/* Run SQL on the test store behind the store's back (sqlite3, psql). */
static void raw_sql(const struct test_store *f, const char *sql)
{
	char cmd[2048];

	if (f->pg)
		snprintf(cmd, sizeof(cmd), "psql -q -v ON_ERROR_STOP=1 -d '%s' "
			 "-c \"%s\" >/dev/null", f->where, sql);
	else
		snprintf(cmd, sizeof(cmd), "python3 -c 'import sqlite3,sys; "
			 "c = sqlite3.connect(sys.argv[1]); "
			 "c.executescript(sys.argv[2]); c.commit()' "
			 "'%s/oasis.db' \"%s\"", f->dir, sql);
	if (system(cmd) != 0)
		fail_msg("could not run: %s", sql);
}

/*
 * A store made before the keys had owners: opening it renames the
 * engine's checkpoint and the simulator's keys, so the engine finds its
 * place in its log again.
 */
static void old_state_keys_get_their_owners(void **state)
{
	struct test_store *f = *state;
	struct err e;
	int64_t v;

	db_close(f->db);
	f->db = NULL;
	raw_sql(f, "INSERT INTO ts_state (key, value) VALUES "
		"('wal_checkpoint', 41), ('demo_history', 42), "
		"('demo_history_from', 43);");
	assert_int_equal(db_open(f->where, false, &f->db, &e), 0);
	assert_int_equal(db_state_get(f->db, "ts.wal_checkpoint", &v, &e), 0);
	assert_int_equal(v, 41);
	assert_int_equal(db_state_get(f->db, "sim.history_to", &v, &e), 0);
	assert_int_equal(v, 42);
	assert_int_equal(db_state_get(f->db, "sim.history_from", &v, &e), 0);
	assert_int_equal(v, 43);
}

/* Edges: empty batches, duplicates inside a batch, unknown references. */
static void edges_answer_the_same_on_both(void **state)
{
	struct test_store *f = *state;
	struct db_session se = { .hash = "s-x", .user_id = 9999,
				 .expires_ms = 100 };
	struct db_device d[2] = {
		{ .id = "dup", .kind = "valve", .lon = NAN, .lat = NAN },
		{ .id = "dup", .kind = "valve", .lon = NAN, .lat = NAN },
	};
	struct filled fl;
	struct db *other;
	size_t added = 9, updated = 9;
	struct err e;
	int64_t ids[1];

	fill(f->db, &fl);
	/* empty batches change nothing and succeed */
	assert_int_equal(db_plots_upsert(f->db, NULL, 0, &added, &updated, &e),
			 0);
	assert_int_equal(added + updated, 0);
	assert_int_equal(db_devices_create(f->db, d, 0, &e), 0);
	assert_int_equal(db_series_ensure_many(f->db, NULL, NULL, 0, ids, &e),
			 0);
	/* a duplicate inside one batch: exists, and neither is made */
	assert_int_equal(db_devices_create(f->db, d, 2, &e), ERR_EXISTS);
	assert_int_equal(devices_counted(f->db), 2);
	/* a session of no user: a broken reference is invalid (as a command
	 * for no device) on both backends, not not_found */
	assert_int_equal(db_session_create(f->db, &se, 1, &e), ERR_INVALID);
	/* the pool's bounds; opening nothing */
	assert_int_equal(db_pool_config(f->db, DB_POOL_MAX + 1, 0, &e),
			 ERR_INVALID);
	assert_int_equal(db_open("", false, &other, &e), ERR_INVALID);
	/* notifications between nodes: PostgreSQL's alone (test_db.c's
	 * notifications_reach_listeners); SQLite says so */
	if (f->pg) {
		assert_int_equal(db_notify(f->db, "oasis_edge", "x", &e), 0);
	} else {
		struct db_listener *l;

		assert_int_equal(db_notify(f->db, "oasis_edge", "x", &e),
				 ERR_UNSUPPORTED);
		assert_int_equal(db_listen(f->db, "oasis_edge", &l, &e),
				 ERR_UNSUPPORTED);
	}
}

#define TESTS(T) { \
	T(writes_are_all_or_nothing), \
	T(constraint_failures_roll_back), \
	T(writes_answer_their_errors), \
	T(state_keys_are_owner_dot_name), \
	T(old_state_keys_get_their_owners), \
	T(edges_answer_the_same_on_both), \
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
