/*
 * demo_imagery: the demo base's imagery history.  Synthetic Sentinel-2 L2A
 * scenes every 3 days (10 m, UTM 45N, bands B03 B04 B08 with the
 * baseline 04.00 offset of 1000, and an SCL band with the odd cloud) and a
 * drone RGB mosaic (4 m) every 2 hours by day over the first row of
 * fields, made with GDAL in /vsimem/ and ingested through the imagery service like any
 * uploaded scene.  Each plot's NDVI follows its growth stage (days since
 * sowing: emergence, canopy, defoliation, harvest), with a per-plot vigour
 * and two weak plots, so that the series and the anomaly flags have
 * something to show.
 */
#ifndef OASIS_SIM_DEMO_IMAGERY_H
#define OASIS_SIM_DEMO_IMAGERY_H

#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

/* A plot's NDVI on a day: days after sowing, vigour 1 for a healthy plot. */
double demo_ndvi(int days_after_sowing, double vigour);

/*
 * Make and ingest the scenes acquired in [from_ms, to_ms); previews go
 * into data_dir.  Counts the scenes made into *n (may be NULL).
 */
int demo_imagery(struct db *db, const char *data_dir, uint64_t seed,
		 int64_t from_ms, int64_t to_ms, int *n, struct err *e);

#endif
