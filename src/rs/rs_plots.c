/* Plots placed on a raster's grid, and their zonal statistics (rs_plots.h). */
#include "rs/rs_plots.h"

#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

struct rs_placer {
	OGRCoordinateTransformationH ct; /* NULL: already in the CRS */
	double inv[6];			 /* georeferenced -> pixel */
};

static int make_transform(const char *crs, OGRCoordinateTransformationH *ct,
			  struct err *e)
{
	OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
	OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
	int rc = 0;

	*ct = NULL;
	if (!wgs || !dst) {
		rc = err_nomem(e);
		goto out_free_srs;
	}
	if (OSRImportFromEPSG(wgs, 4326) != OGRERR_NONE ||
	    OSRSetFromUserInput(dst, crs) != OGRERR_NONE) {
		rc = err_set(e, ERR_INVALID,
			     "cannot understand the raster's "
			     "CRS");
		goto out_free_srs;
	}
	OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
	if (OSRIsSame(wgs, dst))
		goto out_free_srs;
	CPLErrorReset();
	*ct = OCTNewCoordinateTransformation(wgs, dst);
	if (!*ct)
		rc = err_set(e, ERR_INVALID,
			     "no transformation from EPSG:4326 "
			     "to the raster's CRS: %s",
			     CPLGetLastErrorMsg());
out_free_srs:
	if (wgs)
		OSRDestroySpatialReference(wgs);
	if (dst)
		OSRDestroySpatialReference(dst);
	return rc;
}

int rs_placer_new(const char *crs_wkt, const double gt[6],
		  struct rs_placer **out, struct err *e)
{
	struct rs_placer *p = calloc(1, sizeof(*p));
	double g[6];

	*out = NULL;
	if (!p)
		return err_nomem(e);
	memcpy(g, gt, sizeof(g));
	if (!GDALInvGeoTransform(g, p->inv)) {
		free(p);
		return err_set(e, ERR_INVALID,
			       "the raster's geotransform "
			       "cannot be inverted");
	}
	CPLPushErrorHandler(CPLQuietErrorHandler);
	if (make_transform(crs_wkt, &p->ct, e)) {
		CPLPopErrorHandler();
		free(p);
		return e->code;
	}
	CPLPopErrorHandler();
	*out = p;
	return 0;
}

void rs_placer_free(struct rs_placer *p)
{
	if (!p)
		return;
	if (p->ct)
		OCTDestroyCoordinateTransformation(p->ct);
	free(p);
}

/* Twice the signed area of a ring: negative when it turns clockwise. */
static double signed_area2(const double *x, const double *y, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++) {
		int j = i + 1 == n ? 0 : i + 1;

		sum += (x[i] - x[0]) * (y[j] - y[0]) -
		       (x[j] - x[0]) * (y[i] - y[0]);
	}
	return sum;
}

static void reverse(double *v, int n)
{
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		double t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/*
 * Ring k of polygon poly, transformed, turned clockwise in georeferenced
 * coordinates (as GDAL's rasterizer turns every ring, outer or inner,
 * before its scanline fill: rs_cover.h's horizontal-edge rule depends on
 * it) and in pixels, into s.
 */
static int place_ring(struct rs_placer *p, OGRGeometryH ring, bool hole,
		      struct rs_shape *s, struct err *e)
{
	int n = OGR_G_GetPointCount(ring);
	double *x, *y;
	int rc = 0;

	if (n < 3)
		return err_set(e, ERR_INVALID, "a ring has %d points", n);
	x = malloc((size_t)n * sizeof(*x));
	y = malloc((size_t)n * sizeof(*y));
	if (!x || !y) {
		rc = err_nomem(e);
		goto out_free_xy;
	}
	OGR_G_GetPoints(ring, x, sizeof(*x), y, sizeof(*y), NULL, 0);
	if (p->ct && !OCTTransform(p->ct, n, x, y, NULL)) {
		rc = err_set(e, ERR_INVALID,
			     "a point cannot be transformed "
			     "to the raster's CRS");
		goto out_free_xy;
	}
	if (signed_area2(x, y, n) > 0) {
		reverse(x, n);
		reverse(y, n);
	}
	for (int i = 0; i < n; i++) {
		double gx = x[i], gy = y[i];

		x[i] = p->inv[0] + gx * p->inv[1] + gy * p->inv[2];
		y[i] = p->inv[3] + gx * p->inv[4] + gy * p->inv[5];
	}
	rc = rs_shape_add_ring(s, x, y, (size_t)n, hole, e);
out_free_xy:
	free(x);
	free(y);
	return rc;
}

static int place_polygon(struct rs_placer *p, OGRGeometryH poly,
			 struct rs_shape *s, struct err *e)
{
	int n = OGR_G_GetGeometryCount(poly);

	for (int k = 0; k < n; k++)
		if (place_ring(p, OGR_G_GetGeometryRef(poly, k), k > 0, s, e))
			return e->code;
	return 0;
}

int rs_place_geojson(struct rs_placer *p, const char *geojson,
		     struct rs_shape *out, struct err *e)
{
	OGRGeometryH g;
	OGRwkbGeometryType type;
	int rc = 0;

	rs_shape_init(out);
	CPLPushErrorHandler(CPLQuietErrorHandler);
	g = OGR_G_CreateGeometryFromJson(geojson);
	CPLPopErrorHandler();
	if (!g)
		return err_set(e, ERR_INVALID, "the geometry is not GeoJSON");
	type = wkbFlatten(OGR_G_GetGeometryType(g));
	if (type == wkbPolygon) {
		rc = place_polygon(p, g, out, e);
	} else if (type == wkbMultiPolygon) {
		for (int k = 0; k < OGR_G_GetGeometryCount(g) && !rc; k++)
			rc = place_polygon(p, OGR_G_GetGeometryRef(g, k), out,
					   e);
	} else {
		rc = err_set(e, ERR_INVALID,
			     "a %s, not a Polygon or "
			     "MultiPolygon",
			     OGRGeometryTypeToName(type));
	}
	OGR_G_DestroyGeometry(g);
	return rc;
}

static void free_shapes(struct rs_shape *shapes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rs_shape_free(&shapes[i]);
	free(shapes);
}

int rs_zonal_plots(struct rs_raster *r, const char *const *geojson, size_t n,
		   const struct rs_zonal_opts *o, rs_bad_plot_fn bad,
		   void *bad_ctx, struct rs_zonal_result *out, struct err *e)
{
	struct rs_zonal_source src;
	double gt[6];

	rs_raster_geotransform(r, gt);
	rs_raster_source(r, &src);
	return rs_zonal_plots_source(&src, rs_raster_crs_wkt(r), gt, geojson,
				     n, o, bad, bad_ctx, out, e);
}

int rs_zonal_plots_source(const struct rs_zonal_source *src,
			  const char *crs_wkt, const double gt[6],
			  const char *const *geojson, size_t n,
			  const struct rs_zonal_opts *o, rs_bad_plot_fn bad,
			  void *bad_ctx, struct rs_zonal_result *out,
			  struct err *e)
{
	struct rs_placer *p;
	struct rs_shape *shapes;
	int rc;

	if (rs_placer_new(crs_wkt, gt, &p, e))
		return e->code;
	shapes = calloc(n ? n : 1, sizeof(*shapes));
	if (!shapes) {
		rs_placer_free(p);
		return err_nomem(e);
	}
	for (size_t i = 0; i < n; i++) {
		struct err pe;

		if (!rs_place_geojson(p, geojson[i], &shapes[i], &pe))
			continue;
		if (pe.code == ERR_NOMEM) {
			*e = pe;
			rc = pe.code;
			goto out_free_shapes;
		}
		rs_shape_free(&shapes[i]);
		if (bad)
			bad(i, pe.msg, bad_ctx);
	}
	rc = rs_zonal_scan(src, shapes, n, o, out, e);
out_free_shapes:
	free_shapes(shapes, n);
	rs_placer_free(p);
	return rc;
}
