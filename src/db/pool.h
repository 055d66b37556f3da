/*
 * pool: a store's bounded pool of connections, one module for both
 * backends (sqlite.c, pg.c).  The pool knows nothing of SQLite or libpq:
 * a backend embeds a struct pool_link in its connection type, and gives
 * the pool three callbacks to open, keep or close one.
 *
 * The invariants (what keeps a busy server from deadlocking on it)
 * 1. A thread holds at most one connection of a store at a time.  No store
 *    call runs inside another: a row iterator (db_*_list and the like)
 *    collects its rows, gives its connection back, and only then calls its
 *    callback, so a callback may call the store again.  The two streaming
 *    iterators of the time-series engine on SQLite (db_chunks_read,
 *    db_latest_list) call back while they hold the connection: their
 *    callbacks never call the store.  "Collect, then act."
 * 2. pool_get checks invariant 1: a thread-local marks the pool whose
 *    connection this thread holds, and asking for a second one is a bug
 *    that aborts in builds without NDEBUG (the tests) and is logged in the
 *    others.  A thread may hold connections of two different stores (the
 *    mark of the first is kept in the second's link and restored by put).
 * 3. The pool is sized to the threads that may call the store at once
 *    (db_pool_config: the HTTP workers plus the background threads), so by
 *    1 and 3 a connection is always free and pool_get never waits in a
 *    correct program.
 * 4. Should it wait all the same (a bug, or more callers than sized), it
 *    waits at most wait_ms (on the monotonic clock) and then fails with
 *    ERR_UNAVAILABLE naming the wait (503 over HTTP): never for ever.
 * 5. A connection the backend says not to keep (keep() false: PostgreSQL's
 *    broken ones) is closed at put and its room given back.
 */
#ifndef OASIS_DB_POOL_H
#define OASIS_DB_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct pool;

/* Embedded in a backend's connection; the pool's bookkeeping only. */
struct pool_link {
	struct pool_link *next;          /* the idle list */
	const struct pool *held_before;  /* the thread's mark before this one */
};

struct pool_ops {
	/* Open a new connection of the pool's store (the backend finds its
	 * store from pool: it embeds the pool). */
	int (*open)(struct pool *pool, struct pool_link **out, struct err *e);
	void (*close)(struct pool_link *c);
	/* At put: tidy c and say whether it can be used again (NULL: always). */
	bool (*keep)(struct pool_link *c);
};

struct pool {
	const struct pool_ops *ops;
	const char *shown;            /* the store, in messages */
	pthread_mutex_t lock;
	pthread_cond_t returned;      /* on CLOCK_MONOTONIC */
	struct pool_link *idle;
	int open_conns;
	uint64_t opened;
	int max_conns;
	unsigned wait_ms;             /* the longest wait for a connection */
	uint64_t waits, timeouts;     /* under lock: db_pool_stats */
};

/* The wait when none is configured (db_pool_config with wait_ms 0). */
#define POOL_WAIT_MS 10000

/* Set up an empty pool of DB_POOL_DEFAULT connections; shown is kept. */
int pool_init(struct pool *p, const struct pool_ops *ops, const char *shown,
	      struct err *e);
/* Close the idle connections and release the pool (all must be back). */
void pool_destroy(struct pool *p);

/*
 * Borrow a connection (opening one if the pool has room), and give it
 * back.  See the invariants above: one per thread, a bounded wait.
 */
int pool_get(struct pool *p, struct pool_link **out, struct err *e);
void pool_put(struct pool *p, struct pool_link *c);
/*
 * Give back c as broken (a failover, a server gone): it is closed, and
 * with it the idle connections (opened before it, to the same server,
 * most likely gone too); the next pool_get opens new ones.
 */
void pool_discard(struct pool *p, struct pool_link *c);
/* Count c, opened by the backend itself (at open), as the pool's own. */
void pool_adopt(struct pool *p, struct pool_link *c);

/* db_pool_config and db_pool_stats of a backend. */
int pool_config(struct pool *p, unsigned connections, unsigned wait_ms,
		struct err *e);
void pool_stats(struct pool *p, struct db_pool_stats *out);

#endif
