/*
 * query: the read side of the series, above ingest's registry and the
 * time-series engine: the newest value of each series of a device, of a
 * plot's devices, or of the whole base (GET /api/v1/latest).  Ranges and
 * downsampling are ts/'s (ts_query_write).
 *
 * Each newest value is the engine's head (ts_engine_latest): what was
 * acknowledged last, whether or not it is sealed into a chunk yet.
 */
#ifndef OASIS_QUERY_QUERY_H
#define OASIS_QUERY_QUERY_H

#include <jansson.h>

#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * A device's newest values, {"id","kind","values":{METRIC:{"ts","time",
 * "value","unit"}}} in *out (new reference).  ERR_NOT_FOUND for an unknown
 * device.
 */
int query_latest_device(struct db *db, struct ts_engine *ts,
			const char *device, json_t **out, struct err *e);
/*
 * The same for every device of a plot, {"plot","devices":[...]}.
 * ERR_NOT_FOUND for an unknown plot.
 */
int query_latest_plot(struct db *db, struct ts_engine *ts, const char *plot,
		      json_t **out, struct err *e);
/*
 * Every series (of one metric; NULL: all) at once, sorted by device and
 * metric, as compact rows for a base-wide view, appended to out as
 * {"columns":["device","metric","ts","value"],"values":[[...],...]}.
 * The registry is copied first and the heads read in one go, so writers
 * wait for neither the walk nor the text.
 */
int query_latest_all(struct ingest *ing, struct ts_engine *ts,
		     const char *metric, struct buf *out, struct err *e);

#endif
