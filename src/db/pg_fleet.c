/*
 * Fleet in the PostgreSQL store: equipment of devices and camera
 * snapshots (bytea, read in binary), with sqlite_fleet.c's meanings.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A write (*id_out, may be NULL: the id it returned); a foreign key on
 * devices means an unknown device.
 */
static int write_one(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
		     const struct pg_params *p, int64_t *id_out,
		     const char *what, struct err *e)
{
	int rc = pg__run_id(c, id, sql, p, id_out, NULL, what, e);

	if (rc && strstr(e->msg, "foreign key"))
		return err_set(e, ERR_NOT_FOUND, "%s: no such device", what);
	return rc;
}

int pg_equipment_set(struct db *db, const struct db_equipment *q,
		     struct err *e)
{
	struct pg_params p = { 0 };
	struct pg_conn *c;
	int rc;

	pg__p_text(&p, q->device);
	pg__p_text_or_null(&p, q->implement);
	pg__p_real_or_null(&p, q->swath_m);
	pg__p_text_or_null(&p, q->stream_url);
	pg__p_int(&p, q->updated_ms);
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = write_one(c, PG_EQUIPMENT_SET, "INSERT INTO fleet_equipment"
		       " (device, implement, swath_m, stream_url, updated_ms)"
		       " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device) DO"
		       " UPDATE SET implement = excluded.implement,"
		       " swath_m = excluded.swath_m,"
		       " stream_url = excluded.stream_url,"
		       " updated_ms = excluded.updated_ms", &p, NULL, q->device,
		       e);
	pg__conn_put(db, c);
	return rc;
}

#define EQUIPMENT_COLS "device, implement, swath_m, stream_url, updated_ms"

static void read_equipment(const PGresult *r, int i, struct db_equipment *q)
{
	memset(q, 0, sizeof(*q));
	pg__copy(r, i, 0, q->device, sizeof(q->device));
	pg__copy(r, i, 1, q->implement, sizeof(q->implement));
	q->swath_m = pg__real_or_nan(r, i, 2);
	pg__copy(r, i, 3, q->stream_url, sizeof(q->stream_url));
	q->updated_ms = pg__int(r, i, 4);
}

int pg_equipment_get(struct db *db, const char *device,
		     struct db_equipment *out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, device);
	if ((rc = pg__call(db, PG_EQUIPMENT_GET, "SELECT " EQUIPMENT_COLS
			   " FROM fleet_equipment WHERE device = $1", &p, false,
			   &r, "reading equipment", e)))
		return rc;
	if (PQntuples(r))
		read_equipment(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "device '%s' has no equipment "
			     "set", device);
	PQclear(r);
	return rc;
}

static int equipment_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_equipment(r, i, row);
	return ERR_OK;
}

int pg_equipment_list(struct db *db,
		      int (*each)(const struct db_equipment *q, void *ctx),
		      void *ctx, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_EQUIPMENT_LIST, "SELECT " EQUIPMENT_COLS
			   " FROM fleet_equipment ORDER BY device COLLATE \"C\"",
			   NULL, false, &r, "listing equipment", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_equipment), equipment_row,
			    NULL, DB_EACH(db_equipment, each, ctx), e);
}

static int snapshot_insert(struct pg_conn *c, const struct db_snapshot *s,
			   size_t keep, int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 }, trim = { 0 };
	int rc;

	pg__p_text(&p, s->device);
	pg__p_int(&p, s->taken_ms);
	pg__p_int(&p, s->width);
	pg__p_int(&p, s->height);
	pg__p_bytes(&p, s->jpeg, s->len);
	if ((rc = write_one(c, PG_SNAPSHOT_INSERT, "INSERT INTO snapshots"
			    " (device, taken_ms, width, height, jpeg) VALUES"
			    " ($1, $2, $3, $4, $5) RETURNING id", &p, id_out,
			    s->device, e)))
		return rc;
	pg__p_text(&trim, s->device);
	pg__p_int(&trim, (int64_t)keep);
	return write_one(c, PG_SNAPSHOT_TRIM, "DELETE FROM snapshots WHERE"
			 " device = $1 AND id NOT IN (SELECT id FROM snapshots"
			 " WHERE device = $1 ORDER BY id DESC LIMIT $2)", &trim,
			 NULL, s->device, e);
}

int pg_snapshot_add(struct db *db, const struct db_snapshot *s, size_t keep,
		    int64_t *id_out, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	if ((rc = snapshot_insert(c, s, keep, id_out, e)) ||
	    (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

/* Binary rows: id, device, taken_ms, width, height, length (all int8). */
static void read_snapshot(const PGresult *r, int i, struct db_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->id = pg__bin_int(r, i, 0);
	pg__copy(r, i, 1, s->device, sizeof(s->device));
	s->taken_ms = pg__bin_int(r, i, 2);
	s->width = (unsigned)pg__bin_int(r, i, 3);
	s->height = (unsigned)pg__bin_int(r, i, 4);
	s->len = (size_t)pg__bin_int(r, i, 5);
}

#define SNAPSHOT_COLS "id, device, taken_ms, width::bigint, height::bigint," \
	" length(jpeg)::bigint"

int pg_snapshot_get(struct db *db, const char *device, int64_t id,
		    struct db_snapshot *out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	memset(out, 0, sizeof(*out));
	pg__p_text(&p, device);
	pg__p_int(&p, id);
	if (id)
		rc = pg__call(db, PG_SNAPSHOT_GET, "SELECT " SNAPSHOT_COLS ", jpeg"
			      " FROM snapshots WHERE device = $1 AND id = $2",
			      &p, true, &r, "reading a snapshot", e);
	else
		rc = pg__call(db, PG_SNAPSHOT_LATEST, "SELECT " SNAPSHOT_COLS
			      ", jpeg FROM snapshots WHERE device = $1 AND"
			      " $2::bigint = 0 ORDER BY id DESC LIMIT 1", &p,
			      true, &r, "reading a snapshot", e);
	if (rc)
		return rc;
	if (!PQntuples(r)) {
		rc = err_set(e, ERR_NOT_FOUND, "device '%s' has no snapshot%s",
			     device, id ? " with that id" : "");
	} else {
		read_snapshot(r, 0, out);
		out->len = (size_t)PQgetlength(r, 0, 6);
		if (!(out->jpeg = malloc(out->len ? out->len : 1)))
			rc = err_nomem(e);
		else
			memcpy(out->jpeg, PQgetvalue(r, 0, 6), out->len);
	}
	PQclear(r);
	return rc;
}

static int snapshot_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_snapshot(r, i, row);
	return ERR_OK;
}

int pg_snapshot_list(struct db *db, const char *device,
		     int (*each)(const struct db_snapshot *s, void *ctx),
		     void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, device);
	if ((rc = pg__call(db, PG_SNAPSHOT_LIST, "SELECT " SNAPSHOT_COLS " FROM"
			   " snapshots WHERE device = $1 ORDER BY id DESC", &p,
			   true, &r, "listing snapshots", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_snapshot), snapshot_row, NULL,
			    DB_EACH(db_snapshot, each, ctx), e);
}
