/*
 * The time-series engine's chunks and newest points in the PostgreSQL
 * store.  Raw chunks (series >= 0) live in a table partitioned by month of
 * ts_min (one partition per month, made ahead of need: at open and by the
 * maintenance pass for this month and the next two, and before a write for
 * any month it reaches); the rollups (series < 0) live apart in
 * chunks_rollup, so that once retention has rolled up every raw chunk of
 * an old month its emptied partition is dropped whole (db_chunks_maintain)
 * instead of waiting for autovacuum.  seq comes from the sequence
 * chunk_seq, safe with several writers.
 *
 * A chunk write (a checkpoint, a compaction, a rollup, a bulk load) is one
 * transaction, as on SQLite: its chunks (sent with one binary COPY per
 * table when there are several), the chunks they replace (one DELETE), the
 * newest points (one INSERT ... ON CONFLICT of arrays) and the engine
 * state value commit together or not at all.
 */
#include "db/pg_internal.h"
#include "db/backends.h"
#include "db/pg_retry.h"

#include <stdarg.h>
#include <stdint.h>
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
static void month_forget(struct pg_db *db, int64_t month)
{
	pthread_mutex_lock(&db->lock);
	for (size_t i = 0; i < db->n_months; i++)
		if (db->months[i] == month)
			db->months[i] = db->months[--db->n_months];
	pthread_mutex_unlock(&db->lock);
}

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

/* Append to a growing text buffer; ERR_NOMEM when it cannot grow. */
struct text {
	char *s;
	size_t len, cap;
};

static int text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL,
			      t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return ERR_INVALID;
		if (t->s && t->len + (size_t)n < t->cap)
			break;
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *b = realloc(t->s, cap);

		if (!b)
			return ERR_NOMEM;
		t->s = b;
		t->cap = cap;
	}
	t->len += (size_t)n;
	return ERR_OK;
}

/* One chunk, into chunks or chunks_rollup by its series' sign. */
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
	return run_clear(c, PG_CHUNK_INSERT, "WITH r AS (INSERT INTO"
			 " chunks_rollup (series, ts_min, seq, ts_max, data)"
			 " SELECT $1::int8, $2::int8, coalesce($3::int8,"
			 " nextval('chunk_seq')), $4::int8, $5::bytea WHERE"
			 " $1::int8 < 0) INSERT INTO chunks (series, ts_min, seq,"
			 " ts_max, data) SELECT $1::int8, $2::int8,"
			 " coalesce($3::int8, nextval('chunk_seq')), $4::int8,"
			 " $5::bytea WHERE $1::int8 >= 0", &p, "storing a chunk",
			 e);
}

/*
 * A merge (a write that replaces chunks) and the writes of the same series
 * are serialised by a transaction-level advisory lock of the series'
 * bucket (series mod 64): writers take it shared before their chunks get
 * a seq, a merge takes it alone before it checks what it replaces.  So a
 * write whose seq was drawn before the merge's check has committed when the
 * check runs (and is seen), and one drawn after gets a seq above every
 * replaced one.  Without it a correction committed while its window was
 * merged, with a seq below the newest replaced, lost to the merged chunk
 * (which keeps that newest seq).  64 buckets bound the locks a big write
 * holds (PostgreSQL's lock table is shared and small).
 */
#define CHUNK_LOCK_CLASS "1331851587"   /* "OASC" */
#define CHUNK_LOCK_BUCKETS 64
/* DB_CHUNK_MAX_SPAN_MS in SQL */
#define MAX_SPAN_SQL "5529600000"
_Static_assert(DB_CHUNK_MAX_SPAN_MS == INT64_C(5529600000),
	       "MAX_SPAN_SQL is DB_CHUNK_MAX_SPAN_MS");

static uint64_t bucket_bit(int64_t series)
{
	return UINT64_C(1) << (uint64_t)(((series % CHUNK_LOCK_BUCKETS) +
					  CHUNK_LOCK_BUCKETS) %
					 CHUNK_LOCK_BUCKETS);
}

/* Take the buckets of mask: shared (writers) or alone (a merge). */
static int lock_buckets(struct pg_conn *c, uint64_t mask, bool alone,
			struct err *e)
{
	struct pg_params p = { 0 };

	if (!mask)
		return ERR_OK;
	pg__p_int(&p, (int64_t)mask);
	if (alone)
		return run_clear(c, PG_CHUNK_LOCK, "SELECT pg_advisory_xact_lock("
				 CHUNK_LOCK_CLASS ", b) FROM generate_series(0,"
				 " 63) b WHERE ($1::int8 >> b) & 1 = 1 ORDER BY"
				 " b", &p, "locking the series merged", e);
	return run_clear(c, PG_CHUNK_LOCK_SHARED, "SELECT"
			 " pg_advisory_xact_lock_shared(" CHUNK_LOCK_CLASS ", b)"
			 " FROM generate_series(0, 63) b WHERE ($1::int8 >> b)"
			 " & 1 = 1 ORDER BY b", &p, "locking the series written",
			 e);
}

static int lock_series(struct pg_conn *c, const struct db_chunk_write *w,
		       struct err *e)
{
	uint64_t merged = 0, written = 0;
	int rc;

	for (size_t i = 0; i < w->n_replace; i++)
		merged |= bucket_bit(w->replace[i].series);
	for (size_t i = 0; i < w->n_add; i++)
		written |= bucket_bit(w->add[i].series);
	if ((rc = lock_buckets(c, merged, true, e)))
		return rc;
	return lock_buckets(c, written & ~merged, false, e);
}

/* The replaced chunks' keys as three int8 array literals. */
static int replaced_arrays(const struct db_chunk_write *w, struct text a[3])
{
	for (size_t i = 0; i < w->n_replace; i++) {
		const struct db_chunk_ref *r = &w->replace[i];
		const char *sep = i ? "," : "{";

		if (text_add(&a[0], "%s%lld", sep, (long long)r->series) ||
		    text_add(&a[1], "%s%lld", sep, (long long)r->ts_min) ||
		    text_add(&a[2], "%s%lld", sep, (long long)r->seq))
			return ERR_NOMEM;
	}
	for (int k = 0; k < 3; k++)
		if (text_add(&a[k], "}"))
			return ERR_NOMEM;
	return ERR_OK;
}

/*
 * Whether a chunk the merge did not read lies within what it replaces with
 * a seq between the replaced ones (written after the merge read): the
 * merged chunk, with the highest replaced seq, would beat it where some
 * replaced chunk lost to it.  ERR_EXISTS then: merge the window again.
 */
static int check_raced(struct pg_conn *c, struct pg_params *p, struct err *e)
{
	PGresult *r;
	long long n;
	int rc;

	if ((rc = pg__run(c, PG_CHUNK_RACED, "WITH g AS (SELECT * FROM"
			  " unnest($1::int8[], $2::int8[], $3::int8[]) AS g(s,"
			  " t, q) WHERE s >= 0), m AS (SELECT k.series, min(k.ts_min)"
			  " lo, max(k.ts_max) hi, min(k.seq) qlo, max(k.seq) qhi"
			  " FROM chunks k JOIN g ON k.series = g.s AND k.ts_min ="
			  " g.t AND k.seq = g.q GROUP BY k.series) SELECT count(*)"
			  " FROM chunks x JOIN m ON x.series = m.series AND"
			  " x.ts_min <= m.hi AND x.ts_min >= m.lo - "
			  MAX_SPAN_SQL " AND x.ts_max >= m.lo AND x.seq >"
			  " m.qlo AND x.seq < m.qhi WHERE (x.series, x.ts_min,"
			  " x.seq) NOT IN (SELECT s, t, q FROM g)", p, false, &r,
			  "checking the chunks merged", e)))
		return rc;
	n = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n)
		return err_set(e, ERR_EXISTS, "%lld chunk(s) written into the"
			       " span being merged meanwhile: merge it again",
			       n);
	return ERR_OK;
}

/*
 * The replaced chunks, one statement for all, in both tables, once none
 * was written beside them since they were read (check_raced).
 */
static int delete_chunks(struct pg_conn *c, const struct db_chunk_write *w,
			 struct err *e)
{
	struct text a[3] = { { 0 } };
	struct pg_params p = { 0 };
	int rc = ERR_OK;

	if (!w->n_replace)
		return ERR_OK;
	if (replaced_arrays(w, a)) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (int k = 0; k < 3; k++)
		pg__p_text(&p, a[k].s);
	if ((rc = check_raced(c, &p, e)))
		goto out_free;
	rc = run_clear(c, PG_CHUNK_DELETE, "WITH g AS (SELECT * FROM"
		       " unnest($1::int8[], $2::int8[], $3::int8[]) AS g(s, t,"
		       " q)), r AS (DELETE FROM chunks_rollup WHERE (series,"
		       " ts_min, seq) IN (SELECT s, t, q FROM g WHERE s < 0))"
		       " DELETE FROM chunks WHERE (series, ts_min, seq) IN"
		       " (SELECT s, t, q FROM g WHERE s >= 0)", &p,
		       "replacing chunks", e);
out_free:
	for (int k = 0; k < 3; k++)
		free(a[k].s);
	return rc;
}

/*
 * The newest points of a write as three array literals ({1,2,...}), one
 * statement for all of them instead of one per series.
 */
static int latest_arrays(const struct db_chunk_write *w, struct text a[3])
{
	for (size_t i = 0; i < w->n_latest; i++) {
		const struct db_latest *l = &w->latest[i];
		const char *sep = i ? "," : "{";

		/* the value as is, even if not finite (the column is NOT NULL) */
		if (text_add(&a[0], "%s%lld", sep, (long long)l->series) ||
		    text_add(&a[1], "%s%lld", sep, (long long)l->ts) ||
		    text_add(&a[2], "%s%.17g", sep, l->value))
			return ERR_NOMEM;
	}
	for (int k = 0; k < 3; k++)
		if (text_add(&a[k], "}"))
			return ERR_NOMEM;
	return ERR_OK;
}

/*
 * Record the newest points, one statement: a series named twice keeps its
 * newest (the last given among equal times), rows are locked in series
 * order (two writers cannot deadlock), an older point changes nothing.
 */
static int upsert_latest(struct pg_conn *c, const struct db_chunk_write *w,
			 struct err *e)
{
	struct text a[3] = { { 0 } };
	struct pg_params p = { 0 };
	int rc;

	if (!w->n_latest)
		return ERR_OK;
	if (latest_arrays(w, a)) {
		rc = err_nomem(e);
		goto out_free;
	}
	pg__p_text(&p, a[0].s);
	pg__p_text(&p, a[1].s);
	pg__p_text(&p, a[2].s);
	rc = run_clear(c, PG_LATEST_UPSERT, "INSERT INTO latest (series, ts,"
		       " value) SELECT DISTINCT ON (s) s, t, v FROM"
		       " unnest($1::int8[], $2::int8[], $3::float8[]) WITH"
		       " ORDINALITY AS u(s, t, v, o) ORDER BY s, t DESC, o DESC"
		       " ON CONFLICT (series) DO UPDATE SET ts = excluded.ts,"
		       " value = excluded.value WHERE excluded.ts >= latest.ts",
		       &p, "latest values", e);
out_free:
	for (int k = 0; k < 3; k++)
		free(a[k].s);
	return rc;
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

/* ---- COPY of many chunks --------------------------------------------------- */

/* The binary COPY stream of chunks, sent in pieces of about COPY_PIECE. */
#define COPY_PIECE (256 * 1024)

struct copy_buf {
	unsigned char *b;
	size_t len, cap;
};

static int buf_room(struct copy_buf *cb, size_t more)
{
	if (cb->len + more <= cb->cap)
		return ERR_OK;
	size_t cap = cb->cap ? cb->cap : COPY_PIECE + 64;

	while (cap < cb->len + more)
		cap *= 2;
	unsigned char *b = realloc(cb->b, cap);

	if (!b)
		return ERR_NOMEM;
	cb->b = b;
	cb->cap = cap;
	return ERR_OK;
}

static void put_be(struct copy_buf *cb, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		cb->b[cb->len++] = (unsigned char)(v >> (8 * i));
}

/* One tuple: (series, ts_min, ts_max, data); seq takes its default. */
static int copy_tuple(struct copy_buf *cb, const struct db_chunk *k)
{
	if (k->len > INT32_MAX || buf_room(cb, 2 + 3 * 12 + 4 + k->len))
		return ERR_NOMEM;
	put_be(cb, 4, 2);
	put_be(cb, 8, 4);
	put_be(cb, (uint64_t)k->series, 8);
	put_be(cb, 8, 4);
	put_be(cb, (uint64_t)k->ts_min, 8);
	put_be(cb, 8, 4);
	put_be(cb, (uint64_t)k->ts_max, 8);
	put_be(cb, k->len, 4);
	if (k->len)
		memcpy(cb->b + cb->len, k->data, k->len);
	cb->len += k->len;
	return ERR_OK;
}

static int copy_send(struct pg_conn *c, struct copy_buf *cb, struct err *e)
{
	if (cb->len && PQputCopyData(c->conn, (const char *)cb->b,
				     (int)cb->len) != 1)
		return pg__error(c->conn, NULL, "storing chunks (COPY)", e);
	cb->len = 0;
	return ERR_OK;
}

/* The COPY's end: its result, then the connection ready again. */
static int copy_finish(struct pg_conn *c, const char *fail, struct err *e)
{
	PGresult *r;
	int rc = ERR_OK;

	if (PQputCopyEnd(c->conn, fail) != 1)
		rc = pg__error(c->conn, NULL, "storing chunks (COPY)", e);
	while ((r = PQgetResult(c->conn))) {
		if (!rc && !fail && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg__error(c->conn, r, "storing chunks (COPY)", e);
		PQclear(r);
	}
	return rc;
}

/* The chunks of add whose series is a rollup's (rollups) or not. */
static int copy_chunks(struct pg_conn *c, const struct db_chunk *add,
		       size_t n, bool rollups, struct err *e)
{
	static const unsigned char head[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0";
	struct copy_buf cb = { 0 };
	PGresult *r;
	int rc;

	r = PQexec(c->conn, rollups ? "COPY chunks_rollup (series, ts_min,"
		   " ts_max, data) FROM STDIN (FORMAT binary)" : "COPY chunks"
		   " (series, ts_min, ts_max, data) FROM STDIN (FORMAT binary)");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		rc = pg__error(c->conn, r, "storing chunks (COPY)", e);
		PQclear(r);
		return rc;
	}
	PQclear(r);
	if ((rc = buf_room(&cb, sizeof(head))))
		goto out_fail;
	memcpy(cb.b, head, sizeof(head));
	cb.len = sizeof(head);
	for (size_t i = 0; i < n; i++) {
		if ((add[i].series < 0) != rollups)
			continue;
		if ((rc = copy_tuple(&cb, &add[i])))
			goto out_fail;
		if (cb.len >= COPY_PIECE && (rc = copy_send(c, &cb, e)))
			goto out_fail;
	}
	if ((rc = buf_room(&cb, 2)))
		goto out_fail;
	put_be(&cb, 0xffff, 2); /* the trailer: a field count of -1 */
	if ((rc = copy_send(c, &cb, e)))
		goto out_fail;
	free(cb.b);
	return copy_finish(c, NULL, e);
out_fail:
	if (rc == ERR_NOMEM)
		rc = err_nomem(e);
	free(cb.b);
	copy_finish(c, "the chunks could not be sent", NULL);
	return rc;
}

/* Below this many chunks, one INSERT each costs less than a COPY. */
#define COPY_FROM 4

/* The chunks of add[0..n) of one table: one COPY, or INSERTs if few. */
static int add_chunks(struct pg_conn *c, const struct db_chunk *add,
		      size_t n, bool rollups, struct err *e)
{
	size_t count = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		count += (add[i].series < 0) == rollups;
	if (count >= COPY_FROM)
		return copy_chunks(c, add, n, rollups, e);
	for (size_t i = 0; i < n; i++)
		if ((add[i].series < 0) == rollups &&
		    (rc = insert_chunk(c, &add[i], 0, e)))
			return rc;
	return ERR_OK;
}

static int write_all(struct pg_conn *c, const struct db_chunk_write *w,
		     struct err *e)
{
	int64_t keep_seq = 0;
	size_t first = 0;
	int rc;

	for (size_t i = 0; i < w->n_replace; i++)
		if (w->replace[i].seq > keep_seq)
			keep_seq = w->replace[i].seq;
	if ((rc = lock_series(c, w, e)) || (rc = delete_chunks(c, w, e)))
		return rc;
	/* the first added chunk of a compaction keeps the replaced seq */
	if (keep_seq && w->n_add &&
	    (rc = insert_chunk(c, &w->add[first++], keep_seq, e)))
		return rc;
	if ((rc = add_chunks(c, w->add + first, w->n_add - first, false, e)) ||
	    (rc = add_chunks(c, w->add + first, w->n_add - first, true, e)))
		return rc;
	if ((rc = upsert_latest(c, w, e)))
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
		if (w->add[i].series >= 0)
			rc = ensure_on(a->db, c, w->add[i].ts_min,
				       w->add[i].ts_min, e);
	if (rc)
		return rc;
	/*
	 * a relayout's commit is made durable by any later one (the log is
	 * flushed in order), or lost with the same points left as they were
	 */
	if (w->relayout)
		rc = pg__exec(c, "BEGIN; SET LOCAL synchronous_commit TO off",
			      "starting a transaction", e);
	else
		rc = pg__begin(c, e);
	if (rc)
		return rc;
	if ((rc = write_all(c, w, e)) || (rc = pg__commit(c, e)))
		pg__rollback(c);
	return rc;
}

/*
 * One transaction, run again whole when it failed transiently (a failover,
 * or a COMMIT whose outcome is unknown): idempotent, since the same chunks
 * written twice read back the same (the higher seq wins with the same
 * points) and a deleted chunk stays deleted.  A write refused as invalid
 * may have met a month partition that another process (`oasis retention
 * apply`, another node) dropped since this one made or saw it: forget the
 * months known and try once more.
 */
int pg_chunks_write(struct db *db, const struct db_chunk_write *w,
		    struct err *e)
{
	struct chunks_write a = { db, w };
	int rc;

	if (w->state_key && (rc = db__state_key_check(w->state_key, e)))
		return rc;
	if ((rc = pg_retry_run(db, chunks_write_on, &a, e)) == ERR_INVALID &&
	    w->n_add) {
		pthread_mutex_lock(&pg_db(db)->lock);
		pg_db(db)->n_months = 0;
		pthread_mutex_unlock(&pg_db(db)->lock);
		rc = pg_retry_run(db, chunks_write_on, &a, e);
	}
	return rc;
}

/*
 * The ranges as int8 array literals, five for the raw ranges and five for
 * the rolled-up ones: the range's number (from 1), series, lowest ts_min,
 * to, from.
 */
#define RANGE_COLUMNS 5

static int range_arrays(const struct db_chunk_range *r, size_t n,
			struct text a[2 * RANGE_COLUMNS])
{
	for (size_t i = 0; i < n; i++) {
		struct text *t = r[i].series >= 0 ? a : a + RANGE_COLUMNS;
		const char *sep = t[0].len ? "," : "{";
		int64_t lo = r[i].from > INT64_MIN + DB_CHUNK_MAX_SPAN_MS
			? r[i].from - DB_CHUNK_MAX_SPAN_MS : INT64_MIN;

		if (text_add(&t[0], "%s%zu", sep, i + 1) ||
		    text_add(&t[1], "%s%lld", sep, (long long)r[i].series) ||
		    text_add(&t[2], "%s%lld", sep, (long long)lo) ||
		    text_add(&t[3], "%s%lld", sep, (long long)r[i].to) ||
		    text_add(&t[4], "%s%lld", sep, (long long)r[i].from))
			return ERR_NOMEM;
	}
	for (int k = 0; k < 2 * RANGE_COLUMNS; k++)
		if (text_add(&a[k], a[k].len ? "}" : "{}"))
			return ERR_NOMEM;
	return ERR_OK;
}

/*
 * Every range's rows in one statement (one snapshot, one round trip), in
 * binary (int8 and bytea as they are): the range's number, then the chunk,
 * ordered by range, ts_min, seq.  Raw ranges read the month partitions
 * their times reach (pruned at run time), rollups chunks_rollup, each from
 * an array of its own: one lateral subquery over both tables cost ten times
 * as much, the partitions' pruning being set up again for every range.
 */
static int read_ranges(struct pg_conn *c, const struct db_chunk_range *r,
		       size_t n, PGresult **out, struct err *e)
{
	struct text a[2 * RANGE_COLUMNS] = { { 0 } };
	struct pg_params p = { 0 };
	int rc;

	if (range_arrays(r, n, a)) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (int k = 0; k < 2 * RANGE_COLUMNS; k++)
		pg__p_text(&p, a[k].s);
	rc = pg__run(c, PG_CHUNK_READ, "SELECT g.i, k.ts_min, k.seq, k.ts_max,"
		     " k.data FROM unnest($1::int8[], $2::int8[], $3::int8[],"
		     " $4::int8[], $5::int8[]) AS g(i, s, lo, hi, fr) CROSS JOIN"
		     " LATERAL (SELECT ts_min, seq, ts_max, data FROM chunks WHERE"
		     " series = g.s AND ts_min >= g.lo AND ts_min <= g.hi AND"
		     " ts_max >= g.fr) k UNION ALL SELECT g.i, k.ts_min, k.seq,"
		     " k.ts_max, k.data FROM unnest($6::int8[], $7::int8[],"
		     " $8::int8[], $9::int8[], $10::int8[]) AS g(i, s, lo, hi, fr)"
		     " CROSS JOIN LATERAL (SELECT ts_min, seq, ts_max, data FROM"
		     " chunks_rollup WHERE series = g.s AND ts_min >= g.lo AND"
		     " ts_min <= g.hi AND ts_max >= g.fr) k ORDER BY 1, 2, 3", &p,
		     true, out, "reading chunks", e);
out_free:
	for (int k = 0; k < 2 * RANGE_COLUMNS; k++)
		free(a[k].s);
	return rc;
}

static int each_chunk(const PGresult *res, const struct db_chunk_range *r,
		      size_t n)
{
	struct db_chunk k;
	int rc = ERR_OK;

	for (int i = 0; !rc && i < PQntuples(res); i++) {
		int64_t at = pg__bin_int(res, i, 0) - 1;

		if (at < 0 || (size_t)at >= n)
			continue;
		k = (struct db_chunk){ .series = r[at].series };
		k.ts_min = pg__bin_int(res, i, 1);
		k.seq = pg__bin_int(res, i, 2);
		k.ts_max = pg__bin_int(res, i, 3);
		k.data = PQgetvalue(res, i, 4);
		k.len = (size_t)PQgetlength(res, i, 4);
		rc = r[at].each(&k, r[at].ctx);
	}
	return rc;
}

/*
 * The ranges' rows come whole into one result (one statement: one
 * snapshot for all, as SQLite's read transaction), the connection goes
 * back, then the callbacks run: stricter than the streaming the interface
 * allows, so a callback may even call the store.
 */
int pg_chunks_read_view(struct db *db, const struct db_chunk_range *r,
			size_t n, struct err *e)
{
	PGresult *res = NULL;
	struct pg_conn *c;
	int rc;

	if (!n)
		return ERR_OK;
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	rc = read_ranges(c, r, n, &res, e);
	pg__conn_put(db, c);
	if (!rc)
		rc = each_chunk(res, r, n);
	PQclear(res);
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

/* ---- maintenance: partitions ahead, emptied ones dropped ----------------- */

/*
 * Drop the partition of month if it holds no chunk, in one transaction:
 * the parent then the partition locked (writers lock them in that order),
 * a bounded wait for the locks (a busy store just keeps it until the next
 * pass), and the emptiness checked under the locks.
 */
static int drop_if_empty(struct pg_conn *c, int64_t month, bool *dropped,
			 struct err *e)
{
	char name[40], lock[128], probe[96], drop[64];
	PGresult *r = NULL;
	int rc;

	*dropped = false;
	snprintf(name, sizeof(name), "chunks_%04lld_%02lld",
		 (long long)(month / 12), (long long)(month % 12 + 1));
	snprintf(lock, sizeof(lock), "LOCK TABLE ONLY chunks, %s IN ACCESS"
		 " EXCLUSIVE MODE", name);
	snprintf(probe, sizeof(probe), "SELECT 1 FROM %s LIMIT 1", name);
	snprintf(drop, sizeof(drop), "DROP TABLE %s", name);
	if ((rc = pg__begin(c, e)) ||
	    (rc = pg__exec(c, "SET LOCAL lock_timeout = '1s'", "dropping a chunk"
			   " partition", e)) ||
	    (rc = pg__exec(c, "SELECT pg_advisory_xact_lock(476858084724)",
			   "locking the chunk partitions", e)) ||
	    (rc = pg__exec(c, lock, "locking a chunk partition", e)))
		goto out_rollback;
	r = PQexec(c->conn, probe);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg__error(c->conn, r, "reading a chunk partition", e);
		goto out_rollback;
	}
	if (PQntuples(r) == 0 &&
	    (rc = pg__exec(c, drop, "dropping a chunk partition", e)))
		goto out_rollback;
	if ((rc = pg__commit(c, e)))
		goto out_rollback;
	*dropped = PQntuples(r) == 0;
	PQclear(r);
	return ERR_OK;
out_rollback:
	PQclear(r);
	pg__rollback(c);
	return rc;
}

/* The months before `before` that have a partition, ascending. */
static int old_partitions(struct pg_conn *c, int64_t before, int64_t **out,
			  size_t *n, struct err *e)
{
	PGresult *r = PQexec(c->conn, "SELECT k.relname FROM pg_inherits i"
			     " JOIN pg_class k ON k.oid = i.inhrelid WHERE"
			     " i.inhparent = 'chunks'::regclass ORDER BY 1");
	int rc = ERR_OK;

	*out = NULL;
	*n = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg__error(c->conn, r, "listing chunk partitions", e);
		goto out_clear;
	}
	if (!(*out = calloc((size_t)PQntuples(r) + 1, sizeof(**out)))) {
		rc = err_nomem(e);
		goto out_clear;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		int y, m, len = 0;

		/* only the names partition_make gives; any other table stays */
		if (sscanf(PQgetvalue(r, i, 0), "chunks_%4d_%2d%n", &y, &m,
			   &len) == 2 && len == 14 && m >= 1 && m <= 12 &&
		    (int64_t)y * 12 + m - 1 < before)
			(*out)[(*n)++] = (int64_t)y * 12 + m - 1;
	}
out_clear:
	PQclear(r);
	return rc;
}

int pg_chunks_maintain(struct db *db, int64_t now_ms, size_t *dropped,
		       struct err *e)
{
	int64_t this_month = month_of(now_ms), *months = NULL;
	struct pg_conn *c;
	size_t n = 0, count = 0;
	bool gone;
	int rc;

	if (dropped)
		*dropped = 0;
	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = ensure_on(db, c, now_ms, month_start_ms(this_month + 2), e)) ||
	    (rc = old_partitions(c, this_month, &months, &n, e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = drop_if_empty(c, months[i], &gone, e)))
			break;
		if (gone) {
			month_forget(pg_db(db), months[i]);
			count++;
		}
	}
	if (dropped)
		*dropped = count;
out_put:
	free(months);
	pg__conn_put(db, c);
	return rc;
}
