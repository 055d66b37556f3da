/*
 * The metrics Oasis accepts: the catalogue and the custom metrics
 * registered with their unit (ingest/units.h).
 */
#include "http/routes.h"

#include <microhttpd.h>

#include "ingest/units.h"
#include "util/timeutil.h"

int route_units_list(struct http_ctx *c)
{
	json_t *out;

	if (ingest_units_json(ingest_units(c->svc->ingest), &out, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, out);
}

/* PUT /api/v1/units/{metric} {"unit": "min", "description": "..."} */
int route_unit_put(struct http_ctx *c)
{
	json_t *body, *unit, *what;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	unit = json_object_get(body, "unit");
	what = json_object_get(body, "description");
	if (!json_is_string(unit))
		rc = err_set(&c->err, ERR_INVALID, "field 'unit': expected a "
			     "string");
	else if (what && !json_is_string(what) && !json_is_null(what))
		rc = err_set(&c->err, ERR_INVALID, "field 'description': "
			     "expected a string");
	else
		rc = ingest_units_register(ingest_units(c->svc->ingest),
					   c->params[0], json_string_value(unit),
					   json_string_value(what), time_now_ms(),
					   &c->err);
	if (!rc)
		rc = http_reply_json(c, MHD_HTTP_OK, json_pack("{ss ss s:s?}",
				     "name", c->params[0], "unit",
				     json_string_value(unit), "description",
				     json_string_value(what)));
	json_decref(body);
	return rc;
}

int route_unit_delete(struct http_ctx *c)
{
	if (ingest_units_delete(ingest_units(c->svc->ingest), c->params[0],
				&c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}
