/*
 * events: the live event feed behind GET /api/v1/stream.
 *
 * Publishers (ingestion, alerts, valve commands) append events to a ring of
 * the most recent ones; each event has a type ("point", "alert",
 * "command"), an optional plot code for filtering, a JSON data text and an
 * id that only grows.  Readers keep the id of the last event they sent and
 * read on from there; a reader that fell behind the ring is told how many
 * events it missed.  Readers that wait register a wake-up callback, called
 * (outside the lock) when something is published, every heartbeat, and at
 * close.  A reader detached while a wake-up is on its way is released
 * (its release callback) only once that wake-up has returned, so a
 * callback never meets freed memory.
 */
#ifndef OASIS_UTIL_EVENTS_H
#define OASIS_UTIL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct events;

struct events_reader {
	uint64_t last_id;          /* last event delivered */
	char plot[64];             /* "" : every plot */
	void (*wake)(void *ctx);   /* called when there may be news */
	void (*release)(void *ctx);/* called once, after events_detach */
	void *ctx;
	/* the hub's, under its lock */
	bool waiting;
	bool heartbeat_due;
	bool beat_seen;            /* a heartbeat since events_heartbeat_passed */
	bool detached;
	bool resync_due;           /* say "resync" first (events_parse_id) */
	unsigned wakes_in_flight;
	struct events_reader *next;
};

/* capacity: events kept for late readers and Last-Event-ID resumption. */
int events_open(size_t capacity, unsigned heartbeat_ms, struct events **out,
		struct err *e);
/*
 * Stop: every reader is woken one last time and events_read then says
 * closed.  The hub stays valid for events_detach until events_free.
 */
void events_shutdown(struct events *ev);
/* Free the hub (after shutdown, once no reader is attached). */
void events_free(struct events *ev);

/* Publish; data is JSON text (copied).  Returns the event's id (0 on OOM). */
uint64_t events_publish(struct events *ev, const char *type, const char *plot,
			const char *data);
/* Are any readers connected?  Publishers may skip building events if not. */
bool events_has_readers(struct events *ev);

void events_attach(struct events *ev, struct events_reader *r);
/* Stop reading; r->release is called now or when the last wake-up returns. */
void events_detach(struct events *ev, struct events_reader *r);

/*
 * Append to out, in SSE wire format, the events after r->last_id that
 * match r's plot (at most max_bytes, whole events), and advance r->last_id.
 * Returns 1 when something was written, 0 when there is nothing (the
 * reader is then marked waiting and will be woken), -1 when closed.
 */
int events_read(struct events *ev, struct events_reader *r, struct buf *out,
		size_t max_bytes);

/*
 * Has a heartbeat passed since the last call (or the attach)?  A reader
 * that checks something once a heartbeat (its credential) asks this each
 * time it is woken: every heartbeat wakes it.
 */
bool events_heartbeat_passed(struct events *ev, struct events_reader *r);

/* The newest id published so far (0 if none). */
uint64_t events_last_id(struct events *ev);

/*
 * Many nodes (docs/CLUSTER.md).  events_set_relay, before any
 * publisher starts: relay is called (outside the lock) with every event
 * events_publish publishes here, to send it to the other nodes, and ids go
 * out as ORIGIN-N, ORIGIN naming this run of this node (no '-' in it).
 * events_publish_remote publishes an event that came from another node:
 * never relayed.  events_has_readers is then always true (the other
 * nodes' screens read too).
 */
void events_set_relay(struct events *ev,
		      void (*relay)(const char *type, const char *plot,
				    const char *data, void *ctx),
		      void *ctx, const char *origin);
uint64_t events_publish_remote(struct events *ev, const char *type,
			       const char *plot, const char *data);
/*
 * Send an event to the other nodes only (not to this node's streams): a
 * message between nodes, such as "rules" (the alert rules changed).
 * Nothing happens without a relay.
 */
void events_relay(struct events *ev, const char *type, const char *data);
/*
 * The event id in a Last-Event-ID: N, or ORIGIN-N of this hub's origin;
 * an id of another origin (another node, an earlier run) sets *foreign
 * and gives the newest id (the reader resumes from now, after a resync).
 */
uint64_t events_parse_id(struct events *ev, const char *text, bool *foreign);

#endif
