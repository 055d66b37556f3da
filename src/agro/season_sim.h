/*
 * season_sim: a synthetic, deterministic daily weather series for Manas,
 * Xinjiang (44.3 N, 86.2 E, 470 m), the county of the demo base, to drive
 * the water balance through whole seasons in tests, benchmarks and
 * simulations where no station record is at hand.  It is not a weather
 * forecast and not a station record.
 *
 * The climatology (agro_sim_manas_normals()) is a table of monthly values
 * anchored on published figures for the Manas-Shihezi oasis: monthly mean
 * air temperature -15.3 degC in January and 25.3 degC in July, annual
 * mean 7.4 degC, annual precipitation 206 mm (Shihezi, Wikipedia's
 * climate summary), about 2,800 hours of sunshine a year, mean wind about
 * 2 m/s, 165 frost-free days, Manas station at 471.4 m (Xinjiang
 * Meteorological Bureau).  The months between the anchors, the daily
 * ranges, the dew-point depressions and the split of the monthly rain into
 * wet days are estimates of this module, stated in docs/IRRIGATION.md;
 * replace the table with station normals when they are available.
 *
 * A day is a pure function of (seed, year, day of year): monthly values
 * interpolated between mid-months, a smooth temperature anomaly of a few
 * degrees with a period of several days, wet days drawn with the month's
 * frequency (cooler, cloudier and more humid, with an exponentially
 * distributed amount), solar radiation from sunshine hours by the Angstrom
 * formula (FAO-56 eq. 35) and ET0 by agro_fao56_daily().  No I/O, no
 * globals.
 */
#ifndef OASIS_AGRO_SEASON_SIM_H
#define OASIS_AGRO_SEASON_SIM_H

#include <stdint.h>

#include "agro/fao56.h"
#include "util/err.h"

#define AGRO_SIM_MANAS_LAT 44.3
#define AGRO_SIM_MANAS_LON 86.2
#define AGRO_SIM_MANAS_ALT 470.0

/* One month of the climatology. */
struct agro_sim_month {
	double tmax;          /* mean daily maximum, degC */
	double tmin;          /* mean daily minimum, degC */
	double dew_depression; /* Tmin - Tdew on dry days, degC */
	double rain_mm;       /* monthly total */
	double rain_days;     /* days with rain */
	double sunshine_frac; /* mean n/N */
	double u2;            /* mean wind speed at 2 m, m/s */
};

/* The twelve months, January first (static data). */
const struct agro_sim_month *agro_sim_manas_normals(void);

/* One synthetic day. */
struct agro_sim_day {
	int year, doy;
	double tmax, tmin; /* degC */
	double tdew;       /* degC */
	double u2;         /* m/s at 2 m */
	double sunshine_h; /* hours */
	double rs;         /* MJ m-2 day-1 (eq. 35) */
	double rain;       /* mm */
};

/* The weather of day `doy` (1..366) of `year` for a given seed. */
void agro_sim_manas_day(uint64_t seed, int year, int doy,
			struct agro_sim_day *out);

/* ET0 of a synthetic day at Manas (FAO-56 daily, Tdew and measured Rs). */
int agro_sim_et0(const struct agro_sim_day *d,
		 struct agro_et0_daily_out *out, struct err *e);

/* The climatological daily mean temperature of day `doy`, degC. */
double agro_sim_manas_tmean_normal(int doy);

#endif
