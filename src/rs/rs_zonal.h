/*
 * rs_zonal: per-plot statistics of a raster of values, in one streaming
 * pass over the raster on all cores.
 *
 * The raster is read through a small reader interface (struct
 * rs_zonal_source): strips of rows of values, NAN where a pixel has no
 * value (nodata, cloud, an undefined index).  rs_raster.h implements it
 * with GDAL; the unit tests implement it with arrays.  This module does no
 * I/O of its own and knows nothing of files, CRSs or GDAL.
 *
 * How the pass goes.  The rows are cut into work items (a row of the
 * file's blocks: the reader says how tall) and each item into chunks of
 * about opts.chunk_pixels pixels.  Worker threads take the items in order;
 * each opens its own reader (GDAL datasets are not thread-safe) and, for
 * every chunk, reads the values and walks the plots whose rows meet the
 * chunk, asking rs_cover for their pixels there.  The valid values of a
 * (plot, chunk) pair become one piece, handed to the plot under its lock.
 * When a plot's last piece arrives (the scan has passed its bounding box)
 * the thread that brought it joins the pieces in raster order, computes
 * the statistics (rs_stats) and frees the values.
 *
 * Memory is therefore bounded by the values of the plots that are open at
 * a time: those meeting the rows the threads are working on, 8 bytes per
 * valid pixel (16 with RS_RULE_EXACT), plus per thread one chunk of values
 * and the reader's own buffers.  A single plot as large as the raster
 * holds all its values until the end: exact quantiles need them.
 *
 * What each plot gets (struct rs_zonal_result):
 *   stats.count   valid pixels: inside the plot (rs_cover's rule), inside
 *                 the image, with a value; with RS_RULE_EXACT the sum of
 *                 their coverage fractions
 *   inside        pixels inside the plot on the raster's grid, including
 *                 those beyond the image's edges (nothing was observed
 *                 there); with RS_RULE_EXACT the plot's area in pixels
 *   valid_fraction  count / inside: the share of the plot the image saw;
 *                 NAN when inside is 0 (a plot with no pixel centre)
 *   the other stats over the valid pixels (rs_stats.h), NAN when count 0.
 */
#ifndef OASIS_RS_RS_ZONAL_H
#define OASIS_RS_RS_ZONAL_H

#include <stddef.h>

#include "rs/rs_cover.h"
#include "rs/rs_stats.h"
#include "util/err.h"

/* Where the values come from.  Each worker thread opens its own reader. */
struct rs_zonal_source {
	int width, height; /* the raster, in pixels */
	int item_rows;	   /* rows per work item (0: 256); a block row */
	void *ctx;	   /* passed to open */
	/* A reader for the calling thread, in *reader. */
	int (*open)(void *ctx, void **reader, struct err *e);
	/*
	 * The values of rows [row0, row0 + rows), all columns, row after row
	 * into vals[rows * width]; NAN where a pixel has no value.
	 */
	int (*read)(void *reader, int row0, int rows, double *vals,
		    struct err *e);
	/* After each work item: drop what the reader caches.  May be NULL. */
	void (*release)(void *reader);
	void (*close)(void *reader);
};

/* Rows done so far of rows_total; called by the worker threads, one at a
 * time (under a lock), after each work item. */
typedef void (*rs_progress_fn)(long rows_done, long rows_total, void *ctx);

struct rs_zonal_opts {
	enum rs_rule rule;	 /* RS_RULE_CENTRE or RS_RULE_EXACT */
	int threads;		 /* <= 0: one per online core */
	size_t chunk_pixels;	 /* 0: RS_ZONAL_CHUNK_PIXELS */
	rs_progress_fn progress; /* NULL: none */
	void *progress_ctx;
};

#define RS_ZONAL_CHUNK_PIXELS (1u << 20)
#define RS_ZONAL_MAX_THREADS 64

enum rs_zone_state {
	RS_ZONE_OK = 0,	  /* the plot meets the image */
	RS_ZONE_OUTSIDE,  /* no pixel of the plot lies in the image */
	RS_ZONE_NO_SHAPE, /* the caller gave no outline (n_rings == 0) */
};

struct rs_zonal_result {
	enum rs_zone_state state;
	struct rs_stats stats;
	double inside;
	double valid_fraction;
};

/*
 * Scan src once and fill out[i] for each of the n shapes (pixel
 * coordinates of src's grid).  On error (a read failed, out of memory)
 * the scan stops and out is undefined.
 */
int rs_zonal_scan(const struct rs_zonal_source *src,
		  const struct rs_shape *shapes, size_t n,
		  const struct rs_zonal_opts *o, struct rs_zonal_result *out,
		  struct err *e);

#endif
