/*
 * sites/features: a site's canals, roads and shelterbelts kept among the
 * store's files: saved once unless replaced, checked as a GeoJSON
 * FeatureCollection, an empty collection for a site without any, 404 for
 * an unknown site; and the demo base's own are such a collection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "sim/demo_base.h"
#include "sites/features.h"
#include "util/buf.h"
#include "test_folder.h"

struct fixture {
	char dir[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (test_folder_open(f->dir, sizeof(f->dir), "features", &f->db,
			     NULL, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (test_folder_close(f->dir, f->db, NULL))
		return -1;
	free(f);
	return 0;
}

static size_t count(json_t *fc)
{
	return json_array_size(json_object_get(fc, "features"));
}

static void features_are_saved_once_and_checked(void **state)
{
	struct fixture *f = *state;
	const char *one = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
			  "\"Feature\",\"properties\":{\"kind\":\"canal\"},\"geometry\":"
			  "{\"type\":\"LineString\",\"coordinates\":[[86.1,44.2],[86.2,44.3]]}}]}";
	const char *none = "{\"type\":\"FeatureCollection\",\"features\":[]}";
	struct err e;
	json_t *fc;

	assert_int_equal(sites_features_json(f->db, DB_SITE_DEFAULT, &fc, &e), 0);
	assert_int_equal(count(fc), 0);
	json_decref(fc);
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, one,
					     strlen(one), false, 1, &e), 0);
	/* not replaced unless asked */
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, none,
					     strlen(none), false, 2, &e), 0);
	assert_int_equal(sites_features_json(f->db, DB_SITE_DEFAULT, &fc, &e), 0);
	assert_int_equal(count(fc), 1);
	json_decref(fc);
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, none,
					     strlen(none), true, 3, &e), 0);
	assert_int_equal(sites_features_json(f->db, DB_SITE_DEFAULT, &fc, &e), 0);
	assert_int_equal(count(fc), 0);
	json_decref(fc);
	/* not a FeatureCollection, not JSON, a bad code, an unknown site */
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, "{\"type\":"
					     "\"Feature\"}", 18, true, 4, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "FeatureCollection"));
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, "{", 1,
					     true, 4, &e), ERR_INVALID);
	assert_int_equal(sites_features_save(f->db, "../x", none, strlen(none),
					     true, 4, &e), ERR_INVALID);
	assert_int_equal(sites_features_json(f->db, "nowhere", &fc, &e),
			 ERR_NOT_FOUND);
}

/* The demo base's canals, roads and shelterbelts are such a collection. */
static void the_demo_base_has_canals_roads_and_belts(void **state)
{
	struct fixture *f = *state;
	struct buf gj = BUF_INIT;
	struct err e;
	json_t *fc, *one;
	size_t i, canals = 0, roads = 0, belts = 0;

	demo_base_features_geojson(1, &gj);
	assert_int_equal(sites_features_save(f->db, DB_SITE_DEFAULT, gj.data,
					     gj.len, true, 1, &e), 0);
	buf_free(&gj);
	assert_int_equal(sites_features_json(f->db, DB_SITE_DEFAULT, &fc, &e), 0);
	json_array_foreach(json_object_get(fc, "features"), i, one) {
		const char *kind = json_string_value(json_object_get(
			json_object_get(one, "properties"), "kind"));

		canals += !strcmp(kind, "canal");
		roads += !strcmp(kind, "road");
		belts += !strcmp(kind, "shelterbelt");
	}
	json_decref(fc);
	assert_true(canals >= 4 && roads >= 6 && belts >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(features_are_saved_once_and_checked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_demo_base_has_canals_roads_and_belts,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
