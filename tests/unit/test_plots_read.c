/*
 * Unit tests of plots/plots_read and plots/geodesic: reading field plots
 * from the vector formats and CRSs surveys hand over, their geodesic areas,
 * and every per-feature and whole-file refusal.
 *
 * The files are written by the tests themselves with OGR into a fresh
 * temporary folder (or by hand, as GeoJSON text, where a file must be
 * malformed in a way OGR would not write).  Expected areas come from a
 * different route than the one under test: a Lambert azimuthal
 * equal-area projection centred on the plot, with edges densified, and the
 * planar area there; expected positions from an OGR transformation of the
 * same corner.  The geodesic core is checked against the closed-form
 * surface area of the WGS 84 ellipsoid.
 */
#include <math.h>
#include <pthread.h>
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
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <jansson.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "plots/geodesic.h"
#include "plots/plots_read.h"

/* Manas county, Xinjiang: where the demo base lies. */
#define MANAS_LON 86.2
#define MANAS_LAT 44.3
#define AREA_TOLERANCE 1e-4 /* 0.01 % */

static char tmpdir[64];

/* ---- helpers ---- */

static void tpath(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static OGRSpatialReferenceH srs_epsg(int code)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);

	assert_int_equal(OSRImportFromEPSG(s, code), OGRERR_NONE);
	OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

static OGRSpatialReferenceH srs_laea(double lon0, double lat0)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
	char def[128];

	snprintf(def, sizeof(def),
		 "+proj=laea +lat_0=%.9f +lon_0=%.9f +datum=WGS84 +units=m "
		 "+no_defs", lat0, lon0);
	assert_int_equal(OSRImportFromProj4(s, def), OGRERR_NONE);
	OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

/* (x, y) from CRS from to CRS to. */
static void transform_point(int from, int to, double *x, double *y)
{
	OGRSpatialReferenceH a = srs_epsg(from), b = srs_epsg(to);
	OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(a, b);

	assert_non_null(ct);
	assert_true(OCTTransform(ct, 1, x, y, NULL));
	OCTDestroyCoordinateTransformation(ct);
	OSRDestroySpatialReference(a);
	OSRDestroySpatialReference(b);
}

static OGRGeometryH geometry_from_wkt(const char *wkt)
{
	OGRGeometryH g = NULL;
	char *p = (char *)wkt;

	assert_int_equal(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
	return g;
}

/*
 * The reference area of a polygon given as WKT in CRS epsg: edges
 * densified every metre or so, projected to an equal-area projection
 * centred at (lon0, lat0), planar area there.
 */
static double equal_area_m2(const char *wkt, int epsg, double lon0,
			    double lat0)
{
	OGRSpatialReferenceH src = srs_epsg(epsg), laea = srs_laea(lon0, lat0);
	OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, laea);
	OGRGeometryH g = geometry_from_wkt(wkt);
	double area;

	assert_non_null(ct);
	OGR_G_Segmentize(g, OSRIsGeographic(src) ? 1e-5 : 1.0);
	assert_int_equal(OGR_G_Transform(g, ct), OGRERR_NONE);
	area = OGR_G_Area(g);
	OGR_G_DestroyGeometry(g);
	OCTDestroyCoordinateTransformation(ct);
	OSRDestroySpatialReference(laea);
	OSRDestroySpatialReference(src);
	return area;
}

static void square_wkt(char *out, size_t size, double x, double y, double side)
{
	snprintf(out, size,
		 "POLYGON ((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))",
		 x, y, x + side, y, x + side, y + side, x, y + side, x, y);
}

struct feat {
	const char *code; /* NULL: unset */
	const char *wkt;  /* NULL: no geometry */
};

static GDALDatasetH create_dataset(const char *path, const char *driver)
{
	GDALDriverH drv = GDALGetDriverByName(driver);
	GDALDatasetH ds;

	assert_non_null(drv);
	ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	assert_non_null(ds);
	return ds;
}

static OGRLayerH add_layer(GDALDatasetH ds, const char *name, int epsg,
			   OGRwkbGeometryType type, const struct feat *f,
			   size_t n)
{
	OGRSpatialReferenceH srs = epsg ? srs_epsg(epsg) : NULL;
	OGRLayerH layer = GDALDatasetCreateLayer(ds, name, srs, type, NULL);
	OGRFieldDefnH fd = OGR_Fld_Create("code", OFTString);

	assert_non_null(layer);
	assert_int_equal(OGR_L_CreateField(layer, fd, TRUE), OGRERR_NONE);
	OGR_Fld_Destroy(fd);
	for (size_t i = 0; i < n; i++) {
		OGRFeatureH feature = OGR_F_Create(OGR_L_GetLayerDefn(layer));

		if (f[i].code)
			OGR_F_SetFieldString(feature, 0, f[i].code);
		if (f[i].wkt)
			OGR_F_SetGeometryDirectly(feature,
						  geometry_from_wkt(f[i].wkt));
		assert_int_equal(OGR_L_CreateFeature(layer, feature),
				 OGRERR_NONE);
		OGR_F_Destroy(feature);
	}
	if (srs)
		OSRDestroySpatialReference(srs);
	return layer;
}

static void write_dataset(const char *path, const char *driver, int epsg,
			  const struct feat *f, size_t n)
{
	GDALDatasetH ds = create_dataset(path, driver);

	add_layer(ds, CPLGetBasename(path), epsg, wkbPolygon, f, n);
	GDALClose(ds);
}

static const struct db_plot *plot_by_code(const struct plots_read_result *r,
					  const char *code)
{
	for (size_t i = 0; i < r->n_plots; i++)
		if (strcmp(r->plots[i].code, code) == 0)
			return &r->plots[i];
	fail_msg("no plot with code %s", code);
	return NULL;
}

/* The formatted rejection of feature, which must exist. */
static const char *reject_message(const struct plots_read_result *r,
				  size_t feature)
{
	static char message[PLOTS_REASON_MAX + 96];

	for (size_t i = 0; i < r->n_rejects; i++) {
		if (r->rejects[i].feature == feature) {
			plots_reject_format(&r->rejects[i], message,
					    sizeof(message));
			return message;
		}
	}
	fail_msg("feature %zu was not rejected", feature);
	return NULL;
}

/* A read that must succeed; says why when it did not. */
#define assert_read_ok(call)                                              \
	do {                                                              \
		if ((call) != ERR_OK)                                     \
			fail_msg("%s failed: %s", #call, e.msg);          \
	} while (0)

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("'%s' does not contain '%s'", haystack, needle);
}

static void assert_rel_near(double actual, double expected, double rel)
{
	if (!(fabs(actual - expected) <= rel * fabs(expected)))
		fail_msg("%.6f is not within %g of %.6f (off by %.3g)", actual,
			 rel, expected, fabs(actual - expected) / expected);
}

static int read_json(const char *json, const struct plots_read_opts *o,
		     struct plots_read_result *r, struct err *e)
{
	return plots_read_buffer(json, strlen(json), o, r, e);
}

/* The stored GeoJSON geometry parsed back by OGR (destroy it). */
static OGRGeometryH stored_geometry(const struct db_plot *p)
{
	OGRGeometryH g;

	assert_non_null(p->geometry);
	g = OGR_G_CreateGeometryFromJson(p->geometry);
	assert_non_null(g);
	return g;
}

/* Whether some vertex of ring 0 of g (or of its first part) is (x, y). */
static bool has_vertex(OGRGeometryH g, double x, double y, double tol)
{
	OGRGeometryH poly = g, ring;

	if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon)
		poly = OGR_G_GetGeometryRef(g, 0);
	ring = OGR_G_GetGeometryRef(poly, 0);
	for (int i = 0; i < OGR_G_GetPointCount(ring); i++)
		if (fabs(OGR_G_GetX(ring, i) - x) < tol &&
		    fabs(OGR_G_GetY(ring, i) - y) < tol)
			return true;
	return false;
}

/* A square of side metres in UTM 45N centred near Manas, as WKT. */
static void manas_utm_square(char *wkt, size_t size, double side,
			     double *cx, double *cy)
{
	double x = MANAS_LON, y = MANAS_LAT;

	transform_point(4326, 32645, &x, &y);
	x = floor(x);
	y = floor(y);
	square_wkt(wkt, size, x - side / 2, y - side / 2, side);
	*cx = x;
	*cy = y;
}

/* GeoJSON texts near Manas, lon/lat. */
#define SQUARE_A "[[[86.2,44.3],[86.201,44.3],[86.201,44.301],[86.2,44.301]," \
	"[86.2,44.3]]]"
#define SQUARE_B "[[[86.21,44.3],[86.211,44.3],[86.211,44.301],[86.21," \
	"44.301],[86.21,44.3]]]"
#define POLYGON(coords) "{\"type\":\"Polygon\",\"coordinates\":" coords "}"
#define FEATURE(props, geometry) "{\"type\":\"Feature\",\"properties\":" \
	props ",\"geometry\":" geometry "}"
#define COLLECTION(features) \
	"{\"type\":\"FeatureCollection\",\"features\":[" features "]}"

/* ---- geodesic ---- */

/*
 * The area of an ellipsoid of revolution has a closed form,
 * S = 2 pi a^2 (1 + (1 - e^2) / e * atanh(e)); for WGS 84 it is
 * 510 065 621.7 km2.  The triangle (0,0) (90,0) (0,90) is one octant.
 */
static void test_geodesic_octant_of_wgs84(void **state)
{
	const double a = GEODESIC_WGS84_A, f = GEODESIC_WGS84_F;
	double e = sqrt(f * (2 - f));
	double surface = 2 * M_PI * a * a * (1 + (1 - e * e) / e * atanh(e));
	double lon[] = { 0, 90, 0, 0 }, lat[] = { 0, 0, 90, 0 };
	double rlon[] = { 0, 0, 90 }, rlat[] = { 0, 90, 0 };

	(void)state;
	assert_rel_near(surface, 510065621.7e6, 1e-9);
	assert_rel_near(geodesic_ring_area_m2(lon, lat, 4), surface / 8, 1e-12);
	/* the other way round, and without the closing point */
	assert_rel_near(geodesic_ring_area_m2(rlon, rlat, 3), surface / 8,
			1e-12);
	assert_true(geodesic_ring_area_m2(lon, lat, 2) == 0);
}

static void test_geodesic_ogr_polygon_and_units(void **state)
{
	OGRGeometryH tri = geometry_from_wkt("POLYGON ((0 0,90 0,0 90,0 0))");
	OGRGeometryH line = geometry_from_wkt("LINESTRING (0 0,1 1)");
	double lon[] = { 0, 90, 0 }, lat[] = { 0, 0, 90 }, area = 0;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(geodesic_polygon_area_m2(tri, &area, &e), ERR_OK);
	assert_rel_near(area, geodesic_ring_area_m2(lon, lat, 3), 1e-12);
	assert_int_equal(geodesic_polygon_area_m2(line, &area, &e),
			 ERR_INVALID);
	assert_contains(e.msg, "Line String");
	/* 1 ha = 10 000 m2 = 15 mu */
	assert_rel_near(geodesic_m2_to_ha(10000), 1, 1e-15);
	assert_rel_near(geodesic_m2_to_mu(10000), 15, 1e-15);
	OGR_G_DestroyGeometry(tri);
	OGR_G_DestroyGeometry(line);
}

/* ---- formats and CRSs ---- */

/*
 * 1 km x 1 km in UTM 45N at Manas, 0.8 deg west of the zone's central
 * meridian: UTM enlarges lengths there by k = 0.99965, so the true area is
 * 1e6 / k^2 = 1 000 700 m2, not the 1e6 of the map.
 */
static void test_utm_square_geojson_file(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[1] = { { "6523241010001", NULL } };
	char wkt[256], path[128];
	double cx, cy, lon, lat, expected;

	(void)state;
	manas_utm_square(wkt, sizeof(wkt), 1000, &cx, &cy);
	f[0].wkt = wkt;
	tpath(path, sizeof(path), "utm.geojson");
	write_dataset(path, "GeoJSON", 32645, f, 1);
	lon = cx;
	lat = cy;
	transform_point(32645, 4326, &lon, &lat);
	expected = equal_area_m2(wkt, 32645, lon, lat);

	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_features, 1);
	assert_int_equal(r.n_plots, 1);
	assert_int_equal(r.n_rejects, 0);
	assert_string_equal(r.plots[0].code, "6523241010001");
	assert_rel_near(r.plots[0].area_m2, expected, AREA_TOLERANCE);
	/* the map's area would be wrong by 0.07 % */
	assert_true(fabs(r.plots[0].area_m2 - 1e6) > 5e-4 * 1e6);
	assert_true(r.plots[0].bbox[0] < lon && lon < r.plots[0].bbox[2]);
	assert_true(r.plots[0].bbox[1] < lat && lat < r.plots[0].bbox[3]);
	assert_true(isnan(r.plots[0].field_capacity));
	assert_true(isnan(r.plots[0].wilting_point));
	assert_null(r.plots[0].extra);
	assert_int_equal(r.plots[0].updated_ms, 0);
	plots_read_result_free(&r);
	assert_null(r.plots);
	assert_int_equal(r.n_plots, 0);
}

/*
 * A CGCS2000 3-degree Gauss-Krueger Shapefile: EPSG:4538 (central meridian
 * 87E, plain eastings) and EPSG:4517 (zone 29, the same meridian, eastings
 * prefixed with 29).  The same ground square must come out at the same
 * lon/lat and area from both.
 */
static void check_gk_shapefile(int epsg, double x0, double y0,
			       const char *name, double *lon_out)
{
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[1] = { { "GK1", NULL } };
	char wkt[256], path[128];
	double x = x0, y = y0, expected;
	OGRGeometryH g;

	square_wkt(wkt, sizeof(wkt), x0, y0, 500);
	f[0].wkt = wkt;
	tpath(path, sizeof(path), name);
	write_dataset(path, "ESRI Shapefile", epsg, f, 1);
	transform_point(epsg, 4326, &x, &y);
	/* PROJ-independent sanity: the corner is near Manas, lon first */
	assert_true(fabs(x - MANAS_LON) < 0.05 && fabs(y - MANAS_LAT) < 0.05);
	expected = equal_area_m2(wkt, epsg, x, y);

	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	g = stored_geometry(&r.plots[0]);
	/* the Shapefile writer may start the ring elsewhere: any vertex */
	assert_true(has_vertex(g, x, y, 1e-7));
	OGR_G_DestroyGeometry(g);
	assert_rel_near(r.plots[0].area_m2, expected, AREA_TOLERANCE);
	/* 0.8 deg off the central meridian GK enlarges areas by ~1e-4 */
	assert_rel_near(r.plots[0].area_m2, 250000, 5e-4);
	*lon_out = r.plots[0].bbox[0];
	plots_read_result_free(&r);
}

static void test_cgcs2000_gauss_krueger_shapefiles(void **state)
{
	double x = MANAS_LON, y = MANAS_LAT, lon_4538, lon_4517;

	(void)state;
	transform_point(4490, 4538, &x, &y);
	x = floor(x);
	y = floor(y);
	check_gk_shapefile(4538, x, y, "gk4538.shp", &lon_4538);
	check_gk_shapefile(4517, x + 29000000, y, "gk4517.shp", &lon_4517);
	assert_true(fabs(lon_4538 - lon_4517) < 1e-8);
}

static void test_shapefile_without_prj_needs_assigned_crs(void **state)
{
	struct plots_read_opts o = { .assign_crs = "EPSG:4538" };
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[1] = { { "N1", NULL } };
	char wkt[256], path[128];
	double x = MANAS_LON, y = MANAS_LAT;

	(void)state;
	transform_point(4490, 4538, &x, &y);
	square_wkt(wkt, sizeof(wkt), floor(x), floor(y), 200);
	f[0].wkt = wkt;
	tpath(path, sizeof(path), "noprj.shp");
	write_dataset(path, "ESRI Shapefile", 0, f, 1);

	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_INVALID);
	assert_contains(e.msg, path);
	assert_contains(e.msg, "layer 'noprj' has no CRS");
	assert_contains(e.msg, "--crs");
	assert_int_equal(r.n_plots, 0);

	assert_read_ok(plots_read_file(path, &o, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_true(fabs(r.plots[0].bbox[0] - MANAS_LON) < 0.01);
	assert_rel_near(r.plots[0].area_m2, 40000, 5e-4);
	plots_read_result_free(&r);

	/* a garbage .prj is named as such */
	tpath(path, sizeof(path), "noprj.prj");
	write_text(path, "this is not a CRS");
	tpath(path, sizeof(path), "noprj.shp");
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_INVALID);
	assert_contains(e.msg, "noprj.prj is not a CRS");
}

/* Copy the parts of a Shapefile into a zip, under folder inside it. */
static void zip_shapefile(const char *shp_base, const char *zip,
			  const char *folder)
{
	static const char *const exts[] = { "shp", "shx", "dbf", "prj" };
	char src[256], dst[512];

	for (size_t i = 0; i < 4; i++) {
		snprintf(src, sizeof(src), "%s/%s.%s", tmpdir, shp_base, exts[i]);
		snprintf(dst, sizeof(dst), "/vsizip/%s/%s/%s%s.%s", tmpdir, zip,
			 folder, shp_base, exts[i]);
		assert_int_equal(CPLCopyFile(dst, src), 0);
	}
}

static void *slurp(const char *path, size_t *len)
{
	vsi_l_offset size = 0;
	GByte *data = NULL;

	assert_true(VSIIngestFile(NULL, path, &data, &size, -1));
	*len = (size_t)size;
	return data;
}

static void test_zips_shapefile_kmz_file_and_buffer(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[2] = { { "Z1", NULL }, { "Z2", NULL } };
	struct feat kml_plot = { "KZ1", "POLYGON ((86.2 44.3,86.201 44.3,"
				 "86.201 44.301,86.2 44.301,86.2 44.3))" };
	char wkt[2][256], path[128], kml[128], kmz[256];
	double cx, cy;
	size_t len;
	void *data;

	(void)state;
	tpath(kml, sizeof(kml), "doc.kml");
	manas_utm_square(wkt[0], sizeof(wkt[0]), 300, &cx, &cy);
	square_wkt(wkt[1], sizeof(wkt[1]), cx + 500, cy, 300);
	f[0].wkt = wkt[0];
	f[1].wkt = wkt[1];
	tpath(path, sizeof(path), "zipped.shp");
	write_dataset(path, "ESRI Shapefile", 32645, f, 2);
	zip_shapefile("zipped", "top.zip", "");
	zip_shapefile("zipped", "nested.zip", "survey/2026/");
	/* what the macOS archiver adds beside the data */
	snprintf(kmz, sizeof(kmz), "/vsizip/%s/nested.zip/__MACOSX/survey/"
		 "2026/._zipped.shp", tmpdir);
	tpath(path, sizeof(path), "zipped.shp");
	assert_int_equal(CPLCopyFile(kmz, path), 0);

	tpath(path, sizeof(path), "top.zip");
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	assert_rel_near(plot_by_code(&r, "Z2")->area_m2, 90000, 1e-3);
	plots_read_result_free(&r);

	tpath(path, sizeof(path), "nested.zip");
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	plots_read_result_free(&r);

	/* an upload: the zip is known by its bytes, not by a name */
	data = slurp(path, &len);
	assert_read_ok(plots_read_buffer(data, len, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	assert_string_equal(r.plots[0].code, "Z1");
	plots_read_result_free(&r);
	VSIFree(data);

	/* a KMZ upload: doc.kml and the images it shows */
	write_dataset(kml, "LIBKML", 4326, &kml_plot, 1);
	snprintf(kmz, sizeof(kmz), "/vsizip/%s/plots.kmz/doc.kml", tmpdir);
	assert_int_equal(CPLCopyFile(kmz, kml), 0);
	snprintf(kmz, sizeof(kmz), "/vsizip/%s/plots.kmz/files/logo.png",
		 tmpdir);
	assert_int_equal(CPLCopyFile(kmz, kml), 0);
	tpath(path, sizeof(path), "plots.kmz");
	data = slurp(path, &len);
	assert_read_ok(plots_read_buffer(data, len, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "KZ1");
	plots_read_result_free(&r);
	VSIFree(data);
}

static void test_zip_of_two_datasets_is_refused(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128], dst[256];

	(void)state;
	tpath(path, sizeof(path), "a.geojson");
	write_text(path, COLLECTION(FEATURE("{\"code\":\"A\"}",
					    POLYGON(SQUARE_A))));
	snprintf(dst, sizeof(dst), "/vsizip/%s/two.zip/a.geojson", tmpdir);
	assert_int_equal(CPLCopyFile(dst, path), 0);
	snprintf(dst, sizeof(dst), "/vsizip/%s/two.zip/b.geojson", tmpdir);
	assert_int_equal(CPLCopyFile(dst, path), 0);
	snprintf(dst, sizeof(dst), "/vsizip/%s/empty.zip/readme.txt", tmpdir);
	assert_int_equal(CPLCopyFile(dst, path), 0);
	snprintf(dst, sizeof(dst), "/vsizip/%s/empty.zip/notes.txt", tmpdir);
	assert_int_equal(CPLCopyFile(dst, path), 0);

	tpath(path, sizeof(path), "two.zip");
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_UNSUPPORTED);
	assert_contains(e.msg, "two.zip: the zip holds 2 vector datasets");
	assert_contains(e.msg, "a.geojson");
	tpath(path, sizeof(path), "empty.zip");
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_UNSUPPORTED);
	assert_contains(e.msg, "holds no vector file");
	assert_contains(e.msg, "readme.txt");
}

static void test_kml_round_trip(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[1] = {
		{ "K1", "POLYGON ((86.2 44.3,86.201 44.3,86.201 44.301,"
			"86.2 44.301,86.2 44.3))" },
	};
	char path[128];
	double expected = equal_area_m2(f[0].wkt, 4326, 86.2005, 44.3005);

	(void)state;
	tpath(path, sizeof(path), "plots.kml");
	write_dataset(path, "LIBKML", 4326, f, 1);
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "K1");
	assert_rel_near(r.plots[0].area_m2, expected, AREA_TOLERANCE);
	/* the KML drivers' own per-placemark fields are not user attributes */
	if (r.plots[0].extra) {
		assert_null(strstr(r.plots[0].extra, "tessellate"));
		assert_null(strstr(r.plots[0].extra, "altitudeMode"));
	}
	plots_read_result_free(&r);
}

/* Typed attributes in a GeoPackage: a date, reals, text. */
static void add_attribute_layer(GDALDatasetH ds, const char *wkt)
{
	OGRSpatialReferenceH srs = srs_epsg(32645);
	OGRLayerH l = GDALDatasetCreateLayer(ds, "c_typed", srs, wkbPolygon, NULL);
	static const struct { const char *name; OGRFieldType type; } fields[] = {
		{ "CODE", OFTString }, { "Crop", OFTString },
		{ "sowing_date", OFTDate }, { "field_capacity", OFTReal },
		{ "wilting_point", OFTReal }, { "pump_kw", OFTReal },
		{ "rows", OFTInteger },
	};
	OGRFeatureH f;

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, fields[i].type);

		assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
		OGR_Fld_Destroy(fd);
	}
	f = OGR_F_Create(OGR_L_GetLayerDefn(l));
	OGR_F_SetFieldString(f, 0, " T1 ");
	OGR_F_SetFieldString(f, 1, "cotton");
	OGR_F_SetFieldDateTimeEx(f, 2, 2026, 4, 15, 0, 0, 0, 0);
	OGR_F_SetFieldDouble(f, 3, 0.31);
	OGR_F_SetFieldDouble(f, 4, 0.13);
	OGR_F_SetFieldDouble(f, 5, 7.5);
	OGR_F_SetFieldInteger(f, 6, 76);
	OGR_F_SetGeometryDirectly(f, geometry_from_wkt(wkt));
	assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
	OGR_F_Destroy(f);
	OSRDestroySpatialReference(srs);
}

/*
 * A GeoPackage of three layers: plots in UTM, plots in CGCS2000 lon/lat
 * (one a bowtie), typed attributes; and a table without geometries.
 * Feature numbers run across the layers in file order.
 */
static void test_geopackage_layers_and_typed_attributes(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	char utm[256], utm2[256], path[128];
	struct feat a[2] = { { "GP1", utm }, { "GP2", utm2 } };
	struct feat b[2] = {
		{ "GP3", "POLYGON ((86.3 44.3,86.301 44.3,86.301 44.301,"
			 "86.3 44.301,86.3 44.3))" },
		{ "GP4", "POLYGON ((86.3 44.3,86.301 44.301,86.301 44.3,"
			 "86.3 44.301,86.3 44.3))" },
	};
	const struct db_plot *t;
	GDALDatasetH ds;
	json_t *extra;
	double cx, cy;

	(void)state;
	manas_utm_square(utm, sizeof(utm), 100, &cx, &cy);
	square_wkt(utm2, sizeof(utm2), cx + 200, cy, 100);
	tpath(path, sizeof(path), "layers.gpkg");
	ds = create_dataset(path, "GPKG");
	add_layer(ds, "a_utm", 32645, wkbPolygon, a, 2);
	add_layer(ds, "b_cgcs2000", 4490, wkbPolygon, b, 2);
	add_attribute_layer(ds, utm2);
	add_layer(ds, "d_notes", 0, wkbNone, NULL, 0);
	GDALClose(ds);

	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_features, 5);
	assert_int_equal(r.n_plots, 4);
	assert_int_equal(r.n_rejects, 1);
	assert_string_equal(reject_message(&r, 4), "feature 4 (code GP4): "
			    "self-intersecting or otherwise invalid polygon");
	assert_rel_near(plot_by_code(&r, "GP1")->area_m2,
			equal_area_m2(utm, 32645, MANAS_LON, MANAS_LAT), 1e-3);
	assert_rel_near(plot_by_code(&r, "GP3")->area_m2,
			equal_area_m2(b[0].wkt, 4490, 86.3005, 44.3005),
			AREA_TOLERANCE);

	/* field names match whatever their case; the code is trimmed */
	t = plot_by_code(&r, "T1");
	assert_string_equal(t->crop, "cotton");
	assert_string_equal(t->sowing_date, "2026-04-15");
	assert_true(fabs(t->field_capacity - 0.31) < 1e-12);
	assert_true(fabs(t->wilting_point - 0.13) < 1e-12);
	extra = json_loads(t->extra, 0, NULL);
	assert_non_null(extra);
	assert_int_equal(json_object_size(extra), 2);
	assert_true(json_real_value(json_object_get(extra, "pump_kw")) == 7.5);
	assert_int_equal(json_integer_value(json_object_get(extra, "rows")), 76);
	json_decref(extra);
	plots_read_result_free(&r);
}

static void test_buffers_geojson_kml_gpkg(void **state)
{
	static const char kml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
		"<Placemark><name>North field</name><ExtendedData>"
		"<Data name=\"code\"><value>KB1</value></Data></ExtendedData>"
		"<MultiGeometry><Polygon><outerBoundaryIs><LinearRing>"
		"<coordinates>86.2,44.3 86.201,44.3 86.201,44.301 86.2,44.3"
		"</coordinates></LinearRing></outerBoundaryIs></Polygon>"
		"<Polygon><outerBoundaryIs><LinearRing><coordinates>86.21,44.3 "
		"86.211,44.3 86.211,44.301 86.21,44.3</coordinates></LinearRing>"
		"</outerBoundaryIs></Polygon></MultiGeometry></Placemark>"
		"</Document></kml>\n";
	static const char geojson[] = "\xef\xbb\xbf  " COLLECTION(
		FEATURE("{\"code\":\"B1\"}", POLYGON(SQUARE_A)));
	struct plots_read_result r;
	struct err e = { 0 };
	struct feat f[1] = { { "GB1", "POLYGON ((86.2 44.3,86.201 44.3,"
					"86.201 44.301,86.2 44.301,86.2 44.3))" } };
	char path[128], **left;
	size_t len;
	void *data;

	(void)state;
	assert_read_ok(read_json(geojson, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "B1");
	plots_read_result_free(&r);

	assert_read_ok(plots_read_buffer(kml, strlen(kml), NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "KB1");
	assert_string_equal(r.plots[0].name, "North field");
	assert_non_null(strstr(r.plots[0].geometry, "MultiPolygon"));
	plots_read_result_free(&r);

	tpath(path, sizeof(path), "buffer.gpkg");
	write_dataset(path, "GPKG", 4326, f, 1);
	data = slurp(path, &len);
	assert_read_ok(plots_read_buffer(data, len, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "GB1");
	plots_read_result_free(&r);
	VSIFree(data);

	/* nothing is left behind in /vsimem/ */
	left = VSIReadDir("/vsimem/");
	for (int i = 0; left && left[i]; i++)
		assert_null(strstr(left[i], "oasis-plots"));
	CSLDestroy(left);
}

/* ---- geometry ---- */

static void test_hole_and_multipolygon(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	char outer[256], hole[256], wkt_hole[600], wkt_multi[600], path[128];
	char big[256], small[256];
	struct feat f[2] = { { "H1", wkt_hole }, { "M1", wkt_multi } };
	double cx, cy, lon, lat, full;
	GDALDatasetH ds;

	(void)state;
	manas_utm_square(outer, sizeof(outer), 1000, &cx, &cy);
	square_wkt(hole, sizeof(hole), cx - 100, cy - 100, 200);
	/* "POLYGON ((outer),(hole))" */
	snprintf(wkt_hole, sizeof(wkt_hole), "%.*s,%s", (int)strlen(outer) - 1,
		 outer, hole + 9);
	/* two parts, one counter-clockwise and one clockwise */
	square_wkt(big, sizeof(big), cx + 2000, cy, 1000);
	snprintf(small, sizeof(small),
		 "((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))",
		 cx + 4000, cy, cx + 4000, cy + 500, cx + 4500, cy + 500,
		 cx + 4500, cy, cx + 4000, cy);
	snprintf(wkt_multi, sizeof(wkt_multi), "MULTIPOLYGON (%s,%s)", big + 8,
		 small);

	tpath(path, sizeof(path), "holes.gpkg");
	ds = create_dataset(path, "GPKG");
	add_layer(ds, "holes", 32645, wkbUnknown, f, 2);
	GDALClose(ds);
	lon = cx;
	lat = cy;
	transform_point(32645, 4326, &lon, &lat);

	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	full = equal_area_m2(outer, 32645, lon, lat);
	assert_rel_near(plot_by_code(&r, "H1")->area_m2,
			equal_area_m2(wkt_hole, 32645, lon, lat),
			AREA_TOLERANCE);
	assert_rel_near(plot_by_code(&r, "H1")->area_m2, full * 0.96, 1e-4);
	assert_rel_near(plot_by_code(&r, "M1")->area_m2,
			equal_area_m2(wkt_multi, 32645, lon + 0.03, lat),
			AREA_TOLERANCE);
	assert_rel_near(plot_by_code(&r, "M1")->area_m2, full * 1.25, 1e-3);
	assert_non_null(strstr(plot_by_code(&r, "M1")->geometry,
			       "MultiPolygon"));
	plots_read_result_free(&r);
}

static void test_bowtie_unclosed_empty_point(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"OK1\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"6523241010002\"}", POLYGON(
			"[[[86.2,44.3],[86.201,44.301],[86.201,44.3],"
			"[86.2,44.301],[86.2,44.3]]]")) ","
		/* unclosed: the last position is not the first */
		FEATURE("{\"code\":\"6523241010007\"}", POLYGON(
			"[[[86.2,44.3],[86.201,44.3],[86.201,44.301],"
			"[86.2,44.301]]]")) ","
		/* GDAL reads "coordinates":[] as no geometry at all */
		FEATURE("{\"code\":\"E1\"}", POLYGON("[[]]")) ","
		FEATURE("{\"code\":\"E2\"}", "null") ","
		FEATURE("{\"code\":\"P1\"}",
			"{\"type\":\"Point\",\"coordinates\":[86.2,44.3]}") ","
		FEATURE("{\"code\":\"T3\"}", POLYGON(
			"[[[86.2,44.3],[86.201,44.3],[86.2,44.3]]]")) ","
		/* a hole left open in the second part of a multipolygon */
		FEATURE("{\"code\":\"MH\"}", "{\"type\":\"MultiPolygon\","
			"\"coordinates\":[" SQUARE_A ",[[[86.3,44.3],[86.31,44.3],"
			"[86.31,44.31],[86.3,44.31],[86.3,44.3]],[[86.301,"
			"44.301],[86.302,44.301],[86.302,44.302],[86.301,"
			"44.302]]]]}") ","
		FEATURE("{\"code\":\"OK2\"}", POLYGON(SQUARE_B)));
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_features, 9);
	assert_int_equal(r.n_plots, 2);
	assert_int_equal(r.n_rejects, 7);
	assert_string_equal(r.plots[0].code, "OK1");
	assert_string_equal(r.plots[1].code, "OK2");
	assert_string_equal(reject_message(&r, 2), "feature 2 (code "
			    "6523241010002): self-intersecting or otherwise "
			    "invalid polygon");
	/*
	 * GDAL's GeoJSON reader keeps an unclosed ring as it is (it only
	 * warns), so the reader's own check is what names the problem.
	 */
	assert_string_equal(reject_message(&r, 3), "feature 3 (code "
			    "6523241010007): ring 1 is not closed");
	assert_string_equal(reject_message(&r, 4),
			    "feature 4 (code E1): empty geometry");
	assert_string_equal(reject_message(&r, 5),
			    "feature 5 (code E2): no geometry");
	assert_string_equal(reject_message(&r, 6), "feature 6 (code P1): a "
			    "Point is not a plot (only Polygon and "
			    "MultiPolygon are)");
	assert_string_equal(reject_message(&r, 7), "feature 7 (code T3): ring 1 "
			    "has 3 points; a closed ring needs at least 4");
	assert_string_equal(reject_message(&r, 8), "feature 8 (code MH): "
			    "polygon 2, ring 2 is not closed");
	plots_read_result_free(&r);
}

/*
 * Neither GDAL's Shapefile reader nor its KML reader closes a ring left
 * open; the reader names it.
 */
static void test_unclosed_rings_in_shapefile_and_kml(void **state)
{
	static const char kml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>"
		"<Placemark><ExtendedData><Data name=\"code\"><value>KU"
		"</value></Data></ExtendedData><Polygon><outerBoundaryIs>"
		"<LinearRing><coordinates>86.2,44.3 86.201,44.3 86.201,44.301 "
		"86.2,44.301</coordinates></LinearRing></outerBoundaryIs>"
		"</Polygon></Placemark></Document></kml>\n";
	struct feat open_ring = { "SU", "POLYGON ((86.2 44.3,86.201 44.3,"
				  "86.201 44.301,86.2 44.301))" };
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128];

	(void)state;
	tpath(path, sizeof(path), "open.shp");
	write_dataset(path, "ESRI Shapefile", 4326, &open_ring, 1);
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_rejects, 1);
	assert_string_equal(reject_message(&r, 1),
			    "feature 1 (code SU): ring 1 is not closed");
	plots_read_result_free(&r);

	assert_read_ok(plots_read_buffer(kml, strlen(kml), NULL, &r, &e));
	assert_int_equal(r.n_rejects, 1);
	assert_string_equal(reject_message(&r, 1),
			    "feature 1 (code KU): ring 1 is not closed");
	plots_read_result_free(&r);
}

static void test_z_curves_and_collections(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"Z3\"}", POLYGON(
			"[[[86.2,44.3,510],[86.201,44.3,511],[86.201,44.301,512],"
			"[86.2,44.301,513],[86.2,44.3,510]]]")) ","
		FEATURE("{\"code\":\"GC\"}", "{\"type\":\"GeometryCollection\","
			"\"geometries\":[" POLYGON(SQUARE_A) "," POLYGON(SQUARE_B)
			"]}") ","
		FEATURE("{\"code\":\"GL\"}", "{\"type\":\"GeometryCollection\","
			"\"geometries\":[" POLYGON(SQUARE_A) ",{\"type\":"
			"\"LineString\",\"coordinates\":[[86,44],[86.1,44]]}]}"));
	struct plots_read_result r;
	struct err e = { 0 };
	char wkt[256], path[128];
	struct feat f[1] = { { "C1", wkt } };
	GDALDatasetH ds;
	double cx, cy;
	OGRGeometryH g;

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	g = stored_geometry(plot_by_code(&r, "Z3"));
	assert_false(OGR_G_Is3D(g));
	OGR_G_DestroyGeometry(g);
	assert_rel_near(plot_by_code(&r, "GC")->area_m2,
			2 * plot_by_code(&r, "Z3")->area_m2, 1e-3);
	assert_contains(reject_message(&r, 3),
			"a Geometry Collection is not a plot");
	plots_read_result_free(&r);

	/* a circle of radius 100 m, linearized */
	manas_utm_square(wkt, sizeof(wkt), 10, &cx, &cy);
	snprintf(wkt, sizeof(wkt), "CURVEPOLYGON (CIRCULARSTRING (%.1f %.1f,"
		 "%.1f %.1f,%.1f %.1f))", cx - 100, cy, cx + 100, cy, cx - 100,
		 cy);
	tpath(path, sizeof(path), "curve.gpkg");
	ds = create_dataset(path, "GPKG");
	add_layer(ds, "curves", 32645, wkbCurvePolygon, f, 1);
	GDALClose(ds);
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_non_null(strstr(r.plots[0].geometry, "\"Polygon\""));
	assert_rel_near(r.plots[0].area_m2, M_PI * 1e4, 3e-3);
	plots_read_result_free(&r);
}

/* Projected coordinates in a GeoJSON without "crs" are not lon/lat. */
static void test_wrong_crs_out_of_range(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"W1\"}", POLYGON(
			"[[[436000,4906000],[436100,4906000],[436100,4906100],"
			"[436000,4906100],[436000,4906000]]]")));
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_rejects, 1);
	assert_contains(reject_message(&r, 1), "feature 1 (code W1): "
			"coordinates are not on the globe");
	assert_contains(reject_message(&r, 1), "wrong CRS?");
	plots_read_result_free(&r);
}

/* ---- codes ---- */

static void test_codes_missing_duplicate_integer(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":6523241010001}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"X\"}", POLYGON(SQUARE_B)) ","
		FEATURE("{\"name\":\"no code\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"   \"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":null}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"a/b\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"0123456789012345678901234567890123456789"
			"012345678901234567890123\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\" 0042 \"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"X\"}", POLYGON(SQUARE_A)));
	static const char json_int[] = COLLECTION(
		FEATURE("{\"code\":6523241010001}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":6523241010002}", POLYGON(SQUARE_B)));
	static const char json_real[] = COLLECTION(
		FEATURE("{\"code\":6523241010003.0}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":12.5}", POLYGON(SQUARE_B)));
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_features, 9);
	assert_int_equal(r.n_plots, 3);
	/* text codes keep their leading zeros; white space around goes */
	assert_string_equal(r.plots[0].code, "6523241010001");
	assert_string_equal(r.plots[1].code, "X");
	assert_string_equal(r.plots[2].code, "0042");
	assert_string_equal(reject_message(&r, 3),
			    "feature 3: no value in code field 'code'");
	assert_string_equal(reject_message(&r, 4),
			    "feature 4: no value in code field 'code'");
	assert_string_equal(reject_message(&r, 5),
			    "feature 5: no value in code field 'code'");
	assert_contains(reject_message(&r, 6), "'/'");
	assert_contains(reject_message(&r, 7), "too long");
	assert_string_equal(reject_message(&r, 9), "feature 9 (code X): "
			    "duplicate code, first seen at feature 2");
	plots_read_result_free(&r);

	/* an integer field: "6523241010002", not "6523241010002.0" */
	assert_read_ok(read_json(json_int, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	assert_string_equal(r.plots[1].code, "6523241010002");
	plots_read_result_free(&r);

	assert_read_ok(read_json(json_real, NULL, &r, &e));
	assert_int_equal(r.n_plots, 2);
	assert_string_equal(r.plots[0].code, "6523241010003");
	assert_string_equal(r.plots[1].code, "12.5");
	plots_read_result_free(&r);
}

/* A Shapefile's numeric code field: a real in the .dbf, printed whole. */
static void test_shapefile_numeric_code(void **state)
{
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128];
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFieldDefnH fd;
	OGRFeatureH f;
	OGRSpatialReferenceH srs = srs_epsg(4326);

	(void)state;
	tpath(path, sizeof(path), "numcode.shp");
	ds = create_dataset(path, "ESRI Shapefile");
	l = GDALDatasetCreateLayer(ds, "numcode", srs, wkbPolygon, NULL);
	fd = OGR_Fld_Create("CODE", OFTReal);
	OGR_Fld_SetWidth(fd, 20);
	OGR_Fld_SetPrecision(fd, 0);
	assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
	OGR_Fld_Destroy(fd);
	f = OGR_F_Create(OGR_L_GetLayerDefn(l));
	OGR_F_SetFieldDouble(f, 0, 6523241010001.0);
	OGR_F_SetGeometryDirectly(f, geometry_from_wkt(
		"POLYGON ((86.2 44.3,86.2 44.301,86.201 44.301,86.201 44.3,"
		"86.2 44.3))"));
	assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
	OGR_F_Destroy(f);
	GDALClose(ds);
	OSRDestroySpatialReference(srs);

	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "6523241010001");
	plots_read_result_free(&r);
}

/*
 * Chinese survey tools often write a .dbf in GBK with neither a .cpg nor
 * a code page mark; the encoding option says what it is.
 */
static void test_shapefile_encoding_option(void **state)
{
	static const char *const gbk[] = { "ENCODING=GBK", NULL };
	struct plots_read_opts o = { .encoding = "GBK" };
	struct plots_read_opts bad = { .encoding = "GBK; rm -rf /" };
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128];
	OGRSpatialReferenceH srs = srs_epsg(4326);
	GDALDatasetH ds;
	OGRLayerH l;
	OGRFieldDefnH fd;
	OGRFeatureH f;
	FILE *dbf;

	(void)state;
	tpath(path, sizeof(path), "gbk.shp");
	ds = create_dataset(path, "ESRI Shapefile");
	l = GDALDatasetCreateLayer(ds, "gbk", srs, wkbPolygon, (char **)gbk);
	fd = OGR_Fld_Create("code", OFTString);
	assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
	OGR_Fld_Destroy(fd);
	fd = OGR_Fld_Create("name", OFTString);
	assert_int_equal(OGR_L_CreateField(l, fd, TRUE), OGRERR_NONE);
	OGR_Fld_Destroy(fd);
	f = OGR_F_Create(OGR_L_GetLayerDefn(l));
	OGR_F_SetFieldString(f, 0, "G1");
	OGR_F_SetFieldString(f, 1, "一号地");
	OGR_F_SetGeometryDirectly(f, geometry_from_wkt(
		"POLYGON ((86.2 44.3,86.2 44.301,86.201 44.301,86.201 44.3,"
		"86.2 44.3))"));
	assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
	OGR_F_Destroy(f);
	GDALClose(ds);
	OSRDestroySpatialReference(srs);
	/* no .cpg, no language driver mark in the .dbf header (byte 29) */
	tpath(path, sizeof(path), "gbk.cpg");
	VSIUnlink(path);
	tpath(path, sizeof(path), "gbk.dbf");
	dbf = fopen(path, "r+b");
	assert_non_null(dbf);
	assert_int_equal(fseek(dbf, 29, SEEK_SET), 0);
	assert_int_equal(fputc(0, dbf), 0);
	assert_int_equal(fclose(dbf), 0);

	tpath(path, sizeof(path), "gbk.shp");
	assert_read_ok(plots_read_file(path, NULL, &r, &e));
	/* GDAL passes the GBK bytes through: they are not UTF-8 */
	assert_int_equal(r.n_plots, 0);
	assert_string_equal(reject_message(&r, 1), "feature 1 (code G1): "
			    "field 'name' is not UTF-8 text (a Shapefile "
			    "without its .cpg? give its encoding: --encoding "
			    "GBK, or ?encoding=GBK over HTTP)");
	plots_read_result_free(&r);
	assert_read_ok(plots_read_file(path, &o, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].name, "一号地");
	plots_read_result_free(&r);
	assert_int_equal(plots_read_file(path, &bad, &r, &e), ERR_INVALID);
	assert_contains(e.msg, "not an encoding name");
}

static void test_code_field_option_and_missing_field(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"plot_no\":\"P-1\",\"crop\":\"cotton\"}",
			POLYGON(SQUARE_A)));
	struct plots_read_opts o = { .code_field = "PLOT_NO" };
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(read_json(json, NULL, &r, &e), ERR_INVALID);
	assert_contains(e.msg, "upload: layer");
	assert_contains(e.msg, "has no field 'code' (its fields: plot_no, crop)");
	assert_contains(e.msg, "--code-field");
	assert_int_equal(r.n_plots, 0);

	assert_read_ok(read_json(json, &o, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].code, "P-1");
	/* the code field is not an extra attribute */
	assert_null(r.plots[0].extra);
	plots_read_result_free(&r);
}

/* ---- attributes ---- */

static void test_attribute_mapping(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"A1\",\"name\":\" 一号地 \",\"crop\":\"Cotton\","
			"\"variety\":\"新陆早57号\",\"sowing_date\":\"2026-04-15\","
			"\"irrigation\":\"drip\",\"soil_texture\":\"loam\","
			"\"field_capacity\":0.31,\"wilting_point\":\"0.13\","
			"\"owner\":\"Manas farm 3\",\"township\":\"Baojiadian\","
			"\"rows\":76,\"mulched\":true,\"note\":null,"
			"\"survey\":{\"by\":\"team 2\",\"year\":2025}}",
			POLYGON(SQUARE_A)));
	/*
	 * The short name of the demo data, in a file of its own: of several
	 * names of one column the first found wins, the others are extra.
	 */
	static const char sown[] = COLLECTION(
		FEATURE("{\"code\":\"A2\",\"sown\":\"2026-04-20\"}",
			POLYGON(SQUARE_B)));
	struct plots_read_result r;
	struct err e = { 0 };
	const struct db_plot *p;
	json_t *extra;

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	p = plot_by_code(&r, "A1");
	assert_string_equal(p->name, "一号地");
	assert_string_equal(p->crop, "Cotton");
	assert_string_equal(p->variety, "新陆早57号");
	assert_string_equal(p->sowing_date, "2026-04-15");
	assert_string_equal(p->irrigation, "drip");
	assert_string_equal(p->soil_texture, "loam");
	assert_string_equal(p->owner, "Manas farm 3");
	assert_true(p->field_capacity == 0.31);
	assert_true(p->wilting_point == 0.13);
	extra = json_loads(p->extra, 0, NULL);
	assert_non_null(extra);
	assert_int_equal(json_object_size(extra), 4); /* null skipped */
	assert_string_equal(json_string_value(json_object_get(extra,
				"township")), "Baojiadian");
	assert_int_equal(json_integer_value(json_object_get(extra, "rows")), 76);
	assert_true(json_is_true(json_object_get(extra, "mulched")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(extra, "survey"), "by")), "team 2");
	json_decref(extra);
	plots_read_result_free(&r);

	assert_read_ok(read_json(sown, NULL, &r, &e));
	assert_int_equal(r.n_plots, 1);
	assert_string_equal(r.plots[0].sowing_date, "2026-04-20");
	assert_null(r.plots[0].extra);
	plots_read_result_free(&r);
}

static void test_invalid_attributes_name_the_field(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"V1\",\"sowing_date\":\"2026-02-30\"}",
			POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V2\",\"sowing_date\":\"15/04/2026\"}",
			POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V3\",\"field_capacity\":35}",
			POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V4\",\"wilting_point\":\"dry\"}",
			POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V5\",\"field_capacity\":0.1,"
			"\"wilting_point\":0.2}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V6\",\"name\":\"" /* 130 bytes */
			"0123456789012345678901234567890123456789"
			"0123456789012345678901234567890123456789"
			"0123456789012345678901234567890123456789"
			"0123456789\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"V7\",\"wilting_point\":0}",
			POLYGON(SQUARE_A)));
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_read_ok(read_json(json, NULL, &r, &e));
	assert_int_equal(r.n_plots, 0);
	assert_int_equal(r.n_rejects, 7);
	assert_string_equal(reject_message(&r, 1), "feature 1 (code V1): field "
			    "'sowing_date': '2026-02-30' is not a date "
			    "(YYYY-MM-DD)");
	assert_contains(reject_message(&r, 2), "field 'sowing_date': "
			"'15/04/2026' is not a date");
	assert_contains(reject_message(&r, 3), "field 'field_capacity' is 35");
	assert_contains(reject_message(&r, 4), "field 'wilting_point': 'dry' "
			"is not a number");
	assert_contains(reject_message(&r, 5), "field capacity 0.1 is not "
			"above wilting point 0.2");
	assert_contains(reject_message(&r, 6), "field 'name' is too long "
			"(130 bytes; at most 127)");
	assert_contains(reject_message(&r, 7), "field 'wilting_point' is 0");
	plots_read_result_free(&r);
}

/* ---- whole-file errors ---- */

static void test_unknown_crs_is_a_whole_file_error(void **state)
{
	static const char json[] = "{\"type\":\"FeatureCollection\",\"crs\":"
		"{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:999999\"}},"
		"\"features\":[" FEATURE("{\"code\":\"C1\"}", POLYGON(SQUARE_A))
		"]}";
	struct plots_read_opts bad = { .assign_crs = "EPSG:999999" };
	struct plots_read_opts file = { .assign_crs = "/etc/passwd" };
	struct plots_read_opts good = { .assign_crs = "EPSG:4326" };
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128];

	(void)state;
	tpath(path, sizeof(path), "badcrs.geojson");
	write_text(path, json);
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_INVALID);
	assert_contains(e.msg, path);
	assert_contains(e.msg, "unknown CRS");
	assert_int_equal(r.n_plots, 0);
	assert_null(r.plots);

	assert_int_equal(plots_read_file(path, &bad, &r, &e), ERR_INVALID);
	assert_contains(e.msg, "unknown CRS 'EPSG:999999'");
	assert_int_equal(plots_read_file(path, &file, &r, &e), ERR_INVALID);
	assert_contains(e.msg, "is not a CRS definition");
	/* an assigned CRS overrides the file's */
	assert_read_ok(plots_read_file(path, &good, &r, &e));
	assert_int_equal(r.n_plots, 1);
	plots_read_result_free(&r);
}

static void test_not_a_vector_file(void **state)
{
	static const char junk[] = "\x01\x02 this is not a vector file";
	struct feat alone = { "S1", "POLYGON ((86.2 44.3,86.2 44.301,"
			      "86.201 44.301,86.201 44.3,86.2 44.3))" };
	struct plots_read_result r;
	struct err e = { 0 };
	char path[128];
	void *data;
	size_t len;

	(void)state;
	tpath(path, sizeof(path), "notes.txt");
	write_text(path, "Field survey notes, spring 2026.\n");
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_UNSUPPORTED);
	assert_contains(e.msg, path);
	assert_contains(e.msg, "not a vector file");

	tpath(path, sizeof(path), "missing.geojson");
	assert_int_equal(plots_read_file(path, NULL, &r, &e), ERR_NOT_FOUND);
	assert_contains(e.msg, "missing.geojson: no such file");

	assert_int_equal(plots_read_buffer(junk, sizeof(junk) - 1, NULL, &r,
					   &e), ERR_UNSUPPORTED);
	assert_contains(e.msg, "upload: not a vector file");
	assert_int_equal(plots_read_buffer("", 0, NULL, &r, &e), ERR_INVALID);

	/* the main file of a Shapefile alone */
	tpath(path, sizeof(path), "alone.shp");
	write_dataset(path, "ESRI Shapefile", 4326, &alone, 1);
	data = slurp(path, &len);
	assert_int_equal(plots_read_buffer(data, len, NULL, &r, &e),
			 ERR_UNSUPPORTED);
	assert_contains(e.msg, "send a .zip of its .shp, .shx, .dbf and .prj");
	VSIFree(data);

	/* a GeoJSON cut short names the format */
	assert_int_equal(read_json("{\"type\": \"FeatureCollection\", ", NULL,
				   &r, &e), ERR_UNSUPPORTED);
	assert_contains(e.msg, "GeoJSON");
}

static void test_too_many_features(void **state)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"1\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"2\"}", POLYGON(SQUARE_B)) ","
		FEATURE("{\"code\":\"3\"}", POLYGON(SQUARE_A)));
	struct plots_read_opts o = { .max_features = 2, .label = "up.json" };
	struct plots_read_result r;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(read_json(json, &o, &r, &e), ERR_TOO_LARGE);
	assert_contains(e.msg, "up.json: more than 2 features");
	assert_int_equal(r.n_plots, 0);
	o.max_features = 3;
	assert_read_ok(read_json(json, &o, &r, &e));
	assert_int_equal(r.n_features, 3);
	plots_read_result_free(&r);
}

/* ---- threads ---- */

static void *read_in_thread(void *arg)
{
	static const char json[] = COLLECTION(
		FEATURE("{\"code\":\"T1\"}", POLYGON(SQUARE_A)) ","
		FEATURE("{\"code\":\"T2\"}", POLYGON(SQUARE_B)));
	size_t *plots = arg;

	for (int i = 0; i < 10; i++) {
		struct plots_read_result r;
		struct err e = { 0 };

		if (read_json(json, NULL, &r, &e) == ERR_OK)
			*plots += r.n_plots;
		plots_read_result_free(&r);
	}
	return NULL;
}

static void test_parallel_reads(void **state)
{
	pthread_t t[4];
	size_t plots[4] = { 0 };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, read_in_thread,
						&plots[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(plots[i], 20);
	}
}

/* ---- fixture ---- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oasis-plots-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	GDALAllRegister();
	/* the tests write files with OGR; its warnings are not results */
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
		cmocka_unit_test(test_geodesic_octant_of_wgs84),
		cmocka_unit_test(test_geodesic_ogr_polygon_and_units),
		cmocka_unit_test(test_utm_square_geojson_file),
		cmocka_unit_test(test_cgcs2000_gauss_krueger_shapefiles),
		cmocka_unit_test(test_shapefile_without_prj_needs_assigned_crs),
		cmocka_unit_test(test_zips_shapefile_kmz_file_and_buffer),
		cmocka_unit_test(test_zip_of_two_datasets_is_refused),
		cmocka_unit_test(test_kml_round_trip),
		cmocka_unit_test(test_geopackage_layers_and_typed_attributes),
		cmocka_unit_test(test_buffers_geojson_kml_gpkg),
		cmocka_unit_test(test_hole_and_multipolygon),
		cmocka_unit_test(test_bowtie_unclosed_empty_point),
		cmocka_unit_test(test_unclosed_rings_in_shapefile_and_kml),
		cmocka_unit_test(test_z_curves_and_collections),
		cmocka_unit_test(test_wrong_crs_out_of_range),
		cmocka_unit_test(test_codes_missing_duplicate_integer),
		cmocka_unit_test(test_shapefile_numeric_code),
		cmocka_unit_test(test_shapefile_encoding_option),
		cmocka_unit_test(test_code_field_option_and_missing_field),
		cmocka_unit_test(test_attribute_mapping),
		cmocka_unit_test(test_invalid_attributes_name_the_field),
		cmocka_unit_test(test_unknown_crs_is_a_whole_file_error),
		cmocka_unit_test(test_not_a_vector_file),
		cmocka_unit_test(test_too_many_features),
		cmocka_unit_test(test_parallel_reads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
