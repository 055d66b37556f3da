/*
 * Monitoring rules, alerts and webhook dead letters in the PostgreSQL
 * store, with sqlite_alerts.c's invariants: at most one alert not closed
 * per (rule, subject) (the partial unique index alerts_one_open), and every
 * change of an alert a compare-and-set from the states its writer read.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_COLUMNS "id, rule_id, subject, plot, severity, state, message," \
	" value, opened_ms, acked_by, acked_ms, ack_comment, closed_ms," \
	" closed_by, notified_ms, escalated, snapshot_id," \
	" snapshot_camera, detail"

int pg_alert_rule_save(struct db *db, int64_t id, const char *body,
		       int64_t now_ms, int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 };
	bool found;
	int rc;

	pg__p_int(&p, id);
	pg__p_text(&p, body);
	pg__p_int(&p, now_ms);
	if (id)
		rc = pg__call_id(db, PG_ALERT_RULE_UPDATE, "UPDATE alert_rules"
				 " SET body = $2, updated_ms = $3 WHERE id = $1"
				 " RETURNING id", &p, id_out, &found,
				 "alert rule", e);
	else
		rc = pg__call_id(db, PG_ALERT_RULE_INSERT, "INSERT INTO"
				 " alert_rules (body, updated_ms) SELECT $2, $3"
				 " WHERE $1::bigint = 0 RETURNING id", &p, id_out,
				 &found, "alert rule", e);
	if (!rc && !found)
		rc = err_set(e, ERR_NOT_FOUND, "alert rule: not found");
	return rc;
}

int pg_alert_rule_delete(struct db *db, int64_t id, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	return pg__call_change(db, PG_ALERT_RULE_DELETE, "DELETE FROM"
			       " alert_rules WHERE id = $1", &p, "alert rule",
			       e);
}

/* The body points into the result, which outlives the callback. */
static int rule_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_rule_row *rule = row;

	(void)e;
	rule->id = pg__int(r, i, 0);
	rule->body = PQgetvalue(r, i, 1);
	return ERR_OK;
}

int pg_alert_rule_list(struct db *db,
		       int (*each)(int64_t id, const char *body, void *ctx),
		       void *ctx, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_ALERT_RULE_LIST, "SELECT id, body FROM"
			   " alert_rules ORDER BY id", NULL, false, &r,
			   "listing alert rules", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_rule_row), rule_row, NULL,
			    DB_EACH_RULE(each, ctx), e);
}

static void read_alert(const PGresult *r, int i, struct db_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->id = pg__int(r, i, 0);
	a->rule_id = pg__int(r, i, 1);
	pg__copy(r, i, 2, a->subject, sizeof(a->subject));
	pg__copy(r, i, 3, a->plot, sizeof(a->plot));
	pg__copy(r, i, 4, a->severity, sizeof(a->severity));
	pg__copy(r, i, 5, a->state, sizeof(a->state));
	pg__copy(r, i, 6, a->message, sizeof(a->message));
	a->value = pg__real_or_nan(r, i, 7);
	a->opened_ms = pg__int(r, i, 8);
	pg__copy(r, i, 9, a->acked_by, sizeof(a->acked_by));
	a->acked_ms = pg__int(r, i, 10);
	pg__copy(r, i, 11, a->ack_comment, sizeof(a->ack_comment));
	a->closed_ms = pg__int(r, i, 12);
	pg__copy(r, i, 13, a->closed_by, sizeof(a->closed_by));
	a->notified_ms = pg__int(r, i, 14);
	a->escalated = !strcmp(PQgetvalue(r, i, 15), "t");
	a->snapshot_id = pg__int(r, i, 16);
	pg__copy(r, i, 17, a->snapshot_camera, sizeof(a->snapshot_camera));
	pg__copy(r, i, 18, a->detail, sizeof(a->detail));
}

int pg_alert_open(struct db *db, const struct db_alert *a, int64_t *id_out,
		  struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, a->rule_id);
	pg__p_text(&p, a->subject);
	pg__p_text(&p, a->plot);
	pg__p_text(&p, a->severity);
	pg__p_text(&p, a->message);
	pg__p_real_or_null(&p, a->value);
	pg__p_int(&p, a->opened_ms);
	pg__p_int(&p, a->notified_ms);
	pg__p_text(&p, a->detail);
	return pg__call_id(db, PG_ALERT_INSERT, "INSERT INTO alerts (rule_id,"
			   " subject, plot, severity, state, message, value,"
			   " opened_ms, notified_ms, detail) VALUES ($1, $2, $3,"
			   " $4, 'open', $5, $6, $7, $8, $9) RETURNING id", &p,
			   id_out,
			   NULL, "alert", e);
}

int pg_alert_get(struct db *db, int64_t id, struct db_alert *out,
		 struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, id);
	if ((rc = pg__call(db, PG_ALERT_GET, "SELECT " ALERT_COLUMNS " FROM"
			   " alerts WHERE id = $1", &p, false, &r,
			   "reading an alert", e)))
		return rc;
	if (PQntuples(r))
		read_alert(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no alert %lld", (long long)id);
	PQclear(r);
	return rc;
}

int pg_alert_update(struct db *db, const struct db_alert *a, const char *from,
		    struct err *e)
{
	struct pg_params p = { 0 };
	int rc;

	pg__p_int(&p, a->id);
	pg__p_text(&p, a->severity);
	pg__p_text(&p, a->state);
	pg__p_text(&p, a->acked_by);
	pg__p_int(&p, a->acked_ms);
	pg__p_text(&p, a->ack_comment);
	pg__p_int(&p, a->closed_ms);
	pg__p_text(&p, a->closed_by);
	pg__p_int(&p, a->notified_ms);
	pg__p_text(&p, a->escalated ? "t" : "f");
	pg__p_text(&p, from);
	/* as on SQLite: state in from; notifications only move forward */
	rc = pg__call_change(db, PG_ALERT_UPDATE, "UPDATE alerts SET"
			     " severity = CASE WHEN $10::boolean AND NOT"
			     "   escalated THEN $2 ELSE severity END,"
			     " state = $3, acked_by = $4, acked_ms = $5,"
			     " ack_comment = $6, closed_ms = $7, closed_by = $8,"
			     " notified_ms = greatest(notified_ms, $9),"
			     " escalated = escalated OR $10::boolean"
			     " WHERE id = $1 AND position(' ' || state || ' '"
			     " IN ' ' || $11::text || ' ') > 0", &p, "alert", e);
	if (rc == ERR_NOT_FOUND)
		err_set(e, ERR_NOT_FOUND, "alert %lld is no longer %s",
			(long long)a->id, from);
	return rc;
}

static int alert_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_alert(r, i, row);
	return ERR_OK;
}

int pg_alert_list(struct db *db, const struct db_alert_filter *f,
		  int (*each)(const struct db_alert *a, void *ctx), void *ctx,
		  struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text_or_null(&p, f->state);
	pg__p_text_or_null(&p, f->plot);
	pg__p_int(&p, f->from);
	pg__p_int(&p, f->to);
	pg__p_int(&p, f->rule_id);
	pg__p_int(&p, f->limit ? (int64_t)f->limit : 1000);
	if ((rc = pg__call(db, PG_ALERT_LIST, "SELECT " ALERT_COLUMNS
			   " FROM alerts WHERE ($1::text IS NULL OR state = $1"
			   "   OR ($1 = 'active' AND state <> 'closed'))"
			   " AND ($2::text IS NULL OR plot = $2)"
			   " AND ($3::bigint = 0 OR opened_ms >= $3)"
			   " AND ($4::bigint = 0 OR opened_ms <= $4)"
			   " AND ($5::bigint = 0 OR rule_id = $5)"
			   " ORDER BY opened_ms DESC, id DESC LIMIT $6", &p,
			   false, &r, "listing alerts", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_alert), alert_row, NULL,
			    DB_EACH(db_alert, each, ctx), e);
}

int pg_alert_dead_letter(struct db *db, int64_t alert_id, const char *url,
			 const char *payload, int attempts, const char *error,
			 int64_t at_ms, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, alert_id);
	pg__p_text(&p, url);
	pg__p_text(&p, payload);
	pg__p_int(&p, attempts);
	pg__p_text(&p, error);
	pg__p_int(&p, at_ms);
	if ((rc = pg__call(db, PG_ALERT_DEAD_LETTER, "INSERT INTO"
			   " alert_dead_letters (alert_id, url, payload,"
			   " attempts, error, at_ms) VALUES ($1, $2, $3, $4,"
			   " $5, $6)", &p, false, &r, "dead letter", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

int pg_alert_dead_letter_count(struct db *db, int64_t *out, struct err *e)
{
	return pg__call_id(db, PG_ALERT_DEAD_LETTER_COUNT, "SELECT count(*)"
			   " FROM alert_dead_letters", NULL, out, NULL,
			   "counting dead letters", e);
}

int pg_alert_set_snapshot(struct db *db, int64_t id, const char *camera,
			  int64_t snapshot_id, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	pg__p_int(&p, snapshot_id);
	pg__p_text(&p, camera);
	return pg__call_change(db, PG_ALERT_SET_SNAPSHOT, "UPDATE alerts SET"
			       " snapshot_id = $2, snapshot_camera = $3"
			       " WHERE id = $1", &p, "alert", e);
}
