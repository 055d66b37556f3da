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

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

/*
 * The drone's patrol: a flight of 20 minutes every 2 hours from 10:00 to
 * 20:00 on the base's clock (Asia/Shanghai), each ending with a mosaic
 * (10:20, 12:20, ...); it flies by daylight only: from 15 minutes after
 * sunrise at Manas to 15 minutes before sunset (sim/sun.h), so five
 * flights a day in December and six in summer.
 */
#define DEMO_PATROL_FIRST_MS (10 * MS_PER_HOUR + 20 * MS_PER_MINUTE)
					/* the first mosaic, after local midnight */
#define DEMO_PATROL_EVERY_MS (2 * MS_PER_HOUR)
#define DEMO_PATROL_FLIGHTS 6
#define DEMO_PATROL_FLIGHT_MS (20 * MS_PER_MINUTE)

/* Whether the flight ending at `end` flies on a day of sunrise `rise` and
 * sunset `set` (ms). */
bool demo_patrol_by_day(int64_t end, int64_t rise, int64_t set);

/* A plot's NDVI on a day: days after sowing, vigour 1 for a healthy plot. */
double demo_ndvi(int days_after_sowing, double vigour);

/*
 * Make and ingest the scenes acquired in [from_ms, to_ms); previews go
 * into data_dir.  Counts the scenes made into *n (may be NULL).
 */
int demo_imagery(struct db *db, const char *data_dir, uint64_t seed,
		 int64_t from_ms, int64_t to_ms, int *n, struct err *e);

/*
 * The same, with the drone's full patrol only from patrol_from on: in the
 * 23 days before it, one flight a week; before those, no drone and a
 * satellite pass every 6 days instead of 3 (the season's history stays
 * quick to make and its NDVI curve whole).
 */
int demo_imagery_season(struct db *db, const char *data_dir, uint64_t seed,
			int64_t from_ms, int64_t to_ms, int64_t patrol_from,
			int *n, struct err *e);

#endif
