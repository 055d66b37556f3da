/*
 * balance: FAO-56 chapter 8 daily root-zone water balance of one plot, with
 * probe nudging; see balance.h.
 */
#include "agro/balance.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Soil: FAO-56 Table 19, "Typical soil water characteristics for          */
/* different soil types" (thetaFC and thetaWP columns, m3/m3).             */

static const struct agro_texture_info textures[AGRO_TEXTURE_COUNT] = {
	[AGRO_TEXTURE_SAND] = { "sand", { 0.07, 0.17 }, { 0.02, 0.07 } },
	[AGRO_TEXTURE_LOAMY_SAND] = { "loamy_sand", { 0.11, 0.19 },
				      { 0.03, 0.10 } },
	[AGRO_TEXTURE_SANDY_LOAM] = { "sandy_loam", { 0.18, 0.28 },
				      { 0.06, 0.16 } },
	[AGRO_TEXTURE_LOAM] = { "loam", { 0.20, 0.30 }, { 0.07, 0.17 } },
	[AGRO_TEXTURE_SILT_LOAM] = { "silt_loam", { 0.22, 0.36 },
				     { 0.09, 0.21 } },
	[AGRO_TEXTURE_SILT] = { "silt", { 0.28, 0.36 }, { 0.12, 0.22 } },
	[AGRO_TEXTURE_SILTY_CLAY_LOAM] = { "silty_clay_loam", { 0.30, 0.37 },
					   { 0.17, 0.24 } },
	[AGRO_TEXTURE_SILTY_CLAY] = { "silty_clay", { 0.30, 0.42 },
				      { 0.17, 0.29 } },
	[AGRO_TEXTURE_CLAY] = { "clay", { 0.32, 0.40 }, { 0.20, 0.24 } },
};

/* The Chinese names of the classes (USDA texture triangle terms). */
static const struct {
	const char *name;
	enum agro_texture t;
} texture_aliases[] = {
	{ "砂土", AGRO_TEXTURE_SAND },
	{ "沙土", AGRO_TEXTURE_SAND },
	{ "壤质砂土", AGRO_TEXTURE_LOAMY_SAND },
	{ "砂壤土", AGRO_TEXTURE_SANDY_LOAM },
	{ "沙壤土", AGRO_TEXTURE_SANDY_LOAM },
	{ "砂质壤土", AGRO_TEXTURE_SANDY_LOAM },
	{ "壤土", AGRO_TEXTURE_LOAM },
	{ "粉砂壤土", AGRO_TEXTURE_SILT_LOAM },
	{ "粉壤土", AGRO_TEXTURE_SILT_LOAM },
	{ "粉土", AGRO_TEXTURE_SILT },
	{ "粉砂质黏壤土", AGRO_TEXTURE_SILTY_CLAY_LOAM },
	{ "粉质黏壤土", AGRO_TEXTURE_SILTY_CLAY_LOAM },
	{ "粉砂质黏土", AGRO_TEXTURE_SILTY_CLAY },
	{ "粉质黏土", AGRO_TEXTURE_SILTY_CLAY },
	{ "黏土", AGRO_TEXTURE_CLAY },
	{ "粘土", AGRO_TEXTURE_CLAY },
};

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

const struct agro_texture_info *agro_texture_info(enum agro_texture t)
{
	if ((unsigned)t >= AGRO_TEXTURE_COUNT)
		return NULL;
	return &textures[t];
}

/* "Sandy-Loam", "sandy loam" -> "sandy_loam"; false if too long. */
static bool normalise_name(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i]; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i + 1 >= size)
			return false;
		out[i] = (c == ' ' || c == '-') ? '_' : (char)tolower(c);
	}
	out[i] = '\0';
	return true;
}

int agro_texture_find(const char *name, enum agro_texture *out,
		      struct err *e)
{
	char norm[64];

	if (normalise_name(name, norm, sizeof(norm))) {
		for (int t = 0; t < AGRO_TEXTURE_COUNT; t++) {
			if (!strcmp(norm, textures[t].name)) {
				*out = (enum agro_texture)t;
				return ERR_OK;
			}
		}
	}
	for (size_t i = 0; i < ROWS(texture_aliases); i++) {
		if (!strcmp(name, texture_aliases[i].name)) {
			*out = texture_aliases[i].t;
			return ERR_OK;
		}
	}
	return err_set(e, ERR_NOT_FOUND,
		       "texture '%s': not a FAO-56 Table 19 class (sand, "
		       "loamy_sand, sandy_loam, loam, silt_loam, silt, "
		       "silty_clay_loam, silty_clay, clay)", name);
}

void agro_texture_defaults(enum agro_texture t, double *theta_fc,
			   double *theta_wp)
{
	const struct agro_texture_info *ti = agro_texture_info(t);

	if (!ti)
		ti = &textures[AGRO_TEXTURE_LOAM];
	*theta_fc = (ti->theta_fc.lo + ti->theta_fc.hi) / 2;
	*theta_wp = (ti->theta_wp.lo + ti->theta_wp.hi) / 2;
}

/* ---------------------------------------------------------------------- */
/* The equations                                                           */

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

double agro_taw(double theta_fc, double theta_wp, double zr)
{
	return 1000.0 * (theta_fc - theta_wp) * zr;
}

double agro_raw(double p, double taw)
{
	return p * taw;
}

double agro_ks(double dr, double taw, double raw)
{
	if (dr <= raw)
		return 1.0;
	if (taw <= raw)
		return 0.0;
	return clamp((taw - dr) / (taw - raw), 0.0, 1.0);
}

double agro_deep_percolation(double rain_eff, double irr_net, double etc,
			     double dr_prev)
{
	double dp = rain_eff + irr_net - etc - dr_prev;

	return dp > 0 ? dp : 0.0;
}

double agro_depletion_next(double dr_prev, double rain_eff, double irr_net,
			   double etc, double dp)
{
	return dr_prev - rain_eff - irr_net + etc + dp;
}

double agro_depletion_from_theta(double theta_fc, double theta, double zr)
{
	return 1000.0 * (theta_fc - theta) * zr;
}

double agro_root_depth(double zr_min, double zr_max, double dev_frac)
{
	return zr_min + (zr_max - zr_min) * clamp(dev_frac, 0.0, 1.0);
}

double agro_irrigation_mm(double volume_m3, double area_m2)
{
	return volume_m3 / area_m2 * 1000.0;
}

double agro_volume_m3(double depth_mm, double area_m2)
{
	return depth_mm * area_m2 / 1000.0;
}

double agro_runoff_scs(double p, double cn)
{
	double s, ia;

	if (cn <= 0 || p <= 0)
		return 0.0;
	if (cn >= 100)
		return p;
	s = 25400.0 / cn - 254.0;
	ia = 0.2 * s;
	if (p <= ia)
		return 0.0;
	return (p - ia) * (p - ia) / (p + 0.8 * s);
}

double agro_effective_rain(double p, double et0, double cn, double *runoff)
{
	double ro = 0.0;

	if (p <= 0 || p < 0.2 * et0) {
		if (runoff)
			*runoff = 0.0;
		return 0.0;
	}
	ro = agro_runoff_scs(p, cn);
	if (runoff)
		*runoff = ro;
	return p - ro;
}

/* ---------------------------------------------------------------------- */
/* Probes                                                                  */

#define PROBE_MAX 16

double agro_probe_theta(const struct agro_probe_reading *r, size_t n,
			double zr)
{
	struct agro_probe_reading s[PROBE_MAX];
	double sum = 0, thick = 0;
	size_t m = 0;

	/* insertion sort by depth, keeping the shallowest PROBE_MAX */
	for (size_t i = 0; i < n; i++) {
		size_t j = m < PROBE_MAX ? m++ : PROBE_MAX;

		if (j == PROBE_MAX) {
			if (r[i].depth_m >= s[PROBE_MAX - 1].depth_m)
				continue;
			j = PROBE_MAX - 1;
		}
		while (j > 0 && s[j - 1].depth_m > r[i].depth_m) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = r[i];
	}
	for (size_t k = 0; k < m; k++) {
		double top = k == 0 ? 0.0
				    : (s[k - 1].depth_m + s[k].depth_m) / 2;
		double bot = k + 1 == m ? zr
					: (s[k].depth_m + s[k + 1].depth_m) / 2;

		if (bot > zr)
			bot = zr;
		if (bot <= top)
			continue;
		sum += s[k].theta * (bot - top);
		thick += bot - top;
	}
	return thick > 0 ? sum / thick : NAN;
}

double agro_nudge(double dr_model, double dr_meas, double k, double taw)
{
	return clamp(dr_model + k * (dr_meas - dr_model), 0.0, taw);
}

/* ---------------------------------------------------------------------- */
/* Plots                                                                   */

void agro_plot_defaults(struct agro_plot *p, enum agro_crop c)
{
	const struct agro_crop_info *ci = agro_crop_info(c);

	memset(p, 0, sizeof(*p));
	if (!ci)
		ci = agro_crop_info(AGRO_CROP_COTTON);
	agro_season_from_table11(c, 0, NULL, &p->season, NULL);
	p->p_table = ci->p;
	agro_texture_defaults(AGRO_TEXTURE_LOAM, &p->theta_fc, &p->theta_wp);
	p->zr_min = 0.2;
	p->zr_max = ci->root_depth_m.lo;
	p->area_m2 = 10000.0;
	p->efficiency = 0.9;
	p->mulch_factor = 1.0;
	p->refill = 1.0;
	p->nudge_gain = 0.3;
	p->curve_number = 78.0;
	p->subsoil_depletion = 0.0;
}

/* lo <= x <= hi, x a number; else ERR_INVALID naming the field. */
static int check_range(const struct agro_plot *p, const char *field,
		       double x, double lo, double hi, struct err *e)
{
	if (isfinite(x) && x >= lo && x <= hi)
		return ERR_OK;
	return err_set(e, ERR_INVALID, "plot %s: %s: %g is outside %g..%g",
		       p->code ? p->code : "(no code)", field, x, lo, hi);
}

int agro_plot_check(const struct agro_plot *p, struct err *e)
{
	int rc;

	if ((rc = agro_season_check(&p->season, e))) {
		err_prefix(e, "plot %s", p->code ? p->code : "(no code)");
		return rc;
	}
	if ((rc = check_range(p, "p", p->p_table, 0.1, 0.8, e)) ||
	    (rc = check_range(p, "theta_fc", p->theta_fc, 0.01, 0.7, e)) ||
	    (rc = check_range(p, "theta_wp", p->theta_wp, 0.0,
			      p->theta_fc - 0.005, e)) ||
	    (rc = check_range(p, "zr_min", p->zr_min, 0.05, 5.0, e)) ||
	    (rc = check_range(p, "zr_max", p->zr_max, p->zr_min, 5.0, e)) ||
	    (rc = check_range(p, "area_m2", p->area_m2, 1.0, 1e9, e)) ||
	    (rc = check_range(p, "efficiency", p->efficiency, 0.05, 1.0, e)) ||
	    (rc = check_range(p, "mulch_factor", p->mulch_factor, 0.05, 1.0,
			      e)) ||
	    (rc = check_range(p, "refill", p->refill, 0.05, 1.0, e)) ||
	    (rc = check_range(p, "nudge_gain", p->nudge_gain, 0.0, 1.0, e)) ||
	    (rc = check_range(p, "subsoil_depletion", p->subsoil_depletion,
			      0.0, 1.0, e)))
		return rc;
	if (p->curve_number != 0 &&
	    (rc = check_range(p, "curve_number", p->curve_number, 30, 100, e)))
		return rc;
	return ERR_OK;
}

int agro_balance_init(const struct agro_plot *p, double dr0_frac,
		      struct agro_balance_state *st, struct err *e)
{
	int rc;

	if ((rc = agro_plot_check(p, e)))
		return rc;
	if ((rc = check_range(p, "dr0_frac", dr0_frac, 0.0, 1.0, e)))
		return rc;
	st->day = 0;
	st->thermal = 0.0;
	st->zr = p->zr_min;
	st->dr = dr0_frac * agro_taw(p->theta_fc, p->theta_wp, p->zr_min);
	return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The day                                                                 */

static int check_in(const struct agro_plot *p, const char *field, double x,
		    double lo, double hi, const char *unit, struct err *e)
{
	if (isfinite(x) && x >= lo && x <= hi)
		return ERR_OK;
	return err_set(e, ERR_INVALID,
		       "plot %s: %s: %g %s is outside %g..%g",
		       p->code ? p->code : "(no code)", field, x, unit, lo, hi);
}

static int check_day(const struct agro_plot *p, const struct agro_day_in *in,
		     bool need_temps, struct err *e)
{
	int rc;

	if ((rc = check_in(p, "et0", in->et0, 0, 30, "mm", e)) ||
	    (rc = check_in(p, "rain", in->rain, 0, 500, "mm", e)) ||
	    (rc = check_in(p, "irrigation", in->irrigation_m3, 0, 1e6, "m3",
			   e)))
		return rc;
	if (need_temps) {
		if ((rc = check_in(p, "tmax", in->tmax, -60, 60, "degC", e)) ||
		    (rc = check_in(p, "tmin", in->tmin, -60, in->tmax, "degC",
				   e)))
			return rc;
	}
	for (size_t i = 0; i < in->n_probe; i++) {
		if ((rc = check_in(p, "probe.depth", in->probe[i].depth_m,
				   0.01, 5, "m", e)) ||
		    (rc = check_in(p, "probe.theta", in->probe[i].theta, 0,
				   0.7, "m3/m3", e)))
			return rc;
	}
	return ERR_OK;
}

/* The clock, Kc and Zr of the day after *st. */
static void advance_crop(const struct agro_plot *p,
			 const struct agro_balance_state *st,
			 const struct agro_day_in *in, struct agro_day_out *o)
{
	const struct agro_season *s = &p->season;
	struct agro_kc_point kp;
	bool temps = isfinite(in->tmax) && isfinite(in->tmin);

	o->day = st->day + 1;
	o->thermal = st->thermal;
	if (temps)
		o->thermal += agro_gdd_increment(s->gdd_method, s->t_base,
						 in->tmax, in->tmin);
	agro_season_point(s, o->day, o->thermal, &kp);
	o->stage = kp.stage;
	o->kc = kp.kc * p->mulch_factor;
	o->zr = agro_root_depth(p->zr_min, p->zr_max, kp.dev_frac);
	if (o->zr < st->zr) /* roots do not shrink */
		o->zr = st->zr;
}

/* eq. 82-88 on the day whose crop terms are in *o. */
static void water_balance(const struct agro_plot *p,
			  const struct agro_balance_state *st,
			  const struct agro_day_in *in, struct agro_day_out *o)
{
	double taw_prev = agro_taw(p->theta_fc, p->theta_wp, st->zr);

	o->taw = agro_taw(p->theta_fc, p->theta_wp, o->zr);
	/* the soil the roots grew into brings its own depletion */
	o->dr_start = clamp(st->dr + p->subsoil_depletion *
					     (o->taw - taw_prev),
			    0.0, o->taw);
	o->etc = o->kc * in->et0;
	o->p = agro_depletion_fraction(p->p_table, o->etc);
	o->raw = agro_raw(o->p, o->taw);
	o->ks = agro_ks(o->dr_start, o->taw, o->raw);
	o->etc_adj = o->ks * o->etc;
	o->rain = in->rain;
	o->rain_eff = agro_effective_rain(in->rain, in->et0, p->curve_number,
					  &o->runoff);
	o->irr_gross = agro_irrigation_mm(in->irrigation_m3, p->area_m2);
	o->irr_net = o->irr_gross * p->efficiency;
	o->dp = agro_deep_percolation(o->rain_eff, o->irr_net, o->etc_adj,
				      o->dr_start);
	o->dr_model = agro_depletion_next(o->dr_start, o->rain_eff,
					  o->irr_net, o->etc_adj, o->dp);
	if (o->dr_model > o->taw) {
		/* a day's step may not draw more than the root zone holds */
		o->etc_adj -= o->dr_model - o->taw;
		o->dr_model = o->taw;
	}
	o->dr_model = clamp(o->dr_model, 0.0, o->taw);
}

/* The probe's depletion, and the nudge toward it. */
static void assimilate(const struct agro_plot *p, const struct agro_day_in *in,
		       struct agro_day_out *o)
{
	o->has_probe = false;
	o->theta_meas = NAN;
	o->dr_meas = NAN;
	o->dr = o->dr_model;
	if (in->n_probe == 0 || !in->probe)
		return;
	o->theta_meas = agro_probe_theta(in->probe, in->n_probe, o->zr);
	if (!isfinite(o->theta_meas))
		return;
	o->has_probe = true;
	o->dr_meas = clamp(agro_depletion_from_theta(p->theta_fc,
						     o->theta_meas, o->zr),
			   0.0, o->taw);
	o->dr = agro_nudge(o->dr_model, o->dr_meas, p->nudge_gain, o->taw);
}

int agro_balance_step(const struct agro_plot *p,
		      struct agro_balance_state *st,
		      const struct agro_day_in *in, struct agro_day_out *out,
		      struct err *e)
{
	struct agro_day_out o;
	int rc;

	if ((rc = check_day(p, in, p->season.clock == AGRO_CLOCK_THERMAL, e)))
		return rc;
	advance_crop(p, st, in, &o);
	water_balance(p, st, in, &o);
	assimilate(p, in, &o);
	o.stressed = o.dr > o.raw;
	st->day = o.day;
	st->thermal = o.thermal;
	st->zr = o.zr;
	st->dr = o.dr;
	if (out)
		*out = o;
	return ERR_OK;
}
