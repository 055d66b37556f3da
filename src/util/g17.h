/*
 * g17: a double written exactly as printf("%.17g") writes it (17
 * significant digits, enough to read the same double back), several times
 * faster than printf for the magnitudes that measurements and angles have.
 * Numbers from 1e-4 to below 1e17 take an exact integer path (the double's
 * 53-bit mantissa times a power of ten in 128 bits, rounded half to even as
 * glibc rounds); every other number, NaN and infinity go to snprintf.
 */
#ifndef OASIS_UTIL_G17_H
#define OASIS_UTIL_G17_H

#include <stddef.h>

#define G17_MAX 32 /* bytes out needs, NUL included */

/* Write x into out (G17_MAX bytes) as "%.17g"; returns the length. */
size_t g17_format(double x, char *out);

/*
 * x in the fewest significant digits (15, 16 or 17) that read back as x,
 * written as %g writes it (the JSON numbers InfluxDB and Go write, in
 * their ranges); NaN and infinity as printf has them.  Returns the length.
 */
size_t g17_shortest(double x, char *out);

#endif
