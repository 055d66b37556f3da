/*
 * The time-series engine's chunks and newest points in the PostgreSQL
 * store.  Chunks live in a table partitioned by month of ts_min (one
 * partition per month, made ahead of need: at open for the coming months,
 * and before a write for any month it reaches); their seq comes from the
 * sequence chunk_seq, safe with several writers.  A chunk write (a seal, a
 * compaction, a bulk load) is one transaction, as on SQLite: its chunks,
 * the chunks they replace, the newest points and the engine state value
 * commit together or not at all.
 */
#include "db/pg_internal.h"
#include "db/pg_retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* The month (years * 12 + month - 1) holding the instant ms. */
static int64_t month_of(int64_t ms)
{
	int64_t days = (ms >= 0 ? ms : ms - MS_PER_DAY + 1) / MS_PER_DAY;
	int y, m, d;

	time_civil_from_days(days, &y, &m, &d);
	return (int64_t)y * 12 + m - 1;
}

static int64_t month_start_ms(int64_t month)
{
	return time_days_from_civil((int)(month / 12), (int)(month % 12) + 1, 1) *
	       MS_PER_DAY;
}

static bool month_known(struct pg_db *db, int64_t month)
{
	bool known = false;

	pthread_mutex_lock(&db->lock);
	for (size_t i = 0; i < db->n_months && !known; i++)
		known = db->months[i] == month;
	pthread_mutex_unlock(&db->lock);
	return known;
}

static void month_remember(struct pg_db *db, int64_t month)
{
	pthread_mutex_lock(&db->lock);
	if (db->n_months == PG_MONTHS_KNOWN) /* forget the oldest half */
		memmove(db->months, db->months + PG_MONTHS_KNOWN / 2,
			(db->n_months -= PG_MONTHS_KNOWN / 2) *
			sizeof(db->months[0]));
	db->months[db->n_months++] = month;
	pthread_mutex_unlock(&db->lock);
}

/*
 * Create the partition of one month, in its own transaction under an
 * advisory lock (two nodes making it at once).  DDL takes no parameters:
 * the name and bounds are integers computed here, never caller text.
 */
static int partition_make(struct pg_conn *c, int64_t month, struct err *e)
{
	char sql[320];
	int64_t y = month / 12, m = month % 12 + 1;

	if (y < 1 || y > 9999)
		return err_set(e, ERR_INVALID, "chunk time: year %lld is out of "
			       "range", (long long)y);
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS chunks_%04lld_%02lld"
		 " PARTITION OF chunks FOR VALUES FROM (%lld) TO (%lld)",
		 (long long)y, (long long)m, (long long)month_start_ms(month),
		 (long long)month_start_ms(month + 1));
	if (pg__begin(c, e) ||
	    pg__exec(c, "SELECT pg_advisory_xact_lock(476858084724)",
		     "locking the chunk partitions", e) ||
	    pg__exec(c, sql, "making a chunk partition", e) ||
	    pg__commit(c, e)) {
		pg__rollback(c);
		return e ? e->code : ERR_STORE;
	}
	return ERR_OK;
}

static int ensure_on(struct db *db, struct pg_conn *c, int64_t from_ms,
		     int64_t to_ms, struct err *e)
{
	int64_t first = month_of(from_ms), last = month_of(to_ms);
	int rc;

	for (int64_t m = first; m <= last; m++) {
		if (month_known(pg_db(db), m))
			continue;
		if ((rc = partition_make(c, m, e)))
			return rc;
		month_remember(pg_db(db), m);
	}
	return ERR_OK;
}

int pg__partitions_ensure(struct db *db, int64_t from_ms, int64_t to_ms,
			  struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = ensure_on(db, c, from_ms, to_ms, e);
	pg__conn_put(db, c);
	return rc;
}

static int run_clear(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
		     const struct pg_params *p, const char *what,
		     struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__run(c, id, sql, p, false, &r, what, e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

static int insert_chunk(struct pg_conn *c, const struct db_chunk *k,
			int64_t keep_seq, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, k->series);
	pg__p_int(&p, k->ts_min);
	if (keep_seq)
		pg__p_int(&p, keep_seq);
	else
		pg__p_text_or_null(&p, NULL);
	pg__p_int(&p, k->ts_max);
	pg__p_bytes(&p, k->data, k->len);
	return run_clear(c, PG_CHUNK_INSERT, "INSERT INTO chunks (series,"
			 " ts_min, seq, ts_max, data) VALUES ($1, $2,"
			 " coalesce($3::bigint, nextval('chunk_seq')), $4, $5)",
			 &p, "storing a chunk", e);
}

static int delete_chunk(struct pg_conn *c, const struct db_chunk_ref *ref,
			struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, ref->series);
	pg__p_int(&p, ref->ts_min);
	pg__p_int(&p, ref->seq);
	return run_clear(c, PG_CHUNK_DELETE, "DELETE FROM chunks WHERE"
			 " series = $1 AND ts_min = $2 AND seq = $3", &p,
			 "replacing a chunk", e);
}

static int upsert_latest(struct pg_conn *c, const struct db_latest *l,
			 struct err *e)
{
	struct pg_params p = { 0 };
	char v[40];

	pg__p_int(&p, l->series);
	pg__p_int(&p, l->ts);
	/* the value as is, even if not finite (the column is NOT NULL) */
	snprintf(v, sizeof(v), "%.17g", l->value);
	pg__p_text(&p, v);
	return run_clear(c, PG_LATEST_UPSERT, "INSERT INTO latest (series, ts,"
			 " value) VALUES ($1, $2, $3) ON CONFLICT (series) DO"
			 " UPDATE SET ts = excluded.ts, value = excluded.value"
			 " WHERE excluded.ts >= latest.ts", &p, "latest value",
			 e);
}

static int set_state(struct pg_conn *c, const char *key, int64_t value,
		     struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, key);
	pg__p_int(&p, value);
	return run_clear(c, PG_STATE_SET, "INSERT INTO ts_state (key, value)"
			 " VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET"
			 " value = excluded.value", &p, "engine state", e);
}

static int write_all(struct pg_conn *c, const struct db_chunk_write *w,
		     struct err *e)
{
	int64_t keep_seq = 0;
	int rc;

	for (size_t i = 0; i < w->n_replace; i++) {
		if (w->replace[i].seq > keep_seq)
			keep_seq = w->replace[i].seq;
		if ((rc = delete_chunk(c, &w->replace[i], e)))
			return rc;
	}
	for (size_t i = 0; i < w->n_add; i++)
		if ((rc = insert_chunk(c, &w->add[i], i == 0 ? keep_seq : 0, e)))
			return rc;
	for (size_t i = 0; i < w->n_latest; i++)
		if ((rc = upsert_latest(c, &w->latest[i], e)))
			return rc;
	if (w->state_key && (rc = set_state(c, w->state_key, w->state_value, e)))
		return rc;
	return ERR_OK;
}

struct chunks_write {
	struct db *db;
	const struct db_chunk_write *w;
};

static int chunks_write_on(struct pg_conn *c, void *ctx, struct err *e)
{
	struct chunks_write *a = ctx;
	const struct db_chunk_write *w = a->w;
	int rc = ERR_OK;

	for (size_t i = 0; i < w->n_add && !rc; i++)
		rc = ensure_on(a->db, c, w->add[i].ts_min, w->add[i].ts_min, e);
	if (rc || (rc = pg__begin(c, e)))
		return rc;
	if ((rc = write_all(c, w, e)) || (rc = pg__commit(c, e)))
		pg__rollback(c);
	return rc;
}

/*
 * One transaction, run again whole when it failed transiently (a failover,
 * or a COMMIT whose outcome is unknown): idempotent, since the same chunks
 * written twice read back the same (the higher seq wins with the same
 * points) and a deleted chunk stays deleted.
 */
int pg_chunks_write(struct db *db, const struct db_chunk_write *w,
		    struct err *e)
{
	struct chunks_write a = { db, w };

	return pg_retry_run(db, chunks_write_on, &a, e);
}

/* One range's rows, whole, in binary (int8 and bytea as they are). */
static int read_range(struct pg_conn *c, const struct db_chunk_range *r,
		      PGresult **out, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, r->series);
	pg__p_int(&p, r->from > INT64_MIN + DB_CHUNK_MAX_SPAN_MS
		  ? r->from - DB_CHUNK_MAX_SPAN_MS : INT64_MIN);
	pg__p_int(&p, r->to);
	pg__p_int(&p, r->from);
	return pg__run(c, PG_CHUNK_READ, "SELECT ts_min, seq, ts_max, data"
		       " FROM chunks WHERE series = $1 AND ts_min >= $2 AND"
		       " ts_min <= $3 AND ts_max >= $4 ORDER BY ts_min, seq",
		       &p, true, out, "reading chunks", e);
}

static int each_chunk(const PGresult *res, const struct db_chunk_range *r)
{
	struct db_chunk k = { .series = r->series };
	int rc = ERR_OK;

	for (int i = 0; !rc && i < PQntuples(res); i++) {
		k.ts_min = pg__bin_int(res, i, 0);
		k.seq = pg__bin_int(res, i, 1);
		k.ts_max = pg__bin_int(res, i, 2);
		k.data = PQgetvalue(res, i, 3);
		k.len = (size_t)PQgetlength(res, i, 3);
		rc = r->each(&k, r->ctx);
	}
	return rc;
}

/*
 * The ranges' rows come whole into results (several in one REPEATABLE READ
 * transaction: one snapshot for all, as on SQLite), the connection goes
 * back, then the callbacks run: stricter than the streaming the interface
 * allows, so a callback may even call the store.
 */
int pg_chunks_read_view(struct db *db, const struct db_chunk_range *r,
			size_t n, struct err *e)
{
	PGresult **res = calloc(n ? n : 1, sizeof(*res));
	struct pg_conn *c;
	int rc;

	if (!res)
		return err_nomem(e);
	if ((rc = pg__conn_get(db, &c, e)))
		goto out_free;
	if (n > 1 && (rc = pg__exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ"
				    " READ ONLY", "starting a read", e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = read_range(c, &r[i], &res[i], e);
	if (n > 1 && (rc || (rc = pg__commit(c, e))))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	for (size_t i = 0; i < n && !rc; i++)
		rc = each_chunk(res[i], &r[i]);
out_free:
	for (size_t i = 0; i < n; i++)
		PQclear(res[i]);
	free(res);
	return rc;
}

int pg_chunks_read(struct db *db, int64_t series, int64_t from, int64_t to,
		   int (*each)(const struct db_chunk *c, void *ctx), void *ctx,
		   struct err *e)
{
	struct db_chunk_range r = { series, from, to, each, ctx };

	return pg_chunks_read_view(db, &r, 1, e);
}

int pg_latest_list(struct db *db,
		   int (*each)(const struct db_latest *l, void *ctx), void *ctx,
		   struct err *e)
{
	struct db_latest l;
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_LATEST_LIST, "SELECT series, ts, value FROM"
			   " latest ORDER BY series", NULL, false, &r,
			   "reading latest values", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		l.series = pg__int(r, i, 0);
		l.ts = pg__int(r, i, 1);
		l.value = pg__real_or_nan(r, i, 2);
		rc = each(&l, ctx);
	}
	PQclear(r);
	return rc;
}
