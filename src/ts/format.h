/*
 * ts/format: a series' points or buckets written out as the API and the
 * command line give them: JSON ({"columns":[...],"values":[[...]...]}, times
 * in epoch milliseconds) or CSV (a header, times in RFC 3339).
 */
#ifndef OASIS_TS_FORMAT_H
#define OASIS_TS_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

struct ts_query {
	int64_t series;
	const char *label;      /* "DEVICE/METRIC", as asked */
	const char *unit;       /* NULL when unknown */
	int64_t from, to;       /* inclusive range of raw queries; [from, to) buckets */
	int64_t step;           /* 0: raw points */
	unsigned aggs;          /* enum ts_agg mask, with a step */
	const struct tz *tz;    /* with a step of whole days: buckets of local
				 * days in this zone (NULL: UTC multiples) */
	bool csv;
};

/* "avg,min,max" into a mask; ERR_INVALID naming an unknown aggregate. */
int ts_aggs_parse(const char *s, unsigned *mask, struct err *e);

struct tz;

/*
 * Buckets of k whole local days of zone z (DST-correct: a day is 23 or 25 h
 * across a change) for the points in [from, to), aligned to multiples of
 * k local days since 1970-01-01; each bucket's start is its local
 * midnight (the first may precede from).  As ts_engine_aggregate
 * otherwise (folded from hourly buckets read a window at a time).
 */
int ts_aggregate_local_days(struct ts_engine *eng, int64_t series,
			    int64_t from, int64_t to, int64_t k,
			    const struct tz *z, unsigned aggs,
			    struct ts_bucket **out, size_t *n, struct err *e);

/*
 * The pieces of ts_aggregate_local_days, for a caller that reads the fine
 * buckets itself (many series in one view, ts_engine_aggregate_many): the
 * fine step to read [from, to) with (an hour, a quarter of one for zones
 * off the whole hour), the aggregates to read them with, and their fold
 * into buckets of k local days (*out the caller's to free()).
 */
int64_t ts_local_fine_step(const struct tz *z, int64_t from, int64_t to);
unsigned ts_local_fine_mask(unsigned aggs);
int ts_fold_local_days(const struct tz *z, int64_t k,
		       const struct ts_bucket *b, size_t nb,
		       struct ts_bucket **out, size_t *n, struct err *e);

/* Run the query and write its answer. */
int ts_query_write(struct ts_engine *eng, const struct ts_query *q,
		   struct buf *out, struct err *e);

/*
 * Append a double in its shortest form that reads back exactly; null for
 * inf and nan (which JSON cannot spell), so an answer is always JSON.
 */
void ts_format_double(struct buf *b, double v);

/* Append an integer in decimal (as "%lld", without printf). */
void ts_format_int(struct buf *b, int64_t v);

#endif
