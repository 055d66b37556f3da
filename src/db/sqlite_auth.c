/*
 * Users, API tokens and browser sessions in the SQLite store.  Only hashes of
 * secrets are stored here; the secrets themselves never reach this layer.
 */
#include "db/sqlite_internal.h"

#include <string.h>

static void read_user(sqlite3_stmt *st, struct db_user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, u->name, sizeof(u->name));
	sqlite__column_copy(st, 2, u->role, sizeof(u->role));
	sqlite__column_copy(st, 3, u->password_hash, sizeof(u->password_hash));
	u->created_ms = sqlite3_column_int64(st, 4);
}

#define USER_COLUMNS "id, name, role, password_hash, created_ms"

int sqlite_user_create(struct db *db, const struct db_user *u, int64_t *id_out,
		       struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_USER_INSERT,
				     "INSERT INTO users (name, role, password_hash,"
				     " created_ms) VALUES (?, ?, ?, ?)", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, u->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, u->password_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, u->created_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		if (id_out)
			*id_out = sqlite3_last_insert_rowid(c->handle);
	} else {
		rc = sqlite__error(c, rc, "user", e);
		if (rc == ERR_EXISTS)
			err_set(e, ERR_EXISTS, "user '%s' already exists", u->name);
	}
	return sqlite__call_end(db, c, st, rc);
}

static int user_fetch(struct db *db, enum stmt_id id, const char *sql,
		      const char *name, int64_t uid, struct db_user *out,
		      struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, id, sql, &c, &st, e)))
		return rc;
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, uid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_user(st, out);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no such user");
	} else {
		rc = sqlite__error(c, rc, "reading a user", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_user_get(struct db *db, const char *name, struct db_user *out,
		    struct err *e)
{
	return user_fetch(db, ST_USER_GET, "SELECT " USER_COLUMNS
			  " FROM users WHERE name = ?", name, 0, out, e);
}

int sqlite_user_get_by_id(struct db *db, int64_t id, struct db_user *out,
			  struct err *e)
{
	return user_fetch(db, ST_USER_GET_BY_ID, "SELECT " USER_COLUMNS
			  " FROM users WHERE id = ?", NULL, id, out, e);
}

int sqlite_user_set_password(struct db *db, const char *name, const char *hash,
			     struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_USER_SET_PASSWORD,
				     "UPDATE users SET password_hash = ? WHERE name = ?",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(c, st, "user", e);
	return sqlite__call_end(db, c, st, rc);
}

/* Run a "SELECT count(*) ..." statement with no parameters. */
static int count_rows(struct db *db, enum stmt_id id, const char *sql,
		      int64_t *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, id, sql, &c, &st, e)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = ERR_OK;
	} else {
		rc = sqlite__error(c, rc, "counting", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_user_count(struct db *db, int64_t *out, struct err *e)
{
	return count_rows(db, ST_USER_COUNT, "SELECT count(*) FROM users", out, e);
}

int sqlite_plot_count(struct db *db, int64_t *out, struct err *e)
{
	return count_rows(db, ST_PLOT_COUNT, "SELECT count(*) FROM plots", out, e);
}

#define TOKEN_COLUMNS "id, name, role, device, hash, created_ms, expires_ms, revoked_ms"

static void read_token(sqlite3_stmt *st, struct db_token *t)
{
	t->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, t->name, sizeof(t->name));
	sqlite__column_copy(st, 2, t->role, sizeof(t->role));
	sqlite__column_copy(st, 3, t->device, sizeof(t->device));
	sqlite__column_copy(st, 4, t->hash, sizeof(t->hash));
	t->created_ms = sqlite3_column_int64(st, 5);
	t->expires_ms = sqlite3_column_int64(st, 6);
	t->revoked_ms = sqlite3_column_int64(st, 7);
}

int sqlite_token_create(struct db *db, const struct db_token *t, int64_t *id_out,
			struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_TOKEN_INSERT,
				     "INSERT INTO tokens (name, role, device, hash,"
				     " created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, t->role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, t->device, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, t->hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, t->created_ms);
	sqlite3_bind_int64(st, 6, t->expires_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		if (id_out)
			*id_out = sqlite3_last_insert_rowid(c->handle);
	} else {
		rc = sqlite__error(c, rc, "token", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_token_find(struct db *db, const char *hash, int64_t now_ms,
		      struct db_token *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_TOKEN_FIND, "SELECT " TOKEN_COLUMNS
				     " FROM tokens WHERE hash = ? AND revoked_ms = 0"
				     " AND (expires_ms = 0 OR expires_ms > ?)",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_token(st, out);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no such token");
	} else {
		rc = sqlite__error(c, rc, "reading a token", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_token_revoke(struct db *db, int64_t id, int64_t now_ms, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_TOKEN_REVOKE,
				     "UPDATE tokens SET revoked_ms = ?"
				     " WHERE id = ? AND revoked_ms = 0", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite__step_change(c, st, "token", e);
	return sqlite__call_end(db, c, st, rc);
}

static int token_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	read_token(st, row);
	return ERR_OK;
}

int sqlite_token_list(struct db *db,
		      int (*each)(const struct db_token *t, void *ctx), void *ctx,
		      struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_TOKEN_LIST, "SELECT " TOKEN_COLUMNS
				     " FROM tokens ORDER BY id", &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_token), token_row,
				NULL, DB_EACH(db_token, each, ctx),
				"listing tokens", e);
}

int sqlite_session_create(struct db *db, const struct db_session *s, int64_t now_ms,
			  struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	/* expired sessions are swept whenever a new one starts */
	if ((rc = sqlite__call_begin(db, ST_SESSION_PURGE,
				     "DELETE FROM sessions WHERE expires_ms <= ?",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_step(st);
	sqlite3_reset(st);
	if ((rc = sqlite__stmt(c, ST_SESSION_INSERT,
			       "INSERT INTO sessions (hash, user_id, expires_ms)"
			       " VALUES (?, ?, ?)", &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_text(st, 1, s->hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, s->user_id);
	sqlite3_bind_int64(st, 3, s->expires_ms);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "session", e);
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_session_find(struct db *db, const char *hash, int64_t now_ms,
			struct db_session *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_SESSION_FIND,
				     "SELECT hash, user_id, expires_ms FROM sessions"
				     " WHERE hash = ? AND expires_ms > ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite__column_copy(st, 0, out->hash, sizeof(out->hash));
		out->user_id = sqlite3_column_int64(st, 1);
		out->expires_ms = sqlite3_column_int64(st, 2);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no such session");
	} else {
		rc = sqlite__error(c, rc, "reading a session", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_session_delete(struct db *db, const char *hash, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_SESSION_DELETE,
				     "DELETE FROM sessions WHERE hash = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(c, st, "session", e);
	return sqlite__call_end(db, c, st, rc);
}

static int user_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	read_user(st, row);
	return ERR_OK;
}

int sqlite_user_list(struct db *db,
		     int (*each)(const struct db_user *u, void *ctx), void *ctx,
		     struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_USER_LIST, "SELECT " USER_COLUMNS
				     " FROM users ORDER BY name", &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_user), user_row,
				NULL, DB_EACH(db_user, each, ctx),
				"listing users", e);
}

/* Run one cached statement binding a user name; ERR_NOT_FOUND if it changed nothing. */
static int change_by_name(struct conn *c, enum stmt_id id, const char *sql,
			  const char *name, bool need_change, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, id, sql, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "user", e);
	else if (need_change && sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "no such user '%s'", name);
	else
		rc = ERR_OK;
	sqlite3_reset(st);
	return rc;
}

int sqlite_user_disable(struct db *db, const char *name, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	/* the CASE keeps a disabled hash as it is: disabling twice is fine */
	rc = change_by_name(c, ST_USER_DISABLE, "UPDATE users SET password_hash ="
			    " CASE WHEN substr(password_hash, 1, 1) = '!' THEN"
			    " password_hash ELSE '!' || password_hash END"
			    " WHERE name = ?", name, true, e);
	if (!rc)
		rc = change_by_name(c, ST_USER_END_SESSIONS, "DELETE FROM sessions"
				    " WHERE user_id = (SELECT id FROM users"
				    " WHERE name = ?)", name, false, e);
	if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_user_delete(struct db *db, const char *name, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	/* sessions go with the user: ON DELETE CASCADE */
	rc = change_by_name(c, ST_USER_DELETE, "DELETE FROM users WHERE name = ?",
			    name, true, e);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_user_set_role(struct db *db, const char *name, const char *role,
			 struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_USER_SET_ROLE,
				     "UPDATE users SET role = ? WHERE name = ?",
				     &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "user", e);
	else if (sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "no user named '%s'", name);
	else
		rc = ERR_OK;
	return sqlite__call_end(db, c, st, rc);
}
