/* Valve commands over HTTP: operators command, valves poll and answer. */
#include "http/routes.h"

#include <limits.h>
#include <microhttpd.h>
#include <string.h>

#include "agro/valves.h"

/*
 * Whole minutes as an int, clamped (not wrapped: 2^32 + 5 is not 5) so
 * that valves_command refuses what lies outside its range.
 */
static int minutes_of(const json_t *v)
{
	json_int_t n = json_integer_value(v);

	return n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : (int)n;
}

/* A device token may act only for its own device. */
static int own_device(struct http_ctx *c)
{
	if (c->who.role == ROLE_DEVICE && strcmp(c->who.device, c->params[0]))
		return err_set(&c->err, ERR_FORBIDDEN, "this token belongs to "
			       "device '%s'", c->who.device);
	return ERR_OK;
}

int route_command_create(struct http_ctx *c)
{
	struct db_command cmd;
	char who[DB_NAME_MAX + 16];
	json_t *body, *action, *duration;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	action = json_object_get(body, "action");
	duration = json_object_get(body, "duration_min");
	if (!json_is_string(action))
		rc = err_set(&c->err, ERR_INVALID, "field 'action': expected "
			     "\"open\" or \"close\"");
	else if (duration && !json_is_integer(duration))
		rc = err_set(&c->err, ERR_INVALID, "field 'duration_min': "
			     "expected whole minutes");
	else {
		snprintf(who, sizeof(who), "%s (%s)", c->who.name,
			 auth_role_name(c->who.role));
		rc = valves_command(c->svc->valves, c->params[0],
				    json_string_value(action),
				    duration ? minutes_of(duration) : 0,
				    who, &cmd, &c->err);
	}
	json_decref(body);
	if (rc)
		return rc;
	return http_reply_json(c, MHD_HTTP_ACCEPTED, valves_command_json(&cmd));
}

static int command_to_list(const struct db_command *cmd, void *ctx)
{
	json_array_append_new(ctx, valves_command_json(cmd));
	return 0;
}

int route_command_list(struct http_ctx *c)
{
	json_t *status;

	if (valves_status_json(c->svc->valves, c->svc->ingest, c->svc->ts,
			       c->params[0], http_query(c, "state"), &status,
			       &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, status);
}

int route_command_pending(struct http_ctx *c)
{
	json_t *list = json_array();

	if (own_device(c) || valves_take_pending(c->svc->valves, c->params[0],
						 command_to_list, list, &c->err)) {
		json_decref(list);
		return c->err.code;
	}
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "commands", list));
}

int route_command_ack(struct http_ctx *c)
{
	json_t *body, *id, *ok;
	int rc;

	if (own_device(c) || http_body_json(c, &body))
		return c->err.code;
	id = json_object_get(body, "id");
	ok = json_object_get(body, "ok");
	if (!json_is_integer(id) || !json_is_boolean(ok))
		rc = err_set(&c->err, ERR_INVALID, "expected {\"id\":N,\"ok\":true|"
			     "false[,\"error\":\"...\"]}");
	else
		rc = valves_ack(c->svc->valves, c->params[0],
				json_integer_value(id), json_is_true(ok),
				json_string_value(json_object_get(body, "error")),
				&c->err);
	json_decref(body);
	return rc ? rc : http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}
