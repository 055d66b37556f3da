/*
 * The pure parts of the video service: redacting stream URLs, ffmpeg's
 * command line, the restart backoff, reading ffmpeg's stream lines,
 * recording playlists and which segments to delete.  No I/O, no clock.
 */
#include "video/video.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/url.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A recorded segment lasts at most this long (a longer gap is a break). */
#define SEG_MAX_S 10
#define SEG_LAST_S 2

void video_url_redact(const char *url, char *out, size_t size)
{
	url_redact(url, out, size);
}

void video_text_redact(char *text, size_t size)
{
	url_redact_text(text, size);
}

int64_t video_backoff_next(int64_t delay_ms)
{
	if (delay_ms < BACKOFF_FIRST_MS)
		return BACKOFF_FIRST_MS;
	return delay_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : delay_ms * 2;
}

bool video_codec_of_line(const char *line, char *codec, size_t size)
{
	const char *v;
	size_t n;

	if (!strstr(line, "Stream #") || !(v = strstr(line, ": Video: ")))
		return false;
	v += 9;
	n = strcspn(v, " ,(");
	if (!n || n >= size)
		return false;
	memcpy(codec, v, n);
	codec[n] = '\0';
	return true;
}

bool video_codec_copyable(const char *codec)
{
	return !strcmp(codec, "h264") || !strcmp(codec, "hevc");
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

int video_relay_argv(const char *ffmpeg, const char *url, const char *dir,
		     bool transcode, const char **argv, size_t max,
		     char *scratch, size_t scratch_size, struct err *e)
{
	static const char *const copy[] = { "-c:v", "copy", NULL };
	static const char *const x264[] = {
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
		"-pix_fmt", "yuv420p", "-force_key_frames", "expr:gte(t,n_forced*2)",
		NULL };
	static const char *const hls[] = {
		"-f", "hls", "-hls_time", "2", "-hls_init_time", "0.5",
		"-hls_list_size", "6",
		"-hls_flags", "independent_segments+program_date_time+temp_file",
		"-strftime", "1", "-hls_base_url", "hls/", "-hls_segment_filename",
		NULL };
	size_t n = 0;
	int w;

#define PUT(s) do { if (n + 2 > max) goto full; argv[n++] = (s); } while (0)
	PUT(ffmpeg);
	PUT("-nostdin"); PUT("-hide_banner"); PUT("-nostats");
	PUT("-loglevel"); PUT("info");
	if (has_prefix(url, "rtsp://") || has_prefix(url, "rtsps://")) {
		PUT("-rtsp_transport"); PUT("tcp");
		PUT("-timeout"); PUT("5000000");
	} else if (has_prefix(url, "rtmp") || has_prefix(url, "http")) {
		PUT("-rw_timeout"); PUT("5000000");
	} else {
		return err_set(e, ERR_INVALID, "stream_url: unsupported scheme "
			       "(rtsp, rtsps, rtmp, http, https)");
	}
	/*
	 * Stream parameters from the first 0.5 s, not ffmpeg's default 5 s
	 * window: a cold start's first segment comes about a second sooner
	 * (docs/BENCHMARKS.md, "Live video").
	 */
	PUT("-analyzeduration"); PUT("500000");
	PUT("-i"); PUT(url);
	PUT("-map"); PUT("0:v:0"); PUT("-an");
	for (const char *const *a = transcode ? x264 : copy; *a; a++)
		PUT(*a);
	for (const char *const *a = hls; *a; a++)
		PUT(*a);
	w = snprintf(scratch, scratch_size, "%s/%%s.ts", dir);
	if (w < 0 || (size_t)w * 2 + 16 >= scratch_size)
		return err_set(e, ERR_INVALID, "video folder path too long");
	PUT(scratch);
	snprintf(scratch + w + 1, scratch_size - (size_t)w - 1,
		 "%s/live.m3u8", dir);
	PUT(scratch + w + 1);
	argv[n] = NULL;
	return ERR_OK;
full:
	return err_set(e, ERR_INTERNAL, "ffmpeg arguments: more than %zu", max);
#undef PUT
}

int video_recording_playlist(const struct video_seg *segs, size_t n,
			     int64_t from_s, int64_t to_s, const char *prefix,
			     struct buf *out, struct err *e)
{
	struct buf body = BUF_INIT;
	int64_t prev_end = INT64_MIN, max_len = 1;
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t start = segs[i].start_s, len = SEG_LAST_S;
		char iso[32];

		if (i + 1 < n) {
			len = segs[i + 1].start_s - start;
			if (len > SEG_MAX_S || len <= 0)
				len = len <= 0 ? 1 : SEG_LAST_S;
		}
		if (start + len <= from_s || start > to_s)
			continue;
		if (count && start != prev_end)
			buf_puts(&body, "#EXT-X-DISCONTINUITY\n");
		time_format_iso(start * 1000, iso, sizeof(iso));
		buf_printf(&body, "#EXT-X-PROGRAM-DATE-TIME:%s\n"
			   "#EXTINF:%" PRId64 ".000,\n%s%" PRId64 ".ts\n",
			   iso, len, prefix, start);
		prev_end = start + len;
		if (len > max_len)
			max_len = len;
		count++;
	}
	if (!count) {
		buf_free(&body);
		return err_set(e, ERR_NOT_FOUND, "no recording in that range");
	}
	buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n"
		   "#EXT-X-TARGETDURATION:%" PRId64 "\n#EXT-X-MEDIA-SEQUENCE:0\n",
		   max_len);
	buf_append(out, body.data, body.len);
	buf_puts(out, "#EXT-X-ENDLIST\n");
	buf_free(&body);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

size_t video_prune_count(const struct video_seg *segs, size_t n, int64_t now_s,
			 int64_t keep_s, uint64_t budget, size_t keep_min)
{
	size_t limit = n > keep_min ? n - keep_min : 0, k = 0;
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += segs[i].bytes;
	while (k < limit && segs[k].start_s < now_s - keep_s)
		total -= segs[k++].bytes;
	while (k < limit && total > budget)
		total -= segs[k++].bytes;
	return k;
}
