/* The MQTT client: connection, subscriptions, dispatch, publishing. */
#include "ingest/mqtt.h"

#include <mosquitto.h>
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

#define MAX_HANDLERS 8
#define KEEPALIVE_S 30

struct route {
	char suffix[32];
	char pattern[160];        /* "[$share/GROUP/]oasis/+/<suffix>" */
	mqtt_handler fn;
	void *ctx;
};

struct mqtt {
	struct mosquitto *mosq;
	char host[256];
	int port;
	pthread_mutex_t lock;
	struct route routes[MAX_HANDLERS];
	int n_routes;
	bool connected;
	char group[64];           /* shared subscriptions' group; "" : none */
	char user[128], pass[128]; /* for mqtt_adopt's connections */
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_init(void)
{
	mosquitto_lib_init();
}

/* Split mqtt://[user[:pass]@]host[:port] into its parts. */
static int parse_url(const char *url, struct mqtt *m, char *user,
		     char *pass, struct err *e)
{
	const char *p = url, *at, *colon;
	size_t n;

	if (strncmp(p, "mqtt://", 7))
		return err_set(e, ERR_INVALID, "--mqtt '%s': expected "
			       "mqtt://HOST[:PORT]", url);
	p += 7;
	user[0] = pass[0] = '\0';
	if ((at = strchr(p, '@'))) {
		colon = memchr(p, ':', (size_t)(at - p));
		n = (size_t)((colon ? colon : at) - p);
		if (n >= 128)
			return err_set(e, ERR_INVALID, "--mqtt: user name too long");
		memcpy(user, p, n);
		user[n] = '\0';
		if (colon) {
			n = (size_t)(at - colon - 1);
			if (n >= 128)
				return err_set(e, ERR_INVALID, "--mqtt: password too long");
			memcpy(pass, colon + 1, n);
			pass[n] = '\0';
		}
		p = at + 1;
	}
	colon = strrchr(p, ':');
	n = colon ? (size_t)(colon - p) : strlen(p);
	if (n == 0 || n >= sizeof(m->host))
		return err_set(e, ERR_INVALID, "--mqtt '%s': no host", url);
	memcpy(m->host, p, n);
	m->host[n] = '\0';
	m->port = colon ? atoi(colon + 1) : 1883;
	if (m->port <= 0 || m->port > 65535)
		return err_set(e, ERR_INVALID, "--mqtt '%s': bad port", url);
	return ERR_OK;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	if (rc) {
		log_warn("mqtt: %s:%d refused the connection: %s", m->host,
			 m->port, mosquitto_connack_string(rc));
		return;
	}
	pthread_mutex_lock(&m->lock);
	m->connected = true;
	for (int i = 0; i < m->n_routes; i++)
		mosquitto_subscribe(mosq, NULL, m->routes[i].pattern, 1);
	pthread_mutex_unlock(&m->lock);
	log_info("mqtt: connected to %s:%d", m->host, m->port);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	pthread_mutex_lock(&m->lock);
	m->connected = false;
	pthread_mutex_unlock(&m->lock);
	if (rc)
		log_warn("mqtt: connection to %s:%d lost; reconnecting", m->host,
			 m->port);
}

/* "oasis/DEVICE/SUFFIX" -> device and suffix, or false. */
static bool split_topic(const char *topic, char *device, size_t dsize,
			const char **suffix)
{
	const char *p, *slash;
	size_t n;

	if (strncmp(topic, "oasis/", 6))
		return false;
	p = topic + 6;
	slash = strchr(p, '/');
	if (!slash || slash == p || strchr(slash + 1, '/'))
		return false;
	n = (size_t)(slash - p);
	if (n >= dsize)
		return false;
	memcpy(device, p, n);
	device[n] = '\0';
	*suffix = slash + 1;
	return true;
}

/* Hand a message to m's handler of its topic. */
static void dispatch(struct mqtt *m, const struct mosquitto_message *msg)
{
	char device[128];
	const char *suffix;
	mqtt_handler fn = NULL;
	void *ctx = NULL;

	if (!split_topic(msg->topic, device, sizeof(device), &suffix)) {
		log_warn("mqtt: ignoring a message on '%s'", msg->topic);
		return;
	}
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->n_routes; i++)
		if (!strcmp(m->routes[i].suffix, suffix)) {
			fn = m->routes[i].fn;
			ctx = m->routes[i].ctx;
		}
	pthread_mutex_unlock(&m->lock);
	if (fn)
		fn(device, msg->payload, (size_t)msg->payloadlen, ctx);
}

static void on_message(struct mosquitto *mosq, void *obj,
		       const struct mosquitto_message *msg)
{
	(void)mosq;
	dispatch(obj, msg);
}

static int open_client(const char *url, const char *client_id,
		       const char *password, const char *group,
		       struct mqtt **out, struct err *e)
{
	char user[128], pass[128];
	struct mqtt *m = calloc(1, sizeof(*m));

	if (!m)
		return err_nomem(e);
	pthread_once(&lib_once, lib_init);
	pthread_mutex_init(&m->lock, NULL);
	if (parse_url(url, m, user, pass, e))
		goto fail;
	if (password) {
		if (strlen(password) >= sizeof(pass)) {
			err_set(e, ERR_INVALID, "mqtt: the password is longer "
				"than %zu bytes", sizeof(pass) - 1);
			goto fail;
		}
		snprintf(pass, sizeof(pass), "%s", password);
	}
	if (pass[0] && !user[0]) {
		err_set(e, ERR_INVALID, "mqtt: a password needs a user name "
			"(mqtt://USER@HOST:PORT)");
		goto fail;
	}
	if (group && (!*group || strlen(group) >= sizeof(m->group) ||
		      strpbrk(group, "/+#"))) {
		err_set(e, ERR_INVALID, "--mqtt-shared-group '%s': a name "
			"without / + #", group);
		goto fail;
	}
	snprintf(m->group, sizeof(m->group), "%s", group ? group : "");
	/* a persistent session, a member of a share group too: see mqtt.h */
	m->mosq = mosquitto_new(client_id, false, m);
	if (!m->mosq) {
		err_set(e, ERR_NOMEM, "cannot create an MQTT client");
		goto fail;
	}
	if (user[0])
		mosquitto_username_pw_set(m->mosq, user, pass[0] ? pass : NULL);
	memcpy(m->user, user, sizeof(m->user));
	memcpy(m->pass, pass, sizeof(m->pass));
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_reconnect_delay_set(m->mosq, 1, 60, true);
	sodium_memzero(pass, sizeof(pass));
	*out = m;
	return ERR_OK;
fail:
	sodium_memzero(pass, sizeof(pass));
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return e->code;
}

int mqtt_open(const char *url, const char *client_id, const char *password,
	      struct mqtt **out, struct err *e)
{
	return open_client(url, client_id, password, NULL, out, e);
}

int mqtt_open_shared(const char *url, const char *client_id,
		     const char *password, const char *group,
		     struct mqtt **out, struct err *e)
{
	return open_client(url, client_id, password, group, out, e);
}

int mqtt_start(struct mqtt *m, struct err *e)
{
	int rc = mosquitto_connect_async(m->mosq, m->host, m->port,
					 KEEPALIVE_S);

	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO)
		return err_set(e, ERR_INVALID, "mqtt: cannot connect to %s:%d: "
			       "%s", m->host, m->port, mosquitto_strerror(rc));
	if (rc == MOSQ_ERR_ERRNO)
		log_warn("mqtt: %s:%d is not answering yet; retrying in the "
			 "background", m->host, m->port);
	if ((rc = mosquitto_loop_start(m->mosq)) != MOSQ_ERR_SUCCESS)
		return err_set(e, ERR_INTERNAL, "mqtt: %s",
			       mosquitto_strerror(rc));
	return ERR_OK;
}

void mqtt_close(struct mqtt *m)
{
	if (!m)
		return;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop_stop(m->mosq, false);
	mosquitto_destroy(m->mosq);
	pthread_mutex_destroy(&m->lock);
	sodium_memzero(m->pass, sizeof(m->pass));
	free(m);
}

/* ---- taking over a dead member's session ------------------------------------ */

struct adoption {
	struct mqtt *like;
	int left;                 /* UNSUBACKs awaited */
	bool lost;                /* the connection ended (its owner is back) */
	bool refused;
	size_t taken;
	struct timespec last;     /* the last message or UNSUBACK */
};

static void mono_now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static int64_t ms_since(const struct timespec *t)
{
	struct timespec now;

	mono_now(&now);
	return (int64_t)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void adopt_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct adoption *a = obj;

	if (rc) {
		a->refused = true;
		return;
	}
	/* leave the share group: from now the others get the whole */
	pthread_mutex_lock(&a->like->lock);
	for (int i = 0; i < a->like->n_routes; i++)
		if (mosquitto_unsubscribe(mosq, NULL,
					  a->like->routes[i].pattern) ==
		    MOSQ_ERR_SUCCESS)
			a->left++;
	pthread_mutex_unlock(&a->like->lock);
	mono_now(&a->last);
}

static void adopt_unsubscribed(struct mosquitto *mosq, void *obj, int mid)
{
	struct adoption *a = obj;

	(void)mosq;
	(void)mid;
	a->left--;
	mono_now(&a->last);
}

static void adopt_message(struct mosquitto *mosq, void *obj,
			  const struct mosquitto_message *msg)
{
	struct adoption *a = obj;

	(void)mosq;
	dispatch(a->like, msg);
	a->taken++;
	mono_now(&a->last);
}

static void adopt_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct adoption *a = obj;

	(void)mosq;
	if (rc)
		a->lost = true;
}

int mqtt_adopt(struct mqtt *like, const char *client_id, int quiet_ms,
	       int max_ms, size_t *taken, struct err *e)
{
	struct adoption a = { .like = like };
	struct mosquitto *mosq;
	struct timespec start;
	int rc;

	*taken = 0;
	if (!(mosq = mosquitto_new(client_id, false, &a)))
		return err_set(e, ERR_NOMEM, "cannot create an MQTT client");
	if (like->user[0])
		mosquitto_username_pw_set(mosq, like->user,
					  like->pass[0] ? like->pass : NULL);
	mosquitto_connect_callback_set(mosq, adopt_connect);
	mosquitto_unsubscribe_callback_set(mosq, adopt_unsubscribed);
	mosquitto_message_callback_set(mosq, adopt_message);
	mosquitto_disconnect_callback_set(mosq, adopt_disconnect);
	mono_now(&start);
	if ((rc = mosquitto_connect(mosq, like->host, like->port,
				    KEEPALIVE_S)) != MOSQ_ERR_SUCCESS) {
		rc = err_set(e, ERR_UNAVAILABLE, "mqtt: taking over the session"
			     " %s at %s:%d: %s", client_id, like->host,
			     like->port, mosquitto_strerror(rc));
		goto out;
	}
	a.last = start;
	while (!a.lost && !a.refused && ms_since(&start) < max_ms &&
	       (a.left > 0 || ms_since(&a.last) < quiet_ms))
		if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS)
			break;
	rc = a.refused ? err_set(e, ERR_UNAVAILABLE, "mqtt: %s:%d refused the"
				 " session %s", like->host, like->port,
				 client_id) : ERR_OK;
	if (!a.lost) {
		mosquitto_disconnect(mosq);
		mosquitto_loop(mosq, 100, 1);
	}
out:
	*taken = a.taken;
	mosquitto_destroy(mosq);
	return rc;
}

int mqtt_on(struct mqtt *m, const char *suffix, mqtt_handler fn, void *ctx,
	    struct err *e)
{
	struct route *r;

	pthread_mutex_lock(&m->lock);
	if (m->n_routes == MAX_HANDLERS || strlen(suffix) >= sizeof(r->suffix)) {
		pthread_mutex_unlock(&m->lock);
		return err_set(e, ERR_INVALID, "mqtt: cannot handle '%s'", suffix);
	}
	r = &m->routes[m->n_routes++];
	snprintf(r->suffix, sizeof(r->suffix), "%s", suffix);
	if (m->group[0])
		snprintf(r->pattern, sizeof(r->pattern), "$share/%s/oasis/+/%s",
			 m->group, suffix);
	else
		snprintf(r->pattern, sizeof(r->pattern), "oasis/+/%s", suffix);
	r->fn = fn;
	r->ctx = ctx;
	if (m->connected)
		mosquitto_subscribe(m->mosq, NULL, r->pattern, 1);
	pthread_mutex_unlock(&m->lock);
	return ERR_OK;
}

int mqtt_publish(struct mqtt *m, const char *device, const char *suffix,
		 const void *payload, size_t len, struct err *e)
{
	char topic[256];
	int rc;

	snprintf(topic, sizeof(topic), "oasis/%s/%s", device, suffix);
	rc = mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, 1, false);
	if (rc == MOSQ_ERR_NO_CONN)
		return err_set(e, ERR_UNAVAILABLE, "the MQTT broker is not connected");
	if (rc != MOSQ_ERR_SUCCESS)
		return err_set(e, ERR_UNAVAILABLE, "mqtt publish to %s: %s", topic,
			       mosquitto_strerror(rc));
	return ERR_OK;
}

bool mqtt_connected(struct mqtt *m)
{
	bool c;

	pthread_mutex_lock(&m->lock);
	c = m->connected;
	pthread_mutex_unlock(&m->lock);
	return c;
}
