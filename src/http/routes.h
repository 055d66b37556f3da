/*
 * The handlers of the route table, one file per group (route_*.c).  A new
 * route file includes this header first (it brings http/http.h, the
 * handler's API), then the header of each service it calls; it declares
 * its handlers here and lists them in routes.c's table.
 */
#ifndef OASIS_HTTP_ROUTES_H
#define OASIS_HTTP_ROUTES_H

#include "http/http.h"

/* route_system.c */
int route_health(struct http_ctx *c);
int route_health_live(struct http_ctx *c);

/* route_auth.c */
int route_login(struct http_ctx *c);
int route_logout(struct http_ctx *c);
int route_me(struct http_ctx *c);
int route_tokens_create(struct http_ctx *c);
int route_tokens_list(struct http_ctx *c);
int route_tokens_revoke(struct http_ctx *c);
int route_users_create(struct http_ctx *c);

/* route_plots.c */
int route_plots_list(struct http_ctx *c);
int route_plots_import(struct http_ctx *c);
int route_plot_get(struct http_ctx *c);
int route_plot_patch(struct http_ctx *c);
int route_plot_delete(struct http_ctx *c);

/* route_ingest.c */
int route_write_lp(struct http_ctx *c);
int route_telemetry(struct http_ctx *c);
int route_influx_ping(struct http_ctx *c);

/* route_influxql.c: InfluxQL as InfluxDB 1.x answers it */
int route_influxql(struct http_ctx *c);

/* route_devices.c */
int route_devices_create(struct http_ctx *c);
int route_devices_delete(struct http_ctx *c);
int route_devices_patch(struct http_ctx *c);
int route_devices_token(struct http_ctx *c);
/* route_users.c: the admin console's users */
int route_users_list(struct http_ctx *c);
int route_user_patch(struct http_ctx *c);
int route_user_delete(struct http_ctx *c);
int route_user_password(struct http_ctx *c);
int route_rule_test(struct http_ctx *c);
int route_audit_list(struct http_ctx *c);
/* route_units.c: the catalogue and the registered custom metrics */
int route_units_list(struct http_ctx *c);
int route_unit_put(struct http_ctx *c);
int route_unit_delete(struct http_ctx *c);
/* route_reports.c */
int route_report_daily(struct http_ctx *c);
int route_devices_list(struct http_ctx *c);

/* route_query.c */
int route_query(struct http_ctx *c);
struct ts_query;
/* from, to, step, agg, format of a query into q (the series left out). */
int route_query_params(struct http_ctx *c, struct ts_query *q);
/* Frees what route_query_params allocated (the zone of day buckets). */
void route_query_params_free(struct ts_query *q);
/* route_query_many.c: several series in one answer */
bool route_query_many_asked(struct http_ctx *c);
int route_query_many(struct http_ctx *c);
int route_latest(struct http_ctx *c);

/* route_commands.c */
int route_command_create(struct http_ctx *c);
int route_command_list(struct http_ctx *c);
int route_command_pending(struct http_ctx *c);
int route_command_ack(struct http_ctx *c);

/* route_water.c */
int route_plot_water(struct http_ctx *c);
int route_irrigation_plan(struct http_ctx *c);

/* route_metrics.c */
int route_metrics(struct http_ctx *c);
/* route_prometheus.c: GET /metrics for a scraper */
int route_prometheus(struct http_ctx *c);

/* route_stream.c */
int route_stream(struct http_ctx *c);

/* route_overview.c */
int route_overview(struct http_ctx *c);

/* route_imagery.c */
int route_imagery_upload(struct http_ctx *c);
int route_imagery_list(struct http_ctx *c);
int route_imagery_png(struct http_ctx *c);
int route_basemap_info(struct http_ctx *c);
int route_basemap_tile(struct http_ctx *c);
int route_plot_indices(struct http_ctx *c);
int route_plot_indices_png(struct http_ctx *c);
int route_anomalies(struct http_ctx *c);
/* route_fleet.c: machinery and cameras */
int route_nmea(struct http_ctx *c);
int route_equipment_set(struct http_ctx *c);
int route_machines(struct http_ctx *c);
int route_machine_track(struct http_ctx *c);
int route_plot_operations(struct http_ctx *c);
int route_operations(struct http_ctx *c);
int route_plot_cameras(struct http_ctx *c);
int route_snapshot_put(struct http_ctx *c);
int route_snapshot_get(struct http_ctx *c);
int route_snapshot_list(struct http_ctx *c);
/* route_alerts.c */
int route_rules_list(struct http_ctx *c);
int route_rule_get(struct http_ctx *c);
int route_rule_create(struct http_ctx *c);
int route_rule_patch(struct http_ctx *c);
int route_rule_delete(struct http_ctx *c);
int route_alerts_list(struct http_ctx *c);
int route_alert_get(struct http_ctx *c);
int route_alert_ack(struct http_ctx *c);
int route_alert_close(struct http_ctx *c);
int route_freshness(struct http_ctx *c);
/* route_cameras.c: live video, snapshots and recordings */
int route_cameras_list(struct http_ctx *c);
int route_camera_live(struct http_ctx *c);
int route_camera_segment(struct http_ctx *c);
int route_camera_snapshot(struct http_ctx *c);
int route_camera_recording(struct http_ctx *c);

/* route_sites.c: sites and the PV park */
int route_sites_list(struct http_ctx *c);
int route_site_get(struct http_ctx *c);
int route_site_features(struct http_ctx *c);
int route_site_devices(struct http_ctx *c);
int route_site_equipment(struct http_ctx *c);
int route_site_pv_daily(struct http_ctx *c);
int route_site_pv_expected(struct http_ctx *c);
int route_site_pv_health(struct http_ctx *c);
int route_sites_create(struct http_ctx *c);
int route_site_patch(struct http_ctx *c);
int route_site_pv_plant(struct http_ctx *c);

/* route_workorders.c: work orders */
int route_workorders_list(struct http_ctx *c);
int route_workorder_get(struct http_ctx *c);
int route_workorder_create(struct http_ctx *c);
int route_workorder_patch(struct http_ctx *c);

#endif
