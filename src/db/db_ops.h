/*
 * db_ops: the operations of db.h that a backend implements, one line each.
 *
 * DB_OPS(X) calls X(name, params, args) for every int-returning operation
 * db_NAME of db.h (all but db_open, db_close and db_pool_stats, and the
 * *_free helpers that only release memory).  From this one list come the
 * function table struct db_backend, the db_* wrappers of db.c that dispatch
 * through it, and each backend's table (sqlite.c: every operation;
 * pg.c: the ones it has so far).  Adding an operation: declare it in db.h,
 * add its line here, implement it per backend.
 */
#ifndef OASIS_DB_DB_OPS_H
#define OASIS_DB_DB_OPS_H

#include "db/db.h"

#define DB_OPS(X) \
	X(schema_version, (struct db *db, int *out, struct err *e), \
	  (db, out, e)) \
	X(user_create, (struct db *db, const struct db_user *u, \
	  int64_t *id_out, struct err *e), \
	  (db, u, id_out, e)) \
	X(user_get, (struct db *db, const char *name, struct db_user *out, \
	  struct err *e), \
	  (db, name, out, e)) \
	X(user_get_by_id, (struct db *db, int64_t id, struct db_user *out, \
	  struct err *e), \
	  (db, id, out, e)) \
	X(user_set_password, (struct db *db, const char *name, \
	  const char *hash, struct err *e), \
	  (db, name, hash, e)) \
	X(user_count, (struct db *db, int64_t *out, struct err *e), \
	  (db, out, e)) \
	X(user_list, (struct db *db, \
	  int (*each)(const struct db_user *u, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(user_disable, (struct db *db, const char *name, struct err *e), \
	  (db, name, e)) \
	X(user_delete, (struct db *db, const char *name, struct err *e), \
	  (db, name, e)) \
	X(token_create, (struct db *db, const struct db_token *t, \
	  int64_t *id_out, struct err *e), \
	  (db, t, id_out, e)) \
	X(token_find, (struct db *db, const char *hash, int64_t now_ms, \
	  struct db_token *out, struct err *e), \
	  (db, hash, now_ms, out, e)) \
	X(token_revoke, (struct db *db, int64_t id, int64_t now_ms, \
	  struct err *e), \
	  (db, id, now_ms, e)) \
	X(token_list, (struct db *db, \
	  int (*each)(const struct db_token *t, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(session_create, (struct db *db, const struct db_session *s, \
	  int64_t now_ms, struct err *e), \
	  (db, s, now_ms, e)) \
	X(session_find, (struct db *db, const char *hash, int64_t now_ms, \
	  struct db_session *out, struct err *e), \
	  (db, hash, now_ms, out, e)) \
	X(session_delete, (struct db *db, const char *hash, struct err *e), \
	  (db, hash, e)) \
	X(plots_upsert, (struct db *db, const struct db_plot *rows, \
	  size_t n, size_t *added, size_t *updated, struct err *e), \
	  (db, rows, n, added, updated, e)) \
	X(plots_exist, (struct db *db, const char *const *codes, size_t n, \
	  bool *exists, struct err *e), \
	  (db, codes, n, exists, e)) \
	X(plot_get, (struct db *db, const char *code, struct db_plot *out, \
	  struct err *e), \
	  (db, code, out, e)) \
	X(plot_delete, (struct db *db, const char *code, struct err *e), \
	  (db, code, e)) \
	X(plot_list, (struct db *db, const struct db_plot_filter *f, \
	  int (*each)(const struct db_plot *p, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, f, each, ctx, e)) \
	X(plot_count, (struct db *db, int64_t *out, struct err *e), \
	  (db, out, e)) \
	X(device_create, (struct db *db, const struct db_device *d, \
	  struct err *e), \
	  (db, d, e)) \
	X(devices_create, (struct db *db, const struct db_device *d, \
	  size_t n, struct err *e), \
	  (db, d, n, e)) \
	X(device_delete, (struct db *db, const char *id, int64_t now_ms, \
	  struct err *e), \
	  (db, id, now_ms, e)) \
	X(device_get, (struct db *db, const char *id, struct db_device *out, \
	  struct err *e), \
	  (db, id, out, e)) \
	X(device_list, (struct db *db, const char *plot, \
	  int (*each)(const struct db_device *d, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, plot, each, ctx, e)) \
	X(series_ensure, (struct db *db, const char *device, \
	  const char *metric, int64_t *id_out, struct err *e), \
	  (db, device, metric, id_out, e)) \
	X(series_ensure_many, (struct db *db, const char *const *devices, \
	  const char *const *metrics, size_t n, int64_t *ids, struct err *e), \
	  (db, devices, metrics, n, ids, e)) \
	X(series_list, (struct db *db, const char *device, \
	  int (*each)(const struct db_series *s, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, device, each, ctx, e)) \
	X(chunks_write, (struct db *db, const struct db_chunk_write *w, \
	  struct err *e), \
	  (db, w, e)) \
	X(chunks_read, (struct db *db, int64_t series, int64_t from, \
	  int64_t to, int (*each)(const struct db_chunk *c, void *ctx), \
	  void *ctx, struct err *e), \
	  (db, series, from, to, each, ctx, e)) \
	X(chunks_read_view, (struct db *db, const struct db_chunk_range *r, \
	  size_t n, struct err *e), \
	  (db, r, n, e)) \
	X(chunks_maintain, (struct db *db, int64_t now_ms, size_t *dropped, \
	  struct err *e), \
	  (db, now_ms, dropped, e)) \
	X(latest_list, (struct db *db, \
	  int (*each)(const struct db_latest *l, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(state_get, (struct db *db, const char *key, int64_t *out, \
	  struct err *e), \
	  (db, key, out, e)) \
	X(state_set, (struct db *db, const char *key, int64_t value, \
	  struct err *e), \
	  (db, key, value, e)) \
	X(retention_set, (struct db *db, const struct db_retention *r, \
	  int64_t *id_out, struct err *e), \
	  (db, r, id_out, e)) \
	X(retention_list, (struct db *db, \
	  int (*each)(const struct db_retention *r, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(retention_delete, (struct db *db, int64_t id, struct err *e), \
	  (db, id, e)) \
	X(command_create, (struct db *db, const struct db_command *c, \
	  int64_t *id_out, struct err *e), \
	  (db, c, id_out, e)) \
	X(command_get, (struct db *db, int64_t id, struct db_command *out, \
	  struct err *e), \
	  (db, id, out, e)) \
	X(command_set_state, (struct db *db, int64_t id, const char *from, \
	  const char *state, int64_t at_ms, const char *reason, \
	  struct err *e), \
	  (db, id, from, state, at_ms, reason, e)) \
	X(command_list, (struct db *db, const char *device, \
	  const char *state, size_t limit, \
	  int (*each)(const struct db_command *c, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, device, state, limit, each, ctx, e)) \
	X(command_due, (struct db *db, int64_t stale_ms, int64_t now_ms, \
	  int (*each)(const struct db_command *c, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, stale_ms, now_ms, each, ctx, e)) \
	X(command_clear_close, (struct db *db, int64_t id, struct err *e), \
	  (db, id, e)) \
	X(station_set, (struct db *db, const struct db_station *s, \
	  struct err *e), \
	  (db, s, e)) \
	X(station_list, (struct db *db, \
	  int (*each)(const struct db_station *s, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(group_set, (struct db *db, const char *name, const char *station, \
	  double flow_m3h, const char *const *plots, size_t n_plots, \
	  struct err *e), \
	  (db, name, station, flow_m3h, plots, n_plots, e)) \
	X(group_list, (struct db *db, \
	  int (*each)(const struct db_group_member *m, void *ctx), \
	  void *ctx, struct err *e), \
	  (db, each, ctx, e)) \
	X(flush, (struct db *db, struct err *e), \
	  (db, e)) \
	X(scene_add, (struct db *db, const struct db_scene *s, \
	  const struct db_scene_stat *stats, size_t n_stats, \
	  const struct db_anomaly *anomalies, size_t n_anomalies, \
	  int64_t *id_out, struct err *e), \
	  (db, s, stats, n_stats, anomalies, n_anomalies, id_out, e)) \
	X(scene_get, (struct db *db, int64_t id, struct db_scene *out, \
	  struct err *e), \
	  (db, id, out, e)) \
	X(scene_list, (struct db *db, int64_t from_ms, int64_t to_ms, \
	  int (*each)(const struct db_scene *s, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, from_ms, to_ms, each, ctx, e)) \
	X(scene_newest, (struct db *db, const char *kind, int64_t before_ms, \
	  struct db_scene *out, struct err *e), \
	  (db, kind, before_ms, out, e)) \
	X(scene_stats, (struct db *db, int64_t scene, const char *index, \
	  int (*each)(const struct db_scene_stat *st, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, scene, index, each, ctx, e)) \
	X(index_series, (struct db *db, const char *plot, const char *index, \
	  int64_t from_ms, int64_t to_ms, \
	  int (*each)(const struct db_index_point *p, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, plot, index, from_ms, to_ms, each, ctx, e)) \
	X(index_previous, (struct db *db, const char *index, \
	  const char *kind, int64_t since_ms, int64_t before_ms, \
	  int (*each)(const struct db_index_point *p, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, index, kind, since_ms, before_ms, each, ctx, e)) \
	X(anomaly_list, (struct db *db, int64_t scene, const char *plot, \
	  int (*each)(const struct db_anomaly *a, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, scene, plot, each, ctx, e)) \
	X(equipment_set, (struct db *db, const struct db_equipment *q, \
	  struct err *e), \
	  (db, q, e)) \
	X(equipment_get, (struct db *db, const char *device, \
	  struct db_equipment *out, struct err *e), \
	  (db, device, out, e)) \
	X(equipment_list, (struct db *db, \
	  int (*each)(const struct db_equipment *q, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(snapshot_add, (struct db *db, const struct db_snapshot *s, \
	  size_t keep, int64_t *id_out, struct err *e), \
	  (db, s, keep, id_out, e)) \
	X(snapshot_get, (struct db *db, const char *device, int64_t id, \
	  struct db_snapshot *out, struct err *e), \
	  (db, device, id, out, e)) \
	X(snapshot_list, (struct db *db, const char *device, \
	  int (*each)(const struct db_snapshot *s, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, device, each, ctx, e)) \
	X(alert_rule_save, (struct db *db, int64_t id, const char *body, \
	  int64_t now_ms, int64_t *id_out, struct err *e), \
	  (db, id, body, now_ms, id_out, e)) \
	X(alert_rule_delete, (struct db *db, int64_t id, struct err *e), \
	  (db, id, e)) \
	X(alert_rule_list, (struct db *db, \
	  int (*each)(int64_t id, const char *body, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(alert_open, (struct db *db, const struct db_alert *a, \
	  int64_t *id_out, struct err *e), \
	  (db, a, id_out, e)) \
	X(alert_get, (struct db *db, int64_t id, struct db_alert *out, \
	  struct err *e), \
	  (db, id, out, e)) \
	X(alert_update, (struct db *db, const struct db_alert *a, \
	  const char *from, struct err *e), \
	  (db, a, from, e)) \
	X(alert_list, (struct db *db, const struct db_alert_filter *f, \
	  int (*each)(const struct db_alert *a, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, f, each, ctx, e)) \
	X(alert_dead_letter, (struct db *db, int64_t alert_id, \
	  const char *url, const char *payload, int attempts, \
	  const char *error, int64_t at_ms, struct err *e), \
	  (db, alert_id, url, payload, attempts, error, at_ms, e)) \
	X(alert_dead_letter_count, (struct db *db, int64_t *out, \
	  struct err *e), \
	  (db, out, e)) \
	X(alert_set_snapshot, (struct db *db, int64_t id, \
	  const char *camera, int64_t snapshot_id, struct err *e), \
	  (db, id, camera, snapshot_id, e)) \
	X(pool_config, (struct db *db, unsigned connections, \
	  unsigned wait_ms, struct err *e), \
	  (db, connections, wait_ms, e)) \
	X(file_put, (struct db *db, const char *name, const void *data, \
	  size_t len, int64_t created_ms, struct err *e), \
	  (db, name, data, len, created_ms, e)) \
	X(file_get, (struct db *db, const char *name, struct db_file *out, \
	  struct err *e), \
	  (db, name, out, e)) \
	X(file_delete, (struct db *db, const char *name, struct err *e), \
	  (db, name, e)) \
	X(file_list, (struct db *db, const char *prefix, \
	  int (*each)(const struct db_file *f, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, prefix, each, ctx, e)) \
	X(rows_count, (struct db *db, const char *table, int64_t *out, \
	  struct err *e), \
	  (db, table, out, e)) \
	X(rows_read, (struct db *db, const char *table, int64_t *pos, \
	  size_t limit, size_t max_bytes, struct db_rows *out, \
	  struct err *e), \
	  (db, table, pos, limit, max_bytes, out, e)) \
	X(rows_write, (struct db *db, const char *table, \
	  const struct db_rows *r, struct err *e), \
	  (db, table, r, e)) \
	X(rows_clear, (struct db *db, struct err *e), \
	  (db, e)) \
	X(rows_finish, (struct db *db, struct err *e), \
	  (db, e)) \
	X(lease_acquire, (struct db *db, const char *name, const char *node, \
	  int64_t ttl_ms, bool *held, int64_t *epoch, struct err *e), \
	  (db, name, node, ttl_ms, held, epoch, e)) \
	X(lease_release, (struct db *db, const char *name, const char *node, \
	  bool forget, struct err *e), \
	  (db, name, node, forget, e)) \
	X(lease_expired, (struct db *db, const char *prefix, \
	  int (*each)(const char *name, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, prefix, each, ctx, e)) \
	X(notify, (struct db *db, const char *channel, const char *payload, \
	  struct err *e), \
	  (db, channel, payload, e)) \
	X(listen, (struct db *db, const char *channel, \
	  struct db_listener **out, struct err *e), \
	  (db, channel, out, e)) \
	X(latest_get, (struct db *db, const int64_t *series, size_t n, \
	  struct db_latest *out, struct err *e), \
	  (db, series, n, out, e)) \
	DB_OPS_SITES(X)

/* Sites and PV equipment (sqlite_sites.c, pg_sites.c). */
#define DB_OPS_SITES(X) \
	X(site_create, (struct db *db, const struct db_site *s, \
	  struct err *e), \
	  (db, s, e)) \
	X(site_update, (struct db *db, const struct db_site *s, \
	  struct err *e), \
	  (db, s, e)) \
	X(site_get, (struct db *db, const char *code, struct db_site *out, \
	  struct err *e), \
	  (db, code, out, e)) \
	X(site_list, (struct db *db, \
	  int (*each)(const struct db_site *s, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(site_assign, (struct db *db, const char *site, const char *what, \
	  const char *const *ids, size_t n, struct err *e), \
	  (db, site, what, ids, n, e)) \
	X(site_members, (struct db *db, const char *site, const char *what, \
	  int (*each)(const char *id, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, site, what, each, ctx, e)) \
	X(pv_import, (struct db *db, const char *site, \
	  const struct db_pv_equipment *rows, size_t n, int64_t now_ms, \
	  size_t *added, size_t *updated, struct err *e), \
	  (db, site, rows, n, now_ms, added, updated, e)) \
	X(pv_equipment_list, (struct db *db, const char *site, \
	  int (*each)(const struct db_pv_equipment *q, void *ctx), \
	  void *ctx, struct err *e), \
	  (db, site, each, ctx, e)) \
	DB_OPS_WORKORDERS(X)

/* Work orders (sqlite_workorders.c, pg_workorders.c). */
#define DB_OPS_WORKORDERS(X) \
	X(workorder_create, (struct db *db, const struct db_workorder *w, \
	  int64_t *id_out, struct err *e), \
	  (db, w, id_out, e)) \
	X(workorder_get, (struct db *db, int64_t id, \
	  struct db_workorder *out, struct err *e), \
	  (db, id, out, e)) \
	X(workorder_list, (struct db *db, \
	  const struct db_workorder_filter *f, \
	  int (*each)(const struct db_workorder *w, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, f, each, ctx, e)) \
	X(workorder_update, (struct db *db, const struct db_workorder *w, \
	  struct err *e), \
	  (db, w, e)) \
	X(workorder_comment_add, (struct db *db, \
	  const struct db_workorder_comment *c, int64_t *id_out, \
	  struct err *e), \
	  (db, c, id_out, e)) \
	X(workorder_comments, (struct db *db, int64_t workorder, \
	  int (*each)(const struct db_workorder_comment *c, void *ctx), \
	  void *ctx, struct err *e), \
	  (db, workorder, each, ctx, e)) \
	X(user_set_role, (struct db *db, const char *name, const char *role, \
	  struct err *e), \
	  (db, name, role, e)) \
	X(device_update, (struct db *db, const struct db_device *d, \
	  struct err *e), \
	  (db, d, e)) \
	X(audit_add, (struct db *db, const struct db_audit *a, struct err *e), \
	  (db, a, e)) \
	X(audit_list, (struct db *db, int64_t before_id, int limit, \
	  int (*each)(const struct db_audit *a, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, before_id, limit, each, ctx, e)) \
	X(metric_unit_set, (struct db *db, const struct db_metric_unit *u, \
	  struct err *e), \
	  (db, u, e)) \
	X(metric_unit_list, (struct db *db, \
	  int (*each)(const struct db_metric_unit *u, void *ctx), void *ctx, \
	  struct err *e), \
	  (db, each, ctx, e)) \
	X(metric_unit_delete, (struct db *db, const char *name, \
	  struct err *e), \
	  (db, name, e))

/*
 * A backend: its name, a function per operation (NULL: not on this backend
 * yet; the wrapper answers ERR_UNSUPPORTED naming it), and the two void
 * operations.
 */
struct db_backend {
	const char *name;       /* "SQLite", "PostgreSQL" */
	void (*close)(struct db *db);
	void (*pool_stats)(struct db *db, struct db_pool_stats *out);
#define DB_OPS_FIELD(name, params, args) int (*name) params;
	DB_OPS(DB_OPS_FIELD)
#undef DB_OPS_FIELD
};

/* The common head of every backend's store: backends embed it first. */
struct db {
	const struct db_backend *ops;
};

#endif
