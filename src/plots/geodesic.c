/* Geodesic areas on the WGS 84 ellipsoid with PROJ's geodesic routines. */
#include "plots/geodesic.h"

#include <math.h>
#include <pthread.h>

/* PROJ's header of the same base name, found on the system include path. */
#include <geodesic.h>

static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void)
{
	geod_init(&wgs84, GEODESIC_WGS84_A, GEODESIC_WGS84_F);
}

/* The ellipsoid, set up once; read-only afterwards, so shared by threads. */
static const struct geod_geodesic *ellipsoid(void)
{
	pthread_once(&wgs84_once, wgs84_init);
	return &wgs84;
}

/* Close the accumulated ring and return its absolute area. */
static double polygon_finish(struct geod_polygon *poly)
{
	double area = 0, perimeter = 0;

	/* reverse = 0, sign = 1: signed area, so clockwise gives -area */
	geod_polygon_compute(ellipsoid(), poly, 0, 1, &area, &perimeter);
	return fabs(area);
}

double geodesic_ring_area_m2(const double *lon, const double *lat, size_t n)
{
	struct geod_polygon poly;

	if (n >= 2 && lon[0] == lon[n - 1] && lat[0] == lat[n - 1])
		n--;
	if (n < 3)
		return 0;
	geod_polygon_init(&poly, 0);
	for (size_t i = 0; i < n; i++)
		geod_polygon_addpoint(ellipsoid(), &poly, lat[i], lon[i]);
	return polygon_finish(&poly);
}

/* The absolute area of an OGR linear ring (lon, lat degrees). */
static double ogr_ring_area_m2(OGRGeometryH ring)
{
	struct geod_polygon poly;
	int n = OGR_G_GetPointCount(ring);

	if (n >= 2 && OGR_G_GetX(ring, 0) == OGR_G_GetX(ring, n - 1) &&
	    OGR_G_GetY(ring, 0) == OGR_G_GetY(ring, n - 1))
		n--;
	if (n < 3)
		return 0;
	geod_polygon_init(&poly, 0);
	for (int i = 0; i < n; i++)
		geod_polygon_addpoint(ellipsoid(), &poly, OGR_G_GetY(ring, i),
				      OGR_G_GetX(ring, i));
	return polygon_finish(&poly);
}

/* Outer ring minus holes. */
static double ogr_polygon_area_m2(OGRGeometryH polygon)
{
	int rings = OGR_G_GetGeometryCount(polygon);
	double area;

	if (rings == 0)
		return 0;
	area = ogr_ring_area_m2(OGR_G_GetGeometryRef(polygon, 0));
	for (int i = 1; i < rings; i++)
		area -= ogr_ring_area_m2(OGR_G_GetGeometryRef(polygon, i));
	return area;
}

int geodesic_polygon_area_m2(OGRGeometryH g, double *out_m2, struct err *e)
{
	OGRwkbGeometryType type;
	double area = 0;

	if (!g)
		return err_set(e, ERR_INVALID, "area of a null geometry");
	type = wkbFlatten(OGR_G_GetGeometryType(g));
	if (type == wkbPolygon) {
		area = ogr_polygon_area_m2(g);
	} else if (type == wkbMultiPolygon) {
		for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
			area += ogr_polygon_area_m2(OGR_G_GetGeometryRef(g, i));
	} else {
		return err_set(e, ERR_INVALID, "area of a %s: only Polygon "
			       "and MultiPolygon have one",
			       OGRGeometryTypeToName(type));
	}
	*out_m2 = area;
	return ERR_OK;
}
