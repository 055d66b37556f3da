/* Running the HTTP server in the foreground, for `serve` and `demo`. */
#ifndef OASIS_CLI_SERVE_H
#define OASIS_CLI_SERVE_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "db/db.h"
#include "http/server.h"
#include "video/video.h"
#include "util/err.h"

/* Find the web page's folder; NULL if none is installed. */
const char *serve_find_web_root(char *out, size_t size);

/* Block SIGINT/SIGTERM so that only serve_run's sigwait sees them. */
void serve_block_signals(sigset_t *set);

#define SERVE_MQTT_MAX 4
/* Share-group sessions per broker at most (--mqtt-sessions). */
#define SERVE_MQTT_SESSIONS_MAX 8

struct serve_opts {
	struct http_config http;
	const char *mqtt_url;       /* NULL: no broker */
	const char *mqtt_client_id; /* NULL: oasis-HOSTNAME-PORT */
	int64_t valve_ack_timeout_ms; /* 0: 30 s */
	const char *webhook_url;    /* alert notifications; NULL: none */
	const char *webhook_secret_file; /* the HMAC key, read at start */
	int64_t alert_tick_ms;      /* the monitoring clock; 0: 1 s */
	int64_t alert_max_age_ms;   /* older points are not evaluated; 0: 1 d */
	unsigned heartbeat_ms;      /* event streams' heartbeat; 0: 15 s */
	const char *mqtt_password_file; /* the broker password; NULL: URL's */
	/* many nodes on one PostgreSQL store (docs/CLUSTER.md) */
	bool cluster;               /* --cluster */
	const char *node_id;        /* --node-id; NULL: HOSTNAME:PORT */
	int64_t lease_ms;           /* --lease-ttl; 0: 10 s */
	const char *mqtt_shared_group; /* NULL: "oasis" in a cluster, else none */
	bool mqtt_unshared;         /* --mqtt-shared-group "" : none */
	unsigned mqtt_sessions;     /* per broker in a share group; 0: 4 */
	const char *mqtt_more[SERVE_MQTT_MAX - 1]; /* --mqtt given again */
	int n_mqtt_more;
	/* optional: called once serving (with "http://HOST:PORT"), and at stop */
	int (*started)(const char *base_url, void *ctx, struct err *e);
	void (*stopping)(void *ctx);
	void *hook_ctx;
	struct video_opts video;    /* camera relays (docs/VIDEO.md); dir set by serve_run */
	int video_record;           /* --video-record: 0 default (on, off with
				       --cluster), 1 on, -1 off */
	bool allow_unknown_metrics; /* metric names outside the catalogue */
};

void serve_opts_defaults(struct serve_opts *o);

/*
 * Serve until SIGINT or SIGTERM, then stop gracefully: finish requests,
 * seal the time-series heads, close.  data_dir holds the engine's log.
 */
int serve_run(struct db *db, const char *data_dir, const struct serve_opts *o,
	      struct err *e);

/* Parse the server options shared by serve and demo; see serve_usage. */
int serve_option(int opt, const char *arg, struct serve_opts *o,
		 struct err *e);

/* Long options without a letter (clear of cli.h CLI_OPT_*). */
enum { SERVE_OPT_WEBHOOK = 1100, SERVE_OPT_WEBHOOK_SECRET,
       SERVE_OPT_ALERT_TICK };
/* The HTTP limits (docs/SECURITY.md, "HTTP limits"). */
enum { SERVE_OPT_MAX_BUFFERED = 1150, SERVE_OPT_MAX_INFLATED,
       SERVE_OPT_MAX_BATCH_POINTS, SERVE_OPT_MAX_PER_ADDRESS,
       SERVE_OPT_HEADER_TIMEOUT };
/* Credentials (docs/SECURITY.md). */
enum { SERVE_OPT_HEARTBEAT = 1200, SERVE_OPT_MQTT_PASSWORD_FILE };
/* Prometheus (docs/API.md, "GET /metrics"). */
enum { SERVE_OPT_METRICS_ALLOW = 1250 };
/* Metric names outside the catalogue (docs/API.md, "Metrics"). */
enum { SERVE_OPT_ALLOW_UNKNOWN_METRICS = 1260 };
/* Many nodes (docs/CLUSTER.md). */
enum { SERVE_OPT_CLUSTER = 1300, SERVE_OPT_NODE_ID, SERVE_OPT_LEASE_TTL,
       SERVE_OPT_MQTT_SHARED_GROUP, SERVE_OPT_MQTT_SESSIONS };

#define SERVE_OPTIONS \
	{ "listen", required_argument, NULL, 'l' }, \
	{ "web", required_argument, NULL, 'w' }, \
	{ "max-body", required_argument, NULL, 'B' }, \
	{ "max-header", required_argument, NULL, 'H' }, \
	{ "max-connections", required_argument, NULL, 'M' }, \
	{ "timeout", required_argument, NULL, 'T' }, \
	{ "threads", required_argument, NULL, 'P' }, \
	{ "mqtt", required_argument, NULL, 'Q' }, \
	{ "mqtt-client-id", required_argument, NULL, 'I' }, \
	{ "valve-ack-timeout", required_argument, NULL, 'V' }, \
	{ "webhook", required_argument, NULL, SERVE_OPT_WEBHOOK }, \
	{ "webhook-secret-file", required_argument, NULL, \
	  SERVE_OPT_WEBHOOK_SECRET }, \
	{ "alert-tick", required_argument, NULL, SERVE_OPT_ALERT_TICK }, \
	{ "heartbeat", required_argument, NULL, SERVE_OPT_HEARTBEAT }, \
	{ "mqtt-password-file", required_argument, NULL, \
	  SERVE_OPT_MQTT_PASSWORD_FILE }, \
	{ "metrics-allow", required_argument, NULL, SERVE_OPT_METRICS_ALLOW }, \
	{ "allow-unknown-metrics", no_argument, NULL, \
	  SERVE_OPT_ALLOW_UNKNOWN_METRICS }, \
	{ "cluster", no_argument, NULL, SERVE_OPT_CLUSTER }, \
	{ "node-id", required_argument, NULL, SERVE_OPT_NODE_ID }, \
	{ "lease-ttl", required_argument, NULL, SERVE_OPT_LEASE_TTL }, \
	{ "mqtt-shared-group", required_argument, NULL, \
	  SERVE_OPT_MQTT_SHARED_GROUP }, \
	{ "mqtt-sessions", required_argument, NULL, SERVE_OPT_MQTT_SESSIONS }, \
	SERVE_LIMIT_OPTIONS, \
	SERVE_VIDEO_OPTIONS

#define SERVE_LIMIT_OPTIONS \
	{ "web-root", required_argument, NULL, 'w' }, \
	{ "max-buffered", required_argument, NULL, SERVE_OPT_MAX_BUFFERED }, \
	{ "max-inflated", required_argument, NULL, SERVE_OPT_MAX_INFLATED }, \
	{ "max-batch-points", required_argument, NULL, \
	  SERVE_OPT_MAX_BATCH_POINTS }, \
	{ "max-connections-per-address", required_argument, NULL, \
	  SERVE_OPT_MAX_PER_ADDRESS }, \
	{ "header-timeout", required_argument, NULL, SERVE_OPT_HEADER_TIMEOUT }

/* Camera relays (docs/VIDEO.md). */
enum { SERVE_OPT_MAX_RELAYS = 1400, SERVE_OPT_VIDEO_IDLE, SERVE_OPT_VIDEO_STALL,
       SERVE_OPT_SNAPSHOT_EVERY, SERVE_OPT_VIDEO_KEEP, SERVE_OPT_VIDEO_BUDGET,
       SERVE_OPT_VIDEO_RECORD, SERVE_OPT_FFMPEG, SERVE_OPT_MAX_RECORDINGS };

#define SERVE_VIDEO_OPTIONS \
	{ "max-relays", required_argument, NULL, SERVE_OPT_MAX_RELAYS }, \
	{ "video-idle", required_argument, NULL, SERVE_OPT_VIDEO_IDLE }, \
	{ "video-stall", required_argument, NULL, SERVE_OPT_VIDEO_STALL }, \
	{ "snapshot-every", required_argument, NULL, SERVE_OPT_SNAPSHOT_EVERY }, \
	{ "video-keep", required_argument, NULL, SERVE_OPT_VIDEO_KEEP }, \
	{ "video-budget", required_argument, NULL, SERVE_OPT_VIDEO_BUDGET }, \
	{ "video-record", optional_argument, NULL, SERVE_OPT_VIDEO_RECORD }, \
	{ "max-recordings", required_argument, NULL, SERVE_OPT_MAX_RECORDINGS }, \
	{ "ffmpeg", required_argument, NULL, SERVE_OPT_FFMPEG }

extern const char serve_usage[];

#endif
