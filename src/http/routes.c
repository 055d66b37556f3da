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

#include "util/log.h"
#include "util/timeutil.h"

#define SESSION_COOKIE "oasis_session"

struct route {
	const char *method;
	const char *pattern;   /* "/api/v1/plots/{code}": {..} is one segment */
	enum role role;        /* ROLE_NONE: open to all */
	http_handler handler;
	bool token_in_query;   /* the `p` parameter may carry the token */
	bool any_role;         /* every signed-in caller; the handler decides */
	bool influx_errors;    /* errors in InfluxDB 1.x's shape (its clients read them) */
};

#define ROUTE(method, pattern, role, handler) \
	{ method, pattern, role, handler, false, false, false }
/* Routes InfluxDB 1.x clients call: the token may come as `p`. */
#define INFLUX_ROUTE(method, pattern, role, handler) \
	{ method, pattern, role, handler, true, false, false }
/* InfluxQL: devices may CREATE DATABASE, readers read (route_influxql.c). */
#define INFLUXQL_ROUTE(method, pattern, handler) \
	{ method, pattern, ROLE_DEVICE, handler, true, true, true }

static const struct route routes[] = {
	ROUTE("GET", "/api/v1/health", ROLE_NONE, route_health),
	ROUTE("GET", "/api/v1/health/live", ROLE_NONE, route_health_live),
	ROUTE("POST", "/api/v1/login", ROLE_NONE, route_login),
	ROUTE("POST", "/api/v1/logout", ROLE_NONE, route_logout),
	ROUTE("GET", "/api/v1/me", ROLE_VIEWER, route_me),
	ROUTE("GET", "/api/v1/tokens", ROLE_ADMIN, route_tokens_list),
	ROUTE("POST", "/api/v1/tokens", ROLE_ADMIN, route_tokens_create),
	ROUTE("DELETE", "/api/v1/tokens/{id}", ROLE_ADMIN, route_tokens_revoke),
	ROUTE("POST", "/api/v1/users", ROLE_ADMIN, route_users_create),
	ROUTE("GET", "/api/v1/plots", ROLE_VIEWER, route_plots_list),
	ROUTE("POST", "/api/v1/plots", ROLE_ADMIN, route_plots_import),
	ROUTE("GET", "/api/v1/plots/{code}", ROLE_VIEWER, route_plot_get),
	ROUTE("PATCH", "/api/v1/plots/{code}", ROLE_ADMIN, route_plot_patch),
	ROUTE("DELETE", "/api/v1/plots/{code}", ROLE_ADMIN, route_plot_delete),
	ROUTE("GET", "/api/v1/devices", ROLE_VIEWER, route_devices_list),
	ROUTE("POST", "/api/v1/devices", ROLE_ADMIN, route_devices_create),
	ROUTE("DELETE", "/api/v1/devices/{id}", ROLE_ADMIN, route_devices_delete),
	INFLUX_ROUTE("POST", "/api/v1/write", ROLE_DEVICE, route_write_lp),
	ROUTE("POST", "/api/v1/telemetry", ROLE_DEVICE, route_telemetry),
	ROUTE("GET", "/api/v1/query", ROLE_VIEWER, route_query),
	ROUTE("GET", "/api/v1/latest", ROLE_VIEWER, route_latest),
	ROUTE("GET", "/api/v1/stream", ROLE_VIEWER, route_stream),
	ROUTE("GET", "/api/v1/metrics", ROLE_VIEWER, route_metrics),
	ROUTE("POST", "/api/v1/devices/{id}/commands", ROLE_OPERATOR,
	      route_command_create),
	ROUTE("GET", "/api/v1/devices/{id}/commands", ROLE_VIEWER,
	      route_command_list),
	ROUTE("GET", "/api/v1/devices/{id}/commands/pending", ROLE_DEVICE,
	      route_command_pending),
	ROUTE("POST", "/api/v1/devices/{id}/acks", ROLE_DEVICE, route_command_ack),
	ROUTE("GET", "/api/v1/plots/{code}/water", ROLE_VIEWER, route_plot_water),
	ROUTE("GET", "/api/v1/irrigation/plan", ROLE_VIEWER, route_irrigation_plan),
	/* where InfluxDB clients write and look, unmodified */
	INFLUX_ROUTE("POST", "/write", ROLE_DEVICE, route_write_lp),
	ROUTE("POST", "/api/v2/write", ROLE_DEVICE, route_write_lp),
	ROUTE("GET", "/ping", ROLE_NONE, route_influx_ping),
	ROUTE("HEAD", "/ping", ROLE_NONE, route_influx_ping),
	INFLUXQL_ROUTE("POST", "/query", route_influxql),
	INFLUXQL_ROUTE("GET", "/query", route_influxql),
	INFLUXQL_ROUTE("GET", "/api/v1/influx/query", route_influxql),
	INFLUXQL_ROUTE("POST", "/api/v1/influx/query", route_influxql),
	ROUTE("GET", "/api/v1/overview", ROLE_VIEWER, route_overview),
	/* imagery: scenes, index series, anomalies, pictures */
	ROUTE("POST", "/api/v1/imagery", ROLE_ADMIN, route_imagery_upload),
	ROUTE("GET", "/api/v1/imagery", ROLE_VIEWER, route_imagery_list),
	ROUTE("GET", "/api/v1/imagery/{id}/{picture}", ROLE_VIEWER,
	      route_imagery_png),
	/* the map's imagery as XYZ tiles (rs/basemap.h) */
	ROUTE("GET", "/api/v1/basemap", ROLE_VIEWER, route_basemap_info),
	ROUTE("GET", "/api/v1/basemap/{layer}/{z}/{x}/{y}", ROLE_VIEWER,
	      route_basemap_tile),
	ROUTE("GET", "/api/v1/plots/{code}/indices", ROLE_VIEWER,
	      route_plot_indices),
	ROUTE("GET", "/api/v1/plots/{code}/indices.png", ROLE_VIEWER,
	      route_plot_indices_png),
	ROUTE("GET", "/api/v1/anomalies", ROLE_VIEWER, route_anomalies),
	/* fleet: machinery positions and operations, cameras */
	ROUTE("POST", "/api/v1/devices/{id}/nmea", ROLE_DEVICE, route_nmea),
	ROUTE("PUT", "/api/v1/devices/{id}/equipment", ROLE_ADMIN,
	      route_equipment_set),
	ROUTE("GET", "/api/v1/machines", ROLE_VIEWER, route_machines),
	ROUTE("GET", "/api/v1/machines/{id}/track", ROLE_VIEWER,
	      route_machine_track),
	ROUTE("GET", "/api/v1/plots/{code}/operations", ROLE_VIEWER,
	      route_plot_operations),
	ROUTE("GET", "/api/v1/operations", ROLE_VIEWER, route_operations),
	ROUTE("GET", "/api/v1/plots/{code}/cameras", ROLE_VIEWER,
	      route_plot_cameras),
	ROUTE("POST", "/api/v1/devices/{id}/snapshot", ROLE_DEVICE,
	      route_snapshot_put),
	ROUTE("GET", "/api/v1/devices/{id}/snapshot", ROLE_VIEWER,
	      route_snapshot_get),
	ROUTE("GET", "/api/v1/devices/{id}/snapshots", ROLE_VIEWER,
	      route_snapshot_list),
	/* monitoring (alert/): viewers read, operators edit rules and act */
	ROUTE("GET", "/api/v1/rules", ROLE_VIEWER, route_rules_list),
	ROUTE("POST", "/api/v1/rules", ROLE_OPERATOR, route_rule_create),
	ROUTE("POST", "/api/v1/rules/test", ROLE_OPERATOR, route_rule_test),
	ROUTE("GET", "/api/v1/audit", ROLE_ADMIN, route_audit_list),
	ROUTE("GET", "/api/v1/rules/{id}", ROLE_VIEWER, route_rule_get),
	ROUTE("PATCH", "/api/v1/rules/{id}", ROLE_OPERATOR, route_rule_patch),
	ROUTE("DELETE", "/api/v1/rules/{id}", ROLE_OPERATOR, route_rule_delete),
	ROUTE("GET", "/api/v1/alerts", ROLE_VIEWER, route_alerts_list),
	ROUTE("GET", "/api/v1/alerts/{id}", ROLE_VIEWER, route_alert_get),
	ROUTE("POST", "/api/v1/alerts/{id}/ack", ROLE_OPERATOR, route_alert_ack),
	ROUTE("POST", "/api/v1/alerts/{id}/close", ROLE_OPERATOR,
	      route_alert_close),
	ROUTE("GET", "/api/v1/freshness", ROLE_VIEWER, route_freshness),
	/* video (src/video): cameras live, snapshots, recordings */
	ROUTE("GET", "/api/v1/cameras", ROLE_VIEWER, route_cameras_list),
	ROUTE("GET", "/api/v1/cameras/{id}/live.m3u8", ROLE_VIEWER,
	      route_camera_live),
	ROUTE("GET", "/api/v1/cameras/{id}/hls/{file}", ROLE_VIEWER,
	      route_camera_segment),
	ROUTE("GET", "/api/v1/cameras/{id}/recording.m3u8", ROLE_VIEWER,
	      route_camera_recording),
	ROUTE("POST", "/api/v1/cameras/{id}/snapshot", ROLE_OPERATOR,
	      route_camera_snapshot),
	/* Prometheus: a metrics or viewer token, or an address of --metrics-allow */
	ROUTE("GET", "/metrics", ROLE_NONE, route_prometheus),
	/* sites and the PV park (route_sites.c) */
	ROUTE("GET", "/api/v1/sites", ROLE_VIEWER, route_sites_list),
	ROUTE("GET", "/api/v1/sites/{code}", ROLE_VIEWER, route_site_get),
	ROUTE("GET", "/api/v1/sites/{code}/devices", ROLE_VIEWER,
	      route_site_devices),
	ROUTE("GET", "/api/v1/sites/{code}/equipment", ROLE_VIEWER,
	      route_site_equipment),
	ROUTE("GET", "/api/v1/sites/{code}/pv/daily", ROLE_VIEWER,
	      route_site_pv_daily),
	ROUTE("GET", "/api/v1/sites/{code}/pv/expected", ROLE_VIEWER,
	      route_site_pv_expected),
	ROUTE("GET", "/api/v1/sites/{code}/pv/health", ROLE_VIEWER,
	      route_site_pv_health),
	ROUTE("POST", "/api/v1/sites/{code}/pv/health", ROLE_OPERATOR,
	      route_site_pv_health),
	ROUTE("GET", "/api/v1/sites/{code}/features", ROLE_VIEWER,
	      route_site_features),
	ROUTE("POST", "/api/v1/sites", ROLE_ADMIN, route_sites_create),
	ROUTE("PATCH", "/api/v1/sites/{code}", ROLE_ADMIN, route_site_patch),
	ROUTE("GET", "/api/v1/sites/{code}/pv/plant", ROLE_VIEWER,
	      route_site_pv_plant),
	/* work orders (route_workorders.c) */
	ROUTE("GET", "/api/v1/workorders", ROLE_VIEWER, route_workorders_list),
	ROUTE("POST", "/api/v1/workorders", ROLE_OPERATOR,
	      route_workorder_create),
	ROUTE("GET", "/api/v1/workorders/{id}", ROLE_VIEWER,
	      route_workorder_get),
	ROUTE("PATCH", "/api/v1/workorders/{id}", ROLE_OPERATOR,
	      route_workorder_patch),
	/* the admin console (route_users.c, route_devices.c) */
	ROUTE("GET", "/api/v1/users", ROLE_ADMIN, route_users_list),
	ROUTE("PATCH", "/api/v1/users/{name}", ROLE_ADMIN, route_user_patch),
	ROUTE("DELETE", "/api/v1/users/{name}", ROLE_ADMIN, route_user_delete),
	ROUTE("POST", "/api/v1/users/{name}/password", ROLE_ADMIN,
	      route_user_password),
	ROUTE("PATCH", "/api/v1/devices/{id}", ROLE_ADMIN, route_devices_patch),
	ROUTE("POST", "/api/v1/devices/{id}/token", ROLE_ADMIN,
	      route_devices_token),
	/* the metrics accepted: the catalogue, custom ones with a unit */
	ROUTE("GET", "/api/v1/units", ROLE_VIEWER, route_units_list),
	ROUTE("PUT", "/api/v1/units/{name}", ROLE_ADMIN, route_unit_put),
	ROUTE("DELETE", "/api/v1/units/{name}", ROLE_ADMIN, route_unit_delete),
	ROUTE("GET", "/api/v1/reports/daily", ROLE_VIEWER, route_report_daily),
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

int http_credential_get(struct http_ctx *c, bool token_in_query,
			struct http_credential *out)
{
	char decoded[256];
	const char *auth = http_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *secret = NULL, *p = http_query(c, "p");

	memset(out, 0, sizeof(*out));
	if (auth) {
		secret = credential_from_header(auth, decoded, sizeof(decoded));
		if (!secret)
			return err_set(&c->err, ERR_UNAUTHORIZED, "unsupported "
				       "Authorization header (use Bearer TOKEN)");
	} else if (token_in_query && p) {
		secret = p;
	} else if ((secret = http_cookie(c, SESSION_COOKIE))) {
		out->session = true;
	}
	if (secret) {
		out->present = true;
		/* longer than any of ours: kept as "", which no check accepts */
		if (strlen(secret) < sizeof(out->secret))
			memcpy(out->secret, secret, strlen(secret) + 1);
	}
	sodium_memzero(decoded, sizeof(decoded));
	return ERR_OK;
}

int http_credential_identify(struct db *db, const struct http_credential *cr,
			     struct auth_identity *who, struct err *e)
{
	memset(who, 0, sizeof(*who));
	if (!cr->present)
		return ERR_OK;
	if (cr->session)
		return auth_identify_session(db, cr->secret, who, e);
	return auth_identify_token(db, cr->secret, who, e);
}

/*
 * Establish c->who from a token (Authorization header) or a browser session
 * (cookie).  No credential leaves c->who at ROLE_NONE; a bad one fails.
 */
static int identify(struct http_ctx *c, bool token_in_query)
{
	struct http_credential cr;
	int rc;

	memset(&c->who, 0, sizeof(c->who));
	if ((rc = http_credential_get(c, token_in_query, &cr)))
		return rc;
	rc = http_credential_identify(c->db, &cr, &c->who, &c->err);
	sodium_memzero(&cr, sizeof(cr));
	return rc;
}

static int authorise(struct http_ctx *c, const struct route *r)
{
	enum role need = r->role;
	int rc = identify(c, r->token_in_query);

	if (need == ROLE_NONE)
		return ERR_OK; /* open routes ignore a bad credential */
	/* InfluxDB 1.x's own words, which its clients and Grafana show */
	if (r->influx_errors && rc == ERR_UNAUTHORIZED)
		return err_set(&c->err, ERR_UNAUTHORIZED, "authorization failed");
	if (rc)
		return rc;
	if (r->influx_errors && c->who.role == ROLE_NONE)
		return err_set(&c->err, ERR_UNAUTHORIZED, "unable to parse "
			       "authentication credentials");
	if (c->who.role == ROLE_NONE)
		return err_set(&c->err, ERR_UNAUTHORIZED, "sign in or send "
			       "Authorization: Bearer TOKEN");
	if (c->who.role == ROLE_METRICS)
		return err_set(&c->err, ERR_FORBIDDEN, "a metrics token may only "
			       "read GET /metrics");
	if (r->any_role)
		return ERR_OK;
	if (!auth_role_allows(c->who.role, need) && need == ROLE_DEVICE)
		return err_set(&c->err, ERR_FORBIDDEN, "writing data needs a "
			       "device token (or an admin's); you are %s",
			       auth_role_name(c->who.role));
	if (!auth_role_allows(c->who.role, need))
		return err_set(&c->err, ERR_FORBIDDEN, "this needs the %s role; "
			       "you are %s", auth_role_name(need),
			       auth_role_name(c->who.role));
	return ERR_OK;
}

bool http_route_known(const char *path)
{
	const char *params[HTTP_MAX_PARAMS];
	char scratch[256];

	for (size_t i = 0; i < N_ROUTES; i++)
		if (match(routes[i].pattern, path, scratch, sizeof(scratch), params))
			return true;
	return false;
}

/*
 * Routes open to all (login, health) take small bodies: a caller nobody
 * knows cannot make the server hold much.
 */
#define OPEN_MAX_BODY ((size_t)64 << 10)

int http_admit(struct http_ctx *c)
{
	char scratch[256];
	bool path_known = false;

	c->route = NULL;
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *r = &routes[i];

		if (!match(r->pattern, c->path, scratch, sizeof(scratch), c->params))
			continue;
		path_known = true;
		if (strcmp(r->method, c->method))
			continue;
		c->influx_errors = r->influx_errors;
		if (authorise(c, r))
			return c->err.code;
		err_clear(&c->err);
		c->route = r;
		return ERR_OK;
	}
	if (path_known)
		return err_set(&c->err, ERR_INVALID, "method %s is not allowed "
			       "on %s", c->method, c->path);
	return err_set(&c->err, ERR_NOT_FOUND, "no such route: %s %s",
		       c->method, c->path);
}

size_t http_admitted_max_body(const struct http_ctx *c)
{
	const struct route *r = c->route;

	if (r && r->role == ROLE_NONE && c->cfg->max_body > OPEN_MAX_BODY)
		return OPEN_MAX_BODY;
	return c->cfg->max_body;
}

/*
 * The audit log: a change (not GET or HEAD) through a route of an operator
 * or an admin, whatever its outcome.  A failure to note it is logged and
 * does not change the answer.
 */
static void audit(struct http_ctx *c, const struct route *r, bool ok)
{
	struct err e = { 0 };
	unsigned status = ok ? c->status : http_status_of(c->err.code);

	if (r->role < ROLE_OPERATOR || !strcmp(c->method, "GET") ||
	    !strcmp(c->method, "HEAD") || c->suspended)
		return;
	if (auth_audit_note(c->db, &c->who, c->method, c->path, (int)status,
			    time_now_ms(), &e))
		log_warn("audit log: %s %s by %s not noted: %s", c->method,
			 c->path, c->who.name, e.msg);
}

void http_dispatch(struct http_ctx *c)
{
	const struct route *r;
	char scratch[256];

	if (!c->route && http_admit(c))
		return;
	r = c->route;
	/* the {param} pointers point into the scratch of the admission */
	if (!match(r->pattern, c->path, scratch, sizeof(scratch), c->params)) {
		err_set(&c->err, ERR_INTERNAL, "route no longer matches");
		return;
	}
	err_clear(&c->err);
	/*
	 * The handler's answer decides: a service may have noted a
	 * failure it then recovered from (a series that is missing,
	 * a fallback taken), which must not become the reply.
	 */
	if (r->handler(c) == ERR_OK) {
		err_clear(&c->err);
		audit(c, r, true);
	} else {
		if (c->err.code == ERR_OK)
			err_set(&c->err, ERR_INTERNAL, "internal error");
		audit(c, r, false);
	}
}
