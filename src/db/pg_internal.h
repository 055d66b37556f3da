/*
 * The insides of the PostgreSQL backend, shared by its files and nobody else.
 *
 * Design notes
 * 1. A store is one PostgreSQL database named by a postgresql:// URL; libpq
 *    reads the URL (host, port, user, dbname, sslmode and the other
 *    parameters pass through), the password comes from ~/.pgpass,
 *    PGPASSFILE or --data-password-file, never from the command line.
 * 2. The pool is db/pool.c's, with its invariants (db/pool.h): a
 *    call borrows one connection for its whole duration, a thread holds one
 *    at a time, the size comes from db_pool_config and a wait longer than
 *    wait_ms fails with ERR_UNAVAILABLE.  A PGresult outlives its
 *    connection, so every listing collects by nature: the rows are in the
 *    result, the connection goes back, then the callbacks run.  A
 *    connection found broken is closed instead of going back.
 * 3. Every statement is a prepared statement with $n parameters, prepared
 *    once per connection on first use (named "o<id>"); no value is ever
 *    put into SQL text.
 * 4. Writes of several statements run in BEGIN ... COMMIT; a failure rolls
 *    the whole call back.
 * 5. The schema is a list of migrations kept in schema_version; each runs
 *    in its own transaction under pg_advisory_xact_lock, so that several
 *    nodes starting at once migrate once.
 */
#ifndef OASIS_DB_PG_INTERNAL_H
#define OASIS_DB_PG_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>

#include "db/db_ops.h"
#include "db/pool.h"
#include "db/rows.h"

enum pg_stmt_id {
	PG_STATE_GET,
	PG_STATE_SET,
	PG_USER_INSERT,
	PG_USER_GET,
	PG_USER_GET_BY_ID,
	PG_USER_SET_PASSWORD,
	PG_USER_COUNT,
	PG_PLOT_COUNT,
	PG_TOKEN_INSERT,
	PG_TOKEN_FIND,
	PG_TOKEN_REVOKE,
	PG_TOKEN_LIST,
	PG_SESSION_PURGE,
	PG_SESSION_INSERT,
	PG_SESSION_FIND,
	PG_SESSION_DELETE,
	PG_DEVICE_INSERT,
	PG_DEVICE_GET,
	PG_DEVICE_LIST,
	PG_DEVICE_LIST_PLOT,
	PG_METRIC_ENSURE,
	PG_METRIC_FIND,
	PG_SERIES_FIND,
	PG_SERIES_INSERT,
	PG_SERIES_LIST,
	PG_SERIES_LIST_DEVICE,
	PG_PLOT_EXISTS,
	PG_PLOT_UPSERT,
	PG_PLOT_GET,
	PG_PLOT_DELETE,
	PG_PLOT_LIST,
	PG_PLOT_LIST_BBOX,
	PG_CHUNK_INSERT,
	PG_CHUNK_DELETE,
	PG_CHUNK_READ,
	PG_CHUNK_LOCK,
	PG_CHUNK_LOCK_SHARED,
	PG_CHUNK_RACED,
	PG_LATEST_UPSERT,
	PG_LATEST_LIST,
	PG_ALERT_RULE_INSERT,
	PG_ALERT_RULE_UPDATE,
	PG_ALERT_RULE_DELETE,
	PG_ALERT_RULE_LIST,
	PG_ALERT_INSERT,
	PG_ALERT_GET,
	PG_ALERT_UPDATE,
	PG_ALERT_LIST,
	PG_ALERT_DEAD_LETTER,
	PG_ALERT_DEAD_LETTER_COUNT,
	PG_ALERT_SET_SNAPSHOT,
	PG_SCENE_INSERT,
	PG_SCENE_STAT_INSERT,
	PG_ANOMALY_INSERT,
	PG_SCENE_GET,
	PG_SCENE_NEWEST,
	PG_SCENE_LIST,
	PG_SCENE_STATS,
	PG_INDEX_SERIES,
	PG_INDEX_PREVIOUS,
	PG_ANOMALY_LIST,
	PG_ANOMALY_LIST_SCENE,
	PG_ANOMALY_LIST_PLOT,
	PG_COMMAND_INSERT,
	PG_COMMAND_GET,
	PG_COMMAND_SET_STATE,
	PG_COMMAND_LIST,
	PG_COMMAND_DUE,
	PG_COMMAND_CLEAR_CLOSE,
	PG_RETENTION_SET,
	PG_RETENTION_LIST,
	PG_RETENTION_DELETE,
	PG_STATION_SET,
	PG_STATION_LIST,
	PG_GROUP_SET,
	PG_GROUP_CLEAR,
	PG_MEMBER_ADD,
	PG_GROUP_LIST,
	PG_EQUIPMENT_SET,
	PG_EQUIPMENT_GET,
	PG_EQUIPMENT_LIST,
	PG_SNAPSHOT_INSERT,
	PG_SNAPSHOT_TRIM,
	PG_SNAPSHOT_GET,
	PG_SNAPSHOT_LATEST,
	PG_SNAPSHOT_LIST,
	/* administration: users listed, disabled, deleted; devices deleted */
	PG_USER_LIST,
	PG_USER_DISABLE,
	PG_USER_END_SESSIONS,
	PG_USER_DELETE,
	PG_DEVICE_DELETE,
	PG_DEVICE_REVOKE_TOKENS,
	PG_USER_SET_ROLE,
	PG_DEVICE_UPDATE,
	PG_AUDIT_ADD,
	PG_AUDIT_LIST,
	PG_AUDIT_LIST_BEFORE,
	PG_METRIC_UNIT_SET,
	PG_METRIC_UNIT_LIST,
	PG_METRIC_UNIT_DELETE,
	/* many nodes on one store (pg_cluster.c) */
	PG_LEASE_ACQUIRE,
	PG_LEASE_RELEASE,
	PG_LEASE_FORGET,
	PG_LEASE_EXPIRED,
	PG_NOTIFY,
	PG_LATEST_GET,
	/* files (pg_files.c) */
	PG_FILE_PUT,
	PG_FILE_GET,
	PG_FILE_DELETE,
	PG_FILE_LIST,
	PG_STMT_COUNT_
};

struct pg_conn {
	struct pool_link link;        /* first: the pool's bookkeeping */
	PGconn *conn;
	unsigned uses;                /* times lent out (pool_keep) */
	unsigned char prepared[PG_STMT_COUNT_];
};

static inline struct pg_conn *pg_conn_of(struct pool_link *link)
{
	return (struct pg_conn *)link;
}

#define PG_MONTHS_KNOWN 64

/* The PostgreSQL store: the common head, then the pool. */
struct pg_db {
	struct db base;               /* first: a struct db * is one of these */
	char *url;                    /* as given (may hold a password) */
	char shown[512];              /* the URL without its password */
	char *password;               /* from --data-password-file, or NULL */
	struct pool pool;             /* db/pool.h */
	pthread_mutex_t lock;         /* guards months */
	/* months (since 1970-01) whose chunk partition exists, under lock */
	int64_t months[PG_MONTHS_KNOWN];
	size_t n_months;
};

static inline struct pg_db *pg_db(struct db *db)
{
	return (struct pg_db *)db;
}

/* The PostgreSQL implementations (NULL in the table where not yet). */
#define PG_OP_DECL(name, params, args) int pg_##name params;
DB_OPS(PG_OP_DECL)
#undef PG_OP_DECL

/* Borrow a connection (bounded wait, see db/pool.h); give it back. */
int pg__conn_get(struct db *db, struct pg_conn **out, struct err *e);
void pg__conn_put(struct db *db, struct pg_conn *c);
/* Give back a connection that failed transiently: close it and the idle ones. */
void pg__conn_discard(struct db *db, struct pg_conn *c);

/* The parameters of one statement, all sent as text but bytea (binary). */
#define PG_MAX_PARAMS 24
struct pg_params {
	int n;
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][32];
};

/* A text; NULL when s is NULL. */
void pg__p_text(struct pg_params *p, const char *s);
/* NULL when s is NULL or "". */
void pg__p_text_or_null(struct pg_params *p, const char *s);
void pg__p_int(struct pg_params *p, int64_t v);
/* NULL when v is not finite. */
void pg__p_real_or_null(struct pg_params *p, double v);
void pg__p_bytes(struct pg_params *p, const void *data, size_t len);

/*
 * Run statement id (prepared from sql on c at first use) with p (NULL: no
 * parameters); results in text, or binary when binary is set.  On success
 * *out holds the result (PQclear it); on failure the error is in e, named
 * by what.
 */
int pg__run(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
	    const struct pg_params *p, bool binary, PGresult **out,
	    const char *what, struct err *e);
/* The same on a connection borrowed for this one statement. */
int pg__call(struct db *db, enum pg_stmt_id id, const char *sql,
	     const struct pg_params *p, bool binary, PGresult **out,
	     const char *what, struct err *e);
/* pg__call, then ERR_NOT_FOUND ("what: not found") when no row changed. */
int pg__call_change(struct db *db, enum pg_stmt_id id, const char *sql,
		    const struct pg_params *p, const char *what, struct err *e);

/*
 * The row iterator of every listing.  r is the result of a pg__call: its
 * connection is back in the pool already, so the callbacks may call the
 * store (collect, then act).  Each row is read into a zeroed row_size
 * buffer by read, handed to each (db/rows.h) and released by free_row
 * (may be NULL); the walk stops at the first failure or non-zero answer,
 * which it returns.  r is cleared in all cases.
 */
int pg__each_row(PGresult *r, size_t row_size,
		 int (*read)(const PGresult *r, int i, void *row, struct err *e),
		 void (*free_row)(void *row), struct db_each each,
		 struct err *e);

/*
 * One number from a statement: run it (on c, or on a connection borrowed
 * for it) and read the first column of its first row into *out (0 when
 * no row came; out may be NULL); *found (may be NULL) says whether a row
 * came.  For INSERT ... RETURNING id, counts and single values.
 */
int pg__run_id(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
	       const struct pg_params *p, int64_t *out, bool *found,
	       const char *what, struct err *e);
int pg__call_id(struct db *db, enum pg_stmt_id id, const char *sql,
		const struct pg_params *p, int64_t *out, bool *found,
		const char *what, struct err *e);

/* Translate a failed result (or the connection's error) into *e. */
int pg__error(PGconn *conn, const PGresult *r, const char *what,
	      struct err *e);
/* The SQLSTATE of a failed result, or "". */
const char *pg__sqlstate(const PGresult *r);

/* Run SQL without parameters (BEGIN, COMMIT, schema). */
int pg__exec(struct pg_conn *c, const char *sql, const char *what,
	     struct err *e);
int pg__begin(struct pg_conn *c, struct err *e);
int pg__commit(struct pg_conn *c, struct err *e);
void pg__rollback(struct pg_conn *c);

/* Reading text results. */
int64_t pg__int(const PGresult *r, int row, int col);
double pg__real_or_nan(const PGresult *r, int row, int col);
void pg__copy(const PGresult *r, int row, int col, char *dst, size_t size);
/* Reading binary results: an int8 column and a bytea column. */
int64_t pg__bin_int(const PGresult *r, int row, int col);

/* Bring the schema to the newest version (pg_schema.c). */
int pg__migrate(struct pg_conn *c, bool create, const char *shown,
		struct err *e);
int pg__schema_version(struct pg_conn *c, int *out, struct err *e);
/* The SQL of the files table's migration (pg_files.c). */
extern const char pg__files_migration[];

/* Make sure the chunk partitions of the months [from_ms, to_ms] exist. */
int pg__partitions_ensure(struct db *db, int64_t from_ms, int64_t to_ms,
			  struct err *e);

#endif
