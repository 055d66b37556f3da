/*
 * The service functions the routes call instead of the store or the
 * engine (docs/ARCHITECTURE.md, "The layering rule"), called here without
 * HTTP on a real store: a device's and a plot's newest values
 * (query/), the device registry's listing and deletion (ingest), the
 * tokens (auth), a valve's state (agro/valves), the stored alerts and
 * the rule templates (alert), the plot count (plots).
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

#include "agro/valves.h"
#include "alert/alerts.h"
#include "auth/auth.h"
#include "ingest/ingest.h"
#include "plots/plots.h"
#include "query/query.h"
#include "test_folder.h"

#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */

struct fixture {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;
	struct ingest *ing;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;

	if (!f)
		return -1;
	if (auth_init(&e) ||
	    test_folder_open(f->dir, sizeof(f->dir), "services", &f->db,
			     &f->eng, &manual) ||
	    ingest_open(f->db, &f->ing, &e))
		return -1;
	ingest_set_sinks(f->ing, f->eng, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ingest_close(f->ing);
	if (test_folder_close(f->dir, f->db, f->eng))
		return -1;
	free(f);
	return 0;
}

static void add_device(struct fixture *f, const char *id, const char *kind)
{
	char token[AUTH_SECRET_MAX];
	struct db_device d = { 0 };
	struct err e = { 0 };

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	d.lon = d.lat = NAN;
	d.created_ms = T0;
	assert_int_equal(ingest_device_register(f->ing, &d, token, &e), 0);
}

static void add_point(struct fixture *f, const char *device,
		      const char *metric, int64_t ts, double v)
{
	struct ts_write w = { 0, ts, v };
	struct err e = { 0 };

	assert_int_equal(db_series_ensure(f->db, device, metric, &w.series,
					  &e), 0);
	assert_int_equal(ts_engine_write(f->eng, &w, 1, &e), 0);
}

static void test_latest(void **state)
{
	struct fixture *f = *state;
	struct err e = { 0 };
	json_t *doc, *v;

	add_device(f, "ws-1", "weather_station");
	add_point(f, "ws-1", "air_temperature", T0, 20.0);
	add_point(f, "ws-1", "air_temperature", T0 + 60000, 21.5);
	assert_int_equal(query_latest_device(f->db, f->eng, "ws-1", &doc, &e),
			 0);
	assert_string_equal(json_string_value(json_object_get(doc, "id")),
			    "ws-1");
	v = json_object_get(json_object_get(doc, "values"), "air_temperature");
	assert_non_null(v);
	assert_true(json_real_value(json_object_get(v, "value")) == 21.5);
	assert_int_equal(json_integer_value(json_object_get(v, "ts")),
			 T0 + 60000);
	json_decref(doc);
	assert_int_equal(query_latest_device(f->db, f->eng, "nope", &doc, &e),
			 ERR_NOT_FOUND);
	assert_null(doc);
	assert_int_equal(query_latest_plot(f->db, f->eng, "6523000000000",
					   &doc, &e), ERR_NOT_FOUND);
	assert_null(doc);
}

static void test_devices_and_tokens(void **state)
{
	struct fixture *f = *state;
	char secret[AUTH_SECRET_MAX];
	struct err e = { 0 };
	json_t *list, *t;
	int64_t id;
	size_t i;

	add_device(f, "sp-1", "soil_probe");
	add_device(f, "sp-2", "soil_probe");
	assert_int_equal(ingest_devices_json(f->ing, NULL, NULL, &list, &e), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_true(json_is_null(json_object_get(json_array_get(list, 0),
						 "location")));
	json_decref(list);
	assert_int_equal(ingest_device_delete(f->ing, "sp-1", T0, &e), 0);
	assert_int_equal(ingest_devices_json(f->ing, NULL, NULL, &list, &e), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(list, 0), "id")), "sp-2");
	json_decref(list);

	/* the deleted device's token is revoked, the other one's is not */
	assert_int_equal(auth_token_create(f->db, ROLE_VIEWER, "wall", NULL, 0,
					   secret, &id, &e), 0);
	assert_int_equal(auth_tokens_json(f->db, &list, &e), 0);
	assert_int_equal(json_array_size(list), 3);
	json_array_foreach(list, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));

		assert_null(json_object_get(t, "token"));
		assert_int_equal(json_is_true(json_object_get(t, "revoked")),
				 !strcmp(name, "device sp-1"));
	}
	json_decref(list);
	assert_int_equal(auth_token_revoke(f->db, id, T0, &e), 0);
	assert_int_equal(auth_tokens_json(f->db, &list, &e), 0);
	json_array_foreach(list, i, t)
		if (json_integer_value(json_object_get(t, "id")) == id)
			assert_true(json_is_true(json_object_get(t, "revoked")));
	json_decref(list);
}

static void test_valve_status(void **state)
{
	struct fixture *f = *state;
	struct valves *v;
	struct err e = { 0 };
	json_t *doc, *valve;

	add_device(f, "valve-1", "valve");
	assert_int_equal(valves_open(f->db, NULL, 0, &v, &e), 0);
	assert_int_equal(valves_status_json(v, f->ing, f->eng, "valve-1", NULL,
					    &doc, &e), 0);
	valve = json_object_get(doc, "valve");
	assert_string_equal(json_string_value(json_object_get(valve,
				"believed")), "unknown");
	assert_true(json_is_null(json_object_get(valve, "reported")));
	assert_int_equal(json_array_size(json_object_get(doc, "commands")), 0);
	json_decref(doc);

	add_point(f, "valve-1", "valve_state", T0, 1);
	assert_int_equal(valves_status_json(v, f->ing, f->eng, "valve-1", NULL,
					    &doc, &e), 0);
	valve = json_object_get(doc, "valve");
	assert_true(json_number_value(json_object_get(json_object_get(valve,
			"reported"), "value")) == 1);
	json_decref(doc);
	valves_close(v);
}

static void test_alerts_and_plots(void **state)
{
	struct fixture *f = *state;
	struct db_alert_filter filter = { 0 };
	struct db_alert a;
	struct err e = { 0 };
	json_t *list, *t;
	int64_t n = -1;
	size_t i;

	assert_int_equal(alerts_list_json(f->db, &filter, &list, &e), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	assert_int_equal(alerts_get(f->db, 1, &a, &e), ERR_NOT_FOUND);
	list = alerts_templates_json();
	assert_true(json_array_size(list) > 0);
	json_array_foreach(list, i, t) {
		assert_null(json_object_get(t, "id"));
		assert_true(json_is_string(json_object_get(t, "doc")));
	}
	json_decref(list);
	assert_int_equal(plots_count(f->db, &n, &e), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_latest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_and_tokens, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_valve_status, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alerts_and_plots, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
