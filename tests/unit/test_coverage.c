/*
 * Coverage of a track on plots (src/fleet/coverage.c) against geometry
 * worked out by hand.
 *
 * The tracks run along the projection's central meridian (the mean
 * longitude of the working fixes), where transverse Mercator's scale is 1,
 * so a length there is the meridian arc.  The arc per degree of latitude
 * is 111132.954 - 559.822 cos 2φ + 1.175 cos 4φ m (the series for the
 * WGS 84 meridian, e.g. Wikipedia "Latitude", "Meridian distance", and
 * NGA's "Length of a degree" calculator), good to 1 cm per degree.
 *
 * OGR_G_Buffer draws a quarter circle with 8 segments: a full disc of
 * radius r is then the inscribed 32-gon, 16 r² sin(pi/16), so a straight
 * pass of length L and swath w = 2r covers 2 r L + 16 r² sin(pi/16).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fleet/coverage.h"

#define LON0 86.2
#define LAT0 44.3
#define T0 INT64_C(1782900000000)

static double m_per_deg_lat(double lat)
{
	double p = lat * M_PI / 180;

	return 111132.954 - 559.822 * cos(2 * p) + 1.175 * cos(4 * p);
}

static double disc32(double r)
{
	return 16 * r * r * sin(M_PI / 16);
}

/* A pass north along LON0 from lat a to lat b, one fix a second. */
static size_t pass(struct coverage_fix *fx, size_t at, double a, double b,
		   size_t steps, bool working)
{
	for (size_t i = 0; i <= steps; i++) {
		fx[at + i].ts_ms = T0 + (int64_t)(at + i) * 1000;
		fx[at + i].lon = LON0;
		fx[at + i].lat = a + (b - a) * (double)i / (double)steps;
		fx[at + i].working = working;
	}
	return at + steps + 1;
}

static void rect(char *out, size_t size, double w, double s, double e, double n)
{
	snprintf(out, size, "{\"type\":\"Polygon\",\"coordinates\":[[[%.9f,%.9f],"
		 "[%.9f,%.9f],[%.9f,%.9f],[%.9f,%.9f],[%.9f,%.9f]]]}", w, s, e, s,
		 e, n, w, n, w, s);
}

static void near(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want))
		fail_msg("%.6f is not %.6f (+- %g relative)", got, want, rel);
}

/* A straight pass inside a large plot: L w plus the two rounded ends. */
static void test_straight_swath(void **state)
{
	struct coverage_fix fx[401];
	struct coverage_opts o = { .swath_m = 12, .simplify_m = 0.05 };
	struct coverage_plot plot = { "P1", NULL };
	struct coverage_total t;
	struct coverage_op *ops;
	char geo[512];
	size_t n_ops;
	double L = 0.004 * m_per_deg_lat(LAT0 + 0.002);
	struct err e;

	(void)state;
	pass(fx, 0, LAT0, LAT0 + 0.004, 400, true);
	rect(geo, sizeof(geo), LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01);
	plot.geojson = geo;
	assert_int_equal(coverage_operations(fx, 401, &o, &plot, 1, &ops, &n_ops,
					     &t, &e), ERR_OK);
	assert_int_equal(n_ops, 1);
	near(t.path_m, L, 1e-6);
	near(t.worked_m2, L * 12 + disc32(6), 1e-6);
	near(ops[0].worked_m2, L * 12 + disc32(6), 1e-6);
	assert_int_equal(t.runs, 1);
	assert_int_equal(t.vertices, 2); /* a straight line simplifies to 2 */
	assert_int_equal(ops[0].start_ms, T0);
	assert_int_equal(ops[0].end_ms, T0 + 400000);
	free(ops);
}

/* There and back, twice: the ground is counted once. */
static void test_overlapping_passes(void **state)
{
	struct coverage_fix fx[4 * 201];
	struct coverage_opts o = { .swath_m = 6 };
	struct coverage_plot plot = { "P1", NULL };
	struct coverage_total t;
	struct coverage_op *ops;
	char geo[512];
	size_t n_ops, k = 0;
	double L = 0.002 * m_per_deg_lat(LAT0 + 0.001);
	struct err e;

	(void)state;
	for (int r = 0; r < 4; r++)
		k = pass(fx, k, r % 2 ? LAT0 + 0.002 : LAT0,
			 r % 2 ? LAT0 : LAT0 + 0.002, 200, true);
	rect(geo, sizeof(geo), LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01);
	plot.geojson = geo;
	assert_int_equal(coverage_operations(fx, k, &o, &plot, 1, &ops, &n_ops,
					     &t, &e), ERR_OK);
	assert_int_equal(n_ops, 1);
	near(t.path_m, 4 * L, 1e-4);
	near(ops[0].worked_m2, L * 6 + disc32(3), 1e-6);
	free(ops);
}

/* Across a plot and out: the band inside the plot, w times its height. */
static void test_leaving_the_plot(void **state)
{
	struct coverage_fix fx[1001];
	struct coverage_opts o = { .swath_m = 10 };
	struct coverage_plot plots[2] = { { "IN", NULL }, { "AWAY", NULL } };
	struct coverage_op *ops;
	char geo[2][512];
	size_t n_ops;
	double h = 0.0029 * m_per_deg_lat(LAT0 + 0.0035);
	struct err e;

	(void)state;
	pass(fx, 0, LAT0, LAT0 + 0.01, 1000, true);
	rect(geo[0], sizeof(geo[0]), LON0 - 0.002, LAT0 + 0.002055, LON0 + 0.002,
	     LAT0 + 0.004955);
	rect(geo[1], sizeof(geo[1]), LON0 + 0.01, LAT0, LON0 + 0.02, LAT0 + 0.01);
	plots[0].geojson = geo[0];
	plots[1].geojson = geo[1];
	assert_int_equal(coverage_operations(fx, 1001, &o, plots, 2, &ops, &n_ops,
					     NULL, &e), ERR_OK);
	assert_int_equal(n_ops, 1);
	assert_int_equal(ops[0].plot, 0);
	near(ops[0].worked_m2, 10 * h, 1e-4);
	near(ops[0].share, ops[0].worked_m2 / ops[0].plot_m2, 1e-12);
	near(ops[0].plot_m2, 0.004 * 111320 * cos(LAT0 * M_PI / 180) * h, 1e-2);
	/* fixes 206..495 are inside (LAT0 + 0.002055 .. 0.004955) */
	assert_int_equal(ops[0].start_ms, T0 + 206 * 1000);
	assert_int_equal(ops[0].end_ms, T0 + 495 * 1000);
	free(ops);
}

/* Not working, or a silence too long: no area. */
static void test_not_working_and_gaps(void **state)
{
	struct coverage_fix fx[202];
	struct coverage_opts o = { .swath_m = 10, .max_gap_ms = 500 };
	struct coverage_plot plot = { "P1", NULL };
	struct coverage_op *ops;
	struct coverage_total t;
	char geo[512];
	size_t n_ops;
	struct err e;

	(void)state;
	pass(fx, 0, LAT0, LAT0 + 0.002, 200, false);
	rect(geo, sizeof(geo), LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01);
	plot.geojson = geo;
	assert_int_equal(coverage_operations(fx, 201, &o, &plot, 1, &ops, &n_ops,
					     &t, &e), ERR_OK);
	assert_int_equal(n_ops, 0);
	free(ops);
	pass(fx, 0, LAT0, LAT0 + 0.002, 200, true); /* fixes 1 s apart > 500 ms */
	assert_int_equal(coverage_operations(fx, 201, &o, &plot, 1, &ops, &n_ops,
					     &t, &e), ERR_OK);
	assert_int_equal(n_ops, 0);
	assert_int_equal(t.runs, 0);
	free(ops);
	o.swath_m = 0;
	assert_int_equal(coverage_operations(fx, 201, &o, &plot, 1, &ops, &n_ops,
					     &t, &e), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_straight_swath),
		cmocka_unit_test(test_overlapping_passes),
		cmocka_unit_test(test_leaving_the_plot),
		cmocka_unit_test(test_not_working_and_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
