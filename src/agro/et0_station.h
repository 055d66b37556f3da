/*
 * et0_station: FAO-56 hourly reference evapotranspiration (eq. 53) of a
 * weather station from its stored series, hour by hour, for any run of
 * whole hours: the big screen's "ET0 so far today" and the water
 * balance's `et0=hourly` days both come from here.
 *
 * An hour counts when its temperature, humidity, wind and radiation
 * buckets all hold readings; its inputs are the hour's means (radiation
 * W/m2 turned into MJ m-2 hour-1).  Hours are those of the time zone whose
 * centre is tz_lon_deg (15 degrees an hour east of Greenwich), so that a
 * day's 24 hours may be taken in UTC (tz_lon 0) or in China Standard Time
 * (120).  By night Rs/Rso is ET0_STATION_NIGHT_RS_RSO.
 */
#ifndef OASIS_AGRO_ET0_STATION_H
#define OASIS_AGRO_ET0_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agro/fao56.h"
#include "ts/engine.h"
#include "util/err.h"

/* FAO-56 chapter 4, p. 75: Rs/Rso by night, 0.7-0.8 in arid climates. */
#define ET0_STATION_NIGHT_RS_RSO 0.75

/* The series an hour needs (and pressure, for the elevation). */
enum et0_wx {
	ET0_WX_TEMP, ET0_WX_RH, ET0_WX_WIND, ET0_WX_RS, ET0_WX_PRESSURE,
	ET0_WX_COUNT
};

/* "air_temp", "rh", "wind_speed", "solar_rad", "pressure". */
const char *et0_wx_metric(enum et0_wx m);

/* The hourly means of a station's series over a run of whole hours. */
struct et0_station_hours {
	int64_t from;                 /* ms, a whole hour */
	struct ts_bucket *b[ET0_WX_COUNT];
	size_t n[ET0_WX_COUNT];
};

/*
 * Read the hourly buckets of the station's series over [from, to) (ms,
 * from a whole hour).  series[m] is the id of metric m, 0 when the station
 * has none (its hours then do not count).  Free with
 * et0_station_hours_free().
 */
int et0_station_read(struct ts_engine *ts, const int64_t series[ET0_WX_COUNT],
		     int64_t from, int64_t to, struct et0_station_hours *out,
		     struct err *e);
void et0_station_hours_free(struct et0_station_hours *h);

/*
 * The elevation (m) of the station's mean pressure (hPa) over the hours
 * read, eq. 7 solved for z, within [-500, 9000]; `fallback` when it has
 * no barometer.
 */
double et0_station_elevation(const struct et0_station_hours *h,
			     double fallback);

/*
 * Hourly ET0 (mm) of the n_hours whole hours from `start` (ms, a whole
 * hour of the run read): et0[k] for hour k, have[k] false when the hour
 * lacks an input or its computation failed.  *in gives the site: lat_deg,
 * lon_deg, tz_lon_deg, alt_m; the rest is filled hour by hour.  The day of
 * the year and the hour are those of the tz_lon_deg zone.  Returns how many
 * hours count.
 */
size_t et0_station_hourly(const struct et0_station_hours *h,
			  const struct agro_et0_hourly_in *site,
			  int64_t start, size_t n_hours, double *et0,
			  bool *have);

#endif
