/*
 * Ingesting a scene: bands, indices, the registry's plots, statistics,
 * anomalies, the catalogue entry, previews; stored all or nothing.
 */
#include "rs/imagery.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rs/imagery_internal.h"
#include "rs/rs_plots.h"
#include "util/gdal_guard.h"
#include "util/timeutil.h"

#include <gdal.h>

/* What uploads may be, for messages. */
#define UPLOAD_FORMATS "GeoTIFF (COG too) and JPEG 2000"

/* The indices tried, in this order; the first computed is the one flagged. */
static const enum rs_index candidates[] = {
	RS_INDEX_NDVI, RS_INDEX_GNDVI, RS_INDEX_NDRE, RS_INDEX_EVI,
	RS_INDEX_SAVI, RS_INDEX_VARI,  RS_INDEX_EXG,
};
#define N_CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

void imagery_opts_defaults(struct imagery_opts *o)
{
	memset(o, 0, sizeof(*o));
	rs_anomaly_defaults(&o->anomaly);
}

const char *imagery_kind_of_source(const char *source)
{
	static const char *const drone[] = { "drone", "uav", "uas", "dji",
					     "mavic", "phantom", "ebee" };
	static const char *const satellite[] = {
		"sentinel", "landsat", "planet", "gaofen", "gf-", "gf1",
		"gf2", "gf6", "s2a", "s2b", "spot", "modis", "satellite",
		"pleiades", "worldview", "superview", "jilin"
	};

	for (size_t i = 0; i < sizeof(drone) / sizeof(*drone); i++)
		if (strcasestr(source, drone[i]))
			return "drone";
	for (size_t i = 0; i < sizeof(satellite) / sizeof(*satellite); i++)
		if (strcasestr(source, satellite[i]))
			return "satellite";
	return NULL;
}

/* ---- the registry's plots ---- */

static int take_plot(const struct db_plot *p, void *ctx)
{
	struct imagery__plots *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct imagery__plot *a = realloc(r->p, cap * sizeof(*a));

		if (!a)
			return ERR_NOMEM;
		r->p = a;
		r->cap = cap;
	}
	struct imagery__plot *q = &r->p[r->n];
	int y, m, d;

	memset(q, 0, sizeof(*q));
	snprintf(q->code, sizeof(q->code), "%s", p->code);
	snprintf(q->crop, sizeof(q->crop), "%s", p->crop);
	q->sowing_day = time_parse_date(p->sowing_date, &y, &m, &d) == 0
		? (int)time_days_from_civil(y, m, d) : RS_NO_SOWING;
	q->geometry = strdup(p->geometry);
	if (!q->geometry)
		return ERR_NOMEM;
	r->n++;
	return 0;
}

void imagery__plots_free(struct imagery__plots *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->p[i].geometry);
	free(r->p);
	memset(r, 0, sizeof(*r));
}

int imagery__plots_load(struct db *db, struct imagery__plots *r,
			struct err *e)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = db_plot_list(db, NULL, take_plot, r, e);
	if (rc == ERR_NOMEM)
		err_nomem(e);
	if (rc) {
		imagery__plots_free(r);
		return rc;
	}
	if (r->n == 0)
		return err_set(e, ERR_INVALID, "the plot registry is empty: "
			       "import the plots first (oasis plots import "
			       "FILE, or POST /api/v1/plots)");
	return ERR_OK;
}

/* ---- bands and indices ---- */

/* Fill the roles not given from o->raster, where a band says what it is. */
static int settle_roles(const struct imagery_opts *o,
			struct rs_raster_opts *ro, unsigned *have,
			struct err *e)
{
	*ro = o->ro;
	*have = 0;
	for (int k = RS_ROLE_BLUE; k < RS_ROLE_COUNT; k++) {
		struct err fe;
		int band;

		if (ro->role[k].path) {
			*have |= 1u << k;
			continue;
		}
		if (!o->raster)
			continue;
		err_clear(&fe);
		if (rs_raster_find_band(o->raster, k, &band, &fe)) {
			if (fe.code != ERR_INVALID) {
				*e = fe;
				return fe.code;
			}
			continue;
		}
		ro->role[k] = (struct rs_band_ref){ o->raster, band };
		*have |= 1u << k;
	}
	return ERR_OK;
}

/* The indices the bands allow, in candidates' order. */
static size_t choose_indices(unsigned have, enum rs_index *out)
{
	size_t n = 0;

	for (size_t i = 0; i < N_CANDIDATES; i++) {
		unsigned need = rs_index_roles(candidates[i]);

		if ((need & have) == need)
			out[n++] = candidates[i];
	}
	return n;
}

static int no_index(const struct imagery_opts *o, struct err *e)
{
	return err_set(e, ERR_INVALID, "%s: no vegetation index can be "
		       "computed from the bands found: give --red B --nir B "
		       "(NDVI, SAVI), --green/--rededge/--blue for GNDVI, NDRE "
		       "and EVI, or --blue --green --red for an RGB drone "
		       "mosaic (VARI, ExG)",
		       o->raster ? o->raster : "the band files");
}

/* ---- one pass per index ---- */

struct pass_progress {
	const struct imagery_opts *o;
	size_t pass, n_passes;
};

static void pass_progress(long done, long total, void *ctx)
{
	struct pass_progress *p = ctx;
	double f = total > 0 ? (double)done / (double)total : 1;

	p->o->progress(((double)p->pass + f) / (double)p->n_passes,
		       p->o->progress_ctx);
}

static void keep_stats(const struct imagery__plots *plots, enum rs_index idx,
		       const struct rs_zonal_result *res,
		       struct imagery__scene *sc)
{
	for (size_t i = 0; i < plots->n; i++) {
		const struct rs_zonal_result *r = &res[i];
		const struct rs_stats *s = &r->stats;
		struct db_scene_stat *t;
		bool none = !(s->count > 0);

		if (r->state != RS_ZONE_OK)
			continue;
		t = &sc->stats[sc->n_stats++];
		snprintf(t->plot, sizeof(t->plot), "%s", plots->p[i].code);
		snprintf(t->index, sizeof(t->index), "%s", rs_index_name(idx));
		t->count = s->count;
		t->valid_fraction = r->valid_fraction;
		t->mean = none ? NAN : s->mean;
		t->std = none ? NAN : s->std;
		t->min = none ? NAN : s->min;
		t->max = none ? NAN : s->max;
		t->median = none ? NAN : s->median;
		t->p10 = none ? NAN : s->p10;
		t->p90 = none ? NAN : s->p90;
	}
}

/* Index k of the scene over every plot; the first pass settles the grid. */
static int run_pass(const struct imagery_opts *o, struct rs_raster_opts *ro,
		    struct imagery__scene *sc, size_t k, struct err *e)
{
	struct rs_raster *r;
	struct rs_zonal_source src;
	struct pass_progress pp = { o, k, sc->n_indices };
	struct rs_zonal_opts zo = {
		.rule = o->exact ? RS_RULE_EXACT : RS_RULE_CENTRE,
		.threads = o->threads,
		.progress = o->progress ? pass_progress : NULL,
		.progress_ctx = &pp,
	};
	int rc;

	ro->index = sc->indices[k];
	if (rs_raster_open(ro, &r, e))
		return e->code;
	if (k == 0 && (rc = imagery__scene_grid(sc, r, e)))
		goto out_close;
	rs_raster_source(r, &src);
	if ((rc = imagery__preview_begin(sc, k, &src, e)))
		goto out_close;
	rc = rs_zonal_plots_source(&src, sc->crs_wkt, sc->gt,
				   (const char *const *)sc->geoms,
				   sc->plots->n, &zo, NULL, NULL, sc->res, e);
	if (!rc)
		keep_stats(sc->plots, sc->indices[k], sc->res, sc);
	for (size_t i = 0; !rc && k == 0 && i < sc->plots->n; i++)
		sc->first_mean[i] = sc->res[i].state == RS_ZONE_OK &&
			sc->res[i].stats.count > 0 ? sc->res[i].stats.mean : NAN;
out_close:
	rs_raster_close(r);
	return rc;
}

/* ---- anomalies ---- */

struct previous {
	const struct imagery__plots *plots;
	double *value, *gap_days;
	int64_t at_ms;
	size_t next; /* plots and rows both come in code order */
};

static int take_previous(const struct db_index_point *p, void *ctx)
{
	struct previous *pv = ctx;

	while (pv->next < pv->plots->n &&
	       strcmp(pv->plots->p[pv->next].code, p->stat.plot) < 0)
		pv->next++;
	if (pv->next < pv->plots->n &&
	    !strcmp(pv->plots->p[pv->next].code, p->stat.plot)) {
		pv->value[pv->next] = p->stat.mean;
		pv->gap_days[pv->next] =
			(double)(pv->at_ms - p->acquired_ms) / MS_PER_DAY;
	}
	return 0;
}

/* The oldest pass the drop rule still compares with. */
static int64_t previous_since(const struct imagery_opts *o,
			      const struct imagery__scene *sc)
{
	double gap = o->anomaly.max_gap_days;

	if (!(gap >= 0) || gap > IMAGERY_RECENT_DAYS)
		gap = IMAGERY_RECENT_DAYS;
	return sc->scene.acquired_ms - (int64_t)(gap * MS_PER_DAY) - 1;
}

static int cmp_key(const void *a, const void *b, void *ctx)
{
	const struct imagery__plot *p = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(p[i].crop, p[j].crop);

	if (c)
		return c;
	return (p[i].sowing_day > p[j].sowing_day) -
	       (p[i].sowing_day < p[j].sowing_day);
}

static void add_flag(struct imagery__scene *sc, size_t i, const char *rule,
		     double value, double reference, double threshold)
{
	struct db_anomaly *a = &sc->anomalies[sc->n_anomalies++];

	memset(a, 0, sizeof(*a));
	snprintf(a->plot, sizeof(a->plot), "%s", sc->plots->p[i].code);
	snprintf(a->index, sizeof(a->index), "%s",
		 rs_index_name(sc->indices[0]));
	snprintf(a->rule, sizeof(a->rule), "%s", rule);
	a->value = value;
	a->reference = reference;
	a->threshold = threshold;
	a->acquired_ms = sc->scene.acquired_ms;
	snprintf(a->kind, sizeof(a->kind), "%s", sc->scene.kind);
}

static int flag_anomalies(struct db *db, const struct imagery_opts *o,
			  struct imagery__scene *sc, struct err *e)
{
	size_t n = sc->plots->n;
	struct rs_anomaly_plot *ap = calloc(n, sizeof(*ap));
	struct rs_anomaly_flags *f = calloc(n, sizeof(*f));
	size_t *order = calloc(n, sizeof(*order));
	double *prev = calloc(2 * n, sizeof(*prev));
	struct previous pv = { sc->plots, prev, prev + n, sc->scene.acquired_ms, 0 };
	int rc = ERR_OK;

	if (!ap || !f || !order || !prev || !(sc->anomalies =
	    calloc(2 * n, sizeof(*sc->anomalies)))) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		prev[i] = NAN;
	/* the drop rule ignores older passes: no need to read them */
	if ((rc = db_index_previous(db, rs_index_name(sc->indices[0]),
				    sc->scene.kind, previous_since(o, sc),
				    sc->scene.acquired_ms, take_previous, &pv,
				    e)))
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_key, sc->plots->p);
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];

		ap[k] = (struct rs_anomaly_plot){
			sc->plots->p[i].crop, sc->plots->p[i].sowing_day,
			sc->first_mean[i], prev[i],
			prev[n + i],
		};
	}
	if (rs_anomaly_flag(ap, n, &o->anomaly, f)) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		if (f[k].peers)
			add_flag(sc, order[k], "peers", ap[k].value,
				 f[k].peer_median, f[k].peer_bound);
		if (f[k].drop)
			add_flag(sc, order[k], "drop", ap[k].value,
				 ap[k].previous, f[k].drop_bound);
	}
out:
	free(ap);
	free(f);
	free(order);
	free(prev);
	return rc;
}

/* ---- the whole ingest ---- */

/* An upload's files are of the allowed formats (a scene's bands and masks). */
static int check_formats(const struct imagery_opts *o, struct err *e)
{
	const char *paths[RS_ROLE_COUNT + 3], *driver;
	size_t n = 0;

	if (!o->drivers)
		return ERR_OK;
	GDALAllRegister();
	paths[n++] = o->raster;
	paths[n++] = o->ro.mask_path;
	paths[n++] = o->ro.class_path;
	for (int k = 0; k < RS_ROLE_COUNT; k++)
		paths[n++] = o->ro.role[k].path;
	for (size_t i = 0; i < n; i++) {
		int rc = paths[i] ? gdal_guard_driver(paths[i], GDAL_OF_RASTER,
						      o->drivers, UPLOAD_FORMATS,
						      &driver, e) : ERR_OK;

		if (rc == ERR_UNSUPPORTED) /* no format at all: bad bytes */
			return err_set(e, ERR_INVALID, "%s: cannot open as a "
				       "raster (%s)", paths[i], UPLOAD_FORMATS);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

static int check_opts(const struct imagery_opts *o, struct err *e)
{
	if (!o->source || !*o->source || strlen(o->source) >= DB_NAME_MAX)
		return err_set(e, ERR_INVALID, "the source must be a name of 1 "
			       "to %d characters (sentinel-2a, drone-1, ...)",
			       DB_NAME_MAX - 1);
	if (o->kind && strcmp(o->kind, "satellite") && strcmp(o->kind, "drone"))
		return err_set(e, ERR_INVALID, "kind '%s' is not satellite or "
			       "drone", o->kind);
	if (!o->kind && !imagery_kind_of_source(o->source))
		return err_set(e, ERR_INVALID, "is source '%s' a satellite or a "
			       "drone? say so with the kind (--kind "
			       "satellite|drone)", o->source);
	if (o->acquired_ms <= 0)
		return err_set(e, ERR_INVALID, "the acquisition time is needed "
			       "(--acquired 2026-07-15T05:10:00Z)");
	return check_formats(o, e);
}

static void fill_catalogue(const struct imagery_opts *o,
			   struct imagery__scene *sc)
{
	struct db_scene *s = &sc->scene;
	const char *name = o->file_name ? o->file_name : o->raster;
	const char *slash;

	if (!name)
		name = o->ro.role[RS_ROLE_RED].path
			? o->ro.role[RS_ROLE_RED].path : "";
	slash = strrchr(name, '/');
	snprintf(s->file, sizeof(s->file), "%s", slash ? slash + 1 : name);
	snprintf(s->source, sizeof(s->source), "%s", o->source);
	snprintf(s->kind, sizeof(s->kind), "%s",
		 o->kind ? o->kind : imagery_kind_of_source(o->source));
	s->acquired_ms = o->acquired_ms;
	s->created_ms = time_now_ms();
	for (size_t k = 0; k < sc->n_indices; k++)
		snprintf(s->indices + strlen(s->indices),
			 sizeof(s->indices) - strlen(s->indices), "%s%s",
			 k ? "," : "", rs_index_name(sc->indices[k]));
}

static int compute(struct db *db, const struct imagery_opts *o,
		   struct rs_raster_opts *ro, struct imagery__scene *sc,
		   struct err *e)
{
	size_t n = sc->plots->n;
	int rc;

	sc->geoms = calloc(n, sizeof(*sc->geoms));
	sc->res = calloc(n, sizeof(*sc->res));
	sc->stats = calloc(n * sc->n_indices, sizeof(*sc->stats));
	sc->first_mean = calloc(n, sizeof(*sc->first_mean));
	if (!sc->geoms || !sc->res || !sc->stats || !sc->first_mean)
		return err_nomem(e);
	for (size_t i = 0; i < n; i++)
		sc->geoms[i] = sc->plots->p[i].geometry;
	for (size_t k = 0; k < sc->n_indices; k++) {
		if ((rc = run_pass(o, ro, sc, k, e)))
			return rc;
		if (k == 0)
			sc->n_first = sc->n_stats;
	}
	if ((rc = imagery__cloud_share(ro, &sc->scene.cloud_share, e)))
		return rc;
	return flag_anomalies(db, o, sc, e);
}

static void scene_free(struct imagery__scene *sc)
{
	imagery__preview_free(sc);
	free(sc->geoms);
	free(sc->res);
	free(sc->stats);
	free(sc->first_mean);
	free(sc->anomalies);
	free(sc->crs_wkt);
	db_scene_free(&sc->scene);
}

static void fill_result(const struct imagery__scene *sc,
			struct imagery_result *out)
{
	memset(out, 0, sizeof(*out));
	out->scene = sc->scene.id;
	snprintf(out->kind, sizeof(out->kind), "%s", sc->scene.kind);
	out->acquired_ms = sc->scene.acquired_ms;
	snprintf(out->indices, sizeof(out->indices), "%s", sc->scene.indices);
	out->plots = sc->plots->n;
	out->plots_seen = sc->n_first;
	out->anomalies = sc->n_anomalies;
	out->cloud_share = sc->scene.cloud_share;
}

static int store(struct db *db, const struct imagery_opts *o,
		 const struct rs_raster_opts *ro, struct imagery__scene *sc,
		 struct err *e)
{
	int rc;

	if ((rc = imagery__preview_write(db, sc, o->data_dir, e)))
		return rc;
	if ((rc = imagery__colour_write(db, sc, ro, e))) {
		imagery__preview_remove(db, sc);
		return rc;
	}
	rc = db_scene_add(db, &sc->scene, sc->stats, sc->n_stats,
			  sc->anomalies, sc->n_anomalies, &sc->scene.id, e);
	if (rc) {
		imagery__preview_remove(db, sc);
		return rc;
	}
	for (size_t i = 0; i < sc->n_anomalies; i++) {
		sc->anomalies[i].scene = sc->scene.id;
		if (o->on_anomaly)
			o->on_anomaly(&sc->anomalies[i], o->anomaly_ctx);
	}
	return ERR_OK;
}

int imagery_ingest(struct db *db, const struct imagery_opts *o,
		   struct imagery_result *out, struct err *e)
{
	struct imagery__plots plots;
	struct imagery__scene sc;
	struct rs_raster_opts ro;
	unsigned have;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.scene.cloud_share = NAN;
	if ((rc = check_opts(o, e)) || (rc = settle_roles(o, &ro, &have, e)))
		return rc;
	sc.n_indices = choose_indices(have, sc.indices);
	if (sc.n_indices == 0)
		return no_index(o, e);
	if ((rc = imagery__plots_load(db, &plots, e)))
		return rc;
	sc.plots = &plots;
	fill_catalogue(o, &sc);
	if (!(rc = compute(db, o, &ro, &sc, e)) && !(rc = store(db, o, &ro, &sc, e)))
		fill_result(&sc, out);
	scene_free(&sc);
	imagery__plots_free(&plots);
	return rc;
}
