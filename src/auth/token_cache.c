/*
 * The token cache: the identities of tokens the store recognised lately,
 * by the hash of their secret, so that a request goes on being identified
 * while the store cannot answer (PostgreSQL restarting, a lost link).
 * The store is still asked first on every request; the cache answers only
 * when it fails, and only for an identity it confirmed less than
 * AUTH_TOKEN_CACHE_MS ago.  A fixed table (AUTH_TOKEN_CACHE_SLOTS, slot by
 * the hash's first bytes, a newer token taking the slot): bounded memory.
 */
#include "auth/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

struct slot {
	char hash[DB_HASH_MAX];      /* "" when empty */
	struct auth_identity who;
	int64_t checked_ms;          /* when the store last confirmed it */
	int64_t expires_ms;          /* the token's own expiry; 0: never */
};

static struct slot slots[AUTH_TOKEN_CACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t (*clock_fn)(void) = time_now_ms;

void auth_token_cache_clock(int64_t (*now_ms)(void))
{
	pthread_mutex_lock(&lock);
	clock_fn = now_ms ? now_ms : time_now_ms;
	pthread_mutex_unlock(&lock);
}

int64_t auth__token_cache_now(void)
{
	int64_t (*fn)(void);

	pthread_mutex_lock(&lock);
	fn = clock_fn;
	pthread_mutex_unlock(&lock);
	return fn();
}

/* The slot of a hex hash: its first 8 hex digits. */
static struct slot *slot_of(const char *hash)
{
	unsigned long v = strtoul((char[9]){ hash[0], hash[1], hash[2], hash[3],
					     hash[4], hash[5], hash[6], hash[7],
					     0 }, NULL, 16);

	return &slots[v % AUTH_TOKEN_CACHE_SLOTS];
}

void auth__token_cache_put(const char *hash, const struct auth_identity *who,
			   int64_t expires_ms, int64_t now_ms)
{
	struct slot *s = slot_of(hash);

	pthread_mutex_lock(&lock);
	snprintf(s->hash, sizeof(s->hash), "%s", hash);
	s->who = *who;
	s->checked_ms = now_ms;
	s->expires_ms = expires_ms;
	pthread_mutex_unlock(&lock);
}

bool auth__token_cache_get(const char *hash, int64_t now_ms,
			   struct auth_identity *out)
{
	struct slot *s = slot_of(hash);
	bool hit;

	pthread_mutex_lock(&lock);
	hit = s->hash[0] && !strcmp(s->hash, hash) &&
	      now_ms >= s->checked_ms &&
	      now_ms - s->checked_ms < AUTH_TOKEN_CACHE_MS &&
	      (!s->expires_ms || now_ms < s->expires_ms);
	if (hit)
		*out = s->who;
	pthread_mutex_unlock(&lock);
	return hit;
}

void auth_token_cache_forget(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&lock);
}
