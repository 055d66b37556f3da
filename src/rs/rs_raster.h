/*
 * rs_raster: the rasters an index is computed from, opened with GDAL, and
 * a reader that turns strips of them into index values for rs_zonal.
 *
 * Bands.  Each band the index reads (rs_index_roles) comes from a file
 * and a band number: all from one multi-band file, or one file per band
 * (Sentinel-2's B04.jp2 and B08.jp2), or a mix.  Band 0 means "find it":
 * the band whose GDAL colour interpretation is the role's colour, or whose
 * description is the role's name ("red", "nir", "rededge", ...) or the
 * Sentinel-2 band name (B02 blue, B03 green, B04 red, B05 red edge, B08
 * or B8A near infrared); a single-band file gives its band for "band".
 *
 * Grid.  The values are computed on the grid of the finest file (smallest
 * pixel area; the first in the order blue, green, red, rededge, nir on a
 * tie).  A file on another grid (a 20 m red-edge band beside 10 m bands,
 * a 20 m Sentinel-2 SCL) must be in the same CRS and north-up; it is
 * resampled onto that grid by nearest neighbour (the source pixel under
 * each target pixel's centre) through a GDAL VRT.  Target pixels beyond
 * such a file's extent read as its nodata (or 0).
 *
 * Values.  reflectance = DN * scale + offset, where scale and offset are
 * the command's (--scale/--offset) when given, else the band's own GDAL
 * scale and offset metadata, else 1 and 0.  Sentinel-2 L2A since
 * processing baseline 04.00: scale 0.0001, offset -0.1 (BOA_ADD_OFFSET of
 * -1000 digital numbers).  A pixel has no value when any band it needs is
 * at the band's nodata value, is not a finite number, or is masked by the
 * band's GDAL mask (an alpha band, an internal mask); when the mask file is
 * non-zero there (a cloud mask); when the classification file's class
 * there is one of the classes to drop (SCL: 3 cloud shadow, 8 and 9 cloud,
 * 10 thin cirrus); or when the index is undefined there (rs_index.h).
 *
 * Errors name the file and, for bands, the option (role) they came from:
 * a file GDAL cannot open, a band that is not there, a raster without a
 * CRS or georeferencing, grids that cannot be aligned.
 *
 * Threads: an opened struct rs_raster is only read after rs_raster_open;
 * each reader (one per thread) opens its own GDAL datasets.
 */
#ifndef OASIS_RS_RS_RASTER_H
#define OASIS_RS_RS_RASTER_H

#include <stdbool.h>

#include "rs/rs_index.h"
#include "rs/rs_zonal.h"
#include "util/err.h"

/* A band of a file; band 0: find it by its colour or name. */
struct rs_band_ref {
	const char *path;
	int band;
};

struct rs_raster_opts {
	enum rs_index index;
	/* The bands of the roles the index reads; the others are ignored. */
	struct rs_band_ref role[RS_ROLE_COUNT];
	bool has_scale, has_offset; /* override the bands' own metadata */
	double scale, offset;
	const char *mask_path;	/* band 1 non-zero: no value; or NULL */
	const char *class_path; /* a classification band 1, or NULL */
	bool drop_class[256];	/* classes of class_path to leave out */
};

struct rs_raster;

/*
 * Open every file o names, check the bands, CRSs and grids, and settle the
 * grid.  o's strings must outlive *out.  Release with rs_raster_close.
 */
int rs_raster_open(const struct rs_raster_opts *o, struct rs_raster **out,
		   struct err *e);
void rs_raster_close(struct rs_raster *r);

/*
 * The band of path that plays role (by colour or description, as band 0
 * above) into *band; ERR_INVALID saying which option to give when none
 * does, or the error of opening path.
 */
int rs_raster_find_band(const char *path, enum rs_role role, int *band,
			struct err *e);

/* The grid: size, geotransform (GDAL's six numbers), CRS as WKT. */
int rs_raster_width(const struct rs_raster *r);
int rs_raster_height(const struct rs_raster *r);
void rs_raster_geotransform(const struct rs_raster *r, double gt[6]);
const char *rs_raster_crs_wkt(const struct rs_raster *r);

/* The band each role resolved to (after band 0 was looked up). */
struct rs_band_ref rs_raster_band(const struct rs_raster *r, enum rs_role role);

/*
 * Fill *src so that rs_zonal_scan reads index values of r.  r must stay
 * open while the scan runs.
 */
void rs_raster_source(struct rs_raster *r, struct rs_zonal_source *src);

#endif
