/*
 * Imagery in the PostgreSQL store: scenes, per-plot statistics and
 * anomalies, with sqlite_imagery.c's meanings (a scene and its rows in one
 * transaction; a plot removed meanwhile is ERR_NOT_FOUND naming it).  Plot
 * codes sort bytewise (COLLATE "C") as on SQLite.
 */
#include "db/pg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCENE_COLUMNS "id, source, kind, acquired_ms, crs, footprint," \
	" cloud_share, file, width, height, indices, preview, created_ms"
#define STAT_COLUMNS "plot, idx, count, valid_fraction, mean, std, min," \
	" max, median, p10, p90"

/* An insert's failure: a foreign key on plots means the plot went away. */
static int insert_failed(int rc, const char *what, struct err *e)
{
	if (strstr(e->msg, "foreign key"))
		return err_set(e, ERR_NOT_FOUND, "%s: no such plot (it was "
			       "removed from the registry meanwhile)", what);
	return rc;
}

static int run_clear(struct pg_conn *c, enum pg_stmt_id id, const char *sql,
		     const struct pg_params *p, const char *what,
		     struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__run(c, id, sql, p, false, &r, what, e)))
		return insert_failed(rc, what, e);
	PQclear(r);
	return ERR_OK;
}

static int insert_scene(struct pg_conn *c, const struct db_scene *s,
			int64_t *id, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_text(&p, s->source);
	pg__p_text(&p, s->kind);
	pg__p_int(&p, s->acquired_ms);
	pg__p_text(&p, s->crs ? s->crs : "");
	pg__p_text(&p, s->footprint ? s->footprint : "");
	pg__p_real_or_null(&p, s->cloud_share);
	pg__p_text(&p, s->file);
	pg__p_int(&p, s->width);
	pg__p_int(&p, s->height);
	pg__p_text(&p, s->indices);
	pg__p_text(&p, s->preview);
	pg__p_int(&p, s->created_ms);
	return pg__run_id(c, PG_SCENE_INSERT, "INSERT INTO scenes (source, kind,"
			  " acquired_ms, crs, footprint, cloud_share, file,"
			  " width, height, indices, preview, created_ms) VALUES"
			  " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
			  " RETURNING id", &p, id, NULL, "scene", e);
}

static int insert_stat(struct pg_conn *c, int64_t scene,
		       const struct db_scene_stat *t, struct err *e)
{
	const double v[] = { t->valid_fraction, t->mean, t->std, t->min,
			     t->max, t->median, t->p10, t->p90 };
	struct pg_params p = { 0 };

	pg__p_int(&p, scene);
	pg__p_text(&p, t->plot);
	pg__p_text(&p, t->index);
	pg__p_real_or_null(&p, isfinite(t->count) ? t->count : 0);
	for (int i = 0; i < 8; i++)
		pg__p_real_or_null(&p, v[i]);
	return run_clear(c, PG_SCENE_STAT_INSERT, "INSERT INTO scene_stats"
			 " (scene, " STAT_COLUMNS ") VALUES ($1, $2, $3, $4, $5,"
			 " $6, $7, $8, $9, $10, $11, $12)", &p, t->plot, e);
}

static int insert_anomaly(struct pg_conn *c, int64_t scene,
			  const struct db_anomaly *a, struct err *e)
{
	struct pg_params p = { 0 };

	pg__p_int(&p, scene);
	pg__p_text(&p, a->plot);
	pg__p_text(&p, a->index);
	pg__p_text(&p, a->rule);
	pg__p_real_or_null(&p, a->value);
	pg__p_real_or_null(&p, a->reference);
	pg__p_real_or_null(&p, a->threshold);
	return run_clear(c, PG_ANOMALY_INSERT, "INSERT INTO anomalies (scene,"
			 " plot, idx, rule, value, reference, threshold) VALUES"
			 " ($1, $2, $3, $4, $5, $6, $7)", &p, a->plot, e);
}

int pg_scene_add(struct db *db, const struct db_scene *s,
		 const struct db_scene_stat *stats, size_t n_stats,
		 const struct db_anomaly *anomalies, size_t n_anomalies,
		 int64_t *id_out, struct err *e)
{
	struct pg_conn *c;
	int rc;

	if ((rc = pg__conn_get(db, &c, e)))
		return rc;
	if ((rc = pg__begin(c, e)))
		goto out_put;
	rc = insert_scene(c, s, id_out, e);
	for (size_t i = 0; !rc && i < n_stats; i++)
		rc = insert_stat(c, *id_out, &stats[i], e);
	for (size_t i = 0; !rc && i < n_anomalies; i++)
		rc = insert_anomaly(c, *id_out, &anomalies[i], e);
	if (rc || (rc = pg__commit(c, e)))
		pg__rollback(c);
out_put:
	pg__conn_put(db, c);
	return rc;
}

static int read_scene(const PGresult *r, int i, struct db_scene *s,
		      struct err *e)
{
	memset(s, 0, sizeof(*s));
	s->id = pg__int(r, i, 0);
	pg__copy(r, i, 1, s->source, sizeof(s->source));
	pg__copy(r, i, 2, s->kind, sizeof(s->kind));
	s->acquired_ms = pg__int(r, i, 3);
	s->crs = strdup(PQgetvalue(r, i, 4));
	s->footprint = strdup(PQgetvalue(r, i, 5));
	s->cloud_share = pg__real_or_nan(r, i, 6);
	pg__copy(r, i, 7, s->file, sizeof(s->file));
	s->width = (int)pg__int(r, i, 8);
	s->height = (int)pg__int(r, i, 9);
	pg__copy(r, i, 10, s->indices, sizeof(s->indices));
	pg__copy(r, i, 11, s->preview, sizeof(s->preview));
	s->created_ms = pg__int(r, i, 12);
	if (!s->crs || !s->footprint) {
		db_scene_free(s);
		return err_nomem(e);
	}
	return ERR_OK;
}

/* The one scene a statement found, or ERR_NOT_FOUND with missing. */
static int one_scene(struct db *db, enum pg_stmt_id id, const char *sql,
		     const struct pg_params *p, struct db_scene *out,
		     const char *missing, struct err *e)
{
	PGresult *r;
	int rc;

	if ((rc = pg__call(db, id, sql, p, false, &r, "reading a scene", e)))
		return rc;
	if (PQntuples(r))
		rc = read_scene(r, 0, out, e);
	else
		rc = err_set(e, ERR_NOT_FOUND, "%s", missing);
	PQclear(r);
	return rc;
}

int pg_scene_get(struct db *db, int64_t id, struct db_scene *out,
		 struct err *e)
{
	struct pg_params p = { 0 };
	char missing[64];

	pg__p_int(&p, id);
	snprintf(missing, sizeof(missing), "no scene %lld", (long long)id);
	return one_scene(db, PG_SCENE_GET, "SELECT " SCENE_COLUMNS " FROM"
			 " scenes WHERE id = $1", &p, out, missing, e);
}

int pg_scene_newest(struct db *db, const char *kind, int64_t before_ms,
		    struct db_scene *out, struct err *e)
{
	struct pg_params p = { 0 };
	char missing[64];

	pg__p_text(&p, kind);
	pg__p_int(&p, before_ms);
	snprintf(missing, sizeof(missing), "no %s scene", kind);
	return one_scene(db, PG_SCENE_NEWEST, "SELECT " SCENE_COLUMNS " FROM"
			 " scenes WHERE kind = $1 AND acquired_ms < $2 ORDER BY"
			 " acquired_ms DESC, id DESC LIMIT 1", &p, out, missing,
			 e);
}

static int scene_row(const PGresult *r, int i, void *row, struct err *e)
{
	return read_scene(r, i, row, e);
}

static void scene_row_free(void *row)
{
	db_scene_free(row);
}

int pg_scene_list(struct db *db, int64_t from_ms, int64_t to_ms,
		  int (*each)(const struct db_scene *s, void *ctx), void *ctx,
		  struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, from_ms);
	pg__p_int(&p, to_ms);
	if ((rc = pg__call(db, PG_SCENE_LIST, "SELECT " SCENE_COLUMNS " FROM"
			   " scenes WHERE acquired_ms >= $1 AND acquired_ms < $2"
			   " ORDER BY acquired_ms DESC, id DESC", &p, false, &r,
			   "listing scenes", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_scene), scene_row,
			    scene_row_free, DB_EACH(db_scene, each, ctx), e);
}

/* A row of STAT_COLUMNS from column col on. */
static void read_stat(const PGresult *r, int i, int col,
		      struct db_scene_stat *t)
{
	double *v[] = { &t->valid_fraction, &t->mean, &t->std, &t->min,
			&t->max, &t->median, &t->p10, &t->p90 };

	pg__copy(r, i, col, t->plot, sizeof(t->plot));
	pg__copy(r, i, col + 1, t->index, sizeof(t->index));
	t->count = pg__real_or_nan(r, i, col + 2);
	for (int k = 0; k < 8; k++)
		*v[k] = pg__real_or_nan(r, i, col + 3 + k);
}

static int stat_row(const PGresult *r, int i, void *row, struct err *e)
{
	(void)e;
	read_stat(r, i, 0, row);
	return ERR_OK;
}

int pg_scene_stats(struct db *db, int64_t scene, const char *index,
		   int (*each)(const struct db_scene_stat *st, void *ctx),
		   void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, scene);
	pg__p_text(&p, index);
	if ((rc = pg__call(db, PG_SCENE_STATS, "SELECT " STAT_COLUMNS " FROM"
			   " scene_stats WHERE scene = $1 AND idx = $2 ORDER BY"
			   " plot COLLATE \"C\"", &p, false, &r,
			   "reading statistics", e)))
		return rc;
	return pg__each_row(r, sizeof(struct db_scene_stat), stat_row, NULL,
			    DB_EACH(db_scene_stat, each, ctx), e);
}

/* Rows of (scene id, acquired_ms, kind, source, STAT_COLUMNS...). */
static int point_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_index_point *pt = row;

	(void)e;
	pt->scene = pg__int(r, i, 0);
	pt->acquired_ms = pg__int(r, i, 1);
	pg__copy(r, i, 2, pt->kind, sizeof(pt->kind));
	pg__copy(r, i, 3, pt->source, sizeof(pt->source));
	read_stat(r, i, 4, &pt->stat);
	return ERR_OK;
}

static int walk_points(PGresult *r,
		       int (*each)(const struct db_index_point *p, void *ctx),
		       void *ctx, struct err *e)
{
	return pg__each_row(r, sizeof(struct db_index_point), point_row, NULL,
			    DB_EACH(db_index_point, each, ctx), e);
}

int pg_index_series(struct db *db, const char *plot, const char *index,
		    int64_t from_ms, int64_t to_ms,
		    int (*each)(const struct db_index_point *p, void *ctx),
		    void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_text(&p, plot);
	pg__p_text(&p, index);
	pg__p_int(&p, from_ms);
	pg__p_int(&p, to_ms);
	if ((rc = pg__call(db, PG_INDEX_SERIES, "SELECT s.id, s.acquired_ms,"
			   " s.kind, s.source, t.plot, t.idx, t.count,"
			   " t.valid_fraction, t.mean, t.std, t.min, t.max,"
			   " t.median, t.p10, t.p90 FROM scene_stats t JOIN"
			   " scenes s ON s.id = t.scene WHERE t.plot = $1 AND"
			   " t.idx = $2 AND s.acquired_ms >= $3 AND"
			   " s.acquired_ms < $4 ORDER BY s.acquired_ms, s.id",
			   &p, false, &r, "reading a series", e)))
		return rc;
	return walk_points(r, each, ctx, e);
}

/* Each plot's newest row in the window: DISTINCT ON, newest first. */
int pg_index_previous(struct db *db, const char *index, const char *kind,
		      int64_t since_ms, int64_t before_ms,
		      int (*each)(const struct db_index_point *p, void *ctx),
		      void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, since_ms);
	pg__p_int(&p, before_ms);
	pg__p_text(&p, kind);
	pg__p_text(&p, index);
	if ((rc = pg__call(db, PG_INDEX_PREVIOUS, "SELECT DISTINCT ON (t.plot"
			   " COLLATE \"C\") s.id, s.acquired_ms, s.kind,"
			   " s.source, t.plot, t.idx, t.count, t.valid_fraction,"
			   " t.mean, t.std, t.min, t.max, t.median, t.p10, t.p90"
			   " FROM scenes s JOIN scene_stats t ON t.scene = s.id"
			   " WHERE s.acquired_ms >= $1 AND s.acquired_ms < $2"
			   " AND s.kind = $3 AND t.idx = $4 AND t.count > 0 AND"
			   " t.mean IS NOT NULL ORDER BY t.plot COLLATE \"C\","
			   " s.acquired_ms DESC, s.id DESC", &p, false, &r,
			   "reading the previous passes", e)))
		return rc;
	return walk_points(r, each, ctx, e);
}

#define ANOMALY_SELECT "SELECT a.scene, a.plot, a.idx, a.rule, a.value," \
	" a.reference, a.threshold, s.acquired_ms, s.kind FROM anomalies a" \
	" JOIN scenes s ON s.id = a.scene WHERE "
#define ANOMALY_ORDER " ORDER BY s.acquired_ms DESC, a.scene DESC," \
	" a.plot COLLATE \"C\", a.idx, a.rule"

static int anomaly_row(const PGresult *r, int i, void *row, struct err *e)
{
	struct db_anomaly *a = row;

	(void)e;
	a->scene = pg__int(r, i, 0);
	pg__copy(r, i, 1, a->plot, sizeof(a->plot));
	pg__copy(r, i, 2, a->index, sizeof(a->index));
	pg__copy(r, i, 3, a->rule, sizeof(a->rule));
	a->value = pg__real_or_nan(r, i, 4);
	a->reference = pg__real_or_nan(r, i, 5);
	a->threshold = pg__real_or_nan(r, i, 6);
	a->acquired_ms = pg__int(r, i, 7);
	pg__copy(r, i, 8, a->kind, sizeof(a->kind));
	return ERR_OK;
}

int pg_anomaly_list(struct db *db, int64_t scene, const char *plot,
		    int (*each)(const struct db_anomaly *a, void *ctx),
		    void *ctx, struct err *e)
{
	struct pg_params p = { 0 };
	PGresult *r;
	int rc;

	pg__p_int(&p, scene);
	pg__p_text(&p, plot);
	if (scene)
		rc = pg__call(db, PG_ANOMALY_LIST_SCENE, ANOMALY_SELECT
			      "a.scene = $1 AND ($2::text IS NULL OR a.plot ="
			      " $2)" ANOMALY_ORDER, &p, false, &r,
			      "listing anomalies", e);
	else if (plot)
		rc = pg__call(db, PG_ANOMALY_LIST_PLOT, ANOMALY_SELECT
			      "a.plot = $2 AND $1::bigint = 0" ANOMALY_ORDER, &p,
			      false, &r, "listing anomalies", e);
	else
		rc = pg__call(db, PG_ANOMALY_LIST, ANOMALY_SELECT
			      "$1::bigint = 0 AND $2::text IS NULL"
			      ANOMALY_ORDER, &p, false, &r, "listing anomalies",
			      e);
	if (rc)
		return rc;
	return pg__each_row(r, sizeof(struct db_anomaly), anomaly_row, NULL,
			    DB_EACH(db_anomaly, each, ctx), e);
}
