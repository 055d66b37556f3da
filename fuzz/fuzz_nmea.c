/*
 * libFuzzer harness for the NMEA 0183 parser (src/fleet/nmea.c) and, on
 * the same bytes, the JPEG structure check (src/fleet/jpeg.c).
 *
 * The text is handed over as an exact-size buffer (no NUL after it), so any
 * read past len is an AddressSanitizer report.  Beyond not crashing: a
 * parse that succeeds gives fixes in range (latitude, longitude, speed,
 * course finite where set, line numbers non-zero); a parse that fails
 * leaves the track as it was and a printable message naming a line; a
 * JPEG accepted has a non-zero size.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/jpeg.h"
#include "fleet/nmea.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fix(const struct nmea_fix *f)
{
	if (!isnan(f->lat) && (f->lat < -90 || f->lat > 90))
		abort();
	if (!isnan(f->lon) && (f->lon < -180 || f->lon > 180))
		abort();
	if (isnan(f->lat) != isnan(f->lon))
		abort();
	if (!isnan(f->speed_ms) && !(f->speed_ms >= 0 && isfinite(f->speed_ms)))
		abort();
	if (!isnan(f->course_deg) && !(f->course_deg >= 0 && f->course_deg < 360))
		abort();
	if (f->line == 0)
		abort();
}

static void check_message(const struct err *e)
{
	size_t n = strnlen(e->msg, sizeof(e->msg));

	if (n == 0 || n == sizeof(e->msg))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)e->msg[i] < 0x20 || (unsigned char)e->msg[i] > 0x7E)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nmea_track t;
	struct jpeg_info info;
	struct err e;
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	nmea_track_init(&t);
	if (nmea_parse(text, size, INT64_C(1782864000000), &t, &e) == ERR_OK) {
		for (size_t i = 0; i < t.n; i++)
			check_fix(&t.fixes[i]);
	} else {
		check_message(&e);
		if (t.n != 0 || strncmp(e.msg, "line ", 5))
			abort();
	}
	nmea_track_free(&t);
	if (jpeg_check((const unsigned char *)text, size, &info, &e) == ERR_OK) {
		if (!info.width || !info.height)
			abort();
	} else {
		check_message(&e);
	}
	free(text);
	return 0;
}
