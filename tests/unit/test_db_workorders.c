/*
 * db/ on each backend: work orders (sqlite_workorders.c, pg_workorders.c):
 * create, get, filtered lists, the compare-and-set update (a second writer
 * with the old version gets ERR_EXISTS), comments with a snapshot id.
 * Every test runs on SQLite, then on PostgreSQL when OASIS_TEST_PG names a
 * server (make test starts one: tests/pg.sh); each test there gets a
 * database of its own.
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
#include "test_store.h"

static struct db_workorder wo_of(const char *site, const char *title,
				 const char *equipment)
{
	struct db_workorder w = { .energy_lost_kwh = NAN };

	snprintf(w.site, sizeof(w.site), "%s", site);
	snprintf(w.title, sizeof(w.title), "%s", title);
	snprintf(w.equipment, sizeof(w.equipment), "%s", equipment);
	snprintf(w.state, sizeof(w.state), "open");
	snprintf(w.created_by, sizeof(w.created_by), "op");
	w.created_ms = w.updated_ms = 1000;
	return w;
}

static int collect_title(const struct db_workorder *w, void *ctx)
{
	strcat(ctx, w->title);
	strcat(ctx, " ");
	return 0;
}

static int collect_body(const struct db_workorder_comment *c, void *ctx)
{
	char buf[DB_NAME_MAX + DB_TEXT_MAX * 8 + 32];

	snprintf(buf, sizeof(buf), "%s/%s/%lld ", c->author, c->body,
		 (long long)c->snapshot_id);
	strcat(ctx, buf);
	return 0;
}

static void workorders_create_get_list(void **state)
{
	struct test_store *f = *state;
	struct db_workorder a = wo_of("park", "INV-01 tripped", "INV-01");
	struct db_workorder b = wo_of("park", "fence", "");
	struct db_workorder c = wo_of("base", "valve", "");
	struct db_workorder g;
	struct db_workorder_filter flt = { 0 };
	int64_t ida, idb, idc;
	char out[256] = "";
	struct err e;

	a.alert_id = 42;
	snprintf(b.assignee, sizeof(b.assignee), "tech1");
	snprintf(b.state, sizeof(b.state), "assigned");
	assert_int_equal(db_workorder_create(f->db, &a, &ida, &e), 0);
	assert_int_equal(db_workorder_create(f->db, &b, &idb, &e), 0);
	assert_int_equal(db_workorder_create(f->db, &c, &idc, &e), 0);
	assert_true(ida > 0 && idb > ida && idc > idb);
	assert_int_equal(db_workorder_get(f->db, ida, &g, &e), 0);
	assert_string_equal(g.title, "INV-01 tripped");
	assert_string_equal(g.equipment, "INV-01");
	assert_string_equal(g.assignee, "");
	assert_int_equal(g.alert_id, 42);
	assert_int_equal(g.version, 1);
	assert_int_equal(g.closed_ms, 0);
	assert_true(isnan(g.energy_lost_kwh));
	assert_int_equal(db_workorder_get(f->db, idc + 100, &g, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_workorder_list(f->db, NULL, collect_title, out, &e),
			 0);
	assert_string_equal(out, "valve fence INV-01 tripped ");
	flt.site = "park";
	out[0] = 0;
	assert_int_equal(db_workorder_list(f->db, &flt, collect_title, out, &e),
			 0);
	assert_string_equal(out, "fence INV-01 tripped ");
	flt.state = "assigned";
	flt.assignee = "tech1";
	out[0] = 0;
	assert_int_equal(db_workorder_list(f->db, &flt, collect_title, out, &e),
			 0);
	assert_string_equal(out, "fence ");
	flt.assignee = "tech2";
	out[0] = 0;
	assert_int_equal(db_workorder_list(f->db, &flt, collect_title, out, &e),
			 0);
	assert_string_equal(out, "");
}

/* Two operators load version 1; the first update wins, the second conflicts. */
static void workorder_update_is_compare_and_set(void **state)
{
	struct test_store *f = *state;
	struct db_workorder w = wo_of("park", "string 3 open", "CB-07");
	struct db_workorder one, two, g;
	int64_t id;
	struct err e;

	assert_int_equal(db_workorder_create(f->db, &w, &id, &e), 0);
	assert_int_equal(db_workorder_get(f->db, id, &one, &e), 0);
	two = one;
	snprintf(one.state, sizeof(one.state), "assigned");
	snprintf(one.assignee, sizeof(one.assignee), "tech1");
	one.updated_ms = 2000;
	assert_int_equal(db_workorder_update(f->db, &one, &e), 0);
	snprintf(two.state, sizeof(two.state), "assigned");
	snprintf(two.assignee, sizeof(two.assignee), "tech2");
	assert_int_equal(db_workorder_update(f->db, &two, &e), ERR_EXISTS);
	assert_non_null(strstr(e.msg, "version 2, not 1"));
	assert_int_equal(db_workorder_get(f->db, id, &g, &e), 0);
	assert_string_equal(g.assignee, "tech1");
	assert_int_equal(g.version, 2);
	assert_int_equal(g.updated_ms, 2000);
	snprintf(g.state, sizeof(g.state), "done");
	g.closed_ms = 3000;
	g.energy_lost_kwh = 12.5;
	assert_int_equal(db_workorder_update(f->db, &g, &e), 0);
	assert_int_equal(db_workorder_get(f->db, id, &g, &e), 0);
	assert_int_equal(g.version, 3);
	assert_int_equal(g.closed_ms, 3000);
	assert_true(g.energy_lost_kwh == 12.5);
	g.id = id + 100;
	assert_int_equal(db_workorder_update(f->db, &g, &e), ERR_NOT_FOUND);
	/* A state the schema does not know is refused by the store. */
	g.id = id;
	snprintf(g.state, sizeof(g.state), "bogus");
	assert_int_not_equal(db_workorder_update(f->db, &g, &e), 0);
}

static void workorder_comments(void **state)
{
	struct test_store *f = *state;
	struct db_workorder w = wo_of("park", "tracker T-3 stuck", "T-3");
	struct db_workorder_comment c = { 0 };
	int64_t id, cid;
	char out[256] = "";
	struct err e;

	assert_int_equal(db_workorder_create(f->db, &w, &id, &e), 0);
	c.workorder = id;
	snprintf(c.author, sizeof(c.author), "tech1");
	snprintf(c.body, sizeof(c.body), "motor");
	c.at_ms = 5000;
	assert_int_equal(db_workorder_comment_add(f->db, &c, &cid, &e), 0);
	assert_true(cid > 0);
	snprintf(c.body, sizeof(c.body), "photo");
	c.snapshot_id = 7;
	assert_int_equal(db_workorder_comment_add(f->db, &c, NULL, &e), 0);
	assert_int_equal(db_workorder_comments(f->db, id, collect_body, out, &e),
			 0);
	assert_string_equal(out, "tech1/motor/0 tech1/photo/7 ");
	c.workorder = id + 100;
	assert_int_equal(db_workorder_comment_add(f->db, &c, NULL, &e),
			 ERR_NOT_FOUND);
}

#define BOTH(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup, \
					test_store_teardown)
#define BOTH_PG(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup_pg, \
					test_store_teardown)
#define TESTS(T) { \
	T(workorders_create_get_list), \
	T(workorder_update_is_compare_and_set), \
	T(workorder_comments), \
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
