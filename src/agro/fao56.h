/*
 * fao56: grass reference evapotranspiration ET0 by the FAO Penman-Monteith
 * method, daily and hourly, as laid down in FAO Irrigation and Drainage Paper
 * 56 (Allen, Pereira, Raes, Smith 1998, "Crop evapotranspiration"), chapters
 * 3 and 4.  Equation numbers in this module are the paper's.
 *
 * Pure computation: no I/O, no globals, no clock.  Each equation is one small
 * function; agro_fao56_daily() and agro_fao56_hourly() chain them the way the
 * paper's calculation sheet (Box 11) and Example 19 do, pick the paper's
 * route for whatever input is missing (humidity from Tmin, radiation from
 * sunshine hours or the temperature range, wind 2 m/s), and return every
 * intermediate term together with the route taken.
 *
 * Units are the paper's: temperatures degC, vapour pressures and pressure
 * kPa, slopes kPa/degC, radiation MJ m-2 per day (daily) or per hour
 * (hourly), wind m/s, ET0 mm per day or per hour, angles in radians unless
 * a name ends in _deg.  Latitudes are north-positive.  Longitudes are
 * EAST-positive (the paper's Lz and Lm in eq. 31 are degrees west of
 * Greenwich; the conversion is done inside).
 *
 * Validation: agro_fao56_daily() and agro_fao56_hourly() reject missing,
 * conflicting or out-of-range inputs with ERR_INVALID and a message that
 * starts with the name of the offending input as the `oasis et0` command
 * line spells it, without the dashes ("tmax: ...", "wind-height: ..."),
 * followed by what is wrong and the accepted range.
 */
#ifndef OASIS_AGRO_FAO56_H
#define OASIS_AGRO_FAO56_H

#include <stdbool.h>

#include "util/err.h"

/* An optional input: set says whether value holds a measurement. */
struct agro_opt {
	bool set;
	double value;
};

/* How the actual vapour pressure ea was obtained. */
enum agro_ea_method {
	AGRO_EA_MEASURED,   /* given directly (a monthly mean in Example 17) */
	AGRO_EA_TDEW,       /* eq. 14: e°(Tdew) */
	AGRO_EA_RH_MAX_MIN, /* eq. 17: RHmax and RHmin */
	AGRO_EA_RH_MAX,     /* eq. 18: RHmax only */
	AGRO_EA_RH_MEAN,    /* eq. 19: RHmean */
	AGRO_EA_TMIN,       /* eq. 48: no humidity data, Tdew taken as Tmin */
	AGRO_EA_RH_HOURLY,  /* eq. 54: hourly mean RH */
};

/* How the solar radiation Rs was obtained. */
enum agro_rs_method {
	AGRO_RS_MEASURED,   /* pyranometer */
	AGRO_RS_ANGSTROM,   /* eq. 35 from sunshine hours n */
	AGRO_RS_HARGREAVES, /* eq. 50 from Tmax - Tmin */
};

/* How the clear-sky radiation Rso was obtained. */
enum agro_rso_method {
	AGRO_RSO_ALTITUDE, /* eq. 37: (0.75 + 2e-5 z) Ra */
	AGRO_RSO_ANGSTROM, /* eq. 36: (as + bs) Ra, with calibrated as, bs */
};

/* How the soil heat flux G was obtained. */
enum agro_g_method {
	AGRO_G_DAY,        /* eq. 42: 0 for day and ten-day periods */
	AGRO_G_MONTH_NEXT, /* eq. 43: 0.07 (Tmonth,i+1 - Tmonth,i-1) */
	AGRO_G_MONTH_PREV, /* eq. 44: 0.14 (Tmonth,i - Tmonth,i-1) */
	AGRO_G_HOUR_DAY,   /* eq. 45: 0.1 Rn in daylight */
	AGRO_G_HOUR_NIGHT, /* eq. 46: 0.5 Rn at night */
};

/* How the wind speed at 2 m, u2, was obtained. */
enum agro_u2_method {
	AGRO_U2_MEASURED,  /* measured at 2 m */
	AGRO_U2_CONVERTED, /* eq. 47 from another height */
	AGRO_U2_DEFAULT,   /* no wind data: 2 m/s (chapter 3, p. 63) */
};

/* Stable lower-case names of the methods, as printed in JSON. */
const char *agro_ea_method_name(enum agro_ea_method m);
const char *agro_rs_method_name(enum agro_rs_method m);
const char *agro_rso_method_name(enum agro_rso_method m);
const char *agro_g_method_name(enum agro_g_method m);
const char *agro_u2_method_name(enum agro_u2_method m);

/*
 * Inputs for one day (or the mean day of a ten-day period or month, with
 * the period's mean daily values, as in Examples 17 and 20).
 *
 * Humidity: at most one of ea, tdew, rh_max (+ rh_min), rh_mean.  With none,
 * Tdew is taken as Tmin less tmin_dew_offset (eq. 48; the paper suggests
 * subtracting 2-3 degC in arid climates, Annex 6).
 * Radiation: rs if measured, else sunshine hours n (eq. 35), else the
 * Hargreaves temperature-range estimate (eq. 50) with krs.
 * Wind: measured at wind_height (default 2 m); missing means 2 m/s.
 * Soil heat flux: 0 for a day (eq. 42); for a monthly period give the mean
 * temperature of the previous month (eq. 44) and, if known, of the next
 * (eq. 43); the current month's mean is (tmax + tmin) / 2.
 */
struct agro_et0_daily_in {
	double lat_deg;  /* latitude, north-positive, [-90, 90] */
	double alt_m;    /* station elevation z, [-500, 9000] m */
	int doy;         /* day of the year J, 1..366 */
	double tmax;     /* daily maximum air temperature, degC */
	double tmin;     /* daily minimum air temperature, degC */

	struct agro_opt ea;     /* actual vapour pressure, kPa */
	struct agro_opt tdew;   /* dewpoint temperature, degC */
	struct agro_opt rh_max; /* maximum relative humidity, % */
	struct agro_opt rh_min; /* minimum relative humidity, %; needs rh_max */
	struct agro_opt rh_mean;         /* mean relative humidity, % */
	struct agro_opt tmin_dew_offset; /* degC, [0, 10]; default 0 */

	struct agro_opt wind;        /* m/s at wind_height */
	struct agro_opt wind_height; /* m above ground, [0.5, 100]; default 2 */

	struct agro_opt rs;          /* measured solar radiation, MJ/m2/day */
	struct agro_opt sunshine;    /* actual sunshine duration n, hours */
	struct agro_opt angstrom_as; /* calibrated as (with bs), default 0.25 */
	struct agro_opt angstrom_bs; /* calibrated bs (with as), default 0.50 */
	struct agro_opt krs; /* eq. 50 coefficient, [0.1, 0.25]; default 0.16 */

	struct agro_opt tmonth_prev; /* mean temperature of previous month */
	struct agro_opt tmonth_next; /* mean temperature of next month */
};

/* Every term of the daily computation (Box 11), in the paper's units. */
struct agro_et0_daily_out {
	/* atmosphere */
	double pressure; /* P, kPa (eq. 7) */
	double gamma;    /* psychrometric constant, kPa/degC (eq. 8) */
	/* temperature and humidity */
	double tmean;   /* degC (eq. 9) */
	double delta;   /* slope of e°(T) at Tmean, kPa/degC (eq. 13) */
	double es_tmax; /* e°(Tmax), kPa (eq. 11) */
	double es_tmin; /* e°(Tmin), kPa (eq. 11) */
	double es;      /* mean saturation vapour pressure, kPa (eq. 12) */
	double ea;      /* actual vapour pressure, kPa */
	enum agro_ea_method ea_method;
	double vpd;     /* es - ea, kPa */
	/* radiation */
	double lat_rad;        /* phi (eq. 22) */
	double dr;             /* inverse relative distance Earth-Sun, eq. 23 */
	double decl;           /* solar declination delta, rad (eq. 24) */
	double omega_s;        /* sunset hour angle, rad (eq. 25) */
	double ra;             /* extraterrestrial radiation (eq. 21) */
	double daylight_hours; /* N, hours (eq. 34) */
	double sunshine_ratio; /* n/N (eq. 35); NAN unless Rs is Angstrom's */
	double rs;             /* solar radiation */
	enum agro_rs_method rs_method;
	bool rs_capped;        /* eq. 50 estimate was limited to Rso */
	double rso;            /* clear-sky solar radiation */
	enum agro_rso_method rso_method;
	double rs_rso;         /* Rs/Rso, limited to <= 1.0 (eq. 39) */
	double rns;            /* net shortwave radiation (eq. 38) */
	double sigma_tmax4;    /* sigma Tmax,K^4 */
	double sigma_tmin4;    /* sigma Tmin,K^4 */
	double rnl;            /* net outgoing longwave radiation (eq. 39) */
	double rn;             /* net radiation (eq. 40) */
	double g;              /* soil heat flux */
	enum agro_g_method g_method;
	/* wind */
	double u2;       /* wind speed at 2 m, m/s */
	enum agro_u2_method u2_method;
	double u2_in_et0; /* u2 as used in eq. 6: at least 0.5 m/s (p. 63) */
	/* reference evapotranspiration, mm/day */
	/* den = Delta + gamma (1 + 0.34 u2) */
	double et0_radiation;   /* 0.408 Delta (Rn - G) / den */
	double et0_aerodynamic; /* gamma 900/(T + 273) u2 (es - ea) / den */
	double et0;             /* eq. 6: the sum of the two terms */
};

/*
 * Inputs for one hour [hour, hour + 1) of local standard clock time, as in
 * Example 19.  By night (sun below the horizon at the hour's midpoint) Rso
 * is 0 and the Rs/Rso ratio of eq. 39 must come from night_rs_rso: the
 * ratio of a period 2-3 hours before sunset, or 0.4-0.6 in humid and 0.7-0.8
 * in arid climates (chapter 4, p. 75).
 */
struct agro_et0_hourly_in {
	double lat_deg;    /* latitude, north-positive, [-90, 90] */
	double lon_deg;    /* site longitude, EAST-positive, [-180, 180] */
	double tz_lon_deg; /* east-positive longitude of the time zone's
			    * centre: 120 for UTC+8, -15 for UTC-1 */
	double alt_m;      /* station elevation z, [-500, 9000] m */
	int doy;           /* day of the year J, 1..366 */
	int hour;          /* start of the hour, 0..23, local standard time */
	double t;          /* mean hourly air temperature Thr, degC */
	double rh;         /* mean hourly relative humidity, % */
	double wind;       /* mean hourly wind speed at wind_height, m/s */
	struct agro_opt wind_height; /* m, [0.5, 100]; default 2 */
	double rs;         /* total solar radiation, MJ m-2 hour-1 */
	struct agro_opt night_rs_rso; /* Rs/Rso by night, [0.3, 1.0] */
};

/* Every term of the hourly computation (Example 19), in the paper's units. */
struct agro_et0_hourly_out {
	double pressure; /* P, kPa (eq. 7) */
	double gamma;    /* kPa/degC (eq. 8) */
	double delta;    /* slope at Thr, kPa/degC (eq. 13) */
	double es;       /* e°(Thr), kPa (eq. 11) */
	double ea;       /* kPa (eq. 54) */
	enum agro_ea_method ea_method;
	double vpd;      /* e°(Thr) - ea, kPa */
	double lat_rad;  /* phi (eq. 22) */
	double dr;       /* eq. 23 */
	double decl;     /* rad (eq. 24) */
	double omega_s;  /* sunset hour angle, rad (eq. 25) */
	double b;        /* eq. 33 */
	double sc;       /* seasonal correction for solar time, h (eq. 32) */
	double t_mid;    /* standard clock time at the midpoint, hours */
	double omega;    /* solar time angle at the midpoint, rad (eq. 31) */
	double omega1;   /* at the start of the hour, rad (eq. 29) */
	double omega2;   /* at the end of the hour, rad (eq. 30) */
	bool daytime;    /* sun above the horizon at the midpoint */
	double ra;       /* MJ m-2 hour-1 (eq. 28); 0 by night */
	double rso;      /* eq. 37; 0 by night */
	double rs;       /* measured */
	double rs_rso;   /* Rs/Rso, at most 1.0; night_rs_rso by night */
	bool rs_rso_given; /* rs_rso came from night_rs_rso */
	double rns;      /* eq. 38 */
	double sigma_t4; /* sigma Thr,K^4 with sigma = 2.043e-10 */
	double rnl;      /* eq. 39, hourly form */
	double rn;       /* eq. 40 */
	double g;        /* eq. 45 or 46 */
	enum agro_g_method g_method;
	double u2;       /* m/s */
	enum agro_u2_method u2_method;
	double et0_radiation;   /* mm/hour */
	double et0_aerodynamic; /* mm/hour */
	double et0;             /* eq. 53, mm/hour */
};

/*
 * The whole daily computation: validate *in, then fill *out with every term.
 * Returns 0, ERR_INVALID (bad input; message as described above), or
 * ERR_UNSUPPORTED when the day has no sunlight at that latitude (polar
 * night: Rso is 0 and eq. 39 is undefined).  *out is unspecified on error.
 */
int agro_fao56_daily(const struct agro_et0_daily_in *in,
		     struct agro_et0_daily_out *out, struct err *e);

/* The whole hourly computation; returns 0 or ERR_INVALID. */
int agro_fao56_hourly(const struct agro_et0_hourly_in *in,
		      struct agro_et0_hourly_out *out, struct err *e);

/*
 * The equations, one function each.  They do not validate: callers pass
 * values in range (the two functions above do).
 */

/* Atmospheric parameters. */
double agro_fao56_pressure(double z);     /* eq. 7: P from elevation z, kPa */
double agro_fao56_psychrometric(double p); /* eq. 8: gamma from P */

/* Vapour pressure. */
double agro_fao56_svp(double t);   /* eq. 11: e°(T), kPa; also eq. 14, 48 */
double agro_fao56_es(double tmax, double tmin); /* eq. 12 */
double agro_fao56_slope(double t); /* eq. 13: Delta, kPa/degC */
/* eq. 17 */
double agro_fao56_ea_rh_max_min(double es_tmin, double es_tmax,
				double rh_max, double rh_min);
/* eq. 18 */
double agro_fao56_ea_rh_max(double es_tmin, double rh_max);
/* eq. 19 */
double agro_fao56_ea_rh_mean(double es_tmin, double es_tmax, double rh_mean);
/* eq. 54 */
double agro_fao56_ea_rh_hourly(double es_t, double rh);

/* Extraterrestrial radiation and day length. */
double agro_fao56_rad(double deg);             /* eq. 22 */
double agro_fao56_inv_rel_distance(int doy);   /* eq. 23: dr */
double agro_fao56_declination(int doy);        /* eq. 24: delta, rad */
/* eq. 25: omega_s; 0 in polar night, pi in polar day. */
double agro_fao56_sunset_hour_angle(double lat_rad, double decl);
/* eq. 21: Ra, MJ m-2 day-1 */
double agro_fao56_ra_daily(double lat_rad, double dr, double decl,
			   double omega_s);
double agro_fao56_daylight_hours(double omega_s); /* eq. 34: N */
double agro_fao56_seasonal_b(int doy);            /* eq. 33: b */
double agro_fao56_seasonal_correction(double b);  /* eq. 32: Sc, hours */
/*
 * eq. 31: the solar time angle at the midpoint t (standard clock hours) of
 * a period, for an east-positive site longitude and time zone centre,
 * wrapped to [-pi, pi).
 */
double agro_fao56_solar_time_angle(double t_mid, double lon_deg,
				   double tz_lon_deg, double sc);
/* eq. 28: Ra between solar time angles omega1 < omega2, MJ m-2 hour-1. */
double agro_fao56_ra_period(double lat_rad, double dr, double decl,
			    double omega1, double omega2);

/* Solar and net radiation. */
/* eq. 35: Rs from sunshine hours n and day length N */
double agro_fao56_rs_angstrom(double as, double bs, double n, double n_max,
			      double ra);
double agro_fao56_rso_angstrom(double as, double bs, double ra); /* eq. 36 */
double agro_fao56_rso_altitude(double z, double ra);             /* eq. 37 */
double agro_fao56_rns(double rs);                  /* eq. 38, albedo 0.23 */
double agro_fao56_sigma_t4_daily(double t);  /* sigma T,K^4, per day */
double agro_fao56_sigma_t4_hourly(double t); /* sigma T,K^4, per hour */
/*
 * eq. 39: Rnl from the temperature term (the mean of sigma Tmax,K^4 and
 * sigma Tmin,K^4 for a day, sigma Thr,K^4 for an hour), ea and Rs/Rso;
 * the ratio is limited to <= 1.0 here.
 */
double agro_fao56_rnl(double sigma_t4, double ea, double rs_rso);
/* eq. 50: Hargreaves' radiation formula, not yet limited to Rso */
double agro_fao56_rs_hargreaves(double krs, double tmax, double tmin,
				double ra);

/* Soil heat flux, MJ m-2 per day or per hour. */
double agro_fao56_g_month_next(double t_prev, double t_next); /* eq. 43 */
double agro_fao56_g_month_prev(double t_prev, double t_cur);  /* eq. 44 */
double agro_fao56_g_hourly(double rn, bool daytime);      /* eq. 45, 46 */

/* Wind. */
double agro_fao56_u2(double uz, double z); /* eq. 47 */

/* The Penman-Monteith equation's two terms and their sum. */
struct agro_pm_terms {
	double radiation;   /* 0.408 Delta (Rn - G) / den */
	double aerodynamic; /* gamma Cn/(T + 273) u2 (es - ea) / den */
	double et0;         /* radiation + aerodynamic */
};

#define AGRO_FAO56_CN_DAILY 900.0 /* eq. 6, mm/day */
#define AGRO_FAO56_CN_HOURLY 37.0 /* eq. 53, mm/hour */

/*
 * eq. 6 (cn = 900, daily) and eq. 53 (cn = 37, hourly):
 * ET0 = [0.408 Delta (Rn - G) + gamma cn/(T + 273) u2 (es - ea)]
 *       / [Delta + gamma (1 + 0.34 u2)]
 */
void agro_fao56_penman_monteith(double delta, double gamma, double rn,
				double g, double t, double u2, double vpd,
				double cn, struct agro_pm_terms *out);

#endif
