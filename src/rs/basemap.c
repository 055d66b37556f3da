/*
 * The basemap (basemap.h): building a generation with GDAL, keeping the
 * newest one open, and cutting tiles from it.
 */
#include "rs/basemap.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "rs/imagery.h"
#include "rs/imagery_internal.h"
#include "util/log.h"
#include "util/timeutil.h"

#define LAYER "truecolour"
#define CACHE_SLOTS 4096
#define WEB_MERCATOR_HALF 20037508.342789244 /* pi * 6378137 m */
#define MARGIN_M 200.0
#define GEN_MAX 64

/* ---- the tile cache: direct-mapped, bounded in bytes ---- */

struct slot {
	char key[96];
	unsigned char *data;
	size_t len;
};

struct cache {
	pthread_mutex_t lock;
	struct slot slots[CACHE_SLOTS];
	size_t bytes;
};

static size_t slot_of(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % CACHE_SLOTS;
}

static void cache_clear_locked(struct cache *c)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(c->slots[i].data);
		memset(&c->slots[i], 0, sizeof(c->slots[i]));
	}
	c->bytes = 0;
}

static bool cache_get(struct cache *c, const char *key, struct buf *out)
{
	struct slot *s = &c->slots[slot_of(key)];
	bool hit;

	pthread_mutex_lock(&c->lock);
	hit = s->data && !strcmp(s->key, key);
	if (hit)
		buf_append(out, s->data, s->len);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void cache_put(struct cache *c, const char *key, const void *data,
		      size_t len)
{
	struct slot *s = &c->slots[slot_of(key)];
	unsigned char *copy = malloc(len);

	if (!copy)
		return; /* the next request renders it again */
	memcpy(copy, data, len);
	pthread_mutex_lock(&c->lock);
	if (c->bytes + len > BASEMAP_CACHE_BYTES)
		cache_clear_locked(c);
	free(s->data);
	c->bytes -= s->data ? s->len : 0;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->data = copy;
	s->len = len;
	c->bytes += len;
	pthread_mutex_unlock(&c->lock);
}

/* ---- the service ---- */

/* A generation opened: the mosaic and what it is. */
struct mosaic {
	GDALDatasetH ds;          /* NULL: no imagery */
	char mem[96];             /* its /vsimem/ path */
	int zmax, zmin, tx0, ty0; /* finest zoom; its first tile */
	json_t *scenes;           /* what the mosaic is made of */
};

struct basemap {
	pthread_mutex_t lock;     /* all below */
	char gen[GEN_MAX];        /* the generation loaded; "" none yet */
	bool dirty;               /* look again at the next request */
	bool building;            /* a request builds or loads the next one */
	int64_t checked_ms;       /* monotonic */
	struct mosaic m;
	struct cache cache;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int basemap_open(struct basemap **out, struct err *e)
{
	struct basemap *b = calloc(1, sizeof(*b));

	if (!b)
		return err_nomem(e);
	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->cache.lock, NULL);
	b->dirty = true;
	GDALAllRegister();
	*out = b;
	return ERR_OK;
}

static void unload(struct mosaic *m)
{
	if (m->ds)
		GDALClose(m->ds);
	if (m->mem[0])
		VSIUnlink(m->mem);
	json_decref(m->scenes);
	memset(m, 0, sizeof(*m));
}

void basemap_close(struct basemap *b)
{
	if (!b)
		return;
	unload(&b->m);
	cache_clear_locked(&b->cache);
	pthread_mutex_destroy(&b->cache.lock);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void basemap_refresh(struct basemap *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->dirty = true;
	pthread_mutex_unlock(&b->lock);
}

/* ---- generations ---- */

static int newest_id(struct db *db, const char *kind, int64_t *id,
		     int64_t *acquired, struct err *e)
{
	struct db_scene s;
	int rc = db_scene_newest(db, kind, INT64_MAX, &s, e);

	*id = 0;
	*acquired = INT64_MIN;
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		return ERR_OK;
	}
	if (rc)
		return rc;
	*id = s.id;
	*acquired = s.acquired_ms;
	db_scene_free(&s);
	return ERR_OK;
}

/* "sSAT-dDRONE": the ids of the newest scene of each kind (invariant 1). */
static int current_gen(struct db *db, char *gen, int64_t *newest,
		       struct err *e)
{
	int64_t sat, drone, at_s, at_d;

	if (newest_id(db, "satellite", &sat, &at_s, e) ||
	    newest_id(db, "drone", &drone, &at_d, e))
		return e->code;
	snprintf(gen, GEN_MAX, "s%lld-d%lld", (long long)sat, (long long)drone);
	if (newest)
		*newest = at_s > at_d ? at_s : at_d;
	return ERR_OK;
}

static void file_name(char *out, size_t size, const char *gen)
{
	snprintf(out, size, "basemap/%s/" LAYER ".tif", gen);
}

/* ---- building: the scenes ---- */

struct pick {
	int64_t id, acquired_ms;
	char kind[DB_SCENE_KIND_MAX];
	char source[DB_NAME_MAX];
	char preview[512];
};

struct picks {
	struct pick *p;
	size_t n, cap;
};

static int take_scene(const struct db_scene *s, void *ctx)
{
	struct picks *l = ctx;

	if (!s->preview[0])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct pick *a = realloc(l->p, cap * sizeof(*a));

		if (!a)
			return ERR_NOMEM;
		l->p = a;
		l->cap = cap;
	}
	struct pick *q = &l->p[l->n++];

	q->id = s->id;
	q->acquired_ms = s->acquired_ms;
	snprintf(q->kind, sizeof(q->kind), "%s", s->kind);
	snprintf(q->source, sizeof(q->source), "%s", s->source);
	snprintf(q->preview, sizeof(q->preview), "%s", s->preview);
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->acquired_ms != y->acquired_ms)
		return x->acquired_ms < y->acquired_ms ? 1 : -1;
	return (x->id < y->id) - (x->id > y->id);
}

/* The sources of a build: colour pictures opened from /vsimem/. */
struct sources {
	GDALDatasetH ds[BASEMAP_SCENES];
	char mem[BASEMAP_SCENES][96];
	struct pick pick[BASEMAP_SCENES];
	size_t n;
};

static void sources_free(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->ds[i])
			GDALClose(s->ds[i]);
		VSIUnlink(s->mem[i]);
	}
	s->n = 0;
}

/* Open the colour picture of p as source n; ERR_NOT_FOUND without one. */
static int open_source(struct db *db, const struct pick *p,
		       struct sources *s, struct err *e)
{
	static atomic_uint counter;
	char name[600];
	struct db_file f;
	VSILFILE *fp;
	size_t n = s->n;
	int rc;

	snprintf(name, sizeof(name), "%s/rgb.tif", p->preview);
	if ((rc = db_file_get(db, name, &f, e))) {
		if (rc == ERR_NOT_FOUND)
			err_clear(e);
		return rc;
	}
	snprintf(s->mem[n], sizeof(s->mem[n]), "/vsimem/oasis-basemap-src-%ld-%u.tif",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	if (!(fp = VSIFileFromMemBuffer(s->mem[n], f.data, (vsi_l_offset)f.size,
					TRUE))) {
		db_file_free(&f);
		return err_nomem(e);
	}
	VSIFCloseL(fp);
	s->pick[n] = *p;
	s->n++;
	if (!(s->ds[n] = GDALOpen(s->mem[n], GA_ReadOnly)))
		return err_set(e, ERR_IO, "%s: cannot be read: %s", name,
			       CPLGetLastErrorMsg());
	return ERR_OK;
}

/*
 * The newest colour pictures, newest first: the newest satellite scene's
 * and the newest drone mosaics' after it (BASEMAP_SCENES in all; the
 * recent ones only: IMAGERY_RECENT_DAYS before the newest).
 */
static int choose(struct db *db, int64_t newest, struct sources *s,
		  struct err *e)
{
	struct picks l = { 0 };
	int64_t from = newest - (int64_t)IMAGERY_RECENT_DAYS * MS_PER_DAY;
	int rc = db_scene_list(db, from, INT64_MAX, take_scene, &l, e);

	if (rc == ERR_NOMEM)
		err_nomem(e);
	if (!rc)
		qsort(l.p, l.n, sizeof(*l.p), newest_first);
	for (size_t i = 0; !rc && i < l.n && s->n < BASEMAP_SCENES; i++) {
		bool sat = !strcmp(l.p[i].kind, "satellite");

		/* room is kept for the satellite scene under the drones' */
		if (!sat && s->n >= BASEMAP_SCENES - 1)
			continue;
		rc = open_source(db, &l.p[i], s, e);
		if (rc == ERR_NOT_FOUND) {
			rc = ERR_OK;
			continue;
		}
		if (!rc && sat)
			break;
	}
	free(l.p);
	if (!rc && s->n == 0)
		rc = err_set(e, ERR_NOT_FOUND, "no scene has a colour picture "
			     "(a blue, a green and a red band) for the basemap");
	return rc;
}

/* ---- building: the grid ---- */

struct grid {
	int zmax, tx0, ty0, tx1, ty1;
	double gt[6];
	char *wkt;
};

/* The registry's extent in EPSG:3857 with a margin. */
static int plots_extent(struct db *db, OGRCoordinateTransformationH ct,
			double box[4], struct err *e)
{
	struct imagery__plots plots;
	OGREnvelope u = { INFINITY, -INFINITY, INFINITY, -INFINITY };
	double m;

	if (imagery__plots_load(db, &plots, e))
		return e->code;
	for (size_t i = 0; i < plots.n; i++) {
		OGRGeometryH g = OGR_G_CreateGeometryFromJson(plots.p[i].geometry);
		OGREnvelope env;

		if (!g)
			continue;
		OGR_G_GetEnvelope(g, &env);
		OGR_G_DestroyGeometry(g);
		u.MinX = fmin(u.MinX, env.MinX), u.MaxX = fmax(u.MaxX, env.MaxX);
		u.MinY = fmin(u.MinY, env.MinY), u.MaxY = fmax(u.MaxY, env.MaxY);
	}
	imagery__plots_free(&plots);
	if (!(u.MinX <= u.MaxX) ||
	    !OCTTransformBounds(ct, u.MinX, u.MinY, u.MaxX, u.MaxY, &box[0],
				&box[1], &box[2], &box[3], 21))
		return err_set(e, ERR_INVALID, "the plots' extent cannot be "
			       "placed on the web mercator grid");
	m = fmax(MARGIN_M, 0.1 * fmax(box[2] - box[0], box[3] - box[1]));
	box[0] -= m, box[1] -= m, box[2] += m, box[3] += m;
	return ERR_OK;
}

/* The web mercator size of the finest source's pixels. */
static double finest_pixel(const struct sources *s, const char *wkt)
{
	double best = INFINITY;

	for (size_t i = 0; i < s->n; i++) {
		void *tr = GDALCreateGenImgProjTransformer(s->ds[i], NULL, NULL,
							   wkt, FALSE, 0, 1);
		double gt[6];
		int w, h;

		if (!tr)
			continue;
		if (GDALSuggestedWarpOutput(s->ds[i], GDALGenImgProjTransform, tr,
					    gt, &w, &h) == CE_None)
			best = fmin(best, gt[1]);
		GDALDestroyGenImgProjTransformer(tr);
	}
	return best;
}

static double tile_m(int z)
{
	return 2 * WEB_MERCATOR_HALF / (double)(1 << z);
}

static void snap(struct grid *g, const double box[4])
{
	double t = tile_m(g->zmax);

	g->tx0 = (int)floor((box[0] + WEB_MERCATOR_HALF) / t);
	g->tx1 = (int)ceil((box[2] + WEB_MERCATOR_HALF) / t);
	g->ty0 = (int)floor((WEB_MERCATOR_HALF - box[3]) / t);
	g->ty1 = (int)ceil((WEB_MERCATOR_HALF - box[1]) / t);
}

static int grid_make(struct db *db, const struct sources *s, struct grid *g,
		     struct err *e)
{
	OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
	OGRSpatialReferenceH web = OSRNewSpatialReference(NULL);
	OGRCoordinateTransformationH ct = NULL;
	double box[4], px;
	int rc = ERR_OK;

	OSRImportFromEPSG(wgs, 4326);
	OSRImportFromEPSG(web, 3857);
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(web, OAMS_TRADITIONAL_GIS_ORDER);
	OSRExportToWkt(web, &g->wkt);
	ct = OCTNewCoordinateTransformation(wgs, web);
	if (!ct || !g->wkt) {
		rc = err_set(e, ERR_INTERNAL, "PROJ cannot go to EPSG:3857");
		goto out;
	}
	if ((rc = plots_extent(db, ct, box, e)))
		goto out;
	px = finest_pixel(s, g->wkt);
	g->zmax = isfinite(px) && px > 0
		? (int)ceil(log2(tile_m(0) / BASEMAP_TILE / px) - 0.15) : 16;
	g->zmax = g->zmax < 1 ? 1 : g->zmax > 22 ? 22 : g->zmax;
	for (snap(g, box); g->zmax > 1 &&
	     ((g->tx1 - g->tx0) * BASEMAP_TILE > BASEMAP_MAX_SIDE ||
	      (g->ty1 - g->ty0) * BASEMAP_TILE > BASEMAP_MAX_SIDE ||
	      (double)(g->tx1 - g->tx0) * (g->ty1 - g->ty0) * BASEMAP_TILE *
	      BASEMAP_TILE > BASEMAP_MAX_PIXELS); snap(g, box))
		g->zmax--;
	g->gt[0] = g->tx0 * tile_m(g->zmax) - WEB_MERCATOR_HALF;
	g->gt[1] = tile_m(g->zmax) / BASEMAP_TILE;
	g->gt[2] = 0;
	g->gt[3] = WEB_MERCATOR_HALF - g->ty0 * tile_m(g->zmax);
	g->gt[4] = 0;
	g->gt[5] = -g->gt[1];
out:
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	OSRDestroySpatialReference(wgs);
	OSRDestroySpatialReference(web);
	return rc;
}

/* ---- building: warp, COG, store ---- */

static char *scenes_text(const struct sources *s)
{
	json_t *a = json_array();
	char *text;

	for (size_t i = 0; i < s->n; i++) {
		char at[40];

		time_format_iso(s->pick[i].acquired_ms, at, sizeof(at));
		json_array_append_new(a, json_pack("{sI ss ss ss}", "id",
			(json_int_t)s->pick[i].id, "kind", s->pick[i].kind,
			"source", s->pick[i].source, "acquired", at));
	}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

/* The sources warped, oldest first (newest on top), into a MEM RGBA. */
static int warp(const struct sources *s, const struct grid *g,
		GDALDatasetH *out, struct err *e)
{
	char *argv[] = { "-r", "bilinear", "-dstalpha", "-multi", "-wo",
			 "NUM_THREADS=ALL_CPUS", "-wm", "256", NULL };
	int w = (g->tx1 - g->tx0) * BASEMAP_TILE, h = (g->ty1 - g->ty0) * BASEMAP_TILE;
	GDALDatasetH src[BASEMAP_SCENES], dst;
	GDALWarpAppOptions *opt;
	int usage = 0;

	dst = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 4, GDT_Byte, NULL);
	if (!dst)
		return err_set(e, ERR_NOMEM, "a basemap of %d x %d pixels: %s", w,
			       h, CPLGetLastErrorMsg());
	GDALSetGeoTransform(dst, (double *)g->gt);
	GDALSetProjection(dst, g->wkt);
	for (int k = 0; k < 4; k++)
		GDALSetRasterColorInterpretation(GDALGetRasterBand(dst, k + 1),
						 GCI_RedBand + k);
	for (size_t i = 0; i < s->n; i++)
		src[i] = s->ds[s->n - 1 - i];
	opt = GDALWarpAppOptionsNew(argv, NULL);
	if (!opt || !GDALWarp(NULL, dst, (int)s->n, src, opt, &usage)) {
		GDALWarpAppOptionsFree(opt);
		GDALClose(dst);
		return err_set(e, ERR_INTERNAL, "gdalwarp: %s", CPLGetLastErrorMsg());
	}
	GDALWarpAppOptionsFree(opt);
	*out = dst;
	return ERR_OK;
}

static void set_meta(GDALDatasetH ds, const struct grid *g, const char *gen,
		     const char *scenes)
{
	char v[32];

	GDALSetMetadataItem(ds, "OASIS_GENERATION", gen, NULL);
	snprintf(v, sizeof(v), "%d", g->zmax);
	GDALSetMetadataItem(ds, "OASIS_ZMAX", v, NULL);
	snprintf(v, sizeof(v), "%d", g->tx0);
	GDALSetMetadataItem(ds, "OASIS_TX0", v, NULL);
	snprintf(v, sizeof(v), "%d", g->ty0);
	GDALSetMetadataItem(ds, "OASIS_TY0", v, NULL);
	GDALSetMetadataItem(ds, "OASIS_SCENES", scenes ? scenes : "[]", NULL);
}

/* The mosaic as a COG into the store's files. */
static int store_cog(struct db *db, GDALDatasetH mem, const char *gen,
		     struct err *e)
{
	static atomic_uint counter;
	char *co[] = { "COMPRESS=ZSTD", "LEVEL=1", "PREDICTOR=YES", "BLOCKSIZE=256",
		       "OVERVIEW_RESAMPLING=AVERAGE", "NUM_THREADS=ALL_CPUS",
		       NULL };
	char path[96], name[128];
	vsi_l_offset len = 0;
	GDALDatasetH cog;
	GByte *data;
	int rc;

	snprintf(path, sizeof(path), "/vsimem/oasis-basemap-cog-%ld-%u.tif",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	cog = GDALCreateCopy(GDALGetDriverByName("COG"), path, mem, FALSE, co,
			     NULL, NULL);
	if (!cog) {
		VSIUnlink(path);
		return err_set(e, ERR_INTERNAL, "the basemap cannot be written: "
			       "%s", CPLGetLastErrorMsg());
	}
	GDALClose(cog);
	if (!(data = VSIGetMemFileBuffer(path, &len, TRUE)))
		return err_set(e, ERR_IO, "the basemap is empty");
	file_name(name, sizeof(name), gen);
	rc = db_file_put(db, name, data, (size_t)len, time_now_ms(), e);
	CPLFree(data);
	return rc;
}

struct names {
	char (*v)[DB_FILE_NAME_MAX];
	size_t n, cap;
	const char *keep; /* "basemap/GEN/" */
};

static int take_old(const struct db_file *f, void *ctx)
{
	struct names *l = ctx;

	if (!strncmp(f->name, l->keep, strlen(l->keep)))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		void *a = realloc(l->v, cap * sizeof(*l->v));

		if (!a)
			return ERR_NOMEM;
		l->v = a;
		l->cap = cap;
	}
	snprintf(l->v[l->n++], DB_FILE_NAME_MAX, "%s", f->name);
	return 0;
}

/* Older generations go (listed first: no store call inside the listing). */
static void drop_old(struct db *db, const char *gen)
{
	char keep[GEN_MAX + 16];
	struct names l = { NULL, 0, 0, keep };
	struct err e;

	snprintf(keep, sizeof(keep), "basemap/%s/", gen);
	if (!db_file_list(db, "basemap/", take_old, &l, &e))
		for (size_t i = 0; i < l.n; i++)
			db_file_delete(db, l.v[i], &e);
	free(l.v);
}

int basemap_build(struct db *db, const char *gen, struct err *e)
{
	struct sources s = { 0 };
	struct grid g = { 0 };
	GDALDatasetH mem = NULL;
	char cur[GEN_MAX], *scenes = NULL;
	int64_t newest, t0 = mono_ms(), t1, t2;
	int rc;

	GDALAllRegister();
	if ((rc = current_gen(db, cur, &newest, e)))
		return rc;
	if (!gen)
		gen = cur;
	if (newest == INT64_MIN)
		return err_set(e, ERR_NOT_FOUND, "no scene yet: the basemap has "
			       "no imagery");
	if ((rc = choose(db, newest, &s, e)) || (rc = grid_make(db, &s, &g, e)))
		goto out;
	t1 = mono_ms();
	if ((rc = warp(&s, &g, &mem, e)))
		goto out;
	t2 = mono_ms();
	scenes = scenes_text(&s);
	set_meta(mem, &g, gen, scenes);
	if (!(rc = store_cog(db, mem, gen, e))) {
		drop_old(db, gen);
		log_info("basemap: generation %s built from %zu scenes, zoom "
			 "%d, %d x %d tiles, in %lld ms (sources %lld, warp "
			 "%lld, COG and store %lld)", gen, s.n, g.zmax,
			 g.tx1 - g.tx0, g.ty1 - g.ty0,
			 (long long)(mono_ms() - t0), (long long)(t1 - t0),
			 (long long)(t2 - t1), (long long)(mono_ms() - t2));
	}
out:
	if (mem)
		GDALClose(mem);
	free(scenes);
	CPLFree(g.wkt);
	sources_free(&s);
	return rc;
}

/* ---- loading a generation ---- */

static int meta_int(GDALDatasetH ds, const char *key, int *out)
{
	const char *v = GDALGetMetadataItem(ds, key, NULL);

	if (!v)
		return ERR_INVALID;
	*out = atoi(v);
	return ERR_OK;
}

static int load_file(struct mosaic *m, struct db *db, const char *gen,
		     struct err *e)
{
	static atomic_uint counter;
	char name[128];
	struct db_file f;
	VSILFILE *fp;
	const char *sc;
	int rc;

	file_name(name, sizeof(name), gen);
	if ((rc = db_file_get(db, name, &f, e)))
		return rc;
	snprintf(m->mem, sizeof(m->mem), "/vsimem/oasis-basemap-%ld-%u.tif",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	if (!(fp = VSIFileFromMemBuffer(m->mem, f.data, (vsi_l_offset)f.size,
					TRUE))) {
		db_file_free(&f);
		m->mem[0] = '\0';
		return err_nomem(e);
	}
	VSIFCloseL(fp);
	if (!(m->ds = GDALOpen(m->mem, GA_ReadOnly)) ||
	    meta_int(m->ds, "OASIS_ZMAX", &m->zmax) ||
	    meta_int(m->ds, "OASIS_TX0", &m->tx0) ||
	    meta_int(m->ds, "OASIS_TY0", &m->ty0))
		return err_set(e, ERR_INVALID, "%s is not a basemap of this "
			       "version", name);
	m->zmin = m->zmax - GDALGetOverviewCount(GDALGetRasterBand(m->ds, 1));
	sc = GDALGetMetadataItem(m->ds, "OASIS_SCENES", NULL);
	m->scenes = sc ? json_loads(sc, 0, NULL) : NULL;
	return ERR_OK;
}

/*
 * Generation gen into *m: from the store, else built and stored
 * (invariant 2); ERR_NOT_FOUND (m->ds NULL) when there is no imagery.
 */
static int load(struct mosaic *m, struct db *db, const char *gen,
		struct err *e)
{
	int rc = load_file(m, db, gen, e);

	if (!rc)
		log_info("basemap: generation %s loaded from the store", gen);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e);
		rc = basemap_build(db, gen, e);
		if (!rc)
			rc = load_file(m, db, gen, e);
	}
	if (rc)
		unload(m);
	return rc;
}

/*
 * With b->lock held: look for a new generation (at most every
 * BASEMAP_CHECK_MS) and load it.  The lock is let go while it is built
 * or loaded: meanwhile the other requests serve the generation before.
 */
static int update_locked(struct basemap *b, struct db *db, struct err *e)
{
	char gen[GEN_MAX];
	struct mosaic next = { 0 };
	int64_t now = mono_ms();
	int rc;

	if (!b->dirty && b->gen[0] && now - b->checked_ms < BASEMAP_CHECK_MS)
		return ERR_OK;
	if (b->building)
		return ERR_OK;
	if (current_gen(db, gen, NULL, e))
		return e->code;
	b->checked_ms = now;
	b->dirty = false;
	if (!strcmp(gen, b->gen))
		return ERR_OK;
	b->building = true;
	pthread_mutex_unlock(&b->lock);
	rc = load(&next, db, gen, e);
	pthread_mutex_lock(&b->lock);
	b->building = false;
	if (rc && rc != ERR_NOT_FOUND) {
		b->dirty = true; /* tried again at the next request */
		return rc;
	}
	/* no imagery is a state, not a failure: remembered for the gen */
	unload(&b->m);
	b->m = next;
	snprintf(b->gen, sizeof(b->gen), "%s", gen);
	pthread_mutex_lock(&b->cache.lock);
	cache_clear_locked(&b->cache);
	pthread_mutex_unlock(&b->cache.lock);
	err_clear(e);
	return ERR_OK;
}

int basemap_update(struct basemap *b, struct db *db, struct err *e)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = update_locked(b, db, e);
	if (!rc && !b->m.ds)
		rc = err_set(e, ERR_NOT_FOUND, "the basemap has no imagery yet: "
			     "ingest a scene with a blue, a green and a red band");
	pthread_mutex_unlock(&b->lock);
	return rc;
}

bool basemap_is_current(struct basemap *b, const char *gen)
{
	bool yes;

	pthread_mutex_lock(&b->lock);
	yes = b->m.ds && !strcmp(b->gen, gen);
	pthread_mutex_unlock(&b->lock);
	return yes;
}

/* ---- the metadata ---- */

static double tile_lon(double x, int z)
{
	return x / (double)(1 << z) * 360.0 - 180.0;
}

static double tile_lat(double y, int z)
{
	return atan(sinh(M_PI * (1 - 2 * y / (double)(1 << z)))) * 180.0 / M_PI;
}

int basemap_info_json(struct basemap *b, struct db *db, json_t **out,
		      struct err *e)
{
	char tiles[GEN_MAX + 64];
	json_t *doc;
	int w, h, rc;

	pthread_mutex_lock(&b->lock);
	if ((rc = update_locked(b, db, e)))
		goto out;
	if (!b->m.ds) {
		*out = json_pack("{sn s[]}", "generation", "layers");
		goto out;
	}
	snprintf(tiles, sizeof(tiles), "/api/v1/basemap/" LAYER
		 "/{z}/{x}/{y}.png?g=%s", b->gen);
	w = GDALGetRasterXSize(b->m.ds) / BASEMAP_TILE;
	h = GDALGetRasterYSize(b->m.ds) / BASEMAP_TILE;
	doc = json_pack("{ss s[{ss ss}] s[ffff] si si si so}",
		"generation", b->gen, "layers", "id", LAYER, "tiles",
		tiles, "bounds",
		tile_lon(b->m.tx0, b->m.zmax), tile_lat(b->m.ty0 + h, b->m.zmax),
		tile_lon(b->m.tx0 + w, b->m.zmax), tile_lat(b->m.ty0, b->m.zmax),
		"minzoom", b->m.zmin, "maxzoom", b->m.zmax,
		"overzoom", b->m.zmax + BASEMAP_OVERZOOM,
		"scenes", b->m.scenes ? json_incref(b->m.scenes) : json_array());
	*out = doc;
	if (!doc)
		rc = err_nomem(e);
out:
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* ---- tiles ---- */

static int encode_png(const unsigned char *rgba, struct buf *out,
		      struct err *e)
{
	char *zlevel[] = { "ZLEVEL=3", NULL }; /* a cold tile sooner */

	return imagery__png_rgba(rgba, BASEMAP_TILE, BASEMAP_TILE, zlevel, out,
				 e);
}

/* The part of tile z/x/y the mosaic covers, read by GDAL into rgba. */
static int read_tile(struct basemap *b, int z, int x, int y,
		     unsigned char *rgba, struct err *e)
{
	double s = ldexp(1, b->m.zmax - z), T = BASEMAP_TILE;
	double W = GDALGetRasterXSize(b->m.ds), H = GDALGetRasterYSize(b->m.ds);
	double fx = x * T * s - b->m.tx0 * T, fy = y * T * s - b->m.ty0 * T;
	double ix0 = fmax(fx, 0), iy0 = fmax(fy, 0);
	double ix1 = fmin(fx + T * s, W), iy1 = fmin(fy + T * s, H);
	int bx0 = (int)lround((ix0 - fx) / s), by0 = (int)lround((iy0 - fy) / s);
	int bx1 = (int)lround((ix1 - fx) / s), by1 = (int)lround((iy1 - fy) / s);
	int nx0 = (int)floor(ix0), ny0 = (int)floor(iy0);
	GDALRasterIOExtraArg ex;

	if (ix1 <= ix0 || iy1 <= iy0 || bx1 <= bx0 || by1 <= by0)
		return ERR_OK; /* outside: transparent */
	INIT_RASTERIO_EXTRA_ARG(ex);
	ex.eResampleAlg = s < 1 ? GRIORA_Bilinear : GRIORA_Average;
	ex.bFloatingPointWindowValidity = TRUE;
	ex.dfXOff = ix0, ex.dfYOff = iy0;
	ex.dfXSize = ix1 - ix0, ex.dfYSize = iy1 - iy0;
	if (GDALDatasetRasterIOEx(b->m.ds, GF_Read, nx0, ny0,
				  (int)ceil(ix1) - nx0, (int)ceil(iy1) - ny0,
				  rgba + ((size_t)by0 * BASEMAP_TILE + bx0) * 4,
				  bx1 - bx0, by1 - by0, GDT_Byte, 4, NULL, 4,
				  4 * BASEMAP_TILE, 1, &ex) != CE_None)
		return err_set(e, ERR_IO, "basemap tile %d/%d/%d: %s", z, x, y,
			       CPLGetLastErrorMsg());
	return ERR_OK;
}

static int check_tile(const struct basemap *b, const char *layer, int z,
		      int x, int y, struct err *e)
{
	if (strcmp(layer, LAYER))
		return err_set(e, ERR_NOT_FOUND, "no basemap layer '%s' (there "
			       "is " LAYER ")", layer);
	if (z < b->m.zmin - 2 || z > b->m.zmax + BASEMAP_OVERZOOM || z > 28)
		return err_set(e, ERR_NOT_FOUND, "zoom %d is outside the "
			       "basemap's zooms %d to %d", z, b->m.zmin - 2,
			       b->m.zmax + BASEMAP_OVERZOOM);
	if (x < 0 || y < 0 || (int64_t)x >= (INT64_C(1) << z) ||
	    (int64_t)y >= (INT64_C(1) << z))
		return err_set(e, ERR_NOT_FOUND, "tile %d/%d/%d is outside the "
			       "world", z, x, y);
	return ERR_OK;
}

int basemap_tile(struct basemap *b, struct db *db, const char *layer, int z,
		 int x, int y, struct buf *out, struct err *e)
{
	unsigned char *rgba;
	char key[96];
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = update_locked(b, db, e);
	if (!rc && !b->m.ds)
		rc = err_set(e, ERR_NOT_FOUND, "the basemap has no imagery yet");
	if (!rc)
		rc = check_tile(b, layer, z, x, y, e);
	if (rc) {
		pthread_mutex_unlock(&b->lock);
		return rc;
	}
	snprintf(key, sizeof(key), "%s/%s/%d/%d/%d", b->gen, layer, z, x, y);
	if (cache_get(&b->cache, key, out)) {
		pthread_mutex_unlock(&b->lock);
		return buf_failed(out) ? err_nomem(e) : ERR_OK;
	}
	rgba = calloc(BASEMAP_TILE * BASEMAP_TILE, 4);
	rc = rgba ? read_tile(b, z, x, y, rgba, e) : err_nomem(e);
	pthread_mutex_unlock(&b->lock);
	if (!rc && !(rc = encode_png(rgba, out, e)))
		cache_put(&b->cache, key, out->data, out->len);
	free(rgba);
	return rc;
}
