/* Alert webhooks: a queue, a sender thread, retries and dead letters. */
#include "alert/notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/timeutil.h"

struct item {
	int64_t alert_id;
	char *payload;
	struct item *next;
};

struct notify {
	struct db *db;
	char url[1024];
	char *secret;               /* sodium_malloc'd */
	size_t secret_len;
	int attempts;
	int64_t first_backoff_ms;
	long timeout_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *head, *tail;
	bool stop;
	uint64_t delivered, dead;
};

void notify_sign(const char *secret, size_t secret_len, const char *timestamp,
		 const char *body, char out[72])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
				    secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp,
				      strlen(timestamp));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
				      strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* One POST; ERR_OK on a 2xx answer, else err names what happened. */
static int post_once(struct notify *n, const char *payload, struct err *e)
{
	char ts[32], sig[72], h_ts[64], h_sig[128], curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc;

	if (!c)
		return err_set(e, ERR_NOMEM, "webhook: cannot start curl");
	snprintf(ts, sizeof(ts), "%lld", (long long)time_now_ms());
	notify_sign(n->secret, n->secret_len, ts, payload, sig);
	snprintf(h_ts, sizeof(h_ts), "X-Oasis-Timestamp: %s", ts);
	snprintf(h_sig, sizeof(h_sig), "X-Oasis-Signature: %s", sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, h_ts);
	h = curl_slist_append(h, h_sig);
	curl_easy_setopt(c, CURLOPT_URL, n->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return err_set(e, ERR_UNAVAILABLE, "webhook: %s",
			       curl_err[0] ? curl_err : curl_easy_strerror(rc));
	if (status < 200 || status > 299)
		return err_set(e, ERR_UNAVAILABLE, "webhook: HTTP status %ld",
			       status);
	return ERR_OK;
}

/* Wait ms unless stopping; true when stopping. */
static bool backoff(struct notify *n, int64_t ms)
{
	struct timespec until = time_deadline_in(ms);
	bool stop;

	pthread_mutex_lock(&n->lock);
	while (!n->stop && pthread_cond_timedwait(&n->cond, &n->lock, &until) == 0)
		;
	stop = n->stop;
	pthread_mutex_unlock(&n->lock);
	return stop;
}

static void dead_letter(struct notify *n, const struct item *it, int attempts,
			const char *why)
{
	struct err e;

	log_warn("webhook: alert %lld not delivered after %d attempts: %s",
		 (long long)it->alert_id, attempts, why);
	if (db_alert_dead_letter(n->db, it->alert_id, n->url, it->payload,
				 attempts, why, time_now_ms(), &e))
		log_error("webhook: storing a dead letter: %s", e.msg);
	pthread_mutex_lock(&n->lock);
	n->dead++;
	pthread_mutex_unlock(&n->lock);
}

static void deliver(struct notify *n, const struct item *it)
{
	int64_t wait = n->first_backoff_ms;
	struct err e = { 0 };

	for (int attempt = 1; attempt <= n->attempts; attempt++) {
		if (!post_once(n, it->payload, &e)) {
			pthread_mutex_lock(&n->lock);
			n->delivered++;
			pthread_mutex_unlock(&n->lock);
			return;
		}
		if (attempt == n->attempts)
			break;
		log_info("webhook: alert %lld attempt %d failed (%s); again in "
			 "%lld ms", (long long)it->alert_id, attempt, e.msg,
			 (long long)wait);
		if (backoff(n, wait)) {
			dead_letter(n, it, attempt, "stopped while retrying");
			return;
		}
		wait *= 2;
	}
	dead_letter(n, it, n->attempts, e.msg);
}

static void *sender_main(void *arg)
{
	struct notify *n = arg;
	struct item *it;
	bool stopping;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		while (!n->head && !n->stop)
			pthread_cond_wait(&n->cond, &n->lock);
		if (!n->head)
			break;
		it = n->head;
		n->head = it->next;
		if (!n->head)
			n->tail = NULL;
		stopping = n->stop;
		pthread_mutex_unlock(&n->lock);
		if (stopping)
			dead_letter(n, it, 0, "stopped before delivery");
		else
			deliver(n, it);
		free(it->payload);
		free(it);
		pthread_mutex_lock(&n->lock);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int notify_open(struct db *db, const struct notify_opts *o,
		struct notify **out, struct err *e)
{
	struct notify *n = calloc(1, sizeof(*n));
	const char *secret = o->secret ? o->secret : "";

	if (!n)
		return err_nomem(e);
	if (sodium_init() < 0) {
		free(n);
		return err_set(e, ERR_INTERNAL, "libsodium cannot start");
	}
	n->db = db;
	snprintf(n->url, sizeof(n->url), "%s", o->url ? o->url : "");
	n->attempts = o->attempts > 0 ? o->attempts : 5;
	n->first_backoff_ms = o->first_backoff_ms > 0 ? o->first_backoff_ms : 1000;
	n->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	n->secret_len = strlen(secret);
	if (!(n->secret = sodium_malloc(n->secret_len + 1))) {
		free(n);
		return err_nomem(e);
	}
	memcpy(n->secret, secret, n->secret_len + 1);
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	if (pthread_create(&n->thread, NULL, sender_main, n)) {
		sodium_free(n->secret);
		free(n);
		return err_set(e, ERR_INTERNAL, "cannot start the webhook sender");
	}
	*out = n;
	return ERR_OK;
}

void notify_send(struct notify *n, int64_t alert_id, const char *payload)
{
	struct item *it;

	if (!n || !n->url[0] || !(it = calloc(1, sizeof(*it))))
		return;
	if (!(it->payload = strdup(payload))) {
		free(it);
		return;
	}
	it->alert_id = alert_id;
	pthread_mutex_lock(&n->lock);
	if (n->tail)
		n->tail->next = it;
	else
		n->head = it;
	n->tail = it;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

void notify_counts(struct notify *n, uint64_t *delivered, uint64_t *dead)
{
	pthread_mutex_lock(&n->lock);
	*delivered = n->delivered;
	*dead = n->dead;
	pthread_mutex_unlock(&n->lock);
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	sodium_free(n->secret);
	free(n);
}
