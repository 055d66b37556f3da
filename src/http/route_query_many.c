/*
 * GET /api/v1/query with several series in one answer: series=a,b (a list),
 * series with shell patterns over DEVICE/METRIC ("ws-" "*" "/air_temp":
 * that metric of every device named ws-...), or
 * plot=CODE[&metric=M] (every series of the plot's devices, of metric M).
 * {"series":[ANSWER, ...]} where each ANSWER is what the one-series query
 * gives, in device then metric order.  JSON only.
 */
#include "http/routes.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "ts/format.h"

#define MANY_MAX_SERIES 1000

bool route_query_many_asked(struct http_ctx *c)
{
	const char *s = http_query(c, "series");

	return http_query(c, "plot") || (s && (strchr(s, ',') ||
					       strpbrk(s, "*?[")));
}

/* Is "device/metric" one of the comma-separated names or patterns? */
static bool wanted(const char *list, const char *device, const char *metric)
{
	char name[DB_NAME_MAX * 2 + 2], pat[DB_NAME_MAX * 2 + 2];
	const char *p = list;

	snprintf(name, sizeof(name), "%s/%s", device, metric);
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = '\0';
			if (!fnmatch(pat, name, FNM_PATHNAME))
				return true;
		}
		p += n + (p[n] == ',');
	}
	return false;
}

static bool selected(struct http_ctx *c, const struct ingest_series_ref *r)
{
	const char *series = http_query(c, "series");
	const char *plot = http_query(c, "plot"), *metric = http_query(c, "metric");
	char where[DB_CODE_MAX];

	if (series)
		return wanted(series, r->device, r->metric);
	if (metric && strcmp(metric, r->metric))
		return false;
	ingest_device_plot(c->svc->ingest, r->device, where);
	return !strcmp(where, plot);
}

static int write_one(struct http_ctx *c, const struct ts_query *base,
		     const struct ingest_series_ref *r, bool first)
{
	char label[DB_NAME_MAX * 2 + 2];
	const struct metric_def *def = metric_find(r->metric);
	struct ts_query q = *base;

	snprintf(label, sizeof(label), "%s/%s", r->device, r->metric);
	q.series = r->id;
	q.label = label;
	q.unit = def ? def->unit : NULL;
	if (!first)
		buf_putc(&c->out, ',');
	return ts_query_write(c->svc->ts, &q, &c->out, &c->err);
}

static int query_many(struct http_ctx *c, struct ts_query *qp);

int route_query_many(struct http_ctx *c)
{
	struct ts_query q = { 0 };
	int rc = query_many(c, &q);

	route_query_params_free(&q);
	return rc;
}

static int query_many(struct http_ctx *c, struct ts_query *qp)
{
	const struct ingest_snapshot *snap;
	struct ts_query q;
	size_t n = 0;
	int rc = ERR_OK;

	if (http_query(c, "plot") && http_query(c, "series"))
		return err_set(&c->err, ERR_INVALID, "give 'series' or 'plot', "
			       "not both");
	if (route_query_params(c, qp))
		return c->err.code;
	q = *qp;
	if (q.csv)
		return err_set(&c->err, ERR_INVALID, "parameter 'format': csv "
			       "takes one series; several come as json");
	if (q.step)
		q.to += 1; /* buckets are [from, to) and the range inclusive */
	if (!(snap = ingest_series_snapshot(c->svc->ingest, &c->err)))
		return c->err.code;
	for (size_t i = 0; i < snap->n; i++)
		n += selected(c, &snap->refs[i]);
	if (n > MANY_MAX_SERIES)
		rc = err_set(&c->err, ERR_TOO_LARGE, "%zu series match; at most "
			     "%d an answer: narrow 'series' or give 'metric'",
			     n, MANY_MAX_SERIES);
	if (!rc)
		buf_puts(&c->out, "{\"series\":[");
	n = 0;
	for (size_t i = 0; !rc && i < snap->n; i++)
		if (selected(c, &snap->refs[i]))
			rc = write_one(c, &q, &snap->refs[i], n++ == 0);
	ingest_snapshot_release(c->svc->ingest, snap);
	if (rc)
		return rc;
	buf_puts(&c->out, "]}");
	c->content_type = "application/json";
	return buf_failed(&c->out) ? err_nomem(&c->err) : ERR_OK;
}
