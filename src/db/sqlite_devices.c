/* Devices and their series in the SQLite store. */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEVICE_COLUMNS "id, kind, coalesce(plot, ''), name, lon, lat, created_ms," \
	" deleted_ms, site"

static void read_device(sqlite3_stmt *st, struct db_device *d)
{
	sqlite__column_copy(st, 0, d->id, sizeof(d->id));
	sqlite__column_copy(st, 1, d->kind, sizeof(d->kind));
	sqlite__column_copy(st, 2, d->plot, sizeof(d->plot));
	sqlite__column_copy(st, 3, d->name, sizeof(d->name));
	d->lon = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN
		: sqlite3_column_double(st, 4);
	d->lat = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN
		: sqlite3_column_double(st, 5);
	d->created_ms = sqlite3_column_int64(st, 6);
	d->deleted_ms = sqlite3_column_int64(st, 7);
	sqlite__column_copy(st, 8, d->site, sizeof(d->site));
}

static int insert_device(struct conn *c, const struct db_device *d,
			 struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_DEVICE_INSERT,
			       "INSERT INTO devices (id, kind, plot, name, lon,"
			       " lat, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->kind, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 3, d->plot);
	sqlite__bind_text_or_null(st, 4, d->name);
	if (isfinite(d->lon) && isfinite(d->lat)) {
		sqlite3_bind_double(st, 5, d->lon);
		sqlite3_bind_double(st, 6, d->lat);
	}
	sqlite3_bind_int64(st, 7, d->created_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return ERR_OK;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, ERR_NOT_FOUND, "device '%s': no plot with code "
			       "'%s'", d->id, d->plot);
	if ((rc = sqlite__error(c, rc, "device", e)) == ERR_EXISTS)
		err_set(e, ERR_EXISTS, "device '%s' already exists", d->id);
	return rc;
}

int sqlite_devices_create(struct db *db, const struct db_device *d, size_t n,
			  struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = insert_device(c, &d[i], e);
	if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_device_create(struct db *db, const struct db_device *d, struct err *e)
{
	return sqlite_devices_create(db, d, 1, e);
}

int sqlite_device_get(struct db *db, const char *id, struct db_device *out,
		      struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_DEVICE_GET, "SELECT " DEVICE_COLUMNS
				     " FROM devices WHERE id = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_device(st, out);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", id);
	} else {
		rc = sqlite__error(c, rc, "reading a device", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

static int device_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	read_device(st, row);
	return ERR_OK;
}

int sqlite_device_list(struct db *db, const char *plot,
		       int (*each)(const struct db_device *d, void *ctx), void *ctx,
		       struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	/* two statements: "?1 IS NULL OR plot = ?1" would not use the index */
	rc = plot ? sqlite__call_begin(db, ST_DEVICE_LIST_PLOT, "SELECT "
				       DEVICE_COLUMNS " FROM devices WHERE plot = ?1"
				       " ORDER BY id", &c, &st, e)
		  : sqlite__call_begin(db, ST_DEVICE_LIST, "SELECT " DEVICE_COLUMNS
				       " FROM devices ORDER BY id", &c, &st, e);
	if (rc)
		return rc;
	if (plot)
		sqlite3_bind_text(st, 1, plot, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_device), device_row,
				NULL, DB_EACH(db_device, each, ctx),
				"listing devices", e);
}

/* Find or add a metric name; its small integer id keeps series rows short. */
static int metric_id(struct conn *c, const char *metric, int64_t *out,
		     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_METRIC_FIND,
			       "SELECT id FROM metrics WHERE name = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, metric, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return ERR_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite__error(c, rc, "reading a metric", e);
	if ((rc = sqlite__stmt(c, ST_METRIC_INSERT,
			       "INSERT INTO metrics (name) VALUES (?)", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, metric, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite__error(c, rc, "adding a metric", e);
	*out = sqlite3_last_insert_rowid(c->handle);
	return ERR_OK;
}

static int series_find(struct conn *c, const char *device, int64_t metric,
		       int64_t *out, bool *found, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_SERIES_FIND, "SELECT id FROM series"
			       " WHERE device = ? AND metric = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, metric);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(c, rc, "reading a series", e);
	return ERR_OK;
}

static int series_insert(struct conn *c, const char *device, int64_t metric,
			 int64_t *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_SERIES_INSERT, "INSERT INTO series"
			       " (device, metric) VALUES (?, ?)", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, metric);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, ERR_NOT_FOUND, "unknown device '%s'", device);
	if (rc != SQLITE_DONE)
		return sqlite__error(c, rc, "adding a series", e);
	*out = sqlite3_last_insert_rowid(c->handle);
	return ERR_OK;
}

static int series_one(struct conn *c, const char *device, const char *metric,
		      int64_t *id, struct err *e)
{
	int64_t mid = 0;
	bool found;
	int rc;

	if ((rc = metric_id(c, metric, &mid, e)) ||
	    (rc = series_find(c, device, mid, id, &found, e)))
		return rc;
	return found ? ERR_OK : series_insert(c, device, mid, id, e);
}

int sqlite_series_ensure_many(struct db *db, const char *const *devices,
			      const char *const *metrics, size_t n, int64_t *ids,
			      struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = series_one(c, devices[i], metrics[i], &ids[i], e);
	if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_series_ensure(struct db *db, const char *device, const char *metric,
			 int64_t *id_out, struct err *e)
{
	return sqlite_series_ensure_many(db, &device, &metric, 1, id_out, e);
}

static int series_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_series *s = row;

	(void)e;
	s->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, s->device, sizeof(s->device));
	sqlite__column_copy(st, 2, s->metric, sizeof(s->metric));
	return ERR_OK;
}

int sqlite_series_list(struct db *db, const char *device,
		       int (*each)(const struct db_series *s, void *ctx), void *ctx,
		       struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	/* two statements: "?1 IS NULL OR device = ?1" would scan the table */
	rc = device ? sqlite__call_begin(db, ST_SERIES_LIST_DEVICE, "SELECT s.id,"
					 " s.device, m.name FROM series s JOIN"
					 " metrics m ON m.id = s.metric WHERE"
					 " s.device = ?1 ORDER BY s.id", &c, &st, e)
		    : sqlite__call_begin(db, ST_SERIES_LIST, "SELECT s.id, s.device,"
					 " m.name FROM series s JOIN metrics m"
					 " ON m.id = s.metric ORDER BY s.id", &c, &st,
					 e);
	if (rc)
		return rc;
	if (device)
		sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_series), series_row,
				NULL, DB_EACH(db_series, each, ctx),
				"listing series", e);
}

/* Run one cached statement binding (int64, text); ERR_NOT_FOUND if no row changed. */
static int change_int_text(struct conn *c, enum stmt_id id, const char *sql,
			   int64_t v, const char *text, bool need_change,
			   struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, id, sql, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "deleting a device", e);
	else if (need_change && sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", text);
	else
		rc = ERR_OK;
	sqlite3_reset(st);
	return rc;
}

int sqlite_device_delete(struct db *db, const char *id, int64_t now_ms,
			 struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	rc = change_int_text(c, ST_DEVICE_DELETE, "UPDATE devices SET deleted_ms"
			     " = ? WHERE id = ? AND deleted_ms = 0", now_ms, id,
			     true, e);
	if (!rc)
		rc = change_int_text(c, ST_DEVICE_REVOKE_TOKENS, "UPDATE tokens"
				     " SET revoked_ms = ? WHERE device = ? AND"
				     " revoked_ms = 0", now_ms, id, false, e);
	if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_device_update(struct db *db, const struct db_device *d,
			 struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_DEVICE_UPDATE, "UPDATE devices SET"
				     " kind = ?, plot = ?, name = ?, lon = ?,"
				     " lat = ? WHERE id = ? AND deleted_ms = 0",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, d->kind, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 2, d->plot);
	sqlite__bind_text_or_null(st, 3, d->name);
	if (isfinite(d->lon) && isfinite(d->lat)) {
		sqlite3_bind_double(st, 4, d->lon);
		sqlite3_bind_double(st, 5, d->lat);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
	}
	sqlite3_bind_text(st, 6, d->id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		rc = err_set(e, ERR_NOT_FOUND, "device '%s': no plot with code "
			     "'%s'", d->id, d->plot);
	else if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "device", e);
	else if (sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", d->id);
	else
		rc = ERR_OK;
	return sqlite__call_end(db, c, st, rc);
}
