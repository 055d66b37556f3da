/*
 * The figures GET /metrics adds for a Prometheus scraper to those of
 * overview_prometheus: points ingested, series known, queue depths,
 * monitoring rules, camera relays, and the bytes of the write-ahead log and the store.
 */
#include "overview/prometheus.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "alert/alerts.h"
#include "ingest/ingest.h"
#include "video/video.h"

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
	DIR *dp = opendir(dir);

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

/* The monitoring rules, all and enabled. */
static void rules(struct alerts *alerts, struct buf *out)
{
	json_t *all = alerts_rules_json(alerts), *r;
	size_t i, on = 0;

	if (!all)
		return;
	json_array_foreach(all, i, r)
		on += json_is_true(json_object_get(r, "enabled"));
	buf_printf(out, "# HELP oasis_rules Monitoring rules.\n"
		   "# TYPE oasis_rules gauge\n"
		   "oasis_rules{state=\"all\"} %zu\n"
		   "oasis_rules{state=\"enabled\"} %zu\n",
		   json_array_size(all), on);
	json_decref(all);
}

/* The camera relays (ffmpeg) running, their limit, the cameras' health. */
static void relays(struct video *video, struct buf *out)
{
	struct video_stats vs;

	video_stats(video, &vs);
	gauge(out, "oasis_video_relays", "Camera relays (RTSP to HLS) running.",
	      "gauge", vs.relays);
	gauge(out, "oasis_video_relays_max", "Camera relays that may run at "
	      "once.", "gauge", vs.max_relays);
	buf_printf(out, "# HELP oasis_video_cameras Cameras by health.\n"
		   "# TYPE oasis_video_cameras gauge\n"
		   "oasis_video_cameras{state=\"streaming\"} %u\n"
		   "oasis_video_cameras{state=\"idle\"} %u\n"
		   "oasis_video_cameras{state=\"offline\"} %u\n",
		   vs.streaming, vs.idle, vs.offline);
}

int overview_prometheus_scrape(const struct overview_scrape *in,
			       struct buf *out, struct err *e)
{
	struct ts_engine_stats st;
	const struct ingest_snapshot *snap;
	struct err ignored = { 0 };
	char wal[4096];
	int rc;

	if ((rc = overview_prometheus(in->db, in->ts, in->events, in->alerts,
				      out, e)))
		return rc;
	ts_engine_stats(in->ts, &st);
	gauge(out, "oasis_ingest_points_total", "Points ingested (made "
	      "durable) since the server started.", "counter",
	      st.points_written);
	if (in->ingest && (snap = ingest_series_snapshot(in->ingest, &ignored))) {
		gauge(out, "oasis_series", "Series known (device and metric).",
		      "gauge", snap->n);
		ingest_snapshot_release(in->ingest, snap);
	}
	buf_puts(out, "# HELP oasis_queue_depth Items waiting in a queue.\n"
		 "# TYPE oasis_queue_depth gauge\n");
	buf_printf(out, "oasis_queue_depth{queue=\"wal_heads\"} %zu\n",
		   st.head_points);
	if (in->alerts) {
		struct alerts_stats as;

		alerts_stats(in->alerts, &as);
		buf_printf(out, "oasis_queue_depth{queue=\"monitoring\"} %llu\n",
			   (unsigned long long)as.queued);
		rules(in->alerts, out);
	}
	if (in->video)
		relays(in->video, out);
	if (in->data_dir) {
		snprintf(wal, sizeof(wal), "%s/ts/wal", in->data_dir);
		gauge(out, "oasis_wal_bytes", "Bytes of the write-ahead log's "
		      "segments.", "gauge", dir_bytes(wal));
		gauge(out, "oasis_store_bytes", "Bytes of the embedded store's "
		      "files (0 on PostgreSQL).", "gauge",
		      dir_bytes(in->data_dir));
	}
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}
