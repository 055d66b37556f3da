/*
 * auth_pool: a few threads for the slow work of signing in (argon2id
 * password checks), with a bounded queue, so that a flood of sign-ins
 * waits here instead of holding the server's request workers.
 *
 * auth_pool_reserve takes a place (false when the threads are busy and the
 * queue is full: the caller answers 503 at once); auth_pool_run then hands
 * the job over, which runs fn(arg) on a pool thread.  Close runs every
 * queued job before it returns.
 */
#ifndef OASIS_AUTH_AUTH_POOL_H
#define OASIS_AUTH_AUTH_POOL_H

#include <stdbool.h>

#include "util/err.h"

struct auth_pool;

int auth_pool_open(unsigned threads, unsigned queue, struct auth_pool **out,
		   struct err *e);
/* Run what is queued, then stop the threads and free. */
void auth_pool_close(struct auth_pool *p);

/* Take a place for one job; false when none is free. */
bool auth_pool_reserve(struct auth_pool *p);
/* Run fn(arg) on the pool, in the place reserved. */
void auth_pool_run(struct auth_pool *p, void (*fn)(void *arg), void *arg);

#endif
