/* Field plots in the SQLite store. */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLOT_COLUMNS "code, name, crop, variety, sowing_date, irrigation," \
	" soil_texture, field_capacity, wilting_point, owner, extra, geometry," \
	" min_lon, min_lat, max_lon, max_lat, area_m2, updated_ms"
/* what a read selects: the columns written, and the site */
#define PLOT_READ_COLUMNS PLOT_COLUMNS ", site"

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? strdup((const char *)t) : NULL;
}

/* Fill p from a row of PLOT_COLUMNS; heap fields are strdup'ed. */
static int read_plot(sqlite3_stmt *st, struct db_plot *p, struct err *e)
{
	memset(p, 0, sizeof(*p));
	sqlite__column_copy(st, 0, p->code, sizeof(p->code));
	sqlite__column_copy(st, 1, p->name, sizeof(p->name));
	sqlite__column_copy(st, 2, p->crop, sizeof(p->crop));
	sqlite__column_copy(st, 3, p->variety, sizeof(p->variety));
	sqlite__column_copy(st, 4, p->sowing_date, sizeof(p->sowing_date));
	sqlite__column_copy(st, 5, p->irrigation, sizeof(p->irrigation));
	sqlite__column_copy(st, 6, p->soil_texture, sizeof(p->soil_texture));
	p->field_capacity = sqlite__column_real_or_nan(st, 7);
	p->wilting_point = sqlite__column_real_or_nan(st, 8);
	sqlite__column_copy(st, 9, p->owner, sizeof(p->owner));
	p->extra = column_dup(st, 10);
	p->geometry = column_dup(st, 11);
	for (int i = 0; i < 4; i++)
		p->bbox[i] = sqlite3_column_double(st, 12 + i);
	p->area_m2 = sqlite3_column_double(st, 16);
	p->updated_ms = sqlite3_column_int64(st, 17);
	sqlite__column_copy(st, 18, p->site, sizeof(p->site));
	if (!p->geometry || (sqlite3_column_type(st, 10) != SQLITE_NULL && !p->extra)) {
		db_plot_free(p);
		return err_nomem(e);
	}
	return ERR_OK;
}

static void bind_plot(sqlite3_stmt *st, const struct db_plot *p)
{
	sqlite3_bind_text(st, 1, p->code, -1, SQLITE_TRANSIENT);
	sqlite__bind_text_or_null(st, 2, p->name);
	sqlite__bind_text_or_null(st, 3, p->crop);
	sqlite__bind_text_or_null(st, 4, p->variety);
	sqlite__bind_text_or_null(st, 5, p->sowing_date);
	sqlite__bind_text_or_null(st, 6, p->irrigation);
	sqlite__bind_text_or_null(st, 7, p->soil_texture);
	sqlite__bind_real_or_null(st, 8, p->field_capacity);
	sqlite__bind_real_or_null(st, 9, p->wilting_point);
	sqlite__bind_text_or_null(st, 10, p->owner);
	sqlite__bind_text_or_null(st, 11, p->extra);
	sqlite3_bind_text(st, 12, p->geometry, -1, SQLITE_STATIC);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_double(st, 13 + i, p->bbox[i]);
	sqlite3_bind_double(st, 17, p->area_m2);
	sqlite3_bind_int64(st, 18, p->updated_ms);
}

static int plot_exists(struct conn *c, const char *code, bool *exists,
		       struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_PLOT_EXISTS,
			       "SELECT 1 FROM plots WHERE code = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite__error(c, rc, code, e);
	*exists = rc == SQLITE_ROW;
	return ERR_OK;
}

static int upsert_one(struct conn *c, const struct db_plot *p, bool *existed,
		      struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = plot_exists(c, p->code, existed, e)))
		return rc;
	if ((rc = sqlite__stmt(c, ST_PLOT_UPSERT,
			       "INSERT INTO plots (" PLOT_COLUMNS ") VALUES"
			       " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
			       " ON CONFLICT (code) DO UPDATE SET"
			       " name = excluded.name, crop = excluded.crop,"
			       " variety = excluded.variety,"
			       " sowing_date = excluded.sowing_date,"
			       " irrigation = excluded.irrigation,"
			       " soil_texture = excluded.soil_texture,"
			       " field_capacity = excluded.field_capacity,"
			       " wilting_point = excluded.wilting_point,"
			       " owner = excluded.owner, extra = excluded.extra,"
			       " geometry = excluded.geometry,"
			       " min_lon = excluded.min_lon, min_lat = excluded.min_lat,"
			       " max_lon = excluded.max_lon, max_lat = excluded.max_lat,"
			       " area_m2 = excluded.area_m2,"
			       " updated_ms = excluded.updated_ms", &st, e)))
		return rc;
	bind_plot(st, p);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite__error(c, rc, p->code, e);
	return ERR_OK;
}

int sqlite_plots_upsert(struct db *db, const struct db_plot *rows, size_t n,
			size_t *added, size_t *updated, struct err *e)
{
	struct conn *c;
	size_t n_added = 0, n_updated = 0;
	bool existed;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__exec(c, "BEGIN IMMEDIATE", e)))
		goto out_put;
	for (size_t i = 0; i < n; i++) {
		if ((rc = upsert_one(c, &rows[i], &existed, e))) {
			err_prefix(e, "storing plot %s", rows[i].code);
			goto out_rollback;
		}
		existed ? n_updated++ : n_added++;
	}
	if ((rc = sqlite__exec(c, "COMMIT", e)))
		goto out_rollback;
	if (added)
		*added = n_added;
	if (updated)
		*updated = n_updated;
	goto out_put;

out_rollback:
	sqlite3_exec(c->handle, "ROLLBACK", NULL, NULL, NULL);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_plots_exist(struct db *db, const char *const *codes, size_t n,
		       bool *exists, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = plot_exists(c, codes[i], &exists[i], e);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_plot_get(struct db *db, const char *code, struct db_plot *out,
		    struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_PLOT_GET, "SELECT " PLOT_READ_COLUMNS
				     " FROM plots WHERE code = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_plot(st, out, e);
	else if (rc == SQLITE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "no plot with code '%s'", code);
	else
		rc = sqlite__error(c, rc, code, e);
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_plot_delete(struct db *db, const char *code, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_PLOT_DELETE,
				     "DELETE FROM plots WHERE code = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(c, st, "plot", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "no plot with code '%s'", code);
	return sqlite__call_end(db, c, st, rc);
}

static int plot_row(sqlite3_stmt *st, void *row, struct err *e)
{
	return read_plot(st, row, e);
}

static void plot_row_free(void *row)
{
	db_plot_free(row);
}

int sqlite_plot_list(struct db *db, const struct db_plot_filter *f,
		     int (*each)(const struct db_plot *p, void *ctx), void *ctx,
		     struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_PLOT_LIST, "SELECT " PLOT_READ_COLUMNS
				     " FROM plots WHERE (?1 IS NULL OR crop = ?1)"
				     " AND (?2 IS NULL OR code = ?2)"
				     " AND (?3 IS NULL OR (max_lon >= ?3 AND"
				     " max_lat >= ?4 AND min_lon <= ?5 AND min_lat <= ?6))"
				     " AND (?7 IS NULL OR site = ?7)"
				     " ORDER BY code", &c, &st, e)))
		return rc;
	if (f && f->crop)
		sqlite3_bind_text(st, 1, f->crop, -1, SQLITE_TRANSIENT);
	if (f && f->code)
		sqlite3_bind_text(st, 2, f->code, -1, SQLITE_TRANSIENT);
	if (f && f->has_bbox)
		for (int i = 0; i < 4; i++)
			sqlite3_bind_double(st, 3 + i, f->bbox[i]);
	if (f && f->site)
		sqlite3_bind_text(st, 7, f->site, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_plot), plot_row,
				plot_row_free, DB_EACH(db_plot, each, ctx),
				"listing plots", e);
}
