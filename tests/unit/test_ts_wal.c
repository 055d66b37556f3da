/*
 * ts/wal: damaged logs and failing disks.  Replay resynchronises past
 * damage and keeps the damaged segment aside; faults injected through the
 * system-call table (write and sync errors, short writes, ENOSPC) are
 * answered with errors, nothing refused is acknowledged, and after the
 * fault clears and the engine reopens ("restart") every acknowledged point
 * is there and no refused one comes back half-written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "db/db.h"
#include "http/http.h"
#include "ts/engine.h"
#include "ts/wal.h"
#include "test_folder.h"

#define DAY INT64_C(86400000)
#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */
#define RECORDS 50
#define PER_RECORD 100
#define REC_MS INT64_C(7200000)   /* record r starts at T0 + r * REC_MS */

struct fixture {
	char dir[64];
	char wal[128];
	struct db *db;
	struct ts_engine *eng;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (test_folder_open(f->dir, sizeof(f->dir), "ts-wal", &f->db,
			     &f->eng, &manual))
		return -1;
	snprintf(f->wal, sizeof(f->wal), "%s/ts/wal", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wal_sys_reset();
	if (test_folder_close(f->dir, f->db, f->eng))
		return -1;
	free(f);
	return 0;
}

/* Record r: PER_RECORD points of series 1, one a minute from T0 + r * REC_MS. */
static int write_record(struct ts_engine *eng, int r, struct err *e)
{
	struct ts_write w[PER_RECORD];

	for (int i = 0; i < PER_RECORD; i++)
		w[i] = (struct ts_write){ 1, T0 + r * REC_MS + i * 60000,
					  r + i / 1000.0 };
	return ts_engine_write(eng, w, PER_RECORD, e);
}

static void write_records(struct ts_engine *eng, int from, int to)
{
	struct err e;

	for (int r = from; r < to; r++)
		assert_int_equal(write_record(eng, r, &e), 0);
}

/* Which records are there whole: a bit per record; no partial ones. */
static uint64_t records_present(struct ts_engine *eng)
{
	struct ts_point *pts;
	struct err e;
	uint64_t mask = 0;
	size_t n, k = 0;

	assert_int_equal(ts_engine_read(eng, 1, T0, T0 + 10 * DAY, &pts, &n, &e), 0);
	while (k < n) {
		int r = (int)((pts[k].ts - T0) / REC_MS);
		size_t start = k;

		while (k < n && (pts[k].ts - T0) / REC_MS == r)
			k++;
		assert_int_equal(k - start, PER_RECORD); /* never half a record */
		assert_true(r < 64);
		mask |= UINT64_C(1) << r;
	}
	free(pts);
	return mask;
}

static uint64_t all_below(int n)
{
	return n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;
}

static void crash_and_reopen(struct fixture *f)
{
	struct err e;

	ts_engine_drop(f->eng);
	f->eng = NULL;
	db_close(f->db);
	assert_int_equal(db_open(f->dir, false, &f->db, &e), 0);
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
}

static void segment(const struct fixture *f, int seg, const char *tail,
		    char *out, size_t size)
{
	snprintf(out, size, "%s/%012d.wal%s", f->wal, seg, tail);
}

static off_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? -1 : sb.st_size;
}

static void flip_byte(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void append_bytes(const char *path, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

/* ---- damage ------------------------------------------------------------------- */

static void a_flipped_byte_costs_one_record_and_is_kept_aside(void **state)
{
	struct fixture *f = *state;
	char path[160], aside[160];
	struct err e;
	off_t size;

	write_records(f->eng, 0, RECORDS);
	segment(f, 1, "", path, sizeof(path));
	size = file_size(path);
	flip_byte(path, size / 2);   /* inside record 24 or 25 */
	crash_and_reopen(f);
	assert_int_equal(__builtin_popcountll(records_present(f->eng)), RECORDS - 1);
	segment(f, 1, ".damaged", aside, sizeof(aside));
	assert_int_equal(file_size(aside), size);
	/* new writes go to a new segment; the damaged one is never cut */
	write_records(f->eng, RECORDS, RECORDS + 2);
	assert_int_equal(file_size(path), size);
	crash_and_reopen(f);
	assert_int_equal(__builtin_popcountll(records_present(f->eng)), RECORDS + 1);
	/* a checkpoint deletes the .wal name, never the damaged copy */
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	assert_int_equal(file_size(path), -1);
	assert_int_equal(file_size(aside), size);
	crash_and_reopen(f);
	assert_int_equal(__builtin_popcountll(records_present(f->eng)), RECORDS + 1);
}

static void a_flipped_segment_magic_loses_nothing(void **state)
{
	struct fixture *f = *state;
	char path[160];

	write_records(f->eng, 0, RECORDS);
	segment(f, 1, "", path, sizeof(path));
	flip_byte(path, 3);
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(RECORDS));
}

static void a_flipped_record_header_loses_that_record_only(void **state)
{
	struct fixture *f = *state;
	char path[160];

	write_records(f->eng, 0, RECORDS);
	segment(f, 1, "", path, sizeof(path));
	flip_byte(path, 8);          /* the first record's magic */
	flip_byte(path, 8 + 16 + 2); /* and its payload */
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == (all_below(RECORDS) & ~UINT64_C(1)));
}

static void a_torn_tail_is_cut_without_alarm(void **state)
{
	struct fixture *f = *state;
	struct ts_write w = { 1, T0 + 40 * REC_MS, 1 };
	char path[160], aside[160];
	struct buf rec = { 0 };
	struct err e;
	off_t size;

	write_records(f->eng, 0, 3);
	segment(f, 1, "", path, sizeof(path));
	size = file_size(path);
	/* an interrupted write: the first bytes of a record */
	assert_int_equal(wal_encode(&w, 1, &rec, &e), 0);
	append_bytes(path, rec.data, rec.len - 3);
	buf_free(&rec);
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(3));
	assert_int_equal(file_size(path), size);  /* cut back */
	segment(f, 1, ".damaged", aside, sizeof(aside));
	assert_int_equal(file_size(aside), -1);
	write_records(f->eng, 3, 5);
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(5));
}

static void trailing_zeros_are_a_torn_tail(void **state)
{
	struct fixture *f = *state;
	char path[160], zeros[300] = { 0 };

	write_records(f->eng, 0, 3);
	segment(f, 1, "", path, sizeof(path));
	append_bytes(path, zeros, sizeof(zeros));
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(3));
	write_records(f->eng, 3, 4);
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(4));
}

/* A format 1 segment (8-byte headers, no record magic) still replays. */
static void format_1_segments_still_replay(void **state)
{
	struct fixture *f = *state;
	struct ts_write w[PER_RECORD];
	char path[160];
	struct buf rec = { 0 };
	struct err e;
	int fd;

	ts_engine_drop(f->eng);
	f->eng = NULL;
	segment(f, 1, "", path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "OASISWAL", 8), 8);
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < PER_RECORD; i++)
			w[i] = (struct ts_write){ 1, T0 + r * REC_MS + i * 60000, 1 };
		buf_reset(&rec);
		assert_int_equal(wal_encode(w, PER_RECORD, &rec, &e), 0);
		/* format 1: length and CRC, then the payload */
		assert_int_equal(write(fd, rec.data + 4, 8), 8);
		assert_int_equal(write(fd, rec.data + 16, rec.len - 16),
				 (ssize_t)(rec.len - 16));
	}
	buf_free(&rec);
	close(fd);
	assert_int_equal(ts_engine_open(f->db, f->dir, &manual, &f->eng, &e), 0);
	assert_true(records_present(f->eng) == all_below(2));
	write_records(f->eng, 2, 3);   /* into a new, format 2 segment */
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(3));
}

/* The scanner on bytes: resynchronisation and what it counts. */
static void the_scanner_counts_what_it_skips(void **state)
{
	struct ts_write w = { 5, T0, 1.5 };
	struct buf seg = { 0 };
	struct wal_scan st;
	struct err e;
	size_t one;

	(void)state;
	buf_append(&seg, WAL_SEGMENT_MAGIC, WAL_SEGMENT_MAGIC_LEN);
	for (int i = 0; i < 4; i++)
		assert_int_equal(wal_encode(&w, 1, &seg, &e), 0);
	one = (seg.len - WAL_SEGMENT_MAGIC_LEN) / 4;
	assert_int_equal(wal_replay_buffer((unsigned char *)seg.data, seg.len, NULL,
					   NULL, &st, &e), 0);
	assert_int_equal(st.records, 4);
	assert_false(st.damaged);
	seg.data[WAL_SEGMENT_MAGIC_LEN + one + 20] ^= 1;       /* record 2 */
	seg.data[WAL_SEGMENT_MAGIC_LEN + 2 * one + 5] ^= 1;    /* record 3 */
	assert_int_equal(wal_replay_buffer((unsigned char *)seg.data, seg.len, NULL,
					   NULL, &st, &e), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.points, 2);
	assert_true(st.damaged);
	assert_int_equal(st.bad_records, 2);
	assert_int_equal(st.skipped_bytes, 2 * one);
	assert_int_equal(st.first_bad, WAL_SEGMENT_MAGIC_LEN + one);
	assert_int_equal(st.valid_end, seg.len);
	buf_free(&seg);
}

/* ---- faults -------------------------------------------------------------------- */

static struct {
	int pwritev_errno;       /* fail every pwritev with this */
	int half_then_errno;     /* write half, then fail with this */
	size_t short_max;        /* write at most this many bytes a call */
	int fdatasync_errno;     /* fail the next fdatasync */
	int ftruncate_errno;     /* fail every ftruncate */
	int open_errno;          /* fail every open that creates */
} fault;

static ssize_t fake_pwritev(int fd, const struct iovec *iov, int n, off_t at)
{
	if (fault.pwritev_errno) {
		errno = fault.pwritev_errno;
		return -1;
	}
	if (fault.half_then_errno) {
		ssize_t k = pwrite(fd, iov[0].iov_base, iov[0].iov_len / 2, at);

		(void)k;
		fault.pwritev_errno = fault.half_then_errno;
		fault.half_then_errno = 0;
		errno = fault.pwritev_errno;
		return -1;
	}
	if (fault.short_max && iov[0].iov_len > fault.short_max)
		return pwrite(fd, iov[0].iov_base, fault.short_max, at);
	return pwritev(fd, iov, n, at);
}

static int fake_fdatasync(int fd)
{
	if (fault.fdatasync_errno) {
		errno = fault.fdatasync_errno;
		fault.fdatasync_errno = 0;
		return -1;
	}
	return fdatasync(fd);
}

static int fake_ftruncate(int fd, off_t size)
{
	if (fault.ftruncate_errno) {
		errno = fault.ftruncate_errno;
		return -1;
	}
	return ftruncate(fd, size);
}

static int fake_open(const char *path, int flags, mode_t mode)
{
	if (fault.open_errno && (flags & O_CREAT)) {
		errno = fault.open_errno;
		return -1;
	}
	return open(path, flags, mode);
}

static void inject(void)
{
	memset(&fault, 0, sizeof(fault));
	wal_sys.pwritev = fake_pwritev;
	wal_sys.fdatasync = fake_fdatasync;
	wal_sys.ftruncate = fake_ftruncate;
	wal_sys.open = fake_open;
}

static void clear_faults(void)
{
	memset(&fault, 0, sizeof(fault));
}

static void a_full_disk_refuses_the_write_and_recovers(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_stats st;
	struct err e;

	write_records(f->eng, 0, 3);
	inject();
	fault.pwritev_errno = ENOSPC;
	assert_int_equal(write_record(f->eng, 3, &e), ERR_FULL);
	assert_non_null(strstr(e.msg, "No space"));
	assert_int_equal(http_status_of(e.code), 507);
	clear_faults();
	fault.half_then_errno = ENOSPC;  /* half a record reaches the file */
	assert_int_equal(write_record(f->eng, 4, &e), ERR_FULL);
	clear_faults();
	ts_engine_stats(f->eng, &st);
	assert_int_equal(st.sticky, 0);
	/* space again: writes go on, and nothing refused is visible */
	write_records(f->eng, 5, 7);
	assert_true(records_present(f->eng) == (all_below(7) & ~UINT64_C(0x18)));
	wal_sys_reset();
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == (all_below(7) & ~UINT64_C(0x18)));
}

static void short_writes_are_continued(void **state)
{
	struct fixture *f = *state;

	inject();
	fault.short_max = 7;
	write_records(f->eng, 0, 5);
	wal_sys_reset();
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(5));
}

static void a_failed_sync_is_refused_and_cut(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_stats st;
	struct err e;

	write_records(f->eng, 0, 2);
	inject();
	fault.fdatasync_errno = EIO;
	assert_int_equal(write_record(f->eng, 2, &e), ERR_IO);
	ts_engine_stats(f->eng, &st);
	assert_int_equal(st.sticky, 0);
	write_records(f->eng, 3, 4);
	wal_sys_reset();
	crash_and_reopen(f);
	/* the refused record did not come back: the failure cut it */
	assert_true(records_present(f->eng) == 0xb);
}

static void an_unrepairable_log_is_a_sticky_error(void **state)
{
	struct fixture *f = *state;
	struct ts_engine_stats st;
	struct err e;

	write_records(f->eng, 0, 2);
	inject();
	fault.half_then_errno = EIO;
	fault.ftruncate_errno = EIO;
	assert_int_equal(write_record(f->eng, 2, &e), ERR_INTERNAL);
	clear_faults();
	/* even with the disk back, the engine refuses until restarted */
	assert_int_equal(write_record(f->eng, 3, &e), ERR_INTERNAL);
	assert_non_null(strstr(e.msg, "restart"));
	ts_engine_stats(f->eng, &st);
	assert_int_equal(st.sticky, ERR_INTERNAL);
	wal_sys_reset();
	crash_and_reopen(f);
	/* the half record is a torn tail: cut; the acknowledged ones are there */
	assert_true(records_present(f->eng) == all_below(2));
	write_records(f->eng, 3, 4);
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == 0xb);
}

static void a_full_disk_at_rotation_fails_the_checkpoint_only(void **state)
{
	struct fixture *f = *state;
	struct err e;

	write_records(f->eng, 0, 2);
	inject();
	fault.open_errno = ENOSPC;
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), ERR_FULL);
	write_records(f->eng, 2, 3);
	clear_faults();
	assert_int_equal(ts_engine_checkpoint(f->eng, &e), 0);
	write_records(f->eng, 3, 4);
	wal_sys_reset();
	crash_and_reopen(f);
	assert_true(records_present(f->eng) == all_below(4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_flipped_byte_costs_one_record_and_is_kept_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(a_flipped_segment_magic_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_flipped_record_header_loses_that_record_only, setup, teardown),
		cmocka_unit_test_setup_teardown(a_torn_tail_is_cut_without_alarm, setup, teardown),
		cmocka_unit_test_setup_teardown(trailing_zeros_are_a_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(format_1_segments_still_replay, setup, teardown),
		cmocka_unit_test(the_scanner_counts_what_it_skips),
		cmocka_unit_test_setup_teardown(a_full_disk_refuses_the_write_and_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(short_writes_are_continued, setup, teardown),
		cmocka_unit_test_setup_teardown(a_failed_sync_is_refused_and_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(an_unrepairable_log_is_a_sticky_error, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_disk_at_rotation_fails_the_checkpoint_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
