/*
 * Users, API tokens, browser sessions and the engine's state values in the
 * PostgreSQL store; the same meanings and errors as sqlite_auth.c.  Only
 * hashes of secrets are stored here.
 */
#include "db/pg_internal.h"

#include "db/backends.h"

#include <string.h>

#define USER_COLUMNS "id, name, role, password_hash, created_ms"

static void read_user(const PGresult *r, int i, struct db_user *u)
{
	u->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, u->name, sizeof(u->name));
	pg__copy(r, i, 2, u->role, sizeof(u->role));
	pg__copy(r, i, 3, u->password_hash, sizeof(u->password_hash));
	u->created_ms = pg__int(r, i, 4);
}

int pg_user_create(struct db *db, const struct db_user *u, int64_t *id_out,
		   struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	pg__p_text(&p, u->name);
	pg__p_text(&p, u->role);
	pg__p_text(&p, u->password_hash);
	pg__p_int(&p, u->created_ms);
	rc = pg__call_id(db, PG_USER_INSERT, "INSERT INTO users (name, role,"
			 " password_hash, created_ms) VALUES ($1, $2, $3, $4)"
			 " RETURNING id", &p, id_out, NULL, "user", e);
	if (rc == ERR_EXISTS)
		err_set(e, ERR_EXISTS, "user '%s' already exists", u->name);
	return rc;
}

static int user_fetch(struct db *db, enum pg_stmt_id id, const char *sql,
		      const struct pg_params *p, struct db_user *out,
		      struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, id, sql, p, false, &r, "reading a user", e)))
		return rc;
	if (PQntuples(r))
		read_user(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no such user");
	PQclear(r);
	return rc;
}

int pg_user_get(struct db *db, const char *name, struct db_user *out,
		struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, name);
	return user_fetch(db, PG_USER_GET, "SELECT " USER_COLUMNS
			  " FROM users WHERE name = $1", &p, out, e);
}

int pg_user_get_by_id(struct db *db, int64_t id, struct db_user *out,
		      struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	return user_fetch(db, PG_USER_GET_BY_ID, "SELECT " USER_COLUMNS
			  " FROM users WHERE id = $1", &p, out, e);
}

int pg_user_set_password(struct db *db, const char *name, const char *hash,
			 struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, hash);
	pg__p_text(&p, name);
	return pg__call_change(db, PG_USER_SET_PASSWORD, "UPDATE users SET"
			       " password_hash = $1 WHERE name = $2", &p,
			       "user", e);
}

int pg_user_count(struct db *db, int64_t *out, struct err *e)
{
	return pg__call_id(db, PG_USER_COUNT, "SELECT count(*) FROM users", NULL,
			   out, NULL, "counting", e);
}

int pg_plot_count(struct db *db, int64_t *out, struct err *e)
{
	return pg__call_id(db, PG_PLOT_COUNT, "SELECT count(*) FROM plots", NULL,
			   out, NULL, "counting", e);
}

#define TOKEN_COLUMNS "id, name, role, device, hash, created_ms, expires_ms," \
	" revoked_ms"

static void read_token(const PGresult *r, int i, struct db_token *t)
{
	t->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, t->name, sizeof(t->name));
	pg__copy(r, i, 2, t->role, sizeof(t->role));
	pg__copy(r, i, 3, t->device, sizeof(t->device));
	pg__copy(r, i, 4, t->hash, sizeof(t->hash));
	t->created_ms = pg__int(r, i, 5);
	t->expires_ms = pg__int(r, i, 6);
	t->revoked_ms = pg__int(r, i, 7);
}

int pg_token_create(struct db *db, const struct db_token *t, int64_t *id_out,
		    struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, t->name);
	pg__p_text(&p, t->role);
	pg__p_text(&p, t->device);
	pg__p_text(&p, t->hash);
	pg__p_int(&p, t->created_ms);
	pg__p_int(&p, t->expires_ms);
	return pg__call_id(db, PG_TOKEN_INSERT, "INSERT INTO tokens (name, role,"
			   " device, hash, created_ms, expires_ms) VALUES ($1,"
			   " $2, $3, $4, $5, $6) RETURNING id", &p, id_out, NULL,
			   "token", e);
}

int pg_token_find(struct db *db, const char *hash, int64_t now_ms,
		  struct db_token *out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, hash);
	pg__p_int(&p, now_ms);
	if ((rc = pg__call(db, PG_TOKEN_FIND, "SELECT " TOKEN_COLUMNS
			   " FROM tokens WHERE hash = $1 AND revoked_ms = 0"
			   " AND (expires_ms = 0 OR expires_ms > $2)", &p,
			   false, &r, "reading a token", e)))
		return rc;
	if (PQntuples(r))
		read_token(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no such token");
	PQclear(r);
	return rc;
}

int pg_token_revoke(struct db *db, int64_t id, int64_t now_ms, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, now_ms);
	pg__p_int(&p, id);
	return pg__call_change(db, PG_TOKEN_REVOKE, "UPDATE tokens SET"
			       " revoked_ms = $1 WHERE id = $2 AND"
			       " revoked_ms = 0", &p, "token", e);
}

static int token_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_token(r, i, row);
	return ERR_OK;
}

int pg_token_list(struct db *db,
		  int (*each)(const struct db_token *t, void *ctx), void *ctx,
		  struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_TOKEN_LIST, "SELECT " TOKEN_COLUMNS
			   " FROM tokens ORDER BY id", NULL, false, &r,
			   "listing tokens", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_token), token_row, NULL,
			    DB_EACH(db_token, each, ctx), e);
}

int pg_session_create(struct db *db, const struct db_session *s,
		      int64_t now_ms, struct err *e)
{
	struct pg_params purge = { 0 }, p = { 0 };
	struct pg_conn *c;
	PGresult *r = NULL;
	int rc;

	pg__p_int(&purge, now_ms);
	pg__p_text(&p, s->hash);
	pg__p_int(&p, s->user_id);
	pg__p_int(&p, s->expires_ms);
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	/* expired sessions are swept whenever a new one starts */
	if (!(rc = pg__run(c, PG_SESSION_PURGE, "DELETE FROM sessions WHERE"
			   " expires_ms <= $1", &purge, false, &r, "session", e)))
		PQclear(r);
	if (!rc && !(rc = pg__run(c, PG_SESSION_INSERT, "INSERT INTO sessions"
				  " (hash, user_id, expires_ms) VALUES"
				  " ($1, $2, $3)", &p, false, &r, "session", e)))
		PQclear(r);
	pg__conn_put(db, c);
	return rc;
}

int pg_session_find(struct db *db, const char *hash, int64_t now_ms,
		    struct db_session *out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, hash);
	pg__p_int(&p, now_ms);
	if ((rc = pg__call(db, PG_SESSION_FIND, "SELECT hash, user_id,"
			   " expires_ms FROM sessions WHERE hash = $1 AND"
			   " expires_ms > $2", &p, false, &r,
			   "reading a session", e)))
		return rc;
	if (PQntuples(r)) {
		pg__copy(r, 0, 0, out->hash, sizeof(out->hash));
		out->user_id = pg__int(r, 0, 1);
		out->expires_ms = pg__int(r, 0, 2);
	} else {
		rc = err_set(e, ERR_NOT_FOUND, "no such session");
	}
	PQclear(r);
	return rc;
}

int pg_session_delete(struct db *db, const char *hash, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, hash);
	return pg__call_change(db, PG_SESSION_DELETE, "DELETE FROM sessions"
			       " WHERE hash = $1", &p, "session", e);
}

int pg_state_get(struct db *db, const char *key, int64_t *out, struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	if ((rc = db__state_key_check(key, e)))
		return rc;
	pg__p_text(&p, key);
	return pg__call_id(db, PG_STATE_GET, "SELECT value FROM ts_state WHERE"
			   " key = $1", &p, out, NULL, "reading state", e);
}

int pg_state_set(struct db *db, const char *key, int64_t value, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	if ((rc = db__state_key_check(key, e)))
		return rc;
	pg__p_text(&p, key);
	pg__p_int(&p, value);
	if ((rc = pg__call(db, PG_STATE_SET, "INSERT INTO ts_state (key, value)"
			   " VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET"
			   " value = excluded.value", &p, false, &r,
			   "writing state", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

static int user_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_user(r, i, row);
	return ERR_OK;
}

int pg_user_list(struct db *db,
		 int (*each)(const struct db_user *u, void *ctx), void *ctx,
		 struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_USER_LIST, "SELECT " USER_COLUMNS " FROM users"
			   " ORDER BY name COLLATE \"C\"", NULL, false, &r,
			   "listing users", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_user), user_row, NULL,
			    DB_EACH(db_user, each, ctx), e);
}

/* Run one statement binding a user name; ERR_NOT_FOUND if it changed nothing. */
static int change_by_name(struct pg_conn *c, enum pg_stmt_id id,
			  const char *sql, const char *name, bool need_change,
			  struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, name);
	if ((rc = pg__run(c, id, sql, &p, false, &r, "user", e)))
		return rc;
	if (need_change && !strcmp(PQcmdTuples(r), "0"))
		rc = err_set(e, ERR_NOT_FOUND, "no such user '%s'", name);
	PQclear(r);
	return rc;
}

int pg_user_disable(struct db *db, const char *name, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	/* the CASE keeps a disabled hash as it is: disabling twice is fine */
	rc = change_by_name(c, PG_USER_DISABLE, "UPDATE users SET password_hash ="
			    " CASE WHEN left(password_hash, 1) = '!' THEN"
			    " password_hash ELSE '!' || password_hash END"
			    " WHERE name = $1", name, true, e);
	if (!rc)
		rc = change_by_name(c, PG_USER_END_SESSIONS, "DELETE FROM sessions"
				    " WHERE user_id = (SELECT id FROM users"
				    " WHERE name = $1)", name, false, e);
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_user_delete(struct db *db, const char *name, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	/* sessions go with the user: ON DELETE CASCADE */
	rc = change_by_name(c, PG_USER_DELETE, "DELETE FROM users WHERE"
			    " name = $1", name, true, e);
	pg__conn_put(db, c);
	return rc;
}

int pg_user_set_role(struct db *db, const char *name, const char *role,
		     struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	pg__p_text(&p, role);
	pg__p_text(&p, name);
	rc = pg__call_change(db, PG_USER_SET_ROLE, "UPDATE users SET role = $1"
			     " WHERE name = $2", &p, "user", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "no user named '%s'", name);
	return rc;
}
