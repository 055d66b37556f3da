/* Reading series: ranges and downsampling (ts/), newest values (query/). */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "query/query.h"
#include "sites/sites.h"
#include "ts/format.h"
#include "util/timeutil.h"

/* Split "DEVICE/METRIC" at its last slash. */
static int split_series(struct http_ctx *c, const char *s, char *device,
			char *metric)
{
	const char *slash = s ? strrchr(s, '/') : NULL;

	if (!s)
		return err_set(&c->err, ERR_INVALID, "parameter 'series' is "
			       "required (DEVICE/METRIC)");
	if (!slash || slash == s || !slash[1])
		return err_set(&c->err, ERR_INVALID, "parameter 'series': '%s' is "
			       "not DEVICE/METRIC", s);
	/* what ingest accepts (ingest_device_id_valid, metric_name_valid) */
	if ((size_t)(slash - s) >= DB_NAME_MAX || strlen(slash + 1) > METRIC_NAME_MAX)
		return err_set(&c->err, ERR_INVALID, "parameter 'series': a device "
			       "id or metric name has at most %d characters",
			       METRIC_NAME_MAX);
	memcpy(device, s, (size_t)(slash - s));
	device[slash - s] = '\0';
	strcpy(metric, slash + 1);
	return ERR_OK;
}

static int time_param(struct http_ctx *c, const char *name, int64_t fallback,
		      int64_t now, int64_t *out)
{
	const char *v = http_query(c, name);

	*out = fallback;
	if (v && time_parse(v, now, out, &c->err))
		return err_prefix(&c->err, "parameter '%s'", name);
	return ERR_OK;
}

/*
 * tz=: the zone of buckets of whole days (default the default site's);
 * checked whenever given, kept only for such buckets.  q->tz is heap.
 */
static int zone_param(struct http_ctx *c, struct ts_query *q)
{
	const char *asked = http_query(c, "tz");
	struct tz *z;

	if (!asked && !(q->step && q->step % MS_PER_DAY == 0))
		return ERR_OK;
	if (!(z = malloc(sizeof(*z))))
		return err_nomem(&c->err);
	if (sites_zone(c->db, asked, NULL, NULL, z, &c->err)) {
		free(z);
		return c->err.code;
	}
	if (q->step && q->step % MS_PER_DAY == 0)
		q->tz = z;
	else
		free(z);
	return ERR_OK;
}

void route_query_params_free(struct ts_query *q)
{
	free((void *)q->tz);
	q->tz = NULL;
}

int route_query_params(struct http_ctx *c, struct ts_query *q)
{
	const char *step = http_query(c, "step"), *agg = http_query(c, "agg");
	const char *format = http_query(c, "format");
	int64_t now = time_now_ms();

	if (time_param(c, "from", now - MS_PER_DAY, now, &q->from) ||
	    time_param(c, "to", now, now, &q->to))
		return c->err.code;
	if (q->to < q->from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	if (step && time_parse_step(step, &q->step, &c->err))
		return err_prefix(&c->err, "parameter 'step'");
	/* buckets cover [from, to] (to < TIME_MAX_MS + 1: no overflow) */
	if (step && time_check_buckets(q->from, q->to + 1, q->step, &c->err))
		return c->err.code;
	if (agg && !step)
		return err_set(&c->err, ERR_INVALID, "parameter 'agg' needs a 'step'");
	q->aggs = TS_AGG_AVG;
	if (agg && ts_aggs_parse(agg, &q->aggs, &c->err))
		return c->err.code;
	if (format && strcmp(format, "json") && strcmp(format, "csv"))
		return err_set(&c->err, ERR_INVALID, "parameter 'format': '%s' is "
			       "not json or csv", format);
	q->csv = format && !strcmp(format, "csv");
	return zone_param(c, q);
}

int route_query(struct http_ctx *c)
{
	const char *series = http_query(c, "series");
	char device[DB_NAME_MAX], metric[DB_NAME_MAX];
	const struct metric_def *def;
	struct ts_query q = { 0 };
	int rc;

	if (route_query_many_asked(c))
		return route_query_many(c);
	if (split_series(c, series, device, metric) || route_query_params(c, &q))
		goto out;
	if (ingest_series_find(c->svc->ingest, device, metric, &q.series, &c->err))
		goto out;
	q.label = series;
	def = metric_find(metric);
	q.unit = def ? def->unit : NULL;
	if (q.step)
		q.to += 1; /* buckets are [from, to) and the range inclusive */
	c->content_type = q.csv ? "text/csv; charset=utf-8" : "application/json";
	ts_query_write(c->svc->ts, &q, &c->out, &c->err);
out:
	rc = c->err.code;
	route_query_params_free(&q);
	return rc;
}

/* ---- latest ---- */

static int latest_all(struct http_ctx *c, const char *metric)
{
	if (query_latest_all(c->svc->ingest, c->svc->ts, metric, &c->out,
			     &c->err))
		return c->err.code;
	c->content_type = "application/json";
	return ERR_OK;
}

int route_latest(struct http_ctx *c)
{
	const char *plot = http_query(c, "plot"), *device = http_query(c, "device");
	const char *metric = http_query(c, "metric"), *all = http_query(c, "all");
	json_t *doc;

	if ((metric || all) && !plot && !device)
		return latest_all(c, metric);
	if (!!plot == !!device)
		return err_set(&c->err, ERR_INVALID, "give one of 'plot', "
			       "'device', 'metric' or all=1");
	if (device ? query_latest_device(c->db, c->svc->ts, device, &doc, &c->err)
		   : query_latest_plot(c->db, c->svc->ts, plot, &doc, &c->err))
		return c->err.code;
	return http_reply_json(c, MHD_HTTP_OK, doc);
}
