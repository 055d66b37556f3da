/*
 * The people who sign in, for the admin console: list, change a role,
 * disable, delete, reset a password (the new one is shown once).
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int route_users_list(struct http_ctx *c)
{
	json_t *list;

	if (auth_users_json(c->db, &list, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "users", list));
}

/* The caller's user name, or NULL when they came with a token. */
static const char *acting(struct http_ctx *c)
{
	return c->who.user_id ? c->who.name : NULL;
}

/* PATCH {"role": ...} and/or {"disabled": true}. */
static int apply_patch(struct http_ctx *c, const char *name, json_t *body)
{
	json_t *role = json_object_get(body, "role");
	json_t *disabled = json_object_get(body, "disabled");
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		if (strcmp(key, "role") && strcmp(key, "disabled"))
			return err_set(&c->err, ERR_INVALID, "field '%s': a user "
				       "changes only 'role' and 'disabled' (a new "
				       "password: POST .../password)", key);
	}
	if (role && !json_is_string(role))
		return err_set(&c->err, ERR_INVALID, "field 'role': expected "
			       "viewer, operator or admin");
	if (disabled && !json_is_true(disabled))
		return err_set(&c->err, ERR_INVALID, "field 'disabled': only true "
			       "(a disabled user is enabled by a new password)");
	if (role && auth_user_set_role(c->db, acting(c), name,
				       auth_role_parse(json_string_value(role)),
				       &c->err))
		return c->err.code;
	if (disabled && auth_user_disable(c->db, acting(c), name, &c->err))
		return c->err.code;
	return ERR_OK;
}

int route_user_patch(struct http_ctx *c)
{
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if (!json_is_object(body))
		rc = err_set(&c->err, ERR_INVALID, "expected a JSON object");
	else
		rc = apply_patch(c, c->params[0], body);
	json_decref(body);
	if (rc)
		return rc;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

int route_user_delete(struct http_ctx *c)
{
	if (auth_user_delete(c->db, acting(c), c->params[0], &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

int route_user_password(struct http_ctx *c)
{
	char password[AUTH_PASSWORD_LEN + 1];
	int rc;

	if (auth_user_reset_password(c->db, c->params[0], password, &c->err))
		return c->err.code;
	rc = http_reply_json(c, MHD_HTTP_OK, json_pack("{ss ss}", "username",
			     c->params[0], "password", password));
	sodium_memzero(password, sizeof(password));
	return rc;
}

/* GET /api/v1/audit[?before=ID&limit=N]: who changed what, newest first. */
int route_audit_list(struct http_ctx *c)
{
	const char *before = http_query(c, "before"), *limit = http_query(c, "limit");
	long long b = 0, n = 100;
	char *end;
	json_t *list;

	if (before && ((b = strtoll(before, &end, 10)) <= 0 || *end))
		return err_set(&c->err, ERR_INVALID, "parameter 'before': "
			       "expected an entry's id");
	if (limit && ((n = strtoll(limit, &end, 10)) <= 0 || *end ||
		      n > AUTH_AUDIT_MAX))
		return err_set(&c->err, ERR_INVALID, "parameter 'limit': "
			       "expected 1 to %d", AUTH_AUDIT_MAX);
	if (auth_audit_json(c->db, b, (int)n, &list, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "entries", list));
}
