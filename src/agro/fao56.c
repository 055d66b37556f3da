/*
 * fao56: FAO-56 reference evapotranspiration; see fao56.h.
 *
 * The file follows the paper: the equations of chapter 3 first, in the
 * paper's order, then the input checks, then the daily (Box 11, Examples
 * 17, 18, 20) and hourly (Example 19) procedures that chain them.
 */
#include "agro/fao56.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define GSC 0.0820          /* solar constant, MJ m-2 min-1 (eq. 21, 28) */
#define SIGMA_DAY 4.903e-9  /* Stefan-Boltzmann, MJ K-4 m-2 day-1 (eq. 39) */
#define SIGMA_HOUR 2.043e-10 /* (4.903/24) 1e-9, MJ K-4 m-2 hour-1 (ch. 4) */
#define KELVIN 273.16       /* T,K = T + 273.16 in eq. 39 */
#define ALBEDO 0.23         /* grass reference surface (eq. 38) */
#define AS_DEFAULT 0.25     /* Angstrom as without calibration (eq. 35) */
#define BS_DEFAULT 0.50     /* Angstrom bs without calibration (eq. 35) */
#define KRS_INTERIOR 0.16   /* eq. 50, interior locations */
#define U2_MISSING 2.0      /* m/s when no wind data (p. 63) */
#define U2_FLOOR 0.5        /* u2 limited to >= 0.5 m/s in eq. 6 (p. 63) */
#define SUNSHINE_SLACK 0.1  /* hours n may exceed N by rounding */

/* ---------------------------------------------------------------------- */
/* Method names                                                            */

const char *agro_ea_method_name(enum agro_ea_method m)
{
	switch (m) {
	case AGRO_EA_MEASURED: return "measured";
	case AGRO_EA_TDEW: return "tdew";
	case AGRO_EA_RH_MAX_MIN: return "rh_max_min";
	case AGRO_EA_RH_MAX: return "rh_max";
	case AGRO_EA_RH_MEAN: return "rh_mean";
	case AGRO_EA_TMIN: return "tmin";
	case AGRO_EA_RH_HOURLY: return "rh_hourly";
	}
	return "unknown";
}

const char *agro_rs_method_name(enum agro_rs_method m)
{
	switch (m) {
	case AGRO_RS_MEASURED: return "measured";
	case AGRO_RS_ANGSTROM: return "angstrom";
	case AGRO_RS_HARGREAVES: return "hargreaves";
	}
	return "unknown";
}

const char *agro_rso_method_name(enum agro_rso_method m)
{
	switch (m) {
	case AGRO_RSO_ALTITUDE: return "altitude";
	case AGRO_RSO_ANGSTROM: return "angstrom";
	}
	return "unknown";
}

const char *agro_g_method_name(enum agro_g_method m)
{
	switch (m) {
	case AGRO_G_DAY: return "day";
	case AGRO_G_MONTH_NEXT: return "month_prev_next";
	case AGRO_G_MONTH_PREV: return "month_prev";
	case AGRO_G_HOUR_DAY: return "hour_day";
	case AGRO_G_HOUR_NIGHT: return "hour_night";
	}
	return "unknown";
}

const char *agro_u2_method_name(enum agro_u2_method m)
{
	switch (m) {
	case AGRO_U2_MEASURED: return "measured";
	case AGRO_U2_CONVERTED: return "converted";
	case AGRO_U2_DEFAULT: return "default";
	}
	return "unknown";
}

/* ---------------------------------------------------------------------- */
/* Atmospheric parameters (chapter 3)                                      */

/* eq. 7: P = 101.3 ((293 - 0.0065 z) / 293)^5.26 */
double agro_fao56_pressure(double z)
{
	return 101.3 * pow((293.0 - 0.0065 * z) / 293.0, 5.26);
}

/* eq. 8: gamma = cp P / (epsilon lambda) = 0.665e-3 P */
double agro_fao56_psychrometric(double p)
{
	return 0.665e-3 * p;
}

/* ---------------------------------------------------------------------- */
/* Air humidity                                                            */

/* eq. 11: e°(T) = 0.6108 exp(17.27 T / (T + 237.3)) */
double agro_fao56_svp(double t)
{
	return 0.6108 * exp(17.27 * t / (t + 237.3));
}

/* eq. 12: es = (e°(Tmax) + e°(Tmin)) / 2 */
double agro_fao56_es(double tmax, double tmin)
{
	return (agro_fao56_svp(tmax) + agro_fao56_svp(tmin)) / 2.0;
}

/* eq. 13: Delta = 4098 e°(T) / (T + 237.3)^2 */
double agro_fao56_slope(double t)
{
	return 4098.0 * agro_fao56_svp(t) / ((t + 237.3) * (t + 237.3));
}

/* eq. 17: ea = [e°(Tmin) RHmax/100 + e°(Tmax) RHmin/100] / 2 */
double agro_fao56_ea_rh_max_min(double es_tmin, double es_tmax,
				double rh_max, double rh_min)
{
	return (es_tmin * rh_max / 100.0 + es_tmax * rh_min / 100.0) / 2.0;
}

/* eq. 18: ea = e°(Tmin) RHmax/100 */
double agro_fao56_ea_rh_max(double es_tmin, double rh_max)
{
	return es_tmin * rh_max / 100.0;
}

/* eq. 19: ea = RHmean/100 [(e°(Tmax) + e°(Tmin)) / 2] */
double agro_fao56_ea_rh_mean(double es_tmin, double es_tmax, double rh_mean)
{
	return rh_mean / 100.0 * (es_tmax + es_tmin) / 2.0;
}

/* eq. 54: ea = e°(Thr) RHhr/100 */
double agro_fao56_ea_rh_hourly(double es_t, double rh)
{
	return es_t * rh / 100.0;
}

/* ---------------------------------------------------------------------- */
/* Extraterrestrial radiation and day length                               */

/* eq. 22: radians = pi/180 decimal degrees */
double agro_fao56_rad(double deg)
{
	return M_PI / 180.0 * deg;
}

/* eq. 23: dr = 1 + 0.033 cos(2 pi J / 365) */
double agro_fao56_inv_rel_distance(int doy)
{
	return 1.0 + 0.033 * cos(2.0 * M_PI * doy / 365.0);
}

/* eq. 24: delta = 0.409 sin(2 pi J / 365 - 1.39) */
double agro_fao56_declination(int doy)
{
	return 0.409 * sin(2.0 * M_PI * doy / 365.0 - 1.39);
}

/*
 * eq. 25: omega_s = arccos[-tan(phi) tan(delta)].  Beyond the polar
 * circles the argument leaves [-1, 1]: the sun then never sets (pi) or
 * never rises (0).
 */
double agro_fao56_sunset_hour_angle(double lat_rad, double decl)
{
	double x = -tan(lat_rad) * tan(decl);

	if (x <= -1.0)
		return M_PI;
	if (x >= 1.0)
		return 0.0;
	return acos(x);
}

/*
 * eq. 21: Ra = 24(60)/pi Gsc dr [omega_s sin(phi) sin(delta)
 *                                + cos(phi) cos(delta) sin(omega_s)]
 */
double agro_fao56_ra_daily(double lat_rad, double dr, double decl,
			   double omega_s)
{
	return 24.0 * 60.0 / M_PI * GSC * dr *
	       (omega_s * sin(lat_rad) * sin(decl) +
		cos(lat_rad) * cos(decl) * sin(omega_s));
}

/* eq. 34: N = 24/pi omega_s */
double agro_fao56_daylight_hours(double omega_s)
{
	return 24.0 / M_PI * omega_s;
}

/* eq. 33: b = 2 pi (J - 81) / 364 */
double agro_fao56_seasonal_b(int doy)
{
	return 2.0 * M_PI * (doy - 81) / 364.0;
}

/* eq. 32: Sc = 0.1645 sin(2b) - 0.1255 cos(b) - 0.025 sin(b) */
double agro_fao56_seasonal_correction(double b)
{
	return 0.1645 * sin(2.0 * b) - 0.1255 * cos(b) - 0.025 * sin(b);
}

/* x wrapped into [-180, 180) (degrees) or [-pi, pi) (radians). */
static double wrap(double x, double half_turn)
{
	x = fmod(x + half_turn, 2.0 * half_turn);
	if (x < 0)
		x += 2.0 * half_turn;
	return x - half_turn;
}

/*
 * eq. 31: omega = pi/12 [(t + 0.06667 (Lz - Lm) + Sc) - 12], with Lz and Lm
 * in degrees WEST of Greenwich.  With east-positive longitudes Lz = -tz_lon
 * and Lm = -lon, so Lz - Lm = lon - tz_lon, taken the short way round.
 */
double agro_fao56_solar_time_angle(double t_mid, double lon_deg,
				   double tz_lon_deg, double sc)
{
	double lz_minus_lm = wrap(lon_deg - tz_lon_deg, 180.0);
	double omega = M_PI / 12.0 *
		       ((t_mid + 0.06667 * lz_minus_lm + sc) - 12.0);

	return wrap(omega, M_PI);
}

/*
 * eq. 28: Ra = 12(60)/pi Gsc dr [(omega2 - omega1) sin(phi) sin(delta)
 *                  + cos(phi) cos(delta) (sin(omega2) - sin(omega1))]
 */
double agro_fao56_ra_period(double lat_rad, double dr, double decl,
			    double omega1, double omega2)
{
	return 12.0 * 60.0 / M_PI * GSC * dr *
	       ((omega2 - omega1) * sin(lat_rad) * sin(decl) +
		cos(lat_rad) * cos(decl) * (sin(omega2) - sin(omega1)));
}

/* ---------------------------------------------------------------------- */
/* Solar and net radiation                                                 */

/* eq. 35: Rs = (as + bs n/N) Ra */
double agro_fao56_rs_angstrom(double as, double bs, double n, double n_max,
			      double ra)
{
	return (as + bs * n / n_max) * ra;
}

/* eq. 36: Rso = (as + bs) Ra */
double agro_fao56_rso_angstrom(double as, double bs, double ra)
{
	return (as + bs) * ra;
}

/* eq. 37: Rso = (0.75 + 2e-5 z) Ra */
double agro_fao56_rso_altitude(double z, double ra)
{
	return (0.75 + 2e-5 * z) * ra;
}

/* eq. 38: Rns = (1 - alpha) Rs, alpha = 0.23 */
double agro_fao56_rns(double rs)
{
	return (1.0 - ALBEDO) * rs;
}

static double pow4(double x)
{
	return x * x * x * x;
}

/* sigma T,K^4 with sigma = 4.903e-9 MJ K-4 m-2 day-1 (Table 2.8) */
double agro_fao56_sigma_t4_daily(double t)
{
	return SIGMA_DAY * pow4(t + KELVIN);
}

/* sigma T,K^4 with sigma = 2.043e-10 MJ K-4 m-2 hour-1 (chapter 4) */
double agro_fao56_sigma_t4_hourly(double t)
{
	return SIGMA_HOUR * pow4(t + KELVIN);
}

/*
 * eq. 39: Rnl = [sigma T,K^4 term] (0.34 - 0.14 sqrt(ea))
 *               (1.35 Rs/Rso - 0.35), with Rs/Rso <= 1.0
 */
double agro_fao56_rnl(double sigma_t4, double ea, double rs_rso)
{
	if (rs_rso > 1.0)
		rs_rso = 1.0;
	return sigma_t4 * (0.34 - 0.14 * sqrt(ea)) * (1.35 * rs_rso - 0.35);
}

/* eq. 50: Rs = kRs sqrt(Tmax - Tmin) Ra */
double agro_fao56_rs_hargreaves(double krs, double tmax, double tmin,
				double ra)
{
	return krs * sqrt(tmax - tmin) * ra;
}

/* ---------------------------------------------------------------------- */
/* Soil heat flux                                                          */

/* eq. 43: Gmonth,i = 0.07 (Tmonth,i+1 - Tmonth,i-1) */
double agro_fao56_g_month_next(double t_prev, double t_next)
{
	return 0.07 * (t_next - t_prev);
}

/* eq. 44: Gmonth,i = 0.14 (Tmonth,i - Tmonth,i-1) */
double agro_fao56_g_month_prev(double t_prev, double t_cur)
{
	return 0.14 * (t_cur - t_prev);
}

/* eq. 45: Ghr = 0.1 Rn in daylight; eq. 46: Ghr = 0.5 Rn at night */
double agro_fao56_g_hourly(double rn, bool daytime)
{
	return (daytime ? 0.1 : 0.5) * rn;
}

/* ---------------------------------------------------------------------- */
/* Wind speed                                                              */

/* eq. 47: u2 = uz 4.87 / ln(67.8 z - 5.42) */
double agro_fao56_u2(double uz, double z)
{
	return uz * 4.87 / log(67.8 * z - 5.42);
}

/* ---------------------------------------------------------------------- */
/* FAO Penman-Monteith (chapter 4)                                         */

void agro_fao56_penman_monteith(double delta, double gamma, double rn,
				double g, double t, double u2, double vpd,
				double cn, struct agro_pm_terms *out)
{
	double den = delta + gamma * (1.0 + 0.34 * u2);

	out->radiation = 0.408 * delta * (rn - g) / den;
	out->aerodynamic = gamma * cn / (t + 273.0) * u2 * vpd / den;
	out->et0 = out->radiation + out->aerodynamic;
}

/* ---------------------------------------------------------------------- */
/* Input checks                                                            */

/*
 * 0 when v is finite and within [lo, hi], else ERR_INVALID naming the input
 * (name), the value and the accepted range with its unit.
 */
static int check_range(const char *name, double v, double lo, double hi,
		       const char *unit, struct err *e)
{
	const char *sp = *unit ? " " : "";

	if (!isfinite(v))
		return err_set(e, ERR_INVALID, "%s: not a finite number", name);
	if (v < lo || v > hi)
		return err_set(e, ERR_INVALID,
			       "%s: %g%s%s is out of range (%g to %g%s%s)",
			       name, v, sp, unit, lo, hi, sp, unit);
	return ERR_OK;
}

static int check_opt(const char *name, const struct agro_opt *o, double lo,
		     double hi, const char *unit, struct err *e)
{
	if (!o->set)
		return ERR_OK;
	return check_range(name, o->value, lo, hi, unit, e);
}

static int check_doy(int doy, struct err *e)
{
	if (doy < 1 || doy > 366)
		return err_set(e, ERR_INVALID,
			       "doy: %d is out of range (1 to 366)", doy);
	return ERR_OK;
}

static int check_site(double lat, double alt, int doy, struct err *e)
{
	int rc;

	if ((rc = check_range("lat", lat, -90, 90, "deg", e)) ||
	    (rc = check_range("alt", alt, -500, 9000, "m", e)))
		return rc;
	return check_doy(doy, e);
}

static int check_temperatures(const struct agro_et0_daily_in *in,
			      struct err *e)
{
	int rc;

	if ((rc = check_range("tmax", in->tmax, -60, 60, "degC", e)) ||
	    (rc = check_range("tmin", in->tmin, -60, 60, "degC", e)))
		return rc;
	if (in->tmin > in->tmax)
		return err_set(e, ERR_INVALID,
			       "tmin: %g degC is above tmax (%g degC)",
			       in->tmin, in->tmax);
	return ERR_OK;
}

/* The humidity routes given, in the order of struct agro_et0_daily_in. */
static int humidity_routes(const struct agro_et0_daily_in *in,
			   const char *names[4])
{
	int n = 0;

	if (in->ea.set)
		names[n++] = "ea";
	if (in->tdew.set)
		names[n++] = "tdew";
	if (in->rh_max.set)
		names[n++] = "rhmax";
	if (in->rh_mean.set)
		names[n++] = "rhmean";
	return n;
}

static int check_humidity_routes(const struct agro_et0_daily_in *in,
				 struct err *e)
{
	const char *names[4];
	int n = humidity_routes(in, names);

	if (in->rh_min.set && !in->rh_max.set)
		return err_set(e, ERR_INVALID,
			       "rhmin: needs rhmax as well (eq. 17); with "
			       "RHmin alone FAO-56 gives no route, use rhmean "
			       "or leave humidity out");
	if (n > 1)
		return err_set(e, ERR_INVALID,
			       "%s: conflicts with %s; give one humidity "
			       "route: tdew, rhmax [with rhmin], rhmean or ea",
			       names[1], names[0]);
	if (in->tmin_dew_offset.set && n > 0)
		return err_set(e, ERR_INVALID,
			       "tmin-dew-offset: applies only when no humidity "
			       "is given (eq. 48), but %s is", names[0]);
	return ERR_OK;
}

static int check_humidity(const struct agro_et0_daily_in *in, struct err *e)
{
	int rc;

	if ((rc = check_humidity_routes(in, e)) ||
	    (rc = check_opt("ea", &in->ea, 0, 10, "kPa", e)) ||
	    (rc = check_opt("tdew", &in->tdew, -60, 60, "degC", e)) ||
	    (rc = check_opt("rhmax", &in->rh_max, 0, 100, "%", e)) ||
	    (rc = check_opt("rhmin", &in->rh_min, 0, 100, "%", e)) ||
	    (rc = check_opt("rhmean", &in->rh_mean, 0, 100, "%", e)) ||
	    (rc = check_opt("tmin-dew-offset", &in->tmin_dew_offset, 0, 10,
			    "degC", e)))
		return rc;
	if (in->tdew.set && in->tdew.value > in->tmax)
		return err_set(e, ERR_INVALID,
			       "tdew: %g degC is above tmax (%g degC); the "
			       "dewpoint cannot exceed the air temperature",
			       in->tdew.value, in->tmax);
	if (in->rh_min.set && in->rh_min.value > in->rh_max.value)
		return err_set(e, ERR_INVALID,
			       "rhmin: %g %% is above rhmax (%g %%)",
			       in->rh_min.value, in->rh_max.value);
	return ERR_OK;
}

static int check_wind(const struct agro_opt *wind,
		      const struct agro_opt *height, struct err *e)
{
	int rc;

	if (height->set && !wind->set)
		return err_set(e, ERR_INVALID,
			       "wind-height: given without wind");
	if ((rc = check_opt("wind", wind, 0, 60, "m/s", e)))
		return rc;
	return check_opt("wind-height", height, 0.5, 100, "m", e);
}

static int check_angstrom(const struct agro_et0_daily_in *in, struct err *e)
{
	double sum;
	int rc;

	if (in->angstrom_as.set != in->angstrom_bs.set)
		return err_set(e, ERR_INVALID,
			       "%s: calibrated Angstrom values come in pairs; "
			       "give both as and bs (or neither for 0.25 and "
			       "0.50)", in->angstrom_as.set ? "bs" : "as");
	if ((rc = check_opt("as", &in->angstrom_as, 0, 1, "", e)) ||
	    (rc = check_opt("bs", &in->angstrom_bs, 0, 1, "", e)))
		return rc;
	sum = in->angstrom_as.value + in->angstrom_bs.value;
	if (in->angstrom_as.set && (sum <= 0.0 || sum > 1.0))
		return err_set(e, ERR_INVALID,
			       "bs: as + bs = %g is out of range (above 0, at "
			       "most 1: the fraction of Ra reaching the ground "
			       "on clear days)", sum);
	return ERR_OK;
}

static int check_radiation(const struct agro_et0_daily_in *in, struct err *e)
{
	int rc;

	if (in->rs.set && in->sunshine.set)
		return err_set(e, ERR_INVALID,
			       "sunshine: conflicts with rs; give measured "
			       "rs or sunshine hours, not both");
	if (in->krs.set && (in->rs.set || in->sunshine.set))
		return err_set(e, ERR_INVALID,
			       "krs: applies only when neither rs nor "
			       "sunshine is given (eq. 50)");
	if ((rc = check_opt("rs", &in->rs, 0, 50, "MJ/m2/day", e)) ||
	    (rc = check_opt("sunshine", &in->sunshine, 0, 24, "hours", e)) ||
	    (rc = check_opt("krs", &in->krs, 0.1, 0.25, "degC^-0.5", e)))
		return rc;
	return check_angstrom(in, e);
}

static int check_monthly(const struct agro_et0_daily_in *in, struct err *e)
{
	int rc;

	if (in->tmonth_next.set && !in->tmonth_prev.set)
		return err_set(e, ERR_INVALID,
			       "tmonth-next: needs tmonth-prev as well "
			       "(eq. 43)");
	if ((rc = check_opt("tmonth-prev", &in->tmonth_prev, -60, 60,
			    "degC", e)))
		return rc;
	return check_opt("tmonth-next", &in->tmonth_next, -60, 60, "degC", e);
}

static int check_daily(const struct agro_et0_daily_in *in, struct err *e)
{
	int rc;

	if ((rc = check_site(in->lat_deg, in->alt_m, in->doy, e)) ||
	    (rc = check_temperatures(in, e)) ||
	    (rc = check_humidity(in, e)) ||
	    (rc = check_wind(&in->wind, &in->wind_height, e)) ||
	    (rc = check_radiation(in, e)))
		return rc;
	return check_monthly(in, e);
}

static int check_hourly(const struct agro_et0_hourly_in *in, struct err *e)
{
	int rc;

	if ((rc = check_site(in->lat_deg, in->alt_m, in->doy, e)) ||
	    (rc = check_range("lon", in->lon_deg, -180, 180, "deg", e)) ||
	    (rc = check_range("tz-lon", in->tz_lon_deg, -180, 180, "deg", e)))
		return rc;
	if (in->hour < 0 || in->hour > 23)
		return err_set(e, ERR_INVALID,
			       "hour: %d is out of range (0 to 23)", in->hour);
	if ((rc = check_range("t", in->t, -60, 60, "degC", e)) ||
	    (rc = check_range("rh", in->rh, 0, 100, "%", e)) ||
	    (rc = check_range("wind", in->wind, 0, 60, "m/s", e)) ||
	    (rc = check_opt("wind-height", &in->wind_height, 0.5, 100, "m",
			    e)) ||
	    (rc = check_range("rs", in->rs, 0, 5, "MJ/m2/hour", e)))
		return rc;
	return check_opt("rs-rso", &in->night_rs_rso, 0.3, 1.0, "", e);
}

/* ---------------------------------------------------------------------- */
/* Daily procedure (Box 11)                                                */

static void daily_atmosphere(const struct agro_et0_daily_in *in,
			     struct agro_et0_daily_out *out)
{
	out->pressure = agro_fao56_pressure(in->alt_m);
	out->gamma = agro_fao56_psychrometric(out->pressure);
}

/* ea by the route the inputs allow; the checks left at most one. */
static void daily_ea(const struct agro_et0_daily_in *in,
		     struct agro_et0_daily_out *out)
{
	double offset = in->tmin_dew_offset.set ? in->tmin_dew_offset.value : 0;

	if (in->ea.set) {
		out->ea_method = AGRO_EA_MEASURED;
		out->ea = in->ea.value;
	} else if (in->tdew.set) {
		out->ea_method = AGRO_EA_TDEW; /* eq. 14 */
		out->ea = agro_fao56_svp(in->tdew.value);
	} else if (in->rh_max.set && in->rh_min.set) {
		out->ea_method = AGRO_EA_RH_MAX_MIN;
		out->ea = agro_fao56_ea_rh_max_min(out->es_tmin, out->es_tmax,
						   in->rh_max.value,
						   in->rh_min.value);
	} else if (in->rh_max.set) {
		out->ea_method = AGRO_EA_RH_MAX;
		out->ea = agro_fao56_ea_rh_max(out->es_tmin, in->rh_max.value);
	} else if (in->rh_mean.set) {
		out->ea_method = AGRO_EA_RH_MEAN;
		out->ea = agro_fao56_ea_rh_mean(out->es_tmin, out->es_tmax,
						in->rh_mean.value);
	} else {
		/*
		 * eq. 48 prints 0.611 for eq. 11's 0.6108; we use eq. 11
		 * itself, as the text says Tmin stands in for Tdew (eq. 14).
		 */
		out->ea_method = AGRO_EA_TMIN;
		out->ea = agro_fao56_svp(in->tmin - offset);
	}
}

static void daily_humidity(const struct agro_et0_daily_in *in,
			   struct agro_et0_daily_out *out)
{
	out->tmean = (in->tmax + in->tmin) / 2.0; /* eq. 9 */
	out->delta = agro_fao56_slope(out->tmean);
	out->es_tmax = agro_fao56_svp(in->tmax);
	out->es_tmin = agro_fao56_svp(in->tmin);
	out->es = (out->es_tmax + out->es_tmin) / 2.0; /* eq. 12 */
	daily_ea(in, out);
	out->vpd = out->es - out->ea;
}

static void daily_sun(const struct agro_et0_daily_in *in,
		      struct agro_et0_daily_out *out)
{
	out->lat_rad = agro_fao56_rad(in->lat_deg);
	out->dr = agro_fao56_inv_rel_distance(in->doy);
	out->decl = agro_fao56_declination(in->doy);
	out->omega_s = agro_fao56_sunset_hour_angle(out->lat_rad, out->decl);
	out->ra = agro_fao56_ra_daily(out->lat_rad, out->dr, out->decl,
				      out->omega_s);
	out->daylight_hours = agro_fao56_daylight_hours(out->omega_s);
}

/* Rs by the route the inputs allow, after Ra, N and Rso are known. */
static int daily_rs(const struct agro_et0_daily_in *in, double as, double bs,
		    struct agro_et0_daily_out *out, struct err *e)
{
	double n, n_max = out->daylight_hours;
	double krs = in->krs.set ? in->krs.value : KRS_INTERIOR;

	out->sunshine_ratio = NAN;
	if (in->rs.set) {
		out->rs_method = AGRO_RS_MEASURED;
		out->rs = in->rs.value;
		return ERR_OK;
	}
	if (in->sunshine.set) {
		n = in->sunshine.value;
		if (n > n_max + SUNSHINE_SLACK)
			return err_set(e, ERR_INVALID,
				       "sunshine: %g hours exceeds the %.2f "
				       "daylight hours N of day %d at "
				       "latitude %g (eq. 34)",
				       n, n_max, in->doy, in->lat_deg);
		if (n > n_max)
			n = n_max;
		out->rs_method = AGRO_RS_ANGSTROM;
		out->sunshine_ratio = n / n_max;
		out->rs = agro_fao56_rs_angstrom(as, bs, n, n_max, out->ra);
		return ERR_OK;
	}
	out->rs_method = AGRO_RS_HARGREAVES;
	out->rs = agro_fao56_rs_hargreaves(krs, in->tmax, in->tmin, out->ra);
	if (out->rs > out->rso) { /* "limited to <= Rso" (eq. 50) */
		out->rs = out->rso;
		out->rs_capped = true;
	}
	return ERR_OK;
}

static int daily_radiation(const struct agro_et0_daily_in *in,
			   struct agro_et0_daily_out *out, struct err *e)
{
	bool calibrated = in->angstrom_as.set;
	double as = calibrated ? in->angstrom_as.value : AS_DEFAULT;
	double bs = calibrated ? in->angstrom_bs.value : BS_DEFAULT;
	int rc;

	daily_sun(in, out);
	if (out->ra <= 0)
		return err_set(e, ERR_UNSUPPORTED,
			       "lat: the sun does not rise on day %d at "
			       "latitude %g (polar night), so Rso is 0 and "
			       "net longwave radiation (eq. 39) is undefined",
			       in->doy, in->lat_deg);
	if (calibrated) {
		out->rso_method = AGRO_RSO_ANGSTROM;
		out->rso = agro_fao56_rso_angstrom(as, bs, out->ra);
	} else {
		out->rso_method = AGRO_RSO_ALTITUDE;
		out->rso = agro_fao56_rso_altitude(in->alt_m, out->ra);
	}
	if ((rc = daily_rs(in, as, bs, out, e)))
		return rc;
	out->rs_rso = fmin(out->rs / out->rso, 1.0);
	out->rns = agro_fao56_rns(out->rs);
	out->sigma_tmax4 = agro_fao56_sigma_t4_daily(in->tmax);
	out->sigma_tmin4 = agro_fao56_sigma_t4_daily(in->tmin);
	out->rnl = agro_fao56_rnl((out->sigma_tmax4 + out->sigma_tmin4) / 2.0,
				  out->ea, out->rs_rso);
	out->rn = out->rns - out->rnl; /* eq. 40 */
	return ERR_OK;
}

static void daily_soil_heat(const struct agro_et0_daily_in *in,
			    struct agro_et0_daily_out *out)
{
	if (in->tmonth_next.set) {
		out->g_method = AGRO_G_MONTH_NEXT;
		out->g = agro_fao56_g_month_next(in->tmonth_prev.value,
						 in->tmonth_next.value);
	} else if (in->tmonth_prev.set) {
		out->g_method = AGRO_G_MONTH_PREV;
		out->g = agro_fao56_g_month_prev(in->tmonth_prev.value,
						 out->tmean);
	} else {
		out->g_method = AGRO_G_DAY; /* eq. 42 */
		out->g = 0.0;
	}
}

/* u2 from the measurement (eq. 47 off 2 m) or the 2 m/s default. */
static void wind_at_2m(const struct agro_opt *wind,
		       const struct agro_opt *height, double *u2,
		       enum agro_u2_method *method)
{
	if (!wind->set) {
		*method = AGRO_U2_DEFAULT;
		*u2 = U2_MISSING;
	} else if (!height->set || height->value == 2.0) {
		*method = AGRO_U2_MEASURED;
		*u2 = wind->value;
	} else {
		*method = AGRO_U2_CONVERTED;
		*u2 = agro_fao56_u2(wind->value, height->value);
	}
}

int agro_fao56_daily(const struct agro_et0_daily_in *in,
		     struct agro_et0_daily_out *out, struct err *e)
{
	struct agro_pm_terms pm;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_daily(in, e)))
		return rc;
	daily_atmosphere(in, out);
	daily_humidity(in, out);
	if ((rc = daily_radiation(in, out, e)))
		return rc;
	daily_soil_heat(in, out);
	wind_at_2m(&in->wind, &in->wind_height, &out->u2, &out->u2_method);
	out->u2_in_et0 = fmax(out->u2, U2_FLOOR);
	agro_fao56_penman_monteith(out->delta, out->gamma, out->rn, out->g,
				   out->tmean, out->u2_in_et0, out->vpd,
				   AGRO_FAO56_CN_DAILY, &pm);
	out->et0_radiation = pm.radiation;
	out->et0_aerodynamic = pm.aerodynamic;
	out->et0 = pm.et0;
	return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Hourly procedure (Example 19)                                           */

/*
 * The sun's position over the hour and Ra (eq. 28-33).  The hour counts as
 * night when its midpoint angle lies outside [-omega_s, omega_s]; Ra is
 * then 0, as the paper says after eq. 31.  By day the integration of eq. 28
 * is kept between sunrise and sunset, so that an hour holding sunrise or
 * sunset counts only its sunlit part.
 */
static void hourly_sun(const struct agro_et0_hourly_in *in,
		       struct agro_et0_hourly_out *out)
{
	double w1, w2;

	out->lat_rad = agro_fao56_rad(in->lat_deg);
	out->dr = agro_fao56_inv_rel_distance(in->doy);
	out->decl = agro_fao56_declination(in->doy);
	out->omega_s = agro_fao56_sunset_hour_angle(out->lat_rad, out->decl);
	out->b = agro_fao56_seasonal_b(in->doy);
	out->sc = agro_fao56_seasonal_correction(out->b);
	out->t_mid = in->hour + 0.5;
	out->omega = agro_fao56_solar_time_angle(out->t_mid, in->lon_deg,
						 in->tz_lon_deg, out->sc);
	out->omega1 = out->omega - M_PI / 24.0; /* eq. 29, tl = 1 hour */
	out->omega2 = out->omega + M_PI / 24.0; /* eq. 30 */
	out->ra = 0.0;
	if (out->omega >= -out->omega_s && out->omega <= out->omega_s) {
		w1 = fmax(out->omega1, -out->omega_s);
		w2 = fmin(out->omega2, out->omega_s);
		out->ra = fmax(agro_fao56_ra_period(out->lat_rad, out->dr,
						    out->decl, w1, w2), 0.0);
	}
	out->daytime = out->ra > 0.0;
}

static int hourly_radiation(const struct agro_et0_hourly_in *in,
			    struct agro_et0_hourly_out *out, struct err *e)
{
	hourly_sun(in, out);
	out->rso = agro_fao56_rso_altitude(in->alt_m, out->ra);
	out->rs = in->rs;
	if (out->daytime) {
		out->rs_rso = fmin(out->rs / out->rso, 1.0);
	} else if (in->night_rs_rso.set) {
		out->rs_rso = in->night_rs_rso.value;
		out->rs_rso_given = true;
	} else {
		return err_set(e, ERR_INVALID,
			       "rs-rso: needed for hour %02d-%02d of day %d: "
			       "the sun is below the horizon (solar time "
			       "angle %.2f rad, sunset at %.2f rad), so Rso "
			       "is 0; give the Rs/Rso of a period 2-3 hours "
			       "before sunset, or 0.4-0.6 in humid and "
			       "0.7-0.8 in arid climates",
			       in->hour, in->hour + 1, in->doy, out->omega,
			       out->omega_s);
	}
	out->rns = agro_fao56_rns(out->rs);
	out->sigma_t4 = agro_fao56_sigma_t4_hourly(in->t);
	out->rnl = agro_fao56_rnl(out->sigma_t4, out->ea, out->rs_rso);
	out->rn = out->rns - out->rnl; /* eq. 40 */
	return ERR_OK;
}

int agro_fao56_hourly(const struct agro_et0_hourly_in *in,
		      struct agro_et0_hourly_out *out, struct err *e)
{
	struct agro_opt wind = { true, in->wind };
	struct agro_pm_terms pm;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_hourly(in, e)))
		return rc;
	out->pressure = agro_fao56_pressure(in->alt_m);
	out->gamma = agro_fao56_psychrometric(out->pressure);
	out->delta = agro_fao56_slope(in->t);
	out->es = agro_fao56_svp(in->t);
	out->ea_method = AGRO_EA_RH_HOURLY;
	out->ea = agro_fao56_ea_rh_hourly(out->es, in->rh);
	out->vpd = out->es - out->ea;
	if ((rc = hourly_radiation(in, out, e)))
		return rc;
	out->g_method = out->daytime ? AGRO_G_HOUR_DAY : AGRO_G_HOUR_NIGHT;
	out->g = agro_fao56_g_hourly(out->rn, out->daytime);
	wind_at_2m(&wind, &in->wind_height, &out->u2, &out->u2_method);
	agro_fao56_penman_monteith(out->delta, out->gamma, out->rn, out->g,
				   in->t, out->u2, out->vpd,
				   AGRO_FAO56_CN_HOURLY, &pm);
	out->et0_radiation = pm.radiation;
	out->et0_aerodynamic = pm.aerodynamic;
	out->et0 = pm.et0;
	return ERR_OK;
}
