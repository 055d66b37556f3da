/*
 * The insides of the SQLite backend, shared by its files and nobody else.
 *
 * Design notes
 * 1. One store is one file, DIR/oasis.db, in WAL mode with foreign keys on
 *    and a busy timeout, so readers never block the writer and short write
 *    contention waits instead of failing.
 * 2. A struct db owns a pool of connections.  Each db_* call borrows one
 *    connection for its whole duration (conn_get/conn_put), so a call is
 *    one transaction on one connection and threads never share a handle.
 *    A thread holds one connection at a time: listings collect their rows
 *    before calling back (the pool's invariants are at the top of
 *    db/pool.h).
 * 3. Every statement is prepared once per connection, on first use, with
 *    SQLITE_PREPARE_PERSISTENT, and kept in the connection's table; calls
 *    bind, step and reset.
 * 4. Writes run in BEGIN IMMEDIATE ... COMMIT: the write lock is taken up
 *    front, so two writers never deadlock upgrading a read lock, and a
 *    failure anywhere rolls the whole call back.
 * 5. The schema is a list of migrations applied in order; schema_version
 *    holds the highest applied.  Each migration commits atomically with its
 *    version row.
 */
#ifndef OASIS_DB_SQLITE_INTERNAL_H
#define OASIS_DB_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "db/db_ops.h"
#include "db/pool.h"
#include "db/rows.h"

enum stmt_id {
	ST_USER_INSERT,
	ST_USER_GET,
	ST_USER_GET_BY_ID,
	ST_USER_SET_PASSWORD,
	ST_USER_COUNT,
	ST_TOKEN_INSERT,
	ST_TOKEN_FIND,
	ST_TOKEN_REVOKE,
	ST_TOKEN_LIST,
	ST_SESSION_INSERT,
	ST_SESSION_FIND,
	ST_SESSION_DELETE,
	ST_SESSION_PURGE,
	ST_PLOT_EXISTS,
	ST_PLOT_UPSERT,
	ST_PLOT_GET,
	ST_PLOT_DELETE,
	ST_PLOT_LIST,
	ST_PLOT_COUNT,
	ST_DEVICE_INSERT,
	ST_DEVICE_GET,
	ST_DEVICE_LIST,
	ST_DEVICE_LIST_PLOT,
	ST_METRIC_FIND,
	ST_METRIC_INSERT,
	ST_SERIES_FIND,
	ST_SERIES_INSERT,
	ST_SERIES_LIST,
	ST_SERIES_LIST_DEVICE,
	ST_CHUNK_INSERT,
	ST_CHUNK_DELETE,
	ST_CHUNK_READ,
	ST_LATEST_UPSERT,
	ST_LATEST_LIST,
	ST_STATE_SET,
	ST_STATE_GET,
	ST_RETENTION_SET,
	ST_RETENTION_LIST,
	ST_RETENTION_DELETE,
	ST_COMMAND_INSERT,
	ST_COMMAND_GET,
	ST_COMMAND_SET_STATE,
	ST_COMMAND_LIST,
	ST_COMMAND_DUE,
	ST_COMMAND_CLEAR_CLOSE,
	ST_STATION_SET,
	ST_STATION_LIST,
	ST_GROUP_SET,
	ST_GROUP_CLEAR,
	ST_MEMBER_ADD,
	ST_GROUP_LIST,
	/* imagery (sqlite_imagery.c) */
	ST_SCENE_INSERT,
	ST_SCENE_STAT_INSERT,
	ST_ANOMALY_INSERT,
	ST_SCENE_GET,
	ST_SCENE_LIST,
	ST_SCENE_NEWEST,
	ST_INDEX_SERIES,
	ST_INDEX_PREVIOUS,
	ST_ANOMALY_LIST,
	ST_ANOMALY_LIST_SCENE,
	ST_ANOMALY_LIST_PLOT,
	ST_SCENE_STATS,
	/* fleet (src/db/sqlite_fleet.c): equipment and camera snapshots */
	ST_EQUIPMENT_SET,
	ST_EQUIPMENT_GET,
	ST_EQUIPMENT_LIST,
	ST_SNAPSHOT_INSERT,
	ST_SNAPSHOT_TRIM,
	ST_SNAPSHOT_GET,
	ST_SNAPSHOT_LATEST,
	ST_SNAPSHOT_LIST,
	/* alert/: rules, alerts, dead letters (sqlite_alerts.c) */
	ST_ALERT_RULE_INSERT,
	ST_ALERT_RULE_UPDATE,
	ST_ALERT_RULE_DELETE,
	ST_ALERT_RULE_LIST,
	ST_ALERT_INSERT,
	ST_ALERT_GET,
	ST_ALERT_UPDATE,
	ST_ALERT_LIST,
	ST_ALERT_DEAD_LETTER,
	ST_ALERT_DEAD_LETTER_COUNT,
	ST_ALERT_SET_SNAPSHOT,
	/* administration: users listed, disabled, deleted; devices deleted */
	ST_USER_LIST,
	ST_USER_DISABLE,
	ST_USER_END_SESSIONS,
	ST_USER_DELETE,
	ST_DEVICE_DELETE,
	ST_DEVICE_REVOKE_TOKENS,
	ST_USER_SET_ROLE,
	ST_DEVICE_UPDATE,
	ST_AUDIT_ADD,
	ST_AUDIT_LIST,
	ST_AUDIT_LIST_BEFORE,
	ST_METRIC_UNIT_SET,
	ST_METRIC_UNIT_LIST,
	ST_METRIC_UNIT_DELETE,
	/* files (sqlite_files.c) */
	ST_FILE_PUT,
	ST_FILE_GET,
	ST_FILE_DELETE,
	ST_FILE_LIST,
	ST_COUNT_
};

struct conn {
	struct pool_link link;        /* first: the pool's bookkeeping */
	sqlite3 *handle;
	sqlite3_stmt *stmts[ST_COUNT_];
};

static inline struct conn *sqlite_conn_of(struct pool_link *link)
{
	return (struct conn *)link;
}

/* The SQLite store: the common head, then the pool (db/pool.h). */
struct sqlite_db {
	struct db base;               /* first: a struct db * is one of these */
	char path[4096];
	struct pool pool;
};

/* The SQLite implementations of the operations of db_ops.h. */
#define SQLITE_OP_DECL(name, params, args) int sqlite_##name params;
DB_OPS(SQLITE_OP_DECL)
#undef SQLITE_OP_DECL

/*
 * Borrow a connection (opening one if the pool allows), and give it back.
 * A thread holds one connection at a time (see the invariants at the top
 * of db/pool.h); conn_get waits at most the pool's wait, then
 * ERR_UNAVAILABLE.
 */
int sqlite__conn_get(struct db *db, struct conn **out, struct err *e);
void sqlite__conn_put(struct db *db, struct conn *c);

/*
 * The statement cached in slot id of c, prepared from sql on first use; it
 * comes reset with its bindings cleared.  Each slot always holds one SQL text.
 */
int sqlite__stmt(struct conn *c, enum stmt_id id, const char *sql,
		 sqlite3_stmt **out, struct err *e);

/*
 * The common shape of a one-statement call: borrow a connection and get its
 * statement (call_begin), bind and step, then give the connection back
 * (call_end, which passes rc through).
 */
int sqlite__call_begin(struct db *db, enum stmt_id id, const char *sql,
		       struct conn **c, sqlite3_stmt **st, struct err *e);
int sqlite__call_end(struct db *db, struct conn *c, sqlite3_stmt *st, int rc);

/* Step a statement that changes rows; ERR_NOT_FOUND when none changed. */
int sqlite__step_change(struct conn *c, sqlite3_stmt *st, const char *what,
			struct err *e);

/*
 * The row iterator of every listing.  Collect, then act: sqlite__each_row
 * steps st (from call_begin, bound) to its end, reading each row into
 * memory (row_size bytes, zeroed, filled by read), gives c back (call_end)
 * whatever happened, and only then hands each row to each (db/rows.h) in
 * order, stopping at the first non-zero answer, which it returns.  The
 * rows are released with free_row (may be NULL) at the end, so a callback
 * must copy what it keeps.  A failure before the callbacks calls none.
 */
struct sqlite_rows {
	void *v;
	size_t n, cap, row_size;
};

int sqlite__each_row(struct db *db, struct conn *c, sqlite3_stmt *st,
		     size_t row_size,
		     int (*read)(sqlite3_stmt *st, void *row, struct err *e),
		     void (*free_row)(void *row), struct db_each each,
		     const char *what, struct err *e);
/*
 * The collecting half of sqlite__each_row, for the listings that hand rows
 * on themselves (sqlite_sites.c, sqlite_workorders.c): st's rows into
 * *rows, then c given back and st reset (a cached statement) or, when own
 * (prepared for this call alone), finalized.  On failure nothing is kept.
 */
int sqlite__rows_collect(struct db *db, struct conn *c, sqlite3_stmt *st,
			 bool own, struct sqlite_rows *rows, size_t row_size,
			 int (*read)(sqlite3_stmt *st, void *row, struct err *e),
			 void (*free_row)(void *row), const char *what,
			 struct err *e);
/* Release collected rows (each with free_row, may be NULL). */
void sqlite__rows_free(struct sqlite_rows *rows, void (*free_row)(void *row));

/* Translate the connection's last SQLite error into *e, with context. */
int sqlite__error(struct conn *c, int rc, const char *what, struct err *e);

/* Run SQL with no results (BEGIN, COMMIT, schema). */
int sqlite__exec(struct conn *c, const char *sql, struct err *e);

/* Bring the schema to the newest version. */
int sqlite__migrate(struct conn *c, struct err *e);
int sqlite__schema_version(struct conn *c, int *out, struct err *e);
/* The SQL of the files table's migration (sqlite_files.c). */
extern const char sqlite__files_migration[];

/* Run BEGIN IMMEDIATE, and ROLLBACK after a failure. */
int sqlite__begin(struct conn *c, struct err *e);
void sqlite__rollback(struct conn *c);

/* Bind a text, or NULL when s is empty. */
int sqlite__bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);
/* Bind a real, or NULL when v is not finite; read one back (NAN for NULL). */
void sqlite__bind_real_or_null(sqlite3_stmt *st, int idx, double v);
double sqlite__column_real_or_nan(sqlite3_stmt *st, int col);
/* Copy column text into a fixed buffer ("" for NULL). */
void sqlite__column_copy(sqlite3_stmt *st, int col, char *dst, size_t size);

#endif
