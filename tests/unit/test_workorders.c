/*
 * Unit tests of workorders/: the transitions, a ticket made from scratch,
 * assigned, worked and closed through the service on a SQLite store, the
 * version check (a stale PATCH is a conflict), comments with a snapshot,
 * the checks naming their field.  No clock: instants are parameters.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db/db.h"
#include "workorders/workorders.h"

struct fixture {
	char dir[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db_user u = { 0 };
	struct err e;

	strcpy(f->dir, "/tmp/oasis-test-wo-XXXXXX");
	if (!mkdtemp(f->dir) || db_open(f->dir, true, &f->db, &e))
		return -1;
	snprintf(u.name, sizeof(u.name), "tech1");
	snprintf(u.role, sizeof(u.role), "operator");
	snprintf(u.password_hash, sizeof(u.password_hash), "x");
	if (db_user_create(f->db, &u, NULL, &e))
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

static void transitions(void **state)
{
	(void)state;
	assert_true(workorders_transition_ok("open", "assigned"));
	assert_true(workorders_transition_ok("assigned", "in_progress"));
	assert_true(workorders_transition_ok("in_progress", "done"));
	assert_true(workorders_transition_ok("assigned", "open"));
	assert_false(workorders_transition_ok("open", "done"));
	assert_false(workorders_transition_ok("open", "in_progress"));
	assert_false(workorders_transition_ok("done", "open"));
	assert_false(workorders_transition_ok("done", "assigned"));
	assert_true(workorders_state_known("in_progress"));
	assert_false(workorders_state_known("closed"));
}

static json_t *patch(struct fixture *f, int64_t id, const char *body,
		     int want, int64_t now)
{
	json_t *b = json_loads(body, 0, NULL), *out = NULL;
	struct err e;

	assert_non_null(b);
	int rc = workorders_patch(f->db, NULL, id, b, "op", now, &out, &e);

	if (rc != want)
		fail_msg("PATCH %s: %d, wanted %d (%s)", body, rc, want,
			 rc ? e.msg : "");
	json_decref(b);
	return out;
}

static const char *str(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static void lifecycle(void **state)
{
	struct fixture *f = *state;
	json_t *b = json_pack("{ss ss ss}", "site", "base", "equipment",
			      "INV-01", "title", "INV-01 tripped");
	json_t *w = NULL, *x;
	struct err e;

	assert_int_equal(workorders_create(f->db, b, "op", 1000, &w, &e), 0);
	json_decref(b);
	int64_t id = json_integer_value(json_object_get(w, "id"));

	assert_string_equal(str(w, "state"), "open");
	assert_true(json_is_null(json_object_get(w, "assignee")));
	assert_true(json_is_null(json_object_get(w, "energy_lost_kwh")));
	json_decref(w);
	/* Done straight from open is refused; an unknown user too. */
	x = patch(f, id, "{\"version\":1,\"state\":\"done\"}", ERR_INVALID, 2);
	x = patch(f, id, "{\"version\":1,\"assignee\":\"nobody\"}",
		  ERR_NOT_FOUND, 2);
	/* An assignee on an open ticket assigns it. */
	x = patch(f, id, "{\"version\":1,\"assignee\":\"tech1\","
		  "\"comment\":\"go\"}", 0, 2000);
	assert_string_equal(str(x, "state"), "assigned");
	assert_string_equal(str(x, "assignee"), "tech1");
	assert_int_equal(json_integer_value(json_object_get(x, "version")), 2);
	json_decref(x);
	/* A second operator with the old version: a conflict. */
	x = patch(f, id, "{\"version\":1,\"state\":\"in_progress\"}",
		  ERR_EXISTS, 2500);
	x = patch(f, id, "{\"version\":2,\"state\":\"in_progress\"}", 0, 3000);
	json_decref(x);
	x = patch(f, id, "{\"version\":3,\"state\":\"done\",\"comment\":"
		  "\"fuse replaced\",\"snapshot\":17}", 0, 4000);
	assert_string_equal(str(x, "state"), "done");
	assert_string_equal(str(x, "closed"), "1970-01-01T00:00:04.000Z");
	/* not an inverter of a PV site (and no engine): unknown */
	assert_true(json_is_null(json_object_get(x, "energy_lost_kwh")));
	json_t *cs = json_object_get(x, "comments");

	assert_int_equal(json_array_size(cs), 2);
	assert_string_equal(str(json_array_get(cs, 1), "body"), "fuse replaced");
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(cs, 1), "snapshot")), 17);
	json_decref(x);
	x = patch(f, id, "{\"version\":4,\"state\":\"open\"}", ERR_INVALID, 5);
	assert_int_equal(workorders_list_json(f->db, "base", "done", "tech1",
					      &x, &e), 0);
	assert_int_equal(json_array_size(json_object_get(x, "workorders")), 1);
	json_decref(x);
	assert_int_equal(workorders_list_json(f->db, NULL, "open", NULL, &x,
					      &e), 0);
	assert_int_equal(json_array_size(json_object_get(x, "workorders")), 0);
	json_decref(x);
	assert_int_equal(workorders_list_json(f->db, NULL, "closed", NULL, &x,
					      &e), ERR_INVALID);
}

static void create_checks(void **state)
{
	struct fixture *f = *state;
	json_t *w = NULL, *b;
	struct err e;

	b = json_pack("{ss}", "site", "base");
	assert_int_equal(workorders_create(f->db, b, "op", 1, &w, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "title"));
	json_decref(b);
	b = json_pack("{ss ss}", "site", "nowhere", "title", "x");
	assert_int_equal(workorders_create(f->db, b, "op", 1, &w, &e),
			 ERR_NOT_FOUND);
	json_decref(b);
	b = json_pack("{si}", "alert", 999);
	assert_int_equal(workorders_create(f->db, b, "op", 1, &w, &e),
			 ERR_NOT_FOUND);
	json_decref(b);
	b = json_pack("{ss ss}", "title", "fence", "assignee", "tech1");
	assert_int_equal(workorders_create(f->db, b, "op", 1, &w, &e), 0);
	assert_string_equal(str(w, "state"), "assigned");
	assert_string_equal(str(w, "site"), "base");
	json_decref(w);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transitions),
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(create_checks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
