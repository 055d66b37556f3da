/*
 * metrics: the standard metric names Oasis knows, with their units and the
 * physical range a reading must lie in.  Any other name matching
 * [a-z][a-z0-9_]{0,62} (METRIC_NAME_MAX characters at most, what a series
 * name holds and /api/v1/query reads back) is accepted as a custom metric,
 * whose readings must lie within +-METRIC_CUSTOM_LIMIT.
 */
#ifndef OASIS_INGEST_METRICS_H
#define OASIS_INGEST_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct metric_def {
	const char *name;
	const char *unit;
	double min, max;        /* inclusive physical bounds */
	const char *what;
};

/* The longest metric name, in bytes: one less than DB_NAME_MAX. */
#define METRIC_NAME_MAX 63
/*
 * The largest magnitude of a custom metric's reading: beyond anything a
 * physical quantity measures, and small enough that no sum of them (even
 * 2^64 readings) overflows a double, so aggregates stay finite.
 */
#define METRIC_CUSTOM_LIMIT 1e200

/* What a custom metric's readings are checked against. */
extern const struct metric_def metric_custom;

/* The definition of a standard metric, or NULL for a custom one. */
const struct metric_def *metric_find(const char *name);
/* Is name a valid metric name: [a-z][a-z0-9_]{0,62}? */
bool metric_name_valid(const char *name);
/* The whole table, for documentation and the API. */
const struct metric_def *metric_table(size_t *n);

#endif
