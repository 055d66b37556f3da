/*
 * ts/wal: the engine's write-ahead log, a folder of numbered segments.
 *
 * A segment is "OASISWAL" then records; a record is
 *   u32 payload length | u32 CRC-32 of the payload | payload
 * (little-endian), the payload being a varint point count and per point a
 * varint series id, a zigzag varint timestamp delta (from the previous
 * point, the first from 0) and the value's 8 bytes.  Replay stops at the
 * first record that is short or fails its CRC: that is the torn tail of a
 * write that was never acknowledged, and it is cut off before appending.
 */
#ifndef OASIS_TS_WAL_H
#define OASIS_TS_WAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

struct wal {
	char dir[3968];        /* leaves room for a segment name in PATH_MAX */
	int fd;               /* the segment appended to; -1 when readonly */
	int lock_fd;          /* holds DIR/LOCK: one writer per store */
	uint64_t segment;
	off_t size;
	bool readonly;
};

/* Called for each replayed record's points, in log order. */
typedef int (*wal_replay_fn)(const struct ts_write *pts, size_t n, void *ctx,
			     struct err *e);

/*
 * Open the log in dir: delete segments below first_kept (unless readonly),
 * replay the others in order through fn, and (unless readonly) make the
 * newest segment ready for appending.  A writer takes an exclusive lock on
 * DIR/LOCK first: ERR_UNAVAILABLE when another process (a running server)
 * holds it.
 */
int wal_open(struct wal *w, const char *dir, uint64_t first_kept,
	     bool readonly, wal_replay_fn fn, void *ctx, struct err *e);
void wal_close(struct wal *w);

/* Append a record for n points to out (the framing included). */
int wal_encode(const struct ts_write *pts, size_t n, struct buf *out,
	       struct err *e);

/*
 * Write the records in iov and sync.  On failure the segment is cut back
 * to its size before the call; ERR_INTERNAL if even that failed (the log
 * can then no longer be trusted).
 */
int wal_append(struct wal *w, const struct iovec *iov, int iovcnt,
	       struct err *e);

/* Start a new segment; later appends go there. */
int wal_rotate(struct wal *w, struct err *e);
/* Delete the segments numbered below first_kept. */
void wal_remove_below(struct wal *w, uint64_t first_kept);

#endif
