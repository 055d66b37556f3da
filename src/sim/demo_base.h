/*
 * demo_base: the demonstration base near Manas, Xinjiang, generated
 * deterministically from a seed: about 60 plots and 12,000 mu of drip-
 * irrigated cotton and some maize, coded 652324 + township + plot number.
 */
#ifndef OASIS_SIM_DEMO_BASE_H
#define OASIS_SIM_DEMO_BASE_H

#include <stdint.h>

#include "db/db.h"
#include "util/buf.h"
#include "util/err.h"

/* Where the base lies: the south-west corner of its first block. */
#define DEMO_ORIGIN_LON 86.180
#define DEMO_ORIGIN_LAT 44.280

/*
 * Write the demo plots as a GeoJSON FeatureCollection (EPSG:4326), sown in
 * April of the given year.
 */
void demo_base_plots_geojson(uint64_t seed, int year, struct buf *out);

/*
 * Write the base's canals, roads and shelterbelts as a GeoJSON
 * FeatureCollection of LineStrings (EPSG:4326) with properties kind
 * (canal, road, shelterbelt), level (main, branch, farm, field), name
 * and name_en (may be empty) and width_m, for the map (sites/features.h).
 */
void demo_base_features_geojson(uint64_t seed, struct buf *out);

/* Create the base in an empty store; ERR_EXISTS if it has plots already. */
int demo_base_create(struct db *db, uint64_t seed, int year, struct err *e);

#endif
