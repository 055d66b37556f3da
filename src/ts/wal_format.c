/* Write-ahead log records: encoding, and scanning a segment's bytes. */
#include "ts/wal_format.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define V1_HEADER 8

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

static uint32_t crc(const unsigned char *p, size_t len)
{
	return (uint32_t)crc32(0, p, (uInt)len);
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
	unsigned char *h;
	int64_t prev = 0;
	uint32_t len;

	buf_append(out, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", WAL_RECORD_HEADER);
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
	if (out->len - start - WAL_RECORD_HEADER > WAL_RECORD_MAX)
		return err_set(e, ERR_TOO_LARGE, "a write of %zu points is too "
			       "large for one log record", n);
	len = (uint32_t)(out->len - start - WAL_RECORD_HEADER);
	h = (unsigned char *)out->data + start;
	put_u32(h, WAL_RECORD_MAGIC);
	put_u32(h + 4, len);
	put_u32(h + 8, crc(h + WAL_RECORD_HEADER, len));
	put_u32(h + 12, crc(h, 12));
	return ERR_OK;
}

/*
 * Decode one record's payload and hand its points to fn; ERR_INVALID when
 * the payload does not parse (only a forged or buggy record: its CRC held).
 */
static int decode_payload(const unsigned char *p, size_t len, wal_replay_fn fn,
			  void *ctx, uint64_t *points, struct err *e)
{
	const unsigned char *end = p + len;
	struct ts_write *pts;
	uint64_t n, series, zz;
	int64_t prev = 0;
	int rc = ERR_OK;

	/* a point takes at least 10 bytes: two varints and a double */
	if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p) / 10)
		return err_set(e, ERR_INVALID, "bad point count");
	if (!(pts = malloc((n ? n : 1) * sizeof(*pts))))
		return err_nomem(e);
	for (uint64_t i = 0; i < n; i++) {
		if (!get_varint(&p, end, &series) || !get_varint(&p, end, &zz) ||
		    end - p < (ptrdiff_t)sizeof(double)) {
			rc = err_set(e, ERR_INVALID, "truncated point");
			goto out;
		}
		prev = (int64_t)((uint64_t)prev + ((zz >> 1) ^ -(zz & 1)));
		pts[i].series = (int64_t)series;
		pts[i].ts = prev;
		memcpy(&pts[i].value, p, sizeof(double));
		p += sizeof(double);
	}
	if (p != end) {
		rc = err_set(e, ERR_INVALID, "%zu bytes after the points",
			     (size_t)(end - p));
		goto out;
	}
	if (fn)
		rc = fn(pts, (size_t)n, ctx, e);
	*points = n;
out:
	free(pts);
	return rc;
}

enum check { REC_OK, REC_SHORT, REC_BAD_HEADER, REC_BAD_PAYLOAD };

/* Check the format 2 record at pos; *plen is its payload length. */
static enum check check_record(const unsigned char *buf, size_t len, size_t pos,
			       uint32_t *plen)
{
	const unsigned char *p = buf + pos;
	size_t left = len - pos;
	unsigned char magic[4];

	put_u32(magic, WAL_RECORD_MAGIC);
	if (left < WAL_RECORD_HEADER)
		/* a header cut short: torn if what there is starts like one */
		return memcmp(p, magic, left < 4 ? left : 4) ? REC_BAD_HEADER
							      : REC_SHORT;
	if (memcmp(p, magic, 4) || get_u32(p + 12) != crc(p, 12))
		return REC_BAD_HEADER;
	*plen = get_u32(p + 4);
	if (*plen > WAL_RECORD_MAX)
		return REC_BAD_HEADER;
	if (*plen > left - WAL_RECORD_HEADER)
		return REC_SHORT;
	if (get_u32(p + 8) != crc(p + WAL_RECORD_HEADER, *plen))
		return REC_BAD_PAYLOAD;
	return REC_OK;
}

/* The next offset after pos where a record magic starts (len if none). */
static size_t next_magic(const unsigned char *buf, size_t len, size_t pos)
{
	unsigned char magic[4];
	const unsigned char *hit;

	put_u32(magic, WAL_RECORD_MAGIC);
	if (pos >= len)
		return len;
	hit = memmem(buf + pos, len - pos, magic, 4);
	return hit ? (size_t)(hit - buf) : len;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Bytes [from, to) were skipped; torn says whether as an interrupted write. */
static void skipped(struct wal_scan *st, size_t from, size_t to, bool torn)
{
	if (to <= from)
		return;
	if (st->first_bad < 0)
		st->first_bad = (int64_t)from;
	st->skipped_bytes += to - from;
	if (torn)
		st->torn_bytes += to - from;
	else
		st->damaged = true;
}

/* A good record at pos: replay it.  ERR_INVALID when its payload is bad. */
static int take_record(const unsigned char *buf, size_t pos, size_t header,
		       uint32_t plen, wal_replay_fn fn, void *ctx,
		       struct wal_scan *st, struct err *e)
{
	uint64_t points = 0;
	int rc = decode_payload(buf + pos + header, plen, fn, ctx, &points, e);

	if (!rc) {
		st->records++;
		st->points += points;
		st->valid_end = pos + header + plen;
	}
	return rc;
}

/* Format 2: skip damage, resynchronise on the next good record. */
static int scan_v2(const unsigned char *buf, size_t len, size_t pos,
		   wal_replay_fn fn, void *ctx, struct wal_scan *st,
		   struct err *e)
{
	size_t gap = SIZE_MAX;       /* start of the damage being skipped */
	bool boundary = true;        /* pos is where a record must start */
	int rc;

	while (pos < len) {
		uint32_t plen = 0;
		enum check c = check_record(buf, len, pos, &plen);

		if (c == REC_OK) {
			rc = take_record(buf, pos, WAL_RECORD_HEADER, plen, fn, ctx,
					 st, e);
			if (rc && rc != ERR_INVALID)
				return rc;
			if (!rc) {
				if (gap != SIZE_MAX)
					skipped(st, gap, pos, false);
				gap = SIZE_MAX;
				boundary = true;
				pos = st->valid_end;
				continue;
			}
			c = REC_BAD_PAYLOAD;
		}
		if (c == REC_SHORT && gap == SIZE_MAX) {
			/* the last record, cut short: an interrupted write */
			skipped(st, pos, len, true);
			return ERR_OK;
		}
		if (gap == SIZE_MAX)
			gap = pos;
		if (c == REC_SHORT) {
			st->bad_records++;
			break;
		}
		if (c == REC_BAD_PAYLOAD) {
			/* the header holds: skip the record whole */
			st->bad_records++;
			boundary = true;
			pos += WAL_RECORD_HEADER + plen;
			continue;
		}
		if (boundary)
			st->bad_records++;   /* a record's header is damaged */
		boundary = false;
		pos = next_magic(buf, len, pos + 1);
	}
	if (gap != SIZE_MAX)
		skipped(st, gap, len, all_zero(buf + gap, len - gap));
	return ERR_OK;
}

/* Format 1: no record magic to resynchronise on; stop at the first damage. */
static int scan_v1(const unsigned char *buf, size_t len, size_t pos,
		   wal_replay_fn fn, void *ctx, struct wal_scan *st,
		   struct err *e)
{
	while (pos < len) {
		const unsigned char *p = buf + pos;
		uint32_t plen;
		int rc;

		if (len - pos < V1_HEADER ||
		    (plen = get_u32(p)) > len - pos - V1_HEADER) {
			skipped(st, pos, len, true);
			return ERR_OK;
		}
		if (plen > WAL_RECORD_MAX || get_u32(p + 4) != crc(p + V1_HEADER, plen))
			break;
		rc = take_record(buf, pos, V1_HEADER, plen, fn, ctx, st, e);
		if (rc == ERR_INVALID)
			break;
		if (rc)
			return rc;
		pos = st->valid_end;
	}
	if (pos < len) {
		st->bad_records++;
		skipped(st, pos, len, all_zero(buf + pos, len - pos));
	}
	return ERR_OK;
}

/* Is a good format 1 record at pos? (for a segment whose magic is damaged) */
static bool v1_record_at(const unsigned char *buf, size_t len, size_t pos)
{
	uint32_t plen;

	if (len - pos < V1_HEADER)
		return false;
	plen = get_u32(buf + pos);
	return plen <= len - pos - V1_HEADER &&
	       get_u32(buf + pos + 4) == crc(buf + pos + V1_HEADER, plen);
}

int wal_replay_buffer(const unsigned char *buf, size_t len, wal_replay_fn fn,
		      void *ctx, struct wal_scan *st, struct err *e)
{
	size_t m = WAL_SEGMENT_MAGIC_LEN;
	uint32_t plen;

	memset(st, 0, sizeof(*st));
	st->first_bad = -1;
	if (len < m) {
		/* created, its magic never (wholly) written */
		skipped(st, 0, len, !memcmp(buf, WAL_SEGMENT_MAGIC, len) ||
			all_zero(buf, len));
		return ERR_OK;
	}
	st->valid_end = m;
	if (!memcmp(buf, WAL_SEGMENT_MAGIC, m)) {
		st->version = 2;
		return scan_v2(buf, len, m, fn, ctx, st, e);
	}
	if (!memcmp(buf, WAL_SEGMENT_MAGIC_V1, m)) {
		st->version = 1;
		return scan_v1(buf, len, m, fn, ctx, st, e);
	}
	if (all_zero(buf, len)) {
		st->valid_end = 0;
		skipped(st, 0, len, true);
		return ERR_OK;
	}
	/* the segment magic is damaged: the records tell the format */
	skipped(st, 0, m, false);
	if (len > m && check_record(buf, len, m, &plen) != REC_OK &&
	    v1_record_at(buf, len, m)) {
		st->version = 1;
		return scan_v1(buf, len, m, fn, ctx, st, e);
	}
	st->version = 2;
	return scan_v2(buf, len, m, fn, ctx, st, e);
}
