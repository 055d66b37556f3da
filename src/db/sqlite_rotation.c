/* Pump stations and rotation groups in the SQLite store. */
#include "db/sqlite_internal.h"

#include <stdio.h>

int sqlite_station_set(struct db *db, const struct db_station *s, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_STATION_SET, "INSERT INTO pump_stations"
				     " (name, capacity_m3h, start_min, end_min)"
				     " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO"
				     " UPDATE SET capacity_m3h = excluded.capacity_m3h,"
				     " start_min = excluded.start_min,"
				     " end_min = excluded.end_min", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, s->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, s->capacity_m3h);
	sqlite3_bind_int(st, 3, s->start_min);
	sqlite3_bind_int(st, 4, s->end_min);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, "pump station", e);
	return sqlite__call_end(db, c, st, rc);
}

/* One row of db_station_list, collected (see sqlite__each_row). */
static int station_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_station *s = row;

	(void)e;
	sqlite__column_copy(st, 0, s->name, sizeof(s->name));
	s->capacity_m3h = sqlite3_column_double(st, 1);
	s->start_min = sqlite3_column_int(st, 2);
	s->end_min = sqlite3_column_int(st, 3);
	return ERR_OK;
}

int sqlite_station_list(struct db *db,
			int (*each)(const struct db_station *s, void *ctx),
			void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_STATION_LIST, "SELECT name,"
				     " capacity_m3h, start_min, end_min FROM"
				     " pump_stations ORDER BY name", &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_station),
				station_list_row, NULL,
				DB_EACH(db_station, each, ctx),
				"listing stations", e);
}

static int step_write(struct conn *c, sqlite3_stmt *st, const char *what,
		      struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, ERR_NOT_FOUND, "%s: no such station or plot", what);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, what, e);
}

static int set_group(struct conn *c, const char *name, const char *station,
		     double flow, const char *const *plots, size_t n,
		     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_GROUP_SET, "INSERT INTO rotation_groups"
			       " (name, station, flow_m3h) VALUES (?, ?, ?)"
			       " ON CONFLICT (name) DO UPDATE SET"
			       " station = excluded.station,"
			       " flow_m3h = excluded.flow_m3h", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, station, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, flow);
	if ((rc = step_write(c, st, station, e)))
		return rc;
	if ((rc = sqlite__stmt(c, ST_GROUP_CLEAR, "DELETE FROM rotation_members"
			       " WHERE grp = ?", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = step_write(c, st, name, e)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = sqlite__stmt(c, ST_MEMBER_ADD, "INSERT INTO"
				       " rotation_members (plot, grp) VALUES (?, ?)"
				       " ON CONFLICT (plot) DO UPDATE SET"
				       " grp = excluded.grp", &st, e)))
			return rc;
		sqlite3_bind_text(st, 1, plots[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if ((rc = step_write(c, st, plots[i], e)))
			return rc;
	}
	return ERR_OK;
}

int sqlite_group_set(struct db *db, const char *name, const char *station,
		     double flow_m3h, const char *const *plots, size_t n_plots,
		     struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	if ((rc = set_group(c, name, station, flow_m3h, plots, n_plots, e)) ||
	    (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

/* One row of db_group_list, collected (see sqlite__each_row). */
static int group_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_group_member *m = row;

	(void)e;
	sqlite__column_copy(st, 0, m->group, sizeof(m->group));
	sqlite__column_copy(st, 1, m->station, sizeof(m->station));
	m->flow_m3h = sqlite3_column_double(st, 2);
	sqlite__column_copy(st, 3, m->plot, sizeof(m->plot));
	return ERR_OK;
}

int sqlite_group_list(struct db *db,
		      int (*each)(const struct db_group_member *m, void *ctx),
		      void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_GROUP_LIST, "SELECT g.name, g.station,"
				     " g.flow_m3h, coalesce(m.plot, '') FROM"
				     " rotation_groups g LEFT JOIN rotation_members m"
				     " ON m.grp = g.name ORDER BY g.name, m.plot",
				     &c, &st, e)))
		return rc;
	return sqlite__each_row(db, c, st, sizeof(struct db_group_member),
				group_list_row, NULL,
				DB_EACH(db_group_member, each, ctx),
				"listing groups", e);
}
