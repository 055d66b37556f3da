/*
 * ts/wal: the engine's write-ahead log, a folder of numbered segments
 * (DIR/NNNNNNNNNNNN.wal); the bytes of a segment are ts/wal_format's.
 *
 * Appending: records are written at the end of the newest segment and
 * synced (fdatasync) before wal_append returns.  A failed write or sync
 * cuts the segment back to where the failed records began and syncs that,
 * so nothing of a failed append survives; if even the cut fails, the log
 * can no longer be trusted and wal_append says so (ERR_INTERNAL).
 *
 * Opening: each segment from first_kept on is read whole and replayed.  A
 * torn tail (an interrupted, never acknowledged write) of the newest
 * segment is cut off before appending.  A damaged segment (bytes that are
 * not a torn tail) is replayed around the damage (wal_format.h), reported
 * with log_error, and kept aside as NNNNNNNNNNNN.wal.damaged (a hard link,
 * or a copy where links are not supported): it is never appended to, cut
 * or deleted, and checkpoints later delete only its .wal name.
 *
 * System calls go through wal_sys, a table of function pointers that tests
 * replace to inject failures (write and sync errors, short writes, ENOSPC).
 */
#ifndef OASIS_TS_WAL_H
#define OASIS_TS_WAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ts/engine.h"
#include "ts/wal_format.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * The system calls under the log.  Replace entries only while no engine
 * thread is inside the log (tests: before writing, from the writing
 * thread); wal_sys_reset() puts the real ones back.
 */
struct wal_syscalls {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*close)(int fd);
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t at);
	ssize_t (*pwritev)(int fd, const struct iovec *iov, int n, off_t at);
	int (*fsync)(int fd);
	int (*fdatasync)(int fd);
	int (*ftruncate)(int fd, off_t size);
	int (*rename)(const char *from, const char *to);
	int (*link)(const char *from, const char *to);
	int (*unlink)(const char *path);
};

extern struct wal_syscalls wal_sys;
void wal_sys_reset(void);

struct wal {
	char dir[3968];        /* leaves room for a segment name in PATH_MAX */
	int fd;               /* the segment appended to; -1 when readonly */
	int lock_fd;          /* holds DIR/LOCK: one writer per store */
	uint64_t segment;
	off_t size;
	bool readonly;
};

/* What opening the log replayed and skipped, over every segment. */
struct wal_open_stats {
	uint64_t records, points;
	uint64_t damaged_segments;   /* kept aside as .damaged */
	uint64_t bad_records, skipped_bytes, torn_bytes;
};

/*
 * Open the log in dir: delete segments below first_kept (unless readonly),
 * replay the others in order through fn, and (unless readonly) make the
 * newest segment ready for appending.  A writer takes an exclusive lock on
 * DIR/LOCK first: ERR_UNAVAILABLE when another process (a running server)
 * holds it.  stats may be NULL.
 */
int wal_open(struct wal *w, const char *dir, uint64_t first_kept,
	     bool readonly, wal_replay_fn fn, void *ctx,
	     struct wal_open_stats *stats, struct err *e);
void wal_close(struct wal *w);

/*
 * Write the records in iov and sync.  On failure the segment is cut back
 * to its size before the call: ERR_FULL (no space) or ERR_IO, and the log
 * goes on; ERR_INTERNAL if even that failed (the log can then no longer be
 * trusted).
 */
int wal_append(struct wal *w, const struct iovec *iov, int iovcnt,
	       struct err *e);

/* Start a new segment; later appends go there. */
int wal_rotate(struct wal *w, struct err *e);
/* Delete the segments numbered below first_kept. */
void wal_remove_below(struct wal *w, uint64_t first_kept);

#endif
