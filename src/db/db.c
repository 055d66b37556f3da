/*
 * db: the dispatch of db.h to a backend.  db_open picks the backend from
 * `where` (a folder: SQLite; a postgresql:// or postgres:// URL:
 * PostgreSQL); every other db_* call goes through the store's table
 * (db_ops.h), and an operation the backend does not have yet answers
 * ERR_UNSUPPORTED naming it.  The *_free helpers only release memory and
 * belong to no backend.
 */
#include "db/db_ops.h"

#include <stdlib.h>
#include <string.h>

#include "db/backends.h"

bool db_is_postgres_url(const char *where)
{
	return where && (!strncmp(where, "postgresql://", 13) ||
			 !strncmp(where, "postgres://", 11));
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
