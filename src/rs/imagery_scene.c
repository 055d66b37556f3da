/*
 * GDAL and OGR around a scene: its grid, the name of its CRS, its
 * footprint in lon/lat, its cloud share, and the previews (reduced index
 * rasters kept in the store's files for the pictures: db_file_put, so
 * that every node of a store sees them; built in memory, /vsimem/).
 */
#include "rs/imagery_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sodium.h>

/* Points per side of the footprint: edges bend in another CRS. */
#define FOOTPRINT_STEPS 8

/* "EPSG:32645" when the CRS has that code, else its WKT (heap). */
static char *crs_label(OGRSpatialReferenceH srs, const char *wkt)
{
	const char *auth, *code;
	char label[64];

	OSRAutoIdentifyEPSG(srs);
	auth = OSRGetAuthorityName(srs, NULL);
	code = OSRGetAuthorityCode(srs, NULL);
	if (auth && code && !strcmp(auth, "EPSG")) {
		snprintf(label, sizeof(label), "EPSG:%s", code);
		return strdup(label);
	}
	return strdup(wkt);
}

static void pixel_to_geo(const double gt[6], double px, double py, double *x,
			 double *y)
{
	*x = gt[0] + px * gt[1] + py * gt[2];
	*y = gt[3] + px * gt[4] + py * gt[5];
}

/* The image's outline, densified, in its CRS. */
static OGRGeometryH outline(const double gt[6], int w, int h)
{
	const double cx[] = { 0, w, w, 0 }, cy[] = { 0, 0, h, h };
	OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
	OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);

	for (int c = 0; c < 4; c++) {
		for (int s = 0; s < FOOTPRINT_STEPS; s++) {
			double t = (double)s / FOOTPRINT_STEPS, x, y;
			double px = cx[c] + t * (cx[(c + 1) % 4] - cx[c]);
			double py = cy[c] + t * (cy[(c + 1) % 4] - cy[c]);

			pixel_to_geo(gt, px, py, &x, &y);
			OGR_G_AddPoint_2D(ring, x, y);
		}
	}
	OGR_G_CloseRings(ring);
	OGR_G_AddGeometryDirectly(poly, ring);
	return poly;
}

static char *footprint_geojson(OGRSpatialReferenceH srs, const double gt[6],
			       int w, int h, struct err *e)
{
	OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
	OGRCoordinateTransformationH ct = NULL;
	OGRGeometryH g = outline(gt, w, h);
	char *opts[] = { "COORDINATE_PRECISION=7", NULL };
	char *json = NULL, *out = NULL;

	OSRImportFromEPSG(wgs, 4326);
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	ct = OCTNewCoordinateTransformation(srs, wgs);
	if (!ct || OGR_G_Transform(g, ct) != OGRERR_NONE) {
		err_set(e, ERR_INVALID, "the image's corners cannot be "
			"transformed to longitude/latitude");
		goto out;
	}
	json = OGR_G_ExportToJsonEx(g, opts);
	out = json ? strdup(json) : NULL;
	if (!out)
		err_nomem(e);
out:
	CPLFree(json);
	OGR_G_DestroyGeometry(g);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	OSRDestroySpatialReference(wgs);
	return out;
}

int imagery__scene_grid(struct imagery__scene *sc, struct rs_raster *r,
			struct err *e)
{
	const char *wkt = rs_raster_crs_wkt(r);
	OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
	int rc = ERR_OK;

	sc->scene.width = rs_raster_width(r);
	sc->scene.height = rs_raster_height(r);
	rs_raster_geotransform(r, sc->gt);
	sc->crs_wkt = strdup(wkt);
	if (!sc->crs_wkt) {
		rc = err_nomem(e);
		goto out;
	}
	if (OSRSetFromUserInput(srs, wkt) != OGRERR_NONE) {
		rc = err_set(e, ERR_INVALID, "the raster's CRS is not understood");
		goto out;
	}
	OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
	sc->scene.crs = crs_label(srs, wkt);
	sc->scene.footprint = footprint_geojson(srs, sc->gt, sc->scene.width,
						sc->scene.height, e);
	if (!sc->scene.footprint)
		rc = e->code != ERR_OK ? (int)e->code : err_nomem(e);
	else if (!sc->scene.crs)
		rc = err_nomem(e);
out:
	OSRDestroySpatialReference(srs);
	return rc;
}

/* ---- previews ---- */

struct wrap {
	struct rs_zonal_source inner;
	struct imagery__preview *pv;
};

struct wrap_reader {
	struct wrap *w;
	void *inner;
};

static int wrap_open(void *ctx, void **reader, struct err *e)
{
	struct wrap *w = ctx;
	struct wrap_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return err_nomem(e);
	r->w = w;
	if (w->inner.open(w->inner.ctx, &r->inner, e)) {
		free(r);
		return e->code;
	}
	*reader = r;
	return ERR_OK;
}

/* The source row or column sampled for preview cell i. */
static int sample_at(int i, int step, int size)
{
	int s = i * step + (step - 1) / 2;

	return s < size ? s : size - 1;
}

static int wrap_read(void *reader, int row0, int rows, double *vals,
		     struct err *e)
{
	struct wrap_reader *r = reader;
	const struct imagery__preview *pv = r->w->pv;
	int width = r->w->inner.width, height = r->w->inner.height;

	if (r->w->inner.read(r->inner, row0, rows, vals, e))
		return e->code;
	for (int i = 0; i < pv->height; i++) {
		int sr = sample_at(i, pv->step, height);
		const double *row;

		if (sr < row0 || sr >= row0 + rows)
			continue;
		row = vals + (size_t)(sr - row0) * (size_t)width;
		for (int j = 0; j < pv->width; j++)
			pv->pix[(size_t)i * pv->width + j] =
				(float)row[sample_at(j, pv->step, width)];
	}
	return ERR_OK;
}

static void wrap_release(void *reader)
{
	struct wrap_reader *r = reader;

	if (r->w->inner.release)
		r->w->inner.release(r->inner);
}

static void wrap_close(void *reader)
{
	struct wrap_reader *r = reader;

	r->w->inner.close(r->inner);
	free(r);
}

int imagery__preview_begin(struct imagery__scene *sc, size_t k,
			   struct rs_zonal_source *src, struct err *e)
{
	struct imagery__preview *pv = &sc->previews[k];
	struct wrap *w = calloc(1, sizeof(*w));
	int big = src->width > src->height ? src->width : src->height;

	if (!w)
		return err_nomem(e);
	sc->wraps[k] = w;
	pv->step = (big + IMAGERY_PREVIEW_MAX - 1) / IMAGERY_PREVIEW_MAX;
	if (pv->step < 1)
		pv->step = 1;
	pv->width = (src->width + pv->step - 1) / pv->step;
	pv->height = (src->height + pv->step - 1) / pv->step;
	pv->pix = malloc((size_t)pv->width * pv->height * sizeof(*pv->pix));
	if (!pv->pix)
		return err_nomem(e);
	for (size_t i = 0; i < (size_t)pv->width * pv->height; i++)
		pv->pix[i] = NAN;
	w->inner = *src;
	w->pv = pv;
	src->ctx = w;
	src->open = wrap_open;
	src->read = wrap_read;
	src->release = wrap_release;
	src->close = wrap_close;
	return ERR_OK;
}

void imagery__preview_free(struct imagery__scene *sc)
{
	for (size_t k = 0; k < RS_INDEX_COUNT; k++) {
		free(sc->previews[k].pix);
		free(sc->wraps[k]);
		sc->previews[k].pix = NULL;
		sc->wraps[k] = NULL;
	}
}

/* Preview k as a deflated GeoTIFF at path (a /vsimem/ file). */
static int write_one(const struct imagery__scene *sc, size_t k,
		     const char *path, struct err *e)
{
	const struct imagery__preview *pv = &sc->previews[k];
	GDALDriverH drv = GDALGetDriverByName("GTiff");
	char *co[] = { "COMPRESS=DEFLATE", "ZLEVEL=1", NULL };
	double gt[6];
	GDALDatasetH ds;
	CPLErr err;

	if (!drv)
		return err_set(e, ERR_UNSUPPORTED, "GDAL lacks its GTiff driver");
	ds = GDALCreate(drv, path, pv->width, pv->height, 1, GDT_Float32, co);
	if (!ds)
		return err_set(e, ERR_IO, "%s: cannot be created: %s", path,
			       CPLGetLastErrorMsg());
	for (int i = 0; i < 6; i++)
		gt[i] = sc->gt[i] * (i == 0 || i == 3 ? 1 : pv->step);
	GDALSetGeoTransform(ds, gt);
	GDALSetProjection(ds, sc->crs_wkt);
	GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), NAN);
	err = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0,
			   pv->width, pv->height, pv->pix, pv->width,
			   pv->height, GDT_Float32, 0, 0);
	GDALClose(ds);
	if (err != CE_None)
		return err_set(e, ERR_IO, "%s: cannot be written", path);
	return ERR_OK;
}

/* Preview k into the store's files as NAME (built in memory, /vsimem/). */
static int store_one(struct db *db, const struct imagery__scene *sc,
		     size_t k, const char *name, struct err *e)
{
	static atomic_uint counter;
	char path[96];
	vsi_l_offset len = 0;
	GByte *data;
	int rc;

	snprintf(path, sizeof(path), "/vsimem/oasis-preview-w%ld-%u.tif",
		 (long)getpid(), atomic_fetch_add(&counter, 1));
	if ((rc = write_one(sc, k, path, e))) {
		VSIUnlink(path);
		return rc;
	}
	if (!(data = VSIGetMemFileBuffer(path, &len, TRUE)))
		return err_set(e, ERR_IO, "%s: the preview is empty", name);
	rc = db_file_put(db, name, data, (size_t)len, sc->scene.created_ms, e);
	CPLFree(data);
	return rc;
}

int imagery__preview_write(struct db *db, struct imagery__scene *sc,
			   const char *data_dir, struct err *e)
{
	char name[sizeof(sc->preview_dir) + 32];
	unsigned char rnd[4];

	if (!data_dir)
		return ERR_OK;
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(sc->preview_dir, sizeof(sc->preview_dir),
		 "imagery/scene-%lld-%02x%02x%02x%02x",
		 (long long)sc->scene.acquired_ms, rnd[0], rnd[1], rnd[2],
		 rnd[3]);
	for (size_t k = 0; k < sc->n_indices; k++) {
		snprintf(name, sizeof(name), "%s/%s.tif", sc->preview_dir,
			 rs_index_name(sc->indices[k]));
		if (store_one(db, sc, k, name, e)) {
			imagery__preview_remove(db, sc);
			return e->code;
		}
	}
	snprintf(sc->scene.preview, sizeof(sc->scene.preview), "%s",
		 sc->preview_dir);
	return ERR_OK;
}

void imagery__preview_remove(struct db *db, struct imagery__scene *sc)
{
	char name[sizeof(sc->preview_dir) + 32];
	struct err e;

	if (!sc->preview_dir[0])
		return;
	for (size_t k = 0; k < sc->n_indices; k++) {
		snprintf(name, sizeof(name), "%s/%s.tif", sc->preview_dir,
			 rs_index_name(sc->indices[k]));
		db_file_delete(db, name, &e); /* gone already: fine */
	}
	snprintf(name, sizeof(name), "%s/rgb.tif", sc->preview_dir);
	db_file_delete(db, name, &e);
}

/* ---- cloud share ---- */

static int histogram(const char *path, double lo, double hi, int buckets,
		     GUIntBig *counts, struct err *e)
{
	GDALDatasetH ds;
	CPLErr err;

	CPLPushErrorHandler(CPLQuietErrorHandler);
	ds = GDALOpen(path, GA_ReadOnly);
	CPLPopErrorHandler();
	if (!ds)
		return err_set(e, ERR_INVALID, "%s: cannot open as a raster",
			       path);
	err = GDALGetRasterHistogramEx(GDALGetRasterBand(ds, 1), lo, hi,
				       buckets, counts, TRUE, FALSE, NULL,
				       NULL);
	GDALClose(ds);
	if (err != CE_None)
		return err_set(e, ERR_IO, "%s: cannot be read", path);
	return ERR_OK;
}

int imagery__cloud_share(const struct rs_raster_opts *ro, double *out,
			 struct err *e)
{
	GUIntBig counts[256];
	double cloud = 0, total = 0;

	*out = NAN;
	if (ro->mask_path) {
		/* buckets: below 0, 0, above 0 (out of range counted) */
		if (histogram(ro->mask_path, -1.5, 1.5, 3, counts, e))
			return e->code;
		cloud = (double)(counts[0] + counts[2]);
		total = cloud + (double)counts[1];
	} else if (ro->class_path) {
		if (histogram(ro->class_path, -0.5, 255.5, 256, counts, e))
			return e->code;
		for (int c = 1; c < 256; c++) {
			total += (double)counts[c];
			if (ro->drop_class[c])
				cloud += (double)counts[c];
		}
	} else {
		return ERR_OK;
	}
	*out = total > 0 ? cloud / total : NAN;
	return ERR_OK;
}
