/* The server's own figures, Prometheus text format. */
#include "overview/prometheus.h"

#include "alert/alerts.h"

static void gauge(struct buf *b, const char *name, const char *help,
		  const char *type, unsigned long long v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
		   type, name, v);
}

static void monitoring(struct alerts *alerts, struct buf *out)
{
	struct alerts_stats as;

	alerts_stats(alerts, &as);
	gauge(out, "oasis_monitoring_queued_points",
	      "Points acknowledged and queued, not yet evaluated by the "
	      "monitoring.", "gauge", as.queued);
	gauge(out, "oasis_monitoring_evaluated_points_total",
	      "Points the monitoring evaluated since the server started.",
	      "counter", as.evaluated);
	gauge(out, "oasis_monitoring_dropped_points_total",
	      "Points the monitoring could not queue (its queue full).",
	      "counter", as.dropped);
}

int overview_prometheus(struct db *db, struct ts_engine *ts,
			struct events *events, struct alerts *alerts,
			struct buf *out, struct err *e)
{
	struct ts_engine_stats st;
	struct db_pool_stats ps;

	ts_engine_stats(ts, &st);
	db_pool_stats(db, &ps);
	gauge(out, "oasis_points_written_total",
	      "Points made durable since the server started.", "counter",
	      st.points_written);
	gauge(out, "oasis_head_points",
	      "Points in memory not yet sealed into chunks.", "gauge",
	      st.head_points);
	gauge(out, "oasis_series_in_memory",
	      "Series with a head in memory.", "gauge", st.series);
	gauge(out, "oasis_checkpoints_total",
	      "Checkpoints since the server started.", "counter", st.checkpoints);
	gauge(out, "oasis_compactions_total",
	      "Rounds of compaction (merging the small chunks of a window) "
	      "since the server started.", "counter", st.compactions);
	gauge(out, "oasis_wal_segment",
	      "The write-ahead log segment being written.", "gauge",
	      st.wal_segment);
	gauge(out, "oasis_stream_events_total",
	      "Events published to the live stream.", "counter",
	      events ? events_last_id(events) : 0);
	gauge(out, "oasis_store_connections",
	      "Connections the store's pool may open.", "gauge", ps.connections);
	gauge(out, "oasis_store_pool_waits_total",
	      "Store calls that found every connection in use.", "counter",
	      ps.waits);
	gauge(out, "oasis_store_pool_timeouts_total",
	      "Store calls that gave up waiting for a connection (503).",
	      "counter", ps.timeouts);
	if (alerts)
		monitoring(alerts, out);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}
