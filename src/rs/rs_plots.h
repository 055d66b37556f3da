/*
 * rs_plots: plots (GeoJSON geometries in EPSG:4326 longitude/latitude, as
 * the registry and plots_read give them) placed on a raster's grid, and
 * their zonal statistics: the entry point the command and the imagery
 * service call.
 *
 * Placing a plot: the geometry is parsed with OGR, transformed to the
 * raster's CRS with PROJ through OGR (both CRSs in traditional GIS axis
 * order: x = longitude or easting), and every vertex is taken to pixel
 * coordinates with the inverse of the raster's geotransform, computed the
 * way GDAL's rasterizer does it (GDALInvGeoTransform, then
 * px = i0 + X i1 + Y i2), so that pixel-centre results are the same as
 * gdal_rasterize's on the same plot.  Edges stay straight between the
 * transformed vertices, as in GDAL.
 */
#ifndef OASIS_RS_RS_PLOTS_H
#define OASIS_RS_RS_PLOTS_H

#include <stddef.h>

#include "rs/rs_cover.h"
#include "rs/rs_raster.h"
#include "rs/rs_zonal.h"
#include "util/err.h"

struct rs_placer;

/*
 * A placer onto the grid of CRS crs_wkt (WKT, or anything
 * OSRSetFromUserInput takes that names a CRS by itself) and geotransform
 * gt.  Free with rs_placer_free.
 */
int rs_placer_new(const char *crs_wkt, const double gt[6],
		  struct rs_placer **out, struct err *e);
void rs_placer_free(struct rs_placer *p);

/*
 * The outline of a Polygon or MultiPolygon GeoJSON geometry (lon/lat) in
 * pixel coordinates, into *out (initialised here; release with
 * rs_shape_free, also on error).  ERR_INVALID with the reason for what is
 * not a (Multi)Polygon or cannot be transformed.
 */
int rs_place_geojson(struct rs_placer *p, const char *geojson,
		     struct rs_shape *out, struct err *e);

/* Told about a plot that could not be placed (i is its index). */
typedef void (*rs_bad_plot_fn)(size_t i, const char *why, void *ctx);

/*
 * The zonal statistics over raster r of n plots given as GeoJSON
 * geometries (EPSG:4326), into out[n].  A plot that cannot be placed gets
 * state RS_ZONE_NO_SHAPE and is told to bad (may be NULL); the others are
 * computed as rs_zonal_scan says.
 */
int rs_zonal_plots(struct rs_raster *r, const char *const *geojson, size_t n,
		   const struct rs_zonal_opts *o, rs_bad_plot_fn bad,
		   void *bad_ctx, struct rs_zonal_result *out, struct err *e);

/*
 * The same over any source of values on the grid (crs_wkt, gt): a reader
 * wrapping rs_raster_source's, for instance, that also keeps a reduced
 * copy of the values (the imagery service's previews).
 */
int rs_zonal_plots_source(const struct rs_zonal_source *src,
			  const char *crs_wkt, const double gt[6],
			  const char *const *geojson, size_t n,
			  const struct rs_zonal_opts *o, rs_bad_plot_fn bad,
			  void *bad_ctx, struct rs_zonal_result *out,
			  struct err *e);

#endif
