/*
 * field: the simulated soil and irrigation of one plot: soil moisture and
 * temperature at 10, 20 and 40 cm, a drip line's valve and flow meter.
 *
 * Moisture falls with evapotranspiration from the simulated weather (a
 * Priestley-Taylor reference rate times a crop coefficient that follows
 * the cotton season from the sowing date) and rises with irrigation:
 * drip events during the season when the root zone has used half its
 * available water, and one winter irrigation (冬灌) in late October or
 * November, as Xinjiang's fields get to store water and leach salt.  Water
 * above field capacity drains downward.  Soil temperature follows the air
 * with lags and damping that grow with depth.  A valve command (open for a
 * while, or close) overrides the schedule.
 */
#ifndef OASIS_SIM_FIELD_H
#define OASIS_SIM_FIELD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/weather.h"

struct sim_field {
	uint64_t seed;
	int index;
	double fc, wp;            /* %vol */
	double area_m2;
	int sowing_doy;
	double theta[3];          /* %vol at 10, 20, 40 cm */
	double soil_t[3];         /* degC */
	bool irrigating;
	int64_t irrigation_end;
	double flow;              /* m3/h */
	double volume;            /* m3, cumulative */
	int winter_year;          /* the last year with a winter irrigation */
	int64_t last_ms;
};

/* fc and wp in m3/m3; a field starts moist, at its state for `start`. */
void sim_field_init(struct sim_field *f, uint64_t seed, int index, double fc,
		    double wp, double area_m2, int sowing_doy, int64_t start,
		    const struct sim_weather *w);

/* Advance the field to ms under the weather w (of the step's end). */
void sim_field_step(struct sim_field *f, const struct sim_weather *w,
		    int64_t ms);

/* Open the valve until `until` (ms), or close it now (until <= now). */
void sim_field_valve(struct sim_field *f, int64_t now, int64_t until);

#endif
