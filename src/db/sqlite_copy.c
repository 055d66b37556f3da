/*
 * The SQLite backend's side of copying a store (db_rows_* of db.h): any
 * table of db_tables read in batches in rowid order (every table here has
 * a rowid), rows written with their values as they are.  The SQL names
 * only db_tables' constant table and column names; values are bound.
 */
#include "db/sqlite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/backends.h"

int sqlite_rows_count(struct db *db, const char *table, int64_t *out,
		      struct err *e)
{
	const struct db_table *t = db__table(table, e);
	char sql[128];
	struct conn *c;
	sqlite3_stmt *st = NULL;
	int rc;

	if (!t)
		return e->code;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t->name);
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	rc = sqlite3_prepare_v2(c->handle, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = ERR_OK;
	} else {
		rc = sqlite__error(c, rc, "counting rows", e);
	}
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	return rc;
}

/* Column c of the statement's row into v (its text and bytes copied). */
static int read_value(sqlite3_stmt *st, int c, struct db_value *v,
		      size_t *bytes, struct err *e)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		v->kind = DB_VALUE_NULL;
		return ERR_OK;
	case SQLITE_INTEGER:
		v->kind = DB_VALUE_INT;
		v->i = sqlite3_column_int64(st, c);
		return ERR_OK;
	case SQLITE_FLOAT:
		v->kind = DB_VALUE_REAL;
		v->d = sqlite3_column_double(st, c);
		return ERR_OK;
	case SQLITE_TEXT:
		v->kind = DB_VALUE_TEXT;
		v->len = (size_t)sqlite3_column_bytes(st, c);
		if (!(v->p = malloc(v->len + 1)))
			return err_nomem(e);
		memcpy(v->p, sqlite3_column_text(st, c), v->len);
		((char *)v->p)[v->len] = '\0';
		break;
	default:
		v->kind = DB_VALUE_BLOB;
		v->len = (size_t)sqlite3_column_bytes(st, c);
		if (!(v->p = malloc(v->len ? v->len : 1)))
			return err_nomem(e);
		if (v->len)
			memcpy(v->p, sqlite3_column_blob(st, c), v->len);
		break;
	}
	*bytes += v->len;
	return ERR_OK;
}

int sqlite_rows_read(struct db *db, const char *table, int64_t *pos,
		     size_t limit, size_t max_bytes, struct db_rows *out,
		     struct err *e)
{
	const struct db_table *t = db__table(table, e);
	size_t n_cols;
	char sql[640];
	struct conn *c;
	sqlite3_stmt *st = NULL;
	struct db_value *row;
	int rc, step = SQLITE_DONE;

	memset(out, 0, sizeof(*out));
	if (!t)
		return e->code;
	n_cols = db__table_columns(t);
	out->n_cols = n_cols;
	snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s WHERE rowid > ?"
		 " ORDER BY rowid LIMIT ?", t->columns, t->name);
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite3_prepare_v2(c->handle, sql, -1, &st, NULL))) {
		rc = sqlite__error(c, rc, "reading rows", e);
		goto out;
	}
	sqlite3_bind_int64(st, 1, *pos);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(limit ? limit : 1000));
	while (out->bytes <= max_bytes &&
	       (step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = db__rows_add(out, n_cols, &row, e)))
			goto out;
		for (size_t k = 0; k < n_cols; k++)
			if ((rc = read_value(st, (int)k + 1, &row[k],
					     &out->bytes, e)))
				goto out;
		*pos = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sqlite__error(c, step, "reading rows", e);
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	if (rc)
		db_rows_free(out);
	return rc;
}

static void bind_value(sqlite3_stmt *st, int i, const struct db_value *v)
{
	switch (v->kind) {
	case DB_VALUE_INT:
		sqlite3_bind_int64(st, i, v->i);
		break;
	case DB_VALUE_REAL:
		sqlite3_bind_double(st, i, v->d);
		break;
	case DB_VALUE_TEXT:
		sqlite3_bind_text64(st, i, v->p, v->len, SQLITE_STATIC,
				    SQLITE_UTF8);
		break;
	case DB_VALUE_BLOB:
		sqlite3_bind_blob64(st, i, v->len ? v->p : "", v->len,
				    SQLITE_STATIC);
		break;
	default:
		sqlite3_bind_null(st, i);
	}
}

static int insert_rows(struct conn *c, const struct db_table *t,
		       const struct db_rows *r, struct err *e)
{
	char sql[1024];
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	int rc = ERR_OK, step;

	n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (",
			     t->name, t->columns);
	for (size_t k = 0; k < r->n_cols && n < sizeof(sql); k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s?",
				      k ? ", " : "");
	if (n + 2 > sizeof(sql))
		return err_set(e, ERR_INTERNAL, "table %s: too many columns",
			       t->name);
	strcat(sql, ")");
	if ((rc = sqlite3_prepare_v2(c->handle, sql, -1, &st, NULL)))
		return sqlite__error(c, rc, "writing rows", e);
	for (size_t i = 0; !rc && i < r->n_rows; i++) {
		for (size_t k = 0; k < r->n_cols; k++)
			bind_value(st, (int)k + 1, &r->v[i * r->n_cols + k]);
		if ((step = sqlite3_step(st)) != SQLITE_DONE)
			rc = sqlite__error(c, step, t->name, e);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int sqlite_rows_write(struct db *db, const char *table,
		      const struct db_rows *r, struct err *e)
{
	const struct db_table *t = db__table(table, e);
	struct conn *c;
	int rc;

	if (!t)
		return e->code;
	if (r->n_rows && r->n_cols != db__table_columns(t))
		return err_set(e, ERR_INVALID, "table %s: %zu columns given, it "
			       "has %zu", t->name, r->n_cols,
			       db__table_columns(t));
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if (!(rc = sqlite__begin(c, e))) {
		if ((rc = insert_rows(c, t, r, e)) ||
		    (rc = sqlite__exec(c, "COMMIT", e)))
			sqlite__rollback(c);
	}
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_rows_clear(struct db *db, struct err *e)
{
	char sql[96];
	struct conn *c;
	size_t n = 0;
	int rc;

	while (db_tables[n].name)
		n++;
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if (!(rc = sqlite__begin(c, e))) {
		for (size_t i = n; !rc && i-- > 0;) {
			snprintf(sql, sizeof(sql), "DELETE FROM %s",
				 db_tables[i].name);
			rc = sqlite__exec(c, sql, e);
		}
		if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
			sqlite__rollback(c);
	}
	sqlite__conn_put(db, c);
	return rc;
}

/* Rowids continue from the largest: nothing to move on SQLite. */
int sqlite_rows_finish(struct db *db, struct err *e)
{
	(void)db;
	(void)e;
	return ERR_OK;
}
