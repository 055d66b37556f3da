/*
 * Gathering the daily report: the day's bounds in the site's zone, the
 * weather stations' and soil probes' series aggregated hour by hour (one
 * consistent read, ts_engine_aggregate_many) and summed up for the day,
 * the plots, and the alerts opened that day.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/tz.h"

#define HOUR_MS 3600000

/* The devices, collected first (the store is not called back). */
struct devices {
	struct db_device *d;
	size_t n, cap;
};

static int keep_device(const struct db_device *d, void *ctx)
{
	struct devices *v = ctx;

	if (d->deleted_ms)
		return ERR_OK;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct db_device *g = realloc(v->d, cap * sizeof(*g));

		if (!g)
			return ERR_NOMEM;
		v->d = g;
		v->cap = cap;
	}
	v->d[v->n++] = *d;
	return ERR_OK;
}

/* One aggregate of a device's metric over the day. */
struct day_agg {
	uint64_t count;
	double sum, min, max;
};

static int day_of(struct ingest *ing, struct ts_engine *ts, const char *dev,
		  const char *metric, int64_t from, int64_t to,
		  struct day_agg *out, struct err *e)
{
	struct ts_bucket *b = NULL;
	struct err ignored = { 0 };
	size_t n = 0;
	int64_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	out->min = INFINITY;
	out->max = -INFINITY;
	if (ingest_series_find(ing, dev, metric, &id, &ignored))
		return ERR_OK; /* the device has no such series */
	if ((rc = ts_engine_aggregate(ts, id, from, to, HOUR_MS,
				      TS_AGG_AVG | TS_AGG_MIN | TS_AGG_MAX |
				      TS_AGG_SUM | TS_AGG_COUNT, &b, &n, e)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		out->count += b[i].count;
		out->sum += b[i].sum;
		out->min = fmin(out->min, b[i].min);
		out->max = fmax(out->max, b[i].max);
	}
	free(b);
	return ERR_OK;
}

static double mean_of(const struct day_agg *a)
{
	return a->count ? a->sum / (double)a->count : NAN;
}

static int station(struct report_daily *r, struct ingest *ing,
		   struct ts_engine *ts, const struct db_device *d,
		   struct err *e)
{
	struct report_station *s = &r->stations[r->n_stations];
	struct day_agg t, h, rain, w;
	int rc;

	if ((rc = day_of(ing, ts, d->id, "air_temp", r->from, r->to, &t, e)) ||
	    (rc = day_of(ing, ts, d->id, "rh", r->from, r->to, &h, e)) ||
	    (rc = day_of(ing, ts, d->id, "rain", r->from, r->to, &rain, e)) ||
	    (rc = day_of(ing, ts, d->id, "wind_speed", r->from, r->to, &w, e)))
		return rc;
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", d->id);
	snprintf(s->plot, sizeof(s->plot), "%s", d->plot);
	s->tmin = t.count ? t.min : NAN;
	s->tmax = t.count ? t.max : NAN;
	s->tmean = mean_of(&t);
	s->rh = mean_of(&h);
	s->rain = rain.count ? rain.sum : NAN;
	s->wind = mean_of(&w);
	r->n_stations++;
	return ERR_OK;
}

static const char *const depths[] = {
	"moisture_10cm", "moisture_20cm", "moisture_30cm", "moisture_40cm",
	"moisture_60cm",
};

/* Add a probe's day of soil moisture (all depths) to its plot. */
static int probe(struct report_daily *r, struct ingest *ing,
		 struct ts_engine *ts, const struct db_device *d, double *sum,
		 uint64_t *count, struct err *e)
{
	for (size_t k = 0; k < sizeof(depths) / sizeof(depths[0]); k++) {
		struct day_agg a;
		int rc = day_of(ing, ts, d->id, depths[k], r->from, r->to, &a, e);

		if (rc)
			return rc;
		for (size_t i = 0; i < r->n_plots; i++)
			if (a.count && !strcmp(r->plots[i].code, d->plot)) {
				sum[i] += a.sum;
				count[i] += a.count;
			}
	}
	return ERR_OK;
}

struct plots {
	struct report_daily *r;
	size_t cap;
};

static int keep_plot(const struct db_plot *p, void *ctx)
{
	struct plots *v = ctx;
	struct report_daily *r = v->r;
	struct report_plot *x;

	if (r->n_plots == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct report_plot *g = realloc(r->plots, cap * sizeof(*g));

		if (!g)
			return ERR_NOMEM;
		r->plots = g;
		v->cap = cap;
	}
	x = &r->plots[r->n_plots++];
	memset(x, 0, sizeof(*x));
	snprintf(x->code, sizeof(x->code), "%s", p->code);
	snprintf(x->name, sizeof(x->name), "%s", p->name);
	snprintf(x->crop, sizeof(x->crop), "%s", p->crop);
	x->area_mu = p->area_m2 * 15 / 10000;
	x->moisture = NAN;
	return ERR_OK;
}

static int soil(struct report_daily *r, struct ingest *ing,
		struct ts_engine *ts, const struct devices *v, struct err *e)
{
	double *sum = calloc(r->n_plots + 1, sizeof(*sum));
	uint64_t *count = calloc(r->n_plots + 1, sizeof(*count));
	int rc = ERR_OK;

	if (!sum || !count) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < v->n && !rc; i++)
		if (v->d[i].plot[0] && !strcmp(v->d[i].kind, "soil_probe"))
			rc = probe(r, ing, ts, &v->d[i], sum, count, e);
	for (size_t i = 0; i < r->n_plots && !rc; i++)
		if (count[i])
			r->plots[i].moisture = sum[i] / (double)count[i];
out:
	free(sum);
	free(count);
	return rc;
}

struct alerts {
	struct report_daily *r;
	size_t cap;
};

static int keep_alert(const struct db_alert *a, void *ctx)
{
	struct alerts *v = ctx;
	struct report_daily *r = v->r;
	struct report_alert *x;

	if (r->n_alerts == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct report_alert *g = realloc(r->alerts, cap * sizeof(*g));

		if (!g)
			return ERR_NOMEM;
		r->alerts = g;
		v->cap = cap;
	}
	x = &r->alerts[r->n_alerts++];
	memset(x, 0, sizeof(*x));
	time_format_iso(a->opened_ms, x->time, sizeof(x->time));
	snprintf(x->severity, sizeof(x->severity), "%s", a->severity);
	snprintf(x->subject, sizeof(x->subject), "%s", a->subject);
	snprintf(x->plot, sizeof(x->plot), "%s", a->plot);
	snprintf(x->message, sizeof(x->message), "%s", a->message);
	return ERR_OK;
}

/* The day's bounds: local midnight of date in tz to the next one. */
static int bounds(struct report_daily *r, const char *date, const char *tz,
		  struct err *e)
{
	struct tz *z = malloc(sizeof(*z));
	int y, m, d, rc = ERR_OK;

	if (!z)
		return err_nomem(e);
	if (time_parse_date(date, &y, &m, &d)) {
		rc = err_set(e, ERR_INVALID, "date '%s': expected YYYY-MM-DD",
			     date);
	} else if (!(rc = tz_load(tz, NULL, z, e))) {
		r->from = tz_local_midnight_ms(z, y, m, d);
		r->to = tz_day_next_ms(z, r->from);
		snprintf(r->date, sizeof(r->date), "%04d-%02d-%02d", y, m, d);
		snprintf(r->tz, sizeof(r->tz), "%s", tz);
	}
	free(z);
	return rc;
}

static int gather(struct report_daily *r, struct db *db, struct ingest *ing,
		  struct ts_engine *ts, struct err *e)
{
	struct devices v = { 0 };
	struct plots p = { r, 0 };
	struct alerts a = { r, 0 };
	struct db_plot_filter all = { 0 };
	struct db_alert_filter f = { .from = r->from, .to = r->to - 1,
				     .limit = 1000 };
	size_t stations = 0;
	int rc;

	if ((rc = db_device_list(db, NULL, keep_device, &v, e)) ||
	    (rc = db_plot_list(db, &all, keep_plot, &p, e)) ||
	    (rc = db_alert_list(db, &f, keep_alert, &a, e)))
		goto out;
	for (size_t i = 0; i < v.n; i++)
		stations += !strcmp(v.d[i].kind, "weather_station");
	if (!(r->stations = calloc(stations + 1, sizeof(*r->stations)))) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < v.n && !rc; i++)
		if (!strcmp(v.d[i].kind, "weather_station"))
			rc = station(r, ing, ts, &v.d[i], e);
	if (!rc)
		rc = soil(r, ing, ts, &v, e);
out:
	free(v.d);
	return rc == ERR_NOMEM ? err_nomem(e) : rc;
}

int report_daily_collect(struct db *db, struct ingest *ing,
			 struct ts_engine *ts, const char *date, const char *tz,
			 struct report_daily *out, struct err *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = bounds(out, date, tz, e)) ||
	    (rc = gather(out, db, ing, ts, e)))
		report_daily_free(out);
	return rc;
}

void report_daily_free(struct report_daily *r)
{
	free(r->stations);
	free(r->plots);
	free(r->alerts);
	r->stations = NULL;
	r->plots = NULL;
	r->alerts = NULL;
	r->n_stations = r->n_plots = r->n_alerts = 0;
}
