/*
 * sun: daylight at the demo base (or any place): the sun's true elevation
 * and the day's sunrise and sunset, from NREL's Solar Position Algorithm
 * (pv/spa.h, the PV park's own).  Sunrise and sunset are the instants the
 * sun's centre stands 0.8333 degrees under the geometric horizon: 34' of
 * refraction and 16' of semi-diameter, the almanacs' and NOAA's
 * definition.  Pure functions: no clock, no globals.
 */
#ifndef OASIS_SIM_SUN_H
#define OASIS_SIM_SUN_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_SUN_HORIZON_DEG (-0.8333)

/* The sun's true (unrefracted) elevation, degrees, at instant ms. */
double sim_sun_elevation(double lat, double lon, int64_t ms);

/*
 * Sunrise and sunset (ms, UTC) of the local solar day that holds instant
 * `near` (from local solar midnight to the next), to the second; false
 * when the sun stays up or down all that day (polar day or night).
 */
bool sim_sun_rise_set(double lat, double lon, int64_t near, int64_t *rise,
		      int64_t *set);

#endif
