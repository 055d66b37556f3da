/*
 * plots: the registry of field plots, each known by its digital code.
 *
 * This is the service the commands and routes call: import a vector file
 * (all or nothing, or skipping what is invalid), list, read, edit and
 * delete plots, and write the registry out as GeoJSON or CSV.  Reading and
 * checking the files is plots_read.c; storing is db/.
 */
#ifndef OASIS_PLOTS_PLOTS_H
#define OASIS_PLOTS_PLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "db/db.h"
#include "plots/geodesic.h"
#include "plots/plots_read.h"
#include "util/buf.h"
#include "util/err.h"


struct plots_import_opts {
	struct plots_read_opts read;
	bool skip_invalid;  /* store the valid plots even if some are not */
	bool dry_run;       /* check everything, store nothing */
};

struct plots_import_summary {
	size_t features;    /* features read from the file */
	size_t added;
	size_t updated;
	size_t rejected;
	struct plots_reject *rejects; /* heap, `rejected` of them */
	bool stored;        /* false: all or nothing refused, or a dry run */
};

void plots_import_summary_free(struct plots_import_summary *s);

/*
 * Import the plots of a file (path) or of an uploaded body (data, len).
 * Without skip_invalid, a single rejected feature stores nothing and the
 * call fails with ERR_INVALID naming the first rejection; the summary still
 * lists every rejection.
 */
int plots_import_file(struct db *db, const char *path,
		      const struct plots_import_opts *o,
		      struct plots_import_summary *out, struct err *e);
int plots_import_buffer(struct db *db, const void *data, size_t len,
			const struct plots_import_opts *o,
			struct plots_import_summary *out, struct err *e);

/* The summary as JSON: {"features":..,"added":..,...,"rejects":[...]}. */
json_t *plots_import_summary_json(const struct plots_import_summary *s);

/* The registry as a GeoJSON FeatureCollection, or as CSV (no geometry). */
int plots_write_geojson(struct db *db, const struct db_plot_filter *f,
			struct buf *out, struct err *e);
int plots_write_csv(struct db *db, const struct db_plot_filter *f,
		    struct buf *out, struct err *e);
/* One plot as a GeoJSON Feature. */
int plots_write_feature(struct db *db, const char *code, struct buf *out,
			struct err *e);

/*
 * Edit a plot's details from a JSON object of fields (or a GeoJSON Feature
 * whose properties are the fields, and whose geometry, if given, replaces
 * the plot's).  Unknown or malformed fields are refused, naming the field.
 */
int plots_patch(struct db *db, const char *code, const json_t *changes,
		struct err *e);
int plots_delete(struct db *db, const char *code, struct err *e);
/* How many plots the registry holds (the health check reads the store). */
int plots_count(struct db *db, int64_t *out, struct err *e);

/* Parse "minlon,minlat,maxlon,maxlat" into a filter's bbox. */
int plots_parse_bbox(const char *s, struct db_plot_filter *f, struct err *e);

#endif
