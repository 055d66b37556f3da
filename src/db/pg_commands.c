/*
 * Valve commands, retention policies, pump stations and rotation groups in
 * the PostgreSQL store, with the meanings of sqlite_commands.c,
 * sqlite_retention.c and sqlite_rotation.c (a command's move is a
 * compare-and-set from the states named; a group is set in one
 * transaction).  Names sort bytewise (COLLATE "C") as on SQLite.
 */
#include "db/pg_internal.h"

#include <string.h>

#define COMMAND_COLUMNS "id, device, action, duration_min, state," \
	" requested_by, requested_ms, sent_ms, done_ms, auto_close_ms, reason"

static void read_command(const PGresult *r, int i, struct db_command *c)
{
	memset(c, 0, sizeof(*c));
	c->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, c->device, sizeof(c->device));
	pg__copy(r, i, 2, c->action, sizeof(c->action));
	c->duration_min = (int)pg__int(r, i, 3);
	pg__copy(r, i, 4, c->state, sizeof(c->state));
	pg__copy(r, i, 5, c->requested_by, sizeof(c->requested_by));
	c->requested_ms = pg__int(r, i, 6);
	c->sent_ms = pg__int(r, i, 7);
	c->done_ms = pg__int(r, i, 8);
	c->auto_close_ms = pg__int(r, i, 9);
	pg__copy(r, i, 10, c->reason, sizeof(c->reason));
}

int pg_command_create(struct db *db, const struct db_command *c,
		      int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, c->device);
	pg__p_text(&p, c->action);
	pg__p_int(&p, c->duration_min);
	pg__p_text(&p, c->state);
	pg__p_text(&p, c->requested_by);
	pg__p_int(&p, c->requested_ms);
	pg__p_int(&p, c->auto_close_ms);
	if ((rc = pg__call(db, PG_COMMAND_INSERT, "INSERT INTO commands (device,"
			   " action, duration_min, state, requested_by,"
			   " requested_ms, auto_close_ms) VALUES ($1, $2, $3, $4,"
			   " $5, $6, $7) RETURNING id", &p, false, &r, "command",
			   e)))
		return rc;
	*id_out = pg__int(r, 0, 0);
	PQclear(r);
	return ERR_OK;
}

int pg_command_get(struct db *db, int64_t id, struct db_command *out,
		   struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, id);
	if ((rc = pg__call(db, PG_COMMAND_GET, "SELECT " COMMAND_COLUMNS
			   " FROM commands WHERE id = $1", &p, false, &r,
			   "reading a command", e)))
		return rc;
	if (PQntuples(r))
		read_command(r, 0, out);
	else
		rc = err_set(e, ERR_NOT_FOUND, "no command %lld", (long long)id);
	PQclear(r);
	return rc;
}

int pg_command_set_state(struct db *db, int64_t id, const char *from,
			 const char *state, int64_t at_ms, const char *reason,
			 struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	pg__p_text(&p, state);
	pg__p_int(&p, at_ms);
	pg__p_text(&p, reason ? reason : "");
	pg__p_text(&p, from);
	return pg__call_change(db, PG_COMMAND_SET_STATE, "UPDATE commands SET"
			       " state = $2,"
			       " sent_ms = CASE WHEN $2 = 'sent' THEN $3"
			       "   ELSE sent_ms END,"
			       " done_ms = CASE WHEN $2 = 'sent' THEN done_ms"
			       "   ELSE $3 END,"
			       " reason = $4,"
			       " auto_close_ms = CASE WHEN $2 = 'failed' THEN 0"
			       "   ELSE auto_close_ms END"
			       " WHERE id = $1 AND position(' ' || state || ' '"
			       " IN ' ' || $5::text || ' ') > 0", &p, "command",
			       e);
}

static int each_command(PGresult *r,
			int (*each)(const struct db_command *c, void *ctx),
			void *ctx)
{
	struct db_command c;
	int rc = ERR_OK;

	for (int i = 0; !rc && i < PQntuples(r); i++) {
		read_command(r, i, &c);
		rc = each(&c, ctx);
	}
	PQclear(r);
	return rc;
}

int pg_command_list(struct db *db, const char *device, const char *state,
		    size_t limit,
		    int (*each)(const struct db_command *c, void *ctx),
		    void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, device);
	pg__p_text(&p, state);
	pg__p_int(&p, limit ? (int64_t)limit : 100);
	if ((rc = pg__call(db, PG_COMMAND_LIST, "SELECT " COMMAND_COLUMNS
			   " FROM commands WHERE device = $1 AND ($2::text IS"
			   " NULL OR state = $2) ORDER BY id DESC LIMIT $3", &p,
			   false, &r, "listing commands", e)))
		return rc;
	return each_command(r, each, ctx);
}

int pg_command_due(struct db *db, int64_t stale_ms, int64_t now_ms,
		   int (*each)(const struct db_command *c, void *ctx),
		   void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, stale_ms);
	pg__p_int(&p, now_ms);
	if ((rc = pg__call(db, PG_COMMAND_DUE, "SELECT " COMMAND_COLUMNS
			   " FROM commands WHERE (state IN ('requested','sent')"
			   " AND requested_ms <= $1) OR (auto_close_ms > 0 AND"
			   " auto_close_ms <= $2) ORDER BY id", &p, false, &r,
			   "listing commands", e)))
		return rc;
	return each_command(r, each, ctx);
}

int pg_command_clear_close(struct db *db, int64_t id, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	return pg__call_change(db, PG_COMMAND_CLEAR_CLOSE, "UPDATE commands SET"
			       " auto_close_ms = 0 WHERE id = $1 AND auto_close_ms <> 0",
			       &p, "command",
			       e);
}

/* ---- retention policies --------------------------------------------------- */

int pg_retention_set(struct db *db, const struct db_retention *ret,
		     int64_t *id_out, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, ret->kind);
	pg__p_text(&p, ret->metric);
	pg__p_int(&p, ret->raw_ms);
	pg__p_int(&p, ret->step_ms);
	if ((rc = pg__call(db, PG_RETENTION_SET, "INSERT INTO retention (kind,"
			   " metric, raw_ms, step_ms) VALUES ($1, $2, $3, $4) ON"
			   " CONFLICT (kind, metric) DO UPDATE SET raw_ms ="
			   " excluded.raw_ms, step_ms = excluded.step_ms"
			   " RETURNING id", &p, false, &r, "retention", e)))
		return rc;
	if (id_out)
		*id_out = pg__int(r, 0, 0);
	PQclear(r);
	return ERR_OK;
}

int pg_retention_list(struct db *db,
		      int (*each)(const struct db_retention *r, void *ctx),
		      void *ctx, struct err *e)
{
	struct db_retention ret;
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_RETENTION_LIST, "SELECT id, kind, metric,"
			   " raw_ms, step_ms FROM retention ORDER BY id", NULL,
			   false, &r, "listing retention", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		memset(&ret, 0, sizeof(ret));
		ret.id = pg__int(r, i, 0);
		pg__copy(r, i, 1, ret.kind, sizeof(ret.kind));
		pg__copy(r, i, 2, ret.metric, sizeof(ret.metric));
		ret.raw_ms = pg__int(r, i, 3);
		ret.step_ms = pg__int(r, i, 4);
		rc = each(&ret, ctx);
	}
	PQclear(r);
	return rc;
}

int pg_retention_delete(struct db *db, int64_t id, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, id);
	return pg__call_change(db, PG_RETENTION_DELETE, "DELETE FROM retention"
			       " WHERE id = $1", &p, "retention policy", e);
}

/* ---- pump stations and rotation groups ------------------------------------ */

int pg_station_set(struct db *db, const struct db_station *s, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, s->name);
	pg__p_real_or_null(&p, s->capacity_m3h);
	pg__p_int(&p, s->start_min);
	pg__p_int(&p, s->end_min);
	if ((rc = pg__call(db, PG_STATION_SET, "INSERT INTO pump_stations (name,"
			   " capacity_m3h, start_min, end_min) VALUES ($1, $2,"
			   " $3, $4) ON CONFLICT (name) DO UPDATE SET"
			   " capacity_m3h = excluded.capacity_m3h,"
			   " start_min = excluded.start_min,"
			   " end_min = excluded.end_min", &p, false, &r,
			   "pump station", e)))
		return rc;
	PQclear(r);
	return ERR_OK;
}

int pg_station_list(struct db *db,
		    int (*each)(const struct db_station *s, void *ctx),
		    void *ctx, struct err *e)
{
	struct db_station s;
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_STATION_LIST, "SELECT name, capacity_m3h,"
			   " start_min, end_min FROM pump_stations ORDER BY"
			   " name COLLATE \"C\"", NULL, false, &r,
			   "listing stations", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		memset(&s, 0, sizeof(s));
		pg__copy(r, i, 0, s.name, sizeof(s.name));
		s.capacity_m3h = pg__real_or_nan(r, i, 1);
		s.start_min = (int)pg__int(r, i, 2);
		s.end_min = (int)pg__int(r, i, 3);
		rc = each(&s, ctx);
	}
	PQclear(r);
	return rc;
}

static int group_write(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
		       const struct pg_params *p, const char *what,
		       struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__run(c, id, sql, p, false, &r, what, e))) {
		if (strstr(e->msg, "foreign key"))
			return err_set(e, ERR_NOT_FOUND, "%s: no such station "
				       "or plot", what);
		return rc;
	}
	PQclear(r);
	return ERR_OK;
}

static int set_group(struct pg_conn *c, const char *name, const char *station,
		     double flow_m3h, const char *const *plots, size_t n,
		     struct err *e)
{
	struct pg_params g = { 0 }, clear = { 0 };
	int rc;

	pg__p_text(&g, name);
	pg__p_text(&g, station);
	pg__p_real_or_null(&g, flow_m3h);
	pg__p_text(&clear, name);
	if ((rc = group_write(c, PG_GROUP_SET, "INSERT INTO rotation_groups"
			      " (name, station, flow_m3h) VALUES ($1, $2, $3)"
			      " ON CONFLICT (name) DO UPDATE SET station ="
			      " excluded.station, flow_m3h = excluded.flow_m3h",
			      &g, station, e)) ||
	    (rc = group_write(c, PG_GROUP_CLEAR, "DELETE FROM rotation_members"
			      " WHERE grp = $1", &clear, name, e)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct pg_params m = { 0 };

		pg__p_text(&m, plots[i]);
		pg__p_text(&m, name);
		if ((rc = group_write(c, PG_MEMBER_ADD, "INSERT INTO"
				      " rotation_members (plot, grp) VALUES ($1,"
				      " $2) ON CONFLICT (plot) DO UPDATE SET"
				      " grp = excluded.grp", &m, plots[i], e)))
			return rc;
	}
	return ERR_OK;
}

int pg_group_set(struct db *db, const char *name, const char *station,
		 double flow_m3h, const char *const *plots, size_t n_plots,
		 struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	if ((rc = set_group(c, name, station, flow_m3h, plots, n_plots, e)) ||
	    (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

int pg_group_list(struct db *db,
		  int (*each)(const struct db_group_member *m, void *ctx),
		  void *ctx, struct err *e)
{
	struct db_group_member m;
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, PG_GROUP_LIST, "SELECT g.name, g.station,"
			   " g.flow_m3h, coalesce(m.plot, '') FROM"
			   " rotation_groups g LEFT JOIN rotation_members m ON"
			   " m.grp = g.name ORDER BY g.name COLLATE \"C\","
			   " m.plot COLLATE \"C\"", NULL, false, &r,
			   "listing groups", e)))
		return rc;
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		memset(&m, 0, sizeof(m));
		pg__copy(r, i, 0, m.group, sizeof(m.group));
		pg__copy(r, i, 1, m.station, sizeof(m.station));
		m.flow_m3h = pg__real_or_nan(r, i, 2);
		pg__copy(r, i, 3, m.plot, sizeof(m.plot));
		rc = each(&m, ctx);
	}
	PQclear(r);
	return rc;
}
