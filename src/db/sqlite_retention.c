/* Retention policies in the SQLite store. */
#include "db/sqlite_internal.h"

int sqlite_retention_set(struct db *db, const struct db_retention *r,
			 int64_t *id_out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_RETENTION_SET, "INSERT INTO retention"
				     " (kind, metric, raw_ms, step_ms) VALUES"
				     " (?, ?, ?, ?) ON CONFLICT (kind, metric) DO"
				     " UPDATE SET raw_ms = excluded.raw_ms,"
				     " step_ms = excluded.step_ms RETURNING id",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->metric, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, r->raw_ms);
	sqlite3_bind_int64(st, 4, r->step_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (id_out)
			*id_out = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st) == SQLITE_DONE ? ERR_OK
			: sqlite__error(c, SQLITE_ERROR, "retention", e);
	} else {
		rc = sqlite__error(c, rc, "retention", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

/* One row of db_retention_list, collected (see sqlite__rows_collect). */
static int retention_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_retention *r = row;

	(void)e;
	r->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, r->kind, sizeof(r->kind));
	sqlite__column_copy(st, 2, r->metric, sizeof(r->metric));
	r->raw_ms = sqlite3_column_int64(st, 3);
	r->step_ms = sqlite3_column_int64(st, 4);
	return ERR_OK;
}

int sqlite_retention_list(struct db *db,
			  int (*each)(const struct db_retention *r, void *ctx),
			  void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	const struct db_retention *r;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_RETENTION_LIST, "SELECT id, kind,"
				     " metric, raw_ms, step_ms FROM retention"
				     " ORDER BY id", &c, &st, e)))
		return rc;
	if ((rc = sqlite__rows_collect(db, c, st, &rows, sizeof(*r),
				       retention_list_row, NULL, "listing retention", e)))
		return rc;
	r = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&r[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}

int sqlite_retention_delete(struct db *db, int64_t id, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_RETENTION_DELETE,
				     "DELETE FROM retention WHERE id = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite__step_change(c, st, "retention policy", e);
	return sqlite__call_end(db, c, st, rc);
}

/* SQLite has no partitions: its rows are deleted by the rollups. */
int sqlite_chunks_maintain(struct db *db, int64_t now_ms, size_t *dropped,
			   struct err *e)
{
	(void)db;
	(void)now_ms;
	(void)e;
	if (dropped)
		*dropped = 0;
	return ERR_OK;
}
