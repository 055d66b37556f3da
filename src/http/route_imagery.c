/*
 * Imagery: scene uploads, the catalogue, a plot's index series, the
 * anomalies and the pictures.  The work is rs/imagery's.
 */
#include "http/routes.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_vsi.h>
#include <microhttpd.h>

#include "alert/alerts.h"
#include "rs/basemap.h"
#include "rs/imagery.h"
#include "rs/rs_args.h"
#include "util/gdal_guard.h"
#include "util/log.h"
#include "util/timeutil.h"

/* A time parameter, or fallback when absent. */
static int time_param(struct http_ctx *c, const char *name, int64_t fallback,
		      int64_t *out)
{
	const char *v = http_query(c, name);

	*out = fallback;
	if (v && time_parse(v, time_now_ms(), out, &c->err))
		return err_prefix(&c->err, "parameter '%s'", name);
	return ERR_OK;
}

static int id_of(struct http_ctx *c, const char *text, const char *what,
		 int64_t *out)
{
	long n;

	if (!rs_parse_long(text, 1, 0x7fffffffL, &n))
		return err_set(&c->err, ERR_INVALID, "%s '%s' is not a scene "
			       "id", what, text);
	*out = n;
	return ERR_OK;
}

/* ---- POST /api/v1/imagery ---- */

struct upload {
	char path[128];
	char mask[200], scl[200];
};

static int band_param(struct http_ctx *c, struct upload *u, enum rs_role k,
		      struct imagery_opts *o)
{
	const char *v = http_query(c, rs_role_name(k));
	long n;

	if (!v)
		return ERR_OK;
	if (!rs_parse_long(v, 1, 100000, &n))
		return err_set(&c->err, ERR_INVALID, "parameter '%s': '%s' is "
			       "not a band number", rs_role_name(k), v);
	o->ro.role[k] = (struct rs_band_ref){ u->path, (int)n };
	return ERR_OK;
}

/* mask_band or scl_band: band N of the upload as a file of its own. */
static int layer_param(struct http_ctx *c, const struct upload *u,
		       const char *name, char *out, size_t size,
		       const char **dst)
{
	const char *v = http_query(c, name);
	long n;

	if (!v)
		return ERR_OK;
	if (!rs_parse_long(v, 1, 100000, &n))
		return err_set(&c->err, ERR_INVALID, "parameter '%s': '%s' is "
			       "not a band number", name, v);
	snprintf(out, size, "vrt://%s?bands=%ld", u->path, n);
	*dst = out;
	return ERR_OK;
}

static int number_params(struct http_ctx *c, struct imagery_opts *o)
{
	const char *scale = http_query(c, "scale");
	const char *offset = http_query(c, "offset");
	const char *drop = http_query(c, "scl_drop");

	if (scale && (!rs_parse_double(scale, &o->ro.scale) || !o->ro.scale))
		return err_set(&c->err, ERR_INVALID, "parameter 'scale': '%s' "
			       "is not a non-zero number", scale);
	if (offset && !rs_parse_double(offset, &o->ro.offset))
		return err_set(&c->err, ERR_INVALID, "parameter 'offset': '%s' "
			       "is not a number", offset);
	o->ro.has_scale = scale != NULL;
	o->ro.has_offset = offset != NULL;
	if (drop && !o->ro.class_path)
		return err_set(&c->err, ERR_INVALID, "parameter 'scl_drop' "
			       "needs 'scl_band'");
	if (drop && rs_class_list_parse(drop, o->ro.drop_class))
		return err_set(&c->err, ERR_INVALID, "parameter 'scl_drop': "
			       "'%s' is not a list of classes 0-255", drop);
	if (!drop && o->ro.class_path)
		rs_class_default_drop(o->ro.drop_class);
	return ERR_OK;
}

static int upload_params(struct http_ctx *c, struct upload *u,
			 struct imagery_opts *o)
{
	const char *acquired = http_query(c, "acquired");
	const char *exact = http_query(c, "exact");

	o->source = http_query(c, "source");
	o->kind = http_query(c, "kind");
	o->file_name = http_query(c, "name");
	if (!o->file_name)
		o->file_name = "upload";
	if (!o->source)
		return err_set(&c->err, ERR_INVALID, "parameter 'source' is "
			       "needed (sentinel-2a, drone-1, ...)");
	if (!acquired)
		return err_set(&c->err, ERR_INVALID, "parameter 'acquired' is "
			       "needed (RFC 3339)");
	if (time_parse(acquired, time_now_ms(), &o->acquired_ms, &c->err))
		return err_prefix(&c->err, "parameter 'acquired'");
	o->exact = exact && (!strcmp(exact, "1") || !strcmp(exact, "true"));
	for (int k = RS_ROLE_BLUE; k < RS_ROLE_COUNT; k++)
		if (band_param(c, u, k, o))
			return c->err.code;
	if (layer_param(c, u, "mask_band", u->mask, sizeof(u->mask),
			&o->ro.mask_path) ||
	    layer_param(c, u, "scl_band", u->scl, sizeof(u->scl),
			&o->ro.class_path))
		return c->err.code;
	return number_params(c, o);
}

/* Each flag on the event feed: the monitoring rules read it there. */
/* A flag as it is stored: on the event feed, and an alert where a
 * vegetation_anomaly rule covers the plot. */
static void publish_anomaly(const struct db_anomaly *a, void *ctx)
{
	const struct http_services *svc = ctx;
	json_t *j = imagery_anomaly_json(a);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	char msg[512];
	struct err e;
	bool raised;
	json_t *params = json_pack("{sI ss ss ss sf sf sf}", "scene",
				   (json_int_t)a->scene, "kind", a->kind,
				   "index", a->index, "check", a->rule,
				   "value", a->value, "reference", a->reference,
				   "threshold", a->threshold);

	if (text && svc->events)
		events_publish(svc->events, "anomaly", a->plot, text);
	free(text);
	json_decref(j);
	imagery_anomaly_summary(a, msg, sizeof(msg));
	if (svc->alerts && alerts_raise_external_with(svc->alerts,
						 "vegetation_anomaly", a->plot,
						 msg, params, &raised, &e))
		log_warn("imagery: no alert for %s: %s", a->plot, e.msg);
	json_decref(params);
}

/* Every plot the scene saw has fresh imagery of its kind, for monitoring. */
static void plot_seen(const char *kind, const char *plot, int64_t acquired_ms,
		      void *ctx)
{
	alerts_source_seen(ctx, kind, plot, acquired_ms);
}

static void tell_monitoring(struct http_ctx *c, const struct imagery_result *r)
{
	struct err e;

	if (!c->svc->alerts)
		return;
	if (imagery_scene_passes(c->db, r, plot_seen, c->svc->alerts, &e))
		log_warn("imagery: scene %lld not told to monitoring: %s",
			 (long long)r->scene, e.msg);
}

/*
 * An error naming the upload's /vsimem/ path names "the upload" instead;
 * a file that cannot be found or read there is a body that is not a
 * raster, or a broken one.
 */
static int upload_error(struct http_ctx *c, const char *vsi)
{
	char msg[ERR_MSG_MAX];
	const char *p = c->err.msg, *at = strstr(p, vsi);
	enum err_code code = c->err.code;
	bool about_upload = at == p;    /* "/vsimem/...: cannot read rows" */
	size_t o = 0;

	if (!at)
		return code;
	for (; at && o < sizeof(msg); at = strstr(p, vsi)) {
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%.*sthe upload",
				      (int)(at - p), p);
		p = at + strlen(vsi);
	}
	if (o < sizeof(msg))
		snprintf(msg + o, sizeof(msg) - o, "%s", p);
	/* failing to read the upload (a truncated TIFF...) is the upload's
	 * fault, not the server's: 400, not 404 or 500 (a failure to write
	 * the store names a file of the store, and keeps its code) */
	if (code == ERR_NOT_FOUND || (code == ERR_IO && about_upload))
		code = ERR_INVALID;
	return err_set(&c->err, code, "%s", msg);
}

int route_imagery_upload(struct http_ctx *c)
{
	static atomic_uint counter;
	struct imagery_opts o;
	struct imagery_result r;
	struct upload u;
	const char *data;
	size_t len;
	VSILFILE *f;
	int rc;

	imagery_opts_defaults(&o);
	memset(&u, 0, sizeof(u));
	if (http_body_bytes(c, &data, &len))
		return c->err.code;
	if (len == 0)
		return err_set(&c->err, ERR_INVALID, "the body is empty: send "
			       "the raster file");
	snprintf(u.path, sizeof(u.path), "/vsimem/oasis-imagery-%ld-%u/scene",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	o.raster = u.path;
	if (upload_params(c, &u, &o))
		return c->err.code;
	f = VSIFileFromMemBuffer(u.path, (GByte *)(uintptr_t)data,
				 (vsi_l_offset)len, FALSE);
	if (!f)
		return err_set(&c->err, ERR_NOMEM, "cannot hold the upload");
	VSIFCloseL(f);
	o.data_dir = c->svc->data_dir;
	o.drivers = gdal_guard_raster_drivers;
	o.on_anomaly = publish_anomaly;
	o.anomaly_ctx = (void *)c->svc;
	rc = imagery_ingest(c->db, &o, &r, &c->err);
	VSIUnlink(u.path);
	if (rc)
		return upload_error(c, u.path);
	tell_monitoring(c, &r);
	basemap_refresh(c->svc->basemap); /* the next tile sees the scene */
	return http_reply_json(c, MHD_HTTP_CREATED, imagery_result_json(&r));
}

/* ---- reading ---- */

int route_imagery_list(struct http_ctx *c)
{
	int64_t from, to;
	json_t *doc;

	if (time_param(c, "from", INT64_MIN, &from) ||
	    time_param(c, "to", INT64_MAX, &to))
		return c->err.code;
	if (imagery_catalogue_json(c->db, from, to, &doc, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, doc);
}

static int index_param(struct http_ctx *c, enum rs_index *out)
{
	const char *v = http_query(c, "index");

	if (!v)
		v = "ndvi";
	if (rs_index_parse(v, out, &c->err))
		return err_prefix(&c->err, "parameter 'index'");
	return ERR_OK;
}

int route_plot_indices(struct http_ctx *c)
{
	enum rs_index idx;
	int64_t from, to;
	json_t *doc;

	if (index_param(c, &idx) || time_param(c, "from", INT64_MIN, &from) ||
	    time_param(c, "to", INT64_MAX, &to))
		return c->err.code;
	if (imagery_series_json(c->db, c->params[0], rs_index_name(idx), from,
				to, &doc, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, doc);
}

int route_anomalies(struct http_ctx *c)
{
	const char *scene = http_query(c, "scene");
	int64_t id = 0;
	json_t *doc;

	if (scene && id_of(c, scene, "parameter 'scene':", &id))
		return c->err.code;
	if (imagery_anomalies_json(c->db, id, http_query(c, "plot"), &doc,
				   &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, doc);
}

static int reply_png(struct http_ctx *c, int64_t scene, enum rs_index idx,
		     const char *plot)
{
	buf_reset(&c->out);
	if (imagery_png(c->db, c->svc->data_dir, scene, rs_index_name(idx),
			plot, &c->out, &c->err))
		return c->err.code;
	c->status = MHD_HTTP_OK;
	c->content_type = "image/png";
	return ERR_OK;
}

/* GET /api/v1/imagery/{id}/{index}.png */
int route_imagery_png(struct http_ctx *c)
{
	const char *name = c->params[1];
	size_t len = strlen(name);
	char index[DB_INDEX_MAX];
	enum rs_index idx;
	int64_t id = 0;

	if (id_of(c, c->params[0], "", &id))
		return c->err.code;
	if (len < 5 || len - 4 >= sizeof(index) || strcmp(name + len - 4, ".png"))
		return err_set(&c->err, ERR_NOT_FOUND, "no such picture '%s': "
			       "ask for INDEX.png, e.g. ndvi.png", name);
	memcpy(index, name, len - 4);
	index[len - 4] = '\0';
	if (rs_index_parse(index, &idx, &c->err))
		return err_set(&c->err, ERR_NOT_FOUND, "no such picture '%s': "
			       "'%s' is not an index", name, index);
	return reply_png(c, id, idx, NULL);
}

/* GET /api/v1/plots/{code}/indices.png?index=ndvi&scene=ID */
int route_plot_indices_png(struct http_ctx *c)
{
	const char *scene = http_query(c, "scene");
	enum rs_index idx;
	int64_t id = 0;

	if (index_param(c, &idx))
		return c->err.code;
	if (!scene)
		return err_set(&c->err, ERR_INVALID, "parameter 'scene' is "
			       "needed (a scene id, see GET /api/v1/imagery)");
	if (id_of(c, scene, "parameter 'scene':", &id))
		return c->err.code;
	return reply_png(c, id, idx, c->params[0]);
}
