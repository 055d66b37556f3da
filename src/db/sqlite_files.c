/*
 * The SQLite backend's blob store (db_file_* of db.h): table files, a
 * file a row, its bytes a BLOB, with its size and SHA-256 beside them.
 */
#include "db/sqlite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/backends.h"

/* Schema migration 10 (sqlite_schema.c): the files table. */
const char sqlite__files_migration[] =
	"CREATE TABLE files ("
	"  name TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  content BLOB NOT NULL);";

int sqlite_file_put(struct db *db, const char *name, const void *data,
		    size_t len, int64_t created_ms, struct err *e)
{
	char sha[65];
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = db__file_check(name, len, e)))
		return rc;
	db__sha256_hex(data, len, sha);
	if ((rc = sqlite__call_begin(db, ST_FILE_PUT, "INSERT OR REPLACE INTO"
				     " files (name, size, sha256, created_ms,"
				     " content) VALUES (?, ?, ?, ?, ?)", &c,
				     &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	sqlite3_bind_text(st, 3, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, created_ms);
	sqlite3_bind_blob64(st, 5, len ? data : "", len, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		rc = sqlite__error(c, rc, "storing a file", e);
	else
		rc = ERR_OK;
	return sqlite__call_end(db, c, st, rc);
}

static void file_row(sqlite3_stmt *st, struct db_file *f)
{
	memset(f, 0, sizeof(*f));
	sqlite__column_copy(st, 0, f->name, sizeof(f->name));
	f->size = sqlite3_column_int64(st, 1);
	sqlite__column_copy(st, 2, f->sha256, sizeof(f->sha256));
	f->created_ms = sqlite3_column_int64(st, 3);
}

int sqlite_file_get(struct db *db, const char *name, struct db_file *out,
		    struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc = ERR_OK, step;

	memset(out, 0, sizeof(*out));
	if ((rc = sqlite__call_begin(db, ST_FILE_GET, "SELECT name, size,"
				     " sha256, created_ms, content FROM files"
				     " WHERE name = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 4);

		file_row(st, out);
		if (!(out->data = malloc(len ? len : 1)))
			rc = err_nomem(e);
		else if (len)
			memcpy(out->data, sqlite3_column_blob(st, 4), len);
		out->size = (int64_t)len;
	} else if (step == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "file %s: not in the store",
			     name);
	} else {
		rc = sqlite__error(c, step, "reading a file", e);
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_file_delete(struct db *db, const char *name, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	char what[DB_FILE_NAME_MAX + 8];
	int rc;

	if ((rc = sqlite__call_begin(db, ST_FILE_DELETE, "DELETE FROM files"
				     " WHERE name = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	snprintf(what, sizeof(what), "file %s", name);
	rc = sqlite__step_change(c, st, what, e);
	return sqlite__call_end(db, c, st, rc);
}

static int file_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	file_row(st, row);
	return ERR_OK;
}

int sqlite_file_list(struct db *db, const char *prefix,
		     int (*each)(const struct db_file *f, void *ctx),
		     void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	const struct db_file *f;
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_FILE_LIST, "SELECT name, size,"
				     " sha256, created_ms FROM files WHERE"
				     " substr(name, 1, length(?1)) = ?1"
				     " ORDER BY name", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, prefix ? prefix : "", -1, SQLITE_TRANSIENT);
	if ((rc = sqlite__rows_collect(db, c, st, &rows, sizeof(*f),
				       file_list_row, NULL, "listing files",
				       e)))
		return rc;
	f = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&f[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}
