/*
 * mqtt: the server's connection to an MQTT broker (libmosquitto).
 *
 * One client per server, with a stable client id and a persistent session
 * (clean_session false), so that QoS 1 messages sent while the server was
 * away are delivered when it comes back.  It reconnects by itself with
 * exponential backoff (1 s to 60 s) and subscribes again on every connect.
 * Handlers run on the client's network thread, one message at a time.
 *
 * Delivery: libmosquitto acknowledges a QoS 1 message (PUBACK) as it
 * arrives, before the handler has made its points durable; a crash in that
 * window (milliseconds: one group commit) can lose the message.  Gateways
 * that need every point acknowledged only when durable use HTTP.
 */
#ifndef OASIS_INGEST_MQTT_H
#define OASIS_INGEST_MQTT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct mqtt;

/* A handler gets the topic's parts: for "oasis/ws-1/telemetry", "ws-1". */
typedef void (*mqtt_handler)(const char *device, const void *payload,
			     size_t len, void *ctx);

/*
 * A client for url, mqtt://[USER[:PASS]@]HOST[:PORT], not connected yet:
 * register the handlers (mqtt_on), then mqtt_start.  password, when not
 * NULL, is the broker password (from a file, so that ps does not show it)
 * and wins over the URL's.  No message names the password.
 */
int mqtt_open(const char *url, const char *client_id, const char *password,
	      struct mqtt **out, struct err *e);
/*
 * The same as a member of the share group `group` (several nodes of a
 * cluster, docs/CLUSTER.md): it subscribes to $share/GROUP/oasis/+/...
 * so that the broker hands each message to one member.  Its session is
 * persistent too (its client id names the node): the broker keeps queuing a
 * member's share while it is away (mosquitto#2662) and delivers it when the
 * node is back, so a node killed with a backlog at the broker loses none of
 * it (a clean session lost the whole backlog: 2,464 of 10,000 readings in
 * the cluster suite's check 3).  The share of a node that does not come
 * back is taken over by another node (mqtt_adopt).
 */
int mqtt_open_shared(const char *url, const char *client_id,
		     const char *password, const char *group,
		     struct mqtt **out, struct err *e);
/*
 * Connect in the background.  The persistent session's queued messages
 * arrive right after the connection, so every handler is registered
 * before this: none is dropped for want of one.  A broker that is down
 * is not an error: the client keeps trying.
 */
int mqtt_start(struct mqtt *m, struct err *e);
/* Disconnect and free. */
void mqtt_close(struct mqtt *m);

/*
 * Take over the persistent session client_id of a share-group member that
 * died (docs/CLUSTER.md, "Shared MQTT ingest"), on like's broker with its
 * credentials and handlers: connect with that id (the broker resumes the
 * session and sends what it queued for it and what it had not
 * acknowledged), leave the share group (unsubscribe like's patterns, so
 * the broker hands the whole to the live members), handle every message
 * as like does, and disconnect once none came for quiet_ms (or after
 * max_ms, or at once when the session's owner connects again and takes it
 * back).  The session stays at the broker without subscriptions; its
 * node joins the group again when it connects.  *taken: messages handled.
 */
int mqtt_adopt(struct mqtt *like, const char *client_id, int quiet_ms,
	       int max_ms, size_t *taken, struct err *e);

/*
 * Handle messages on oasis/DEVICE/<suffix> (e.g. "telemetry", "acks") at
 * QoS 1.  Register handlers before mqtt_start or they apply from the next
 * reconnect.
 */
int mqtt_on(struct mqtt *m, const char *suffix, mqtt_handler fn, void *ctx,
	    struct err *e);

/* Publish to oasis/DEVICE/<suffix> at QoS 1; ERR_UNAVAILABLE when offline. */
int mqtt_publish(struct mqtt *m, const char *device, const char *suffix,
		 const void *payload, size_t len, struct err *e);

bool mqtt_connected(struct mqtt *m);

#endif
