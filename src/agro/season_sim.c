/*
 * season_sim: deterministic synthetic daily weather of Manas; see
 * season_sim.h and docs/IRRIGATION.md ("The synthetic Manas weather").
 */
#include "agro/season_sim.h"

#include <math.h>
#include <stdbool.h>

/*
 * Monthly climatology.  Monthly means (Tmax + Tmin) / 2: -15.3 (Jan),
 * -11.4, -0.9, 11.6, 18.6, 23.6, 25.3 (Jul), 23.5, 17.5, 8.9, -1.0,
 * -11.2; annual 7.4 degC.  Rain totals 206 mm.
 */
static const struct agro_sim_month manas[12] = {
	/* tmax   tmin  dewdep rain  days  n/N   u2 */
	{ -9.8, -20.8, 1.0, 9, 5, 0.50, 1.2 },  /* Jan */
	{ -5.6, -17.2, 1.0, 8, 4, 0.55, 1.3 },  /* Feb */
	{ 5.0, -6.8, 2.0, 13, 5, 0.58, 1.7 },   /* Mar */
	{ 18.6, 4.6, 5.0, 20, 6, 0.62, 2.3 },   /* Apr */
	{ 25.9, 11.3, 5.0, 24, 7, 0.65, 2.2 },  /* May */
	{ 30.8, 16.4, 4.0, 25, 8, 0.67, 2.0 },  /* Jun */
	{ 32.4, 18.2, 3.5, 28, 8, 0.68, 1.8 },  /* Jul */
	{ 30.9, 16.1, 4.0, 19, 6, 0.73, 1.7 },  /* Aug */
	{ 25.1, 9.8, 4.5, 15, 5, 0.75, 1.6 },   /* Sep */
	{ 15.9, 1.9, 3.5, 17, 4, 0.70, 1.5 },   /* Oct */
	{ 4.0, -6.0, 2.0, 16, 5, 0.55, 1.4 },   /* Nov */
	{ -6.4, -16.0, 1.0, 12, 5, 0.48, 1.2 }, /* Dec */
};

static const int month_days[12] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };

/* Sunshine fraction of a wet day. */
#define WET_SUN 0.15

const struct agro_sim_month *agro_sim_manas_normals(void)
{
	return manas;
}

/* A uniform number in [0, 1) from (seed, a, b): splitmix64 finalizer. */
static double hash01(uint64_t seed, int64_t a, int64_t b)
{
	uint64_t x = seed ^ ((uint64_t)a * UINT64_C(0x9e3779b97f4a7c15)) ^
		     ((uint64_t)b * UINT64_C(0xbf58476d1ce4e5b9));

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return (double)(x >> 11) * 0x1.0p-53;
}

/* The month (0..11) of a day of a 365-day year (doy 366 counts as Dec). */
static int month_of(int doy)
{
	int m = 0, d = doy;

	while (m < 11 && d > month_days[m])
		d -= month_days[m++];
	return m;
}

/* The middle of month m as a day of the year (1-based, fractional). */
static double mid_month(int m)
{
	double d = 0;

	for (int k = 0; k < m; k++)
		d += month_days[k];
	return d + (month_days[m] + 1) / 2.0;
}

/* The fields of the climatology that vary smoothly through the year. */
enum field { F_TMAX, F_TMIN, F_DEW_DEP, F_SUN, F_U2 };

static double month_value(const struct agro_sim_month *m, enum field f)
{
	switch (f) {
	case F_TMAX:
		return m->tmax;
	case F_TMIN:
		return m->tmin;
	case F_DEW_DEP:
		return m->dew_depression;
	case F_SUN:
		return m->sunshine_frac;
	case F_U2:
		return m->u2;
	}
	return 0.0;
}

/*
 * A monthly field interpolated linearly between mid-months, wrapping
 * around the year.
 */
static double interp(int doy, enum field fld)
{
	double x = doy, a, b, f;
	int m0, m1;

	m0 = month_of(doy);
	if (x < mid_month(m0))
		m0 = (m0 + 11) % 12;
	m1 = (m0 + 1) % 12;
	a = mid_month(m0);
	b = mid_month(m1);
	if (b < a)
		b += 365;
	if (x < a)
		x += 365;
	f = (x - a) / (b - a);
	return (1 - f) * month_value(&manas[m0], fld) +
	       f * month_value(&manas[m1], fld);
}

/* Smooth noise in [-1, 1] with knots every `period` days. */
static double smooth(uint64_t seed, int64_t channel, int64_t day, int period)
{
	int64_t k = day >= 0 ? day / period : (day - period + 1) / period;
	double f = (double)(day - k * period) / period;
	double a = 2 * hash01(seed, channel, k) - 1;
	double b = 2 * hash01(seed, channel, k + 1) - 1;
	double w = (1 - cos(f * M_PI)) / 2;

	return a + (b - a) * w;
}

double agro_sim_manas_tmean_normal(int doy)
{
	return (interp(doy, F_TMAX) + interp(doy, F_TMIN)) / 2;
}

/* Day length N and extraterrestrial radiation Ra at Manas (eq. 21-25, 34). */
static void sun(int doy, double *n_max, double *ra)
{
	double lat = agro_fao56_rad(AGRO_SIM_MANAS_LAT);
	double decl = agro_fao56_declination(doy);
	double ws = agro_fao56_sunset_hour_angle(lat, decl);

	*n_max = agro_fao56_daylight_hours(ws);
	*ra = agro_fao56_ra_daily(lat, agro_fao56_inv_rel_distance(doy), decl,
				  ws);
}

void agro_sim_manas_day(uint64_t seed, int year, int doy,
			struct agro_sim_day *out)
{
	const struct agro_sim_month *mo = &manas[month_of(doy)];
	int64_t day = (int64_t)year * 366 + doy;
	double q = mo->rain_days / month_days[month_of(doy)];
	double anomaly = 3.5 * smooth(seed, 1, day, 4) +
			 1.0 * (2 * hash01(seed, 2, day) - 1);
	bool wet = hash01(seed, 3, day) < q;
	double sf = interp(doy, F_SUN);
	double n_max, ra;

	out->year = year;
	out->doy = doy;
	out->tmax = interp(doy, F_TMAX) + anomaly;
	out->tmin = interp(doy, F_TMIN) + anomaly;
	out->u2 = interp(doy, F_U2) * (0.6 + 0.8 * hash01(seed, 4, day));
	if (wet) {
		out->tmax -= 3.0;
		out->tmin += 1.0;
		out->tdew = out->tmin - 0.5;
		sf = WET_SUN;
		out->rain = fmin(60.0, -mo->rain_mm / mo->rain_days *
					       log(1 - hash01(seed, 5, day)));
	} else {
		/* dry days make up the month's mean sunshine */
		sf = fmin(0.92, (sf - q * WET_SUN) / (1 - q));
		out->tdew = out->tmin - interp(doy, F_DEW_DEP);
		out->rain = 0.0;
	}
	if (out->tmin > out->tmax - 2)
		out->tmin = out->tmax - 2;
	if (out->tdew > out->tmin)
		out->tdew = out->tmin;
	sun(doy, &n_max, &ra);
	out->sunshine_h = sf * n_max;
	out->rs = agro_fao56_rs_angstrom(0.25, 0.50, out->sunshine_h, n_max,
					 ra);
}

int agro_sim_et0(const struct agro_sim_day *d,
		 struct agro_et0_daily_out *out, struct err *e)
{
	struct agro_et0_daily_in in = {
		.lat_deg = AGRO_SIM_MANAS_LAT,
		.alt_m = AGRO_SIM_MANAS_ALT,
		.doy = d->doy,
		.tmax = d->tmax,
		.tmin = d->tmin,
		.tdew = { true, d->tdew },
		.wind = { true, d->u2 },
		.rs = { true, d->rs },
	};

	return agro_fao56_daily(&in, out, e);
}
