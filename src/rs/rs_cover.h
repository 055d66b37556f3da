/*
 * rs_cover: which pixels a plot covers, and how much of each.
 *
 * A plot's outline is a struct rs_shape: its rings (the outer ring and the
 * holes of every polygon of a MultiPolygon) in PIXEL coordinates of the
 * raster's grid: x = column, y = row, pixel (c, r) is the unit square
 * [c, c+1) x [r, r+1) and its centre is (c + 0.5, r + 0.5).  The rings
 * come from the raster's inverse geotransform; this module knows nothing
 * of CRSs or files.
 *
 * Two rules say which pixels belong to a plot:
 *
 * RS_RULE_CENTRE, a pixel whose centre lies inside the outline.  This is
 * GDAL's polygon rasterization (llrasterize.cpp, used by gdal_rasterize,
 * GDALRasterizeGeometries and so by rasterio's rasterize/geometry_mask),
 * reproduced operation for operation so that the answer is the same pixel
 * set, boundary cases included:
 *   - each polygon (an outer ring and its holes; a new polygon starts at
 *     each ring that is not a hole) is an even-odd fill of its own, and a
 *     MultiPolygon's pixels are the union of its polygons' (GDAL fills the
 *     parts one by one);
 *   - on row r the scanline is y = r + 0.5; an edge from (x1, y1) to
 *     (x2, y2), taken with y1 < y2, crosses it when y1 <= y < y2 (a
 *     vertex exactly on the scanline counts for the edge going down from
 *     it, once), at x = (y - y1)(x2 - x1)/(y2 - y1) + x1, rounded to the
 *     column floor(x + 0.5);
 *   - the sorted crossings pair up into runs [a, b): pixel c is inside
 *     when a <= c < b, i.e. a centre exactly on a crossing is inside at
 *     the run's right end and outside at its left end (x = c + 0.5 gives
 *     floor(c + 1) = c + 1);
 *   - a horizontal edge lying exactly on a scanline adds the pixels
 *     [floor(x2 + 0.5), floor(x1 + 0.5)) when it runs towards -x
 *     (x1 > x2), and nothing when it runs towards +x; the union of all
 *     runs of a row is taken, so no pixel counts twice.
 * Ring orientation matters for the last point.  GDAL turns every ring,
 * outer or hole, clockwise in georeferenced coordinates before filling;
 * rs_place_geojson (rs_plots.h) does the same, which on a north-up grid
 * makes each ring's bottom edge run towards -x: centres on an outer ring's
 * top or bottom edge are inside, on a hole's top edge outside and on its
 * bottom edge inside.
 *
 * RS_RULE_EXACT, every pixel the outline touches, with the fraction of the
 * pixel's area inside the outline (exactextract's coverage fraction): the
 * area of (outer rings minus holes) intersected with the pixel square.  It
 * is computed exactly for straight edges by signed-area accumulation:
 * each edge adds, row by row, the trapezoid between itself and the right
 * edge of each cell it crosses, and a running sum along the row turns the
 * contributions into the coverage of every cell.  Fractions within 1e-9 of
 * 0 or 1 are rounding noise and are taken as 0 or 1.
 *
 * Pure computation: no I/O, no globals.
 */
#ifndef OASIS_RS_RS_COVER_H
#define OASIS_RS_RS_COVER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum rs_rule {
	RS_RULE_CENTRE = 0, /* pixels whose centre is inside (GDAL's rule) */
	RS_RULE_EXACT,	    /* every touched pixel, weighted by coverage */
};

/* Fractions closer than this to 0 or 1 are taken as 0 or 1. */
#define RS_COVER_SNAP 1e-9

/* A plot's outline in pixel coordinates.  Owns its arrays. */
struct rs_shape {
	size_t n_rings;
	size_t *ring_start; /* [n_rings + 1]: ring i is points
			     * ring_start[i] .. ring_start[i + 1] - 1 */
	bool *ring_hole;    /* [n_rings]: an inner ring of its polygon */
	double *x, *y;	    /* [ring_start[n_rings]] */
	double xmin, ymin, xmax, ymax; /* bounding box of all points */
	size_t cap_rings, cap_points;
};

/* One run of pixels on a row: columns [col0, col1), each covered w. */
struct rs_run {
	int row;
	int col0, col1;
	double w; /* 1 with RS_RULE_CENTRE; (0, 1] with RS_RULE_EXACT */
};

/* A growable list of runs, owned by the caller (zero-initialise it). */
struct rs_runs {
	struct rs_run *run;
	size_t n, cap;
};

/* Scratch space of the cover functions, reused from call to call. */
struct rs_cover_work;

void rs_shape_init(struct rs_shape *s);
/* Release the arrays of s and leave it empty. */
void rs_shape_free(struct rs_shape *s);

/*
 * Append a ring of n >= 3 points (a closing point equal to the first may
 * be given or not).  hole: an inner ring of its polygon.  ERR_INVALID for
 * fewer than 3 points or a non-finite coordinate, ERR_NOMEM.
 */
int rs_shape_add_ring(struct rs_shape *s, const double *x, const double *y,
		      size_t n, bool hole, struct err *e);

/* Area in pixels: the outer rings' areas minus the holes'. */
double rs_shape_area(const struct rs_shape *s);

/* NULL when out of memory.  Free with rs_cover_work_free. */
struct rs_cover_work *rs_cover_work_new(void);
void rs_cover_work_free(struct rs_cover_work *w);

void rs_runs_free(struct rs_runs *r);

/*
 * Append to out the runs of the pixels of rows [row0, row1) and columns
 * [col0, col1) that s covers under rule, row by row, each row's runs left
 * to right.  ERR_NOMEM only.
 */
int rs_cover_rows(const struct rs_shape *s, enum rs_rule rule, int row0,
		  int row1, int col0, int col1, struct rs_cover_work *w,
		  struct rs_runs *out, struct err *e);

/*
 * How much of the grid s covers, wherever that is (no image bounds): the
 * number of pixel centres inside (RS_RULE_CENTRE) or the area in pixels
 * (RS_RULE_EXACT).  ERR_TOO_LARGE when the centre count would take more
 * than RS_COVER_MAX_ROWS scanlines; ERR_NOMEM.
 */
#define RS_COVER_MAX_ROWS 10000000
int rs_cover_total(const struct rs_shape *s, enum rs_rule rule,
		   struct rs_cover_work *w, double *out, struct err *e);

#endif
