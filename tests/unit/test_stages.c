/*
 * Unit tests of agro/stages: the Kc curve of FAO-56 chapter 6 (Fig. 25,
 * eq. 66) on the calendar and thermal clocks, seasons built from Table 11
 * and Table 12 with the eq. 62/65 adjustments, plot overrides of the stage
 * lengths, accumulated temperature (active and effective) and the
 * conversion of calendar stage ends into thermal ones.
 *
 * Expected values are worked by hand from the equation each test names;
 * the arithmetic is in the comments.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agro/stages.h"

#define assert_near(actual, expected, tol)                                \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.9f, expected %.9f within %g", file,
			 line, what, actual, expected, tol);
}

static void assert_blames(const struct err *e, int rc, const char *field)
{
	if (rc != ERR_INVALID || !strstr(e->msg, field))
		fail_msg("expected ERR_INVALID naming '%s', got %d: %s", field,
			 rc, e->msg);
}

/* Cotton, Table 11 "April, Texas" row: 30, 50, 55, 45 days; Table 12. */
static struct agro_season texas_cotton(void)
{
	struct agro_season s;
	struct err e;

	assert_int_equal(agro_season_from_table11(AGRO_CROP_COTTON, 3, NULL,
						  &s, &e), ERR_OK);
	return s;
}

static double kc_at(const struct agro_season *s, double x,
		    enum agro_stage *stage)
{
	struct agro_kc_point kp;

	agro_kc_at(s, x, &kp);
	if (stage)
		*stage = kp.stage;
	return kp.kc;
}

/*
 * Fig. 25 / eq. 66: Kc,i = Kc,prev + [(i - sum(L,prev)) / L,stage]
 * (Kc,next - Kc,prev).  Cotton: Kc ini 0.35, Kc mid 1.175 (middle of
 * 1.15-1.20), Kc end 0.60 (middle of 0.70-0.50), stages ending on days
 * 30, 80, 135, 180.
 */
static void test_kc_curve_eq66(void **state)
{
	struct agro_season s = texas_cotton();
	enum agro_stage st;

	(void)state;
	assert_near(s.kc_ini, 0.35, 1e-12);
	assert_near(s.kc_mid, 1.175, 1e-12);
	assert_near(s.kc_end, 0.60, 1e-12);
	assert_near(s.end[0], 30, 0);
	assert_near(s.end[1], 80, 0);
	assert_near(s.end[2], 135, 0);
	assert_near(s.end[3], 180, 0);

	/* initial stage: flat at Kc ini, days 1..30 */
	assert_near(kc_at(&s, 1, &st), 0.35, 1e-12);
	assert_int_equal(st, AGRO_STAGE_INITIAL);
	assert_near(kc_at(&s, 30, &st), 0.35, 1e-12);
	assert_int_equal(st, AGRO_STAGE_INITIAL);
	/* development: 0.35 + (31 - 30)/50 x 0.825 = 0.3665 */
	assert_near(kc_at(&s, 31, &st), 0.3665, 1e-12);
	assert_int_equal(st, AGRO_STAGE_DEVELOPMENT);
	/* 0.35 + 25/50 x 0.825 = 0.7625 */
	assert_near(kc_at(&s, 55, NULL), 0.7625, 1e-12);
	/* the end of development reaches Kc mid */
	assert_near(kc_at(&s, 80, &st), 1.175, 1e-12);
	assert_int_equal(st, AGRO_STAGE_DEVELOPMENT);
	/* mid-season: flat */
	assert_near(kc_at(&s, 81, &st), 1.175, 1e-12);
	assert_int_equal(st, AGRO_STAGE_MID);
	assert_near(kc_at(&s, 135, &st), 1.175, 1e-12);
	assert_int_equal(st, AGRO_STAGE_MID);
	/* late: 1.175 + 1/45 x (0.60 - 1.175) = 1.162222 */
	assert_near(kc_at(&s, 136, &st), 1.175 - 0.575 / 45, 1e-12);
	assert_int_equal(st, AGRO_STAGE_LATE);
	/* 1.175 + 23/45 x (-0.575) = 0.881111 */
	assert_near(kc_at(&s, 158, NULL), 0.8811111111, 1e-9);
	assert_near(kc_at(&s, 180, &st), 0.60, 1e-12);
	assert_int_equal(st, AGRO_STAGE_LATE);
	/* after the harvest: held at Kc end, stage ended */
	assert_near(kc_at(&s, 181, &st), 0.60, 1e-12);
	assert_int_equal(st, AGRO_STAGE_ENDED);
	/* before the season counts as its start */
	assert_near(kc_at(&s, -5, &st), 0.35, 1e-12);
	assert_int_equal(st, AGRO_STAGE_INITIAL);
}

/* The curve is piecewise linear: continuous, monotone in each stage. */
static void test_kc_curve_shape(void **state)
{
	struct agro_season s = texas_cotton();
	double prev = kc_at(&s, 0, NULL);

	(void)state;
	for (double x = 0.25; x <= 185; x += 0.25) {
		double kc = kc_at(&s, x, NULL);

		assert_true(fabs(kc - prev) <= 0.825 / 50 * 0.25 + 1e-12);
		if (x <= 80)
			assert_true(kc >= prev - 1e-12);
		else
			assert_true(kc <= prev + 1e-12);
		prev = kc;
	}
}

/* The development fraction drives root growth (FAO-56 Annex 8). */
static void test_dev_fraction(void **state)
{
	struct agro_season s = texas_cotton();
	struct agro_kc_point kp;

	(void)state;
	agro_kc_at(&s, 30, &kp);
	assert_near(kp.dev_frac, 0.0, 0);
	agro_kc_at(&s, 55, &kp);
	assert_near(kp.dev_frac, 0.5, 1e-12);
	assert_near(kp.stage_frac, 0.5, 1e-12);
	agro_kc_at(&s, 80, &kp);
	assert_near(kp.dev_frac, 1.0, 0);
	agro_kc_at(&s, 170, &kp);
	assert_near(kp.dev_frac, 1.0, 0);
	/* the dev fraction is the Kc rise: (Kc - Kc ini)/(Kc mid - Kc ini) */
	agro_kc_at(&s, 67, &kp);
	assert_near(kp.dev_frac, (kp.kc - 0.35) / 0.825, 1e-12);
}

/*
 * Table 11 rows and Table 12 defaults for the four crops, and eq. 62/65
 * applied with a mid-season climate (Manas cotton under topping: u2
 * 1.8 m/s, RHmin 33 %, h 0.8 m):
 * [0.04 (1.8 - 2) - 0.004 (33 - 45)] (0.8/3)^0.3 = 0.040 x 0.672652
 * = 0.026906.
 */
static void test_season_from_tables(void **state)
{
	struct agro_kc_climate clim = { 1.8, 33, 0.8 };
	struct agro_season s;
	struct err e;

	(void)state;
	assert_int_equal(agro_season_from_table11(AGRO_CROP_COTTON, 0, NULL,
						  &s, &e), ERR_OK);
	assert_near(s.end[0], 30, 0); /* 30, 50, 60, 55 = 195 */
	assert_near(s.end[1], 80, 0);
	assert_near(s.end[2], 140, 0);
	assert_near(s.end[3], 195, 0);
	assert_int_equal(s.clock, AGRO_CLOCK_CALENDAR);

	assert_int_equal(agro_season_from_table11(AGRO_CROP_COTTON, 0, &clim,
						  &s, &e), ERR_OK);
	assert_near(s.kc_mid, 1.175 + 0.0269061, 1e-6);
	assert_near(s.kc_end, 0.60 + 0.0269061, 1e-6);
	assert_near(s.kc_ini, 0.35, 0);

	/* spring wheat, "35-45 degL, March/Apr": 20, 25, 60, 30 */
	assert_int_equal(agro_season_from_table11(AGRO_CROP_SPRING_WHEAT, 1,
						  &clim, &s, &e), ERR_OK);
	assert_near(s.end[1], 45, 0);
	assert_near(s.end[3], 135, 0);
	assert_near(s.kc_end, 0.25, 0); /* < 0.45: eq. 65 not applied */

	assert_int_equal(agro_season_from_table11(AGRO_CROP_MAIZE_GRAIN, 0,
						  NULL, &s, &e), ERR_OK);
	assert_near(s.kc_end, 0.35, 0);
	assert_near(s.kc_mid, 1.20, 1e-12);
	assert_int_equal(agro_season_from_table11(AGRO_CROP_TOMATO, 1, NULL,
						  &s, &e), ERR_OK);
	assert_near(s.kc_end, 0.80, 1e-12);
	assert_near(s.kc_ini, 0.6, 0);
	assert_near(s.end[3], 155, 0);

	assert_blames(&e, agro_season_from_table11(AGRO_CROP_COTTON, 4, NULL,
						   &s, &e), "table11_row");
	assert_blames(&e, agro_season_from_table11((enum agro_crop)9, 0, NULL,
						   &s, &e), "crop");
}

/* A plot's own stage lengths replace Table 11's. */
static void test_set_lengths(void **state)
{
	struct agro_season s = texas_cotton();
	const int xinjiang[4] = { 30, 50, 56, 23 };
	const int bad[4] = { 30, -1, 56, 23 };
	const int none[4] = { 0, 0, 0, 0 };
	struct err e;

	(void)state;
	assert_int_equal(agro_season_set_lengths(&s, xinjiang, &e), ERR_OK);
	assert_near(s.end[0], 30, 0);
	assert_near(s.end[1], 80, 0);
	assert_near(s.end[2], 136, 0);
	assert_near(s.end[3], 159, 0);
	assert_blames(&e, agro_season_set_lengths(&s, bad, &e),
		      "stage_days.dev");
	assert_blames(&e, agro_season_set_lengths(&s, none, &e), "stage_days");
	assert_near(s.end[3], 159, 0); /* unchanged by the refused calls */
}

/* A stage of zero days is skipped; Kc jumps as the paper's curve would. */
static void test_zero_length_stage(void **state)
{
	struct agro_season s = texas_cotton();
	const int len[4] = { 10, 0, 20, 10 };
	enum agro_stage st;
	struct err e;

	(void)state;
	assert_int_equal(agro_season_set_lengths(&s, len, &e), ERR_OK);
	assert_near(kc_at(&s, 10, &st), 0.35, 0);
	assert_int_equal(st, AGRO_STAGE_INITIAL);
	assert_near(kc_at(&s, 11, &st), 1.175, 1e-12);
	assert_int_equal(st, AGRO_STAGE_MID);
	assert_near(kc_at(&s, 35, &st), 1.175 - 0.575 * 5 / 10, 1e-12);
	assert_int_equal(st, AGRO_STAGE_LATE);
}

/*
 * Accumulated temperature, Tmean = (Tmax + Tmin)/2.  Active (活动积温):
 * the whole mean on days reaching the base.  Effective (有效积温, GDD):
 * the excess over the base.
 */
static void test_gdd_increment(void **state)
{
	(void)state;
	/* Tmean 23: active 23, effective 13 */
	assert_near(agro_gdd_increment(AGRO_GDD_ACTIVE, 10, 30, 16), 23, 0);
	assert_near(agro_gdd_increment(AGRO_GDD_EFFECTIVE, 10, 30, 16), 13, 0);
	/* Tmean 9: nothing on either count */
	assert_near(agro_gdd_increment(AGRO_GDD_ACTIVE, 10, 14, 4), 0, 0);
	assert_near(agro_gdd_increment(AGRO_GDD_EFFECTIVE, 10, 14, 4), 0, 0);
	/* Tmean exactly at the base: active counts it, effective adds 0 */
	assert_near(agro_gdd_increment(AGRO_GDD_ACTIVE, 10, 15, 5), 10, 0);
	assert_near(agro_gdd_increment(AGRO_GDD_EFFECTIVE, 10, 15, 5), 0, 0);
	/* another base */
	assert_near(agro_gdd_increment(AGRO_GDD_EFFECTIVE, 12, 30, 16), 11, 0);
}

/* Calendar stage ends become accumulated temperature over a series. */
static void test_thermal_from_calendar(void **state)
{
	struct agro_season s = texas_cotton(), th;
	double tmean[200];
	struct err e;

	(void)state;
	for (int i = 0; i < 200; i++)
		tmean[i] = 20.0;
	assert_int_equal(agro_season_thermal_from_calendar(
				 &s, AGRO_GDD_ACTIVE, 10, tmean, 200, &th, &e),
			 ERR_OK);
	assert_int_equal(th.clock, AGRO_CLOCK_THERMAL);
	assert_near(th.end[0], 600, 1e-9); /* 30 x 20 */
	assert_near(th.end[1], 1600, 1e-9);
	assert_near(th.end[2], 2700, 1e-9);
	assert_near(th.end[3], 3600, 1e-9);
	assert_int_equal(agro_season_thermal_from_calendar(
				 &s, AGRO_GDD_EFFECTIVE, 10, tmean, 200, &th,
				 &e), ERR_OK);
	assert_near(th.end[0], 300, 1e-9); /* 30 x (20 - 10) */
	assert_near(th.end[3], 1800, 1e-9);
	assert_near(th.kc_mid, s.kc_mid, 0);
	assert_near(th.max_days, 210, 0); /* 180 days + 30 */

	/* a rising series: the ends are prefix sums of 8 + 0.1 i above 10 */
	for (int i = 0; i < 200; i++)
		tmean[i] = 8.0 + i / 10.0;
	assert_int_equal(agro_season_thermal_from_calendar(
				 &s, AGRO_GDD_ACTIVE, 10, tmean, 200, &th, &e),
			 ERR_OK);
	/* days 1..30 are tmean[0..29]: 10.0 (i = 20) .. 10.9, sum 104.5 */
	assert_near(th.end[0], 104.5, 1e-9);

	assert_blames(&e, agro_season_thermal_from_calendar(
				  &s, AGRO_GDD_ACTIVE, 10, tmean, 179, &th, &e),
		      "tmean");
	assert_blames(&e, agro_season_thermal_from_calendar(
				  &th, AGRO_GDD_ACTIVE, 10, tmean, 200, &th,
				  &e), "clock");
}

/* eq. 66 on the thermal clock: positions are degC day. */
static void test_thermal_clock_kc(void **state)
{
	struct agro_season s = {
		.clock = AGRO_CLOCK_THERMAL,
		.end = { 300, 900, 1900, 2400 },
		.gdd_method = AGRO_GDD_EFFECTIVE,
		.t_base = 10,
		.kc_ini = 0.3,
		.kc_mid = 1.2,
		.kc_end = 0.5,
	};
	enum agro_stage st;
	struct err e;

	(void)state;
	assert_int_equal(agro_season_check(&s, &e), ERR_OK);
	/* 0.3 + (600 - 300)/600 x 0.9 = 0.75 */
	assert_near(kc_at(&s, 600, &st), 0.75, 1e-12);
	assert_int_equal(st, AGRO_STAGE_DEVELOPMENT);
	/* 1.2 + (2150 - 1900)/500 x (-0.7) = 0.85 */
	assert_near(kc_at(&s, 2150, &st), 0.85, 1e-12);
	assert_int_equal(st, AGRO_STAGE_LATE);
	assert_near(kc_at(&s, 2400.5, &st), 0.5, 0);
	assert_int_equal(st, AGRO_STAGE_ENDED);
}

/*
 * A thermal season also ends at its day limit: an autumn cooling below the
 * base would otherwise never finish it.
 */
static void test_season_point_day_limit(void **state)
{
	struct agro_season s = {
		.clock = AGRO_CLOCK_THERMAL,
		.end = { 300, 900, 1900, 3000 },
		.gdd_method = AGRO_GDD_ACTIVE,
		.t_base = 10,
		.kc_ini = 0.3,
		.kc_mid = 1.2,
		.kc_end = 0.5,
		.max_days = 100,
	};
	struct agro_season cal = texas_cotton();
	struct agro_kc_point kp;

	(void)state;
	agro_season_point(&s, 100, 2500, &kp);
	assert_int_equal(kp.stage, AGRO_STAGE_LATE);
	agro_season_point(&s, 101, 2500, &kp);
	assert_int_equal(kp.stage, AGRO_STAGE_ENDED);
	assert_near(kp.kc, 0.5, 0);
	assert_near(agro_season_last_day(&s), 100, 0);
	s.max_days = 0;
	agro_season_point(&s, 400, 2500, &kp);
	assert_int_equal(kp.stage, AGRO_STAGE_LATE);
	assert_true(isinf(agro_season_last_day(&s)));
	/* the calendar clock ends with its last stage; day is the position */
	agro_season_point(&cal, 55, 9999, &kp);
	assert_near(kp.kc, 0.7625, 1e-12);
	assert_near(agro_season_last_day(&cal), 180, 0);
}

static void test_season_check(void **state)
{
	struct agro_season s = texas_cotton();
	struct err e;

	(void)state;
	assert_int_equal(agro_season_check(&s, &e), ERR_OK);
	s.end[2] = 70;
	assert_blames(&e, agro_season_check(&s, &e), "stage_end.mid");
	s = texas_cotton();
	s.kc_mid = 2.5;
	assert_blames(&e, agro_season_check(&s, &e), "kc_mid");
	s = texas_cotton();
	s.kc_end = NAN;
	assert_blames(&e, agro_season_check(&s, &e), "kc_end");
	s = texas_cotton();
	s.clock = AGRO_CLOCK_THERMAL;
	s.t_base = 50;
	assert_blames(&e, agro_season_check(&s, &e), "t_base");
	s = texas_cotton();
	memset(s.end, 0, sizeof(s.end));
	assert_blames(&e, agro_season_check(&s, &e), "stage_end.late");
	s = texas_cotton();
	s.max_days = -1;
	assert_blames(&e, agro_season_check(&s, &e), "max_days");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(agro_stage_name(AGRO_STAGE_INITIAL), "initial");
	assert_string_equal(agro_stage_name(AGRO_STAGE_DEVELOPMENT),
			    "development");
	assert_string_equal(agro_stage_name(AGRO_STAGE_MID), "mid");
	assert_string_equal(agro_stage_name(AGRO_STAGE_LATE), "late");
	assert_string_equal(agro_stage_name(AGRO_STAGE_ENDED), "ended");
	assert_string_equal(agro_clock_name(AGRO_CLOCK_THERMAL), "thermal");
	assert_string_equal(agro_gdd_method_name(AGRO_GDD_ACTIVE), "active");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kc_curve_eq66),
		cmocka_unit_test(test_kc_curve_shape),
		cmocka_unit_test(test_dev_fraction),
		cmocka_unit_test(test_season_from_tables),
		cmocka_unit_test(test_set_lengths),
		cmocka_unit_test(test_zero_length_stage),
		cmocka_unit_test(test_gdd_increment),
		cmocka_unit_test(test_thermal_from_calendar),
		cmocka_unit_test(test_thermal_clock_kc),
		cmocka_unit_test(test_season_point_day_limit),
		cmocka_unit_test(test_season_check),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
