/*
 * ts/wal_format: the bytes of a write-ahead log segment, with no I/O: how a
 * record is encoded, and how a segment's bytes are scanned and replayed,
 * damaged ones included.  wal.c does the files; the fuzzer runs this alone.
 *
 * A segment (format 2) is "OASISWL2" then records; a record is
 *   u32 magic 0x9E57A10C | u32 payload length | u32 CRC-32 of the payload |
 *   u32 CRC-32 of the 12 bytes before it | payload
 * (little-endian), the payload being a varint point count and per point a
 * varint series id, a zigzag varint timestamp delta (from the previous
 * point, the first from 0) and the value's 8 bytes.
 *
 * Format 1 ("OASISWAL", written until 2026-12) has 8-byte headers (length,
 * CRC) and no record magic; it is still replayed, never written.
 *
 * Replay of damaged bytes.  A record that is cut short at the end of the
 * segment (or trailing zeros) is the torn tail of an interrupted write,
 * which was never acknowledged.  Anything else that fails its checks is
 * damage: the scanner skips it, resynchronises on the next record whose
 * magic, header CRC and payload CRC all hold, and goes on replaying; it
 * counts what it skipped.  A format 1 segment cannot resynchronise (no
 * magic): replay stops at its first damaged record.
 */
#ifndef OASIS_TS_WAL_FORMAT_H
#define OASIS_TS_WAL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

#define WAL_SEGMENT_MAGIC "OASISWL2"
#define WAL_SEGMENT_MAGIC_V1 "OASISWAL"
#define WAL_SEGMENT_MAGIC_LEN 8
#define WAL_RECORD_MAGIC UINT32_C(0x9E57A10C)
#define WAL_RECORD_HEADER 16
#define WAL_RECORD_MAX (256u << 20)

/* Called for each replayed record's points, in log order. */
typedef int (*wal_replay_fn)(const struct ts_write *pts, size_t n, void *ctx,
			     struct err *e);

/* Append a record for n points to out (the framing included). */
int wal_encode(const struct ts_write *pts, size_t n, struct buf *out,
	       struct err *e);

/* What a scan of one segment's bytes found. */
struct wal_scan {
	int version;             /* 1 or 2; 0: empty or unrecognisable */
	uint64_t records;        /* good records replayed */
	uint64_t points;         /* their points */
	uint64_t bad_records;    /* records lost to damage (at least one a gap) */
	uint64_t skipped_bytes;  /* bytes not replayed, torn tail included */
	uint64_t torn_bytes;     /* of which the torn tail */
	int64_t first_bad;       /* offset of the first skipped byte; -1: none */
	size_t valid_end;        /* end of the last good record */
	bool damaged;            /* bytes other than a torn tail were skipped */
};

/*
 * Replay a segment's bytes through fn (which may be NULL: scan only).
 * Damage is skipped and counted in *st, not an error; an error is fn's
 * (or ERR_NOMEM), and stops the scan.
 */
int wal_replay_buffer(const unsigned char *buf, size_t len, wal_replay_fn fn,
		      void *ctx, struct wal_scan *st, struct err *e);

#endif
