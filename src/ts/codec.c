/*
 * ts/codec.c: chunk encoder and decoder.  The byte format is specified in
 * docs/CODEC.md; this file follows it section by section.
 *
 * Design notes and invariants
 *
 * 1. Every arithmetic step that must agree between encoder and decoder is
 *    done on uint64_t (modular, defined for every input) or in IEEE double
 *    operations that are correctly rounded (one division of two exact
 *    integers).  Hostile input can therefore produce wrong numbers but never
 *    undefined behaviour; the consistency checks of the decoder (invariant
 *    4) then reject them.
 * 2. The encoder never trusts its own heuristics: the decimal scale is
 *    verified value by value (to_scaled() divides back and compares bit
 *    patterns) and a chunk falls back to the exact bit-pattern coding when
 *    one value fails.  Heuristics (scale search, cadence, Rice parameter)
 *    only affect size, never correctness.
 * 3. The encoder appends all or nothing: analysis and validation finish
 *    before the first byte is written, and the output length is restored
 *    if memory runs out.
 * 4. The decoder checks, in order: length, CRC-32, version, reserved flags,
 *    header ranges, then while decoding: no read past the stream, exact end
 *    of the stream with zero padding, timestamps non-decreasing and ending at
 *    ts_max, values within [min, max], and min, max, sum and the first value
 *    equal to what the header says.  A chunk that passes decodes to a
 *    well-formed series that agrees with its summary.
 * 5. Reads never go past len: the bit reader assembles its last words byte
 *    by byte and returns zeros past the end while raising a flag; every loop
 *    is bounded by the point count, itself bounded by TS_CODEC_MAX_POINTS
 *    and by the caller's capacity.
 */
#include "ts/codec.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "ts/codec needs IEEE double arithmetic without excess precision"
#endif
#ifdef __FAST_MATH__
#error "ts/codec must not be built with -ffast-math"
#endif

#define BLOCK_LEN 64	    /* residuals per block */
#define DESC_BITS 7	    /* block descriptor width */
#define DESC_RICE 65	    /* descriptors 65..119: Rice, k = d - 65 */
#define RICE_KMAX 54	    /* descriptors 120..127 are reserved */
#define RICE_QMAX 16	    /* quotients >= this are escaped */
#define ESC_LEN_BITS 6	    /* escape: bit length - 1 of the value */
#define MAX_SCALE 22	    /* 10^22 is the largest exact power of ten */
#define CADENCE_SAMPLE 255  /* deltas sampled to choose the cadence */
#define CRC_LEN 4
#define HEADER_MAX 128	    /* fixed part of a header, generously */
/* Bytes one block can take at most: header bits, 64 bits a residual (the
 * cost of packing at width 64, which the choice never exceeds by more than
 * a descriptor), the flush byte and the writer's 8 bytes of slack. */
#define BLOCK_BOUND ((2 + 2 * DESC_BITS + 64 * BLOCK_LEN) / 8 + 1 + 8)

#define F_RAW 0x01u	/* values as bit patterns, not decimal */
#define F_SUM_INT 0x02u	/* decimal sum stored as an integer */
#define F_NEGZERO 0x04u	/* list of negative-zero positions follows */
#define F_KNOWN (F_RAW | F_SUM_INT | F_NEGZERO)
#define SCALE_SHIFT 3	/* the flags byte holds the scale in bits 3..7 */

#define TWO53 INT64_C(9007199254740992)

static const double pow10_tab[MAX_SCALE + 1] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* ---- small integer and double helpers ---------------------------------- */

static inline unsigned bitlen(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

static inline uint64_t zigzag(uint64_t x)
{
	return (x << 1) ^ (0 - (x >> 63));
}

static inline uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* The int64 whose two's complement bit pattern is u (no implementation-
 * defined conversion). */
static inline int64_t u2i(uint64_t u)
{
	if (u <= (uint64_t)INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

static inline uint64_t dbits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u;
}

static inline double bitsd(uint64_t u)
{
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static inline bool is_negzero(double v)
{
	return dbits(v) == UINT64_C(0x8000000000000000);
}

/* Map a double's bits to an unsigned key that sorts like the numbers. */
static inline uint64_t order_key(double v)
{
	uint64_t u = dbits(v);

	return (u >> 63) ? ~u : u | UINT64_C(0x8000000000000000);
}

static inline double key_value(uint64_t k)
{
	return bitsd((k >> 63) ? k & ~UINT64_C(0x8000000000000000) : ~k);
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

enum scaled { SCALED_OK, SCALED_NO, SCALED_NEVER };

/*
 * Is v exactly m / 10^s for an integer |m| <= 2^53, with the division giving
 * back v's very bits?  SCALED_NEVER when no larger s can work either.
 */
static enum scaled to_scaled(double v, unsigned s, int64_t *m)
{
	double x = v * pow10_tab[s];
	int64_t r;

	if (!(fabs(x) <= (double)TWO53))
		return SCALED_NEVER;
	r = (int64_t)(x + (x < 0 ? -0.5 : 0.5));
	if (dbits((double)r / pow10_tab[s]) != dbits(v))
		return SCALED_NO;
	*m = r;
	return SCALED_OK;
}

static inline double from_scaled(int64_t m, unsigned s)
{
	return (double)m / pow10_tab[s];
}

/* ---- bytes: varints and fixed fields ----------------------------------- */

static size_t put_uvarint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static size_t put_u64le(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return 8;
}

/* A cursor over the header bytes; any overrun or bad varint sets bad. */
struct rd {
	const uint8_t *p;
	size_t pos, end;
	bool bad;
};

static uint64_t get_uvarint(struct rd *r)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (r->pos >= r->end) {
			r->bad = true;
			return 0;
		}
		b = r->p[r->pos++];
		if (shift == 63 && b > 1) {
			r->bad = true;
			return 0;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static uint64_t get_u64le(struct rd *r)
{
	uint64_t v = 0;

	if (r->end - r->pos < 8) {
		r->bad = true;
		r->pos = r->end;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += 8;
	return v;
}

/* ---- bits: LSB-first bit stream ---------------------------------------- */

/*
 * Writer appending to a struct buf.  Room is reserved block by block
 * (bitw_room); every put stores a whole 64-bit word, so a reservation keeps
 * 8 bytes of slack past the last byte it can fill.
 */
struct bitw {
	struct buf *b;
	uint8_t *p;   /* next byte, inside b->data */
	uint64_t acc; /* pending bits, low bits first */
	unsigned n;   /* number of pending bits, < 8 between puts */
	bool failed;  /* out of memory: nothing more is written */
};

static inline void store_le64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t low_bits(uint64_t v, unsigned nbits)
{
	return nbits >= 64 ? v : v & ((UINT64_C(1) << nbits) - 1);
}

/* Append the low nbits (<= 56) of v. */
static inline void bitw_put(struct bitw *w, uint64_t v, unsigned nbits)
{
	unsigned bytes;

	w->acc |= low_bits(v, nbits) << w->n;
	w->n += nbits;
	store_le64(w->p, w->acc);
	bytes = w->n >> 3;
	w->p += bytes;
	w->acc >>= bytes * 8;
	w->n &= 7;
}

/* Append the low nbits (<= 64) of v. */
static inline void bitw_put64(struct bitw *w, uint64_t v, unsigned nbits)
{
	if (nbits > 32) {
		bitw_put(w, v, 32);
		bitw_put(w, v >> 32, nbits - 32);
	} else {
		bitw_put(w, v, nbits);
	}
}

/* Make sure the next bytes (slack included) can be written. */
static bool bitw_room(struct bitw *w, size_t bytes)
{
	size_t used;

	if (w->failed)
		return false;
	used = (size_t)(w->p - (uint8_t *)w->b->data);
	w->b->len = used;
	if (!buf_reserve(w->b, bytes)) {
		w->failed = true;
		return false;
	}
	w->p = (uint8_t *)w->b->data + used;
	return true;
}

/* Flush the last partial byte (zero padded) and set the buffer length. */
static void bitw_finish(struct bitw *w)
{
	if (w->failed)
		return;
	if (w->n) {
		*w->p++ = (uint8_t)w->acc;
		w->acc = 0;
		w->n = 0;
	}
	w->b->len = (size_t)(w->p - (uint8_t *)w->b->data);
	w->b->data[w->b->len] = '\0';
}

struct bitr {
	const uint8_t *p;
	size_t len;	/* bytes */
	size_t pos;	/* bit position */
	bool overrun;	/* a read went past len */
	bool reserved;	/* a block used a reserved descriptor */
};

static inline uint64_t bitr_peek(const struct bitr *r, unsigned nbits)
{
	size_t byte = r->pos >> 3;
	uint64_t word = 0;

	if (byte + 8 <= r->len) {
		word = load_le64(r->p + byte);
	} else {
		for (size_t i = 0; i < 8 && byte + i < r->len; i++)
			word |= (uint64_t)r->p[byte + i] << (8 * i);
	}
	return low_bits(word >> (r->pos & 7), nbits);
}

static inline void bitr_skip(struct bitr *r, unsigned nbits)
{
	r->pos += nbits;
	if (r->pos > r->len * 8)
		r->overrun = true;
}

/* Read nbits (<= 56). */
static inline uint64_t bitr_get(struct bitr *r, unsigned nbits)
{
	uint64_t v = bitr_peek(r, nbits);

	bitr_skip(r, nbits);
	return v;
}

/* Read nbits (<= 64). */
static inline uint64_t bitr_get64(struct bitr *r, unsigned nbits)
{
	uint64_t lo;

	if (nbits <= 32)
		return bitr_get(r, nbits);
	lo = bitr_get(r, 32);
	return lo | bitr_get(r, nbits - 32) << 32;
}

/* ---- adaptive block code ----------------------------------------------- */

/*
 * A stream is cut into blocks of BLOCK_LEN residuals (the last one shorter).
 * Each block starts with a repeat bit: 1 reuses the previous block's
 * predictor and descriptor, 0 is followed by the predictor bit (value streams
 * only) and a new descriptor.  Before the first block of a stream the
 * "previous" choice is predictor 0, descriptor 0.
 */
struct blockstate {
	unsigned pred; /* residual predictor of the previous block */
	unsigned desc; /* descriptor of the previous block */
};

struct choice {
	unsigned desc;
	uint64_t bits;
};

static inline unsigned rice_bits(uint64_t z, unsigned k)
{
	uint64_t q = z >> k;

	if (q < RICE_QMAX)
		return (unsigned)q + 1 + k;
	return RICE_QMAX + ESC_LEN_BITS + bitlen(z) - 1;
}

/* Bits that descriptor d takes for z[0..len); UINT64_MAX if it cannot. */
static uint64_t code_cost(const uint64_t *z, size_t len, unsigned d)
{
	uint64_t bits = 0, any = 0;

	if (d < DESC_RICE) {
		for (size_t i = 0; i < len; i++)
			any |= z[i];
		return bitlen(any) <= d ? (uint64_t)d * len : UINT64_MAX;
	}
	for (size_t i = 0; i < len; i++)
		bits += rice_bits(z[i], d - DESC_RICE);
	return bits;
}

/*
 * The descriptor that codes z[0..len) in the fewest bits: the narrowest
 * packing width, or one of the three Rice parameters around log2 of the
 * mean, whichever is smaller.
 */
static struct choice best_code(const uint64_t *z, size_t len)
{
	uint64_t any = 0, sum = 0, bits[3] = { 0, 0, 0 };
	struct choice best;
	unsigned k0, nk;

	for (size_t i = 0; i < len; i++) {
		any |= z[i];
		sum = sum + z[i] < sum ? UINT64_MAX : sum + z[i];
	}
	best.desc = bitlen(any);
	best.bits = (uint64_t)best.desc * len;
	if (best.desc <= 1)
		return best;
	k0 = bitlen(sum / len);
	k0 = k0 > 1 ? k0 - 2 : 0;
	if (k0 > RICE_KMAX)
		return best;
	nk = RICE_KMAX + 1 - k0 < 3 ? RICE_KMAX + 1 - k0 : 3;
	for (size_t i = 0; i < len; i++)
		for (unsigned j = 0; j < nk; j++)
			bits[j] += rice_bits(z[i], k0 + j);
	for (unsigned j = 0; j < nk; j++) {
		if (bits[j] < best.bits) {
			best.bits = bits[j];
			best.desc = DESC_RICE + k0 + j;
		}
	}
	return best;
}

static inline void rice_put(struct bitw *w, uint64_t z, unsigned k)
{
	uint64_t q = z >> k;
	unsigned len;

	if (q < RICE_QMAX) {
		bitw_put(w, (UINT64_C(1) << q) - 1, (unsigned)q + 1);
		bitw_put64(w, z, k);
		return;
	}
	len = bitlen(z) - 1;
	bitw_put(w, (UINT64_C(1) << RICE_QMAX) - 1, RICE_QMAX);
	bitw_put(w, len, ESC_LEN_BITS);
	bitw_put64(w, z, len);
}

/*
 * Code one block.  z[p][0..len) are the residuals under predictor p, for
 * npred predictors (1 or 2); the cheapest predictor and descriptor win,
 * counting the bits of the block header.
 */
static void block_put(struct bitw *w, struct blockstate *st,
		      const uint64_t (*z)[BLOCK_LEN], unsigned npred,
		      size_t len)
{
	unsigned pred = st->pred, desc = st->desc;
	uint64_t best = code_cost(z[pred], len, desc);
	bool repeat = best != UINT64_MAX;
	const uint64_t *v;

	if (!bitw_room(w, BLOCK_BOUND))
		return;
	best = repeat ? best + 1 : UINT64_MAX;
	for (unsigned p = 0; p < npred; p++) {
		struct choice c = best_code(z[p], len);
		uint64_t bits = 1 + (npred > 1) + DESC_BITS + c.bits;

		if (bits < best) {
			best = bits;
			pred = p;
			desc = c.desc;
			repeat = false;
		}
	}
	bitw_put(w, repeat, 1);
	if (!repeat) {
		if (npred > 1)
			bitw_put(w, pred, 1);
		bitw_put(w, desc, DESC_BITS);
	}
	st->pred = pred;
	st->desc = desc;
	v = z[pred];
	if (desc < DESC_RICE) {
		for (size_t i = 0; desc && i < len; i++)
			bitw_put64(w, v[i], desc);
		return;
	}
	for (size_t i = 0; i < len; i++)
		rice_put(w, v[i], desc - DESC_RICE);
}

static inline uint64_t rice_get(struct bitr *r, unsigned k)
{
	uint64_t peek = bitr_peek(r, RICE_QMAX), q;
	unsigned len;

	q = (uint64_t)__builtin_ctzll(~peek);
	if (q < RICE_QMAX) {
		bitr_skip(r, (unsigned)q + 1);
		return q << k | bitr_get64(r, k);
	}
	bitr_skip(r, RICE_QMAX);
	len = (unsigned)bitr_get(r, ESC_LEN_BITS);
	return UINT64_C(1) << len | bitr_get64(r, len);
}

/*
 * Decode one block of len residuals into z; st->pred tells the predictor.
 * False on a reserved descriptor or a read past the stream.
 */
static bool block_get(struct bitr *r, struct blockstate *st, unsigned npred,
		      uint64_t *z, size_t len)
{
	unsigned d;

	if (!bitr_get(r, 1)) {
		st->pred = npred > 1 ? (unsigned)bitr_get(r, 1) : 0;
		st->desc = (unsigned)bitr_get(r, DESC_BITS);
		if (st->desc > DESC_RICE + RICE_KMAX) {
			r->reserved = true;
			return false;
		}
	}
	d = st->desc;
	if (d < DESC_RICE) {
		if (d == 0)
			memset(z, 0, len * sizeof(*z));
		for (size_t i = 0; d && i < len; i++)
			z[i] = bitr_get64(r, d);
	} else {
		for (size_t i = 0; i < len; i++)
			z[i] = rice_get(r, d - DESC_RICE);
	}
	return !r->overrun;
}

/* ---- encoder: analysis --------------------------------------------------- */

/* Everything the header says, and what the streams need. */
struct plan {
	size_t n;
	unsigned flags;
	int64_t ts_min, ts_max;
	uint64_t t_unit, t_cadence; /* deltas = t_unit * (t_cadence + r) */
	unsigned scale;
	int64_t m_min, m_max, m_first, m_sum;
	uint64_t v_unit;	    /* decimal deltas = v_unit * r */
	size_t negzeros;
	double min, max, sum;	    /* sum: sequential double sum */
};

static int check_points(const struct ts_point *pts, size_t n, struct plan *pl,
			struct err *e)
{
	pl->min = pl->max = pts[0].value;
	pl->sum = 0;
	for (size_t i = 0; i < n; i++) {
		double v = pts[i].value;

		if (!isfinite(v))
			return err_set(e, ERR_INVALID,
				       "point %zu (ts %lld): value is not finite; "
				       "chunks hold finite numbers only",
				       i, (long long)pts[i].ts);
		if (i && pts[i].ts < pts[i - 1].ts)
			return err_set(e, ERR_INVALID,
				       "point %zu: timestamp %lld is before the "
				       "previous one (%lld); points must be "
				       "sorted by time",
				       i, (long long)pts[i].ts,
				       (long long)pts[i - 1].ts);
		if (v < pl->min)
			pl->min = v;
		if (v > pl->max)
			pl->max = v;
		pl->sum += v;
	}
	pl->ts_min = pts[0].ts;
	pl->ts_max = pts[n - 1].ts;
	return ERR_OK;
}

static uint64_t ts_delta(const struct ts_point *pts, size_t i)
{
	return (uint64_t)pts[i].ts - (uint64_t)pts[i - 1].ts;
}

/* k-th smallest of a[0..n) (a is reordered). */
static uint64_t select_kth(uint64_t *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = a[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				uint64_t t = a[i];

				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

/* Timestamp unit (gcd of the deltas) and cadence (median delta in units). */
static void plan_timestamps(const struct ts_point *pts, size_t n,
			    struct plan *pl)
{
	uint64_t g = 0, last = 0, sample[CADENCE_SAMPLE];
	size_t ns, nd = n - 1;

	pl->t_unit = 1;
	pl->t_cadence = 0;
	if (n < 2)
		return;
	for (size_t i = 1; i < n && g != 1; i++) {
		uint64_t d = ts_delta(pts, i);

		if (d && d != last && (g == 0 || d % g))
			g = gcd_u64(d, g);
		last = d;
	}
	pl->t_unit = g ? g : 1;
	ns = nd < CADENCE_SAMPLE ? nd : CADENCE_SAMPLE;
	for (size_t j = 0; j < ns; j++)
		sample[j] = ts_delta(pts, 1 + j * nd / ns) / pl->t_unit;
	pl->t_cadence = select_kth(sample, ns, ns / 2);
}

/* The smallest scale above s at which v is decimal, or -1. */
static int raise_scale(double v, unsigned s)
{
	int64_t m;

	while (s < MAX_SCALE) {
		enum scaled r = to_scaled(v, ++s, &m);

		if (r == SCALED_OK)
			return (int)s;
		if (r == SCALED_NEVER)
			return -1;
	}
	return -1;
}

static void decimal_stats(struct plan *pl, size_t i, int64_t m, int64_t prev,
			  uint64_t *g, bool *sum_ok)
{
	uint64_t d;

	if (*sum_ok && __builtin_add_overflow(pl->m_sum, m, &pl->m_sum))
		*sum_ok = false;
	if (i == 0) {
		pl->m_min = pl->m_max = pl->m_first = m;
		return;
	}
	if (m < pl->m_min)
		pl->m_min = m;
	if (m > pl->m_max)
		pl->m_max = m;
	d = m > prev ? (uint64_t)(m - prev) : (uint64_t)(prev - m);
	if (*g != 1 && d && (*g == 0 || d % *g))
		*g = gcd_u64(d, *g);
}

/*
 * Find the smallest scale at which every value is decimal, verifying every
 * value and gathering the integer statistics in the same scan: a value that
 * needs a larger scale raises it and restarts the scan (at most MAX_SCALE
 * times).  False when no scale fits every value.
 */
static bool plan_decimal(const struct ts_point *pts, size_t n, struct plan *pl)
{
	unsigned s = 0;
	uint64_t g;
	bool sum_ok;
	int64_t m, prev;
	int raised;

restart:
	pl->m_sum = 0;
	pl->negzeros = 0;
	g = 0;
	prev = 0;
	sum_ok = true;
	for (size_t i = 0; i < n; i++) {
		double v = pts[i].value;

		if (is_negzero(v)) {
			m = 0;
			pl->negzeros++;
		} else if (to_scaled(v, s, &m) != SCALED_OK) {
			raised = raise_scale(v, s);
			if (raised < 0)
				return false;
			s = (unsigned)raised;
			goto restart;
		}
		decimal_stats(pl, i, m, prev, &g, &sum_ok);
		prev = m;
	}
	pl->scale = s;
	pl->v_unit = g ? g : 1;
	pl->flags = sum_ok ? F_SUM_INT : 0;
	if (pl->negzeros)
		pl->flags |= F_NEGZERO;
	return true;
}

static int plan_chunk(const struct ts_point *pts, size_t n, struct plan *pl,
		      struct err *e)
{
	int rc;

	memset(pl, 0, sizeof(*pl));
	pl->n = n;
	rc = check_points(pts, n, pl, e);
	if (rc)
		return rc;
	plan_timestamps(pts, n, pl);
	if (!plan_decimal(pts, n, pl)) {
		pl->flags = F_RAW;
		pl->negzeros = 0;
	}
	return ERR_OK;
}

/* ---- encoder: output ----------------------------------------------------- */

static size_t write_header(const struct plan *pl, const struct ts_point *pts,
			   uint8_t *h)
{
	size_t p = 0;

	h[p++] = TS_CODEC_VERSION;
	h[p++] = (uint8_t)(pl->flags | pl->scale << SCALE_SHIFT);
	p += put_uvarint(h + p, pl->n);
	p += put_uvarint(h + p, zigzag((uint64_t)pl->ts_min));
	p += put_uvarint(h + p, (uint64_t)pl->ts_max - (uint64_t)pl->ts_min);
	if (pl->n >= 2) {
		p += put_uvarint(h + p, pl->t_unit);
		p += put_uvarint(h + p, pl->t_cadence);
	}
	if (pl->flags & F_RAW) {
		p += put_u64le(h + p, dbits(pl->min));
		p += put_u64le(h + p, dbits(pl->max));
		p += put_u64le(h + p, dbits(pl->sum));
		p += put_u64le(h + p, dbits(pts[0].value));
		return p;
	}
	p += put_uvarint(h + p, zigzag((uint64_t)pl->m_min));
	p += put_uvarint(h + p, (uint64_t)(pl->m_max - pl->m_min));
	p += put_uvarint(h + p, (uint64_t)(pl->m_first - pl->m_min));
	if (pl->flags & F_SUM_INT)
		p += put_uvarint(h + p, zigzag((uint64_t)pl->m_sum));
	else
		p += put_u64le(h + p, dbits(pl->sum));
	if (pl->n >= 2)
		p += put_uvarint(h + p, pl->v_unit);
	return p;
}

/* The positions of the negative zeros: count, first, then gaps minus 1. */
static void write_negzeros(const struct plan *pl, const struct ts_point *pts,
			   struct buf *out)
{
	uint8_t tmp[10];
	size_t last = 0, seen = 0;

	buf_append(out, tmp, put_uvarint(tmp, pl->negzeros));
	for (size_t i = 0; i < pl->n; i++) {
		if (!is_negzero(pts[i].value))
			continue;
		buf_append(out, tmp,
			   put_uvarint(tmp, seen ? i - last - 1 : i));
		last = i;
		seen++;
	}
}

static void put_ts_stream(struct bitw *w, const struct plan *pl,
			  const struct ts_point *pts)
{
	uint64_t z[1][BLOCK_LEN];
	uint64_t regular = pl->t_unit * pl->t_cadence;
	struct blockstate st = { 0, 0 };

	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		for (size_t j = 0; j < len; j++) {
			uint64_t d = ts_delta(pts, i + j);
			uint64_t q = d == regular ? pl->t_cadence
						  : d / pl->t_unit;

			z[0][j] = zigzag(q - pl->t_cadence);
		}
		block_put(w, &st, z, 1, len);
	}
}

/* m of a value already verified by to_scaled() (-0.0 gives 0). */
static inline int64_t scaled_of(double v, unsigned s)
{
	double x = v * pow10_tab[s];

	return (int64_t)(x + (x < 0 ? -0.5 : 0.5));
}

static void put_decimal_stream(struct bitw *w, const struct plan *pl,
			       const struct ts_point *pts)
{
	uint64_t z[2][BLOCK_LEN];
	int64_t prev = pl->m_first, prev_d = 0;
	struct blockstate st = { 0, 0 };

	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		for (size_t j = 0; j < len; j++) {
			int64_t m = scaled_of(pts[i + j].value, pl->scale);
			int64_t d = m - prev;

			if (pl->v_unit != 1)
				d /= (int64_t)pl->v_unit;
			z[0][j] = zigzag((uint64_t)d);
			z[1][j] = zigzag((uint64_t)(d - prev_d));
			prev = m;
			prev_d = d;
		}
		block_put(w, &st, z, 2, len);
	}
}

static void put_raw_stream(struct bitw *w, const struct plan *pl,
			   const struct ts_point *pts)
{
	uint64_t z[2][BLOCK_LEN];
	uint64_t prev = order_key(pts[0].value), prev_d = 0;
	struct blockstate st = { 0, 0 };

	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		for (size_t j = 0; j < len; j++) {
			uint64_t k = order_key(pts[i + j].value);

			z[0][j] = zigzag(k - prev);
			z[1][j] = zigzag(k - prev - prev_d);
			prev_d = k - prev;
			prev = k;
		}
		block_put(w, &st, z, 2, len);
	}
}

static int write_streams(const struct plan *pl, const struct ts_point *pts,
			 struct buf *out)
{
	struct bitw w = { .b = out };

	if (pl->n < 2)
		return ERR_OK;
	w.p = (uint8_t *)out->data + out->len;
	put_ts_stream(&w, pl, pts);
	if (pl->flags & F_RAW)
		put_raw_stream(&w, pl, pts);
	else
		put_decimal_stream(&w, pl, pts);
	bitw_finish(&w);
	return w.failed ? ERR_NOMEM : ERR_OK;
}

int ts_codec_encode(const struct ts_point *pts, size_t n, struct buf *out,
		    struct err *e)
{
	uint8_t header[HEADER_MAX], crc[CRC_LEN];
	size_t start = out->len;
	struct plan pl;
	uLong sum;
	int rc;

	if (n == 0)
		return err_set(e, ERR_INVALID, "encode: no points");
	if (n > TS_CODEC_MAX_POINTS)
		return err_set(e, ERR_TOO_LARGE,
			       "encode: %zu points, a chunk holds at most %u",
			       n, TS_CODEC_MAX_POINTS);
	rc = plan_chunk(pts, n, &pl, e);
	if (rc) {
		err_prefix(e, "encode");
		return rc;
	}
	buf_append(out, header, write_header(&pl, pts, header));
	if (pl.flags & F_NEGZERO)
		write_negzeros(&pl, pts, out);
	if (buf_failed(out) || write_streams(&pl, pts, out))
		goto fail_nomem;
	sum = crc32_z(0, (const Bytef *)out->data + start, out->len - start);
	for (int i = 0; i < CRC_LEN; i++)
		crc[i] = (uint8_t)(sum >> (8 * i));
	buf_append(out, crc, sizeof(crc));
	if (buf_failed(out))
		goto fail_nomem;
	return ERR_OK;

fail_nomem:
	if (out->data && out->len >= start) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err_set(e, ERR_NOMEM, "encode: out of memory for %zu points",
		       n);
}

/* ---- decoder -------------------------------------------------------------- */

/* A parsed and range-checked header. */
struct hdr {
	struct plan pl;
	uint64_t ts_span, m_span;
	double first;		/* raw chunks */
	size_t negz_pos;	/* offset of the negative-zero list */
	size_t stream_pos;	/* offset of the bit streams */
	size_t stream_end;	/* offset of the CRC */
};

static int bad(struct err *e, const char *what)
{
	return err_set(e, ERR_INVALID, "corrupt chunk: %s", what);
}

static int check_crc(const uint8_t *p, size_t len, struct err *e)
{
	uLong stored = 0, computed;

	if (len < 2 + 3 + CRC_LEN)
		return err_set(e, ERR_INVALID,
			       "corrupt chunk: %zu bytes is too short", len);
	for (int i = 0; i < CRC_LEN; i++)
		stored |= (uLong)p[len - CRC_LEN + i] << (8 * i);
	computed = crc32_z(0, p, len - CRC_LEN);
	if (stored != computed)
		return err_set(e, ERR_INVALID,
			       "corrupt chunk: checksum mismatch (stored "
			       "%08lx, computed %08lx, %zu bytes)",
			       stored, computed, len);
	return ERR_OK;
}

static int parse_times(struct rd *r, struct hdr *h, struct err *e)
{
	struct plan *pl = &h->pl;
	uint64_t n = get_uvarint(r);

	if (n == 0 || n > TS_CODEC_MAX_POINTS)
		return bad(e, "point count out of range");
	pl->n = (size_t)n;
	pl->ts_min = u2i(unzigzag(get_uvarint(r)));
	h->ts_span = get_uvarint(r);
	if (h->ts_span > (uint64_t)INT64_MAX - (uint64_t)pl->ts_min)
		return bad(e, "time range past the largest timestamp");
	pl->ts_max = u2i((uint64_t)pl->ts_min + h->ts_span);
	pl->t_unit = 1;
	if (n >= 2) {
		pl->t_unit = get_uvarint(r);
		pl->t_cadence = get_uvarint(r);
		if (pl->t_unit == 0)
			return bad(e, "timestamp unit is zero");
	} else if (h->ts_span) {
		return bad(e, "one point but a time range");
	}
	return r->bad ? bad(e, "header cut short") : ERR_OK;
}

static int parse_raw_values(struct rd *r, struct hdr *h, struct err *e)
{
	struct plan *pl = &h->pl;

	pl->min = bitsd(get_u64le(r));
	pl->max = bitsd(get_u64le(r));
	pl->sum = bitsd(get_u64le(r));
	h->first = bitsd(get_u64le(r));
	if (r->bad)
		return bad(e, "header cut short");
	if (!isfinite(pl->min) || !isfinite(pl->max) || !isfinite(h->first) ||
	    isnan(pl->sum))
		return bad(e, "summary value not a number");
	if (!(pl->min <= h->first && h->first <= pl->max))
		return bad(e, "first value outside [min, max]");
	if (pl->n == 1 && (dbits(pl->min) != dbits(h->first) ||
			   dbits(pl->max) != dbits(h->first) ||
			   dbits(pl->sum) != dbits(0.0 + h->first)))
		return bad(e, "one point but a different summary");
	return ERR_OK;
}

static int parse_negzeros(struct rd *r, struct hdr *h, struct err *e)
{
	uint64_t count = get_uvarint(r), pos = 0;

	h->pl.negzeros = (size_t)count;
	if (count == 0 || count > h->pl.n)
		return bad(e, "negative-zero count out of range");
	if (h->pl.m_min > 0 || h->pl.m_max < 0)
		return bad(e, "negative zeros outside [min, max]");
	for (uint64_t i = 0; i < count && !r->bad; i++) {
		uint64_t step = get_uvarint(r);

		if (step >= h->pl.n - pos)
			return bad(e, "negative-zero position out of range");
		pos += i ? step + 1 : step;
		if (pos >= h->pl.n)
			return bad(e, "negative-zero position out of range");
	}
	return r->bad ? bad(e, "header cut short") : ERR_OK;
}

static int parse_decimal_values(struct rd *r, struct hdr *h, struct err *e)
{
	struct plan *pl = &h->pl;
	uint64_t first_off;

	pl->m_min = u2i(unzigzag(get_uvarint(r)));
	h->m_span = get_uvarint(r);
	first_off = get_uvarint(r);
	if (pl->flags & F_SUM_INT)
		pl->m_sum = u2i(unzigzag(get_uvarint(r)));
	else
		pl->sum = bitsd(get_u64le(r));
	pl->v_unit = pl->n >= 2 ? get_uvarint(r) : 1;
	if (r->bad)
		return bad(e, "header cut short");
	if (pl->m_min < -TWO53 || pl->m_min > TWO53 ||
	    h->m_span > (uint64_t)(TWO53 - pl->m_min))
		return bad(e, "value range out of range");
	if (first_off > h->m_span)
		return bad(e, "first value outside [min, max]");
	if (pl->n == 1 && (h->m_span || ((pl->flags & F_SUM_INT) &&
					 pl->m_sum != pl->m_min)))
		return bad(e, "one point but a different summary");
	if (pl->v_unit == 0)
		return bad(e, "value unit is zero");
	if (!(pl->flags & F_SUM_INT) && isnan(pl->sum))
		return bad(e, "sum not a number");
	pl->m_max = pl->m_min + (int64_t)h->m_span;
	pl->m_first = pl->m_min + (int64_t)first_off;
	pl->min = from_scaled(pl->m_min, pl->scale);
	pl->max = from_scaled(pl->m_max, pl->scale);
	if (pl->flags & F_SUM_INT)
		pl->sum = (double)pl->m_sum / pow10_tab[pl->scale];
	h->negz_pos = r->pos;
	if (pl->flags & F_NEGZERO)
		return parse_negzeros(r, h, e);
	return ERR_OK;
}

static int parse_header(const void *chunk, size_t len, struct hdr *h,
			struct err *e)
{
	const uint8_t *p = chunk;
	struct rd r = { .p = p, .pos = 2 };
	unsigned version, flags;
	int rc;

	memset(h, 0, sizeof(*h));
	if (!chunk)
		return bad(e, "no bytes");
	rc = check_crc(p, len, e);
	if (rc)
		return rc;
	r.end = len - CRC_LEN;
	version = p[0];
	flags = p[1];
	if (version != TS_CODEC_VERSION)
		return err_set(e, ERR_UNSUPPORTED,
			       "chunk format version %u; this build reads %d",
			       version, TS_CODEC_VERSION);
	h->pl.scale = flags >> SCALE_SHIFT;
	flags &= (1u << SCALE_SHIFT) - 1;
	if (flags & ~F_KNOWN || ((flags & F_RAW) && p[1] != F_RAW))
		return bad(e, "unknown flags");
	if (h->pl.scale > MAX_SCALE)
		return bad(e, "decimal scale out of range");
	h->pl.flags = flags;
	rc = parse_times(&r, h, e);
	if (!rc)
		rc = (flags & F_RAW) ? parse_raw_values(&r, h, e)
				     : parse_decimal_values(&r, h, e);
	if (rc)
		return rc;
	h->stream_pos = r.pos;
	h->stream_end = r.end;
	if (h->pl.n == 1 && r.pos != r.end)
		return bad(e, "bytes after a one-point chunk");
	return ERR_OK;
}

int ts_codec_summary(const void *chunk, size_t len,
		     struct ts_chunk_summary *out, struct err *e)
{
	struct hdr h;
	int rc = parse_header(chunk, len, &h, e);

	if (rc)
		return rc;
	out->count = (uint32_t)h.pl.n;
	out->ts_min = h.pl.ts_min;
	out->ts_max = h.pl.ts_max;
	out->min = h.pl.min;
	out->max = h.pl.max;
	out->sum = h.pl.sum;
	return ERR_OK;
}

static int get_ts_stream(struct bitr *r, const struct hdr *h,
			 struct ts_point *out)
{
	const struct plan *pl = &h->pl;
	uint64_t z[BLOCK_LEN], off = 0;
	struct blockstate st = { 0, 0 };

	out[0].ts = pl->ts_min;
	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		if (!block_get(r, &st, 1, z, len))
			return ERR_INVALID;
		for (size_t j = 0; j < len; j++) {
			uint64_t d = (pl->t_cadence + unzigzag(z[j])) *
				     pl->t_unit;

			if (d > h->ts_span - off)
				return ERR_INVALID;
			off += d;
			out[i + j].ts = u2i((uint64_t)pl->ts_min + off);
		}
	}
	return off == h->ts_span ? ERR_OK : ERR_INVALID;
}

static int get_decimal_stream(struct bitr *r, const struct hdr *h,
			      struct ts_point *out)
{
	const struct plan *pl = &h->pl;
	uint64_t z[BLOCK_LEN], sum = (uint64_t)pl->m_first, d = 0;
	int64_t m = pl->m_first, lo = m, hi = m;
	struct blockstate st = { 0, 0 };

	out[0].value = from_scaled(m, pl->scale);
	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		if (!block_get(r, &st, 2, z, len))
			return ERR_INVALID;
		for (size_t j = 0; j < len; j++) {
			d = st.pred ? d + unzigzag(z[j]) : unzigzag(z[j]);
			m = u2i((uint64_t)m + d * pl->v_unit);
			if (m < pl->m_min || m > pl->m_max)
				return ERR_INVALID;
			lo = m < lo ? m : lo;
			hi = m > hi ? m : hi;
			sum += (uint64_t)m;
			out[i + j].value = from_scaled(m, pl->scale);
		}
	}
	if (lo != pl->m_min || hi != pl->m_max)
		return ERR_INVALID;
	if ((pl->flags & F_SUM_INT) && u2i(sum) != pl->m_sum)
		return ERR_INVALID;
	return ERR_OK;
}

static int get_raw_stream(struct bitr *r, const struct hdr *h,
			  struct ts_point *out)
{
	const struct plan *pl = &h->pl;
	uint64_t z[BLOCK_LEN], key = order_key(h->first), d = 0;
	struct blockstate st = { 0, 0 };

	out[0].value = h->first;
	for (size_t i = 1; i < pl->n; i += BLOCK_LEN) {
		size_t len = pl->n - i < BLOCK_LEN ? pl->n - i : BLOCK_LEN;

		if (!block_get(r, &st, 2, z, len))
			return ERR_INVALID;
		for (size_t j = 0; j < len; j++) {
			double v;

			d = st.pred ? d + unzigzag(z[j]) : unzigzag(z[j]);
			key += d;
			v = key_value(key);
			if (!(v >= pl->min && v <= pl->max))
				return ERR_INVALID;
			out[i + j].value = v;
		}
	}
	return ERR_OK;
}

/* Sequential sum, min and max of the decoded values against the header. */
static bool values_match(const struct hdr *h, const struct ts_point *out)
{
	const struct plan *pl = &h->pl;
	double lo = out[0].value, hi = lo, sum = 0;
	bool need_sum = (pl->flags & (F_RAW | F_SUM_INT)) != F_SUM_INT;

	for (size_t i = 0; i < pl->n; i++) {
		double v = out[i].value;

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
	}
	if (lo != pl->min || hi != pl->max)
		return false;
	return !need_sum || dbits(sum) == dbits(pl->sum);
}

/* Put back the negative zeros listed after a decimal header. */
static bool apply_negzeros(const uint8_t *p, const struct hdr *h,
			   struct ts_point *out)
{
	struct rd r = { .p = p, .pos = h->negz_pos, .end = h->stream_pos };
	uint64_t count = get_uvarint(&r), pos = 0;

	for (uint64_t i = 0; i < count; i++) {
		uint64_t step = get_uvarint(&r);

		pos += i ? step + 1 : step;
		if (dbits(out[pos].value) != 0)
			return false;
		out[pos].value = -0.0;
	}
	return true;
}

static int decode_streams(const uint8_t *p, const struct hdr *h,
			  struct ts_point *out, struct err *e)
{
	struct bitr r = {
		.p = p + h->stream_pos,
		.len = h->stream_end - h->stream_pos,
	};
	size_t used;

	if (get_ts_stream(&r, h, out))
		return bad(e, r.reserved  ? "reserved block descriptor"
			      : r.overrun ? "timestamp stream cut short"
					  : "timestamps disagree with header");
	if ((h->pl.flags & F_RAW) ? get_raw_stream(&r, h, out)
				  : get_decimal_stream(&r, h, out))
		return bad(e, r.reserved  ? "reserved block descriptor"
			      : r.overrun ? "value stream cut short"
					  : "values disagree with header");
	used = (r.pos + 7) / 8;
	if (used != r.len || (r.pos & 7 && bitr_peek(&r, 8)))
		return bad(e, "bytes after the value stream");
	return ERR_OK;
}

int ts_codec_decode(const void *chunk, size_t len, struct ts_point *out,
		    size_t cap, size_t *n_out, struct err *e)
{
	struct hdr h;
	int rc = parse_header(chunk, len, &h, e);

	*n_out = 0;
	if (rc)
		return rc;
	if (h.pl.n > cap)
		return err_set(e, ERR_TOO_LARGE,
			       "decode: chunk holds %zu points, room for %zu",
			       h.pl.n, cap);
	if (h.pl.n == 1) {
		out[0].ts = h.pl.ts_min;
		out[0].value = (h.pl.flags & F_RAW)
				       ? h.first
				       : from_scaled(h.pl.m_first, h.pl.scale);
	} else {
		rc = decode_streams(chunk, &h, out, e);
		if (rc)
			return rc;
	}
	if ((h.pl.flags & F_NEGZERO) && !apply_negzeros(chunk, &h, out))
		return bad(e, "negative zero listed at a nonzero value");
	if (!values_match(&h, out))
		return bad(e, "values disagree with summary");
	*n_out = h.pl.n;
	return ERR_OK;
}

int ts_codec_decode_alloc(const void *chunk, size_t len,
			  struct ts_point **out, size_t *n_out, struct err *e)
{
	struct ts_chunk_summary s;
	struct ts_point *pts;
	int rc;

	*out = NULL;
	*n_out = 0;
	rc = ts_codec_summary(chunk, len, &s, e);
	if (rc)
		return rc;
	pts = malloc(s.count * sizeof(*pts));
	if (!pts)
		return err_nomem(e);
	rc = ts_codec_decode(chunk, len, pts, s.count, n_out, e);
	if (rc)
		goto out_free_points;
	*out = pts;
	return ERR_OK;

out_free_points:
	free(pts);
	return rc;
}
