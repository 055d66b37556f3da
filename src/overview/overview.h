/*
 * overview: the whole base at a glance, for the big screen (GET
 * /api/v1/overview serialises what overview_build returns).
 *
 * One read-only pass over what the store holds now: the plot registry
 * (count, area, crops), the devices by kind, the stations' current weather
 * (their newest values), a wind rose of the last day, the reference
 * evapotranspiration accumulated so far today, soil moisture across the
 * probes (by depth and by plot), where the tractors and drones are, the
 * water the flow meters metered today, and the newest satellite and drone
 * scenes with each plot's newest NDVI (rs/imagery), and the alerts still
 * open or acknowledged (alert/).  A section without data (no flow meter,
 * no scene yet) says "available": false, so that a client shows an honest
 * empty state.
 *
 * The ET0 so far today is agro/et0_station's hourly FAO-56 ET0 of each
 * station, averaged over the stations hour by hour.
 *
 * "Current" means the newest value of a series, if it is at most 3 hours
 * old; older values are counted as not reporting.  "Today" is the civil
 * day of the site's time zone
 * (util/tz: tz_day_start_ms), or of the zone the caller asks for.
 *
 * The module sits above the services it reads (agro, alert, rs, ingest's
 * metric catalogue, the time-series engine, the store) and below http/.
 * The wind rose's binning and the moisture-by-depth averaging are pure.
 */
#ifndef OASIS_OVERVIEW_OVERVIEW_H
#define OASIS_OVERVIEW_OVERVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "ts/codec.h"
#include "util/err.h"

struct ts_engine;

struct tz;

/*
 * The overview at now (ms since the epoch) for the civil day of zone tz
 * holding now; site (NULL: none) is shown with its facts in "site";
 * alerts says whether the alert service runs (else the alerts section is
 * "available": false).  *out is the caller's.
 */
int overview_build(struct db *db, struct ts_engine *ts, bool alerts,
		   int64_t now, const struct tz *tz, const struct db_site *site,
		   json_t **out, struct err *e);

/* ---- the pure parts ---- */

/* Running statistics of a set of values. */
struct overview_stat {
	double sum, min, max;
	size_t n;
};

void overview_stat_add(struct overview_stat *s, double v);
/* {"value": the mean, "min", "max", "n", "unit"}, or null when empty */
json_t *overview_stat_json(const struct overview_stat *s, const char *unit);

/* Soil moisture by depth metric (moisture_10cm ... moisture_60cm), in the
 * order first met; depths past OVERVIEW_MAX_DEPTHS are not told apart. */
#define OVERVIEW_MAX_DEPTHS 8

struct overview_depths {
	struct overview_stat stat[OVERVIEW_MAX_DEPTHS];
	char name[OVERVIEW_MAX_DEPTHS][DB_NAME_MAX + 2];
	size_t n;
};

/* Adds v to metric's statistics; NULL when the depths are full. */
struct overview_stat *overview_depths_add(struct overview_depths *d,
					  const char *metric, double v);
/* [{"value", "min", "max", "n", "unit": "%vol", "metric"}, ...] */
json_t *overview_depths_json(const struct overview_depths *d);

/* The wind rose: 16 sectors of 22.5 degrees centred on N, NNE, ...;
 * speed classes from 0, 2, 4, 6 and 8 m/s. */
#define OVERVIEW_ROSE_SECTORS 16
#define OVERVIEW_ROSE_CLASSES 5

/* Counts the (direction, speed) pairs of equal time stamps (both series
 * in time order) into counts; *samples counts them all. */
void overview_rose_add(const struct ts_point *dir, size_t nd,
		       const struct ts_point *spd, size_t ns,
		       uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES],
		       uint64_t *samples);
json_t *overview_rose_json(
	const uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES],
	uint64_t samples);

#endif
