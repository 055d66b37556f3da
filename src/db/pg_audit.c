/*
 * The PostgreSQL backend's audit log (db_audit_* of db.h): table audit
 * (migration 13), rows only added, read newest first by id.
 */
#include "db/pg_internal.h"

#include <string.h>

#include "db/rows.h"

int pg_audit_add(struct db *db, const struct db_audit *a, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, a->at_ms);
	pg__p_text(&p, a->actor);
	pg__p_text(&p, a->role);
	pg__p_text(&p, a->action);
	pg__p_int(&p, a->status);
	rc = pg__call(db, PG_AUDIT_ADD, "INSERT INTO audit (at_ms, actor, role,"
		      " action, status) VALUES ($1, $2, $3, $4, $5)", &p, false,
		      &r, "adding to the audit log", e);
	if (!rc)
		PQclear(r);
	return rc;
}

static int audit_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_audit *a = row;

	(void)e;
	a->id = pg__int(r, i, 0);
	a->at_ms = pg__int(r, i, 1);
	pg__copy(r, i, 2, a->actor, sizeof(a->actor));
	pg__copy(r, i, 3, a->role, sizeof(a->role));
	pg__copy(r, i, 4, a->action, sizeof(a->action));
	a->status = (int)pg__int(r, i, 5);
	return ERR_OK;
}

#define AUDIT_COLUMNS "id, at_ms, actor, role, action, status"

int pg_audit_list(struct db *db, int64_t before_id, int limit,
		  int (*each)(const struct db_audit *a, void *ctx), void *ctx,
		  struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, limit);
	if (before_id > 0) {
		pg__p_int(&p, before_id);
		rc = pg__call(db, PG_AUDIT_LIST_BEFORE, "SELECT " AUDIT_COLUMNS
			      " FROM audit WHERE id < $2 ORDER BY id DESC"
			      " LIMIT $1", &p, false, &r,
			      "reading the audit log", e);
	} else {
		rc = pg__call(db, PG_AUDIT_LIST, "SELECT " AUDIT_COLUMNS
			      " FROM audit ORDER BY id DESC LIMIT $1", &p,
			      false, &r, "reading the audit log", e);
	}
	if (rc)
		return rc;
	return pg__each_row(r, sizeof(struct db_audit), audit_row, NULL,
			    DB_EACH(db_audit, each, ctx), e);
}
