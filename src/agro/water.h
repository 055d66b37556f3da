/*
 * water: a plot's water picture from the store, day by day: the weather of
 * its station turned into FAO-56 reference evapotranspiration, its crop's
 * season (with the plot's own settings, agro/water_settings.h), the
 * irrigation its flow meters metered, its probes' moisture, and the soil
 * water balance (agro/balance.c) from sowing to the day asked, with the
 * recommendation for the days ahead (agro/plan.c).
 *
 * Days are the civil days of the site's time zone (water_ctx.tz, from
 * util/tz: local midnight to local midnight, 23 or 25 h across a
 * daylight-saving change), numbered from 1970-01-01 local.  The station is the plot's own, else the nearest
 * weather station.  Its daily weather (agro/water_weather.c) is read once
 * per request for all the plots that use it, and each station day resolved
 * once:
 *
 *   - a day with at least WATER_MIN_READINGS temperature readings is
 *     complete; missing humidity falls back to Tmin as the dew point,
 *     missing radiation to Hargreaves' formula, missing wind to 2 m/s
 *     (FAO-56's own procedures for missing data, agro_fao56_daily);
 *   - an incomplete day takes the whole day (ET0, Tmax, Tmin, rain) of the
 *     nearest other station with a complete day, within
 *     WATER_NEIGHBOUR_KM;
 *   - failing that, the ET0 and temperatures of the station's previous
 *     resolved day (its own rain is kept).
 *
 * With et0=hourly a day's ET0 is the sum of its 24 hourly FAO-56 ET0
 * (eq. 53, agro/et0_station.h, hours in UTC) when every hour has
 * temperature, humidity, wind and radiation; otherwise the daily method.
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
#include "util/tz.h"

/* The base's elevation when a station has none: Manas's oasis, 470 m. */
#define WATER_ALTITUDE_M 470.0
/* A day's weather needs this many temperature readings. */
#define WATER_MIN_READINGS 12
/* A neighbour station stands in for an incomplete day up to this far. */
#define WATER_NEIGHBOUR_KM 50.0

enum water_et0_method { WATER_ET0_DAILY, WATER_ET0_HOURLY };

/* Where a day's weather came from. */
enum water_source {
	WATER_SRC_STATION,   /* the station's own complete day */
	WATER_SRC_NEIGHBOUR, /* the nearest station with a complete day */
	WATER_SRC_PREVIOUS,  /* the station's previous resolved day */
	WATER_SRC_NONE,      /* nothing yet: ET0 0 */
};

/* "station", "neighbour", "previous_day", "none". */
const char *water_source_name(enum water_source s);

struct water_opts {
	enum water_et0_method et0;
};

struct water_day {
	int64_t day;             /* days since 1970-01-01 */
	double et0;
	bool weather_complete;   /* the plot's station had a complete day */
	enum water_source source;
	bool et0_hourly;         /* ET0 is the sum of 24 hourly values */
	const char *weather_station; /* whose day it is (the cache's); or NULL */
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
	const struct tz *tz;    /* the zone of the days (NULL: UTC days) */
};

/* Day numbers (local days since 1970-01-01 in w->tz) and instants. */
int64_t water_day_start(const struct water_ctx *w, int64_t day);
int64_t water_day_of(const struct water_ctx *w, int64_t ms);

/*
 * What one request reads once and shares among its plots: the stations
 * and their positions, every device by plot, each station's daily
 * weather.  Opaque; not thread-safe (one per request).
 */
struct water_cache;

int water_cache_open(const struct water_ctx *w, const struct water_opts *o,
		     struct water_cache **out, struct err *e);
void water_cache_close(struct water_cache *c);

/*
 * The balance of plot *p from its sowing to day `to_day` (days since the
 * epoch).  ERR_INVALID (saying what) for a plot without crop, sowing date
 * or a crop FAO-56's tables know, or with bad settings.  Free with
 * water_plot_free; its weather_station strings live as long as the cache.
 */
int water_compute(struct water_cache *c, const struct db_plot *p,
		  int64_t to_day, struct water_plot *out, struct err *e);
void water_plot_free(struct water_plot *p);

/*
 * Water a flow meter metered since since_ms, from its cumulative `volume`
 * series: the newest value less the last one before since_ms (or, without
 * one, the first one after it); a counter that went back (a reset or a
 * replaced meter) counts from zero.  *m3 is 0 when nothing was metered.
 */
int water_metered_since(struct ts_engine *ts, int64_t volume_series,
			int64_t since_ms, double *m3, struct err *e);

/* GET /plots/CODE/water: the days in [from_day, to_day] and the advice. */
int water_plot_json(const struct water_ctx *w, const struct water_opts *o,
		    const char *code, int64_t from_day, int64_t to_day,
		    struct buf *out, struct err *e);

/* GET /irrigation/plan: the base's plots due on `day`, most urgent first. */
int water_plan_json(const struct water_ctx *w, const struct water_opts *o,
		    int64_t day, struct buf *out, struct err *e);

#endif
