/* The sites and the PV park: GET /api/v1/sites... (docs/API.md, docs/PV.md). */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "pvsite/pvsite.h"
#include "sites/features.h"
#include "sites/sites.h"
#include "util/timeutil.h"

/* Answer with *v once the service call (its rc) has filled it. */
static int reply(struct http_ctx *c, int rc, json_t **v)
{
	return rc ? rc : http_reply_json(c, MHD_HTTP_OK, *v);
}

int route_sites_list(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, sites_list_json(c->db, &v, &c->err), &v);
}

int route_site_get(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, sites_get_json(c->db, c->params[0], &v, &c->err), &v);
}

int route_site_devices(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, sites_devices_json(c->db, c->params[0], &v, &c->err), &v);
}

int route_site_equipment(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, pvsite_equipment_json(c->db, c->params[0],
					      http_query(c, "kind"), &v,
					      &c->err), &v);
}

int route_site_pv_daily(struct http_ctx *c)
{
	const char *date = http_query(c, "date");
	json_t *v = NULL;

	if (!date)
		return err_set(&c->err, ERR_INVALID, "parameter 'date' is "
			       "required (YYYY-MM-DD, the site's day)");
	return reply(c, pvsite_daily_json(c->db, c->svc->ts, c->params[0], date,
					  &v, &c->err), &v);
}

int route_site_pv_expected(struct http_ctx *c)
{
	const char *date = http_query(c, "date");
	const char *inverter = http_query(c, "inverter");
	json_t *v = NULL;

	if (!date || !inverter)
		return err_set(&c->err, ERR_INVALID, "parameters 'inverter' and "
			       "'date' are required");
	return reply(c, pvsite_expected_json(c->db, c->svc->ts, c->params[0],
					     inverter, date, &v, &c->err), &v);
}

/* GET: the daily alarms' numbers of a day; POST also judges them. */
int route_site_pv_health(struct http_ctx *c)
{
	const char *date = http_query(c, "date");
	json_t *v = NULL;

	if (!date)
		return err_set(&c->err, ERR_INVALID, "parameter 'date' is "
			       "required (YYYY-MM-DD, the site's day)");
	return reply(c, pvsite_health_judge(c->db, c->svc->ts, c->svc->alerts,
					    c->params[0], date,
					    !strcmp(c->method, "POST"), &v,
					    &c->err), &v);
}

int route_site_features(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, sites_features_json(c->db, c->params[0], &v, &c->err),
		     &v);
}

/* POST /api/v1/sites and PATCH /api/v1/sites/{code} (admin). */
int route_sites_create(struct http_ctx *c)
{
	json_t *body, *v = NULL;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = sites_create_json(c->db, body, time_now_ms(), &v, &c->err);
	json_decref(body);
	return rc ? rc : http_reply_json(c, MHD_HTTP_CREATED, v);
}

int route_site_patch(struct http_ctx *c)
{
	json_t *body, *v = NULL;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = sites_patch_json(c->db, c->params[0], body, time_now_ms(), &v,
			      &c->err);
	json_decref(body);
	return reply(c, rc, &v);
}

int route_site_pv_plant(struct http_ctx *c)
{
	const char *date = http_query(c, "date");
	const char *every = http_query(c, "interval_min");
	json_t *v = NULL;
	int minutes = 0;

	if (!date)
		return err_set(&c->err, ERR_INVALID, "parameter 'date' is "
			       "required (YYYY-MM-DD, the site's day)");
	if (every) {
		char *end;
		long n = strtol(every, &end, 10);

		if (*end || end == every || n < 1 || n > 60 || 60 % n)
			return err_set(&c->err, ERR_INVALID, "parameter "
				       "'interval_min': expected a divisor of "
				       "60 (1, 5, 15...)");
		minutes = (int)n;
	}
	return reply(c, pvsite_plant_json(c->db, c->svc->ts, c->params[0],
					  date, minutes, &v, &c->err), &v);
}
