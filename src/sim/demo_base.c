/*
 * The demo base's plots.  Fields lie as the oasis fields north of Manas
 * do: long strips side by side, each taking its water at its head from a
 * branch canal (支渠) that runs with a farm road along the block, the
 * blocks framed by poplar shelterbelts (林带) and fed by a main canal
 * (干渠) along their west side; the whole pattern turned 20 degrees east
 * of north, as the alluvial fan slopes.  Strips vary in width, the far end
 * of a block follows a road that is not square to the strips, and a few
 * strips lose a corner to a pump house or a farmstead.  Each field varies
 * in crop, variety, sowing date and soil, drawn from a seeded generator so
 * that the same seed always gives the same base.
 */
#include "sim/demo_base.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "plots/plots.h"
#include "sim/rng.h"

#define TOWNS 3
#define BLOCKS_PER_TOWN 2
#define STRIPS 10              /* strips per block */
#define STRIP_GAP_M 6.0        /* a field track between two strips */
#define CORRIDOR_M 48.0        /* canal, road and shelterbelt between blocks */
#define TURN_DEG 20.0          /* the strips' axis, east of north */
#define M_PER_DEG_LAT 111132.0
#define MAX_RING 8

static const char *const townships[][3] = {
	{ "101", "兰州湾镇", "Lanzhouwan" }, { "102", "乐土驿镇", "Letuyi" },
	{ "103", "包家店镇", "Baojiadian" },
};

struct field {
	char code[32];
	char name[64];
	const char *crop;
	const char *variety;
	char sowing[24];
	const char *soil;
	double fc, wp;
	double ring[MAX_RING][2];
	int n_ring;
	double strip[5];           /* lon, lat of the head's west corner,
				      bearing, width, length (m) */
};

/* A block: where it starts in the turned frame and its strips' widths. */
struct block {
	double u0, v0;             /* m: u across the strips, v along them */
	double length;             /* of its strips, at the block's west end */
	double slope;              /* of its far end: dv per du */
	double width[STRIPS];
	double span;               /* the block's extent along u */
};

/* The base's frame: u across the strips (east-south-east), v along them. */
static void to_lonlat(double u, double v, double out[2])
{
	double t = TURN_DEG * M_PI / 180;
	double x = u * cos(t) + v * sin(t), y = -u * sin(t) + v * cos(t);
	double m_per_deg_lon = M_PER_DEG_LAT * cos(DEMO_ORIGIN_LAT * M_PI / 180);

	out[0] = DEMO_ORIGIN_LON + x / m_per_deg_lon;
	out[1] = DEMO_ORIGIN_LAT + y / M_PER_DEG_LAT;
}

/* The blocks, drawn first from the seed (every block's shape). */
static void blocks_make(struct rng *r, struct block b[TOWNS * BLOCKS_PER_TOWN])
{
	double longest = 0;

	for (int k = 0; k < TOWNS * BLOCKS_PER_TOWN; k++) {
		b[k].span = 0;
		for (int i = 0; i < STRIPS; i++) {
			b[k].width[i] = 150.0 + 70.0 * rng_uniform(r);
			b[k].span += b[k].width[i] + (i ? STRIP_GAP_M : 0);
		}
		b[k].length = 680.0 + 120.0 * rng_uniform(r);
		b[k].slope = (rng_uniform(r) - 0.5) * 0.12;
		longest = fmax(longest, b[k].length + fmax(0, b[k].slope) * b[k].span);
	}
	for (int k = 0; k < TOWNS * BLOCKS_PER_TOWN; k++) {
		int town = k / BLOCKS_PER_TOWN, col = k % BLOCKS_PER_TOWN;

		b[k].u0 = col ? b[k - 1].u0 + b[k - 1].span + CORRIDOR_M : 0;
		b[k].v0 = town * (longest + CORRIDOR_M);
	}
}

/* Strip i of block b: its ring (with a corner cut for some) and frame. */
static void strip_ring(const struct block *b, int i, bool notch,
		       struct field *f)
{
	double u = b->u0, w = b->width[i];
	double uv[MAX_RING][2];
	int n = 0;

	for (int k = 0; k < i; k++)
		u += b->width[k] + STRIP_GAP_M;
	double far0 = b->v0 + b->length + b->slope * (u - b->u0);
	double far1 = b->v0 + b->length + b->slope * (u + w - b->u0);

	uv[n][0] = u, uv[n++][1] = b->v0;
	if (notch) {   /* the head's east corner: a pump house and its yard */
		uv[n][0] = u + w - 45, uv[n++][1] = b->v0;
		uv[n][0] = u + w - 45, uv[n++][1] = b->v0 + 60;
		uv[n][0] = u + w, uv[n++][1] = b->v0 + 60;
	} else {
		uv[n][0] = u + w, uv[n++][1] = b->v0;
	}
	uv[n][0] = u + w, uv[n++][1] = far1;
	uv[n][0] = u, uv[n++][1] = far0;
	uv[n][0] = u, uv[n++][1] = b->v0;
	for (int k = 0; k < n; k++)
		to_lonlat(uv[k][0], uv[k][1], f->ring[k]);
	f->n_ring = n;
	to_lonlat(u, b->v0, f->strip);
	f->strip[2] = TURN_DEG;
	f->strip[3] = w;
	f->strip[4] = fmin(far0, far1) - b->v0;
}

static void field_make(int index, int year, const struct block *blocks,
		       struct rng *r, struct field *f)
{
	int block = index / STRIPS, i = index % STRIPS;
	int town = block / BLOCKS_PER_TOWN;
	int number = (block % BLOCKS_PER_TOWN) * STRIPS + i + 1;
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
	strip_ring(&blocks[block], i, index % 7 == 3, f);
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
		   "\"wilting_point\":%.3f,\"owner\":\"玛纳斯县数字棉花示范基地\","
		   "\"strip\":[%.7f,%.7f,%.1f,%.1f,%.1f]},"
		   "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
		   f->sowing, f->soil, f->fc, f->wp, f->strip[0], f->strip[1],
		   f->strip[2], f->strip[3], f->strip[4]);
	for (int i = 0; i < f->n_ring; i++)
		buf_printf(out, "%s[%.7f,%.7f]", i ? "," : "", f->ring[i][0],
			   f->ring[i][1]);
	buf_puts(out, "]]}}");
}

void demo_base_plots_geojson(uint64_t seed, int year, struct buf *out)
{
	struct block blocks[TOWNS * BLOCKS_PER_TOWN];
	struct rng r;
	struct field f;

	rng_seed(&r, seed);
	blocks_make(&r, blocks);
	buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (int i = 0; i < TOWNS * BLOCKS_PER_TOWN * STRIPS; i++) {
		field_make(i, year, blocks, &r, &f);
		if (i)
			buf_putc(out, ',');
		field_geojson(&f, out);
	}
	buf_puts(out, "]}");
}

/* ---- canals, roads and shelterbelts ------------------------------------------ */

static void line_feature(struct buf *out, bool first, const char *kind,
			 const char *level, const char *name,
			 const char *name_en, double width_m,
			 double u0, double v0, double u1, double v1)
{
	double a[2], b[2];

	to_lonlat(u0, v0, a);
	to_lonlat(u1, v1, b);
	buf_printf(out, "%s{\"type\":\"Feature\",\"properties\":{\"kind\":\"%s\","
		   "\"level\":\"%s\",\"name\":", first ? "" : ",", kind, level);
	buf_json_string(out, name);
	buf_puts(out, ",\"name_en\":");
	buf_json_string(out, name_en);
	buf_printf(out, ",\"width_m\":%.0f},\"geometry\":{\"type\":\"LineString\","
		   "\"coordinates\":[[%.7f,%.7f],[%.7f,%.7f]]}}", width_m, a[0],
		   a[1], b[0], b[1]);
}

void demo_base_features_geojson(uint64_t seed, struct buf *out)
{
	struct block b[TOWNS * BLOCKS_PER_TOWN];
	struct rng r;
	double east = 0, top = 0;
	char name[64], name_en[64];

	rng_seed(&r, seed);
	blocks_make(&r, b);
	for (int k = 0; k < TOWNS * BLOCKS_PER_TOWN; k++) {
		east = fmax(east, b[k].u0 + b[k].span);
		top = fmax(top, b[k].v0 + b[k].length +
			   fmax(0, b[k].slope) * b[k].span);
	}
	buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
	/* the main canal and its shelterbelt down the west side */
	line_feature(out, true, "canal", "main", "玛纳斯河西干渠",
		     "Manas River west main canal", 12,
		     -14, -CORRIDOR_M, -14, top + 20);
	line_feature(out, false, "shelterbelt", "main", "西干渠林带",
		     "West main canal shelterbelt", 16,
		     -36, -CORRIDOR_M, -36, top + 20);
	for (int t = 0; t < TOWNS; t++) {
		const struct block *w = &b[t * BLOCKS_PER_TOWN];
		const struct block *e = &b[t * BLOCKS_PER_TOWN + 1];
		double v = w->v0;

		/* at the strips' heads: the branch canal, its road, a belt */
		snprintf(name, sizeof(name), "%s支渠", townships[t][1]);
		snprintf(name_en, sizeof(name_en), "%s branch canal",
			 townships[t][2]);
		line_feature(out, false, "canal", "branch", name, name_en, 4,
			     -14, v - 8, east, v - 8);
		snprintf(name, sizeof(name), "%s机耕路", townships[t][1]);
		snprintf(name_en, sizeof(name_en), "%s farm road",
			 townships[t][2]);
		line_feature(out, false, "road", "farm", name, name_en, 8,
			     -14, v - 20, east, v - 20);
		line_feature(out, false, "shelterbelt", "branch", "", "", 12,
			     -36, v - 38, east, v - 38);
		/* between the town's two blocks: a road and a belt */
		line_feature(out, false, "road", "field", "", "", 6,
			     e->u0 - 14, v - 20, e->u0 - 14, v + e->length);
		line_feature(out, false, "shelterbelt", "field", "", "", 12,
			     e->u0 - 34, v - 38, e->u0 - 34, v + w->length);
	}
	/* the last belt, north of the base */
	line_feature(out, false, "shelterbelt", "branch", "", "", 12,
		     -36, top + 12, east, top + 12);
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
