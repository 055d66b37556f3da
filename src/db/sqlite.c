/*
 * The SQLite backend: opening the store, the connection pool, statements and
 * errors.  The design notes are in sqlite_internal.h.
 *
 * The pool (db/pool.c) keeps its invariants, written in db/pool.h: a
 * thread holds one connection of a store at a time, listings collect their
 * rows before calling back ("collect, then act"), the pool is sized to the
 * callers and a wait for a connection is bounded.
 */
#include "db/sqlite_internal.h"

#include "db/backends.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/log.h"

#define BUSY_TIMEOUT_MS 10000

static const struct db_backend sqlite_backend;

int sqlite__error(struct conn *c, int rc, const char *what, struct err *e)
{
	const char *msg = c && c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_FULL:
		return err_set(e, ERR_FULL, "%s: the disk is full (%s)", what, msg);
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return err_set(e, ERR_EXISTS, "%s: already exists", what);
		return err_set(e, ERR_INVALID, "%s: %s", what, msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, ERR_UNAVAILABLE, "%s: the store is busy (%s)", what, msg);
	case SQLITE_NOMEM:
		return err_nomem(e);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return err_set(e, ERR_STORE, "%s: the store file is damaged (%s)", what, msg);
	default:
		return err_set(e, ERR_STORE, "%s: %s", what, msg);
	}
}

int sqlite__exec(struct conn *c, const char *sql, struct err *e)
{
	int rc = sqlite3_exec(c->handle, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? ERR_OK : sqlite__error(c, rc, "store", e);
}

int sqlite__stmt(struct conn *c, enum stmt_id id, const char *sql,
		 sqlite3_stmt **out, struct err *e)
{
	sqlite3_stmt *st = c->stmts[id];
	int rc;

	if (db__statement_fails())
		return err_set(e, ERR_STORE, "store: an injected failure");
	if (!st) {
		rc = sqlite3_prepare_v3(c->handle, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &st, NULL);
		if (rc != SQLITE_OK)
			return sqlite__error(c, rc, "preparing a statement", e);
		c->stmts[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	*out = st;
	return ERR_OK;
}

int sqlite__bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

void sqlite__column_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

void sqlite__bind_real_or_null(sqlite3_stmt *st, int idx, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

double sqlite__column_real_or_nan(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

static void conn_close(struct conn *c)
{
	for (int i = 0; i < ST_COUNT_; i++)
		sqlite3_finalize(c->stmts[i]);
	sqlite3_close_v2(c->handle);
	free(c);
}

static int conn_open(const char *path, int flags, struct conn **out,
		     struct err *e)
{
	struct conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return err_nomem(e);
	rc = sqlite3_open_v2(path, &c->handle, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, ERR_STORE, "cannot open the store %s: %s", path,
			c->handle ? sqlite3_errmsg(c->handle) : sqlite3_errstr(rc));
		goto out_close;
	}
	sqlite3_extended_result_codes(c->handle, 1);
	sqlite3_busy_timeout(c->handle, BUSY_TIMEOUT_MS);
	if (sqlite__exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;", e))
		goto out_close;
	*out = c;
	return ERR_OK;

out_close:
	conn_close(c);
	return e ? e->code : ERR_STORE;
}

static struct sqlite_db *sqlite_db_of(struct pool *p)
{
	return (struct sqlite_db *)((char *)p - offsetof(struct sqlite_db, pool));
}

static int pool_open(struct pool *p, struct pool_link **out, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = conn_open(sqlite_db_of(p)->path, SQLITE_OPEN_READWRITE, &c, e)))
		return rc;
	*out = &c->link;
	return ERR_OK;
}

static void pool_close(struct pool_link *link)
{
	conn_close(sqlite_conn_of(link));
}

static const struct pool_ops sqlite_pool_ops = {
	.open = pool_open,
	.close = pool_close,
};

int sqlite__conn_get(struct db *base, struct conn **out, struct err *e)
{
	struct pool_link *link;
	int rc;

	/* a db_* function written for SQLite alone, outside db_ops.h */
	if (base->ops != &sqlite_backend) {
		err_set(e, ERR_INTERNAL, "store: a SQLite operation was called "
			"on a %s store (is it missing from db/db_ops.h?)",
			base->ops->name);
		return ERR_INTERNAL;
	}
	if ((rc = pool_get(&((struct sqlite_db *)base)->pool, &link, e)))
		return rc;
	*out = sqlite_conn_of(link);
	return ERR_OK;
}

void sqlite__conn_put(struct db *base, struct conn *c)
{
	pool_put(&((struct sqlite_db *)base)->pool, &c->link);
}

int sqlite_pool_config(struct db *base, unsigned connections,
		       unsigned wait_ms, struct err *e)
{
	return pool_config(&((struct sqlite_db *)base)->pool, connections,
			   wait_ms, e);
}

static void sqlite_pool_stats(struct db *base, struct db_pool_stats *out)
{
	pool_stats(&((struct sqlite_db *)base)->pool, out);
}

static int make_store_dir(const char *dir, struct err *e)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return err_set(e, ERR_INVALID, "bad store folder '%s'", dir);
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		goto fail;
	return ERR_OK;
fail:
	return err_set(e, ERR_IO, "cannot create the store folder %s: %s", path,
		       strerror(errno));
}

static void sqlite_close(struct db *base);

static const struct db_backend sqlite_backend = {
	.name = "SQLite",
	.close = sqlite_close,
	.pool_stats = sqlite_pool_stats,
#define SQLITE_OP(name, params, args) .name = sqlite_##name,
	DB_OPS(SQLITE_OP)
#undef SQLITE_OP
};

int sqlite_open(const char *dir, bool create, struct db **out, struct err *e)
{
	struct sqlite_db *db;
	struct conn *c;
	struct stat st;
	int flags = SQLITE_OPEN_READWRITE;

	if (sqlite3_threadsafe() == 0)
		return err_set(e, ERR_INTERNAL, "SQLite was built without threads");
	db = calloc(1, sizeof(*db));
	if (!db)
		return err_nomem(e);
	if ((size_t)snprintf(db->path, sizeof(db->path), "%s/oasis.db", dir) >=
	    sizeof(db->path)) {
		free(db);
		return err_set(e, ERR_INVALID, "store folder path too long");
	}
	if (stat(db->path, &st) != 0) {
		if (!create) {
			free(db);
			return err_set(e, ERR_NOT_FOUND, "no store in %s (run "
				       "`oasis init --data %s` first)", dir, dir);
		}
		if (make_store_dir(dir, e)) {
			free(db);
			return e->code;
		}
		flags |= SQLITE_OPEN_CREATE;
	}
	if (pool_init(&db->pool, &sqlite_pool_ops, db->path, e)) {
		free(db);
		return e ? e->code : ERR_INTERNAL;
	}
	db->base.ops = &sqlite_backend;
	if (conn_open(db->path, flags, &c, e))
		goto out_free;
	if (sqlite__migrate(c, e) || sqlite__exec(c, DB_STATE_RENAMES_SQL, e)) {
		conn_close(c);
		goto out_free;
	}
	pool_adopt(&db->pool, &c->link);
	*out = &db->base;
	return ERR_OK;

out_free:
	pool_destroy(&db->pool);
	free(db);
	return e ? e->code : ERR_STORE;
}

static void sqlite_close(struct db *base)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	if (!db)
		return;
	pool_destroy(&db->pool);
	free(db);
}

int sqlite_schema_version(struct db *db, int *out, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	rc = sqlite__schema_version(c, out, e);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite__call_begin(struct db *db, enum stmt_id id, const char *sql,
		       struct conn **c, sqlite3_stmt **st, struct err *e)
{
	int rc;

	if ((rc = sqlite__conn_get(db, c, e)))
		return rc;
	if ((rc = sqlite__stmt(*c, id, sql, st, e))) {
		sqlite__conn_put(db, *c);
		return rc;
	}
	return ERR_OK;
}

int sqlite__call_end(struct db *db, struct conn *c, sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite__step_change(struct conn *c, sqlite3_stmt *st, const char *what,
			struct err *e)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return sqlite__error(c, rc, what, e);
	if (sqlite3_changes(c->handle) == 0)
		return err_set(e, ERR_NOT_FOUND, "%s: not found", what);
	return ERR_OK;
}

int sqlite__begin(struct conn *c, struct err *e)
{
	return sqlite__exec(c, "BEGIN IMMEDIATE", e);
}

void sqlite__rollback(struct conn *c)
{
	sqlite3_exec(c->handle, "ROLLBACK", NULL, NULL, NULL);
}

/* db_flush: the write-ahead log folded into oasis.db and truncated. */
int sqlite_flush(struct db *db, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	rc = sqlite__exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", e);
	sqlite__conn_put(db, c);
	return rc;
}

/* ---- collect, then act (invariant 1) ------------------------------------- */

static void *rows_next(struct sqlite_rows *rows)
{
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 16;
		void *v = realloc(rows->v, cap * rows->row_size);

		if (!v)
			return NULL;
		rows->v = v;
		rows->cap = cap;
	}
	return (char *)rows->v + rows->n * rows->row_size;
}

void sqlite__rows_free(struct sqlite_rows *rows, void (*free_row)(void *row))
{
	if (free_row)
		for (size_t i = 0; i < rows->n; i++)
			free_row((char *)rows->v + i * rows->row_size);
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

/*
 * Step st to its end, reading each row into a new element of rows
 * (row_size bytes each) with read, then give c back and reset st (finalize
 * it when own) whatever happened; on failure the rows read so far are
 * freed.
 */
int sqlite__rows_collect(struct db *db, struct conn *c, sqlite3_stmt *st,
			 bool own, struct sqlite_rows *rows, size_t row_size,
			 int (*read)(sqlite3_stmt *st, void *row, struct err *e),
			 void (*free_row)(void *row), const char *what,
			 struct err *e)
{
	void *row;
	int rc = ERR_OK, step;

	memset(rows, 0, sizeof(*rows));
	rows->row_size = row_size;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(row = rows_next(rows))) {
			rc = err_nomem(e);
			break;
		}
		memset(row, 0, row_size);
		if ((rc = read(st, row, e)))
			break;
		rows->n++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = sqlite__error(c, step, what, e);
	if (own) {
		sqlite3_finalize(st);
		sqlite__conn_put(db, c);
	} else {
		sqlite__call_end(db, c, st, rc);
	}
	if (rc)
		sqlite__rows_free(rows, free_row);
	return rc;
}

int sqlite__each_row(struct db *db, struct conn *c, sqlite3_stmt *st,
		     size_t row_size,
		     int (*read)(sqlite3_stmt *st, void *row, struct err *e),
		     void (*free_row)(void *row), struct db_each each,
		     const char *what, struct err *e)
{
	struct sqlite_rows rows;
	int rc;

	if ((rc = sqlite__rows_collect(db, c, st, false, &rows, row_size, read,
				       free_row, what, e)))
		return rc;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each.call(&each, (char *)rows.v + i * row_size);
	sqlite__rows_free(&rows, free_row);
	return rc;
}
