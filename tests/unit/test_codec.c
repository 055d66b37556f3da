/*
 * Unit tests of the time-series chunk codec (src/ts/codec.c): exact round
 * trips on realistic and extreme data, the documented input rules, the
 * summary, the byte format itself (bytes worked out by hand from
 * docs/CODEC.md), and corruption: every bit flip, every truncation and
 * re-checksummed garbage must be refused or decode to a well-formed series.
 *
 * All data comes from a small deterministic PRNG in this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ts/codec.h"

#define MINUTE INT64_C(60000)
#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */

/* ---- helpers -------------------------------------------------------------- */

/* splitmix64: small, deterministic, good enough to make test data. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Roughly normal integer step (sum of uniforms), spread about sd. */
static int64_t rng_step(struct rng *r, int64_t sd)
{
	int64_t s = 0;

	for (int i = 0; i < 3; i++)
		s += rng_range(r, -sd, sd);
	return s;
}

static double bits_to_double(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static uint64_t double_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static struct ts_point *points_new(size_t n)
{
	struct ts_point *p = calloc(n ? n : 1, sizeof(*p));

	assert_non_null(p);
	return p;
}

/*
 * Timestamps every cadence ms from t0, with rare gaps, and a jitter of
 * -jitter..+jitter steps of step ms (devices that stamp whole seconds jitter
 * by seconds).
 */
static void fill_times_step(struct rng *r, struct ts_point *p, size_t n,
			    int64_t t0, int64_t cadence, int64_t jitter,
			    int64_t step)
{
	int64_t slot = 0;

	if (jitter * step > (cadence - 1) / 2) /* keep the times in order */
		jitter = (cadence - 1) / 2 / step;
	for (size_t i = 0; i < n; i++) {
		if (rng_range(r, 0, 499) == 0)
			slot += rng_range(r, 1, 30);
		p[i].ts = t0 + slot * cadence +
			  (jitter ? step * rng_range(r, -jitter, jitter) : 0);
		slot++;
	}
}

static void fill_times(struct rng *r, struct ts_point *p, size_t n,
		       int64_t t0, int64_t cadence, int64_t jitter_ms)
{
	fill_times_step(r, p, n, t0, cadence, jitter_ms, 1);
}

/* A random walk of integers k, values k / 10^digits as a parser gives. */
static void fill_decimal_walk(struct rng *r, struct ts_point *p, size_t n,
			      int64_t start, int64_t sd, int digits)
{
	double scale = pow(10.0, digits);
	int64_t k = start;

	for (size_t i = 0; i < n; i++) {
		k += rng_step(r, sd);
		p[i].value = (double)k / scale;
	}
}

static int64_t checked_encode(const struct ts_point *p, size_t n,
			      struct buf *b)
{
	struct err e = { 0 };
	size_t before = b->len;
	int rc = ts_codec_encode(p, n, b, &e);

	if (rc)
		fail_msg("encode failed: %s", e.msg);
	return (int64_t)(b->len - before);
}

/* Summary == the points: count and times exactly, min/max numerically,
 * sum within rounding of a compensated reference. */
static void check_summary(const struct ts_chunk_summary *s,
			  const struct ts_point *p, size_t n)
{
	double lo = p[0].value, hi = p[0].value, sum = 0, comp = 0, mag = 0;

	for (size_t i = 0; i < n; i++) {
		double v = p[i].value, t = sum + v;

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		comp += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
		sum = t;
		mag += fabs(v);
	}
	sum += comp;
	assert_int_equal(s->count, n);
	assert_true(s->ts_min == p[0].ts);
	assert_true(s->ts_max == p[n - 1].ts);
	assert_true(s->min == lo);
	assert_true(s->max == hi);
	if (isinf(s->sum))
		assert_true(mag > DBL_MAX / 2);
	else
		assert_true(fabs(s->sum - sum) <= 1e-12 * mag + 1e-300);
}

/* Encode, check the summary, decode, compare every bit; returns bytes. */
static size_t roundtrip(const struct ts_point *p, size_t n)
{
	struct buf b = BUF_INIT;
	struct ts_chunk_summary s;
	struct ts_point *back = points_new(n);
	struct err e = { 0 };
	size_t got = 0, len;

	checked_encode(p, n, &b);
	len = b.len;
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e), ERR_OK);
	check_summary(&s, p, n);
	if (ts_codec_decode(b.data, b.len, back, n, &got, &e))
		fail_msg("decode failed: %s", e.msg);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		if (back[i].ts != p[i].ts ||
		    double_bits(back[i].value) != double_bits(p[i].value))
			fail_msg("point %zu: (%lld, %a) came back as (%lld, %a)",
				 i, (long long)p[i].ts, p[i].value,
				 (long long)back[i].ts, back[i].value);
	}
	free(back);
	buf_free(&b);
	return len;
}

/* ---- round trips ---------------------------------------------------------- */

static void test_single_point(void **state)
{
	static const double values[] = {
		0.0, -0.0, 1.0, -1.0, 25.3, -7.25, 1e300, -1e300, 1e-300,
		4.9406564584124654e-324, DBL_MAX, -DBL_MAX, DBL_MIN,
		0.1 + 0.2, 9007199254740993.0,
	};
	static const int64_t times[] = { 0, -1, T0, INT64_MIN, INT64_MAX };
	(void)state;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (size_t j = 0; j < sizeof(times) / sizeof(times[0]); j++) {
			struct ts_point p = { times[j], values[i] };

			roundtrip(&p, 1);
		}
	}
}

static void test_two_points(void **state)
{
	struct ts_point p[2];
	(void)state;

	p[0] = (struct ts_point){ T0, 21.5 };
	p[1] = (struct ts_point){ T0 + MINUTE, 21.6 };
	roundtrip(p, 2);
	p[1].value = -1e300;
	roundtrip(p, 2);
	p[1] = (struct ts_point){ T0, 21.5 }; /* same time, same value */
	roundtrip(p, 2);
	p[0] = (struct ts_point){ INT64_MIN, -0.0 };
	p[1] = (struct ts_point){ INT64_MAX, 0.0 };
	roundtrip(p, 2);
}

/* Instruments' resolutions with noise, as the station and probes report. */
static void test_fixed_resolutions(void **state)
{
	static const struct {
		int digits;
		int64_t start, sd;
	} cases[] = {
		{ 1, 253, 1 },	  /* air temperature, 0.1 degC */
		{ 0, 45, 1 },	  /* relative humidity, 1 % */
		{ 2, 2712, 3 },	  /* soil moisture, 0.01 m3/m3 */
		{ 1, 9562, 1 },	  /* pressure, 0.1 hPa */
		{ 0, 800, 20 },	  /* solar radiation, 1 W/m2 */
		{ 3, -5000, 40 }, /* a 0.001 resolution, negative */
		{ 6, 123456789, 500 },
	};
	struct rng r = { 42 };
	size_t n = 1440;
	struct ts_point *p = points_new(n);
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t bytes;

		fill_times_step(&r, p, n, T0, MINUTE, c % 2 ? 2 : 0, 1000);
		fill_decimal_walk(&r, p, n, cases[c].start, cases[c].sd,
				  cases[c].digits);
		bytes = roundtrip(p, n);
		/* small steps at a fixed resolution take a few bits, even
		 * with timestamps jittering by seconds */
		if (cases[c].sd <= 3)
			assert_true(bytes < n);
	}
	free(p);
}

/* A regular 0.1 series must compress to well under a byte per point. */
static void test_compact_on_regular_series(void **state)
{
	struct rng r = { 7 };
	size_t n = 1000;
	struct ts_point *p = points_new(n);
	(void)state;

	for (size_t i = 0; i < n; i++)
		p[i].ts = T0 + (int64_t)i * MINUTE;
	fill_decimal_walk(&r, p, n, 200, 1, 1);
	assert_true(roundtrip(p, n) < n / 2);
	for (size_t i = 0; i < n; i++)
		p[i].value = 12.5;
	assert_true(roundtrip(p, n) < 40);
	free(p);
}

static void test_extreme_values(void **state)
{
	static const double values[] = {
		1e300, -1e300, 1e-300, -1e-300, 4.9406564584124654e-324,
		-4.9406564584124654e-324, 2.2250738585072009e-308, DBL_MAX,
		-DBL_MAX, DBL_MIN, 0.0, -0.0, 1.0, 123456.789,
	};
	size_t nv = sizeof(values) / sizeof(values[0]), n = 500;
	struct ts_point *p = points_new(n);
	struct rng r = { 99 };
	(void)state;

	for (size_t i = 0; i < n; i++) {
		p[i].ts = T0 + (int64_t)i * 1000;
		p[i].value = values[rng_next(&r) % nv];
	}
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++) /* subnormals only */
		p[i].value = bits_to_double(rng_next(&r) >> 12);
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++) /* huge jumps back and forth */
		p[i].value = i % 2 ? 1e300 : -1e-300;
	roundtrip(p, n);
	free(p);
}

/* Any finite bit pattern, NaN and infinity excepted. */
static void test_random_bit_patterns(void **state)
{
	struct rng r = { 2024 };
	size_t n = 3000;
	struct ts_point *p = points_new(n);
	(void)state;

	for (size_t i = 0; i < n; i++) {
		double v;

		do
			v = bits_to_double(rng_next(&r));
		while (!isfinite(v));
		p[i].ts = (int64_t)i * 7;
		p[i].value = v;
	}
	roundtrip(p, n);
	free(p);
}

/* Values that mix resolutions, or carry binary noise from arithmetic. */
static void test_mixed_resolution(void **state)
{
	struct rng r = { 5 };
	size_t n = 800;
	struct ts_point *p = points_new(n);
	(void)state;

	fill_times(&r, p, n, T0, MINUTE, 0);
	fill_decimal_walk(&r, p, n, 250, 1, 1);
	p[400].value = 0.123456789;	/* one value at 1e-9 */
	roundtrip(p, n);
	p[400].value = 1.0 / 3.0;	/* one value not decimal at all */
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++)	/* k * 0.1 is not k / 10 */
		p[i].value = (double)rng_range(&r, -500, 500) * 0.1;
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++)	/* 0.2 mm rain bucket */
		p[i].value = (double)(2 * rng_range(&r, 0, 3)) / 10.0;
	roundtrip(p, n);
	free(p);
}

static void test_repeated_values(void **state)
{
	size_t n = 2000;
	struct ts_point *p = points_new(n);
	(void)state;

	for (size_t i = 0; i < n; i++) {
		p[i].ts = T0 + (int64_t)i * 600000;
		p[i].value = i < 1000 ? 0.0 : -3.5;
	}
	assert_true(roundtrip(p, n) < 64);
	free(p);
}

static void test_negative_zero(void **state)
{
	struct rng r = { 11 };
	size_t n = 300;
	struct ts_point *p = points_new(n);
	(void)state;

	/* around freezing: "-0.0" as formatted by a rounding station */
	fill_times(&r, p, n, T0, MINUTE, 0);
	for (size_t i = 0; i < n; i++) {
		int64_t k = rng_range(&r, -3, 3);

		p[i].value = (double)k / 10.0;
		if (k == 0 && i % 3 == 0)
			p[i].value = -0.0;
	}
	p[0].value = -0.0;
	p[n - 1].value = -0.0;
	assert_true(roundtrip(p, n) < n); /* stays decimal */
	for (size_t i = 0; i < n; i++)
		p[i].value = -0.0;
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++)	/* with a non-decimal neighbour */
		p[i].value = i % 2 ? -0.0 : 1.0 / 7.0;
	roundtrip(p, n);
	free(p);
}

static void test_repeated_timestamps(void **state)
{
	size_t n = 200;
	struct ts_point *p = points_new(n);
	(void)state;

	/* kept as given, in the given order */
	for (size_t i = 0; i < n; i++) {
		p[i].ts = T0 + (int64_t)(i / 3) * MINUTE;
		p[i].value = (double)(int64_t)(n - i) / 10.0;
	}
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++)
		p[i].ts = T0;
	roundtrip(p, n);
	free(p);
}

static void test_timestamps_far_apart(void **state)
{
	/* 2000-01-01 and 2100-01-01, and the whole int64 range */
	static const int64_t y2000 = INT64_C(946684800000);
	static const int64_t y2100 = INT64_C(4102444800000);
	struct ts_point p[6] = {
		{ INT64_MIN, 1.0 },	{ -INT64_C(62135596800000), 2.0 },
		{ -1, 3.0 },		{ y2000, 4.0 },
		{ y2100, 5.0 },		{ INT64_MAX, 6.0 },
	};
	struct rng r = { 3 };
	size_t n = 1000;
	struct ts_point *q = points_new(n);
	(void)state;

	roundtrip(p, 6);
	roundtrip(p + 3, 2);
	roundtrip(p, 2);
	roundtrip(p + 4, 2);
	/* regular cadence broken by gaps of years, both signs of time */
	for (size_t i = 0; i < n; i++) {
		q[i].ts = -INT64_C(500) * MINUTE + (int64_t)i * MINUTE;
		if (i >= n / 2)
			q[i].ts += y2100 - y2000;
		q[i].value = (double)rng_range(&r, 0, 100);
	}
	roundtrip(q, n);
	for (size_t i = 0; i < n; i++) /* irregular, millisecond times */
		q[i].ts = (i ? q[i - 1].ts : y2000) + rng_range(&r, 0, 5000000);
	roundtrip(q, n);
	free(q);
}

static void test_max_size_chunk(void **state)
{
	size_t n = TS_CODEC_MAX_POINTS;
	struct ts_point *p = points_new(n);
	struct rng r = { 77 };
	(void)state;

	fill_times(&r, p, n, T0, 10000, 1000);
	fill_decimal_walk(&r, p, n, 0, 2, 1);
	roundtrip(p, n);
	for (size_t i = 0; i < n; i++) {
		do
			p[i].value = bits_to_double(rng_next(&r));
		while (!isfinite(p[i].value));
	}
	roundtrip(p, n);
	free(p);
}

static void test_random_shapes(void **state)
{
	struct rng r = { 1234 };
	struct ts_point *p = points_new(700);
	(void)state;

	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)rng_range(&r, 1, 700);
		int digits = (int)rng_range(&r, 0, 8);

		fill_times(&r, p, n, (int64_t)rng_next(&r) >> 24,
			   rng_range(&r, 1, 3600000),
			   rng_range(&r, 0, 1) * rng_range(&r, 0, 5000));
		fill_decimal_walk(&r, p, n, rng_range(&r, -100000, 100000),
				  rng_range(&r, 0, 1000), digits);
		if (round % 5 == 0)
			p[rng_next(&r) % n].value = 1e-300;
		roundtrip(p, n);
	}
	free(p);
}

/* ---- input rules ---------------------------------------------------------- */

static void expect_refused(const struct ts_point *p, size_t n, int code,
			   const char *needle)
{
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	buf_puts(&b, "kept");
	assert_int_equal(ts_codec_encode(p, n, &b, &e), code);
	assert_int_equal(b.len, 4); /* nothing appended */
	assert_string_equal(b.data, "kept");
	assert_non_null(strstr(e.msg, needle));
	buf_free(&b);
}

static void test_refused_input(void **state)
{
	struct ts_point p[4] = {
		{ T0, 1.0 }, { T0 + 1, 2.0 }, { T0 + 2, 3.0 }, { T0 + 3, 4.0 },
	};
	struct ts_point *big;
	(void)state;

	expect_refused(p, 0, ERR_INVALID, "no points");
	p[2].ts = T0; /* negative delta: out of order */
	expect_refused(p, 4, ERR_INVALID, "point 2");
	p[2].ts = T0 + 2;
	p[3].value = NAN;
	expect_refused(p, 4, ERR_INVALID, "point 3");
	p[3].value = INFINITY;
	expect_refused(p, 4, ERR_INVALID, "not finite");
	p[3].value = -INFINITY;
	expect_refused(p, 4, ERR_INVALID, "not finite");
	big = points_new(TS_CODEC_MAX_POINTS + 1);
	expect_refused(big, TS_CODEC_MAX_POINTS + 1, ERR_TOO_LARGE, "at most");
	free(big);
}

static void test_appends_and_capacity(void **state)
{
	struct ts_point p[3] = { { 0, 1.5 }, { 10, 2.5 }, { 20, 3.5 } };
	struct ts_point out[3], *all = NULL;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	size_t first, n = 99;
	(void)state;

	buf_puts(&b, "prefix");
	first = (size_t)checked_encode(p, 3, &b);
	checked_encode(p, 2, &b);
	assert_memory_equal(b.data, "prefix", 6);
	assert_int_equal(ts_codec_decode(b.data + 6, first, out, 2, &n, &e),
			 ERR_TOO_LARGE);
	assert_int_equal(n, 0);
	assert_int_equal(ts_codec_decode(b.data + 6, first, out, 3, &n, &e),
			 ERR_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, p, sizeof(p));
	assert_int_equal(ts_codec_decode_alloc(b.data + 6 + first,
					       b.len - 6 - first, &all, &n, &e),
			 ERR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(all, p, 2 * sizeof(*p));
	free(all);
	/* a chunk followed by more bytes is not a chunk */
	assert_int_equal(ts_codec_decode_alloc(b.data + 6, b.len - 6, &all, &n,
					       &e),
			 ERR_INVALID);
	assert_null(all);
	buf_free(&b);
}

/* ---- summary -------------------------------------------------------------- */

static void test_summary_sum_rules(void **state)
{
	struct ts_point p[4] = {
		{ 0, 0.1 }, { 1, 0.2 }, { 2, 0.3 }, { 3, 0.0 },
	};
	struct ts_chunk_summary s;
	struct ts_point *big;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	double seq;
	(void)state;

	/* decimal chunk: the exact decimal sum 0.6, rounded once */
	checked_encode(p, 4, &b);
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e), ERR_OK);
	assert_true(s.sum == 0.6);
	assert_true(s.min == 0.0 && s.max == 0.3);
	/* other chunks: the values added in time order */
	p[3].value = 1e-300; /* not decimal at any scale <= 22 */
	seq = 0.0 + p[0].value + p[1].value + p[2].value + p[3].value;
	assert_true(seq != 0.6); /* 0.6000000000000001 */
	buf_reset(&b);
	checked_encode(p, 4, &b);
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e), ERR_OK);
	assert_true(double_bits(s.sum) == double_bits(seq));
	/* decimal values whose integer sum overflows int64: sequential sum */
	big = points_new(1100);
	for (int i = 0; i < 1100; i++) {
		big[i].ts = i;
		big[i].value = 9007199254740992.0; /* 2^53, scale 0 */
	}
	buf_reset(&b);
	checked_encode(big, 1100, &b);
	assert_true(b.len < 100);
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e), ERR_OK);
	assert_true(s.sum == 1100 * 9007199254740992.0);
	free(big);
	/* a sum past the double range reads as infinity */
	p[0].value = p[1].value = p[2].value = DBL_MAX;
	buf_reset(&b);
	checked_encode(p, 3, &b);
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e), ERR_OK);
	assert_true(isinf(s.sum) && s.sum > 0 && s.max == DBL_MAX);
	buf_free(&b);
}

/* ---- the byte format ------------------------------------------------------ */

static void append_crc(uint8_t *p, size_t len)
{
	uLong c = crc32(0, p, (uInt)len);

	for (int i = 0; i < 4; i++)
		p[len + i] = (uint8_t)(c >> (8 * i));
}

static void expect_bytes(const struct ts_point *p, size_t n,
			 const uint8_t *want, size_t body)
{
	uint8_t full[64];
	struct buf b = BUF_INIT;

	memcpy(full, want, body);
	append_crc(full, body);
	checked_encode(p, n, &b);
	assert_int_equal(b.len, body + 4);
	assert_memory_equal(b.data, full, body + 4);
	buf_free(&b);
}

/* Worked examples of docs/CODEC.md ("Worked examples"). */
static void test_golden_bytes(void **state)
{
	static const struct ts_point three[3] = {
		{ 1000, 2.5 }, { 2000, 2.6 }, { 3000, 2.4 },
	};
	static const uint8_t three_bytes[] = {
		0x01,		/* version */
		0x0a,		/* flags: sum as integer; scale 1 */
		0x03,		/* count */
		0xd0, 0x0f,	/* ts_min 1000, zigzag 2000 */
		0xd0, 0x0f,	/* ts_max - ts_min = 2000 */
		0xe8, 0x07,	/* time unit 1000 ms */
		0x01,		/* cadence 1 unit */
		0x30,		/* min 24 (x 10^-1), zigzag 48 */
		0x02,		/* max - min */
		0x01,		/* first - min */
		0x96, 0x01,	/* sum 75, zigzag 150 */
		0x01,		/* value unit */
		0x11, 0x38,	/* bit streams */
	};
	static const struct ts_point negzero = { 0, -0.0 };
	static const uint8_t negzero_bytes[] = {
		0x01, 0x06, 0x01, 0x00, 0x00, /* v1, sum int + -0 list, n 1 */
		0x00, 0x00, 0x00, 0x00,	      /* min, span, first, sum */
		0x01, 0x00,		      /* one -0.0, at position 0 */
	};
	static const struct ts_point noisy = { -1, 0.1 + 0.2 };
	uint8_t raw_bytes[5 + 32];
	(void)state;

	expect_bytes(three, 3, three_bytes, sizeof(three_bytes));
	expect_bytes(&negzero, 1, negzero_bytes, sizeof(negzero_bytes));
	/* raw value coding: min, max, sum, first as little-endian doubles */
	memcpy(raw_bytes, "\x01\x01\x01\x01\x00", 5);
	for (int f = 0; f < 4; f++)
		for (int i = 0; i < 8; i++)
			raw_bytes[5 + 8 * f + i] =
				(uint8_t)(double_bits(0.1 + 0.2) >> (8 * i));
	expect_bytes(&noisy, 1, raw_bytes, sizeof(raw_bytes));
}

/* ---- corruption ----------------------------------------------------------- */

/* A few valid chunks of different kinds. */
static size_t sample_chunks(struct buf *b, size_t *off, size_t max)
{
	struct rng r = { 8 };
	struct ts_point p[300];
	size_t k = 0;

	fill_times(&r, p, 300, T0, MINUTE, 2000);
	fill_decimal_walk(&r, p, 300, 250, 2, 1);
	p[17].value = -0.0;
	off[k++] = b->len;
	checked_encode(p, 300, b);
	p[40].value = 1.0 / 3.0; /* raw */
	off[k++] = b->len;
	checked_encode(p, 200, b);
	off[k++] = b->len;
	checked_encode(p, 1, b);
	off[k++] = b->len;
	checked_encode(p + 40, 1, b);
	off[k++] = b->len;
	checked_encode(p, 65, b); /* two blocks, the second of one */
	assert_true(k < max);
	off[k] = b->len;
	return k;
}

static void expect_invalid(const uint8_t *c, size_t len, struct ts_point *tmp,
			   size_t cap)
{
	struct ts_chunk_summary s;
	struct err e = { 0 };
	size_t n = 0;

	assert_int_equal(ts_codec_summary(c, len, &s, &e), ERR_INVALID);
	assert_true(e.msg[0] != '\0');
	e.msg[0] = '\0';
	assert_int_equal(ts_codec_decode(c, len, tmp, cap, &n, &e),
			 ERR_INVALID);
	assert_true(e.msg[0] != '\0');
}

static void test_every_bit_flip(void **state)
{
	struct buf b = BUF_INIT;
	size_t off[8], k = sample_chunks(&b, off, 8);
	struct ts_point *tmp = points_new(300);
	(void)state;

	for (size_t c = 0; c < k; c++) {
		size_t len = off[c + 1] - off[c];
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		for (size_t bit = 0; bit < len * 8; bit++) {
			memcpy(copy, b.data + off[c], len);
			copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			expect_invalid(copy, len, tmp, 300);
		}
		free(copy);
	}
	free(tmp);
	buf_free(&b);
}

static void test_every_truncation(void **state)
{
	struct buf b = BUF_INIT;
	size_t off[8], k = sample_chunks(&b, off, 8);
	struct ts_point *tmp = points_new(300);
	(void)state;

	for (size_t c = 0; c < k; c++) {
		size_t len = off[c + 1] - off[c];

		for (size_t cut = 0; cut < len; cut++) {
			/* an exact-size copy, so ASan sees any overread */
			uint8_t *copy = malloc(cut ? cut : 1);

			assert_non_null(copy);
			memcpy(copy, b.data + off[c], cut);
			expect_invalid(copy, cut, tmp, 300);
			free(copy);
		}
	}
	free(tmp);
	buf_free(&b);
}

/*
 * Hostile chunks: alter bytes and fix the checksum, so the decoder's own
 * checks are what stands.  Every answer must be an error or a well-formed
 * series that agrees with its summary.
 */
static void test_rechecksummed_garbage(void **state)
{
	struct buf b = BUF_INIT;
	size_t off[8], k = sample_chunks(&b, off, 8);
	struct ts_point *tmp = points_new(1000);
	struct rng r = { 31337 };
	(void)state;

	for (size_t c = 0; c < k; c++) {
		size_t len = off[c + 1] - off[c];
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		for (size_t pos = 0; pos + 4 < len; pos++) {
			for (int t = 0; t < 8; t++) {
				struct ts_chunk_summary s;
				struct err e = { 0 };
				size_t n = 0;
				int rc;

				memcpy(copy, b.data + off[c], len);
				copy[pos] ^= (uint8_t)(t < 7 ? 1u << t
						: rng_range(&r, 1, 255));
				append_crc(copy, len - 4);
				rc = ts_codec_decode(copy, len, tmp, 1000, &n,
						     &e);
				if (rc) {
					assert_true(rc == ERR_INVALID ||
						    rc == ERR_UNSUPPORTED ||
						    rc == ERR_TOO_LARGE);
					assert_true(e.msg[0] != '\0');
					continue;
				}
				assert_int_equal(ts_codec_summary(copy, len, &s,
								  &e),
						 ERR_OK);
				check_summary(&s, tmp, n);
				for (size_t i = 1; i < n; i++)
					assert_true(tmp[i].ts >= tmp[i - 1].ts);
				for (size_t i = 0; i < n; i++)
					assert_true(isfinite(tmp[i].value));
			}
		}
		free(copy);
	}
	free(tmp);
	buf_free(&b);
}

/* ---- hand-made hostile chunks ------------------------------------------ */

struct body {
	uint8_t b[64];
	size_t len;
};

static void put8(struct body *x, uint8_t v)
{
	assert_true(x->len < sizeof(x->b) - 4);
	x->b[x->len++] = v;
}

static void put_uv(struct body *x, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		put8(x, (uint8_t)(v | 0x80));
	put8(x, (uint8_t)v);
}

static void put_zv(struct body *x, int64_t v)
{
	put_uv(x, ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

/* The fields of the three-point example, to be spoiled one at a time. */
struct three {
	uint8_t flags;
	uint64_t count, span, unit, cadence, m_span, first_off, v_unit;
	int64_t ts_min, m_min, sum;
	uint8_t stream[4];
	size_t stream_len;
};

static const struct three three_ok = {
	.flags = 0x0a, .count = 3, .span = 2000, .unit = 1000, .cadence = 1,
	.m_span = 2, .first_off = 1, .v_unit = 1, .ts_min = 1000, .m_min = 24,
	.sum = 75, .stream = { 0x11, 0x38 }, .stream_len = 2,
};

static void expect_three(const struct three *t, int code, const char *needle)
{
	struct ts_point out[4];
	struct err e = { 0 };
	struct body x = { .len = 0 };
	size_t n = 0;

	put8(&x, 1);
	put8(&x, t->flags);
	put_uv(&x, t->count);
	put_zv(&x, t->ts_min);
	put_uv(&x, t->span);
	put_uv(&x, t->unit);
	put_uv(&x, t->cadence);
	put_zv(&x, t->m_min);
	put_uv(&x, t->m_span);
	put_uv(&x, t->first_off);
	put_zv(&x, t->sum);
	put_uv(&x, t->v_unit);
	for (size_t i = 0; i < t->stream_len; i++)
		put8(&x, t->stream[i]);
	append_crc(x.b, x.len);
	assert_int_equal(ts_codec_decode(x.b, x.len + 4, out, 4, &n, &e),
			 code);
	if (needle && !strstr(e.msg, needle))
		fail_msg("expected \"%s\" in \"%s\"", needle, e.msg);
}

/* Each of the decoder's checks, met by a chunk with a valid checksum. */
static void test_handmade_hostile(void **state)
{
	struct three t;
	struct body x = { .len = 0 };
	struct ts_point out[2];
	struct err e = { 0 };
	size_t n;
	(void)state;

	expect_three(&three_ok, ERR_OK, NULL);
	t = three_ok, t.count = 0;
	expect_three(&t, ERR_INVALID, "point count");
	t = three_ok, t.count = TS_CODEC_MAX_POINTS + 1;
	expect_three(&t, ERR_INVALID, "point count");
	t = three_ok, t.ts_min = INT64_MAX - 1999;
	expect_three(&t, ERR_INVALID, "time range");
	t = three_ok, t.unit = 0;
	expect_three(&t, ERR_INVALID, "unit");
	t = three_ok, t.span = 3000; /* the deltas add up to 2000 */
	expect_three(&t, ERR_INVALID, "timestamps disagree");
	t = three_ok, t.flags = 0x02 | 23 << 3;
	expect_three(&t, ERR_INVALID, "scale");
	t = three_ok, t.flags = 0x03;
	expect_three(&t, ERR_INVALID, "flags");
	t = three_ok, t.m_min = INT64_C(9007199254740993);
	expect_three(&t, ERR_INVALID, "range");
	t = three_ok, t.m_min = 23, t.m_span = 3, t.first_off = 2;
	expect_three(&t, ERR_INVALID, "values disagree");
	t = three_ok, t.first_off = 3;
	expect_three(&t, ERR_INVALID, "first value");
	t = three_ok, t.sum = 76;
	expect_three(&t, ERR_INVALID, "values disagree");
	t = three_ok, t.v_unit = 0;
	expect_three(&t, ERR_INVALID, "unit");
	t = three_ok, t.v_unit = 2; /* steps of 2: 25, 27, 23 */
	expect_three(&t, ERR_INVALID, "values disagree");
	t = three_ok, t.stream_len = 1;
	expect_three(&t, ERR_INVALID, "cut short");
	t = three_ok, t.stream_len = 3; /* a zero byte after the streams */
	expect_three(&t, ERR_INVALID, "after the value stream");
	t = three_ok, t.stream[1] = 0x78; /* a one in the padding */
	expect_three(&t, ERR_INVALID, "after the value stream");
	/* deltas of -1000 (wrapping round 2^64) and +3000 ms also end at
	 * ts_min + 2000, but out of order */
	t = three_ok, t.stream_len = 4;
	memcpy(t.stream, "\x06\x23\x02\x07", 4);
	expect_three(&t, ERR_INVALID, "timestamps disagree");
	t = three_ok, t.stream[0] = 0xf0, t.stream[1] = 0; /* descriptor 120 */
	expect_three(&t, ERR_INVALID, "reserved");

	/* two -0.0 at time 0, the second position wrapping around */
	put8(&x, 1);
	put8(&x, 0x06);
	put_uv(&x, 2);
	put_zv(&x, 0);
	put_uv(&x, 0);
	put_uv(&x, 1);
	put_uv(&x, 0);
	for (int i = 0; i < 4; i++) /* min, span, first, sum */
		put_zv(&x, 0);
	put_uv(&x, 1);
	put_uv(&x, 2);
	put_uv(&x, 0);
	put_uv(&x, UINT64_MAX);
	put8(&x, 0x03); /* two blocks that repeat "all zero" */
	append_crc(x.b, x.len);
	assert_int_equal(ts_codec_decode(x.b, x.len + 4, out, 2, &n, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "negative-zero position"));
	/* the same with a valid second position decodes */
	x.len -= 11;
	put_uv(&x, 0);
	put8(&x, 0x03);
	append_crc(x.b, x.len);
	assert_int_equal(ts_codec_decode(x.b, x.len + 4, out, 2, &n, &e),
			 ERR_OK);
	assert_true(n == 2 && signbit(out[0].value) && signbit(out[1].value));
}

static void test_unsupported_version(void **state)
{
	struct ts_point p = { T0, 1.0 };
	struct ts_chunk_summary s;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	(void)state;

	checked_encode(&p, 1, &b);
	b.data[0] = 2;
	append_crc((uint8_t *)b.data, b.len - 4);
	assert_int_equal(ts_codec_summary(b.data, b.len, &s, &e),
			 ERR_UNSUPPORTED);
	assert_non_null(strstr(e.msg, "version 2"));
	assert_int_equal(ts_codec_summary(NULL, 0, &s, &e), ERR_INVALID);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_point),
		cmocka_unit_test(test_two_points),
		cmocka_unit_test(test_fixed_resolutions),
		cmocka_unit_test(test_compact_on_regular_series),
		cmocka_unit_test(test_extreme_values),
		cmocka_unit_test(test_random_bit_patterns),
		cmocka_unit_test(test_mixed_resolution),
		cmocka_unit_test(test_repeated_values),
		cmocka_unit_test(test_negative_zero),
		cmocka_unit_test(test_repeated_timestamps),
		cmocka_unit_test(test_timestamps_far_apart),
		cmocka_unit_test(test_max_size_chunk),
		cmocka_unit_test(test_random_shapes),
		cmocka_unit_test(test_refused_input),
		cmocka_unit_test(test_appends_and_capacity),
		cmocka_unit_test(test_summary_sum_rules),
		cmocka_unit_test(test_golden_bytes),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_rechecksummed_garbage),
		cmocka_unit_test(test_handmade_hostile),
		cmocka_unit_test(test_unsupported_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
