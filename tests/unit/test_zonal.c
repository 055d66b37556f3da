/*
 * Unit tests of the pure cores of rs/: the vegetation index formulas
 * (rs_index), the statistics and quantiles (rs_stats), which pixels a plot
 * covers and how much (rs_cover), and the streaming scan (rs_zonal) over
 * rasters held in arrays.
 *
 * Expected values are computed by hand in the comments (index formulas,
 * quantiles of small sets by the type 7 definition of Hyndman and Fan 1996,
 * which numpy.percentile uses by default; exactextract's weighted
 * quantile; coverage fractions of shapes whose corners are binary
 * fractions, so that they are exact in floating point).  Larger cases are
 * checked against independent slow references written here: sorting for
 * quantiles, a point-in-polygon test at every pixel centre for the
 * pixel-centre rule, the polygon's area for coverage sums.  The GDAL side
 * (files, CRSs, masks, GDAL's own rasterizer) is in test_zonal_gdal.c.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rs/rs_cover.h"
#include "rs/rs_index.h"
#include "rs/rs_stats.h"
#include "rs/rs_zonal.h"

#define assert_near(actual, expected, tol)                                     \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.17g, expected %.17g within %g", file,
			 line, what, actual, expected, tol);
}

/* A small deterministic generator (xorshift64*), so failures repeat. */
static uint64_t rng_state = 88172645463325252ull;

static double rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1p-53;
}

/* ---- indices ---- */

static void test_index_formulas(void **state)
{
	(void)state;
	/* NDVI (0.5 - 0.1) / (0.5 + 0.1) = 2/3 */
	assert_near(rs_ndvi(0.1, 0.5), 2.0 / 3.0, 1e-15);
	/* GNDVI (0.4 - 0.08) / (0.4 + 0.08) = 0.32 / 0.48 = 2/3 */
	assert_near(rs_gndvi(0.08, 0.4), 2.0 / 3.0, 1e-15);
	/* NDRE (0.5 - 0.2) / (0.5 + 0.2) = 3/7 */
	assert_near(rs_ndre(0.2, 0.5), 3.0 / 7.0, 1e-15);
	/* EVI 2.5 (0.45 - 0.08) / (0.45 + 6*0.08 - 7.5*0.05 + 1)
	 *   = 0.925 / 1.555 = 0.594855305466238 */
	assert_near(rs_evi(0.05, 0.08, 0.45), 0.925 / 1.555, 1e-15);
	/* SAVI 1.5 (0.45 - 0.08) / (0.45 + 0.08 + 0.5) = 0.555 / 1.03 */
	assert_near(rs_savi(0.08, 0.45), 0.555 / 1.03, 1e-15);
	/* VARI (0.12 - 0.08) / (0.12 + 0.08 - 0.05) = 0.04 / 0.15 */
	assert_near(rs_vari(0.05, 0.12, 0.08), 0.04 / 0.15, 1e-15);
	/* ExG on R, G, B = 80, 120, 50: r = 0.32, g = 0.48, b = 0.2,
	 * 2g - r - b = 0.44 */
	assert_near(rs_exg(50, 120, 80), 0.44, 1e-15);
	/* bare soil: NDVI of equal red and NIR is 0; water is negative */
	assert_near(rs_ndvi(0.3, 0.3), 0.0, 0.0);
	assert_true(rs_ndvi(0.05, 0.02) < 0);
}

static void test_index_undefined(void **state)
{
	(void)state;
	assert_true(isnan(rs_ndvi(0, 0)));
	assert_true(isnan(rs_gndvi(0.2, -0.2)));
	assert_true(isnan(rs_ndre(NAN, 0.4)));
	/* EVI's denominator: nir + 6 red - 7.5 blue + 1 = 0 */
	assert_true(isnan(rs_evi(0.2, 0.0, 0.5)));
	assert_true(isnan(rs_savi(0.0, -0.5)));
	assert_true(isnan(rs_vari(0.75, 0.25, 0.5)));
	assert_true(isnan(rs_exg(0, 0, 0)));
}

static void test_index_compute_and_names(void **state)
{
	double red[3] = {0.1, 0.0, NAN}, nir[3] = {0.5, 0.0, 0.4};
	const double *in[RS_ROLE_COUNT] = {0};
	double out[3];
	enum rs_index idx;
	struct err e;

	(void)state;
	in[RS_ROLE_RED] = red;
	in[RS_ROLE_NIR] = nir;
	rs_index_compute(RS_INDEX_NDVI, in, 3, out);
	assert_near(out[0], 2.0 / 3.0, 1e-15);
	assert_true(isnan(out[1]));
	assert_true(isnan(out[2]));
	assert_int_equal(rs_index_parse("NDVI", &idx, &e), 0);
	assert_int_equal(idx, RS_INDEX_NDVI);
	assert_int_equal(rs_index_parse("exg", &idx, &e), 0);
	assert_int_equal(idx, RS_INDEX_EXG);
	assert_int_equal(rs_index_parse("ndwi", &idx, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "ndwi"));
	assert_int_equal(rs_index_roles(RS_INDEX_EVI), (1u << RS_ROLE_BLUE) |
							   (1u << RS_ROLE_RED) |
							   (1u << RS_ROLE_NIR));
	assert_int_equal(rs_index_roles(RS_INDEX_NDRE),
			 (1u << RS_ROLE_REDEDGE) | (1u << RS_ROLE_NIR));
	assert_string_equal(rs_index_name(RS_INDEX_SAVI), "savi");
}

/* ---- statistics ---- */

static void test_stats_one_to_ten(void **state)
{
	double v[10] = {7, 3, 10, 1, 5, 9, 2, 8, 6, 4};
	struct rs_stats s;

	(void)state;
	rs_stats_values(v, 10, &s);
	/* type 7: h = q (n - 1); p10: h = 0.9 -> 1 + 0.9 (2 - 1) = 1.9;
	 * median: h = 4.5 -> 5.5; p90: h = 8.1 -> 9 + 0.1 = 9.1 */
	assert_near(s.count, 10, 0);
	assert_near(s.p10, 1.9, 1e-15);
	assert_near(s.median, 5.5, 0);
	assert_near(s.p90, 9.1, 1e-15);
	assert_near(s.mean, 5.5, 0);
	/* population variance of 1..10: (10^2 - 1) / 12 = 8.25 */
	assert_near(s.std, sqrt(8.25), 1e-15);
	assert_near(s.min, 1, 0);
	assert_near(s.max, 10, 0);
}

static void test_stats_small_sets(void **state)
{
	double three[3] = {3, 1, 2}, one[1] = {0.25};
	struct rs_stats s;

	(void)state;
	/* {1, 2, 3}: p10 h = 0.2 -> 1.2; median 2; p90 h = 1.8 -> 2.8 */
	rs_stats_values(three, 3, &s);
	assert_near(s.p10, 1.2, 1e-15);
	assert_near(s.median, 2, 0);
	assert_near(s.p90, 2.8, 1e-15);
	rs_stats_values(one, 1, &s);
	assert_near(s.median, 0.25, 0);
	assert_near(s.p10, 0.25, 0);
	assert_near(s.std, 0, 0);
	rs_stats_values(NULL, 0, &s);
	assert_near(s.count, 0, 0);
	assert_true(isnan(s.mean) && isnan(s.median) && isnan(s.std));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Selection and the histogram route give the sorted answer, bit for bit. */
static void test_stats_against_sort(void **state)
{
	static const size_t sizes[] = {2, 5, 17, 255, 256, 1000, 4097, 20000};

	(void)state;
	for (size_t t = 0; t < sizeof(sizes) / sizeof(*sizes); t++) {
		for (int kind = 0; kind < 4; kind++) {
			size_t n = sizes[t];
			double *v = malloc(n * sizeof(*v));
			double *sorted = malloc(n * sizeof(*v));
			struct rs_stats s;

			for (size_t i = 0; i < n; i++) {
				double x = rnd();

				/* uniform, few distinct values, one far
				 * outlier (lumpy bins), skewed */
				v[i] = kind == 0   ? x
				       : kind == 1 ? floor(x * 5)
				       : kind == 2 ? (i == 0 ? 1e9 : x)
						   : x * x * x * x;
			}
			memcpy(sorted, v, n * sizeof(*v));
			qsort(sorted, n, sizeof(*v), cmp_double);
			rs_stats_values(v, n, &s);
			assert_true(s.p10 ==
				    rs_quantile_sorted(sorted, n, 0.1));
			assert_true(s.median ==
				    rs_quantile_sorted(sorted, n, 0.5));
			assert_true(s.p90 ==
				    rs_quantile_sorted(sorted, n, 0.9));
			assert_true(s.min == sorted[0]);
			assert_true(s.max == sorted[n - 1]);
			free(v);
			free(sorted);
		}
	}
}

static void test_weighted_hand_example(void **state)
{
	struct rs_wvalue vw[3] = {{3, 1}, {1, 1}, {2, 2}};
	struct rs_stats s;

	(void)state;
	/* sorted x = 1, 2, 3 with w = 1, 2, 1; S = 1, 3, 4; n = 3:
	 * s_0 = 0, s_1 = 1*2 + 2*1 = 4, s_2 = 2*1 + 2*3 = 8 = (n-1) S_2.
	 * p10: t = 0.8 -> 1 + 0.8 (2 - 1) / 4 = 1.2
	 * median: t = 4 = s_1 -> 2
	 * p90: t = 7.2 -> 2 + 3.2 (3 - 2) / 4 = 2.8
	 * mean = (1 + 4 + 3) / 4 = 2, std = sqrt((1 + 0 + 1) / 4) */
	rs_stats_weighted(vw, 3, &s);
	assert_near(s.count, 4, 0);
	assert_near(s.p10, 1.2, 1e-15);
	assert_near(s.median, 2, 1e-15);
	assert_near(s.p90, 2.8, 1e-15);
	assert_near(s.mean, 2, 1e-15);
	assert_near(s.std, sqrt(0.5), 1e-15);
	assert_near(s.min, 1, 0);
	assert_near(s.max, 3, 0);
}

/* With every weight 1 the weighted quantile is the type 7 one. */
static void test_weighted_unit_weights(void **state)
{
	size_t n = 3001;
	struct rs_wvalue *vw = malloc(n * sizeof(*vw));
	double *v = malloc(n * sizeof(*v));
	struct rs_stats a, b;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		v[i] = floor(rnd() * 1000) / 8;
		vw[i] = (struct rs_wvalue){v[i], 1};
	}
	rs_stats_weighted(vw, n, &a);
	rs_stats_values(v, n, &b);
	assert_near(a.count, b.count, 0);
	assert_near(a.p10, b.p10, 1e-12);
	assert_near(a.median, b.median, 1e-12);
	assert_near(a.p90, b.p90, 1e-12);
	assert_near(a.mean, b.mean, 1e-12);
	assert_near(a.std, b.std, 1e-12);
	free(vw);
	free(v);
}

/* The histogram route of weighted quantiles agrees with a full sort. */
static void test_weighted_against_sort(void **state)
{
	static const size_t sizes[] = {10, 300, 2000, 9000};

	(void)state;
	for (size_t t = 0; t < sizeof(sizes) / sizeof(*sizes); t++) {
		size_t n = sizes[t];
		struct rs_wvalue *vw = malloc(n * sizeof(*vw));
		struct rs_wvalue *sorted = malloc(n * sizeof(*vw));
		struct rs_stats s;

		for (size_t i = 0; i < n; i++)
			vw[i] = (struct rs_wvalue){
			    rnd(), rnd() < 0.7 ? 1.0 : 0.001 + rnd()};
		memcpy(sorted, vw, n * sizeof(*vw));
		rs_wvalue_sort(sorted, n);
		for (size_t i = 1; i < n; i++)
			assert_true(sorted[i - 1].v <= sorted[i].v);
		rs_stats_weighted(vw, n, &s);
		assert_near(s.p10, rs_quantile_weighted_sorted(sorted, n, 0.1),
			    1e-12);
		assert_near(s.median,
			    rs_quantile_weighted_sorted(sorted, n, 0.5), 1e-12);
		assert_near(s.p90, rs_quantile_weighted_sorted(sorted, n, 0.9),
			    1e-12);
		free(vw);
		free(sorted);
	}
}

/* ---- coverage ---- */

static void add_rect(struct rs_shape *s, double x0, double y0, double x1,
		     double y1, bool hole, bool clockwise)
{
	double xs[5] = {x0, x1, x1, x0, x0}, ys[5] = {y0, y0, y1, y1, y0};
	struct err e;

	if (clockwise) {
		double t;

		t = xs[1], xs[1] = xs[3], xs[3] = t;
		t = ys[1], ys[1] = ys[3], ys[3] = t;
	}
	assert_int_equal(rs_shape_add_ring(s, xs, ys, 5, hole, &e), 0);
}

/* Coverage of every pixel of rows/cols [0, size) into grid[r * size + c]. */
static void coverage_grid(const struct rs_shape *s, enum rs_rule rule, int size,
			  double *grid)
{
	struct rs_cover_work *w = rs_cover_work_new();
	struct rs_runs runs = {0};
	struct err e;

	memset(grid, 0, (size_t)size * size * sizeof(*grid));
	assert_int_equal(rs_cover_rows(s, rule, 0, size, 0, size, w, &runs, &e),
			 0);
	for (size_t k = 0; k < runs.n; k++) {
		const struct rs_run *r = &runs.run[k];

		assert_true(r->w > 0 && r->w <= 1);
		for (int c = r->col0; c < r->col1; c++) {
			assert_true(grid[r->row * size + c] == 0);
			grid[r->row * size + c] = r->w;
		}
	}
	rs_runs_free(&runs);
	rs_cover_work_free(w);
}

static double grid_sum(const double *g, int size)
{
	double sum = 0;

	for (int i = 0; i < size * size; i++)
		sum += g[i];
	return sum;
}

static void test_cover_aligned_rectangle(void **state)
{
	struct rs_shape s;
	double g[64];

	(void)state;
	rs_shape_init(&s);
	add_rect(&s, 1, 1, 4, 3, false, false);
	coverage_grid(&s, RS_RULE_CENTRE, 8, g);
	assert_near(grid_sum(g, 8), 6, 0);
	assert_near(g[1 * 8 + 1], 1, 0);
	assert_near(g[2 * 8 + 3], 1, 0);
	assert_near(g[3 * 8 + 3], 0, 0);
	coverage_grid(&s, RS_RULE_EXACT, 8, g);
	assert_near(grid_sum(g, 8), 6, 0);
	assert_near(g[2 * 8 + 3], 1, 0);
	assert_near(g[2 * 8 + 4], 0, 0);
	assert_near(rs_shape_area(&s), 6, 0);
	rs_shape_free(&s);
}

static void test_cover_exact_fractions(void **state)
{
	double tx[3] = {0, 2, 0}, ty[3] = {0, 0, 2};
	struct rs_shape s;
	struct err e;
	double g[16];

	(void)state;
	/* square (0.5, 0.5)-(2.5, 2.5): corners 1/4, edges 1/2, middle 1 */
	rs_shape_init(&s);
	add_rect(&s, 0.5, 0.5, 2.5, 2.5, false, true);
	coverage_grid(&s, RS_RULE_EXACT, 4, g);
	assert_near(g[0], 0.25, 1e-15);
	assert_near(g[1], 0.5, 1e-15);
	assert_near(g[2], 0.25, 1e-15);
	assert_near(g[4], 0.5, 1e-15);
	assert_near(g[5], 1, 0);
	assert_near(g[10], 0.25, 1e-15);
	assert_near(grid_sum(g, 4), 4, 1e-14);
	rs_shape_free(&s);
	/* right triangle (0,0) (2,0) (0,2): pixel (0,0) whole, (1,0) and
	 * (0,1) halves, (1,1) only touched at its corner */
	rs_shape_init(&s);
	assert_int_equal(rs_shape_add_ring(&s, tx, ty, 3, false, &e), 0);
	coverage_grid(&s, RS_RULE_EXACT, 4, g);
	assert_near(g[0], 1, 0);
	assert_near(g[1], 0.5, 1e-15);
	assert_near(g[4], 0.5, 1e-15);
	assert_near(g[5], 0, 0);
	assert_near(rs_shape_area(&s), 2, 0);
	rs_shape_free(&s);
}

/* A plot smaller than a pixel: no centre, but its exact fraction. */
static void test_cover_smaller_than_pixel(void **state)
{
	struct rs_shape s;
	double g[16];

	(void)state;
	rs_shape_init(&s);
	/* 0.25 x 0.25 inside pixel (2, 3), away from its centre */
	add_rect(&s, 2.0625, 3.0625, 2.3125, 3.3125, false, false);
	coverage_grid(&s, RS_RULE_CENTRE, 4, g);
	assert_near(grid_sum(g, 4), 0, 0);
	coverage_grid(&s, RS_RULE_EXACT, 4, g);
	assert_near(g[3 * 4 + 2], 0.0625, 0);
	assert_near(grid_sum(g, 4), 0.0625, 0);
	rs_shape_free(&s);
}

static void test_cover_hole_and_multipolygon(void **state)
{
	struct rs_shape s;
	double g[64];

	(void)state;
	rs_shape_init(&s);
	/* 4x4 square with a 2x2 hole: 12 pixels; orientations mixed */
	add_rect(&s, 0, 0, 4, 4, false, false);
	add_rect(&s, 1, 1, 3, 3, true, false);
	coverage_grid(&s, RS_RULE_CENTRE, 8, g);
	assert_near(grid_sum(g, 8), 12, 0);
	assert_near(g[1 * 8 + 1], 0, 0);
	coverage_grid(&s, RS_RULE_EXACT, 8, g);
	assert_near(grid_sum(g, 8), 12, 1e-14);
	assert_near(g[2 * 8 + 2], 0, 0);
	assert_near(rs_shape_area(&s), 12, 0);
	rs_shape_free(&s);
	/* a hole off the pixel grid takes a quarter of four pixels */
	rs_shape_init(&s);
	add_rect(&s, 0, 0, 4, 4, false, true);
	add_rect(&s, 1.5, 1.5, 2.5, 2.5, true, true);
	coverage_grid(&s, RS_RULE_EXACT, 8, g);
	assert_near(g[1 * 8 + 1], 0.75, 1e-15);
	assert_near(g[2 * 8 + 2], 0.75, 1e-15);
	assert_near(grid_sum(g, 8), 15, 1e-14);
	rs_shape_free(&s);
	/* two parts of a MultiPolygon add up */
	rs_shape_init(&s);
	add_rect(&s, 0, 0, 2, 2, false, false);
	add_rect(&s, 5, 5, 7.5, 6, false, true);
	coverage_grid(&s, RS_RULE_CENTRE, 8, g);
	assert_near(grid_sum(g, 8), 4 + 3, 0);
	coverage_grid(&s, RS_RULE_EXACT, 8, g);
	assert_near(grid_sum(g, 8), 4 + 2.5, 1e-14);
	assert_near(g[5 * 8 + 7], 0.5, 1e-15);
	rs_shape_free(&s);
}

/* Even-odd point-in-polygon over all rings: the slow reference. */
static bool point_inside(const struct rs_shape *s, double px, double py)
{
	bool in = false;

	for (size_t r = 0; r < s->n_rings; r++) {
		size_t a = s->ring_start[r], b = s->ring_start[r + 1];

		for (size_t k = a; k < b; k++) {
			size_t p = k == a ? b - 1 : k - 1;
			double x1 = s->x[p], y1 = s->y[p];
			double x2 = s->x[k], y2 = s->y[k];

			if ((y1 > py) != (y2 > py) &&
			    px < (x2 - x1) * (py - y1) / (y2 - y1) + x1)
				in = !in;
		}
	}
	return in;
}

/* A random star-shaped polygon around (cx, cy), off the half-pixel grid. */
static void random_polygon(struct rs_shape *s, double cx, double cy, double r)
{
	enum { N = 11 };
	double x[N], y[N];
	struct err e;

	for (int i = 0; i < N; i++) {
		double a = 2 * M_PI * (i + 0.3 * rnd()) / N;
		double rr = r * (0.4 + 0.6 * rnd());

		x[i] = cx + rr * cos(a) + 1e-7;
		y[i] = cy + rr * sin(a) + 1e-7;
	}
	assert_int_equal(rs_shape_add_ring(s, x, y, N, false, &e), 0);
}

static void test_cover_random_against_references(void **state)
{
	enum { SIZE = 48 };
	double *g = malloc(SIZE * SIZE * sizeof(*g));

	(void)state;
	for (int t = 0; t < 40; t++) {
		struct rs_shape s;
		double total;
		struct rs_cover_work *w = rs_cover_work_new();
		struct err e;

		rs_shape_init(&s);
		random_polygon(&s, 24 + 10 * rnd(), 24 + 10 * rnd(),
			       3 + 25 * rnd());
		coverage_grid(&s, RS_RULE_CENTRE, SIZE, g);
		for (int r = 0; r < SIZE; r++)
			for (int c = 0; c < SIZE; c++)
				assert_true((g[r * SIZE + c] == 1) ==
					    point_inside(&s, c + 0.5, r + 0.5));
		/* the count beyond the image edges is counted too */
		assert_int_equal(
		    rs_cover_total(&s, RS_RULE_CENTRE, w, &total, &e), 0);
		assert_true(total >= grid_sum(g, SIZE));
		if (s.xmin >= 0 && s.ymin >= 0 && s.xmax <= SIZE &&
		    s.ymax <= SIZE)
			assert_near(total, grid_sum(g, SIZE), 0);
		coverage_grid(&s, RS_RULE_EXACT, SIZE, g);
		if (s.xmin >= 0 && s.ymin >= 0 && s.xmax <= SIZE &&
		    s.ymax <= SIZE)
			assert_near(grid_sum(g, SIZE), rs_shape_area(&s), 1e-9);
		rs_cover_work_free(w);
		rs_shape_free(&s);
	}
	free(g);
}

static void test_cover_clipped_rows_and_columns(void **state)
{
	struct rs_cover_work *w = rs_cover_work_new();
	struct rs_runs runs = {0};
	struct rs_shape s;
	struct err e;
	double total;

	(void)state;
	rs_shape_init(&s);
	add_rect(&s, -3, -2, 5, 4, false, false);
	assert_int_equal(
	    rs_cover_rows(&s, RS_RULE_CENTRE, 1, 3, 0, 4, w, &runs, &e), 0);
	assert_int_equal(runs.n, 2);
	assert_int_equal(runs.run[0].row, 1);
	assert_int_equal(runs.run[0].col0, 0);
	assert_int_equal(runs.run[0].col1, 4);
	assert_int_equal(rs_cover_total(&s, RS_RULE_CENTRE, w, &total, &e), 0);
	assert_near(total, 8 * 6, 0);
	runs.n = 0;
	assert_int_equal(
	    rs_cover_rows(&s, RS_RULE_EXACT, 0, 10, 0, 10, w, &runs, &e), 0);
	assert_int_equal(runs.n, 4);
	assert_int_equal(runs.run[3].col1, 5);
	assert_near(runs.run[3].w, 1, 0);
	rs_runs_free(&runs);
	rs_shape_free(&s);
	rs_cover_work_free(w);
}

/* ---- the scan, over arrays ---- */

struct array_src {
	int width, height;
	const double *v;
	int fail_row; /* reading this row fails; -1 never */
};

static int array_open(void *ctx, void **reader, struct err *e)
{
	(void)e;
	*reader = ctx;
	return 0;
}

static int array_read(void *reader, int row0, int rows, double *vals,
		      struct err *e)
{
	const struct array_src *a = reader;

	if (a->fail_row >= row0 && a->fail_row < row0 + rows)
		return err_set(e, ERR_IO, "row %d is unreadable", a->fail_row);
	memcpy(vals, a->v + (size_t)row0 * a->width,
	       (size_t)rows * a->width * sizeof(*vals));
	return 0;
}

static void array_close(void *reader)
{
	(void)reader;
}

static struct rs_zonal_source array_source(struct array_src *a, int item_rows)
{
	struct rs_zonal_source s = {
	    .width = a->width,
	    .height = a->height,
	    .item_rows = item_rows,
	    .ctx = a,
	    .open = array_open,
	    .read = array_read,
	    .close = array_close,
	};

	return s;
}

static void scan(struct array_src *a, struct rs_shape *shapes, size_t n,
		 enum rs_rule rule, int threads, size_t chunk_pixels,
		 struct rs_zonal_result *out)
{
	struct rs_zonal_source src = array_source(a, 8);
	struct rs_zonal_opts o = {
	    .rule = rule,
	    .threads = threads,
	    .chunk_pixels = chunk_pixels,
	};
	struct err e;

	assert_int_equal(rs_zonal_scan(&src, shapes, n, &o, out, &e), 0);
}

enum { W = 50, H = 40 };

static double *field(double (*f)(int r, int c))
{
	double *v = malloc(W * H * sizeof(*v));

	for (int r = 0; r < H; r++)
		for (int c = 0; c < W; c++)
			v[r * W + c] = f(r, c);
	return v;
}

static double constant_seven(int r, int c)
{
	(void)r, (void)c;
	return 7;
}

static double column_index(int r, int c)
{
	(void)r;
	return c;
}

static void test_scan_constant_and_gradient(void **state)
{
	double *cst = field(constant_seven), *grad = field(column_index);
	struct array_src a = {W, H, cst, -1};
	struct rs_zonal_result res[1];
	struct rs_shape s;

	(void)state;
	rs_shape_init(&s);
	/* cols 10..19, rows 5..14: 100 pixels across two work items */
	add_rect(&s, 10, 5, 20, 15, false, false);
	scan(&a, &s, 1, RS_RULE_CENTRE, 2, 64, res);
	assert_int_equal(res[0].state, RS_ZONE_OK);
	assert_near(res[0].stats.count, 100, 0);
	assert_near(res[0].inside, 100, 0);
	assert_near(res[0].valid_fraction, 1, 0);
	assert_near(res[0].stats.mean, 7, 0);
	assert_near(res[0].stats.std, 0, 0);
	assert_near(res[0].stats.median, 7, 0);
	assert_near(res[0].stats.p10, 7, 0);
	assert_near(res[0].stats.min, 7, 0);
	/* the gradient: ten copies of each of 10..19
	 * p10: h = 9.9 -> x_9 = 10, x_10 = 11 -> 10.9; median 14.5;
	 * p90: h = 89.1 -> 18 + 0.1 = 18.1; std sqrt((10^2 - 1)/12) */
	a.v = grad;
	scan(&a, &s, 1, RS_RULE_CENTRE, 1, 0, res);
	assert_near(res[0].stats.mean, 14.5, 1e-15);
	assert_near(res[0].stats.median, 14.5, 0);
	assert_near(res[0].stats.p10, 10.9, 1e-14);
	assert_near(res[0].stats.p90, 18.1, 1e-14);
	assert_near(res[0].stats.std, sqrt(8.25), 1e-14);
	assert_near(res[0].stats.min, 10, 0);
	assert_near(res[0].stats.max, 19, 0);
	/* exact rule on a pixel-aligned plot: the same numbers */
	scan(&a, &s, 1, RS_RULE_EXACT, 2, 0, res);
	assert_near(res[0].stats.count, 100, 1e-12);
	assert_near(res[0].stats.median, 14.5, 1e-12);
	assert_near(res[0].stats.p10, 10.9, 1e-12);
	rs_shape_free(&s);
	free(cst);
	free(grad);
}

static void test_scan_nodata_and_edges(void **state)
{
	double *grad = field(column_index);
	struct array_src a = {W, H, grad, -1};
	struct rs_zonal_result res[4];
	struct rs_shape s[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		rs_shape_init(&s[i]);
	/* plot 0: cols 0..9 rows 0..9; its first column is nodata/cloud */
	for (int r = 0; r < H; r++)
		grad[r * W] = NAN;
	add_rect(&s[0], 0, 0, 10, 10, false, false);
	/* plot 1: half beyond the left edge: cols -5..4 of rows 20..29 */
	add_rect(&s[1], -5, 20, 5, 30, false, true);
	/* plot 2: wholly outside the image */
	add_rect(&s[2], W + 3, 2, W + 5, 4, false, false);
	/* plot 3: smaller than a pixel, at pixel (30, 30) */
	add_rect(&s[3], 30.0625, 30.0625, 30.3125, 30.3125, false, false);
	scan(&a, s, 4, RS_RULE_CENTRE, 2, 100, res);
	/* 10 of 100 pixels were nodata: 90 valid, mean of 1..9 */
	assert_near(res[0].stats.count, 90, 0);
	assert_near(res[0].valid_fraction, 0.9, 1e-15);
	assert_near(res[0].stats.mean, 5, 1e-15);
	assert_near(res[0].stats.min, 1, 0);
	/* 100 pixels inside, 50 of them in the image, 10 of those nodata */
	assert_near(res[1].inside, 100, 0);
	assert_near(res[1].stats.count, 40, 0);
	assert_near(res[1].valid_fraction, 0.4, 1e-15);
	assert_near(res[1].stats.mean, 2.5, 1e-15);
	assert_int_equal(res[2].state, RS_ZONE_OUTSIDE);
	assert_near(res[2].stats.count, 0, 0);
	assert_near(res[2].inside, 4, 0);
	assert_near(res[2].valid_fraction, 0, 0);
	assert_true(isnan(res[2].stats.mean));
	/* no centre inside: nothing, and no fraction either */
	assert_near(res[3].stats.count, 0, 0);
	assert_true(isnan(res[3].valid_fraction));
	scan(&a, s, 4, RS_RULE_EXACT, 2, 100, res);
	assert_near(res[1].inside, 100, 1e-12);
	assert_near(res[1].stats.count, 40, 1e-12);
	assert_near(res[3].stats.count, 0.0625, 0);
	assert_near(res[3].inside, 0.0625, 0);
	assert_near(res[3].valid_fraction, 1, 0);
	assert_near(res[3].stats.mean, 30, 0);
	assert_near(res[2].inside, 4, 0);
	for (int i = 0; i < 4; i++)
		rs_shape_free(&s[i]);
	free(grad);
}

static double noise(int r, int c)
{
	(void)r, (void)c;
	return rnd() < 0.05 ? NAN : rnd();
}

/*
 * Many overlapping random plots: every thread count and chunk size gives
 * the same bits, and the centre rule agrees with a brute-force pass.
 */
static void test_scan_threads_and_reference(void **state)
{
	enum { N = 60 };
	double *v = field(noise);
	struct array_src a = {W, H, v, -1};
	struct rs_shape s[N];
	struct rs_zonal_result one[N], many[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		rs_shape_init(&s[i]);
		random_polygon(&s[i], W * rnd(), H * rnd(), 2 + 15 * rnd());
	}
	scan(&a, s, N, RS_RULE_CENTRE, 1, 0, one);
	scan(&a, s, N, RS_RULE_CENTRE, 4, 120, many);
	for (int i = 0; i < N; i++) {
		double count = 0, sum = 0;

		assert_memory_equal(&one[i].stats, &many[i].stats,
				    sizeof(one[i].stats));
		for (int r = 0; r < H; r++)
			for (int c = 0; c < W; c++)
				if (point_inside(&s[i], c + 0.5, r + 0.5) &&
				    !isnan(v[r * W + c])) {
					count++;
					sum += v[r * W + c];
				}
		assert_near(one[i].stats.count, count, 0);
		if (count > 0)
			assert_near(one[i].stats.mean, sum / count, 1e-12);
	}
	scan(&a, s, N, RS_RULE_EXACT, 1, 0, one);
	scan(&a, s, N, RS_RULE_EXACT, 3, 77, many);
	for (int i = 0; i < N; i++)
		assert_memory_equal(&one[i].stats, &many[i].stats,
				    sizeof(one[i].stats));
	for (int i = 0; i < N; i++)
		rs_shape_free(&s[i]);
	free(v);
}

static void test_scan_read_error(void **state)
{
	double *cst = field(constant_seven);
	struct array_src a = {W, H, cst, 17};
	struct rs_zonal_source src = array_source(&a, 8);
	struct rs_zonal_opts o = {.rule = RS_RULE_CENTRE, .threads = 2};
	struct rs_zonal_result res[1];
	struct rs_shape s;
	struct err e;

	(void)state;
	rs_shape_init(&s);
	add_rect(&s, 1, 1, 40, 39, false, false);
	assert_int_equal(rs_zonal_scan(&src, &s, 1, &o, res, &e), ERR_IO);
	assert_non_null(strstr(e.msg, "row 17"));
	rs_shape_free(&s);
	free(cst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index_formulas),
	    cmocka_unit_test(test_index_undefined),
	    cmocka_unit_test(test_index_compute_and_names),
	    cmocka_unit_test(test_stats_one_to_ten),
	    cmocka_unit_test(test_stats_small_sets),
	    cmocka_unit_test(test_stats_against_sort),
	    cmocka_unit_test(test_weighted_hand_example),
	    cmocka_unit_test(test_weighted_unit_weights),
	    cmocka_unit_test(test_weighted_against_sort),
	    cmocka_unit_test(test_cover_aligned_rectangle),
	    cmocka_unit_test(test_cover_exact_fractions),
	    cmocka_unit_test(test_cover_smaller_than_pixel),
	    cmocka_unit_test(test_cover_hole_and_multipolygon),
	    cmocka_unit_test(test_cover_random_against_references),
	    cmocka_unit_test(test_cover_clipped_rows_and_columns),
	    cmocka_unit_test(test_scan_constant_and_gradient),
	    cmocka_unit_test(test_scan_nodata_and_edges),
	    cmocka_unit_test(test_scan_threads_and_reference),
	    cmocka_unit_test(test_scan_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
