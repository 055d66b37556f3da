/*
 * The video service: the cameras it knows, their relays' supervision
 * (video_tick), periodic snapshots (video_snapshot_tick), health and the
 * answers the routes serve.  See video.h for the invariants.
 */
#include "video/video.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert/alerts.h"
#include "auth/auth.h"
#include "fleet/fleet.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "video/video_internal.h"

#define DEFAULT_MAX_RELAYS 16
#define DEFAULT_MAX_RECORDINGS 32
#define DEFAULT_IDLE_MS 60000
#define DEFAULT_STALL_MS 15000
#define DEFAULT_SNAPSHOT_MS (10 * 60000)
#define DEFAULT_KEEP_MS (24 * 3600000LL)
#define DEFAULT_BUDGET (2ULL << 30)
#define KILL_AFTER_MS 3000
#define PRUNE_EVERY_MS 10000
#define RELOAD_EVERY_MS 30000
#define KEEP_NEWEST 8
#define SNAPSHOT_TIMEOUT_MS 15000
#define FIRST_SNAPSHOT_MS 30000
#define SNAPSHOT_MAX_BYTES (8u << 20)
#define REASON_MAX 256
#define ALERTS_PENDING_MAX 64
#define ALERT_SNAPSHOT_FRESH_MS 60000
/* The folder's path: room for a camera, a file name and a suffix in PATH_MAX. */
#define DIR_MAX (PATH_MAX - 2 * DB_NAME_MAX - 64)

enum cam_state { CAM_IDLE, CAM_STREAMING, CAM_OFFLINE };
static const char *const state_names[] = { "idle", "streaming", "offline" };

struct cam {
	char id[DB_NAME_MAX];
	char plot[DB_CODE_MAX];
	char name[DB_TEXT_MAX];
	char url[DB_URL_MAX];
	double lon, lat;
	/* the relay */
	pid_t pid;                 /* 0: none runs */
	int err_fd;
	struct buf line;           /* stderr's unfinished line */
	char last_line[REASON_MAX];
	unsigned lines;            /* stderr lines of this run */
	bool transcode;            /* the source's codec needs re-encoding */
	bool stopping;             /* we asked it to stop (idle, stall, codec) */
	char stop_reason[REASON_MAX]; /* "" for a stop that is no failure */
	int64_t started_ms, last_view_ms, retry_ms, backoff_ms, term_ms;
	int64_t seg_seen_ms;       /* when the playlist last changed */
	struct timespec pl_mtime;  /* the playlist's mtime then */
	off_t pl_size;
	bool produced;             /* this run wrote a playlist */
	/* health */
	enum cam_state state;
	char reason[REASON_MAX];
	int64_t since_ms;
	int64_t snap_ms;           /* last periodic snapshot attempt */
	int64_t pruned_ms;
	bool judged;               /* its health was seen since the start */
	bool recorded;             /* relayed always (opts.record) */
	bool unrecorded_said;      /* logged that max_recordings leaves it out */
	bool budget_said;          /* logged that the budget cuts the recording */
};

struct video {
	struct db *db;
	struct fleet *fleet;
	struct alerts *alerts;
	struct video_opts o;
	char dir[DIR_MAX];
	char ffmpeg[PATH_MAX];
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct cam **cams;
	size_t n, cap;
	unsigned running;
	int64_t loaded_ms;
	bool stop, threads;
	pthread_t sup, snap;
	/* alerts opened on plots, waiting for their camera's snapshot */
	pthread_mutex_t pend_lock;
	struct { int64_t id; char plot[DB_CODE_MAX]; } pend[ALERTS_PENDING_MAX];
	size_t n_pend;
};

static int64_t now_of(struct video *v)
{
	return v->o.now ? v->o.now(v->o.now_ctx) : time_now_ms();
}

/* ---- the cameras ------------------------------------------------------------ */

static struct cam *cam_find(struct video *v, const char *id)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->cams[i]->id, id))
			return v->cams[i];
	return NULL;
}

static struct cam *cam_add(struct video *v, const char *id)
{
	struct cam *c;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct cam **grown = realloc(v->cams, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		v->cams = grown;
		v->cap = cap;
	}
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->err_fd = -1;
	/* the first periodic snapshots 30 s after the start, 5 s apart */
	c->snap_ms = now_of(v) - v->o.snapshot_every_ms + FIRST_SNAPSHOT_MS +
		     (int64_t)(v->n % 120) * 5000;
	c->last_view_ms = INT64_MIN / 2;
	v->cams[v->n++] = c;
	return c;
}

/* Copy a device row and its equipment into the camera (under the lock). */
static void cam_update(struct video *v, const struct db_device *d,
		       const char *url)
{
	struct cam *c = cam_find(v, d->id);

	if (!c && !(c = cam_add(v, d->id))) {
		log_error("video: out of memory adding camera %s", d->id);
		return;
	}
	snprintf(c->plot, sizeof(c->plot), "%s", d->plot);
	snprintf(c->name, sizeof(c->name), "%s", d->name);
	c->lon = d->lon;
	c->lat = d->lat;
	if (strcmp(c->url, url)) {
		snprintf(c->url, sizeof(c->url), "%s", url);
		c->transcode = false;
		c->retry_ms = 0;
		c->backoff_ms = 0;
		if (c->pid && !c->stopping) { /* a new source: start again */
			c->stopping = true;
			c->stop_reason[0] = '\0';
			c->term_ms = now_of(v);
			video__signal(c->pid, SIGTERM);
		}
	}
}

struct loaded {
	struct db_device *devs;
	size_t n, cap;
};

static int collect_camera(const struct db_device *d, void *ctx)
{
	struct loaded *l = ctx;

	if (d->deleted_ms || strcmp(d->kind, "camera"))
		return ERR_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct db_device *grown = realloc(l->devs, cap * sizeof(*grown));

		if (!grown)
			return ERR_NOMEM;
		l->devs = grown;
		l->cap = cap;
	}
	l->devs[l->n++] = *d;
	return ERR_OK;
}

/*
 * A camera deleted from the store (or no longer of kind camera) loses its
 * source: its relay stops and it is not recorded any more (locked).
 */
static void cams_gone(struct video *v, const struct loaded *l)
{
	for (size_t i = 0; i < v->n; i++) {
		struct cam *c = v->cams[i];
		size_t j = 0;

		while (j < l->n && strcmp(l->devs[j].id, c->id))
			j++;
		if (j < l->n || !c->url[0])
			continue;
		c->url[0] = '\0';
		if (c->pid && !c->stopping) {
			c->stopping = true;
			c->stop_reason[0] = '\0';
			c->term_ms = now_of(v);
			video__signal(c->pid, SIGTERM);
		}
	}
}

/* Read every camera and its stream URL from the store (not under the lock). */
static int load_cameras(struct video *v, struct err *e)
{
	struct loaded l = { 0 };
	char (*urls)[DB_URL_MAX] = NULL;
	int rc;

	if ((rc = db_device_list(v->db, NULL, collect_camera, &l, e)))
		goto out;
	if (l.n && !(urls = calloc(l.n, sizeof(*urls)))) {
		rc = err_nomem(e);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct db_equipment q;
		struct err ignored = { 0 };

		if (!db_equipment_get(v->db, l.devs[i].id, &q, &ignored))
			snprintf(urls[i], DB_URL_MAX, "%s", q.stream_url);
	}
	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < l.n; i++)
		cam_update(v, &l.devs[i], urls[i]);
	cams_gone(v, &l);
	v->loaded_ms = now_of(v);
	pthread_mutex_unlock(&v->lock);
out:
	free(urls);
	free(l.devs);
	return rc;
}

/* The camera id, read from the store when it is new (not under the lock). */
static int cam_load_one(struct video *v, const char *id, struct err *e)
{
	struct db_device d;
	struct db_equipment q;
	struct err ignored = { 0 };
	int rc;

	if ((rc = db_device_get(v->db, id, &d, e)))
		return rc;
	if (d.deleted_ms || strcmp(d.kind, "camera"))
		return err_set(e, ERR_NOT_FOUND, "no camera '%s'", id);
	q.stream_url[0] = '\0';
	db_equipment_get(v->db, id, &q, &ignored);
	pthread_mutex_lock(&v->lock);
	cam_update(v, &d, q.stream_url);
	pthread_mutex_unlock(&v->lock);
	return ERR_OK;
}

/* The camera, locked in: v->lock is held on success. */
static int cam_lock(struct video *v, const char *id, struct cam **out,
		    struct err *e)
{
	pthread_mutex_lock(&v->lock);
	if ((*out = cam_find(v, id)))
		return ERR_OK;
	pthread_mutex_unlock(&v->lock);
	if (cam_load_one(v, id, e))
		return e->code;
	pthread_mutex_lock(&v->lock);
	if ((*out = cam_find(v, id)))
		return ERR_OK;
	pthread_mutex_unlock(&v->lock);
	return err_set(e, ERR_NOT_FOUND, "no camera '%s'", id);
}

static void cam_dir(const struct video *v, const struct cam *c, char *out,
		    size_t size)
{
	snprintf(out, size, "%s/%s", v->dir, c->id);
}

/* ---- health -------------------------------------------------------------- */

static bool plot_has_offline(struct video *v, const char *plot)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->cams[i]->state == CAM_OFFLINE &&
		    !strcmp(v->cams[i]->plot, plot))
			return true;
	return false;
}

/*
 * Raise or clear c's own camera_offline alert (subject: the camera's id;
 * locked).  A clear also closes the per-plot alert (subject: the plot)
 * that versions before per-camera alerts raised, once no camera of the
 * plot is offline.
 */
static void cam_alert(struct video *v, struct cam *c, bool raise)
{
	char msg[REASON_MAX + 96];
	struct err e = { 0 };
	int rc;

	if (!v->alerts)
		return;
	if (raise) {
		snprintf(msg, sizeof(msg), "camera %s: %s", c->id, c->reason);
		rc = alerts_raise_device(v->alerts, "camera_offline", c->id,
					 c->plot, msg, NULL, &e);
	} else {
		rc = alerts_clear_device(v->alerts, "camera_offline", c->id,
					 c->plot, &e);
		if (!rc && c->plot[0] && !plot_has_offline(v, c->plot))
			rc = alerts_clear_external(v->alerts, "camera_offline",
						   c->plot, &e);
	}
	if (rc)
		log_warn("video: the alert of camera %s: %s", c->id, e.msg);
}

/*
 * Move c to state with reason; raise or clear its plot's alert (locked).
 * The first good news after a start also clears an alert a previous run
 * left open.
 */
static void cam_set_state(struct video *v, struct cam *c, enum cam_state st,
			  const char *reason)
{
	bool first = !c->judged;

	c->judged = true;
	if (st == CAM_OFFLINE)
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (c->state == st) {
		if (first && st != CAM_OFFLINE)
			cam_alert(v, c, false);
		return;
	}
	if (st == CAM_OFFLINE)
		log_warn("video: camera %s is offline: %s", c->id, reason);
	else if (c->state == CAM_OFFLINE)
		log_info("video: camera %s is back (%s)", c->id,
			 state_names[st]);
	if (st != CAM_OFFLINE)
		c->reason[0] = '\0';
	c->since_ms = now_of(v);
	c->state = st;
	cam_alert(v, c, st == CAM_OFFLINE);
}

/* ---- the relays ---------------------------------------------------------- */

static int relay_start(struct video *v, struct cam *c, struct err *e)
{
	const char *argv[64];
	char scratch[2 * PATH_MAX + 64], dir[PATH_MAX], url[DB_URL_MAX];

	cam_dir(v, c, dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return err_set(e, ERR_IO, "video folder %s: %s", dir,
			       strerror(errno));
	snprintf(scratch, sizeof(scratch), "%s/live.m3u8", dir);
	unlink(scratch); /* a stale playlist is never served */
	if (video_relay_argv(v->ffmpeg, c->url, dir, c->transcode, argv, 64,
			     scratch, sizeof(scratch), e) ||
	    video__spawn(argv, true, &c->pid, &c->err_fd, e))
		return e->code;
	v->running++;
	c->started_ms = c->seg_seen_ms = now_of(v);
	c->lines = 0;
	c->last_line[0] = c->stop_reason[0] = '\0';
	c->stopping = c->produced = false;
	c->term_ms = 0;
	c->pl_size = -1;
	buf_reset(&c->line);
	video_url_redact(c->url, url, sizeof(url));
	log_info("video: camera %s: relay started (pid %d, %s, %s)", c->id,
		 (int)c->pid, url, c->transcode ? "re-encoding to H.264" :
		 "copying");
	return ERR_OK;
}

static void relay_stop(struct video *v, struct cam *c, const char *reason)
{
	if (!c->pid || c->stopping)
		return;
	c->stopping = true;
	snprintf(c->stop_reason, sizeof(c->stop_reason), "%s", reason);
	c->term_ms = now_of(v);
	video__signal(c->pid, SIGTERM);
}

/* One whole line ffmpeg wrote on stderr. */
static void relay_line(struct video *v, struct cam *c, char *line)
{
	char codec[32];

	c->lines++;
	if (strstr(line, "Opening '") || !line[0])
		return; /* a new segment: no news */
	video_text_redact(line, strlen(line) + 1);
	if (!c->produced && video_codec_of_line(line, codec, sizeof(codec)) &&
	    !c->transcode && !video_codec_copyable(codec)) {
		log_info("video: camera %s sends %s: re-encoding to H.264",
			 c->id, codec);
		c->transcode = true;
		relay_stop(v, c, "");
		c->retry_ms = 0;
	}
	snprintf(c->last_line, sizeof(c->last_line), "%s", line);
	log_debug("video: camera %s: ffmpeg: %s", c->id, line);
}

static void relay_read(struct video *v, struct cam *c)
{
	char tmp[4096];
	ssize_t n;

	while ((n = read(c->err_fd, tmp, sizeof(tmp))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (tmp[i] != '\n' && tmp[i] != '\r') {
				if (c->line.len < 1024)
					buf_putc(&c->line, tmp[i]);
				continue;
			}
			if (c->line.len)
				relay_line(v, c, c->line.data);
			buf_reset(&c->line);
		}
	}
}

/* The relay ended: say why, and when it should start again. */
static void relay_reaped(struct video *v, struct cam *c, int status)
{
	int64_t now = now_of(v), ran = now - c->started_ms;
	char why[REASON_MAX + 64];

	close(c->err_fd);
	c->err_fd = -1;
	c->pid = 0;
	v->running--;
	if (c->stopping && !c->stop_reason[0]) {
		log_info("video: camera %s: relay stopped after %" PRId64 " s "
			 "(%u lines from ffmpeg)", c->id, ran / 1000, c->lines);
		if (c->state == CAM_STREAMING)
			cam_set_state(v, c, CAM_IDLE, "");
		return;
	}
	if (c->stopping)
		snprintf(why, sizeof(why), "%s", c->stop_reason);
	else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "ffmpeg exited with status %d: %s",
			 WEXITSTATUS(status), c->last_line[0] ? c->last_line :
			 "no message");
	else
		snprintf(why, sizeof(why), "ffmpeg killed by signal %d",
			 WTERMSIG(status));
	if (c->produced)
		c->backoff_ms = 0;
	c->backoff_ms = video_backoff_next(c->backoff_ms);
	c->retry_ms = now + c->backoff_ms;
	log_warn("video: camera %s: relay ended after %" PRId64 " s (%u lines "
		 "from ffmpeg): %s; again in %" PRId64 " s", c->id, ran / 1000,
		 c->lines, why, c->backoff_ms / 1000);
	cam_set_state(v, c, CAM_OFFLINE, why);
}

/* Has the playlist changed since the last look? */
static void relay_watch(struct video *v, struct cam *c, int64_t now)
{
	char path[PATH_MAX + 16], why[REASON_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/live.m3u8", v->dir, c->id);
	if (!stat(path, &st) && (st.st_size != c->pl_size ||
				 st.st_mtim.tv_sec != c->pl_mtime.tv_sec ||
				 st.st_mtim.tv_nsec != c->pl_mtime.tv_nsec)) {
		c->pl_size = st.st_size;
		c->pl_mtime = st.st_mtim;
		c->seg_seen_ms = now;
		c->produced = true;
		c->backoff_ms = 0;
		if (!c->stopping)
			cam_set_state(v, c, CAM_STREAMING, "");
		return;
	}
	if (c->stopping || now - c->seg_seen_ms < v->o.stall_ms)
		return;
	if (c->produced)
		snprintf(why, sizeof(why), "stalled: no new segment for %" PRId64
			 " s", (now - c->seg_seen_ms) / 1000);
	else
		snprintf(why, sizeof(why), "no picture %" PRId64 " s after "
			 "connecting%s%.180s", (now - c->started_ms) / 1000,
			 c->last_line[0] ? ": " : "", c->last_line);
	relay_stop(v, c, why);
}

/* Relays running for viewers of cameras not recorded (locked). */
static unsigned viewer_relays(const struct video *v)
{
	unsigned n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += v->cams[i]->pid && !v->cams[i]->recorded;
	return n;
}

/* Whether another relay may start for c (locked). */
static bool relay_room(const struct video *v, const struct cam *c)
{
	return c->recorded || viewer_relays(v) < v->o.max_relays;
}

/*
 * Which cameras are recorded: with opts.record, the first max_recordings
 * with a stream_url (locked).
 */
static void choose_recorded(struct video *v)
{
	unsigned k = 0;

	for (size_t i = 0; i < v->n; i++) {
		struct cam *c = v->cams[i];

		c->recorded = v->o.record && c->url[0] &&
			      k < v->o.max_recordings;
		k += c->recorded;
		if (v->o.record && c->url[0] && !c->recorded &&
		    !c->unrecorded_said) {
			log_warn("video: camera %s is not recorded: %u cameras are "
				 "already (--max-recordings); it is relayed "
				 "only while watched", c->id, v->o.max_recordings);
			c->unrecorded_said = true;
		}
	}
}

static void relay_supervise(struct video *v, struct cam *c, int64_t now)
{
	bool wanted = c->recorded || now - c->last_view_ms < v->o.idle_ms;
	int status;
	pid_t r;

	if (c->pid) {
		relay_read(v, c);
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			relay_reaped(v, c, r == c->pid ? status : 0);
		} else {
			relay_watch(v, c, now);
			if (!wanted)
				relay_stop(v, c, "");
			if (c->stopping && now - c->term_ms > KILL_AFTER_MS)
				video__signal(c->pid, SIGKILL);
		}
	}
	if (!c->pid && wanted && c->url[0] && now >= c->retry_ms &&
	    relay_room(v, c)) {
		struct err e = { 0 };

		if (relay_start(v, c, &e)) {
			c->backoff_ms = video_backoff_next(c->backoff_ms);
			c->retry_ms = now + c->backoff_ms;
			cam_set_state(v, c, CAM_OFFLINE, e.msg);
		}
	}
}

/* ---- recordings on disk ------------------------------------------------------ */

static int seg_cmp(const void *a, const void *b)
{
	const struct video_seg *x = a, *y = b;

	return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

/* A segment's start from its name ("1782900000.ts"), or -1. */
static int64_t seg_name(const char *name)
{
	int64_t s = 0;
	const char *p = name;

	for (; *p >= '0' && *p <= '9'; p++)
		if (p - name > 15)
			return -1;
		else
			s = s * 10 + (*p - '0');
	return p > name && !strcmp(p, ".ts") ? s : -1;
}

/* The segments in dir, sorted; *out the caller's to free. */
static int segs_list(const char *dir, struct video_seg **out, size_t *n,
		     struct err *e)
{
	struct video_seg *segs = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? ERR_OK :
		       err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		int64_t s = seg_name(de->d_name);
		struct stat st;

		if (s < 0 || fstatat(dirfd(d), de->d_name, &st, 0))
			continue;
		if (*n == cap) {
			struct video_seg *g;

			cap = cap ? cap * 2 : 256;
			if (!(g = realloc(segs, cap * sizeof(*g)))) {
				free(segs);
				closedir(d);
				return err_nomem(e);
			}
			segs = g;
		}
		segs[(*n)++] = (struct video_seg){ s, (uint64_t)st.st_size };
	}
	closedir(d);
	if (*n)
		qsort(segs, *n, sizeof(*segs), seg_cmp);
	*out = segs;
	return ERR_OK;
}

static void prune(struct video *v, struct cam *c, int64_t now)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct video_seg *segs;
	struct err e = { 0 };
	size_t n, k;

	c->pruned_ms = now;
	cam_dir(v, c, dir, sizeof(dir));
	if (segs_list(dir, &segs, &n, &e)) {
		log_warn("video: camera %s: %s", c->id, e.msg);
		return;
	}
	k = video_prune_count(segs, n, now / 1000, v->o.keep_ms / 1000,
			      v->o.budget_bytes, KEEP_NEWEST);
	for (size_t i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/%" PRId64 ".ts", dir,
			 segs[i].start_s);
		unlink(path);
	}
	/* the budget, not the age, cut: say once how much it holds */
	if (k && k < n && segs[k - 1].start_s >= now / 1000 - v->o.keep_ms / 1000 &&
	    !c->budget_said) {
		log_warn("video: camera %s: --video-budget holds %.1f h of the %.1f h "
			 "of --video-keep", c->id,
			 (double)(now / 1000 - segs[k].start_s) / 3600.0,
			 (double)v->o.keep_ms / 3600000.0);
		c->budget_said = true;
	}
	if (k)
		log_debug("video: camera %s: %zu old segments deleted", c->id, k);
	free(segs);
}

void video_tick(struct video *v)
{
	int64_t now = now_of(v);

	pthread_mutex_lock(&v->lock);
	choose_recorded(v);
	for (size_t i = 0; i < v->n; i++) {
		struct cam *c = v->cams[i];

		relay_supervise(v, c, now);
		if (now - c->pruned_ms >= PRUNE_EVERY_MS)
			prune(v, c, now);
	}
	pthread_mutex_unlock(&v->lock);
}

/* ---- snapshots --------------------------------------------------------------- */

/* The newest segment of a running relay into path, or false. */
static bool newest_segment(struct video *v, struct cam *c, char *path,
			   size_t size)
{
	char dir[PATH_MAX];
	struct video_seg *segs;
	struct err e = { 0 };
	size_t n;
	bool ok;

	if (!c->pid || !c->produced)
		return false;
	cam_dir(v, c, dir, sizeof(dir));
	if (segs_list(dir, &segs, &n, &e) || !n)
		return false;
	ok = snprintf(path, size, "%s/%" PRId64 ".ts", dir,
		      segs[n - 1].start_s) < (int)size;
	free(segs);
	return ok;
}

static int grab_frame(struct video *v, const char *src, bool from_source,
		      struct buf *jpeg, struct err *e)
{
	const char *argv[32];
	char line[REASON_MAX];
	size_t n = 0;

	argv[n++] = v->ffmpeg;
	argv[n++] = "-nostdin";
	argv[n++] = "-hide_banner";
	argv[n++] = "-loglevel";
	argv[n++] = "error";
	if (from_source && !strncmp(src, "rtsp", 4)) {
		argv[n++] = "-rtsp_transport";
		argv[n++] = "tcp";
		argv[n++] = "-timeout";
		argv[n++] = "5000000";
	}
	argv[n++] = "-i";
	argv[n++] = src;
	argv[n++] = "-frames:v";
	argv[n++] = "1";
	argv[n++] = "-an";
	argv[n++] = "-f";
	argv[n++] = "image2pipe";
	argv[n++] = "-c:v";
	argv[n++] = "mjpeg";
	argv[n++] = "-q:v";
	argv[n++] = "3";
	argv[n++] = "pipe:1";
	argv[n] = NULL;
	if (video__run(argv, SNAPSHOT_TIMEOUT_MS, SNAPSHOT_MAX_BYTES, jpeg, line,
		       sizeof(line), e))
		return e->code;
	if (!jpeg->len)
		return err_set(e, ERR_UNAVAILABLE, "no frame: %s",
			       line[0] ? line : "the stream gave none");
	return buf_failed(jpeg) ? err_nomem(e) : ERR_OK;
}

int video_snapshot(struct video *v, const char *camera,
		   struct db_snapshot *out, struct err *e)
{
	struct auth_identity who = { .role = ROLE_ADMIN, .name = "video" };
	char src[PATH_MAX + 32];
	struct buf jpeg = BUF_INIT;
	struct cam *c;
	bool from_source;
	int rc;

	if (cam_lock(v, camera, &c, e))
		return e->code;
	if (!c->url[0]) {
		pthread_mutex_unlock(&v->lock);
		return err_set(e, ERR_INVALID, "camera '%s' has no stream_url "
			       "(PUT /api/v1/devices/%s/equipment)", camera, camera);
	}
	from_source = !newest_segment(v, c, src, sizeof(src));
	if (from_source)
		snprintf(src, sizeof(src), "%s", c->url);
	pthread_mutex_unlock(&v->lock);
	rc = grab_frame(v, src, from_source, &jpeg, e);
	pthread_mutex_lock(&v->lock);
	if ((c = cam_find(v, camera)) && from_source && !c->pid)
		cam_set_state(v, c, rc ? CAM_OFFLINE : CAM_IDLE, e->msg);
	pthread_mutex_unlock(&v->lock);
	if (!rc)
		rc = fleet_snapshot_put(v->fleet, camera, &who, jpeg.data,
					jpeg.len, now_of(v), out, e);
	else
		err_prefix(e, "camera '%s'", camera);
	buf_free(&jpeg);
	return rc;
}

static int newest_snapshot(const struct db_snapshot *s, void *ctx);

void video_alert_opened(const struct db_alert *al, void *ctx)
{
	struct video *v = ctx;

	if (!al->plot[0])
		return;
	pthread_mutex_lock(&v->pend_lock);
	if (v->n_pend < ALERTS_PENDING_MAX) {
		v->pend[v->n_pend].id = al->id;
		snprintf(v->pend[v->n_pend].plot, sizeof(v->pend[0].plot), "%s",
			 al->plot);
		v->n_pend++;
	} else {
		log_warn("video: too many alerts waiting for a snapshot: alert "
			 "%lld has none", (long long)al->id);
	}
	pthread_mutex_unlock(&v->pend_lock);
	pthread_cond_broadcast(&v->wake); /* the snapshot thread */
}

/*
 * A snapshot of camera for an alert: its newest if taken within
 * ALERT_SNAPSHOT_FRESH_MS, else one taken now.
 */
static int alert_snapshot_of(struct video *v, const char *camera,
			     struct db_snapshot *out, struct err *e)
{
	struct db_snapshot newest = { 0 };

	if (!db_snapshot_list(v->db, camera, newest_snapshot, &newest, e) &&
	    newest.id && now_of(v) - newest.taken_ms <= ALERT_SNAPSHOT_FRESH_MS) {
		*out = newest;
		return ERR_OK;
	}
	err_clear(e);
	return video_snapshot(v, camera, out, e);
}

/* Give each alert opened since the last pass its plot's camera's snapshot. */
static void alert_snapshots(struct video *v)
{
	size_t n;

	pthread_mutex_lock(&v->pend_lock);
	n = v->n_pend;
	pthread_mutex_unlock(&v->pend_lock);
	for (size_t i = 0; i < n; i++) {
		char cams[8][DB_NAME_MAX], plot[DB_CODE_MAX];
		struct db_snapshot s = { 0 };
		struct err e = { 0 };
		int64_t alert;
		size_t k = 0, j;

		pthread_mutex_lock(&v->pend_lock);
		alert = v->pend[i].id;
		snprintf(plot, sizeof(plot), "%s", v->pend[i].plot);
		pthread_mutex_unlock(&v->pend_lock);
		pthread_mutex_lock(&v->lock);
		for (j = 0; j < v->n && k < 8; j++)
			if (v->cams[j]->url[0] && !strcmp(v->cams[j]->plot, plot))
				snprintf(cams[k++], DB_NAME_MAX, "%s", v->cams[j]->id);
		pthread_mutex_unlock(&v->lock);
		for (j = 0; j < k; j++) {   /* the first camera with a picture */
			err_clear(&e);
			if (!alert_snapshot_of(v, cams[j], &s, &e))
				break;
			log_debug("video: the snapshot of alert %lld: %s",
				  (long long)alert, e.msg);
		}
		if (j < k && v->alerts &&
		    alerts_set_snapshot(v->alerts, alert, cams[j], s.id, &e))
			log_warn("video: the snapshot of alert %lld: %s",
				 (long long)alert, e.msg);
	}
	pthread_mutex_lock(&v->pend_lock);  /* drop those done, keep newer */
	memmove(v->pend, v->pend + n, (v->n_pend - n) * sizeof(v->pend[0]));
	v->n_pend -= n;
	pthread_mutex_unlock(&v->pend_lock);
}

void video_snapshot_tick(struct video *v)
{
	int64_t now = now_of(v);
	char id[DB_NAME_MAX];
	struct err e = { 0 };

	alert_snapshots(v);
	if (now - v->loaded_ms >= RELOAD_EVERY_MS && load_cameras(v, &e))
		log_warn("video: reading the cameras: %s", e.msg);
	if (v->o.snapshot_every_ms < 0)
		return;
	for (;;) {
		struct db_snapshot s;

		id[0] = '\0';
		pthread_mutex_lock(&v->lock);
		for (size_t i = 0; i < v->n && !id[0]; i++) {
			struct cam *c = v->cams[i];

			if (c->url[0] && now - c->snap_ms >= v->o.snapshot_every_ms) {
				c->snap_ms = now;
				snprintf(id, sizeof(id), "%s", c->id);
			}
		}
		if (v->stop)
			id[0] = '\0';
		pthread_mutex_unlock(&v->lock);
		if (!id[0])
			return;
		err_clear(&e);
		if (video_snapshot(v, id, &s, &e))
			log_debug("video: periodic snapshot: %s", e.msg);
	}
}

/* ---- answers --------------------------------------------------------------------- */

static int newest_snapshot(const struct db_snapshot *s, void *ctx)
{
	struct db_snapshot *out = ctx;

	if (!out->id)
		*out = *s;
	return ERR_OK;
}

static json_t *cam_json(struct video *v, const struct cam *c,
			const struct db_snapshot *snap)
{
	char url[DB_URL_MAX], since[32], taken[32];
	json_t *shot = json_null(), *loc = json_null();

	video_url_redact(c->url, url, sizeof(url));
	time_format_iso(c->since_ms, since, sizeof(since));
	if (snap->id) {
		time_format_iso(snap->taken_ms, taken, sizeof(taken));
		shot = json_pack("{sI ss si si}", "id", (json_int_t)snap->id,
				 "taken", taken, "width", (int)snap->width,
				 "height", (int)snap->height);
	}
	if (c->lon == c->lon && c->lat == c->lat)
		loc = json_pack("[ff]", c->lon, c->lat);
	(void)v;
	return json_pack("{ss s:s? s:s? s:s? ss s:s? s:s? so so sb sb}",
		"id", c->id, "plot", c->plot[0] ? c->plot : NULL,
		"name", c->name[0] ? c->name : NULL,
		"stream_url", c->url[0] ? url : NULL,
		"state", state_names[c->state],
		"error", c->reason[0] ? c->reason : NULL,
		"since", c->since_ms ? since : NULL, "snapshot", shot,
		"location", loc, "transcoding", c->transcode,
		"recording", c->recorded);
}

int video_cameras(struct video *v, json_t **out, struct err *e)
{
	json_t *list = json_array();
	struct cam *copy = NULL;
	size_t n;

	if (load_cameras(v, e))
		goto fail;
	pthread_mutex_lock(&v->lock);
	n = v->n;
	copy = n ? malloc(n * sizeof(*copy)) : NULL;
	for (size_t i = 0; copy && i < n; i++)
		copy[i] = *v->cams[i];
	pthread_mutex_unlock(&v->lock);
	if (n && !copy) {
		err_nomem(e);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct db_snapshot snap = { 0 };

		if (db_snapshot_list(v->db, copy[i].id, newest_snapshot, &snap,
				     e))
			goto fail;
		json_array_append_new(list, cam_json(v, &copy[i], &snap));
	}
	free(copy);
	*out = json_pack("{so}", "cameras", list);
	return ERR_OK;
fail:
	free(copy);
	json_decref(list);
	return e->code;
}

/* A whole file into out. */
static int read_file(const char *path, struct buf *out, struct err *e)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? err_set(e, ERR_NOT_FOUND, "no such "
						 "segment or playlist") :
		       err_set(e, ERR_IO, "reading video: %s", strerror(errno));
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(out, tmp, (size_t)n);
	close(fd);
	if (n < 0)
		return err_set(e, ERR_IO, "reading video: %s", strerror(errno));
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

/* Start c's relay for a viewer (locked). */
static int live_want(struct video *v, struct cam *c, struct err *e)
{
	int64_t now = now_of(v);

	c->last_view_ms = now;
	if (!c->url[0])
		return err_set(e, ERR_INVALID, "camera '%s' has no stream_url "
			       "(PUT /api/v1/devices/%s/equipment)", c->id, c->id);
	if (c->pid)
		return ERR_OK;
	if (now < c->retry_ms)
		return err_set(e, ERR_UNAVAILABLE, "camera '%s' is offline (%s); "
			       "trying again in %" PRId64 " s", c->id, c->reason,
			       (c->retry_ms - now + 999) / 1000);
	if (!relay_room(v, c))
		return err_set(e, ERR_LIMITED, "%u relays run already for "
			       "viewers (--max-relays)", viewer_relays(v));
	if (relay_start(v, c, e)) {
		cam_set_state(v, c, CAM_OFFLINE, e->msg);
		return e->code;
	}
	return ERR_OK;
}

int video_live(struct video *v, const char *camera, int64_t wait_ms,
	       struct buf *out, struct err *e)
{
	int64_t deadline = time_now_ms() + wait_ms;
	char path[PATH_MAX + 16];
	struct cam *c;
	int rc;

	if (cam_lock(v, camera, &c, e))
		return e->code;
	rc = live_want(v, c, e);
	snprintf(path, sizeof(path), "%s/%s/live.m3u8", v->dir, c->id);
	pthread_mutex_unlock(&v->lock);
	if (rc)
		return rc;
	for (;;) {
		buf_reset(out);
		err_clear(e);
		if (!read_file(path, out, e) && strstr(out->data, "#EXTINF"))
			return ERR_OK;
		if (time_now_ms() >= deadline)
			break;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
		pthread_mutex_lock(&v->lock);
		if ((c = cam_find(v, camera)) && !c->pid && c->state == CAM_OFFLINE)
			rc = err_set(e, ERR_UNAVAILABLE, "camera '%s' is offline: "
				     "%s", camera, c->reason);
		pthread_mutex_unlock(&v->lock);
		if (rc)
			return rc;
	}
	return err_set(e, ERR_UNAVAILABLE, "camera '%s': no picture yet "
		       "(the relay is starting)", camera);
}

int video_segment(struct video *v, const char *camera, const char *name,
		  struct buf *out, struct err *e)
{
	char path[PATH_MAX + 64];
	struct cam *c;

	if (seg_name(name) < 0)
		return err_set(e, ERR_NOT_FOUND, "no segment '%.64s'", name);
	if (cam_lock(v, camera, &c, e))
		return e->code;
	c->last_view_ms = now_of(v);
	snprintf(path, sizeof(path), "%s/%s/%s", v->dir, c->id, name);
	pthread_mutex_unlock(&v->lock);
	return read_file(path, out, e);
}

int video_recording(struct video *v, const char *camera, int64_t from_ms,
		    int64_t to_ms, struct buf *out, struct err *e)
{
	char dir[PATH_MAX];
	struct video_seg *segs;
	struct cam *c;
	size_t n;
	int rc;

	if (to_ms < from_ms)
		return err_set(e, ERR_INVALID, "'to' is before 'from'");
	if (cam_lock(v, camera, &c, e))
		return e->code;
	cam_dir(v, c, dir, sizeof(dir));
	pthread_mutex_unlock(&v->lock);
	if ((rc = segs_list(dir, &segs, &n, e)))
		return rc;
	rc = video_recording_playlist(segs, n, time_floor_div(from_ms, 1000),
				      time_floor_div(to_ms, 1000), "hls/", out, e);
	if (rc == ERR_NOT_FOUND)
		err_prefix(e, "camera '%s'", camera);
	free(segs);
	return rc;
}

/* ---- life ---------------------------------------------------------------------- */

static void *supervisor_main(void *arg)
{
	struct video *v = arg;

	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		struct timespec t = time_deadline_in(v->o.tick_ms);

		pthread_mutex_unlock(&v->lock);
		video_tick(v);
		pthread_mutex_lock(&v->lock);
		if (!v->stop)
			pthread_cond_timedwait(&v->wake, &v->lock, &t);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static void *snapshot_main(void *arg)
{
	struct video *v = arg;

	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		struct timespec t = time_deadline_in(1000);

		pthread_mutex_unlock(&v->lock);
		video_snapshot_tick(v);
		pthread_mutex_lock(&v->lock);
		if (!v->stop)
			pthread_cond_timedwait(&v->wake, &v->lock, &t);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

static void opts_defaults(struct video_opts *o)
{
	if (!o->max_relays)
		o->max_relays = DEFAULT_MAX_RELAYS;
	if (!o->max_recordings)
		o->max_recordings = DEFAULT_MAX_RECORDINGS;
	if (!o->idle_ms)
		o->idle_ms = DEFAULT_IDLE_MS;
	if (!o->stall_ms)
		o->stall_ms = DEFAULT_STALL_MS;
	if (!o->snapshot_every_ms)
		o->snapshot_every_ms = DEFAULT_SNAPSHOT_MS;
	if (!o->keep_ms)
		o->keep_ms = DEFAULT_KEEP_MS;
	if (!o->budget_bytes)
		o->budget_bytes = DEFAULT_BUDGET;
}

int video_open(struct db *db, struct fleet *fleet, struct alerts *alerts,
	       const struct video_opts *o, struct video **out, struct err *e)
{
	struct video *v = calloc(1, sizeof(*v));

	if (!v)
		return err_nomem(e);
	v->db = db;
	v->fleet = fleet;
	v->alerts = alerts;
	v->o = *o;
	opts_defaults(&v->o);
	pthread_mutex_init(&v->lock, NULL);
	pthread_mutex_init(&v->pend_lock, NULL);
	pthread_cond_init(&v->wake, NULL);
	if (!o->dir || strlen(o->dir) >= sizeof(v->dir)) {
		err_set(e, ERR_INVALID, "video folder: none or too long a path");
		goto fail;
	}
	snprintf(v->dir, sizeof(v->dir), "%s", o->dir);
	snprintf(v->ffmpeg, sizeof(v->ffmpeg), "%s", o->ffmpeg ? o->ffmpeg :
		 "ffmpeg");
	if (mkdir(v->dir, 0700) && errno != EEXIST) {
		err_set(e, ERR_IO, "video folder %s: %s", v->dir, strerror(errno));
		goto fail;
	}
	if (load_cameras(v, e))
		goto fail;
	v->loaded_ms = now_of(v);
	if (o->tick_ms) {
		if (pthread_create(&v->sup, NULL, supervisor_main, v)) {
			err_set(e, ERR_INTERNAL, "cannot start the video thread");
			goto fail;
		}
		if (pthread_create(&v->snap, NULL, snapshot_main, v)) {
			pthread_mutex_lock(&v->lock);
			v->stop = true;
			pthread_cond_broadcast(&v->wake);
			pthread_mutex_unlock(&v->lock);
			pthread_join(v->sup, NULL);
			err_set(e, ERR_INTERNAL, "cannot start the snapshot thread");
			goto fail;
		}
		v->threads = true;
	}
	*out = v;
	return ERR_OK;
fail:
	video_close(v);
	return e->code;
}

/* Stop every relay: SIGTERM, up to KILL_AFTER_MS, then SIGKILL; reap all. */
static void stop_all(struct video *v)
{
	int64_t deadline = time_now_ms() + KILL_AFTER_MS;
	bool left = true, killed = false;

	for (size_t i = 0; i < v->n; i++)
		video__signal(v->cams[i]->pid, SIGTERM);
	while (left) {
		left = false;
		for (size_t i = 0; i < v->n; i++) {
			struct cam *c = v->cams[i];

			if (!c->pid)
				continue;
			if (waitpid(c->pid, NULL, killed ? 0 : WNOHANG) == 0) {
				left = true;
				continue;
			}
			close(c->err_fd);
			c->pid = 0;
		}
		if (left && !killed && time_now_ms() > deadline) {
			for (size_t i = 0; i < v->n; i++)
				video__signal(v->cams[i]->pid, SIGKILL);
			killed = true;
		} else if (left) {
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		}
	}
}

void video_close(struct video *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stop = true;
	pthread_cond_broadcast(&v->wake);
	pthread_mutex_unlock(&v->lock);
	if (v->threads) {
		pthread_join(v->sup, NULL);
		pthread_join(v->snap, NULL);
	}
	stop_all(v);
	for (size_t i = 0; i < v->n; i++) {
		buf_free(&v->cams[i]->line);
		free(v->cams[i]);
	}
	free(v->cams);
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->lock);
	pthread_mutex_destroy(&v->pend_lock);
	free(v);
}

void video_stats(struct video *v, struct video_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&v->lock);
	out->relays = v->running;
	out->max_relays = v->o.max_relays;
	out->cameras = (unsigned)v->n;
	for (size_t i = 0; i < v->n; i++) {
		switch (v->cams[i]->state) {
		case CAM_STREAMING: out->streaming++; break;
		case CAM_IDLE: out->idle++; break;
		case CAM_OFFLINE: out->offline++; break;
		}
	}
	pthread_mutex_unlock(&v->lock);
}
