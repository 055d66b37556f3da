/*
 * batch: the points of one write (an HTTP body, an MQTT message, a bulk
 * file), as the parsers produce them and before anything is stored.
 *
 * Every ingestion path (line protocol, JSON, CSV; HTTP, MQTT, files) parses
 * into a batch, then the one validation path checks the batch whole
 * (devices, authorisation, metric names, values, timestamps), and only a
 * batch without error is written.  A batch owns its strings in an arena so
 * that parsing allocates per batch, not per point.
 */
#ifndef OASIS_INGEST_BATCH_H
#define OASIS_INGEST_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Where a point came from, for error messages: a line or a JSON index. */
struct ingest_pos {
	uint32_t line;   /* 1-based line of the text (NDJSON, LP, CSV) */
	uint32_t index;  /* 0-based index in a JSON array; 0 otherwise */
};

struct ingest_point {
	uint32_t device;       /* offset of the device id in the arena */
	uint32_t metric;       /* offset of the metric name in the arena */
	uint32_t measurement;  /* offset of the LP measurement ("" if none) */
	int64_t ts_ms;         /* UTC milliseconds */
	double value;
	struct ingest_pos pos;
};

struct ingest_batch {
	struct ingest_point *points;
	size_t n, cap;
	char *arena;           /* NUL-terminated strings, deduplicated per run */
	size_t arena_len, arena_cap;
	uint32_t last_device;  /* cache: the device string added last */
	uint32_t last_measurement;
};

void ingest_batch_init(struct ingest_batch *b);
void ingest_batch_reset(struct ingest_batch *b); /* keep the memory */
void ingest_batch_free(struct ingest_batch *b);

/* The string at an arena offset. */
static inline const char *ingest_str(const struct ingest_batch *b, uint32_t off)
{
	return b->arena + off;
}

/*
 * Add a string of len bytes to the arena; returns its offset via *off.
 * Consecutive adds of the same text (the same device on every line) may
 * return the same offset.
 */
int ingest_batch_intern(struct ingest_batch *b, const char *s, size_t len,
			uint32_t *off, struct err *e);
int ingest_batch_add(struct ingest_batch *b, const struct ingest_point *p,
		     struct err *e);

/* Timestamp precision of line protocol: InfluxDB's names. */
enum ingest_precision {
	PRECISION_NS, PRECISION_US, PRECISION_MS, PRECISION_S,
	PRECISION_M, PRECISION_H,
};

/* "ns", "n", "us", "u", "ms", "s", "m", "h" (NULL: ns); ERR_INVALID else. */
int ingest_precision_parse(const char *s, enum ingest_precision *out,
			   struct err *e);

/*
 * Parse InfluxDB line protocol.  The `device` tag names the device; every
 * field is a metric (float, integer with `i`, unsigned with `u`, boolean as
 * 0/1); a string field is refused.  A line without a timestamp takes
 * now_ms.  Comments and blank lines are skipped.  On error the batch may
 * hold some of the text's points: the caller discards it.  e names the
 * line, the field and the reason.
 */
int ingest_lp_parse(const char *text, size_t len, enum ingest_precision prec,
		    int64_t now_ms, struct ingest_batch *out, struct err *e);

/*
 * Parse telemetry JSON: an object {"device":ID,"ts":MS,"values":{M:N}},
 * an array of them, or NDJSON (one object per line).  "ts" may be epoch
 * ms or an RFC 3339 string, and may be absent (now_ms).  device_default,
 * if not NULL, is the device of objects without "device" (MQTT: the topic
 * names it) and must match the one given if both are.
 */
int ingest_json_parse(const char *text, size_t len, const char *device_default,
		      int64_t now_ms, struct ingest_batch *out, struct err *e);

/*
 * Parse CSV with a header: either "series,ts_ms,value" (series is
 * DEVICE/METRIC) or "device,ts,METRIC1,METRIC2,..." (ts in ms or RFC 3339).
 */
int ingest_csv_parse(const char *text, size_t len, int64_t now_ms,
		     struct ingest_batch *out, struct err *e);

#endif
