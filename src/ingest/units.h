/*
 * units: the registry of custom metrics.  A metric outside the catalogue
 * (metrics.c) is refused unless the server accepts unknown metrics
 * (--allow-unknown-metrics) or the metric is registered here with its
 * unit (oasis units add, PUT /api/v1/units/NAME).  The names are kept in
 * memory; a name not found is looked up in the store again (another node
 * or the command line may have registered it) before a point is refused.
 */
#ifndef OASIS_INGEST_UNITS_H
#define OASIS_INGEST_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "util/err.h"

struct ingest_units;

int ingest_units_open(struct db *db, struct ingest_units **out,
		      struct err *e);
void ingest_units_close(struct ingest_units *u);
/*
 * Is name registered?  When not in memory and reload is true, the store
 * is read again first.
 */
bool ingest_units_known(struct ingest_units *u, const char *name, bool reload);
/*
 * Register name with its unit (1 to 31 bytes) and what it measures
 * (optional), or change them.  ERR_INVALID for a bad name, a missing
 * unit, or a name of the catalogue (whose unit is fixed).
 */
int ingest_units_register(struct ingest_units *u, const char *name,
			  const char *unit, const char *what, int64_t now_ms,
			  struct err *e);
/* Unregister name: ERR_NOT_FOUND when it is not registered. */
int ingest_units_delete(struct ingest_units *u, const char *name,
			struct err *e);
/*
 * The catalogue and the registered metrics: {"catalogue":[{name, unit,
 * min, max, what}], "registered":[{name, unit, what, updated}]} in *out.
 */
int ingest_units_json(struct ingest_units *u, json_t **out, struct err *e);

#endif
