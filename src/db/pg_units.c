/*
 * The PostgreSQL backend's registry of custom metrics (db_metric_unit_*
 * of db.h): table metric_units (migration 14), a row a metric.
 */
#include "db/pg_internal.h"

#include <string.h>

#include "db/rows.h"

int pg_metric_unit_set(struct db *db, const struct db_metric_unit *u,
		       struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, u->name);
	pg__p_text(&p, u->unit);
	pg__p_text(&p, u->what);
	pg__p_int(&p, u->updated_ms);
	rc = pg__call(db, PG_METRIC_UNIT_SET, "INSERT INTO metric_units (name,"
		      " unit, what, updated_ms) VALUES ($1, $2, $3, $4) ON"
		      " CONFLICT (name) DO UPDATE SET unit = excluded.unit,"
		      " what = excluded.what, updated_ms = excluded.updated_ms",
		      &p, false, &r, "registering a metric", e);
	if (!rc)
		PQclear(r);
	return rc;
}

static int unit_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_metric_unit *u = row;

	(void)e;
	pg__copy(r, i, 0, u->name, sizeof(u->name));
	pg__copy(r, i, 1, u->unit, sizeof(u->unit));
	pg__copy(r, i, 2, u->what, sizeof(u->what));
	u->updated_ms = pg__int(r, i, 3);
	return ERR_OK;
}

int pg_metric_unit_list(struct db *db,
			int (*each)(const struct db_metric_unit *u, void *ctx),
			void *ctx, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_METRIC_UNIT_LIST, "SELECT name, unit, what,"
			   " updated_ms FROM metric_units ORDER BY name"
			   " COLLATE \"C\"", NULL, false, &r,
			   "listing registered metrics", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_metric_unit), unit_row, NULL,
			    DB_EACH(db_metric_unit, each, ctx), e);
}

int pg_metric_unit_delete(struct db *db, const char *name, struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	pg__p_text(&p, name);
	rc = pg__call_change(db, PG_METRIC_UNIT_DELETE, "DELETE FROM"
			     " metric_units WHERE name = $1", &p,
			     "unregistering a metric", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "metric '%s' is not registered", name);
	return rc;
}
