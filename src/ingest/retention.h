/*
 * retention: applying the retention policies (db_retention_*): for each
 * series, the most specific policy of its device's kind and its metric
 * says how long raw points stay; older ones are rolled up by the engine
 * (ts_engine_rollup).  The default, with no policy, keeps everything raw.
 */
#ifndef OASIS_INGEST_RETENTION_H
#define OASIS_INGEST_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "ts/engine.h"
#include "util/err.h"

struct retention_report {
	size_t series;          /* series a policy applies to */
	uint64_t rolled;        /* raw points replaced by rollups */
	size_t dropped;         /* emptied month partitions dropped (PostgreSQL) */
};

/* Apply every policy as of now_ms. */
int retention_apply(struct db *db, struct ts_engine *eng, int64_t now_ms,
		    struct retention_report *out, struct err *e);

/* For the engine's maintenance hook: apply at most once an hour. */
void retention_hook(struct ts_engine *eng, void *ctx);

#endif
