/*
 * imagery_internal: what the imagery service's files share.
 *
 *   imagery.c        the ingest: bands, indices, passes, anomalies, store
 *   imagery_scene.c  GDAL/OGR around a scene: grid, CRS name, footprint,
 *                    cloud share, previews (reduced index rasters)
 *   imagery_json.c   the catalogue, series and anomalies as JSON
 *   imagery_png.c    colour-mapped pictures with a legend
 *   imagery_colour.c the scene's colour picture for the basemap
 */
#ifndef OASIS_RS_IMAGERY_INTERNAL_H
#define OASIS_RS_IMAGERY_INTERNAL_H

#include "rs/imagery.h"

struct imagery__plot {
	char code[DB_CODE_MAX];
	char crop[DB_TEXT_MAX / 2];
	int sowing_day;           /* RS_NO_SOWING when unknown */
	char *geometry;           /* heap: GeoJSON, EPSG:4326 */
};

/* The registry's plots, in code order. */
struct imagery__plots {
	struct imagery__plot *p;
	size_t n, cap;
};

/* ERR_INVALID when the registry is empty. */
int imagery__plots_load(struct db *db, struct imagery__plots *r,
			struct err *e);
void imagery__plots_free(struct imagery__plots *r);

/* A reduced copy of one index: every step-th pixel (centres), float. */
struct imagery__preview {
	int width, height, step;
	float *pix;               /* width * height, NAN where no value */
};

struct imagery__scene {
	const struct imagery__plots *plots;
	enum rs_index indices[RS_INDEX_COUNT];
	size_t n_indices;
	struct db_scene scene;    /* the catalogue row */
	char *crs_wkt;            /* the grid's CRS (heap) */
	double gt[6];
	const char **geoms;       /* plots' geometries, [plots->n] */
	struct rs_zonal_result *res;
	struct db_scene_stat *stats;
	size_t n_stats, n_first;  /* all rows; rows of the first index */
	double *first_mean;       /* the first index's mean per plot */
	struct db_anomaly *anomalies;
	size_t n_anomalies;
	struct imagery__preview previews[RS_INDEX_COUNT];
	char preview_dir[512];    /* the previews' name prefix in the store */
	void *wraps[RS_INDEX_COUNT]; /* the scans' preview readers */
};

/* The grid of the first pass: size, CRS (name and WKT), footprint. */
int imagery__scene_grid(struct imagery__scene *sc, struct rs_raster *r,
			struct err *e);

/*
 * Wrap *src so that the scan also fills the preview of index k (the
 * wrapper's state lives in sc, which must outlive the scan).
 */
int imagery__preview_begin(struct imagery__scene *sc, size_t k,
			   struct rs_zonal_source *src, struct err *e);
/*
 * Store the previews in the store's files as
 * imagery/scene-ACQUIRED-RANDOM/INDEX.tif (db_file_put; none if data_dir
 * is NULL), named in sc->scene.preview.
 */
int imagery__preview_write(struct db *db, struct imagery__scene *sc,
			   const char *data_dir, struct err *e);
/*
 * The scene's colour picture (its red, green and blue bands as bytes),
 * PREVIEW/rgb.tif in the store's files, for the basemap (imagery_colour.c);
 * none when the scene has no such bands or no previews are kept.
 */
int imagery__colour_write(struct db *db, struct imagery__scene *sc,
			  const struct rs_raster_opts *ro, struct err *e);

/* Remove what preview_write (and colour_write) stored (the store refused the scene). */
void imagery__preview_remove(struct db *db, struct imagery__scene *sc);
void imagery__preview_free(struct imagery__scene *sc);

/*
 * The share of the scene masked as cloud: of the mask file's pixels the
 * non-zero ones, or of the classification file's pixels (class 0, no
 * data, left out) those of the classes dropped; NAN without either.
 */
int imagery__cloud_share(const struct rs_raster_opts *ro, double *out,
			 struct err *e);

/*
 * An RGBA picture (w x h, 4 bytes a pixel, rows top down) as PNG bytes
 * appended to out, by GDAL (options: the PNG driver's creation options,
 * or NULL).
 */
int imagery__png_rgba(const unsigned char *rgba, int w, int h,
		      char **options, struct buf *out, struct err *e);

#endif
