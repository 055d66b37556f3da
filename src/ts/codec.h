/*
 * ts/codec: the chunk codec of the time-series engine.
 *
 * A chunk is one series' points (timestamp in ms UTC, double value), sorted
 * by time, compressed into a self-checking byte string.  Its header carries
 * the count, the time range and the min, max and sum of the values, so
 * long-range aggregates read ts_codec_summary() and never decode points.
 *
 * The codec is pure computation: no I/O, no globals, no clock, no allocation
 * except in ts_codec_decode_alloc().  The byte format (version 1) is
 * specified in docs/CODEC.md; in short:
 *   - timestamps: deltas divided by their greatest common divisor, minus the
 *     chunk's typical cadence, zigzag, adaptive block code;
 *   - values: when every value is exactly k / 10^s for integers k and a
 *     scale s <= 22 (an instrument's fixed resolution), the integers k as
 *     deltas divided by their common step, zigzag, adaptive block code;
 *     otherwise deltas of the order-preserving 64-bit patterns of the doubles;
 *   - adaptive block code: blocks of 64 residuals, each bit-packed at one
 *     width or Rice-coded with one parameter, whichever is smaller;
 *   - a CRC-32 (zlib) of everything before it closes the chunk.
 *
 * Input rules (enforced by ts_codec_encode, ERR_INVALID otherwise):
 *   - 1 <= n <= TS_CODEC_MAX_POINTS;
 *   - timestamps non-decreasing.  Repeated timestamps are accepted and kept
 *     in the given order (round-trip exact); a timestamp smaller than the
 *     previous one is refused.  The engine merges duplicates before encoding;
 *   - values finite: NaN and +-infinity are refused.
 * Round trip is exact: decode gives back identical timestamps and
 * bit-identical doubles (negative zero and subnormals included).
 *
 * Decoding is safe on hostile input: a corrupt or truncated chunk is reported
 * as ERR_INVALID (ERR_UNSUPPORTED for a later format version) with a message,
 * never read out of bounds.
 */
#ifndef OASIS_TS_CODEC_H
#define OASIS_TS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* The format version this build writes and reads (first byte of a chunk). */
#define TS_CODEC_VERSION 1

/* Most points one chunk may hold (the engine cuts chunks far smaller). */
#define TS_CODEC_MAX_POINTS 1048576u

struct ts_point {
	int64_t ts;   /* ms since 1970-01-01T00:00:00Z */
	double value; /* finite */
};

/*
 * What a chunk's header says about its points.
 *   count           number of points (>= 1)
 *   ts_min, ts_max  first and last timestamp
 *   min, max        smallest and largest value (==-equal to a point's value;
 *                   a zero extreme may read +0.0 where the point holds -0.0)
 *   sum             sum of the values: for decimal chunks the exact decimal
 *                   sum converted to double (rounded once while it is below
 *                   2^53 units of the resolution); otherwise the values added
 *                   in time order in double arithmetic (may be +-inf)
 */
struct ts_chunk_summary {
	uint32_t count;
	int64_t ts_min, ts_max;
	double min, max, sum;
};

/*
 * Encode pts[0..n) and append the chunk to *out.  On error *out is left as
 * it was (nothing appended) and *e says which point was wrong and why.
 * The caller owns *out as before.
 */
int ts_codec_encode(const struct ts_point *pts, size_t n, struct buf *out,
		    struct err *e);

/*
 * Read a chunk's summary without decoding its points.  The whole chunk is
 * checksummed and its header checked.
 */
int ts_codec_summary(const void *chunk, size_t len,
		     struct ts_chunk_summary *out, struct err *e);

/*
 * Decode a chunk into the caller's array out[0..cap).  *n_out receives the
 * point count.  ERR_TOO_LARGE when the chunk holds more than cap points
 * (ts_codec_summary() tells how many).  On error the contents of out are
 * unspecified.
 */
int ts_codec_decode(const void *chunk, size_t len, struct ts_point *out,
		    size_t cap, size_t *n_out, struct err *e);

/*
 * Decode a chunk into a new array; the caller owns *out and free()s it.
 * On error *out is NULL.
 */
int ts_codec_decode_alloc(const void *chunk, size_t len,
			  struct ts_point **out, size_t *n_out, struct err *e);

#endif
