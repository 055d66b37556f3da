/* Work orders over HTTP: /api/v1/workorders (docs/API.md, docs/PV.md). */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>

#include "util/timeutil.h"
#include "workorders/workorders.h"

static int parse_id(struct http_ctx *c, int64_t *id)
{
	char *end;
	long long v = strtoll(c->params[0], &end, 10);

	if (*end || v <= 0)
		return err_set(&c->err, ERR_NOT_FOUND, "no such work order "
			       "'%s'", c->params[0]);
	*id = v;
	return ERR_OK;
}

int route_workorders_list(struct http_ctx *c)
{
	json_t *v = NULL;

	if (workorders_list_json(c->db, http_query(c, "site"),
				 http_query(c, "state"),
				 http_query(c, "assignee"), &v, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, v);
}

int route_workorder_get(struct http_ctx *c)
{
	json_t *v = NULL;
	int64_t id;

	if (parse_id(c, &id) || workorders_get_json(c->db, id, &v, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, v);
}

int route_workorder_create(struct http_ctx *c)
{
	json_t *body, *v = NULL;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = workorders_create(c->db, body, c->who.name, time_now_ms(), &v,
			       &c->err);
	json_decref(body);
	return rc ? rc : http_reply_json(c, MHD_HTTP_CREATED, v);
}

int route_workorder_patch(struct http_ctx *c)
{
	json_t *body, *v = NULL;
	int64_t id;
	int rc;

	if (parse_id(c, &id) || http_body_json(c, &body))
		return c->err.code;
	rc = workorders_patch(c->db, c->svc->ts, id, body, c->who.name,
			      time_now_ms(), &v, &c->err);
	json_decref(body);
	return rc ? rc : http_reply_json(c, MHD_HTTP_OK, v);
}
