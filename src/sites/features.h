/*
 * features: what a site's map draws besides its plots and devices: its
 * canals, roads and shelterbelts (any GeoJSON the site's operator keeps),
 * as a GeoJSON FeatureCollection in EPSG:4326, kept among the store's
 * files (db.h: every node of a store sees them) as
 * sites/CODE/features.geojson.  The demo writes its base's; GET
 * /api/v1/sites/CODE/features serves it (docs/API.md).
 */
#ifndef OASIS_SITES_FEATURES_H
#define OASIS_SITES_FEATURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

/*
 * The features of site `code` (ERR_NOT_FOUND for an unknown site): the
 * saved FeatureCollection, or an empty one when there is none.
 */
int sites_features_json(struct db *db, const char *code, json_t **out,
			struct err *e);

/*
 * Save a site's features (a GeoJSON FeatureCollection, checked), unless
 * the site has some already and replace is false.
 */
int sites_features_save(struct db *db, const char *code, const char *geojson,
			size_t len, bool replace, int64_t now_ms,
			struct err *e);

#endif
