/*
 * influxql: InfluxDB 1.x's query language over Oasis's series, so that
 * Grafana's InfluxDB data source and InfluxDB clients read what they wrote.
 *
 * parse.c (with lex.c) turns query text into statements: pure functions,
 * no I/O, no clock (now() is given), fuzzed (fuzz/fuzz_influxql.c).
 * exec.c and exec_select.c run the statements against the series registry
 * and the time-series engine and write InfluxDB's JSON answer.
 *
 * The mapping is the one of the line-protocol write (ingest/lp.c): the
 * tag `device` names the device and each field is a metric.  A measurement
 * stands for the devices of the kind a write under that name registers
 * (ingest_kind_of_measurement: "weather" for weather stations, "soil" for
 * soil probes, any other name for kind "sensor"), or of the kind it names
 * ("weather_station"); each device also has the tag `plot` (its plot code).
 */
#ifndef OASIS_INFLUXQL_INFLUXQL_H
#define OASIS_INFLUXQL_INFLUXQL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define IQ_NAME_MAX 128
#define IQ_MAX_FIELDS 32
#define IQ_MAX_GROUP_TAGS 8
#define IQ_MAX_STATEMENTS 64

enum iq_kind {
	IQ_SELECT,
	IQ_SHOW_DATABASES,
	IQ_SHOW_MEASUREMENTS,
	IQ_SHOW_TAG_KEYS,
	IQ_SHOW_TAG_VALUES,
	IQ_SHOW_FIELD_KEYS,
	IQ_SHOW_RETENTION_POLICIES,
	IQ_CREATE_DATABASE,
	IQ_UNSUPPORTED,   /* valid InfluxQL Oasis does not run (DROP, GRANT...) */
};

enum iq_func {
	IQ_RAW = 0, IQ_MEAN, IQ_MEDIAN, IQ_MIN, IQ_MAX, IQ_SUM, IQ_COUNT,
	IQ_FIRST, IQ_LAST, IQ_SPREAD, IQ_STDDEV, IQ_PERCENTILE,
};

enum iq_fill { IQ_FILL_NULL = 0, IQ_FILL_NONE, IQ_FILL_PREVIOUS,
	       IQ_FILL_LINEAR, IQ_FILL_VALUE };

enum iq_op { IQ_AND, IQ_OR, IQ_EQ, IQ_NE, IQ_RE, IQ_NRE,
	     IQ_LT, IQ_LE, IQ_GT, IQ_GE };

/* One selected column: a field, or a function of one. */
struct iq_field {
	enum iq_func func;
	char name[IQ_NAME_MAX];    /* field key; "*" for all */
	double arg;                /* percentile's N */
	char alias[IQ_NAME_MAX];   /* AS ...; "" none */
	bool tag;                  /* raw: a tag's value (device, plot) */
};

/* A WHERE condition on tags (time bounds are taken out by the parser). */
struct iq_cond {
	enum iq_op op;
	struct iq_cond *l, *r;     /* IQ_AND, IQ_OR */
	char key[IQ_NAME_MAX];     /* tag key of a comparison */
	char value[IQ_NAME_MAX];   /* the string compared with */
	regex_t *re;               /* IQ_RE, IQ_NRE */
	bool always;               /* a time bound: true for tag matching */
};

struct iq_stmt {
	enum iq_kind kind;
	char text[64];             /* the statement's first words, for errors */
	char error[256];           /* parsed, but fails: its result's error */
	/* SELECT and SHOW ... FROM */
	struct iq_field fields[IQ_MAX_FIELDS];
	size_t n_fields;
	char measurement[IQ_NAME_MAX]; /* "" none */
	regex_t *measurement_re;   /* FROM /re/, WITH MEASUREMENT =~ /re/ */
	struct iq_cond *where;     /* NULL: all */
	/* time bounds in ns, inclusive */
	int64_t tmin, tmax;
	bool has_tmin, has_tmax;
	/* GROUP BY */
	int64_t interval_ns, offset_ns;  /* time(i[, offset]); 0: none */
	char group_tags[IQ_MAX_GROUP_TAGS][IQ_NAME_MAX];
	size_t n_group_tags;
	bool group_all;            /* GROUP BY * */
	enum iq_fill fill;
	double fill_value;
	bool desc;                 /* ORDER BY time DESC */
	int64_t limit, offset, slimit, soffset;  /* 0: none */
	/* SHOW TAG VALUES WITH KEY */
	enum iq_op key_op;         /* IQ_EQ, IQ_NE, IQ_RE, IQ_NRE, or IQ_OR: IN (...) */
	char keys[IQ_MAX_GROUP_TAGS][IQ_NAME_MAX];
	size_t n_keys;
	regex_t *key_re;
	char db[IQ_NAME_MAX];      /* ON db, CREATE DATABASE name */
};

struct iq_query {
	struct iq_stmt *stmts;
	size_t n;
};

/*
 * Parse query text (statements separated by ';') with now() = now_ns.
 * On failure ERR_INVALID and e->msg as InfluxDB words it: "error parsing
 * query: found X, expected Y at line L, char C".  iq_query_free releases
 * what a success (or a failure) left.
 */
int iq_parse(const char *text, int64_t now_ns, struct iq_query *out,
	     struct err *e);
void iq_query_free(struct iq_query *q);

/* Does the tag set (keys[i] = values[i]) satisfy the condition? */
bool iq_cond_match(const struct iq_cond *c, const char *const *keys,
		   const char *const *values, size_t n);

/* Duration text ("1h", "90m", "1d") in ns; false when it is not one. */
bool iq_duration_parse(const char *s, size_t len, int64_t *ns);

/* ---- execution (exec.c) --------------------------------------------------- */

struct db;
struct ingest;
struct ts_engine;

enum iq_epoch { IQ_EPOCH_RFC3339 = 0, IQ_EPOCH_NS, IQ_EPOCH_US, IQ_EPOCH_MS,
		IQ_EPOCH_S, IQ_EPOCH_M, IQ_EPOCH_H };

struct iq_env {
	struct db *db;
	struct ingest *ingest;
	struct ts_engine *ts;
	int64_t now_ms;
	const char *database;      /* db=; NULL when not given */
	enum iq_epoch epoch;
	size_t chunk_size;         /* chunked=true: rows a chunk; 0 not chunked */
	bool may_read;             /* false: only CREATE DATABASE (devices) */
	const char *who;           /* the caller's name, for refusals */
};

/* "ms" into an epoch; false for an unknown one. */
bool iq_epoch_parse(const char *s, enum iq_epoch *out);

/*
 * Run the query text and write InfluxDB's answer into out: 200 with
 * {"results":[...]} (a statement's error inside its result), or the
 * status InfluxDB gives (400 a parse error, 403 a caller who may not read)
 * with {"error":"..."}.  Returns ERR_NOMEM or ERR_STORE only when no
 * answer could be written.
 */
int iq_execute(const struct iq_env *env, const char *text, struct buf *out,
	       unsigned *status, struct err *e);

#endif
