/*
 * The route table: every route of the API as one line of data (method, path
 * pattern, the role it needs, handler), and the dispatch that matches a
 * request against it, establishes who is calling and checks the role.
 */
#include "http/http_internal.h"
#include "http/routes.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SESSION_COOKIE "oasis_session"

struct route {
	const char *method;
	const char *pattern;   /* "/api/v1/plots/{code}": {..} is one segment */
	enum role role;        /* ROLE_NONE: open to all */
	http_handler handler;
};

static const struct route routes[] = {
	{ "GET", "/api/v1/health", ROLE_NONE, route_health },
	{ "POST", "/api/v1/login", ROLE_NONE, route_login },
	{ "POST", "/api/v1/logout", ROLE_NONE, route_logout },
	{ "GET", "/api/v1/me", ROLE_VIEWER, route_me },
	{ "GET", "/api/v1/tokens", ROLE_ADMIN, route_tokens_list },
	{ "POST", "/api/v1/tokens", ROLE_ADMIN, route_tokens_create },
	{ "DELETE", "/api/v1/tokens/{id}", ROLE_ADMIN, route_tokens_revoke },
	{ "POST", "/api/v1/users", ROLE_ADMIN, route_users_create },
	{ "GET", "/api/v1/plots", ROLE_VIEWER, route_plots_list },
	{ "POST", "/api/v1/plots", ROLE_ADMIN, route_plots_import },
	{ "GET", "/api/v1/plots/{code}", ROLE_VIEWER, route_plot_get },
	{ "PATCH", "/api/v1/plots/{code}", ROLE_ADMIN, route_plot_patch },
	{ "DELETE", "/api/v1/plots/{code}", ROLE_ADMIN, route_plot_delete },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Match path against pattern, collecting {param} segments into params
 * (pointers into scratch, a copy of path).  The path has no query string.
 */
static bool match(const char *pattern, const char *path, char *scratch,
		  size_t scratch_size, const char **params)
{
	int n = 0;

	if (strlen(path) >= scratch_size)
		return false;
	strcpy(scratch, path);
	path = scratch;
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);

			if (len == 0 || n >= HTTP_MAX_PARAMS)
				return false;
			params[n++] = path;
			pattern = strchr(pattern, '}') + 1;
			path += len;
			if (*path) {
				*(char *)path = '\0'; /* terminate the param */
				path++;
				if (*pattern != '/')
					return false;
				pattern++;
			}
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return !*pattern && !*path;
}

/* The credential of an "Authorization" header, or NULL. */
static const char *credential_from_header(const char *auth, char *decoded,
					  size_t size)
{
	size_t len;
	char *colon;

	if (!strncasecmp(auth, "Bearer ", 7))
		return auth + 7;
	if (!strncasecmp(auth, "Token ", 6))
		return auth + 6;
	if (strncasecmp(auth, "Basic ", 6))
		return NULL;
	/* InfluxDB 1.x clients send the token as the Basic password */
	if (sodium_base642bin((unsigned char *)decoded, size - 1, auth + 6,
			      strlen(auth + 6), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return NULL;
	decoded[len] = '\0';
	colon = strchr(decoded, ':');
	return colon ? colon + 1 : NULL;
}

/*
 * Establish c->who from a token (Authorization header) or a browser session
 * (cookie).  No credential leaves c->who at ROLE_NONE; a bad one fails.
 */
static int identify(struct http_ctx *c)
{
	char decoded[256];
	const char *auth = http_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *secret, *cookie;

	memset(&c->who, 0, sizeof(c->who));
	if (auth) {
		secret = credential_from_header(auth, decoded, sizeof(decoded));
		if (!secret)
			return err_set(&c->err, ERR_UNAUTHORIZED, "unsupported "
				       "Authorization header (use Bearer TOKEN)");
		return auth_identify_token(c->db, secret, &c->who, &c->err);
	}
	cookie = http_cookie(c, SESSION_COOKIE);
	if (cookie)
		return auth_identify_session(c->db, cookie, &c->who, &c->err);
	return ERR_OK;
}

static int authorise(struct http_ctx *c, enum role need)
{
	int rc = identify(c);

	if (need == ROLE_NONE)
		return ERR_OK; /* open routes ignore a bad credential */
	if (rc)
		return rc;
	if (c->who.role == ROLE_NONE)
		return err_set(&c->err, ERR_UNAUTHORIZED, "sign in or send "
			       "Authorization: Bearer TOKEN");
	if (!auth_role_allows(c->who.role, need))
		return err_set(&c->err, ERR_FORBIDDEN, "this needs the %s role; "
			       "you are %s", auth_role_name(need),
			       auth_role_name(c->who.role));
	return ERR_OK;
}

void http_dispatch(struct http_ctx *c)
{
	char scratch[256];
	bool path_known = false;

	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *r = &routes[i];

		if (!match(r->pattern, c->path, scratch, sizeof(scratch), c->params))
			continue;
		path_known = true;
		if (strcmp(r->method, c->method))
			continue;
		if (authorise(c, r->role))
			return;
		err_clear(&c->err);
		r->handler(c);
		return;
	}
	if (path_known)
		err_set(&c->err, ERR_INVALID, "method %s is not allowed on %s",
			c->method, c->path);
	else
		err_set(&c->err, ERR_NOT_FOUND, "no such route: %s %s", c->method,
			c->path);
}
