/* The imagery catalogue, a plot's index series and the anomalies as JSON. */
#include "rs/imagery_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static json_t *number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *time_json(int64_t ms)
{
	char iso[40];

	time_format_iso(ms, iso, sizeof(iso));
	return json_string(iso);
}

json_t *imagery_result_json(const struct imagery_result *r)
{
	return json_pack("{s:I,s:s,s:I,s:I,s:I,s:o}", "scene",
			 (json_int_t)r->scene, "indices", r->indices, "plots",
			 (json_int_t)r->plots, "plots_seen",
			 (json_int_t)r->plots_seen, "anomalies",
			 (json_int_t)r->anomalies, "cloud_share",
			 number(r->cloud_share));
}

static json_t *scene_json(const struct db_scene *s)
{
	json_t *fp = json_loads(s->footprint, 0, NULL);
	json_t *idx = json_array();
	char copy[sizeof(s->indices)], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", s->indices);
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		json_array_append_new(idx, json_string(t));
	return json_pack("{s:I,s:s,s:s,s:o,s:I,s:s,s:o,s:o,s:s,s:i,s:i,s:o,"
			 "s:o}", "id", (json_int_t)s->id, "source", s->source,
			 "kind", s->kind, "acquired", time_json(s->acquired_ms),
			 "acquired_ms", (json_int_t)s->acquired_ms, "crs",
			 s->crs, "footprint", fp ? fp : json_null(),
			 "cloud_share", number(s->cloud_share), "file",
			 s->file, "width", s->width, "height", s->height,
			 "indices", idx, "ingested",
			 time_json(s->created_ms));
}

static int add_scene(const struct db_scene *s, void *ctx)
{
	return json_array_append_new(ctx, scene_json(s)) ? ERR_NOMEM : 0;
}

int imagery_catalogue_json(struct db *db, int64_t from_ms, int64_t to_ms,
			   json_t **out, struct err *e)
{
	json_t *arr = json_array();
	int rc = db_scene_list(db, from_ms, to_ms, add_scene, arr, e);

	if (rc) {
		json_decref(arr);
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	}
	*out = json_pack("{s:o}", "scenes", arr);
	return ERR_OK;
}

static json_t *entry_json(const struct db_index_point *p)
{
	const struct db_scene_stat *t = &p->stat;

	return json_pack("{s:I,s:o,s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:f,"
			 "s:o}", "scene", (json_int_t)p->scene, "time",
			 time_json(p->acquired_ms), "time_ms",
			 (json_int_t)p->acquired_ms, "source", p->source,
			 "mean", number(t->mean), "median", number(t->median),
			 "p10", number(t->p10), "p90", number(t->p90), "std",
			 number(t->std), "min", number(t->min), "max",
			 number(t->max), "count", t->count, "valid_fraction",
			 number(t->valid_fraction));
}

static int add_entry(const struct db_index_point *p, void *ctx)
{
	json_t *doc = ctx;
	json_t *arr = json_object_get(doc, strcmp(p->kind, "drone")
				      ? "satellite" : "drone");

	return json_array_append_new(arr, entry_json(p)) ? ERR_NOMEM : 0;
}

json_t *imagery_anomaly_json(const struct db_anomaly *a)
{
	char text[320];

	imagery_anomaly_summary(a, text, sizeof(text));
	return json_pack("{s:I,s:s,s:o,s:s,s:s,s:s,s:f,s:f,s:f,s:s}", "scene",
			 (json_int_t)a->scene, "plot", a->plot, "time",
			 time_json(a->acquired_ms), "kind", a->kind, "index",
			 a->index, "rule", a->rule, "value", a->value,
			 "reference", a->reference, "threshold", a->threshold,
			 "message", text);
}

void imagery_anomaly_summary(const struct db_anomaly *a, char *out,
			     size_t size)
{
	char upper[DB_INDEX_MAX];
	size_t i;

	for (i = 0; a->index[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(a->index[i] >= 'a' && a->index[i] <= 'z'
				  ? a->index[i] - 32 : a->index[i]);
	upper[i] = '\0';
	if (!strcmp(a->rule, "drop"))
		snprintf(out, size, "plot %s: %s fell from %.2f to %.2f since "
			 "the previous %s pass (more than %.2f) in scene %lld",
			 a->plot, upper, a->reference, a->value, a->kind,
			 a->reference - a->threshold, (long long)a->scene);
	else
		snprintf(out, size, "plot %s: %s %.2f is below its peers' "
			 "median %.2f (bound %.2f) in scene %lld", a->plot,
			 upper, a->value, a->reference, a->threshold,
			 (long long)a->scene);
}

/* Which flags a series shows: its index, its time range. */
struct flag_filter {
	json_t *arr;
	const char *index;        /* NULL: any */
	int64_t from_ms, to_ms;
};

static int add_anomaly(const struct db_anomaly *a, void *ctx)
{
	struct flag_filter *f = ctx;

	if ((f->index && strcmp(a->index, f->index)) ||
	    a->acquired_ms < f->from_ms || a->acquired_ms >= f->to_ms)
		return 0;
	return json_array_append_new(f->arr, imagery_anomaly_json(a))
		? ERR_NOMEM : 0;
}

static int anomalies_of(struct db *db, int64_t scene, const char *plot,
			struct flag_filter *f, struct err *e)
{
	int rc = db_anomaly_list(db, scene, plot, add_anomaly, f, e);

	return rc == ERR_NOMEM ? err_nomem(e) : rc;
}

int imagery_series_json(struct db *db, const char *plot, const char *index,
			int64_t from_ms, int64_t to_ms, json_t **out,
			struct err *e)
{
	struct db_plot p;
	json_t *doc;
	int rc;

	doc = json_pack("{s:s,s:s,s:[],s:[],s:[]}", "plot", plot, "index",
			index, "satellite", "drone", "anomalies");
	if (!doc)
		return err_nomem(e);
	rc = db_index_series(db, plot, index, from_ms, to_ms, add_entry, doc, e);
	if (rc == ERR_NOMEM)
		err_nomem(e);
	/* statistics exist only for registered plots (a foreign key): only
	 * an empty series asks whether the plot is there (one statement less
	 * for every plot with imagery) */
	if (!rc && !json_array_size(json_object_get(doc, "satellite")) &&
	    !json_array_size(json_object_get(doc, "drone")) &&
	    !(rc = db_plot_get(db, plot, &p, e)))
		db_plot_free(&p);
	if (!rc) {
		struct flag_filter f = { json_object_get(doc, "anomalies"),
					 index, from_ms, to_ms };

		rc = anomalies_of(db, 0, plot, &f, e);
	}
	if (rc) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return ERR_OK;
}

int imagery_anomalies_json(struct db *db, int64_t scene, const char *plot,
			   json_t **out, struct err *e)
{
	json_t *arr = json_array();
	struct flag_filter f = { arr, NULL, INT64_MIN, INT64_MAX };
	int rc = anomalies_of(db, scene, plot, &f, e);

	if (rc) {
		json_decref(arr);
		return rc;
	}
	*out = json_pack("{s:o}", "anomalies", arr);
	return ERR_OK;
}

/* ---- the big screen's section ------------------------------------------- */

struct newest {
	json_t *satellite, *drone;  /* the newest scene of each kind, or NULL */
};

/* The newest scene of a kind before before_ms as JSON in *out, or NULL. */
static int newest_scene(struct db *db, const char *kind, int64_t before_ms,
			json_t **out, struct err *e)
{
	struct db_scene s;
	struct err missing;
	int rc = db_scene_newest(db, kind, before_ms, &s, &missing);

	*out = NULL;
	if (rc == ERR_NOT_FOUND)
		return ERR_OK;
	if (rc)
		return *e = missing, rc;
	*out = scene_json(&s);
	db_scene_free(&s);
	return *out ? ERR_OK : err_nomem(e);
}

/* Each plot's newest NDVI mean, the newer of a satellite's and a drone's. */
struct ndvi_now {
	json_t *values, *kinds, *when;
};

static int note_ndvi(const struct db_index_point *p, void *ctx)
{
	struct ndvi_now *n = ctx;
	json_t *seen = json_object_get(n->when, p->stat.plot);

	if (!isfinite(p->stat.mean) ||
	    (seen && json_integer_value(seen) >= p->acquired_ms))
		return 0;
	json_object_set_new(n->values, p->stat.plot, json_real(p->stat.mean));
	json_object_set_new(n->kinds, p->stat.plot, json_string(p->kind));
	json_object_set_new(n->when, p->stat.plot,
			    json_integer(p->acquired_ms));
	return 0;
}

static int count_flagged(const struct db_anomaly *a, void *ctx)
{
	json_t *plots = ctx;

	return json_object_set_new(plots, a->plot, json_true()) ? ERR_NOMEM : 0;
}

/* Plots flagged by the newest scene of each kind. */
static int flagged_plots(struct db *db, const struct newest *n, size_t *count,
			 struct err *e)
{
	json_t *plots = json_object();
	const json_t *scenes[] = { n->satellite, n->drone };
	int rc = ERR_OK;

	for (size_t i = 0; i < 2 && !rc; i++)
		if (scenes[i])
			rc = db_anomaly_list(db, json_integer_value(
				json_object_get(scenes[i], "id")), NULL,
				count_flagged, plots, e);
	*count = json_object_size(plots);
	json_decref(plots);
	return rc;
}

int imagery_overview_json(struct db *db, int64_t now_ms, json_t **out,
			  struct err *e)
{
	struct newest n = { NULL, NULL };
	struct ndvi_now v = { json_object(), json_object(), json_object() };
	static const char *const kinds[] = { "satellite", "drone" };
	size_t flagged = 0;
	int rc;

	if (!(rc = newest_scene(db, "satellite", now_ms + 1, &n.satellite, e)))
		rc = newest_scene(db, "drone", now_ms + 1, &n.drone, e);
	for (size_t i = 0; i < 2 && !rc; i++)
		rc = db_index_previous(db, "ndvi", kinds[i],
				       now_ms - IMAGERY_RECENT_DAYS * MS_PER_DAY,
				       now_ms + 1, note_ndvi, &v, e);
	if (!rc)
		rc = flagged_plots(db, &n, &flagged, e);
	json_decref(v.when);
	if (rc) {
		json_decref(n.satellite);
		json_decref(n.drone);
		json_decref(v.values);
		json_decref(v.kinds);
		return rc;
	}
	/* json_pack takes the "o" values, even when it fails */
	*out = json_pack("{s:o,s:o,s:o,s:o,s:I}", "last_satellite",
			 n.satellite ? n.satellite : json_null(), "last_drone",
			 n.drone ? n.drone : json_null(), "ndvi", v.values,
			 "ndvi_kind", v.kinds, "anomalies", (json_int_t)flagged);
	if (!*out)
		rc = err_nomem(e);
	return rc;
}

/* ---- freshness for monitoring ------------------------------------------- */

struct passes {
	void (*each)(const char *kind, const char *plot, int64_t acquired_ms,
		     void *ctx);
	void *ctx;
};

static int note_pass(const struct db_index_point *p, void *ctx)
{
	struct passes *ps = ctx;

	ps->each(p->kind, p->stat.plot, p->acquired_ms, ps->ctx);
	return 0;
}

int imagery_latest_passes(struct db *db, int64_t before_ms,
			  void (*each)(const char *kind, const char *plot,
				       int64_t acquired_ms, void *ctx),
			  void *ctx, struct err *e)
{
	static const char *const kinds[] = { "satellite", "drone" };
	static const char *const indices[] = { "ndvi", "vari" };
	struct passes ps = { each, ctx };
	int rc = ERR_OK;

	for (size_t k = 0; k < 2 && !rc; k++)
		for (size_t i = 0; i < 2 && !rc; i++)
			rc = db_index_previous(db, indices[i], kinds[k],
					       before_ms - IMAGERY_RECENT_DAYS *
					       MS_PER_DAY, before_ms, note_pass,
					       &ps, e);
	return rc;
}

struct scene_passes {
	const struct imagery_result *scene;
	struct passes ps;
};

static int note_scene_pass(const struct db_scene_stat *st, void *ctx)
{
	struct scene_passes *sp = ctx;

	if (st->count > 0)
		sp->ps.each(sp->scene->kind, st->plot, sp->scene->acquired_ms,
			    sp->ps.ctx);
	return 0;
}

int imagery_scene_passes(struct db *db, const struct imagery_result *r,
			 void (*each)(const char *kind, const char *plot,
				      int64_t acquired_ms, void *ctx),
			 void *ctx, struct err *e)
{
	struct scene_passes sp = { r, { each, ctx } };
	char index[DB_INDEX_MAX];

	snprintf(index, sizeof(index), "%.*s", (int)strcspn(r->indices, ","),
		 r->indices);
	return db_scene_stats(db, r->scene, index, note_scene_pass, &sp, e);
}
