/*
 * metrics: the standard metric names Oasis knows, with their units and the
 * physical range a reading must lie in.  Any other name matching
 * [a-z][a-z0-9_]{0,63} is accepted as a custom metric, without a range.
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

/* The definition of a standard metric, or NULL for a custom one. */
const struct metric_def *metric_find(const char *name);
/* Is name a valid metric name: [a-z][a-z0-9_]{0,63}? */
bool metric_name_valid(const char *name);
/* The whole table, for documentation and the API. */
const struct metric_def *metric_table(size_t *n);

#endif
