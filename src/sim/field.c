/* The simulated soil water, soil temperature and drip line of a plot. */
#include "sim/field.h"

#include <math.h>

#include "util/timeutil.h"

/* Layers the probe's sensors stand for: 0-15, 15-30 and 30-60 cm (mm). */
static const double layer_mm[3] = { 150.0, 150.0, 300.0 };
/* Where the crop takes its water from, and where drip water goes. */
static const double uptake[3] = { 0.5, 0.3, 0.2 };
static const double infiltration[3] = { 0.55, 0.3, 0.15 };
const double sim_probe_depth_m[3] = { 0.10, 0.20, 0.40 };

#define DRIP_DEPTH_MM 32.0
#define DRIP_HOURS 6.0
#define WINTER_DEPTH_MM 120.0
#define WINTER_HOURS 12.0
#define SEASON_DAYS 170

static double hash01(uint64_t seed, int64_t a, int64_t b)
{
	uint64_t x = seed ^ ((uint64_t)a * UINT64_C(0x9e3779b97f4a7c15)) ^
		     ((uint64_t)b * UINT64_C(0xc2b2ae3d27d4eb4f));

	x ^= x >> 31;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 29;
	return (double)(x >> 11) * 0x1.0p-53;
}

/* The cotton crop coefficient on a day of the season (FAO-56 shape). */
static double crop_kc(int day)
{
	if (day < 0 || day > SEASON_DAYS)
		return 0.15;               /* bare, mulched or stubble field */
	if (day < 30)
		return 0.35;
	if (day < 80)
		return 0.35 + (1.15 - 0.35) * (day - 30) / 50.0;
	if (day < 135)
		return 1.15;
	return 1.15 - (1.15 - 0.70) * (day - 135) / 35.0;
}

/*
 * Reference evapotranspiration, mm/h, by Hargreaves' radiation formula
 * (Hargreaves 1975; Hargreaves & Samani 1985): ET0 = 0.0135 (T + 17.8) Rs,
 * Rs as evaporation equivalent (0.408 mm per MJ/m2).  It gives Manas's
 * 6-7 mm/day in June from the simulated sun and heat.
 */
static double et0_rate(const struct sim_weather *w)
{
	double rs_mm = w->solar_rad * 0.0036 * 0.408; /* MJ/m2/h -> mm/h */

	if (w->air_temp < 0)
		return 0.0;
	return 0.0135 * (w->air_temp + 17.8) * rs_mm;
}

/* ---- soil temperature and frost --------------------------------------------- */

#define YEAR_S (365.2425 * 86400.0)
#define DAY_S 86400.0
#define SPELL_S (3 * 86400.0)       /* the weather's warm and cold spells */
/* The surface: a mulched field a little warmer than the air over the year
 * (Manas: air 5.3 degC, soil near 8 degC), its yearly wave damped by the
 * winter's snow, at its warmest in mid-July (day 196.6 after 1 January,
 * as the simulated air); by day at its warmest at 13:00 solar time. */
#define SURFACE_MEAN 8.3
#define SURFACE_YEAR_AMP 17.0
#define YEAR_PEAK_DAY 196.6
#define DAY_PEAK_H 13.0

double sim_damping_depth(double kappa, double period_s)
{
	return sqrt(2.0 * kappa / (2.0 * M_PI / period_s));
}

double sim_soil_wave(double z, double damping_depth, double amplitude,
		     double angle)
{
	double r = z / damping_depth;

	return amplitude * exp(-r) * sin(angle - r);
}

/* The surface's daily amplitude: half the season's daily air range, more
 * under a clear sky, more in summer (a bare or filmed surface heats well
 * beyond the air by day; snow and a low sun damp it in winter). */
static double day_amplitude(int64_t ms, double cloud)
{
	double mean, range, summer;
	int doy = sim_day_of_year(ms);

	sim_weather_season(doy, &mean, &range);
	summer = 0.7 - 0.3 * cos(2 * M_PI * (doy - 15) / 365.25); /* 0.4..1 */
	return range / 2 * (1.0 + 0.6 * (1.0 - cloud)) * summer;
}

double sim_soil_temp(uint64_t seed, double z, int64_t ms, double cloud)
{
	double days = (double)ms / MS_PER_DAY;
	double solar_h = fmod(fmod(days, 1.0) * 24.0 + SIM_LON / 15.0 + 48.0, 24.0);
	double year_angle = 2 * M_PI * (days - YEAR_PEAK_DAY) / 365.2425 + M_PI / 2;
	double day_angle = 2 * M_PI * (solar_h - DAY_PEAK_H) / 24.0 + M_PI / 2;
	double d_year = sim_damping_depth(SIM_SOIL_KAPPA, YEAR_S);
	double d_day = sim_damping_depth(SIM_SOIL_KAPPA, DAY_S);
	double d_spell = sim_damping_depth(SIM_SOIL_KAPPA, SPELL_S);
	/* a spell reaches depth z damped and z/D radians of its period late */
	int64_t late = (int64_t)(z / d_spell / (2 * M_PI) * SPELL_S * 1000.0);

	return SURFACE_MEAN +
	       sim_soil_wave(z, d_year, SURFACE_YEAR_AMP, year_angle) +
	       sim_soil_wave(z, d_day, day_amplitude(ms, cloud), day_angle) +
	       sim_weather_anomaly(seed, ms - late) * exp(-z / d_spell);
}

double sim_soil_liquid(double theta, double wp, double soil_t)
{
	double unfrozen;

	if (soil_t >= 0)
		return theta;
	unfrozen = 1.1 * wp * pow(-soil_t, -0.45);
	return unfrozen < theta ? unfrozen : theta;
}

static void soil_state(struct sim_field *f, const struct sim_weather *w,
		       int64_t ms)
{
	for (int i = 0; i < 3; i++) {
		f->soil_t[i] = sim_soil_temp(f->seed, sim_probe_depth_m[i], ms,
					     w->cloud);
		f->liquid[i] = sim_soil_liquid(f->theta[i], f->wp, f->soil_t[i]);
	}
}

void sim_field_init(struct sim_field *f, uint64_t seed, int index, double fc,
		    double wp, double area_m2, int sowing_doy, int64_t start,
		    const struct sim_weather *w)
{
	*f = (struct sim_field){
		.seed = seed, .index = index, .fc = fc * 100, .wp = wp * 100,
		.area_m2 = area_m2, .sowing_doy = sowing_doy, .last_ms = start,
	};
	for (int i = 0; i < 3; i++) {
		f->theta[i] = f->wp + (f->fc - f->wp) * (0.6 + 0.1 * i +
			      0.1 * hash01(seed, index, i));
	}
	soil_state(f, w, start);
}

void sim_field_valve(struct sim_field *f, int64_t now, int64_t until)
{
	f->irrigating = until > now;
	f->irrigation_end = until;
	f->flow = f->irrigating ? DRIP_DEPTH_MM / 1000.0 * f->area_m2 / DRIP_HOURS
				: 0.0;
}

static void start_irrigation(struct sim_field *f, int64_t now, double depth_mm,
			     double hours)
{
	f->irrigating = true;
	f->irrigation_end = now + (int64_t)(hours * MS_PER_HOUR);
	f->flow = depth_mm / 1000.0 * f->area_m2 / hours;
}

static double root_zone_fraction(const struct sim_field *f)
{
	double have = 0, cap = 0;

	for (int i = 0; i < 3; i++) {
		have += (f->theta[i] - f->wp) * layer_mm[i];
		cap += (f->fc - f->wp) * layer_mm[i];
	}
	return have / cap;
}

/* Start the season's drip or the winter irrigation when they are due. */
static void schedule(struct sim_field *f, int64_t ms, int doy)
{
	int season_day = doy - f->sowing_doy;
	int y, m, d;
	double hour = (double)((ms % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY) /
		      MS_PER_HOUR + SIM_LON / 15.0;
	int winter_doy = 295 + (int)(hash01(f->seed, f->index, 99) * 28);

	if (f->irrigating)
		return;
	hour = fmod(hour, 24.0);
	time_civil_from_days(ms / MS_PER_DAY, &y, &m, &d);
	if (season_day >= 0 && season_day <= SEASON_DAYS - 20 &&
	    hour >= 8 && hour < 18 && root_zone_fraction(f) < 0.5)
		start_irrigation(f, ms, DRIP_DEPTH_MM, DRIP_HOURS);
	else if (doy >= winter_doy && f->winter_year != y && hour >= 9)
		start_irrigation(f, ms, WINTER_DEPTH_MM, WINTER_HOURS),
		f->winter_year = y;
}

static void water(struct sim_field *f, const struct sim_weather *w, int doy,
		  double dt_h)
{
	double et = et0_rate(w) * crop_kc(doy - f->sowing_doy) * dt_h;
	double applied = f->irrigating ? f->flow * dt_h / f->area_m2 * 1000.0
				       : 0.0;

	applied += w->rain * dt_h * 60.0 * 0.7; /* rain per minute, effective */
	for (int i = 0; i < 3; i++) {
		/* FAO-56 eq. 84: no stress until the layer has used p = 0.65 */
		double dry = fmin(1.0, fmax(0.0, (f->theta[i] - f->wp) /
					    ((f->fc - f->wp) * (1 - 0.65))));
		double d_mm = applied * infiltration[i] - et * uptake[i] * dry;

		f->theta[i] += d_mm / layer_mm[i] * 100.0;
		if (f->theta[i] > f->fc && f->soil_t[i] >= 0) { /* ice holds it */
			/* drainage toward field capacity, a 10 h time constant */
			double excess = (f->theta[i] - f->fc) * fmin(1.0, dt_h / 10.0);

			f->theta[i] -= excess;
			if (i < 2)
				f->theta[i + 1] += excess * layer_mm[i] / layer_mm[i + 1];
		}
		f->theta[i] = fmin(f->fc + 8.0, fmax(f->wp * 0.7, f->theta[i]));
	}
}

void sim_field_step(struct sim_field *f, const struct sim_weather *w,
		    int64_t ms)
{
	double dt_h = (double)(ms - f->last_ms) / MS_PER_HOUR;
	int doy = sim_day_of_year(ms);

	if (dt_h <= 0)
		return;
	if (f->irrigating && ms >= f->irrigation_end)
		sim_field_valve(f, ms, 0);
	schedule(f, ms, doy);
	water(f, w, doy, dt_h);
	if (f->irrigating)
		f->volume += f->flow * dt_h;
	soil_state(f, w, ms);
	f->last_ms = ms;
}
