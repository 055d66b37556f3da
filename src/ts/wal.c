/* The write-ahead log: segments, records, sync and replay. */
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
#include <zlib.h>

#define WAL_MAGIC "OASISWAL"
#define WAL_MAGIC_LEN 8
#define RECORD_HEADER 8
#define RECORD_MAX (256u << 20)

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_varint(struct buf *b, uint64_t v)
{
	unsigned char tmp[10];
	int n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	buf_append(b, tmp, (size_t)n);
}

static bool get_varint(const unsigned char **p, const unsigned char *end,
		       uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char c = *(*p)++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

int wal_encode(const struct ts_write *pts, size_t n, struct buf *out,
	       struct err *e)
{
	size_t start = out->len;
	int64_t prev = 0;
	uint32_t len;

	buf_append(out, "\0\0\0\0\0\0\0\0", RECORD_HEADER);
	put_varint(out, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t delta = (uint64_t)pts[i].ts - (uint64_t)prev;
		uint64_t zz = (delta << 1) ^ (uint64_t)((int64_t)delta >> 63);

		put_varint(out, (uint64_t)pts[i].series);
		put_varint(out, zz);
		buf_append(out, &pts[i].value, sizeof(double));
		prev = pts[i].ts;
	}
	if (buf_failed(out))
		return err_nomem(e);
	len = (uint32_t)(out->len - start - RECORD_HEADER);
	if (out->len - start - RECORD_HEADER > RECORD_MAX)
		return err_set(e, ERR_TOO_LARGE, "a write of %zu points is too "
			       "large for one log record", n);
	put_u32((unsigned char *)out->data + start, len);
	put_u32((unsigned char *)out->data + start + 4,
		(uint32_t)crc32(0, (const unsigned char *)out->data + start +
				RECORD_HEADER, len));
	return ERR_OK;
}

/* Decode one record's payload into points and hand them to fn. */
static int replay_payload(const unsigned char *p, size_t len, wal_replay_fn fn,
			  void *ctx, struct err *e)
{
	const unsigned char *end = p + len;
	struct ts_write *pts;
	uint64_t n, series, zz;
	int64_t prev = 0;
	int rc;

	if (!get_varint(&p, end, &n) || n > len)
		return err_set(e, ERR_INVALID, "bad point count");
	if (!(pts = malloc((n ? n : 1) * sizeof(*pts))))
		return err_nomem(e);
	for (uint64_t i = 0; i < n; i++) {
		if (!get_varint(&p, end, &series) || !get_varint(&p, end, &zz) ||
		    end - p < (ptrdiff_t)sizeof(double)) {
			free(pts);
			return err_set(e, ERR_INVALID, "truncated point");
		}
		prev = (int64_t)((uint64_t)prev + ((zz >> 1) ^ -(zz & 1)));
		pts[i].series = (int64_t)series;
		pts[i].ts = prev;
		memcpy(&pts[i].value, p, sizeof(double));
		p += sizeof(double);
	}
	rc = fn(pts, (size_t)n, ctx, e);
	free(pts);
	return rc;
}

static void segment_path(const struct wal *w, uint64_t seg, char *out,
			 size_t size)
{
	snprintf(out, size, "%s/%012" PRIu64 ".wal", w->dir, seg);
}

/*
 * Replay a segment; *valid_end is where its last good record ends (the torn
 * tail, if any, starts there).
 */
static int replay_segment(const struct wal *w, uint64_t seg, wal_replay_fn fn,
			  void *ctx, off_t *valid_end, struct err *e)
{
	char path[PATH_MAX];
	unsigned char header[RECORD_HEADER], *payload = NULL;
	FILE *f;
	int rc = ERR_OK;

	segment_path(w, seg, path, sizeof(path));
	if (!(f = fopen(path, "rb")))
		return err_set(e, ERR_IO, "cannot read %s: %s", path, strerror(errno));
	*valid_end = 0;
	if (fread(header, 1, WAL_MAGIC_LEN, f) != WAL_MAGIC_LEN ||
	    memcmp(header, WAL_MAGIC, WAL_MAGIC_LEN))
		goto out; /* created but never written: empty */
	*valid_end = WAL_MAGIC_LEN;
	while (fread(header, 1, RECORD_HEADER, f) == RECORD_HEADER) {
		uint32_t len = get_u32(header), crc = get_u32(header + 4);
		unsigned char *grown;

		if (len > RECORD_MAX || !(grown = realloc(payload, len ? len : 1)))
			break;
		payload = grown;
		if (fread(payload, 1, len, f) != len ||
		    (uint32_t)crc32(0, payload, len) != crc)
			break;
		if ((rc = replay_payload(payload, len, fn, ctx, e))) {
			err_prefix(e, "%s at byte %lld", path, (long long)*valid_end);
			break;
		}
		*valid_end += RECORD_HEADER + len;
	}
out:
	free(payload);
	fclose(f);
	return rc;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int create_segment(struct wal *w, uint64_t seg, struct err *e)
{
	char path[PATH_MAX];
	int fd;

	segment_path(w, seg, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "cannot create %s: %s", path, strerror(errno));
	if (write(fd, WAL_MAGIC, WAL_MAGIC_LEN) != WAL_MAGIC_LEN || fdatasync(fd) ||
	    sync_dir(w->dir)) {
		int saved = errno;

		close(fd);
		unlink(path);
		return err_set(e, saved == ENOSPC ? ERR_FULL : ERR_IO,
			       "cannot start %s: %s", path, strerror(saved));
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->segment = seg;
	w->size = WAL_MAGIC_LEN;
	return ERR_OK;
}

/* Open seg for appending after its last good record. */
static int reopen_segment(struct wal *w, uint64_t seg, off_t valid_end,
			  struct err *e)
{
	char path[PATH_MAX];
	int fd;

	if (valid_end < WAL_MAGIC_LEN)
		return create_segment(w, seg, e);
	segment_path(w, seg, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, valid_end) || lseek(fd, valid_end, SEEK_SET) < 0 ||
	    fdatasync(fd)) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO, "cannot reopen %s: %s", path, strerror(errno));
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
	w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->lock_fd < 0)
		return err_set(e, ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB)) {
		close(w->lock_fd);
		w->lock_fd = -1;
		return err_set(e, ERR_UNAVAILABLE, "the store is in use by another "
			       "process (a running server?): %s is locked", path);
	}
	return ERR_OK;
}

int wal_open(struct wal *w, const char *dir, uint64_t first_kept,
	     bool readonly, wal_replay_fn fn, void *ctx, struct err *e)
{
	uint64_t *segs = NULL;
	off_t valid_end = 0;
	bool replayed = false;
	size_t n;
	int rc;

	memset(w, 0, sizeof(*w));
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
		rc = replay_segment(w, segs[i], fn, ctx, &valid_end, e);
		w->segment = segs[i];
		replayed = true;
	}
	free(segs);
	if (rc || readonly)
		return rc;
	wal_remove_below(w, first_kept);
	if (replayed)
		return reopen_segment(w, w->segment, valid_end, e);
	return create_segment(w, first_kept, e);
}

void wal_close(struct wal *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->lock_fd >= 0)
		close(w->lock_fd); /* releases the lock */
	w->fd = w->lock_fd = -1;
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
		int n = 0;
		size_t skip = done;
		ssize_t wrote;

		for (int i = 0; i < iovcnt && n < 64; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			rest[n].iov_base = (char *)iov[i].iov_base + skip;
			rest[n++].iov_len = iov[i].iov_len - skip;
			skip = 0;
		}
		wrote = writev(w->fd, rest, n);
		if (wrote < 0 && errno == EINTR)
			continue;
		if (wrote <= 0)
			goto fail;
		done += (size_t)wrote;
	}
	if (fdatasync(w->fd))
		goto fail;
	w->size += (off_t)total;
	return ERR_OK;

fail:
	saved = errno;
	if (ftruncate(w->fd, w->size) || lseek(w->fd, w->size, SEEK_SET) < 0)
		return err_set(e, ERR_INTERNAL, "the write-ahead log failed (%s) "
			       "and could not be repaired: refusing writes",
			       strerror(saved));
	return err_set(e, saved == ENOSPC ? ERR_FULL : ERR_IO, "cannot write "
		       "the write-ahead log: %s", strerror(saved));
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
		unlink(path);
	}
	free(segs);
	sync_dir(w->dir);
}
