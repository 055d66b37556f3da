/* Imagery in the SQLite store: scenes, per-plot statistics, anomalies. */
#include "db/sqlite_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCENE_COLUMNS "id, source, kind, acquired_ms, crs, footprint," \
	" cloud_share, file, width, height, indices, preview, created_ms"
#define STAT_COLUMNS "plot, idx, count, valid_fraction, mean, std, min," \
	" max, median, p10, p90"

static int step_insert(struct conn *c, sqlite3_stmt *st, const char *what,
		       struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, ERR_NOT_FOUND, "%s: no such plot (it was "
			       "removed from the registry meanwhile)", what);
	return rc == SQLITE_DONE ? ERR_OK : sqlite__error(c, rc, what, e);
}

static int insert_scene(struct conn *c, const struct db_scene *s,
			int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_SCENE_INSERT, "INSERT INTO scenes (source,"
			       " kind, acquired_ms, crs, footprint, cloud_share,"
			       " file, width, height, indices, preview,"
			       " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
			       " ?, ?, ?)", &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, s->source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, s->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, s->acquired_ms);
	sqlite3_bind_text(st, 4, s->crs ? s->crs : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, s->footprint ? s->footprint : "", -1,
			  SQLITE_TRANSIENT);
	sqlite__bind_real_or_null(st, 6, s->cloud_share);
	sqlite3_bind_text(st, 7, s->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 8, s->width);
	sqlite3_bind_int(st, 9, s->height);
	sqlite3_bind_text(st, 10, s->indices, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, s->preview, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, s->created_ms);
	if ((rc = step_insert(c, st, "scene", e)))
		return rc;
	*id = sqlite3_last_insert_rowid(c->handle);
	return ERR_OK;
}

static int insert_stat(struct conn *c, int64_t scene,
		       const struct db_scene_stat *t, struct err *e)
{
	sqlite3_stmt *st;
	const double v[] = { t->valid_fraction, t->mean, t->std, t->min,
			     t->max, t->median, t->p10, t->p90 };
	int rc;

	if ((rc = sqlite__stmt(c, ST_SCENE_STAT_INSERT, "INSERT INTO scene_stats"
			       " (scene, " STAT_COLUMNS ") VALUES (?, ?, ?, ?,"
			       " ?, ?, ?, ?, ?, ?, ?, ?)", &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, scene);
	sqlite3_bind_text(st, 2, t->plot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, t->index, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 4, isfinite(t->count) ? t->count : 0);
	for (int i = 0; i < 8; i++)
		sqlite__bind_real_or_null(st, 5 + i, v[i]);
	return step_insert(c, st, t->plot, e);
}

static int insert_anomaly(struct conn *c, int64_t scene,
			  const struct db_anomaly *a, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__stmt(c, ST_ANOMALY_INSERT, "INSERT INTO anomalies"
			       " (scene, plot, idx, rule, value, reference,"
			       " threshold) VALUES (?, ?, ?, ?, ?, ?, ?)", &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, scene);
	sqlite3_bind_text(st, 2, a->plot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->index, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->rule, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 5, a->value);
	sqlite3_bind_double(st, 6, a->reference);
	sqlite3_bind_double(st, 7, a->threshold);
	return step_insert(c, st, a->plot, e);
}

static int add_scene(struct conn *c, const struct db_scene *s,
		     const struct db_scene_stat *stats, size_t n_stats,
		     const struct db_anomaly *an, size_t n_an, int64_t *id,
		     struct err *e)
{
	int rc;

	if ((rc = insert_scene(c, s, id, e)))
		return rc;
	for (size_t i = 0; i < n_stats; i++)
		if ((rc = insert_stat(c, *id, &stats[i], e)))
			return rc;
	for (size_t i = 0; i < n_an; i++)
		if ((rc = insert_anomaly(c, *id, &an[i], e)))
			return rc;
	return ERR_OK;
}

int sqlite_scene_add(struct db *db, const struct db_scene *s,
		     const struct db_scene_stat *stats, size_t n_stats,
		     const struct db_anomaly *anomalies, size_t n_anomalies,
		     int64_t *id_out, struct err *e)
{
	struct conn *c;
	int rc;

	if ((rc = sqlite__conn_get(db, &c, e)))
		return rc;
	if ((rc = sqlite__begin(c, e)))
		goto out_put;
	if ((rc = add_scene(c, s, stats, n_stats, anomalies, n_anomalies,
			    id_out, e)) ||
	    (rc = sqlite__exec(c, "COMMIT", e)))
		sqlite__rollback(c);
out_put:
	sqlite__conn_put(db, c);
	return rc;
}

static int read_scene(sqlite3_stmt *st, struct db_scene *s, struct err *e)
{
	const unsigned char *crs = sqlite3_column_text(st, 4);
	const unsigned char *fp = sqlite3_column_text(st, 5);

	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, s->source, sizeof(s->source));
	sqlite__column_copy(st, 2, s->kind, sizeof(s->kind));
	s->acquired_ms = sqlite3_column_int64(st, 3);
	s->crs = strdup(crs ? (const char *)crs : "");
	s->footprint = strdup(fp ? (const char *)fp : "");
	s->cloud_share = sqlite__column_real_or_nan(st, 6);
	sqlite__column_copy(st, 7, s->file, sizeof(s->file));
	s->width = sqlite3_column_int(st, 8);
	s->height = sqlite3_column_int(st, 9);
	sqlite__column_copy(st, 10, s->indices, sizeof(s->indices));
	sqlite__column_copy(st, 11, s->preview, sizeof(s->preview));
	s->created_ms = sqlite3_column_int64(st, 12);
	if (!s->crs || !s->footprint) {
		db_scene_free(s);
		return err_nomem(e);
	}
	return ERR_OK;
}

int sqlite_scene_get(struct db *db, int64_t id, struct db_scene *out,
		     struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = sqlite__call_begin(db, ST_SCENE_GET, "SELECT " SCENE_COLUMNS
				     " FROM scenes WHERE id = ?", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = read_scene(st, out, e);
	else if (step == SQLITE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "no scene %lld", (long long)id);
	else
		rc = sqlite__error(c, step, "reading a scene", e);
	return sqlite__call_end(db, c, st, rc);
}

int sqlite_scene_newest(struct db *db, const char *kind, int64_t before_ms,
			struct db_scene *out, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc, step;

	if ((rc = sqlite__call_begin(db, ST_SCENE_NEWEST, "SELECT "
				     SCENE_COLUMNS " FROM scenes WHERE kind = ?"
				     " AND acquired_ms < ? ORDER BY acquired_ms"
				     " DESC, id DESC LIMIT 1", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before_ms);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = read_scene(st, out, e);
	else if (step == SQLITE_DONE)
		rc = err_set(e, ERR_NOT_FOUND, "no %s scene", kind);
	else
		rc = sqlite__error(c, step, "reading the newest scene", e);
	return sqlite__call_end(db, c, st, rc);
}

static int scene_row(sqlite3_stmt *st, void *row, struct err *e)
{
	return read_scene(st, row, e);
}

static void scene_row_free(void *row)
{
	db_scene_free(row);
}

int sqlite_scene_list(struct db *db, int64_t from_ms, int64_t to_ms,
		      int (*each)(const struct db_scene *s, void *ctx), void *ctx,
		      struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_SCENE_LIST, "SELECT " SCENE_COLUMNS
				     " FROM scenes WHERE acquired_ms >= ? AND"
				     " acquired_ms < ? ORDER BY acquired_ms DESC,"
				     " id DESC", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	return sqlite__each_row(db, c, st, sizeof(struct db_scene), scene_row,
				scene_row_free, DB_EACH(db_scene, each, ctx),
				"listing scenes", e);
}

/* A row of STAT_COLUMNS from column col on. */
static void read_stat(sqlite3_stmt *st, int col, struct db_scene_stat *t)
{
	double *v[] = { &t->valid_fraction, &t->mean, &t->std, &t->min,
			&t->max, &t->median, &t->p10, &t->p90 };

	sqlite__column_copy(st, col, t->plot, sizeof(t->plot));
	sqlite__column_copy(st, col + 1, t->index, sizeof(t->index));
	t->count = sqlite3_column_double(st, col + 2);
	for (int i = 0; i < 8; i++)
		*v[i] = sqlite__column_real_or_nan(st, col + 3 + i);
}

/* One row of db_scene_stats, collected (see sqlite__each_row). */
static int scene_stats_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_scene_stat *t = row;

	(void)e;
	read_stat(st, 0, t);
	return ERR_OK;
}

int sqlite_scene_stats(struct db *db, int64_t scene, const char *index,
		       int (*each)(const struct db_scene_stat *t, void *ctx),
		       void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_SCENE_STATS, "SELECT " STAT_COLUMNS
				     " FROM scene_stats WHERE scene = ? AND"
				     " idx = ? ORDER BY plot", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, scene);
	sqlite3_bind_text(st, 2, index, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_scene_stat),
				scene_stats_row, NULL,
				DB_EACH(db_scene_stat, each, ctx),
				"reading statistics", e);
}

/* A row of scene, acquired_ms, kind, source, then STAT_COLUMNS. */
static int walk_points_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_index_point *p = row;

	(void)e;
	p->scene = sqlite3_column_int64(st, 0);
	p->acquired_ms = sqlite3_column_int64(st, 1);
	sqlite__column_copy(st, 2, p->kind, sizeof(p->kind));
	sqlite__column_copy(st, 3, p->source, sizeof(p->source));
	read_stat(st, 4, &p->stat);
	return ERR_OK;
}

static int walk_points(struct db *db, struct conn *c, sqlite3_stmt *st,
		       int (*each)(const struct db_index_point *p, void *ctx),
		       void *ctx, struct err *e)
{
	return sqlite__each_row(db, c, st, sizeof(struct db_index_point),
				walk_points_row, NULL,
				DB_EACH(db_index_point, each, ctx),
				"reading a series", e);
}

int sqlite_index_series(struct db *db, const char *plot, const char *index,
			int64_t from_ms, int64_t to_ms,
			int (*each)(const struct db_index_point *p, void *ctx),
			void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite__call_begin(db, ST_INDEX_SERIES, "SELECT s.id,"
				     " s.acquired_ms, s.kind, s.source, t.plot,"
				     " t.idx, t.count, t.valid_fraction, t.mean,"
				     " t.std, t.min, t.max, t.median, t.p10, t.p90"
				     " FROM scene_stats t JOIN scenes s ON s.id ="
				     " t.scene WHERE t.plot = ? AND t.idx = ? AND"
				     " s.acquired_ms >= ? AND s.acquired_ms < ?"
				     " ORDER BY s.acquired_ms, s.id", &c, &st, e)))
		return rc;
	sqlite3_bind_text(st, 1, plot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, index, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, from_ms);
	sqlite3_bind_int64(st, 4, to_ms);
	return walk_points(db, c, st, each, ctx, e);
}

int sqlite_index_previous(struct db *db, const char *index, const char *kind,
			  int64_t since_ms, int64_t before_ms,
			  int (*each)(const struct db_index_point *p, void *ctx),
			  void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	/*
	 * CROSS JOIN keeps scenes the outer loop, so the window is a range of
	 * scenes_acquired and years of older scenes are never read.  With
	 * max(), SQLite takes the bare columns from the max row.
	 */
	if ((rc = sqlite__call_begin(db, ST_INDEX_PREVIOUS, "SELECT s.id,"
				     " max(s.acquired_ms), s.kind, s.source,"
				     " t.plot, t.idx, t.count, t.valid_fraction,"
				     " t.mean, t.std, t.min, t.max, t.median,"
				     " t.p10, t.p90 FROM scenes s CROSS JOIN"
				     " scene_stats t ON t.scene = s.id WHERE"
				     " s.acquired_ms >= ? AND s.acquired_ms < ?"
				     " AND s.kind = ? AND t.idx = ? AND"
				     " t.count > 0 AND t.mean IS NOT NULL"
				     " GROUP BY t.plot ORDER BY t.plot", &c, &st, e)))
		return rc;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, before_ms);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, index, -1, SQLITE_TRANSIENT);
	return walk_points(db, c, st, each, ctx, e);
}

/*
 * One statement per filter, so that each uses its index (the primary key
 * for a scene, anomalies_plot for a plot) rather than reading every flag
 * of every year.  Each names both parameters, so they are bound alike.
 */
#define ANOMALY_SELECT "SELECT a.scene, a.plot, a.idx, a.rule, a.value," \
	" a.reference, a.threshold, s.acquired_ms, s.kind FROM anomalies a" \
	" JOIN scenes s ON s.id = a.scene WHERE "
#define ANOMALY_ORDER " ORDER BY s.acquired_ms DESC, a.scene DESC, a.plot," \
	" a.idx, a.rule"

/* One row of db_anomaly_list, collected (see sqlite__each_row). */
static int anomaly_list_row(sqlite3_stmt *st, void *row, struct err *e)
{
	struct db_anomaly *a = row;

	(void)e;
	a->scene = sqlite3_column_int64(st, 0);
	sqlite__column_copy(st, 1, a->plot, sizeof(a->plot));
	sqlite__column_copy(st, 2, a->index, sizeof(a->index));
	sqlite__column_copy(st, 3, a->rule, sizeof(a->rule));
	a->value = sqlite3_column_double(st, 4);
	a->reference = sqlite3_column_double(st, 5);
	a->threshold = sqlite3_column_double(st, 6);
	a->acquired_ms = sqlite3_column_int64(st, 7);
	sqlite__column_copy(st, 8, a->kind, sizeof(a->kind));
	return ERR_OK;
}

int sqlite_anomaly_list(struct db *db, int64_t scene, const char *plot,
			int (*each)(const struct db_anomaly *a, void *ctx),
			void *ctx, struct err *e)
{
	struct conn *c;
	sqlite3_stmt *st;
	int rc;

	if (scene)
		rc = sqlite__call_begin(db, ST_ANOMALY_LIST_SCENE, ANOMALY_SELECT
					"a.scene = ?1 AND (?2 IS NULL OR"
					" a.plot = ?2)" ANOMALY_ORDER, &c, &st,
					e);
	else if (plot)
		rc = sqlite__call_begin(db, ST_ANOMALY_LIST_PLOT, ANOMALY_SELECT
					"a.plot = ?2 AND ?1 = 0" ANOMALY_ORDER,
					&c, &st, e);
	else
		rc = sqlite__call_begin(db, ST_ANOMALY_LIST, ANOMALY_SELECT
					"?1 = 0 AND ?2 IS NULL" ANOMALY_ORDER,
					&c, &st, e);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, scene);
	if (plot)
		sqlite3_bind_text(st, 2, plot, -1, SQLITE_TRANSIENT);
	return sqlite__each_row(db, c, st, sizeof(struct db_anomaly),
				anomaly_list_row, NULL,
				DB_EACH(db_anomaly, each, ctx),
				"listing anomalies", e);
}
