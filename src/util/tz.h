/*
 * tz: IANA time zones ("Asia/Shanghai") read from the system's compiled
 * zone files (RFC 8536, TZif version 2 or later, /usr/share/zoneinfo), so
 * that a site's day is its own day whatever the machine's zone, without
 * touching the process's TZ (not thread-safe).  Past the file's last
 * transition the footer's rule applies when it is a fixed offset; a zone
 * with a daylight-saving rule there keeps the last transition's offset
 * (tzdata's "fat" files, Debian's, list transitions to 2037).
 */
#ifndef OASIS_UTIL_TZ_H
#define OASIS_UTIL_TZ_H

#include <stdint.h>

#include "util/err.h"

#define TZ_NAME_MAX 64
#define TZ_MAX_TRANSITIONS 2048

struct tz {
	char name[TZ_NAME_MAX];
	int n;                          /* transitions */
	int64_t at[TZ_MAX_TRANSITIONS]; /* seconds since the epoch, increasing */
	int32_t off[TZ_MAX_TRANSITIONS];/* offset from UTC from then on, s */
	int32_t before;                 /* offset before the first transition */
};

/*
 * Load zone name (letters, digits, '/', '_', '-', '+'; no "..") from dir
 * (NULL: /usr/share/zoneinfo).  ERR_INVALID for a bad name, ERR_NOT_FOUND
 * for an unknown zone, naming it.
 */
int tz_load(const char *name, const char *dir, struct tz *out, struct err *e);

/* The offset from UTC, seconds, at instant ms. */
int32_t tz_offset_at(const struct tz *z, int64_t ms);

/*
 * The instant of local midnight starting date y-m-d in zone z (the first
 * instant of the day where the zone skips midnight).
 */
int64_t tz_local_midnight_ms(const struct tz *z, int y, int m, int d);

/*
 * The one day boundary of the project: the local midnight that starts the
 * civil day holding instant ms in zone z, and the local day number (days
 * since 1970-01-01 local) of that day.  A day is 23 or 25 h long across a
 * daylight-saving change: step from day to day with tz_day_next_ms or day
 * numbers, never by adding 24 h.
 */
int64_t tz_day_start_ms(const struct tz *z, int64_t ms);
int64_t tz_local_day(const struct tz *z, int64_t ms);
/* The local midnight starting local day number day (its first instant
 * when the zone skips midnight that day). */
int64_t tz_day_number_start_ms(const struct tz *z, int64_t day);
/* The start of the civil day after the one holding ms. */
int64_t tz_day_next_ms(const struct tz *z, int64_t ms);

/* A zone of one fixed offset (seconds east of UTC), named name. */
void tz_fixed(struct tz *z, int32_t off_s, const char *name);

#endif
