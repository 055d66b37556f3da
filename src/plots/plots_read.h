/*
 * plots_read: read field plots from a vector file into registry rows.
 *
 * Any vector format GDAL/OGR reads is accepted: GeoJSON, a Shapefile (or a
 * zip holding one), KML or KMZ, GeoPackage, FileGDB in a zip, GML,
 * FlatGeobuf, ..., from a path or from an in-memory buffer (an HTTP upload).
 * Every layer of the file that has geometries is read, in order.  The
 * coordinates may be in any CRS GDAL knows (WGS 84, CGCS2000 and its
 * Gauss-Krueger zones, UTM, ...); they are transformed to EPSG:4326
 * longitude/latitude.
 *
 * For each feature the reader checks the code, the geometry (Polygon or
 * MultiPolygon, closed rings, valid, inside lon/lat bounds after the
 * transformation) and the known attributes, computes the geodesic area and
 * produces a struct db_plot (updated_ms is left 0 for the store to set).  A
 * feature that fails a check becomes a struct plots_reject naming its
 * feature number (1-based, in file order across layers), its code when it
 * has one, and what is wrong.  The reader returns every good row and every
 * rejection; the caller decides between all-or-nothing and skipping.
 *
 * Whole-file problems are errors (the err message starts with the file
 * name): a file that cannot be opened or is not a vector file, no layer
 * with geometries, a layer with no CRS or an unknown one (unless
 * assign_crs is given), a layer without the code field, more than
 * max_features features.
 *
 * Attribute fields are matched case-insensitively:
 *   name, crop, variety, irrigation, owner     text, kept as given
 *   sowing_date (sowing_dat, sown)             a date field or "YYYY-MM-DD"
 *   soil_texture (soil_textu)                  text
 *   field_capacity (field_capa),               volumetric fractions in
 *   wilting_point (wilting_po)                 (0, 1), capacity > wilting
 * (the names in brackets are the Shapefile 10-character truncations and the
 * short form of the demo data).  Every other non-null field goes into extra
 * as a JSON object.  Text values and the code lose surrounding white space.
 *
 * Thread-safe: calls may run in parallel.  GDAL's own messages are kept
 * off stderr while reading and folded into the err messages.
 */
#ifndef OASIS_PLOTS_PLOTS_READ_H
#define OASIS_PLOTS_PLOTS_READ_H

#include <stddef.h>

#include "db/db.h"
#include "util/err.h"

#define PLOTS_READ_MAX_FEATURES 1000000
#define PLOTS_CODE_FIELD_DEFAULT "code"
#define PLOTS_REASON_MAX 256
/* The largest extra attributes object, as compact JSON, in bytes. */
#define PLOTS_EXTRA_MAX 65536
/* Decimals of a degree kept in the stored geometry: 1e-8 deg ~ 1 mm. */
#define PLOTS_COORD_DECIMALS 8

struct plots_read_opts {
	/* The field holding the plot code; NULL or "": "code". */
	const char *code_field;
	/*
	 * The CRS of the coordinates, overriding what the file says (as
	 * ogr2ogr -a_srs does): "EPSG:4538", "urn:ogc:def:crs:EPSG::4490",
	 * WKT, a PROJ string or PROJJSON; never a file name or URL.  NULL:
	 * each layer's own CRS.
	 */
	const char *assign_crs;
	/* Text encoding of a Shapefile's .dbf ("GBK", "CP936", "UTF-8")
	 * when its .cpg is missing; NULL: what the file says. */
	const char *encoding;
	/* plots_read_buffer: the name used in messages; NULL: "upload". */
	const char *label;
	/* The most features accepted; 0: PLOTS_READ_MAX_FEATURES. */
	size_t max_features;
};

struct plots_reject {
	size_t feature;                   /* 1-based, across layers */
	char code[DB_CODE_MAX];           /* "" when it had none */
	char reason[PLOTS_REASON_MAX];    /* "ring 1 is not closed" */
};

/* Owned by the caller; release with plots_read_result_free. */
struct plots_read_result {
	struct db_plot *plots;            /* the good rows, in file order */
	size_t n_plots;
	struct plots_reject *rejects;     /* in file order */
	size_t n_rejects;
	size_t n_features;                /* features read = plots + rejects */
};

/*
 * Read the plots of the file at path (any name GDAL opens, a folder of
 * Shapefiles, a .zip or .kmz).  o may be NULL for the defaults.  On success
 * *out holds the rows and rejections (either may be empty); on error *out
 * is empty and e says what was wrong, starting with path.
 */
int plots_read_file(const char *path, const struct plots_read_opts *o,
		    struct plots_read_result *out, struct err *e);

/*
 * The same from len bytes in memory, an upload: GeoJSON, KML, GeoPackage,
 * FlatGeobuf, or a zip (a zipped Shapefile or FileGDB, a KMZ), and only
 * those (a VRT, GML, ... is ERR_INVALID naming its format); a file that
 * names a GDAL virtual path, a zip member named as a URL or outside the
 * zip, a KML NetworkLink are ERR_INVALID too (util/gdal_guard.h).  data
 * is only read and not kept after the call.
 */
int plots_read_buffer(const void *data, size_t len,
		      const struct plots_read_opts *o,
		      struct plots_read_result *out, struct err *e);

/* Release everything in r (not r itself) and leave it empty. */
void plots_read_result_free(struct plots_read_result *r);

/*
 * Write "feature 7 (code 6523241010007): ring 1 is not closed" (or
 * "feature 3: ..." for a feature without a code) into out.
 */
void plots_reject_format(const struct plots_reject *r, char *out, size_t size);

#endif
