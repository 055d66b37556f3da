/*
 * The load generator: sender threads, each with its share of the devices,
 * wake ten times a second, write the lines their devices are due and POST
 * them in one request (or publish them over MQTT), and keep the latencies.
 */
#include "sim/loadgen.h"

#include <curl/curl.h>
#include <math.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/rng.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define FIELDS_PER_LINE 4
#define TICK_MS 100
#define MAX_SAMPLES 100000

struct sender {
	const struct loadgen_opts *o;
	int first, count;          /* its devices */
	CURL *curl;
	struct mosquitto *mosq;
	struct rng rng;
	double owed;               /* lines due but not yet written */
	int64_t last_at;           /* the latest instant given a reading */
	uint64_t points, requests, errors;
	double *latencies;
	size_t n_lat;
	char last_error[256];
	pthread_t thread;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static void note_error(struct sender *s, const char *fmt, long code)
{
	s->errors++;
	snprintf(s->last_error, sizeof(s->last_error), fmt, code);
}

static void post(struct sender *s, const struct buf *lines, size_t points)
{
	double t0 = now_s();
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, lines->data);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)lines->len);
	rc = curl_easy_perform(s->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	s->requests++;
	if (status == 204)
		s->points += points;
	else if (rc != CURLE_OK)
		note_error(s, "transport error %ld", (long)rc);
	else
		note_error(s, "HTTP status %ld", status);
	if (s->n_lat < MAX_SAMPLES)
		s->latencies[s->n_lat++] = (now_s() - t0) * 1000;
}

static void line(struct sender *s, struct buf *b, int device, int64_t ts)
{
	buf_printf(b, "sim,device=sim-%05d air_temp=%.1f,rh=%.0f,"
		   "moisture_10cm=%.1f,battery=%.2f %lld\n", device,
		   20 + rng_normal(&s->rng) * 3, 40 + rng_uniform(&s->rng) * 30,
		   25 + rng_uniform(&s->rng) * 5, 3.6 + rng_uniform(&s->rng) * 0.4,
		   (long long)ts);
}

static void publish(struct sender *s, int device, int64_t ts)
{
	char topic[64], payload[256];
	int n;

	snprintf(topic, sizeof(topic), "oasis/sim-%05d/telemetry", device);
	n = snprintf(payload, sizeof(payload), "{\"ts\":%lld,\"values\":"
		     "{\"air_temp\":%.1f,\"rh\":%.0f,\"moisture_10cm\":%.1f,"
		     "\"battery\":%.2f}}", (long long)ts,
		     20 + rng_normal(&s->rng) * 3, 40 + rng_uniform(&s->rng) * 30,
		     25 + rng_uniform(&s->rng) * 5, 3.6 + rng_uniform(&s->rng) * 0.4);
	s->requests++;
	if (mosquitto_publish(s->mosq, NULL, topic, n, payload, 1, false))
		note_error(s, "MQTT publish failed (%ld)", 0);
	else
		s->points += FIELDS_PER_LINE;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	double lines_per_s = s->o->rate / FIELDS_PER_LINE * s->count /
			     s->o->devices;
	double start = now_s(), next = start;
	struct buf b = BUF_INIT;
	int cursor = 0;

	while (now_s() - start < s->o->seconds) {
		/* a late tick must not reuse the previous one's instants */
		int64_t now = sim_clock_now(&s->o->clock);
		int64_t ts = now > s->last_at ? now : s->last_at + 1;
		size_t n = 0;

		s->owed += lines_per_s * TICK_MS / 1000.0;
		buf_reset(&b);
		for (; s->owed >= 1; s->owed -= 1, n++) {
			int device = s->first + cursor % s->count;
			/* a device's readings in one tick get distinct instants */
			int64_t at = ts + cursor++ / s->count;

			if (s->mosq)
				publish(s, device, at);
			else
				line(s, &b, device, at);
			if (at > s->last_at)
				s->last_at = at;
		}
		cursor %= s->count;
		if (n && !s->mosq)
			post(s, &b, n * FIELDS_PER_LINE);
		next += TICK_MS / 1000.0;
		if (next > now_s())
			usleep((useconds_t)((next - now_s()) * 1e6));
	}
	buf_free(&b);
	return NULL;
}

/* Register the simulated devices (those that exist already are fine). */
static int register_devices(const struct loadgen_opts *o, struct err *e)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512], body[128], auth[160];
	long status = 0;
	int rc = ERR_OK;

	if (!c)
		return err_nomem(e);
	snprintf(url, sizeof(url), "%s/api/v1/devices", o->url);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	for (int i = 0; i < o->devices && !rc; i++) {
		snprintf(body, sizeof(body), "{\"id\":\"sim-%05d\",\"kind\":"
			 "\"sensor\"}", i);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (curl_easy_perform(c) != CURLE_OK)
			rc = err_set(e, ERR_UNAVAILABLE, "cannot reach %s", o->url);
		else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status),
			 status != 201 && status != 409)
			rc = err_set(e, ERR_UNAUTHORIZED, "registering sim-%05d: "
				     "HTTP %ld (the token must be an admin's)",
				     i, status);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

static int sender_setup(struct sender *s, const struct loadgen_opts *o,
			struct buf *url, struct curl_slist **headers,
			struct err *e)
{
	char host[256];
	int port = 1883;

	if (!(s->latencies = calloc(MAX_SAMPLES, sizeof(double))))
		return err_nomem(e);
	if (o->mqtt_url) {
		if (sscanf(o->mqtt_url, "mqtt://%255[^:/]:%d", host, &port) < 1)
			return err_set(e, ERR_INVALID, "--mqtt: mqtt://HOST:PORT");
		s->mosq = mosquitto_new(NULL, true, NULL);
		if (!s->mosq || mosquitto_connect(s->mosq, host, port, 30) ||
		    mosquitto_loop_start(s->mosq))
			return err_set(e, ERR_UNAVAILABLE, "cannot reach %s",
				       o->mqtt_url);
		return ERR_OK;
	}
	if (!(s->curl = curl_easy_init()))
		return err_nomem(e);
	curl_easy_setopt(s->curl, CURLOPT_URL, url->data);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, *headers);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	return ERR_OK;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct sender *s, int n, double seconds,
		      struct loadgen_report *out)
{
	double *all = NULL;
	size_t total = 0, k = 0;

	memset(out, 0, sizeof(*out));
	out->seconds = seconds;
	for (int i = 0; i < n; i++) {
		out->points += s[i].points;
		out->requests += s[i].requests;
		out->errors += s[i].errors;
		total += s[i].n_lat;
		if (s[i].last_error[0])
			snprintf(out->last_error, sizeof(out->last_error), "%s",
				 s[i].last_error);
	}
	if (total && (all = malloc(total * sizeof(*all)))) {
		for (int i = 0; i < n; i++)
			for (size_t j = 0; j < s[i].n_lat; j++)
				all[k++] = s[i].latencies[j];
		qsort(all, total, sizeof(*all), compare_double);
		out->latency_p50_ms = all[total / 2];
		out->latency_p99_ms = all[total * 99 / 100];
	}
	free(all);
}

int loadgen_run(const struct loadgen_opts *o, struct loadgen_report *out,
		struct err *e)
{
	int n = o->threads > 0 ? o->threads : 4;
	struct sender *s = calloc((size_t)n, sizeof(*s));
	struct curl_slist *headers = NULL;
	struct buf url = BUF_INIT;
	char auth[160];
	double start;
	int rc;

	if (!s)
		return err_nomem(e);
	if (n > o->devices)
		n = o->devices;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	mosquitto_lib_init();
	buf_printf(&url, "%s/api/v1/write?precision=ms", o->url);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
	headers = curl_slist_append(headers, auth);
	if ((rc = register_devices(o, e)))
		goto out;
	for (int i = 0; i < n && !rc; i++) {
		s[i].o = o;
		s[i].first = o->devices * i / n;
		s[i].count = o->devices * (i + 1) / n - s[i].first;
		rng_seed(&s[i].rng, o->seed + (uint64_t)i);
		rc = sender_setup(&s[i], o, &url, &headers, e);
	}
	start = now_s();
	for (int i = 0; i < n && !rc; i++)
		pthread_create(&s[i].thread, NULL, sender_main, &s[i]);
	for (int i = 0; i < n && !rc; i++)
		pthread_join(s[i].thread, NULL);
	if (!rc)
		summarize(s, n, now_s() - start, out);
out:
	for (int i = 0; i < n; i++) {
		if (s[i].curl)
			curl_easy_cleanup(s[i].curl);
		if (s[i].mosq) {
			mosquitto_loop_stop(s[i].mosq, true);
			mosquitto_destroy(s[i].mosq);
		}
		free(s[i].latencies);
	}
	free(s);
	curl_slist_free_all(headers);
	buf_free(&url);
	return rc;
}
