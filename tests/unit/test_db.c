/*
 * db/ on each backend: migrations, users, tokens, sessions, plots,
 * devices, series, chunks, a plot's latest imagery pass in a window, and
 * that a failed write leaves nothing behind.  Every test runs on SQLite,
 * then on PostgreSQL when OASIS_TEST_PG names a server (make test starts
 * one: tests/pg.sh); each test there gets a database of its own.  The
 * guarantees of every operation (errors, ordering, filters, atomicity) are
 * in test_db_listings.c and test_db_writes.c; test_db.h has the fixture
 * they share.
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
#include <unistd.h>

#include "db/db.h"
#include "db/db_ops.h"
#include "test_db.h"

static void migrates_and_reopens(void **state)
{
	struct test_store *f = *state;
	struct db *again;
	struct err e;
	int v1, v2;

	assert_int_equal(db_schema_version(f->db, &v1, &e), 0);
	assert_true(v1 >= 2);
	assert_int_equal(db_open(f->where, false, &again, &e), 0);
	assert_int_equal(db_schema_version(again, &v2, &e), 0);
	assert_int_equal(v1, v2);
	db_close(again);
	assert_int_equal(db_open(f->pg ? f->empty : "/tmp/oasis-no-such-store",
				 false, &again, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "oasis init"));
}

static void users_are_unique(void **state)
{
	struct test_store *f = *state;
	struct db_user u = { .role = "admin", .password_hash = "x",
			     .created_ms = 1 }, got;
	struct err e;
	int64_t n;

	strcpy(u.name, "ada");
	assert_int_equal(db_user_create(f->db, &u, NULL, &e), 0);
	assert_int_equal(db_user_create(f->db, &u, NULL, &e), ERR_EXISTS);
	assert_non_null(strstr(e.msg, "ada"));
	assert_int_equal(db_user_get(f->db, "ada", &got, &e), 0);
	assert_string_equal(got.role, "admin");
	assert_int_equal(db_user_get(f->db, "bob", &got, &e), ERR_NOT_FOUND);
	assert_int_equal(db_user_set_password(f->db, "bob", "h", &e), ERR_NOT_FOUND);
	assert_int_equal(db_user_count(f->db, &n, &e), 0);
	assert_int_equal(n, 1);
	strcpy(u.name, "eve");
	strcpy(u.role, "root");
	assert_int_equal(db_user_create(f->db, &u, NULL, &e), ERR_INVALID);
}

static void tokens_expire_and_revoke(void **state)
{
	struct test_store *f = *state;
	struct db_token t = { .role = "viewer", .created_ms = 1 }, got;
	struct err e;
	int64_t id;

	strcpy(t.name, "wall");
	strcpy(t.hash, "abc");
	t.expires_ms = 1000;
	assert_int_equal(db_token_create(f->db, &t, &id, &e), 0);
	assert_int_equal(db_token_find(f->db, "abc", 999, &got, &e), 0);
	assert_string_equal(got.name, "wall");
	assert_int_equal(db_token_find(f->db, "abc", 1000, &got, &e), ERR_NOT_FOUND);
	strcpy(t.hash, "def");
	t.expires_ms = 0;
	assert_int_equal(db_token_create(f->db, &t, &id, &e), 0);
	assert_int_equal(db_token_revoke(f->db, id, 5, &e), 0);
	assert_int_equal(db_token_find(f->db, "def", 6, &got, &e), ERR_NOT_FOUND);
	assert_int_equal(db_token_revoke(f->db, id, 7, &e), ERR_NOT_FOUND);
}

/* Migration 13 (SQLite), 11 (PostgreSQL): a token of role metrics (a Prometheus scraper) is stored. */
static void tokens_of_role_metrics(void **state)
{
	struct test_store *f = *state;
	struct db_token t = { .role = "metrics", .created_ms = 1 }, got;
	struct err e;
	int64_t id;

	strcpy(t.name, "prometheus");
	strcpy(t.hash, "scrape");
	assert_int_equal(db_token_create(f->db, &t, &id, &e), 0);
	assert_int_equal(db_token_find(f->db, "scrape", 2, &got, &e), 0);
	assert_string_equal(got.role, "metrics");
	strcpy(t.role, "root");
	strcpy(t.hash, "other");
	assert_int_equal(db_token_create(f->db, &t, &id, &e), ERR_INVALID);
}

static int count_plot(const struct db_plot *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void plot_upsert_is_all_or_nothing(void **state)
{
	struct test_store *f = *state;
	struct db_plot rows[3] = { plot("A", 86), plot("B", 87), plot("C", 88) };
	struct db_plot_filter filter = { .has_bbox = true,
					 .bbox = { 86.5, 43, 87.5, 45 } };
	struct db_plot got;
	size_t added, updated;
	struct err e;
	int n = 0;

	assert_int_equal(db_plots_upsert(f->db, rows, 2, &added, &updated, &e), 0);
	assert_int_equal(added, 2);
	/* a row that violates a constraint rolls back the whole call */
	rows[2].geometry = NULL;
	assert_int_not_equal(db_plots_upsert(f->db, rows + 1, 2, &added, &updated,
					     &e), 0);
	assert_int_equal(db_plot_get(f->db, "C", &got, &e), ERR_NOT_FOUND);
	rows[2].geometry = rows[0].geometry;
	assert_int_equal(db_plots_upsert(f->db, rows, 3, &added, &updated, &e), 0);
	assert_int_equal(added, 1);
	assert_int_equal(updated, 2);
	assert_int_equal(db_plot_list(f->db, &filter, count_plot, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_plot_get(f->db, "B", &got, &e), 0);
	assert_true(isnan(got.field_capacity));
	db_plot_free(&got);
	assert_int_equal(db_plot_delete(f->db, "B", &e), 0);
	assert_int_equal(db_plot_delete(f->db, "B", &e), ERR_NOT_FOUND);
}

static void devices_and_series(void **state)
{
	struct test_store *f = *state;
	struct db_plot p = plot("P1", 86);
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 }, got;
	int64_t a, b, c;
	struct err e;

	strcpy(d.id, "ws-1");
	strcpy(d.kind, "weather_station");
	strcpy(d.plot, "NOPE");
	assert_int_equal(db_device_create(f->db, &d, &e), ERR_NOT_FOUND);
	assert_int_equal(db_plots_upsert(f->db, &p, 1, NULL, NULL, &e), 0);
	strcpy(d.plot, "P1");
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	assert_int_equal(db_device_create(f->db, &d, &e), ERR_EXISTS);
	assert_int_equal(db_device_get(f->db, "ws-1", &got, &e), 0);
	assert_string_equal(got.plot, "P1");
	assert_int_equal(db_series_ensure(f->db, "ws-1", "air_temp", &a, &e), 0);
	assert_int_equal(db_series_ensure(f->db, "ws-1", "rh", &b, &e), 0);
	assert_int_equal(db_series_ensure(f->db, "ws-1", "air_temp", &c, &e), 0);
	assert_int_equal(a, c);
	assert_int_not_equal(a, b);
	assert_int_equal(db_series_ensure(f->db, "ghost", "rh", &c, &e),
			 ERR_NOT_FOUND);
}

static int count_user(const struct db_user *u, void *ctx)
{
	int *n = ctx;

	(*n)++;
	assert_true(u->name[0] != '\0');
	return 0;
}

static void users_disable_and_delete(void **state)
{
	struct test_store *f = *state;
	struct db_user u = { .role = "viewer", .password_hash = "$argon2id$x",
			     .created_ms = 1 }, got;
	struct db_session s = { .hash = "sess", .expires_ms = 100 }, found;
	struct err e;
	int64_t id;
	int n = 0;

	strcpy(u.name, "ada");
	assert_int_equal(db_user_create(f->db, &u, &id, &e), 0);
	s.user_id = id;
	assert_int_equal(db_session_create(f->db, &s, 1, &e), 0);
	assert_int_equal(db_user_disable(f->db, "ada", &e), 0);
	assert_int_equal(db_user_disable(f->db, "ada", &e), 0);
	assert_int_equal(db_user_get(f->db, "ada", &got, &e), 0);
	assert_string_equal(got.password_hash, "!$argon2id$x");
	assert_int_equal(db_session_find(f->db, "sess", 2, &found, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_user_disable(f->db, "bob", &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "bob"));
	assert_int_equal(db_user_list(f->db, count_user, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_session_create(f->db, &s, 1, &e), 0);
	assert_int_equal(db_user_delete(f->db, "ada", &e), 0);
	assert_int_equal(db_session_find(f->db, "sess", 2, &found, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_user_delete(f->db, "ada", &e), ERR_NOT_FOUND);
}

static int count_device(const struct db_device *d, void *ctx)
{
	int *n = ctx;

	*n += d->deleted_ms ? 100 : 1;
	return 0;
}

static void deleted_devices_keep_their_series(void **state)
{
	struct test_store *f = *state;
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 }, got;
	struct db_token t = { .role = "device", .created_ms = 1 }, tok;
	struct err e;
	int64_t a, b;
	int n = 0;

	strcpy(d.id, "ws-9");
	strcpy(d.kind, "weather_station");
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	assert_int_equal(db_series_ensure(f->db, "ws-9", "rh", &a, &e), 0);
	strcpy(t.name, "ws-9");
	strcpy(t.device, "ws-9");
	strcpy(t.hash, "devtok");
	assert_int_equal(db_token_create(f->db, &t, NULL, &e), 0);
	assert_int_equal(db_device_delete(f->db, "ws-9", 50, &e), 0);
	assert_int_equal(db_token_find(f->db, "devtok", 60, &tok, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_device_get(f->db, "ws-9", &got, &e), 0);
	assert_int_equal(got.deleted_ms, 50);
	assert_int_equal(db_series_ensure(f->db, "ws-9", "rh", &b, &e), 0);
	assert_int_equal(a, b);
	assert_int_equal(db_device_list(f->db, NULL, count_device, &n, &e), 0);
	assert_int_equal(n, 100);
	assert_int_equal(db_device_delete(f->db, "ws-9", 70, &e), ERR_NOT_FOUND);
	assert_int_equal(db_device_delete(f->db, "nope", 70, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "nope"));
	assert_int_equal(db_device_create(f->db, &d, &e), ERR_EXISTS);
}

/* db_user_set_role and db_device_update: the console's edits. */
static void roles_and_devices_are_edited(void **state)
{
	struct test_store *f = *state;
	struct db_user u = { .role = "viewer", .password_hash = "$argon2id$x",
			     .created_ms = 1 }, got;
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 }, dev;
	struct db_plot p = plot("P-1", 87);
	size_t added, updated;
	struct err e;
	int64_t id;

	strcpy(u.name, "lin");
	assert_int_equal(db_user_create(f->db, &u, &id, &e), 0);
	assert_int_equal(db_user_set_role(f->db, "lin", "operator", &e), 0);
	assert_int_equal(db_user_get(f->db, "lin", &got, &e), 0);
	assert_string_equal(got.role, "operator");
	assert_string_equal(got.password_hash, "$argon2id$x");
	assert_int_equal(db_user_set_role(f->db, "nobody", "admin", &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "nobody"));

	assert_int_equal(db_plots_upsert(f->db, &p, 1, &added, &updated, &e), 0);
	strcpy(d.id, "sp-1");
	strcpy(d.kind, "soil_probe");
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	strcpy(d.plot, "P-1");
	strcpy(d.name, "north probe");
	strcpy(d.kind, "sensor");
	d.lon = 87.005;
	d.lat = 44.005;
	assert_int_equal(db_device_update(f->db, &d, &e), 0);
	assert_int_equal(db_device_get(f->db, "sp-1", &dev, &e), 0);
	assert_string_equal(dev.plot, "P-1");
	assert_string_equal(dev.name, "north probe");
	assert_string_equal(dev.kind, "sensor");
	assert_true(fabs(dev.lon - 87.005) < 1e-9);
	assert_int_equal(dev.created_ms, 1);
	/* off its plot, no location */
	d.plot[0] = '\0';
	d.lon = d.lat = NAN;
	assert_int_equal(db_device_update(f->db, &d, &e), 0);
	assert_int_equal(db_device_get(f->db, "sp-1", &dev, &e), 0);
	assert_string_equal(dev.plot, "");
	assert_true(isnan(dev.lon));
	strcpy(d.plot, "P-404");
	assert_int_equal(db_device_update(f->db, &d, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "P-404"));
	d.plot[0] = '\0';
	strcpy(d.id, "ghost");
	assert_int_equal(db_device_update(f->db, &d, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "ghost"));
	strcpy(d.id, "sp-1");
	assert_int_equal(db_device_delete(f->db, "sp-1", 5, &e), 0);
	assert_int_equal(db_device_update(f->db, &d, &e), ERR_NOT_FOUND);
}

static int collect_audit(const struct db_audit *a, void *ctx)
{
	struct db_audit *out = ctx;

	while (out->id)
		out++;
	*out = *a;
	return 0;
}

/* db_audit_add and db_audit_list: newest first, paged by id. */
static void the_audit_log_pages_newest_first(void **state)
{
	struct test_store *f = *state;
	struct db_audit a = { .role = "admin", .status = 204 }, got[8];
	struct err e;

	strcpy(a.actor, "admin");
	for (int i = 1; i <= 5; i++) {
		a.at_ms = 1000 * i;
		snprintf(a.action, sizeof(a.action), "DELETE /api/v1/users/u%d", i);
		assert_int_equal(db_audit_add(f->db, &a, &e), 0);
	}
	memset(got, 0, sizeof(got));
	assert_int_equal(db_audit_list(f->db, 0, 3, collect_audit, got, &e), 0);
	assert_string_equal(got[0].action, "DELETE /api/v1/users/u5");
	assert_string_equal(got[2].action, "DELETE /api/v1/users/u3");
	assert_int_equal(got[0].at_ms, 5000);
	assert_int_equal(got[0].status, 204);
	assert_string_equal(got[0].actor, "admin");
	assert_string_equal(got[0].role, "admin");
	assert_int_equal(got[3].id, 0);
	int64_t last = got[2].id;
	memset(got, 0, sizeof(got));
	assert_int_equal(db_audit_list(f->db, last, 10, collect_audit, got, &e), 0);
	assert_string_equal(got[0].action, "DELETE /api/v1/users/u2");
	assert_string_equal(got[1].action, "DELETE /api/v1/users/u1");
	assert_int_equal(got[2].id, 0);
}

static int collect_unit(const struct db_metric_unit *u, void *ctx)
{
	struct db_metric_unit *out = ctx;

	while (out->name[0])
		out++;
	*out = *u;
	return 0;
}

/* db_metric_unit_set, _list and _delete: the registry of custom metrics. */
static void custom_metrics_are_registered(void **state)
{
	struct test_store *f = *state;
	struct db_metric_unit u = { .updated_ms = 1 }, got[4];
	struct err e;

	strcpy(u.name, "leaf_wetness");
	strcpy(u.unit, "min");
	strcpy(u.what, "wet leaf minutes");
	assert_int_equal(db_metric_unit_set(f->db, &u, &e), 0);
	strcpy(u.name, "canopy_temp");
	strcpy(u.unit, "C");
	u.what[0] = '\0';
	assert_int_equal(db_metric_unit_set(f->db, &u, &e), 0);
	strcpy(u.unit, "°C");     /* again: changed in place */
	u.updated_ms = 2;
	assert_int_equal(db_metric_unit_set(f->db, &u, &e), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(db_metric_unit_list(f->db, collect_unit, got, &e), 0);
	assert_string_equal(got[0].name, "canopy_temp");
	assert_string_equal(got[0].unit, "°C");
	assert_int_equal(got[0].updated_ms, 2);
	assert_string_equal(got[1].name, "leaf_wetness");
	assert_string_equal(got[1].what, "wet leaf minutes");
	assert_string_equal(got[2].name, "");
	assert_int_equal(db_metric_unit_delete(f->db, "canopy_temp", &e), 0);
	assert_int_equal(db_metric_unit_delete(f->db, "canopy_temp", &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "canopy_temp"));
	memset(got, 0, sizeof(got));
	assert_int_equal(db_metric_unit_list(f->db, collect_unit, got, &e), 0);
	assert_string_equal(got[0].name, "leaf_wetness");
	assert_string_equal(got[1].name, "");
}

struct seen_chunks {
	int n;
	struct db_chunk_ref refs[8];
	size_t bytes;
};

static int collect_chunk(const struct db_chunk *k, void *ctx)
{
	struct seen_chunks *s = ctx;

	s->refs[s->n++] = (struct db_chunk_ref){ k->series, k->ts_min, k->seq };
	s->bytes += k->len;
	return 0;
}

static void chunks_replace_keeps_the_newest_seq(void **state)
{
	struct test_store *f = *state;
	struct db_chunk k[3] = {
		{ .series = 1, .ts_min = 0, .ts_max = 10, .data = "aa", .len = 2 },
		{ .series = 1, .ts_min = 5, .ts_max = 20, .data = "bb", .len = 2 },
		{ .series = 1, .ts_min = 0, .ts_max = 20, .data = "merged", .len = 6 },
	};
	struct db_latest latest = { .series = 1, .ts = 20, .value = 3 };
	struct db_chunk_write w = { .add = k, .n_add = 2, .latest = &latest,
				    .n_latest = 1, .state_key = "test.wal", .state_value = 7 };
	struct seen_chunks s = { 0 };
	struct db_chunk_ref replace[2];
	int64_t v;
	struct err e;

	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_chunks_read(f->db, 1, 0, 100, collect_chunk, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.refs[1].seq > s.refs[0].seq);
	replace[0] = s.refs[0];
	replace[1] = s.refs[1];
	w = (struct db_chunk_write){ .add = &k[2], .n_add = 1,
				     .replace = replace, .n_replace = 2 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(db_chunks_read(f->db, 1, 15, 16, collect_chunk, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.refs[0].seq, replace[1].seq);
	assert_int_equal(s.bytes, 6);
	/* a later write gets a higher seq than the merged chunk kept */
	w = (struct db_chunk_write){ .add = &k[0], .n_add = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(db_chunks_read(f->db, 1, 0, 100, collect_chunk, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.refs[0].seq > replace[1].seq || s.refs[1].seq > replace[1].seq);
	memset(&s, 0, sizeof(s));
	assert_int_equal(db_chunks_read(f->db, 1, 21, 30, collect_chunk, &s, &e), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(db_state_get(f->db, "test.wal", &v, &e), 0);
	assert_int_equal(v, 7);
	assert_int_equal(db_state_get(f->db, "test.never", &v, &e), 0);
	assert_int_equal(v, 0);
	/* several ranges read in one view */
	{
		struct seen_chunks a = { 0 }, b = { 0 };
		struct db_chunk_range r[2] = {
			{ 1, 0, 100, collect_chunk, &a },
			{ 1, 21, 30, collect_chunk, &b },
		};

		assert_int_equal(db_chunks_read_view(f->db, r, 2, &e), 0);
		assert_int_equal(a.n, 2);
		assert_int_equal(b.n, 0);
	}
}

struct latest {
	int n;
	char plot[2][16];
	int64_t at[2];
	double mean[2];
};

static int note_latest(const struct db_index_point *p, void *ctx)
{
	struct latest *l = ctx;

	assert_true(l->n < 2);
	strcpy(l->plot[l->n], p->stat.plot);
	l->at[l->n] = p->acquired_ms;
	l->mean[l->n++] = p->stat.mean;
	return 0;
}

static void latest_pass_in_a_window(void **state)
{
	struct test_store *f = *state;
	struct db_plot rows[2] = { plot("A", 86), plot("B", 86.1) };
	struct latest l = { 0 };
	size_t added, updated;
	struct err e;

	assert_int_equal(db_plots_upsert(f->db, rows, 2, &added, &updated, &e), 0);
	add_scene(f->db, "satellite", 1000, "A", 0.5);
	add_scene(f->db, "satellite", 3000, "A", 0.7);
	add_scene(f->db, "satellite", 5000, "A", 0.9);  /* not before 5000 */
	add_scene(f->db, "drone", 4000, "A", 0.1);      /* another kind */
	add_scene(f->db, "satellite", 500, "B", 0.3);   /* before the window */
	add_scene(f->db, "satellite", 2500, "B", 0.4);
	assert_int_equal(db_index_previous(f->db, "ndvi", "satellite", 1000,
					   5000, note_latest, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.plot[0], "A");
	assert_int_equal(l.at[0], 3000);
	assert_float_equal(l.mean[0], 0.7, 1e-12);
	assert_string_equal(l.plot[1], "B");
	assert_int_equal(l.at[1], 2500);
	/* a window that starts after B's passes leaves B out */
	l.n = 0;
	assert_int_equal(db_index_previous(f->db, "ndvi", "satellite", 2600,
					   6000, note_latest, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.plot[0], "A");
	assert_int_equal(l.at[0], 5000);
}


static int count_token(const struct db_token *t, void *ctx)
{
	(void)t;
	return count_any(ctx);
}

static void users_sessions_and_counts(void **state)
{
	struct test_store *f = *state;
	struct db_user u = { .role = "viewer", .password_hash = "h1",
			     .created_ms = 1 }, got;
	struct db_session s = { .hash = "s1", .expires_ms = 100 }, sg;
	struct db_token t = { .role = "viewer", .created_ms = 1 };
	struct err e;
	int64_t id, n;
	int seen = 0;

	strcpy(u.name, "bo");
	assert_int_equal(db_user_create(f->db, &u, &id, &e), 0);
	assert_int_equal(db_user_get_by_id(f->db, id, &got, &e), 0);
	assert_string_equal(got.name, "bo");
	assert_int_equal(db_user_get_by_id(f->db, id + 99, &got, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_user_set_password(f->db, "bo", "h2", &e), 0);
	assert_int_equal(db_user_get(f->db, "bo", &got, &e), 0);
	assert_string_equal(got.password_hash, "h2");
	assert_int_equal(db_user_set_password(f->db, "nobody", "h", &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_user_count(f->db, &n, &e), 0);
	assert_int_equal(n, 1);
	s.user_id = id;
	assert_int_equal(db_session_create(f->db, &s, 10, &e), 0);
	assert_int_equal(db_session_find(f->db, "s1", 99, &sg, &e), 0);
	assert_int_equal(sg.user_id, id);
	assert_int_equal(db_session_find(f->db, "s1", 100, &sg, &e),
			 ERR_NOT_FOUND);
	/* a new session sweeps the expired ones */
	strcpy(s.hash, "s2");
	s.expires_ms = 500;
	assert_int_equal(db_session_create(f->db, &s, 200, &e), 0);
	strcpy(s.hash, "s1");
	s.expires_ms = 1000;
	assert_int_equal(db_session_create(f->db, &s, 200, &e), 0);
	assert_int_equal(db_session_delete(f->db, "s2", &e), 0);
	assert_int_equal(db_session_delete(f->db, "s2", &e), ERR_NOT_FOUND);
	strcpy(t.name, "a");
	strcpy(t.hash, "ha");
	assert_int_equal(db_token_create(f->db, &t, NULL, &e), 0);
	assert_int_equal(db_token_create(f->db, &t, NULL, &e), ERR_EXISTS);
	strcpy(t.hash, "hb");
	assert_int_equal(db_token_create(f->db, &t, NULL, &e), 0);
	assert_int_equal(db_token_list(f->db, count_token, &seen, &e), 0);
	assert_int_equal(seen, 2);
	assert_int_equal(db_plot_count(f->db, &n, &e), 0);
	assert_int_equal(n, 0);
}

struct names {
	int n;
	char v[8][160];
};

static int note_plot(const struct db_plot *p, void *ctx)
{
	struct names *l = ctx;

	strcpy(l->v[l->n++], p->code);
	return 0;
}

static int note_device(const struct db_device *d, void *ctx)
{
	struct names *l = ctx;

	strcpy(l->v[l->n++], d->id);
	return 0;
}

static int note_series(const struct db_series *s, void *ctx)
{
	struct names *l = ctx;

	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s/%s", s->device, s->metric);
	return 0;
}

static void listings_filter_and_order(void **state)
{
	struct test_store *f = *state;
	struct db_plot rows[3] = { plot("b", 86), plot("a", 87), plot("B", 88) };
	struct db_plot_filter by_code = { .code = "a" }, by_crop = { .crop = "rice" };
	struct db_device d[3] = {
		{ .id = "z-1", .kind = "valve", .plot = "a", .lon = NAN, .lat = NAN },
		{ .id = "a-1", .kind = "valve", .plot = "b", .lon = 86.1, .lat = 44.1 },
		{ .id = "m-1", .kind = "valve", .lon = NAN, .lat = NAN },
	};
	const char *codes[3] = { "a", "x", "B" };
	bool exists[3];
	struct names l = { 0 };
	struct db_device got;
	int64_t id;
	struct err e;

	strcpy(rows[2].crop, "rice");
	assert_int_equal(db_plots_upsert(f->db, rows, 3, NULL, NULL, &e), 0);
	assert_int_equal(db_plots_exist(f->db, codes, 3, exists, &e), 0);
	assert_true(exists[0] && !exists[1] && exists[2]);
	/* bytewise order on both backends: "B" < "a" < "b" */
	assert_int_equal(db_plot_list(f->db, NULL, note_plot, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "B");
	assert_string_equal(l.v[1], "a");
	assert_string_equal(l.v[2], "b");
	l.n = 0;
	assert_int_equal(db_plot_list(f->db, &by_code, note_plot, &l, &e), 0);
	assert_int_equal(l.n, 1);
	l.n = 0;
	assert_int_equal(db_plot_list(f->db, &by_crop, note_plot, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "B");
	/* several devices in one transaction: all or none */
	strcpy(d[2].plot, "nope");
	assert_int_equal(db_devices_create(f->db, d, 3, &e), ERR_NOT_FOUND);
	l.n = 0;
	assert_int_equal(db_device_list(f->db, NULL, note_device, &l, &e), 0);
	assert_int_equal(l.n, 0);
	d[2].plot[0] = '\0';
	assert_int_equal(db_devices_create(f->db, d, 3, &e), 0);
	assert_int_equal(db_device_list(f->db, NULL, note_device, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a-1");
	assert_string_equal(l.v[2], "z-1");
	l.n = 0;
	assert_int_equal(db_device_list(f->db, "a", note_device, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(db_device_get(f->db, "a-1", &got, &e), 0);
	assert_float_equal(got.lon, 86.1, 1e-12);
	assert_int_equal(db_device_get(f->db, "m-1", &got, &e), 0);
	assert_true(isnan(got.lat));
	assert_string_equal(got.plot, "");
	/* deleting a plot unlinks its devices */
	assert_int_equal(db_plot_delete(f->db, "a", &e), 0);
	assert_int_equal(db_device_get(f->db, "z-1", &got, &e), 0);
	assert_string_equal(got.plot, "");
	{
		const char *devs[2] = { "a-1", "m-1" }, *mets[2] = { "flow", "flow" };
		int64_t ids[2];

		assert_int_equal(db_series_ensure_many(f->db, devs, mets, 2, ids,
						       &e), 0);
		assert_int_not_equal(ids[0], ids[1]);
		assert_int_equal(db_series_ensure(f->db, "m-1", "flow", &id, &e), 0);
		assert_int_equal(id, ids[1]);
	}
	l.n = 0;
	assert_int_equal(db_series_list(f->db, NULL, note_series, &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "a-1/flow");
	l.n = 0;
	assert_int_equal(db_series_list(f->db, "m-1", note_series, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "m-1/flow");
}

static int note_latest_point(const struct db_latest *p, void *ctx)
{
	struct db_latest *l = ctx;

	l[p->series - 1] = *p;
	return 0;
}

static void latest_only_moves_forward(void **state)
{
	struct test_store *f = *state;
	struct db_latest in[2] = { { 1, 100, 1.5 }, { 2, 50, -2 } }, out[2];
	struct db_latest older = { 1, 90, 9 };
	struct db_chunk_write w = { .latest = in, .n_latest = 2 };
	struct err e;
	int64_t v;

	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	w = (struct db_chunk_write){ .latest = &older, .n_latest = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_latest_list(f->db, note_latest_point, out, &e), 0);
	assert_int_equal(out[0].ts, 100);
	assert_float_equal(out[0].value, 1.5, 0);
	assert_int_equal(out[1].ts, 50);
	assert_int_equal(db_state_set(f->db, "test.k", 42, &e), 0);
	assert_int_equal(db_state_set(f->db, "test.k", 43, &e), 0);
	assert_int_equal(db_state_get(f->db, "test.k", &v, &e), 0);
	assert_int_equal(v, 43);
	assert_int_equal(db_flush(f->db, &e), 0);
}

static int count_retention(const struct db_retention *r, void *ctx)
{
	(void)r;
	return count_any(ctx);
}

static int count_command(const struct db_command *c, void *ctx)
{
	(void)c;
	return count_any(ctx);
}

static int note_station(const struct db_station *s, void *ctx)
{
	struct names *l = ctx;

	strcpy(l->v[l->n++], s->name);
	return 0;
}

static int note_member(const struct db_group_member *m, void *ctx)
{
	struct names *l = ctx;

	snprintf(l->v[l->n++], sizeof(l->v[0]), "%s:%s", m->group, m->plot);
	return 0;
}

static void retention_commands_and_rotation(void **state)
{
	struct test_store *f = *state;
	struct db_retention r = { .kind = "", .metric = "rh", .raw_ms = 10,
				  .step_ms = 5 };
	struct db_device valve = { .id = "v-1", .kind = "valve", .lon = NAN,
				   .lat = NAN };
	struct db_command c = { .device = "v-1", .action = "open",
				.duration_min = 30, .state = "requested",
				.requested_by = "ops", .requested_ms = 1000,
				.auto_close_ms = 5000 }, got;
	struct db_station st = { .name = "S", .capacity_m3h = 100,
				 .start_min = 0, .end_min = 1440 };
	struct db_plot p[2] = { plot("P1", 86), plot("P2", 87) };
	const char *members[2] = { "P1", "P2" }, *ghost[1] = { "P9" };
	struct names l = { 0 };
	int64_t id, id2, cid;
	struct err e;
	int n = 0;

	assert_int_equal(db_retention_set(f->db, &r, &id, &e), 0);
	r.raw_ms = 20;
	assert_int_equal(db_retention_set(f->db, &r, &id2, &e), 0);
	assert_int_equal(id, id2);
	assert_int_equal(db_retention_list(f->db, count_retention, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_retention_delete(f->db, id, &e), 0);
	assert_int_equal(db_retention_delete(f->db, id, &e), ERR_NOT_FOUND);

	assert_int_equal(db_device_create(f->db, &valve, &e), 0);
	assert_int_equal(db_command_create(f->db, &c, &cid, &e), 0);
	assert_int_equal(db_command_set_state(f->db, cid, "requested", "sent",
					      2000, NULL, &e), 0);
	/* a compare-and-set: it moved on already */
	assert_int_equal(db_command_set_state(f->db, cid, "requested", "sent",
					      2100, NULL, &e), ERR_NOT_FOUND);
	assert_int_equal(db_command_get(f->db, cid, &got, &e), 0);
	assert_string_equal(got.state, "sent");
	assert_int_equal(got.sent_ms, 2000);
	n = 0;
	assert_int_equal(db_command_due(f->db, 1500, 4000, count_command, &n,
					&e), 0);
	assert_int_equal(n, 1); /* stale */
	assert_int_equal(db_command_set_state(f->db, cid, "requested sent",
					      "acknowledged", 3000, "ok", &e), 0);
	n = 0;
	assert_int_equal(db_command_due(f->db, 1500, 4000, count_command, &n,
					&e), 0);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(db_command_due(f->db, 1500, 5000, count_command, &n,
					&e), 0);
	assert_int_equal(n, 1); /* its auto close came */
	assert_int_equal(db_command_clear_close(f->db, cid, &e), 0);
	n = 0;
	assert_int_equal(db_command_list(f->db, "v-1", NULL, 0, count_command,
					 &n, &e), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(db_command_list(f->db, "v-1", "failed", 0,
					 count_command, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(db_command_get(f->db, cid + 9, &got, &e),
			 ERR_NOT_FOUND);

	assert_int_equal(db_plots_upsert(f->db, p, 2, NULL, NULL, &e), 0);
	assert_int_equal(db_station_set(f->db, &st, &e), 0);
	st.capacity_m3h = 120;
	assert_int_equal(db_station_set(f->db, &st, &e), 0);
	assert_int_equal(db_station_list(f->db, note_station, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(db_group_set(f->db, "G1", "S", 50, members, 2, &e), 0);
	assert_int_equal(db_group_set(f->db, "G2", "S", 50, members + 1, 1,
				      &e), 0);
	assert_int_equal(db_group_set(f->db, "G3", "S", 50, ghost, 1, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_group_set(f->db, "G4", "NOPE", 50, NULL, 0, &e),
			 ERR_NOT_FOUND);
	l.n = 0;
	assert_int_equal(db_group_list(f->db, note_member, &l, &e), 0);
	assert_int_equal(l.n, 2); /* P2 moved to G2 */
	assert_string_equal(l.v[0], "G1:P1");
	assert_string_equal(l.v[1], "G2:P2");
}

static int note_rule(int64_t id, const char *body, void *ctx)
{
	(void)id;
	assert_string_equal(body, "{\"b\":2}");
	return count_any(ctx);
}

static int count_alert(const struct db_alert *a, void *ctx)
{
	(void)a;
	return count_any(ctx);
}

/* An alert records the camera snapshot taken when it opened, once known. */
static void alerts_carry_a_camera_snapshot(void **state)
{
	struct test_store *f = *state;
	struct db_alert a = { .rule_id = 1, .subject = "ws-1", .plot = "P1",
			      .severity = "warning", .message = "wind",
			      .value = 20, .opened_ms = 5 }, got;
	int64_t id;
	struct err e;

	assert_int_equal(db_alert_open(f->db, &a, &id, &e), 0);
	assert_int_equal(db_alert_get(f->db, id, &got, &e), 0);
	assert_int_equal(got.snapshot_id, 0);
	assert_string_equal(got.snapshot_camera, "");
	assert_int_equal(db_alert_set_snapshot(f->db, id, "cam-1", 42, &e), 0);
	assert_int_equal(db_alert_get(f->db, id, &got, &e), 0);
	assert_int_equal(got.snapshot_id, 42);
	assert_string_equal(got.snapshot_camera, "cam-1");
	assert_int_equal(db_alert_set_snapshot(f->db, id + 100, "cam-1", 43,
					       &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "alert"));
}

static void alerts_open_once_and_compare_and_set(void **state)
{
	struct test_store *f = *state;
	struct db_alert a = { .rule_id = 1, .subject = "ws-1", .plot = "P1",
			      .severity = "warning", .message = "hot",
			      .detail = "{\"code\":\"heat\",\"params\":{}}",
			      .value = NAN, .opened_ms = 1796668375679 }, got;
	struct db_alert_filter active = { .state = "active" };
	struct db_alert_filter window = { .from = 1796668375000,
					  .to = 1796668376000, .rule_id = 1 };
	int64_t rid, id, n64;
	struct err e;
	int n = 0;

	assert_int_equal(db_alert_rule_save(f->db, 0, "{\"b\":1}", 1, &rid, &e),
			 0);
	assert_int_equal(db_alert_rule_save(f->db, rid, "{\"b\":2}", 2, NULL,
					    &e), 0);
	assert_int_equal(db_alert_rule_save(f->db, rid + 5, "{}", 2, NULL, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_alert_rule_list(f->db, note_rule, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(db_alert_open(f->db, &a, &id, &e), 0);
	assert_int_equal(db_alert_open(f->db, &a, &id, &e), ERR_EXISTS);
	assert_int_equal(db_alert_get(f->db, id, &got, &e), 0);
	assert_true(isnan(got.value));
	assert_string_equal(got.detail, "{\"code\":\"heat\",\"params\":{}}");
	assert_false(got.escalated);
	got.escalated = true;
	strcpy(got.severity, "critical");
	got.notified_ms = 10;
	assert_int_equal(db_alert_update(f->db, &got, "open", &e), 0);
	strcpy(got.state, "closed");
	got.notified_ms = 5;    /* only moves forward */
	got.escalated = false;
	assert_int_equal(db_alert_update(f->db, &got, "open acknowledged", &e),
			 0);
	assert_int_equal(db_alert_update(f->db, &got, "open", &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_alert_get(f->db, id, &got, &e), 0);
	assert_string_equal(got.state, "closed");
	assert_string_equal(got.severity, "critical");
	assert_int_equal(got.notified_ms, 10);
	assert_true(got.escalated);
	n = 0;
	assert_int_equal(db_alert_list(f->db, &active, count_alert, &n, &e), 0);
	assert_int_equal(n, 0);
	/* closed, the same rule and subject may open again */
	assert_int_equal(db_alert_open(f->db, &a, &id, &e), 0);
	n = 0;
	assert_int_equal(db_alert_list(f->db, &window, count_alert, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(db_alert_dead_letter(f->db, id, "http://x", "{}", 3,
					      "refused", 7, &e), 0);
	assert_int_equal(db_alert_dead_letter_count(f->db, &n64, &e), 0);
	assert_int_equal(n64, 1);
	assert_int_equal(db_alert_rule_delete(f->db, rid, &e), 0);
	assert_int_equal(db_alert_rule_delete(f->db, rid, &e), ERR_NOT_FOUND);
}

static int note_equipment(const struct db_equipment *q, void *ctx)
{
	struct names *l = ctx;

	strcpy(l->v[l->n++], q->device);
	return 0;
}

static int note_snapshot(const struct db_snapshot *s, void *ctx)
{
	struct names *l = ctx;

	assert_null(s->jpeg);
	snprintf(l->v[l->n++], sizeof(l->v[0]), "%zu", s->len);
	return 0;
}

static void fleet_equipment_and_snapshots(void **state)
{
	struct test_store *f = *state;
	struct db_device cam = { .id = "cam-1", .kind = "camera", .lon = NAN,
				 .lat = NAN };
	struct db_equipment q = { .device = "cam-1", .swath_m = NAN,
				  .stream_url = "rtsp://x", .updated_ms = 1 },
		got;
	unsigned char jpeg[3] = { 0xff, 0x00, 0xd8 };
	struct db_snapshot s = { .device = "cam-1", .taken_ms = 5, .width = 2,
				 .height = 1, .len = 3, .jpeg = jpeg }, sg;
	struct names l = { 0 };
	int64_t id1, id2, id3;
	struct err e;

	assert_int_equal(db_equipment_set(f->db, &q, &e), ERR_NOT_FOUND);
	assert_int_equal(db_device_create(f->db, &cam, &e), 0);
	assert_int_equal(db_equipment_set(f->db, &q, &e), 0);
	assert_int_equal(db_equipment_get(f->db, "cam-1", &got, &e), 0);
	assert_string_equal(got.stream_url, "rtsp://x");
	assert_true(isnan(got.swath_m));
	assert_int_equal(db_equipment_get(f->db, "x", &got, &e), ERR_NOT_FOUND);
	assert_int_equal(db_equipment_list(f->db, note_equipment, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(db_snapshot_add(f->db, &s, 2, &id1, &e), 0);
	assert_int_equal(db_snapshot_add(f->db, &s, 2, &id2, &e), 0);
	assert_int_equal(db_snapshot_add(f->db, &s, 2, &id3, &e), 0);
	assert_int_equal(db_snapshot_get(f->db, "cam-1", id1, &sg, &e),
			 ERR_NOT_FOUND); /* trimmed: two kept */
	assert_int_equal(db_snapshot_get(f->db, "cam-1", 0, &sg, &e), 0);
	assert_int_equal(sg.id, id3);
	assert_int_equal(sg.len, 3);
	assert_memory_equal(sg.jpeg, jpeg, 3);
	db_snapshot_free(&sg);
	l.n = 0;
	assert_int_equal(db_snapshot_list(f->db, "cam-1", note_snapshot, &l, &e),
			 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "3");
	strcpy(s.device, "ghost");
	assert_int_equal(db_snapshot_add(f->db, &s, 2, &id1, &e), ERR_NOT_FOUND);
}

static int count_scene(const struct db_scene *s, void *ctx)
{
	assert_non_null(s->crs);
	return count_any(ctx);
}

static int count_stat(const struct db_scene_stat *t, void *ctx)
{
	(void)t;
	return count_any(ctx);
}

static int count_point(const struct db_index_point *p, void *ctx)
{
	(void)p;
	return count_any(ctx);
}

static int count_anomaly(const struct db_anomaly *a, void *ctx)
{
	(void)a;
	return count_any(ctx);
}

static void scenes_stats_and_anomalies(void **state)
{
	struct test_store *f = *state;
	struct db_plot p = plot("A", 86);
	struct db_scene got;
	struct db_anomaly an = { .plot = "A", .index = "ndvi", .rule = "drop",
				 .value = 0.2, .reference = 0.6,
				 .threshold = 0.3 };
	struct db_scene s = { .acquired_ms = 9000, .crs = "EPSG:4326",
			      .footprint = "{}", .cloud_share = NAN,
			      .width = 1, .height = 1, .created_ms = 1 };
	struct db_scene_stat st = { .plot = "Z", .index = "ndvi", .count = 1 };
	int64_t a1, a2, id;
	struct err e;
	int n = 0;

	assert_int_equal(db_plots_upsert(f->db, &p, 1, NULL, NULL, &e), 0);
	a1 = add_scene(f->db, "satellite", 1000, "A", 0.5);
	a2 = add_scene(f->db, "satellite", 3000, "A", 0.7);
	assert_int_equal(db_scene_get(f->db, a1, &got, &e), 0);
	assert_int_equal(got.acquired_ms, 1000);
	assert_true(isnan(got.cloud_share));
	db_scene_free(&got);
	assert_int_equal(db_scene_get(f->db, a2 + 9, &got, &e), ERR_NOT_FOUND);
	assert_int_equal(db_scene_newest(f->db, "satellite", 3000, &got, &e), 0);
	assert_int_equal(got.id, a1);
	db_scene_free(&got);
	assert_int_equal(db_scene_newest(f->db, "drone", 9000, &got, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_scene_list(f->db, 0, 5000, count_scene, &n, &e), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(db_scene_stats(f->db, a2, "ndvi", count_stat, &n, &e),
			 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(db_index_series(f->db, "A", "ndvi", 0, 5000,
					 count_point, &n, &e), 0);
	assert_int_equal(n, 2);
	/* a scene naming an unknown plot stores nothing */
	strcpy(s.source, "s2");
	strcpy(s.kind, "satellite");
	strcpy(s.file, "f.tif");
	strcpy(s.indices, "ndvi");
	assert_int_equal(db_scene_add(f->db, &s, &st, 1, NULL, 0, &id, &e),
			 ERR_NOT_FOUND);
	n = 0;
	assert_int_equal(db_scene_list(f->db, 0, 10000, count_scene, &n, &e), 0);
	assert_int_equal(n, 2);
	strcpy(st.plot, "A");
	assert_int_equal(db_scene_add(f->db, &s, &st, 1, &an, 1, &id, &e), 0);
	n = 0;
	assert_int_equal(db_anomaly_list(f->db, id, NULL, count_anomaly, &n,
					 &e), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(db_anomaly_list(f->db, 0, "A", count_anomaly, &n, &e),
			 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(db_anomaly_list(f->db, 0, NULL, count_anomaly, &n, &e),
			 0);
	assert_int_equal(n, 1);
}

static void the_pool_is_configured(void **state)
{
	struct test_store *f = *state;
	struct db_pool_stats st;
	struct err e;

	assert_int_equal(db_pool_config(f->db, 0, 0, &e), ERR_INVALID);
	assert_int_equal(db_pool_config(f->db, 3, 500, &e), 0);
	db_pool_stats(f->db, &st);
	assert_int_equal(st.connections, 3);
	assert_true(st.open >= 1);
	assert_int_equal(st.timeouts, 0);
}

/*
 * A PostgreSQL connection lent out 1,000 times is closed and its successor
 * opened (a server process grows slower with use: docs/POSTGRES.md);
 * SQLite's stay.  Either way every call is answered.
 */
static void connections_are_renewed_after_many_uses(void **state)
{
	struct test_store *f = *state;
	struct db_pool_stats before, after;
	struct err e;
	int64_t v;

	db_pool_stats(f->db, &before);
	assert_true(before.opened >= 1);
	assert_int_equal(db_state_set(f->db, "test.uses", 7, &e), 0);
	for (int i = 0; i < 2500; i++) {
		assert_int_equal(db_state_get(f->db, "test.uses", &v, &e), 0);
		assert_int_equal(v, 7);
	}
	db_pool_stats(f->db, &after);
	if (f->pg)
		assert_true(after.opened >= before.opened + 2);
	else
		assert_int_equal(after.opened, before.opened);
	assert_int_equal(after.timeouts, 0);
}

/* The dispatch: an operation a backend lacks is named, not crashed on. */
static void a_missing_operation_is_named(void **state)
{
	static const struct db_backend none = { .name = "Nothing" };
	struct db fake = { .ops = &none };
	struct err e;
	int64_t n;

	(void)state;
	assert_int_equal(db_user_count(&fake, &n, &e), ERR_UNSUPPORTED);
	assert_string_equal(e.msg, "db_user_count: not yet on Nothing");
}

static void urls_are_shown_without_passwords(void **state)
{
	static const char *const cases[][2] = {
		{ "var/store", "var/store" },
		{ "postgresql://ada@db:5432/oasis", "postgresql://ada@db:5432/oasis" },
		{ "postgresql://ada:s3cret@db/oasis", "postgresql://ada:***@db/oasis" },
		{ "postgres://ada:s3cret@db/oasis?sslmode=require",
		  "postgres://ada:***@db/oasis?sslmode=require" },
		{ "postgresql://db/oasis?password=s3cret&sslmode=verify-full",
		  "postgresql://db/oasis?password=***&sslmode=verify-full" },
		{ "postgresql://db/oasis?options=a@b", "postgresql://db/oasis?options=a@b" },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		db_where_shown(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	assert_true(db_is_postgres_url("postgres://x"));
	assert_false(db_is_postgres_url("postgresql:x"));
}

/* PostgreSQL: several nodes opening one new database at once. */
struct opener {
	const char *where;
	int rc, version;
	char msg[ERR_MSG_MAX];
};

static void *open_one(void *arg)
{
	struct opener *o = arg;
	struct db *db;
	struct err e = { 0 };

	o->rc = db_open(o->where, true, &db, &e);
	if (!o->rc) {
		o->rc = db_schema_version(db, &o->version, &e);
		db_close(db);
	}
	snprintf(o->msg, sizeof(o->msg), "%s", e.msg);
	return NULL;
}

static void concurrent_opens_migrate_once(void **state)
{
	struct test_store *f = *state;
	struct opener o[4];
	pthread_t t[4];
	struct err e;
	int v;

	assert_int_equal(db_schema_version(f->db, &v, &e), 0);
	for (int i = 0; i < 4; i++) {
		o[i] = (struct opener){ .where = f->empty };
		assert_int_equal(pthread_create(&t[i], NULL, open_one, &o[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (o[i].rc)
			fail_msg("opener %d: %s", i, o[i].msg);
		assert_int_equal(o[i].version, v);
	}
}

static int note_file(const struct db_file *f, void *ctx)
{
	char *names = ctx;

	assert_null(f->data);
	assert_int_equal(strlen(f->sha256), 64);
	strcat(names, f->name);
	strcat(names, " ");
	return 0;
}

/* The blob store: put, replace, get whole, list by prefix, delete. */
static void files_put_get_list_delete(void **state)
{
	struct test_store *f = *state;
	size_t big_len = 3u << 20;
	unsigned char *big = malloc(big_len);
	struct db_file got;
	char names[256] = "";
	struct err e;

	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 11));
	assert_int_equal(db_file_put(f->db, "imagery/s-1/ndvi.tif", "old", 3,
				     5, &e), 0);
	assert_int_equal(db_file_put(f->db, "imagery/s-1/ndvi.tif", big,
				     big_len, 6, &e), 0);
	assert_int_equal(db_file_put(f->db, "imagery/s-2/ndvi.tif", "\0b", 2,
				     7, &e), 0);
	assert_int_equal(db_file_put(f->db, "other/empty", NULL, 0, 8, &e), 0);
	assert_int_equal(db_file_get(f->db, "imagery/s-1/ndvi.tif", &got, &e),
			 0);
	assert_int_equal(got.size, (int64_t)big_len);
	assert_int_equal(got.created_ms, 6);
	assert_memory_equal(got.data, big, big_len);
	db_file_free(&got);
	assert_int_equal(db_file_get(f->db, "imagery/s-2/ndvi.tif", &got, &e),
			 0);
	assert_int_equal(got.size, 2);
	assert_memory_equal(got.data, "\0b", 2);
	/* sha256("\0b") */
	assert_string_equal(got.sha256, "57eb35615d47f34ec714cacdf5fd7460"
			    "8a5e8e102724e80b24b287c0c27b6a31");
	db_file_free(&got);
	assert_int_equal(db_file_get(f->db, "other/empty", &got, &e), 0);
	assert_int_equal(got.size, 0);
	db_file_free(&got);
	assert_int_equal(db_file_list(f->db, "imagery/", note_file, names,
				      &e), 0);
	assert_string_equal(names, "imagery/s-1/ndvi.tif imagery/s-2/ndvi.tif ");
	names[0] = '\0';
	assert_int_equal(db_file_list(f->db, "", note_file, names, &e), 0);
	assert_string_equal(names, "imagery/s-1/ndvi.tif imagery/s-2/ndvi.tif "
			    "other/empty ");
	assert_int_equal(db_file_delete(f->db, "imagery/s-1/ndvi.tif", &e), 0);
	assert_int_equal(db_file_delete(f->db, "imagery/s-1/ndvi.tif", &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_file_get(f->db, "imagery/s-1/ndvi.tif", &got, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_file_put(f->db, "../x", "a", 1, 1, &e),
			 ERR_INVALID);
	assert_int_equal(db_file_put(f->db, "", "a", 1, 1, &e), ERR_INVALID);
	free(big);
}

/* Copy every table of src into dst, batch by batch (oasis migrate's loop). */
static void copy_store(struct db *src, struct db *dst)
{
	struct db_rows rows;
	int64_t pos, n_src, n_dst;
	size_t got;
	struct err e;

	/* as oasis migrate does: the rows a new store starts with (the
	 * default site) make way for the source's own */
	assert_int_equal(db_rows_clear(dst, &e), 0);
	for (const struct db_table *t = db_tables; t->name; t++) {
		pos = 0;
		do {
			/* small batches: the paging is tested too */
			if (db_rows_read(src, t->name, &pos, 2, 1 << 20, &rows,
					 &e))
				fail_msg("%s: %s", t->name, e.msg);
			if (db_rows_write(dst, t->name, &rows, &e))
				fail_msg("%s: %s", t->name, e.msg);
			got = rows.n_rows;
			db_rows_free(&rows);
		} while (got);
		assert_int_equal(db_rows_count(src, t->name, &n_src, &e), 0);
		assert_int_equal(db_rows_count(dst, t->name, &n_dst, &e), 0);
		if (n_src != n_dst)
			fail_msg("%s: %lld rows copied of %lld", t->name,
				 (long long)n_dst, (long long)n_src);
	}
	assert_int_equal(db_rows_finish(dst, &e), 0);
}

/*
 * A store copied table by table into this one keeps its rows and ids; the
 * ids and chunk seqs made afterwards go on past them; clearing empties it.
 */
static void a_store_copies_table_by_table(void **state)
{
	struct test_store *f = *state;
	char dir[64] = "/tmp/oasis-test-copy-XXXXXX", cmd[96];
	struct db *src;
	struct db_plot p = plot("P1", 86), gp;
	struct db_plot_filter box = { .has_bbox = true,
				      .bbox = { 85.9, 43.9, 86.1, 44.1 } };
	struct db_device d = { .id = "ws-1", .kind = "weather_station",
			       .plot = "P1", .lon = NAN, .lat = NAN,
			       .created_ms = 1 };
	struct db_user u = { .name = "ann", .role = "admin",
			     .password_hash = "$argon2id$x", .created_ms = 1 };
	/* 2001: a month whose chunk partition nobody made ahead */
	struct db_chunk k = { .ts_min = 978307200000, .ts_max = 978307260000,
			      .data = "codec", .len = 5 };
	struct db_chunk_write w = { .add = &k, .n_add = 1,
				    .state_key = "ts.wal_checkpoint",
				    .state_value = 3 };
	struct db_alert a = { .rule_id = 1, .subject = "ws-1", .plot = "P1",
			      .severity = "warning", .message = "hot",
			      .value = 1.5, .opened_ms = 5 }, ga;
	struct db_file gf;
	struct seen_chunks seen = { 0 };
	int64_t uid, sid, aid, id, n, state_v;
	int listed = 0;
	struct err e;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(db_open(dir, true, &src, &e), 0);
	assert_int_equal(db_user_create(src, &u, &uid, &e), 0);
	assert_int_equal(db_plots_upsert(src, &p, 1, NULL, NULL, &e), 0);
	assert_int_equal(db_device_create(src, &d, &e), 0);
	assert_int_equal(db_series_ensure(src, "ws-1", "rh", &sid, &e), 0);
	assert_int_equal(db_series_ensure(src, "ws-1", "air_temp", &sid, &e), 0);
	k.series = -sid;        /* a rollup chunk: chunks_rollup on PostgreSQL */
	assert_int_equal(db_chunks_write(src, &w, &e), 0);
	k.series = sid;
	assert_int_equal(db_chunks_write(src, &w, &e), 0);
	assert_int_equal(db_alert_open(src, &a, &aid, &e), 0);
	assert_int_equal(db_alert_get(src, aid, &ga, &e), 0);
	ga.escalated = true;
	assert_int_equal(db_alert_update(src, &ga, "open", &e), 0);
	assert_int_equal(db_file_put(src, "imagery/s/ndvi.tif", "\0\1\2", 3, 9,
				     &e), 0);

	copy_store(src, f->db);

	assert_int_equal(db_user_get(f->db, "ann", &u, &e), 0);
	assert_int_equal(u.id, uid);
	assert_int_equal(db_plot_get(f->db, "P1", &gp, &e), 0);
	assert_string_equal(gp.geometry, p.geometry);
	assert_true(isnan(gp.field_capacity));
	db_plot_free(&gp);
	assert_int_equal(db_plot_list(f->db, &box, count_plot, &listed, &e), 0);
	assert_int_equal(listed, 1);
	assert_int_equal(db_series_ensure(f->db, "ws-1", "air_temp", &id, &e),
			 0);
	assert_int_equal(id, sid);
	assert_int_equal(db_chunks_read(f->db, sid, 978307200000,
					978307200000, collect_chunk, &seen,
					&e), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.bytes, 5);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(db_chunks_read(f->db, -sid, 978307200000,
					978307200000, collect_chunk, &seen,
					&e), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(db_state_get(f->db, "ts.wal_checkpoint", &state_v, &e),
			 0);
	assert_int_equal(state_v, 3);
	assert_int_equal(db_alert_get(f->db, aid, &ga, &e), 0);
	assert_true(ga.escalated);
	assert_true(ga.value == 1.5);
	assert_int_equal(db_file_get(f->db, "imagery/s/ndvi.tif", &gf, &e), 0);
	assert_int_equal(gf.size, 3);
	assert_memory_equal(gf.data, "\0\1\2", 3);
	db_file_free(&gf);
	/* a batch that fails is refused whole; the store goes on */
	{
		struct db_rows again;
		int64_t pos = 0;

		assert_int_equal(db_rows_read(src, "metrics", &pos, 10, 1 << 20,
					      &again, &e), 0);
		assert_int_equal(again.n_rows, 2);
		/* a new metric, then one there already: the second fails */
		again.v[0].i += 1000;
		free(again.v[1].p);
		again.v[1].p = strdup("new_metric");
		again.v[1].len = strlen("new_metric");
		assert_int_equal(db_rows_write(f->db, "metrics", &again, &e),
				 ERR_EXISTS);
		db_rows_free(&again);
		assert_int_equal(db_rows_count(f->db, "metrics", &n, &e), 0);
		assert_int_equal(n, 2);
	}
	/* what comes next gets new ids and a later seq */
	strcpy(u.name, "bob");
	assert_int_equal(db_user_create(f->db, &u, &id, &e), 0);
	assert_true(id > uid);
	assert_int_equal(db_series_ensure(f->db, "ws-1", "wind", &id, &e), 0);
	assert_true(id > sid);
	strcpy(a.subject, "ws-2");
	assert_int_equal(db_alert_open(f->db, &a, &id, &e), 0);
	assert_true(id > aid);
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(db_chunks_read(f->db, sid, 978307200000,
					978307200000, collect_chunk, &seen,
					&e), 0);
	assert_int_equal(seen.n, 2);
	assert_true(seen.refs[1].seq > seen.refs[0].seq);
	/* an unknown table is refused; clearing empties every table */
	assert_int_equal(db_rows_count(f->db, "sqlite_master", &n, &e),
			 ERR_INVALID);
	assert_int_equal(db_rows_clear(f->db, &e), 0);
	for (const struct db_table *t = db_tables; t->name; t++) {
		assert_int_equal(db_rows_count(f->db, t->name, &n, &e), 0);
		assert_int_equal(n, 0);
	}
	db_close(src);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Leases (cluster/): one holder at a time, the epoch growing only when the
 * lease changes hands; on SQLite every lease is held, epoch 1.  Latest
 * values of chosen series.
 */
struct lease_names {
	size_t n;
	char names[4][32];
};

static int take_lease_name(const char *name, void *ctx)
{
	struct lease_names *l = ctx;

	if (l->n < 4)
		snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", name);
	return 0;
}

static void leases_have_one_holder_and_a_fencing_epoch(void **state)
{
	struct test_store *f = *state;
	struct lease_names expired = { 0 };
	struct db_latest in = { 7, 100, 2.5 }, out[3];
	struct db_chunk_write w = { .latest = &in, .n_latest = 1 };
	int64_t series[3] = { 7, 8, 7 }, epoch = 0, epoch2 = 0;
	bool held = false;
	struct err e;

	assert_int_equal(db_lease_acquire(f->db, "d", "n1", 60000, &held,
					  &epoch, &e), 0);
	assert_true(held);
	assert_int_equal(epoch, 1);
	assert_int_equal(db_lease_acquire(f->db, "d", "n2", 60000, &held,
					  &epoch2, &e), 0);
	if (!f->pg) {
		assert_true(held);   /* one node: always its own */
	} else {
		assert_false(held);
		/* renewing keeps the epoch */
		assert_int_equal(db_lease_acquire(f->db, "d", "n1", 60000, &held,
						  &epoch, &e), 0);
		assert_true(held);
		assert_int_equal(epoch, 1);
		/* given back: the next holder gets a new epoch */
		assert_int_equal(db_lease_release(f->db, "d", "n1", false, &e), 0);
		assert_int_equal(db_lease_acquire(f->db, "d", "n2", 60000, &held,
						  &epoch2, &e), 0);
		assert_true(held);
		assert_int_equal(epoch2, 2);
		assert_int_equal(db_lease_acquire(f->db, "d", "n1", 60000, &held,
						  &epoch, &e), 0);
		assert_false(held);
		/* expired: taken over */
		assert_int_equal(db_lease_acquire(f->db, "x", "n1", 1, &held,
						  &epoch, &e), 0);
		assert_true(held);
		usleep(20000);
		assert_int_equal(db_lease_acquire(f->db, "x", "n2", 60000, &held,
						  &epoch2, &e), 0);
		assert_true(held);
		assert_int_equal(epoch2, epoch + 1);
		/* forgotten: starts again at 1 */
		assert_int_equal(db_lease_release(f->db, "x", "n2", true, &e), 0);
		assert_int_equal(db_lease_acquire(f->db, "x", "n1", 60000, &held,
						  &epoch, &e), 0);
		assert_int_equal(epoch, 1);
	}
	/* the expired ones of a prefix (a dead node's): none on SQLite */
	assert_int_equal(db_lease_acquire(f->db, "node/b", "b", 1, &held,
					  &epoch, &e), 0);
	assert_int_equal(db_lease_acquire(f->db, "node/a", "a", 60000, &held,
					  &epoch, &e), 0);
	assert_int_equal(db_lease_acquire(f->db, "nodes", "c", 1, &held,
					  &epoch, &e), 0);
	usleep(20000);
	assert_int_equal(db_lease_expired(f->db, "node/", take_lease_name,
					  &expired, &e), 0);
	if (f->pg) {
		assert_int_equal(expired.n, 1);
		assert_string_equal(expired.names[0], "node/b");
	} else {
		assert_int_equal(expired.n, 0);
	}
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_latest_get(f->db, series, 3, out, &e), 0);
	assert_int_equal(out[2].ts, 100);   /* asked twice, answered twice */
	assert_int_equal(out[0].series, 7);
	assert_int_equal(out[0].ts, 100);
	assert_float_equal(out[0].value, 2.5, 0);
	assert_int_equal(out[1].series, 8);
	assert_true(out[1].ts == INT64_MIN);
}

struct notifier {
	struct db *db;
	int rc;
};

static void *notify_main(void *arg)
{
	struct notifier *n = arg;
	struct err e;

	usleep(100000);
	n->rc = db_notify(n->db, "oasis_test", "hello", &e);
	return NULL;
}

static int take_note(const char *payload, void *ctx)
{
	snprintf(ctx, 16, "%s", payload);
	return 0;
}

/* A notification from one connection reaches a listener (PostgreSQL). */
static void notifications_reach_listeners(void **state)
{
	struct test_store *f = *state;
	struct notifier n = { f->db, -1 };
	struct db_listener *l;
	char got[16] = "";
	pthread_t t;
	struct err e;

	assert_int_equal(db_listen(f->db, "bad name;", &l, &e), ERR_INVALID);
	assert_int_equal(db_listen(f->db, "oasis_test", &l, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, notify_main, &n), 0);
	for (int i = 0; i < 50 && !got[0]; i++)
		assert_int_equal(db_listener_wait(l, 100, take_note, got, &e), 0);
	pthread_join(t, NULL);
	db_listener_close(l);
	assert_int_equal(n.rc, 0);
	assert_string_equal(got, "hello");
}

#define TESTS(T) { \
	T(migrates_and_reopens), \
	T(users_are_unique), \
	T(tokens_expire_and_revoke), \
	T(tokens_of_role_metrics), \
	T(users_disable_and_delete), \
	T(deleted_devices_keep_their_series), \
	T(roles_and_devices_are_edited), \
	T(the_audit_log_pages_newest_first), \
	T(custom_metrics_are_registered), \
	T(plot_upsert_is_all_or_nothing), \
	T(devices_and_series), \
	T(chunks_replace_keeps_the_newest_seq), \
	T(latest_pass_in_a_window), \
	T(users_sessions_and_counts), \
	T(listings_filter_and_order), \
	T(latest_only_moves_forward), \
	T(retention_commands_and_rotation), \
	T(alerts_open_once_and_compare_and_set), \
	T(alerts_carry_a_camera_snapshot), \
	T(fleet_equipment_and_snapshots), \
	T(scenes_stats_and_anomalies), \
	T(the_pool_is_configured), \
	T(connections_are_renewed_after_many_uses), \
	T(files_put_get_list_delete), \
	T(a_store_copies_table_by_table), \
	T(leases_have_one_holder_and_a_fencing_epoch), \
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = TESTS(BOTH);
	const struct CMUnitTest pg_tests[] = TESTS(BOTH_PG);
	/* SQLite's store has one process (the engine's lock): PostgreSQL's only */
	const struct CMUnitTest pg_only[] = {
		BOTH_PG(concurrent_opens_migrate_once),
		BOTH_PG(notifications_reach_listeners),
	};

	const struct CMUnitTest common[] = {
		cmocka_unit_test(a_missing_operation_is_named),
		cmocka_unit_test(urls_are_shown_without_passwords),
	};
	int failed;

	failed = cmocka_run_group_tests_name("dispatch", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("SQLite", sqlite_tests, NULL, NULL);
	if (!test_store_pg_wanted()) {
		printf("# PostgreSQL: OASIS_TEST_PG is not set (make test sets "
		       "it), so only SQLite was tested\n");
		return failed;
	}
	failed += cmocka_run_group_tests_name("PostgreSQL", pg_tests, NULL,
					      NULL);
	return failed + cmocka_run_group_tests_name("PostgreSQL only", pg_only,
						      NULL, NULL);
}
