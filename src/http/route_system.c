/* GET /api/v1/health: the server and its store answer; GET
 * /api/v1/health/live: the process answers (touches no store: a load
 * balancer's check that a store failover does not fail on every node). */
#include "http/routes.h"

#include <microhttpd.h>

#include "plots/plots.h"
#include "util/version.h"

int route_health(struct http_ctx *c)
{
	int64_t plots;

	if (plots_count(c->db, &plots, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK,
			       json_pack("{ss ss ss}", "status", "ok",
					 "version", oasis_version(),
					 "commit", oasis_commit()));
}

int route_health_live(struct http_ctx *c)
{
	return http_reply_json(c, MHD_HTTP_OK,
			       json_pack("{ss ss}", "status", "ok",
					 "version", oasis_version()));
}
