/*
 * GET /metrics: the server's figures for Prometheus, in the text
 * exposition format (version 0.0.4): those of GET /api/v1/metrics, the
 * request latency histogram, the series known, the queue depths and the
 * sizes of the write-ahead log and of the store's files.  A scraper
 * sends a viewer's token (Prometheus's `authorization` or `bearer_token`)
 * or calls from an address of --metrics-allow.
 */
#include "http/routes.h"

#include <dirent.h>
#include <microhttpd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "alert/alerts.h"
#include "http/http_metrics.h"

static void gauge(struct buf *b, const char *name, const char *help,
		  const char *type, unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
		   type, name, v);
}

/* The bytes of the regular files directly in dir (0 if it is not there). */
static unsigned long long dir_bytes(const char *dir)
{
	unsigned long long total = 0;
	char path[4096];
	struct dirent *d;
	struct stat st;
	DIR *dp = dir ? opendir(dir) : NULL;

	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
		    sizeof(path))
			continue;
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			total += (unsigned long long)st.st_size;
	}
	closedir(dp);
	return total;
}

static int may_scrape(struct http_ctx *c)
{
	char addr[64];

	http_client_address(c, addr, sizeof(addr));
	if (http_metrics_allowed(c->cfg->metrics_allow, addr))
		return ERR_OK;
	if (c->who.role == ROLE_NONE)
		return err_set(&c->err, ERR_UNAUTHORIZED, "GET /metrics needs a "
			       "viewer's token (Authorization: Bearer TOKEN) or "
			       "an address in --metrics-allow");
	if (!auth_role_allows(c->who.role, ROLE_VIEWER))
		return err_set(&c->err, ERR_FORBIDDEN, "GET /metrics needs the "
			       "viewer role; you are %s",
			       auth_role_name(c->who.role));
	return ERR_OK;
}

/* The monitoring rules, all and enabled. */
static void rules(struct http_ctx *c)
{
	json_t *all = alerts_rules_json(c->svc->alerts), *r;
	size_t i, on = 0;

	if (!all)
		return;
	json_array_foreach(all, i, r)
		on += json_is_true(json_object_get(r, "enabled"));
	buf_printf(&c->out, "# HELP oasis_rules Monitoring rules.\n"
		   "# TYPE oasis_rules gauge\n"
		   "oasis_rules{state=\"all\"} %zu\n"
		   "oasis_rules{state=\"enabled\"} %zu\n",
		   json_array_size(all), on);
	json_decref(all);
}

static void more(struct http_ctx *c)
{
	struct ts_engine_stats st;
	const struct ingest_snapshot *snap;
	char wal[4096];
	struct err e = { 0 };

	ts_engine_stats(c->svc->ts, &st);
	gauge(&c->out, "oasis_ingest_points_total", "Points ingested (made "
	      "durable) since the server started.", "counter",
	      st.points_written);
	if ((snap = ingest_series_snapshot(c->svc->ingest, &e))) {
		gauge(&c->out, "oasis_series", "Series known (device and "
		      "metric).", "gauge", snap->n);
		ingest_snapshot_release(c->svc->ingest, snap);
	}
	buf_puts(&c->out, "# HELP oasis_queue_depth Items waiting in a "
		 "queue.\n# TYPE oasis_queue_depth gauge\n");
	buf_printf(&c->out, "oasis_queue_depth{queue=\"wal_heads\"} %zu\n",
		   st.head_points);
	if (c->svc->alerts) {
		struct alerts_stats as;

		alerts_stats(c->svc->alerts, &as);
		buf_printf(&c->out, "oasis_queue_depth{queue=\"monitoring\"} "
			   "%llu\n", (unsigned long long)as.queued);
		rules(c);
	}
	if (c->svc->data_dir) {
		snprintf(wal, sizeof(wal), "%s/ts/wal", c->svc->data_dir);
		gauge(&c->out, "oasis_wal_bytes", "Bytes of the write-ahead "
		      "log's segments.", "gauge", dir_bytes(wal));
		gauge(&c->out, "oasis_store_bytes", "Bytes of the embedded "
		      "store's files (0 on PostgreSQL).", "gauge",
		      dir_bytes(c->svc->data_dir));
	}
	http_metrics_write(&c->out);
}

int route_prometheus(struct http_ctx *c)
{
	if (may_scrape(c))
		return c->err.code;
	route_metrics_body(c);
	more(c);
	c->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return buf_failed(&c->out) ? err_nomem(&c->err) : ERR_OK;
}
