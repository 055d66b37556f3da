/* The demo base's satellite scenes and drone mosaics (demo_imagery.h). */
#include "sim/demo_imagery.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "rs/imagery.h"
#include "sim/sun.h"
#include "sim/weather.h"
#include "util/timeutil.h"
#include "util/tz.h"

#define SAT_PIXEL_M 10.0
#define DRONE_PIXEL_M 4.0
#define MARGIN_M 150.0
#define SAT_EVERY_DAYS 3
#define SAT_TIME_MS (5 * MS_PER_HOUR + 10 * MS_PER_MINUTE) /* 05:10 UTC */
/* The drone's patrol (demo_imagery.h) on the base's clock: Asia/Shanghai,
 * the demo site's zone; Manas's solar noon is about 14:15 there. */
#define DEMO_TZ "Asia/Shanghai"
#define PATROL_MARGIN_MS (15 * MS_PER_MINUTE)
#define WEEKLY_FLIGHT 2    /* the 14:00 flight, one day in seven */
/* Before the full patrol: weekly flights for WEEKLY_DAYS, and before them
 * no drone and a satellite pass every 2 * SAT_EVERY_DAYS days. */
#define WEEKLY_DAYS 23
#define DRONE_PLOTS 10     /* the first row of fields */
#define MAX_DEMO_PLOTS 512
#define UTM_45N 32645

struct dplot {
	int sowing_day;
	double vigour;
	char *geometry;
	double bbox[4];
};

struct dbase {
	struct dplot p[MAX_DEMO_PLOTS];
	size_t n;
	uint64_t seed;
};

bool demo_patrol_by_day(int64_t end, int64_t rise, int64_t set)
{
	return end - DEMO_PATROL_FLIGHT_MS >= rise + PATROL_MARGIN_MS &&
	       end <= set - PATROL_MARGIN_MS;
}

double demo_ndvi(int das, double vigour)
{
	double soil = 0.13, green;

	if (das < 0 || das > 190)
		return soil;  /* before sowing; after harvest and tillage */
	green = 0.7 * vigour / (1 + exp(-(das - 55) / 9.0));
	if (das > 135)  /* defoliation, then the open bolls dry */
		green *= exp(-(das - 135) / 12.0);
	return soil + green;
}

/* A repeatable number in [0, 1) from a few integers. */
static double hash01(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) *
		     0xBF58476D1CE4E5B9ull ^ c * 0x94D049BB133111EBull;

	x ^= x >> 31;
	x *= 0xD6E8FEB86659FD93ull;
	x ^= x >> 32;
	return (double)(x >> 11) / 9007199254740992.0;
}

static int take(const struct db_plot *p, void *ctx)
{
	struct dbase *b = ctx;
	struct dplot *q;
	int y, m, d;

	if (b->n == MAX_DEMO_PLOTS)
		return 0;
	q = &b->p[b->n];
	q->sowing_day = time_parse_date(p->sowing_date, &y, &m, &d) == 0
		? (int)time_days_from_civil(y, m, d) : 0;
	/* two weak plots (numbers 7 and 23), the others within +-4 % */
	q->vigour = b->n == 6 || b->n == 22 ? 0.72
		: 0.96 + 0.08 * hash01(b->seed, b->n, 1);
	q->geometry = strdup(p->geometry);
	memcpy(q->bbox, p->bbox, sizeof(q->bbox));
	if (!q->geometry)
		return ERR_NOMEM;
	b->n++;
	return 0;
}

static void base_free(struct dbase *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->p[i].geometry);
}

/* ---- the grids ---- */

struct grid {
	double gt[6];
	int w, h;
	char *wkt;
	int *plot;             /* w * h: plot index + 1, 0 between fields */
};

/* The UTM extent of plots [first, last) with a margin, on a pixel grid. */
static int grid_make(const struct dbase *b, size_t first, size_t last,
		     double pixel, struct grid *g, struct err *e)
{
	OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
	OGRSpatialReferenceH utm = OSRNewSpatialReference(NULL);
	OGRCoordinateTransformationH ct;
	double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;

	OSRImportFromEPSG(wgs, 4326);
	OSRImportFromEPSG(utm, UTM_45N);
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
	ct = OCTNewCoordinateTransformation(wgs, utm);
	for (size_t i = first; ct && i < last; i++)
		for (int k = 0; k < 4; k++) {
			double x = b->p[i].bbox[k % 2 ? 2 : 0];
			double y = b->p[i].bbox[k < 2 ? 1 : 3];

			OCTTransform(ct, 1, &x, &y, NULL);
			x0 = fmin(x0, x), x1 = fmax(x1, x);
			y0 = fmin(y0, y), y1 = fmax(y1, y);
		}
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	OSRExportToWkt(utm, &g->wkt);
	OSRDestroySpatialReference(wgs);
	OSRDestroySpatialReference(utm);
	if (!isfinite(x0))
		return err_set(e, ERR_INTERNAL, "the demo plots cannot be "
			       "placed in UTM 45N");
	x0 = floor((x0 - MARGIN_M) / pixel) * pixel;
	y1 = ceil((y1 + MARGIN_M) / pixel) * pixel;
	g->w = (int)ceil((x1 + MARGIN_M - x0) / pixel);
	g->h = (int)ceil((y1 - (y0 - MARGIN_M)) / pixel);
	g->gt[0] = x0, g->gt[1] = pixel, g->gt[2] = 0;
	g->gt[3] = y1, g->gt[4] = 0, g->gt[5] = -pixel;
	return ERR_OK;
}

/* Burn each plot's number into g->plot with GDAL's rasterizer. */
static int grid_burn(const struct dbase *b, size_t first, size_t last,
		     struct grid *g, struct err *e)
{
	GDALDatasetH m = GDALCreate(GDALGetDriverByName("MEM"), "", g->w, g->h,
				    1, GDT_Int32, NULL);
	OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
	OGRSpatialReferenceH utm = OSRNewSpatialReference(g->wkt);
	size_t n = last - first;
	OGRGeometryH *geoms = calloc(n, sizeof(*geoms));
	double *burn = calloc(n, sizeof(*burn));
	int band = 1, rc = ERR_OK;

	g->plot = calloc((size_t)g->w * g->h, sizeof(*g->plot));
	if (!m || !geoms || !burn || !g->plot) {
		rc = err_nomem(e);
		goto out;
	}
	OSRImportFromEPSG(wgs, 4326);
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
	GDALSetGeoTransform(m, g->gt);
	GDALSetProjection(m, g->wkt);
	for (size_t i = 0; i < n; i++) {
		geoms[i] = OGR_G_CreateGeometryFromJson(b->p[first + i].geometry);
		if (geoms[i]) {
			OGR_G_AssignSpatialReference(geoms[i], wgs);
			OGR_G_TransformTo(geoms[i], utm);
		}
		burn[i] = (double)(first + i + 1);
	}
	if (GDALRasterizeGeometries(m, 1, &band, (int)n, geoms, NULL, NULL, burn,
				    NULL, NULL, NULL) != CE_None ||
	    GDALRasterIO(GDALGetRasterBand(m, 1), GF_Read, 0, 0, g->w, g->h,
			 g->plot, g->w, g->h, GDT_Int32, 0, 0) != CE_None)
		rc = err_set(e, ERR_INTERNAL, "the demo plots cannot be drawn: %s",
			     CPLGetLastErrorMsg());
out:
	for (size_t i = 0; geoms && i < n; i++)
		if (geoms[i])
			OGR_G_DestroyGeometry(geoms[i]);
	free(geoms);
	free(burn);
	OSRDestroySpatialReference(wgs);
	OSRDestroySpatialReference(utm);
	if (m)
		GDALClose(m);
	return rc;
}

static void grid_free(struct grid *g)
{
	CPLFree(g->wkt);
	free(g->plot);
}

/* NDVI at pixel k on day, with a little texture. */
static double pixel_ndvi(const struct dbase *b, const struct grid *g,
			 size_t k, int64_t day)
{
	int i = g->plot[k] - 1;
	double noise = 0.03 * (hash01(b->seed, k, (uint64_t)day) - 0.5);

	if (i < 0)
		return 0.1 + noise; /* roads and shelter-belt edges */
	return demo_ndvi((int)(day - b->p[i].sowing_day), b->p[i].vigour) +
	       noise;
}

/* ---- writing and ingesting one scene ---- */

static int write_bands(const char *path, const struct grid *g, int n,
		       GDALDataType type, const void *data, const char *const *desc,
		       struct err *e)
{
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, g->w,
				     g->h, n, type, NULL);
	int size = GDALGetDataTypeSizeBytes(type);
	CPLErr err = CE_None;

	if (!ds)
		return err_set(e, ERR_INTERNAL, "%s: %s", path, CPLGetLastErrorMsg());
	GDALSetGeoTransform(ds, (double *)g->gt);
	GDALSetProjection(ds, g->wkt);
	for (int i = 0; i < n && err == CE_None; i++) {
		GDALRasterBandH band = GDALGetRasterBand(ds, i + 1);

		if (desc)
			GDALSetDescription(band, desc[i]);
		else
			GDALSetRasterColorInterpretation(band, GCI_RedBand + i);
		err = GDALRasterIO(band, GF_Write, 0, 0, g->w, g->h,
				   (char *)data + (size_t)i * g->w * g->h * size,
				   g->w, g->h, type, 0, 0);
	}
	GDALClose(ds);
	return err == CE_None ? ERR_OK
		: err_set(e, ERR_INTERNAL, "%s cannot be written", path);
}

/* A cloud (and its shadow) over some scenes: SCL 9 and 3. */
static int scl_class(const struct grid *g, size_t k, int64_t day, double ndvi)
{
	double cx = g->w * (0.2 + 0.6 * hash01(day, 7, 7));
	double cy = g->h * hash01(day, 8, 8), r = g->h * 0.3;
	double x = (double)(k % g->w), y = (double)(k / g->w);

	if (day % 4 == 1 && hypot(x - cx, y - cy) < r)
		return 9;
	if (day % 4 == 1 && hypot(x - cx - r * 0.6, y - cy - r * 0.8) < r * 0.8)
		return 3;
	return ndvi > 0.25 ? 4 : 5; /* vegetation, bare soil */
}

static int satellite_scene(struct db *db, const char *dir,
			   const struct dbase *b, const struct grid *g,
			   int64_t day, struct err *e)
{
	/* blue, green and red make the map's true-colour basemap */
	static const char *const desc[] = { "B02", "B03", "B04", "B08", "SCL" };
	size_t np = (size_t)g->w * g->h;
	uint16_t *v = malloc(5 * np * sizeof(*v));
	struct imagery_opts o;
	struct imagery_result r;
	char path[96], scl[128];
	int rc;

	if (!v)
		return err_nomem(e);
	for (size_t k = 0; k < np; k++) {
		double ndvi = pixel_ndvi(b, g, k, day);
		double nir = 0.22 + 0.3 * ndvi, red = nir * (1 - ndvi) / (1 + ndvi);
		/* beige soil to a green canopy (blue, green, red, NIR) */
		const double refl[4] = { 0.10 - 0.07 * ndvi, 0.16 - 0.06 * ndvi,
					 red, nir };

		for (int i = 0; i < 4; i++)  /* baseline 04.00: DN = 10000 R + 1000 */
			v[i * np + k] = (uint16_t)lround(refl[i] * 10000 + 1000);
		v[4 * np + k] = (uint16_t)scl_class(g, k, day, ndvi);
	}
	snprintf(path, sizeof(path), "/vsimem/oasis-demo-%ld/S2_%lld.tif",
		 (long)getpid(), (long long)day);
	rc = write_bands(path, g, 5, GDT_UInt16, v, desc, e);
	free(v);
	if (rc)
		return rc;
	snprintf(scl, sizeof(scl), "vrt://%s?bands=5", path);
	imagery_opts_defaults(&o);
	o.raster = path;
	o.source = "sentinel-2b";
	o.acquired_ms = day * MS_PER_DAY + SAT_TIME_MS;
	o.ro.has_scale = o.ro.has_offset = true;
	o.ro.scale = 0.0001;
	o.ro.offset = -0.1;
	o.ro.class_path = scl;
	o.ro.drop_class[3] = o.ro.drop_class[8] = o.ro.drop_class[9] =
		o.ro.drop_class[10] = true;
	o.data_dir = dir;
	rc = imagery_ingest(db, &o, &r, e);
	VSIUnlink(path);
	return rc;
}

static int drone_mosaic(struct db *db, const char *dir, const struct dbase *b,
			const struct grid *g, int64_t acquired_ms, struct err *e)
{
	int64_t day = acquired_ms / MS_PER_DAY;
	size_t np = (size_t)g->w * g->h;
	unsigned char *v = malloc(3 * np);
	struct imagery_opts o;
	struct imagery_result r;
	char path[96];
	int rc;

	if (!v)
		return err_nomem(e);
	for (size_t k = 0; k < np; k++) {
		double f = (pixel_ndvi(b, g, k, day) - 0.13) / 0.7; /* cover */

		f = f < 0 ? 0 : f > 1 ? 1 : f;
		v[k] = (unsigned char)lround(150 - 95 * f);          /* red */
		v[np + k] = (unsigned char)lround(135 + 10 * f);     /* green */
		v[2 * np + k] = (unsigned char)lround(115 - 75 * f); /* blue */
	}
	snprintf(path, sizeof(path), "/vsimem/oasis-demo-%ld/UAV_%lld.tif",
		 (long)getpid(), (long long)acquired_ms);
	rc = write_bands(path, g, 3, GDT_Byte, v, NULL, e);
	free(v);
	if (rc)
		return rc;
	imagery_opts_defaults(&o);
	o.raster = path;
	o.source = "drone-1";
	o.acquired_ms = acquired_ms;
	o.data_dir = dir;
	rc = imagery_ingest(db, &o, &r, e);
	VSIUnlink(path);
	return rc;
}

/* Whether flight f of day (UTC day number) flies, ending at `at`. */
static bool flies(int64_t day, int f, int64_t at, int64_t patrol_from)
{
	int64_t rise, set;

	if (at < patrol_from && (day % 7 || f != WEEKLY_FLIGHT ||
				 at < patrol_from - WEEKLY_DAYS * MS_PER_DAY))
		return false;
	return sim_sun_rise_set(SIM_LAT, SIM_LON, at, &rise, &set) &&
	       demo_patrol_by_day(at, rise, set);
}

static int make_scenes(struct db *db, const char *dir, const struct dbase *b,
		       const struct grid *sat, const struct grid *uav,
		       int64_t from_ms, int64_t to_ms, int64_t patrol_from,
		       int *n, struct err *e)
{
	int64_t d0 = (from_ms + MS_PER_DAY - 1) / MS_PER_DAY - 1;
	struct tz *z = malloc(sizeof(*z));
	struct err ignored = { 0 };
	int rc = ERR_OK;

	if (!z)
		return err_nomem(e);
	if (tz_load(DEMO_TZ, NULL, z, &ignored))
		tz_fixed(z, 8 * 3600, "+08:00");
	for (int64_t day = d0; day * MS_PER_DAY < to_ms && !rc; day++) {
		int64_t t = day * MS_PER_DAY;
		int64_t local0 = tz_day_number_start_ms(z, day);

		bool old = t < patrol_from - WEEKLY_DAYS * MS_PER_DAY;

		if (day % (old ? 2 * SAT_EVERY_DAYS : SAT_EVERY_DAYS) == 0 &&
		    t + SAT_TIME_MS >= from_ms &&
		    t + SAT_TIME_MS < to_ms && !(rc = satellite_scene(db, dir, b,
		    sat, day, e)))
			(*n)++;
		for (int f = 0; f < DEMO_PATROL_FLIGHTS && !rc; f++) {
			int64_t at = local0 + DEMO_PATROL_FIRST_MS +
				     f * DEMO_PATROL_EVERY_MS;

			if (at >= from_ms && at < to_ms &&
			    flies(day, f, at, patrol_from) &&
			    !(rc = drone_mosaic(db, dir, b, uav, at, e)))
				(*n)++;
		}
	}
	free(z);
	return rc;
}

int demo_imagery(struct db *db, const char *data_dir, uint64_t seed,
		 int64_t from_ms, int64_t to_ms, int *n, struct err *e)
{
	return demo_imagery_season(db, data_dir, seed, from_ms, to_ms, from_ms,
				   n, e);
}

int demo_imagery_season(struct db *db, const char *data_dir, uint64_t seed,
			int64_t from_ms, int64_t to_ms, int64_t patrol_from,
			int *n, struct err *e)
{
	struct dbase *b = calloc(1, sizeof(*b));
	struct grid sat = { 0 }, uav = { 0 };
	int count = 0, rc;

	if (!b)
		return err_nomem(e);
	b->seed = seed;
	GDALAllRegister();
	if ((rc = db_plot_list(db, NULL, take, b, e)) == ERR_NOMEM)
		err_nomem(e);
	if (!rc && b->n == 0)
		rc = err_set(e, ERR_INVALID, "the demo base has no plots");
	if (!rc && !(rc = grid_make(b, 0, b->n, SAT_PIXEL_M, &sat, e)) &&
	    !(rc = grid_burn(b, 0, b->n, &sat, e)) &&
	    !(rc = grid_make(b, 0, b->n < DRONE_PLOTS ? b->n : DRONE_PLOTS,
			     DRONE_PIXEL_M, &uav, e)) &&
	    !(rc = grid_burn(b, 0, b->n < DRONE_PLOTS ? b->n : DRONE_PLOTS,
			     &uav, e)))
		rc = make_scenes(db, data_dir, b, &sat, &uav, from_ms, to_ms,
				 patrol_from, &count, e);
	if (n)
		*n = count;
	grid_free(&sat);
	grid_free(&uav);
	base_free(b);
	free(b);
	return rc;
}
