/*
 * plots_internal: the pieces of plots_read shared between its files.
 *
 *   plots_read.c   the public calls, GDAL's error handler, the loop over
 *                  layers and features, the result arrays
 *   plots_open.c   opening a path, a zip (choosing the dataset inside) or a
 *                  buffer put in /vsimem/
 *   plots_crs.c    the CRS of a layer and its transformation to lon/lat
 *   plots_geom.c   one feature's geometry: checks, transform, area, GeoJSON
 *   plots_attr.c   one feature's code and attributes
 *
 * Feature-level functions return ERR_OK, ERR_INVALID with a human reason in
 * reason[PLOTS_REASON_MAX] (the feature is rejected), or another code with
 * e set (the whole read stops: out of memory).
 */
#ifndef OASIS_PLOTS_PLOTS_INTERNAL_H
#define OASIS_PLOTS_PLOTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "db/db.h"
#include "plots/plots_read.h"
#include "util/err.h"

/* ---- plots_open.c ---- */

/*
 * Open the vector dataset at path read-only; a .zip (or, with force_zip,
 * any path) is looked into and the one dataset it holds is opened.
 * encoding, if not NULL, is the Shapefile ENCODING open option.  An
 * upload opens only as the formats uploads may be, and nothing in it may
 * refer to other files or the network (ERR_INVALID naming it).
 */
int plots__open(const char *path, bool force_zip, const char *encoding,
		bool upload, GDALDatasetH *out, struct err *e);

/*
 * Put a copy-free view of data in /vsimem/ under a fresh folder; writes
 * the folder into dir and the file's name (with an extension telling its
 * kind: .zip, .gpkg, .kml, .geojson, ...) into path.  *is_zip tells a zip.
 */
int plots__mem_put(const void *data, size_t len, char *dir, size_t dir_size,
		   char *path, size_t path_size, bool *is_zip, struct err *e);
/* Remove the folder plots__mem_put made and everything in it. */
void plots__mem_drop(const char *dir);

/* ---- plots_crs.c ---- */

/*
 * Parse a CRS given by the user (see plots_read_opts.assign_crs) into a
 * new SRS in lon/lat (easting/northing) axis order; *out is released with
 * OSRDestroySpatialReference.
 */
int plots__crs_parse(const char *text, OGRSpatialReferenceH *out,
		     struct err *e);

/*
 * The transformation to EPSG:4326 lon/lat from the layer's CRS, which is
 * assigned when not NULL, else layer_srs (the layer's, NULL if it has
 * none).  crs_failure is what GDAL said while reading the layer's CRS ("":
 * nothing).  *out is NULL when no transformation is needed (the data is
 * lon/lat WGS 84 already), else released with
 * OCTDestroyCoordinateTransformation.  ds is used to name a .prj file GDAL
 * could not understand.
 */
int plots__layer_transform(GDALDatasetH ds, OGRLayerH layer,
			   OGRSpatialReferenceH layer_srs,
			   const char *crs_failure,
			   OGRSpatialReferenceH assigned,
			   OGRCoordinateTransformationH *out, struct err *e);

/* ---- plots_geom.c ---- */

/*
 * Check geometry g (taken over and destroyed), transform it with ct (NULL:
 * none) and fill p->geometry, p->bbox and p->area_m2.
 */
int plots__geometry(OGRGeometryH g, OGRCoordinateTransformationH ct,
		    struct db_plot *p, char *reason, struct err *e);

/* ---- plots_attr.c ---- */

enum plots__column {
	PLOTS__EXTRA = 0,   /* not a column: goes into extra */
	PLOTS__SKIP,        /* dropped: driver bookkeeping */
	PLOTS__CODE,
	PLOTS__NAME,
	PLOTS__CROP,
	PLOTS__VARIETY,
	PLOTS__SOWING_DATE,
	PLOTS__IRRIGATION,
	PLOTS__SOIL_TEXTURE,
	PLOTS__FIELD_CAPACITY,
	PLOTS__WILTING_POINT,
	PLOTS__OWNER,
};

/* Where each field of a layer goes. */
struct plots__fieldmap {
	int n_fields;
	int code_index;               /* -1: the layer lacks the code field */
	enum plots__column *column;   /* [n_fields] */
};

/*
 * Map the fields of defn; driver names the GDAL driver (its bookkeeping
 * fields are dropped).  Release with plots__fieldmap_free.
 */
int plots__fieldmap_build(OGRFeatureDefnH defn, const char *code_field,
			  const char *driver, struct plots__fieldmap *m,
			  struct err *e);
void plots__fieldmap_free(struct plots__fieldmap *m);

/* The feature's code, trimmed, into code[DB_CODE_MAX]. */
int plots__code(OGRFeatureH f, const struct plots__fieldmap *m,
		const char *code_field, char *code, char *reason);

/* The mapped columns and extra (heap) of p. */
int plots__attributes(OGRFeatureH f, const struct plots__fieldmap *m,
		      struct db_plot *p, char *reason, struct err *e);

#endif
