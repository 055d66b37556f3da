/*
 * video: live camera relays, snapshots from the stream, recordings and
 * camera health.
 *
 * A camera is a device of kind `camera` whose equipment carries a
 * stream_url (RTSP, RTMP, HTTP-FLV or HLS).  For a camera someone watches,
 * the service runs Debian's ffmpeg as a supervised child (relay.c): its own
 * process group, stdin closed, stderr read and summarised into the log,
 * restarted with exponential backoff (1 s doubling to 30 s) when it dies,
 * stopped after idle_ms without a viewer and at shutdown (SIGTERM to the
 * group, SIGKILL 3 s later).  ffmpeg copies H.264/H.265 into HLS (MPEG-TS
 * segments, 2 s target) under DIR/video/CAMERA/, each segment named by the
 * UNIX second it starts; another codec is re-encoded to H.264.  Audio is
 * dropped (cameras' G.711 does not play in browsers).
 *
 * With opts.record, every camera with a stream_url (the first
 * max_recordings of them, in the order the store lists them) is relayed all
 * the time, watched or not, so that its last keep_ms are recorded; its one
 * relay also serves its live viewers.  Other cameras are relayed while
 * watched.
 *
 * Invariants:
 *  1. At most max_relays ffmpeg relays run at once for viewers of cameras
 *     not recorded (a viewer beyond that gets ERR_LIMITED), and at most
 *     max_recordings for recorded cameras.
 *  2. Every child started is waited for: by the supervisor when it exits,
 *     by video_close at the end (no zombie, no orphan group).
 *  3. A camera's folder holds at most keep_ms of segments and at most
 *     budget_bytes (the oldest go first), but never fewer than the newest
 *     8, which the live playlist names.
 *  4. A stream URL's password never leaves the service: answers and log
 *     lines carry the URL redacted (rtsp://user:***@host/...).
 *
 * Health: a relay that exits, cannot connect, or writes no new segment for
 * stall_ms makes its camera `offline` with the reason; so does a periodic
 * snapshot that fails.  Going offline raises the camera's plot's alert of
 * template `camera_offline` through the monitoring; the picture coming
 * back (a new segment, a snapshot) clears it.
 *
 * The clock is injected (opts.now) and the threads can be left out
 * (opts.tick_ms 0) so that tests drive video_tick themselves.
 */
#ifndef OASIS_VIDEO_VIDEO_H
#define OASIS_VIDEO_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "util/buf.h"
#include "util/err.h"

struct fleet;
struct alerts;
struct video;

struct video_opts {
	const char *dir;            /* segments go to DIR/CAMERA/ (required) */
	const char *ffmpeg;         /* program; NULL: "ffmpeg" from PATH */
	unsigned max_relays;        /* 0: 16 */
	int64_t idle_ms;            /* stop a relay unwatched this long; 0: 60 s */
	int64_t stall_ms;           /* no new segment this long: offline; 0: 15 s */
	int64_t snapshot_every_ms;  /* periodic snapshots; 0: 10 min; <0: off */
	int64_t keep_ms;            /* recordings kept; 0: 24 h */
	uint64_t budget_bytes;      /* per camera; 0: 2 GiB */
	bool record;                /* relay (record) every camera always */
	unsigned max_recordings;    /* cameras recorded at most; 0: 32 */
	unsigned tick_ms;           /* supervisor period; 0: no threads */
	int64_t (*now)(void *ctx);  /* NULL: the wall clock */
	void *now_ctx;
};

/* The fleet stores snapshots; the alerts (may be NULL) get camera_offline. */
int video_open(struct db *db, struct fleet *fleet, struct alerts *alerts,
	       const struct video_opts *o, struct video **out, struct err *e);
/* Stop every relay (SIGTERM, then SIGKILL), wait for them, free. */
void video_close(struct video *v);

/* The relays and the cameras' health now, for GET /metrics. */
struct video_stats {
	unsigned relays;            /* ffmpeg relays running */
	unsigned max_relays;        /* at most at once */
	unsigned cameras;
	unsigned streaming, idle, offline;
};
void video_stats(struct video *v, struct video_stats *out);

/* One supervisor pass: reap, read stderr, restart, stop idle, prune. */
void video_tick(struct video *v);
/*
 * The alerts' on_open hook (ctx: the video; cli/serve.c registers it): an
 * alert opened on a plot with a camera gets, on the snapshot thread, that
 * camera's snapshot (its newest if under a minute old, else one taken
 * now), recorded with alerts_set_snapshot.  Never blocks.
 */
void video_alert_opened(const struct db_alert *al, void *ctx);
/* One pass of alerts' and periodic snapshots (the snapshot thread calls it). */
void video_snapshot_tick(struct video *v);

/*
 * Every camera: id, plot, name, stream_url (redacted), state
 * (streaming|idle|offline), error, since, and the newest snapshot's id and
 * time.  A new reference in *out.
 */
int video_cameras(struct video *v, json_t **out, struct err *e);

/*
 * The live playlist of a camera, starting its relay when none runs and
 * waiting up to wait_ms for the first segments.  ERR_NOT_FOUND for no such
 * camera, ERR_INVALID without a stream_url, ERR_LIMITED past max_relays,
 * ERR_UNAVAILABLE (with the reason) when it is offline or not ready yet.
 */
int video_live(struct video *v, const char *camera, int64_t wait_ms,
	       struct buf *out, struct err *e);
/* A segment's bytes (name: digits ".ts"), live or recorded. */
int video_segment(struct video *v, const char *camera, const char *name,
		  struct buf *out, struct err *e);
/* A VOD playlist of the recorded segments between from and to (ms). */
int video_recording(struct video *v, const char *camera, int64_t from_ms,
		    int64_t to_ms, struct buf *out, struct err *e);
/*
 * Take a snapshot now: one frame of the live relay's newest segment, or of
 * the source when no relay runs; stored as the camera's snapshot (*out
 * without bytes).
 */
int video_snapshot(struct video *v, const char *camera,
		   struct db_snapshot *out, struct err *e);

/* ---- pure parts (video_core.c), tested alone ------------------------------ */

/* url with its password replaced by *** (user kept); always terminated. */
void video_url_redact(const char *url, char *out, size_t size);
/* Every "scheme://user:password@" in a line of text redacted in place. */
void video_text_redact(char *text, size_t size);
/* The next restart delay after delay_ms (1 s, doubling, at most 30 s). */
int64_t video_backoff_next(int64_t delay_ms);
/*
 * The codec of the first video stream that an ffmpeg "Stream #0:0...:
 * Video: CODEC ..." line names, or false for another line.
 */
bool video_codec_of_line(const char *line, char *codec, size_t size);
/* Whether browsers play the codec through HLS without re-encoding. */
bool video_codec_copyable(const char *codec);
/*
 * ffmpeg's arguments for a relay of url into dir (NULL-terminated, into
 * argv[max]; the strings point into url, dir, or scratch[scratch_size]).
 */
int video_relay_argv(const char *ffmpeg, const char *url, const char *dir,
		     bool transcode, const char **argv, size_t max,
		     char *scratch, size_t scratch_size, struct err *e);

/* A recorded segment: the UNIX second it starts and its size. */
struct video_seg {
	int64_t start_s;
	uint64_t bytes;
};

/*
 * A VOD playlist of segs (sorted by start) overlapping [from_s, to_s]: a
 * segment lasts until the next one starts (at most 10 s, the last 2 s); a
 * gap is a discontinuity.  ERR_NOT_FOUND when none overlaps.
 */
int video_recording_playlist(const struct video_seg *segs, size_t n,
			     int64_t from_s, int64_t to_s, const char *prefix,
			     struct buf *out, struct err *e);
/*
 * How many of segs (sorted by start, oldest first) to delete: those that
 * started before now_s - keep_s, then the oldest until the rest fit in
 * budget; never any of the newest keep_min.
 */
size_t video_prune_count(const struct video_seg *segs, size_t n, int64_t now_s,
			 int64_t keep_s, uint64_t budget, size_t keep_min);

#endif
