/*
 * coverage: the operations a machine's day of fixes did on plots, and the
 * area it worked on each (GDAL/OGR geometry, GEOS behind it; PROJ for the
 * projection).  No I/O, no clock, no globals: the service reads the track
 * and the plots and calls this.
 *
 * How (docs/FLEET.md says the same for users):
 *   1. Working runs: consecutive fixes with working set, a position, and
 *      at most max_gap_ms between them.  A run of one fix works nothing.
 *   2. The fixes are projected to a transverse Mercator centred on the
 *      track (PROJ), so lengths and areas are metres and m² (scale error
 *      below 1e-6 within 10 km of the centre).
 *   3. Each run is a line, simplified (Douglas-Peucker, OGR_G_Simplify)
 *      by simplify_m; the runs' lines are buffered together by half the
 *      swath (OGR_G_Buffer: round joins and ends), which unions them:
 *      ground worked twice counts once.  A straight pass of length L
 *      covers L*w + pi*w²/4 (its two rounded ends).
 *   4. Each plot's worked area is the area of that coverage intersected
 *      with the plot; its share is that over the plot's area (both in the
 *      same projection).  Start and end are the first and last working
 *      fix inside the plot (or, when the swath only grazed it, of the
 *      runs touching it).
 */
#ifndef OASIS_FLEET_COVERAGE_H
#define OASIS_FLEET_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct coverage_fix {
	int64_t ts_ms;
	double lon, lat;      /* degrees; NAN: no position */
	bool working;
};

struct coverage_plot {
	const char *code;
	const char *geojson;  /* Polygon or MultiPolygon, EPSG:4326 lon/lat */
};

struct coverage_opts {
	double swath_m;       /* working width */
	int64_t max_gap_ms;   /* a longer silence ends a run (0: 5 minutes) */
	double simplify_m;    /* tolerance of the simplification (0: 0.1 m;
				 negative: none) */
};

struct coverage_op {
	size_t plot;          /* index into the plots given */
	int64_t start_ms, end_ms;
	double worked_m2;     /* coverage inside the plot */
	double plot_m2;       /* the plot's area in the same projection */
	double share;         /* worked_m2 / plot_m2, in [0, 1] */
};

/* The whole day's coverage of a track, whatever the plots. */
struct coverage_total {
	double worked_m2;     /* area of the buffered runs */
	double path_m;        /* length of the working runs */
	size_t runs, vertices; /* runs, and vertices left after simplifying */
};

/*
 * One operation per plot the coverage touches (with a positive area), in
 * the order of plots.  *ops is the caller's to free(); total may be NULL.
 * ERR_INVALID for a bad plot geometry or swath; ERR_UNSUPPORTED when GDAL
 * or PROJ fails.
 */
int coverage_operations(const struct coverage_fix *fx, size_t n,
			const struct coverage_opts *o,
			const struct coverage_plot *plots, size_t n_plots,
			struct coverage_op **ops, size_t *n_ops,
			struct coverage_total *total, struct err *e);

#endif
