/*
 * batch: the points of one write (an HTTP body, an MQTT message, a bulk
 * file), as the parsers produce them and before anything is stored.
 *
 * Every ingestion path (line protocol, JSON, CSV; HTTP, MQTT, files) parses
 * into a batch, then the one validation path checks the batch whole
 * (devices, authorisation, metric names, values, timestamps), and only a
 * batch without error is written.  A batch owns its strings in an arena so
 * that parsing allocates per batch, not per point.
 *
 * The parsers are pure functions: no I/O, no globals, no clock ("now" is a
 * parameter), no allocation except the batch's own arrays.  The text they
 * read is a byte range (text, len), not NUL-terminated, never read past len.
 * They stop at the first error; the batch then holds some of the points and
 * the caller discards it (or resets it for the next write).
 *
 * What a parser guarantees about a batch it returned ERR_OK for:
 *   - every device and metric string is non-empty, valid UTF-8, and holds
 *     no control character (U+0000..U+001F, U+007F); the measurement may be
 *     "" (JSON, CSV) and is otherwise checked the same way;
 *   - every value is finite;
 *   - names are not otherwise checked (length, character set, existence):
 *     that is the validator's work.
 *
 * Changes from the first draft of this header, for the record:
 *   - the arena deduplicates every string through a hash set that grows
 *     with the batch: equal offsets mean equal strings and equal strings
 *     share one offset, so whoever keys by offset (the validator, the
 *     series lookup) sees each device and each (device, metric) pair
 *     once, however many distinct names a write holds;
 *   - struct ingest_batch records which form the text had (form), and
 *     ingest_pos_format() turns a point's position into "line 12" or
 *     "item 4" for the validator's messages;
 *   - a section at the end declares helpers shared by the parsers of this
 *     folder (ingest__*); nothing outside src/ingest/ should call them.
 */
#ifndef OASIS_INGEST_BATCH_H
#define OASIS_INGEST_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Where a point came from, for error messages.
 *   line protocol, CSV, NDJSON: line is the 1-based line the point's line
 *     or record starts on; index is 0;
 *   a JSON array: line is 0 and index the 0-based position of the object
 *     in the array (as jq's .[4] counts);
 *   a single JSON object: line 0, index 0.
 * ingest_pos_format() tells the last two apart with the batch's form.
 */
struct ingest_pos {
	uint32_t line;
	uint32_t index;
};

struct ingest_point {
	uint32_t device;       /* offset of the device id in the arena */
	uint32_t metric;       /* offset of the metric name in the arena */
	uint32_t measurement;  /* offset of the LP measurement ("" if none) */
	int64_t ts_ms;         /* UTC milliseconds */
	double value;          /* finite */
	struct ingest_pos pos;
};

/* The shape of the text a batch was parsed from. */
enum ingest_form {
	INGEST_FORM_NONE,        /* nothing parsed yet */
	INGEST_FORM_LINES,       /* line protocol, CSV or NDJSON */
	INGEST_FORM_JSON_ARRAY,  /* a JSON array of objects */
	INGEST_FORM_JSON_OBJECT, /* one JSON object */
};

/*
 * A batch.  The caller owns the struct; the batch owns points, arena and
 * names, and frees them in ingest_batch_free().  Read the fields, do not
 * write them except through the functions below.
 *
 * Strings are addressed by uint32 offsets into the arena, each string
 * NUL-terminated.  The arena may move when strings are added: keep offsets,
 * and take pointers (ingest_str) only once parsing is done.  The arena is
 * limited to 4 GiB (ERR_TOO_LARGE beyond).
 */
struct ingest_batch {
	struct ingest_point *points;
	size_t n, cap;
	char *arena;
	size_t arena_len, arena_cap;
	uint32_t *names;       /* dedup set: offset + 1 by hash; 0 = empty */
	uint32_t names_cap;    /* slots, a power of two (0: not made yet) */
	uint32_t names_used;
	enum ingest_form form;
	/*
	 * Added to every line number the parsers record and report, for text
	 * parsed piece by piece (a bulk file): the line before the piece's
	 * first.  Kept by ingest_batch_reset; 0 after ingest_batch_init.
	 */
	uint32_t line_base;
	/*
	 * At most this many points (ERR_TOO_LARGE naming the limit past it);
	 * 0: no limit.  INGEST_BATCH_MAX_POINTS after ingest_batch_init;
	 * kept by ingest_batch_reset.
	 */
	size_t max_points;
};

/* The points one batch takes unless its owner says otherwise. */
#define INGEST_BATCH_MAX_POINTS ((size_t)1000000)

void ingest_batch_init(struct ingest_batch *b);
/* Forget the points and strings but keep the memory, for the next write. */
void ingest_batch_reset(struct ingest_batch *b);
void ingest_batch_free(struct ingest_batch *b);

/* The string at an arena offset (valid until the next intern or reset). */
static inline const char *ingest_str(const struct ingest_batch *b, uint32_t off)
{
	return b->arena + off;
}

/*
 * Add a string of len bytes to the arena; returns its offset via *off.
 * The same text added again returns the same offset, and two equal
 * offsets always hold equal text.
 * ERR_INVALID if s holds a NUL byte; ERR_TOO_LARGE past 4 GiB; ERR_NOMEM.
 */
int ingest_batch_intern(struct ingest_batch *b, const char *s, size_t len,
			uint32_t *off, struct err *e);
/*
 * Append a copy of *p; the arrays grow geometrically.  ERR_NOMEM;
 * ERR_TOO_LARGE past b->max_points.
 */
int ingest_batch_add(struct ingest_batch *b, const struct ingest_point *p,
		     struct err *e);

/*
 * Write where a point came from into out: "line 12", "item 4" or, for a
 * single JSON object, "the object".  Returns out.
 */
const char *ingest_pos_format(const struct ingest_batch *b,
			      const struct ingest_pos *pos, char *out,
			      size_t size);

/* Timestamp precision of line protocol: InfluxDB's names. */
enum ingest_precision {
	PRECISION_NS, PRECISION_US, PRECISION_MS, PRECISION_S,
	PRECISION_M, PRECISION_H,
};

/*
 * "ns", "n", "us", "u", "ms", "s", "m" (minutes), "h" (NULL: ns);
 * ERR_INVALID else, "" included.  "n", "u", "m" and "h" are InfluxDB 1.x's
 * spellings.
 */
int ingest_precision_parse(const char *s, enum ingest_precision *out,
			   struct err *e);

/*
 * Parse InfluxDB line protocol, as InfluxDB 2.x's parser reads it:
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 *   - escapes: in the measurement "\," and "\ "; in tag keys, tag values
 *     and field keys "\,", "\=" and "\ ".  A backslash before any other
 *     byte is kept as it is (so "a\\b" is a\\b, and "a\\ b" is a\ b).
 *     Unescaped control characters end an element and are refused;
 *   - the `device` tag names the device (required, once); other tags are
 *     read and ignored, but a tag key repeated in a line is refused as
 *     InfluxDB refuses it ("tag 'host' appears twice"); every field is a
 *     metric named by its key;
 *   - field values: floats ("27.3", "-1.5E-2", "1e3", ".5", "1."), integers
 *     with `i` ("42i"), unsigned with `u` ("42u"), booleans (t T true True
 *     TRUE f F false False FALSE) stored as 1 and 0.  Integers beyond 2^53
 *     are rounded to the nearest double.  A string field ("...") is refused
 *     ("field 'status' is a string; Oasis stores numbers only") after its
 *     quotes and escapes are read to the closing quote; NaN, Inf and values
 *     beyond the double range are refused ("not a finite number");
 *   - timestamp: an integer in prec, converted to ms; ns and us are divided
 *     with floor division (toward minus infinity: -1 ns is -1 ms), s, m and
 *     h multiplied.  As in InfluxDB, the instant must be representable as
 *     int64 nanoseconds (1677-09-21 to 2262-04-11), else the line is
 *     refused.  A line without a timestamp takes now_ms (not truncated to
 *     prec, unlike InfluxDB);
 *   - lines end with LF or CRLF; blank lines and comments (first non-blank
 *     byte '#') are skipped; spaces (and tabs) before a line are skipped;
 *     one or more spaces separate the sections, trailing spaces are fine.
 *
 * Errors (ERR_INVALID) name the line, the field when relevant, and the
 * reason: "line 3: field 'air_temp': '12.5.1' is not a number".
 * ERR_TOO_LARGE past 4 GiB of strings or 2^32 lines; ERR_NOMEM.
 * out->form becomes INGEST_FORM_LINES.
 */
int ingest_lp_parse(const char *text, size_t len, enum ingest_precision prec,
		    int64_t now_ms, struct ingest_batch *out, struct err *e);

/*
 * Parse telemetry JSON (with jansson): objects
 *
 *   {"device":ID, "ts":TIME, "values":{METRIC:NUMBER, ...}}
 *
 * as one object, an array of them, or NDJSON (one object per line, blank
 * lines allowed).  The form is told apart this way: if the first byte
 * that is not JSON white space is '[', the text is one array; otherwise the
 * whole text is read as one object, and if that fails only because more
 * text follows a complete object, the text is NDJSON and read line by line.
 *
 *   - "ts": integer epoch ms (a JSON real is accepted when it is a whole
 *     number below 2^53), a string of epoch ms, or an RFC 3339 string
 *     ("2026-07-01T08:00:00Z", "...+08:00", a date alone is midnight UTC);
 *     absent: now_ms;
 *   - "values": a non-empty object; each member is a metric: a number, or
 *     true/false stored as 1/0; a string, null, array or object is refused;
 *   - "device": a non-empty string.  device_default, if not NULL, is the
 *     device of objects without "device" (MQTT: the topic names it), and
 *     an object that names another device is refused;
 *   - any other member, a duplicated key, or a member of the wrong type is
 *     refused (a misspelt "timestamp" must not silently become now).
 *
 * Errors name the array item (0-based) or NDJSON line and the member:
 * "item 4: 'values'.'rh': expected a number, got a string".  out->form
 * becomes INGEST_FORM_JSON_OBJECT, _JSON_ARRAY or _LINES (NDJSON).
 * jansson holds one document at a time in memory (the whole array, or one
 * NDJSON line): the caller limits the size of the text.
 */
int ingest_json_parse(const char *text, size_t len, const char *device_default,
		      int64_t now_ms, struct ingest_batch *out, struct err *e);
/*
 * The same for a device's token over HTTP: owner (not NULL) is the device
 * of objects without "device"; an object naming another device is parsed
 * as it is, for the write's authorization to refuse (403, naming both).
 */
int ingest_json_parse_owned(const char *text, size_t len, const char *owner,
			    int64_t now_ms, struct ingest_batch *out,
			    struct err *e);

/*
 * Parse CSV (RFC 4180: comma-separated, "..." quoting with "" for a quote,
 * quoted fields may hold commas and line breaks; LF or CRLF) whose first
 * non-blank record is a header naming one of two shapes:
 *
 *   series,ts_ms,value           series is DEVICE/METRIC, split at the last
 *                                '/' (metric names hold no '/')
 *   device,ts,METRIC1,METRIC2... one row per device and time, one column
 *                                per metric
 *
 * The fixed column names are matched without regard to case, and "ts" and
 * "ts_ms" are interchangeable.  A timestamp is epoch ms or RFC 3339 in both
 * shapes and is required.  Empty value cells are skipped; every row has as
 * many cells as the header.  Spaces and tabs around an unquoted cell, and
 * around the quotes of a quoted one, are dropped; a UTF-8 byte order mark
 * at the start is skipped; blank lines are skipped.  Values: decimal
 * numbers with an optional sign and exponent; NaN and Inf are refused.
 *
 * Errors name the line, the column and its header name:
 * "line 5, column 3 ('air_temp'): '12.5.1' is not a number".  At most
 * INGEST_CSV_MAX_COLUMNS columns.  out->form becomes INGEST_FORM_LINES.
 * now_ms is unused (kept for a uniform signature).
 */
#define INGEST_CSV_MAX_COLUMNS 1024

int ingest_csv_parse(const char *text, size_t len, int64_t now_ms,
		     struct ingest_batch *out, struct err *e);

/* ---- internal to src/ingest/: shared by the parsers ---------------- */

/* Room a quoted excerpt of input takes in a message (ingest__quote). */
#define INGEST_QUOTE_SIZE 72

/*
 * Copy s[0..len) into out for an error message: at most about 60 bytes
 * ("..." marks a cut, made on a UTF-8 boundary), control characters and
 * invalid UTF-8 shown as '?'.  Returns out.
 */
const char *ingest__quote(char out[INGEST_QUOTE_SIZE], const char *s,
			  size_t len);

/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool ingest__utf8_valid(const char *s, size_t len);

/*
 * Check a name (device, metric, measurement) and say what is wrong with
 * it in e: what is "device", "metric" or similar, for the message.
 * ERR_INVALID when empty, not UTF-8, or holding a control character.
 */
int ingest__check_name(const char *what, const char *s, size_t len,
		       struct err *e);

/*
 * The arena's free tail: make room for len + 1 bytes at
 * b->arena + b->arena_len and return it; the caller writes the string
 * there and calls ingest__commit_tail with its final length (<= len).
 */
char *ingest__reserve_tail(struct ingest_batch *b, size_t len, struct err *e);
uint32_t ingest__commit_tail(struct ingest_batch *b, size_t len);

/* What ingest__parse_number found. */
enum ingest_num {
	INGEST_NUM_OK,
	INGEST_NUM_SYNTAX,     /* not a number */
	INGEST_NUM_NOT_FINITE, /* NaN or Inf spelt out, or beyond doubles */
	INGEST_NUM_TOO_LONG,   /* a valid number of more than 1023 bytes */
};

/*
 * Parse a decimal number, [sign] digits [. digits] [(e|E) [sign] digits]
 * (digits on at least one side of the point), correctly rounded.  The
 * sign may be '-', or '+' too when allow_plus.  NaN/Inf spellings give
 * INGEST_NUM_NOT_FINITE.  The decimal point is '.' whatever the locale.
 */
enum ingest_num ingest__parse_number(const char *s, size_t len,
				     bool allow_plus, double *out);

/* [-]digits into int64; false on bad syntax or overflow. */
bool ingest__parse_int64(const char *s, size_t len, int64_t *out);

/*
 * A timestamp in text: epoch ms ([-]digits) or RFC 3339 (see time_parse;
 * relative forms such as "now" or "-6h" are refused here).  ERR_INVALID
 * with a message quoting the text.
 */
int ingest__parse_time_text(const char *s, size_t len, int64_t *ms,
			    struct err *e);

#endif
