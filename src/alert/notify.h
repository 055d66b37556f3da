/*
 * notify: alert webhooks.  Each notification is POSTed as JSON (libcurl)
 * to the configured URL from a thread of its own, in order, with headers
 *   X-Oasis-Timestamp: T            (ms since the epoch, as text)
 *   X-Oasis-Signature: sha256=HEX   HMAC-SHA256(secret, T "." body)
 * and retried with exponential backoff (first_backoff_ms, doubled each
 * time) up to `attempts` times; after the last failure a dead letter is
 * stored (db_alert_dead_letter) with the payload and the last error.  The
 * secret is kept in guarded memory (sodium_malloc), never logged, never
 * returned by the API.
 */
#ifndef OASIS_ALERT_NOTIFY_H
#define OASIS_ALERT_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

struct notify;

struct notify_opts {
	const char *url;             /* NULL: notifications are dropped */
	const char *secret;          /* HMAC key; copied; "" allowed */
	int attempts;                /* 0: 5 */
	int64_t first_backoff_ms;    /* 0: 1000 */
	long timeout_ms;             /* per attempt; 0: 5000 */
};

int notify_open(struct db *db, const struct notify_opts *o,
		struct notify **out, struct err *e);
/* Queue a notification (payload copied). */
void notify_send(struct notify *n, int64_t alert_id, const char *payload);
/* Stop; what is still queued becomes dead letters ("stopped"). */
void notify_close(struct notify *n);
/* Notifications delivered and dead-lettered so far. */
void notify_counts(struct notify *n, uint64_t *delivered, uint64_t *dead);

/* The signature header's value: "sha256=" + 64 hex digits, into out[72]. */
void notify_sign(const char *secret, size_t secret_len, const char *timestamp,
		 const char *body, char out[72]);

#endif
