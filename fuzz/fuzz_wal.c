/*
 * libFuzzer harness for write-ahead log replay (src/ts/wal_format.c).
 *
 * The first input byte picks what the rest is used for:
 *   0  a segment's bytes, replayed as given;
 *   1  a recipe: records of points (record r holds only series r + 1) are
 *      encoded into a segment, then bytes chosen by the input are flipped;
 *      every record none of whose bytes was flipped must be replayed whole
 *      (replay resynchronises past the damaged ones);
 *   2  the same segment cut short at a chosen byte: every record wholly
 *      before the cut is replayed and the rest is a torn tail, not damage.
 * Always: the scan's counts are coherent with the bytes it was given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts/wal_format.h"

#define MAX_RECORDS 32
#define MAX_POINTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_wal: %s\n", what);
		abort();
	}
}

struct seen {
	int records[MAX_RECORDS];   /* times each record was replayed */
	size_t points[MAX_RECORDS]; /* its points, when replayed */
	int foreign;                /* batches that match no record */
};

static int count_batch(const struct ts_write *pts, size_t n, void *ctx,
		       struct err *e)
{
	struct seen *s = ctx;
	int64_t series = n ? pts[0].series : 0;

	(void)e;
	for (size_t i = 1; i < n; i++)
		if (pts[i].series != series)
			series = 0;
	if (series >= 1 && series <= MAX_RECORDS) {
		s->records[series - 1]++;
		s->points[series - 1] = n;
	} else {
		s->foreign++;
	}
	return ERR_OK;
}

static void check_scan(const struct wal_scan *st, size_t len)
{
	check(st->skipped_bytes <= len, "skipped more than there is");
	check(st->torn_bytes <= st->skipped_bytes, "torn more than skipped");
	check(st->valid_end <= len, "valid end past the end");
	check(st->damaged == (st->skipped_bytes > st->torn_bytes),
	      "damaged disagrees with the counts");
	check((st->first_bad >= 0) == (st->skipped_bytes > 0),
	      "first bad byte disagrees with the counts");
}

/*
 * Build a segment from the recipe (a record count, then two bytes a
 * record); ends[r] is where record r ends, npts[r] its points.
 */
static size_t build(const uint8_t **data, size_t *size, struct buf *seg,
		    size_t *ends, size_t *npts)
{
	struct ts_write pts[MAX_POINTS];
	size_t records = 0;
	struct err e;
	size_t want = (*data)[0] % MAX_RECORDS + 1;

	(*data)++;
	(*size)--;
	buf_append(seg, WAL_SEGMENT_MAGIC, WAL_SEGMENT_MAGIC_LEN);
	while (*size >= 2 && records < want) {
		size_t n = (*data)[0] % MAX_POINTS + 1;

		for (size_t i = 0; i < n; i++) {
			uint64_t bits = 0;

			memcpy(&bits, *data + 1, *size - 1 < 8 ? *size - 1 : 8);
			pts[i] = (struct ts_write){ (int64_t)records + 1,
						    (int64_t)(bits ^ i), (double)i };
		}
		*data += 2;
		*size -= 2;
		check(wal_encode(pts, n, seg, &e) == ERR_OK, "encode failed");
		npts[records] = n;
		ends[records++] = seg->len;
	}
	check(!buf_failed(seg), "out of memory");
	return records;
}

static void damaged(const uint8_t *data, size_t size, bool cut)
{
	size_t ends[MAX_RECORDS], npts[MAX_RECORDS], records, len;
	bool touched[MAX_RECORDS] = { false };
	struct buf seg = { 0 };
	struct seen s = { { 0 }, { 0 }, 0 };
	struct wal_scan st;
	struct err e;

	if (size < 4)
		return;
	records = build(&data, &size, &seg, ends, npts);
	len = seg.len;
	if (cut) {
		if (size < 2)
			goto out;
		len = (size_t)data[0] << 8 | data[1];
		len = len % (seg.len + 1);
	} else {
		/* flip bytes: pairs (offset, xor) */
		for (size_t i = 0; i + 2 < size; i += 3) {
			size_t at = ((size_t)data[i] << 8 | data[i + 1]) % seg.len;
			uint8_t x = data[i + 2] ? data[i + 2] : 1;

			seg.data[at] = (char)(seg.data[at] ^ x);
			for (size_t r = 0; r < records; r++)
				if (at < ends[r] && (r == 0 ? at >= WAL_SEGMENT_MAGIC_LEN
							    : at >= ends[r - 1]))
					touched[r] = true;
		}
	}
	check(wal_replay_buffer((unsigned char *)seg.data, len, count_batch, &s,
				&st, &e) == ERR_OK, "replay failed");
	check_scan(&st, len);
	for (size_t r = 0; r < records; r++) {
		check(s.records[r] <= 1, "a record replayed twice");
		if (s.records[r])
			check(s.points[r] == npts[r], "a record replayed in part");
		if (cut && ends[r] <= len)
			check(s.records[r] == 1, "a record before the cut is lost");
		if (!cut && !touched[r] && !s.foreign)
			check(s.records[r] == 1, "an intact record is lost");
	}
	if (cut)
		check(!st.damaged && !s.foreign, "a cut segment looks damaged");
out:
	buf_free(&seg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { { 0 }, { 0 }, 0 };
	struct wal_scan st;
	struct err e;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check(wal_replay_buffer(data + 1, size - 1, count_batch, &s, &st,
					&e) == ERR_OK, "replay failed");
		check_scan(&st, size - 1);
		break;
	case 1:
		damaged(data + 1, size - 1, false);
		break;
	default:
		damaged(data + 1, size - 1, true);
		break;
	}
	return 0;
}
