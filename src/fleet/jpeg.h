/*
 * jpeg: is a byte string a JPEG image, by its structure (ITU-T T.81 annex
 * B): SOI, marker segments whose lengths hold, one frame header (SOFn)
 * with a non-zero size, at least one scan (SOS) whose entropy-coded data
 * runs to the next marker, and EOI ending it (only zero bytes may follow).
 * Pure; never reads past len.  Pixels are not decoded.
 */
#ifndef OASIS_FLEET_JPEG_H
#define OASIS_FLEET_JPEG_H

#include <stddef.h>

#include "util/err.h"

struct jpeg_info {
	unsigned width, height;
	unsigned components;   /* 1 grey, 3 colour, 4 CMYK */
	int progressive;       /* SOF2/SOF6/SOF10/SOF14 */
};

/* ERR_UNSUPPORTED naming the byte offset and why when it is not a JPEG. */
int jpeg_check(const unsigned char *data, size_t len, struct jpeg_info *out,
	       struct err *e);

#endif
