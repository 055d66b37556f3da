#include "auth/auth_limit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define KEY_MAX 96
#define PROBE 16 /* slots looked at for a key: a bounded search */

struct slot {
	char key[KEY_MAX];     /* "user NAME" or "address ADDR"; "" : free */
	unsigned failures;     /* since the last success or forgetting */
	unsigned in_flight;    /* attempts begun, not yet ended */
	int64_t last_fail_ms;
	int64_t blocked_until_ms;
	unsigned unlogged;     /* failures not yet in a log line */
	int64_t logged_ms;     /* when the last log line was written */
};

struct auth_limit {
	struct auth_limit_opts o;
	pthread_mutex_t lock;
	struct slot *slots;
};

void auth_limit_defaults(struct auth_limit_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->free_failures = 3;
	o->base_ms = 1000;
	o->max_ms = 15 * 60 * 1000;
	o->forget_ms = 60 * 60 * 1000;
	o->log_every_ms = 60 * 1000;
	o->slots = 4096;
}

static int64_t monotonic_ms(void *ctx)
{
	struct timespec t;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int auth_limit_open(const struct auth_limit_opts *o, struct auth_limit **out,
		    struct err *e)
{
	struct auth_limit *l = calloc(1, sizeof(*l));

	if (!l || o->slots == 0 ||
	    !(l->slots = calloc(o->slots, sizeof(*l->slots)))) {
		free(l);
		return err_nomem(e);
	}
	l->o = *o;
	if (!l->o.now_ms)
		l->o.now_ms = monotonic_ms;
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return ERR_OK;
}

void auth_limit_close(struct auth_limit *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l->slots);
	free(l);
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool forgotten(const struct auth_limit *l, const struct slot *s,
		      int64_t now)
{
	return !s->key[0] || (!s->in_flight &&
			      now - s->last_fail_ms >= l->o.forget_ms &&
			      now >= s->blocked_until_ms);
}

/*
 * The slot of key; with create, a free, forgotten or (the table being
 * full) the oldest slot of its window is taken over.  NULL if none.
 */
static struct slot *find(struct auth_limit *l, const char *key, int64_t now,
			 bool create)
{
	size_t n = l->o.slots, at = (size_t)(hash(key) % n);
	struct slot *spare = NULL;

	for (size_t i = 0; i < PROBE && i < n; i++) {
		struct slot *s = &l->slots[(at + i) % n];

		if (!strcmp(s->key, key))
			return s;
		if (!spare || (!forgotten(l, spare, now) &&
			       (forgotten(l, s, now) ||
				s->last_fail_ms < spare->last_fail_ms)))
			spare = s;
	}
	if (!create)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	snprintf(spare->key, sizeof(spare->key), "%s", key);
	return spare;
}

static void key_of(char out[KEY_MAX], const char *kind, const char *name)
{
	/* a long name is cut: two names alike in their first 80 bytes share */
	int n = snprintf(out, KEY_MAX, "%s '%.80s'", kind, name ? name : "");

	/* it goes into log lines: nothing there may end or forge a line */
	for (int i = 0; i < n && i < KEY_MAX; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

/* How long key must wait; busy past its free failures: a second. */
static int64_t wait_of(struct auth_limit *l, const struct slot *s,
		       int64_t now)
{
	if (!s || forgotten(l, s, now))
		return 0;
	if (now < s->blocked_until_ms)
		return s->blocked_until_ms - now;
	if (s->in_flight && s->failures + s->in_flight >= l->o.free_failures)
		return l->o.base_ms;
	return 0;
}

int64_t auth_limit_begin(struct auth_limit *l, const char *account,
			 const char *address)
{
	char user[KEY_MAX], addr[KEY_MAX];
	struct slot *u, *a;
	int64_t now, wait;

	key_of(user, "account", account);
	key_of(addr, "address", address);
	pthread_mutex_lock(&l->lock);
	now = l->o.now_ms(l->o.clock_ctx);
	u = find(l, user, now, true);
	a = find(l, addr, now, true);
	wait = wait_of(l, u, now);
	if (wait_of(l, a, now) > wait)
		wait = wait_of(l, a, now);
	if (!wait) {
		if (forgotten(l, u, now))
			u->failures = 0;
		if (forgotten(l, a, now))
			a->failures = 0;
		u->in_flight++;
		a->in_flight++;
	}
	pthread_mutex_unlock(&l->lock);
	return wait;
}

/* The wait after the n-th failure: 0, then base, 2 x base, ... up to max. */
static int64_t backoff_ms(const struct auth_limit_opts *o, unsigned n)
{
	int64_t wait = o->base_ms;

	if (n <= o->free_failures)
		return 0;
	for (unsigned i = o->free_failures + 1; i < n && wait < o->max_ms; i++)
		wait *= 2;
	return wait < o->max_ms ? wait : o->max_ms;
}

/* One line per key per interval, with how many failures it stands for. */
static void log_failures(struct auth_limit *l, struct slot *s, int64_t now)
{
	int64_t wait = s->blocked_until_ms > now ? s->blocked_until_ms - now : 0;

	s->unlogged++;
	if (s->logged_ms && now - s->logged_ms < l->o.log_every_ms)
		return;
	log_warn("login: %u failed sign-in%s for %s (%u in a row); the next "
		 "is allowed in %lld s", s->unlogged, s->unlogged == 1 ? "" : "s",
		 s->key, s->failures, (long long)(wait + 999) / 1000);
	s->unlogged = 0;
	s->logged_ms = now;
}

static void end(struct auth_limit *l, const char *key,
		enum auth_limit_outcome outcome, int64_t now)
{
	struct slot *s = find(l, key, now, false);

	if (!s)
		return; /* given way to others while the attempt ran */
	if (s->in_flight)
		s->in_flight--;
	if (outcome == AUTH_LIMIT_OK) {
		memset(s, 0, sizeof(*s));
	} else if (outcome == AUTH_LIMIT_FAILED) {
		s->failures++;
		s->last_fail_ms = now;
		s->blocked_until_ms = now + backoff_ms(&l->o, s->failures);
		log_failures(l, s, now);
	}
}

void auth_limit_end(struct auth_limit *l, const char *account,
		    const char *address, enum auth_limit_outcome outcome)
{
	char user[KEY_MAX], addr[KEY_MAX];
	int64_t now;

	key_of(user, "account", account);
	key_of(addr, "address", address);
	pthread_mutex_lock(&l->lock);
	now = l->o.now_ms(l->o.clock_ctx);
	end(l, user, outcome, now);
	end(l, addr, outcome, now);
	pthread_mutex_unlock(&l->lock);
}
