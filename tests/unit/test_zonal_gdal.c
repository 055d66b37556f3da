/*
 * Unit tests of rs/ with GDAL: rasters and plots written by the tests into
 * a fresh temporary folder, read back through rs_raster, plots_read and
 * rs_zonal_plots, and checked against numbers worked out from how the
 * files were made.  Also: the pixel-centre rule against GDAL's own
 * rasterizer (GDALRasterizeGeometries) on the same polygons, boundary
 * cases included; nodata, a cloud mask and a Sentinel-2 SCL band at 20 m
 * resampled onto 10 m bands; one file per band; scale and offset;
 * the errors a user meets (unreadable file, missing band, no CRS).
 *
 * Grids: the UTM tests use WGS 84 / UTM 45N (EPSG:32645) with 10 m pixels
 * from (400000, 4950000), as gen_scene.py does near Manas.  Plot corners
 * there are put at a quarter of a pixel from the pixel edges, so that the
 * millimetre rounding of the plot registry's lon/lat (1e-8 degree) cannot
 * move a pixel centre across a boundary: the pixel sets are exact.  The
 * geographic tests use EPSG:4326 with 1/8 degree pixels from (80E, 48N),
 * where every coordinate used is a binary fraction and so exact.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "plots/plots_read.h"
#include "rs/rs_cover.h"
#include "rs/rs_plots.h"
#include "rs/rs_raster.h"
#include "util/buf.h"

#define assert_near(actual, expected, tol)                                     \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.17g, expected %.17g within %g", file,
			 line, what, actual, expected, tol);
}

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char paths[64][256];
	static int next;
	char *p = paths[next++ % 64];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/* ---- making rasters ---- */

#define UTM_X0 400000.0
#define UTM_Y0 4950000.0
#define UTM_PIX 10.0
#define GEO_X0 80.0
#define GEO_Y0 48.0
#define GEO_PIX 0.125

typedef double (*pixel_fn)(int band, int row, int col);

/*
 * A GeoTIFF of nb bands of type t, w x h pixels of size pix from (x0, y0),
 * CRS epsg (0: none), every band's nodata nd (NAN: none), band
 * descriptions desc[] (NULL: none), values f.
 */
static void make_raster(const char *path, int w, int h, int nb, GDALDataType t,
			double x0, double y0, double pix, int epsg, double nd,
			const char *const *desc, pixel_fn f)
{
	GDALDriverH drv = GDALGetDriverByName("GTiff");
	GDALDatasetH ds = GDALCreate(drv, path, w, h, nb, t, NULL);
	double gt[6] = {x0, pix, 0, y0, 0, -pix};
	double *row = malloc((size_t)w * sizeof(*row));

	assert_non_null(ds);
	GDALSetGeoTransform(ds, gt);
	if (epsg) {
		OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
		char *wkt = NULL;

		OSRImportFromEPSG(srs, epsg);
		OSRExportToWkt(srs, &wkt);
		GDALSetProjection(ds, wkt);
		CPLFree(wkt);
		OSRDestroySpatialReference(srs);
	}
	for (int b = 1; b <= nb; b++) {
		GDALRasterBandH band = GDALGetRasterBand(ds, b);

		if (!isnan(nd))
			GDALSetRasterNoDataValue(band, nd);
		if (desc)
			GDALSetDescription(band, desc[b - 1]);
		for (int r = 0; r < h; r++) {
			for (int c = 0; c < w; c++)
				row[c] = f(b, r, c);
			assert_int_equal(GDALRasterIO(band, GF_Write, 0, r, w,
						      1, row, w, 1, GDT_Float64,
						      0, 0),
					 CE_None);
		}
	}
	GDALClose(ds);
	free(row);
}

/* ---- making plots ---- */

static double utm_x(double col)
{
	return UTM_X0 + col * UTM_PIX;
}

static double utm_y(double row)
{
	return UTM_Y0 - row * UTM_PIX;
}

/*
 * Append the ring of the pixel rectangle [c0, c1] x [r0, r1] of the UTM
 * grid, in UTM (ct NULL) or transformed by ct.
 */
static void ring_json(struct buf *b, double c0, double r0, double c1, double r1,
		      OGRCoordinateTransformationH ct)
{
	double x[5] = {utm_x(c0), utm_x(c1), utm_x(c1), utm_x(c0), utm_x(c0)};
	double y[5] = {utm_y(r1), utm_y(r1), utm_y(r0), utm_y(r0), utm_y(r1)};

	if (ct)
		assert_true(OCTTransform(ct, 5, x, y, NULL));
	buf_putc(b, '[');
	for (int i = 0; i < 5; i++)
		buf_printf(b, "%s[%.10f,%.10f]", i ? "," : "", x[i], y[i]);
	buf_putc(b, ']');
}

static void start_collection(struct buf *b, int epsg)
{
	buf_puts(b, "{\"type\":\"FeatureCollection\",");
	if (epsg != 4326)
		buf_printf(b,
			   "\"crs\":{\"type\":\"name\",\"properties\":"
			   "{\"name\":\"urn:ogc:def:crs:EPSG::%d\"}},",
			   epsg);
	buf_puts(b, "\"features\":[");
}

static void start_feature(struct buf *b, const char *code, bool first,
			  const char *type)
{
	buf_printf(b,
		   "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"%s\"},"
		   "\"geometry\":{\"type\":\"%s\",\"coordinates\":",
		   first ? "" : ",", code, type);
}

static void write_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_false(buf_failed(b));
	fwrite(b->data, 1, b->len, f);
	assert_int_equal(fclose(f), 0);
	buf_free(b);
}

/* A transformation from UTM 45N to lon/lat (traditional order). */
static OGRCoordinateTransformationH utm_to(int epsg)
{
	OGRSpatialReferenceH a = OSRNewSpatialReference(NULL);
	OGRSpatialReferenceH b = OSRNewSpatialReference(NULL);
	OGRCoordinateTransformationH ct;

	OSRImportFromEPSG(a, 32645);
	OSRImportFromEPSG(b, epsg);
	OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
	ct = OCTNewCoordinateTransformation(a, b);
	assert_non_null(ct);
	OSRDestroySpatialReference(a);
	OSRDestroySpatialReference(b);
	return ct;
}

/*
 * The standard plots of the UTM tests, written in CRS epsg:
 *   A  pixels cols 10..19, rows 5..14 (100 pixels)
 *   B  cols 30..39 x rows 20..29 with a hole of cols 33..36 x rows 23..26
 *      (100 - 16 = 84), and a second part cols 45..47 x rows 30..31 (6)
 *   C  cols -5..4 x rows 30..34: half beyond the left edge (25 + 25)
 */
static void write_utm_plots(const char *path, int epsg)
{
	OGRCoordinateTransformationH ct = epsg == 32645 ? NULL : utm_to(epsg);
	struct buf b = BUF_INIT;

	start_collection(&b, epsg);
	start_feature(&b, "A", true, "Polygon");
	buf_putc(&b, '[');
	ring_json(&b, 10.25, 5.25, 20.25, 15.25, ct);
	buf_puts(&b, "]}}");
	start_feature(&b, "B", false, "MultiPolygon");
	buf_puts(&b, "[[");
	ring_json(&b, 29.75, 19.75, 39.75, 29.75, ct);
	buf_putc(&b, ',');
	ring_json(&b, 32.75, 22.75, 36.75, 26.75, ct);
	buf_puts(&b, "],[");
	ring_json(&b, 45.25, 30.25, 48.25, 32.25, ct);
	buf_puts(&b, "]]}}");
	start_feature(&b, "C", false, "Polygon");
	buf_putc(&b, '[');
	ring_json(&b, -4.75, 30.25, 5.25, 35.25, ct);
	buf_puts(&b, "]}}]}");
	write_file(path, &b);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
}

/* ---- running ---- */

/* rs_zonal_plots over the plots of plots_path; n results expected. */
static void zonal(const struct rs_raster_opts *ro, const char *plots_path,
		  enum rs_rule rule, struct rs_zonal_result *out, size_t n)
{
	struct plots_read_result pr;
	struct rs_raster *r;
	struct rs_zonal_opts o = {
	    .rule = rule, .threads = 2, .chunk_pixels = 256};
	const char *geoms[16];
	struct err e;

	if (rs_raster_open(ro, &r, &e))
		fail_msg("rs_raster_open: %s", e.msg);
	if (plots_read_file(plots_path, NULL, &pr, &e))
		fail_msg("plots_read_file: %s", e.msg);
	assert_int_equal(pr.n_rejects, 0);
	assert_int_equal(pr.n_plots, n);
	for (size_t i = 0; i < n; i++)
		geoms[i] = pr.plots[i].geometry;
	if (rs_zonal_plots(r, geoms, n, &o, NULL, NULL, out, &e))
		fail_msg("rs_zonal_plots: %s", e.msg);
	plots_read_result_free(&pr);
	rs_raster_close(r);
}

static struct rs_raster_opts bands_of(enum rs_index idx, const char *path,
				      int red, int nir)
{
	struct rs_raster_opts o = {.index = idx};

	o.role[RS_ROLE_RED] = (struct rs_band_ref){path, red};
	o.role[RS_ROLE_NIR] = (struct rs_band_ref){path, nir};
	o.role[RS_ROLE_VALUE] = (struct rs_band_ref){path, 1};
	return o;
}

/* ---- constant field, gradient, hole, multipolygon, edge, other CRS ---- */

static double red_nir_constant(int band, int row, int col)
{
	(void)row, (void)col;
	return band == 1 ? 1000 : 3000;
}

/* band 1: col + row / 2 */
static double gradient(int band, int row, int col)
{
	(void)band;
	return col + 0.5 * row;
}

static void test_constant_field(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_NDVI, tpath("const.tif"), 1, 2);
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(o.role[RS_ROLE_RED].path, 60, 40, 2, GDT_UInt16, UTM_X0,
		    UTM_Y0, UTM_PIX, 32645, 0, NULL, red_nir_constant);
	write_utm_plots(tpath("plots_utm.geojson"), 32645);
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	/* NDVI = (3000 - 1000) / (3000 + 1000) = 0.5 everywhere */
	assert_near(res[0].stats.count, 100, 0);
	assert_near(res[0].valid_fraction, 1, 0);
	assert_near(res[0].stats.mean, 0.5, 0);
	assert_near(res[0].stats.std, 0, 0);
	assert_near(res[0].stats.median, 0.5, 0);
	assert_near(res[0].stats.p10, 0.5, 0);
	assert_near(res[0].stats.p90, 0.5, 0);
	assert_near(res[1].stats.count, 84 + 6, 0);
	assert_near(res[2].stats.count, 25, 0);
	assert_near(res[2].inside, 50, 0);
	assert_near(res[2].valid_fraction, 0.5, 0);
}

/* The expected mean of col + row / 2 over the plots of write_utm_plots. */
static double gradient_mean(int plot)
{
	double sum = 0;
	int n = 0;

	for (int r = 0; r < 40; r++) {
		for (int c = 0; c < 60; c++) {
			bool in =
			    plot == 0 ? c >= 10 && c < 20 && r >= 5 && r < 15
			    : plot == 1
				? (c >= 30 && c < 40 && r >= 20 && r < 30 &&
				   !(c >= 33 && c < 37 && r >= 23 && r < 27)) ||
				      (c >= 45 && c < 48 && r >= 30 && r < 32)
				: c >= 0 && c < 5 && r >= 30 && r < 35;

			if (in) {
				sum += c + 0.5 * r;
				n++;
			}
		}
	}
	return sum / n;
}

static void check_gradient(const struct rs_zonal_result *res)
{
	/* plot A: cols 10..19 and rows 5..14: min 10 + 2.5, max 19 + 7;
	 * the values are (c + r/2); mean 14.5 + 4.75 */
	assert_near(res[0].stats.count, 100, 0);
	assert_near(res[0].stats.mean, 19.25, 1e-12);
	assert_near(res[0].stats.min, 12.5, 0);
	assert_near(res[0].stats.max, 26, 0);
	assert_near(res[1].stats.count, 90, 0);
	assert_near(res[1].stats.mean, gradient_mean(1), 1e-12);
	assert_near(res[2].stats.count, 25, 0);
	assert_near(res[2].stats.mean, gradient_mean(2), 1e-12);
	assert_near(res[2].valid_fraction, 0.5, 0);
}

static void test_gradient_band(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_BAND, tpath("grad.tif"), 0, 0);
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(tpath("grad.tif"), 60, 40, 1, GDT_Float32, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, NAN, NULL, gradient);
	write_utm_plots(tpath("plots_utm.geojson"), 32645);
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	check_gradient(res);
	/* --exact on these plots: whole pixels, and the hole's and edges'
	 * quarter pixels are counted with their fractions */
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_EXACT, res, 3);
	/* (the registry's 1e-8 degree rounding moves edges by < 1 mm) */
	assert_near(res[0].stats.count, 100, 0.01);
	assert_near(res[0].inside, 100, 0.01);
}

/* Plots given in lon/lat and in Web Mercator land on the same pixels. */
static void test_plots_in_other_crs(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_BAND, tpath("grad.tif"), 0, 0);
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(tpath("grad.tif"), 60, 40, 1, GDT_Float32, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, NAN, NULL, gradient);
	write_utm_plots(tpath("plots_ll.geojson"), 4326);
	zonal(&o, tpath("plots_ll.geojson"), RS_RULE_CENTRE, res, 3);
	check_gradient(res);
	write_utm_plots(tpath("plots_3857.geojson"), 3857);
	zonal(&o, tpath("plots_3857.geojson"), RS_RULE_CENTRE, res, 3);
	check_gradient(res);
}

/* ---- nodata, cloud mask, SCL at 20 m, one file per band ---- */

/* red 1000 (0 = nodata at row 6, cols 10..14), nir 1000 + 100 col */
static double red_nir_varying(int band, int row, int col)
{
	if (band == 1)
		return row == 6 && col >= 10 && col < 15 ? 0 : 1000;
	return 1000 + 100 * col;
}

static double red_only(int band, int row, int col)
{
	(void)band;
	return red_nir_varying(1, row, col);
}

static double nir_only(int band, int row, int col)
{
	(void)band;
	return red_nir_varying(2, row, col);
}

/* clouds at rows 7..8, cols 10..19 */
static double cloud_mask(int band, int row, int col)
{
	(void)band;
	return row >= 7 && row < 9 && col >= 10 && col < 20;
}

/* 20 m SCL: 4 (vegetation), 9 (cloud high) at 20 m pixels (5..6, 5),
 * i.e. 10 m rows 10..11, cols 10..13 */
static double scl(int band, int row, int col)
{
	(void)band;
	return row == 5 && (col == 5 || col == 6) ? 9 : 4;
}

/* The mean NDVI = c / (20 + c) over plot A without the excluded pixels. */
static void check_masked(const struct rs_zonal_result *r, bool masks)
{
	double sum = 0;
	int n = 0;

	for (int row = 5; row < 15; row++) {
		for (int c = 10; c < 20; c++) {
			if (row == 6 && c < 15)
				continue; /* nodata */
			if (masks && (row == 7 || row == 8))
				continue; /* cloud mask */
			if (masks && (row == 10 || row == 11) && c < 14)
				continue; /* SCL class 9 */
			sum += c / (20.0 + c);
			n++;
		}
	}
	assert_near(r->stats.count, n, 0);
	assert_near(r->valid_fraction, n / 100.0, 1e-15);
	assert_near(r->stats.mean, sum / n, 1e-12);
	assert_near(r->stats.min, 10 / 30.0, 1e-15);
	assert_near(r->stats.max, 19 / 39.0, 1e-15);
}

static void test_nodata_cloud_mask_and_scl(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_NDVI, tpath("masked.tif"), 1, 2);
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(tpath("masked.tif"), 60, 40, 2, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, NULL, red_nir_varying);
	make_raster(tpath("clouds.tif"), 60, 40, 1, GDT_Byte, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, NAN, NULL, cloud_mask);
	make_raster(tpath("scl.tif"), 30, 20, 1, GDT_Byte, UTM_X0, UTM_Y0,
		    2 * UTM_PIX, 32645, 0, NULL, scl);
	write_utm_plots(tpath("plots_utm.geojson"), 32645);
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	check_masked(&res[0], false); /* 95 valid */
	o.mask_path = tpath("clouds.tif");
	o.class_path = tpath("scl.tif");
	o.drop_class[3] = o.drop_class[8] = o.drop_class[9] = true;
	o.drop_class[10] = true;
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	check_masked(&res[0], true); /* 100 - 5 - 20 - 8 = 67 */
	assert_near(res[0].stats.count, 67, 0);
}

static void test_one_file_per_band(void **state)
{
	struct rs_raster_opts o = {.index = RS_INDEX_NDVI};
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(tpath("B04.tif"), 60, 40, 1, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, NULL, red_only);
	make_raster(tpath("B08.tif"), 60, 40, 1, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, NULL, nir_only);
	o.role[RS_ROLE_RED] = (struct rs_band_ref){tpath("B04.tif"), 1};
	o.role[RS_ROLE_NIR] = (struct rs_band_ref){tpath("B08.tif"), 1};
	write_utm_plots(tpath("plots_utm.geojson"), 32645);
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	check_masked(&res[0], false);
}

/* Bands found by their descriptions when no number is given. */
static void test_bands_found_by_name(void **state)
{
	static const char *const desc[] = {"B08", "B04"};
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_NDVI, tpath("named.tif"), 0, 0);
	struct rs_raster *r;
	struct err e;

	(void)state;
	make_raster(tpath("named.tif"), 8, 8, 2, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, desc, red_nir_constant);
	assert_int_equal(rs_raster_open(&o, &r, &e), 0);
	assert_int_equal(rs_raster_band(r, RS_ROLE_NIR).band, 1);
	assert_int_equal(rs_raster_band(r, RS_ROLE_RED).band, 2);
	rs_raster_close(r);
}

/* Sentinel-2 L2A since baseline 04.00: reflectance = (DN - 1000) / 10000 */
static double s2_dn(int band, int row, int col)
{
	(void)row, (void)col;
	return band == 1 ? 5000 : 9000;
}

static void test_scale_and_offset(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_NDVI, tpath("s2.tif"), 1, 2);
	struct rs_zonal_result res[3];

	(void)state;
	make_raster(tpath("s2.tif"), 60, 40, 2, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, NULL, s2_dn);
	write_utm_plots(tpath("plots_utm.geojson"), 32645);
	/* digital numbers: (9000 - 5000) / 14000 */
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	assert_near(res[0].stats.mean, 4000.0 / 14000.0, 1e-15);
	/* reflectances 0.4 and 0.8: (0.8 - 0.4) / 1.2 = 1/3 */
	o.has_scale = o.has_offset = true;
	o.scale = 1e-4;
	o.offset = -0.1;
	zonal(&o, tpath("plots_utm.geojson"), RS_RULE_CENTRE, res, 3);
	assert_near(res[0].stats.mean, 1.0 / 3.0, 1e-12);
	assert_near(res[0].stats.median, 1.0 / 3.0, 1e-12);
}

/* ---- geographic grid: exact small plot, GDAL's rasterizer ---- */

static double col_value(int band, int row, int col)
{
	(void)band;
	return col + 100 * row;
}

static void test_exact_plot_smaller_than_pixel(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_BAND, tpath("geo.tif"), 0, 0);
	struct rs_zonal_result res[1];
	struct buf b = BUF_INIT;

	(void)state;
	make_raster(tpath("geo.tif"), 16, 16, 1, GDT_Float32, GEO_X0, GEO_Y0,
		    GEO_PIX, 4326, NAN, NULL, col_value);
	/* pixel (2, 3) is lon 80.25..80.375, lat 47.625..47.5; the plot is
	 * its sub-square [2.0625, 2.3125] x [3.0625, 3.3125] in pixels */
	start_collection(&b, 4326);
	start_feature(&b, "S", true, "Polygon");
	buf_puts(&b, "[[[80.2578125,47.6171875],[80.2890625,47.6171875],"
		     "[80.2890625,47.5859375],[80.2578125,47.5859375],"
		     "[80.2578125,47.6171875]]]}}]}");
	write_file(tpath("small.geojson"), &b);
	zonal(&o, tpath("small.geojson"), RS_RULE_CENTRE, res, 1);
	assert_near(res[0].stats.count, 0, 0);
	assert_true(isnan(res[0].stats.mean));
	zonal(&o, tpath("small.geojson"), RS_RULE_EXACT, res, 1);
	assert_near(res[0].stats.count, 0.0625, 0);
	assert_near(res[0].inside, 0.0625, 0);
	assert_near(res[0].valid_fraction, 1, 0);
	assert_near(res[0].stats.mean, 2 + 300, 0);
	assert_near(res[0].stats.median, 302, 0);
}

enum { GRID = 64 };

/* GeoJSON of polygons given in pixel coordinates of the geographic grid. */
static void append_ring(struct buf *b, const double *px, const double *py,
			int n, bool reverse)
{
	buf_putc(b, '[');
	for (int k = 0; k <= n; k++) {
		int i = reverse ? (n - k) % n : k % n;

		buf_printf(b, "%s[%.17g,%.17g]", k ? "," : "",
			   GEO_X0 + px[i] * GEO_PIX, GEO_Y0 - py[i] * GEO_PIX);
	}
	buf_putc(b, ']');
}

/* The pixel-centre mask by GDAL's rasterizer. */
static void gdal_mask(const char *geojson, unsigned char *mask)
{
	GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", GRID, GRID,
				     1, GDT_Byte, NULL);
	double gt[6] = {GEO_X0, GEO_PIX, 0, GEO_Y0, 0, -GEO_PIX};
	OGRGeometryH g = OGR_G_CreateGeometryFromJson(geojson);
	int band = 1;
	double burn = 1;

	assert_non_null(g);
	GDALSetGeoTransform(ds, gt);
	assert_int_equal(GDALRasterizeGeometries(ds, 1, &band, 1, &g, NULL,
						 NULL, &burn, NULL, NULL, NULL),
			 CE_None);
	assert_int_equal(GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0,
				      GRID, GRID, mask, GRID, GRID, GDT_Byte, 0,
				      0),
			 CE_None);
	OGR_G_DestroyGeometry(g);
	GDALClose(ds);
}

/* Ours: rs_place_geojson, then rs_cover_rows with the centre rule. */
static void our_mask(struct rs_placer *p, const char *geojson,
		     unsigned char *mask)
{
	struct rs_cover_work *w = rs_cover_work_new();
	struct rs_runs runs = {0};
	struct rs_shape s;
	struct err e;

	memset(mask, 0, GRID * GRID);
	assert_int_equal(rs_place_geojson(p, geojson, &s, &e), 0);
	assert_int_equal(
	    rs_cover_rows(&s, RS_RULE_CENTRE, 0, GRID, 0, GRID, w, &runs, &e),
	    0);
	for (size_t k = 0; k < runs.n; k++)
		for (int c = runs.run[k].col0; c < runs.run[k].col1; c++)
			mask[runs.run[k].row * GRID + c] = 1;
	rs_runs_free(&runs);
	rs_shape_free(&s);
	rs_cover_work_free(w);
}

static void compare_with_gdal(struct rs_placer *p, const char *geojson)
{
	unsigned char ours[GRID * GRID], theirs[GRID * GRID];

	gdal_mask(geojson, theirs);
	our_mask(p, geojson, ours);
	for (int i = 0; i < GRID * GRID; i++)
		if (ours[i] != theirs[i])
			fail_msg("pixel (col %d, row %d): ours %d, GDAL %d, "
				 "for %s",
				 i % GRID, i / GRID, ours[i], theirs[i],
				 geojson);
}

static void compare_polygon(struct rs_placer *p, const double *px,
			    const double *py, int n, const double *hx,
			    const double *hy, int hn)
{
	for (int rev = 0; rev < 2; rev++) {
		struct buf b = BUF_INIT;

		buf_puts(&b, "{\"type\":\"Polygon\",\"coordinates\":[");
		append_ring(&b, px, py, n, rev);
		if (hn) {
			buf_putc(&b, ',');
			append_ring(&b, hx, hy, hn, rev);
		}
		buf_puts(&b, "]}");
		compare_with_gdal(p, b.data);
		buf_free(&b);
	}
}

static double rnd_quarter(uint64_t *st, double lo, double hi)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return lo + floor((double)(*st >> 11) * 0x1p-53 * (hi - lo) * 4) / 4;
}

/* Pixel centres on vertices and edges, both ring orientations. */
static void test_centre_rule_matches_gdal(void **state)
{
	static const double rx[] = {2.5, 10.5, 10.5, 2.5};
	static const double ry[] = {2.5, 2.5, 7.5, 7.5};
	static const double dx[] = {20.5, 25.5, 20.5, 15.5};
	static const double dy[] = {10.5, 15.5, 20.5, 15.5};
	static const double tx[] = {30.5, 40.5, 35.5};
	static const double ty[] = {30.5, 30.5, 40.5};
	static const double ox[] = {5.5, 15.5, 15.5, 5.5};
	static const double oy[] = {20.5, 20.5, 30.5, 30.5};
	static const double hx[] = {8.5, 12.5, 12.5, 8.5};
	static const double hy[] = {23.5, 23.5, 27.5, 27.5};
	static const double lx[] = {40.5, 50.5, 50.5, 45.5, 45.5, 40.5};
	static const double ly[] = {5.5, 5.5, 10.5, 10.5, 15.5, 15.5};
	static const double ex[] = {-3.3, 6.7, 4.2, -2};
	static const double ey[] = {50.1, 52.6, 70.4, 66};
	struct rs_placer *p;
	OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
	double gt[6] = {GEO_X0, GEO_PIX, 0, GEO_Y0, 0, -GEO_PIX};
	char *wkt = NULL;
	uint64_t st = 12345;
	struct err e;

	(void)state;
	OSRImportFromEPSG(srs, 4326);
	OSRExportToWkt(srs, &wkt);
	assert_int_equal(rs_placer_new(wkt, gt, &p, &e), 0);
	compare_polygon(p, rx, ry, 4, NULL, NULL, 0);
	compare_polygon(p, dx, dy, 4, NULL, NULL, 0);
	compare_polygon(p, tx, ty, 3, NULL, NULL, 0);
	compare_polygon(p, ox, oy, 4, hx, hy, 4);
	compare_polygon(p, lx, ly, 6, NULL, NULL, 0);
	compare_polygon(p, ex, ey, 4, NULL, NULL, 0);
	/* random polygons with every vertex on a quarter-pixel lattice:
	 * many centres fall exactly on edges and vertices */
	for (int t = 0; t < 200; t++) {
		double px[9], py[9], cx = rnd_quarter(&st, 5, 59);
		double cy = rnd_quarter(&st, 5, 59),
		       r = rnd_quarter(&st, 1, 20);

		for (int i = 0; i < 9; i++) {
			double a = 2 * M_PI * i / 9;

			px[i] = cx + round(4 * r * cos(a) *
					   rnd_quarter(&st, 0.5, 1)) /
					 4;
			py[i] = cy + round(4 * r * sin(a) *
					   rnd_quarter(&st, 0.5, 1)) /
					 4;
		}
		compare_polygon(p, px, py, 9, NULL, NULL, 0);
	}
	rs_placer_free(p);
	CPLFree(wkt);
	OSRDestroySpatialReference(srs);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	struct rs_raster_opts o =
	    bands_of(RS_INDEX_NDVI, tpath("nothere.tif"), 1, 2);
	struct rs_raster *r = NULL;
	struct buf b = BUF_INIT;
	struct err e;

	(void)state;
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "nothere.tif"));
	assert_null(r);
	buf_puts(&b, "not a raster\n");
	write_file(tpath("text.tif"), &b);
	o = bands_of(RS_INDEX_NDVI, tpath("text.tif"), 1, 2);
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "cannot open as a raster"));
	/* a band that is not there names the option and the band */
	make_raster(tpath("two.tif"), 8, 8, 2, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 32645, 0, NULL, red_nir_constant);
	o = bands_of(RS_INDEX_NDVI, tpath("two.tif"), 1, 5);
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "--nir asks for band 5"));
	assert_non_null(strstr(e.msg, "2 bands"));
	/* no number and nothing marks the band */
	o = bands_of(RS_INDEX_NDVI, tpath("two.tif"), 0, 2);
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "--red"));
	/* a raster without a CRS */
	make_raster(tpath("nocrs.tif"), 8, 8, 2, GDT_UInt16, UTM_X0, UTM_Y0,
		    UTM_PIX, 0, 0, NULL, red_nir_constant);
	o = bands_of(RS_INDEX_NDVI, tpath("nocrs.tif"), 1, 2);
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "no CRS"));
	assert_non_null(strstr(e.msg, "nocrs.tif"));
	/* an index without its band */
	o = bands_of(RS_INDEX_EVI, tpath("two.tif"), 1, 2);
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "blue"));
	/* a mask in another CRS */
	make_raster(tpath("mask_ll.tif"), 8, 8, 1, GDT_Byte, GEO_X0, GEO_Y0,
		    GEO_PIX, 4326, NAN, NULL, cloud_mask);
	o = bands_of(RS_INDEX_NDVI, tpath("two.tif"), 1, 2);
	o.mask_path = tpath("mask_ll.tif");
	assert_int_equal(rs_raster_open(&o, &r, &e), ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "CRS differs"));
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oasis-zonal-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	GDALAllRegister();
	CPLPushErrorHandler(CPLQuietErrorHandler);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	CPLPopErrorHandler();
	VSIRmdirRecursive(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constant_field),
	    cmocka_unit_test(test_gradient_band),
	    cmocka_unit_test(test_plots_in_other_crs),
	    cmocka_unit_test(test_nodata_cloud_mask_and_scl),
	    cmocka_unit_test(test_one_file_per_band),
	    cmocka_unit_test(test_bands_found_by_name),
	    cmocka_unit_test(test_scale_and_offset),
	    cmocka_unit_test(test_exact_plot_smaller_than_pixel),
	    cmocka_unit_test(test_centre_rule_matches_gdal),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
