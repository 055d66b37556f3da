/* A plot's water balance from the store, through a per-request cache. */
#include "agro/water_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agro/fao56.h"
#include "agro/water_settings.h"
#include "ts/format.h"
#include "util/timeutil.h"

#define LOOKAHEAD_DAYS 30
#define RECENT_DAYS 7       /* ETc rate for the look-ahead: their mean */
#define SEASON_DAYS_MAX 400

/* ---- the cache: stations and devices, read once ------------------------------ */

static void plot_center(const struct db_plot *p, double *lon, double *lat)
{
	*lon = (p->bbox[0] + p->bbox[2]) / 2;
	*lat = (p->bbox[1] + p->bbox[3]) / 2;
}

static int add_station(struct water_cache *c, const struct db_device *d,
		       struct err *e)
{
	struct wx_station *s;

	if (c->n_stations == c->cap_stations) {
		size_t cap = c->cap_stations ? c->cap_stations * 2 : 16;

		if (!(s = realloc(c->stations, cap * sizeof(*s))))
			return err_nomem(e);
		c->stations = s;
		c->cap_stations = cap;
	}
	s = &c->stations[c->n_stations++];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", d->id);
	snprintf(s->plot, sizeof(s->plot), "%s", d->plot);
	s->lon = isfinite(d->lat) ? d->lon : NAN;
	s->lat = isfinite(d->lon) ? d->lat : NAN;
	return ERR_OK;
}

static struct water_devices *plot_devices(struct water_cache *c,
					  const char *plot, bool create)
{
	struct water_devices *d;
	int64_t i;

	if (smap_get(&c->plot_index, plot, &i))
		return &c->devices[i];
	if (!create)
		return NULL;
	if (c->n_devices == c->cap_devices) {
		size_t cap = c->cap_devices ? c->cap_devices * 2 : 64;

		if (!(d = realloc(c->devices, cap * sizeof(*d))))
			return NULL;
		c->devices = d;
		c->cap_devices = cap;
	}
	if (smap_put(&c->plot_index, plot, (int64_t)c->n_devices))
		return NULL;
	d = &c->devices[c->n_devices++];
	memset(d, 0, sizeof(*d));
	return d;
}

struct walk {
	struct water_cache *c;
	struct err *e;
};

static int take_device(const struct db_device *d, void *ctx)
{
	struct walk *wk = ctx;
	struct water_devices *pd;
	bool meter = !strcmp(d->kind, "flow_meter");

	if (d->deleted_ms)
		return ERR_OK; /* deleted: it measures nothing now */
	if (!strcmp(d->kind, "weather_station"))
		return add_station(wk->c, d, wk->e);
	if ((!meter && strcmp(d->kind, "soil_probe")) || !d->plot[0])
		return ERR_OK;
	if (!(pd = plot_devices(wk->c, d->plot, true)))
		return err_nomem(wk->e);
	if (meter && pd->n_meters < WATER_DEVICES_MAX)
		snprintf(pd->meters[pd->n_meters++], DB_NAME_MAX, "%s", d->id);
	else if (!meter && pd->n_probes < WATER_DEVICES_MAX)
		snprintf(pd->probes[pd->n_probes++], DB_NAME_MAX, "%s", d->id);
	return ERR_OK;
}

/* A station without a location stands at the centre of its plot. */
static void place_stations(struct water_cache *c)
{
	for (size_t i = 0; i < c->n_stations; i++) {
		struct wx_station *s = &c->stations[i];
		struct db_plot p;
		struct err ignored;

		if (isfinite(s->lon) || !s->plot[0] ||
		    db_plot_get(c->w.db, s->plot, &p, &ignored))
			continue;
		plot_center(&p, &s->lon, &s->lat);
		db_plot_free(&p);
	}
}

int water_cache_open(const struct water_ctx *w, const struct water_opts *o,
		     struct water_cache **out, struct err *e)
{
	struct water_cache *c = calloc(1, sizeof(*c));
	struct walk wk = { c, e };
	int rc;

	*out = NULL;
	if (!c)
		return err_nomem(e);
	c->w = *w;
	if (o)
		c->opts = *o;
	if ((rc = db_device_list(w->db, NULL, take_device, &wk, e))) {
		water_cache_close(c);
		return rc;
	}
	place_stations(c);
	*out = c;
	return ERR_OK;
}

void water_cache_close(struct water_cache *c)
{
	if (!c)
		return;
	water__stations_free(c);
	for (size_t i = 0; i < c->n_ahead; i++)
		free(c->ahead[i].out);
	free(c->ahead);
	free(c->devices);
	smap_free(&c->plot_index);
	free(c);
}

/* The plot's own station, else the nearest with a position; -1 if none. */
static int station_of(const struct water_cache *c, const struct db_plot *p)
{
	double lon, lat, best = HUGE_VAL;
	int found = -1;

	plot_center(p, &lon, &lat);
	for (size_t i = 0; i < c->n_stations; i++) {
		const struct wx_station *s = &c->stations[i];
		double d;

		if (!strcmp(s->plot, p->code))
			return (int)i;
		if (!isfinite(s->lon))
			continue;
		d = hypot((s->lon - lon) * cos(lat * M_PI / 180), s->lat - lat);
		if (d < best) {
			best = d;
			found = (int)i;
		}
	}
	return found;
}

/* ---- what the plot's own devices measured ------------------------------------- */

/* ---- reads listed ahead and answered in batches (the plan) ------------------- */

/* Reads answered by one view of the engine: one store round trip. */
#define AHEAD_BATCH 1024
/* How far past the next listed read one not found is looked for. */
#define AHEAD_SLACK 64

static int want(struct water_cache *c, int64_t id, int64_t from, int64_t to,
		int64_t step, unsigned aggs, struct err *e)
{
	if (c->n_ahead == c->cap_ahead) {
		size_t cap = c->cap_ahead ? c->cap_ahead * 2 : 256;
		struct ts_agg_query *q = realloc(c->ahead, cap * sizeof(*q));

		if (!q)
			return err_nomem(e);
		c->ahead = q;
		c->cap_ahead = cap;
	}
	c->ahead[c->n_ahead++] = (struct ts_agg_query){ id, from, to, step,
							aggs, NULL, 0 };
	return ERR_OK;
}

static bool same_read(const struct ts_agg_query *q, int64_t id, int64_t from,
		      int64_t to, unsigned aggs)
{
	return q->series == id && q->from == from && q->to == to &&
	       q->mask == aggs;
}

/*
 * The buckets of a read listed ahead, fetched with the next AHEAD_BATCH
 * reads in one view if not yet; false if the read was not listed (the
 * caller reads it alone).  Reads listed but skipped are dropped.
 */
static bool ahead_take(struct water_cache *c, int64_t id, int64_t from,
		       int64_t to, unsigned aggs, struct ts_bucket **out,
		       size_t *n, int *rc, struct err *e)
{
	size_t i = c->next_ahead, end;

	while (i < c->n_ahead && i < c->next_ahead + AHEAD_SLACK &&
	       !same_read(&c->ahead[i], id, from, to, aggs))
		i++;
	if (i >= c->n_ahead || !same_read(&c->ahead[i], id, from, to, aggs))
		return false;
	for (size_t k = c->next_ahead; k < i; k++) {
		free(c->ahead[k].out);
		c->ahead[k].out = NULL;
	}
	c->next_ahead = i;
	if (i >= c->fetched_ahead) {
		end = c->n_ahead - i < AHEAD_BATCH ? c->n_ahead : i + AHEAD_BATCH;
		if ((*rc = ts_engine_aggregate_many(c->w.ts, c->ahead + i,
						    end - i, e)))
			return true;
		c->fetched_ahead = end;
	}
	*out = c->ahead[i].out;
	*n = c->ahead[i].n;
	c->ahead[i].out = NULL;
	c->next_ahead = i + 1;
	*rc = ERR_OK;
	return true;
}

/*
 * Daily buckets of a device's series over [first, last] days (none if it
 * has no such series): listed only while the cache lists the plan's reads,
 * else from the reads fetched ahead, else read alone.  Days are the
 * water context's local days: the reads listed ahead are of fine (hourly)
 * buckets, folded into local days once fetched, as water__daily does.
 */
static int daily(struct water_cache *c, const char *device,
		 const char *metric, int64_t first, int64_t last,
		 unsigned aggs, struct ts_bucket **out, size_t *n,
		 struct err *e)
{
	const struct tz *z = c->w.tz;
	struct err missing = { 0 };
	int64_t id, from, to, step;
	unsigned mask = z ? ts_local_fine_mask(aggs) : aggs;
	struct ts_bucket *fine = NULL;
	size_t n_fine = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ingest_series_find(c->w.ing, device, metric, &id, &missing);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* no such series: nothing measured */
	if (rc)
		return *e = missing, rc;
	from = z ? water_day_start(&c->w, first) : first * MS_PER_DAY;
	to = z ? water_day_start(&c->w, last + 1) : (last + 1) * MS_PER_DAY;
	step = z ? ts_local_fine_step(z, from, to) : MS_PER_DAY;
	if (c->listing)
		return want(c, id, from, to, step, mask, e);
	if (!ahead_take(c, id, from, to, mask, &fine, &n_fine, &rc, e))
		return water__daily(&c->w, device, metric, first, last, aggs,
				    out, n, e);
	if (rc || !z) {
		*out = fine;
		*n = n_fine;
		return rc;
	}
	rc = ts_fold_local_days(z, 1, fine, n_fine, out, n, e);
	free(fine);
	return rc;
}

/* Metered m3 per day: the day's last cumulative volume less the last before. */
static int metered(struct water_cache *c, const struct water_devices *pd,
		   int64_t first, size_t days, double *m3, struct err *e)
{
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	for (int k = 0; pd && k < pd->n_meters && !rc; k++) {
		double prev = NAN;

		rc = daily(c, pd->meters[k], "volume", first - 1,
			   first + (int64_t)days - 1, TS_AGG_LAST, &b, &n, e);
		for (size_t i = 0; !rc && i < n; i++) {
			int64_t at = water_day_of(&c->w, b[i].start) - first;

			if (at >= 0 && isfinite(prev) && b[i].last >= prev)
				m3[at] += b[i].last - prev;
			prev = b[i].last;
		}
		free(b);
	}
	return rc;
}

/* How far back the value a meter stood at before a day is looked for. */
#define METER_LOOKBACK_MS (7 * MS_PER_DAY)

/* The last (or first) value of series in [from, to); *found false if none.
 * Buckets are aligned to the epoch, so one step of to - from gives one or
 * two of them, empty ones left out. */
static int value_in(struct ts_engine *ts, int64_t series, int64_t from,
		    int64_t to, unsigned agg, double *v, bool *found,
		    struct err *e)
{
	struct ts_bucket *b = NULL;
	size_t n = 0;
	int rc;

	*found = false;
	if (to <= from)
		return ERR_OK;
	rc = ts_engine_aggregate(ts, series, from, to, to - from, agg, &b, &n,
				 e);
	if (!rc && n) {
		*v = agg == TS_AGG_LAST ? b[n - 1].last : b[0].first;
		*found = true;
	}
	free(b);
	return rc;
}

int water_metered_since(struct ts_engine *ts, int64_t volume_series,
			int64_t since_ms, double *m3, struct err *e)
{
	int64_t now_ts;
	double now_v, base = 0;
	bool found;
	int rc;

	*m3 = 0;
	if (ts_engine_latest(ts, volume_series, &now_ts, &now_v) ||
	    now_ts < since_ms)
		return ERR_OK;
	rc = value_in(ts, volume_series, since_ms - METER_LOOKBACK_MS,
		      since_ms, TS_AGG_LAST, &base, &found, e);
	if (!rc && !found)
		rc = value_in(ts, volume_series, since_ms, now_ts + 1,
			      TS_AGG_FIRST, &base, &found, e);
	if (!rc && found)
		*m3 = now_v >= base ? now_v - base : now_v;
	return rc;
}

#define PROBE_DEPTHS 3

struct probe_day {
	struct agro_probe_reading r[PROBE_DEPTHS];
	size_t n;
};

static int probed(struct water_cache *c, const struct water_devices *pd,
		  int64_t first, size_t days, struct probe_day *pr,
		  struct err *e)
{
	static const char *const metric[PROBE_DEPTHS] = {
		"moisture_10cm", "moisture_20cm", "moisture_40cm" };
	static const double depth[PROBE_DEPTHS] = { 0.10, 0.20, 0.40 };
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	for (int k = 0; pd && pd->n_probes && k < PROBE_DEPTHS && !rc; k++) {
		rc = daily(c, pd->probes[0], metric[k], first,
			   first + (int64_t)days - 1, TS_AGG_AVG, &b, &n, e);
		for (size_t i = 0; !rc && i < n; i++) {
			int64_t at = water_day_of(&c->w, b[i].start) - first;

			if (at >= 0 && (size_t)at < days && b[i].count)
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
	struct water_settings ws;
	enum agro_crop crop;
	enum agro_texture tex;
	int y, m, d, rc;

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
	if ((rc = water_settings_from_attributes(p->extra, &ws, e)))
		return err_prefix(e, "plot %s", p->code);
	return water_settings_apply(&ws, (int)(*sowing -
				    time_days_from_civil(y, 1, 1)) + 1, ap, e);
}

struct inputs {
	double *m3;
	struct probe_day *probes;
};

static void inputs_free(struct inputs *in)
{
	free(in->m3);
	free(in->probes);
}

static int gather(struct water_cache *c, const char *code, int64_t first,
		  size_t days, struct inputs *in, struct err *e)
{
	const struct water_devices *pd = plot_devices(c, code, false);
	int rc;

	in->m3 = calloc(days, sizeof(*in->m3));
	in->probes = calloc(days, sizeof(*in->probes));
	if (!in->m3 || !in->probes)
		return err_nomem(e);
	if ((rc = metered(c, pd, first, days, in->m3, e)))
		return rc;
	return probed(c, pd, first, days, in->probes, e);
}

/* Step the balance day by day on the station's resolved weather. */
static int run_balance(struct water_cache *c, int station,
		       struct water_plot *out, const struct inputs *in,
		       int64_t first, struct err *e)
{
	const struct wx_resolved *wx = NULL;
	struct agro_balance_state st;
	int rc;

	if (station >= 0 &&
	    (rc = water__station_days(c, (size_t)station, first, out->n_days,
				      &wx, e)))
		return rc;
	if ((rc = agro_balance_init(&out->plot, 0, &st, e)))
		return rc;
	for (size_t i = 0; i < out->n_days; i++) {
		struct water_day *wd = &out->days[i];
		struct agro_day_in day = { .et0 = 0, .tmax = 25, .tmin = 12,
					   .irrigation_m3 = in->m3[i],
					   .probe = in->probes[i].r,
					   .n_probe = in->probes[i].n };

		wd->day = first + (int64_t)i;
		wd->source = WATER_SRC_NONE;
		if (wx) {
			day.et0 = wx[i].et0;
			day.tmax = wx[i].tmax;
			day.tmin = wx[i].tmin;
			day.rain = wx[i].rain;
			wd->weather_complete = wx[i].complete;
			wd->source = wx[i].source;
			wd->et0_hourly = wx[i].hourly;
			if (wx[i].from >= 0)
				wd->weather_station = c->stations[wx[i].from].id;
		}
		wd->et0 = day.et0;
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

int water_compute(struct water_cache *c, const struct db_plot *p,
		  int64_t to_day, struct water_plot *out, struct err *e)
{
	struct inputs in = { 0 };
	int64_t sowing = 0;
	int station, rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->code, sizeof(out->code), "%s", p->code);
	rc = plot_params(p, &out->plot, &sowing, e);
	out->plot.code = out->code;
	if (rc)
		return rc;
	station = station_of(c, p);
	if (station >= 0)
		snprintf(out->station, sizeof(out->station), "%s",
			 c->stations[station].id);
	if (to_day < sowing)
		return ERR_OK;
	out->n_days = (size_t)(to_day - sowing + 1);
	if (out->n_days > SEASON_DAYS_MAX)
		out->n_days = SEASON_DAYS_MAX; /* one season */
	if (c->listing) {
		rc = gather(c, out->code, sowing, out->n_days, &in, e);
		inputs_free(&in);
		out->n_days = 0;
		return rc;
	}
	if (!(out->days = calloc(out->n_days, sizeof(*out->days))))
		return err_nomem(e);
	if (!(rc = gather(c, out->code, sowing, out->n_days, &in, e)) &&
	    !(rc = run_balance(c, station, out, &in, sowing, e)))
		recommend(out);
	inputs_free(&in);
	if (rc)
		water_plot_free(out);
	return rc;
}

int water__list_reads(struct water_cache *c, const struct db_plot *p,
		       int64_t to_day, struct err *e)
{
	struct water_plot wp;
	int rc;

	c->listing = true;
	rc = water_compute(c, p, to_day, &wp, e);
	c->listing = false;
	water_plot_free(&wp);
	return rc;
}

void water_plot_free(struct water_plot *p)
{
	free(p->days);
	p->days = NULL;
	p->n_days = 0;
}
