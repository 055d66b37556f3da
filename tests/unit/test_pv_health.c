/*
 * Unit tests of the PV plant's slow and sensor alarms (pv/health.c and
 * their verdicts in alert/pv_eval.c): the clear-sky GHI against pvlib's
 * own test vector, the QCRad limits, a ratio against its baseline, the
 * Theil-Sen slope, soiling with a cleaning, a bad day and a missing day,
 * a twin's deviation and a stuck reading.  Every expected value is either
 * a published figure (cited) or written as its definition's arithmetic.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/pv_eval.h"
#include "alert/rules.h"
#include "pv/health.h"
#include "pv/irradiance.h"
#include "util/timeutil.h"

#define T0 INT64_C(1780000000000)
#define MIN MS_PER_MINUTE

static void near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.15g, want %.15g (tolerance %g)", got, want, tol);
}

static struct alert_rule rule_of(const char *name)
{
	struct alert_rule r;
	const struct alert_template *t = alert_template_find(name);

	memset(&r, 0, sizeof(r));
	assert_non_null(t);
	t->fill(&r);
	return r;
}

/* pvlib tests/test_clearsky.py::test_haurwitz: elevation -> GHI. */
static void haurwitz_matches_pvlib(void **state)
{
	(void)state;
	static const double elevation[] = { -20, -0.05, -0.001, 5, 10, 30, 50,
					    90 };
	static const double ghi[] = { 0., 0., 0., 48.6298687941956,
		135.741748091813, 487.894132885425, 778.766689344363,
		1035.09203253450 };

	for (size_t i = 0; i < sizeof(ghi) / sizeof(ghi[0]); i++)
		near(pv_clearsky_haurwitz(90 - elevation[i]), ghi[i], 1e-9);
}

/*
 * QCRad (Long & Shi 2008, the limits pvanalytics' quality.irradiance
 * uses): physically possible -4 <= GHI <= 1.5 Sa cos(Z)^1.2 + 100,
 * extremely rare <= 1.2 Sa cos(Z)^1.2 + 50; at night 100 and 50.
 */
static void qcrad_limits(void **state)
{
	(void)state;
	struct pv_ghi_limits l;
	double k = pow(0.5, 1.2);

	pv_ghi_limits(60, 1367, &l);
	near(l.lower, -4, 0);
	near(l.upper_possible, 1.5 * 1367 * k + 100, 1e-9);
	near(l.upper_rare, 1.2 * 1367 * k + 50, 1e-9);
	near(l.upper_possible, 992.532, 1e-3);  /* 2050.5 x 0.435275 + 100 */
	pv_ghi_limits(95, 1367, &l);
	near(l.upper_possible, 100, 0);
	near(l.upper_rare, 50, 0);
}

/* The day against the median of its valid history (NaN and 0 skipped). */
static void ratio_drop_against_the_median(void **state)
{
	(void)state;
	double hist[] = { 0.80, 0.82, NAN, 0.81, 0.79, 0.83, 0, 0.80 };
	double scratch[8];
	struct pv_drop d;
	struct alert_rule r = rule_of("pv_pr_drop");

	pv_ratio_drop(hist, 8, 0.70, 5, scratch, &d);
	assert_int_equal(d.n_days, 6);
	near(d.baseline, (0.80 + 0.81) / 2, 1e-15);   /* 0.79 .80 .80 .81 .82 .83 */
	near(d.relative, 0.70 / 0.805, 1e-15);
	assert_int_equal(pv_drop_verdict(&r, &d), PV_BREACH);     /* < 0.90 */
	pv_ratio_drop(hist, 8, 0.75, 5, scratch, &d);           /* 0.932 */
	assert_int_equal(pv_drop_verdict(&r, &d), PV_UNDECIDED);
	pv_ratio_drop(hist, 8, 0.79, 5, scratch, &d);           /* 0.981 */
	assert_int_equal(pv_drop_verdict(&r, &d), PV_CLEARED);
	pv_ratio_drop(hist, 8, 0.70, 7, scratch, &d);           /* too few days */
	assert_true(isnan(d.baseline) && isnan(d.relative));
	assert_int_equal(pv_drop_verdict(&r, &d), PV_UNDECIDED);
}

/* A line with one outlier: the median of the 45 pairwise slopes is the
 * line's (36 pairs), the intercept the line's. */
static void theil_sen_ignores_an_outlier(void **state)
{
	(void)state;
	double x[10], y[10], scratch[64], b;

	for (int i = 0; i < 10; i++) {
		x[i] = i;
		y[i] = 1 - 0.005 * i;
	}
	y[4] = 0.5;
	near(pv_theil_sen(x, y, 10, scratch, &b), -0.005, 1e-12);
	near(b, 1, 1e-12);
	assert_true(isnan(pv_theil_sen(x, y, 1, scratch, &b)));
}

/*
 * Twenty days of a temperature-corrected ratio: clean at 0.90, losing
 * 0.0036 a day (0.4 %/day of the clean ratio); a cleaning on day 10 brings
 * it back to 0.90; day 15 has no value, day 17 is a bad day (0.60).  The
 * bad day and the day after it are no cleaning (the jump is judged against
 * the median of the three days before).  Since the cleaning: rate -0.004
 * a day, and on day 19 (9 days on) a loss of 0.0036 x 9 / 0.90 = 3.6 %.
 */
static void soiling_with_a_cleaning_and_a_bad_day(void **state)
{
	(void)state;
	double r[20], *scratch = malloc(pv_soiling_scratch(20) * sizeof(double));
	struct pv_soiling s;
	struct alert_rule rule = rule_of("pv_soiling");

	assert_non_null(scratch);
	for (int d = 0; d < 20; d++)
		r[d] = 0.90 - 0.0036 * (d < 10 ? d : d - 10);
	r[15] = NAN;
	r[17] = 0.60;
	pv_soiling(r, 20, 0.03, scratch, &s);
	assert_int_equal(s.start, 10);
	assert_int_equal(s.n_cleanings, 1);
	assert_int_equal(s.n_days, 9);
	near(s.ratio_clean, 0.90, 1e-12);
	near(s.rate_per_day, -0.004, 1e-12);
	near(s.loss, 0.0036 * 9 / 0.90, 1e-12);
	assert_int_equal(pv_soiling_verdict(&rule, &s), PV_UNDECIDED); /* 3.6 % */
	/* before the cleaning: day 9 has lost 3.6 % too; day 0..9 only */
	pv_soiling(r, 10, 0.03, scratch, &s);
	assert_int_equal(s.n_cleanings, 0);
	near(s.loss, 0.0036 * 9 / 0.90, 1e-12);
	/* a dirtier plant, 0.8 %/day: 7.2 % after 9 days, an alarm */
	for (int d = 0; d < 10; d++)
		r[d] = 0.90 * (1 - 0.008 * d);
	pv_soiling(r, 10, 0.03, scratch, &s);
	near(s.loss, 0.072, 1e-12);
	assert_int_equal(pv_soiling_verdict(&rule, &s), PV_BREACH);
	/* days without data first: the line starts on the first day with
	 * some (7 days on: 0.8 % x 6 = 4.8 %), not extrapolated back */
	{
		double q[10] = { NAN, NAN, NAN };

		for (int d = 3; d < 10; d++)
			q[d] = 0.90 * (1 - 0.008 * (d - 3));
		pv_soiling(q, 10, 0.03, scratch, &s);
		assert_int_equal(s.n_days, 7);
		near(s.ratio_clean, 0.90, 1e-12);
		near(s.loss, 0.048, 1e-12);
		assert_int_equal(pv_soiling_verdict(&rule, &s), PV_UNDECIDED);
	}
	/* then cleaned: the last day alone in its interval, no loss */
	r[10] = 0.90;
	pv_soiling(r, 11, 0.03, scratch, &s);
	assert_int_equal(s.start, 10);
	near(s.loss, 0, 0);
	assert_true(isnan(s.rate_per_day));
	assert_int_equal(pv_soiling_verdict(&rule, &s), PV_CLEARED);
	free(scratch);
}

/* Two pyranometers 10.5 % apart; under 200 W/m2 they are not compared. */
static void twin_deviation(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_sensor_quality");
	struct pv_sensor_obs o = { .g = 800, .apparent_zenith = 30,
				   .dni_extra = 1367, .twin = 720 };

	near(pv_pair_deviation(800, 720, 200), 80.0 / 760, 1e-15);
	assert_true(isnan(pv_pair_deviation(150, 720, 200)));
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_TWIN, &o), PV_BREACH);
	o.twin = 780;   /* 2.5 % */
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_TWIN, &o), PV_CLEARED);
	o.twin = NAN;
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_TWIN, &o),
			 PV_UNDECIDED);
}

/* Out of the physical limits, and brighter than clear sky can be. */
static void range_and_clear_sky(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_sensor_quality");
	struct pv_sensor_obs o = { .g = 1500, .apparent_zenith = 60,
				   .dni_extra = 1367, .twin = NAN };
	double cs = pv_clearsky_haurwitz(60);   /* 1098 * 0.5 * e^-0.118 */

	near(cs, 487.894132885425, 1e-9);
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_RANGE, &o), PV_BREACH);
	o.g = 900;   /* within 992.5, but > 1.5 x 487.9 + 100 = 831.8 */
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_RANGE, &o),
			 PV_CLEARED);
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_CLEARSKY, &o),
			 PV_BREACH);
	o.g = 700;   /* <= 1.3 x 487.9 + 100 = 734.3 */
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_CLEARSKY, &o),
			 PV_CLEARED);
	o.g = -10;   /* below -4 W/m2, at night too */
	o.apparent_zenith = 120;
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_RANGE, &o), PV_BREACH);
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_CLEARSKY, &o),
			 PV_UNDECIDED);
}

/* One value repeated in daylight for an hour is stuck; night ends a run. */
static void stuck_in_daylight(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_sensor_quality");
	struct pv_stuck s = { 0 };
	struct pv_sensor_obs o = { .g = 512, .apparent_zenith = 40,
				   .dni_extra = 1367, .twin = NAN };

	for (int m = 0; m <= 60; m++)
		o.stuck_ms = pv_stuck_step(&s, T0 + m * MIN, 512, true, 0.01);
	assert_int_equal(o.stuck_ms, 60 * MIN);
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_STUCK, &o), PV_BREACH);
	o.stuck_ms = pv_stuck_step(&s, T0 + 61 * MIN, 515, true, 0.01);
	assert_int_equal(o.stuck_ms, 0);
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_STUCK, &o),
			 PV_CLEARED);
	o.stuck_ms = -1;   /* night: not judged, an open alert stays */
	assert_int_equal(pv_sensor_verdict(&r, PV_SENSOR_STUCK, &o),
			 PV_UNDECIDED);
	/* an older reading is ignored */
	assert_int_equal(pv_stuck_step(&s, T0, 515, true, 0.01), 0);
	/* zeros at night repeat legitimately */
	for (int m = 0; m <= 120; m++)
		assert_int_equal(pv_stuck_step(&s, T0 + (100 + m) * MIN, 0,
					       false, 0.01), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(haurwitz_matches_pvlib),
		cmocka_unit_test(qcrad_limits),
		cmocka_unit_test(ratio_drop_against_the_median),
		cmocka_unit_test(theil_sen_ignores_an_outlier),
		cmocka_unit_test(soiling_with_a_cleaning_and_a_bad_day),
		cmocka_unit_test(twin_deviation),
		cmocka_unit_test(range_and_clear_sky),
		cmocka_unit_test(stuck_in_daylight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
