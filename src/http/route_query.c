/* Reading series: ranges, downsampling, newest values. */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "ts/format.h"
#include "util/timeutil.h"

/* Split "DEVICE/METRIC" at its last slash. */
static int split_series(struct http_ctx *c, const char *s, char *device,
			char *metric)
{
	const char *slash = s ? strrchr(s, '/') : NULL;

	if (!s)
		return err_set(&c->err, ERR_INVALID, "parameter 'series' is "
			       "required (DEVICE/METRIC)");
	if (!slash || slash == s || !slash[1])
		return err_set(&c->err, ERR_INVALID, "parameter 'series': '%s' is "
			       "not DEVICE/METRIC", s);
	/* what ingest accepts (ingest_device_id_valid, metric_name_valid) */
	if ((size_t)(slash - s) >= DB_NAME_MAX || strlen(slash + 1) > METRIC_NAME_MAX)
		return err_set(&c->err, ERR_INVALID, "parameter 'series': a device "
			       "id or metric name has at most %d characters",
			       METRIC_NAME_MAX);
	memcpy(device, s, (size_t)(slash - s));
	device[slash - s] = '\0';
	strcpy(metric, slash + 1);
	return ERR_OK;
}

static int time_param(struct http_ctx *c, const char *name, int64_t fallback,
		      int64_t now, int64_t *out)
{
	const char *v = http_query(c, name);

	*out = fallback;
	if (v && time_parse(v, now, out, &c->err))
		return err_prefix(&c->err, "parameter '%s'", name);
	return ERR_OK;
}

int route_query_params(struct http_ctx *c, struct ts_query *q)
{
	const char *step = http_query(c, "step"), *agg = http_query(c, "agg");
	const char *format = http_query(c, "format");
	int64_t now = time_now_ms();

	if (time_param(c, "from", now - MS_PER_DAY, now, &q->from) ||
	    time_param(c, "to", now, now, &q->to))
		return c->err.code;
	if (q->to < q->from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	if (step && time_parse_step(step, &q->step, &c->err))
		return err_prefix(&c->err, "parameter 'step'");
	/* buckets cover [from, to] (to < TIME_MAX_MS + 1: no overflow) */
	if (step && time_check_buckets(q->from, q->to + 1, q->step, &c->err))
		return c->err.code;
	if (agg && !step)
		return err_set(&c->err, ERR_INVALID, "parameter 'agg' needs a 'step'");
	q->aggs = TS_AGG_AVG;
	if (agg && ts_aggs_parse(agg, &q->aggs, &c->err))
		return c->err.code;
	if (format && strcmp(format, "json") && strcmp(format, "csv"))
		return err_set(&c->err, ERR_INVALID, "parameter 'format': '%s' is "
			       "not json or csv", format);
	q->csv = format && !strcmp(format, "csv");
	return ERR_OK;
}

int route_query(struct http_ctx *c)
{
	const char *series = http_query(c, "series");
	char device[DB_NAME_MAX], metric[DB_NAME_MAX];
	const struct metric_def *def;
	struct ts_query q = { 0 };

	if (route_query_many_asked(c))
		return route_query_many(c);
	if (split_series(c, series, device, metric) || route_query_params(c, &q))
		return c->err.code;
	if (ingest_series_find(c->svc->ingest, device, metric, &q.series, &c->err))
		return c->err.code;
	q.label = series;
	def = metric_find(metric);
	q.unit = def ? def->unit : NULL;
	if (q.step)
		q.to += 1; /* buckets are [from, to) and the range inclusive */
	c->content_type = q.csv ? "text/csv; charset=utf-8" : "application/json";
	return ts_query_write(c->svc->ts, &q, &c->out, &c->err);
}

/* ---- latest --------------------------------------------------------------- */

struct latest_walk {
	struct http_ctx *c;
	json_t *values;
};

static int latest_of_series(const struct db_series *s, void *ctx)
{
	struct latest_walk *w = ctx;
	const struct metric_def *def = metric_find(s->metric);
	char when[32];
	int64_t ts;
	double v;

	if (ts_engine_latest(w->c->svc->ts, s->id, &ts, &v))
		return 0;
	time_format_iso(ts, when, sizeof(when));
	json_object_set_new(w->values, s->metric,
			    json_pack("{sI ss sf s:s?}", "ts", (json_int_t)ts,
				      "time", when, "value", v, "unit",
				      def ? def->unit : NULL));
	return 0;
}

static json_t *device_latest(struct http_ctx *c, const struct db_device *d)
{
	struct latest_walk w = { c, json_object() };

	if (db_series_list(c->db, d->id, latest_of_series, &w, &c->err)) {
		json_decref(w.values);
		return NULL;
	}
	return json_pack("{ss ss so}", "id", d->id, "kind", d->kind, "values",
			 w.values);
}

static int collect_device(const struct db_device *d, void *ctx)
{
	struct latest_walk *w = ctx;
	json_t *one = device_latest(w->c, d);

	if (!one)
		return w->c->err.code ? (int)w->c->err.code : (int)ERR_NOMEM;
	json_array_append_new(w->values, one);
	return 0;
}

/* One row of the base-wide answer: ["device","metric",ts,value]. */
static void latest_row(struct buf *out, const struct ingest_series_ref *r,
		       const struct ts_point *p, bool first)
{
	buf_puts(out, first ? "[" : ",[");
	buf_json_string(out, r->device);
	buf_putc(out, ',');
	buf_json_string(out, r->metric);
	buf_putc(out, ',');
	ts_format_int(out, p->ts);
	buf_putc(out, ',');
	ts_format_double(out, p->value);
	buf_putc(out, ']');
}

/*
 * Every series (of one metric) at once, sorted by device and metric, as
 * compact rows for a base-wide view.  The registry is copied first and the
 * heads read in one go, so writers wait for neither the walk nor the text.
 */
static int latest_all(struct http_ctx *c, const char *metric)
{
	const struct ingest_snapshot *snap;
	struct ts_point *pts = NULL;
	int64_t *ids = NULL;
	size_t rows = 0;
	bool ok;

	if (!(snap = ingest_series_snapshot(c->svc->ingest, &c->err)))
		return c->err.code;
	ids = malloc((snap->n ? snap->n : 1) * sizeof(*ids));
	pts = malloc((snap->n ? snap->n : 1) * sizeof(*pts));
	ok = ids && pts;
	if (ok) {
		for (size_t i = 0; i < snap->n; i++)
			ids[i] = snap->refs[i].id;
		ts_engine_latest_many(c->svc->ts, ids, snap->n, pts);
		buf_reserve(&c->out, 48 * snap->n + 64);
		buf_puts(&c->out, "{\"columns\":[\"device\",\"metric\","
			 "\"ts\",\"value\"],\"values\":[");
		for (size_t i = 0; i < snap->n; i++)
			if (pts[i].ts != INT64_MIN &&
			    (!metric || !strcmp(snap->refs[i].metric, metric)))
				latest_row(&c->out, &snap->refs[i], &pts[i],
					   rows++ == 0);
		buf_puts(&c->out, "]}");
	}
	ingest_snapshot_release(c->svc->ingest, snap);
	free(ids);
	free(pts);
	if (!ok || buf_failed(&c->out))
		return err_nomem(&c->err);
	c->content_type = "application/json";
	return ERR_OK;
}

int route_latest(struct http_ctx *c)
{
	const char *plot = http_query(c, "plot"), *device = http_query(c, "device");
	const char *metric = http_query(c, "metric"), *all = http_query(c, "all");
	struct latest_walk w = { c, json_array() };
	struct db_device d;
	struct db_plot p;
	json_t *one;

	if ((metric || all) && !plot && !device) {
		json_decref(w.values);
		return latest_all(c, metric);
	}
	if (!!plot == !!device) {
		json_decref(w.values);
		return err_set(&c->err, ERR_INVALID, "give one of 'plot', "
			       "'device', 'metric' or all=1");
	}
	if (device) {
		json_decref(w.values);
		if (db_device_get(c->db, device, &d, &c->err) ||
		    !(one = device_latest(c, &d)))
			return c->err.code ? (int)c->err.code : err_nomem(&c->err);
		return http_reply_json(c, MHD_HTTP_OK, one);
	}
	if (db_plot_get(c->db, plot, &p, &c->err)) {
		json_decref(w.values);
		return c->err.code;
	}
	db_plot_free(&p);
	if (db_device_list(c->db, plot, collect_device, &w, &c->err)) {
		json_decref(w.values);
		return c->err.code;
	}
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{ss so}", "plot", plot,
							 "devices", w.values));
}
