/* A plot's water balance and the base's irrigation plan, from the store. */
#include "agro/water.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agro/fao56.h"
#include "ts/format.h"
#include "util/timeutil.h"

#define MIN_READINGS 12     /* a day's weather needs this many readings */
#define LOOKAHEAD_DAYS 30
#define RECENT_DAYS 7       /* ETc rate for the look-ahead: their mean */

/* ---- the station and its daily weather -------------------------------------- */

struct nearest {
	const struct water_ctx *w;
	const char *plot;
	double lon, lat, best;
	char id[DB_NAME_MAX];
};

static void plot_center(const struct db_plot *p, double *lon, double *lat)
{
	*lon = (p->bbox[0] + p->bbox[2]) / 2;
	*lat = (p->bbox[1] + p->bbox[3]) / 2;
}

static int consider_station(const struct db_device *d, void *ctx)
{
	struct nearest *n = ctx;
	struct db_plot p;
	struct err e;
	double lon = d->lon, lat = d->lat, dist;

	if (strcmp(d->kind, "weather_station"))
		return 0;
	if (!strcmp(d->plot, n->plot)) {
		n->best = -1;
		snprintf(n->id, sizeof(n->id), "%s", d->id);
		return 0;
	}
	if (!isfinite(lon) && d->plot[0] && !db_plot_get(n->w->db, d->plot, &p, &e)) {
		plot_center(&p, &lon, &lat);
		db_plot_free(&p);
	}
	if (!isfinite(lon))
		return 0;
	dist = hypot((lon - n->lon) * cos(n->lat * M_PI / 180), lat - n->lat);
	if (n->best >= 0 && (!n->id[0] || dist < n->best)) {
		n->best = dist;
		snprintf(n->id, sizeof(n->id), "%s", d->id);
	}
	return 0;
}

struct day_weather {
	int n_t;
	double tmax, tmin;
	bool has_rh, has_wind, has_rs;
	double rh_max, rh_min, wind, rs, rain;
};

/* Daily buckets of one series over [first, last] days, by day index. */
static int daily(const struct water_ctx *w, const char *device,
		 const char *metric, int64_t first, int64_t last, unsigned aggs,
		 struct ts_bucket **out, size_t *n, struct err *e)
{
	struct err missing = { 0 };
	int64_t id;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ingest_series_find(w->ing, device, metric, &id, &missing);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* no such series: nothing measured */
	if (rc)
		return *e = missing, rc;
	return ts_engine_aggregate(w->ts, id, first * MS_PER_DAY,
				   (last + 1) * MS_PER_DAY, MS_PER_DAY, aggs, out,
				   n, e);
}

/* Fill wx[day - first] from one metric's buckets. */
static void spread(const struct ts_bucket *b, size_t n, int64_t first,
		   size_t days, void (*put)(struct day_weather *d,
					    const struct ts_bucket *b),
		   struct day_weather *wx)
{
	for (size_t i = 0; i < n; i++) {
		int64_t k = b[i].start / MS_PER_DAY - first;

		if (k >= 0 && (size_t)k < days)
			put(&wx[k], &b[i]);
	}
}

static void put_t(struct day_weather *d, const struct ts_bucket *b)
{
	d->n_t = (int)b->count;
	d->tmax = b->max;
	d->tmin = b->min;
}

static void put_rh(struct day_weather *d, const struct ts_bucket *b)
{
	d->has_rh = b->count >= MIN_READINGS;
	d->rh_max = fmin(100, b->max);
	d->rh_min = fmin(d->rh_max, b->min);
}

static void put_wind(struct day_weather *d, const struct ts_bucket *b)
{
	d->has_wind = b->count >= MIN_READINGS;
	d->wind = b->sum / b->count;
}

static void put_rs(struct day_weather *d, const struct ts_bucket *b)
{
	/* the day's mean irradiance (W/m2) as energy: x 86400 s / 1e6 */
	d->has_rs = b->count >= MIN_READINGS;
	d->rs = b->sum / b->count * 0.0864;
}

static void put_rain(struct day_weather *d, const struct ts_bucket *b)
{
	d->rain = b->sum;
}

static int station_weather(const struct water_ctx *w, const char *station,
			   int64_t first, size_t days, struct day_weather *wx,
			   struct err *e)
{
	static const struct {
		const char *metric;
		unsigned aggs;
		void (*put)(struct day_weather *d, const struct ts_bucket *b);
	} parts[] = {
		{ "air_temp", TS_AGG_MIN | TS_AGG_MAX | TS_AGG_COUNT, put_t },
		{ "rh", TS_AGG_MIN | TS_AGG_MAX | TS_AGG_COUNT, put_rh },
		{ "wind_speed", TS_AGG_AVG, put_wind },
		{ "solar_rad", TS_AGG_AVG, put_rs },
		{ "rain", TS_AGG_SUM, put_rain },
	};
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	memset(wx, 0, days * sizeof(*wx));
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
		rc = daily(w, station, parts[i].metric, first,
			   first + (int64_t)days - 1, parts[i].aggs, &b, &n, e);
		if (!rc)
			spread(b, n, first, days, parts[i].put, wx);
		free(b);
	}
	return rc;
}

static double day_et0(const struct day_weather *d, int64_t day, double lat)
{
	struct agro_et0_daily_in in = { .lat_deg = lat, .alt_m = WATER_ALTITUDE_M };
	struct agro_et0_daily_out out;
	int y, m, dd;

	time_civil_from_days(day, &y, &m, &dd);
	in.doy = (int)(day - time_days_from_civil(y, 1, 1)) + 1;
	in.tmax = d->tmax;
	in.tmin = d->tmin;
	if (d->has_rh) {
		in.rh_max = (struct agro_opt){ true, d->rh_max };
		in.rh_min = (struct agro_opt){ true, d->rh_min };
	}
	if (d->has_wind)
		in.wind = (struct agro_opt){ true, d->wind };
	if (d->has_rs)
		in.rs = (struct agro_opt){ true, d->rs };
	if (agro_fao56_daily(&in, &out, NULL))
		return NAN;
	return fmax(0, out.et0);
}

/* ---- what the plot's own devices measured ------------------------------------- */

struct plot_devices {
	char meters[8][DB_NAME_MAX];
	char probes[8][DB_NAME_MAX];
	int n_meters, n_probes;
};

static int sort_device(const struct db_device *d, void *ctx)
{
	struct plot_devices *p = ctx;

	if (!strcmp(d->kind, "flow_meter") && p->n_meters < 8)
		snprintf(p->meters[p->n_meters++], DB_NAME_MAX, "%s", d->id);
	else if (!strcmp(d->kind, "soil_probe") && p->n_probes < 8)
		snprintf(p->probes[p->n_probes++], DB_NAME_MAX, "%s", d->id);
	return 0;
}

/* Metered m3 per day: the day's last cumulative volume less the last before. */
static int metered(const struct water_ctx *w, const struct plot_devices *pd,
		   int64_t first, size_t days, double *m3, struct err *e)
{
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	memset(m3, 0, days * sizeof(*m3));
	for (int k = 0; k < pd->n_meters && !rc; k++) {
		double prev = NAN;

		rc = daily(w, pd->meters[k], "volume", first - 1,
			   first + (int64_t)days - 1, TS_AGG_LAST, &b, &n, e);
		for (size_t i = 0; !rc && i < n; i++) {
			int64_t at = b[i].start / MS_PER_DAY - first;

			if (at >= 0 && isfinite(prev) && b[i].last >= prev)
				m3[at] += b[i].last - prev;
			prev = b[i].last;
		}
		free(b);
	}
	return rc;
}

#define PROBE_DEPTHS 3

struct probe_day {
	struct agro_probe_reading r[PROBE_DEPTHS];
	size_t n;
};

static int probed(const struct water_ctx *w, const struct plot_devices *pd,
		  int64_t first, size_t days, struct probe_day *pr,
		  struct err *e)
{
	static const char *const metric[PROBE_DEPTHS] = {
		"moisture_10cm", "moisture_20cm", "moisture_40cm" };
	static const double depth[PROBE_DEPTHS] = { 0.10, 0.20, 0.40 };
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	memset(pr, 0, days * sizeof(*pr));
	for (int k = 0; k < PROBE_DEPTHS && pd->n_probes && !rc; k++) {
		rc = daily(w, pd->probes[0], metric[k], first,
			   first + (int64_t)days - 1, TS_AGG_AVG, &b, &n, e);
		for (size_t i = 0; !rc && i < n; i++) {
			int64_t at = b[i].start / MS_PER_DAY - first;

			if (at >= 0 && (size_t)at < days)
				pr[at].r[pr[at].n++] = (struct agro_probe_reading){
					depth[k], b[i].sum / b[i].count / 100.0 };
		}
		free(b);
	}
	return rc;
}

/* ---- the balance ----------------------------------------------------------- */

static int plot_params(const struct db_plot *p, struct agro_plot *ap,
		       int64_t *sowing, struct err *e)
{
	enum agro_crop crop;
	enum agro_texture tex;
	int y, m, d;

	if (!p->crop[0] || agro_crop_find(p->crop, &crop, e))
		return err_set(e, ERR_INVALID, "plot %s: crop '%s' is not one the "
			       "water balance knows (cotton, maize, spring_wheat, "
			       "tomato)", p->code, p->crop);
	if (time_parse_date(p->sowing_date, &y, &m, &d))
		return err_set(e, ERR_INVALID, "plot %s has no sowing date",
			       p->code);
	*sowing = time_days_from_civil(y, m, d);
	agro_plot_defaults(ap, crop);
	ap->code = p->code;
	ap->area_m2 = p->area_m2;
	if (isfinite(p->field_capacity) && isfinite(p->wilting_point)) {
		ap->theta_fc = p->field_capacity;
		ap->theta_wp = p->wilting_point;
	} else if (p->soil_texture[0] &&
		   !agro_texture_find(p->soil_texture, &tex, NULL)) {
		agro_texture_defaults(tex, &ap->theta_fc, &ap->theta_wp);
	}
	if (strstr(p->irrigation, "film"))
		ap->mulch_factor = AGRO_FILM_MULCH_FACTOR;
	return agro_plot_check(ap, e);
}

struct inputs {
	struct day_weather *wx;
	double *m3;
	struct probe_day *probes;
};

static void inputs_free(struct inputs *in)
{
	free(in->wx);
	free(in->m3);
	free(in->probes);
}

static int gather(const struct water_ctx *w, const struct water_plot *out,
		  int64_t first, size_t days, struct inputs *in, struct err *e)
{
	struct plot_devices pd = { 0 };
	int rc;

	in->wx = calloc(days, sizeof(*in->wx));
	in->m3 = calloc(days, sizeof(*in->m3));
	in->probes = calloc(days, sizeof(*in->probes));
	if (!in->wx || !in->m3 || !in->probes)
		return err_nomem(e);
	if ((rc = db_device_list(w->db, out->code, sort_device, &pd, e)) ||
	    (out->station[0] &&
	     (rc = station_weather(w, out->station, first, days, in->wx, e))) ||
	    (rc = metered(w, &pd, first, days, in->m3, e)))
		return rc;
	return probed(w, &pd, first, days, in->probes, e);
}

/* Step the balance day by day; a day without weather keeps the last ET0. */
static int run_balance(struct water_plot *out, const struct inputs *in,
		       int64_t first, double lat, struct err *e)
{
	struct agro_balance_state st;
	double et0 = NAN, tmax = 25, tmin = 12;
	int rc;

	if ((rc = agro_balance_init(&out->plot, 0, &st, e)))
		return rc;
	for (size_t i = 0; i < out->n_days; i++) {
		const struct day_weather *d = &in->wx[i];
		struct water_day *wd = &out->days[i];
		struct agro_day_in day = { .rain = d->rain,
					   .irrigation_m3 = in->m3[i],
					   .probe = in->probes[i].r,
					   .n_probe = in->probes[i].n };

		wd->day = first + (int64_t)i;
		wd->weather_complete = d->n_t >= MIN_READINGS;
		if (wd->weather_complete) {
			double v = day_et0(d, wd->day, lat);

			if (isfinite(v))
				et0 = v;
			tmax = d->tmax;
			tmin = d->tmin;
		}
		if (!isfinite(et0))
			et0 = 0; /* before the station's first complete day */
		day.et0 = wd->et0 = et0;
		day.tmax = tmax;
		day.tmin = tmin;
		if ((rc = agro_balance_step(&out->plot, &st, &day, &wd->out, e)))
			return rc;
	}
	return ERR_OK;
}

static void recommend(struct water_plot *out)
{
	struct agro_balance_state st;
	double rate = 0;
	size_t k = 0;

	if (!out->n_days)
		return;
	for (size_t i = out->n_days; i-- > 0 && k < RECENT_DAYS; k++)
		rate += out->days[i].out.etc_adj;
	st = (struct agro_balance_state){
		.day = out->days[out->n_days - 1].out.day,
		.thermal = out->days[out->n_days - 1].out.thermal,
		.zr = out->days[out->n_days - 1].out.zr,
		.dr = out->days[out->n_days - 1].out.dr,
	};
	out->has_rec = !agro_recommend(&out->plot, &st,
				       out->days[out->n_days - 1].day,
				       rate / (double)k, LOOKAHEAD_DAYS, &out->rec,
				       NULL);
}

int water_compute(const struct water_ctx *w, const char *code, int64_t to_day,
		  struct water_plot *out, struct err *e)
{
	struct nearest near = { .w = w, .plot = code };
	struct inputs in = { 0 };
	struct db_plot p;
	int64_t sowing = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_plot_get(w->db, code, &p, e)))
		return rc;
	snprintf(out->code, sizeof(out->code), "%s", code);
	rc = plot_params(&p, &out->plot, &sowing, e);
	out->plot.code = out->code;
	plot_center(&p, &near.lon, &near.lat);
	db_plot_free(&p);
	if (rc)
		return rc;
	if ((rc = db_device_list(w->db, NULL, consider_station, &near, e)))
		return rc;
	snprintf(out->station, sizeof(out->station), "%s", near.id);
	if (to_day < sowing)
		return ERR_OK;
	out->n_days = (size_t)(to_day - sowing + 1);
	if (out->n_days > 400)
		out->n_days = 400; /* one season */
	if (!(out->days = calloc(out->n_days, sizeof(*out->days))))
		return err_nomem(e);
	if (!(rc = gather(w, out, sowing, out->n_days, &in, e)) &&
	    !(rc = run_balance(out, &in, sowing, near.lat, e)))
		recommend(out);
	inputs_free(&in);
	if (rc)
		water_plot_free(out);
	return rc;
}

void water_plot_free(struct water_plot *p)
{
	free(p->days);
	p->days = NULL;
	p->n_days = 0;
}
