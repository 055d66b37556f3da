/*
 * Unit tests of db/pg_retry.c: which failures are transient, the delays,
 * the forms of a PostgreSQL store's address; then, when OASIS_TEST_PG names
 * a server (make test starts one), a store whose every connection is
 * terminated by the server (SQLSTATE 57P01, as in a switchover) answers
 * its next call after a retry on a new connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/pg_retry.h"

static void test_transient_states(void **state)
{
	(void)state;
	assert_true(pg_retry_transient("57P01", "terminating connection due "
				       "to administrator command"));
	assert_true(pg_retry_transient("25006", "cannot execute INSERT in a "
				       "read-only transaction"));
	assert_true(pg_retry_transient("08006", "connection failure"));
	assert_true(pg_retry_transient("08001", ""));
	assert_true(pg_retry_transient("57P03", "the database system is "
				       "starting up"));
	assert_true(pg_retry_transient("", "server closed the connection "
				       "unexpectedly"));
	assert_true(pg_retry_transient("", "connection to server at "
				       "\"127.0.0.1\", port 5432 failed: "
				       "session is read-only"));
	assert_true(pg_retry_transient(NULL, "could not connect to server"));
}

static void test_lasting_states(void **state)
{
	(void)state;
	assert_false(pg_retry_transient("23505", "duplicate key value"));
	assert_false(pg_retry_transient("42P01", "relation does not exist"));
	assert_false(pg_retry_transient("28P01", "password authentication "
					"failed"));
	assert_false(pg_retry_transient("57014", "canceling statement due to "
					"user request"));
	assert_false(pg_retry_transient("", "database \"x\" does not exist"));
	assert_false(pg_retry_transient("", NULL));
}

static void test_delays(void **state)
{
	(void)state;
	assert_int_equal(pg_retry_delay_ms(1), 50);
	assert_int_equal(pg_retry_delay_ms(2), 100);
	assert_int_equal(pg_retry_delay_ms(3), 200);
	assert_int_equal(pg_retry_delay_ms(5), 800);
	assert_int_equal(pg_retry_delay_ms(6), 1000);
	assert_int_equal(pg_retry_delay_ms(100), 1000);
}

static void test_store_addresses(void **state)
{
	(void)state;
	assert_true(db_is_postgres_url("postgresql://oasis@h1:5432,h2:5433/"
				       "oasis?target_session_attrs=read-write"));
	assert_true(db_is_postgres_url("postgres://oasis@db/oasis"));
	assert_true(db_is_postgres_url("host=h1,h2 port=5432,5433 dbname=oasis"
				       " target_session_attrs=read-write"));
	assert_true(db_is_postgres_url("dbname=oasis"));
	assert_true(db_is_postgres_url("service=oasis"));
	assert_false(db_is_postgres_url("var"));
	assert_false(db_is_postgres_url("/srv/oasis/hostname=1"));
	assert_false(db_is_postgres_url("hosts/oasis"));
	assert_false(db_is_postgres_url(NULL));
}

/* Run one SQL command on the test server (psql). */
static int pg_admin(const char *db, const char *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "psql -q -v ON_ERROR_STOP=1 -d '%s' -c \"%s\""
		 " >/dev/null", db, sql);
	return system(cmd) == 0 ? 0 : -1;
}

/* The test server's URL with its database replaced by name. */
static void pg_url(const char *name, char *out, size_t size)
{
	const char *base = getenv("OASIS_TEST_PG");
	const char *slash = strchr(strstr(base, "://") + 3, '/');
	int host = slash ? (int)(slash - base) : (int)strlen(base);

	snprintf(out, size, "%.*s/%s", host, base, name);
}

static void test_terminated_connections(void **state)
{
	char name[64], url[512], sql[256];
	struct pg_retry_stats before, after;
	struct db *db = NULL;
	struct err e;
	int version = 0;
	int64_t users = -1;

	(void)state;
	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG"))
		skip();
	snprintf(name, sizeof(name), "oasis_retry_%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	pg_url(name, url, sizeof(url));
	assert_int_equal(db_open(url, true, &db, &e), 0);
	assert_int_equal(db_schema_version(db, &version, &e), 0);
	/* the store's idle connection is ended by the server */
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM "
		 "pg_stat_activity WHERE datname = '%s' AND pid <> "
		 "pg_backend_pid()", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	pg_retry_stats(&before);
	assert_int_equal(db_user_count(db, &users, &e), 0);
	assert_int_equal(users, 0);
	pg_retry_stats(&after);
	assert_true(after.retried > before.retried);
	assert_true(after.transient > before.transient);
	db_close(db);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
}

/* The test server's port, from its URL (postgresql://USER@HOST:PORT/DB). */
static int pg_port(void)
{
	const char *at = strrchr(getenv("OASIS_TEST_PG"), ':');

	return at ? atoi(at + 1) : 0;
}

/*
 * The forms a cluster's nodes use: a libpq key=value string, and a host
 * list whose first host is down (libpq goes on to the next one that
 * accepts writes).
 */
static void test_host_lists_and_key_values(void **state)
{
	char name[64], where[512], sql[128];
	struct db *db = NULL;
	struct err e;
	int version = 0;

	(void)state;
	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG"))
		skip();
	snprintf(name, sizeof(name), "oasis_retry_k%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	snprintf(where, sizeof(where), "host=127.0.0.1 port=%d dbname=%s "
		 "user=postgres target_session_attrs=read-write connect_timeout=2",
		 pg_port(), name);
	assert_true(db_is_postgres_url(where));
	if (db_open(where, true, &db, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(db_schema_version(db, &version, &e), 0);
	assert_true(version > 0);
	db_close(db);
	/* port 1 refuses at once; the second host is the server */
	snprintf(where, sizeof(where), "postgresql://postgres@127.0.0.1:1,"
		 "127.0.0.1:%d/%s?target_session_attrs=read-write"
		 "&connect_timeout=2", pg_port(), name);
	if (db_open(where, false, &db, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(db_schema_version(db, &version, &e), 0);
	db_close(db);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
}

/* With no server to reach, a call gives up after the window. */
static void test_window_ends(void **state)
{
	char url[512], sql[256], name[64];
	struct pg_retry_stats before, after;
	struct db *db = NULL;
	struct err e;
	int64_t users = -1;

	(void)state;
	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG"))
		skip();
	snprintf(name, sizeof(name), "oasis_retry_w%d", (int)getpid());
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	pg_url(name, url, sizeof(url));
	assert_int_equal(db_open(url, true, &db, &e), 0);
	/* the database refuses new connections, and the open one is ended */
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false",
		 name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM "
		 "pg_stat_activity WHERE datname = '%s'", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
	pg_retry_window(300);
	pg_retry_stats(&before);
	assert_int_not_equal(db_user_count(db, &users, &e), 0);
	pg_retry_stats(&after);
	pg_retry_window(0);
	assert_true(after.retried > before.retried);
	db_close(db);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s", name);
	assert_int_equal(pg_admin(getenv("OASIS_TEST_PG"), sql), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transient_states),
		cmocka_unit_test(test_lasting_states),
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_store_addresses),
		cmocka_unit_test(test_terminated_connections),
		cmocka_unit_test(test_window_ends),
		cmocka_unit_test(test_host_lists_and_key_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
