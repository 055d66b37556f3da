/*
 * test_store: a throwaway store for a unit test, on either backend.
 *
 * SQLite: a new folder under /tmp, removed at close.  PostgreSQL: a new
 * database on the server OASIS_TEST_PG names (make test starts one with
 * tests/pg.sh), dropped at close; with `empty`, a second, empty database
 * for the tests that open one themselves.  Included by the unit tests that
 * need a store (test_db*.c, test_auth.c, test_pool_race.c, ...): each is
 * one program, so everything here is static.
 */
#ifndef OASIS_TEST_STORE_H
#define OASIS_TEST_STORE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"

struct test_store {
	bool pg;
	char dir[64];           /* SQLite: the store's folder */
	char where[512];        /* what db_open got: the folder or a URL */
	char empty[512];        /* PostgreSQL: an empty database's URL */
	char names[2][64];      /* PostgreSQL: the databases made */
	struct db *db;
};

/* Whether the PostgreSQL half of a suite runs (OASIS_TEST_PG is set). */
static inline bool test_store_pg_wanted(void)
{
	const char *url = getenv("OASIS_TEST_PG");

	return url && *url;
}

/* Run one SQL command on the test server's database (psql). */
static inline int test_store_pg_admin(const char *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "psql -q -v ON_ERROR_STOP=1 -d '%s' -c '%s'"
		 " >/dev/null", getenv("OASIS_TEST_PG"), sql);
	return system(cmd) == 0 ? 0 : -1;
}

/* The URL of database name on the test server. */
static inline void test_store_pg_url(const char *name, char *out,
				     size_t size)
{
	const char *base = getenv("OASIS_TEST_PG");
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host = slash ? (int)(slash - base) : (int)strlen(base);

	snprintf(out, size, "%.*s/%s", host, base, name);
}

static inline int test_store_make_pg(struct test_store *s, const char *tag,
				     bool empty)
{
	static int counter;
	char sql[128];

	for (int i = 0; i < (empty ? 2 : 1); i++) {
		snprintf(s->names[i], sizeof(s->names[i]), "oasis_%s%d_%d_%d",
			 tag, (int)getpid(), counter, i);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", s->names[i]);
		if (test_store_pg_admin(sql))
			return -1;
	}
	counter++;
	test_store_pg_url(s->names[0], s->where, sizeof(s->where));
	if (empty)
		test_store_pg_url(s->names[1], s->empty, sizeof(s->empty));
	return 0;
}

/*
 * Make a new empty place for a store (a folder, or a database on the test
 * server when pg) named after tag (letters only), without opening it.
 */
static inline int test_store_make(struct test_store *s, bool pg,
				  const char *tag, bool empty)
{
	memset(s, 0, sizeof(*s));
	s->pg = pg;
	if (pg)
		return test_store_make_pg(s, tag, empty);
	snprintf(s->dir, sizeof(s->dir), "/tmp/oasis-test-%s-XXXXXX", tag);
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->where, sizeof(s->where), "%s", s->dir);
	return 0;
}

/* test_store_make, then db_open (created) into s->db. */
static inline int test_store_open(struct test_store *s, bool pg,
				  const char *tag, bool empty)
{
	struct err e;

	if (test_store_make(s, pg, tag, empty))
		return -1;
	if (db_open(s->where, true, &s->db, &e)) {
		fprintf(stderr, "# %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Close s->db (if open) and remove the folder or drop the databases. */
static inline int test_store_close(struct test_store *s)
{
	char cmd[128];
	int rc = 0;

	db_close(s->db);
	s->db = NULL;
	if (!s->pg) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
		return system(cmd) == 0 ? 0 : -1;
	}
	for (int i = 0; i < 2 && s->names[i][0]; i++) {
		snprintf(cmd, sizeof(cmd), "DROP DATABASE %s WITH (FORCE)",
			 s->names[i]);
		rc |= test_store_pg_admin(cmd);
	}
	return rc;
}

/*
 * cmocka's setup and teardown for a test given a struct test_store in
 * *state: on SQLite, on PostgreSQL (with an empty second database).
 */
static inline int test_store_setup(void **state)
{
	struct test_store *s = calloc(1, sizeof(*s));

	if (!s || test_store_open(s, false, "db", false))
		return -1;
	*state = s;
	return 0;
}

static inline int test_store_setup_pg(void **state)
{
	struct test_store *s = calloc(1, sizeof(*s));

	if (!s || test_store_open(s, true, "db", true))
		return -1;
	*state = s;
	return 0;
}

static inline int test_store_teardown(void **state)
{
	struct test_store *s = *state;
	int rc = test_store_close(s);

	free(s);
	return rc;
}

#endif
