/*
 * cluster: what a node does so that N nodes on one PostgreSQL store behave
 * as one (docs/CLUSTER.md).  It holds the leases of the singleton
 * duties (util/duty.h answers from them), and carries the live events
 * published here to every other node and theirs to this one's streams
 * (NOTIFY/LISTEN on the channel oasis_events).  The engine's shared mode
 * (ts_engine_opts.shared) is the third part, set by the server.
 */
#ifndef OASIS_CLUSTER_CLUSTER_H
#define OASIS_CLUSTER_CLUSTER_H

#include <stdint.h>

#include "db/db.h"
#include "util/err.h"
#include "util/events.h"

struct cluster;

struct cluster_opts {
	const char *node;    /* this node's id: unique among live nodes */
	int64_t lease_ms;    /* a lease's time to live; 0: 10 s */
};

/*
 * Start: take what leases are free (synchronously, once), then keep them
 * (renewed every third of their ttl) and relay events.  ev may be NULL.
 */
int cluster_open(struct db *db, struct events *ev,
		 const struct cluster_opts *o, struct cluster **out,
		 struct err *e);
/* Stop relaying, give the leases back (the others take them at once). */
void cluster_close(struct cluster *c);

/*
 * Call fn(type, data, ctx) for each event another node published (e.g.
 * "rules": read the alert rules again; "point": note the device's
 * freshness), on the relay's sending thread, which may call the store.
 * One hook; NULL removes it, waiting for a call in flight.
 */
void cluster_on_event(struct cluster *c,
		      void (*fn)(const char *type, const char *data,
				 void *ctx),
		      void *ctx);

/*
 * Call fn(node, ctx) when another node died (its lease node/NODE, renewed
 * with the duties', expired): fn takes over what it left behind (its MQTT
 * sessions), on a thread of its own, under the lease node/NODE (so one
 * node does it), which is forgotten once fn returns.  One hook; NULL
 * removes it, waiting for a call in flight.
 */
void cluster_on_dead_node(struct cluster *c,
			  void (*fn)(const char *node, void *ctx), void *ctx);

/* Whether this node holds duty now; *epoch its lease's fencing epoch. */
bool cluster_holds(struct cluster *c, const char *duty, int64_t *epoch);

#endif
