/*
 * batch: growable points and a string arena with a dedup set, and
 * the helpers the three parsers share (numbers, timestamps, names, quoting
 * input in messages).
 */
#include "ingest/batch.h"

#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/timeutil.h"

/* First size of the names set (a power of two); it doubles at half full. */
#define NAMES_MIN 256u
#define ARENA_MIN 4096u
#define POINTS_MIN 256u
/* Offsets are uint32: the arena's bytes (NULs included) stay below 4 GiB. */
#define ARENA_MAX ((size_t)UINT32_MAX)

void ingest_batch_init(struct ingest_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->max_points = INGEST_BATCH_MAX_POINTS;
}

void ingest_batch_reset(struct ingest_batch *b)
{
	b->n = 0;
	b->arena_len = 0;
	b->form = INGEST_FORM_NONE;
	if (b->names)
		memset(b->names, 0, b->names_cap * sizeof(*b->names));
	b->names_used = 0;
}

void ingest_batch_free(struct ingest_batch *b)
{
	free(b->points);
	free(b->arena);
	free(b->names);
	ingest_batch_init(b);
}

/* FNV-1a, folded: strings here are short; a collision costs one more
 * probe, never a wrong answer. */
static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static int arena_grow(struct ingest_batch *b, size_t need, struct err *e)
{
	size_t cap = b->arena_cap ? b->arena_cap : ARENA_MIN;
	char *p;

	if (need > ARENA_MAX - b->arena_len)
		return err_set(e, ERR_TOO_LARGE,
			       "the names of one write exceed 4 GiB");
	need += b->arena_len;
	while (cap < need)
		cap = cap > ARENA_MAX / 2 ? ARENA_MAX : cap * 2;
	p = realloc(b->arena, cap);
	if (!p)
		return err_nomem(e);
	b->arena = p;
	b->arena_cap = cap;
	return ERR_OK;
}

/* Double the names set (or make it) and rehash the offsets it holds. */
static int names_grow(struct ingest_batch *b, struct err *e)
{
	uint32_t cap = b->names_cap ? b->names_cap * 2 : NAMES_MIN;
	uint32_t *set;

	if (b->names_cap > UINT32_MAX / 4)
		return err_set(e, ERR_TOO_LARGE,
			       "one write holds too many distinct names");
	set = calloc(cap, sizeof(*set));
	if (!set)
		return err_nomem(e);
	for (uint32_t i = 0; i < b->names_cap; i++) {
		uint32_t off1 = b->names[i], h;

		if (!off1)
			continue;
		h = hash_bytes(b->arena + off1 - 1, strlen(b->arena + off1 - 1));
		while (set[h & (cap - 1)])
			h++;
		set[h & (cap - 1)] = off1;
	}
	free(b->names);
	b->names = set;
	b->names_cap = cap;
	return ERR_OK;
}

char *ingest__reserve_tail(struct ingest_batch *b, size_t len, struct err *e)
{
	if (len >= ARENA_MAX) {
		err_set(e, ERR_TOO_LARGE,
			"the names of one write exceed 4 GiB");
		return NULL;
	}
	if (b->arena_cap - b->arena_len < len + 1 &&
	    arena_grow(b, len + 1, e))
		return NULL;
	/* Room for one more name at most half full: commit cannot fail. */
	if ((b->names_used + 1) * 2 > b->names_cap && names_grow(b, e))
		return NULL;
	return b->arena + b->arena_len;
}

/* The set's slot holding s, or the empty slot where it goes (*hit false). */
static uint32_t *names_slot(struct ingest_batch *b, const char *s, size_t len,
			    bool *hit)
{
	uint32_t h = hash_bytes(s, len), mask = b->names_cap - 1;

	for (;; h++) {
		uint32_t *slot = &b->names[h & mask];
		size_t off;

		*hit = false;
		if (*slot == 0)
			return slot;
		off = *slot - 1;
		/* The stored string ends with a NUL inside the used arena. */
		if (len < b->arena_len - off && b->arena[off + len] == '\0' &&
		    memcmp(b->arena + off, s, len) == 0) {
			*hit = true;
			return slot;
		}
	}
}

uint32_t ingest__commit_tail(struct ingest_batch *b, size_t len)
{
	char *s = b->arena + b->arena_len;
	uint32_t off = (uint32_t)b->arena_len;
	bool hit;
	uint32_t *slot = names_slot(b, s, len, &hit);

	if (hit)
		return *slot - 1;
	s[len] = '\0';
	b->arena_len += len + 1;
	*slot = off + 1;
	b->names_used++;
	return off;
}

int ingest_batch_intern(struct ingest_batch *b, const char *s, size_t len,
			uint32_t *off, struct err *e)
{
	char *dst;

	if (memchr(s, '\0', len))
		return err_set(e, ERR_INVALID, "a name holds a NUL byte");
	dst = ingest__reserve_tail(b, len, e);
	if (!dst)
		return e ? e->code : ERR_NOMEM;
	memcpy(dst, s, len);
	*off = ingest__commit_tail(b, len);
	return ERR_OK;
}

int ingest_batch_add(struct ingest_batch *b, const struct ingest_point *p,
		     struct err *e)
{
	struct ingest_point *pts;
	size_t cap;

	if (b->max_points && b->n >= b->max_points)
		return err_set(e, ERR_TOO_LARGE, "more than %zu points in one "
			       "write (the limit, --max-batch-points): split "
			       "it into smaller batches", b->max_points);
	if (b->n == b->cap) {
		cap = b->cap ? b->cap : POINTS_MIN;
		if (b->cap) {
			if (cap > SIZE_MAX / 2 / sizeof(*pts))
				return err_nomem(e);
			cap *= 2;
		}
		pts = realloc(b->points, cap * sizeof(*pts));
		if (!pts)
			return err_nomem(e);
		b->points = pts;
		b->cap = cap;
	}
	b->points[b->n++] = *p;
	return ERR_OK;
}

const char *ingest_pos_format(const struct ingest_batch *b,
			      const struct ingest_pos *pos, char *out,
			      size_t size)
{
	if (pos->line)
		snprintf(out, size, "line %" PRIu32, pos->line);
	else if (b->form == INGEST_FORM_JSON_ARRAY)
		snprintf(out, size, "item %" PRIu32, pos->index);
	else
		snprintf(out, size, "the object");
	return out;
}

/* ---- names and messages --------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (len < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;      /* overlong */
	else if (c == 0xED)
		hi = 0x9F;      /* surrogates */
	else if (c == 0xF0)
		lo = 0x90;      /* overlong */
	else if (c == 0xF4)
		hi = 0x8F;      /* beyond U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

bool ingest__utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

const char *ingest__quote(char out[INGEST_QUOTE_SIZE], const char *s,
			  size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const size_t shown = INGEST_QUOTE_SIZE - 8;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = p[i] < 0x80 ? 1 : utf8_seq(p + i, len - i);
		if (o + (n ? n : 1) > shown) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 1 && p[i] >= 0x20 && p[i] != 0x7F) {
			out[o++] = (char)p[i];
		} else if (n > 1) {
			memcpy(out + o, p + i, n);
			o += n;
		} else {
			out[o++] = '?';
			n = 1;
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}

int ingest__check_name(const char *what, const char *s, size_t len,
		       struct err *e)
{
	char q[INGEST_QUOTE_SIZE];

	if (len == 0)
		return err_set(e, ERR_INVALID, "%s is empty", what);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7F)
			return err_set(e, ERR_INVALID,
				       "%s '%s' holds a control character "
				       "(byte 0x%02X)", what,
				       ingest__quote(q, s, len), c);
	}
	if (!ingest__utf8_valid(s, len))
		return err_set(e, ERR_INVALID, "%s '%s' is not valid UTF-8",
			       what, ingest__quote(q, s, len));
	return ERR_OK;
}

/* ---- numbers ---------------------------------------------------------- */

/*
 * Exact powers of ten as doubles: 10^0..10^22 are all exactly
 * representable (10^22 = 2^22 * 5^22 and 5^22 < 2^53).
 */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static const uint64_t pow10_u64[] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
	100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "nan", "inf", "infinity" in any case, after an optional sign. */
static bool spells_non_finite(const char *s, size_t len)
{
	if (len && (*s == '-' || *s == '+')) {
		s++;
		len--;
	}
	return (len == 3 && (strncasecmp(s, "nan", 3) == 0 ||
			     strncasecmp(s, "inf", 3) == 0)) ||
	       (len == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* The digits of a number, read by scan_decimal. */
struct decimal {
	uint64_t mant;     /* the first 19 significant digits */
	int sig;           /* significant digits seen (may exceed 19) */
	long exp10;        /* value = mant * 10^exp10 (when sig <= 19) */
	bool neg;
};

/* Exponents beyond this are clamped: the value is 0 or infinite anyway. */
#define EXP_CLAMP 100000L

static void add_digit(struct decimal *d, int digit, bool fraction)
{
	if (d->sig == 0 && digit == 0) {
		if (fraction)
			d->exp10--;
		return;
	}
	if (d->sig < 19) {
		d->mant = d->mant * 10 + (uint64_t)digit;
		if (fraction)
			d->exp10--;
	} else if (!fraction) {
		d->exp10++;
	}
	d->sig++;
}

/* Check the syntax and read the digits; false if not a decimal number. */
static bool scan_decimal(const char *s, size_t len, bool allow_plus,
			 struct decimal *d)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;
	long ex = 0;
	bool ex_neg = false;

	memset(d, 0, sizeof(*d));
	if (i < len && (s[i] == '-' || (allow_plus && s[i] == '+')))
		d->neg = s[i++] == '-';
	for (; i < len && is_digit(s[i]); i++, int_digits++)
		add_digit(d, s[i] - '0', false);
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++, frac_digits++)
			add_digit(d, s[i] - '0', true);
	}
	if (int_digits + frac_digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			ex_neg = s[i++] == '-';
		if (i == len || !is_digit(s[i]))
			return false;
		for (; i < len && is_digit(s[i]); i++)
			if (ex < EXP_CLAMP)
				ex = ex * 10 + (s[i] - '0');
		d->exp10 += ex_neg ? -ex : ex;
	}
	return i == len;
}

/*
 * Clinger's fast path: with at most 15 significant digits the mantissa is
 * an exact double, and so is 10^k for k <= 22, so one IEEE multiplication
 * or division gives the correctly rounded result.  Needs double arithmetic
 * done in double precision (FLT_EVAL_METHOD 0, as on x86-64 and arm64).
 */
static bool fast_decimal(const struct decimal *d, double *out)
{
	uint64_t m = d->mant;
	long ex = d->exp10;
	double v;

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
	return false;
#endif
	if (d->sig > 15)
		return false;
	if (m == 0) {
		*out = d->neg ? -0.0 : 0.0;
		return true;
	}
	if (ex > 22 && ex - 22 <= 15 - d->sig) {
		/* Still exact: shift digits into the integer mantissa. */
		m *= pow10_u64[ex - 22];
		ex = 22;
	}
	if (ex < -22 || ex > 22)
		return false;
	v = (double)m;
	v = ex < 0 ? v / pow10_exact[-ex] : v * pow10_exact[ex];
	*out = d->neg ? -v : v;
	return true;
}

/* Longest number text handed to strtod (a stack copy adds its NUL). */
#define NUMBER_MAX 1023

static enum ingest_num slow_decimal(const char *s, size_t len, double *out)
{
	char copy[NUMBER_MAX + 1];
	char *end;
	double v;
	locale_t c_locale;

	if (len > NUMBER_MAX)
		return INGEST_NUM_TOO_LONG;
	memcpy(copy, s, len);
	copy[len] = '\0';
	/* The "C" locale whatever the program's LC_NUMERIC says (glibc
	 * hands out its static C locale here, without allocating). */
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale) {
		v = strtod_l(copy, &end, c_locale);
		freelocale(c_locale);
	} else {
		v = strtod(copy, &end);
	}
	/* scan_decimal checked the syntax, so strtod reads all of it. */
	if (end != copy + len)
		return INGEST_NUM_SYNTAX;
	if (!isfinite(v))
		return INGEST_NUM_NOT_FINITE;
	*out = v;
	return INGEST_NUM_OK;
}

enum ingest_num ingest__parse_number(const char *s, size_t len,
				     bool allow_plus, double *out)
{
	struct decimal d;

	if (!scan_decimal(s, len, allow_plus, &d))
		return spells_non_finite(s, len) ? INGEST_NUM_NOT_FINITE
						 : INGEST_NUM_SYNTAX;
	if (fast_decimal(&d, out))
		return INGEST_NUM_OK;
	return slow_decimal(s, len, out);
}

bool ingest__parse_int64(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, limit;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return false;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned digit = (unsigned char)s[i] - '0';

		if (digit > 9 || v > (limit - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* ---- timestamps ----------------------------------------------------- */

/* An RFC 3339 text starts with a four-digit year and a dash. */
static bool looks_like_date(const char *s, size_t len)
{
	return len >= 5 && is_digit(s[0]) && is_digit(s[1]) &&
	       is_digit(s[2]) && is_digit(s[3]) && s[4] == '-';
}

static bool printable_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7E)
			return false;
	return true;
}

int ingest__parse_time_text(const char *s, size_t len, int64_t *ms,
			    struct err *e)
{
	char q[INGEST_QUOTE_SIZE], copy[64];
	struct err inner;

	if (ingest__parse_int64(s, len, ms))
		return ERR_OK;
	if (!looks_like_date(s, len) || len >= sizeof(copy) ||
	    !printable_ascii(s, len))
		return err_set(e, ERR_INVALID, "'%s' is not a timestamp "
			       "(expected epoch milliseconds or RFC 3339, e.g. "
			       "2026-07-01T08:00:00Z)",
			       ingest__quote(q, s, len));
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (time_parse(copy, 0, ms, &inner))
		return err_set(e, ERR_INVALID, "%s", inner.msg);
	return ERR_OK;
}
