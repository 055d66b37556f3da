/*
 * The pure parts of the video service (src/video/video_core.c) and URL
 * redaction (src/util/url.c): passwords hidden, ffmpeg's command line,
 * backoff, ffmpeg's stream lines (as ffmpeg 5.1 prints them for a
 * Hikvision H.264 main stream and an MJPEG USB camera), recording
 * playlists (RFC 8216 tags) and the segments pruned by age and budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/url.h"
#include "video/video.h"

static void redacts_passwords(void **state)
{
	char out[128], text[160];

	(void)state;
	url_redact("rtsp://admin:Hik12345@192.168.1.64:554/Streaming/Channels/101",
		   out, sizeof(out));
	assert_string_equal(out, "rtsp://admin:***@192.168.1.64:554/Streaming/"
			    "Channels/101");
	url_redact("rtsp://192.168.1.64/live", out, sizeof(out));
	assert_string_equal(out, "rtsp://192.168.1.64/live");
	url_redact("rtsp://user@host/x", out, sizeof(out));
	assert_string_equal(out, "rtsp://user@host/x");
	url_redact("rtsp://a:b@h/x", out, sizeof(out)); /* longer once hidden */
	assert_string_equal(out, "rtsp://a:***@h/x");
	url_redact("rtsp://a:p@ss@h/x", out, sizeof(out)); /* last @ ends it */
	assert_string_equal(out, "rtsp://a:***@h/x");
	url_redact("rtsp://a:b@h/x", out, 12); /* truncated, never the secret */
	assert_null(strstr(out, "b@"));
	snprintf(text, sizeof(text), "[rtsp @ 0x55] method DESCRIBE failed: "
		 "401 rtsp://admin:pw@10.0.0.2/ch1 and http://u:v@w/");
	url_redact_text(text, sizeof(text));
	assert_string_equal(text, "[rtsp @ 0x55] method DESCRIBE failed: 401 "
			    "rtsp://admin:***@10.0.0.2/ch1 and http://u:***@w/");
	url_redact_text(text, sizeof(text)); /* idempotent */
	assert_non_null(strstr(text, "admin:***@10"));
}

static void backoff_doubles_to_thirty_seconds(void **state)
{
	int64_t d = 0;
	int64_t want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = video_backoff_next(d);
		assert_int_equal(d, want[i]);
	}
}

static void reads_codecs_from_ffmpeg_lines(void **state)
{
	char codec[32];

	(void)state;
	assert_true(video_codec_of_line("  Stream #0:0: Video: h264 (Main), "
					"yuvj420p(pc, bt709, progressive), "
					"2560x1440, 25 fps", codec, sizeof(codec)));
	assert_string_equal(codec, "h264");
	assert_true(video_codec_copyable(codec));
	assert_true(video_codec_of_line("  Stream #0:0[0x100]: Video: hevc "
					"(Main) ([36][0][0][0] / 0x0024)", codec,
					sizeof(codec)));
	assert_true(video_codec_copyable(codec));
	assert_true(video_codec_of_line("  Stream #0:0: Video: mjpeg (Baseline),"
					" yuvj422p", codec, sizeof(codec)));
	assert_false(video_codec_copyable(codec));
	assert_false(video_codec_of_line("  Stream #0:1: Audio: pcm_mulaw, "
					 "8000 Hz, mono", codec, sizeof(codec)));
	assert_false(video_codec_of_line("[hls @ 0x5] Opening 'x.ts' for writing",
					 codec, sizeof(codec)));
}

static bool has_pair(const char **argv, const char *a, const char *b)
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], a) && !strcmp(argv[i + 1], b))
			return true;
	return false;
}

static void builds_relay_command_lines(void **state)
{
	const char *argv[64];
	char scratch[256];
	struct err e = { 0 };

	(void)state;
	assert_int_equal(video_relay_argv("ffmpeg", "rtsp://h/x", "/v/cam-1",
					  false, argv, 64, scratch,
					  sizeof(scratch), &e), ERR_OK);
	assert_true(has_pair(argv, "-rtsp_transport", "tcp"));
	assert_true(has_pair(argv, "-c:v", "copy"));
	assert_true(has_pair(argv, "-hls_time", "2"));
	assert_true(has_pair(argv, "-hls_segment_filename", "/v/cam-1/%s.ts"));
	assert_true(has_pair(argv, "-i", "rtsp://h/x"));
	assert_true(has_pair(argv, "-analyzeduration", "500000"));
	assert_true(has_pair(argv, "/v/cam-1/%s.ts", "/v/cam-1/live.m3u8"));
	assert_int_equal(video_relay_argv("ffmpeg", "http://h/x.flv", "/v/c",
					  true, argv, 64, scratch,
					  sizeof(scratch), &e), ERR_OK);
	assert_true(has_pair(argv, "-c:v", "libx264"));
	assert_false(has_pair(argv, "-rtsp_transport", "tcp"));
	assert_int_equal(video_relay_argv("ffmpeg", "file:///etc/passwd", "/v/c",
					  false, argv, 64, scratch,
					  sizeof(scratch), &e), ERR_INVALID);
	assert_int_equal(video_relay_argv("ffmpeg", "rtsp://h/x", "/v/c", false,
					  argv, 10, scratch, sizeof(scratch),
					  &e), ERR_INTERNAL);
}

static void recording_playlists_cover_the_range(void **state)
{
	/* 2 s segments from t=1000, a gap, then 1100 and 1102 */
	struct video_seg s[] = { { 1000, 1 }, { 1002, 1 }, { 1004, 1 },
				 { 1100, 1 }, { 1102, 1 } };
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(video_recording_playlist(s, 5, 1003, 1101, "hls/", &b,
						  &e), ERR_OK);
	assert_non_null(strstr(b.data, "#EXTM3U\n"));
	assert_non_null(strstr(b.data, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
	assert_null(strstr(b.data, "hls/1000.ts"));
	assert_non_null(strstr(b.data, "#EXTINF:2.000,\nhls/1002.ts\n"));
	/* 1004 lasts until the gap's limit (2 s), then a discontinuity */
	assert_non_null(strstr(b.data, "hls/1004.ts\n#EXT-X-DISCONTINUITY\n"));
	assert_non_null(strstr(b.data, "hls/1100.ts\n#EXT-X-ENDLIST\n"));
	assert_null(strstr(b.data, "hls/1102.ts"));
	assert_non_null(strstr(b.data, "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:16:42"));
	buf_reset(&b);
	assert_int_equal(video_recording_playlist(s, 5, 2000, 3000, "hls/", &b,
						  &e), ERR_NOT_FOUND);
	assert_int_equal(video_recording_playlist(s, 0, 0, 3000, "hls/", &b,
						  &e), ERR_NOT_FOUND);
	buf_free(&b);
}

static void prunes_by_age_then_budget(void **state)
{
	struct video_seg s[12];

	(void)state;
	for (int i = 0; i < 12; i++)
		s[i] = (struct video_seg){ 1000 + 2 * i, 100 };
	/* keep 10 s at now 1030: starts before 1020 go (1000..1018: 10) but
	 * the newest 8 stay: 4 go */
	assert_int_equal(video_prune_count(s, 12, 1030, 10, 1u << 30, 8), 4);
	/* age keeps all; a budget of 500 bytes keeps 5, but 8 stay */
	assert_int_equal(video_prune_count(s, 12, 1030, 3600, 500, 8), 4);
	assert_int_equal(video_prune_count(s, 12, 1030, 3600, 500, 2), 7);
	assert_int_equal(video_prune_count(s, 12, 1030, 3600, 1200, 2), 0);
	assert_int_equal(video_prune_count(s, 0, 1030, 10, 0, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redacts_passwords),
		cmocka_unit_test(backoff_doubles_to_thirty_seconds),
		cmocka_unit_test(reads_codecs_from_ffmpeg_lines),
		cmocka_unit_test(builds_relay_command_lines),
		cmocka_unit_test(recording_playlists_cover_the_range),
		cmocka_unit_test(prunes_by_age_then_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
