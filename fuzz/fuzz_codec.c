/*
 * libFuzzer harness for the time-series chunk codec (src/ts/codec.c).
 *
 * The first input byte picks what the rest is used for:
 *   0  a chunk, decoded as given (the checksum usually stops it early);
 *   1  a chunk whose checksum is recomputed first, so the decoder's own
 *      header and stream checks face arbitrary bytes;
 *   2  a recipe for points: encoded, decoded, compared bit for bit;
 *   3  a recipe for points, encoded, then a few bytes of the chunk altered
 *      and the checksum recomputed: hostile but well-checksummed chunks
 *      close to valid ones.
 * Whatever decodes must be a well-formed series (times sorted, values
 * finite, count and range as the summary says); anything else aborts.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ts/codec.h"

#define MAX_FUZZ_POINTS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ts_point decoded[MAX_FUZZ_POINTS];
static struct ts_point made[MAX_FUZZ_POINTS];

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_codec: %s\n", what);
		abort();
	}
}

static void set_crc(uint8_t *p, size_t len)
{
	uLong c;

	if (len < 4)
		return;
	c = crc32_z(0, p, len - 4);
	for (int i = 0; i < 4; i++)
		p[len - 4 + i] = (uint8_t)(c >> (8 * i));
}

/* The allocating decoder must agree with the one into a caller's array. */
static void decode_alloc_and_compare(const uint8_t *chunk, size_t len,
				     int rc, size_t n)
{
	struct ts_point *pts = NULL;
	struct err e = { 0 };
	size_t got = 0;
	int rc2 = ts_codec_decode_alloc(chunk, len, &pts, &got, &e);

	if (rc == ERR_TOO_LARGE)
		check(rc2 == ERR_OK || rc2 == ERR_INVALID,
		      "decode_alloc fails differently");
	else
		check(rc2 == rc, "decode_alloc disagrees with decode");
	if (rc2) {
		check(pts == NULL && got == 0, "decode_alloc failed but left data");
		return;
	}
	if (rc == ERR_OK)
		check(got == n && !memcmp(pts, decoded, n * sizeof(*pts)),
		      "decode_alloc gives other points");
	free(pts);
}

/* Decode; on success the points must agree with the summary. */
static void decode_and_check(const uint8_t *chunk, size_t len)
{
	struct ts_chunk_summary s;
	struct err e = { 0 };
	size_t n = 0;
	int rc;

	rc = ts_codec_decode(chunk, len, decoded, MAX_FUZZ_POINTS, &n, &e);
	decode_alloc_and_compare(chunk, len, rc, n);
	if (rc) {
		check(e.msg[0] != '\0', "error without a message");
		return;
	}
	check(ts_codec_summary(chunk, len, &s, &e) == ERR_OK,
	      "decodes but has no summary");
	check(n >= 1 && s.count == n, "count differs from summary");
	check(decoded[0].ts == s.ts_min && decoded[n - 1].ts == s.ts_max,
	      "time range differs from summary");
	for (size_t i = 0; i < n; i++) {
		double v = decoded[i].value;

		check(isfinite(v), "decoded a non-finite value");
		check(v >= s.min && v <= s.max, "value outside [min, max]");
		check(i == 0 || decoded[i].ts >= decoded[i - 1].ts,
		      "decoded times out of order");
	}
}

/* A byte cursor that yields zeros once the input runs out. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
};

static uint64_t take(struct cursor *c, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)(c->pos < c->len ? c->p[c->pos++] : 0) << (8 * i);
	return v;
}

static double recipe_value(struct cursor *c, double prev, unsigned scale)
{
	static const double special[] = {
		0.0, -0.0, 1e300, -1e300, 1e-300, 4.9406564584124654e-324,
		1.7976931348623157e308, 2.2250738585072014e-308, 0.1 + 0.2,
	};
	uint8_t kind = (uint8_t)take(c, 1);
	double v;

	switch (kind & 7) {
	case 0: /* any finite bit pattern */
		do {
			uint64_t u = take(c, 8);

			memcpy(&v, &u, sizeof(v));
		} while (!isfinite(v) && c->pos < c->len);
		return isfinite(v) ? v : 0.0;
	case 1:
		return special[(kind >> 3) % (sizeof(special) /
					     sizeof(special[0]))];
	case 2:
		return prev;
	default: /* a decimal step from the previous value */
		v = round(prev * pow(10, scale)) +
		    (double)((int)take(c, 1) - 128);
		v = v / pow(10, scale);
		return isfinite(v) ? v : 0.0;
	}
}

static int64_t recipe_ts(struct cursor *c, int64_t prev)
{
	uint8_t kind = (uint8_t)take(c, 1);
	uint64_t step;

	switch (kind & 3) {
	case 0:
		step = 60000;
		break;
	case 1:
		step = 60000 + (uint64_t)(kind >> 2) * 1000;
		break;
	case 2:
		step = 0;
		break;
	default:
		step = take(c, 8);
		break;
	}
	if (step > (uint64_t)INT64_MAX - (uint64_t)prev)
		return INT64_MAX;
	return (int64_t)((uint64_t)prev + step);
}

/* Points from the input; returns how many (>= 1). */
static size_t make_points(struct cursor *c)
{
	size_t n = 1 + take(c, 2) % MAX_FUZZ_POINTS;
	unsigned scale = (unsigned)take(c, 1) % 8;
	int64_t ts = (int64_t)take(c, 8);
	double v = 0;

	for (size_t i = 0; i < n; i++) {
		ts = i ? recipe_ts(c, ts) : ts;
		v = recipe_value(c, v, scale);
		made[i].ts = ts;
		made[i].value = v;
		if (c->pos >= c->len && i > 0)
			return i + 1;
	}
	return n;
}

static void roundtrip(struct cursor *c, int mutate)
{
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	size_t n = make_points(c), got = 0;
	int rc = ts_codec_encode(made, n, &b, &e);

	check(rc == ERR_OK, e.msg);
	if (!mutate) {
		rc = ts_codec_decode(b.data, b.len, decoded, n, &got, &e);
		check(rc == ERR_OK && got == n, "round trip fails to decode");
		check(!memcmp(decoded, made, n * sizeof(*made)),
		      "round trip changed a point");
		decode_and_check((const uint8_t *)b.data, b.len);
	} else {
		for (int i = 0; i < 4 && b.len > 4; i++) {
			size_t pos = (size_t)take(c, 2) % (b.len - 4);

			((uint8_t *)b.data)[pos] ^= (uint8_t)take(c, 1);
		}
		set_crc((uint8_t *)b.data, b.len);
		decode_and_check((const uint8_t *)b.data, b.len);
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data + 1, size ? size - 1 : 0, 0 };
	uint8_t *copy;

	if (size == 0)
		return 0;
	switch (data[0] & 3) {
	case 0:
		/* an exact-size copy so that any overread is caught */
		copy = malloc(size - 1 ? size - 1 : 1);
		if (!copy)
			return 0;
		memcpy(copy, data + 1, size - 1);
		decode_and_check(copy, size - 1);
		free(copy);
		break;
	case 1:
		copy = malloc(size - 1 ? size - 1 : 1);
		if (!copy)
			return 0;
		memcpy(copy, data + 1, size - 1);
		set_crc(copy, size - 1);
		decode_and_check(copy, size - 1);
		free(copy);
		break;
	case 2:
		roundtrip(&c, 0);
		break;
	default:
		roundtrip(&c, 1);
		break;
	}
	return 0;
}
