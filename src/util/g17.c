/*
 * g17: "%.17g" without printf (see util/g17.h).  The digits of |x| are
 * D = round(|x| 10^k) with k = 16 - X and X = floor(log10 |x|), which makes
 * D a 17-digit integer; |x| = m 2^e exactly, so D is m 10^k shifted by e
 * with the bits shifted out deciding the rounding.  A wrong first guess of X
 * (log10 rounds) shows as D outside [1e16, 1e17) and is corrected.
 */
#include "util/g17.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

#define D_MIN 10000000000000000ULL  /* 1e16 */
#define D_MAX 100000000000000000ULL /* 1e17 */

/* round(m 2^e 10^k) half to even, for 0 <= k <= 20 and -128 < e < 8. */
static uint64_t scaled(uint64_t m, int e, int k)
{
	u128 p = (u128)m * pow10_u64[k < 20 ? k : 19];
	u128 rem, half;
	uint64_t d;
	int sh;

	if (k == 20)
		p *= 10;
	if (e >= 0)
		return (uint64_t)(p << e);
	sh = -e;
	d = (uint64_t)(p >> sh);
	rem = p & (((u128)1 << sh) - 1);
	half = (u128)1 << (sh - 1);
	if (rem > half || (rem == half && (d & 1)))
		d++;
	return d;
}

static const char pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/* The 17 decimal digits of d < 1e17, two at a time in 32-bit halves. */
static void digits17(uint64_t d, char dig[17])
{
	uint32_t hi = (uint32_t)(d / 100000000), lo = (uint32_t)(d % 100000000);

	for (int i = 15; i >= 9; i -= 2) {
		memcpy(dig + i, pairs + 2 * (lo % 100), 2);
		lo /= 100;
	}
	for (int i = 7; i >= 1; i -= 2) {
		memcpy(dig + i, pairs + 2 * (hi % 100), 2);
		hi /= 100;
	}
	dig[0] = (char)('0' + hi);
}

/* The 17 digits of d (1e16 <= d < 1e17) written as %g does at exponent x. */
static size_t write_fixed(uint64_t d, int x, char *out)
{
	char dig[17];
	size_t n = 0;
	int last;

	digits17(d, dig);
	for (last = 16; last > x && dig[last] == '0'; last--)
		; /* drop the fraction's trailing zeros */
	if (x < 0) {
		out[n++] = '0';
		out[n++] = '.';
		for (int i = -1; i > x; i--)
			out[n++] = '0';
		memcpy(out + n, dig, (size_t)last + 1);
		return n + (size_t)last + 1;
	}
	memcpy(out + n, dig, (size_t)x + 1);
	n += (size_t)x + 1;
	if (last > x) {
		out[n++] = '.';
		memcpy(out + n, dig + x + 1, (size_t)(last - x));
		n += (size_t)(last - x);
	}
	return n;
}

size_t g17_format(double x, char *out)
{
	double a = fabs(x);
	uint64_t bits, m, d;
	int e, xp, tries;
	size_t n = 0;

	if (!(a >= 1e-4 && a < 1e17)) /* NaN, inf, 0 and the far ranges */
		goto slow;
	memcpy(&bits, &a, sizeof(bits));
	m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	e = (int)(bits >> 52) - 1075;
	/* floor(log10 a) or one less: the loop below corrects it */
	xp = (int)floor((double)((int)(bits >> 52) - 1023) *
			0.30102999566398120);
	for (tries = 0; tries < 3; tries++) {
		if (xp < -4 || xp > 16)
			goto slow;
		d = scaled(m, e, 16 - xp);
		if (d >= D_MAX)
			xp++;
		else if (d < D_MIN)
			xp--;
		else
			break;
	}
	if (tries == 3)
		goto slow;
	if (signbit(x))
		out[n++] = '-';
	n += write_fixed(d, xp, out + n);
	out[n] = '\0';
	return n;
slow:
	return (size_t)snprintf(out, G17_MAX, "%.17g", x);
}

/* d's 17 digits (d * 10^(17 - digits)) when it has fewer; xp kept right. */
static uint64_t widen(uint64_t d, int digits, int *xp)
{
	for (int i = digits; i < 17; i++)
		d *= 10;
	if (d >= D_MAX) { /* rounding carried into a new digit: 99.9 -> 100 */
		d /= 10;
		(*xp)++;
	}
	return d;
}

size_t g17_shortest(double x, char *out)
{
	double a = fabs(x);
	uint64_t bits, m;
	int e, xp, tries;
	size_t n;
	char tmp[G17_MAX];

	if (!(a >= 1e-4 && a < 1e15))
		goto slow;
	memcpy(&bits, &a, sizeof(bits));
	m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	e = (int)(bits >> 52) - 1075;
	n = g17_format(a, tmp);
	/* the exponent of the 17-digit form, as g17_format finds it */
	xp = (int)floor((double)((int)(bits >> 52) - 1023) *
			0.30102999566398120);
	for (tries = 0; tries < 3; tries++) {
		uint64_t d;

		if (xp < -4 || xp > 14)
			goto slow;
		d = scaled(m, e, 16 - xp);
		if (d >= D_MAX)
			xp++;
		else if (d < D_MIN)
			xp--;
		else
			break;
	}
	if (tries == 3)
		goto slow;
	for (int digits = 15; digits <= 16; digits++) {
		int cx = xp;
		uint64_t d = widen(scaled(m, e, digits - 1 - xp), digits, &cx);
		size_t k = 0;

		if (cx > 16 || d < D_MIN)
			break;
		if (signbit(x))
			out[k++] = '-';
		k += write_fixed(d, cx, out + k);
		out[k] = '\0';
		if (strtod(out, NULL) == x)
			return k;
	}
	if (signbit(x)) {
		out[0] = '-';
		memcpy(out + 1, tmp, n + 1);
		return n + 1;
	}
	memcpy(out, tmp, n + 1);
	return n;
slow:
	for (int p = 15; p <= 17; p++) {
		n = (size_t)snprintf(out, G17_MAX, "%.*g", p, x);
		if (strtod(out, NULL) == x)
			break;
	}
	return n;
}
