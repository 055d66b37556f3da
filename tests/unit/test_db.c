/*
 * db/ on each backend: migrations, users, tokens, sessions, plots,
 * devices, series, chunks, a plot's latest imagery pass in a window, and
 * that a failed write leaves nothing behind.  Every test runs on SQLite,
 * then on PostgreSQL when OASIS_TEST_PG names a server (make test starts
 * one: tests/pg.sh); each test there gets a database of its own.  A test
 * of an operation not yet on PostgreSQL is skipped there, saying which.
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
	bool pg;
	char dir[64];           /* SQLite: the store's folder */
	char where[512];        /* what db_open gets: dir or a URL */
	char empty[512];        /* PostgreSQL: an empty database's URL */
	char names[2][64];      /* PostgreSQL: the databases made */
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;

	strcpy(f->dir, "/tmp/oasis-test-db-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	strcpy(f->where, f->dir);
	if (db_open(f->where, true, &f->db, &e)) {
		fprintf(stderr, "# %s\n", e.msg);
		return -1;
	}
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

/* Run one SQL command on the test server's database (psql). */
static int pg_admin(const char *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "psql -q -v ON_ERROR_STOP=1 -d '%s' -c '%s'"
		 " >/dev/null", getenv("OASIS_TEST_PG"), sql);
	return system(cmd) == 0 ? 0 : -1;
}

/* The URL of database name on the test server. */
static void pg_url(const char *name, char *out, size_t size)
{
	const char *base = getenv("OASIS_TEST_PG");
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host = slash ? (int)(slash - base) : (int)strlen(base);

	snprintf(out, size, "%.*s/%s", host, base, name);
}

static int setup_pg(void **state)
{
	static int counter;
	struct fixture *f = calloc(1, sizeof(*f));
	char sql[128];
	struct err e;

	f->pg = true;
	for (int i = 0; i < 2; i++) {
		snprintf(f->names[i], sizeof(f->names[i]), "oasis_t%d_%d_%d",
			 (int)getpid(), counter, i);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->names[i]);
		if (pg_admin(sql))
			return -1;
	}
	counter++;
	pg_url(f->names[0], f->where, sizeof(f->where));
	pg_url(f->names[1], f->empty, sizeof(f->empty));
	if (db_open(f->where, true, &f->db, &e)) {
		fprintf(stderr, "# %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown_pg(void **state)
{
	struct fixture *f = *state;
	char sql[128];
	int rc = 0;

	db_close(f->db);
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)",
			 f->names[i]);
		rc |= pg_admin(sql);
	}
	free(f);
	return rc;
}

/* Skip a test on a backend that lacks what it needs, saying so. */
#define NOT_YET_ON_PG(f, ops) do { \
	if ((f)->pg) { \
		print_message("# skipped on PostgreSQL: %s not yet there " \
			      "(docs/POSTGRES.md)\n", ops); \
		skip(); \
	} \
} while (0)

static void migrates_and_reopens(void **state)
{
	struct fixture *f = *state;
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
	/* a real square matching the bbox: PostGIS indexes the geometry */
	static char shapes[8][256];
	static int next;
	char *g = shapes[next++ % 8];
	struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN };

	snprintf(g, sizeof(shapes[0]), "{\"type\":\"Polygon\",\"coordinates\":"
		 "[[[%g,44],[%g,44],[%g,44.01],[%g,44.01],[%g,44]]]}",
		 lon, lon + 0.01, lon + 0.01, lon, lon);
	snprintf(p.code, sizeof(p.code), "%s", code);
	strcpy(p.crop, "cotton");
	p.geometry = g;
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

#define BOTH(name) \
	cmocka_unit_test_setup_teardown(name, setup, teardown)
#define BOTH_PG(name) \
	cmocka_unit_test_setup_teardown(name, setup_pg, teardown_pg)
#define TESTS(T) { \
	T(migrates_and_reopens), \
	T(users_are_unique), \
	T(tokens_expire_and_revoke), \
	T(plot_upsert_is_all_or_nothing), \
	T(devices_and_series), \
	T(chunks_replace_keeps_the_newest_seq), \
	T(latest_pass_in_a_window), \
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = TESTS(BOTH);
	const struct CMUnitTest pg_tests[] = TESTS(BOTH_PG);
	int failed;

	failed = cmocka_run_group_tests_name("SQLite", sqlite_tests, NULL, NULL);
	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG")) {
		printf("# PostgreSQL: OASIS_TEST_PG is not set (make test sets "
		       "it), so only SQLite was tested\n");
		return failed;
	}
	return failed + cmocka_run_group_tests_name("PostgreSQL", pg_tests,
						      NULL, NULL);
}
