/*
 * cmd_et0: `oasis et0 daily|hourly ...`, the FAO-56 reference
 * evapotranspiration of one day or one hour from values given as flags,
 * printed as JSON with every intermediate term.  The arithmetic and the
 * range checks live in agro/fao56.c; this file reads the command line and
 * writes the answer.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agro/fao56.h"
#include "cli/cli.h"
#include "util/timeutil.h"

/*
 * Read the flags that follow `et0 daily` or `et0 hourly` (argv[0] is that
 * word) into *in.  Returns 0 with *help set when --help was asked for, 0
 * with *in filled, or ERR_INVALID with a message that names the flag.
 * Range checks are left to agro_fao56_daily()/_hourly().  Not static so
 * that the unit tests can reach it.
 */
int cmd_et0__parse_daily(int argc, char **argv, struct agro_et0_daily_in *in,
			 bool *help, struct err *e);
int cmd_et0__parse_hourly(int argc, char **argv,
			  struct agro_et0_hourly_in *in, bool *help,
			  struct err *e);

static const char daily_usage[] =
	"usage: oasis et0 daily --lat DEG --alt M (--doy N | --date YYYY-MM-DD)\n"
	"           --tmax C --tmin C\n"
	"           [--rhmax % [--rhmin %] | --rhmean % | --tdew C | --ea KPA]\n"
	"           [--wind M/S [--wind-height M]]\n"
	"           [--rs MJ/M2/DAY | --sunshine HOURS] [--as A --bs B]\n"
	"           [--krs K | --coastal] [--tmin-dew-offset C]\n"
	"           [--tmonth-prev C [--tmonth-next C]]\n"
	"\n"
	"FAO-56 Penman-Monteith grass reference evapotranspiration (mm/day) of\n"
	"one day, or of the mean day of a ten-day period or month given its mean\n"
	"daily values.  Prints JSON with every intermediate term (docs/ET0.md).\n"
	"\n"
	"  --lat DEG          latitude, north-positive\n"
	"  --alt M            station elevation above sea level\n"
	"  --doy N, --date D  day of the year (1-366), or the date\n"
	"  --tmax, --tmin C   daily maximum and minimum air temperature\n"
	"humidity (one route; none: dewpoint taken as tmin, eq. 48):\n"
	"  --rhmax % --rhmin %  eq. 17; --rhmax alone: eq. 18\n"
	"  --rhmean %           eq. 19\n"
	"  --tdew C             dewpoint, eq. 14\n"
	"  --ea KPA             measured actual vapour pressure\n"
	"  --tmin-dew-offset C  without humidity: dewpoint = tmin - C (arid: 2-3)\n"
	"wind (none: 2 m/s):\n"
	"  --wind M/S           mean wind speed, at 2 m unless --wind-height\n"
	"  --wind-height M      anemometer height; converted by eq. 47\n"
	"radiation (none: from tmax - tmin, eq. 50):\n"
	"  --rs MJ/M2/DAY       measured solar radiation\n"
	"  --sunshine HOURS     bright sunshine hours n, eq. 35\n"
	"  --as A --bs B        calibrated Angstrom values (default 0.25, 0.50;\n"
	"                       given, they also set Rso by eq. 36)\n"
	"  --krs K, --coastal   eq. 50 coefficient (0.16 interior, 0.19 coastal)\n"
	"monthly soil heat flux (none: G = 0 for a day, eq. 42):\n"
	"  --tmonth-prev C      mean temperature of the previous month, eq. 44\n"
	"  --tmonth-next C      and of the next month, eq. 43\n";

static const char hourly_usage[] =
	"usage: oasis et0 hourly --lat DEG --lon DEG --tz-lon DEG --alt M\n"
	"           (--doy N | --date YYYY-MM-DD) --hour H\n"
	"           --t C --rh % --wind M/S [--wind-height M]\n"
	"           --rs MJ/M2/H [--rs-rso RATIO]\n"
	"\n"
	"FAO-56 Penman-Monteith grass reference evapotranspiration (mm/hour) of\n"
	"the hour [H, H+1) of local standard time (eq. 53).  Prints JSON with\n"
	"every intermediate term (docs/ET0.md).\n"
	"\n"
	"  --lat DEG          latitude, north-positive\n"
	"  --lon DEG          longitude, EAST-positive (west is negative)\n"
	"  --tz-lon DEG       east-positive longitude of the time zone's centre:\n"
	"                     15 x the UTC offset in hours (120 for UTC+8)\n"
	"  --alt M            station elevation above sea level\n"
	"  --doy N, --date D  day of the year (1-366), or the date\n"
	"  --hour H           start of the hour, 0-23\n"
	"  --t C              mean air temperature of the hour\n"
	"  --rh %             mean relative humidity of the hour\n"
	"  --wind M/S         mean wind speed, at 2 m unless --wind-height\n"
	"  --wind-height M    anemometer height; converted by eq. 47\n"
	"  --rs MJ/M2/H       measured solar radiation of the hour\n"
	"  --rs-rso RATIO     Rs/Rso for night hours, when Rso is 0: the ratio\n"
	"                     2-3 hours before sunset, or 0.4-0.6 humid,\n"
	"                     0.7-0.8 arid (0.3-1.0); ignored by day\n";

static const char et0_usage[] =
	"usage: oasis et0 daily|hourly [OPTIONS]\n"
	"\n"
	"FAO-56 reference evapotranspiration; `oasis et0 daily --help` and\n"
	"`oasis et0 hourly --help` list the options.\n";

/* Long options only; each value lands in vals[code - OPT_BASE]. */
enum {
	OPT_BASE = 256,
	OPT_LAT = OPT_BASE,
	OPT_LON,
	OPT_TZ_LON,
	OPT_ALT,
	OPT_DOY,
	OPT_DATE,
	OPT_HOUR,
	OPT_TMAX,
	OPT_TMIN,
	OPT_T,
	OPT_RH,
	OPT_RHMAX,
	OPT_RHMIN,
	OPT_RHMEAN,
	OPT_TDEW,
	OPT_EA,
	OPT_TMIN_DEW_OFFSET,
	OPT_WIND,
	OPT_WIND_HEIGHT,
	OPT_RS,
	OPT_SUNSHINE,
	OPT_AS,
	OPT_BS,
	OPT_KRS,
	OPT_COASTAL,
	OPT_RS_RSO,
	OPT_TMONTH_PREV,
	OPT_TMONTH_NEXT,
	OPT_DATA,
	OPT_DB,
	OPT_END
};

#define OPT_COUNT (OPT_END - OPT_BASE)
#define KRS_COASTAL 0.19 /* eq. 50, coastal locations */

static const struct option daily_options[] = {
	{ "lat", required_argument, NULL, OPT_LAT },
	{ "alt", required_argument, NULL, OPT_ALT },
	{ "doy", required_argument, NULL, OPT_DOY },
	{ "date", required_argument, NULL, OPT_DATE },
	{ "tmax", required_argument, NULL, OPT_TMAX },
	{ "tmin", required_argument, NULL, OPT_TMIN },
	{ "rhmax", required_argument, NULL, OPT_RHMAX },
	{ "rhmin", required_argument, NULL, OPT_RHMIN },
	{ "rhmean", required_argument, NULL, OPT_RHMEAN },
	{ "tdew", required_argument, NULL, OPT_TDEW },
	{ "ea", required_argument, NULL, OPT_EA },
	{ "tmin-dew-offset", required_argument, NULL, OPT_TMIN_DEW_OFFSET },
	{ "wind", required_argument, NULL, OPT_WIND },
	{ "wind-height", required_argument, NULL, OPT_WIND_HEIGHT },
	{ "rs", required_argument, NULL, OPT_RS },
	{ "sunshine", required_argument, NULL, OPT_SUNSHINE },
	{ "as", required_argument, NULL, OPT_AS },
	{ "bs", required_argument, NULL, OPT_BS },
	{ "krs", required_argument, NULL, OPT_KRS },
	{ "coastal", no_argument, NULL, OPT_COASTAL },
	{ "tmonth-prev", required_argument, NULL, OPT_TMONTH_PREV },
	{ "tmonth-next", required_argument, NULL, OPT_TMONTH_NEXT },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option hourly_options[] = {
	{ "lat", required_argument, NULL, OPT_LAT },
	{ "lon", required_argument, NULL, OPT_LON },
	{ "tz-lon", required_argument, NULL, OPT_TZ_LON },
	{ "alt", required_argument, NULL, OPT_ALT },
	{ "doy", required_argument, NULL, OPT_DOY },
	{ "date", required_argument, NULL, OPT_DATE },
	{ "hour", required_argument, NULL, OPT_HOUR },
	{ "t", required_argument, NULL, OPT_T },
	{ "rh", required_argument, NULL, OPT_RH },
	{ "wind", required_argument, NULL, OPT_WIND },
	{ "wind-height", required_argument, NULL, OPT_WIND_HEIGHT },
	{ "rs", required_argument, NULL, OPT_RS },
	{ "rs-rso", required_argument, NULL, OPT_RS_RSO },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The values read so far, by option code; set says the flag was given. */
struct et0_args {
	struct agro_opt vals[OPT_COUNT];
	bool help;
};

static struct agro_opt *arg(struct et0_args *a, int code)
{
	return &a->vals[code - OPT_BASE];
}

static int parse_number(const char *flag, const char *s, double *out,
			struct err *e)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(*out))
		return err_set(e, ERR_INVALID, "--%s: '%s' is not a number",
			       flag, s);
	return ERR_OK;
}

static int parse_whole(const char *flag, const char *s, double *out,
		       struct err *e)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno == ERANGE || v < -1000000 ||
	    v > 1000000)
		return err_set(e, ERR_INVALID,
			       "--%s: '%s' is not a whole number", flag, s);
	*out = (double)v;
	return ERR_OK;
}

/* --date YYYY-MM-DD as the day of the year. */
static int parse_date_doy(const char *s, double *out, struct err *e)
{
	int y, m, d;

	if (time_parse_date(s, &y, &m, &d))
		return err_set(e, ERR_INVALID,
			       "--date: '%s' is not a date (YYYY-MM-DD)", s);
	*out = (double)(time_days_from_civil(y, m, d) -
			time_days_from_civil(y, 1, 1) + 1);
	return ERR_OK;
}

/* Store one flag's value; --date fills the --doy slot. */
static int take_option(struct et0_args *a, int code, const char *flag,
		       const char *value, struct err *e)
{
	struct agro_opt *slot = arg(a, code == OPT_DATE ? OPT_DOY : code);
	int rc;

	if (code == OPT_DATA || code == OPT_DB)
		return ERR_OK; /* accepted by every command; no store used */
	if (slot->set)
		return err_set(e, ERR_INVALID, "--%s: %s", flag,
			       code == OPT_DATE || code == OPT_DOY ?
			       "give --doy or --date, once" : "given twice");
	if (code == OPT_COASTAL)
		rc = ERR_OK;
	else if (code == OPT_DATE)
		rc = parse_date_doy(value, &slot->value, e);
	else if (code == OPT_DOY || code == OPT_HOUR)
		rc = parse_whole(flag, value, &slot->value, e);
	else
		rc = parse_number(flag, value, &slot->value, e);
	slot->set = rc == ERR_OK;
	return rc;
}

/* Walk argv with getopt_long, storing every value in *a. */
static int read_options(int argc, char **argv, const struct option *opts,
			struct et0_args *a, struct err *e)
{
	int c, idx, rc;

	memset(a, 0, sizeof(*a));
	optind = 0; /* GNU: start afresh, so the parser can run again */
	opterr = 0;
	while ((idx = -1, c = getopt_long(argc, argv, ":h", opts, &idx)) !=
	       -1) {
		if (c == 'h') {
			a->help = true;
			return ERR_OK;
		}
		if (c == ':')
			return err_set(e, ERR_INVALID, "%s: needs a value",
				       argv[optind - 1]);
		if (c == '?' || idx < 0)
			return err_set(e, ERR_INVALID,
				       "%s: unknown or ambiguous option",
				       argv[optind - 1]);
		if ((rc = take_option(a, c, opts[idx].name, optarg, e)))
			return rc;
	}
	if (optind < argc)
		return err_set(e, ERR_INVALID, "unexpected argument '%s'",
			       argv[optind]);
	return ERR_OK;
}

/* Every required flag's value, or ERR_INVALID naming the first missing. */
static int need(struct et0_args *a, const int *codes, const char *const *what,
		const struct option *opts, struct err *e)
{
	for (int i = 0; codes[i]; i++) {
		if (arg(a, codes[i])->set)
			continue;
		for (int j = 0; opts[j].name; j++)
			if (opts[j].val == codes[i])
				return err_set(e, ERR_INVALID,
					       "--%s is required: %s",
					       opts[j].name, what[i]);
	}
	return ERR_OK;
}

static const int daily_required[] = {
	OPT_LAT, OPT_ALT, OPT_DOY, OPT_TMAX, OPT_TMIN, 0
};
static const char *const daily_required_what[] = {
	"latitude in degrees, north-positive",
	"station elevation in metres",
	"day of the year 1-366 (or --date YYYY-MM-DD)",
	"daily maximum air temperature in degC",
	"daily minimum air temperature in degC",
};

int cmd_et0__parse_daily(int argc, char **argv, struct agro_et0_daily_in *in,
			 bool *help, struct err *e)
{
	struct et0_args a;
	int rc;

	memset(in, 0, sizeof(*in));
	*help = false;
	if ((rc = read_options(argc, argv, daily_options, &a, e)))
		return rc;
	if ((*help = a.help))
		return ERR_OK;
	if ((rc = need(&a, daily_required, daily_required_what,
		       daily_options, e)))
		return rc;
	if (arg(&a, OPT_COASTAL)->set && arg(&a, OPT_KRS)->set)
		return err_set(e, ERR_INVALID,
			       "--coastal: conflicts with --krs; give one");
	in->lat_deg = arg(&a, OPT_LAT)->value;
	in->alt_m = arg(&a, OPT_ALT)->value;
	in->doy = (int)arg(&a, OPT_DOY)->value;
	in->tmax = arg(&a, OPT_TMAX)->value;
	in->tmin = arg(&a, OPT_TMIN)->value;
	in->ea = *arg(&a, OPT_EA);
	in->tdew = *arg(&a, OPT_TDEW);
	in->rh_max = *arg(&a, OPT_RHMAX);
	in->rh_min = *arg(&a, OPT_RHMIN);
	in->rh_mean = *arg(&a, OPT_RHMEAN);
	in->tmin_dew_offset = *arg(&a, OPT_TMIN_DEW_OFFSET);
	in->wind = *arg(&a, OPT_WIND);
	in->wind_height = *arg(&a, OPT_WIND_HEIGHT);
	in->rs = *arg(&a, OPT_RS);
	in->sunshine = *arg(&a, OPT_SUNSHINE);
	in->angstrom_as = *arg(&a, OPT_AS);
	in->angstrom_bs = *arg(&a, OPT_BS);
	in->krs = *arg(&a, OPT_KRS);
	if (arg(&a, OPT_COASTAL)->set)
		in->krs = (struct agro_opt){ true, KRS_COASTAL };
	in->tmonth_prev = *arg(&a, OPT_TMONTH_PREV);
	in->tmonth_next = *arg(&a, OPT_TMONTH_NEXT);
	return ERR_OK;
}

static const int hourly_required[] = {
	OPT_LAT, OPT_LON, OPT_TZ_LON, OPT_ALT, OPT_DOY, OPT_HOUR,
	OPT_T, OPT_RH, OPT_WIND, OPT_RS, 0
};
static const char *const hourly_required_what[] = {
	"latitude in degrees, north-positive",
	"site longitude in degrees, east-positive",
	"east-positive longitude of the time zone's centre (120 for UTC+8)",
	"station elevation in metres",
	"day of the year 1-366 (or --date YYYY-MM-DD)",
	"start of the hour, 0-23, local standard time",
	"mean air temperature of the hour in degC",
	"mean relative humidity of the hour in %",
	"mean wind speed of the hour in m/s",
	"solar radiation of the hour in MJ/m2/hour (0 at night)",
};

int cmd_et0__parse_hourly(int argc, char **argv,
			  struct agro_et0_hourly_in *in, bool *help,
			  struct err *e)
{
	struct et0_args a;
	int rc;

	memset(in, 0, sizeof(*in));
	*help = false;
	if ((rc = read_options(argc, argv, hourly_options, &a, e)))
		return rc;
	if ((*help = a.help))
		return ERR_OK;
	if ((rc = need(&a, hourly_required, hourly_required_what,
		       hourly_options, e)))
		return rc;
	in->lat_deg = arg(&a, OPT_LAT)->value;
	in->lon_deg = arg(&a, OPT_LON)->value;
	in->tz_lon_deg = arg(&a, OPT_TZ_LON)->value;
	in->alt_m = arg(&a, OPT_ALT)->value;
	in->doy = (int)arg(&a, OPT_DOY)->value;
	in->hour = (int)arg(&a, OPT_HOUR)->value;
	in->t = arg(&a, OPT_T)->value;
	in->rh = arg(&a, OPT_RH)->value;
	in->wind = arg(&a, OPT_WIND)->value;
	in->wind_height = *arg(&a, OPT_WIND_HEIGHT);
	in->rs = arg(&a, OPT_RS)->value;
	in->night_rs_rso = *arg(&a, OPT_RS_RSO);
	return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                    */

/* A JSON object under construction; any failed step marks it failed. */
struct jobj {
	json_t *obj;
	bool failed;
};

static void put(struct jobj *j, const char *key, json_t *value)
{
	/* json_object_set_new() releases value even when it fails */
	if (!value || json_object_set_new(j->obj, key, value))
		j->failed = true;
}

/* A number; a term that does not apply (NAN) is left out. */
static void put_real(struct jobj *j, const char *key, double v)
{
	if (isfinite(v))
		put(j, key, json_real(v));
}

static void put_str(struct jobj *j, const char *key, const char *s)
{
	put(j, key, json_string(s));
}

static json_t *units(const char *per)
{
	char radiation[32], et0[32];

	snprintf(radiation, sizeof(radiation), "MJ/m2/%s", per);
	snprintf(et0, sizeof(et0), "mm/%s", per);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "et0", et0, "radiation", radiation,
			 "vapour_pressure", "kPa", "pressure", "kPa",
			 "slope", "kPa/degC", "wind", "m/s",
			 "angle", "rad");
}

static void daily_humidity_json(struct jobj *j,
				const struct agro_et0_daily_out *o)
{
	put_real(j, "tmean", o->tmean);
	put_real(j, "pressure", o->pressure);
	put_real(j, "gamma", o->gamma);
	put_real(j, "delta", o->delta);
	put_real(j, "es_tmax", o->es_tmax);
	put_real(j, "es_tmin", o->es_tmin);
	put_real(j, "es", o->es);
	put_real(j, "ea", o->ea);
	put_str(j, "ea_method", agro_ea_method_name(o->ea_method));
	put_real(j, "vpd", o->vpd);
}

static void daily_radiation_json(struct jobj *j,
				 const struct agro_et0_daily_out *o)
{
	put_real(j, "lat_rad", o->lat_rad);
	put_real(j, "dr", o->dr);
	put_real(j, "declination", o->decl);
	put_real(j, "sunset_hour_angle", o->omega_s);
	put_real(j, "ra", o->ra);
	put_real(j, "daylight_hours", o->daylight_hours);
	put_real(j, "sunshine_ratio", o->sunshine_ratio);
	put_real(j, "rs", o->rs);
	put_str(j, "rs_method", agro_rs_method_name(o->rs_method));
	if (o->rs_method == AGRO_RS_HARGREAVES)
		put(j, "rs_limited_to_rso", json_boolean(o->rs_capped));
	put_real(j, "rso", o->rso);
	put_str(j, "rso_method", agro_rso_method_name(o->rso_method));
	put_real(j, "rs_rso", o->rs_rso);
	put_real(j, "rns", o->rns);
	put_real(j, "sigma_tmax4", o->sigma_tmax4);
	put_real(j, "sigma_tmin4", o->sigma_tmin4);
	put_real(j, "rnl", o->rnl);
	put_real(j, "rn", o->rn);
	put_real(j, "g", o->g);
	put_str(j, "g_method", agro_g_method_name(o->g_method));
}

static json_t *daily_json(const struct agro_et0_daily_in *in,
			  const struct agro_et0_daily_out *o)
{
	struct jobj j = { json_object(), false };

	if (!j.obj)
		return NULL;
	put_str(&j, "period", "daily");
	put(&j, "doy", json_integer(in->doy));
	put_real(&j, "latitude", in->lat_deg);
	put_real(&j, "altitude", in->alt_m);
	put_real(&j, "et0", o->et0);
	put_real(&j, "et0_radiation", o->et0_radiation);
	put_real(&j, "et0_aerodynamic", o->et0_aerodynamic);
	daily_humidity_json(&j, o);
	daily_radiation_json(&j, o);
	put_real(&j, "u2", o->u2);
	put_str(&j, "u2_method", agro_u2_method_name(o->u2_method));
	put_real(&j, "u2_in_et0", o->u2_in_et0);
	put(&j, "units", units("day"));
	if (j.failed) {
		json_decref(j.obj);
		return NULL;
	}
	return j.obj;
}

static void hourly_sun_json(struct jobj *j,
			    const struct agro_et0_hourly_out *o)
{
	put_real(j, "lat_rad", o->lat_rad);
	put_real(j, "dr", o->dr);
	put_real(j, "declination", o->decl);
	put_real(j, "sunset_hour_angle", o->omega_s);
	put_real(j, "b", o->b);
	put_real(j, "seasonal_correction", o->sc);
	put_real(j, "t_mid", o->t_mid);
	put_real(j, "solar_time_angle", o->omega);
	put_real(j, "omega1", o->omega1);
	put_real(j, "omega2", o->omega2);
	put(j, "daytime", json_boolean(o->daytime));
}

static void hourly_radiation_json(struct jobj *j,
				  const struct agro_et0_hourly_out *o)
{
	put_real(j, "ra", o->ra);
	put_real(j, "rso", o->rso);
	put_real(j, "rs", o->rs);
	put_str(j, "rs_method", agro_rs_method_name(AGRO_RS_MEASURED));
	put_real(j, "rs_rso", o->rs_rso);
	put_str(j, "rs_rso_source", o->rs_rso_given ? "given" : "computed");
	put_real(j, "rns", o->rns);
	put_real(j, "sigma_t4", o->sigma_t4);
	put_real(j, "rnl", o->rnl);
	put_real(j, "rn", o->rn);
	put_real(j, "g", o->g);
	put_str(j, "g_method", agro_g_method_name(o->g_method));
}

static json_t *hourly_json(const struct agro_et0_hourly_in *in,
			   const struct agro_et0_hourly_out *o)
{
	struct jobj j = { json_object(), false };

	if (!j.obj)
		return NULL;
	put_str(&j, "period", "hourly");
	put(&j, "doy", json_integer(in->doy));
	put(&j, "hour", json_integer(in->hour));
	put_real(&j, "latitude", in->lat_deg);
	put_real(&j, "longitude", in->lon_deg);
	put_real(&j, "tz_longitude", in->tz_lon_deg);
	put_real(&j, "altitude", in->alt_m);
	put_real(&j, "et0", o->et0);
	put_real(&j, "et0_radiation", o->et0_radiation);
	put_real(&j, "et0_aerodynamic", o->et0_aerodynamic);
	put_real(&j, "pressure", o->pressure);
	put_real(&j, "gamma", o->gamma);
	put_real(&j, "delta", o->delta);
	put_real(&j, "es", o->es);
	put_real(&j, "ea", o->ea);
	put_str(&j, "ea_method", agro_ea_method_name(o->ea_method));
	put_real(&j, "vpd", o->vpd);
	hourly_sun_json(&j, o);
	hourly_radiation_json(&j, o);
	put_real(&j, "u2", o->u2);
	put_str(&j, "u2_method", agro_u2_method_name(o->u2_method));
	put(&j, "units", units("hour"));
	if (j.failed) {
		json_decref(j.obj);
		return NULL;
	}
	return j.obj;
}

/* Print doc (taking it over) on stdout; the exit code. */
static int print_json(const char *cmd, json_t *doc)
{
	struct err e;
	int rc;

	if (!doc) {
		err_nomem(&e);
		return cli_fail(cmd, &e);
	}
	rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	json_decref(doc);
	if (rc || fputc('\n', stdout) == EOF || fflush(stdout)) {
		err_set(&e, ERR_IO, "cannot write the answer: %s",
			strerror(errno));
		return cli_fail(cmd, &e);
	}
	return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The command                                                             */

static int run_daily(int argc, char **argv)
{
	static const char cmd[] = "et0 daily";
	struct agro_et0_daily_in in;
	struct agro_et0_daily_out out;
	struct err e = { ERR_OK, "" };
	bool help;
	int rc;

	if (cmd_et0__parse_daily(argc, argv, &in, &help, &e))
		return cli_usage_error(cmd, "%s", e.msg);
	if (help) {
		fputs(daily_usage, stdout);
		return CLI_EXIT_OK;
	}
	rc = agro_fao56_daily(&in, &out, &e);
	if (rc == ERR_INVALID)
		return cli_usage_error(cmd, "--%s", e.msg);
	if (rc)
		return cli_fail(cmd, &e);
	return print_json(cmd, daily_json(&in, &out));
}

static int run_hourly(int argc, char **argv)
{
	static const char cmd[] = "et0 hourly";
	struct agro_et0_hourly_in in;
	struct agro_et0_hourly_out out;
	struct err e = { ERR_OK, "" };
	bool help;
	int rc;

	if (cmd_et0__parse_hourly(argc, argv, &in, &help, &e))
		return cli_usage_error(cmd, "%s", e.msg);
	if (help) {
		fputs(hourly_usage, stdout);
		return CLI_EXIT_OK;
	}
	rc = agro_fao56_hourly(&in, &out, &e);
	if (rc == ERR_INVALID)
		return cli_usage_error(cmd, "--%s", e.msg);
	if (rc)
		return cli_fail(cmd, &e);
	return print_json(cmd, hourly_json(&in, &out));
}

int cmd_et0(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("et0", "expected daily or hourly");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(et0_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "daily"))
		return run_daily(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hourly"))
		return run_hourly(argc - 1, argv + 1);
	return cli_usage_error("et0", "'%s': expected daily or hourly",
			       argv[1]);
}
