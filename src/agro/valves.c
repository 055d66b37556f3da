/* Valve commands: request, send, acknowledge or fail, close on time. */
#include "agro/valves.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"
#include "ingest/mqtt.h"
#include "util/duty.h"
#include "util/log.h"
#include "util/timeutil.h"

#define DEFAULT_ACK_TIMEOUT_MS (30 * MS_PER_SECOND)

struct valves {
	struct db *db;
	struct events *events;
	struct mqtt *mqtt;
	valves_observer observer;
	void *observer_ctx;
	int64_t ack_timeout_ms;
	pthread_t clock;
	pthread_mutex_t lock;
	pthread_cond_t stop_cond;
	bool stop;
};

json_t *valves_command_json(const struct db_command *c)
{
	char requested[32];

	time_format_iso(c->requested_ms, requested, sizeof(requested));
	return json_pack("{sI ss ss si ss ss ss s:s?}", "id", (json_int_t)c->id,
			 "device", c->device, "action", c->action,
			 "duration_min", c->duration_min, "state", c->state,
			 "requested_by", c->requested_by, "requested", requested,
			 "reason", c->reason[0] ? c->reason : NULL);
}

/* Tell the live stream about a command's (new) state. */
static void announce(struct valves *v, int64_t id)
{
	struct db_command c;
	struct db_device d;
	struct err e;
	json_t *j;
	char *text;

	if ((!v->events && !v->observer) || db_command_get(v->db, id, &c, &e) ||
	    db_device_get(v->db, c.device, &d, &e))
		return;
	if (v->observer)
		v->observer(&c, d.plot, v->observer_ctx);
	if (!v->events)
		return;
	j = valves_command_json(&c);
	json_object_set_new(j, "plot", d.plot[0] ? json_string(d.plot) : json_null());
	if ((text = json_dumps(j, JSON_COMPACT))) {
		events_publish(v->events, "command", d.plot, text);
		free(text);
	}
	json_decref(j);
}

static int set_state(struct valves *v, int64_t id, const char *from,
		     const char *state, const char *reason, struct err *e)
{
	int rc = db_command_set_state(v->db, id, from, state, time_now_ms(),
				      reason, e);

	if (!rc) {
		announce(v, id);
		if (!strcmp(state, "failed"))
			log_warn("valve command %lld failed: %s", (long long)id,
				 reason);
	}
	return rc;
}

/* Publish over MQTT when a broker is connected; else the valve polls. */
static void send_command(struct valves *v, const struct db_command *c)
{
	char payload[160];
	struct err e;
	int n, rc;

	n = snprintf(payload, sizeof(payload), "{\"id\":%lld,\"action\":\"%s\","
		     "\"duration_min\":%d}", (long long)c->id, c->action,
		     c->duration_min);
	pthread_mutex_lock(&v->lock);
	rc = !v->mqtt || !mqtt_connected(v->mqtt) ? -1
		: mqtt_publish(v->mqtt, c->device, "commands", payload,
			       (size_t)n, &e);
	pthread_mutex_unlock(&v->lock);
	if (rc > 0)
		set_state(v, c->id, "requested", "failed", e.msg, &e);
	else if (rc == 0)
		set_state(v, c->id, "requested", "sent", "", &e);
}

/* A new command supersedes the planned close of an earlier open. */
static int forget_close(const struct db_command *c, void *ctx)
{
	struct valves *v = ctx;
	struct err e;

	if (c->auto_close_ms)
		db_command_clear_close(v->db, c->id, &e);
	return 0;
}

static int check_command(struct valves *v, const char *device,
			 const char *action, int duration_min, struct err *e)
{
	struct db_device d;
	int rc;

	if ((rc = db_device_get(v->db, device, &d, e)))
		return rc;
	if (strcmp(d.kind, "valve"))
		return err_set(e, ERR_INVALID, "device '%s' is a %s, not a valve",
			       device, d.kind);
	if (strcmp(action, "open") && strcmp(action, "close"))
		return err_set(e, ERR_INVALID, "field 'action': '%s' is not open "
			       "or close", action);
	if (!strcmp(action, "open") &&
	    (duration_min < 1 || duration_min > VALVES_MAX_MINUTES))
		return err_set(e, ERR_INVALID, "field 'duration_min': an open needs "
			       "a duration of 1 to %d minutes", VALVES_MAX_MINUTES);
	return ERR_OK;
}

int valves_command(struct valves *v, const char *device, const char *action,
		   int duration_min, const char *who, struct db_command *out,
		   struct err *e)
{
	struct db_command c = { 0 };
	int rc;

	if ((rc = check_command(v, device, action, duration_min, e)))
		return rc;
	snprintf(c.device, sizeof(c.device), "%s", device);
	snprintf(c.action, sizeof(c.action), "%s", action);
	snprintf(c.state, sizeof(c.state), "requested");
	snprintf(c.requested_by, sizeof(c.requested_by), "%s", who);
	c.duration_min = !strcmp(action, "open") ? duration_min : 0;
	c.requested_ms = time_now_ms();
	if (c.duration_min)
		c.auto_close_ms = c.requested_ms + c.duration_min * MS_PER_MINUTE;
	if ((rc = db_command_list(v->db, device, NULL, 0, forget_close, v, e)) ||
	    (rc = db_command_create(v->db, &c, &c.id, e)))
		return rc;
	log_info("valve %s: %s %d min, command %lld, by %s", device, action,
		 c.duration_min, (long long)c.id, who);
	announce(v, c.id);
	send_command(v, &c);
	return db_command_get(v->db, c.id, out, e);
}

struct pending {
	struct valves *v;
	int (*each)(const struct db_command *c, void *ctx);
	void *ctx;
	struct err *e;
};

static int take_one(const struct db_command *c, void *ctx)
{
	struct pending *p = ctx;
	struct db_command sent;

	if (set_state(p->v, c->id, "requested", "sent", "", p->e) ||
	    db_command_get(p->v->db, c->id, &sent, p->e))
		return ERR_OK; /* taken meanwhile: skip it */
	return p->each(&sent, p->ctx);
}

int valves_take_pending(struct valves *v, const char *device,
			int (*each)(const struct db_command *c, void *ctx),
			void *ctx, struct err *e)
{
	struct pending p = { v, each, ctx, e };

	return db_command_list(v->db, device, "requested", 20, take_one, &p, e);
}

int valves_ack(struct valves *v, const char *device, int64_t id, bool ok,
	       const char *error, struct err *e)
{
	struct db_command c;
	char reason[DB_TEXT_MAX * 2];
	int rc;

	if ((rc = db_command_get(v->db, id, &c, e)))
		return rc;
	if (strcmp(c.device, device))
		return err_set(e, ERR_FORBIDDEN, "command %lld is not for device "
			       "'%s'", (long long)id, device);
	snprintf(reason, sizeof(reason), "the valve reported: %s",
		 error && *error ? error : "an error");
	rc = set_state(v, id, "requested sent", ok ? "acknowledged" : "failed",
		       ok ? "" : reason, e);
	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_INVALID, "command %lld is already %s",
			       (long long)id, c.state);
	if (!rc && ok && !strcmp(c.action, "open"))
		log_info("valve %s open, closing in %d min", device, c.duration_min);
	return rc;
}

void valves_on_mqtt_ack(const char *device, const void *payload, size_t len,
			void *ctx)
{
	struct valves *v = ctx;
	json_error_t je;
	json_t *j = json_loadb(payload, len, 0, &je), *id, *ok;
	struct err e = { 0 };

	id = json_object_get(j, "id");
	ok = json_object_get(j, "ok");
	if (!json_is_integer(id) || !json_is_boolean(ok))
		log_warn("mqtt: oasis/%s/acks: expected {\"id\":N,\"ok\":true|"
			 "false}", device);
	else if (valves_ack(v, device, json_integer_value(id), json_is_true(ok),
			    json_string_value(json_object_get(j, "error")), &e))
		log_warn("mqtt: oasis/%s/acks: %s", device, e.msg);
	json_decref(j);
}

/* ---- the clock: timeouts and planned closes ------------------------------ */

static int on_due(const struct db_command *c, void *ctx)
{
	struct valves *v = ctx;
	int64_t now = time_now_ms();
	char reason[160], who[DB_NAME_MAX];
	struct db_command closed;
	struct err e;

	if (!strcmp(c->state, "requested") || !strcmp(c->state, "sent")) {
		snprintf(reason, sizeof(reason), "the valve did not acknowledge "
			 "within %lld s%s", (long long)(v->ack_timeout_ms / 1000),
			 strcmp(c->state, "requested") ? ""
			 : " (it was never delivered: no broker connected and "
			   "the valve did not poll)");
		set_state(v, c->id, "requested sent", "failed", reason, &e);
	}
	/*
	 * Clearing the planned close is a compare-and-set: of two clocks
	 * (nodes of a cluster, a lease changing hands) only the one that
	 * cleared it closes the valve.
	 */
	if (c->auto_close_ms && c->auto_close_ms <= now &&
	    !db_command_clear_close(v->db, c->id, &e)) {
		if (!strcmp(c->state, "acknowledged")) {
			snprintf(who, sizeof(who), "schedule (command %lld)",
				 (long long)c->id);
			if (valves_command(v, c->device, "close", 0, who, &closed, &e))
				log_error("closing valve %s on time: %s", c->device,
					  e.msg);
		}
	}
	return 0;
}

static void *clock_main(void *arg)
{
	struct valves *v = arg;
	struct timespec until;
	struct err e;

	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&v->stop_cond, &v->lock, &until);
		if (v->stop)
			break;
		pthread_mutex_unlock(&v->lock);
		if (duty_held(DUTY_VALVES) &&
		    db_command_due(v->db, time_now_ms() - v->ack_timeout_ms,
				   time_now_ms(), on_due, v, &e))
			log_error("valve commands: %s", e.msg);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

int valves_open(struct db *db, struct events *ev, int64_t ack_timeout_ms,
		struct valves **out, struct err *e)
{
	struct valves *v = calloc(1, sizeof(*v));

	if (!v)
		return err_nomem(e);
	v->db = db;
	v->events = ev;
	v->ack_timeout_ms = ack_timeout_ms ? ack_timeout_ms : DEFAULT_ACK_TIMEOUT_MS;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->stop_cond, NULL);
	if (pthread_create(&v->clock, NULL, clock_main, v)) {
		free(v);
		return err_set(e, ERR_INTERNAL, "cannot start the valve clock");
	}
	*out = v;
	return ERR_OK;
}

void valves_set_mqtt(struct valves *v, struct mqtt *m)
{
	pthread_mutex_lock(&v->lock);
	v->mqtt = m;
	pthread_mutex_unlock(&v->lock);
}

void valves_set_observer(struct valves *v, valves_observer fn, void *ctx)
{
	v->observer = fn;
	v->observer_ctx = ctx;
}

void valves_close(struct valves *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stop = true;
	pthread_cond_signal(&v->stop_cond);
	pthread_mutex_unlock(&v->lock);
	pthread_join(v->clock, NULL);
	pthread_cond_destroy(&v->stop_cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* ---- a valve's commands and state, for the API ---- */

static int command_to_list(const struct db_command *cmd, void *ctx)
{
	json_array_append_new(ctx, valves_command_json(cmd));
	return 0;
}

/* What the server believes (the last acknowledged command) and what the valve says. */
static json_t *valve_state(struct ingest *ing, struct ts_engine *ts,
			   const char *device, json_t *commands)
{
	const char *believed = "unknown";
	int64_t id, at;
	double val;
	json_t *cmd, *reported = json_null();
	size_t i;
	struct err e;

	json_array_foreach(commands, i, cmd)
		if (!strcmp(json_string_value(json_object_get(cmd, "state")),
			    "acknowledged")) {
			believed = strcmp(json_string_value(json_object_get(cmd,
				   "action")), "open") ? "closed" : "open";
			break;
		}
	if (!ingest_series_find(ing, device, "valve_state", &id, &e) &&
	    !ts_engine_latest(ts, id, &at, &val))
		reported = json_pack("{sI sf}", "ts", (json_int_t)at, "value",
				     val);
	return json_pack("{ss so}", "believed", believed, "reported", reported);
}

int valves_status_json(struct valves *v, struct ingest *ing,
		       struct ts_engine *ts, const char *device,
		       const char *state, json_t **out, struct err *e)
{
	json_t *list = json_array();

	*out = NULL;
	if (!list)
		return err_nomem(e);
	if (db_command_list(v->db, device, state, 0, command_to_list, list, e)) {
		json_decref(list);
		return e->code;
	}
	*out = json_pack("{so so}", "valve", valve_state(ing, ts, device, list),
			 "commands", list);
	return *out ? ERR_OK : err_nomem(e);
}
