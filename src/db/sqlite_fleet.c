/* Fleet in the SQLite store: equipment of devices and camera snapshots. */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step_write(struct conn *c, sqlite3_stmt *st, const char *what,
		      struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, ERR_NOT_FOUND, "%s: no such device", what);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, what, e);
}

int sqlite_equipment_set(struct db *db, const struct db_equipment *q,
			 struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_EQUIPMENT_SET, "INSERT INTO"
				     " fleet_equipment (device, implement, swath_m,"
				     " stream_url, updated_ms) VALUES (?, ?, ?, ?, ?)"
				     " ON CONFLICT (device) DO UPDATE SET"
				     " implement = excluded.implement,"
				     " swath_m = excluded.swath_m,"
				     " stream_url = excluded.stream_url,"
				     " updated_ms = excluded.updated_ms", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, q->device, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 2, q->implement);
	if (isfinite(q->swath_m))
		sqlite3_bind_double(st, 3, q->swath_m);
	else
		sqlite3_bind_null(st, 3);
	sqlite__bind_text_or_null(st, 4, q->stream_url);
	sqlite3_bind_int64(st, 5, q->updated_ms);
	rc = step_write(c, st, q->device, e);
	return sqlite__call_end(db, c, st, rc);
}

static void equipment_row(sqlite3_stmt *st, struct db_equipment *q)
{
	sqlite__column_copy(st, 0, q->device, sizeof(q->device));
	sqlite__column_copy(st, 1, q->implement, sizeof(q->implement));
	q->swath_m = sqlite3_column_type(st, 2) == SQLITE_NULL
		? NAN : sqlite3_column_double(st, 2);
	sqlite__column_copy(st, 3, q->stream_url, sizeof(q->stream_url));
	q->updated_ms = sqlite3_column_int64(st, 4);
}

#define EQUIPMENT_COLS "device, implement, swath_m, stream_url, updated_ms"

int sqlite_equipment_get(struct db *db, const char *device,
			 struct db_equipment *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = sqlite__call_begin(db, ST_EQUIPMENT_GET, "SELECT "
				     EQUIPMENT_COLS " FROM fleet_equipment"
				     " WHERE device = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		equipment_row(st, out);
	else if (step == SQLITE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "device '%s' has no equipment set",
			     device);
	else
		rc = sqlite__error(c, step, "reading equipment", e);
	return sqlite__call_end(db, c, st, rc);
}

/* One row of db_equipment_list, collected (see sqlite__each_row). */
static int equipment_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_equipment *q = row;

	(void)e;
	equipment_row(st, q);
	return ERR_OK;
}

int sqlite_equipment_list(struct db *db,
			  int (*each)(const struct db_equipment *q, void *ctx),
			  void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_EQUIPMENT_LIST, "SELECT "
				     EQUIPMENT_COLS " FROM fleet_equipment"
				     " ORDER BY device", &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_equipment),
				equipment_list_row, NULL,
				DB_EACH(db_equipment, each, ctx),
				"listing equipment", e);
}

static int snapshot_insert(struct conn *c, const struct db_snapshot *s,
			   size_t keep, int64_t *id_out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_SNAPSHOT_INSERT, "INSERT INTO snapshots"
			       " (device, taken_ms, width, height, jpeg)"
			       " VALUES (?, ?, ?, ?, ?)", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, s->device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, s->taken_ms);
	sqlite3_bind_int(st, 3, (int)s->width);
	sqlite3_bind_int(st, 4, (int)s->height);
	sqlite3_bind_blob64(st, 5, s->jpeg, s->len, SQLITE_STATIC);
	if ((rc = step_write(c, st, s->device, e)))
		return rc;
	*id_out = sqlite3_last_insert_rowid(c->handle);
	if ((rc = sqlite__stmt(c, ST_SNAPSHOT_TRIM, "DELETE FROM snapshots"
			       " WHERE device = ?1 AND id NOT IN (SELECT id FROM"
			       " snapshots WHERE device = ?1 ORDER BY id DESC"
			       " LIMIT ?2)", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, s->device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)keep);
	return step_write(c, st, s->device, e);
}

int sqlite_snapshot_add(struct db *db, const struct db_snapshot *s, size_t keep,
			int64_t *id_out, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	if ((rc = snapshot_insert(c, s, keep, id_out, e)) ||
	    (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

static void snapshot_row(sqlite3_stmt *st, struct db_snapshot *s)
{
	s->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, s->device, sizeof(s->device));
	s->taken_ms = sqlite3_column_int64(st, 2);
	s->width = (unsigned)sqlite3_column_int(st, 3);
	s->height = (unsigned)sqlite3_column_int(st, 4);
	s->len = (size_t)sqlite3_column_int64(st, 5);
	s->jpeg = NULL;
}

int sqlite_snapshot_get(struct db *db, const char *device, int64_t id,
			struct db_snapshot *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc, step;

	memset(out, 0, sizeof(*out));
	rc = id ? sqlite__call_begin(db, ST_SNAPSHOT_GET, "SELECT id, device,"
				     " taken_ms, width, height, length(jpeg), jpeg"
				     " FROM snapshots WHERE device = ?1 AND id = ?2",
				     &c, &st, e)
		: sqlite__call_begin(db, ST_SNAPSHOT_LATEST, "SELECT id, device,"
				     " taken_ms, width, height, length(jpeg), jpeg"
				     " FROM snapshots WHERE device = ?1"
				     " ORDER BY id DESC LIMIT 1", &c, &st, e);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	if (id)
		sqlite3_bind_int64(st, 2, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snapshot_row(st, out);
		out->jpeg = malloc(out->len ? out->len : 1);
		if (!out->jpeg)
			rc = err_nomem(e);
		else
			memcpy(out->jpeg, sqlite3_column_blob(st, 6), out->len);
	} else if (step == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "device '%s' has no snapshot%s",
			     device, id ? " with that id" : "");
	} else {
		rc = sqlite__error(c, step, "reading a snapshot", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

/* One row of db_snapshot_list, collected (see sqlite__each_row). */
static int snapshot_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_snapshot *s = row;

	(void)e;
	snapshot_row(st, s);
	return ERR_OK;
}

int sqlite_snapshot_list(struct db *db, const char *device,
			 int (*each)(const struct db_snapshot *s, void *ctx),
			 void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_SNAPSHOT_LIST, "SELECT id, device,"
				     " taken_ms, width, height, length(jpeg) FROM"
				     " snapshots WHERE device = ? ORDER BY id DESC",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_snapshot),
				snapshot_list_row, NULL,
				DB_EACH(db_snapshot, each, ctx),
				"listing snapshots", e);
}
