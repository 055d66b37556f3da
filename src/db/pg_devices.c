/*
 * Devices and their series in the PostgreSQL store; the same meanings and
 * errors as sqlite_devices.c.  Finding-or-adding a metric or a series is
 * race-free between writers: INSERT ... ON CONFLICT DO NOTHING, then read.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEVICE_COLUMNS "id, kind, coalesce(plot, ''), name, lon, lat," \
	" created_ms, deleted_ms, site"

static void read_device(const PGresult *r, int i, struct db_device *d)
{
	memset(d, 0, sizeof(*d));
	pg__copy(r, i, 0, d->id, sizeof(d->id));
	pg__copy(r, i, 1, d->kind, sizeof(d->kind));
	pg__copy(r, i, 2, d->plot, sizeof(d->plot));
	pg__copy(r, i, 3, d->name, sizeof(d->name));
	d->lon = pg__real_or_nan(r, i, 4);
	d->lat = pg__real_or_nan(r, i, 5);
	d->created_ms = pg__int(r, i, 6);
	d->deleted_ms = pg__int(r, i, 7);
	pg__copy(r, i, 8, d->site, sizeof(d->site));
}

/* A device's kind, plot, name, lon and lat (a place only when whole). */
static void device_params(struct pg_params *p, const struct db_device *d)
{
	bool where = isfinite(d->lon) && isfinite(d->lat);

	pg__p_text(p, d->kind);
	pg__p_text_or_null(p, d->plot);
	pg__p_text_or_null(p, d->name);
	pg__p_real_or_null(p, where ? d->lon : NAN);
	pg__p_real_or_null(p, where ? d->lat : NAN);
}

static int insert_device(struct pg_conn *c, const struct db_device *d,
			 struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, d->id);
	device_params(&p, d);
	pg__p_int(&p, d->created_ms);
	rc = pg__run(c, PG_DEVICE_INSERT, "INSERT INTO devices (id, kind, plot,"
		     " name, lon, lat, created_ms) VALUES ($1, $2, $3, $4, $5,"
		     " $6, $7)", &p, false, &r, "device", e);
	if (!rc) {
		PQclear(r);
		return ERR_OK;
	}
	if (strstr(e->msg, "foreign key"))
		return err_set(e, ERR_NOT_FOUND, "device '%s': no plot with code "
			       "'%s'", d->id, d->plot);
	if (rc == ERR_EXISTS)
		err_set(e, ERR_EXISTS, "device '%s' already exists", d->id);
	return rc;
}

int pg_devices_create(struct db *db, const struct db_device *d, size_t n,
		      struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = insert_device(c, &d[i], e);
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_device_create(struct db *db, const struct db_device *d, struct err *e)
{
	return pg_devices_create(db, d, 1, e);
}

int pg_device_get(struct db *db, const char *id, struct db_device *out,
		  struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, id);
	if ((rc = pg__call(db, PG_DEVICE_GET, "SELECT " DEVICE_COLUMNS
			   " FROM devices WHERE id = $1", &p, false, &r,
			   "reading a device", e)))
		return rc;
	if (PQntuples(r))
		read_device(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", id);
	PQclear(r);
	return rc;
}

static int device_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_device(r, i, row);
	return ERR_OK;
}

int pg_device_list(struct db *db, const char *plot,
		   int (*each)(const struct db_device *d, void *ctx), void *ctx,
		   struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	if (plot) {
		pg__p_text(&p, plot);
		rc = pg__call(db, PG_DEVICE_LIST_PLOT, "SELECT " DEVICE_COLUMNS
			      " FROM devices WHERE plot = $1 ORDER BY"
			      " id COLLATE \"C\"", &p, false, &r,
			      "listing devices", e);
	} else {
		rc = pg__call(db, PG_DEVICE_LIST, "SELECT " DEVICE_COLUMNS
			      " FROM devices ORDER BY id COLLATE \"C\"", NULL,
			      false, &r, "listing devices", e);
	}
	if (rc)
		return rc;
	return pg__each_row(r, sizeof(struct db_device), device_row, NULL,
			    DB_EACH(db_device, each, ctx), e);
}

static int metric_id(struct pg_conn *c, const char *metric, int64_t *out,
		     struct err *e)
{
	struct pg_params p = { 0 };
	bool found;
	int rc;

	pg__p_text(&p, metric);
	if ((rc = pg__run_id(c, PG_METRIC_FIND, "SELECT id FROM metrics WHERE"
			     " name = $1", &p, out, &found, "reading a metric", e)))
		return rc;
	if (found)
		return ERR_OK;
	if ((rc = pg__run_id(c, PG_METRIC_ENSURE, "INSERT INTO metrics (name)"
			     " VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING"
			     " id", &p, out, &found, "adding a metric", e)))
		return rc;
	if (found)
		return ERR_OK;
	/* another writer added it meanwhile */
	if ((rc = pg__run_id(c, PG_METRIC_FIND, "SELECT id FROM metrics WHERE"
			     " name = $1", &p, out, &found, "reading a metric", e)))
		return rc;
	return found ? ERR_OK : err_set(e, ERR_STORE, "metric '%s' vanished",
					metric);
}

static int series_one(struct pg_conn *c, const char *device,
		      const char *metric, int64_t *id, struct err *e)
{
	struct pg_params p = { 0 };
	int64_t mid = 0;
	bool found;
	int rc;

	if ((rc = metric_id(c, metric, &mid, e)))
		return rc;
	pg__p_text(&p, device);
	pg__p_int(&p, mid);
	if ((rc = pg__run_id(c, PG_SERIES_FIND, "SELECT id FROM series WHERE"
			     " device = $1 AND metric = $2", &p, id, &found,
			     "reading a series", e)) || found)
		return rc;
	rc = pg__run_id(c, PG_SERIES_INSERT, "INSERT INTO series (device, metric)"
		        " VALUES ($1, $2) ON CONFLICT (device, metric) DO NOTHING"
		        " RETURNING id", &p, id, &found, "adding a series", e);
	if (rc && strstr(e->msg, "foreign key"))
		return err_set(e, ERR_NOT_FOUND, "unknown device '%s'", device);
	if (rc || found)
		return rc;
	if ((rc = pg__run_id(c, PG_SERIES_FIND, "SELECT id FROM series WHERE"
			     " device = $1 AND metric = $2", &p, id, &found,
			     "reading a series", e)))
		return rc;
	return found ? ERR_OK : err_set(e, ERR_STORE, "series %s/%s vanished",
					device, metric);
}

int pg_series_ensure_many(struct db *db, const char *const *devices,
			  const char *const *metrics, size_t n, int64_t *ids,
			  struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = series_one(c, devices[i], metrics[i], &ids[i], e);
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_series_ensure(struct db *db, const char *device, const char *metric,
		     int64_t *id_out, struct err *e)
{
	return pg_series_ensure_many(db, &device, &metric, 1, id_out, e);
}

static int series_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_series *s = row;

	(void)e;
	s->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, s->device, sizeof(s->device));
	pg__copy(r, i, 2, s->metric, sizeof(s->metric));
	return ERR_OK;
}

int pg_series_list(struct db *db, const char *device,
		   int (*each)(const struct db_series *s, void *ctx), void *ctx,
		   struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	if (device) {
		pg__p_text(&p, device);
		rc = pg__call(db, PG_SERIES_LIST_DEVICE, "SELECT s.id, s.device,"
			      " m.name FROM series s JOIN metrics m ON m.id ="
			      " s.metric WHERE s.device = $1 ORDER BY s.id", &p,
			      false, &r, "listing series", e);
	} else {
		rc = pg__call(db, PG_SERIES_LIST, "SELECT s.id, s.device, m.name"
			      " FROM series s JOIN metrics m ON m.id = s.metric"
			      " ORDER BY s.id", NULL, false, &r,
			      "listing series", e);
	}
	if (rc)
		return rc;
	return pg__each_row(r, sizeof(struct db_series), series_row, NULL,
			    DB_EACH(db_series, each, ctx), e);
}

/* Run one statement binding (int8, text); ERR_NOT_FOUND if no row changed. */
static int change_int_text(struct pg_conn *c, enum pg_stmt_id id,
			   const char *sql, int64_t v, const char *text,
			   bool need_change, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, v);
	pg__p_text(&p, text);
	if ((rc = pg__run(c, id, sql, &p, false, &r, "deleting a device", e)))
		return rc;
	if (need_change && !strcmp(PQcmdTuples(r), "0"))
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", text);
	PQclear(r);
	return rc;
}

int pg_device_delete(struct db *db, const char *id, int64_t now_ms,
		     struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	rc = change_int_text(c, PG_DEVICE_DELETE, "UPDATE devices SET deleted_ms"
			     " = $1 WHERE id = $2 AND deleted_ms = 0", now_ms,
			     id, true, e);
	if (!rc)
		rc = change_int_text(c, PG_DEVICE_REVOKE_TOKENS, "UPDATE tokens"
				     " SET revoked_ms = $1 WHERE device = $2 AND"
				     " revoked_ms = 0", now_ms, id, false, e);
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_device_update(struct db *db, const struct db_device *d, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	device_params(&p, d);
	pg__p_text(&p, d->id);
	rc = pg__call(db, PG_DEVICE_UPDATE, "UPDATE devices SET kind = $1,"
		      " plot = $2, name = $3, lon = $4, lat = $5 WHERE id = $6"
		      " AND deleted_ms = 0", &p, false, &r, "device", e);
	if (rc) {
		if (strstr(e->msg, "foreign key"))
			return err_set(e, ERR_NOT_FOUND, "device '%s': no plot "
				       "with code '%s'", d->id, d->plot);
		return rc;
	}
	if (!strcmp(PQcmdTuples(r), "0"))
		rc = err_set(e, ERR_NOT_FOUND, "unknown device '%s'", d->id);
	PQclear(r);
	return rc;
}
