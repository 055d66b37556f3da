/*
 * The write-ahead log's files: segments, appends and their sync, replay at
 * open (damage kept aside and reported), and the system-call table that
 * tests replace to inject faults.
 */
#include "ts/wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

/* ---- the system calls ------------------------------------------------------- */

static int sys_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static const struct wal_syscalls real_syscalls = {
	.open = sys_open, .close = close, .read = read, .pwrite = pwrite,
	.pwritev = pwritev, .fsync = fsync, .fdatasync = fdatasync,
	.ftruncate = ftruncate, .rename = rename, .link = link, .unlink = unlink,
};

struct wal_syscalls wal_sys = {
	.open = sys_open, .close = close, .read = read, .pwrite = pwrite,
	.pwritev = pwritev, .fsync = fsync, .fdatasync = fdatasync,
	.ftruncate = ftruncate, .rename = rename, .link = link, .unlink = unlink,
};

void wal_sys_reset(void)
{
	wal_sys = real_syscalls;
}

static int full_code(int err)
{
	return err == ENOSPC || err == EDQUOT ? ERR_FULL : ERR_IO;
}

/* ---- files ------------------------------------------------------------------------ */

static void segment_path(const struct wal *w, uint64_t seg, char *out,
			 size_t size)
{
	snprintf(out, size, "%s/%012" PRIu64 ".wal", w->dir, seg);
}

static int sync_dir(const char *dir)
{
	int fd = wal_sys.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	rc = wal_sys.fsync(fd);
	wal_sys.close(fd);
	return rc;
}

/* Write all of buf at offset at (short writes continued). */
static int write_all_at(int fd, const void *buf, size_t n, off_t at)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = wal_sys.pwrite(fd, (const char *)buf + done, n - done,
					   at + (off_t)done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)k;
	}
	return 0;
}

/* A whole file into memory; *out is the caller's to free(). */
static int read_file(const char *path, unsigned char **out, size_t *len,
		     struct err *e)
{
	struct stat sb;
	unsigned char *buf = NULL;
	size_t done = 0;
	int fd = wal_sys.open(path, O_RDONLY | O_CLOEXEC, 0);
	int rc = ERR_OK;

	if (fd < 0)
		return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &sb)) {
		rc = err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (!(buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1))) {
		rc = err_nomem(e);
		goto out;
	}
	while (done < (size_t)sb.st_size) {
		ssize_t k = wal_sys.read(fd, buf + done, (size_t)sb.st_size - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = err_set(e, ERR_IO, "cannot read %s: %s", path,
				     strerror(errno));
			goto out;
		}
		if (k == 0)
			break; /* cut meanwhile (a reader beside a writer) */
		done += (size_t)k;
	}
	*out = buf;
	*len = done;
	buf = NULL;
out:
	free(buf);
	wal_sys.close(fd);
	return rc;
}

static int create_segment(struct wal *w, uint64_t seg, struct err *e)
{
	char path[PATH_MAX];
	int fd;

	segment_path(w, seg, path, sizeof(path));
	fd = wal_sys.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, full_code(errno), "cannot create %s: %s", path,
			       strerror(errno));
	if (write_all_at(fd, WAL_SEGMENT_MAGIC, WAL_SEGMENT_MAGIC_LEN, 0) ||
	    wal_sys.fdatasync(fd) || sync_dir(w->dir)) {
		int saved = errno;

		wal_sys.close(fd);
		wal_sys.unlink(path);
		return err_set(e, full_code(saved), "cannot start %s: %s", path,
			       strerror(saved));
	}
	if (w->fd >= 0)
		wal_sys.close(w->fd);
	w->fd = fd;
	w->segment = seg;
	w->size = WAL_SEGMENT_MAGIC_LEN;
	return ERR_OK;
}

/* Open seg for appending after its last good record (cutting a torn tail). */
static int reopen_segment(struct wal *w, uint64_t seg, off_t valid_end,
			  struct err *e)
{
	char path[PATH_MAX];
	int fd;

	if (valid_end < WAL_SEGMENT_MAGIC_LEN)
		return create_segment(w, seg, e);
	segment_path(w, seg, path, sizeof(path));
	fd = wal_sys.open(path, O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0 || wal_sys.ftruncate(fd, valid_end) || wal_sys.fdatasync(fd)) {
		int saved = errno;

		if (fd >= 0)
			wal_sys.close(fd);
		return err_set(e, full_code(saved), "cannot reopen %s: %s", path,
			       strerror(saved));
	}
	w->fd = fd;
	w->segment = seg;
	w->size = valid_end;
	return ERR_OK;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The segment numbers in the folder, sorted; *out is the caller's. */
static int list_segments(const char *dir, uint64_t **out, size_t *n,
			 struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t *segs = NULL, *grown, seg;
	size_t cap = 0;
	char tail[8];

	*n = 0;
	if (!d)
		return errno == ENOENT ? ERR_OK
			: err_set(e, ERR_IO, "cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		/* NNNNNNNNNNNN.wal only: not .damaged copies */
		if (sscanf(de->d_name, "%12" SCNu64 "%7s", &seg, tail) != 2 ||
		    strcmp(tail, ".wal"))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(segs, cap * sizeof(*segs)))) {
				free(segs);
				closedir(d);
				return err_nomem(e);
			}
			segs = grown;
		}
		segs[(*n)++] = seg;
	}
	closedir(d);
	if (*n)
		qsort(segs, *n, sizeof(*segs), compare_u64);
	*out = segs;
	return ERR_OK;
}

static int take_lock(struct wal *w, struct err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/LOCK", w->dir);
	w->lock_fd = wal_sys.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->lock_fd < 0)
		return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB)) {
		wal_sys.close(w->lock_fd);
		w->lock_fd = -1;
		return err_set(e, ERR_UNAVAILABLE, "the store is in use by another "
			       "process (a running server?): %s is locked", path);
	}
	return ERR_OK;
}

/* ---- damaged segments ------------------------------------------------------------- */

/* Is `aside` another name of the file at path? */
static bool same_file(const char *path, const char *aside)
{
	struct stat a, b;

	return !stat(path, &a) && !stat(aside, &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Write buf to a new file `aside` (via a temporary name), synced. */
static int copy_aside(const char *aside, const unsigned char *buf, size_t len)
{
	char tmp[PATH_MAX + 64];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", aside);
	fd = wal_sys.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	rc = write_all_at(fd, buf, len, 0) || wal_sys.fdatasync(fd) ? -1 : 0;
	wal_sys.close(fd);
	if (rc || wal_sys.rename(tmp, aside)) {
		wal_sys.unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Keep a damaged segment aside under NNN.wal.damaged (or .damaged.K when
 * that name holds another file): a hard link, so nothing is copied and the
 * checkpoint that later deletes NNN.wal leaves it; a copy of buf where the
 * file system has no links.  *aside is the name it has.
 */
static int keep_aside(const struct wal *w, uint64_t seg,
		      const unsigned char *buf, size_t len, char *aside,
		      size_t size)
{
	char path[PATH_MAX];

	segment_path(w, seg, path, sizeof(path));
	for (int k = 0; k < 100; k++) {
		if (k)
			snprintf(aside, size, "%s.damaged.%d", path, k);
		else
			snprintf(aside, size, "%s.damaged", path);
		if (!wal_sys.link(path, aside))
			return sync_dir(w->dir);
		if (errno == EEXIST) {
			if (same_file(path, aside))
				return 0;   /* kept at an earlier open */
			continue;
		}
		if (copy_aside(aside, buf, len))
			return -1;
		return sync_dir(w->dir);
	}
	errno = EEXIST;
	return -1;
}

/* Say what a segment's replay skipped, and keep a damaged one aside. */
static void report_segment(const struct wal *w, uint64_t seg,
			   const unsigned char *buf, size_t len,
			   const struct wal_scan *st)
{
	char path[PATH_MAX], aside[PATH_MAX + 32];

	segment_path(w, seg, path, sizeof(path));
	if (!st->damaged) {
		if (st->torn_bytes && !w->readonly)
			log_warn("time-series log %s: cut %" PRIu64 " bytes at byte %"
				 PRId64 ", the tail of an interrupted write (never "
				 "acknowledged)", path, st->torn_bytes, st->first_bad);
		return;
	}
	if (w->readonly) {
		log_error("time-series log %s is DAMAGED: %" PRIu64 " bytes (at least "
			  "%" PRIu64 " records) from byte %" PRId64 " cannot be read "
			  "and are skipped; %" PRIu64 " records (%" PRIu64 " points) "
			  "around them are read", path, st->skipped_bytes,
			  st->bad_records, st->first_bad, st->records, st->points);
		return;
	}
	if (keep_aside(w, seg, buf, len, aside, sizeof(aside)))
		snprintf(aside, sizeof(aside), "(none: keeping a copy failed: %s; "
			 "the segment stays as it is until the next checkpoint)",
			 strerror(errno));
	log_error("time-series log %s is DAMAGED: %" PRIu64 " bytes (at least %"
		  PRIu64 " records) from byte %" PRId64 " cannot be read and are "
		  "skipped; %" PRIu64 " records (%" PRIu64 " points) around them "
		  "are replayed; the damaged segment is kept as %s (see "
		  "docs/SECURITY.md, Durability)", path, st->skipped_bytes,
		  st->bad_records, st->first_bad, st->records, st->points, aside);
}

/* Read and replay one segment; *st says what it held. */
static int replay_segment(const struct wal *w, uint64_t seg, wal_replay_fn fn,
			  void *ctx, struct wal_scan *st, struct err *e)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	segment_path(w, seg, path, sizeof(path));
	if ((rc = read_file(path, &buf, &len, e)))
		return rc;
	if ((rc = wal_replay_buffer(buf, len, fn, ctx, st, e)))
		err_prefix(e, "%s", path);
	else
		report_segment(w, seg, buf, len, st);
	free(buf);
	return rc;
}

static void add_stats(struct wal_open_stats *s, const struct wal_scan *st)
{
	s->records += st->records;
	s->points += st->points;
	s->damaged_segments += st->damaged;
	s->bad_records += st->bad_records;
	s->skipped_bytes += st->skipped_bytes;
	s->torn_bytes += st->torn_bytes;
}

int wal_open(struct wal *w, const char *dir, uint64_t first_kept,
	     bool readonly, wal_replay_fn fn, void *ctx,
	     struct wal_open_stats *stats, struct err *e)
{
	struct wal_open_stats none;
	struct wal_scan st = { 0 };
	uint64_t *segs = NULL;
	bool replayed = false;
	size_t n;
	int rc;

	memset(w, 0, sizeof(*w));
	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	w->fd = -1;
	w->lock_fd = -1;
	w->readonly = readonly;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	if (!readonly && mkdir(dir, 0700) && errno != EEXIST)
		return err_set(e, ERR_IO, "cannot create %s: %s", dir, strerror(errno));
	if (!readonly && (rc = take_lock(w, e)))
		return rc;
	if ((rc = list_segments(dir, &segs, &n, e)))
		return rc;
	if (first_kept == 0)
		first_kept = 1;
	w->segment = first_kept;
	for (size_t i = 0; i < n && !rc; i++) {
		if (segs[i] < first_kept)
			continue;
		rc = replay_segment(w, segs[i], fn, ctx, &st, e);
		add_stats(stats, &st);
		w->segment = segs[i];
		replayed = true;
	}
	free(segs);
	if (rc || readonly)
		return rc;
	wal_remove_below(w, first_kept);
	if (!replayed)
		return create_segment(w, first_kept, e);
	/* a damaged or format 1 segment is left as it is: append to a new one */
	if (st.damaged || st.version != 2)
		return create_segment(w, w->segment + (st.version || st.damaged), e);
	return reopen_segment(w, w->segment, (off_t)st.valid_end, e);
}

void wal_close(struct wal *w)
{
	if (w->fd >= 0)
		wal_sys.close(w->fd);
	if (w->lock_fd >= 0)
		wal_sys.close(w->lock_fd); /* releases the lock */
	w->fd = w->lock_fd = -1;
}

/* The iovecs left after the first done bytes, at most max of them. */
static int iov_rest(const struct iovec *iov, int iovcnt, size_t done,
		    struct iovec *rest, int max)
{
	int n = 0;

	for (int i = 0; i < iovcnt && n < max; i++) {
		if (done >= iov[i].iov_len) {
			done -= iov[i].iov_len;
			continue;
		}
		rest[n].iov_base = (char *)iov[i].iov_base + done;
		rest[n++].iov_len = iov[i].iov_len - done;
		done = 0;
	}
	return n;
}

int wal_append(struct wal *w, const struct iovec *iov, int iovcnt,
	       struct err *e)
{
	size_t total = 0, done = 0;
	int saved;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	while (done < total) {
		struct iovec rest[64];
		int n = iov_rest(iov, iovcnt, done, rest, 64);
		ssize_t wrote = wal_sys.pwritev(w->fd, rest, n, w->size + (off_t)done);

		if (wrote < 0 && errno == EINTR)
			continue;
		if (wrote <= 0) {
			if (wrote == 0)
				errno = EIO;
			goto fail;
		}
		done += (size_t)wrote; /* a short write: go on with the rest */
	}
	if (wal_sys.fdatasync(w->fd))
		goto fail;
	w->size += (off_t)total;
	return ERR_OK;

fail:
	saved = errno;
	/*
	 * Cut what was written of the failed records and make the cut durable:
	 * after a failed fdatasync the pages may or may not reach the disk, and
	 * a record that was refused must not come back at replay.
	 */
	if (wal_sys.ftruncate(w->fd, w->size) || wal_sys.fdatasync(w->fd))
		return err_set(e, ERR_INTERNAL, "the write-ahead log failed (%s) "
			       "and could not be repaired (%s): refusing writes",
			       strerror(saved), strerror(errno));
	return err_set(e, full_code(saved), "cannot write the write-ahead log: "
		       "%s", strerror(saved));
}

int wal_rotate(struct wal *w, struct err *e)
{
	return create_segment(w, w->segment + 1, e);
}

void wal_remove_below(struct wal *w, uint64_t first_kept)
{
	char path[PATH_MAX];
	uint64_t *segs = NULL;
	size_t n;

	if (w->readonly || list_segments(w->dir, &segs, &n, NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		if (segs[i] >= first_kept)
			continue;
		segment_path(w, segs[i], path, sizeof(path));
		wal_sys.unlink(path);
	}
	free(segs);
	sync_dir(w->dir);
}
