/* Sunrise and sunset by bisection on the SPA's elevation (sun.h). */
#include "sim/sun.h"

#include <math.h>

#include "pv/spa.h"
#include "util/timeutil.h"

double sim_sun_elevation(double lat, double lon, int64_t ms)
{
	struct pv_spa_site site = {
		.latitude = lat, .longitude = lon, .altitude = 0,
		.pressure = 101325, .temperature = PV_SPA_TEMPERATURE,
		.atmos_refract = PV_SPA_ATMOS_REFRACT,
	};
	struct pv_spa_sun sun;
	struct pv_spa_topo topo;

	pv_spa_sun((double)ms / 1000.0, PV_SPA_DELTA_T, &sun);
	pv_spa_topo(&sun, &site, &topo);
	return topo.e0;
}

/* The instant in [lo, hi] where the elevation crosses the horizon, to 1 s;
 * rising: below at lo, above at hi (else the reverse). */
static int64_t crossing(double lat, double lon, int64_t lo, int64_t hi,
			bool rising)
{
	while (hi - lo > MS_PER_SECOND) {
		int64_t mid = lo + (hi - lo) / 2;
		bool up = sim_sun_elevation(lat, lon, mid) > SIM_SUN_HORIZON_DEG;

		if (up == rising)
			hi = mid;
		else
			lo = mid;
	}
	return lo + (hi - lo) / 2;
}

bool sim_sun_rise_set(double lat, double lon, int64_t near, int64_t *rise,
		      int64_t *set)
{
	int64_t shift = (int64_t)(lon / 360.0 * MS_PER_DAY);
	int64_t local = near + shift;
	int64_t day = local >= 0 ? local / MS_PER_DAY
				 : (local - MS_PER_DAY + 1) / MS_PER_DAY;
	int64_t midnight = day * MS_PER_DAY - shift;
	int64_t noon = midnight + MS_PER_DAY / 2;
	double e_noon = sim_sun_elevation(lat, lon, noon);

	/* the elevation rises from midnight to noon and falls after (the
	 * equation of time moves noon by under 17 minutes) */
	if (e_noon <= SIM_SUN_HORIZON_DEG ||
	    sim_sun_elevation(lat, lon, midnight) > SIM_SUN_HORIZON_DEG ||
	    sim_sun_elevation(lat, lon, midnight + MS_PER_DAY) > SIM_SUN_HORIZON_DEG)
		return false;
	*rise = crossing(lat, lon, midnight, noon, true);
	*set = crossing(lat, lon, noon, midnight + MS_PER_DAY, false);
	return true;
}
