/* The water balance of a plot and the base's irrigation plan. */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "agro/water.h"
#include "sites/sites.h"
#include "util/timeutil.h"

/* The store and the zone of the days (tz=, default the default site's);
 * *z heap, the caller's to free. */
static int water_of(struct http_ctx *c, struct water_ctx *w, struct tz **z)
{

	*w = (struct water_ctx){ c->db, c->svc->ts, c->svc->ingest, NULL };
	if (!(*z = malloc(sizeof(**z))))
		return err_nomem(&c->err);
	if (sites_zone(c->db, http_query(c, "tz"), NULL, NULL, *z,
		       &c->err))
		return c->err.code;
	w->tz = *z;
	return ERR_OK;
}

/* A day parameter: a date (YYYY-MM-DD) is that civil day; an instant the
 * local day holding it; fallback when absent. */
static int day_param(struct http_ctx *c, const char *key, const struct tz *z,
		     int64_t fallback, int64_t *out)
{
	const char *v = http_query(c, key);
	int y, m, d;
	int64_t ms;

	*out = fallback;
	if (!v)
		return ERR_OK;
	if (time_parse(v, time_now_ms(), &ms, &c->err))
		return err_prefix(&c->err, "parameter '%s'", key);
	*out = strlen(v) == 10 && !time_parse_date(v, &y, &m, &d)
		? time_days_from_civil(y, m, d) : tz_local_day(z, ms);
	return ERR_OK;
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
	struct water_ctx w;
	struct water_opts o;
	struct tz *z = NULL;
	int64_t from, to;

	if (water_of(c, &w, &z) ||
	    day_param(c, "to", z, tz_local_day(z, time_now_ms()), &to) ||
	    day_param(c, "from", z, to - 30, &from) || opts_param(c, &o))
		goto out;
	if (to < from) {
		err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
		goto out;
	}
	c->content_type = "application/json";
	water_plot_json(&w, &o, c->params[0], from, to, &c->out, &c->err);
out:
	free(z);
	return c->err.code;
}

int route_irrigation_plan(struct http_ctx *c)
{
	struct water_ctx w;
	struct water_opts o;
	struct tz *z = NULL;
	int64_t day;

	if (water_of(c, &w, &z) ||
	    day_param(c, "date", z, tz_local_day(z, time_now_ms()), &day) ||
	    opts_param(c, &o))
		goto out;
	c->content_type = "application/json";
	water_plan_json(&w, &o, day, &c->out, &c->err);
out:
	free(z);
	return c->err.code;
}
