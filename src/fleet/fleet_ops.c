/*
 * Reading the fleet: machines and their newest state, a day's track, the
 * operations on a plot (tracks through coverage.c), a plot's cameras.
 */
#include "fleet/fleet_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/coverage.h"
#include "util/timeutil.h"

#define MAX_DAYS 93
/* Without a working series, a machine works when moving faster than this. */
#define WORKING_SPEED_MS 0.5
/* The plot's box is widened by this (degrees) to catch swaths grazing it. */
#define BBOX_MARGIN_DEG 0.001

struct series {
	struct ts_point *p;
	size_t n;
	bool present;
};

static int read_series(struct fleet *f, const char *dev, const char *metric,
		       int64_t from, int64_t to, struct series *s,
		       struct err *e)
{
	int64_t id;
	struct err miss;

	memset(s, 0, sizeof(*s));
	if (ingest_series_find(f->ingest, dev, metric, &id, &miss))
		return ERR_OK; /* no such series: nothing reported */
	s->present = true;
	return ts_engine_read(f->ts, id, from, to - 1, &s->p, &s->n, e);
}

/* The value of s at or before t, walking cursor *k forward; NAN if none. */
static double step_at(const struct series *s, size_t *k, int64_t t)
{
	while (*k < s->n && s->p[*k].ts <= t)
		(*k)++;
	return *k ? s->p[*k - 1].value : NAN;
}

/* A machine's series over [from, to). */
struct track {
	struct series lat, lon, speed, heading, working;
};

static void track_free(struct track *t)
{
	free(t->lat.p);
	free(t->lon.p);
	free(t->speed.p);
	free(t->heading.p);
	free(t->working.p);
}

static int track_read(struct fleet *f, const char *dev, int64_t from,
		      int64_t to, struct track *t, struct err *e)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = read_series(f, dev, "latitude", from, to, &t->lat, e)) ||
	    (rc = read_series(f, dev, "longitude", from, to, &t->lon, e)) ||
	    (rc = read_series(f, dev, "speed", from, to, &t->speed, e)) ||
	    (rc = read_series(f, dev, "heading", from, to, &t->heading, e)) ||
	    (rc = read_series(f, dev, "working", from, to, &t->working, e)))
		track_free(t);
	return rc;
}

/* Walk the fixes (latitude and longitude of one instant) of a track. */
struct walk {
	size_t i, j, ks, kh, kw;
};

static bool next_fix(const struct track *t, struct walk *w, int64_t *ts,
		     double *lon, double *lat, double *speed, double *heading,
		     bool *working)
{
	while (w->i < t->lat.n && w->j < t->lon.n) {
		int64_t a = t->lat.p[w->i].ts, b = t->lon.p[w->j].ts;
		double wk;

		if (a < b) {
			w->i++;
			continue;
		}
		if (b < a) {
			w->j++;
			continue;
		}
		*ts = a;
		*lat = t->lat.p[w->i++].value;
		*lon = t->lon.p[w->j++].value;
		*speed = step_at(&t->speed, &w->ks, a);
		*heading = step_at(&t->heading, &w->kh, a);
		wk = step_at(&t->working, &w->kw, a);
		if (t->working.present)
			*working = wk > 0.5;
		else if (t->speed.present)
			*working = *speed > WORKING_SPEED_MS;
		else
			*working = true;
		return true;
	}
	return false;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int fleet_track(struct fleet *f, const char *device, int64_t from, int64_t to,
		json_t **out, struct err *e)
{
	struct db_device d;
	struct track t;
	struct walk w = { 0 };
	json_t *pts;
	char a[32], b[32];
	int64_t ts;
	double lon, lat, speed, heading;
	bool working;
	int rc;

	if ((rc = db_device_get(f->db, device, &d, e)) ||
	    (rc = track_read(f, device, from, to, &t, e)))
		return rc;
	pts = json_array();
	while (next_fix(&t, &w, &ts, &lon, &lat, &speed, &heading, &working))
		json_array_append_new(pts, json_pack("[I f f o o i]",
			(json_int_t)ts, lon, lat, num_or_null(speed),
			num_or_null(heading), working));
	track_free(&t);
	time_format_iso(from, a, sizeof(a));
	time_format_iso(to, b, sizeof(b));
	*out = json_pack("{ss ss ss ss s[ssssss] so}", "device", device,
			 "kind", d.kind, "from", a, "to", b, "columns", "ts",
			 "lon", "lat", "speed", "heading", "working",
			 "points", pts);
	return *out ? ERR_OK : err_nomem(e);
}

/* ---- machines ---------------------------------------------------------------- */

struct machines_ctx {
	struct fleet *f;
	json_t *list;
	struct err *e;
};

static json_t *latest_of(struct fleet *f, const char *dev, const char *metric,
			 int64_t *seen)
{
	int64_t id, ts;
	double v;
	struct err miss;

	if (ingest_series_find(f->ingest, dev, metric, &id, &miss) ||
	    ts_engine_latest(f->ts, id, &ts, &v))
		return json_null();
	if (ts > *seen)
		*seen = ts;
	return json_real(v);
}

static json_t *machine_json(struct fleet *f, const struct db_device *d)
{
	struct fleet_profile p;
	json_t *lat, *lon, *m;
	int64_t seen = 0;
	char when[32];

	fleet__profile(f, d, &p);
	lat = latest_of(f, d->id, "latitude", &seen);
	lon = latest_of(f, d->id, "longitude", &seen);
	m = json_pack("{ss ss s:s? s:s? s:s? s:o so so so so}",
		"id", d->id, "kind", d->kind,
		"plot", d->plot[0] ? d->plot : NULL,
		"implement", p.implement[0] ? p.implement : NULL,
		"operation", p.operation,
		"swath_m", num_or_null(p.swath_m),
		"position", json_is_null(lat) || json_is_null(lon) ? json_null()
			: json_pack("[OO]", lon, lat),
		"speed", latest_of(f, d->id, "speed", &seen),
		"heading", latest_of(f, d->id, "heading", &seen),
		"working", latest_of(f, d->id, "working", &seen));
	json_decref(lat);
	json_decref(lon);
	if (m && seen) {
		time_format_iso(seen, when, sizeof(when));
		json_object_set_new(m, "seen", json_string(when));
	}
	if (m && d->name[0])
		json_object_set_new(m, "name", json_string(d->name));
	return m;
}

static int machine_item(const struct db_device *d, void *ctx)
{
	struct machines_ctx *m = ctx;
	struct fleet_profile p;

	if (d->deleted_ms)
		return ERR_OK; /* deleted: off the machine list */
	if (!fleet__is_machine(d->kind)) {
		fleet__profile(m->f, d, &p);
		if (!p.operation)
			return ERR_OK;
	}
	if (json_array_append_new(m->list, machine_json(m->f, d)))
		return err_nomem(m->e);
	return ERR_OK;
}

int fleet_machines(struct fleet *f, json_t **out, struct err *e)
{
	struct machines_ctx m = { f, json_array(), e };
	int rc;

	if ((rc = db_device_list(f->db, NULL, machine_item, &m, e))) {
		json_decref(m.list);
		return rc;
	}
	*out = json_pack("{so}", "machines", m.list);
	return ERR_OK;
}

/* ---- operations ----------------------------------------------------------------- */

/* A plot operations are looked for on. */
struct ops_plot {
	char code[DB_CODE_MAX];
	char *geometry;              /* heap */
	double bbox[4];
};

struct ops_ctx {
	struct fleet *f;
	struct ops_plot *plots;
	size_t n_plots, cap_plots;
	int64_t from, to;
	json_t *list;
	struct coverage_fix *fx;     /* scratch, one day of one machine */
	size_t cap;
	struct coverage_plot *near;  /* scratch: the plots near that day's work */
	size_t *near_idx;
	struct err *e;
};

static int keep_plot(const struct db_plot *p, void *ctx)
{
	struct ops_ctx *o = ctx;
	struct ops_plot *q;

	if (o->n_plots == o->cap_plots) {
		size_t cap = o->cap_plots ? o->cap_plots * 2 : 64;

		q = realloc(o->plots, cap * sizeof(*q));
		if (!q)
			return err_nomem(o->e);
		o->plots = q;
		o->cap_plots = cap;
	}
	q = &o->plots[o->n_plots];
	snprintf(q->code, sizeof(q->code), "%s", p->code);
	memcpy(q->bbox, p->bbox, sizeof(q->bbox));
	if (!(q->geometry = strdup(p->geometry ? p->geometry : "")))
		return err_nomem(o->e);
	o->n_plots++;
	return ERR_OK;
}

static void ops_free(struct ops_ctx *o)
{
	for (size_t i = 0; i < o->n_plots; i++)
		free(o->plots[i].geometry);
	free(o->plots);
	free(o->fx);
	free(o->near);
	free(o->near_idx);
}

static int grow_fixes(struct ops_ctx *o, size_t n)
{
	struct coverage_fix *p;

	if (n <= o->cap)
		return ERR_OK;
	p = realloc(o->fx, n * sizeof(*p));
	if (!p)
		return err_nomem(o->e);
	o->fx = p;
	o->cap = n;
	return ERR_OK;
}

static json_t *op_json(const struct db_device *d, const struct fleet_profile *p,
		       const char *plot, int64_t day, const struct coverage_op *op)
{
	char date[16], start[32], end[32];
	int y, m, dd;

	time_civil_from_days(day / MS_PER_DAY, &y, &m, &dd);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, dd);
	time_format_iso(op->start_ms, start, sizeof(start));
	time_format_iso(op->end_ms, end, sizeof(end));
	return json_pack("{ss ss ss ss s:s? s:s? sf ss ss sf sf sf}",
		"plot", plot, "machine", d->id, "kind", d->kind, "date", date,
		"operation", p->operation, "implement",
		p->implement[0] ? p->implement : NULL, "swath_m", p->swath_m,
		"start", start, "end", end,
		"worked_m2", round(op->worked_m2 * 10) / 10,
		"worked_mu", round(op->worked_m2 * 15 / 10000 * 1000) / 1000,
		"share", round(op->share * 10000) / 10000);
}

/*
 * The plots whose box, widened by the margin, holds the box of the day's
 * working fixes or meets it; their count.
 */
static size_t plots_near(struct ops_ctx *o, size_t n)
{
	double b[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY };
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (o->fx[i].working && isfinite(o->fx[i].lon)) {
			b[0] = fmin(b[0], o->fx[i].lon);
			b[1] = fmin(b[1], o->fx[i].lat);
			b[2] = fmax(b[2], o->fx[i].lon);
			b[3] = fmax(b[3], o->fx[i].lat);
		}
	for (size_t i = 0; i < o->n_plots && b[0] <= b[2]; i++) {
		const double *p = o->plots[i].bbox;

		if (p[0] - BBOX_MARGIN_DEG > b[2] || b[0] > p[2] + BBOX_MARGIN_DEG ||
		    p[1] - BBOX_MARGIN_DEG > b[3] || b[1] > p[3] + BBOX_MARGIN_DEG)
			continue;
		o->near[k].code = o->plots[i].code;
		o->near[k].geojson = o->plots[i].geometry;
		o->near_idx[k++] = i;
	}
	return k;
}

static int day_operations(struct ops_ctx *o, const struct db_device *d,
			  const struct fleet_profile *p, int64_t day, size_t n)
{
	struct coverage_opts co = { .swath_m = p->swath_m };
	struct coverage_op *ops;
	size_t n_ops, k = plots_near(o, n);
	int rc;

	if (k == 0)
		return ERR_OK;
	if ((rc = coverage_operations(o->fx, n, &co, o->near, k, &ops, &n_ops,
				      NULL, o->e)))
		return rc;
	for (size_t i = 0; i < n_ops; i++)
		json_array_append_new(o->list, op_json(d, p,
			o->plots[o->near_idx[ops[i].plot]].code, day, &ops[i]));
	free(ops);
	return ERR_OK;
}

/* One machine's operations on the plots, day by day. */
static int machine_operations(struct ops_ctx *o, const struct db_device *d,
			      const struct fleet_profile *p)
{
	struct track t;
	struct walk w = { 0 };
	struct coverage_fix fix;
	double speed, heading;
	int64_t day = o->from;
	size_t n = 0;
	int rc;

	if ((rc = track_read(o->f, d->id, o->from, o->to, &t, o->e)))
		return rc;
	if ((rc = grow_fixes(o, t.lat.n + 1)))
		goto out;
	while (next_fix(&t, &w, &fix.ts_ms, &fix.lon, &fix.lat, &speed,
			&heading, &fix.working)) {
		if (fix.ts_ms >= day + MS_PER_DAY) {
			if ((rc = day_operations(o, d, p, day, n)))
				goto out;
			n = 0;
			day += (fix.ts_ms - day) / MS_PER_DAY * MS_PER_DAY;
		}
		o->fx[n++] = fix;
	}
	rc = day_operations(o, d, p, day, n);
out:
	track_free(&t);
	return rc;
}

static int ops_machine(const struct db_device *d, void *ctx)
{
	struct ops_ctx *o = ctx;
	struct fleet_profile p;

	fleet__profile(o->f, d, &p);
	if (!p.operation || !isfinite(p.swath_m))
		return ERR_OK;
	return machine_operations(o, d, &p);
}

/*
 * [from, to) with from moved back to its day's start, if it spans 1 to
 * MAX_DAYS days; checked without overflow, and so that a day after to
 * (where machine_operations looks) is still an int64.
 */
static bool day_range(int64_t *from, int64_t to)
{
	int64_t r = *from % MS_PER_DAY, span;

	if (r < 0)
		r += MS_PER_DAY;
	return !__builtin_sub_overflow(*from, r, from) &&
	       !__builtin_sub_overflow(to, *from, &span) && span > 0 &&
	       span / MS_PER_DAY <= MAX_DAYS && to <= INT64_MAX - MS_PER_DAY;
}

/* Every machine's operations on the plots of o, into o->list. */
static int operations(struct ops_ctx *o, int64_t from, int64_t to)
{
	if (!day_range(&from, to))
		return err_set(o->e, ERR_INVALID, "the range must be 1 to %d days",
			       MAX_DAYS);
	o->from = from;
	o->to = to;
	o->near = calloc(o->n_plots ? o->n_plots : 1, sizeof(*o->near));
	o->near_idx = calloc(o->n_plots ? o->n_plots : 1, sizeof(*o->near_idx));
	o->list = json_array();
	if (!o->near || !o->near_idx || !o->list)
		return err_nomem(o->e);
	return db_device_list(o->f->db, NULL, ops_machine, o, o->e);
}

static json_t *ops_answer(struct ops_ctx *o)
{
	char a[32], b[32];

	time_format_iso(o->from, a, sizeof(a));
	time_format_iso(o->to, b, sizeof(b));
	return json_pack("{ss ss sO}", "from", a, "to", b, "operations", o->list);
}

int fleet_plot_operations(struct fleet *f, const char *code, int64_t from,
			  int64_t to, json_t **out, struct err *e)
{
	struct ops_ctx o = { .f = f, .e = e };
	struct db_plot plot = { 0 };
	int rc;

	if ((rc = db_plot_get(f->db, code, &plot, e)))
		return rc;
	if (!(rc = keep_plot(&plot, &o)) && !(rc = operations(&o, from, to))) {
		*out = ops_answer(&o);
		json_object_set_new(*out, "plot", json_string(code));
		json_object_set_new(*out, "area_m2", json_real(plot.area_m2));
	}
	json_decref(o.list);
	db_plot_free(&plot);
	ops_free(&o);
	return rc;
}

int fleet_operations(struct fleet *f, int64_t from, int64_t to, json_t **out,
		     struct err *e)
{
	struct ops_ctx o = { .f = f, .e = e };
	int rc;

	if (!(rc = db_plot_list(f->db, NULL, keep_plot, &o, e)) &&
	    !(rc = operations(&o, from, to)))
		*out = ops_answer(&o);
	json_decref(o.list);
	ops_free(&o);
	return rc;
}

/* ---- cameras of a plot -------------------------------------------------------- */

struct cams_ctx {
	struct fleet *f;
	json_t *list;
};

/* Stop a snapshot list at the newest one, keeping it. */
#define FIRST_FOUND 1000

static int first_snapshot(const struct db_snapshot *s, void *ctx)
{
	*(struct db_snapshot *)ctx = *s;
	return FIRST_FOUND;
}

static int camera_item(const struct db_device *d, void *ctx)
{
	struct cams_ctx *c = ctx;
	struct fleet_profile p;
	struct db_snapshot s;
	struct err miss;
	json_t *cam;

	if (strcmp(d->kind, "camera"))
		return ERR_OK;
	fleet__profile(c->f, d, &p);
	cam = json_pack("{ss s:s? s:s?}", "id", d->id,
			"name", d->name[0] ? d->name : NULL,
			"stream_url", p.stream_url[0] ? p.stream_url : NULL);
	if (db_snapshot_list(c->f->db, d->id, first_snapshot, &s, &miss) ==
	    FIRST_FOUND) {
		json_object_set_new(cam, "snapshot", fleet__snapshot_json(&s));
	} else {
		json_object_set_new(cam, "snapshot", json_null());
	}
	return json_array_append_new(c->list, cam) ? ERR_NOMEM : ERR_OK;
}

int fleet_plot_cameras(struct fleet *f, const char *code, json_t **out,
		       struct err *e)
{
	struct cams_ctx c = { f, json_array() };
	struct db_plot plot = { 0 };
	int rc;

	if ((rc = db_plot_get(f->db, code, &plot, e)) ||
	    (rc = db_device_list(f->db, code, camera_item, &c, e))) {
		db_plot_free(&plot);
		json_decref(c.list);
		return rc;
	}
	db_plot_free(&plot);
	*out = json_pack("{ss so}", "plot", code, "cameras", c.list);
	return ERR_OK;
}
