/*
 * geodesic: areas on the WGS 84 ellipsoid, for field plots and any other
 * polygon in longitude/latitude degrees.
 *
 * Areas are computed with PROJ's geodesic routines (Karney's algorithms,
 * the ones GeographicLib uses): each edge is a geodesic on the ellipsoid
 * a = 6378137 m, f = 1/298.257223563, and the result is exact to a fraction
 * of a square metre for plot-sized polygons.  Nothing here works on degrees
 * as if they were planar units.
 *
 * Ring orientation does not matter: every ring counts by its absolute area.
 * A polygon's area is its outer ring's minus its holes'; a multipolygon's is
 * the sum of its parts'.  The functions are pure and thread-safe.
 */
#ifndef OASIS_PLOTS_GEODESIC_H
#define OASIS_PLOTS_GEODESIC_H

#include <stddef.h>

#include <ogr_api.h>

#include "util/err.h"

#define GEODESIC_WGS84_A 6378137.0
#define GEODESIC_WGS84_F (1.0 / 298.257223563)

#define GEODESIC_M2_PER_HA 10000.0
#define GEODESIC_M2_PER_MU (10000.0 / 15.0) /* 1 mu = 666.67 m2 */

/*
 * The area in m2 of the ring through the n points (lon[i], lat[i]), in
 * degrees.  A last point equal to the first (a closed ring) is not counted
 * twice; fewer than 3 distinct positions give 0.
 */
double geodesic_ring_area_m2(const double *lon, const double *lat, size_t n);

/*
 * The area in m2 of a Polygon or MultiPolygon whose x is longitude and y is
 * latitude in degrees (Z and M, if any, are ignored).  Any other geometry
 * type is ERR_INVALID (linearize curves first).  g is only read.
 */
int geodesic_polygon_area_m2(OGRGeometryH g, double *out_m2, struct err *e);

static inline double geodesic_m2_to_ha(double m2)
{
	return m2 / GEODESIC_M2_PER_HA;
}

static inline double geodesic_m2_to_mu(double m2)
{
	return m2 / GEODESIC_M2_PER_MU;
}

#endif
