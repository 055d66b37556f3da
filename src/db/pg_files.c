/*
 * The PostgreSQL backend's blob store (db_file_* of db.h): table files, a
 * file a row, its bytes a bytea (stored out of line, uncompressed: the
 * previews are compressed GeoTIFFs already), with size and SHA-256 beside.
 */
#include "db/pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/backends.h"

/* Schema migration 8 (pg_schema.c): the files table. */
const char pg__files_migration[] =
	"CREATE TABLE files ("
	"  name TEXT COLLATE \"C\" PRIMARY KEY,"
	"  size BIGINT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  created_ms BIGINT NOT NULL,"
	"  content BYTEA NOT NULL);"
	"ALTER TABLE files ALTER COLUMN content SET STORAGE EXTERNAL;";

int pg_file_put(struct db *db, const char *name, const void *data,
		size_t len, int64_t created_ms, struct err *e)
{
	struct pg_params p = { 0 };
	char sha[65];
	PGresult *r;
	int rc;

	if ((rc = db__file_check(name, len, e)))
		return rc;
	db__sha256_hex(data, len, sha);
	pg__p_text(&p, name);
	pg__p_int(&p, (int64_t)len);
	pg__p_text(&p, sha);
	pg__p_int(&p, created_ms);
	pg__p_bytes(&p, data, len);
	if ((rc = pg__call(db, PG_FILE_PUT, "INSERT INTO files (name, size,"
			   " sha256, created_ms, content) VALUES ($1, $2, $3,"
			   " $4, $5) ON CONFLICT (name) DO UPDATE SET"
			   " size = EXCLUDED.size, sha256 = EXCLUDED.sha256,"
			   " created_ms = EXCLUDED.created_ms,"
			   " content = EXCLUDED.content", &p, false, &r,
			   "storing a file", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

/* Binary rows: name, size, sha256, created_ms[, content]. */
static void read_file(const PGresult *r, int i, struct db_file *f)
{
	memset(f, 0, sizeof(*f));
	pg__copy(r, i, 0, f->name, sizeof(f->name));
	f->size = pg__bin_int(r, i, 1);
	pg__copy(r, i, 2, f->sha256, sizeof(f->sha256));
	f->created_ms = pg__bin_int(r, i, 3);
}

int pg_file_get(struct db *db, const char *name, struct db_file *out,
		struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	size_t len;
	int rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	pg__p_text(&p, name);
	if ((rc = pg__call(db, PG_FILE_GET, "SELECT name, size, sha256,"
			   " created_ms, content FROM files WHERE name = $1",
			   &p, true, &r, "reading a file", e)))
		return rc;
	if (!PQntuples(r)) {
		rc = err_set(e, ERR_NOT_FOUND, "file %s: not in the store",
			     name);
	} else {
		read_file(r, 0, out);
		len = (size_t)PQgetlength(r, 0, 4);
		if (!(out->data = malloc(len ? len : 1)))
			rc = err_nomem(e);
		else if (len)
			memcpy(out->data, PQgetvalue(r, 0, 4), len);
		out->size = (int64_t)len;
	}
	PQclear(r);
	return rc;
}

int pg_file_delete(struct db *db, const char *name, struct err *e)
{
	struct pg_params p = { 0 };
	char what[DB_FILE_NAME_MAX + 8];

	pg__p_text(&p, name);
	snprintf(what, sizeof(what), "file %s", name);
	return pg__call_change(db, PG_FILE_DELETE, "DELETE FROM files WHERE"
			       " name = $1", &p, what, e);
}

int pg_file_list(struct db *db, const char *prefix,
		 int (*each)(const struct db_file *f, void *ctx), void *ctx,
		 struct err *e)
{
	struct pg_params p = { 0 };
	struct db_file f;
	PGresult *r;
	int rc;

	pg__p_text(&p, prefix ? prefix : "");
	if ((rc = pg__call(db, PG_FILE_LIST, "SELECT name, size, sha256,"
			   " created_ms FROM files WHERE left(name,"
			   " length($1)) = $1 ORDER BY name", &p, true, &r,
			   "listing files", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		read_file(r, i, &f);
		rc = each(&f, ctx);
	}
	PQclear(r);
	return rc;
}
