/*
 * The chunk store on PostgreSQL (src/db/pg_chunks.c): a checkpoint's many
 * chunks sent by COPY into the month partitions and rollups apart, the
 * newest points in one statement (a series named twice keeps its newest),
 * a compaction keeping the replaced seq, a compaction racing a correction
 * (the correction still wins), a failed write leaving nothing,
 * and db_chunks_maintain with an injected clock: partitions made ahead,
 * emptied ones of past months dropped, non-empty and current ones kept.
 * Needs OASIS_TEST_PG (make test starts a server: tests/pg.sh); each test
 * gets a database of its own.  Without it only the SQLite test runs:
 * db_chunks_maintain there does nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/backends.h" /* db__fail_statement */
#include "db/db.h"

#define DAY INT64_C(86400000)
#define JAN_2020 INT64_C(1577836800000)  /* 2020-01-01T00:00:00Z */
#define FEB_2020 INT64_C(1580515200000)
#define MAR_2020 INT64_C(1583020800000)

struct fixture {
	char name[64];
	char url[512];
	struct db *db;
	PGconn *admin;          /* the same database, to look at its catalog */
};

static int admin_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "# %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

static void url_of(const char *name, char *out, size_t size)
{
	const char *base = getenv("OASIS_TEST_PG");
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host = slash ? (int)(slash - base) : (int)strlen(base);

	snprintf(out, size, "%.*s/%s", host, base, name);
}

static int setup(void **state)
{
	static int counter;
	struct fixture *f = calloc(1, sizeof(*f));
	char sql[128];
	struct err e;

	snprintf(f->name, sizeof(f->name), "oasis_tc%d_%d", (int)getpid(),
		 counter++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->name);
	if (admin_exec(getenv("OASIS_TEST_PG"), sql))
		return -1;
	url_of(f->name, f->url, sizeof(f->url));
	if (db_open(f->url, true, &f->db, &e)) {
		fprintf(stderr, "# %s\n", e.msg);
		return -1;
	}
	f->admin = PQconnectdb(f->url);
	if (PQstatus(f->admin) != CONNECTION_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sql[128];
	int rc;

	PQfinish(f->admin);
	db_close(f->db);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", f->name);
	rc = admin_exec(getenv("OASIS_TEST_PG"), sql);
	free(f);
	return rc;
}

/* The one integer a query returns. */
static long long scalar(struct fixture *f, const char *sql)
{
	PGresult *r = PQexec(f->admin, sql);
	long long v;

	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static bool has_table(struct fixture *f, const char *name)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_class WHERE"
		 " relname = '%s'", name);
	return scalar(f, sql) == 1;
}

/* Chunks read back: series, seq, ts_min and the first data byte. */
struct got {
	size_t n;
	struct db_chunk k[64];
	unsigned char first[64];
	size_t len[64];
};

static int take(const struct db_chunk *k, void *ctx)
{
	struct got *g = ctx;

	if (g->n == 64)
		return -1;
	g->k[g->n] = *k;
	g->first[g->n] = k->len ? ((const unsigned char *)k->data)[0] : 0;
	g->len[g->n++] = k->len;
	return 0;
}

static void read_all(struct fixture *f, int64_t series, struct got *g)
{
	struct err e;

	memset(g, 0, sizeof(*g));
	assert_int_equal(db_chunks_read(f->db, series, INT64_MIN / 2,
					INT64_MAX / 2, take, g, &e), 0);
}

struct latest_got {
	size_t n;
	struct db_latest l[64];
};

static int take_latest(const struct db_latest *l, void *ctx)
{
	struct latest_got *g = ctx;

	if (g->n < 64)
		g->l[g->n++] = *l;
	return 0;
}

/* 40 raw chunks in two months and 6 rollup chunks, one write: COPY. */
static void a_checkpoint_goes_by_copy(void **state)
{
	struct fixture *f = *state;
	static unsigned char bytes[46][300];
	struct db_chunk add[46];
	struct db_latest latest[4] = {
		{ 1, JAN_2020 + 5, 1.5 }, { 2, JAN_2020, 7 },
		{ 1, JAN_2020 + 9, 2.5 }, { 1, JAN_2020 + 9, 3.5 },
	};
	struct db_chunk_write w = { .add = add, .n_add = 46, .latest = latest,
				    .n_latest = 4, .state_key = "test.wal",
				    .state_value = 42 };
	struct latest_got lg = { 0 };
	struct got g;
	int64_t v = 0;
	struct err e;

	for (int i = 0; i < 46; i++) {
		memset(bytes[i], i + 1, sizeof(bytes[i]));
		add[i] = (struct db_chunk){
			.series = i < 40 ? 1 + i % 4 : -(1 + i % 3),
			.ts_min = (i % 2 ? FEB_2020 : JAN_2020) + i * DAY / 4,
			.ts_max = (i % 2 ? FEB_2020 : JAN_2020) + i * DAY / 4 + 1000,
			.data = bytes[i], .len = 100 + (size_t)i };
	}
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM chunks_2020_01"), 20);
	assert_int_equal(scalar(f, "SELECT count(*) FROM chunks_2020_02"), 20);
	assert_int_equal(scalar(f, "SELECT count(*) FROM chunks_rollup"), 6);
	assert_int_equal(scalar(f, "SELECT count(DISTINCT seq) FROM (SELECT seq"
				" FROM chunks UNION ALL SELECT seq FROM"
				" chunks_rollup) s"), 46);
	read_all(f, 3, &g);
	assert_int_equal(g.n, 10);
	for (size_t i = 0; i < g.n; i++) {
		int idx = g.first[i] - 1;

		assert_int_equal(g.k[i].series, 3);
		assert_int_equal(g.len[i], 100 + (size_t)idx);
		assert_int_equal(g.k[i].ts_min, add[idx].ts_min);
		assert_int_equal(g.k[i].ts_max, add[idx].ts_max);
		if (i)
			assert_true(g.k[i].ts_min >= g.k[i - 1].ts_min);
	}
	read_all(f, -2, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.k[0].series, -2);
	assert_int_equal(db_latest_list(f->db, take_latest, &lg, &e), 0);
	assert_int_equal(lg.n, 2);
	assert_int_equal(lg.l[0].series, 1);
	assert_int_equal(lg.l[0].ts, JAN_2020 + 9);
	assert_true(lg.l[0].value == 3.5); /* the last given of equal times */
	assert_int_equal(db_state_get(f->db, "test.wal", &v, &e), 0);
	assert_int_equal(v, 42);
	/* an older point changes nothing */
	latest[0] = (struct db_latest){ 1, JAN_2020, 9 };
	w = (struct db_chunk_write){ .latest = latest, .n_latest = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	lg.n = 0;
	assert_int_equal(db_latest_list(f->db, take_latest, &lg, &e), 0);
	assert_true(lg.l[0].value == 3.5);
}

/* A compaction of 5 chunks into 6 (over COPY): the first keeps the seq. */
static void a_compaction_keeps_the_replaced_seq(void **state)
{
	struct fixture *f = *state;
	unsigned char b[8] = { 9 };
	struct db_chunk add[6];
	struct db_chunk_ref refs[5];
	struct db_chunk_write w = { .add = add, .n_add = 5 };
	struct got g;
	int64_t top = 0;
	struct err e;

	for (int i = 0; i < 6; i++)
		add[i] = (struct db_chunk){ .series = 7, .ts_min = JAN_2020 + i,
					    .ts_max = JAN_2020 + i, .data = b,
					    .len = sizeof(b) };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 7, &g);
	assert_int_equal(g.n, 5);
	for (int i = 0; i < 5; i++) {
		refs[i] = (struct db_chunk_ref){ 7, g.k[i].ts_min, g.k[i].seq };
		if (g.k[i].seq > top)
			top = g.k[i].seq;
	}
	w = (struct db_chunk_write){ .add = add, .n_add = 6, .replace = refs,
				     .n_replace = 5 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 7, &g);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.k[0].seq, top);
	for (int i = 1; i < 6; i++)
		assert_true(g.k[i].seq > top);
}

/* A write on a thread of its own. */
struct bg_write {
	struct db *db;
	struct db_chunk_write w;
	pthread_t t;
	int rc;
	struct err e;
};

static void *bg_run(void *arg)
{
	struct bg_write *b = arg;

	b->rc = db_chunks_write(b->db, &b->w, &b->e);
	return NULL;
}

/* The first byte of the chunk that wins at ts (the highest seq over it). */
static unsigned char winner_at(struct fixture *f, int64_t series, int64_t ts)
{
	struct got g;
	int64_t top = -1;
	unsigned char won = 0;

	read_all(f, series, &g);
	for (size_t i = 0; i < g.n; i++)
		if (g.k[i].ts_min <= ts && ts <= g.k[i].ts_max &&
		    g.k[i].seq > top) {
			top = g.k[i].seq;
			won = g.first[i];
		}
	return won;
}

/*
 * The compaction race: a correction C draws its seq, then stalls before
 * committing (its upsert of `latest` waits on a row the test locks); a
 * write W of the same series commits with a higher seq; a merge reads the
 * window (A and W, not C) and replaces them by one chunk with W's seq.
 * Once C commits it must still win at its instant: the merge waits for C
 * (the series' lock) and then refuses (ERR_EXISTS), nothing replaced.
 * Without the lock and the check the merged chunk (seq W > C) wins there.
 */
static void a_merge_racing_a_correction_loses_nothing(void **state)
{
	struct fixture *f = *state;
	struct db_chunk a = { .series = 9, .ts_min = JAN_2020,
			      .ts_max = JAN_2020 + 10, .data = "A", .len = 1 };
	struct db_chunk c = { .series = 9, .ts_min = JAN_2020 + 5,
			      .ts_max = JAN_2020 + 5, .data = "C", .len = 1 };
	struct db_chunk wk = { .series = 9, .ts_min = JAN_2020 + 20,
			       .ts_max = JAN_2020 + 20, .data = "W", .len = 1 };
	struct db_chunk m = { .series = 9, .ts_min = JAN_2020,
			      .ts_max = JAN_2020 + 20, .data = "M", .len = 1 };
	struct db_latest la = { 9, JAN_2020 + 10, 1 }, lc = { 9, JAN_2020 + 30, 2 };
	struct db_chunk_write w = { .add = &a, .n_add = 1, .latest = &la,
				    .n_latest = 1 };
	struct bg_write bc = { .db = f->db }, bm = { .db = f->db };
	struct db_chunk_ref refs[2], more[3];
	PGresult *r;
	struct got g;
	struct err e;
	int waited = 0;

	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	r = PQexec(f->admin, "BEGIN");
	PQclear(r);
	r = PQexec(f->admin, "SELECT * FROM latest WHERE series = 9 FOR UPDATE");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	bc.w = (struct db_chunk_write){ .add = &c, .n_add = 1, .latest = &lc,
					.n_latest = 1 };
	assert_int_equal(pthread_create(&bc.t, NULL, bg_run, &bc), 0);
	/* C has its seq and waits for the row */
	while (scalar(f, "SELECT count(*) FROM pg_stat_activity WHERE datname ="
		      " current_database() AND wait_event_type = 'Lock'") == 0) {
		assert_true(waited++ < 1000);
		usleep(10000);
	}
	w = (struct db_chunk_write){ .add = &wk, .n_add = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 9, &g);
	assert_int_equal(g.n, 2);   /* A and W: C is not committed */
	for (int i = 0; i < 2; i++)
		refs[i] = (struct db_chunk_ref){ 9, g.k[i].ts_min, g.k[i].seq };
	bm.w = (struct db_chunk_write){ .add = &m, .n_add = 1, .replace = refs,
					.n_replace = 2 };
	assert_int_equal(pthread_create(&bm.t, NULL, bg_run, &bm), 0);
	usleep(300000);
	r = PQexec(f->admin, "ROLLBACK");
	PQclear(r);
	pthread_join(bc.t, NULL);
	pthread_join(bm.t, NULL);
	assert_int_equal(bc.rc, 0);
	assert_int_equal(winner_at(f, 9, JAN_2020 + 5), 'C');
	assert_int_equal(winner_at(f, 9, JAN_2020 + 20), 'W');
	assert_int_equal(bm.rc, ERR_EXISTS);
	/* merged again with C among the replaced, it goes through */
	read_all(f, 9, &g);
	assert_int_equal(g.n, 3);
	for (int i = 0; i < 3; i++)
		more[i] = (struct db_chunk_ref){ 9, g.k[i].ts_min, g.k[i].seq };
	w = (struct db_chunk_write){ .add = &m, .n_add = 1, .replace = more,
				     .n_replace = 3 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 9, &g);
	assert_int_equal(g.n, 1);
}

/* A write failing after its COPY leaves nothing: the replaced chunk stays. */
static void a_failed_write_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	unsigned char b[4] = { 1, 2, 3, 4 };
	struct db_chunk add[8];
	struct db_chunk_ref ref;
	struct db_latest l = { 5, JAN_2020 + 100, 1 };
	struct db_chunk_write w = { .add = add, .n_add = 1 };
	struct latest_got lg = { 0 };
	struct got g;
	struct err e;
	int k, rc;

	for (int i = 0; i < 8; i++)
		add[i] = (struct db_chunk){ .series = 5, .ts_min = FEB_2020 + i,
					    .ts_max = FEB_2020 + i, .data = b,
					    .len = sizeof(b) };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 5, &g);
	ref = (struct db_chunk_ref){ 5, g.k[0].ts_min, g.k[0].seq };
	/*
	 * Each statement made to fail in turn (db__fail_statement), the
	 * last ones (the newest points, the state key) after the COPY: the
	 * replaced chunk stays, nothing is added, until the write lands.
	 */
	w = (struct db_chunk_write){ .add = add + 1, .n_add = 7, .replace = &ref,
				     .n_replace = 1, .latest = &l,
				     .n_latest = 1, .state_key = "test.wal",
				     .state_value = 1 };
	for (k = 1; k < 50; k++) {
		db__fail_statement(k);
		rc = db_chunks_write(f->db, &w, &e);
		db__fail_statement(0);
		if (!rc)
			break;
		read_all(f, 5, &g);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.k[0].seq, ref.seq);
		lg.n = 0;
		assert_int_equal(db_latest_list(f->db, take_latest, &lg, &e), 0);
		assert_int_equal(lg.n, 0);
	}
	assert_true(k > 3); /* the delete, the newest points, the state */
	read_all(f, 5, &g);
	assert_int_equal(g.n, 7);
}

/*
 * The clock is injected: "now" is 2020-03-15.  Partitions of March, April
 * and May are made; January, emptied by a rollup, is dropped; February,
 * still holding a raw chunk, stays; March (now's month) stays though
 * empty; a late write into January makes its partition again.
 */
static void emptied_past_months_are_dropped(void **state)
{
	struct fixture *f = *state;
	unsigned char b[4] = { 4, 3, 2, 1 };
	struct db_chunk add[3] = {
		{ .series = 1, .ts_min = JAN_2020 + DAY, .ts_max = JAN_2020 + DAY },
		{ .series = 1, .ts_min = JAN_2020 + 2 * DAY,
		  .ts_max = JAN_2020 + 2 * DAY },
		{ .series = 1, .ts_min = FEB_2020 + DAY, .ts_max = FEB_2020 + DAY },
	};
	struct db_chunk rollup = { .series = -1, .ts_min = JAN_2020,
				   .ts_max = JAN_2020 + 3 * DAY, .data = b,
				   .len = 4 };
	struct db_chunk_ref refs[2];
	struct db_chunk_write w = { .add = add, .n_add = 3 };
	size_t dropped = 99;
	struct got g;
	struct err e;

	for (int i = 0; i < 3; i++) {
		add[i].data = b;
		add[i].len = sizeof(b);
	}
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_chunks_maintain(f->db, MAR_2020 + 14 * DAY,
					    &dropped, &e), 0);
	assert_int_equal(dropped, 0); /* January still holds raw chunks */
	assert_true(has_table(f, "chunks_2020_03"));
	assert_true(has_table(f, "chunks_2020_04"));
	assert_true(has_table(f, "chunks_2020_05"));
	assert_false(has_table(f, "chunks_2020_06"));
	/* retention rolls January up: its raw chunks replaced by a rollup */
	read_all(f, 1, &g);
	assert_int_equal(g.n, 3);
	for (int i = 0; i < 2; i++)
		refs[i] = (struct db_chunk_ref){ 1, g.k[i].ts_min, g.k[i].seq };
	w = (struct db_chunk_write){ .add = &rollup, .n_add = 1,
				     .replace = refs, .n_replace = 2 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_chunks_maintain(f->db, MAR_2020 + 14 * DAY,
					    &dropped, &e), 0);
	assert_int_equal(dropped, 1);
	assert_false(has_table(f, "chunks_2020_01"));
	assert_true(has_table(f, "chunks_2020_02"));
	assert_true(has_table(f, "chunks_2020_03"));
	read_all(f, -1, &g);
	assert_int_equal(g.n, 1);
	read_all(f, 1, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.k[0].ts_min, FEB_2020 + DAY);
	/* a late point of January: its partition is made again */
	w = (struct db_chunk_write){ .add = add, .n_add = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_true(has_table(f, "chunks_2020_01"));
	read_all(f, 1, &g);
	assert_int_equal(g.n, 2);
}

/*
 * Another process drops a month this one knows (its cache says the
 * partition exists): the write still lands, the partition made again.
 */
static void a_month_dropped_elsewhere_is_made_again(void **state)
{
	struct fixture *f = *state;
	unsigned char b[2] = { 7, 7 };
	struct db_chunk k = { .series = 3, .ts_min = JAN_2020 + DAY,
			      .ts_max = JAN_2020 + DAY, .data = b, .len = 2 };
	struct db_chunk_ref ref;
	struct db_chunk_write w = { .add = &k, .n_add = 1 };
	struct db *other;
	size_t dropped = 0;
	struct got g;
	struct err e;

	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	read_all(f, 3, &g);
	ref = (struct db_chunk_ref){ 3, g.k[0].ts_min, g.k[0].seq };
	w = (struct db_chunk_write){ .replace = &ref, .n_replace = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_int_equal(db_open(f->url, false, &other, &e), 0);
	assert_int_equal(db_chunks_maintain(other, MAR_2020, &dropped, &e), 0);
	db_close(other);
	assert_int_equal(dropped, 1);
	assert_false(has_table(f, "chunks_2020_01"));
	w = (struct db_chunk_write){ .add = &k, .n_add = 1 };
	assert_int_equal(db_chunks_write(f->db, &w, &e), 0);
	assert_true(has_table(f, "chunks_2020_01"));
	read_all(f, 3, &g);
	assert_int_equal(g.n, 1);
}

/* SQLite has no partitions: maintenance drops nothing, keeps every chunk. */
static void sqlite_maintenance_does_nothing(void **state)
{
	char dir[] = "/tmp/oasis-test-pgchunks-XXXXXX", cmd[80];
	unsigned char b[2] = { 1, 2 };
	struct db_chunk k = { .series = 1, .ts_min = JAN_2020,
			      .ts_max = JAN_2020, .data = b, .len = 2 };
	struct db_chunk_write w = { .add = &k, .n_add = 1 };
	struct got g = { 0 };
	size_t dropped = 99;
	struct db *db;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(db_open(dir, true, &db, &e), 0);
	assert_int_equal(db_chunks_write(db, &w, &e), 0);
	assert_int_equal(db_chunks_maintain(db, MAR_2020, &dropped, &e), 0);
	assert_int_equal(dropped, 0);
	assert_int_equal(db_chunks_read(db, 1, INT64_MIN / 2, INT64_MAX / 2,
					take, &g, &e), 0);
	assert_int_equal(g.n, 1);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_checkpoint_goes_by_copy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_compaction_keeps_the_replaced_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_merge_racing_a_correction_loses_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(a_failed_write_leaves_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(emptied_past_months_are_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_month_dropped_elsewhere_is_made_again, setup,
			teardown),
	};

	const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test(sqlite_maintenance_does_nothing),
	};
	int failed = cmocka_run_group_tests_name("SQLite", sqlite_tests, NULL,
						 NULL);

	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG")) {
		printf("# PostgreSQL: OASIS_TEST_PG is not set (make test sets "
		       "it), so only SQLite was tested\n");
		return failed;
	}
	return failed + cmocka_run_group_tests_name("PostgreSQL chunks", tests,
						    NULL, NULL);
}
