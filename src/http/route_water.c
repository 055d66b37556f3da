/* The water balance of a plot and the base's irrigation plan. */
#include "http/routes.h"

#include <microhttpd.h>
#include <string.h>

#include "agro/water.h"
#include "util/timeutil.h"

static struct water_ctx water_of(struct http_ctx *c)
{
	return (struct water_ctx){ c->db, c->svc->ts, c->svc->ingest };
}

/* et0=daily (default) or et0=hourly: how a day's ET0 is computed. */
static int opts_param(struct http_ctx *c, struct water_opts *o)
{
	const char *v = http_query(c, "et0");

	o->et0 = WATER_ET0_DAILY;
	if (!v || !strcmp(v, "daily"))
		return ERR_OK;
	if (!strcmp(v, "hourly")) {
		o->et0 = WATER_ET0_HOURLY;
		return ERR_OK;
	}
	return err_set(&c->err, ERR_INVALID, "parameter 'et0': '%s' is not "
		       "daily or hourly", v);
}

int route_plot_water(struct http_ctx *c)
{
	struct water_ctx w = water_of(c);
	struct water_opts o;
	int64_t today = time_now_ms() / MS_PER_DAY, from, to;

	if (http_query_day(c, "to", today, &to) ||
	    http_query_day(c, "from", to - 30, &from) || opts_param(c, &o))
		return c->err.code;
	if (to < from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	c->content_type = "application/json";
	return water_plot_json(&w, &o, c->params[0], from, to, &c->out, &c->err);
}

int route_irrigation_plan(struct http_ctx *c)
{
	struct water_ctx w = water_of(c);
	struct water_opts o;
	int64_t day;

	if (http_query_day(c, "date", time_now_ms() / MS_PER_DAY, &day) ||
	    opts_param(c, &o))
		return c->err.code;
	c->content_type = "application/json";
	return water_plan_json(&w, &o, day, &c->out, &c->err);
}
