/* influxql: what exec.c and exec_select.c share (internal). */
#ifndef OASIS_INFLUXQL_EXEC_INTERNAL_H
#define OASIS_INFLUXQL_EXEC_INTERNAL_H

#include "db/db.h"
#include "influxql/influxql.h"
#include "ingest/ingest.h"

/* A device as InfluxQL sees it: its measurement and tags. */
struct iq_device {
	char id[DB_NAME_MAX];
	char kind[DB_KIND_MAX];
	char plot[DB_CODE_MAX];
	const char *measurement;   /* the name SHOW MEASUREMENTS gives it */
	bool matched;              /* selected by the statement */
};

/* The registry for one query: devices (sorted by id) and series. */
struct iq_catalog {
	struct iq_device *devices;
	size_t n_devices;
	const struct ingest_snapshot *snap;
};

/* One series of an answer, rendered: the head and rows as JSON text. */
struct iq_series {
	struct buf head;           /* "name":..,"tags":..,"columns":[..] */
	struct buf rows;           /* [..],[..] without the commas between */
	size_t *ends;              /* end offset of each row in rows */
	size_t n, cap;
};

struct iq_result {
	struct iq_series *series;
	size_t n, cap;
};

/* A new series of r (NULL on ERR_NOMEM, in e). */
struct iq_series *iq_result_add(struct iq_result *r, struct err *e);
/* End the row just written into s->rows. */
int iq_series_row_end(struct iq_series *s, struct err *e);
void iq_result_free(struct iq_result *r);

/* Does the device belong to the statement's measurement? */
bool iq_measurement_match(const struct iq_stmt *st, const struct iq_device *d);
/* Its tags as keys/values (device, and plot when it has one); the count. */
size_t iq_device_tags(const struct iq_device *d, const char *keys[2],
		      const char *values[2]);
/* The device of an id, or NULL. */
const struct iq_device *iq_catalog_device(const struct iq_catalog *cat,
					  const char *id);

/* Append a time as the epoch asks: "2023-11-14T22:13:20Z" or an integer. */
void iq_format_time(struct buf *b, int64_t ms, enum iq_epoch epoch);

/* exec_select.c: run a SELECT into r; statement errors in e (ERR_INVALID). */
int iq_select(const struct iq_env *env, const struct iq_catalog *cat,
	      const struct iq_stmt *st, struct iq_result *r, struct err *e);

#endif
