/*
 * GET /metrics: the server's figures for Prometheus, in the text
 * exposition format (version 0.0.4): overview_prometheus_scrape's and the
 * request latency histogram.  A scraper sends a token of role metrics
 * (which may read nothing else) or a viewer's (Prometheus's
 * `authorization` or `bearer_token`), or calls from an address of
 * --metrics-allow.
 */
#include "http/routes.h"

#include "http/http_metrics.h"
#include "overview/prometheus.h"

static int may_scrape(struct http_ctx *c)
{
	char addr[64];

	http_client_address(c, addr, sizeof(addr));
	if (http_metrics_allowed(c->cfg->metrics_allow, addr))
		return ERR_OK;
	if (c->who.role == ROLE_NONE)
		return err_set(&c->err, ERR_UNAUTHORIZED, "GET /metrics needs a "
			       "metrics or viewer token (Authorization: Bearer TOKEN) or "
			       "an address in --metrics-allow");
	if (!auth_role_allows(c->who.role, ROLE_METRICS))
		return err_set(&c->err, ERR_FORBIDDEN, "GET /metrics needs the "
			       "metrics or viewer role; you are %s",
			       auth_role_name(c->who.role));
	return ERR_OK;
}

int route_prometheus(struct http_ctx *c)
{
	struct overview_scrape in = {
		c->db, c->svc->ts, c->svc->ingest, c->svc->events,
		c->svc->alerts, c->svc->data_dir, c->svc->video,
	};

	if (may_scrape(c) || overview_prometheus_scrape(&in, &c->out, &c->err))
		return c->err.code;
	http_metrics_write(&c->out);
	c->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return buf_failed(&c->out) ? err_nomem(&c->err) : ERR_OK;
}
