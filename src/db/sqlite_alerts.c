/*
 * Monitoring rules, alerts and webhook dead letters in the SQLite store.
 *
 * Invariants
 * 1. At most one alert not closed per (rule, subject), held by the partial
 *    unique index alerts_one_open, so a restart (or a race) can never open
 *    the same alert twice.
 * 2. Every change of an alert is a compare-and-set from the states its
 *    writer read (db_alert_update's from): an acknowledgement racing a
 *    close cannot reopen the closed alert, and each transition lands once.
 */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_COLUMNS "id, rule_id, subject, plot, severity, state, message," \
	" value, opened_ms, acked_by, acked_ms, ack_comment, closed_ms," \
	" closed_by, notified_ms, escalated, snapshot_id," \
	" snapshot_camera, detail"

int sqlite_alert_rule_save(struct db *db, int64_t id, const char *body,
			   int64_t now_ms, int64_t *id_out, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if (id)
		rc = sqlite__call_begin(db, ST_ALERT_RULE_UPDATE, "UPDATE alert_rules"
					" SET body = ?2, updated_ms = ?3 WHERE id = ?1",
					&k, &st, e);
	else
		rc = sqlite__call_begin(db, ST_ALERT_RULE_INSERT, "INSERT INTO"
					" alert_rules (body, updated_ms) VALUES (?2, ?3)",
					&k, &st, e);
	if (rc)
		return rc;
	if (id)
		sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now_ms);
	rc = sqlite__step_change(k, st, "alert rule", e);
	if (!rc && id_out)
		*id_out = id ? id : sqlite3_last_insert_rowid(k->handle);
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_rule_delete(struct db *db, int64_t id, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_RULE_DELETE, "DELETE FROM"
				     " alert_rules WHERE id = ?", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite__step_change(k, st, "alert rule", e);
	return sqlite__call_end(db, k, st, rc);
}

static int read_rule(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_rule_row *r = row;
	const unsigned char *body = sqlite3_column_text(st, 1);

	r->id = sqlite3_column_int64(st, 0);
	if (!(r->body = strdup(body ? (const char *)body : "")))
		return err_nomem(e);
	return ERR_OK;
}

static void free_rule(void *row)
{
	free(((struct db_rule_row *)row)->body);
}

int sqlite_alert_rule_list(struct db *db,
			   int (*each)(int64_t id, const char *body, void *ctx),
			   void *ctx, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_RULE_LIST, "SELECT id, body"
				     " FROM alert_rules ORDER BY id", &k, &st, e)))
		return rc;
	return sqlite__each_row(db, k, st, sizeof(struct db_rule_row),
				read_rule, free_rule, DB_EACH_RULE(each, ctx),
				"listing alert rules", e);
}

static void read_alert(sqlite3_stmt *st, struct db_alert *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->rule_id = sqlite3_column_int64(st, 1);
	sqlite__column_copy(st, 2, a->subject, sizeof(a->subject));
	sqlite__column_copy(st, 3, a->plot, sizeof(a->plot));
	sqlite__column_copy(st, 4, a->severity, sizeof(a->severity));
	sqlite__column_copy(st, 5, a->state, sizeof(a->state));
	sqlite__column_copy(st, 6, a->message, sizeof(a->message));
	a->value = sqlite3_column_type(st, 7) == SQLITE_NULL
		? NAN : sqlite3_column_double(st, 7);
	a->opened_ms = sqlite3_column_int64(st, 8);
	sqlite__column_copy(st, 9, a->acked_by, sizeof(a->acked_by));
	a->acked_ms = sqlite3_column_int64(st, 10);
	sqlite__column_copy(st, 11, a->ack_comment, sizeof(a->ack_comment));
	a->closed_ms = sqlite3_column_int64(st, 12);
	sqlite__column_copy(st, 13, a->closed_by, sizeof(a->closed_by));
	a->notified_ms = sqlite3_column_int64(st, 14);
	a->escalated = sqlite3_column_int(st, 15) != 0;
	a->snapshot_id = sqlite3_column_int64(st, 16);
	sqlite__column_copy(st, 17, a->snapshot_camera,
			    sizeof(a->snapshot_camera));
	sqlite__column_copy(st, 18, a->detail, sizeof(a->detail));
}

static int alert_row(sqlite3_stmt *st, void *row, struct err *e)
{
	(void)e;
	read_alert(st, row);
	return ERR_OK;
}

int sqlite_alert_open(struct db *db, const struct db_alert *a, int64_t *id_out,
		      struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_INSERT, "INSERT INTO alerts"
				     " (rule_id, subject, plot, severity, state,"
				     " message, value, opened_ms, notified_ms,"
				     " detail)"
				     " VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
				     &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, a->rule_id);
	sqlite3_bind_text(st, 2, a->subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->plot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->severity, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, a->message, -1, SQLITE_TRANSIENT);
	if (isfinite(a->value))
		sqlite3_bind_double(st, 6, a->value);
	sqlite3_bind_int64(st, 7, a->opened_ms);
	sqlite3_bind_int64(st, 8, a->notified_ms);
	sqlite3_bind_text(st, 9, a->detail, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = ERR_OK;
		*id_out = sqlite3_last_insert_rowid(k->handle);
	} else {
		rc = sqlite__error(k, rc, "alert", e);
	}
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_get(struct db *db, int64_t id, struct db_alert *out,
		     struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_GET, "SELECT " ALERT_COLUMNS
				     " FROM alerts WHERE id = ?", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_alert(st, out);
		rc = ERR_OK;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOT_FOUND, "no alert %lld", (long long)id);
	} else {
		rc = sqlite__error(k, rc, "reading an alert", e);
	}
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_update(struct db *db, const struct db_alert *a, const char *from,
			struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	/*
	 * instr(' ' || from || ' ', ' ' || state || ' '): state is in from.
	 * The notification fields only move forward (an escalation sets the
	 * severity once), so an ack or close written from a read older than a
	 * repeat or an escalation does not undo it.
	 */
	if ((rc = sqlite__call_begin(db, ST_ALERT_UPDATE, "UPDATE alerts SET"
				     " severity = CASE WHEN ?10 AND NOT escalated"
				     "   THEN ?2 ELSE severity END,"
				     " state = ?3, acked_by = ?4,"
				     " acked_ms = ?5, ack_comment = ?6,"
				     " closed_ms = ?7, closed_by = ?8,"
				     " notified_ms = max(notified_ms, ?9),"
				     " escalated = max(escalated, ?10)"
				     " WHERE id = ?1 AND instr(' ' || ?11 || ' ',"
				     " ' ' || state || ' ') > 0", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, a->severity, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->acked_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, a->acked_ms);
	sqlite3_bind_text(st, 6, a->ack_comment, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, a->closed_ms);
	sqlite3_bind_text(st, 8, a->closed_by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, a->notified_ms);
	sqlite3_bind_int(st, 10, a->escalated);
	sqlite3_bind_text(st, 11, from, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(k, st, "alert", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "alert %lld is no longer %s",
			(long long)a->id, from);
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_list(struct db *db, const struct db_alert_filter *f,
		      int (*each)(const struct db_alert *a, void *ctx), void *ctx,
		      struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_LIST, "SELECT " ALERT_COLUMNS
				     " FROM alerts WHERE"
				     " (?1 IS NULL OR state = ?1 OR (?1 = 'active'"
				     "   AND state != 'closed'))"
				     " AND (?2 IS NULL OR plot = ?2)"
				     " AND (?3 = 0 OR opened_ms >= ?3)"
				     " AND (?4 = 0 OR opened_ms <= ?4)"
				     " AND (?5 = 0 OR rule_id = ?5)"
				     " ORDER BY opened_ms DESC, id DESC LIMIT ?6",
				     &k, &st, e)))
		return rc;
	sqlite__bind_text_or_null(st, 1, f->state ? f->state : "");
	sqlite__bind_text_or_null(st, 2, f->plot ? f->plot : "");
	sqlite3_bind_int64(st, 3, f->from);
	sqlite3_bind_int64(st, 4, f->to);
	sqlite3_bind_int64(st, 5, f->rule_id);
	sqlite3_bind_int64(st, 6, f->limit ? (int64_t)f->limit : 1000);
	return sqlite__each_row(db, k, st, sizeof(struct db_alert), alert_row,
				NULL, DB_EACH(db_alert, each, ctx),
				"listing alerts", e);
}

int sqlite_alert_dead_letter(struct db *db, int64_t alert_id, const char *url,
			     const char *payload, int attempts, const char *error,
			     int64_t at_ms, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_DEAD_LETTER, "INSERT INTO"
				     " alert_dead_letters (alert_id, url, payload,"
				     " attempts, error, at_ms)"
				     " VALUES (?, ?, ?, ?, ?, ?)", &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, payload, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, attempts);
	sqlite3_bind_text(st, 5, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, at_ms);
	rc = sqlite__step_change(k, st, "dead letter", e);
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_dead_letter_count(struct db *db, int64_t *out, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_DEAD_LETTER_COUNT, "SELECT"
				     " count(*) FROM alert_dead_letters", &k, &st, e)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = ERR_OK;
	} else {
		rc = sqlite__error(k, rc, "counting dead letters", e);
	}
	return sqlite__call_end(db, k, st, rc);
}

int sqlite_alert_set_snapshot(struct db *db, int64_t id, const char *camera,
			      int64_t snapshot_id, struct err *e)
{
	struct conn *k;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_ALERT_SET_SNAPSHOT, "UPDATE alerts"
				     " SET snapshot_id = ?2, snapshot_camera = ?3"
				     " WHERE id = ?1",
				     &k, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, snapshot_id);
	sqlite3_bind_text(st, 3, camera, -1, SQLITE_TRANSIENT);
	rc = sqlite__step_change(k, st, "alert", e);
	return sqlite__call_end(db, k, st, rc);
}
