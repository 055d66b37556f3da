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
 * above field capacity drains downward.  A valve command (open for a
 * while, or close) overrides the schedule.
 *
 * Soil temperature is the heat equation's answer for a homogeneous soil
 * under a periodic surface temperature (sim_soil_wave): the yearly wave,
 * the daily one (its amplitude from the season's daily range and the
 * sky) and the passing warm and cold spells, each damped by e^(-z/D) and
 * delayed by z/D radians at depth z, D the damping depth of its period.
 * So 10 cm peaks about 3 h after the surface in the afternoon, 40 cm
 * barely moves in a day, and in winter the deep soil is the warm one.
 * The probes read the liquid water (as dielectric probes do): below 0 degC
 * most of it is ice (sim_soil_liquid).
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
	double liquid[3];         /* %vol of theta that is not frozen */
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

/* The probe's depths, m. */
extern const double sim_probe_depth_m[3];

/* Thermal diffusivity of the base's moist loam, m2/s (Hillel 2004, table
 * 12.3: 0.4-0.8 mm2/s for moist mineral soils). */
#define SIM_SOIL_KAPPA 0.5e-6

/* The damping depth D = sqrt(2 kappa / omega) of a wave of period_s. */
double sim_damping_depth(double kappa, double period_s);

/*
 * The heat equation in a semi-infinite homogeneous soil whose surface
 * temperature is mean + amplitude sin(angle): at depth z the wave is
 * amplitude e^(-z/D) sin(angle - z/D) (Carslaw & Jaeger, "Conduction of
 * Heat in Solids", 2nd ed. 1959, section 2.6; Hillel, "Introduction to
 * Environmental Soil Physics", 2004, eq. 12.30).  Returns that departure
 * from the mean.
 */
double sim_soil_wave(double z, double damping_depth, double amplitude,
		     double angle);

/* The simulated soil temperature at depth_m at instant ms (degC) for the
 * base of `seed` under the day's cloud (0..1). */
double sim_soil_temp(uint64_t seed, double depth_m, int64_t ms, double cloud);

/*
 * The liquid part (%vol) of soil water theta (%vol) at soil_t (degC), for
 * a soil of wilting point wp (%vol): all of it above 0 degC; below, the
 * unfrozen water of a power law in the freezing-point depression
 * (Anderson & Tice 1972, "Predicting unfrozen water contents in frozen
 * soils from surface area measurements", Highway Research Record 393:
 * theta_u = a |T|^-b), here a = 1.1 wp and b = 0.45, so that a loam keeps
 * about its wilting point's water liquid at -1 degC and half of it near
 * -5 degC.  Never more than theta.
 */
double sim_soil_liquid(double theta, double wp, double soil_t);

#endif
