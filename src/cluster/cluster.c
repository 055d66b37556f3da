/*
 * Leases of the singleton duties and the relay of live events between
 * nodes.  docs/CLUSTER.md explains both.
 *
 * Leases.  A thread renews every duty's lease each third of its ttl.  The
 * node counts a lease as held until the instant it asked plus the ttl less
 * a margin (its monotonic clock): the store counts from its own clock at
 * the moment it answered, which is later, so the node stops acting before
 * any other node can take the lease, whatever the clocks' offsets.
 *
 * Nodes.  Each node renews the lease node/NODE with the duties' and
 * keeps it at a clean stop (a restart within the ttl changes nothing).
 * Every third of the ttl a thread looks for expired node/ leases: a dead
 * node's.  It takes one (one node wins), calls the hook (cluster_on_dead_
 * node: serve takes over the dead node's MQTT sessions), then deletes it;
 * the dead node, once back, makes it again.
 *
 * Events.  events_publish here calls relay(), which queues the event; a
 * sender thread sends the queue every few ms as NOTIFY payloads (under
 * 8000 bytes each: {"n":NODE,"e":[{"t":TYPE,"p":PLOT,"d":DATA},...]}) in
 * transactions of their own, never the ingest's.  A listener thread
 * LISTENs and publishes the other nodes' events with
 * events_publish_remote (not relayed again); its own come back and are
 * skipped.  A broken connection is reopened after a second.
 */
#include "cluster/cluster.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/duty.h"
#include "util/log.h"

#define CHANNEL "oasis_events"
#define DEFAULT_LEASE_MS 10000
#define PAYLOAD_MAX 7800
#define RELAY_QUEUE_MAX 20000
#define RELAY_PERIOD_MS 20
#define LISTEN_WAIT_MS 5000
#define NODE_PREFIX "node/"
/* how long taking over a dead node's leftovers may take */
#define ADOPT_MS 120000

static const char *const duties[] = {
	DUTY_ALERTS, DUTY_VALVES, DUTY_RETENTION, DUTY_JOBS
};
#define N_DUTIES (sizeof(duties) / sizeof(duties[0]))

struct lease {
	int64_t held_until;   /* monotonic ms; 0: not held */
	int64_t epoch;
};

struct cluster {
	struct db *db;
	struct events *events;
	char node[128];
	int64_t ttl_ms;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct lease leases[N_DUTIES];
	pthread_t lease_thread, send_thread, listen_thread, adopt_thread;
	bool threads;
	/* the listener's first try is over (under lock, told by tried) */
	bool listen_tried;
	pthread_cond_t tried;
	/* the relay queue: whole JSON objects, comma-joined */
	struct buf queue;
	size_t queued;
	uint64_t dropped;
	/* cluster_on_event, under hook_lock (held while the hook runs) */
	pthread_mutex_t hook_lock;
	void (*hook)(const char *type, const char *data, void *ctx);
	void *hook_ctx;
	/* cluster_on_dead_node, under adopt_lock (held while it runs) */
	pthread_mutex_t adopt_lock;
	void (*adopt)(const char *node, void *ctx);
	void *adopt_ctx;
	/* other nodes' events for the hook, under lock */
	struct remote *remote;
	size_t n_remote, cap_remote;
};

struct remote {
	char type[16];
	char *data;
};

void cluster_on_event(struct cluster *c,
		      void (*fn)(const char *type, const char *data,
				 void *ctx),
		      void *ctx)
{
	pthread_mutex_lock(&c->hook_lock);
	c->hook = fn;
	c->hook_ctx = ctx;
	pthread_mutex_unlock(&c->hook_lock);
}

/* Keep an event for the hook (the listener's thread: no store call). */
static void keep_remote(struct cluster *c, const char *type, const char *data)
{
	struct remote *r;

	pthread_mutex_lock(&c->lock);
	if (c->n_remote == c->cap_remote) {
		size_t cap = c->cap_remote ? c->cap_remote * 2 : 64;

		if (cap > RELAY_QUEUE_MAX ||
		    !(r = realloc(c->remote, cap * sizeof(*r)))) {
			c->dropped++;
			goto out;
		}
		c->remote = r;
		c->cap_remote = cap;
	}
	r = &c->remote[c->n_remote];
	snprintf(r->type, sizeof(r->type), "%s", type);
	if ((r->data = strdup(data)))
		c->n_remote++;
out:
	pthread_mutex_unlock(&c->lock);
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct timespec deadline_in(int64_t ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* Sleep up to ms unless stopping; false once stopping. */
static bool nap(struct cluster *c, int64_t ms)
{
	struct timespec until = deadline_in(ms);
	bool go;

	pthread_mutex_lock(&c->lock);
	if (!c->stop)
		pthread_cond_timedwait(&c->wake, &c->lock, &until);
	go = !c->stop;
	pthread_mutex_unlock(&c->lock);
	return go;
}

/* ---- leases ----------------------------------------------------------------- */

static void renew(struct cluster *c, size_t i)
{
	int64_t asked = mono_ms(), epoch = 0;
	bool held = false, was;
	struct err e;

	if (db_lease_acquire(c->db, duties[i], c->node, c->ttl_ms, &held, &epoch,
			     &e)) {
		log_warn("lease %s: %s", duties[i], e.msg);
		return;   /* it runs out by itself if this goes on */
	}
	pthread_mutex_lock(&c->lock);
	was = c->leases[i].held_until > mono_ms();
	c->leases[i].held_until = held ? asked + c->ttl_ms - c->ttl_ms / 5 : 0;
	c->leases[i].epoch = held ? epoch : 0;
	pthread_mutex_unlock(&c->lock);
	if (held && !was)
		log_info("node %s holds the duty %s (epoch %lld)", c->node,
			 duties[i], (long long)epoch);
	else if (!held && was)
		log_warn("node %s lost the duty %s", c->node, duties[i]);
}

/* This node's liveness: node/NODE (kept, not given back, at a stop). */
static void renew_node(struct cluster *c)
{
	char name[160];
	int64_t epoch;
	bool held;
	struct err e;

	snprintf(name, sizeof(name), NODE_PREFIX "%s", c->node);
	if (db_lease_acquire(c->db, name, c->node, c->ttl_ms, &held, &epoch, &e))
		log_warn("lease %s: %s", name, e.msg);
	/* not held: another node takes over what this one left; soon back */
}

static void renew_all(struct cluster *c)
{
	for (size_t i = 0; i < N_DUTIES; i++)
		renew(c, i);
	renew_node(c);
}

static void *lease_main(void *arg)
{
	struct cluster *c = arg;

	while (nap(c, c->ttl_ms / 3))
		renew_all(c);
	return NULL;
}

/* ---- dead nodes ------------------------------------------------------------ */

void cluster_on_dead_node(struct cluster *c,
			  void (*fn)(const char *node, void *ctx), void *ctx)
{
	pthread_mutex_lock(&c->adopt_lock);
	c->adopt = fn;
	c->adopt_ctx = ctx;
	pthread_mutex_unlock(&c->adopt_lock);
}

struct dead_list {
	char (*names)[160];
	size_t n, cap;
};

static int note_dead(const char *name, void *ctx)
{
	struct dead_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char (*p)[160] = realloc(l->names, cap * sizeof(*p));

		if (!p)
			return ERR_NOMEM;
		l->names = p;
		l->cap = cap;
	}
	snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", name);
	return ERR_OK;
}

/* Take over what the node of lease `name` left, if no other node does. */
static void adopt_one(struct cluster *c, const char *name)
{
	const char *node = name + strlen(NODE_PREFIX);
	int64_t epoch;
	bool held;
	struct err e;

	if (!strcmp(node, c->node) ||
	    db_lease_acquire(c->db, name, c->node, ADOPT_MS, &held, &epoch, &e) ||
	    !held)
		return;
	log_info("node %s takes over what node %s left (it is gone)", c->node,
		 node);
	pthread_mutex_lock(&c->adopt_lock);
	if (c->adopt)
		c->adopt(node, c->adopt_ctx);
	pthread_mutex_unlock(&c->adopt_lock);
	if (db_lease_release(c->db, name, c->node, true, &e))
		log_warn("lease %s: %s", name, e.msg);
}

static void *adopt_main(void *arg)
{
	struct cluster *c = arg;
	struct dead_list l = { 0 };
	struct err e;
	bool hooked;

	while (nap(c, c->ttl_ms / 3)) {
		pthread_mutex_lock(&c->adopt_lock);
		hooked = c->adopt != NULL;
		pthread_mutex_unlock(&c->adopt_lock);
		l.n = 0;
		if (!hooked ||
		    db_lease_expired(c->db, NODE_PREFIX, note_dead, &l, &e))
			continue;
		for (size_t i = 0; i < l.n; i++)
			adopt_one(c, l.names[i]);
	}
	free(l.names);
	return NULL;
}

bool cluster_holds(struct cluster *c, const char *duty, int64_t *epoch)
{
	bool held = false;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < N_DUTIES; i++)
		if (!strcmp(duties[i], duty)) {
			held = c->leases[i].held_until > mono_ms();
			if (epoch)
				*epoch = held ? c->leases[i].epoch : 0;
		}
	pthread_mutex_unlock(&c->lock);
	return held;
}

static bool duty_from_lease(const char *name, void *ctx)
{
	return cluster_holds(ctx, name, NULL);
}

/* ---- events: out ---------------------------------------------------------------- */

static void relay(const char *type, const char *plot, const char *data,
		  void *ctx)
{
	struct cluster *c = ctx;

	pthread_mutex_lock(&c->lock);
	if (c->queued >= RELAY_QUEUE_MAX) {
		c->dropped++;
	} else {
		if (c->queued++)
			buf_putc(&c->queue, ',');
		buf_puts(&c->queue, "{\"t\":");
		buf_json_string(&c->queue, type);
		buf_puts(&c->queue, ",\"p\":");
		buf_json_string(&c->queue, plot);
		buf_puts(&c->queue, ",\"d\":");
		buf_puts(&c->queue, data);
		buf_putc(&c->queue, '}');
	}
	pthread_mutex_unlock(&c->lock);
}

/* The end of the whole events of text[0, len) that fit a payload. */
static size_t cut(const char *text, size_t len, size_t room)
{
	size_t depth = 0, last = 0;
	bool in_str = false;

	for (size_t i = 0; i < len && i < room; i++) {
		char ch = text[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{') {
			depth++;
		} else if (ch == '}' && --depth == 0) {
			last = i + 1;
		}
	}
	return last;
}

/* Skip one event (too big for a payload): to the end of its object. */
static size_t skip_one(const char *text, size_t len)
{
	size_t n = cut(text, len, len);

	return n ? n : len;
}

static void send_batch(struct cluster *c, const struct buf *q)
{
	struct buf msg = BUF_INIT;
	size_t at = 0, room, n;
	struct err e;

	while (at < q->len) {
		if (q->data[at] == ',') {
			at++;
			continue;
		}
		buf_reset(&msg);
		buf_puts(&msg, "{\"n\":");
		buf_json_string(&msg, c->node);
		buf_puts(&msg, ",\"e\":[");
		room = PAYLOAD_MAX > msg.len + 2 ? PAYLOAD_MAX - msg.len - 2 : 0;
		if (!(n = cut(q->data + at, q->len - at, room))) {
			log_warn("a live event over %d bytes is not sent to the "
				 "other nodes", PAYLOAD_MAX);
			at += skip_one(q->data + at, q->len - at);
			continue;
		}
		buf_append(&msg, q->data + at, n);
		buf_puts(&msg, "]}");
		at += n;
		if (buf_failed(&msg))
			break;
		if (db_notify(c->db, CHANNEL, msg.data, &e))
			log_warn("live events to the other nodes: %s", e.msg);
	}
	buf_free(&msg);
}

/* Give the other nodes' events to the hook (on the sender's thread). */
static void run_hook(struct cluster *c)
{
	struct remote *list;
	size_t n;

	pthread_mutex_lock(&c->lock);
	list = c->remote;
	n = c->n_remote;
	c->remote = NULL;
	c->n_remote = c->cap_remote = 0;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&c->hook_lock);
	for (size_t i = 0; i < n; i++) {
		if (c->hook)
			c->hook(list[i].type, list[i].data, c->hook_ctx);
		free(list[i].data);
	}
	pthread_mutex_unlock(&c->hook_lock);
	free(list);
}

static void *send_main(void *arg)
{
	struct cluster *c = arg;
	struct buf q = BUF_INIT;

	while (nap(c, RELAY_PERIOD_MS)) {
		run_hook(c);
		pthread_mutex_lock(&c->lock);
		if (!c->queued) {
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		buf_reset(&q);
		buf_append(&q, c->queue.data, c->queue.len);
		buf_reset(&c->queue);
		c->queued = 0;
		pthread_mutex_unlock(&c->lock);
		if (!buf_failed(&q))
			send_batch(c, &q);
	}
	buf_free(&q);
	return NULL;
}

/* ---- events: in ------------------------------------------------------------------ */

static int take_payload(const char *payload, void *ctx)
{
	struct cluster *c = ctx;
	json_t *j = json_loads(payload, 0, NULL), *ev;
	const char *node = json_string_value(json_object_get(j, "n"));
	size_t i;

	if (!j || !node || !strcmp(node, c->node)) {
		json_decref(j);
		return ERR_OK;   /* ours, or not an Oasis payload */
	}
	json_array_foreach(json_object_get(j, "e"), i, ev) {
		const char *type = json_string_value(json_object_get(ev, "t"));
		const char *plot = json_string_value(json_object_get(ev, "p"));
		char *data = json_dumps(json_object_get(ev, "d"),
					JSON_COMPACT | JSON_ENCODE_ANY);

		/*
		 * the hook may call the store: the sender's thread runs it,
		 * this one holds the listening connection
		 */
		if (type && data) {
			/* messages for nodes only: rules changed, readings */
			if (strcmp(type, "rules") && strcmp(type, "readings"))
				events_publish_remote(c->events, type, plot,
						      data);
			keep_remote(c, type, data);
		}
		free(data);
	}
	json_decref(j);
	return ERR_OK;
}

static void tell_tried(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	c->listen_tried = true;
	pthread_cond_broadcast(&c->tried);
	pthread_mutex_unlock(&c->lock);
}

/*
 * Wait (a few seconds at most) for the listener's first LISTEN: a screen
 * attached once the node answers gets every event the others send then.
 */
static void wait_listening(struct cluster *c)
{
	struct timespec until = deadline_in(LISTEN_WAIT_MS);

	pthread_mutex_lock(&c->lock);
	while (!c->listen_tried &&
	       !pthread_cond_timedwait(&c->tried, &c->lock, &until))
		;
	pthread_mutex_unlock(&c->lock);
}

static void *listen_main(void *arg)
{
	struct cluster *c = arg;
	struct db_listener *l = NULL;
	bool lost = false;
	struct err e;

	do {
		if (!l && db_listen(c->db, CHANNEL, &l, &e)) {
			log_warn("live events from the other nodes: %s (again in "
				 "1 s)", e.msg);
			l = NULL;
			lost = true;
			tell_tried(c);
			continue;
		}
		tell_tried(c);
		if (lost) {
			/* what the others sent meanwhile is gone: screens reload */
			log_info("live events from the other nodes: listening again");
			events_publish_remote(c->events, "resync", "",
					      "{\"reason\":\"events of other "
					      "nodes were missed\"}");
			lost = false;
		}
		if (db_listener_wait(l, 200, take_payload, c, &e)) {
			log_warn("live events from the other nodes: %s", e.msg);
			db_listener_close(l);
			l = NULL;
			lost = true;
		}
	} while (nap(c, l ? 0 : 1000));
	db_listener_close(l);
	return NULL;
}

/* ---- life ------------------------------------------------------------------------ */

static void stop_threads(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->lease_thread, NULL);
	pthread_join(c->adopt_thread, NULL);
	if (c->events) {
		pthread_join(c->send_thread, NULL);
		pthread_join(c->listen_thread, NULL);
	}
}

int cluster_open(struct db *db, struct events *ev,
		 const struct cluster_opts *o, struct cluster **out,
		 struct err *e)
{
	struct cluster *c = calloc(1, sizeof(*c));
	char origin[24];

	if (!c)
		return err_nomem(e);
	c->db = db;
	c->events = ev;
	snprintf(c->node, sizeof(c->node), "%s", o->node);
	c->ttl_ms = o->lease_ms > 0 ? o->lease_ms : DEFAULT_LEASE_MS;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->hook_lock, NULL);
	pthread_mutex_init(&c->adopt_lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->tried, NULL);
	renew_all(c);
	duty_set_provider(duty_from_lease, c);
	if (ev) {
		/* this run's origin: ids of another node or run mean a resync */
		snprintf(origin, sizeof(origin), "%08x%04x",
			 (unsigned)time(NULL), (unsigned)(mono_ms() & 0xffff));
		events_set_relay(ev, relay, c, origin);
	}
	if (pthread_create(&c->lease_thread, NULL, lease_main, c))
		goto fail;
	if (pthread_create(&c->adopt_thread, NULL, adopt_main, c)) {
		log_error("cannot start the cluster's threads");
		abort();
	}
	if (ev && (pthread_create(&c->send_thread, NULL, send_main, c) ||
		   pthread_create(&c->listen_thread, NULL, listen_main, c))) {
		/* a half start: keep it simple, refuse to run */
		log_error("cannot start the cluster's threads");
		abort();
	}
	if (ev)
		wait_listening(c);
	c->threads = true;
	*out = c;
	return ERR_OK;
fail:
	duty_set_provider(NULL, NULL);
	if (ev)
		events_set_relay(ev, NULL, NULL, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->tried);
	pthread_mutex_destroy(&c->hook_lock);
	pthread_mutex_destroy(&c->adopt_lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return err_set(e, ERR_INTERNAL, "cannot start the cluster's threads");
}

void cluster_close(struct cluster *c)
{
	struct err e;

	if (!c)
		return;
	if (c->threads)
		stop_threads(c);
	duty_set_provider(NULL, NULL);
	for (size_t i = 0; i < N_DUTIES; i++)
		if (c->leases[i].held_until &&
		    db_lease_release(c->db, duties[i], c->node, false, &e))
			log_warn("giving the lease %s back: %s", duties[i], e.msg);
	if (c->dropped)
		log_warn("%llu live events were not relayed to the other nodes "
			 "(queue full)", (unsigned long long)c->dropped);
	buf_free(&c->queue);
	for (size_t i = 0; i < c->n_remote; i++)
		free(c->remote[i].data);
	free(c->remote);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->tried);
	pthread_mutex_destroy(&c->hook_lock);
	pthread_mutex_destroy(&c->adopt_lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
