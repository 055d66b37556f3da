/*
 * The time-series engine's chunks, newest points and state in the SQLite
 * store.  A chunk write (a seal, a compaction, a bulk load) is one
 * transaction: its chunks, the chunks they replace, the newest points and
 * the engine state value commit together or not at all.
 */
#include "db/sqlite_internal.h"

#include "db/backends.h"

#include <string.h>

#define SEQ_KEY "db.chunk_seq"

static int insert_chunk(struct conn *c, const struct db_chunk *k, int64_t seq,
			struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_CHUNK_INSERT, "INSERT INTO chunks (series,"
			       " ts_min, seq, ts_max, data) VALUES (?, ?, ?, ?, ?)",
			       &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, k->series);
	sqlite3_bind_int64(st, 2, k->ts_min);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_int64(st, 4, k->ts_max);
	sqlite3_bind_blob(st, 5, k->data, (int)k->len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "storing a chunk", e);
}

static int delete_chunk(struct conn *c, const struct db_chunk_ref *r,
			struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_CHUNK_DELETE,
			       "DELETE FROM chunks WHERE seq = ?", &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, r->seq);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "replacing a chunk", e);
}

static int upsert_latest(struct conn *c, const struct db_latest *l,
			 struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_LATEST_UPSERT, "INSERT INTO latest (series,"
			       " ts, value) VALUES (?, ?, ?) ON CONFLICT (series)"
			       " DO UPDATE SET ts = excluded.ts, value = excluded.value"
			       " WHERE excluded.ts >= latest.ts", &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, l->series);
	sqlite3_bind_int64(st, 2, l->ts);
	sqlite3_bind_double(st, 3, l->value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "latest value", e);
}

static int set_state(struct conn *c, const char *key, int64_t value,
		     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_STATE_SET, "INSERT INTO ts_state (key, value)"
			       " VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET"
			       " value = excluded.value", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "engine state", e);
}

static int get_state(struct conn *c, const char *key, int64_t *out,
		     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_STATE_GET, "SELECT value FROM ts_state"
			       " WHERE key = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ERR_OK
		: sqlite__error(c, rc, "reading engine state", e);
}

/*
 * Seqs come from a counter in ts_state, read and advanced inside the
 * write's transaction, so concurrent writers never share one.
 */
static int write_all(struct conn *c, const struct db_chunk_write *w,
		     struct err *e)
{
	int64_t keep_seq = 0, next;
	int rc;

	if ((rc = get_state(c, SEQ_KEY, &next, e)))
		return rc;
	for (size_t i = 0; i < w->n_replace; i++) {
		if (w->replace[i].seq > keep_seq)
			keep_seq = w->replace[i].seq;
		if ((rc = delete_chunk(c, &w->replace[i], e)))
			return rc;
	}
	for (size_t i = 0; i < w->n_add; i++)
		if ((rc = insert_chunk(c, &w->add[i],
				       i == 0 && keep_seq ? keep_seq : ++next, e)))
			return rc;
	for (size_t i = 0; i < w->n_latest; i++)
		if ((rc = upsert_latest(c, &w->latest[i], e)))
			return rc;
	if ((rc = set_state(c, SEQ_KEY, next, e)))
		return rc;
	if (w->state_key && (rc = set_state(c, w->state_key, w->state_value, e)))
		return rc;
	return ERR_OK;
}

int sqlite_chunks_write(struct db *db, const struct db_chunk_write *w,
			struct err *e)
{
	struct conn *c;
	int rc;

	if (w->state_key && (rc = db__state_key_check(w->state_key, e)))
		return rc;
	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	if ((rc = write_all(c, w, e)) || (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

/* One range read on a borrowed connection (inside or outside a transaction). */
static int read_range(struct conn *c, const struct db_chunk_range *r,
		      struct err *e)
{
	sqlite3_stmt *st;
	struct db_chunk k = { .series = r->series };
	int rc;

	if ((rc = sqlite__stmt(c, ST_CHUNK_READ, "SELECT ts_min, seq,"
			       " ts_max, data FROM chunks WHERE series = ?1"
			       " AND ts_min >= ?2 AND ts_min <= ?3 AND"
			       " ts_max >= ?4 ORDER BY ts_min, seq", &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, r->series);
	sqlite3_bind_int64(st, 2, r->from > INT64_MIN + DB_CHUNK_MAX_SPAN_MS
			   ? r->from - DB_CHUNK_MAX_SPAN_MS : INT64_MIN);
	sqlite3_bind_int64(st, 3, r->to);
	sqlite3_bind_int64(st, 4, r->from);
	for (;;) {
		int step = sqlite3_step(st);

		if (step != SQLITE_ROW) {
			rc = step == SQLITE_DONE ? ERR_OK
				: sqlite__error(c, step, "reading chunks", e);
			break;
		}
		k.ts_min = sqlite3_column_int64(st, 0);
		k.seq = sqlite3_column_int64(st, 1);
		k.ts_max = sqlite3_column_int64(st, 2);
		k.data = sqlite3_column_blob(st, 3);
		k.len = (size_t)sqlite3_column_bytes(st, 3);
		if ((rc = r->each(&k, r->ctx)))
			break;
	}
	sqlite3_reset(st);
	return rc;
}

int sqlite_chunks_read(struct db *db, int64_t series, int64_t from,
		       int64_t to,
		       int (*each)(const struct db_chunk *c, void *ctx),
		       void *ctx, struct err *e)
{
	struct db_chunk_range r = { series, from, to, each, ctx };

	return sqlite_chunks_read_view(db, &r, 1, e);
}

/*
 * One range needs no transaction (a statement sees one snapshot); several
 * share a deferred read transaction, whose snapshot is taken at the first
 * SELECT and held until COMMIT: commits meanwhile (a rollup replacing raw
 * chunks, a compaction) are seen whole or not at all.
 */
int sqlite_chunks_read_view(struct db *db, const struct db_chunk_range *r,
			    size_t n, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if (n > 1 && (rc = sqlite__exec(c, "BEGIN", e)))
		goto out_put;
	for (size_t i = 0; i < n && !rc; i++)
		rc = read_range(c, &r[i], e);
	if (n > 1 && (rc || (rc = sqlite__exec(c, "COMMIT", e))))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_latest_list(struct db *db,
		       int (*each)(const struct db_latest *l, void *ctx), void *ctx,
		       struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	struct db_latest l;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_LATEST_LIST, "SELECT series, ts, value"
				     " FROM latest ORDER BY series", &c, &st, e)))
		return rc;
	for (;;) {
		int step = sqlite3_step(st);

		if (step != SQLITE_ROW) {
			rc = step == SQLITE_DONE ? ERR_OK
				: sqlite__error(c, step, "reading latest values", e);
			break;
		}
		l.series = sqlite3_column_int64(st, 0);
		l.ts = sqlite3_column_int64(st, 1);
		l.value = sqlite3_column_double(st, 2);
		if ((rc = each(&l, ctx)))
			break;
	}
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_state_get(struct db *db, const char *key, int64_t *out, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = db__state_key_check(key, e)) ||
	    (rc = sqlite__conn_get(db, &c, e)))
		return rc;
	rc = get_state(c, key, out, e);
	sqlite__conn_put(db, c);
	return rc;
}

int sqlite_state_set(struct db *db, const char *key, int64_t value, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = db__state_key_check(key, e)) ||
	    (rc = sqlite__conn_get(db, &c, e)))
		return rc;
	rc = set_state(c, key, value, e);
	sqlite__conn_put(db, c);
	return rc;
}
