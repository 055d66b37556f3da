/* Monitoring over HTTP: rules, alerts (list, ack, close), freshness. */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alerts.h"
#include "alert/rule_test.h"
#include "util/timeutil.h"

static int parse_id(struct http_ctx *c, int64_t *id)
{
	char *end;
	long long v = strtoll(c->params[0], &end, 10);

	if (*end || v <= 0)
		return err_set(&c->err, ERR_NOT_FOUND, "no such id '%s'",
			       c->params[0]);
	*id = v;
	return ERR_OK;
}

static void who_of(struct http_ctx *c, char *out, size_t size)
{
	snprintf(out, size, "%s (%s)", c->who.name, auth_role_name(c->who.role));
}

int route_rules_list(struct http_ctx *c)
{
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so so}", "rules",
			       alerts_rules_json(c->svc->alerts), "templates",
			       alerts_templates_json()));
}

int route_rule_get(struct http_ctx *c)
{
	struct alert_rule r;
	int64_t id;

	if (parse_id(c, &id) || alerts_rule_get(c->svc->alerts, id, &r, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, alert_rule_to_json(&r));
}

int route_rule_create(struct http_ctx *c)
{
	struct alert_rule r;
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = alerts_rule_create(c->svc->alerts, body, &r, &c->err);
	json_decref(body);
	if (rc)
		return rc;
	return http_reply_json(c, MHD_HTTP_CREATED, alert_rule_to_json(&r));
}

int route_rule_patch(struct http_ctx *c)
{
	struct alert_rule r;
	json_t *body;
	int64_t id;
	int rc;

	if (parse_id(c, &id) || http_body_json(c, &body))
		return c->err.code;
	rc = alerts_rule_update(c->svc->alerts, id, body, &r, &c->err);
	json_decref(body);
	if (rc)
		return rc;
	return http_reply_json(c, MHD_HTTP_OK, alert_rule_to_json(&r));
}

int route_rule_delete(struct http_ctx *c)
{
	int64_t id;

	if (parse_id(c, &id) || alerts_rule_delete(c->svc->alerts, id, &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

static int instant_arg(struct http_ctx *c, const char *key, int64_t *out)
{
	const char *v = http_query(c, key);

	*out = 0;
	if (v && time_parse(v, time_now_ms(), out, &c->err))
		return err_prefix(&c->err, "parameter '%s'", key);
	return ERR_OK;
}

/*
 * A read of alerts sees what every point acknowledged before it raised:
 * the monitoring evaluates off the write path, so let its queue drain
 * first (bounded: a stuck monitoring must not stall the screens).
 */
static void settle(struct http_ctx *c)
{
	if (c->svc->alerts)
		alerts_settle(c->svc->alerts, ALERTS_READ_SETTLE_MS);
}

/* "1".."10000", digits only (atol took "5x" and wrapped past 64 bits). */
static int limit_param(const char *s, size_t *out)
{
	size_t n = 0, len = strspn(s, "0123456789");

	if (len == 0 || len > 5 || s[len])
		return ERR_INVALID;
	for (size_t i = 0; i < len; i++)
		n = n * 10 + (size_t)(s[i] - '0');
	if (n < 1 || n > 10000)
		return ERR_INVALID;
	*out = n;
	return ERR_OK;
}

int route_alerts_list(struct http_ctx *c)
{
	struct db_alert_filter f = { 0 };
	const char *state = http_query(c, "state"), *limit = http_query(c, "limit");
	json_t *arr;

	if (state && strcmp(state, "open") && strcmp(state, "acknowledged") &&
	    strcmp(state, "closed") && strcmp(state, "active"))
		return err_set(&c->err, ERR_INVALID, "parameter 'state': expected "
			       "open, acknowledged, closed or active");
	f.state = state;
	f.plot = http_query(c, "plot");
	if (instant_arg(c, "from", &f.from) || instant_arg(c, "to", &f.to))
		return c->err.code;
	if (limit && limit_param(limit, &f.limit))
		return err_set(&c->err, ERR_INVALID, "parameter 'limit': '%s' is "
			       "not a whole number from 1 to 10000", limit);
	settle(c);
	if (alerts_list_json(c->db, &f, &arr, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "alerts", arr));
}

int route_alert_get(struct http_ctx *c)
{
	struct db_alert a;
	int64_t id;

	if (parse_id(c, &id))
		return c->err.code;
	settle(c);
	if (alerts_get(c->db, id, &a, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, alerts_alert_json(&a));
}

/* The optional {"comment": "..."} of an ack or a close. */
static int comment_of(struct http_ctx *c, char *out, size_t size)
{
	json_t *body = NULL, *v;

	out[0] = '\0';
	if (c->body.len == 0)
		return ERR_OK;
	if (http_body_json(c, &body))
		return c->err.code;
	v = json_object_get(body, "comment");
	if (v && (!json_is_string(v) || json_string_length(v) >= size)) {
		json_decref(body);
		return err_set(&c->err, ERR_INVALID, "field 'comment': a string "
			       "of at most %zu bytes", size - 1);
	}
	if (v)
		snprintf(out, size, "%s", json_string_value(v));
	json_decref(body);
	return ERR_OK;
}

typedef int (*alert_action)(struct alerts *a, int64_t id, const char *who,
			    const char *comment, struct db_alert *out,
			    struct err *e);

/* Acknowledge or close: the caller, the optional comment, the answer. */
static int act_on_alert(struct http_ctx *c, alert_action act)
{
	char who[DB_NAME_MAX + 16], comment[DB_TEXT_MAX * 2];
	struct db_alert a;
	int64_t id;

	who_of(c, who, sizeof(who));
	if (parse_id(c, &id) || comment_of(c, comment, sizeof(comment)) ||
	    act(c->svc->alerts, id, who, comment, &a, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, alerts_alert_json(&a));
}

int route_alert_ack(struct http_ctx *c)
{
	return act_on_alert(c, alerts_ack);
}

int route_alert_close(struct http_ctx *c)
{
	return act_on_alert(c, alerts_close_alert);
}

int route_freshness(struct http_ctx *c)
{
	json_t *j;

	settle(c);
	j = alerts_freshness_json(c->svc->alerts, http_query(c, "plot"),
				  &c->err);

	if (!j)
		return c->err.code != ERR_OK ? (int)c->err.code : err_nomem(&c->err);
	return http_reply_json(c, MHD_HTTP_OK, j);
}

/*
 * POST /api/v1/rules/test[?from=&to=]: the rule of the body (a stored one
 * by {"id": N}, or fields as for POST /rules) tried on past data, by
 * default the last day.
 */
int route_rule_test(struct http_ctx *c)
{
	struct alert_rule r;
	json_t *body, *id, *out;
	int64_t to, from;
	int rc;

	if (instant_arg(c, "to", &to) || instant_arg(c, "from", &from))
		return c->err.code;
	if (!to)
		to = time_now_ms();
	if (!from)
		from = to - 86400000;
	if (from >= to)
		return err_set(&c->err, ERR_INVALID, "parameter 'from': must be "
			       "before 'to'");
	if (http_body_json(c, &body))
		return c->err.code;
	id = json_object_get(body, "id");
	if (json_is_integer(id))
		rc = alerts_rule_get(c->svc->alerts, json_integer_value(id), &r,
				     &c->err);
	else
		rc = alert_rule_from_json(body, NULL, &r, &c->err);
	json_decref(body);
	if (rc || (rc = alerts_rule_test(c->db, c->svc->ingest, c->svc->ts, &r,
					 from, to, &out, &c->err)))
		return rc;
	return http_reply_json(c, MHD_HTTP_OK, out);
}
