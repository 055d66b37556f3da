/*
 * ts/bulk: loading history straight into chunks, for `oasis ingest` and the
 * demo's thirty days: no log, no heads.  Points are gathered per series,
 * then sorted, deduplicated (the later of two equal timestamps wins), cut
 * at windows sized to each series' density and encoded; everything is
 * stored in one transaction by ts_bulk_commit, so a load is all or nothing.
 * Memory stays bounded: past max_points gathered points, the gathered
 * points are encoded early (the chunks are small beside them).
 */
#ifndef OASIS_TS_BULK_H
#define OASIS_TS_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

struct ts_bulk;

/* max_points 0: 16 M points (256 MB) gathered before encoding early. */
int ts_bulk_open(struct db *db, size_t max_points, struct ts_bulk **out,
		 struct err *e);
int ts_bulk_add(struct ts_bulk *b, int64_t series, int64_t ts, double value,
		struct err *e);
/* Encode what is left and store every chunk at once. */
int ts_bulk_commit(struct ts_bulk *b, struct err *e);
void ts_bulk_free(struct ts_bulk *b);

struct ts_bulk_stats {
	uint64_t points;        /* added */
	uint64_t stored;        /* after removing repeated timestamps */
	size_t chunks;
	size_t bytes;           /* encoded */
};

void ts_bulk_stats(const struct ts_bulk *b, struct ts_bulk_stats *out);

#endif
