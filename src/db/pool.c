/*
 * pool: the connection pool of both backends.  The invariants are in
 * pool.h.
 */
#include "db/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

/* The pool whose connection this thread holds (invariant 1), or NULL. */
static _Thread_local const struct pool *held_by_thread;

int pool_init(struct pool *p, const struct pool_ops *ops, const char *shown,
	      struct err *e)
{
	pthread_condattr_t attr;
	int rc;

	*p = (struct pool){ .ops = ops, .shown = shown,
			    .max_conns = DB_POOL_DEFAULT,
			    .wait_ms = POOL_WAIT_MS };
	if (pthread_condattr_init(&attr))
		goto fail;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) ||
	     pthread_cond_init(&p->returned, &attr);
	pthread_condattr_destroy(&attr);
	if (rc)
		goto fail;
	if (pthread_mutex_init(&p->lock, NULL)) {
		pthread_cond_destroy(&p->returned);
		goto fail;
	}
	return ERR_OK;
fail:
	return err_set(e, ERR_INTERNAL, "cannot set up the pool of %s", shown);
}

void pool_destroy(struct pool *p)
{
	struct pool_link *c, *next;

	for (c = p->idle; c; c = next) {
		next = c->next;
		p->ops->close(c);
	}
	p->idle = NULL;
	pthread_cond_destroy(&p->returned);
	pthread_mutex_destroy(&p->lock);
}

/* Invariant 2: a second connection of the same store on one thread. */
static void nested_acquire(const struct pool *p)
{
#ifndef NDEBUG
	log_error("store: a thread asked for a second connection of %s while "
		  "holding one (a store call inside a row callback?): this can "
		  "deadlock the pool; collect the rows, then act", p->shown);
	abort();
#else
	static _Atomic int logged;

	if (!logged++)
		log_error("store: a thread asked for a second connection of %s "
			  "while holding one: this can deadlock the pool",
			  p->shown);
#endif
}

/* The instant wait_ms from now on the pool's (monotonic) clock. */
static struct timespec deadline_after(unsigned wait_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += wait_ms / 1000;
	t.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool full(const struct pool *p)
{
	return !p->idle && p->open_conns >= p->max_conns;
}

/* Under p->lock: wait for a connection to come back or room to open one. */
static int wait_for_room(struct pool *p, struct err *e)
{
	struct timespec until;

	if (!full(p))
		return ERR_OK;
	until = deadline_after(p->wait_ms);
	p->waits++;
	while (full(p))
		if (pthread_cond_timedwait(&p->returned, &p->lock, &until) ==
		    ETIMEDOUT && full(p)) {
			p->timeouts++;
			return err_set(e, ERR_UNAVAILABLE, "the store is busy: "
				       "all %d of its connections stayed in use "
				       "for %u ms while waiting for one",
				       p->max_conns, p->wait_ms);
		}
	return ERR_OK;
}

/* Take an idle connection, or the room to open one (*c stays NULL). */
static int take(struct pool *p, struct pool_link **c, struct err *e)
{
	int rc;

	*c = NULL;
	pthread_mutex_lock(&p->lock);
	if (!(rc = wait_for_room(p, e))) {
		if (p->idle) {
			*c = p->idle;
			p->idle = (*c)->next;
		} else {
			p->open_conns++;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Give back the room of a connection that was closed or never opened. */
static void give_room(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->open_conns--;
	pthread_cond_signal(&p->returned);
	pthread_mutex_unlock(&p->lock);
}

int pool_get(struct pool *p, struct pool_link **out, struct err *e)
{
	struct pool_link *c;
	int rc;

	if (held_by_thread == p)
		nested_acquire(p);
	if ((rc = take(p, &c, e)))
		return rc;
	if (!c) {
		if ((rc = p->ops->open(p, &c, e))) {
			give_room(p);
			return rc;
		}
		pthread_mutex_lock(&p->lock);
		p->opened++;
		pthread_mutex_unlock(&p->lock);
	}
	c->next = NULL;
	c->held_before = held_by_thread;
	held_by_thread = p;
	*out = c;
	return ERR_OK;
}

void pool_put(struct pool *p, struct pool_link *c)
{
	held_by_thread = c->held_before;
	c->held_before = NULL;
	if (p->ops->keep && !p->ops->keep(c)) {
		p->ops->close(c);
		give_room(p);
		return;
	}
	pthread_mutex_lock(&p->lock);
	c->next = p->idle;
	p->idle = c;
	pthread_cond_signal(&p->returned);
	pthread_mutex_unlock(&p->lock);
}

void pool_discard(struct pool *p, struct pool_link *c)
{
	struct pool_link *idle, *next;
	int dropped = 1;

	held_by_thread = c->held_before;
	c->held_before = NULL;
	p->ops->close(c);
	pthread_mutex_lock(&p->lock);
	idle = p->idle;
	p->idle = NULL;
	for (struct pool_link *i = idle; i; i = i->next)
		dropped++;
	p->open_conns -= dropped;
	pthread_cond_broadcast(&p->returned);
	pthread_mutex_unlock(&p->lock);
	for (; idle; idle = next) {
		next = idle->next;
		p->ops->close(idle);
	}
}

void pool_adopt(struct pool *p, struct pool_link *c)
{
	pthread_mutex_lock(&p->lock);
	p->open_conns++;
	p->opened++;
	c->held_before = NULL;
	c->next = p->idle;
	p->idle = c;
	pthread_cond_signal(&p->returned);
	pthread_mutex_unlock(&p->lock);
}

int pool_config(struct pool *p, unsigned connections, unsigned wait_ms,
		struct err *e)
{
	if (connections < 1 || connections > DB_POOL_MAX)
		return err_set(e, ERR_INVALID, "store connections: %u is not "
			       "between 1 and %d", connections, DB_POOL_MAX);
	pthread_mutex_lock(&p->lock);
	p->max_conns = (int)connections;
	p->wait_ms = wait_ms ? wait_ms : POOL_WAIT_MS;
	pthread_cond_broadcast(&p->returned);
	pthread_mutex_unlock(&p->lock);
	return ERR_OK;
}

void pool_stats(struct pool *p, struct db_pool_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->connections = (unsigned)p->max_conns;
	out->open = (unsigned)p->open_conns;
	out->waits = p->waits;
	out->timeouts = p->timeouts;
	out->opened = p->opened;
	pthread_mutex_unlock(&p->lock);
}
