/*
 * imagery: the imagery service.  A scene (a satellite image or a drone
 * mosaic) is read once; every vegetation index its bands allow is computed
 * over every registered plot (rs_zonal), the growth anomalies of the pass
 * are flagged (rs_anomaly), and the scene, its footprint, its cloud share,
 * the per-plot statistics and the flags are stored in one transaction:
 * all or nothing.  A reduced-resolution copy of each index (at most
 * IMAGERY_PREVIEW_MAX pixels a side, a deflated GeoTIFF of at most 4 MB)
 * is kept in the store's files (db_file_put, imagery/scene-.../INDEX.tif),
 * so pictures never need the original file and every node sees them.
 * The original rasters are not kept.
 *
 * Reading: the catalogue, a plot's series of an index (drone and
 * satellite apart), the anomalies, as JSON for the routes; and the
 * pictures (imagery_png.c).
 *
 * Anomalies "feed the monitoring rules": each flag is handed to
 * imagery_opts.on_anomaly as it is stored; the server publishes it on the
 * event feed (type "anomaly", with the plot code), and
 * imagery_anomaly_summary() words one flag for an alert.
 */
#ifndef OASIS_RS_IMAGERY_H
#define OASIS_RS_IMAGERY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "rs/rs_anomaly.h"
#include "rs/rs_raster.h"
#include "rs/rs_zonal.h"
#include "util/buf.h"
#include "util/err.h"

#define IMAGERY_PREVIEW_MAX 1024
/*
 * How far back "a plot's latest pass" looks (the map's NDVI, monitoring's
 * start-up freshness, the drop rule at most): older passes say nothing
 * about the crop today, and not reading them keeps the work bounded by
 * recent scenes however many years the catalogue holds.
 */
#define IMAGERY_RECENT_DAYS 60

struct imagery_opts {
	const char *raster;        /* the scene's file (bands found here), or NULL */
	const char *file_name;     /* its name in the catalogue (NULL: raster's) */
	const char *source;        /* "sentinel-2a", "drone-1", ... */
	const char *kind;          /* "satellite", "drone", or NULL: from source */
	int64_t acquired_ms;
	/*
	 * Bands: ro.role[k].path set for each band option given (band 0: find
	 * it by name in path); the others are looked for in raster.  ro.index
	 * is ignored (every index the bands allow is computed).  Scale,
	 * offset, mask and classification as for `oasis zonal`.
	 */
	struct rs_raster_opts ro;
	bool exact;
	int threads;               /* <= 0: one per core */
	/*
	 * The store's folder: non-NULL keeps previews (in the store's files);
	 * imagery_png also reads the previews that older versions left in
	 * this folder.  NULL: no previews.
	 */
	const char *data_dir;
	struct rs_anomaly_opts anomaly;
	/* Each stored flag; may be NULL.  Called after the commit. */
	void (*on_anomaly)(const struct db_anomaly *a, void *ctx);
	void *anomaly_ctx;
	/* Fraction of the work done (0..1); may be NULL. */
	void (*progress)(double done, void *ctx);
	void *progress_ctx;
	/*
	 * An upload: every file must be one these GDAL drivers read
	 * (NULL-terminated, e.g. gdal_guard_raster_drivers), else ERR_INVALID
	 * naming its format; NULL: any format GDAL reads.
	 */
	const char *const *drivers;
};

/* Defaults: no bands, anomaly defaults, kind from the source. */
void imagery_opts_defaults(struct imagery_opts *o);

struct imagery_result {
	int64_t scene;
	char kind[DB_SCENE_KIND_MAX]; /* satellite | drone */
	int64_t acquired_ms;
	char indices[DB_TEXT_MAX]; /* "ndvi,savi" */
	size_t plots;              /* registered plots */
	size_t plots_seen;         /* plots the image covers (some pixel) */
	size_t anomalies;
	double cloud_share;        /* NAN: no mask given */
};

/* Ingest one scene; see above.  Fills *out. */
int imagery_ingest(struct db *db, const struct imagery_opts *o,
		   struct imagery_result *out, struct err *e);

/* "satellite" or "drone" from a source name (drone, uav, dji...), or NULL. */
const char *imagery_kind_of_source(const char *source);

/* ---- reading (imagery_json.c) ---- */

json_t *imagery_result_json(const struct imagery_result *r);
/* The catalogue, newest first: {"scenes":[...]}. */
int imagery_catalogue_json(struct db *db, int64_t from_ms, int64_t to_ms,
			   json_t **out, struct err *e);
/*
 * A plot's series of one index: {"plot","index","satellite":[...],
 * "drone":[...],"anomalies":[...]}, each entry with scene, time, source,
 * mean, median, p10, p90, std, min, max, count, valid_fraction.
 * ERR_NOT_FOUND for an unknown plot.
 */
int imagery_series_json(struct db *db, const char *plot, const char *index,
			int64_t from_ms, int64_t to_ms, json_t **out,
			struct err *e);
/*
 * The big screen's imagery section: the newest satellite and drone scene
 * acquired before now_ms (null when none), how many plots those two scenes
 * flagged, and each plot's newest NDVI mean (of the last
 * IMAGERY_RECENT_DAYS),
 * {"last_satellite":{...}|null, "last_drone":..., "ndvi":{CODE:mean},
 * "ndvi_kind":{CODE:"satellite"|"drone"}, "anomalies":N}.
 */
int imagery_overview_json(struct db *db, int64_t now_ms, json_t **out,
			  struct err *e);
/*
 * Each plot's newest pass of each kind in the IMAGERY_RECENT_DAYS before
 * before_ms: each(kind, plot,
 * acquired_ms, ctx) for every plot a satellite or drone scene has values
 * for (NDVI, or VARI for an RGB mosaic), so that monitoring knows at
 * start-up how fresh each plot's imagery is.
 */
int imagery_latest_passes(struct db *db, int64_t before_ms,
			  void (*each)(const char *kind, const char *plot,
				       int64_t acquired_ms, void *ctx),
			  void *ctx, struct err *e);
/*
 * The plots a scene just ingested saw (some pixel of its first index):
 * each(kind, plot, acquired_ms, ctx) for every one, so that monitoring
 * knows their imagery is fresh.
 */
int imagery_scene_passes(struct db *db, const struct imagery_result *r,
			 void (*each)(const char *kind, const char *plot,
				      int64_t acquired_ms, void *ctx),
			 void *ctx, struct err *e);
/* Anomalies of a scene (0: any) and/or a plot (NULL: any). */
int imagery_anomalies_json(struct db *db, int64_t scene, const char *plot,
			   json_t **out, struct err *e);
json_t *imagery_anomaly_json(const struct db_anomaly *a);
/*
 * One flag in words, for an alert: "plot 6523241010001: NDVI 0.41 is
 * below its peers' 0.78 (bound 0.66) in scene 12".
 */
void imagery_anomaly_summary(const struct db_anomaly *a, char *out,
			     size_t size);

/* ---- pictures (imagery_png.c) ---- */

/*
 * A colour-mapped PNG of an index of a scene, with a legend: the whole
 * scene (plot NULL), or one plot (cut to its bounding box, outside the
 * plot dimmed).  From the scene's preview raster.  ERR_NOT_FOUND when the
 * scene, the plot or the index is unknown.
 */
int imagery_png(struct db *db, const char *data_dir, int64_t scene,
		const char *index, const char *plot, struct buf *out,
		struct err *e);

#endif
