/*
 * Sites and PV equipment in the PostgreSQL store; the same meanings and
 * errors as sqlite_sites.c.  Rare calls: statements are not prepared.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SITE_COLUMNS "code, name, kind, tz, lon, lat, alt_m, boundary," \
	" facts, is_default, created_ms, updated_ms"

#define PV_COLUMNS "id, site, kind, coalesce(parent, ''), coalesce(name, '')," \
	" coalesce(subtype, ''), coalesce(met_station, ''), kwp_dc, kw_ac," \
	" coalesce(module_count, 0), gamma_pdc, tilt, azimuth, axis_tilt," \
	" axis_azimuth, max_angle, gcr, lon, lat"

/* Run sql with p on c; *out holds the result on success (PQclear it). */
static int run(struct pg_conn *c, const char *sql, const struct pg_params *p,
	       PGresult **out, const char *what, struct err *e)
{
	PGresult *r = PQexecParams(c->conn, sql, p ? p->n : 0, NULL,
				   p ? p->v : NULL, p ? p->len : NULL,
				   p ? p->fmt : NULL, 0);
	int rc;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg__error(c->conn, r, what, e);
		PQclear(r);
		return rc;
	}
	*out = r;
	return ERR_OK;
}

/* The same on a connection borrowed for it. */
static int call(struct db *db, const char *sql, const struct pg_params *p,
		PGresult **out, const char *what, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = run(c, sql, p, out, what, e);
	pg__conn_put(db, c);
	return rc;
}

static char *dup_or_null(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? NULL : strdup(PQgetvalue(r, i, col));
}

static int read_site(const PGresult *r, int i, struct db_site *s,
		     struct err *e)
{
	memset(s, 0, sizeof(*s));
	pg__copy(r, i, 0, s->code, sizeof(s->code));
	pg__copy(r, i, 1, s->name, sizeof(s->name));
	pg__copy(r, i, 2, s->kind, sizeof(s->kind));
	pg__copy(r, i, 3, s->tz, sizeof(s->tz));
	s->lon = pg__real_or_nan(r, i, 4);
	s->lat = pg__real_or_nan(r, i, 5);
	s->alt_m = pg__real_or_nan(r, i, 6);
	s->boundary = dup_or_null(r, i, 7);
	s->facts = dup_or_null(r, i, 8);
	s->is_default = pg__int(r, i, 9) != 0;
	s->created_ms = pg__int(r, i, 10);
	s->updated_ms = pg__int(r, i, 11);
	if ((!PQgetisnull(r, i, 7) && !s->boundary) ||
	    (!PQgetisnull(r, i, 8) && !s->facts)) {
		db_site_free(s);
		return err_set(e, ERR_NOMEM, "out of memory reading site '%s'",
			       s->code);
	}
	return ERR_OK;
}

static void site_params(struct pg_params *p, const struct db_site *s)
{
	pg__p_text(p, s->code);
	pg__p_text(p, s->name);
	pg__p_text(p, s->kind);
	pg__p_text(p, s->tz);
	pg__p_real_or_null(p, s->lon);
	pg__p_real_or_null(p, s->lat);
	pg__p_real_or_null(p, s->alt_m);
	pg__p_text_or_null(p, s->boundary);
	pg__p_text_or_null(p, s->facts);
	pg__p_int(p, s->created_ms);
	pg__p_int(p, s->updated_ms);
}

int pg_site_create(struct db *db, const struct db_site *s, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	site_params(&p, s);
	rc = call(db, "INSERT INTO sites (code, name, kind, tz, lon, lat, alt_m,"
		  " boundary, facts, created_ms, updated_ms) VALUES ($1, $2, $3,"
		  " $4, $5, $6, $7, $8, $9, $10, $11)", &p, &r, "site", e);
	if (rc == ERR_EXISTS)
		return err_set(e, ERR_EXISTS, "site '%s' already exists",
			       s->code);
	if (!rc)
		PQclear(r);
	return rc;
}

int pg_site_update(struct db *db, const struct db_site *s, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	site_params(&p, s);
	rc = call(db, "UPDATE sites SET name = $2, kind = $3, tz = $4, lon = $5,"
		  " lat = $6, alt_m = $7, boundary = $8, facts = $9,"
		  " updated_ms = $11 WHERE code = $1 AND $10::bigint IS NOT NULL",
		  &p, &r, "site", e);
	if (rc)
		return rc;
	if (!strcmp(PQcmdTuples(r), "0"))
		rc = err_set(e, ERR_NOT_FOUND, "unknown site '%s'", s->code);
	PQclear(r);
	return rc;
}

int pg_site_get(struct db *db, const char *code, struct db_site *out,
		struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, code);
	if ((rc = call(db, "SELECT " SITE_COLUMNS " FROM sites WHERE code = $1",
		       &p, &r, "site", e)))
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown site '%s'", code);
	else
		rc = read_site(r, 0, out, e);
	PQclear(r);
	return rc;
}

int pg_site_list(struct db *db,
		 int (*each)(const struct db_site *s, void *ctx), void *ctx,
		 struct err *e)
{
	struct db_site s;
	PGresult *r;
	int rc;

	if ((rc = call(db, "SELECT " SITE_COLUMNS " FROM sites ORDER BY"
		       " is_default DESC, code", NULL, &r, "listing sites", e)))
		return rc;
	/* the result is in memory and the connection back: each may call */
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		if ((rc = read_site(r, i, &s, e)))
			break;
		rc = each(&s, ctx);
		db_site_free(&s);
	}
	PQclear(r);
	return rc;
}

static const char *member_sql(const char *what, bool update)
{
	if (!strcmp(what, "device"))
		return update ? "UPDATE devices SET site = $1 WHERE id = $2"
			      : "SELECT id FROM devices WHERE site = $1 ORDER BY id";
	if (!strcmp(what, "plot"))
		return update ? "UPDATE plots SET site = $1 WHERE code = $2"
			      : "SELECT code FROM plots WHERE site = $1 ORDER BY code";
	return NULL;
}

static int site_exists(struct pg_conn *c, const char *site, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, site);
	if ((rc = run(c, "SELECT 1 FROM sites WHERE code = $1", &p, &r, "site",
		      e)))
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown site '%s'", site);
	PQclear(r);
	return rc;
}

static int assign_all(struct pg_conn *c, const char *site, const char *what,
		      const char *const *ids, size_t n, struct err *e)
{
	int rc = site_exists(c, site, e);

	for (size_t i = 0; i < n && !rc; i++) {
		struct pg_params p = { 0 };
		PGresult *r;

		pg__p_text(&p, site);
		pg__p_text(&p, ids[i]);
		if ((rc = run(c, member_sql(what, true), &p, &r, "site", e)))
			break;
		if (!strcmp(PQcmdTuples(r), "0"))
			rc = err_set(e, ERR_NOT_FOUND, "unknown %s '%s'", what,
				     ids[i]);
		PQclear(r);
	}
	return rc;
}

int pg_site_assign(struct db *db, const char *site, const char *what,
		   const char *const *ids, size_t n, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if (!member_sql(what, true))
		return err_set(e, ERR_INVALID, "site members: '%s' is neither "
			       "device nor plot", what);
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if (!(rc = pg__begin(c, e))) {
		rc = assign_all(c, site, what, ids, n, e);
		if (rc || (rc = pg__commit(c, e)))
			pg__rollback(c);
	}
	pg__conn_put(db, c);
	return rc;
}

int pg_site_members(struct db *db, const char *site, const char *what,
		    int (*each)(const char *id, void *ctx), void *ctx,
		    struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	if (!member_sql(what, false))
		return err_set(e, ERR_INVALID, "site members: '%s' is neither "
			       "device nor plot", what);
	pg__p_text(&p, site);
	if ((rc = call(db, member_sql(what, false), &p, &r, "site members", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++)
		rc = each(PQgetvalue(r, i, 0), ctx);
	PQclear(r);
	return rc;
}

/* ---- PV equipment ------------------------------------------------------ */

static void read_pv(const PGresult *r, int i, struct db_pv_equipment *q)
{
	memset(q, 0, sizeof(*q));
	pg__copy(r, i, 0, q->id, sizeof(q->id));
	pg__copy(r, i, 1, q->site, sizeof(q->site));
	pg__copy(r, i, 2, q->kind, sizeof(q->kind));
	pg__copy(r, i, 3, q->parent, sizeof(q->parent));
	pg__copy(r, i, 4, q->name, sizeof(q->name));
	pg__copy(r, i, 5, q->subtype, sizeof(q->subtype));
	pg__copy(r, i, 6, q->met_station, sizeof(q->met_station));
	q->kwp_dc = pg__real_or_nan(r, i, 7);
	q->kw_ac = pg__real_or_nan(r, i, 8);
	q->module_count = pg__int(r, i, 9);
	q->gamma_pdc = pg__real_or_nan(r, i, 10);
	q->tilt = pg__real_or_nan(r, i, 11);
	q->azimuth = pg__real_or_nan(r, i, 12);
	q->axis_tilt = pg__real_or_nan(r, i, 13);
	q->axis_azimuth = pg__real_or_nan(r, i, 14);
	q->max_angle = pg__real_or_nan(r, i, 15);
	q->gcr = pg__real_or_nan(r, i, 16);
	q->lon = pg__real_or_nan(r, i, 17);
	q->lat = pg__real_or_nan(r, i, 18);
}

static int pv_device(struct pg_conn *c, const char *site,
		     const struct db_pv_equipment *q, int64_t now_ms,
		     bool *was_new, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, q->id);
	pg__p_text(&p, q->kind);
	pg__p_text_or_null(&p, q->name);
	pg__p_text(&p, site);
	pg__p_real_or_null(&p, q->lon);
	pg__p_real_or_null(&p, q->lat);
	pg__p_int(&p, now_ms);
	/* xmax = 0: the row was inserted, not updated */
	if ((rc = run(c, "INSERT INTO devices (id, kind, name, site, lon, lat,"
		      " created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		      " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,"
		      " name = excluded.name, site = excluded.site"
		      " RETURNING (xmax = 0)", &p, &r, "PV device", e)))
		return rc;
	*was_new = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return ERR_OK;
}

static int pv_row(struct pg_conn *c, const char *site,
		  const struct db_pv_equipment *q, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, q->id);
	pg__p_text(&p, site);
	pg__p_text(&p, q->kind);
	pg__p_text_or_null(&p, q->parent);
	pg__p_text_or_null(&p, q->name);
	pg__p_text_or_null(&p, q->subtype);
	pg__p_text_or_null(&p, q->met_station);
	pg__p_real_or_null(&p, q->kwp_dc);
	pg__p_real_or_null(&p, q->kw_ac);
	if (q->module_count > 0)
		pg__p_int(&p, q->module_count);
	else
		pg__p_text(&p, NULL);
	pg__p_real_or_null(&p, q->gamma_pdc);
	pg__p_real_or_null(&p, q->tilt);
	pg__p_real_or_null(&p, q->azimuth);
	pg__p_real_or_null(&p, q->axis_tilt);
	pg__p_real_or_null(&p, q->axis_azimuth);
	pg__p_real_or_null(&p, q->max_angle);
	pg__p_real_or_null(&p, q->gcr);
	pg__p_real_or_null(&p, q->lon);
	pg__p_real_or_null(&p, q->lat);
	if ((rc = run(c, "INSERT INTO pv_equipment (id, site, kind, parent, name,"
		      " subtype, met_station, kwp_dc, kw_ac, module_count,"
		      " gamma_pdc, tilt, azimuth, axis_tilt, axis_azimuth,"
		      " max_angle, gcr, lon, lat) VALUES ($1, $2, $3, $4, $5, $6,"
		      " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
		      " $19) ON CONFLICT (id) DO UPDATE SET site = excluded.site,"
		      " kind = excluded.kind, parent = excluded.parent,"
		      " name = excluded.name, subtype = excluded.subtype,"
		      " met_station = excluded.met_station,"
		      " kwp_dc = excluded.kwp_dc, kw_ac = excluded.kw_ac,"
		      " module_count = excluded.module_count,"
		      " gamma_pdc = excluded.gamma_pdc, tilt = excluded.tilt,"
		      " azimuth = excluded.azimuth, axis_tilt = excluded.axis_tilt,"
		      " axis_azimuth = excluded.axis_azimuth,"
		      " max_angle = excluded.max_angle, gcr = excluded.gcr,"
		      " lon = excluded.lon, lat = excluded.lat", &p, &r,
		      "PV equipment", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

int pg_pv_import(struct db *db, const char *site,
		 const struct db_pv_equipment *rows, size_t n, int64_t now_ms,
		 size_t *added, size_t *updated, struct err *e)
{
	struct pg_conn *c;
	size_t a = 0;
	bool was_new = false;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	rc = site_exists(c, site, e);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!(rc = pv_device(c, site, &rows[i], now_ms, &was_new, e)))
			rc = pv_row(c, site, &rows[i], e);
		if (rc)
			err_prefix(e, "PV equipment '%s'", rows[i].id);
		else if (was_new)
			a++;
	}
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	if (!rc) {
		*added = a;
		*updated = n - a;
	}
	return rc;
}

int pg_pv_equipment_list(struct db *db, const char *site,
			 int (*each)(const struct db_pv_equipment *q, void *ctx),
			 void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	struct db_pv_equipment q;
	PGresult *r;
	int rc;

	pg__p_text(&p, site);
	if ((rc = call(db, "SELECT " PV_COLUMNS " FROM pv_equipment WHERE"
		       " site = $1 ORDER BY id", &p, &r, "listing PV equipment",
		       e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		read_pv(r, i, &q);
		rc = each(&q, ctx);
	}
	PQclear(r);
	return rc;
}
