/*
 * Cameras: the list with each one's state, the live HLS playlist and its
 * segments, snapshots taken from the stream, recorded ranges.  The work is
 * the video service's (src/video); these only translate.
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"
#include "video/video.h"

/*
 * A cold relay's first viewer is not kept waiting on a worker thread (a
 * wall of cold cameras would hold them all): it gets 503 with
 * Retry-After until the first segment is there, and asks again.
 */
#define LIVE_WAIT_MS 0
#define RECORDING_DEFAULT_MS 3600000

#define HLS_TYPE "application/vnd.apple.mpegurl"

int route_cameras_list(struct http_ctx *c)
{
	json_t *v = NULL;

	if (video_cameras(c->svc->video, &v, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, v);
}

static int reply_bytes(struct http_ctx *c, int rc, const char *type)
{
	if (rc) {
		if (rc == ERR_UNAVAILABLE || rc == ERR_LIMITED)
			c->retry_after_s = 1;
		return rc;
	}
	c->status = MHD_HTTP_OK;
	c->content_type = type;
	return ERR_OK;
}

int route_camera_live(struct http_ctx *c)
{
	buf_reset(&c->out);
	return reply_bytes(c, video_live(c->svc->video, c->params[0],
					 LIVE_WAIT_MS, &c->out, &c->err),
			   HLS_TYPE);
}

int route_camera_segment(struct http_ctx *c)
{
	buf_reset(&c->out);
	return reply_bytes(c, video_segment(c->svc->video, c->params[0],
					    c->params[1], &c->out, &c->err),
			   "video/mp2t");
}

int route_camera_snapshot(struct http_ctx *c)
{
	struct db_snapshot s;
	char taken[32];

	if (video_snapshot(c->svc->video, c->params[0], &s, &c->err))
		return c->err.code;
	time_format_iso(s.taken_ms, taken, sizeof(taken));
	return http_reply_json(c, MHD_HTTP_CREATED, json_pack(
		"{ss sI ss si si sI}", "device", s.device, "id", (json_int_t)s.id,
		"taken", taken, "width", (int)s.width, "height", (int)s.height,
		"bytes", (json_int_t)s.len));
}

/* A time parameter (see time_parse), or fallback when absent. */
static int time_arg(struct http_ctx *c, const char *key, int64_t now,
		    int64_t fallback, int64_t *out)
{
	const char *s = http_query(c, key);

	*out = fallback;
	if (s && time_parse(s, now, out, &c->err))
		return err_prefix(&c->err, "parameter '%s'", key);
	return ERR_OK;
}

int route_camera_recording(struct http_ctx *c)
{
	int64_t now = time_now_ms(), from, to;

	if (time_arg(c, "to", now, now, &to) ||
	    time_arg(c, "from", now, to - RECORDING_DEFAULT_MS, &from))
		return c->err.code;
	buf_reset(&c->out);
	return reply_bytes(c, video_recording(c->svc->video, c->params[0], from,
					      to, &c->out, &c->err), HLS_TYPE);
}
