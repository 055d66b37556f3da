/*
 * Field plots in the PostgreSQL store: the same rows as sqlite_plots.c,
 * plus a PostGIS geometry(MultiPolygon, 4326) made from the GeoJSON, so
 * that a bbox query is answered by the GiST index (then checked against
 * the stored bbox, exactly as on SQLite).  Areas are still Oasis's own
 * geodesic ones: both backends agree to the m².  Codes sort bytewise
 * (COLLATE "C"), as on SQLite, whatever the database's collation.
 */
#include "db/pg_internal.h"

#include <stdlib.h>
#include <string.h>

#define PLOT_COLUMNS "code, name, crop, variety, sowing_date, irrigation," \
	" soil_texture, field_capacity, wilting_point, owner, extra, geometry," \
	" min_lon, min_lat, max_lon, max_lat, area_m2, updated_ms"
/* what a read selects: the columns written, and the site */
#define PLOT_READ_COLUMNS PLOT_COLUMNS ", site"

static char *value_dup(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? NULL : strdup(PQgetvalue(r, i, col));
}

static int read_plot(const PGresult *r, int i, struct db_plot *p,
		     struct err *e)
{
	memset(p, 0, sizeof(*p));
	pg__copy(r, i, 0, p->code, sizeof(p->code));
	pg__copy(r, i, 1, p->name, sizeof(p->name));
	pg__copy(r, i, 2, p->crop, sizeof(p->crop));
	pg__copy(r, i, 3, p->variety, sizeof(p->variety));
	pg__copy(r, i, 4, p->sowing_date, sizeof(p->sowing_date));
	pg__copy(r, i, 5, p->irrigation, sizeof(p->irrigation));
	pg__copy(r, i, 6, p->soil_texture, sizeof(p->soil_texture));
	p->field_capacity = pg__real_or_nan(r, i, 7);
	p->wilting_point = pg__real_or_nan(r, i, 8);
	pg__copy(r, i, 9, p->owner, sizeof(p->owner));
	p->extra = value_dup(r, i, 10);
	p->geometry = value_dup(r, i, 11);
	for (int k = 0; k < 4; k++)
		p->bbox[k] = pg__real_or_nan(r, i, 12 + k);
	p->area_m2 = pg__real_or_nan(r, i, 16);
	p->updated_ms = pg__int(r, i, 17);
	pg__copy(r, i, 18, p->site, sizeof(p->site));
	if (!p->geometry || (!PQgetisnull(r, i, 10) && !p->extra)) {
		db_plot_free(p);
		return err_nomem(e);
	}
	return ERR_OK;
}

static void params_plot(struct pg_params *p, const struct db_plot *q)
{
	pg__p_text(p, q->code);
	pg__p_text_or_null(p, q->name);
	pg__p_text_or_null(p, q->crop);
	pg__p_text_or_null(p, q->variety);
	pg__p_text_or_null(p, q->sowing_date);
	pg__p_text_or_null(p, q->irrigation);
	pg__p_text_or_null(p, q->soil_texture);
	pg__p_real_or_null(p, q->field_capacity);
	pg__p_real_or_null(p, q->wilting_point);
	pg__p_text_or_null(p, q->owner);
	pg__p_text_or_null(p, q->extra);
	pg__p_text(p, q->geometry);
	for (int i = 0; i < 4; i++)
		pg__p_real_or_null(p, q->bbox[i]);
	pg__p_real_or_null(p, q->area_m2);
	pg__p_int(p, q->updated_ms);
}

/* One plot in; *existed when it replaced one (xmax is set on an update). */
static int upsert_one(struct pg_conn *c, const struct db_plot *q,
		      bool *existed, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	params_plot(&p, q);
	if ((rc = pg__run(c, PG_PLOT_UPSERT, "INSERT INTO plots (" PLOT_COLUMNS
			  ", geom) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
			  " $10, $11, $12, $13, $14, $15, $16, $17, $18,"
			  " ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($12), 4326)))"
			  " ON CONFLICT (code) DO UPDATE SET"
			  " name = excluded.name, crop = excluded.crop,"
			  " variety = excluded.variety,"
			  " sowing_date = excluded.sowing_date,"
			  " irrigation = excluded.irrigation,"
			  " soil_texture = excluded.soil_texture,"
			  " field_capacity = excluded.field_capacity,"
			  " wilting_point = excluded.wilting_point,"
			  " owner = excluded.owner, extra = excluded.extra,"
			  " geometry = excluded.geometry, geom = excluded.geom,"
			  " min_lon = excluded.min_lon, min_lat = excluded.min_lat,"
			  " max_lon = excluded.max_lon, max_lat = excluded.max_lat,"
			  " area_m2 = excluded.area_m2,"
			  " updated_ms = excluded.updated_ms"
			  " RETURNING xmax <> 0", &p, false, &r, q->code, e)))
		return rc;
	*existed = PQntuples(r) && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	return ERR_OK;
}

int pg_plots_upsert(struct db *db, const struct db_plot *rows, size_t n,
		    size_t *added, size_t *updated, struct err *e)
{
	size_t n_added = 0, n_updated = 0;
	struct pg_conn *c;
	bool existed;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	for (size_t i = 0; i < n; i++) {
		if ((rc = upsert_one(c, &rows[i], &existed, e))) {
			err_prefix(e, "storing plot %s", rows[i].code);
			goto out_rollback;
		}
		existed ? n_updated++ : n_added++;
	}
	if ((rc = pg__commit(c, e)))
		goto out_rollback;
	if (added)
		*added = n_added;
	if (updated)
		*updated = n_updated;
	goto out_put;

out_rollback:
	pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_plots_exist(struct db *db, const char *const *codes, size_t n,
		   bool *exists, struct err *e)
{
	struct pg_conn *c;
	PGresult *r;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		struct pg_params p = { 0 };

		pg__p_text(&p, codes[i]);
		if ((rc = pg__run(c, PG_PLOT_EXISTS, "SELECT 1 FROM plots WHERE"
				  " code = $1", &p, false, &r, codes[i], e)))
			break;
		exists[i] = PQntuples(r) > 0;
		PQclear(r);
	}
	pg__conn_put(db, c);
	return rc;
}

int pg_plot_get(struct db *db, const char *code, struct db_plot *out,
		struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, code);
	if ((rc = pg__call(db, PG_PLOT_GET, "SELECT " PLOT_READ_COLUMNS " FROM plots"
			   " WHERE code = $1", &p, false, &r, code, e)))
		return rc;
	if (PQntuples(r))
		rc = read_plot(r, 0, out, e);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no plot with code '%s'", code);
	PQclear(r);
	return rc;
}

int pg_plot_delete(struct db *db, const char *code, struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	pg__p_text(&p, code);
	rc = pg__call_change(db, PG_PLOT_DELETE, "DELETE FROM plots WHERE"
			     " code = $1", &p, "plot", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "no plot with code '%s'", code);
	return rc;
}

static int plot_row(const PGresult *r, int i, void *row, struct err *e)
{
	return read_plot(r, i, row, e);
}

static void plot_row_free(void *row)
{
	db_plot_free(row);
}

int pg_plot_list(struct db *db, const struct db_plot_filter *f,
		 int (*each)(const struct db_plot *p, void *ctx), void *ctx,
		 struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, f ? f->crop : NULL);  /* "" matches nothing, as on SQLite */
	pg__p_text(&p, f ? f->code : NULL);
	pg__p_text(&p, f ? f->site : NULL);
	if (f && f->has_bbox) {
		for (int i = 0; i < 4; i++)
			pg__p_real_or_null(&p, f->bbox[i]);
		/* the index finds the candidates, the stored bbox decides */
		rc = pg__call(db, PG_PLOT_LIST_BBOX, "SELECT " PLOT_READ_COLUMNS
			      " FROM plots WHERE ($1::text IS NULL OR crop = $1)"
			      " AND ($2::text IS NULL OR code = $2)"
			      " AND ($3::text IS NULL OR site = $3)"
			      " AND geom && ST_MakeEnvelope($4, $5, $6, $7, 4326)"
			      " AND max_lon >= $4 AND max_lat >= $5"
			      " AND min_lon <= $6 AND min_lat <= $7"
			      " ORDER BY code COLLATE \"C\"", &p, false, &r,
			      "listing plots", e);
	} else {
		rc = pg__call(db, PG_PLOT_LIST, "SELECT " PLOT_READ_COLUMNS
			      " FROM plots WHERE ($1::text IS NULL OR crop = $1)"
			      " AND ($2::text IS NULL OR code = $2)"
			      " AND ($3::text IS NULL OR site = $3)"
			      " ORDER BY code COLLATE \"C\"", &p, false, &r,
			      "listing plots", e);
	}
	if (rc)
		return rc;
	return pg__each_row(r, sizeof(struct db_plot), plot_row, plot_row_free,
			    DB_EACH(db_plot, each, ctx), e);
}
