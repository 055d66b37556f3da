/*
 * pg_retry: riding out a PostgreSQL failover or switchover.
 *
 * When Patroni moves the leader, a node's connections die ("server closed
 * the connection unexpectedly", SQLSTATE 57P01 admin shutdown, 08xxx), a
 * connection made through a proxy may land on a server still read-only
 * (25006), and for some seconds no server accepts writes at all.  These
 * failures are transient: the call is retried on a fresh connection, with
 * a growing delay, until it succeeds or the retry window (default 30 s,
 * longer than a failover at Patroni's ttl + promotion) has passed.  Any
 * other failure (a constraint, a missing table, a refused password) is
 * returned at once.
 *
 * Invariants:
 *  1. Only a transient failure is retried (pg_retry_transient); the error
 *     returned after the window is the last attempt's.
 *  2. Every attempt runs on a connection borrowed for it alone; a
 *     connection that failed transiently is closed, never pooled again, and
 *     the idle connections opened before it are dropped with it (they lead
 *     to the same former primary).
 *  3. A unit of work whose COMMIT's outcome is unknown (the connection died
 *     while committing) is run again whole.  That is only correct for work
 *     that is idempotent: writing chunks (the same points again: the higher
 *     seq wins with the same values), upserts, compare-and-set updates.
 *     A plain INSERT of a unique key may then answer "exists" although the
 *     first attempt did insert it.
 *  4. Nothing here cancels a statement that waits for the synchronous
 *     standby: a cancelled wait leaves the commit visible on the primary
 *     but not on the standby (docs/CLUSTER.md).
 */
#ifndef OASIS_DB_PG_RETRY_H
#define OASIS_DB_PG_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct db;
struct pg_conn;

/*
 * Whether a failure with this SQLSTATE ("" for none: the connection
 * itself failed) and message is worth a retry on a new connection.
 */
bool pg_retry_transient(const char *sqlstate, const char *message);

/* The delay before retry number attempt (1, 2, ...): 50 ms doubling to 1 s. */
unsigned pg_retry_delay_ms(unsigned attempt);

/* How long a call keeps retrying (ms; 0 restores the default, 30 s). */
void pg_retry_window(unsigned ms);
/* The same for the calling thread alone (0: the window above again). */
void pg_retry_thread_window(unsigned ms);

/* Failures and retries since the start (for /metrics and the tests). */
struct pg_retry_stats {
	uint64_t transient;  /* transient failures seen */
	uint64_t retried;    /* attempts made again */
	uint64_t gave_up;    /* calls that failed after the window */
};
void pg_retry_stats(struct pg_retry_stats *out);

/*
 * Run fn(c, ctx, e) on a borrowed connection; again on a new one while it
 * fails transiently and the window lasts (invariants 1-3).  fn does its
 * own BEGIN/COMMIT when it needs a transaction and must leave none open.
 */
typedef int (*pg_retry_fn)(struct pg_conn *c, void *ctx, struct err *e);
int pg_retry_run(struct db *db, pg_retry_fn fn, void *ctx, struct err *e);

/* pg.c's side: pg__error and the pool record a transient failure here. */
void pg_retry__note(const char *sqlstate, const char *message);
bool pg_retry__take(void);

#endif
