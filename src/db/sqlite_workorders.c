/*
 * Work orders and their comments in the SQLite store.  Rare calls (an
 * operator's click): statements are prepared per call.  Updates are a
 * compare-and-set on the row's version.
 */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WO_COLUMNS "id, site, coalesce(equipment, ''), coalesce(alert_id, 0)," \
	" title, state, coalesce(assignee, ''), created_by, version," \
	" created_ms, updated_ms, coalesce(closed_ms, 0), energy_lost_kwh"

#define COMMENT_COLUMNS "id, workorder, author, body," \
	" coalesce(snapshot_id, 0), at_ms"

static int prep(struct conn *c, const char *sql, sqlite3_stmt **st,
		struct err *e)
{
	int rc = sqlite3_prepare_v2(c->handle, sql, -1, st, NULL);

	return rc == SQLITE_OK ? ERR_OK : sqlite__error(c, rc, "work orders", e);
}

static int read_wo(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_workorder *w = row;

	(void)e;
	memset(w, 0, sizeof(*w));
	w->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, w->site, sizeof(w->site));
	sqlite__column_copy(st, 2, w->equipment, sizeof(w->equipment));
	w->alert_id = sqlite3_column_int64(st, 3);
	sqlite__column_copy(st, 4, w->title, sizeof(w->title));
	sqlite__column_copy(st, 5, w->state, sizeof(w->state));
	sqlite__column_copy(st, 6, w->assignee, sizeof(w->assignee));
	sqlite__column_copy(st, 7, w->created_by, sizeof(w->created_by));
	w->version = sqlite3_column_int64(st, 8);
	w->created_ms = sqlite3_column_int64(st, 9);
	w->updated_ms = sqlite3_column_int64(st, 10);
	w->closed_ms = sqlite3_column_int64(st, 11);
	w->energy_lost_kwh = sqlite__column_real_or_nan(st, 12);
	return ERR_OK;
}

static int read_comment(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_workorder_comment *c = row;

	(void)e;
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	c->workorder = sqlite3_column_int64(st, 1);
	sqlite__column_copy(st, 2, c->author, sizeof(c->author));
	sqlite__column_copy(st, 3, c->body, sizeof(c->body));
	c->snapshot_id = sqlite3_column_int64(st, 4);
	c->at_ms = sqlite3_column_int64(st, 5);
	return ERR_OK;
}

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

int sqlite_workorder_create(struct db *db, const struct db_workorder *w,
			    int64_t *id_out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "INSERT INTO workorders (site, equipment, alert_id,"
		       " title, state, assignee, created_by, version,"
		       " created_ms, updated_ms, closed_ms, energy_lost_kwh)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)", &st, e)))
		goto out;
	sqlite3_bind_text(st, 1, w->site, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 2, w->equipment[0] ? w->equipment : NULL);
	bind_id_or_null(st, 3, w->alert_id);
	sqlite3_bind_text(st, 4, w->title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, w->state, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 6, w->assignee[0] ? w->assignee : NULL);
	sqlite3_bind_text(st, 7, w->created_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, w->created_ms);
	sqlite3_bind_int64(st, 9, w->updated_ms);
	bind_id_or_null(st, 10, w->closed_ms);
	sqlite__bind_real_or_null(st, 11, w->energy_lost_kwh);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		if (id_out)
			*id_out = sqlite3_last_insert_rowid(c->handle);
	} else {
		rc = sqlite__error(c, rc, "work order", e);
	}
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_workorder_get(struct db *db, int64_t id, struct db_workorder *out,
			 struct err *e)
{
	struct sqlite_rows rows;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " WO_COLUMNS " FROM workorders WHERE id = ?",
		       &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*out),
				       read_wo, NULL, "work orders", e)))
		return rc;
	if (rows.n == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown work order %lld",
			     (long long)id);
	else
		*out = *(struct db_workorder *)rows.v;
	sqlite__rows_free(&rows, NULL);
	return rc;
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

int sqlite_workorder_list(struct db *db, const struct db_workorder_filter *f,
			  int (*each)(const struct db_workorder *w, void *ctx),
			  void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	struct db_workorder *w;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " WO_COLUMNS " FROM workorders WHERE"
		       " (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR state = ?2)"
		       " AND (?3 IS NULL OR assignee = ?3) ORDER BY id DESC",
		       &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite__bind_text_or_null(st, 1, f ? or_null(f->site) : NULL);
	sqlite__bind_text_or_null(st, 2, f ? or_null(f->state) : NULL);
	sqlite__bind_text_or_null(st, 3, f ? or_null(f->assignee) : NULL);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*w),
				       read_wo, NULL, "work orders", e)))
		return rc;
	w = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&w[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}

/* After a CAS that changed nothing: missing, or changed meanwhile. */
static int why_unchanged(struct db *db, const struct db_workorder *w,
			 struct err *e)
{
	struct db_workorder now;

	if (sqlite_workorder_get(db, w->id, &now, e))
		return e->code;
	return err_set(e, ERR_EXISTS, "work order %lld was changed meanwhile "
		       "(version %lld, not %lld): reload it", (long long)w->id,
		       (long long)now.version, (long long)w->version);
}

int sqlite_workorder_update(struct db *db, const struct db_workorder *w,
			    struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct conn *c;
	int changed = 0, rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "UPDATE workorders SET state = ?, assignee = ?,"
		       " updated_ms = ?, closed_ms = ?, energy_lost_kwh = ?,"
		       " version = version + 1 WHERE id = ? AND version = ?",
		       &st, e)))
		goto out;
	sqlite3_bind_text(st, 1, w->state, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 2, w->assignee[0] ? w->assignee : NULL);
	sqlite3_bind_int64(st, 3, w->updated_ms);
	bind_id_or_null(st, 4, w->closed_ms);
	sqlite__bind_real_or_null(st, 5, w->energy_lost_kwh);
	sqlite3_bind_int64(st, 6, w->id);
	sqlite3_bind_int64(st, 7, w->version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		changed = sqlite3_changes(c->handle);
	} else {
		rc = sqlite__error(c, rc, "work order", e);
	}
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	if (!rc && !changed)
		rc = why_unchanged(db, w, e);
	return rc;
}

int sqlite_workorder_comment_add(struct db *db,
				 const struct db_workorder_comment *cm,
				 int64_t *id_out, struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "INSERT INTO workorder_comments (workorder, author,"
		       " body, snapshot_id, at_ms) SELECT id, ?2, ?3, ?4, ?5"
		       " FROM workorders WHERE id = ?1", &st, e)))
		goto out;
	sqlite3_bind_int64(st, 1, cm->workorder);
	sqlite3_bind_text(st, 2, cm->author, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, cm->body, -1, SQLITE_TRANSIENT);
	bind_id_or_null(st, 4, cm->snapshot_id);
	sqlite3_bind_int64(st, 5, cm->at_ms);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "work order comment", e);
	else if (sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown work order %lld",
			     (long long)cm->workorder);
	else {
		rc = ERR_OK;
		if (id_out)
			*id_out = sqlite3_last_insert_rowid(c->handle);
	}
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_workorder_comments(struct db *db, int64_t workorder,
			      int (*each)(const struct db_workorder_comment *c,
					  void *ctx),
			      void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	struct db_workorder_comment *cm;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " COMMENT_COLUMNS " FROM workorder_comments"
		       " WHERE workorder = ? ORDER BY id", &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_int64(st, 1, workorder);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*cm),
				       read_comment, NULL, "work orders", e)))
		return rc;
	cm = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&cm[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}
