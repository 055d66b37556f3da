/*
 * test_db: the fixture and helpers shared by the storage suite
 * (test_db.c, test_db_ops.c): each test runs on SQLite, then on
 * PostgreSQL when OASIS_TEST_PG names a server (test_store.h).  Include
 * after cmocka.h.
 */
#ifndef OASIS_TEST_DB_H
#define OASIS_TEST_DB_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "test_store.h"

/* A test on each backend: BOTH on SQLite, BOTH_PG on PostgreSQL. */
#define BOTH(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup, \
					test_store_teardown)
#define BOTH_PG(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup_pg, \
					test_store_teardown)

/* A plot with a real square geometry at lon, 44 (PostGIS indexes it). */
static inline struct db_plot plot(const char *code, double lon)
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

/* A scene of kind at at_ms with one plot's ndvi mean; its id. */
static inline int64_t add_scene(struct db *db, const char *kind, int64_t at_ms,
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

static inline int count_any(void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

#endif
