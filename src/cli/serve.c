/*
 * Running the server in the foreground until SIGINT or SIGTERM, shared by
 * `oasis serve` and `oasis demo`.
 */
#include "cli/serve.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agro/valves.h"
#include "cluster/cluster.h"
#include "fleet/fleet.h"
#include "alert/alerts.h"
#include "pvsite/pvsite.h"
#include "http/http_metrics.h"
#include "ingest/mqtt.h"
#include "rs/imagery.h"
#include "ingest/retention.h"
#include "util/gdal_guard.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "video/video.h"
#include "rs/basemap.h"

#define STOP_GRACE_MS 5000
/* Events kept for late readers and Last-Event-ID resumption. */
#define EVENTS_KEPT 20000
/* A comment line to each idle stream this often: proxies and dead clients. */
#define HEARTBEAT_MS 15000
/*
 * Threads besides the HTTP workers that call the store: the engine's
 * maintenance, the valve clock, the alert timer, the webhook sender, the
 * MQTT loop and the demo's simulator, with room for a few more.  The store
 * keeps a connection for each (db_pool_config), so none ever waits for one.
 */
#define STORE_BACKGROUND_THREADS 10

/*
 * Where the installation puts the web page (the Makefile's WEB_DIR, under
 * its PREFIX).
 */
#ifndef OASIS_WEB_DIR
#define OASIS_WEB_DIR "/usr/local/share/oasis/web"
#endif

/* dir/web when it holds the page. */
static bool web_in(const char *dir, char *out, size_t size)
{
	char probe[PATH_MAX + 32];

	snprintf(probe, sizeof(probe), "%s/web/index.html", dir);
	if (access(probe, R_OK) != 0)
		return false;
	snprintf(out, size, "%s/web", dir);
	return true;
}

/*
 * The web page: a build tree's web/ beside the program (build/oasis or
 * build/asan/oasis -> web/), else the installation's OASIS_WEB_DIR.  Never
 * looked for in the working directory.
 */
const char *serve_find_web_root(char *out, size_t size)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	if (n > 0) {
		exe[n] = '\0';
		dir = dirname(exe);
		for (int up = 0; up < 3; up++) {
			if (web_in(dir, out, size))
				return out;
			dir = dirname(dir);
		}
	}
	snprintf(probe, sizeof(probe), "%s/index.html", OASIS_WEB_DIR);
	if (access(probe, R_OK) == 0) {
		snprintf(out, size, "%s", OASIS_WEB_DIR);
		return out;
	}
	return NULL;
}

/* Block the stop signals in this thread (and threads started after). */
void serve_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* HOST:PORT with the port actually bound (the listen option may say 0). */
static void serve_print_address(const char *listen, unsigned port, char *out,
				size_t size)
{
	const char *colon = strrchr(listen, ':');
	int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);

	snprintf(out, size, "%.*s:%u", host_len, listen, port);
}

/* A secret from its file (trailing newline dropped); option names it. */
static int read_secret_file(const char *option, const char *path, char *out,
			    size_t size, struct err *e)
{
	FILE *f;
	size_t n;

	out[0] = '\0';
	if (!path)
		return ERR_OK;
	if (!(f = fopen(path, "r")))
		return err_set(e, ERR_IO, "--%s %s: cannot open it", option,
			       path);
	n = fread(out, 1, size - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return ERR_OK;
}

static void imagery_seen(const char *kind, const char *plot,
			 int64_t acquired_ms, void *ctx)
{
	alerts_source_seen(ctx, kind, plot, acquired_ms);
}

static struct cluster *the_cluster;

/*
 * Another node's event: its alert rules changed (read them again), or it
 * took a point (the monitoring notes the device's freshness).
 */
static void remote_event(const char *type, const char *data, void *ctx)
{
	json_t *j, *ts, *v;
	struct err e;

	if (!strcmp(type, "rules")) {
		if (alerts_reload_rules(ctx, &e))
			log_error("reading the alert rules again: %s", e.msg);
		return;
	}
	if (!strcmp(type, "readings")) {   /* for the rules this node holds */
		alerts_observe_remote(ctx, data);
		return;
	}
	if (strcmp(type, "point") || !(j = json_loads(data, 0, NULL)))
		return;
	ts = json_object_get(j, "ts");
	v = json_object_get(j, "value");
	if (json_is_integer(ts) && json_is_number(v) &&
	    json_string_value(json_object_get(j, "device")) &&
	    json_string_value(json_object_get(j, "metric")))
		alerts_note_remote(ctx,
			json_string_value(json_object_get(j, "device")),
			json_string_value(json_object_get(j, "plot")),
			json_string_value(json_object_get(j, "metric")),
			json_integer_value(ts), json_number_value(v));
	json_decref(j);
}

/* The monitoring, watching ingestion, the valves and the imagery catalogue. */
static int open_alerts(struct http_services *svc, const struct serve_opts *o,
		       struct err *e)
{
	char secret[1024];
	struct alerts_opts ao = {
		.tick_ms = o->alert_tick_ms ? o->alert_tick_ms : 1000,
		.max_age_ms = o->alert_max_age_ms,
		.cluster = the_cluster != NULL,
		.notify = { .url = o->webhook_url, .secret = secret },
	};
	int rc = read_secret_file("webhook-secret-file", o->webhook_secret_file,
				  secret, sizeof(secret), e);

	if (!rc)
		rc = alerts_open(svc->db, svc->events, &ao, &svc->alerts, e);
	sodium_memzero(secret, sizeof(secret));
	if (rc)
		return rc;
	if (imagery_latest_passes(svc->db, time_now_ms() + 1, imagery_seen,
				  svc->alerts, e) ||
	    alerts_prime(svc->alerts, svc->ts, e)) {
		alerts_close(svc->alerts);
		return e->code;
	}
	/* before the HTTP workers and the MQTT loop, the writers, start */
	if (the_cluster)
		cluster_on_event(the_cluster, remote_event, svc->alerts);
	ingest_set_observer(svc->ingest, alerts_observe, svc->alerts);
	valves_set_observer(svc->valves, alerts_on_valve, svc->alerts);
	return ERR_OK;
}

/* The camera relays: segments under DATA/video (or a temporary folder). */
static int open_video(struct http_services *svc, const char *data_dir,
		      const struct serve_opts *o, struct err *e)
{
	struct video_opts vo = o->video;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/video", data_dir ? data_dir : "/tmp");
	vo.dir = o->video.dir ? o->video.dir : dir;
	/* every node of a cluster would pull every camera: on when asked */
	vo.record = o->video_record ? o->video_record > 0 : !o->cluster;
	if (!vo.tick_ms)
		vo.tick_ms = 250;
	return video_open(svc->db, svc->fleet, svc->alerts, &vo, &svc->video,
			  e);
}

/* This node's id: --node-id, else HOSTNAME:PORT of --listen. */
static void node_id(const struct serve_opts *o, char *out, size_t size)
{
	const char *colon = o->http.listen ? strrchr(o->http.listen, ':') : NULL;
	char host[64] = "host";

	if (o->node_id) {
		snprintf(out, size, "%s", o->node_id);
		return;
	}
	gethostname(host, sizeof(host) - 1);
	if (colon && strcmp(colon, ":0"))
		snprintf(out, size, "%s%s", host, colon);
	else   /* a port chosen by the system: the process tells them apart */
		snprintf(out, size, "%s:pid%ld", host, (long)getpid());
}

static char the_node[128];

/* Many nodes: the leases and the event relay, before any publisher. */
static int open_cluster(struct db *db, const struct serve_opts *o,
			struct http_services *svc, struct cluster **out,
			struct err *e)
{
	struct cluster_opts co = { the_node, o->lease_ms };

	*out = NULL;
	if (!o->cluster)
		return ERR_OK;
	log_info("cluster mode: node %s, leases of %lld ms, the store is the "
		 "log", the_node, (long long)(o->lease_ms ? o->lease_ms : 10000));
	return cluster_open(db, svc->events, &co, out, e);
}

/* The PV sites' daily alarms, judged from the monitoring's clock. */
static struct pvsite_watch the_pv_watch;

/* Open what the server serves: the engine (replaying its log) and ingest. */
static int open_services(struct db *db, const char *data_dir,
			 const struct serve_opts *o, struct http_services *svc,
			 struct err *e)
{
	/* hook and sinks are set before any thread that uses them starts */
	struct ts_engine_opts ts_opts = { .hook = retention_hook, .hook_ctx = db,
					  .shared = o->cluster,
					  .node = the_node };

	memset(svc, 0, sizeof(*svc));
	svc->db = db;
	svc->data_dir = data_dir;
	if (events_open(EVENTS_KEPT, o->heartbeat_ms ? o->heartbeat_ms :
			HEARTBEAT_MS, &svc->events, e))
		return e->code;
	node_id(o, the_node, sizeof(the_node));
	if (open_cluster(db, o, svc, &the_cluster, e))
		goto out_events;
	if (ts_engine_open(db, data_dir, &ts_opts, &svc->ts, e))
		goto out_cluster;
	if (ingest_open(db, &svc->ingest, e))
		goto out_ts;
	ingest_set_sinks(svc->ingest, svc->ts, svc->events);
	ingest_set_unknown_metrics(svc->ingest, o->allow_unknown_metrics);
	if (valves_open(db, svc->events, o->valve_ack_timeout_ms, &svc->valves, e))
		goto out_ingest;
	if (fleet_open(db, svc->ts, svc->ingest, NULL, &svc->fleet, e))
		goto out_valves;
	if (open_alerts(svc, o, e))
		goto out_fleet;
	if (open_video(svc, data_dir, o, e))
		goto out_alerts;
	alerts_on_open(svc->alerts, video_alert_opened, svc->video);
	if (basemap_open(&svc->basemap, e))
		goto out_video;
	the_pv_watch = (struct pvsite_watch){ db, svc->ts, svc->alerts, {{0}}, 0 };
	alerts_on_daily(svc->alerts, pvsite_watch_daily, &the_pv_watch);
	return ERR_OK;
out_video:
	alerts_on_open(svc->alerts, NULL, NULL);
	video_close(svc->video);
out_alerts:
	ingest_set_observer(svc->ingest, NULL, NULL);
	alerts_close(svc->alerts);
out_fleet:
	fleet_close(svc->fleet);
out_valves:
	valves_close(svc->valves);
out_ingest:
	ingest_close(svc->ingest);
out_ts:
	ts_engine_close(svc->ts);
out_cluster:
	cluster_close(the_cluster);
	the_cluster = NULL;
out_events:
	events_free(svc->events);
	return e->code;
}

static void close_services(struct http_services *svc)
{
	basemap_close(svc->basemap);
	alerts_on_open(svc->alerts, NULL, NULL);
	video_close(svc->video);
	fleet_close(svc->fleet);
	valves_close(svc->valves);
	ingest_set_observer(svc->ingest, NULL, NULL);
	if (the_cluster)   /* waits for a hook in flight */
		cluster_on_event(the_cluster, NULL, NULL);
	alerts_close(svc->alerts);
	ingest_close(svc->ingest);
	ts_engine_close(svc->ts);
	cluster_close(the_cluster);   /* its leases go back: others take them */
	the_cluster = NULL;
	events_free(svc->events);
}

void serve_opts_defaults(struct serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	http_config_defaults(&o->http);
}

/* The share group: --mqtt-shared-group, "oasis" in a cluster, or none. */
static const char *shared_group(const struct serve_opts *o)
{
	if (o->mqtt_unshared)
		return NULL;
	if (o->mqtt_shared_group)
		return o->mqtt_shared_group;
	return o->cluster ? "oasis" : NULL;
}

/* Sessions per broker: several in a share group, one otherwise. */
static unsigned sessions_of(const struct serve_opts *o)
{
	if (!shared_group(o))
		return 1;   /* plain subscriptions would get every message N times */
	return o->mqtt_sessions ? o->mqtt_sessions : 4;
}

/*
 * Session k of a node on broker i: oasis-NODE, -i for the second and
 * later brokers, _sK for the second and later sessions.
 */
static void session_id(const char *base, int i, unsigned k, char *id,
		       size_t size)
{
	int n = snprintf(id, size, "%s", base);

	if (i && n >= 0 && (size_t)n < size)
		n += snprintf(id + n, size - (size_t)n, "-%d", i);
	if (k && n >= 0 && (size_t)n < size)
		snprintf(id + n, size - (size_t)n, "_s%u", k + 1);
}

/*
 * Connect session k to broker i (0: --mqtt, then the others) and take
 * telemetry.
 */
static int start_broker(const struct serve_opts *o, int i, unsigned k,
			unsigned port, struct http_services *svc,
			struct mqtt **out, struct err *e)
{
	const char *url = i ? o->mqtt_more[i - 1] : o->mqtt_url;
	const char *group = shared_group(o);
	char base[160], id[200], host[64] = "host", password[256];
	int rc;

	*out = NULL;
	gethostname(host, sizeof(host) - 1);
	if (o->mqtt_client_id)
		snprintf(base, sizeof(base), "%s", o->mqtt_client_id);
	else if (o->cluster)
		snprintf(base, sizeof(base), "oasis-%s", the_node);
	else
		snprintf(base, sizeof(base), "oasis-%s-%u", host, port);
	session_id(base, i, k, id, sizeof(id));   /* distinct anyway */
	rc = read_secret_file("mqtt-password-file", o->mqtt_password_file,
			      password, sizeof(password), e);
	if (!rc)
		rc = group ? mqtt_open_shared(url, id, o->mqtt_password_file ?
					      password : NULL, group, out, e)
			   : mqtt_open(url, id, o->mqtt_password_file ?
				       password : NULL, out, e);
	sodium_memzero(password, sizeof(password));
	if (rc)
		return rc;
	if (!i && !k)   /* valve commands go out through the first broker */
		valves_set_mqtt(svc->valves, *out);
	if (mqtt_on(*out, "acks", valves_on_mqtt_ack, svc->valves, e) ||
	    mqtt_on(*out, "nmea", fleet_on_mqtt_nmea, svc->fleet, e) ||
	    mqtt_on(*out, "telemetry", ingest_on_mqtt_telemetry, svc->ingest,
		    e))
		return e->code;
	/* only now: what waited in the session finds its handler */
	return mqtt_start(*out, e);
}

#define N_MQTT (SERVE_MQTT_MAX * SERVE_MQTT_SESSIONS_MAX)

static void stop_mqtt(struct mqtt **m)
{
	for (int i = 0; i < N_MQTT; i++) {
		mqtt_close(m[i]);
		m[i] = NULL;
	}
}

/* Connect to every broker given. */
static int start_mqtt(const struct serve_opts *o, unsigned port,
		      struct http_services *svc, struct mqtt **m,
		      struct err *e)
{
	if (!o->mqtt_url)
		return ERR_OK;
	for (int i = 0; i <= o->n_mqtt_more; i++)
		for (unsigned k = 0; k < sessions_of(o); k++)
			if (start_broker(o, i, k, port, svc,
					 &m[i * SERVE_MQTT_SESSIONS_MAX + k], e))
				return e->code;
	return ERR_OK;
}

/*
 * A dead node's MQTT sessions (its share of each broker), taken over by
 * this node (cluster/cluster.h's hook): their queued share comes here
 * and they leave the share group, so the live nodes take the whole.
 */
#define ADOPT_QUIET_MS 2000
#define ADOPT_MAX_MS 60000

/* The nodes' sessions per broker (the same --mqtt-sessions everywhere). */
static unsigned adopt_sessions_n;

struct adoptee {
	struct mqtt *like;
	char id[200];
	pthread_t t;
	bool started;
};

static void *adopt_one_session(void *arg)
{
	struct adoptee *a = arg;
	size_t taken;
	struct err e;

	if (mqtt_adopt(a->like, a->id, ADOPT_QUIET_MS, ADOPT_MAX_MS, &taken,
		       &e))
		log_warn("%s", e.msg);
	else
		log_info("mqtt: took over the session %s: %zu messages, its "
			 "share goes to the live nodes", a->id, taken);
	return NULL;
}

/* Every session of the dead node on every broker, at once. */
static void adopt_sessions(const char *node, void *ctx)
{
	struct mqtt **m = ctx;
	struct adoptee *list = calloc(N_MQTT, sizeof(*list));
	char base[160];

	if (!list)
		return;
	snprintf(base, sizeof(base), "oasis-%s", node);
	for (int i = 0; i < SERVE_MQTT_MAX; i++)
		for (unsigned k = 0; k < adopt_sessions_n; k++) {
			struct adoptee *a = &list[i * SERVE_MQTT_SESSIONS_MAX + k];

			if (!(a->like = m[i * SERVE_MQTT_SESSIONS_MAX]))
				continue;
			session_id(base, i, k, a->id, sizeof(a->id));
			a->started = !pthread_create(&a->t, NULL,
						     adopt_one_session, a);
			if (!a->started)   /* no thread: here, one by one */
				adopt_one_session(a);
		}
	for (int i = 0; i < N_MQTT; i++)
		if (list[i].started)
			pthread_join(list[i].t, NULL);
	free(list);
}

/* Whether this node takes over the MQTT sessions of the dead ones. */
static bool adopts(const struct serve_opts *o)
{
	/* their ids are oasis-NODE[-i]: only without --mqtt-client-id */
	return the_cluster && o->mqtt_url && shared_group(o) &&
	       !o->mqtt_client_id;
}

static int started(const struct serve_opts *o, const char *where,
		   struct err *e)
{
	char url[320];

	snprintf(url, sizeof(url), "http://%s", where);
	return o->started(url, o->hook_ctx, e);
}

/* Say so when others may read the store (made before umask 077 held). */
static void warn_open_store(const char *data_dir)
{
	struct stat st;

	if (data_dir && !stat(data_dir, &st) &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn("the store %s is open to other users (mode %04o): "
			 "`chmod -R go= %s` makes it private", data_dir,
			 (unsigned)(st.st_mode & 07777), data_dir);
}

int serve_run(struct db *db, const char *data_dir, const struct serve_opts *o,
	      struct err *e)
{
	const struct http_config *cfg = &o->http;
	struct http_services svc;
	struct http_server *server;
	struct mqtt *mqtt[N_MQTT] = { 0 };
	char where[300];
	sigset_t stop;
	int sig, rc = ERR_OK;

	serve_block_signals(&stop);
	gdal_guard_network(); /* what callers upload reaches no URL */
	warn_open_store(data_dir);
	/* the sign-in threads (cfg->login_threads) call the store too */
	if (db_pool_config(db, http_worker_threads(cfg) + cfg->login_threads +
			   STORE_BACKGROUND_THREADS,
			   0, e) ||
	    open_services(db, data_dir, o, &svc, e))
		return e->code;
	if (http_server_start(&svc, cfg, &server, e)) {
		close_services(&svc);
		return e->code;
	}
	if (start_mqtt(o, http_server_port(server), &svc, mqtt, e)) {
		valves_set_mqtt(svc.valves, NULL);
		stop_mqtt(mqtt);
		http_server_stop(server, 0);
		close_services(&svc);
		return e->code;
	}
	adopt_sessions_n = sessions_of(o);
	if (adopts(o))
		cluster_on_dead_node(the_cluster, adopt_sessions, mqtt);
	serve_print_address(cfg->listen, http_server_port(server), where,
			    sizeof(where));
	log_info("serving on http://%s (web page: %s)", where,
		 cfg->web_root ? cfg->web_root : "none");
	printf("oasis is serving on http://%s/  (Ctrl-C stops it)\n", where);
	fflush(stdout);
	if (o->started && (rc = started(o, where, e)))
		sig = SIGTERM;
	else
		sigwait(&stop, &sig);
	if (o->stopping)
		o->stopping(o->hook_ctx);
	log_info("%s received: finishing requests and stopping",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	events_shutdown(svc.events); /* ends the event streams */
	http_server_stop(server, STOP_GRACE_MS);
	if (adopts(o))   /* waits for a take-over in flight */
		cluster_on_dead_node(the_cluster, NULL, NULL);
	valves_set_mqtt(svc.valves, NULL);
	stop_mqtt(mqtt);
	close_services(&svc);
	log_info(rc ? "stopped" : "stopped cleanly");
	return rc;
}

const char serve_usage[] =
	"  --listen HOST:PORT     where to listen (default 127.0.0.1:8080)\n"
	"  --web-root DIR, --web DIR  the web page's folder (default: the\n"
	"                         installation's, " OASIS_WEB_DIR ",\n"
	"                         or web/ beside the program in a build tree)\n"
	"  --max-body BYTES       largest request body (default 64M; K/M/G)\n"
	"  --max-inflated BYTES   largest gzip body once inflated (default\n"
	"                         4 x --max-body)\n"
	"  --max-buffered BYTES   request bodies held by all requests together;\n"
	"                         past it 503 + Retry-After (default 256M)\n"
	"  --max-batch-points N   points in one write (default 1000000)\n"
	"  --max-header BYTES     largest request line + headers (default 32K)\n"
	"  --max-connections N    simultaneous connections (default 1000)\n"
	"  --max-connections-per-address N  from one client address (default 64)\n"
	"  --header-timeout SECONDS  from connecting to the first request's\n"
	"                         headers (default 10)\n"
	"  --metrics-allow CIDR,...  addresses that scrape GET /metrics without\n"
	"                         a token (e.g. 127.0.0.1/32,10.0.0.0/8)\n"
	"  --allow-unknown-metrics  accept metric names outside the catalogue\n"
	"                         (GET /api/v1/metrics); refused by default\n"
	"  --timeout SECONDS      idle connection timeout, and from a request's\n"
	"                         end to the next one's headers (default 60)\n"
	"  --threads N            worker threads (default 2 per core, >= 4)\n"
	"  --mqtt mqtt://HOST:PORT  take telemetry from this broker (topics\n"
	"                         oasis/DEVICE/telemetry and oasis/DEVICE/nmea,\n"
	"                         QoS 1)\n"
	"  --mqtt-client-id ID    the persistent session's id (default\n"
	"                         oasis-HOSTNAME-PORT)\n"
	"  --valve-ack-timeout S  a valve command fails when not acknowledged\n"
	"                         within S seconds (default 30)\n"
	"  --webhook URL          POST alert notifications there (JSON, signed)\n"
	"  --webhook-secret-file FILE  the webhook's HMAC-SHA256 key\n"
	"  --alert-tick MS        the monitoring clock's period (default 1000)\n"
	"  --heartbeat MS         event streams' keep-alive, and how often they\n"
	"                         check their credential (default 15000)\n"
	"  --mqtt-password-file FILE  the broker password (not in --mqtt's URL,\n"
	"                         where ps shows it)\n"
	"  --cluster              one of several nodes on one PostgreSQL store:\n"
	"                         a write is acknowledged once committed in\n"
	"                         the store, reads come from it, singleton\n"
	"                         duties go by leases (docs/CLUSTER.md)\n"
	"  --node-id ID           this node's name among them (default\n"
	"                         HOSTNAME:PORT)\n"
	"  --lease-ttl MS         a duty's lease lasts this long (default 10000)\n"
	"  --mqtt-shared-group G  subscribe as a member of share group G\n"
	"                         ($share/G/oasis/+/...; default oasis with\n"
	"                         --cluster, none without; \"\" for none);\n"
	"                         --mqtt may be given up to 4 times\n"
	"  --mqtt-sessions N      in a share group, N sessions per broker\n"
	"                         (default 4, at most 8): N messages are\n"
	"                         committed at once (docs/CLUSTER.md)\n"
	"  --max-relays N         relays (ffmpeg) at once for viewers of cameras\n"
	"                         not recorded (default 16)\n"
	"  --video-idle SECONDS   stop a relay nobody watched this long (60)\n"
	"  --video-stall SECONDS  a relay without a new segment this long is\n"
	"                         offline (default 15)\n"
	"  --snapshot-every MIN   a snapshot of each camera this often (default\n"
	"                         10; 0: never)\n"
	"  --video-keep DURATION  recordings kept (default 24h)\n"
	"  --video-budget BYTES   recordings' disk budget per camera (2G)\n"
	"  --video-record[=on|off]\n"
	"                         relay (and so record) every camera always\n"
	"                         (default on; off with --cluster)\n"
	"  --max-recordings N     cameras recorded at most (default 32); they\n"
	"                         do not count against --max-relays\n"
	"  --ffmpeg PATH          the ffmpeg program (default: ffmpeg in PATH)\n"
	"  --log-level LEVEL      error, warn, info (default) or debug\n"
	"  --access-log MODE      a line per request: off, sampled (default:\n"
	"                         errors and slow requests, at most one a\n"
	"                         minute per route and status) or all; a\n"
	"                         summary line a minute in any case\n";

/* "64M" -> bytes; false on garbage or zero. */
static bool parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (end == s || v == 0)
		return false;
	switch (*end) {
	case '\0': break;
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: return false;
	}
	if (*end || v > (SIZE_MAX >> shift))
		return false;
	*out = (size_t)v << shift;
	return true;
}

static bool parse_count(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v == 0 || v > 1000000)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The camera relays' options (SERVE_VIDEO_OPTIONS). */
static int video_option(int opt, const char *arg, struct video_opts *v,
			struct err *e)
{
	unsigned count = 0;
	size_t bytes = 0;
	bool ok = true;

	switch (opt) {
	case SERVE_OPT_MAX_RELAYS: ok = parse_count(arg, &v->max_relays); break;
	case SERVE_OPT_VIDEO_IDLE:
		ok = parse_count(arg, &count);
		v->idle_ms = (int64_t)count * 1000;
		break;
	case SERVE_OPT_VIDEO_STALL:
		ok = parse_count(arg, &count);
		v->stall_ms = (int64_t)count * 1000;
		break;
	case SERVE_OPT_SNAPSHOT_EVERY:
		if (!strcmp(arg, "0"))
			v->snapshot_every_ms = -1;
		else if ((ok = parse_count(arg, &count)))
			v->snapshot_every_ms = (int64_t)count * 60000;
		break;
	case SERVE_OPT_VIDEO_KEEP:
		if (time_parse_duration(arg, &v->keep_ms, e) || v->keep_ms <= 0)
			ok = false;
		break;
	case SERVE_OPT_VIDEO_BUDGET:
		ok = parse_size(arg, &bytes);
		v->budget_bytes = bytes;
		break;
	case SERVE_OPT_MAX_RECORDINGS:
		ok = parse_count(arg, &v->max_recordings);
		break;
	case SERVE_OPT_FFMPEG: v->ffmpeg = arg; break;
	default: return err_set(e, ERR_NOT_FOUND, "not a server option");
	}
	if (!ok)
		return err_set(e, ERR_INVALID, "bad value '%s'", arg);
	return ERR_OK;
}

int serve_option(int opt, const char *arg, struct serve_opts *o,
		 struct err *e)
{
	struct http_config *cfg = &o->http;
	unsigned count = 0;
	bool ok = true;

	switch (opt) {
	case 'Q':
		if (!o->mqtt_url)
			o->mqtt_url = arg;
		else if (o->n_mqtt_more < SERVE_MQTT_MAX - 1)
			o->mqtt_more[o->n_mqtt_more++] = arg;
		else
			return err_set(e, ERR_INVALID, "at most %d brokers",
				       SERVE_MQTT_MAX);
		break;
	case SERVE_OPT_CLUSTER: o->cluster = true; break;
	case SERVE_OPT_NODE_ID:
		ok = *arg && strlen(arg) < 100;
		o->node_id = arg;
		break;
	case SERVE_OPT_LEASE_TTL:
		ok = parse_count(arg, &count) && count >= 1000;
		o->lease_ms = count;
		break;
	case SERVE_OPT_MQTT_SHARED_GROUP:
		o->mqtt_shared_group = *arg ? arg : NULL;
		o->mqtt_unshared = !*arg;
		break;
	case SERVE_OPT_MQTT_SESSIONS:
		ok = parse_count(arg, &o->mqtt_sessions) &&
		     o->mqtt_sessions >= 1 &&
		     o->mqtt_sessions <= SERVE_MQTT_SESSIONS_MAX;
		break;
	case 'I': o->mqtt_client_id = arg; break;
	case 'V':
		ok = parse_count(arg, &count);
		o->valve_ack_timeout_ms = (int64_t)count * 1000;
		break;
	case SERVE_OPT_WEBHOOK: o->webhook_url = arg; break;
	case SERVE_OPT_WEBHOOK_SECRET: o->webhook_secret_file = arg; break;
	case SERVE_OPT_ALERT_TICK:
		ok = parse_count(arg, &count);
		o->alert_tick_ms = count;
		break;
	case SERVE_OPT_HEARTBEAT:
		ok = parse_count(arg, &o->heartbeat_ms) && o->heartbeat_ms >= 50;
		break;
	case SERVE_OPT_MQTT_PASSWORD_FILE: o->mqtt_password_file = arg; break;
	case 'l': cfg->listen = arg; break;
	case 'w': cfg->web_root = arg; break;
	case 'B': ok = parse_size(arg, &cfg->max_body); break;
	case 'H': ok = parse_size(arg, &cfg->max_header); break;
	case 'M': ok = parse_count(arg, &cfg->max_connections); break;
	case 'T': ok = parse_count(arg, &cfg->timeout_s); break;
	case 'P': ok = parse_count(arg, &cfg->threads); break;
	case SERVE_OPT_MAX_BUFFERED:
		ok = parse_size(arg, &cfg->max_buffered);
		break;
	case SERVE_OPT_MAX_INFLATED:
		ok = parse_size(arg, &cfg->max_inflated);
		break;
	case SERVE_OPT_MAX_BATCH_POINTS:
		ok = parse_size(arg, &cfg->max_batch_points);
		break;
	case SERVE_OPT_MAX_PER_ADDRESS:
		ok = parse_count(arg, &cfg->max_per_address);
		break;
	case SERVE_OPT_HEADER_TIMEOUT:
		ok = parse_count(arg, &cfg->header_timeout_s);
		break;
	case SERVE_OPT_METRICS_ALLOW:
		ok = http_metrics_allow_valid(arg);
		cfg->metrics_allow = arg;
		break;
	case SERVE_OPT_ALLOW_UNKNOWN_METRICS:
		o->allow_unknown_metrics = true;
		break;
	case SERVE_OPT_VIDEO_RECORD:
		ok = !arg || !strcmp(arg, "on") || !strcmp(arg, "off");
		o->video_record = arg && !strcmp(arg, "off") ? -1 : 1;
		break;
	default: return video_option(opt, arg, &o->video, e);
	}
	if (!ok)
		return err_set(e, ERR_INVALID, "bad value '%s'", arg);
	return ERR_OK;
}
