/*
 * test_db: the fixture and helpers shared by the storage suite
 * (test_db.c, test_db_listings.c, test_db_writes.c): each test runs on SQLite, then on
 * PostgreSQL when OASIS_TEST_PG names a server (test_store.h).  Include
 * after cmocka.h.
 */
#ifndef OASIS_TEST_DB_H
#define OASIS_TEST_DB_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "test_store.h"

/* A test on each backend: BOTH on SQLite, BOTH_PG on PostgreSQL. */
#define BOTH(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup, \
					test_store_teardown)
#define BOTH_PG(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup_pg, \
					test_store_teardown)

/* A plot with a real square geometry at lon, 44 (PostGIS indexes it). */
static inline struct db_plot plot(const char *code, double lon)
{
	/* a real square matching the bbox: PostGIS indexes the geometry */
	static char shapes[8][256];
	static int next;
	char *g = shapes[next++ % 8];
	struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN };

	snprintf(g, sizeof(shapes[0]), "{\"type\":\"Polygon\",\"coordinates\":"
		 "[[[%g,44],[%g,44],[%g,44.01],[%g,44.01],[%g,44]]]}",
		 lon, lon + 0.01, lon + 0.01, lon, lon);
	snprintf(p.code, sizeof(p.code), "%s", code);
	strcpy(p.crop, "cotton");
	p.geometry = g;
	p.bbox[0] = lon;
	p.bbox[1] = 44;
	p.bbox[2] = lon + 0.01;
	p.bbox[3] = 44.01;
	p.area_m2 = 1000;
	return p;
}

/* A scene of kind at at_ms with one plot's ndvi mean; its id. */
static inline int64_t add_scene(struct db *db, const char *kind, int64_t at_ms,
			 const char *plot, double mean)
{
	struct db_scene s = { .acquired_ms = at_ms, .crs = "EPSG:4326",
			      .footprint = "{}", .cloud_share = NAN,
			      .width = 1, .height = 1, .created_ms = 1 };
	struct db_scene_stat st = { .count = 1, .valid_fraction = 1,
				    .mean = mean, .std = 0, .min = mean,
				    .max = mean, .median = mean, .p10 = mean,
				    .p90 = mean };
	int64_t id = 0;
	struct err e;

	strcpy(s.source, kind);
	strcpy(s.kind, kind);
	strcpy(s.file, "f.tif");
	strcpy(s.indices, "ndvi");
	strcpy(st.plot, plot);
	strcpy(st.index, "ndvi");
	assert_int_equal(db_scene_add(db, &s, &st, 1, NULL, 0, &id, &e), 0);
	return id;
}

static inline int count_any(void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}


/* ---- a store with two rows in every listing (test_db_listings.c, test_db_writes.c) */

static inline void add_device(struct db *db, const char *id, const char *kind,
		       const char *plot)
{
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 };
	struct err e;

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	snprintf(d.plot, sizeof(d.plot), "%s", plot ? plot : "");
	assert_int_equal(db_device_create(db, &d, &e), 0);
}

static inline int64_t add_command(struct db *db, const char *device, const char *state,
			   int64_t at_ms)
{
	struct db_command c = { .duration_min = 10, .requested_ms = at_ms,
				.auto_close_ms = at_ms + 1 };
	struct err e;
	int64_t id;

	snprintf(c.device, sizeof(c.device), "%s", device);
	strcpy(c.action, "open");
	snprintf(c.state, sizeof(c.state), "%s", state);
	strcpy(c.requested_by, "ops");
	assert_int_equal(db_command_create(db, &c, &id, &e), 0);
	return id;
}

static inline int64_t add_alert(struct db *db, int64_t rule, const char *subject,
			 const char *plot, int64_t at_ms)
{
	struct db_alert a = { .rule_id = rule, .value = NAN, .opened_ms = at_ms };
	struct err e;
	int64_t id;

	snprintf(a.subject, sizeof(a.subject), "%s", subject);
	snprintf(a.plot, sizeof(a.plot), "%s", plot);
	strcpy(a.severity, "warning");
	strcpy(a.message, "m");
	assert_int_equal(db_alert_open(db, &a, &id, &e), 0);
	return id;
}

static inline int64_t add_scene_with(struct db *db, int64_t at_ms,
			      const char *const *plots, size_t n)
{
	struct db_scene s = { .acquired_ms = at_ms, .crs = "EPSG:4326",
			      .footprint = "{}", .cloud_share = NAN,
			      .width = 1, .height = 1, .created_ms = 1 };
	struct db_scene_stat st[4];
	struct db_anomaly an[4];
	struct err e;
	int64_t id;

	strcpy(s.source, "s2");
	strcpy(s.kind, "satellite");
	strcpy(s.file, "f.tif");
	strcpy(s.indices, "ndvi");
	for (size_t i = 0; i < n; i++) {
		st[i] = (struct db_scene_stat){ .index = "ndvi", .count = 1,
						.valid_fraction = 1, .mean = 0.5,
						.std = 0, .min = 0.5, .max = 0.5,
						.median = 0.5, .p10 = 0.5,
						.p90 = 0.5 };
		snprintf(st[i].plot, sizeof(st[i].plot), "%s", plots[i]);
		an[i] = (struct db_anomaly){ .index = "ndvi", .rule = "drop",
					     .value = 0.1, .reference = 0.5,
					     .threshold = 0.2 };
		snprintf(an[i].plot, sizeof(an[i].plot), "%s", plots[i]);
	}
	assert_int_equal(db_scene_add(db, &s, st, n, an, n, &id, &e), 0);
	return id;
}

struct filled {
	int64_t series[2];
	int64_t scenes[2];
	struct db_chunk_ref at20;   /* the chunk of series[0] at 20 */
};

/* Two rows (at least) behind every listing of db.h. */
static inline void fill(struct db *db, struct filled *out)
{
	struct db_plot p[2] = { plot("P1", 86), plot("P2", 87) };
	const char *plots[2] = { "P1", "P2" };
	struct db_user u = { .role = "viewer", .password_hash = "h",
			     .created_ms = 1 };
	struct db_token t = { .role = "viewer", .created_ms = 1 };
	struct db_retention r = { .metric = "rh", .raw_ms = 10, .step_ms = 5 };
	struct db_station st = { .capacity_m3h = 10, .end_min = 1440 };
	struct db_equipment q = { .swath_m = NAN, .updated_ms = 1 };
	unsigned char jpeg[2] = { 0xff, 0xd8 };
	struct db_snapshot s = { .device = "cam-1", .taken_ms = 1, .width = 1,
				 .height = 1, .len = 2, .jpeg = jpeg };
	struct db_chunk k = { .ts_min = 0, .ts_max = 10, .data = "x", .len = 1 };
	struct db_latest l[2] = { { 0, 10, 1 }, { 0, 10, 2 } };
	struct db_chunk_write w = { .add = &k, .n_add = 1, .latest = l,
				    .n_latest = 2 };
	struct err e;
	int64_t id;

	assert_int_equal(db_plots_upsert(db, p, 2, NULL, NULL, &e), 0);
	strcpy(u.name, "ada");
	assert_int_equal(db_user_create(db, &u, NULL, &e), 0);
	strcpy(u.name, "bob");
	assert_int_equal(db_user_create(db, &u, NULL, &e), 0);
	strcpy(t.name, "a");
	strcpy(t.hash, "ha");
	assert_int_equal(db_token_create(db, &t, NULL, &e), 0);
	strcpy(t.hash, "hb");
	assert_int_equal(db_token_create(db, &t, NULL, &e), 0);
	add_device(db, "v-1", "valve", "P1");
	add_device(db, "cam-1", "camera", "P1");
	assert_int_equal(db_series_ensure(db, "v-1", "flow", &out->series[0],
					  &e), 0);
	assert_int_equal(db_series_ensure(db, "v-1", "rh", &out->series[1],
					  &e), 0);
	assert_int_equal(db_retention_set(db, &r, NULL, &e), 0);
	strcpy(r.metric, "flow");
	assert_int_equal(db_retention_set(db, &r, NULL, &e), 0);
	add_command(db, "v-1", "requested", 100);
	add_command(db, "v-1", "requested", 200);
	strcpy(st.name, "S1");
	assert_int_equal(db_station_set(db, &st, &e), 0);
	strcpy(st.name, "S2");
	assert_int_equal(db_station_set(db, &st, &e), 0);
	assert_int_equal(db_group_set(db, "G", "S1", 5, plots, 2, &e), 0);
	out->scenes[0] = add_scene_with(db, 1000, plots, 2);
	out->scenes[1] = add_scene_with(db, 2000, plots, 2);
	strcpy(q.device, "v-1");
	assert_int_equal(db_equipment_set(db, &q, &e), 0);
	strcpy(q.device, "cam-1");
	assert_int_equal(db_equipment_set(db, &q, &e), 0);
	assert_int_equal(db_snapshot_add(db, &s, 5, &id, &e), 0);
	assert_int_equal(db_snapshot_add(db, &s, 5, &id, &e), 0);
	assert_int_equal(db_alert_rule_save(db, 0, "{}", 1, NULL, &e), 0);
	assert_int_equal(db_alert_rule_save(db, 0, "{}", 1, NULL, &e), 0);
	add_alert(db, 1, "v-1", "P1", 100);
	add_alert(db, 1, "cam-1", "P1", 200);
	k.series = out->series[0];
	l[0].series = out->series[0];
	l[1].series = out->series[1];
	assert_int_equal(db_chunks_write(db, &w, &e), 0);
	k.series = out->series[0];
	k.ts_min = 20;
	k.ts_max = 30;
	w = (struct db_chunk_write){ .add = &k, .n_add = 1 };
	assert_int_equal(db_chunks_write(db, &w, &e), 0);
}

/* ---- every listing, with a callback that stops or calls the store ----------- */

/*
 * A listing's callback: counts its calls, then either answers `stop` or
 * calls the store (db_user_count) and answers 0.  A store call from a
 * callback holding a connection aborts in these builds (db/pool.h's
 * invariant 2), so calling back must come after the connection went back.
 */
struct probe {
	struct db *db;
	int calls;
	int stop;               /* 0: call the store instead */
};

static inline int probe(struct probe *p)
{
	int64_t n;
	struct err e;

	p->calls++;
	if (p->stop)
		return p->stop;
	return db_user_count(p->db, &n, &e);
}

#define PROBE(type) \
	static inline int probe_##type(const struct type *row, void *ctx) \
	{ \
		(void)row; \
		return probe(ctx); \
	}
PROBE(db_user) PROBE(db_token) PROBE(db_plot) PROBE(db_device)
PROBE(db_series) PROBE(db_retention) PROBE(db_command) PROBE(db_station)
PROBE(db_group_member) PROBE(db_scene) PROBE(db_scene_stat)
PROBE(db_index_point) PROBE(db_anomaly) PROBE(db_equipment)
PROBE(db_snapshot) PROBE(db_alert) PROBE(db_chunk) PROBE(db_latest)

static inline int probe_rule(int64_t id, const char *body, void *ctx)
{
	(void)id;
	(void)body;
	return probe(ctx);
}

/* ---- ordering ----------------------------------------------------------------- */

struct seen {
	int n;
	int64_t id[8];
	char name[8][160];
};

static inline int see_user(const struct db_user *u, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", u->name);
	return 0;
}

static inline int see_token(const struct db_token *t, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n++] = t->id;
	return 0;
}

static inline int see_retention(const struct db_retention *r, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = r->id;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", r->metric);
	return 0;
}

static inline int see_command(const struct db_command *c, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = c->id;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", c->state);
	return 0;
}

static inline int see_station(const struct db_station *st, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", st->name);
	return 0;
}

static inline int see_scene(const struct db_scene *sc, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n++] = sc->acquired_ms;
	return 0;
}

static inline int see_stat(const struct db_scene_stat *t, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", t->plot);
	return 0;
}

static inline int see_point(const struct db_index_point *p, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = p->acquired_ms;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", p->stat.plot);
	return 0;
}

static inline int see_anomaly(const struct db_anomaly *a, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = a->acquired_ms;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", a->plot);
	return 0;
}

static inline int see_equipment(const struct db_equipment *q, void *ctx)
{
	struct seen *s = ctx;

	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", q->device);
	return 0;
}

static inline int see_snapshot(const struct db_snapshot *sn, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n++] = sn->id;
	return 0;
}

static inline int see_rule(int64_t id, const char *body, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = id;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", body);
	return 0;
}

static inline int see_alert(const struct db_alert *a, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n] = a->opened_ms;
	snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", a->subject);
	return 0;
}

static inline int see_series(const struct db_series *se, void *ctx)
{
	struct seen *s = ctx;

	s->id[s->n++] = se->id;
	return 0;
}

#endif
