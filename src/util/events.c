#include "util/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct event {
	uint64_t id;
	char type[16];
	char plot[64];
	char *data;
};

struct events {
	pthread_mutex_t lock;
	struct event *ring;
	size_t capacity;
	uint64_t next_id;          /* the id the next event gets; ids start at 1 */
	struct events_reader *readers;
	size_t n_readers;
	bool closed;
	unsigned heartbeat_ms;
	pthread_t heartbeat;
	pthread_cond_t stop;
	/* many nodes: set before publishers start, then read only */
	char origin[24];           /* ids go out as ORIGIN-N; "" : as N */
	void (*relay)(const char *type, const char *plot, const char *data,
		      void *ctx);
	void *relay_ctx;
};

/* Readers to wake, collected under the lock and woken outside it. */
struct wake_list {
	struct events_reader *r[64];
	size_t n;
};

static void collect_waiting(struct events *ev, struct wake_list *w, bool beat)
{
	w->n = 0;
	for (struct events_reader *r = ev->readers; r; r = r->next) {
		if (beat)
			r->heartbeat_due = r->beat_seen = true;
		if (!r->waiting || w->n == 64)
			continue;
		r->waiting = false;
		r->wakes_in_flight++;
		w->r[w->n++] = r;
	}
}

static void wake_all(struct events *ev, const struct wake_list *w)
{
	struct events_reader *release[64];
	size_t n_release = 0;

	for (size_t i = 0; i < w->n; i++)
		w->r[i]->wake(w->r[i]->ctx);
	pthread_mutex_lock(&ev->lock);
	for (size_t i = 0; i < w->n; i++)
		if (--w->r[i]->wakes_in_flight == 0 && w->r[i]->detached)
			release[n_release++] = w->r[i];
	pthread_mutex_unlock(&ev->lock);
	for (size_t i = 0; i < n_release; i++)
		release[i]->release(release[i]->ctx);
}

/* Wake everyone waiting; more than fit in one list are taken in turns. */
static void wake_waiting(struct events *ev, bool beat)
{
	struct wake_list w;

	do {
		pthread_mutex_lock(&ev->lock);
		collect_waiting(ev, &w, beat);
		pthread_mutex_unlock(&ev->lock);
		wake_all(ev, &w);
		beat = false;
	} while (w.n == 64);
}

static void *heartbeat_main(void *arg)
{
	struct events *ev = arg;
	struct timespec until;

	pthread_mutex_lock(&ev->lock);
	while (!ev->closed) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ev->heartbeat_ms / 1000;
		until.tv_nsec += (long)(ev->heartbeat_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&ev->stop, &ev->lock, &until);
		if (ev->closed)
			break;
		pthread_mutex_unlock(&ev->lock);
		wake_waiting(ev, true);
		pthread_mutex_lock(&ev->lock);
	}
	pthread_mutex_unlock(&ev->lock);
	return NULL;
}

int events_open(size_t capacity, unsigned heartbeat_ms, struct events **out,
		struct err *e)
{
	struct events *ev = calloc(1, sizeof(*ev));

	if (!ev || !(ev->ring = calloc(capacity, sizeof(*ev->ring)))) {
		free(ev);
		return err_nomem(e);
	}
	ev->capacity = capacity;
	ev->next_id = 1;
	ev->heartbeat_ms = heartbeat_ms;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->stop, NULL);
	if (pthread_create(&ev->heartbeat, NULL, heartbeat_main, ev)) {
		free(ev->ring);
		free(ev);
		return err_set(e, ERR_INTERNAL, "cannot start the event heartbeat");
	}
	*out = ev;
	return ERR_OK;
}

void events_shutdown(struct events *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	if (ev->closed) {
		pthread_mutex_unlock(&ev->lock);
		return;
	}
	ev->closed = true;
	pthread_cond_signal(&ev->stop);
	pthread_mutex_unlock(&ev->lock);
	pthread_join(ev->heartbeat, NULL);
	wake_waiting(ev, false);
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	events_shutdown(ev);
	for (size_t i = 0; i < ev->capacity; i++)
		free(ev->ring[i].data);
	free(ev->ring);
	pthread_cond_destroy(&ev->stop);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

static uint64_t publish(struct events *ev, const char *type, const char *plot,
			const char *data)
{
	char *copy = strdup(data);
	struct event *slot;
	uint64_t id;

	if (!copy)
		return 0;
	pthread_mutex_lock(&ev->lock);
	id = ev->next_id++;
	slot = &ev->ring[id % ev->capacity];
	free(slot->data);
	slot->id = id;
	snprintf(slot->type, sizeof(slot->type), "%s", type);
	snprintf(slot->plot, sizeof(slot->plot), "%s", plot ? plot : "");
	slot->data = copy;
	pthread_mutex_unlock(&ev->lock);
	wake_waiting(ev, false);
	return id;
}

uint64_t events_publish(struct events *ev, const char *type, const char *plot,
			const char *data)
{
	uint64_t id = publish(ev, type, plot, data);

	if (id && ev->relay)
		ev->relay(type, plot ? plot : "", data, ev->relay_ctx);
	return id;
}

void events_relay(struct events *ev, const char *type, const char *data)
{
	if (ev->relay)
		ev->relay(type, "", data, ev->relay_ctx);
}

uint64_t events_publish_remote(struct events *ev, const char *type,
			       const char *plot, const char *data)
{
	return publish(ev, type, plot, data);
}

void events_set_relay(struct events *ev,
		      void (*relay)(const char *type, const char *plot,
				    const char *data, void *ctx),
		      void *ctx, const char *origin)
{
	ev->relay = relay;
	ev->relay_ctx = ctx;
	snprintf(ev->origin, sizeof(ev->origin), "%s", origin ? origin : "");
}

uint64_t events_parse_id(struct events *ev, const char *text, bool *foreign)
{
	const char *dash = strrchr(text, '-');

	*foreign = false;
	if (!ev->origin[0] && !dash)
		return strtoull(text, NULL, 10);
	if (!dash || (size_t)(dash - text) != strlen(ev->origin) ||
	    strncmp(text, ev->origin, strlen(ev->origin))) {
		*foreign = true;   /* another node's, or another run's */
		return events_last_id(ev);
	}
	return strtoull(dash + 1, NULL, 10);
}

bool events_has_readers(struct events *ev)
{
	bool any;

	pthread_mutex_lock(&ev->lock);
	any = ev->n_readers > 0 || ev->relay; /* relayed: other nodes' readers */
	pthread_mutex_unlock(&ev->lock);
	return any;
}

bool events_heartbeat_passed(struct events *ev, struct events_reader *r)
{
	bool beat;

	pthread_mutex_lock(&ev->lock);
	beat = r->beat_seen;
	r->beat_seen = false;
	pthread_mutex_unlock(&ev->lock);
	return beat;
}

uint64_t events_last_id(struct events *ev)
{
	uint64_t id;

	pthread_mutex_lock(&ev->lock);
	id = ev->next_id - 1;
	pthread_mutex_unlock(&ev->lock);
	return id;
}

void events_attach(struct events *ev, struct events_reader *r)
{
	pthread_mutex_lock(&ev->lock);
	if (r->last_id >= ev->next_id)
		r->last_id = ev->next_id - 1; /* an id from before a restart */
	r->next = ev->readers;
	ev->readers = r;
	ev->n_readers++;
	pthread_mutex_unlock(&ev->lock);
}

void events_detach(struct events *ev, struct events_reader *r)
{
	bool release_now;

	pthread_mutex_lock(&ev->lock);
	for (struct events_reader **p = &ev->readers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			ev->n_readers--;
			break;
		}
	}
	r->detached = true;
	release_now = r->wakes_in_flight == 0;
	pthread_mutex_unlock(&ev->lock);
	if (release_now)
		r->release(r->ctx);
}

static void put_event(struct buf *out, const char *origin,
		      const struct event *ev)
{
	buf_printf(out, "id: %s%s%llu\nevent: %s\ndata: %s\n\n", origin,
		   *origin ? "-" : "", (unsigned long long)ev->id, ev->type,
		   ev->data);
}

int events_read(struct events *ev, struct events_reader *r, struct buf *out,
		size_t max_bytes)
{
	uint64_t oldest, id;
	size_t start = out->len;
	int rc;

	pthread_mutex_lock(&ev->lock);
	if (ev->closed) {
		pthread_mutex_unlock(&ev->lock);
		return -1;
	}
	oldest = ev->next_id > ev->capacity ? ev->next_id - ev->capacity : 1;
	if (r->resync_due) {
		/* a stream resumed from another node: reload, then live */
		buf_puts(out, "event: resync\ndata: {\"reason\":\"another "
			 "node\"}\n\n");
		r->resync_due = false;
	}
	if (r->last_id + 1 < oldest) {
		buf_printf(out, "event: gap\ndata: {\"missed\":%llu}\n\n",
			   (unsigned long long)(oldest - r->last_id - 1));
		r->last_id = oldest - 1;
	}
	for (id = r->last_id + 1; id < ev->next_id; id++) {
		const struct event *e = &ev->ring[id % ev->capacity];

		if (out->len - start >= max_bytes)
			break;
		r->last_id = id;
		if (r->plot[0] && strcmp(r->plot, e->plot))
			continue;
		put_event(out, ev->origin, e);
	}
	if (out->len == start && r->heartbeat_due) {
		buf_puts(out, ": keep-alive\n\n");
	}
	r->heartbeat_due = false;
	rc = out->len > start;
	r->waiting = !rc;
	pthread_mutex_unlock(&ev->lock);
	return rc;
}
