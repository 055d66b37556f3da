/* GET /api/v1/metrics: the server's own figures, Prometheus text format. */
#include "http/routes.h"

#include "overview/prometheus.h"

int route_metrics(struct http_ctx *c)
{
	if (overview_prometheus(c->db, c->svc->ts, c->svc->events,
				c->svc->alerts, &c->out, &c->err))
		return c->err.code;
	c->content_type = "text/plain; version=0.0.4";
	return ERR_OK;
}
