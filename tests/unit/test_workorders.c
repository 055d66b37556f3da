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
#include "pvsite/pvsite.h"
#include "sites/sites.h"
#include "ts/engine.h"
#include "workorders/workorders.h"
#include "test_folder.h"

struct fixture {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;   /* the energy test's only */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct db_user u = { 0 };
	struct err e;

	if (test_folder_open(f->dir, sizeof(f->dir), "wo", &f->db,
			     NULL, NULL))
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

	if (test_folder_close(f->dir, f->db, f->eng))
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

/* ---- the energy lost ---------------------------------------------------- */

#define MIN INT64_C(60000)
/* 2025-06-21T10:00:00+08:00 */
#define T10 INT64_C(1750471200000)

static void put(struct fixture *f, const char *device, const char *metric,
		int64_t ts, double value)
{
	struct ts_write w = { .ts = ts, .value = value };
	struct err e;

	if (db_series_ensure(f->db, device, metric, &w.series, &e) ||
	    ts_engine_write(f->eng, &w, 1, &e))
		fail_msg("%s", e.msg);
}

/*
 * A park whose inverter sees 1000 W/m2 at 25 degC from 10:00 to 12:00
 * (expected power X, constant) and gives 0 until 11:30, then more than
 * X.  A ticket open from 10:30 to 12:00 lost 60 minutes of X: X kWh.
 */
static void energy_lost_while_open(void **state)
{
	static const struct ts_engine_opts manual = { .no_maintenance = true };
	struct fixture *f = *state;
	struct db_site s = { .lon = 90.28, .lat = 43.83, .alt_m = 1300 };
	static const char layout[] =
		"id,kind,parent,met_station,kwp_dc,kw_ac,gamma_pdc\n"
		"B1,block,,,,,\nMET1,met_station,B1,,,,\n"
		"INV1,inverter,B1,MET1,1000,900,-0.004\n";
	struct pvsite_layout l;
	size_t added, updated;
	json_t *x = NULL, *day, *b;
	struct err e;
	double kwh;

	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e),
			 0);
	strcpy(s.code, "park");
	strcpy(s.name, "Mulei");
	strcpy(s.kind, "pv_plant");
	strcpy(s.tz, "Asia/Shanghai");
	assert_int_equal(sites_add(f->db, &s, 1, &e), 0);
	db_site_free(&s);
	assert_int_equal(pvsite_layout_parse(f->db, "park", "l.csv", layout,
					     strlen(layout), &l, &e), 0);
	assert_int_equal(pvsite_layout_store(f->db, "park", &l, 2, &added,
					     &updated, &e), 0);
	pvsite_layout_free(&l);
	for (int m = 0; m < 120; m++) {
		int64_t t = T10 + m * MIN;

		put(f, "MET1", "poa_global", t, 1000);
		put(f, "MET1", "temp_module", t, 25);
		put(f, "INV1", "p_ac", t, m < 90 ? 0 : 5000);
	}
	assert_int_equal(pvsite_expected_json(f->db, f->eng, "park", "INV1",
					      "2025-06-21", &day, &e), 0);
	double xkw = json_number_value(json_object_get(json_array_get(
		json_object_get(day, "points"), 0), "p_ac_expected_kw"));

	json_decref(day);
	assert_true(xkw > 500 && xkw < 1000);
	assert_int_equal(workorders_energy_lost(f->db, f->eng, "park", "INV1",
						T10 + 30 * MIN, T10 + 120 * MIN,
						&kwh, &e), 0);
	assert_true(fabs(kwh - xkw) < 1e-6 * xkw);
	assert_int_equal(workorders_energy_lost(f->db, f->eng, "park", "MET1",
						T10, T10 + MIN, &kwh, &e),
			 ERR_NOT_FOUND);
	/* the same through a ticket's life */
	b = json_pack("{ss ss ss ss}", "site", "park", "equipment", "INV1",
		      "title", "INV1 tripped", "assignee", "tech1");
	assert_int_equal(workorders_create(f->db, b, "op", T10 + 30 * MIN, &x,
					   &e), 0);
	json_decref(b);
	int64_t id = json_integer_value(json_object_get(x, "id"));

	json_decref(x);
	b = json_pack("{si ss}", "version", 1, "state", "in_progress");
	assert_int_equal(workorders_patch(f->db, f->eng, id, b, "tech1",
					  T10 + 40 * MIN, &x, &e), 0);
	assert_true(json_is_null(json_object_get(x, "energy_lost_kwh")));
	json_decref(x);
	json_decref(b);
	b = json_pack("{si ss}", "version", 2, "state", "done");
	assert_int_equal(workorders_patch(f->db, f->eng, id, b, "tech1",
					  T10 + 120 * MIN, &x, &e), 0);
	assert_true(fabs(json_real_value(json_object_get(x, "energy_lost_kwh"))
			 - xkw) < 1e-6 * xkw);
	json_decref(x);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(transitions),
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(create_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(energy_lost_while_open, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
