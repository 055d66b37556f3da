/*
 * db: the dispatch of db.h to a backend.  db_open picks the backend from
 * `where` (a folder: SQLite; a postgresql:// or postgres:// URL:
 * PostgreSQL); every other db_* call goes through the store's table
 * (db_ops.h), and an operation the backend does not have yet answers
 * ERR_UNSUPPORTED naming it.  The *_free helpers only release memory and
 * belong to no backend.
 */
#include "db/db_ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db/backends.h"

bool db_is_postgres_url(const char *where)
{
	return where && (!strncmp(where, "postgresql://", 13) ||
			 !strncmp(where, "postgres://", 11));
}

/* util's redaction: user:PASSWORD@ and password=... become "***". */
void db_where_shown(const char *where, char *out, size_t size)
{
	snprintf(out, size, "%s", where ? where : "");
	err_redact(out, size);
}

static pthread_mutex_t password_lock = PTHREAD_MUTEX_INITIALIZER;
static char *password_path;

int db_password_file(const char *path, struct err *e)
{
	char *copy = NULL;

	if (path && !(copy = strdup(path)))
		return err_nomem(e);
	pthread_mutex_lock(&password_lock);
	free(password_path);
	password_path = copy;
	pthread_mutex_unlock(&password_lock);
	return ERR_OK;
}

int db__password(char **out, struct err *e)
{
	char line[1024];
	FILE *f = NULL;
	int rc = ERR_OK;

	*out = NULL;
	pthread_mutex_lock(&password_lock);
	if (!password_path)
		goto out;
	if (!(f = fopen(password_path, "r"))) {
		rc = err_set(e, ERR_IO, "--data-password-file %s: %s",
			     password_path, strerror(errno));
		goto out;
	}
	if (!fgets(line, sizeof(line), f)) {
		rc = err_set(e, ERR_INVALID, "--data-password-file %s: empty",
			     password_path);
		goto out;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!(*out = strdup(line)))
		rc = err_nomem(e);
out:
	if (f)
		fclose(f);
	memset(line, 0, sizeof(line));
	pthread_mutex_unlock(&password_lock);
	return rc;
}

int db_open(const char *where, bool create, struct db **out, struct err *e)
{
	if (!where || !*where)
		return err_set(e, ERR_INVALID, "--data: no store given (a folder "
			       "or a postgresql:// URL)");
	if (db_is_postgres_url(where))
		return pg_open(where, create, out, e);
	return sqlite_open(where, create, out, e);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

void db_pool_stats(struct db *db, struct db_pool_stats *out)
{
	db->ops->pool_stats(db, out);
}

static int unsupported(const struct db *db, const char *op, struct err *e)
{
	return err_set(e, ERR_UNSUPPORTED, "%s: not yet on %s", op,
		       db->ops->name);
}

#define DB_WRAPPER(name, params, args) \
	int db_##name params \
	{ \
		if (!db->ops->name) \
			return unsupported(db, "db_" #name, e); \
		return db->ops->name args; \
	}
DB_OPS(DB_WRAPPER)
#undef DB_WRAPPER

void db_plot_free(struct db_plot *p)
{
	if (!p)
		return;
	free(p->extra);
	free(p->geometry);
	p->extra = NULL;
	p->geometry = NULL;
}

void db_scene_free(struct db_scene *s)
{
	if (!s)
		return;
	free(s->crs);
	free(s->footprint);
	s->crs = NULL;
	s->footprint = NULL;
}

void db_snapshot_free(struct db_snapshot *s)
{
	free(s->jpeg);
	s->jpeg = NULL;
}

void db_file_free(struct db_file *f)
{
	if (!f)
		return;
	free(f->data);
	f->data = NULL;
}

int db__file_check(const char *name, size_t len, struct err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= DB_FILE_NAME_MAX || name[0] == '/' ||
	    strstr(name, ".."))
		return err_set(e, ERR_INVALID, "file name '%s': 1 to %d "
			       "characters, relative, without '..'",
			       name ? name : "", DB_FILE_NAME_MAX - 1);
	if ((uint64_t)len > (uint64_t)DB_FILE_MAX)
		return err_set(e, ERR_INVALID, "file %s: %zu bytes, more than "
			       "the %lld a stored file may hold", name, len,
			       (long long)DB_FILE_MAX);
	return ERR_OK;
}

void db__sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
