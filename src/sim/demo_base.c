/*
 * The demo base's plots.  Fields lie in a grid of blocks separated by farm
 * roads and shelter belts, as the oasis fields north of Manas do; each field
 * varies a little in size, crop, variety and sowing date, drawn from a
 * seeded generator so that the same seed always gives the same base.
 */
#include "sim/demo_base.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plots/plots.h"
#include "sim/rng.h"

#define ROWS 6
#define COLS 10
#define FIELD_W_M 420.0   /* east-west */
#define FIELD_H_M 320.0   /* north-south */
#define ROAD_M 30.0
#define M_PER_DEG_LAT 111132.0

static const char *const townships[][2] = {
	{ "101", "兰州湾镇" }, { "102", "乐土驿镇" }, { "103", "包家店镇" },
};

struct field {
	char code[32];
	char name[64];
	const char *crop;
	const char *variety;
	char sowing[24];
	const char *soil;
	double fc, wp;
	double ring[5][2];
};

static void field_ring(int row, int col, struct rng *r, double ring[5][2])
{
	double m_per_deg_lon = M_PER_DEG_LAT * cos(DEMO_ORIGIN_LAT * M_PI / 180);
	double w = FIELD_W_M * (0.85 + 0.3 * rng_uniform(r));
	double h = FIELD_H_M * (0.9 + 0.2 * rng_uniform(r));
	double x0 = col * (FIELD_W_M * 1.15 + ROAD_M);
	double y0 = row * (FIELD_H_M * 1.1 + ROAD_M);
	double xs[5] = { x0, x0 + w, x0 + w, x0, x0 };
	double ys[5] = { y0, y0, y0 + h, y0 + h, y0 };

	for (int i = 0; i < 5; i++) {
		ring[i][0] = DEMO_ORIGIN_LON + xs[i] / m_per_deg_lon;
		ring[i][1] = DEMO_ORIGIN_LAT + ys[i] / M_PER_DEG_LAT;
	}
}

static void field_make(int index, int year, struct rng *r, struct field *f)
{
	int row = index / COLS, col = index % COLS;
	int town = row / 2;
	int number = (row % 2) * COLS + col + 1;
	double u = rng_uniform(r);
	bool maize = u < 0.17;

	snprintf(f->code, sizeof(f->code), "652324%s%04d", townships[town][0], number);
	snprintf(f->name, sizeof(f->name), "%s %02d号地", townships[town][1], number);
	f->crop = maize ? "maize" : "cotton";
	f->variety = maize ? "先玉335" : (rng_uniform(r) < 0.6 ? "新陆早57号"
							        : "新陆早74号");
	snprintf(f->sowing, sizeof(f->sowing), "%04d-04-%02d", year,
		 (maize ? 18 : 10) + (int)(rng_uniform(r) * 12));
	if (rng_uniform(r) < 0.7) {
		f->soil = "loam";
		f->fc = 0.30 + 0.03 * rng_uniform(r);
		f->wp = 0.12 + 0.02 * rng_uniform(r);
	} else {
		f->soil = "sandy_loam";
		f->fc = 0.22 + 0.03 * rng_uniform(r);
		f->wp = 0.08 + 0.02 * rng_uniform(r);
	}
	field_ring(row, col, r, f->ring);
}

static void field_geojson(const struct field *f, struct buf *out)
{
	buf_puts(out, "{\"type\":\"Feature\",\"properties\":{\"code\":");
	buf_json_string(out, f->code);
	buf_puts(out, ",\"name\":");
	buf_json_string(out, f->name);
	buf_printf(out, ",\"crop\":\"%s\",\"variety\":", f->crop);
	buf_json_string(out, f->variety);
	buf_printf(out, ",\"sowing_date\":\"%s\",\"irrigation\":\"drip_under_film\","
		   "\"soil_texture\":\"%s\",\"field_capacity\":%.3f,"
		   "\"wilting_point\":%.3f,\"owner\":\"玛纳斯县数字棉花示范基地\"},"
		   "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
		   f->sowing, f->soil, f->fc, f->wp);
	for (int i = 0; i < 5; i++)
		buf_printf(out, "%s[%.7f,%.7f]", i ? "," : "", f->ring[i][0],
			   f->ring[i][1]);
	buf_puts(out, "]]}}");
}

void demo_base_plots_geojson(uint64_t seed, int year, struct buf *out)
{
	struct rng r;
	struct field f;

	rng_seed(&r, seed);
	buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (int i = 0; i < ROWS * COLS; i++) {
		field_make(i, year, &r, &f);
		if (i)
			buf_putc(out, ',');
		field_geojson(&f, out);
	}
	buf_puts(out, "]}");
}

int demo_base_create(struct db *db, uint64_t seed, int year, struct err *e)
{
	struct plots_import_opts o = { 0 };
	struct plots_import_summary s;
	struct buf gj = BUF_INIT;
	int64_t have;
	int rc;

	if (db_plot_count(db, &have, e))
		return e->code;
	if (have > 0)
		return err_set(e, ERR_EXISTS, "the store already has %lld plots",
			       (long long)have);
	demo_base_plots_geojson(seed, year, &gj);
	if (buf_failed(&gj)) {
		buf_free(&gj);
		return err_nomem(e);
	}
	rc = plots_import_buffer(db, gj.data, gj.len, &o, &s, e);
	plots_import_summary_free(&s);
	buf_free(&gj);
	return rc;
}
