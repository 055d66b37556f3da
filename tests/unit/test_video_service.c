/*
 * The video service's supervision (src/video/video.c) with an injected
 * clock and a stand-in for ffmpeg (a shell script the test writes: it
 * writes the playlist named by its last argument and sleeps, or fails with
 * a message on stderr): the first viewer starts a relay, it is streaming
 * once the playlist changes, stopped after a minute without viewers;
 * --max-relays; with recording on, a camera is relayed with no viewer and
 * stays relayed, outside --max-relays; a playlist that stops changing is a stall; a failing source turns offline with ffmpeg's last line
 * (password redacted) and is retried with backoff; video_close leaves no
 * child behind.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "db/db.h"
#include "video/video.h"
#include "test_folder.h"

#define T0 1782900000000LL

struct fixture {
	char dir[64];
	struct db *db;
	struct video *v;
	int64_t now;
};

static int64_t clock_of(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

/* The stand-in: a good camera writes a playlist; "bad" fails like ffmpeg. */
static const char fake[] =
	"#!/bin/sh\n"
	"for a; do last=\"$a\"; done\n"
	"case \"$*\" in *bad*) echo 'Input #0, rtsp'; "
	"echo \"[rtsp @ 0x1] rtsp://admin:secret@10.0.0.9/bad: Connection refused\" >&2; "
	"exit 1;; esac\n"
	"echo '  Stream #0:0: Video: h264 (Main), yuvj420p, 640x360' >&2\n"
	"printf '#EXTM3U\\n#EXTINF:2.0,\\nhls/1.ts\\n' > \"$last\"\n"
	"exec sleep 30\n";

static void camera(struct db *db, const char *id, const char *url)
{
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = T0 };
	struct db_equipment q = { .swath_m = NAN, .updated_ms = T0 };
	struct err e = { 0 };

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.kind, sizeof(d.kind), "camera");
	assert_int_equal(db_device_create(db, &d, &e), 0);
	snprintf(q.device, sizeof(q.device), "%s", id);
	snprintf(q.stream_url, sizeof(q.stream_url), "%s", url);
	assert_int_equal(db_equipment_set(db, &q, &e), 0);
}

static int setup_with(void **state, bool record, uint64_t budget)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128], vdir[128];
	struct video_opts o = { 0 };
	struct err e = { 0 };
	FILE *fp;

	if (test_folder_open(f->dir, sizeof(f->dir), "video", &f->db,
			     NULL, NULL))
		return -1;
	snprintf(path, sizeof(path), "%s/ffmpeg", f->dir);
	if (!(fp = fopen(path, "w")))
		return -1;
	fputs(fake, fp);
	fclose(fp);
	chmod(path, 0700);
	camera(f->db, "cam-1", "rtsp://10.0.0.8/good");
	camera(f->db, "cam-2", "rtsp://10.0.0.7/good");
	camera(f->db, "cam-3", "rtsp://admin:secret@10.0.0.9/bad");
	snprintf(vdir, sizeof(vdir), "%s/video", f->dir);
	f->now = T0;
	o.dir = vdir;
	o.ffmpeg = path;
	o.max_relays = 2;
	o.snapshot_every_ms = -1;
	o.stall_ms = 300000; /* the stand-in writes one playlist only */
	o.now = clock_of;
	o.now_ctx = f;
	o.budget_bytes = budget;
	o.keep_ms = 3600000;
	if (record) {   /* cam-1 recorded; one relay more for viewers */
		o.record = true;
		o.max_recordings = 1;
		o.max_relays = 1;
		o.stall_ms = 3600000; /* past the ten unwatched minutes */
	}
	if (video_open(f->db, NULL, NULL, &o, &f->v, &e))
		return -1;
	*state = f;
	return 0;
}

/* Recording off: relays run only for viewers. */
static int setup(void **state)
{
	return setup_with(state, false, 0);
}

/* Recording off, a budget of 10 kB a camera. */
static int setup_budget(void **state)
{
	return setup_with(state, false, 10000);
}

/* Recording on (serve's default), at most one camera. */
static int setup_recording(void **state)
{
	return setup_with(state, true, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	video_close(f->v);
	if (test_folder_close(f->dir, f->db, NULL))
		return -1;
	free(f);
	return 0;
}

/* The camera's entry of video_cameras. */
static json_t *entry(struct fixture *f, const char *id, json_t **all)
{
	struct err e = { 0 };
	json_t *c;
	size_t i;

	assert_int_equal(video_cameras(f->v, all, &e), 0);
	json_array_foreach(json_object_get(*all, "cameras"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "id")), id))
			return c;
	fail_msg("no camera %s", id);
	return NULL;
}

static const char *state_of(struct fixture *f, const char *id, json_t **all)
{
	return json_string_value(json_object_get(entry(f, id, all), "state"));
}

/* Tick (the clock still) until the state is want, at most 5 s of real time. */
static void tick_until(struct fixture *f, const char *id, const char *want)
{
	json_t *all = NULL;

	for (int i = 0; i < 100; i++) {
		video_tick(f->v);
		if (!strcmp(state_of(f, id, &all), want)) {
			json_decref(all);
			return;
		}
		json_decref(all);
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	fail_msg("camera %s never became %s", id, want);
}

/* Recording off (setup): a viewer's relay stops a minute after the last. */
static void viewer_starts_and_a_minute_alone_stops(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	int rc;

	rc = video_live(f->v, "cam-1", 3000, &b, &e);
	assert_int_equal(rc, ERR_OK);
	assert_non_null(strstr(b.data, "hls/1.ts"));
	tick_until(f, "cam-1", "streaming");
	f->now += 59000;
	video_tick(f->v);
	{
		json_t *all = NULL;

		assert_string_equal(state_of(f, "cam-1", &all), "streaming");
		json_decref(all);
	}
	f->now += 2000; /* a minute without a viewer: SIGTERM, reaped */
	tick_until(f, "cam-1", "idle");
	/* not found, and no stream_url */
	assert_int_equal(video_live(f->v, "nope", 0, &b, &e), ERR_NOT_FOUND);
	buf_free(&b);
}

static void max_relays_refuses_the_third(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	assert_int_equal(video_live(f->v, "cam-1", 3000, &b, &e), ERR_OK);
	assert_int_equal(video_live(f->v, "cam-2", 3000, &b, &e), ERR_OK);
	assert_int_equal(video_live(f->v, "cam-3", 0, &b, &e), ERR_LIMITED);
	assert_non_null(strstr(e.msg, "--max-relays"));
	buf_free(&b);
}

static void failing_source_is_offline_and_retried(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	json_t *all = NULL, *c;
	const char *why;

	video_live(f->v, "cam-3", 0, &b, &e);
	tick_until(f, "cam-3", "offline");
	c = entry(f, "cam-3", &all);
	why = json_string_value(json_object_get(c, "error"));
	assert_non_null(strstr(why, "Connection refused"));
	assert_null(strstr(why, "secret"));
	assert_non_null(strstr(why, "admin:***@"));
	assert_null(strstr(json_string_value(json_object_get(c, "stream_url")),
			   "secret"));
	json_decref(all);
	/* within the backoff: refused with the reason, no new child */
	err_clear(&e);
	assert_int_equal(video_live(f->v, "cam-3", 0, &b, &e), ERR_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "offline"));
	/* after it, the viewer's request starts it again (and it fails again) */
	f->now += 1500;
	err_clear(&e);
	assert_int_equal(video_live(f->v, "cam-3", 0, &b, &e), ERR_UNAVAILABLE);
	assert_non_null(strstr(e.msg, "starting"));
	buf_free(&b);
}

static void a_playlist_that_stops_changing_is_a_stall(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err e = { 0 };
	json_t *all = NULL;

	assert_int_equal(video_live(f->v, "cam-2", 3000, &b, &e), ERR_OK);
	tick_until(f, "cam-2", "streaming");
	f->now += 300001; /* still watched, but nothing new for --video-stall */
	assert_int_equal(video_segment(f->v, "cam-2", "1.ts", &b, &e),
			 ERR_NOT_FOUND);
	tick_until(f, "cam-2", "offline");
	assert_non_null(strstr(json_string_value(json_object_get(
		entry(f, "cam-2", &all), "error")), "stalled: no new segment"));
	json_decref(all);
	buf_free(&b);
}

static bool recording_of(struct fixture *f, const char *id)
{
	json_t *all = NULL, *c = entry(f, id, &all);
	bool r = json_is_true(json_object_get(c, "recording"));

	json_decref(all);
	return r;
}

/*
 * Recording on: cam-1 is relayed with no viewer at all and stays so past
 * the idle time; it does not count against --max-relays, which bounds the
 * viewers' relays of the cameras not recorded (--max-recordings 1 leaves
 * cam-2 and cam-3 out); a viewer's relay still stops when left alone.
 */
static void recording_goes_on_without_viewers(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	tick_until(f, "cam-1", "streaming");
	assert_true(recording_of(f, "cam-1"));
	assert_false(recording_of(f, "cam-2"));
	f->now += 10 * 60000; /* ten minutes, never watched */
	video_tick(f->v);
	tick_until(f, "cam-1", "streaming");
	/* one relay for viewers besides the recording */
	assert_int_equal(video_live(f->v, "cam-2", 3000, &b, &e), ERR_OK);
	tick_until(f, "cam-2", "streaming");
	assert_int_equal(video_live(f->v, "cam-3", 0, &b, &e), ERR_LIMITED);
	assert_non_null(strstr(e.msg, "--max-relays"));
	/* the recorded camera's live playlist is there at once */
	assert_int_equal(video_live(f->v, "cam-1", 0, &b, &e), ERR_OK);
	f->now += 61000; /* nobody watches either any more */
	tick_until(f, "cam-2", "idle");
	video_tick(f->v);
	tick_until(f, "cam-1", "streaming");
	/* deleted: no longer recorded, its relay stops */
	assert_int_equal(db_device_delete(f->db, "cam-1", f->now, &e), 0);
	tick_until(f, "cam-1", "idle");
	assert_false(recording_of(f, "cam-1"));
	buf_free(&b);
}

/* A segment of n bytes starting at second start in cam-1's folder. */
static void segment(struct fixture *f, int64_t start, size_t n)
{
	char path[192];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/video/cam-1", f->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/video/cam-1/%lld.ts", f->dir,
		 (long long)start);
	assert_non_null(fp = fopen(path, "w"));
	for (size_t i = 0; i < n; i++)
		fputc('G', fp);
	fclose(fp);
}

static bool segment_there(struct fixture *f, int64_t start)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/video/cam-1/%lld.ts", f->dir,
		 (long long)start);
	return access(path, F_OK) == 0;
}

/*
 * The supervisor deletes segments older than --video-keep (1 h here), then
 * the oldest until the folder fits --video-budget (10 kB).
 */
static void old_segments_go_by_age_and_budget(void **state)
{
	struct fixture *f = *state;
	int64_t now_s = T0 / 1000;

	for (int i = 0; i < 3; i++)      /* two hours old */
		segment(f, now_s - 7200 + 2 * i, 100);
	for (int i = 0; i < 20; i++)     /* the last 40 s, 20 kB */
		segment(f, now_s - 40 + 2 * i, 1000);
	video_tick(f->v);
	for (int i = 0; i < 3; i++)
		assert_false(segment_there(f, now_s - 7200 + 2 * i));
	for (int i = 0; i < 10; i++)     /* the oldest ten over the budget */
		assert_false(segment_there(f, now_s - 40 + 2 * i));
	for (int i = 10; i < 20; i++)
		assert_true(segment_there(f, now_s - 40 + 2 * i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(viewer_starts_and_a_minute_alone_stops,
						setup, teardown),
		cmocka_unit_test_setup_teardown(max_relays_refuses_the_third,
						setup, teardown),
		cmocka_unit_test_setup_teardown(failing_source_is_offline_and_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_playlist_that_stops_changing_is_a_stall,
						setup, teardown),
		cmocka_unit_test_setup_teardown(recording_goes_on_without_viewers,
						setup_recording, teardown),
		cmocka_unit_test_setup_teardown(old_segments_go_by_age_and_budget,
						setup_budget, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
