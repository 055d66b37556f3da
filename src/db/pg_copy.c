/*
 * The PostgreSQL backend's side of copying a store (db_rows_* of db.h):
 * rows written one prepared INSERT each, the batch's INSERTs sent in one
 * pipeline (libpq's pipeline mode), in one transaction per batch (the
 * chunks' month partitions made first, rollup chunks (negative series)
 * into chunks_rollup as pg_chunks.c keeps them; plots get their PostGIS
 * geometry from the GeoJSON as db_plots_upsert does), then the identity sequences
 * and chunk_seq moved past the copied ids.  Reading (a copy out of
 * PostgreSQL, and the tests) pages in the order of the first columns,
 * which hold each table's key.  The SQL names only db_tables' constant
 * table and column names; values are parameters.
 */
#include "db/pg_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/backends.h"

/* Type OIDs of pg_type (catalog/pg_type_d.h): the ones the schema uses. */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_FLOAT8 701

/* The tables whose id comes from an identity column. */
static const char *const identity_tables[] = {
	"users", "tokens", "metrics", "series", "retention", "commands",
	"scenes", "snapshots", "alert_rules", "alerts", "alert_dead_letters",
	"workorders", "workorder_comments", "audit",
	NULL,
};

int pg_rows_count(struct db *db, const char *table, int64_t *out,
		  struct err *e)
{
	const struct db_table *t = db__table(table, e);
	char sql[128];
	struct pg_conn *c;
	PGresult *r;
	int rc;

	if (!t)
		return e->code;
	if (!strcmp(t->name, "chunks"))
		snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM chunks)"
			 " + (SELECT count(*) FROM chunks_rollup)");
	else
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t->name);
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	r = PQexec(c->conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg__error(c->conn, r, "counting rows", e);
	else
		*out = pg__int(r, 0, 0);
	PQclear(r);
	pg__conn_put(db, c);
	return rc;
}

/* Column k of row i of a text result into v. */
static int read_value(const PGresult *r, int i, int k, struct db_value *v,
		      size_t *bytes, struct err *e)
{
	const char *s = PQgetvalue(r, i, k);
	unsigned char *b;

	if (PQgetisnull(r, i, k)) {
		v->kind = DB_VALUE_NULL;
		return ERR_OK;
	}
	switch (PQftype(r, k)) {
	case OID_BOOL:
		v->kind = DB_VALUE_INT;
		v->i = s[0] == 't';
		return ERR_OK;
	case OID_INT2: case OID_INT4: case OID_INT8:
		v->kind = DB_VALUE_INT;
		v->i = strtoll(s, NULL, 10);
		return ERR_OK;
	case OID_FLOAT4: case OID_FLOAT8:
		v->kind = DB_VALUE_REAL;
		v->d = strtod(s, NULL);
		return ERR_OK;
	case OID_BYTEA:
		v->kind = DB_VALUE_BLOB;
		if (!(b = PQunescapeBytea((const unsigned char *)s, &v->len)) ||
		    !(v->p = malloc(v->len ? v->len : 1))) {
			PQfreemem(b);
			return err_nomem(e);
		}
		memcpy(v->p, b, v->len);
		PQfreemem(b);
		break;
	default:
		v->kind = DB_VALUE_TEXT;
		v->len = (size_t)PQgetlength(r, i, k);
		if (!(v->p = strdup(s)))
			return err_nomem(e);
	}
	*bytes += v->len;
	return ERR_OK;
}

int pg_rows_read(struct db *db, const char *table, int64_t *pos,
		 size_t limit, size_t max_bytes, struct db_rows *out,
		 struct err *e)
{
	const struct db_table *t = db__table(table, e);
	char sql[800], lim[32], off[32];
	const char *params[2] = { lim, off };
	size_t n_cols;
	struct pg_conn *c;
	struct db_value *row;
	PGresult *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!t)
		return e->code;
	n_cols = db__table_columns(t);
	out->n_cols = n_cols;
	if (!strcmp(t->name, "chunks"))
		snprintf(sql, sizeof(sql), "SELECT %s FROM chunks UNION ALL"
			 " SELECT %s FROM chunks_rollup ORDER BY 1, 2, 3, 4"
			 " LIMIT $1 OFFSET $2", t->columns, t->columns);
	else
		snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY 1%s%s%s"
			 " LIMIT $1 OFFSET $2", t->columns, t->name,
			 n_cols > 1 ? ", 2" : "", n_cols > 2 ? ", 3" : "",
			 n_cols > 3 ? ", 4" : "");
	snprintf(lim, sizeof(lim), "%zu", limit ? limit : 1000);
	snprintf(off, sizeof(off), "%" PRId64, *pos);
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	r = PQexecParams(c->conn, sql, 2, NULL, params, NULL, NULL, 0);
	pg__conn_put(db, c);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg__error(NULL, r, "reading rows", e);
		PQclear(r);
		return rc;
	}
	for (int i = 0; !rc && i < PQntuples(r) && out->bytes <= max_bytes;
	     i++) {
		if ((rc = db__rows_add(out, n_cols, &row, e)))
			break;
		for (size_t k = 0; !rc && k < n_cols; k++)
			rc = read_value(r, i, (int)k, &row[k], &out->bytes, e);
		(*pos)++;
	}
	PQclear(r);
	if (rc)
		db_rows_free(out);
	return rc;
}

/* The INSERT of t's rows: $1..$n, and for plots the geometry from $12. */
static int insert_sql(const struct db_table *t, const char *into,
		      size_t n_cols, char *sql, size_t size, struct err *e)
{
	size_t n = (size_t)snprintf(sql, size, "INSERT INTO %s (%s%s) VALUES (",
				    into, t->columns,
				    strcmp(t->name, "plots") ? "" : ", geom");

	for (size_t k = 0; k < n_cols && n < size; k++)
		n += (size_t)snprintf(sql + n, size - n, "%s$%zu",
				      k ? ", " : "", k + 1);
	if (!strcmp(t->name, "plots") && n < size)
		n += (size_t)snprintf(sql + n, size - n, ", ST_Multi(ST_SetSRID("
				      "ST_GeomFromGeoJSON($12), 4326))");
	if (n + 2 > size)
		return err_set(e, ERR_INTERNAL, "table %s: too many columns",
			       t->name);
	strcat(sql, ")");
	return ERR_OK;
}

/* One row's values as libpq parameters (numbers printed into num). */
static void row_params(const struct db_value *v, size_t n, const char **vals,
		       int *lens, int *fmts, char (*num)[32])
{
	for (size_t k = 0; k < n; k++) {
		lens[k] = 0;
		fmts[k] = 0;
		switch (v[k].kind) {
		case DB_VALUE_INT:
			snprintf(num[k], 32, "%" PRId64, v[k].i);
			vals[k] = num[k];
			break;
		case DB_VALUE_REAL:
			snprintf(num[k], 32, "%.17g", v[k].d);
			vals[k] = num[k];
			break;
		case DB_VALUE_TEXT:
			vals[k] = v[k].p;
			break;
		case DB_VALUE_BLOB:
			vals[k] = v[k].len ? v[k].p : "";
			lens[k] = (int)v[k].len;
			fmts[k] = 1;
			break;
		default:
			vals[k] = NULL;
		}
	}
}

/*
 * The results of a pipeline of n INSERTs then a sync: the first failure
 * into e (the rows after it come back aborted).
 */
static int pipeline_results(struct pg_conn *c, const char *table, size_t n,
			    struct err *e)
{
	PGresult *res;
	int rc = ERR_OK;

	for (size_t i = 0; i < n; i++) {
		res = PQgetResult(c->conn);
		if (!res) {
			return rc ? rc : err_set(e, ERR_UNAVAILABLE, "%s: the "
				     "PostgreSQL server did not answer (%s)",
				     table, PQerrorMessage(c->conn));
		}
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg__error(c->conn, res, table, e);
		PQclear(res);
		while ((res = PQgetResult(c->conn))) /* the NULL after each */
			PQclear(res);
	}
	res = PQgetResult(c->conn);
	if (!rc && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		rc = pg__error(c->conn, res, table, e);
	PQclear(res);
	return rc;
}

/*
 * The rows, one prepared INSERT each, sent in one pipeline (a round trip
 * for the batch, not one per row).  A batch's answers are a few bytes a
 * row, so they fit the socket's buffers while the rows are sent.
 */
/* Whether row i goes in: sign 0 every row; 1 series >= 0; -1 series < 0. */
static bool row_wanted(const struct db_rows *r, size_t i, int sign)
{
	const struct db_value *series = &r->v[i * r->n_cols];

	return !sign || (series->kind == DB_VALUE_INT &&
			 (sign > 0) == (series->i >= 0));
}

static int insert_rows(struct pg_conn *c, const struct db_table *t,
		       const char *into, int sign, const struct db_rows *r,
		       struct err *e)
{
	const char *vals[PG_MAX_PARAMS];
	int lens[PG_MAX_PARAMS], fmts[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][32], sql[1024];
	PGresult *res;
	size_t sent = 0, i;
	int rc;

	if (r->n_cols > PG_MAX_PARAMS)
		return err_set(e, ERR_INTERNAL, "table %s: too many columns",
			       t->name);
	for (i = 0; i < r->n_rows && !row_wanted(r, i, sign); i++)
		;
	if (i == r->n_rows)
		return ERR_OK;
	if ((rc = insert_sql(t, into, r->n_cols, sql, sizeof(sql), e)))
		return rc;
	res = PQprepare(c->conn, "", sql, (int)r->n_cols, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg__error(c->conn, res, t->name, e);
		PQclear(res);
		return rc;
	}
	PQclear(res);
	if (!PQenterPipelineMode(c->conn))
		return pg__error(c->conn, NULL, t->name, e);
	for (i = 0; i < r->n_rows; i++) {
		if (!row_wanted(r, i, sign))
			continue;
		row_params(&r->v[i * r->n_cols], r->n_cols, vals, lens, fmts,
			   num);
		if (!PQsendQueryPrepared(c->conn, "", (int)r->n_cols, vals,
					 lens, fmts, 0))
			break;
		sent++;
	}
	if (!PQpipelineSync(c->conn) || i < r->n_rows)
		rc = err_set(e, ERR_UNAVAILABLE, "%s: sending rows to the "
			     "PostgreSQL server: %s", t->name,
			     PQerrorMessage(c->conn));
	else
		rc = pipeline_results(c, t->name, sent, e);
	if (!PQexitPipelineMode(c->conn) && !rc)
		rc = pg__error(c->conn, NULL, t->name, e);
	return rc;
}

/* The chunks' months: their partitions exist before the rows go in. */
static int chunk_partitions(struct db *db, const struct db_rows *r,
			    struct err *e)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct db_value *ts_min = &r->v[i * r->n_cols + 1];

		if (ts_min->kind != DB_VALUE_INT || !row_wanted(r, i, 1))
			continue;
		lo = ts_min->i < lo ? ts_min->i : lo;
		hi = ts_min->i > hi ? ts_min->i : hi;
	}
	return lo <= hi ? pg__partitions_ensure(db, lo, hi, e) : ERR_OK;
}

int pg_rows_write(struct db *db, const char *table, const struct db_rows *r,
		  struct err *e)
{
	const struct db_table *t = db__table(table, e);
	struct pg_conn *c;
	int rc;

	if (!t)
		return e->code;
	if (!r->n_rows)
		return ERR_OK;
	if (r->n_cols != db__table_columns(t))
		return err_set(e, ERR_INVALID, "table %s: %zu columns given, it "
			       "has %zu", t->name, r->n_cols,
			       db__table_columns(t));
	if (!strcmp(t->name, "chunks") && (rc = chunk_partitions(db, r, e)))
		return rc;
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if (!(rc = pg__begin(c, e))) {
		/* rollup chunks (negative series) live in chunks_rollup */
		if (!strcmp(t->name, "chunks"))
			rc = insert_rows(c, t, "chunks", 1, r, e) ||
			     insert_rows(c, t, "chunks_rollup", -1, r, e)
				? e->code : ERR_OK;
		else
			rc = insert_rows(c, t, t->name, 0, r, e);
		if (rc || (rc = pg__commit(c, e)))
			pg__rollback(c);
	}
	pg__conn_put(db, c);
	return rc;
}

int pg_rows_clear(struct db *db, struct err *e)
{
	char sql[1024] = "TRUNCATE ";
	struct pg_conn *c;
	int rc;

	for (size_t i = 0; db_tables[i].name; i++) {
		strcat(sql, i ? ", " : "");
		strcat(sql, db_tables[i].name);
	}
	strcat(sql, ", chunks_rollup RESTART IDENTITY CASCADE");
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = pg__exec(c, sql, "emptying the store", e);
	if (!rc)
		rc = pg__exec(c, "ALTER SEQUENCE chunk_seq RESTART",
			      "emptying the store", e);
	pg__conn_put(db, c);
	return rc;
}

int pg_rows_finish(struct db *db, struct err *e)
{
	char sql[256];
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	for (size_t i = 0; !rc && identity_tables[i]; i++) {
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence("
			 "'%s', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL)"
			 " FROM %s", identity_tables[i], identity_tables[i]);
		rc = pg__exec(c, sql, "moving the ids on", e);
	}
	if (!rc)
		rc = pg__exec(c, "SELECT setval('chunk_seq', coalesce(max(seq),"
			      " 1), max(seq) IS NOT NULL) FROM (SELECT seq FROM"
			      " chunks UNION ALL SELECT seq FROM chunks_rollup)"
			      " AS s", "moving the ids on", e);
	pg__conn_put(db, c);
	return rc;
}
