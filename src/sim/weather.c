/* The simulated weather of Manas: a pure function of seed, station, time. */
#include "sim/weather.h"

#include <math.h>

#include "agro/fao56.h"
#include "util/timeutil.h"

#define DEG (M_PI / 180.0)
#define SOLAR_CONSTANT 1367.0   /* W/m2 */
#define CLEAR_SKY 0.76          /* transmittance of a clear arid sky */

/* A uniform number in [0, 1) from (seed, a, b): reproducible noise. */
static double hash01(uint64_t seed, int64_t a, int64_t b)
{
	uint64_t x = seed ^ ((uint64_t)a * UINT64_C(0x9e3779b97f4a7c15)) ^
		     ((uint64_t)b * UINT64_C(0xc2b2ae3d27d4eb4f));

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (double)(x >> 11) * 0x1.0p-53;
}

/* Smooth noise in [-1, 1]: knots every `period` ms, cosine-interpolated. */
static double smooth(uint64_t seed, int64_t channel, int64_t ms, int64_t period)
{
	int64_t k = ms >= 0 ? ms / period : (ms - period + 1) / period;
	double f = (double)(ms - k * period) / (double)period;
	double a = hash01(seed, channel, k) * 2 - 1;
	double b = hash01(seed, channel, k + 1) * 2 - 1;
	double w = (1 - cos(f * M_PI)) / 2;

	return a + (b - a) * w;
}

int sim_day_of_year(int64_t ms)
{
	int y, m, d;
	int64_t days = ms >= 0 ? ms / MS_PER_DAY : (ms - MS_PER_DAY + 1) / MS_PER_DAY;

	time_civil_from_days(days, &y, &m, &d);
	return (int)(days - time_days_from_civil(y, 1, 1)) + 1;
}

/* Local solar time in hours (0..24) at the base. */
static double solar_hour(int64_t ms, int doy)
{
	double utc_h = (double)(((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) /
		       MS_PER_HOUR;
	double sc = agro_fao56_seasonal_correction(agro_fao56_seasonal_b(doy));
	double h = utc_h + SIM_LON / 15.0 + sc;

	return fmod(fmod(h, 24.0) + 24.0, 24.0);
}

/* The sun's height above the horizon, as its sine (negative below). */
static double sun_sine(int doy, double solar_h)
{
	double decl = agro_fao56_declination(doy);
	double omega = (solar_h - 12.0) * 15.0 * DEG;

	return sin(SIM_LAT * DEG) * sin(decl) +
	       cos(SIM_LAT * DEG) * cos(decl) * cos(omega);
}

/* Cloud cover of a day (0..1): most days clear, some overcast. */
static double day_cloud(uint64_t seed, int64_t ms)
{
	double c = smooth(seed, 11, ms, 2 * MS_PER_DAY);

	return c < 0.2 ? 0.05 : fmin(1.0, (c - 0.2) * 1.6);
}

/* Seasonal mean temperature and daily range at a day of year. */
void sim_weather_season(int doy, double *mean, double *range)
{
	double phase = cos(2 * M_PI * (doy - 15) / 365.25);

	*mean = 5.3 - 20.3 * phase;      /* -15 degC mid January, 25.6 mid July */
	*range = 11.5 - 2.5 * phase;     /* 9 in winter, 14 in summer */
}

/*
 * The diurnal shape: -1 at sunrise (about 5:30 solar in summer), +1 at
 * 15:00 solar; a cosine rise by day and a slow fall through the night.
 */
static double diurnal(double h)
{
	const double tmin = 5.5, tmax = 15.0;

	if (h >= tmin && h <= tmax)
		return -cos(M_PI * (h - tmin) / (tmax - tmin));
	if (h < tmin)
		h += 24.0;
	return cos(M_PI * (h - tmax) / (24.0 - tmax + tmin));
}

/* The dog days (三伏): the hottest spell of the year, centred on 20 July. */
#define DOG_DAYS_DOY 201
#define DOG_DAYS_WIDTH 9.0
#define DOG_DAYS_C 3.0

double sim_weather_anomaly(uint64_t seed, int64_t ms)
{
	double dog = (sim_day_of_year(ms) - DOG_DAYS_DOY) / DOG_DAYS_WIDTH;

	return 4.0 * smooth(seed, 21, ms, 3 * MS_PER_DAY) +
	       DOG_DAYS_C * exp(-dog * dog);
}

static double air_temperature(uint64_t seed, int station, int64_t ms, int doy,
			      double h, double cloud, double *day_min)
{
	double mean, range, anomaly;

	sim_weather_season(doy, &mean, &range);
	anomaly = sim_weather_anomaly(seed, ms) +
		  0.6 * smooth(seed, 100 + station, ms, 6 * MS_PER_HOUR);
	range *= 1.0 - 0.45 * cloud;
	mean += anomaly - 2.0 * cloud + 0.3 * (station % 3 - 1);
	*day_min = mean - range / 2;
	return mean + range / 2 * diurnal(h) +
	       0.15 * smooth(seed, 200 + station, ms, 10 * MS_PER_MINUTE);
}

static double radiation(uint64_t seed, int station, int64_t ms, int doy,
			double h, double cloud)
{
	double s = sun_sine(doy, h);
	double flicker;

	if (s <= 0)
		return 0.0;
	flicker = cloud > 0.3
		? 0.5 + 0.5 * smooth(seed, 300 + station, ms, 7 * MS_PER_MINUTE)
		: 1.0;
	return SOLAR_CONSTANT * agro_fao56_inv_rel_distance(doy) * s *
	       pow(CLEAR_SKY, 1.0 / fmax(s, 0.05)) * (1.0 - 0.75 * cloud * flicker);
}

static void wind(uint64_t seed, int station, int64_t ms, double h,
		 struct sim_weather *w)
{
	double gusty = smooth(seed, 41, ms, MS_PER_DAY);
	double event = gusty > 0.75 ? (gusty - 0.75) * 36.0 : 0.0;
	double base = 1.6 + 1.2 * fmax(0.0, sin((h - 9.0) / 12.0 * M_PI));

	w->wind_speed = fmax(0.0, base + event +
			     0.7 * smooth(seed, 400 + station, ms, 3 * MS_PER_MINUTE));
	w->wind_dir = fmod(315.0 + 40.0 * smooth(seed, 42, ms, 9 * MS_PER_HOUR) +
			   15.0 * smooth(seed, 500 + station, ms, 5 * MS_PER_MINUTE) +
			   360.0, 360.0);
}

void sim_weather_at(uint64_t seed, int station, int64_t ms,
		    struct sim_weather *out)
{
	int doy = sim_day_of_year(ms);
	double h = solar_hour(ms, doy), day_min, dew, es, ea;
	double cloud = day_cloud(seed, ms);

	out->cloud = cloud;
	out->air_temp = air_temperature(seed, station, ms, doy, h, cloud, &day_min);
	dew = day_min - 4.0 + 3.0 * cloud;
	es = agro_fao56_svp(out->air_temp);
	ea = agro_fao56_svp(fmin(dew, out->air_temp));
	out->rh = fmin(100.0, fmax(5.0, 100.0 * ea / es));
	out->solar_rad = radiation(seed, station, ms, doy, h, cloud);
	wind(seed, station, ms, h, out);
	out->rain = cloud > 0.8 && hash01(seed, 600 + station, ms / MS_PER_MINUTE) < 0.03
		? 0.2 : 0.0;
	out->pressure = 960.0 + 7.0 * smooth(seed, 51, ms, 4 * MS_PER_DAY) -
			1.0 * sin((h - 4.0) / 12.0 * M_PI) - 4.0 * cloud;
}
