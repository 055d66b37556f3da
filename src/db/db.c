/*
 * db: the dispatch of db.h to a backend.  db_open picks the backend from
 * `where` (a folder: SQLite; a postgresql:// or postgres:// URL:
 * PostgreSQL); every other db_* call goes through the store's table
 * (db_ops.h), and an operation the backend does not have yet answers
 * ERR_UNSUPPORTED naming it.  The *_free helpers only release memory and
 * belong to no backend.
 */
#include "db/db_ops.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db/backends.h"
#include "db/pg_retry.h"

/*
 * A postgresql:// or postgres:// URL (host lists as libpq takes them:
 * host1:port1,host2:port2), or a libpq key=value string starting with one
 * of the keys that name a server ("host=a,b port=5432,5433 dbname=oasis
 * target_session_attrs=read-write"): libpq reads both.
 */
bool db_is_postgres_url(const char *where)
{
	static const char *const keys[] = { "host=", "hostaddr=", "port=",
					    "dbname=", "user=", "service=" };

	if (!where)
		return false;
	if (!strncmp(where, "postgresql://", 13) ||
	    !strncmp(where, "postgres://", 11))
		return true;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(where, keys[i], strlen(keys[i])))
			return true;
	return false;
}

/* util's redaction: user:PASSWORD@ and password=... become "***". */
void db_where_shown(const char *where, char *out, size_t size)
{
	snprintf(out, size, "%s", where ? where : "");
	err_redact(out, size);
}

static pthread_mutex_t password_lock = PTHREAD_MUTEX_INITIALIZER;
static char *password_path;

int db_password_file(const char *path, struct err *e)
{
	char *copy = NULL;

	if (path && !(copy = strdup(path)))
		return err_nomem(e);
	pthread_mutex_lock(&password_lock);
	free(password_path);
	password_path = copy;
	pthread_mutex_unlock(&password_lock);
	return ERR_OK;
}

int db__password(char **out, struct err *e)
{
	char line[1024];
	FILE *f = NULL;
	int rc = ERR_OK;

	*out = NULL;
	pthread_mutex_lock(&password_lock);
	if (!password_path)
		goto out;
	if (!(f = fopen(password_path, "r"))) {
		rc = err_set(e, ERR_IO, "--data-password-file %s: %s",
			     password_path, strerror(errno));
		goto out;
	}
	if (!fgets(line, sizeof(line), f)) {
		rc = err_set(e, ERR_INVALID, "--data-password-file %s: empty",
			     password_path);
		goto out;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!(*out = strdup(line)))
		rc = err_nomem(e);
out:
	if (f)
		fclose(f);
	memset(line, 0, sizeof(line));
	pthread_mutex_unlock(&password_lock);
	return rc;
}

static size_t span(const char *s, const char *set)
{
	return strspn(s, set);
}

int db__state_key_check(const char *key, struct err *e)
{
	size_t owner = key ? span(key, "abcdefghijklmnopqrstuvwxyz") : 0;
	size_t name = 0;

	if (owner && key[owner] == '.')
		name = span(key + owner + 1, "abcdefghijklmnopqrstuvwxyz"
			    "0123456789_");
	if (!name || key[owner + 1 + name] || owner + 1 + name > 64)
		return err_set(e, ERR_INVALID, "state key '%s': not "
			       "<owner>.<name> (lowercase; e.g. "
			       "ts.wal_checkpoint)", key ? key : "");
	return ERR_OK;
}

static _Thread_local unsigned fail_countdown;

void db__fail_statement(unsigned n)
{
	fail_countdown = n;
}

bool db__statement_fails(void)
{
	return fail_countdown && --fail_countdown == 0;
}

int db_open(const char *where, bool create, struct db **out, struct err *e)
{
	if (!where || !*where)
		return err_set(e, ERR_INVALID, "--data: no store given (a folder "
			       "or a postgresql:// URL)");
	if (db_is_postgres_url(where))
		return pg_open(where, create, out, e);
	return sqlite_open(where, create, out, e);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

void db_pool_stats(struct db *db, struct db_pool_stats *out)
{
	db->ops->pool_stats(db, out);
}

static int unsupported(const struct db *db, const char *op, struct err *e)
{
	return err_set(e, ERR_UNSUPPORTED, "%s: not yet on %s", op,
		       db->ops->name);
}

#define DB_WRAPPER(name, params, args) \
	int db_##name params \
	{ \
		if (!db->ops->name) \
			return unsupported(db, "db_" #name, e); \
		return db->ops->name args; \
	}
DB_OPS(DB_WRAPPER)
#undef DB_WRAPPER

void db_plot_free(struct db_plot *p)
{
	if (!p)
		return;
	free(p->extra);
	free(p->geometry);
	p->extra = NULL;
	p->geometry = NULL;
}

void db_scene_free(struct db_scene *s)
{
	if (!s)
		return;
	free(s->crs);
	free(s->footprint);
	s->crs = NULL;
	s->footprint = NULL;
}

void db_snapshot_free(struct db_snapshot *s)
{
	free(s->jpeg);
	s->jpeg = NULL;
}

void db_file_free(struct db_file *f)
{
	if (!f)
		return;
	free(f->data);
	f->data = NULL;
}

int db__file_check(const char *name, size_t len, struct err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= DB_FILE_NAME_MAX || name[0] == '/' ||
	    strstr(name, ".."))
		return err_set(e, ERR_INVALID, "file name '%s': 1 to %d "
			       "characters, relative, without '..'",
			       name ? name : "", DB_FILE_NAME_MAX - 1);
	if ((uint64_t)len > (uint64_t)DB_FILE_MAX)
		return err_set(e, ERR_INVALID, "file %s: %zu bytes, more than "
			       "the %lld a stored file may hold", name, len,
			       (long long)DB_FILE_MAX);
	return ERR_OK;
}

void db__sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * Every table of both schemas (sqlite_schema.c, pg_schema.c) but
 * schema_version, parents first; the columns both have.
 */
const struct db_table db_tables[] = {
	{ "users", "id, name, role, password_hash, created_ms", 0 },
	{ "tokens", "id, name, role, device, hash, created_ms, expires_ms,"
	  " revoked_ms", 0 },
	{ "sessions", "hash, user_id, expires_ms", 0 },
	{ "sites", "code, name, kind, tz, lon, lat, alt_m, boundary, facts,"
	  " is_default, created_ms, updated_ms", 1 },
	{ "plots", "code, name, crop, variety, sowing_date, irrigation,"
	  " soil_texture, field_capacity, wilting_point, owner, extra,"
	  " geometry, min_lon, min_lat, max_lon, max_lat, area_m2,"
	  " updated_ms, site", 0 },
	{ "devices", "id, kind, plot, name, lon, lat, created_ms, deleted_ms,"
	  " site", 0 },
	{ "pv_equipment", "id, site, kind, parent, name, subtype, met_station,"
	  " kwp_dc, kw_ac, module_count, gamma_pdc, tilt, azimuth, axis_tilt,"
	  " axis_azimuth, max_angle, gcr, lon, lat", 0 },
	{ "metrics", "id, name", 0 },
	{ "series", "id, device, metric", 0 },
	{ "chunks", "series, ts_min, ts_max, seq, data", 0 },
	{ "latest", "series, ts, value", 0 },
	{ "ts_state", "key, value", 0 },
	{ "retention", "id, kind, metric, raw_ms, step_ms", 0 },
	{ "commands", "id, device, action, duration_min, state, requested_by,"
	  " requested_ms, sent_ms, done_ms, auto_close_ms, reason", 0 },
	{ "pump_stations", "name, capacity_m3h, start_min, end_min", 0 },
	{ "rotation_groups", "name, station, flow_m3h", 0 },
	{ "rotation_members", "plot, grp", 0 },
	{ "scenes", "id, source, kind, acquired_ms, crs, footprint,"
	  " cloud_share, file, width, height, indices, preview, created_ms", 0 },
	{ "scene_stats", "scene, plot, idx, count, valid_fraction, mean, std,"
	  " min, max, median, p10, p90", 0 },
	{ "anomalies", "scene, plot, idx, rule, value, reference, threshold", 0 },
	{ "fleet_equipment", "device, implement, swath_m, stream_url,"
	  " updated_ms", 0 },
	{ "snapshots", "id, device, taken_ms, width, height, jpeg", 0 },
	{ "alert_rules", "id, body, updated_ms", 0 },
	{ "alerts", "id, rule_id, subject, plot, severity, state, message,"
	  " value, opened_ms, acked_by, acked_ms, ack_comment, closed_ms,"
	  " closed_by, notified_ms, escalated, snapshot_id,"
	  " snapshot_camera, detail", 0 },
	{ "alert_dead_letters", "id, alert_id, url, payload, attempts, error,"
	  " at_ms", 0 },
	{ "files", "name, size, sha256, created_ms, content", 0 },
	{ "workorders", "id, site, equipment, alert_id, title, state, assignee,"
	  " created_by, version, created_ms, updated_ms, closed_ms,"
	  " energy_lost_kwh", 0 },
	{ "workorder_comments", "id, workorder, author, body, snapshot_id,"
	  " at_ms", 0 },
	{ "audit", "id, at_ms, actor, role, action, status", 0 },
	{ "metric_units", "name, unit, what, updated_ms", 0 },
	{ NULL, NULL, 0 },
};

const struct db_table *db__table(const char *name, struct err *e)
{
	for (const struct db_table *t = db_tables; name && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	err_set(e, ERR_INVALID, "table '%s' is not one of the store's",
		name ? name : "");
	return NULL;
}

size_t db__table_columns(const struct db_table *t)
{
	size_t n = 1;

	for (const char *p = t->columns; *p; p++)
		n += *p == ',';
	return n;
}

void db_rows_free(struct db_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->v && i < r->n_rows * r->n_cols; i++)
		free(r->v[i].p);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int db__rows_add(struct db_rows *r, size_t n_cols, struct db_value **row,
		 struct err *e)
{
	struct db_value *v;

	r->n_cols = n_cols;
	/* capacity: the next power of two from 16 (n_rows reaching one grows) */
	if (r->n_rows < 16 ? !r->v : !(r->n_rows & (r->n_rows - 1))) {
		size_t cap = r->n_rows < 16 ? 16 : r->n_rows * 2;

		if (!(v = realloc(r->v, cap * n_cols * sizeof(*v))))
			return err_nomem(e);
		r->v = v;
	}
	v = r->v;
	*row = v + r->n_rows * n_cols;
	memset(*row, 0, n_cols * sizeof(**row));
	r->n_rows++;
	return ERR_OK;
}

void db_thread_patience(unsigned ms)
{
	pg_retry_thread_window(ms);
}
