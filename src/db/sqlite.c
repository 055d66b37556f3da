/*
 * The SQLite backend: opening the store, the connection pool, statements and
 * errors.  The design notes are in sqlite_internal.h.
 *
 * The pool's invariants (what keeps a busy server from deadlocking on it)
 * 1. A thread holds at most one connection of a store at a time.  No store
 *    call runs inside another: a row iterator (db_*_list and the like)
 *    collects its rows, gives its connection back, and only then calls its
 *    callback, so a callback may call the store again.  The two streaming
 *    iterators of the time-series engine (db_chunks_read, db_latest_list)
 *    call back while they hold the connection: their callbacks never call
 *    the store.  "Collect, then act."
 * 2. sqlite__conn_get checks invariant 1: a thread-local marks the store
 *    whose connection this thread holds, and asking for a second one is a
 *    bug that aborts in builds without NDEBUG (the tests) and is logged in
 *    the others.
 * 3. The pool is sized to the threads that may call the store at once
 *    (db_pool_config: the HTTP workers plus the background threads), so by
 *    1 and 3 a connection is always free and conn_get never waits in a
 *    correct program.
 * 4. Should it wait all the same (a bug, or more callers than sized), it
 *    waits at most wait_ms and then fails with ERR_UNAVAILABLE naming the
 *    wait (503 over HTTP): never for ever.
 */
#include "db/sqlite_internal.h"

#include "db/backends.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/log.h"

#define POOL_MAX DB_POOL_DEFAULT
#define POOL_WAIT_MS 10000
#define BUSY_TIMEOUT_MS 10000

static const struct db_backend sqlite_backend;

/* The store whose connection this thread holds (invariant 1), or NULL. */
static _Thread_local const struct db *held_by_thread;

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

/* Invariant 2: a second connection of the same store on one thread. */
static void nested_acquire(const struct sqlite_db *db)
{
#ifndef NDEBUG
	log_error("store: a thread asked for a second connection of %s while "
		  "holding one (a store call inside a row callback?): this can "
		  "deadlock the pool; collect the rows, then act", db->path);
	abort();
#else
	static _Atomic int logged;

	if (!logged++)
		log_error("store: a thread asked for a second connection of %s "
			  "while holding one: this can deadlock the pool",
			  db->path);
#endif
}

/* The instant wait_ms from now on the pool's (monotonic) clock. */
static struct timespec deadline_after(unsigned wait_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += wait_ms / 1000;
	t.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Under db->lock: wait for a connection to come back or room to open one. */
static int wait_for_room(struct sqlite_db *db, struct err *e)
{
	struct timespec until;

	if (db->idle || db->open_conns < db->max_conns)
		return ERR_OK;
	until = deadline_after(db->wait_ms);
	db->waits++;
	while (!db->idle && db->open_conns >= db->max_conns)
		if (pthread_cond_timedwait(&db->returned, &db->lock, &until) ==
		    ETIMEDOUT && !db->idle && db->open_conns >= db->max_conns) {
			db->timeouts++;
			return err_set(e, ERR_UNAVAILABLE, "the store is busy: "
				       "all %d of its connections stayed in use "
				       "for %u ms while waiting for one",
				       db->max_conns, db->wait_ms);
		}
	return ERR_OK;
}

int sqlite__conn_get(struct db *base, struct conn **out, struct err *e)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	struct conn *c = NULL;
	bool open_new = false;
	int rc;

	/* a db_* function written for SQLite alone, outside db_ops.h */
	if (base->ops != &sqlite_backend)
		return err_set(e, ERR_INTERNAL, "store: a SQLite operation was "
			       "called on a %s store (is it missing from "
			       "db/db_ops.h?)", base->ops->name);

	if (held_by_thread == base)
		nested_acquire(db);
	pthread_mutex_lock(&db->lock);
	if ((rc = wait_for_room(db, e))) {
		pthread_mutex_unlock(&db->lock);
		return rc;
	}
	if (db->idle) {
		c = db->idle;
		db->idle = c->next;
	} else {
		db->open_conns++;
		open_new = true;
	}
	pthread_mutex_unlock(&db->lock);
	if (open_new && conn_open(db->path, SQLITE_OPEN_READWRITE, &c, e)) {
		pthread_mutex_lock(&db->lock);
		db->open_conns--;
		pthread_cond_signal(&db->returned);
		pthread_mutex_unlock(&db->lock);
		return e ? e->code : ERR_STORE;
	}
	c->held_before = held_by_thread;
	held_by_thread = base;
	*out = c;
	return ERR_OK;
}

void sqlite__conn_put(struct db *base, struct conn *c)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	held_by_thread = c->held_before;
	c->held_before = NULL;
	pthread_mutex_lock(&db->lock);
	c->next = db->idle;
	db->idle = c;
	pthread_cond_signal(&db->returned);
	pthread_mutex_unlock(&db->lock);
}

int sqlite_pool_config(struct db *base, unsigned connections,
		       unsigned wait_ms, struct err *e)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	if (connections < 1 || connections > DB_POOL_MAX)
		return err_set(e, ERR_INVALID, "store connections: %u is not "
			       "between 1 and %d", connections, DB_POOL_MAX);
	pthread_mutex_lock(&db->lock);
	db->max_conns = (int)connections;
	db->wait_ms = wait_ms ? wait_ms : POOL_WAIT_MS;
	pthread_cond_broadcast(&db->returned);
	pthread_mutex_unlock(&db->lock);
	return ERR_OK;
}

static void sqlite_pool_stats(struct db *base, struct db_pool_stats *out)
{
	struct sqlite_db *db = (struct sqlite_db *)base;

	pthread_mutex_lock(&db->lock);
	out->connections = (unsigned)db->max_conns;
	out->open = (unsigned)db->open_conns;
	out->waits = db->waits;
	out->timeouts = db->timeouts;
	pthread_mutex_unlock(&db->lock);
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

/* The pool's lock and its condition, on the monotonic clock (invariant 4). */
static int pool_init(struct sqlite_db *db)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr))
		return -1;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) ||
	     pthread_cond_init(&db->returned, &attr);
	pthread_condattr_destroy(&attr);
	if (rc)
		return -1;
	if (pthread_mutex_init(&db->lock, NULL)) {
		pthread_cond_destroy(&db->returned);
		return -1;
	}
	return 0;
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
	if (pool_init(db)) {
		free(db);
		return err_set(e, ERR_INTERNAL, "cannot set up the store's pool");
	}
	db->base.ops = &sqlite_backend;
	db->max_conns = POOL_MAX;
	db->wait_ms = POOL_WAIT_MS;
	if (conn_open(db->path, flags, &c, e))
		goto out_free;
	db->open_conns = 1;
	if (sqlite__migrate(c, e)) {
		conn_close(c);
		goto out_free;
	}
	sqlite__conn_put(&db->base, c);
	*out = &db->base;
	return ERR_OK;

out_free:
	pthread_cond_destroy(&db->returned);
	pthread_mutex_destroy(&db->lock);
	free(db);
	return e ? e->code : ERR_STORE;
}

static void sqlite_close(struct db *base)
{
	struct sqlite_db *db = (struct sqlite_db *)base;
	struct conn *c, *next;

	if (!db)
		return;
	for (c = db->idle; c; c = next) {
		next = c->next;
		conn_close(c);
	}
	pthread_cond_destroy(&db->returned);
	pthread_mutex_destroy(&db->lock);
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

int sqlite_checkpoint(struct db *db, struct err *e)
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

int sqlite__rows_collect(struct db *db, struct conn *c, sqlite3_stmt *st,
			 struct sqlite_rows *rows, size_t row_size,
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
	sqlite__call_end(db, c, st, rc);
	if (rc)
		sqlite__rows_free(rows, free_row);
	return rc;
}

void sqlite__rows_free(struct sqlite_rows *rows, void (*free_row)(void *row))
{
	if (free_row)
		for (size_t i = 0; i < rows->n; i++)
			free_row((char *)rows->v + i * rows->row_size);
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}
