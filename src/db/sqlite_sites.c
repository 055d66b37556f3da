/*
 * Sites and PV equipment in the SQLite store.  These calls are rare (an
 * administrator's edit, an import, a listing), so their statements are
 * prepared per call rather than cached in the connection's slots.
 */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SITE_COLUMNS "code, name, kind, tz, lon, lat, alt_m, boundary," \
	" facts, is_default, created_ms, updated_ms"

#define PV_COLUMNS "id, site, kind, coalesce(parent, ''), coalesce(name, '')," \
	" coalesce(subtype, ''), coalesce(met_station, ''), kwp_dc, kw_ac," \
	" coalesce(module_count, 0), gamma_pdc, tilt, azimuth, axis_tilt," \
	" axis_azimuth, max_angle, gcr, lon, lat"

static int prep(struct conn *c, const char *sql, sqlite3_stmt **st,
		struct err *e)
{
	int rc = sqlite3_prepare_v2(c->handle, sql, -1, st, NULL);

	return rc == SQLITE_OK ? ERR_OK : sqlite__error(c, rc, "sites", e);
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? strdup((const char *)t) : NULL;
}

static int read_site(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_site *s = row;

	memset(s, 0, sizeof(*s));
	sqlite__column_copy(st, 0, s->code, sizeof(s->code));
	sqlite__column_copy(st, 1, s->name, sizeof(s->name));
	sqlite__column_copy(st, 2, s->kind, sizeof(s->kind));
	sqlite__column_copy(st, 3, s->tz, sizeof(s->tz));
	s->lon = sqlite__column_real_or_nan(st, 4);
	s->lat = sqlite__column_real_or_nan(st, 5);
	s->alt_m = sqlite__column_real_or_nan(st, 6);
	s->boundary = column_dup(st, 7);
	s->facts = column_dup(st, 8);
	s->is_default = sqlite3_column_int(st, 9) != 0;
	s->created_ms = sqlite3_column_int64(st, 10);
	s->updated_ms = sqlite3_column_int64(st, 11);
	if ((sqlite3_column_type(st, 7) != SQLITE_NULL && !s->boundary) ||
	    (sqlite3_column_type(st, 8) != SQLITE_NULL && !s->facts)) {
		db_site_free(s);
		return err_set(e, ERR_NOMEM, "out of memory reading site '%s'",
			       s->code);
	}
	return ERR_OK;
}

static void free_site(void *row)
{
	db_site_free(row);
}

/* Bind the fields after code: name .. updated_ms from index 2 on. */
static void bind_site(sqlite3_stmt *st, const struct db_site *s)
{
	sqlite3_bind_text(st, 1, s->code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, s->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, s->tz, -1, SQLITE_TRANSIENT);
	sqlite__bind_real_or_null(st, 5, s->lon);
	sqlite__bind_real_or_null(st, 6, s->lat);
	sqlite__bind_real_or_null(st, 7, s->alt_m);
	sqlite__bind_text_or_null(st, 8, s->boundary);
	sqlite__bind_text_or_null(st, 9, s->facts);
	sqlite3_bind_int64(st, 10, s->created_ms);
	sqlite3_bind_int64(st, 11, s->updated_ms);
}

int sqlite_site_create(struct db *db, const struct db_site *s, struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "INSERT INTO sites (code, name, kind, tz, lon, lat,"
		       " alt_m, boundary, facts, created_ms, updated_ms) VALUES"
		       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, e)))
		goto out;
	bind_site(st, s);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = ERR_OK;
	else if ((rc = sqlite__error(c, rc, "site", e)) == ERR_EXISTS)
		err_set(e, ERR_EXISTS, "site '%s' already exists", s->code);
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_site_update(struct db *db, const struct db_site *s, struct err *e)
{
	sqlite3_stmt *st = NULL;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "UPDATE sites SET name = ?2, kind = ?3, tz = ?4,"
		       " lon = ?5, lat = ?6, alt_m = ?7, boundary = ?8,"
		       " facts = ?9, updated_ms = ?11 WHERE code = ?1", &st, e)))
		goto out;
	bind_site(st, s);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		rc = sqlite__error(c, rc, "site", e);
	else if (sqlite3_changes(c->handle) == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown site '%s'", s->code);
	else
		rc = ERR_OK;
out:
	sqlite3_finalize(st);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_site_get(struct db *db, const char *code, struct db_site *out,
		    struct err *e)
{
	struct sqlite_rows rows;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " SITE_COLUMNS " FROM sites WHERE code = ?",
		       &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*out),
				       read_site, free_site, "sites", e)))
		return rc;
	if (rows.n == 0)
		rc = err_set(e, ERR_NOT_FOUND, "unknown site '%s'", code);
	else
		*out = *(struct db_site *)rows.v;
	free(rows.v);
	return rc;
}

int sqlite_site_list(struct db *db,
		     int (*each)(const struct db_site *s, void *ctx), void *ctx,
		     struct err *e)
{
	struct sqlite_rows rows;
	struct db_site *s;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " SITE_COLUMNS " FROM sites ORDER BY"
		       " is_default DESC, code", &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*s),
				       read_site, free_site, "sites", e)))
		return rc;
	s = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&s[i], ctx);
	sqlite__rows_free(&rows, free_site);
	return rc;
}

/* The table and key column of what ("device" or "plot"), or NULL. */
static const char *member_sql(const char *what, bool update)
{
	if (!strcmp(what, "device"))
		return update ? "UPDATE devices SET site = ?1 WHERE id = ?2"
			      : "SELECT id FROM devices WHERE site = ? ORDER BY id";
	if (!strcmp(what, "plot"))
		return update ? "UPDATE plots SET site = ?1 WHERE code = ?2"
			      : "SELECT code FROM plots WHERE site = ? ORDER BY code";
	return NULL;
}

static int site_exists(struct conn *c, const char *site, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(c, "SELECT 1 FROM sites WHERE code = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return ERR_OK;
	if (rc == SQLITE_DONE)
		return err_set(e, ERR_NOT_FOUND, "unknown site '%s'", site);
	return sqlite__error(c, rc, "site", e);
}

static int assign_all(struct conn *c, const char *site, const char *what,
		      const char *const *ids, size_t n, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = site_exists(c, site, e)) ||
	    (rc = prep(c, member_sql(what, true), &st, e)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			rc = sqlite__error(c, rc, "site", e);
		else if (sqlite3_changes(c->handle) == 0)
			rc = err_set(e, ERR_NOT_FOUND, "unknown %s '%s'", what,
				     ids[i]);
		else
			rc = ERR_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int sqlite_site_assign(struct db *db, const char *site, const char *what,
		       const char *const *ids, size_t n, struct err *e)
{
	struct conn *c;
	int rc;

	if (!member_sql(what, true))
		return err_set(e, ERR_INVALID, "site members: '%s' is neither "
			       "device nor plot", what);
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if (!(rc = sqlite__begin(c, e))) {
		rc = assign_all(c, site, what, ids, n, e);
		if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
			sqlite__rollback(c);
	}
	sqlite__conn_put(db, c);
	return rc;
}

struct member {
	char id[DB_NAME_MAX];
};

static int read_member(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	sqlite__column_copy(st, 0, ((struct member *)row)->id, DB_NAME_MAX);
	return ERR_OK;
}

int sqlite_site_members(struct db *db, const char *site, const char *what,
			int (*each)(const char *id, void *ctx), void *ctx,
			struct err *e)
{
	struct sqlite_rows rows;
	struct member *m;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if (!member_sql(what, false))
		return err_set(e, ERR_INVALID, "site members: '%s' is neither "
			       "device nor plot", what);
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, member_sql(what, false), &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*m),
				       read_member, NULL, "sites", e)))
		return rc;
	m = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(m[i].id, ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}

/* ---- PV equipment ------------------------------------------------------ */

static int read_pv(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_pv_equipment *q = row;

	(void)e;
	memset(q, 0, sizeof(*q));
	sqlite__column_copy(st, 0, q->id, sizeof(q->id));
	sqlite__column_copy(st, 1, q->site, sizeof(q->site));
	sqlite__column_copy(st, 2, q->kind, sizeof(q->kind));
	sqlite__column_copy(st, 3, q->parent, sizeof(q->parent));
	sqlite__column_copy(st, 4, q->name, sizeof(q->name));
	sqlite__column_copy(st, 5, q->subtype, sizeof(q->subtype));
	sqlite__column_copy(st, 6, q->met_station, sizeof(q->met_station));
	q->kwp_dc = sqlite__column_real_or_nan(st, 7);
	q->kw_ac = sqlite__column_real_or_nan(st, 8);
	q->module_count = sqlite3_column_int64(st, 9);
	q->gamma_pdc = sqlite__column_real_or_nan(st, 10);
	q->tilt = sqlite__column_real_or_nan(st, 11);
	q->azimuth = sqlite__column_real_or_nan(st, 12);
	q->axis_tilt = sqlite__column_real_or_nan(st, 13);
	q->axis_azimuth = sqlite__column_real_or_nan(st, 14);
	q->max_angle = sqlite__column_real_or_nan(st, 15);
	q->gcr = sqlite__column_real_or_nan(st, 16);
	q->lon = sqlite__column_real_or_nan(st, 17);
	q->lat = sqlite__column_real_or_nan(st, 18);
	return ERR_OK;
}

/* Create the row's device, or move it to the site; *was_new says which. */
static int pv_device(struct conn *c, sqlite3_stmt *ins, sqlite3_stmt *upd,
		     const char *site, const struct db_pv_equipment *q,
		     int64_t now_ms, bool *was_new, struct err *e)
{
	int rc;

	sqlite3_reset(upd);
	sqlite3_bind_text(upd, 1, q->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(upd, 2, q->kind, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(upd, 3, q->name);
	sqlite3_bind_text(upd, 4, site, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(upd)) != SQLITE_DONE)
		return sqlite__error(c, rc, "PV device", e);
	*was_new = sqlite3_changes(c->handle) == 0;
	if (!*was_new)
		return ERR_OK;
	sqlite3_reset(ins);
	sqlite3_bind_text(ins, 1, q->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 2, q->kind, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(ins, 3, q->name);
	sqlite__bind_real_or_null(ins, 4, q->lon);
	sqlite__bind_real_or_null(ins, 5, q->lat);
	sqlite3_bind_int64(ins, 6, now_ms);
	sqlite3_bind_text(ins, 7, site, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(ins)) != SQLITE_DONE)
		return sqlite__error(c, rc, "PV device", e);
	return ERR_OK;
}

static int pv_row(struct conn *c, sqlite3_stmt *st, const char *site,
		  const struct db_pv_equipment *q, struct err *e)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, q->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, q->kind, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 4, q->parent);
	sqlite__bind_text_or_null(st, 5, q->name);
	sqlite__bind_text_or_null(st, 6, q->subtype);
	sqlite__bind_text_or_null(st, 7, q->met_station);
	sqlite__bind_real_or_null(st, 8, q->kwp_dc);
	sqlite__bind_real_or_null(st, 9, q->kw_ac);
	if (q->module_count > 0)
		sqlite3_bind_int64(st, 10, q->module_count);
	sqlite__bind_real_or_null(st, 11, q->gamma_pdc);
	sqlite__bind_real_or_null(st, 12, q->tilt);
	sqlite__bind_real_or_null(st, 13, q->azimuth);
	sqlite__bind_real_or_null(st, 14, q->axis_tilt);
	sqlite__bind_real_or_null(st, 15, q->axis_azimuth);
	sqlite__bind_real_or_null(st, 16, q->max_angle);
	sqlite__bind_real_or_null(st, 17, q->gcr);
	sqlite__bind_real_or_null(st, 18, q->lon);
	sqlite__bind_real_or_null(st, 19, q->lat);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		return sqlite__error(c, rc, "PV equipment", e);
	return ERR_OK;
}

static int pv_import_all(struct conn *c, const char *site,
			 const struct db_pv_equipment *rows, size_t n,
			 int64_t now_ms, size_t *added, struct err *e)
{
	sqlite3_stmt *ins = NULL, *upd = NULL, *eq = NULL;
	bool was_new = false;
	int rc;

	if ((rc = site_exists(c, site, e)) ||
	    (rc = prep(c, "INSERT INTO devices (id, kind, name, lon, lat,"
		       " created_ms, site) VALUES (?, ?, ?, ?, ?, ?, ?)", &ins,
		       e)) ||
	    (rc = prep(c, "UPDATE devices SET kind = ?2, name = ?3, site = ?4"
		       " WHERE id = ?1", &upd, e)) ||
	    (rc = prep(c, "INSERT OR REPLACE INTO pv_equipment (id, site, kind,"
		       " parent, name, subtype, met_station, kwp_dc, kw_ac,"
		       " module_count, gamma_pdc, tilt, azimuth, axis_tilt,"
		       " axis_azimuth, max_angle, gcr, lon, lat) VALUES (?, ?,"
		       " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &eq, e)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!(rc = pv_device(c, ins, upd, site, &rows[i], now_ms,
				     &was_new, e)))
			rc = pv_row(c, eq, site, &rows[i], e);
		if (!rc && was_new)
			(*added)++;
		if (rc)
			err_prefix(e, "PV equipment '%s'", rows[i].id);
	}
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_finalize(eq);
	return rc;
}

int sqlite_pv_import(struct db *db, const char *site,
		     const struct db_pv_equipment *rows, size_t n,
		     int64_t now_ms, size_t *added, size_t *updated,
		     struct err *e)
{
	struct conn *c;
	size_t a = 0;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if (!(rc = sqlite__begin(c, e))) {
		rc = pv_import_all(c, site, rows, n, now_ms, &a, e);
		if (rc || (rc = sqlite__exec(c, "COMMIT", e)))
			sqlite__rollback(c);
	}
	sqlite__conn_put(db, c);
	if (!rc) {
		*added = a;
		*updated = n - a;
	}
	return rc;
}

int sqlite_pv_equipment_list(struct db *db, const char *site,
			     int (*each)(const struct db_pv_equipment *q,
					 void *ctx),
			     void *ctx, struct err *e)
{
	struct sqlite_rows rows;
	struct db_pv_equipment *q;
	sqlite3_stmt *st;
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = prep(c, "SELECT " PV_COLUMNS " FROM pv_equipment WHERE"
		       " site = ? ORDER BY id", &st, e))) {
		sqlite__conn_put(db, c);
		return rc;
	}
	sqlite3_bind_text(st, 1, site, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite__rows_collect(db, c, st, true, &rows, sizeof(*q),
				       read_pv, NULL, "sites", e)))
		return rc;
	q = rows.v;
	for (size_t i = 0; !rc && i < rows.n; i++)
		rc = each(&q[i], ctx);
	sqlite__rows_free(&rows, NULL);
	return rc;
}
