/* Valve commands in the SQLite store. */
#include "db/sqlite_internal.h"

#include <string.h>

#define COMMAND_COLUMNS "id, device, action, duration_min, state," \
	" requested_by, requested_ms, sent_ms, done_ms, auto_close_ms, reason"

static void read_command(sqlite3_stmt *st, struct db_command *c)
{
	c->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, c->device, sizeof(c->device));
	sqlite__column_copy(st, 2, c->action, sizeof(c->action));
	c->duration_min = sqlite3_column_int(st, 3);
	sqlite__column_copy(st, 4, c->state, sizeof(c->state));
	sqlite__column_copy(st, 5, c->requested_by, sizeof(c->requested_by));
	c->requested_ms = sqlite3_column_int64(st, 6);
	c->sent_ms = sqlite3_column_int64(st, 7);
	c->done_ms = sqlite3_column_int64(st, 8);
	c->auto_close_ms = sqlite3_column_int64(st, 9);
	sqlite__column_copy(st, 10, c->reason, sizeof(c->reason));
}

int sqlite_command_create(struct db *db, const struct db_command *c,
			  int64_t *id_out, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_COMMAND_INSERT, "INSERT INTO commands"
				     " (device, action, duration_min, state,"
				     " requested_by, requested_ms, auto_close_ms)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?)", &k, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, c->device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, c->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, c->duration_min);
	sqlite3_bind_text(st, 4, c->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, c->requested_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, c->requested_ms);
	sqlite3_bind_int64(st, 7, c->auto_close_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		*id_out = sqlite3_last_insert_rowid(k->handle);
	} else {
		rc = sqlite__error(k, rc, "command", e);
	}
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_command_get(struct db *db, int64_t id, struct db_command *out,
		       struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_COMMAND_GET, "SELECT " COMMAND_COLUMNS
				     " FROM commands WHERE id = ?", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_command(st, out);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no command %lld", (long long)id);
	} else {
		rc = sqlite__error(k, rc, "reading a command", e);
	}
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_command_set_state(struct db *db, int64_t id, const char *from,
			     const char *state, int64_t at_ms, const char *reason,
			     struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	/* instr(' ' || from || ' ', ' ' || state || ' '): state is in from */
	if ((rc = sqlite__call_begin(db, ST_COMMAND_SET_STATE, "UPDATE commands"
				     " SET state = ?2,"
				     " sent_ms = CASE WHEN ?2 = 'sent' THEN ?3"
				     "   ELSE sent_ms END,"
				     " done_ms = CASE WHEN ?2 = 'sent' THEN done_ms"
				     "   ELSE ?3 END,"
				     " reason = ?4,"
				     " auto_close_ms = CASE WHEN ?2 = 'failed' THEN 0"
				     "   ELSE auto_close_ms END"
				     " WHERE id = ?1 AND instr(' ' || ?5 || ' ',"
				     " ' ' || state || ' ') > 0", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at_ms);
	sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, from, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(k, st, "command", e);
	return sqlite__call_end(db, k, st, rc);
}

static int command_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	read_command(st, row);
	return ERR_OK;
}

/* Collect, then act: the callbacks change commands (valves.c). */
static int each_row(struct db *db, struct conn *k, sqlite3_stmt *st,
		    int (*each)(const struct db_command *c, void *ctx),
		    void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	const struct db_command *c;
	int rc;

	if ((rc = sqlite__rows_collect(db, k, st, &rows, sizeof(*c),
				       command_row, NULL, "listing commands", e)))
		return rc;
	c = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&c[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}

int sqlite_command_list(struct db *db, const char *device, const char *state,
			size_t limit,
			int (*each)(const struct db_command *c, void *ctx),
			void *ctx, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_COMMAND_LIST, "SELECT " COMMAND_COLUMNS
				     " FROM commands WHERE device = ?1 AND"
				     " (?2 IS NULL OR state = ?2)"
				     " ORDER BY id DESC LIMIT ?3", &k, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : 100);
	return each_row(db, k, st, each, ctx, e);
}

int sqlite_command_due(struct db *db, int64_t stale_ms, int64_t now_ms,
		       int (*each)(const struct db_command *c, void *ctx),
		       void *ctx, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_COMMAND_DUE, "SELECT " COMMAND_COLUMNS
				     " FROM commands WHERE (state IN"
				     " ('requested','sent') AND requested_ms <= ?1)"
				     " OR (auto_close_ms > 0 AND auto_close_ms <= ?2)"
				     " ORDER BY id", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, stale_ms);
	sqlite3_bind_int64(st, 2, now_ms);
	return each_row(db, k, st, each, ctx, e);
}

int sqlite_command_clear_close(struct db *db, int64_t id, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_COMMAND_CLEAR_CLOSE, "UPDATE commands"
				     " SET auto_close_ms = 0 WHERE id = ? AND"
				     " auto_close_ms <> 0", &k,
				     &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite__step_change(k, st, "command", e);
	return sqlite__call_end(db, k, st, rc);
}
