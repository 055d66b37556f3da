/*
 * weather: the simulated weather of the demo base near Manas, Xinjiang
 * (44.3 N, 86.2 E, about 470 m): a pure function of the station, the seed
 * and the instant, so that thirty days of history and the live feed agree
 * and a given seed always gives the same weather.
 *
 * The climate: a continental arid oasis.  Monthly mean air temperature from
 * about -15 degC in January to 25.5 degC in July (Manas/Shihezi normals),
 * daily ranges of 9-14 degC, the minimum near sunrise and the maximum at
 * three in the afternoon, solar time; the dog days (三伏) around 20 July
 * up to 3 degC hotter, when the base's heat-stress days come (Manas
 * sees 35 degC on a week or two a year); radiation from the sun's height
 * (FAO-56's extraterrestrial radiation, a clear-sky transmittance and
 * clouds), zero at night; humidity from a dew point a few degrees under the
 * day's minimum (dry air), more on cloudy days; wind of 1-4 m/s with an
 * afternoon maximum and the odd strong-wind day from the north-west; a
 * little rain on cloudy days; pressure around 960 hPa with weather
 * systems passing.
 */
#ifndef OASIS_SIM_WEATHER_H
#define OASIS_SIM_WEATHER_H

#include <stdint.h>

#define SIM_LAT 44.3
#define SIM_LON 86.2
#define SIM_ALT 470.0

struct sim_weather {
	double air_temp;     /* degC */
	double rh;           /* % */
	double solar_rad;    /* W/m2 */
	double wind_speed;   /* m/s at 2 m */
	double wind_dir;     /* degrees from north */
	double rain;         /* mm in the minute ending at the instant */
	double pressure;     /* hPa */
	double cloud;        /* 0 clear .. 1 overcast (for the field model) */
};

/*
 * The weather at station `station` (0, 1, ...: stations differ a little)
 * at instant ms, for the given seed.
 */
void sim_weather_at(uint64_t seed, int station, int64_t ms,
		    struct sim_weather *out);

/*
 * The seasonal climate at a day of year: mean air temperature and daily
 * range (degC), and the base-wide weather anomaly of the air temperature
 * at an instant (the passing warm and cold spells, degC): what the
 * simulated soil's surface follows.
 */
void sim_weather_season(int doy, double *mean, double *range);
double sim_weather_anomaly(uint64_t seed, int64_t ms);

/* Day of year (1..366) of an instant, UTC. */
int sim_day_of_year(int64_t ms);

#endif
