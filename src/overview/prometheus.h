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

/*
 * GET /metrics (a scraper's): the figures above and the points ingested,
 * the series known, queue depths, monitoring rules, the bytes of the
 * write-ahead log and of the embedded store (data_dir; NULL on PostgreSQL
 * gives none).  ingest, events, alerts may be NULL.
 */
struct ingest;

struct overview_scrape {
	struct db *db;
	struct ts_engine *ts;
	struct ingest *ingest;
	struct events *events;
	struct alerts *alerts;
	const char *data_dir;
	struct video *video;         /* NULL: no camera relays */
};

int overview_prometheus_scrape(const struct overview_scrape *in,
			       struct buf *out, struct err *e);

#endif
