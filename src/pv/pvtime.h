/*
 * pvtime: the instants `oasis pv` reads and writes: ISO 8601 / RFC 3339
 * with an explicit offset ("2025-06-21T14:00:00+08:00", "...Z"), kept as
 * UTC milliseconds and the offset, so that an output can echo the time in
 * the offset it was given and add the UTC time.  Pure functions.
 */
#ifndef OASIS_PV_PVTIME_H
#define OASIS_PV_PVTIME_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Enough for "-YYYYYY-MM-DDTHH:MM:SS.mmm+HH:MM" and the NUL. */
#define PV_TIME_MAX 40

/*
 * Parse s[0..len) strictly: YYYY-MM-DDTHH:MM:SS, optional .f to .fff, then
 * Z or +HH:MM / -HH:MM.  ERR_INVALID with a message saying what is wrong.
 */
int pv_time_parse(const char *s, size_t len, int64_t *ms, int *offset_min,
		  struct err *e);

/* Write ms in the given offset ("...+08:00", or "...Z" for offset 0 when
 * zulu), with ".mmm" only when the milliseconds are not 0; the length. */
size_t pv_time_format(int64_t ms, int offset_min, int zulu, char *out);

#endif
