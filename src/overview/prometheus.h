/*
 * The server's own figures in the Prometheus text format (GET
 * /api/v1/metrics): the engine's writes, heads, checkpoints and log
 * segment, the live stream's events, the store's connection pool, and the
 * monitoring's queue when it runs.
 */
#ifndef OASIS_OVERVIEW_PROMETHEUS_H
#define OASIS_OVERVIEW_PROMETHEUS_H

#include "db/db.h"
#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/events.h"

struct alerts;

/* Append the figures to out; events and alerts may be NULL (not running). */
int overview_prometheus(struct db *db, struct ts_engine *ts,
			struct events *events, struct alerts *alerts,
			struct buf *out, struct err *e);

#endif
