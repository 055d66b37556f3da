/*
 * nmea: NMEA 0183 position sentences (GGA, RMC, VTG) turned into fixes.
 *
 * Pure: no I/O, no clock (now_ms is a parameter), no globals; it reads the
 * byte range (text, len) and never past it.  Lines end with CRLF or LF;
 * blank lines are skipped.  Each sentence is
 *
 *   $TTSSS,field,...,field*HH
 *
 * with TT a talker (GP GPS, GL GLONASS, GA Galileo, BD and GB BeiDou, GQ
 * QZSS, GI NavIC, GN multi-constellation) and HH the XOR of every byte
 * between '$' and '*', in hex.  The checksum is required and verified.
 * Other sentences of a known talker (GSA, GSV, GLL, ZDA, TXT...) and
 * proprietary ones ($P...) are counted and skipped once their checksum
 * holds; anything else is refused.  At most NMEA_LINE_MAX bytes a line.
 *
 * Sentences of one epoch (the same UTC time of day) make one fix: GGA
 * brings the position and its quality, RMC the position, date, speed and
 * course, VTG (which has no time) speed and course for the epoch before it
 * (or, before any, the next).  A fix's date is the last RMC date seen, else
 * the first RMC date of the text, else the day that puts it nearest before
 * now_ms (+ 1 h); a time of day that goes back by more than 12 hours
 * without a new date is the next day.
 *
 * Errors (ERR_INVALID) name the line and the reason: "line 3: checksum
 * *5A does not match the sentence (its bytes give 5B)".
 */
#ifndef OASIS_FLEET_NMEA_H
#define OASIS_FLEET_NMEA_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define NMEA_LINE_MAX 256

struct nmea_fix {
	int64_t ts_ms;        /* UTC */
	double lat, lon;      /* degrees WGS 84; NAN when the epoch had no fix */
	double speed_ms;      /* ground speed, m/s; NAN when not reported */
	double course_deg;    /* course over ground, true, [0, 360); NAN */
	int quality;          /* GGA fix quality (0 none, 1 GNSS, 2 DGNSS, 4 RTK
				 fixed, 5 RTK float, ...); -1 when no GGA */
	uint32_t line;        /* the line of the epoch's first sentence */
};

/* What a text held.  The caller owns the struct; nmea_track_free. */
struct nmea_track {
	struct nmea_fix *fixes;
	size_t n, cap;
	size_t sentences;     /* checksummed sentences read */
	size_t skipped;       /* of them, of a type Oasis does not use */
};

void nmea_track_init(struct nmea_track *t);
void nmea_track_free(struct nmea_track *t);

/*
 * Parse text into fixes (appended to t, in text order).  ERR_INVALID at the
 * first bad sentence, ERR_NOMEM: t then holds no fix of this text.
 */
int nmea_parse(const char *text, size_t len, int64_t now_ms,
	       struct nmea_track *t, struct err *e);

/* The XOR checksum of s[0..len) (the bytes between '$' and '*'). */
unsigned nmea_checksum(const char *s, size_t len);

#endif
