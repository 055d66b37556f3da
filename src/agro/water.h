/*
 * water: a plot's water picture from the store, day by day: the weather of
 * its station turned into FAO-56 reference evapotranspiration, its crop's
 * season, the irrigation its flow meters metered, its probes' moisture,
 * and the soil water balance (agro/balance.c) from sowing to the day
 * asked, with the recommendation for the days ahead (agro/plan.c).
 *
 * Days are UTC days.  The station is the plot's own, else the nearest
 * weather station.  A day's weather needs at least 12 readings of
 * temperature; fewer, and the day is marked incomplete and takes the
 * station's previous complete day.  Missing humidity falls back to Tmin as
 * the dew point, missing radiation to Hargreaves' formula, missing wind to
 * 2 m/s: FAO-56's own procedures for missing data (agro_fao56_daily).
 */
#ifndef OASIS_AGRO_WATER_H
#define OASIS_AGRO_WATER_H

#include <stddef.h>
#include <stdint.h>

#include "agro/balance.h"
#include "agro/plan.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

/* The base's elevation when a station has none: Manas's oasis, 470 m. */
#define WATER_ALTITUDE_M 470.0

struct water_day {
	int64_t day;             /* days since 1970-01-01 */
	double et0;
	bool weather_complete;
	struct agro_day_out out;
};

struct water_plot {
	char code[DB_CODE_MAX];
	char station[DB_NAME_MAX];   /* "" when the base has none */
	struct agro_plot plot;
	struct water_day *days;      /* sowing .. the day asked */
	size_t n_days;
	struct agro_rec rec;         /* for the days after the last one */
	bool has_rec;
};

struct water_ctx {
	struct db *db;
	struct ts_engine *ts;
	struct ingest *ing;
};

/*
 * The balance of plot `code` from its sowing to day `to_day` (days since
 * the epoch).  ERR_NOT_FOUND for an unknown plot; ERR_INVALID (saying
 * what) for a plot without crop, sowing date or a crop FAO-56's tables
 * know.  Free with water_plot_free.
 */
int water_compute(const struct water_ctx *w, const char *code, int64_t to_day,
		  struct water_plot *out, struct err *e);
void water_plot_free(struct water_plot *p);

/* GET /plots/CODE/water: the days in [from_day, to_day] and the advice. */
int water_plot_json(const struct water_ctx *w, const char *code,
		    int64_t from_day, int64_t to_day, struct buf *out,
		    struct err *e);

/* GET /irrigation/plan: the base's plots due on `day`, most urgent first. */
int water_plan_json(const struct water_ctx *w, int64_t day, struct buf *out,
		    struct err *e);

#endif
