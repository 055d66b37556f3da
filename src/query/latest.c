/* The newest values of devices, plots and the whole base. */
#include "query/query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/metrics.h"
#include "ts/format.h"
#include "util/timeutil.h"

struct latest_walk {
	struct db *db;
	struct ts_engine *ts;
	struct err *e;
	json_t *values;
};

static int latest_of_series(const struct db_series *s, void *ctx)
{
	struct latest_walk *w = ctx;
	const struct metric_def *def = metric_find(s->metric);
	char when[32];
	int64_t ts;
	double v;

	if (ts_engine_latest(w->ts, s->id, &ts, &v))
		return 0;
	time_format_iso(ts, when, sizeof(when));
	json_object_set_new(w->values, s->metric,
			    json_pack("{sI ss sf s:s?}", "ts", (json_int_t)ts,
				      "time", when, "value", v, "unit",
				      def ? def->unit : NULL));
	return 0;
}

/* One device's object; NULL with e set (or e untouched: out of memory). */
static json_t *device_latest(struct latest_walk *parent,
			     const struct db_device *d)
{
	struct latest_walk w = { parent->db, parent->ts, parent->e,
				 json_object() };

	if (db_series_list(w.db, d->id, latest_of_series, &w, w.e)) {
		json_decref(w.values);
		return NULL;
	}
	return json_pack("{ss ss so}", "id", d->id, "kind", d->kind, "values",
			 w.values);
}

static int collect_device(const struct db_device *d, void *ctx)
{
	struct latest_walk *w = ctx;
	json_t *one = device_latest(w, d);

	if (!one)
		return w->e->code ? (int)w->e->code : (int)ERR_NOMEM;
	json_array_append_new(w->values, one);
	return 0;
}

int query_latest_device(struct db *db, struct ts_engine *ts,
			const char *device, json_t **out, struct err *e)
{
	struct latest_walk w = { db, ts, e, NULL };
	struct db_device d;

	*out = NULL;
	if (db_device_get(db, device, &d, e) || !(*out = device_latest(&w, &d)))
		return e->code ? (int)e->code : err_nomem(e);
	return ERR_OK;
}

int query_latest_plot(struct db *db, struct ts_engine *ts, const char *plot,
		      json_t **out, struct err *e)
{
	struct latest_walk w = { db, ts, e, NULL };
	struct db_plot p;

	*out = NULL;
	if (db_plot_get(db, plot, &p, e))
		return e->code;
	db_plot_free(&p);
	if (!(w.values = json_array()))
		return err_nomem(e);
	if (db_device_list(db, plot, collect_device, &w, e)) {
		json_decref(w.values);
		return e->code;
	}
	*out = json_pack("{ss so}", "plot", plot, "devices", w.values);
	return *out ? ERR_OK : err_nomem(e);
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

int query_latest_all(struct ingest *ing, struct ts_engine *ts,
		     const char *metric, struct buf *out, struct err *e)
{
	const struct ingest_snapshot *snap;
	struct ts_point *pts = NULL;
	int64_t *ids = NULL;
	size_t rows = 0;
	bool ok;

	if (!(snap = ingest_series_snapshot(ing, e)))
		return e->code;
	ids = malloc((snap->n ? snap->n : 1) * sizeof(*ids));
	pts = malloc((snap->n ? snap->n : 1) * sizeof(*pts));
	ok = ids && pts;
	if (ok) {
		for (size_t i = 0; i < snap->n; i++)
			ids[i] = snap->refs[i].id;
		ts_engine_latest_many(ts, ids, snap->n, pts);
		buf_reserve(out, 48 * snap->n + 64);
		buf_puts(out, "{\"columns\":[\"device\",\"metric\","
			 "\"ts\",\"value\"],\"values\":[");
		for (size_t i = 0; i < snap->n; i++)
			if (pts[i].ts != INT64_MIN &&
			    (!metric || !strcmp(snap->refs[i].metric, metric)))
				latest_row(out, &snap->refs[i], &pts[i],
					   rows++ == 0);
		buf_puts(out, "]}");
	}
	ingest_snapshot_release(ing, snap);
	free(ids);
	free(pts);
	if (!ok || buf_failed(out))
		return err_nomem(e);
	return ERR_OK;
}
