/* Signing in and out, who am I, tokens and users. */
#include "http/routes.h"

#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define SESSION_COOKIE "oasis_session"

static json_t *identity_json(const struct auth_identity *w)
{
	return json_pack("{ss ss s:s?}", "name", w->name,
			 "role", auth_role_name(w->role),
			 "device", w->device[0] ? w->device : NULL);
}

/* A required string member of a JSON body; names the field when missing. */
static int body_string(struct http_ctx *c, json_t *obj, const char *key,
		       const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return err_set(&c->err, ERR_INVALID, "field '%s': expected a "
			       "string", key);
	*out = json_string_value(v);
	return ERR_OK;
}

/*
 * A wall screen's cookie lives as long as browsers keep one (400 days); the
 * token it carries decides, on every request, whether it still works.
 */
#define KIOSK_COOKIE_MAX_AGE_S (400LL * 86400)

int route_login(struct http_ctx *c)
{
	char secret[AUTH_SECRET_MAX];
	struct auth_identity who;
	const char *name = NULL, *password = NULL, *token = NULL;
	long long max_age = c->cfg->session_ttl_ms / 1000;
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if (json_object_get(body, "token")) {
		if ((rc = body_string(c, body, "token", &token)) ||
		    (rc = auth_kiosk_login(c->db, token, secret, &who, &c->err)))
			goto out;
		max_age = KIOSK_COOKIE_MAX_AGE_S;
	} else {
		if ((rc = body_string(c, body, "username", &name)) ||
		    (rc = body_string(c, body, "password", &password)) ||
		    (rc = auth_login(c->db, name, password,
				     c->cfg->session_ttl_ms, secret, &who,
				     &c->err)))
			goto out;
	}
	snprintf(c->set_cookie, sizeof(c->set_cookie),
		 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
		 secret, max_age);
	sodium_memzero(secret, sizeof(secret));
	rc = http_reply_json(c, MHD_HTTP_OK, identity_json(&who));
out:
	json_decref(body);
	return rc;
}

int route_logout(struct http_ctx *c)
{
	const char *cookie = http_cookie(c, SESSION_COOKIE);

	if (cookie && auth_logout(c->db, cookie, &c->err))
		return c->err.code;
	snprintf(c->set_cookie, sizeof(c->set_cookie),
		 SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

int route_me(struct http_ctx *c)
{
	return http_reply_json(c, MHD_HTTP_OK, identity_json(&c->who));
}

int route_tokens_create(struct http_ctx *c)
{
	char secret[AUTH_SECRET_MAX];
	const char *name = NULL, *role_name = NULL, *device = NULL;
	json_t *body, *dev;
	enum role role;
	int64_t id;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if ((rc = body_string(c, body, "name", &name)) ||
	    (rc = body_string(c, body, "role", &role_name)))
		goto out;
	dev = json_object_get(body, "device");
	if (json_is_string(dev))
		device = json_string_value(dev);
	role = auth_role_parse(role_name);
	if (role == ROLE_NONE || (role == ROLE_DEVICE && !device)) {
		rc = err_set(&c->err, ERR_INVALID, "field 'role': '%s' is not "
			     "viewer, operator or admin", role_name);
		goto out;
	}
	rc = auth_token_create(c->db, role, name, device, 0, secret, &id, &c->err);
	if (rc)
		goto out;
	rc = http_reply_json(c, MHD_HTTP_CREATED,
			     json_pack("{sI ss ss ss}", "id", (json_int_t)id,
				       "name", name, "role", role_name,
				       "token", secret));
	sodium_memzero(secret, sizeof(secret));
out:
	json_decref(body);
	return rc;
}

static int token_to_json(const struct db_token *t, void *ctx)
{
	json_t *list = ctx;
	char created[32];

	time_format_iso(t->created_ms, created, sizeof(created));
	json_array_append_new(list, json_pack("{sI ss ss s:s? ss sb}",
		"id", (json_int_t)t->id, "name", t->name, "role", t->role,
		"device", t->device[0] ? t->device : NULL, "created", created,
		"revoked", t->revoked_ms != 0));
	return ERR_OK;
}

int route_tokens_list(struct http_ctx *c)
{
	json_t *list = json_array();

	if (db_token_list(c->db, token_to_json, list, &c->err)) {
		json_decref(list);
		return c->err.code;
	}
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "tokens", list));
}

int route_tokens_revoke(struct http_ctx *c)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(c->params[0], &end, 10);
	if (errno || *end || id <= 0)
		return err_set(&c->err, ERR_INVALID, "token id '%s' is not a "
			       "number", c->params[0]);
	if (db_token_revoke(c->db, id, time_now_ms(), &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

int route_users_create(struct http_ctx *c)
{
	const char *name = NULL, *role_name = NULL, *password = NULL;
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if ((rc = body_string(c, body, "username", &name)) ||
	    (rc = body_string(c, body, "role", &role_name)) ||
	    (rc = body_string(c, body, "password", &password)))
		goto out;
	rc = auth_user_create(c->db, name, auth_role_parse(role_name), password,
			      &c->err);
	if (!rc)
		rc = http_reply_json(c, MHD_HTTP_CREATED,
				     json_pack("{ss ss}", "username", name,
					       "role", role_name));
out:
	json_decref(body);
	return rc;
}
