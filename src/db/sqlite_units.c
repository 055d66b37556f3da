/*
 * The SQLite backend's registry of custom metrics (db_metric_unit_* of
 * db.h): table metric_units (migration 16), a row a metric.
 */
#include "db/sqlite_internal.h"

#include <string.h>

#include "db/rows.h"

int sqlite_metric_unit_set(struct db *db, const struct db_metric_unit *u,
			   struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_METRIC_UNIT_SET, "INSERT INTO"
				     " metric_units (name, unit, what, updated_ms)"
				     " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO"
				     " UPDATE SET unit = excluded.unit, what ="
				     " excluded.what, updated_ms ="
				     " excluded.updated_ms", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, u->unit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, u->what, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, u->updated_ms);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? ERR_OK
			       : sqlite__error(c, rc, "registering a metric", e);
	return sqlite__call_end(db, c, st, rc);
}

static int unit_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_metric_unit *u = row;

	(void)e;
	sqlite__column_copy(st, 0, u->name, sizeof(u->name));
	sqlite__column_copy(st, 1, u->unit, sizeof(u->unit));
	sqlite__column_copy(st, 2, u->what, sizeof(u->what));
	u->updated_ms = sqlite3_column_int64(st, 3);
	return ERR_OK;
}

int sqlite_metric_unit_list(struct db *db,
			    int (*each)(const struct db_metric_unit *u,
					void *ctx),
			    void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_METRIC_UNIT_LIST, "SELECT name,"
				     " unit, what, updated_ms FROM metric_units"
				     " ORDER BY name", &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_metric_unit),
				unit_row, NULL,
				DB_EACH(db_metric_unit, each, ctx),
				"listing registered metrics", e);
}

int sqlite_metric_unit_delete(struct db *db, const char *name, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_METRIC_UNIT_DELETE, "DELETE FROM"
				     " metric_units WHERE name = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "unregistering a metric", e);
	else if (sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "metric '%s' is not registered",
			     name);
	else
		rc = ERR_OK;
	return sqlite__call_end(db, c, st, rc);
}
