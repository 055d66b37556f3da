/*
 * One plot's geometry: from whatever the file holds to a checked 2D
 * Polygon or MultiPolygon in EPSG:4326, its bounding box, its geodesic
 * area and its GeoJSON text.
 *
 * Checks, in order, each with its own reason: a geometry at all; a polygon
 * type (curves are linearized, Z and M dropped, a collection of polygons
 * becomes a MultiPolygon); not empty; every ring with finite coordinates,
 * closed and of at least 4 points; valid (GEOS: no self-intersection, holes
 * inside, ...); transformable; inside lon [-180, 180] and lat [-90, 90].
 *
 * Ring closure is checked here, before the validity test, because GEOS
 * cannot even build an unclosed ring and would only say "invalid".  GDAL
 * 3.6's GeoJSON, Shapefile and KML (LIBKML) readers do not close rings:
 * they hand them over as they are (GeoJSON only warns "Non closed ring
 * detected"; the unit tests pin this down for the three), so this check is
 * what catches them.  Validity is tested in the file's own CRS, on the
 * coordinates as surveyed.
 */
#include "plots/plots_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>

#include "plots/geodesic.h"

#define COORD_PRECISION_OPTION "COORDINATE_PRECISION=8"

/* PLOTS_COORD_DECIMALS and the option above must say the same. */
_Static_assert(PLOTS_COORD_DECIMALS == 8, "COORD_PRECISION_OPTION");

static int reject(char *reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int reject(char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, PLOTS_REASON_MAX, fmt, ap);
	va_end(ap);
	return ERR_INVALID;
}

static bool is_polygonal(OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));

	return t == wkbPolygon || t == wkbMultiPolygon;
}

/* Types that may hold only polygons once linearized. */
static bool is_convertible(OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));

	return t == wkbCurvePolygon || t == wkbMultiSurface ||
	       t == wkbGeometryCollection;
}

/*
 * Make *g a 2D Polygon or MultiPolygon (replacing it when needed), or
 * reject it naming the type it had.
 */
static int to_polygonal(OGRGeometryH *g, char *reason, struct err *e)
{
	OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(*g));
	OGRGeometryH linear;

	if (OGR_G_HasCurveGeometry(*g, TRUE)) {
		linear = OGR_G_GetLinearGeometry(*g, 0, NULL);
		if (!linear)
			return err_nomem(e);
		OGR_G_DestroyGeometry(*g);
		*g = linear;
	}
	OGR_G_FlattenTo2D(*g); /* drops Z and M */
	if (is_convertible(*g)) {
		/* stays a collection unless all its parts are polygons */
		*g = OGR_G_ForceTo(*g, wkbMultiPolygon, NULL);
		if (!*g)
			return err_nomem(e);
	}
	if (!is_polygonal(*g))
		return reject(reason, "a %s is not a plot (only Polygon and "
			      "MultiPolygon are)", OGRGeometryTypeToName(type));
	return ERR_OK;
}

/* Ring checks of one polygon; part is its number in a multipolygon or 0. */
static int check_polygon_rings(OGRGeometryH poly, int part, char *reason)
{
	char where[32] = "";
	int rings = OGR_G_GetGeometryCount(poly);

	if (part)
		snprintf(where, sizeof(where), "polygon %d, ", part);
	if (rings == 0)
		return reject(reason, "%sempty polygon", where);
	for (int r = 0; r < rings; r++) {
		OGRGeometryH ring = OGR_G_GetGeometryRef(poly, r);
		int n = OGR_G_GetPointCount(ring);

		for (int i = 0; i < n; i++)
			if (!isfinite(OGR_G_GetX(ring, i)) ||
			    !isfinite(OGR_G_GetY(ring, i)))
				return reject(reason, "%sring %d: point %d is "
					      "not a finite number", where,
					      r + 1, i + 1);
		if (n >= 2 && (OGR_G_GetX(ring, 0) != OGR_G_GetX(ring, n - 1) ||
			       OGR_G_GetY(ring, 0) != OGR_G_GetY(ring, n - 1)))
			return reject(reason, "%sring %d is not closed", where,
				      r + 1);
		if (n < 4)
			return reject(reason, "%sring %d has %d point%s; a closed "
				      "ring needs at least 4", where, r + 1,
				      n, n == 1 ? "" : "s");
	}
	return ERR_OK;
}

static int check_rings(OGRGeometryH g, char *reason)
{
	int rc = ERR_OK;

	if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon)
		return check_polygon_rings(g, 0, reason);
	for (int i = 0; i < OGR_G_GetGeometryCount(g) && !rc; i++)
		rc = check_polygon_rings(OGR_G_GetGeometryRef(g, i), i + 1,
					 reason);
	return rc;
}

/* Transform g to lon/lat and check it lands there; fills bbox. */
static int to_lonlat(OGRGeometryH g, OGRCoordinateTransformationH ct,
		     double bbox[4], char *reason)
{
	OGREnvelope env;

	if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE)
		return reject(reason, "cannot be transformed to lon/lat "
			      "(coordinates outside the CRS's area: wrong CRS?)");
	OGR_G_GetEnvelope(g, &env);
	if (!(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 &&
	      env.MaxY <= 90))
		return reject(reason, "coordinates are not on the globe after "
			      "transformation to lon/lat (lon %.6g..%.6g, lat "
			      "%.6g..%.6g): wrong CRS?", env.MinX, env.MaxX,
			      env.MinY, env.MaxY);
	bbox[0] = env.MinX;
	bbox[1] = env.MinY;
	bbox[2] = env.MaxX;
	bbox[3] = env.MaxY;
	return ERR_OK;
}

static int to_geojson(OGRGeometryH g, char **out, struct err *e)
{
	char *options[] = { COORD_PRECISION_OPTION, NULL };
	char *json = OGR_G_ExportToJsonEx(g, options);

	if (!json)
		return err_set(e, ERR_INTERNAL,
			       "cannot write a polygon as GeoJSON: %s",
			       CPLGetLastErrorMsg());
	*out = strdup(json); /* db_plot_free releases it with free() */
	CPLFree(json);
	return *out ? ERR_OK : err_nomem(e);
}

/* Everything up to and including the lon/lat bounds check. */
static int checked_lonlat(OGRGeometryH *g, OGRCoordinateTransformationH ct,
			  struct db_plot *p, char *reason, struct err *e)
{
	int rc;

	if (!*g)
		return reject(reason, "no geometry");
	rc = to_polygonal(g, reason, e);
	if (rc)
		return rc;
	if (OGR_G_IsEmpty(*g))
		return reject(reason, "empty geometry");
	rc = check_rings(*g, reason);
	if (rc)
		return rc;
	if (!OGR_G_IsValid(*g))
		return reject(reason, "self-intersecting or otherwise invalid "
			      "polygon");
	return to_lonlat(*g, ct, p->bbox, reason);
}

int plots__geometry(OGRGeometryH g, OGRCoordinateTransformationH ct,
		    struct db_plot *p, char *reason, struct err *e)
{
	int rc = checked_lonlat(&g, ct, p, reason, e);

	if (rc)
		goto out_free_geometry;
	if (geodesic_polygon_area_m2(g, &p->area_m2, e)) {
		rc = ERR_INTERNAL; /* cannot happen: g is polygonal */
		goto out_free_geometry;
	}
	if (!(p->area_m2 > 0)) {
		rc = reject(reason, "the polygon has no area");
		goto out_free_geometry;
	}
	rc = to_geojson(g, &p->geometry, e);
out_free_geometry:
	if (g)
		OGR_G_DestroyGeometry(g);
	return rc;
}
