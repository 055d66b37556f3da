/*
 * The PostgreSQL backend: opening the store, the connection pool,
 * statements and errors.  The design notes are in pg_internal.h; the
 * pool is db/pool.c's, with its invariants (one connection per thread at a
 * time, collect then act, sized to the callers, a bounded wait).
 */
#include "db/pg_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/backends.h"
#include "db/pg_retry.h"
#include "util/log.h"

/*
 * The operations on PostgreSQL so far, one line each; the others answer
 * ERR_UNSUPPORTED ("db_NAME: not yet on PostgreSQL").  docs/POSTGRES.md
 * lists the same.
 */
#define PG_DONE(X) \
	X(schema_version) X(pool_config) X(flush) \
	X(user_create) X(user_get) X(user_get_by_id) X(user_set_password) \
	X(user_count) X(user_list) X(user_disable) X(user_delete) \
	X(token_create) X(token_find) X(token_revoke) \
	X(token_list) X(session_create) X(session_find) X(session_delete) \
	X(state_get) X(state_set) \
	X(device_create) X(devices_create) X(device_get) X(device_list) \
	X(device_delete) \
	X(series_ensure) X(series_ensure_many) X(series_list) \
	X(plots_upsert) X(plots_exist) X(plot_get) X(plot_delete) \
	X(plot_list) X(plot_count) \
	X(chunks_write) X(chunks_read) X(chunks_read_view) X(latest_list) \
	X(chunks_maintain) \
	X(alert_rule_save) X(alert_rule_delete) X(alert_rule_list) \
	X(alert_open) X(alert_get) X(alert_update) X(alert_list) \
	X(alert_dead_letter) X(alert_dead_letter_count) X(alert_set_snapshot) \
	X(scene_add) X(scene_get) X(scene_newest) X(scene_list) \
	X(scene_stats) X(index_series) X(index_previous) X(anomaly_list) \
	X(command_create) X(command_get) X(command_set_state) \
	X(command_list) X(command_due) X(command_clear_close) \
	X(retention_set) X(retention_list) X(retention_delete) \
	X(station_set) X(station_list) X(group_set) X(group_list) \
	X(equipment_set) X(equipment_get) X(equipment_list) \
	X(snapshot_add) X(snapshot_get) X(snapshot_list) \
	X(file_put) X(file_get) X(file_delete) X(file_list) \
	X(rows_count) X(rows_read) X(rows_write) X(rows_clear) X(rows_finish) \
	X(lease_acquire) X(lease_release) X(lease_expired) X(notify) X(listen) X(latest_get) \
	X(site_create) X(site_update) X(site_get) X(site_list) \
	X(site_assign) X(site_members) X(pv_import) X(pv_equipment_list) \
	X(workorder_create) X(workorder_get) X(workorder_list) \
	X(workorder_update) X(workorder_comment_add) X(workorder_comments) \
	X(user_set_role) X(device_update) \
	X(audit_add) X(audit_list) \
	X(metric_unit_set) X(metric_unit_list) X(metric_unit_delete)

static void pg_close(struct db *db);
static void pg_pool_stats(struct db *db, struct db_pool_stats *out);

static const struct db_backend pg_backend = {
	.name = "PostgreSQL",
	.close = pg_close,
	.pool_stats = pg_pool_stats,
#define PG_OP(name) .name = pg_##name,
	PG_DONE(PG_OP)
#undef PG_OP
};

/* ---- errors --------------------------------------------------------------- */

const char *pg__sqlstate(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

/* The first line of a libpq message, without its "ERROR:  " nor newline. */
static void first_line(const char *msg, char *out, size_t size)
{
	size_t n;

	if (!msg)
		msg = "";
	if (!strncmp(msg, "ERROR:  ", 8))
		msg += 8;
	n = strcspn(msg, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

int pg__error(PGconn *conn, const PGresult *r, const char *what,
	      struct err *e)
{
	const char *state = pg__sqlstate(r);
	char msg[256];

	first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn), msg,
		   sizeof(msg));
	pg_retry__note(state, msg); /* a failover's failures are retried */
	/* 25006: a read-only server (a standby, a failover under way) */
	if (!*state || !strncmp(state, "08", 2) || !strncmp(state, "57P", 3) ||
	    !strcmp(state, "25006"))
		return err_set(e, ERR_UNAVAILABLE, "%s: the PostgreSQL server "
			       "cannot be reached (%s)", what, msg);
	if (!strcmp(state, "23505"))
		return err_set(e, ERR_EXISTS, "%s: already exists", what);
	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
		return err_set(e, ERR_INVALID, "%s: %s", what, msg);
	if (!strcmp(state, "53100"))
		return err_set(e, ERR_FULL, "%s: the database's disk is full (%s)",
			       what, msg);
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
	    !strcmp(state, "55P03") || !strncmp(state, "53", 2))
		return err_set(e, ERR_UNAVAILABLE, "%s: the store is busy (%s)",
			       what, msg);
	if (!strncmp(state, "28", 2) || !strcmp(state, "42501"))
		return err_set(e, ERR_FORBIDDEN, "%s: PostgreSQL refused (%s)",
			       what, msg);
	return err_set(e, ERR_STORE, "%s: %s", what, msg);
}

/* ---- parameters and results ---------------------------------------------- */

static int p_next(struct pg_params *p)
{
	if (p->n >= PG_MAX_PARAMS) {
		/* a bug in a statement's code: fail loudly in tests */
		log_error("store: more than %d parameters", PG_MAX_PARAMS);
		abort();
	}
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	return p->n++;
}

void pg__p_text(struct pg_params *p, const char *s)
{
	int i = p_next(p);

	p->v[i] = s; /* NULL stays NULL: a NOT NULL column refuses it */
}

void pg__p_text_or_null(struct pg_params *p, const char *s)
{
	int i = p_next(p);

	p->v[i] = s && *s ? s : NULL;
}

void pg__p_int(struct pg_params *p, int64_t v)
{
	int i = p_next(p);

	snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
	p->v[i] = p->num[i];
}

void pg__p_real_or_null(struct pg_params *p, double v)
{
	int i = p_next(p);

	if (!isfinite(v)) {
		p->v[i] = NULL;
		return;
	}
	snprintf(p->num[i], sizeof(p->num[i]), "%.17g", v);
	p->v[i] = p->num[i];
}

void pg__p_bytes(struct pg_params *p, const void *data, size_t len)
{
	int i = p_next(p);

	p->v[i] = data ? data : "";
	p->len[i] = (int)len;
	p->fmt[i] = 1;
}

int64_t pg__int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0
		: strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double pg__real_or_nan(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NAN
		: strtod(PQgetvalue(r, row, col), NULL);
}

void pg__copy(const PGresult *r, int row, int col, char *dst, size_t size)
{
	snprintf(dst, size, "%s", PQgetisnull(r, row, col) ? ""
		 : PQgetvalue(r, row, col));
}

int64_t pg__bin_int(const PGresult *r, int row, int col)
{
	const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
	uint64_t v = 0;

	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return (int64_t)v;
}

/* ---- statements ----------------------------------------------------------- */

int pg__exec(struct pg_conn *c, const char *sql, const char *what,
	     struct err *e)
{
	PGresult *r = PQexec(c->conn, sql);
	int rc = ERR_OK;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg__error(c->conn, r, what, e);
	PQclear(r);
	return rc;
}

int pg__begin(struct pg_conn *c, struct err *e)
{
	return pg__exec(c, "BEGIN", "starting a transaction", e);
}

int pg__commit(struct pg_conn *c, struct err *e)
{
	return pg__exec(c, "COMMIT", "committing", e);
}

void pg__rollback(struct pg_conn *c)
{
	PQclear(PQexec(c->conn, "ROLLBACK"));
}

int pg__run(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
	    const struct pg_params *p, bool binary, PGresult **out,
	    const char *what, struct err *e)
{
	char name[16];
	PGresult *r;
	int n = p ? p->n : 0;

	if (db__statement_fails())
		return err_set(e, ERR_STORE, "%s: an injected failure", what);
	snprintf(name, sizeof(name), "o%d", (int)id);
	if (!c->prepared[id]) {
		r = PQprepare(c->conn, name, sql, n, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			int rc = pg__error(c->conn, r, what, e);

			PQclear(r);
			return rc;
		}
		PQclear(r);
		c->prepared[id] = 1;
	}
	r = PQexecPrepared(c->conn, name, n, p ? p->v : NULL,
			   p ? p->len : NULL, p ? p->fmt : NULL, binary ? 1 : 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		int rc = pg__error(c->conn, r, what, e);

		PQclear(r);
		return rc;
	}
	*out = r;
	return ERR_OK;
}

struct call {
	enum pg_stmt_id id;
	const char *sql;
	const struct pg_params *p;
	bool binary;
	PGresult **out;
	const char *what;
};

static int call_on(struct pg_conn *c, void *ctx, struct err *e)
{
	struct call *a = ctx;

	return pg__run(c, a->id, a->sql, a->p, a->binary, a->out, a->what, e);
}

/* One statement, retried through a failover (pg_retry.h). */
int pg__call(struct db *db, enum pg_stmt_id id, const char *sql,
	     const struct pg_params *p, bool binary, PGresult **out,
	     const char *what, struct err *e)
{
	struct call a = { id, sql, p, binary, out, what };

	return pg_retry_run(db, call_on, &a, e);
}

int pg__call_change(struct db *db, enum pg_stmt_id id, const char *sql,
		    const struct pg_params *p, const char *what, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, id, sql, p, false, &r, what, e)))
		return rc;
	if (!strcmp(PQcmdTuples(r), "0"))
		rc = err_set(e, ERR_NOT_FOUND, "%s: not found", what);
	PQclear(r);
	return rc;
}

/* The first column of r's first row into *out, *found (both may be NULL). */
static void read_id(PGresult *r, int64_t *out, bool *found)
{
	if (found)
		*found = PQntuples(r) > 0;
	if (out)
		*out = PQntuples(r) ? pg__int(r, 0, 0) : 0;
	PQclear(r);
}

int pg__run_id(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
	       const struct pg_params *p, int64_t *out, bool *found,
	       const char *what, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__run(c, id, sql, p, false, &r, what, e)))
		return rc;
	read_id(r, out, found);
	return ERR_OK;
}

int pg__call_id(struct db *db, enum pg_stmt_id id, const char *sql,
		const struct pg_params *p, int64_t *out, bool *found,
		const char *what, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, id, sql, p, false, &r, what, e)))
		return rc;
	read_id(r, out, found);
	return ERR_OK;
}

int pg__each_row(PGresult *r, size_t row_size,
		 int (*read)(const PGresult *r, int i, void *row, struct err *e),
		 void (*free_row)(void *row), struct db_each each,
		 struct err *e)
{
	void *row = malloc(row_size);
	int rc = ERR_OK;

	if (!row)
		rc = err_nomem(e);
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		memset(row, 0, row_size);
		if (!(rc = read(r, i, row, e)))
			rc = each.call(&each, row);
		if (free_row)
			free_row(row);
	}
	free(row);
	PQclear(r);
	return rc;
}

/* ---- the pool ------------------------------------------------------------- */

static void conn_close(struct pg_conn *c)
{
	PQfinish(c->conn);
	free(c);
}

static int conn_open(struct pg_db *db, struct pg_conn **out, struct err *e)
{
	const char *keys[] = { "dbname", "fallback_application_name",
			       db->password ? "password" : NULL, NULL };
	const char *values[] = { db->url, "oasis", db->password, NULL };
	struct pg_conn *c = calloc(1, sizeof(*c));
	char msg[256];

	if (!c)
		return err_nomem(e);
	c->conn = PQconnectdbParams(keys, values, 1);
	if (!c->conn) {
		free(c);
		return err_nomem(e);
	}
	if (PQstatus(c->conn) != CONNECTION_OK) {
		first_line(PQerrorMessage(c->conn), msg, sizeof(msg));
		conn_close(c);
		if (strstr(msg, "does not exist"))
			return err_set(e, ERR_NOT_FOUND, "cannot open the store "
				       "%s: %s (create the database first)",
				       db->shown, msg);
		if (strstr(msg, "password") || strstr(msg, "authentication"))
			return err_set(e, ERR_UNAUTHORIZED, "cannot open the "
				       "store %s: %s (the password comes from "
				       "~/.pgpass, PGPASSFILE or "
				       "--data-password-file)", db->shown, msg);
		pg_retry__note("", msg);
		return err_set(e, ERR_UNAVAILABLE, "cannot open the store %s: %s",
			       db->shown, msg);
	}
	/* every timestamp Oasis stores is an integer; keep the session neutral */
	if (pg__exec(c, "SET TIME ZONE 'UTC'; SET client_min_messages TO warning",
		     "opening the store", e)) {
		conn_close(c);
		return e ? e->code : ERR_STORE;
	}
	*out = c;
	return ERR_OK;
}

static struct pg_db *pg_db_of(struct pool *p)
{
	return (struct pg_db *)((char *)p - offsetof(struct pg_db, pool));
}

static int pool_open(struct pool *p, struct pool_link **out, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = conn_open(pg_db_of(p), &c, e)))
		return rc;
	*out = &c->link;
	return ERR_OK;
}

static void pool_close(struct pool_link *link)
{
	conn_close(pg_conn_of(link));
}

/*
 * A connection goes back idle and healthy, or is closed (invariant 5); one
 * lent out PG_CONN_MAX_USES times is closed too, its successor opened when
 * needed.  A server process that ran a compaction's thousands of reads
 * went on reading 3 to 5 times slower than a new one (the plan's chunk
 * reads: 1.1 s against 0.2 s of the server's time, docs/POSTGRES.md).
 */
#define PG_CONN_MAX_USES 1000

static bool pool_keep(struct pool_link *link)
{
	struct pg_conn *c = pg_conn_of(link);

	if (PQstatus(c->conn) == CONNECTION_OK &&
	    PQtransactionStatus(c->conn) != PQTRANS_IDLE)
		pg__rollback(c); /* a call left a transaction open: a bug */
	return PQstatus(c->conn) == CONNECTION_OK &&
	       PQtransactionStatus(c->conn) == PQTRANS_IDLE &&
	       ++c->uses < PG_CONN_MAX_USES;
}

static const struct pool_ops pg_pool_ops = {
	.open = pool_open,
	.close = pool_close,
	.keep = pool_keep,
};

int pg__conn_get(struct db *base, struct pg_conn **out, struct err *e)
{
	struct pool_link *link;
	int rc;

	/* a db_* function written for PostgreSQL alone, outside db_ops.h */
	if (base->ops != &pg_backend) {
		err_set(e, ERR_INTERNAL, "store: a PostgreSQL operation was "
			"called on a %s store (is it missing from "
			"db/db_ops.h?)", base->ops->name);
		return ERR_INTERNAL;
	}
	if ((rc = pool_get(&pg_db(base)->pool, &link, e)))
		return rc;
	*out = pg_conn_of(link);
	return ERR_OK;
}

void pg__conn_put(struct db *base, struct pg_conn *c)
{
	pool_put(&pg_db(base)->pool, &c->link);
}

/*
 * A connection that failed transiently: closed, and with it the idle ones
 * (opened before it, to the same server, most likely gone too).
 */
void pg__conn_discard(struct db *base, struct pg_conn *c)
{
	pool_discard(&pg_db(base)->pool, &c->link);
}

int pg_pool_config(struct db *base, unsigned connections, unsigned wait_ms,
		   struct err *e)
{
	return pool_config(&pg_db(base)->pool, connections, wait_ms, e);
}

static void pg_pool_stats(struct db *base, struct db_pool_stats *out)
{
	pool_stats(&pg_db(base)->pool, out);
}

/* ---- opening -------------------------------------------------------------- */

static void pg_free(struct pg_db *db)
{
	if (db->password) {
		memset(db->password, 0, strlen(db->password));
		free(db->password);
	}
	free(db->url);
	free(db);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int pg_open(const char *url, bool create, struct db **out, struct err *e)
{
	struct pg_db *db = calloc(1, sizeof(*db));
	struct pg_conn *c;
	int rc;

	if (!db)
		return err_nomem(e);
	db->base.ops = &pg_backend;
	db_where_shown(url, db->shown, sizeof(db->shown));
	if (!(db->url = strdup(url))) {
		free(db);
		return err_nomem(e);
	}
	if ((rc = db__password(&db->password, e))) {
		pg_free(db);
		return rc;
	}
	if (pthread_mutex_init(&db->lock, NULL)) {
		pg_free(db);
		return err_set(e, ERR_INTERNAL, "cannot set up the store's lock");
	}
	if ((rc = pool_init(&db->pool, &pg_pool_ops, db->shown, e))) {
		pthread_mutex_destroy(&db->lock);
		pg_free(db);
		return rc;
	}
	if ((rc = conn_open(db, &c, e)))
		goto out_free;
	if ((rc = pg__migrate(c, create, db->shown, e)) ||
	    (rc = pg__exec(c, DB_STATE_RENAMES_SQL, "renaming state keys", e))) {
		conn_close(c);
		goto out_free;
	}
	pool_adopt(&db->pool, &c->link);
	/* the chunk partitions of this month and the next two, made ahead */
	if ((rc = pg__partitions_ensure(&db->base, now_ms(),
					now_ms() + 62 * INT64_C(86400000), e))) {
		pg_close(&db->base);
		return rc;
	}
	*out = &db->base;
	return ERR_OK;

out_free:
	pool_destroy(&db->pool);
	pthread_mutex_destroy(&db->lock);
	pg_free(db);
	return rc;
}

static void pg_close(struct db *base)
{
	struct pg_db *db = pg_db(base);

	pool_destroy(&db->pool);
	pthread_mutex_destroy(&db->lock);
	pg_free(db);
}

int pg_schema_version(struct db *db, int *out, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = pg__schema_version(c, out, e);
	pg__conn_put(db, c);
	return rc;
}

/* db_flush: the server checkpoints its own log; nothing for Oasis to do. */
int pg_flush(struct db *db, struct err *e)
{
	(void)db;
	(void)e;
	return ERR_OK;
}
