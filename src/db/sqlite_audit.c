/*
 * The SQLite backend's audit log (db_audit_* of db.h): table audit
 * (migration 15), rows only added, read newest first by id.
 */
#include "db/sqlite_internal.h"

#include <string.h>

#include "db/rows.h"

int sqlite_audit_add(struct db *db, const struct db_audit *a, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_AUDIT_ADD, "INSERT INTO audit (at_ms,"
				     " actor, role, action, status) VALUES"
				     " (?, ?, ?, ?, ?)", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, a->at_ms);
	sqlite3_bind_text(st, 2, a->actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, a->status);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? ERR_OK
			       : sqlite__error(c, rc, "adding to the audit log", e);
	return sqlite__call_end(db, c, st, rc);
}

static int audit_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_audit *a = row;

	(void)e;
	a->id = sqlite3_column_int64(st, 0);
	a->at_ms = sqlite3_column_int64(st, 1);
	sqlite__column_copy(st, 2, a->actor, sizeof(a->actor));
	sqlite__column_copy(st, 3, a->role, sizeof(a->role));
	sqlite__column_copy(st, 4, a->action, sizeof(a->action));
	a->status = sqlite3_column_int(st, 5);
	return ERR_OK;
}

#define AUDIT_COLUMNS "id, at_ms, actor, role, action, status"

int sqlite_audit_list(struct db *db, int64_t before_id, int limit,
		      int (*each)(const struct db_audit *a, void *ctx),
		      void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	rc = before_id > 0
		? sqlite__call_begin(db, ST_AUDIT_LIST_BEFORE, "SELECT "
				     AUDIT_COLUMNS " FROM audit WHERE id < ?2"
				     " ORDER BY id DESC LIMIT ?1", &c, &st, e)
		: sqlite__call_begin(db, ST_AUDIT_LIST, "SELECT " AUDIT_COLUMNS
				     " FROM audit ORDER BY id DESC LIMIT ?1",
				     &c, &st, e);
	if (rc)
		return rc;
	sqlite3_bind_int(st, 1, limit);
	if (before_id > 0)
		sqlite3_bind_int64(st, 2, before_id);
	return sqlite__each_row(db, c, st, sizeof(struct db_audit), audit_row,
				NULL, DB_EACH(db_audit, each, ctx),
				"reading the audit log", e);
}
