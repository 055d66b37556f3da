/*
 * The daily IEC 61724-1 metrics of a PV plant from the store: each
 * inverter's day of interval averages (p_ac, p_dc) beside its met
 * station's (poa_global, temp_module, temp_air, wind_speed) goes through
 * pv_pr_compute; blocks and the plant are the capacity-weighted sums of
 * their inverters.  Intervals are the engine's buckets of interval_min;
 * the day is the site's (tz.h).  Curtailment (the site's agc_setpoint or
 * export_limit below what the plant could give) is kept apart from
 * outages: curtailed intervals leave the PR and availability, and what
 * they cost is e_curtailed_kwh.  An interval of daylight without the
 * inverter's data is a communication gap (n_missing_intervals), not an
 * outage.  docs/PV.md, "Daily metrics".
 */
#include "pvsite/pvsite.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv/iec61724.h"
#include "pv/pvwatts.h"
#include "pv/strings.h"
#include "pv/temperature.h"
#include "sites/sites.h"
#include "ts/engine.h"
#include "util/timeutil.h"
#include "util/tz.h"

/* Series read per device, in this order. */
enum { M_P_AC, M_P_DC, M_POA, M_TMOD, M_TAIR, M_WIND, M_AGC, M_LIMIT,
       M_STRING, M_N };
static const char *const metric_names[M_N] = {
	"p_ac", "p_dc", "poa_global", "temp_module", "temp_air", "wind_speed",
	"agc_setpoint", "export_limit", "string_current",
};

/* The store's series, sorted by (device, metric), for lookups. */
struct series_map {
	struct db_series *v;
	size_t n, cap;
};

static int take_series(const struct db_series *s, void *ctx)
{
	struct series_map *m = ctx;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		void *v = realloc(m->v, cap * sizeof(*m->v));

		if (!v)
			return ERR_NOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = *s;
	return 0;
}

static int cmp_series(const void *a, const void *b)
{
	const struct db_series *x = a, *y = b;
	int c = strcmp(x->device, y->device);

	return c ? c : strcmp(x->metric, y->metric);
}

static int64_t series_of(const struct series_map *m, const char *device,
			 const char *metric)
{
	struct db_series key;
	const struct db_series *s;

	snprintf(key.device, sizeof(key.device), "%s", device);
	snprintf(key.metric, sizeof(key.metric), "%s", metric);
	s = m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), cmp_series) : NULL;
	return s ? s->id : 0;
}

/* One device's day: the mean of each interval, NaN where none. */
struct day_series {
	double *v[M_N];
};

struct day {
	int64_t from, to, step;
	size_t k;                       /* intervals */
	double tau_h;
	struct ts_engine *ts;
	const struct series_map *map;
	struct err *e;
};

/* Read one series' interval means into *out (NULL when it has none). */
static int read_means(struct day *d, const char *device, int metric,
		      double **out)
{
	int64_t id = series_of(d->map, device, metric_names[metric]);
	struct ts_bucket *b = NULL;
	size_t n = 0;
	double *v;
	int rc;

	*out = NULL;
	if (!id)
		return ERR_OK;
	if ((rc = ts_engine_aggregate(d->ts, id, d->from, d->to, d->step,
				      TS_AGG_AVG | TS_AGG_COUNT, &b, &n, d->e)))
		return rc;
	if (!(v = malloc(d->k * sizeof(*v)))) {
		free(b);
		return err_nomem(d->e);
	}
	for (size_t i = 0; i < d->k; i++)
		v[i] = NAN;
	for (size_t i = 0; i < n; i++) {
		int64_t at = (b[i].start - d->from) / d->step;

		if (b[i].count && at >= 0 && (size_t)at < d->k)
			v[at] = b[i].sum / (double)b[i].count;
	}
	free(b);
	*out = v;
	return ERR_OK;
}

static void day_series_free(struct day_series *s)
{
	for (int i = 0; i < M_N; i++) {
		free(s->v[i]);
		s->v[i] = NULL;
	}
}

/* The equipment of the site, sorted by id. */
struct layout {
	struct db_pv_equipment *v;
	size_t n, cap;
};

static int take_eq(const struct db_pv_equipment *q, void *ctx)
{
	struct layout *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *q;
	return 0;
}

static int cmp_eq(const void *a, const void *b)
{
	return strcmp(((const struct db_pv_equipment *)a)->id,
		      ((const struct db_pv_equipment *)b)->id);
}

static const struct db_pv_equipment *eq_find(const struct layout *l,
					     const char *id)
{
	struct db_pv_equipment key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return l->n ? bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_eq) : NULL;
}

/* The block above q ("" at none); at most 8 levels. */
static const char *block_of(const struct layout *l,
			    const struct db_pv_equipment *q)
{
	for (int depth = 0; q && depth < 8; depth++) {
		if (!strcmp(q->kind, "pv_block"))
			return q->id;
		q = q->parent[0] ? eq_find(l, q->parent) : NULL;
	}
	return "";
}

/* The met station of q: its own, its block's, or the site's first. */
static const char *station_of(const struct layout *l,
			      const struct db_pv_equipment *q)
{
	const struct db_pv_equipment *p = q;

	for (int depth = 0; p && depth < 8; depth++) {
		if (p->met_station[0])
			return p->met_station;
		p = p->parent[0] ? eq_find(l, p->parent) : NULL;
	}
	for (size_t i = 0; i < l->n; i++) /* a station in q's block */
		if (!strcmp(l->v[i].kind, "pv_met_station") &&
		    !strcmp(block_of(l, &l->v[i]), block_of(l, q)) &&
		    block_of(l, q)[0])
			return l->v[i].id;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].kind, "pv_met_station"))
			return l->v[i].id;
	return NULL;
}

/* What one inverter, block or the plant adds up to. */
struct sums {
	double p0_kwp, pac0_kw;
	double e_ac, e_dc, p0_h;     /* kWh, kWh, kWp * kWh/m2 */
	double tc_den;               /* sum of C_k P0 G_k tau / G_ref */
	double t_mod_g, g_sum;       /* irradiance-weighted module temperature */
	double e_lost, e_curtailed, e_expected, e_expected_avail;
	size_t n_daylight, n_unavailable, n_missing, n_curtailed;
	long n_clipped;
	bool dc_known;
};

/* The cell temperature of an interval: from the module's, or SAPM. */
static double cell_temp(double g, double tmod, double tair, double wind)
{
	struct pv_sapm_params p;

	if (isfinite(tmod))
		return pv_sapm_cell_from_module(tmod, g, PV_PR_SAPM_DELTA_T);
	if (!isfinite(tair))
		return NAN;
	pv_sapm_mount("open_rack_glass_glass", &p);
	return pv_sapm_cell_from_module(pv_sapm_module(g, tair, isfinite(wind)
						       ? wind : 1, p.a, p.b),
					g, p.delta_t);
}

/* The inverter's expected AC power (kW) in an interval; NaN unknown. */
static double expected_kw(const struct db_pv_equipment *q, double g,
			  double tc)
{
	double gamma = isfinite(q->gamma_pdc) ? q->gamma_pdc
					      : PV_PVWATTS_GAMMA_PDC;
	double pdc;

	if (!isfinite(g) || !isfinite(tc))
		return NAN;
	pdc = pv_pvwatts_dc(fmax(g, 0), tc, q->kwp_dc, gamma,
			    PV_PVWATTS_TEMP_REF);
	return pv_pvwatts_ac(pdc, q->kw_ac / PV_PVWATTS_ETA_INV_NOM,
			     PV_PVWATTS_ETA_INV_NOM, PV_PVWATTS_ETA_INV_REF);
}

static void sums_add(struct sums *to, const struct sums *s)
{
	to->p0_kwp += s->p0_kwp;
	to->pac0_kw += s->pac0_kw;
	to->e_ac += s->e_ac;
	to->e_dc += s->e_dc;
	to->dc_known = to->dc_known && s->dc_known;
	to->p0_h += s->p0_h;
	to->tc_den += s->tc_den;
	to->t_mod_g += s->t_mod_g;
	to->g_sum += s->g_sum;
	to->e_lost += s->e_lost;
	to->e_curtailed += s->e_curtailed;
	to->e_expected += s->e_expected;
	to->e_expected_avail += s->e_expected_avail;
	to->n_daylight += s->n_daylight;
	to->n_unavailable += s->n_unavailable;
	to->n_missing += s->n_missing;
	to->n_curtailed += s->n_curtailed;
	to->n_clipped += s->n_clipped > 0 ? s->n_clipped : 0;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

/* The metrics of sums as JSON (the keys of docs/PV.md). */
static json_t *sums_json(const char *id, const char *kind,
			 const struct sums *s)
{
	double y_r = ratio(s->p0_h, s->p0_kwp);
	double y_a = s->dc_known ? ratio(s->e_dc, s->p0_kwp) : NAN;
	double y_f = ratio(s->e_ac, s->p0_kwp);
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "p0_kwp", num(s->p0_kwp));
	json_object_set_new(o, "h_poa_kwh_m2", num(y_r));
	json_object_set_new(o, "y_r_h", num(y_r));
	json_object_set_new(o, "e_dc_kwh", num(s->dc_known ? s->e_dc : NAN));
	json_object_set_new(o, "e_ac_kwh", num(s->e_ac));
	json_object_set_new(o, "y_a_kwh_kwp", num(y_a));
	json_object_set_new(o, "y_f_kwh_kwp", num(y_f));
	json_object_set_new(o, "l_c_h", num(y_r - y_a));
	json_object_set_new(o, "l_s_h", num(y_a - y_f));
	json_object_set_new(o, "pr", num(ratio(y_f, y_r)));
	json_object_set_new(o, "pr_temp_corrected",
			    num(ratio(s->e_ac, s->tc_den)));
	json_object_set_new(o, "t_mod_irradiance_weighted_c",
			    num(ratio(s->t_mod_g, s->g_sum)));
	json_object_set_new(o, "availability_time", num(ratio(
		(double)(s->n_daylight - s->n_unavailable),
		(double)s->n_daylight)));
	json_object_set_new(o, "availability_energy",
			    num(ratio(s->e_ac, s->e_ac + s->e_lost)));
	json_object_set_new(o, "e_lost_outage_kwh", num(s->e_lost));
	json_object_set_new(o, "e_curtailed_kwh", num(s->e_curtailed));
	json_object_set_new(o, "e_expected_kwh", num(s->e_expected));
	json_object_set_new(o, "expected_ratio",
			    num(ratio(s->e_ac, s->e_expected_avail)));
	json_object_set_new(o, "n_daylight_intervals",
			    json_integer((json_int_t)s->n_daylight));
	json_object_set_new(o, "n_unavailable_intervals",
			    json_integer((json_int_t)s->n_unavailable));
	json_object_set_new(o, "n_missing_intervals",
			    json_integer((json_int_t)s->n_missing));
	json_object_set_new(o, "n_curtailed_intervals",
			    json_integer((json_int_t)s->n_curtailed));
	json_object_set_new(o, "n_clipped_intervals",
			    json_integer(s->n_clipped));
	return o;
}

/* The station's day and the site's curtailment signal. */
struct context {
	struct day d;
	const struct pvsite_daily_opts *o;
	double *g, *tmod, *tcell;  /* of the inverter's station */
	const double *limit;       /* kW the plant may export; NULL: none */
	const double *plant_exp;   /* the plant's expected kW */
};

struct interval_buf {
	struct pv_interval *v;
};

/* One inverter's day into s; pac/pdc its means (pdc may be NULL). */
static void inverter_sums(const struct context *c,
			  const struct db_pv_equipment *q, const double *pac,
			  const double *pdc, struct interval_buf *ib,
			  struct sums *s)
{
	struct pv_pr_params p = {
		.p0_kwp = q->kwp_dc,
		.gamma_pdc = isfinite(q->gamma_pdc) ? q->gamma_pdc
						    : PV_PVWATTS_GAMMA_PDC,
		.interval_min = (double)c->d.step / MS_PER_MINUTE,
		.t_ref_annual = PV_PR_T_REF_ANNUAL,
		.daylight_threshold = c->o->daylight_threshold,
		.pac0_kw = isfinite(q->kw_ac) ? q->kw_ac : NAN,
		.sapm_delta_t = PV_PR_SAPM_DELTA_T,
	};
	struct pv_pr_result r;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->p0_kwp = q->kwp_dc;
	s->pac0_kw = q->kw_ac;
	s->dc_known = pdc != NULL;
	for (size_t k = 0; k < c->d.k; k++) {
		double g = c->g ? c->g[k] : NAN;
		double exp_kw = expected_kw(q, g, c->tcell ? c->tcell[k] : NAN);
		bool daylight = isfinite(g) && g >= p.daylight_threshold;

		if (!isfinite(g))
			continue; /* no irradiance: nothing to judge by */
		if (isfinite(exp_kw))
			s->e_expected += exp_kw * c->d.tau_h;
		if (!pac || !isfinite(pac[k])) {
			s->n_missing += daylight;
			continue;
		}
		if (c->limit && isfinite(c->limit[k]) && c->plant_exp &&
		    c->plant_exp[k] > c->limit[k]) {
			s->n_curtailed++;
			if (isfinite(exp_kw))
				s->e_curtailed += fmax(exp_kw - pac[k], 0) *
						  c->d.tau_h;
			continue;
		}
		if (isfinite(exp_kw))
			s->e_expected_avail += exp_kw * c->d.tau_h;
		ib->v[n++] = (struct pv_interval){
			.poa_global = g,
			.temp_air = NAN, .wind_speed = NAN,
			.temp_module = c->tmod && isfinite(c->tmod[k])
				? c->tmod[k] : (c->tcell && isfinite(c->tcell[k])
				? c->tcell[k] - g / 1000 * PV_PR_SAPM_DELTA_T : 25),
			.p_dc_kw = pdc && isfinite(pdc[k]) ? pdc[k] : 0,
			.p_ac_kw = pac[k],
		};
	}
	pv_pr_compute(ib->v, n, &p, &r);
	s->e_ac = r.e_ac_kwh;
	s->e_dc = r.e_dc_kwh;
	s->p0_h = q->kwp_dc * r.h_poa_kwh_m2;
	s->tc_den = isfinite(r.pr_tc_stc_tmod) && r.pr_tc_stc_tmod > 0
		? r.e_ac_kwh / r.pr_tc_stc_tmod : 0;
	if (isfinite(r.t_mod_irradiance_weighted_c)) {
		double gs = r.h_poa_kwh_m2 * 1000 / c->d.tau_h;

		s->t_mod_g = r.t_mod_irradiance_weighted_c * gs;
		s->g_sum = gs;
	}
	s->e_lost = isfinite(r.e_lost_kwh) ? r.e_lost_kwh : 0;
	s->n_daylight = r.n_daylight;
	s->n_unavailable = r.n_unavailable;
	s->n_clipped = r.n_clipped;
}

/* ---- the day of a site -------------------------------------------------- */

struct station {
	const char *id;
	struct day_series s;
	double *tcell;
};

struct run {
	struct db_site site;
	struct tz *tz;
	struct layout l;
	struct series_map map;
	struct day d;
	struct station *st;
	size_t n_st;
	double *limit, *plant_exp;
	struct pvsite_daily_opts o;
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_st; i++) {
		day_series_free(&r->st[i].s);
		free(r->st[i].tcell);
	}
	free(r->st);
	free(r->limit);
	free(r->plant_exp);
	free(r->l.v);
	free(r->map.v);
	free(r->tz);
	db_site_free(&r->site);
}

static struct station *station_get(struct run *r, const char *id)
{
	for (size_t i = 0; id && i < r->n_st; i++)
		if (!strcmp(r->st[i].id, id))
			return &r->st[i];
	return NULL;
}

/* Read every met station's day and the cell temperature from it. */
static int load_stations(struct run *r)
{
	int rc = ERR_OK;

	r->st = calloc(r->l.n + 1, sizeof(*r->st));
	if (!r->st)
		return err_nomem(r->d.e);
	for (size_t i = 0; !rc && i < r->l.n; i++) {
		struct station *s = &r->st[r->n_st];

		if (strcmp(r->l.v[i].kind, "pv_met_station"))
			continue;
		s->id = r->l.v[i].id;
		r->n_st++;
		for (int m = M_POA; !rc && m <= M_WIND; m++)
			rc = read_means(&r->d, s->id, m, &s->s.v[m]);
		if (rc || !s->s.v[M_POA])
			continue;
		if (!(s->tcell = malloc(r->d.k * sizeof(double))))
			return err_nomem(r->d.e);
		for (size_t k = 0; k < r->d.k; k++)
			s->tcell[k] = cell_temp(s->s.v[M_POA][k],
				s->s.v[M_TMOD] ? s->s.v[M_TMOD][k] : NAN,
				s->s.v[M_TAIR] ? s->s.v[M_TAIR][k] : NAN,
				s->s.v[M_WIND] ? s->s.v[M_WIND][k] : NAN);
	}
	return rc;
}

/*
 * The export limit of each interval: the lowest agc_setpoint or
 * export_limit of the site's meters (NULL when none is stored), and the
 * plant's expected AC power beside it.
 */
static int load_limit(struct run *r)
{
	for (size_t i = 0; i < r->l.n; i++) {
		const struct db_pv_equipment *q = &r->l.v[i];

		if (strcmp(q->kind, "pv_meter"))
			continue;
		for (int m = M_AGC; m <= M_LIMIT; m++) {
			double *v;
			int rc = read_means(&r->d, q->id, m, &v);

			if (rc)
				return rc;
			if (!v)
				continue;
			if (!r->limit) {
				r->limit = v;
				continue;
			}
			for (size_t k = 0; k < r->d.k; k++)
				if (isfinite(v[k]) && !(r->limit[k] <= v[k]))
					r->limit[k] = v[k];
			free(v);
		}
	}
	if (!r->limit)
		return ERR_OK;
	if (!(r->plant_exp = calloc(r->d.k, sizeof(double))))
		return err_nomem(r->d.e);
	for (size_t i = 0; i < r->l.n; i++) {
		const struct db_pv_equipment *q = &r->l.v[i];
		struct station *s;

		if (strcmp(q->kind, "pv_inverter") ||
		    !(s = station_get(r, station_of(&r->l, q))) || !s->tcell)
			continue;
		for (size_t k = 0; k < r->d.k; k++) {
			double x = expected_kw(q, s->s.v[M_POA][k], s->tcell[k]);

			if (isfinite(x))
				r->plant_exp[k] += x;
		}
	}
	return ERR_OK;
}

static int run_open(struct db *db, struct ts_engine *ts, const char *code,
		    const char *date, const struct pvsite_daily_opts *o,
		    struct run *r, struct err *e)
{
	int y, m, dd, rc;

	memset(r, 0, sizeof(*r));
	r->o.interval_min = o && o->interval_min > 0 ? o->interval_min : 1;
	r->o.daylight_threshold = o && o->daylight_threshold > 0
		? o->daylight_threshold : PV_PR_DAYLIGHT_THRESHOLD;
	r->o.threads = o ? o->threads : 0;
	r->o.no_strings = o && o->no_strings;
	r->d.e = e;
	r->d.ts = ts;
	r->d.map = &r->map;
	if (time_parse_date(date, &y, &m, &dd))
		return err_set(e, ERR_INVALID, "date '%s': expected YYYY-MM-DD",
			       date);
	if (!(r->tz = malloc(sizeof(*r->tz))))
		return err_nomem(e);
	if ((rc = sites_load(db, code, &r->site, r->tz, e)))
		return rc;
	if (strcmp(r->site.kind, "pv_plant"))
		return err_set(e, ERR_INVALID, "site '%s' is a %s, not a "
			       "pv_plant", code, r->site.kind);
	r->d.step = r->o.interval_min * MS_PER_MINUTE;
	r->d.from = tz_local_midnight_ms(r->tz, y, m, dd);
	{
		int y2, m2, d2;

		time_civil_from_days(time_days_from_civil(y, m, dd) + 1, &y2,
				     &m2, &d2);
		r->d.to = tz_local_midnight_ms(r->tz, y2, m2, d2);
	}
	if (r->d.from % r->d.step)
		return err_set(e, ERR_INVALID, "site '%s': its midnight is not "
			       "on a %d-minute boundary", code,
			       r->o.interval_min);
	r->d.k = (size_t)((r->d.to - r->d.from) / r->d.step);
	r->d.tau_h = (double)r->d.step / MS_PER_HOUR;
	if ((rc = db_pv_equipment_list(db, code, take_eq, &r->l, e)) ||
	    (rc = db_series_list(db, NULL, take_series, &r->map, e)))
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	if (r->l.n)
		qsort(r->l.v, r->l.n, sizeof(*r->l.v), cmp_eq);
	if (r->map.n)
		qsort(r->map.v, r->map.n, sizeof(*r->map.v), cmp_series);
	if ((rc = load_stations(r)) || (rc = load_limit(r)))
		return rc;
	return ERR_OK;
}

/* The context of an inverter: its station's day. */
static void context_of(struct run *r, const struct db_pv_equipment *q,
		       struct context *c)
{
	struct station *s = station_get(r, station_of(&r->l, q));

	memset(c, 0, sizeof(*c));
	c->d = r->d;
	c->o = &r->o;
	if (s) {
		c->g = s->s.v[M_POA];
		c->tmod = s->s.v[M_TMOD];
		c->tcell = s->tcell;
	}
	c->limit = r->limit;
	c->plant_exp = r->plant_exp;
}

struct entity {
	char id[DB_NAME_MAX];
	struct sums s;
};

static int cmp_ratio(const void *a, const void *b)
{
	double x = json_number_value(json_object_get(*(json_t *const *)a,
						     "expected_ratio"));
	double y = json_number_value(json_object_get(*(json_t *const *)b,
						     "expected_ratio"));
	json_t *xa = json_object_get(*(json_t *const *)a, "expected_ratio");
	json_t *ya = json_object_get(*(json_t *const *)b, "expected_ratio");

	if (json_is_null(xa) != json_is_null(ya))
		return json_is_null(xa) ? 1 : -1;
	return x < y ? -1 : x > y;
}

/* The inverters, their blocks and the plant into out. */
static int compute(struct run *r, json_t *out, struct err *e)
{
	struct entity *blocks = calloc(r->l.n + 1, sizeof(*blocks));
	struct interval_buf ib = { malloc((r->d.k + 1) * sizeof(*ib.v)) };
	json_t *inv = json_array(), *blk = json_array(), *rank;
	struct sums plant = { .dc_known = true };
	size_t n_blocks = 0, n_inv = 0;
	int rc = ERR_OK;

	if (!blocks || !ib.v || !inv || !blk) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; !rc && i < r->l.n; i++) {
		const struct db_pv_equipment *q = &r->l.v[i];
		const char *b = block_of(&r->l, q);
		struct day_series ds = { 0 };
		struct context c;
		struct sums s;
		size_t j;
		json_t *o;

		if (strcmp(q->kind, "pv_inverter") || !isfinite(q->kwp_dc))
			continue;
		if ((rc = read_means(&r->d, q->id, M_P_AC, &ds.v[M_P_AC])) ||
		    (rc = read_means(&r->d, q->id, M_P_DC, &ds.v[M_P_DC])))
			break;
		context_of(r, q, &c);
		inverter_sums(&c, q, ds.v[M_P_AC], ds.v[M_P_DC], &ib, &s);
		day_series_free(&ds);
		o = sums_json(q->id, "inverter", &s);
		json_object_set_new(o, "block", b[0] ? json_string(b)
						     : json_null());
		json_array_append_new(inv, o);
		n_inv++;
		for (j = 0; j < n_blocks && strcmp(blocks[j].id, b); j++)
			;
		if (j == n_blocks) {
			snprintf(blocks[j].id, sizeof(blocks[j].id), "%s", b);
			blocks[j].s.dc_known = true;
			n_blocks++;
		}
		sums_add(&blocks[j].s, &s);
		sums_add(&plant, &s);
	}
	if (rc)
		goto out;
	for (size_t j = 0; j < n_blocks; j++)
		if (blocks[j].id[0])
			json_array_append_new(blk, sums_json(blocks[j].id,
							     "block",
							     &blocks[j].s));
	/* the ranking: the worst expected ratios first */
	if (!(rank = json_array())) {
		rc = err_nomem(e);
		goto out;
	}
	{
		json_t **v = malloc((n_inv + 1) * sizeof(*v));

		if (!v) {
			json_decref(rank);
			rc = err_nomem(e);
			goto out;
		}
		for (size_t i = 0; i < n_inv; i++)
			v[i] = json_array_get(inv, i);
		if (n_inv)
			qsort(v, n_inv, sizeof(*v), cmp_ratio);
		for (size_t i = 0; i < n_inv; i++)
			json_array_append_new(rank, json_pack("{sO sO}", "id",
				json_object_get(v[i], "id"), "expected_ratio",
				json_object_get(v[i], "expected_ratio")));
		free(v);
	}
	json_object_set_new(out, "plant", sums_json(r->site.code, "plant",
						    &plant));
	json_object_set_new(out, "blocks", blk);
	json_object_set_new(out, "inverters", inv);
	json_object_set_new(out, "ranking", rank);
	blk = inv = NULL;
out:
	json_decref(inv);
	json_decref(blk);
	free(blocks);
	free(ib.v);
	return rc;
}

/* ---- strings ------------------------------------------------------------ */

/* A string's day beside the others of its combiner box. */
struct string_day {
	double ratio_sum;
	size_t n_judged, n_open, n_low;
};

/* One combiner box: its strings are v[first .. first + n) of the job. */
struct box {
	const char *id;
	size_t first, n;
	double disp_sum;
	size_t disp_n;
};

/* The strings of the site, grouped by box, and what each thread does. */
struct strings_job {
	struct run *r;
	const struct db_pv_equipment **v;  /* the strings, by box then id */
	struct string_day *sd;             /* one per string */
	struct box *boxes;
	size_t n_boxes;
	size_t from, to;                   /* this thread's boxes */
	struct err err;                    /* this thread's error */
	int rc;
};

/*
 * One box: at each daylight interval of the box's station, pv_strings over
 * the strings that reported; per string the ratio to the box's median and
 * the intervals open or low; the box's dispersion.  d is the thread's own
 * copy of the day (its error its own).
 */
static int box_day(struct strings_job *j, struct day *d, struct box *b)
{
	struct run *r = j->r;
	const struct db_pv_equipment *q = eq_find(&r->l, b->id);
	struct station *st = q ? station_get(r, station_of(&r->l, q)) : NULL;
	const double *g = st ? st->s.v[M_POA] : NULL;
	size_t n = b->n;
	double **cur = calloc(n, sizeof(*cur));
	double *c = malloc(4 * n * sizeof(double));
	enum pv_string_status *status = malloc(n * sizeof(*status));
	size_t *who = malloc(n * sizeof(*who));
	struct string_day *sd = j->sd + b->first;
	int rc = ERR_OK;

	if (!cur || !c || !status || !who) {
		rc = err_nomem(d->e);
		goto out;
	}
	for (size_t i = 0; !rc && i < n; i++)
		rc = read_means(d, j->v[b->first + i]->id, M_STRING, &cur[i]);
	for (size_t k = 0; !rc && k < d->k; k++) {
		struct pv_strings_out o;
		size_t m = 0;

		if (g && !(g[k] >= r->o.daylight_threshold))
			continue;
		for (size_t i = 0; i < n; i++)
			if (cur[i] && isfinite(cur[i][k])) {
				c[m] = cur[i][k];
				who[m++] = i;
			}
		if (m < 2)
			continue;
		pv_strings(c, m, c + n, status, c + 2 * n, &o);
		if (!(o.median > 0))
			continue;
		for (size_t x = 0; x < m; x++) {
			struct string_day *y = &sd[who[x]];

			y->n_judged++;
			y->ratio_sum += c[n + x];
			y->n_open += status[x] == PV_STRING_OPEN;
			y->n_low += status[x] == PV_STRING_LOW;
		}
		if (isfinite(o.dispersion_excl_open)) {
			b->disp_sum += o.dispersion_excl_open;
			b->disp_n++;
		}
	}
out:
	for (size_t i = 0; cur && i < n; i++)
		free(cur[i]);
	free(cur);
	free(c);
	free(status);
	free(who);
	return rc;
}

static void *boxes_thread(void *arg)
{
	struct strings_job *j = arg;
	struct day d = j->r->d;

	d.e = &j->err;
	for (size_t b = j->from; !j->rc && b < j->to; b++)
		j->rc = box_day(j, &d, &j->boxes[b]);
	return NULL;
}

static int cmp_string_parent(const void *a, const void *b)
{
	const struct db_pv_equipment *x = *(const struct db_pv_equipment *const *)a;
	const struct db_pv_equipment *y = *(const struct db_pv_equipment *const *)b;
	int c = strcmp(x->parent, y->parent);

	return c ? c : strcmp(x->id, y->id);
}

/*
 * Run the boxes on up to PVSITE_THREADS threads (the engine's reads are
 * safe in parallel; each thread borrows its own store connection), each
 * a contiguous range holding about as many strings.
 */
#define PVSITE_THREADS 4

static int run_boxes(struct strings_job *base, size_t n_strings,
		     struct err *e)
{
	struct strings_job jobs[PVSITE_THREADS];
	pthread_t tid[PVSITE_THREADS];
	bool started[PVSITE_THREADS] = { false };
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cores < 1 ? 1 : cores > PVSITE_THREADS ? PVSITE_THREADS
		  : (size_t)cores, b = 0;
	int rc = ERR_OK;

	if (base->r->o.threads > 0)
		nt = base->r->o.threads < PVSITE_THREADS
			? (size_t)base->r->o.threads : PVSITE_THREADS;
	else if (n_strings < 500)
		nt = 1;
	for (size_t t = 0; t < nt; t++) {
		size_t want = n_strings * (t + 1) / nt;

		jobs[t] = *base;
		jobs[t].from = b;
		while (b < base->n_boxes &&
		       (t == nt - 1 || base->boxes[b].first < want))
			b++;
		jobs[t].to = b;
	}
	for (size_t t = 1; t < nt; t++)
		started[t] = !pthread_create(&tid[t], NULL, boxes_thread,
					     &jobs[t]);
	boxes_thread(&jobs[0]);
	for (size_t t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else /* no thread: do its part here */
			boxes_thread(&jobs[t]);
	}
	for (size_t t = 0; t < nt && !rc; t++)
		if ((rc = jobs[t].rc))
			*e = jobs[t].err;
	return rc;
}

/* Every box's strings into out's "strings" and "combiners". */
static int compute_strings(struct run *r, json_t *out, struct err *e)
{
	struct strings_job job = { .r = r };
	json_t *strings = json_array(), *boxes = json_array();
	size_t n = 0;
	int rc = ERR_OK;

	job.v = malloc((r->l.n + 1) * sizeof(*job.v));
	job.boxes = calloc(r->l.n + 1, sizeof(*job.boxes));
	job.sd = calloc(r->l.n + 1, sizeof(*job.sd));
	if (!job.v || !job.boxes || !job.sd || !strings || !boxes) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < r->l.n; i++)
		if (!strcmp(r->l.v[i].kind, "pv_string") && r->l.v[i].parent[0])
			job.v[n++] = &r->l.v[i];
	if (n)
		qsort(job.v, n, sizeof(*job.v), cmp_string_parent);
	for (size_t i = 0; i < n; ) {
		struct box *b = &job.boxes[job.n_boxes++];

		b->id = job.v[i]->parent;
		b->first = i;
		while (i < n && !strcmp(job.v[i]->parent, b->id))
			i++;
		b->n = i - b->first;
	}
	if ((rc = run_boxes(&job, n, e)))
		goto out;
	for (size_t i = 0; i < job.n_boxes; i++) {
		const struct box *b = &job.boxes[i];

		json_array_append_new(boxes, json_pack("{ss si so}", "id", b->id,
			"strings", (int)b->n, "mean_dispersion",
			num(b->disp_n ? b->disp_sum / (double)b->disp_n : NAN)));
		for (size_t k = b->first; k < b->first + b->n; k++) {
			const struct string_day *x = &job.sd[k];

			json_array_append_new(strings, json_pack(
				"{ss ss so si si si}", "id", job.v[k]->id,
				"combiner", b->id, "mean_ratio",
				num(x->n_judged ? x->ratio_sum /
				    (double)x->n_judged : NAN),
				"n_judged_intervals", (int)x->n_judged,
				"n_open_intervals", (int)x->n_open,
				"n_low_intervals", (int)x->n_low));
		}
	}
	json_object_set_new(out, "combiners", boxes);
	json_object_set_new(out, "strings", strings);
	boxes = strings = NULL;
out:
	json_decref(strings);
	json_decref(boxes);
	free(job.v);
	free(job.boxes);
	free(job.sd);
	return rc;
}

static json_t *day_head(const struct run *r, const char *date)
{
	char from[40], to[40];

	time_format_iso(r->d.from, from, sizeof(from));
	time_format_iso(r->d.to, to, sizeof(to));
	return json_pack("{ss ss ss ss ss si}", "site", r->site.code,
			 "date", date, "tz", r->site.tz, "from", from,
			 "to", to, "interval_min", r->o.interval_min);
}

int pvsite_daily_json_opts(struct db *db, struct ts_engine *ts,
			   const char *site, const char *date,
			   const struct pvsite_daily_opts *o, json_t **out,
			   struct err *e)
{
	struct run r;
	json_t *v = NULL;
	int rc;

	*out = NULL;
	if (!(rc = run_open(db, ts, site, date, o, &r, e))) {
		if (!(v = day_head(&r, date)))
			rc = err_nomem(e);
		else if (!(rc = compute(&r, v, e)) && !r.o.no_strings)
			rc = compute_strings(&r, v, e);
	}
	run_free(&r);
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}

int pvsite_daily_json(struct db *db, struct ts_engine *ts, const char *site,
		      const char *date, json_t **out, struct err *e)
{
	return pvsite_daily_json_opts(db, ts, site, date, NULL, out, e);
}

int pvsite_expected_json(struct db *db, struct ts_engine *ts,
			 const char *site, const char *inverter,
			 const char *date, json_t **out, struct err *e)
{
	const struct db_pv_equipment *q;
	struct day_series ds = { 0 };
	json_t *v = NULL, *pts = NULL;
	struct context c;
	struct run r;
	int rc;

	*out = NULL;
	if ((rc = run_open(db, ts, site, date, NULL, &r, e)))
		goto out;
	if (!(q = eq_find(&r.l, inverter)) || strcmp(q->kind, "pv_inverter")) {
		rc = err_set(e, ERR_NOT_FOUND, "site '%s' has no inverter '%s'",
			     site, inverter);
		goto out;
	}
	if ((rc = read_means(&r.d, q->id, M_P_AC, &ds.v[M_P_AC])))
		goto out;
	context_of(&r, q, &c);
	if (!(v = day_head(&r, date)) || !(pts = json_array())) {
		rc = err_nomem(e);
		goto out;
	}
	json_object_set_new(v, "inverter", json_string(q->id));
	for (size_t k = 0; k < r.d.k; k++) {
		double g = c.g ? c.g[k] : NAN;
		double x = expected_kw(q, g, c.tcell ? c.tcell[k] : NAN);
		double a = ds.v[M_P_AC] ? ds.v[M_P_AC][k] : NAN;
		char t[40];

		if (!isfinite(g) && !isfinite(a))
			continue;
		time_format_iso(r.d.from + (int64_t)k * r.d.step, t, sizeof(t));
		json_array_append_new(pts, json_pack("{ss so so so}", "time", t,
			"poa_global", num(g), "p_ac_expected_kw", num(x),
			"p_ac_kw", num(a)));
	}
	json_object_set_new(v, "points", pts);
	pts = NULL;
out:
	day_series_free(&ds);
	json_decref(pts);
	run_free(&r);
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}

/* ---- the plant's curve (GET .../pv/plant) ------------------------------- */

struct plant_curve {
	double *p_ac, *p_exp;      /* summed over the inverters, kW */
	int *n_ac;                 /* inverters reporting */
	const double *poa, *tmod, *tair, *wind;  /* the first station's */
};

/* Add every inverter's measured and expected power into c. */
static int plant_sum(struct run *r, struct plant_curve *c)
{
	int rc = ERR_OK;

	for (size_t i = 0; !rc && i < r->l.n; i++) {
		const struct db_pv_equipment *q = &r->l.v[i];
		struct station *s;
		double *ac;

		if (strcmp(q->kind, "pv_inverter"))
			continue;
		if ((rc = read_means(&r->d, q->id, M_P_AC, &ac)))
			break;
		s = station_get(r, station_of(&r->l, q));
		for (size_t k = 0; k < r->d.k; k++) {
			double x = s && s->tcell
				? expected_kw(q, s->s.v[M_POA][k], s->tcell[k]) : NAN;

			if (ac && isfinite(ac[k])) {
				c->p_ac[k] = (c->n_ac[k] ? c->p_ac[k] : 0) + ac[k];
				c->n_ac[k]++;
			}
			if (isfinite(x))
				c->p_exp[k] = (isfinite(c->p_exp[k]) ? c->p_exp[k]
								   : 0) + x;
		}
		free(ac);
	}
	return rc;
}

static json_t *plant_point(const struct run *r, const struct plant_curve *c,
			   size_t k)
{
	char t[40];

	time_format_iso(r->d.from + (int64_t)k * r->d.step, t, sizeof(t));
	return json_pack("{ss so so so so so so so si}", "time", t,
			 "p_ac_kw", num(c->p_ac[k]),
			 "p_ac_expected_kw", num(c->p_exp[k]),
			 "poa_global", num(c->poa ? c->poa[k] : NAN),
			 "temp_module", num(c->tmod ? c->tmod[k] : NAN),
			 "temp_air", num(c->tair ? c->tair[k] : NAN),
			 "wind_speed", num(c->wind ? c->wind[k] : NAN),
			 "limit_kw", num(r->limit ? r->limit[k] : NAN),
			 "inverters_reporting", c->n_ac[k]);
}

int pvsite_plant_json(struct db *db, struct ts_engine *ts, const char *site,
		      const char *date, int interval_min, json_t **out,
		      struct err *e)
{
	struct pvsite_daily_opts o = { .interval_min = interval_min };
	struct plant_curve c = { 0 };
	json_t *v = NULL, *pts = NULL;
	double kwp = 0, kw_ac = 0;
	size_t last = SIZE_MAX;
	struct run r;
	int rc;

	*out = NULL;
	if ((rc = run_open(db, ts, site, date, &o, &r, e)))
		goto out;
	c.p_ac = malloc(r.d.k * sizeof(double));
	c.p_exp = malloc(r.d.k * sizeof(double));
	c.n_ac = calloc(r.d.k, sizeof(int));
	if (!c.p_ac || !c.p_exp || !c.n_ac) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t k = 0; k < r.d.k; k++)
		c.p_ac[k] = c.p_exp[k] = NAN;
	if (r.n_st) {
		c.poa = r.st[0].s.v[M_POA];
		c.tmod = r.st[0].s.v[M_TMOD];
		c.tair = r.st[0].s.v[M_TAIR];
		c.wind = r.st[0].s.v[M_WIND];
	}
	for (size_t i = 0; i < r.l.n; i++)
		if (!strcmp(r.l.v[i].kind, "pv_inverter")) {
			kwp += isfinite(r.l.v[i].kwp_dc) ? r.l.v[i].kwp_dc : 0;
			kw_ac += isfinite(r.l.v[i].kw_ac) ? r.l.v[i].kw_ac : 0;
		}
	if ((rc = plant_sum(&r, &c)))
		goto out;
	if (!(v = day_head(&r, date)) || !(pts = json_array())) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t k = 0; k < r.d.k; k++) {
		if (c.n_ac[k])
			last = k;
		if (!c.n_ac[k] && !(c.poa && isfinite(c.poa[k])))
			continue;
		json_array_append_new(pts, plant_point(&r, &c, k));
	}
	json_object_set_new(v, "kwp_dc", json_real(kwp));
	json_object_set_new(v, "kw_ac", json_real(kw_ac));
	json_object_set_new(v, "now", last == SIZE_MAX ? json_null()
					: plant_point(&r, &c, last));
	json_object_set_new(v, "points", pts);
	pts = NULL;
out:
	free(c.p_ac);
	free(c.p_exp);
	free(c.n_ac);
	json_decref(pts);
	run_free(&r);
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}
