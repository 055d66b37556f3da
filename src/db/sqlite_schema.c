/*
 * The schema of the SQLite store, as an ordered list of migrations.
 * A migration is never edited once released: add a new one instead.
 */
#include "db/sqlite_internal.h"

#include <stdio.h>

static const char *const migrations[] = {
	/* 1: users, tokens, sessions, plots */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),"
	"  password_hash TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin','device')),"
	"  device TEXT NOT NULL DEFAULT '',"
	"  hash TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL DEFAULT 0,"
	"  revoked_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions ("
	"  hash TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  expires_ms INTEGER NOT NULL);"
	"CREATE TABLE plots ("
	"  code TEXT PRIMARY KEY,"
	"  name TEXT, crop TEXT, variety TEXT, sowing_date TEXT,"
	"  irrigation TEXT, soil_texture TEXT,"
	"  field_capacity REAL, wilting_point REAL, owner TEXT,"
	"  extra TEXT,"
	"  geometry TEXT NOT NULL,"
	"  min_lon REAL NOT NULL, min_lat REAL NOT NULL,"
	"  max_lon REAL NOT NULL, max_lat REAL NOT NULL,"
	"  area_m2 REAL NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE INDEX plots_crop ON plots (crop);",

	/* 2: devices, series, the time-series engine's chunks and state */
	"CREATE TABLE devices ("
	"  id TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  plot TEXT REFERENCES plots(code) ON DELETE SET NULL,"
	"  name TEXT, lon REAL, lat REAL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX devices_plot ON devices (plot);"
	"CREATE TABLE metrics ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE series ("
	"  id INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  metric INTEGER NOT NULL REFERENCES metrics(id),"
	"  UNIQUE (device, metric));"
	/*
	 * The bulk of a store.  seq is the rowid: it only grows, so chunks
	 * append to densely filled pages; the index serves range scans.
	 */
	"CREATE TABLE chunks ("
	"  seq INTEGER PRIMARY KEY,"
	"  series INTEGER NOT NULL,"
	"  ts_min INTEGER NOT NULL,"
	"  ts_max INTEGER NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX chunks_series_time ON chunks (series, ts_min);"
	"CREATE TABLE latest ("
	"  series INTEGER PRIMARY KEY,"
	"  ts INTEGER NOT NULL,"
	"  value REAL NOT NULL);"
	"CREATE TABLE ts_state ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);",

	/* 3: retention policies ('' matches any kind or metric) */
	"CREATE TABLE retention ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL DEFAULT '',"
	"  metric TEXT NOT NULL DEFAULT '',"
	"  raw_ms INTEGER NOT NULL CHECK (raw_ms > 0),"
	"  step_ms INTEGER NOT NULL CHECK (step_ms > 0),"
	"  UNIQUE (kind, metric));",

	/* 4: valve commands, their life and who asked */
	"CREATE TABLE commands ("
	"  id INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  action TEXT NOT NULL CHECK (action IN ('open','close')),"
	"  duration_min INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('requested','sent','acknowledged','failed')),"
	"  requested_by TEXT NOT NULL,"
	"  requested_ms INTEGER NOT NULL,"
	"  sent_ms INTEGER NOT NULL DEFAULT 0,"
	"  done_ms INTEGER NOT NULL DEFAULT 0,"
	"  auto_close_ms INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX commands_device ON commands (device, id);"
	"CREATE INDEX commands_open ON commands (state) WHERE state IN"
	"  ('requested','sent');"
	"CREATE INDEX commands_auto_close ON commands (auto_close_ms)"
	"  WHERE auto_close_ms > 0;",

	/* 5: pump stations and their rotation groups (轮灌组) */
	"CREATE TABLE pump_stations ("
	"  name TEXT PRIMARY KEY,"
	"  capacity_m3h REAL NOT NULL CHECK (capacity_m3h > 0),"
	"  start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),"
	"  end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440));"
	"CREATE TABLE rotation_groups ("
	"  name TEXT PRIMARY KEY,"
	"  station TEXT NOT NULL REFERENCES pump_stations(name) ON DELETE CASCADE,"
	"  flow_m3h REAL NOT NULL CHECK (flow_m3h > 0));"
	"CREATE TABLE rotation_members ("
	"  plot TEXT PRIMARY KEY REFERENCES plots(code) ON DELETE CASCADE,"
	"  grp TEXT NOT NULL REFERENCES rotation_groups(name) ON DELETE CASCADE);",

	/* imagery (rs/imagery.c): scenes, per-plot index statistics, anomalies */
	"CREATE TABLE scenes ("
	"  id INTEGER PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('satellite','drone')),"
	"  acquired_ms INTEGER NOT NULL,"
	"  crs TEXT NOT NULL,"
	"  footprint TEXT NOT NULL,"
	"  cloud_share REAL,"
	"  file TEXT NOT NULL,"
	"  width INTEGER NOT NULL,"
	"  height INTEGER NOT NULL,"
	"  indices TEXT NOT NULL,"
	"  preview TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL);"
	"CREATE INDEX scenes_acquired ON scenes (acquired_ms);"
	"CREATE TABLE scene_stats ("
	"  scene INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,"
	"  plot TEXT NOT NULL REFERENCES plots(code) ON DELETE CASCADE,"
	"  idx TEXT NOT NULL,"
	"  count REAL NOT NULL,"
	"  valid_fraction REAL,"
	"  mean REAL, std REAL, min REAL, max REAL,"
	"  median REAL, p10 REAL, p90 REAL,"
	"  PRIMARY KEY (scene, plot, idx));"
	"CREATE INDEX scene_stats_plot ON scene_stats (plot, idx);"
	"CREATE TABLE anomalies ("
	"  scene INTEGER NOT NULL REFERENCES scenes(id) ON DELETE CASCADE,"
	"  plot TEXT NOT NULL REFERENCES plots(code) ON DELETE CASCADE,"
	"  idx TEXT NOT NULL,"
	"  rule TEXT NOT NULL CHECK (rule IN ('peers','drop')),"
	"  value REAL NOT NULL,"
	"  reference REAL NOT NULL,"
	"  threshold REAL NOT NULL,"
	"  PRIMARY KEY (scene, plot, idx, rule));"
	"CREATE INDEX anomalies_plot ON anomalies (plot);",
	/*
	 * fleet (src/fleet/): a machine's implement and swath or a camera's
	 * stream, and the latest snapshots of each camera
	 */
	"CREATE TABLE fleet_equipment ("
	"  device TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
	"  implement TEXT, swath_m REAL, stream_url TEXT,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE snapshots ("
	"  id INTEGER PRIMARY KEY,"
	"  device TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	"  taken_ms INTEGER NOT NULL,"
	"  width INTEGER NOT NULL, height INTEGER NOT NULL,"
	"  jpeg BLOB NOT NULL);"
	"CREATE INDEX snapshots_device ON snapshots (device, id);",
	/* alert/: rules, alerts (one open per rule and subject), dead letters */
	"CREATE TABLE alert_rules ("
	"  id INTEGER PRIMARY KEY,"
	"  body TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  rule_id INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  plot TEXT NOT NULL DEFAULT '',"
	"  severity TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),"
	"  message TEXT NOT NULL,"
	"  value REAL,"
	"  opened_ms INTEGER NOT NULL,"
	"  acked_by TEXT NOT NULL DEFAULT '',"
	"  acked_ms INTEGER NOT NULL DEFAULT 0,"
	"  ack_comment TEXT NOT NULL DEFAULT '',"
	"  closed_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_by TEXT NOT NULL DEFAULT '',"
	"  notified_ms INTEGER NOT NULL DEFAULT 0,"
	"  escalated INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX alerts_one_open ON alerts (rule_id, subject)"
	"  WHERE state != 'closed';"
	"CREATE INDEX alerts_opened ON alerts (opened_ms);"
	"CREATE TABLE alert_dead_letters ("
	"  id INTEGER PRIMARY KEY,"
	"  alert_id INTEGER NOT NULL,"
	"  url TEXT NOT NULL,"
	"  payload TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL,"
	"  error TEXT NOT NULL,"
	"  at_ms INTEGER NOT NULL);",
	/*
	 * a deleted device keeps its row (and so its series and data) with
	 * the time it was deleted; 0 while it is live
	 */
	"ALTER TABLE devices ADD COLUMN deleted_ms INTEGER NOT NULL DEFAULT 0;",

	/* 10: files every node sees, imagery previews first (sqlite_files.c) */
	sqlite__files_migration,

	/*
	 * 11: sites, the base as the
	 * default one, the site of each device and plot, PV equipment
	 */
	"CREATE TABLE sites ("
	"  code TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('farm','pv_plant')),"
	"  tz TEXT NOT NULL,"
	"  lon REAL, lat REAL, alt_m REAL,"
	"  boundary TEXT, facts TEXT,"
	"  is_default INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX sites_one_default ON sites (is_default)"
	"  WHERE is_default = 1;"
	"INSERT INTO sites (code, name, kind, tz, is_default, created_ms,"
	"  updated_ms) VALUES ('base', 'base', 'farm', 'Asia/Shanghai', 1, 0, 0);"
	"ALTER TABLE devices ADD COLUMN site TEXT NOT NULL DEFAULT 'base';"
	"ALTER TABLE plots ADD COLUMN site TEXT NOT NULL DEFAULT 'base';"
	"CREATE INDEX devices_site ON devices (site);"
	"CREATE INDEX plots_site ON plots (site);"
	"CREATE TABLE pv_equipment ("
	"  id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
	"  site TEXT NOT NULL REFERENCES sites(code),"
	"  kind TEXT NOT NULL, parent TEXT, name TEXT, subtype TEXT,"
	"  met_station TEXT,"
	"  kwp_dc REAL, kw_ac REAL, module_count INTEGER, gamma_pdc REAL,"
	"  tilt REAL, azimuth REAL, axis_tilt REAL, axis_azimuth REAL,"
	"  max_angle REAL, gcr REAL, lon REAL, lat REAL);"
	"CREATE INDEX pv_equipment_site ON pv_equipment (site, id);",

	/* 12: work orders and their comments */
	"CREATE TABLE workorders ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  site TEXT NOT NULL, equipment TEXT, alert_id INTEGER,"
	"  title TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('open','assigned',"
	"    'in_progress','done')),"
	"  assignee TEXT, created_by TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	"  closed_ms INTEGER, energy_lost_kwh REAL);"
	"CREATE INDEX workorders_site ON workorders (site, id);"
	"CREATE TABLE workorder_comments ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  workorder INTEGER NOT NULL REFERENCES workorders(id)"
	"    ON DELETE CASCADE,"
	"  author TEXT NOT NULL, body TEXT NOT NULL, snapshot_id INTEGER,"
	"  at_ms INTEGER NOT NULL);"
	"CREATE INDEX workorder_comments_wo ON workorder_comments"
	"  (workorder, id);",

	/*
	 * 13: the token role 'metrics', which may only scrape
	 * GET /metrics.  SQLite cannot alter a CHECK: rebuild the table.
	 */
	"CREATE TABLE tokens_new ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN"
	"    ('viewer','operator','admin','device','metrics')),"
	"  device TEXT NOT NULL DEFAULT '',"
	"  hash TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL DEFAULT 0,"
	"  revoked_ms INTEGER NOT NULL DEFAULT 0);"
	"INSERT INTO tokens_new (id, name, role, device, hash, created_ms,"
	"  expires_ms, revoked_ms) SELECT id, name, role, device, hash,"
	"  created_ms, expires_ms, revoked_ms FROM tokens;"
	"DROP TABLE tokens;"
	"ALTER TABLE tokens_new RENAME TO tokens;",

	/*
	 * 14: the camera snapshot (camera, id) an alert carries, taken when it opened on a
	 * plot with a camera (src/video/); 0 none.  No reference: snapshots
	 * are pruned, the alert stays.
	 */
	"ALTER TABLE alerts ADD COLUMN snapshot_id INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE alerts ADD COLUMN snapshot_camera TEXT NOT NULL"
	"  DEFAULT '';",

	/*
	 * 15: what an alert says, structured for the screen to word in its
	 * language: {"code":..,"params":{..}} as JSON ('' for older alerts,
	 * which keep their English message).
	 */
	"ALTER TABLE alerts ADD COLUMN detail TEXT NOT NULL DEFAULT '';",

	/* 16: the audit log: who changed what through the API */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at_ms INTEGER NOT NULL,"
	"  actor TEXT NOT NULL, role TEXT NOT NULL,"
	"  action TEXT NOT NULL, status INTEGER NOT NULL);",

	/* 17: the units of custom metrics (the registry) */
	"CREATE TABLE metric_units ("
	"  name TEXT PRIMARY KEY,"
	"  unit TEXT NOT NULL,"
	"  what TEXT NOT NULL DEFAULT '',"
	"  updated_ms INTEGER NOT NULL);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int sqlite__schema_version(struct conn *c, int *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(c->handle,
				"SELECT coalesce(max(version), 0) FROM schema_version",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlite__error(c, rc, "reading the schema version", e);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return sqlite__error(c, rc, "reading the schema version", e);
	return ERR_OK;
}

/*
 * Whether migration v is recorded.  Every one missing is applied, in order,
 * even below the highest recorded (a NULL slot in the list is skipped).
 */
static int applied(struct conn *c, int v, bool *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(c->handle, "SELECT 1 FROM schema_version"
				" WHERE version = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sqlite__error(c, rc, "reading the schema version", e);
	sqlite3_bind_int(st, 1, v);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(c, rc, "reading the schema version", e);
	return ERR_OK;
}

static int apply(struct conn *c, int version, struct err *e)
{
	char record[96];

	if (sqlite__exec(c, "BEGIN IMMEDIATE", e))
		return e->code;
	snprintf(record, sizeof(record),
		 "INSERT INTO schema_version (version) VALUES (%d)", version);
	if (sqlite__exec(c, migrations[version - 1], e) ||
	    sqlite__exec(c, record, e)) {
		sqlite3_exec(c->handle, "ROLLBACK", NULL, NULL, NULL);
		return err_prefix(e, "migrating the store to version %d", version);
	}
	return sqlite__exec(c, "COMMIT", e);
}

int sqlite__migrate(struct conn *c, struct err *e)
{
	int have;

	if (sqlite__exec(c, "CREATE TABLE IF NOT EXISTS schema_version ("
			 " version INTEGER PRIMARY KEY)", e))
		return e->code;
	if (sqlite__schema_version(c, &have, e))
		return e->code;
	if (have > N_MIGRATIONS)
		return err_set(e, ERR_UNSUPPORTED, "the store is at schema version "
			       "%d, newer than this program knows (%d): "
			       "upgrade oasis", have, N_MIGRATIONS);
	for (int v = 1; v <= N_MIGRATIONS; v++) {
		bool done = false;

		if (!migrations[v - 1])
			continue;
		if (applied(c, v, &done, e))
			return e->code;
		if (!done && apply(c, v, e))
			return e->code;
	}
	return ERR_OK;
}
