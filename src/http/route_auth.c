/* Signing in and out, who am I, tokens and users. */
#include "http/routes.h"

#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_limit.h"
#include "auth/auth_pool.h"
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

/*
 * A sign-in with a password, checked on the sign-in threads (argon2id is
 * slow on purpose) while the request waits suspended, holding no worker.
 */
struct login_job {
	struct db *db;
	struct auth_limit *limit;
	void *conn;
	int64_t ttl_ms;
	char name[DB_NAME_MAX];
	char password[256];
	char address[64];
	/* the outcome, written before the request is resumed */
	int rc;
	struct err err;
	char secret[AUTH_SECRET_MAX];
	struct auth_identity who;
};

static void login_job_free(void *p)
{
	struct login_job *j = p;

	sodium_memzero(j, sizeof(*j));
	free(j);
}

static void login_job_run(void *p)
{
	struct login_job *j = p;

	j->rc = auth_login(j->db, j->name, j->password, j->ttl_ms, j->secret,
			   &j->who, &j->err);
	sodium_memzero(j->password, sizeof(j->password));
	/* counted here, whatever becomes of the request */
	auth_limit_end(j->limit, j->name, j->address,
		       j->rc == ERR_OK ? AUTH_LIMIT_OK :
		       j->rc == ERR_UNAUTHORIZED ? AUTH_LIMIT_FAILED :
		       AUTH_LIMIT_UNDECIDED);
	http_resume(j->conn); /* the last touch: the request may end now */
}

static int set_session_cookie(struct http_ctx *c, const char *secret,
			      long long max_age)
{
	snprintf(c->set_cookie, sizeof(c->set_cookie),
		 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
		 secret, max_age);
	return ERR_OK;
}

/* The request is back: answer with what the sign-in threads found. */
static int login_finish(struct http_ctx *c)
{
	struct login_job *j = c->job;
	int rc = j->rc;

	if (rc) {
		c->err = j->err;
	} else {
		set_session_cookie(c, j->secret, c->cfg->session_ttl_ms / 1000);
		rc = http_reply_json(c, MHD_HTTP_OK, identity_json(&j->who));
	}
	login_job_free(j);
	c->job = NULL;
	return rc;
}

/* Check the name and password on the sign-in threads, if allowed now. */
static int login_start(struct http_ctx *c, const char *name,
		       const char *password)
{
	struct login_job *j;
	char address[64];
	int64_t wait;

	/* longer than any user's name or our buffer: no such user */
	if (strlen(password) >= sizeof(j->password) ||
	    strlen(name) >= sizeof(j->name))
		return err_set(&c->err, ERR_UNAUTHORIZED,
			       "wrong user name or password");
	http_client_address(c, address, sizeof(address));
	wait = auth_limit_begin(c->svc->login_limit, name, address);
	if (wait > 0) {
		c->retry_after_s = (unsigned)((wait + 999) / 1000);
		return err_set(&c->err, ERR_LIMITED, "too many failed sign-ins "
			       "for this user or from this address; try again "
			       "in %u s", c->retry_after_s);
	}
	j = calloc(1, sizeof(*j));
	if (!j || !auth_pool_reserve(c->svc->login_pool)) {
		auth_limit_end(c->svc->login_limit, name, address,
			       AUTH_LIMIT_UNDECIDED);
		if (!j)
			return err_nomem(&c->err);
		free(j);
		c->retry_after_s = 1;
		return err_set(&c->err, ERR_UNAVAILABLE, "too many sign-ins at "
			       "once; try again in a second");
	}
	j->db = c->db;
	j->limit = c->svc->login_limit;
	j->conn = c->conn;
	j->ttl_ms = c->cfg->session_ttl_ms;
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->password, sizeof(j->password), "%s", password);
	snprintf(j->address, sizeof(j->address), "%s", address);
	c->job = j;
	c->job_free = login_job_free;
	http_suspend(c);
	auth_pool_run(c->svc->login_pool, login_job_run, j);
	return ERR_OK;
}

int route_login(struct http_ctx *c)
{
	char secret[AUTH_SECRET_MAX];
	struct auth_identity who;
	const char *name = NULL, *password = NULL, *token = NULL;
	json_t *body;
	int rc;

	if (c->job)
		return login_finish(c);
	if (http_body_json(c, &body))
		return c->err.code;
	if (json_object_get(body, "token")) {
		/* a token is checked by a fast hash: no password to guess */
		if ((rc = body_string(c, body, "token", &token)) ||
		    (rc = auth_kiosk_login(c->db, token, secret, &who, &c->err)))
			goto out;
		set_session_cookie(c, secret, KIOSK_COOKIE_MAX_AGE_S);
		sodium_memzero(secret, sizeof(secret));
		rc = http_reply_json(c, MHD_HTTP_OK, identity_json(&who));
	} else if (!(rc = body_string(c, body, "username", &name)) &&
		   !(rc = body_string(c, body, "password", &password))) {
		rc = login_start(c, name, password);
	}
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
			     "viewer, operator, admin or metrics", role_name);
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

int route_tokens_list(struct http_ctx *c)
{
	json_t *list;

	if (auth_tokens_json(c->db, &list, &c->err))
		return c->err.code;
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
	if (auth_token_revoke(c->db, id, time_now_ms(), &c->err))
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
