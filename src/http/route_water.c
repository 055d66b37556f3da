/* The water balance of a plot and the base's irrigation plan. */
#include "http/routes.h"

#include <microhttpd.h>

#include "agro/water.h"
#include "util/timeutil.h"

static struct water_ctx water_of(struct http_ctx *c)
{
	return (struct water_ctx){ c->db, c->svc->ts, c->svc->ingest };
}

int route_plot_water(struct http_ctx *c)
{
	struct water_ctx w = water_of(c);
	int64_t today = time_now_ms() / MS_PER_DAY, from, to;

	if (http_query_day(c, "to", today, &to) || http_query_day(c, "from", to - 30, &from))
		return c->err.code;
	if (to < from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	c->content_type = "application/json";
	return water_plot_json(&w, c->params[0], from, to, &c->out, &c->err);
}

int route_irrigation_plan(struct http_ctx *c)
{
	struct water_ctx w = water_of(c);
	int64_t day;

	if (http_query_day(c, "date", time_now_ms() / MS_PER_DAY, &day))
		return c->err.code;
	c->content_type = "application/json";
	return water_plan_json(&w, day, &c->out, &c->err);
}
