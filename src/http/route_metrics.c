/* GET /api/v1/metrics: the server's own figures, Prometheus text format. */
#include "http/routes.h"

#include <microhttpd.h>

#include "alert/alerts.h"

static void gauge(struct buf *b, const char *name, const char *help,
		  const char *type, unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
		   type, name, v);
}

int route_metrics(struct http_ctx *c)
{
	route_metrics_body(c);
	c->content_type = "text/plain; version=0.0.4";
	return buf_failed(&c->out) ? err_nomem(&c->err) : ERR_OK;
}

void route_metrics_body(struct http_ctx *c)
{
	struct ts_engine_stats st;
	struct db_pool_stats ps;

	ts_engine_stats(c->svc->ts, &st);
	db_pool_stats(c->db, &ps);
	gauge(&c->out, "oasis_points_written_total",
	      "Points made durable since the server started.", "counter",
	      st.points_written);
	gauge(&c->out, "oasis_head_points",
	      "Points in memory not yet sealed into chunks.", "gauge",
	      st.head_points);
	gauge(&c->out, "oasis_series_in_memory",
	      "Series with a head in memory.", "gauge", st.series);
	gauge(&c->out, "oasis_checkpoints_total",
	      "Checkpoints since the server started.", "counter", st.checkpoints);
	gauge(&c->out, "oasis_wal_segment",
	      "The write-ahead log segment being written.", "gauge",
	      st.wal_segment);
	gauge(&c->out, "oasis_stream_events_total",
	      "Events published to the live stream.", "counter",
	      c->svc->events ? events_last_id(c->svc->events) : 0);
	gauge(&c->out, "oasis_store_connections",
	      "Connections the store's pool may open.", "gauge", ps.connections);
	gauge(&c->out, "oasis_store_pool_waits_total",
	      "Store calls that found every connection in use.", "counter",
	      ps.waits);
	gauge(&c->out, "oasis_store_pool_timeouts_total",
	      "Store calls that gave up waiting for a connection (503).",
	      "counter", ps.timeouts);
	if (c->svc->alerts) {
		struct alerts_stats as;

		alerts_stats(c->svc->alerts, &as);
		gauge(&c->out, "oasis_monitoring_queued_points",
		      "Points acknowledged and queued, not yet evaluated by the "
		      "monitoring.", "gauge", as.queued);
		gauge(&c->out, "oasis_monitoring_evaluated_points_total",
		      "Points the monitoring evaluated since the server started.",
		      "counter", as.evaluated);
		gauge(&c->out, "oasis_monitoring_dropped_points_total",
		      "Points the monitoring could not queue (its queue full).",
		      "counter", as.dropped);
	}
}
