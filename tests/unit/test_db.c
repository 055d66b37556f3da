/*
 * db/ with the SQLite backend: migrations, users, tokens, sessions, plots,
 * devices, series, chunks, a plot's latest imagery pass in a window, and
 * that a failed write leaves nothing behind.
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
#include <unistd.h>

#include "db/db.h"

struct fixture {
	char dir[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;

	strcpy(f->dir, "/tmp/oasis-test-db-XXXXXX");
	if (!mkdtemp(f->dir) || db_open(f->dir, true, &f->db, &e))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void migrates_and_reopens(void **state)
{
	struct fixture *f = *state;
	struct db *again;
	struct err e;
	int v1, v2;

	assert_int_equal(db_schema_version(f->db, &v1, &e), 0);
	assert_true(v1 >= 2);
	assert_int_equal(db_open(f->dir, false, &again, &e), 0);
	assert_int_equal(db_schema_version(again, &v2, &e), 0);
	assert_int_equal(v1, v2);
	db_close(again);
	assert_int_equal(db_open("/tmp/oasis-no-such-store", false, &again, &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "oasis init"));
}

static void users_are_unique(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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

static struct db_plot plot(const char *code, double lon)
{
	struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN };

	snprintf(p.code, sizeof(p.code), "%s", code);
	strcpy(p.crop, "cotton");
	p.geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
	p.bbox[0] = lon;
	p.bbox[1] = 44;
	p.bbox[2] = lon + 0.01;
	p.bbox[3] = 44.01;
	p.area_m2 = 1000;
	return p;
}

static int count_plot(const struct db_plot *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
	return 0;
}

static void plot_upsert_is_all_or_nothing(void **state)
{
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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
	struct fixture *f = *state;
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

struct seen {
	int n;
	struct db_chunk_ref refs[8];
	size_t bytes;
};

static int collect_chunk(const struct db_chunk *k, void *ctx)
{
	struct seen *s = ctx;

	s->refs[s->n++] = (struct db_chunk_ref){ k->series, k->ts_min, k->seq };
	s->bytes += k->len;
	return 0;
}

static void chunks_replace_keeps_the_newest_seq(void **state)
{
	struct fixture *f = *state;
	struct db_chunk k[3] = {
		{ .series = 1, .ts_min = 0, .ts_max = 10, .data = "aa", .len = 2 },
		{ .series = 1, .ts_min = 5, .ts_max = 20, .data = "bb", .len = 2 },
		{ .series = 1, .ts_min = 0, .ts_max = 20, .data = "merged", .len = 6 },
	};
	struct db_latest latest = { .series = 1, .ts = 20, .value = 3 };
	struct db_chunk_write w = { .add = k, .n_add = 2, .latest = &latest,
				    .n_latest = 1, .state_key = "wal", .state_value = 7 };
	struct seen s = { 0 };
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
	assert_int_equal(db_state_get(f->db, "wal", &v, &e), 0);
	assert_int_equal(v, 7);
	assert_int_equal(db_state_get(f->db, "never", &v, &e), 0);
	assert_int_equal(v, 0);
}

static int64_t add_scene(struct db *db, const char *kind, int64_t at_ms,
			 const char *plot, double mean)
{
	struct db_scene s = { .acquired_ms = at_ms, .crs = "EPSG:4326",
			      .footprint = "{}", .cloud_share = NAN,
			      .width = 1, .height = 1, .created_ms = 1 };
	struct db_scene_stat st = { .count = 1, .valid_fraction = 1,
				    .mean = mean, .std = 0, .min = mean,
				    .max = mean, .median = mean, .p10 = mean,
				    .p90 = mean };
	int64_t id = 0;
	struct err e;

	strcpy(s.source, kind);
	strcpy(s.kind, kind);
	strcpy(s.file, "f.tif");
	strcpy(s.indices, "ndvi");
	strcpy(st.plot, plot);
	strcpy(st.index, "ndvi");
	assert_int_equal(db_scene_add(db, &s, &st, 1, NULL, 0, &id, &e), 0);
	return id;
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
	struct fixture *f = *state;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrates_and_reopens, setup, teardown),
		cmocka_unit_test_setup_teardown(users_are_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(tokens_expire_and_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(users_disable_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(deleted_devices_keep_their_series,
						setup, teardown),
		cmocka_unit_test_setup_teardown(plot_upsert_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(devices_and_series, setup, teardown),
		cmocka_unit_test_setup_teardown(chunks_replace_keeps_the_newest_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(latest_pass_in_a_window, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
