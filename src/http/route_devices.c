/* Registering devices (the answer carries the device's token, once). */
#include "http/routes.h"

#include <math.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"
#include "sites/sites.h"
#include "util/timeutil.h"

static int text_field(struct http_ctx *c, json_t *body, const char *key,
		      bool required, char *dst, size_t size)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v)) {
		if (required)
			return err_set(&c->err, ERR_INVALID, "field '%s' is "
				       "required", key);
		return ERR_OK;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) >= size)
		return err_set(&c->err, ERR_INVALID, "field '%s': expected a "
			       "string of at most %zu characters", key, size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int location_field(struct http_ctx *c, json_t *body, struct db_device *d)
{
	json_t *loc = json_object_get(body, "location");

	d->lon = d->lat = NAN;
	if (!loc || json_is_null(loc))
		return ERR_OK;
	if (!json_is_array(loc) || json_array_size(loc) != 2 ||
	    !json_is_number(json_array_get(loc, 0)) ||
	    !json_is_number(json_array_get(loc, 1)))
		return err_set(&c->err, ERR_INVALID, "field 'location': expected "
			       "[lon, lat] in degrees");
	d->lon = json_number_value(json_array_get(loc, 0));
	d->lat = json_number_value(json_array_get(loc, 1));
	return ERR_OK;
}

int route_devices_create(struct http_ctx *c)
{
	char token[AUTH_SECRET_MAX];
	struct db_device d = { 0 };
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if (!json_is_object(body)) {
		rc = err_set(&c->err, ERR_INVALID, "expected a JSON object");
		goto out;
	}
	if ((rc = text_field(c, body, "id", true, d.id, sizeof(d.id))) ||
	    (rc = text_field(c, body, "kind", true, d.kind, sizeof(d.kind))) ||
	    (rc = text_field(c, body, "plot", false, d.plot, sizeof(d.plot))) ||
	    (rc = text_field(c, body, "name", false, d.name, sizeof(d.name))) ||
	    (rc = location_field(c, body, &d)))
		goto out;
	d.created_ms = time_now_ms();
	if ((rc = ingest_device_register(c->svc->ingest, &d, token, &c->err)))
		goto out;
	rc = http_reply_json(c, MHD_HTTP_CREATED,
			     json_pack("{ss ss ss}", "id", d.id, "kind", d.kind,
				       "token", token));
	sodium_memzero(token, sizeof(token));
out:
	json_decref(body);
	return rc;
}

int route_devices_list(struct http_ctx *c)
{
	const char *site = http_query(c, "site");
	json_t *list;

	if (site && sites_known(c->db, site, &c->err))
		return err_prefix(&c->err, "parameter 'site'");
	if (ingest_devices_json(c->svc->ingest, http_query(c, "plot"), site,
				&list, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{so}", "devices", list));
}

/* DELETE /api/v1/devices/{id}: revoke its tokens, keep its data. */
int route_devices_delete(struct http_ctx *c)
{
	if (ingest_device_delete(c->svc->ingest, c->params[0], time_now_ms(),
				 &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

/* PATCH /api/v1/devices/{id}: kind, plot (move), name, location. */
int route_devices_patch(struct http_ctx *c)
{
	struct db_device d;
	json_t *body, *loc;
	char created[32];
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = ingest_device_patch(c->svc->ingest, c->params[0], body, &d, &c->err);
	json_decref(body);
	if (rc)
		return rc;
	loc = isfinite(d.lon) ? json_pack("[ff]", d.lon, d.lat) : json_null();
	time_format_iso(d.created_ms, created, sizeof(created));
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{ss ss s:s? s:s? so ss}",
			       "id", d.id, "kind", d.kind,
			       "plot", d.plot[0] ? d.plot : NULL,
			       "name", d.name[0] ? d.name : NULL,
			       "location", loc, "created", created));
}

/* POST /api/v1/devices/{id}/token: a new token (once), the old revoked. */
int route_devices_token(struct http_ctx *c)
{
	char token[AUTH_SECRET_MAX];
	int rc;

	if (ingest_device_rotate_token(c->svc->ingest, c->params[0],
				       time_now_ms(), token, &c->err))
		return c->err.code;
	rc = http_reply_json(c, MHD_HTTP_OK, json_pack("{ss ss}", "id",
			     c->params[0], "token", token));
	sodium_memzero(token, sizeof(token));
	return rc;
}
