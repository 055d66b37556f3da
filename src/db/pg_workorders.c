/*
 * Work orders and their comments in the PostgreSQL store; the same
 * meanings and errors as sqlite_workorders.c.  Rare calls: statements are
 * not prepared.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WO_COLUMNS "id, site, coalesce(equipment, ''), coalesce(alert_id, 0)," \
	" title, state, coalesce(assignee, ''), created_by, version," \
	" created_ms, updated_ms, coalesce(closed_ms, 0), energy_lost_kwh"

#define COMMENT_COLUMNS "id, workorder, author, body," \
	" coalesce(snapshot_id, 0), at_ms"

static int call(struct db *db, const char *sql, const struct pg_params *p,
		PGresult **out, const char *what, struct err *e)
{
	struct pg_conn *c;
	PGresult *r;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	r = PQexecParams(c->conn, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
			 p ? p->len : NULL, p ? p->fmt : NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg__error(c->conn, r, what, e);
		PQclear(r);
	} else {
		*out = r;
	}
	pg__conn_put(db, c);
	return rc;
}

static void read_wo(const PGresult *r, int i, struct db_workorder *w)
{
	memset(w, 0, sizeof(*w));
	w->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, w->site, sizeof(w->site));
	pg__copy(r, i, 2, w->equipment, sizeof(w->equipment));
	w->alert_id = pg__int(r, i, 3);
	pg__copy(r, i, 4, w->title, sizeof(w->title));
	pg__copy(r, i, 5, w->state, sizeof(w->state));
	pg__copy(r, i, 6, w->assignee, sizeof(w->assignee));
	pg__copy(r, i, 7, w->created_by, sizeof(w->created_by));
	w->version = pg__int(r, i, 8);
	w->created_ms = pg__int(r, i, 9);
	w->updated_ms = pg__int(r, i, 10);
	w->closed_ms = pg__int(r, i, 11);
	w->energy_lost_kwh = pg__real_or_nan(r, i, 12);
}

static void read_comment(const PGresult *r, int i,
			 struct db_workorder_comment *c)
{
	memset(c, 0, sizeof(*c));
	c->id = pg__int(r, i, 0);
	c->workorder = pg__int(r, i, 1);
	pg__copy(r, i, 2, c->author, sizeof(c->author));
	pg__copy(r, i, 3, c->body, sizeof(c->body));
	c->snapshot_id = pg__int(r, i, 4);
	c->at_ms = pg__int(r, i, 5);
}

static void p_text_or_null(struct pg_params *p, const char *s)
{
	pg__p_text_or_null(p, s && *s ? s : NULL);
}

static void p_id_or_null(struct pg_params *p, int64_t v)
{
	if (v > 0)
		pg__p_int(p, v);
	else
		pg__p_text_or_null(p, NULL);
}

int pg_workorder_create(struct db *db, const struct db_workorder *w,
			int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, w->site);
	p_text_or_null(&p, w->equipment);
	p_id_or_null(&p, w->alert_id);
	pg__p_text(&p, w->title);
	pg__p_text(&p, w->state);
	p_text_or_null(&p, w->assignee);
	pg__p_text(&p, w->created_by);
	pg__p_int(&p, w->created_ms);
	pg__p_int(&p, w->updated_ms);
	p_id_or_null(&p, w->closed_ms);
	pg__p_real_or_null(&p, w->energy_lost_kwh);
	if ((rc = call(db, "INSERT INTO workorders (site, equipment, alert_id,"
		       " title, state, assignee, created_by, version, created_ms,"
		       " updated_ms, closed_ms, energy_lost_kwh) VALUES ($1, $2,"
		       " $3::bigint, $4, $5, $6, $7, 1, $8, $9, $10::bigint, $11)"
		       " RETURNING id", &p, &r, "work order", e)))
		return rc;
	if (id_out)
		*id_out = pg__int(r, 0, 0);
	PQclear(r);
	return ERR_OK;
}

int pg_workorder_get(struct db *db, int64_t id, struct db_workorder *out,
		     struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, id);
	if ((rc = call(db, "SELECT " WO_COLUMNS " FROM workorders WHERE id = $1",
		       &p, &r, "work order", e)))
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown work order %lld",
			     (long long)id);
	else
		read_wo(r, 0, out);
	PQclear(r);
	return rc;
}

int pg_workorder_list(struct db *db, const struct db_workorder_filter *f,
		      int (*each)(const struct db_workorder *w, void *ctx),
		      void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	struct db_workorder w;
	PGresult *r;
	int rc;

	p_text_or_null(&p, f ? f->site : NULL);
	p_text_or_null(&p, f ? f->state : NULL);
	p_text_or_null(&p, f ? f->assignee : NULL);
	if ((rc = call(db, "SELECT " WO_COLUMNS " FROM workorders WHERE"
		       " ($1::text IS NULL OR site = $1) AND ($2::text IS NULL"
		       " OR state = $2) AND ($3::text IS NULL OR assignee = $3)"
		       " ORDER BY id DESC", &p, &r, "listing work orders", e)))
		return rc;
	/* the result is in memory and the connection back: each may call */
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		read_wo(r, i, &w);
		rc = each(&w, ctx);
	}
	PQclear(r);
	return rc;
}

int pg_workorder_update(struct db *db, const struct db_workorder *w,
			struct err *e)
{
	struct pg_params p = { 0 };
	struct db_workorder now;
	PGresult *r;
	bool changed;
	int rc;

	pg__p_text(&p, w->state);
	p_text_or_null(&p, w->assignee);
	pg__p_int(&p, w->updated_ms);
	p_id_or_null(&p, w->closed_ms);
	pg__p_real_or_null(&p, w->energy_lost_kwh);
	pg__p_int(&p, w->id);
	pg__p_int(&p, w->version);
	if ((rc = call(db, "UPDATE workorders SET state = $1, assignee = $2,"
		       " updated_ms = $3, closed_ms = $4::bigint,"
		       " energy_lost_kwh = $5, version = version + 1"
		       " WHERE id = $6 AND version = $7", &p, &r, "work order",
		       e)))
		return rc;
	changed = strcmp(PQcmdTuples(r), "0") != 0;
	PQclear(r);
	if (changed)
		return ERR_OK;
	if (pg_workorder_get(db, w->id, &now, e))
		return e->code;
	return err_set(e, ERR_EXISTS, "work order %lld was changed meanwhile "
		       "(version %lld, not %lld): reload it", (long long)w->id,
		       (long long)now.version, (long long)w->version);
}

int pg_workorder_comment_add(struct db *db,
			     const struct db_workorder_comment *c,
			     int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, c->workorder);
	pg__p_text(&p, c->author);
	pg__p_text(&p, c->body);
	p_id_or_null(&p, c->snapshot_id);
	pg__p_int(&p, c->at_ms);
	if ((rc = call(db, "INSERT INTO workorder_comments (workorder, author,"
		       " body, snapshot_id, at_ms) SELECT id, $2, $3, $4::bigint,"
		       " $5 FROM workorders WHERE id = $1 RETURNING id", &p, &r,
		       "work order comment", e)))
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown work order %lld",
			     (long long)c->workorder);
	else if (id_out)
		*id_out = pg__int(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_workorder_comments(struct db *db, int64_t workorder,
			  int (*each)(const struct db_workorder_comment *c,
				      void *ctx),
			  void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	struct db_workorder_comment c;
	PGresult *r;
	int rc;

	pg__p_int(&p, workorder);
	if ((rc = call(db, "SELECT " COMMENT_COLUMNS " FROM workorder_comments"
		       " WHERE workorder = $1 ORDER BY id", &p, &r,
		       "listing work order comments", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		read_comment(r, i, &c);
		rc = each(&c, ctx);
	}
	PQclear(r);
	return rc;
}
