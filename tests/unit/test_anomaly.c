/*
 * Unit tests of rs/rs_anomaly: the median absolute deviation against the
 * worked example of Leys et al. 2013 (J. Exp. Soc. Psychol. 49, 764-766,
 * section "The MAD": the series 1, 3, 3, 6, 8, 10, 10, 1000 has median 7,
 * absolute deviations 6, 4, 4, 1, 1, 3, 3, 993 with median 3.5, and MAD
 * 3.5 * 1.4826 = 5.1891), and both rules on a synthetic season: fifteen
 * cotton plots, five maize plots and a late-sown cotton plot seen every 3
 * days for 30 days, NDVI following a logistic growth curve, one plot
 * lagging from day 12 and one losing its canopy (hail) on day 21.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rs/rs_anomaly.h"

static void test_mad_leys_example(void **state)
{
	double v[] = { 1, 3, 3, 6, 8, 10, 10, 1000 }, scratch[8], copy[8];

	(void)state;
	memcpy(copy, v, sizeof(v));
	assert_true(fabs(rs_median(copy, 8) - 7) < 1e-12);
	assert_true(fabs(rs_mad(v, 8, scratch) - 3.5) < 1e-12);
	assert_true(fabs(RS_MAD_SCALE * rs_mad(v, 8, scratch) - 5.1891) < 1e-9);
	assert_true(isnan(rs_median(copy, 0)));
}

#define N_PLOTS 21
#define LAGGING 4   /* cotton plot growing slower from day 12 */
#define HAIL 9      /* cotton plot losing canopy on day 21 */
#define LATE 20     /* cotton sown 40 days after the others */

/* NDVI of a plot on day d after the common sowing: a logistic curve from
 * bare soil (0.15) to full canopy (0.85), with a small per-plot spread. */
static double ndvi(int plot, int day)
{
	int age = plot == LATE ? day - 40 : day;
	double spread = 0.01 * ((plot * 7) % 5 - 2);
	double v = 0.15 + 0.7 / (1 + exp(-(age - 15) / 4.0)) + spread;

	if (plot >= 15 && plot < 20)
		v = 0.2 + 0.5 / (1 + exp(-(age - 25) / 5.0)) + spread; /* maize */
	if (plot == LAGGING && day >= 12)
		v -= 0.25;
	if (plot == HAIL && day >= 21)
		v -= 0.35;
	return v;
}

static void season_plot(int i, int day, double prev,
			struct rs_anomaly_plot *p)
{
	p->crop = i >= 15 && i < 20 ? "maize" : "cotton";
	p->sowing_day = 20560 + (i % 3) + (i == LATE ? 40 : 0);
	p->value = ndvi(i, day);
	p->previous = prev;
	p->gap_days = 3;
}

static void test_synthetic_season(void **state)
{
	struct rs_anomaly_plot plots[N_PLOTS];
	struct rs_anomaly_flags f[N_PLOTS];
	struct rs_anomaly_opts o;
	double prev[N_PLOTS];

	(void)state;
	rs_anomaly_defaults(&o);
	for (int i = 0; i < N_PLOTS; i++)
		prev[i] = NAN;
	for (int day = 0; day <= 30; day += 3) {
		for (int i = 0; i < N_PLOTS; i++)
			season_plot(i, day, prev[i], &plots[i]);
		assert_int_equal(rs_anomaly_flag(plots, N_PLOTS, &o, f), 0);
		for (int i = 0; i < N_PLOTS; i++) {
			bool lag = i == LAGGING && day >= 12;
			bool hail = i == HAIL && day >= 21;
			bool drop = (i == LAGGING && day == 12) ||
				    (i == HAIL && day == 21);

			if (f[i].peers != (lag || hail) || f[i].drop != drop)
				fail_msg("day %d plot %d: peers %d drop %d "
					 "(value %.3f, median %.3f, bound %.3f)",
					 day, i, f[i].peers, f[i].drop,
					 plots[i].value, f[i].peer_median,
					 f[i].peer_bound);
			prev[i] = plots[i].value;
		}
		/* the late plot has no peer group: too few plots */
		assert_int_equal(f[LATE].n_peers, 1);
		assert_true(isnan(f[LATE].peer_bound));
		/* the maize plots are their own group */
		assert_int_equal(f[15].n_peers, 5);
	}
}

static void test_no_value_is_never_flagged(void **state)
{
	struct rs_anomaly_plot p[6];
	struct rs_anomaly_flags f[6];
	struct rs_anomaly_opts o;

	(void)state;
	rs_anomaly_defaults(&o);
	for (int i = 0; i < 6; i++)
		p[i] = (struct rs_anomaly_plot){ "cotton", 100, 0.8, 0.8, 3 };
	p[0].value = NAN;
	p[1].value = 0.5;     /* 0.3 below: flagged */
	p[2].previous = 0.96; /* fell by 0.16 */
	p[3].previous = 0.96;
	p[3].gap_days = 30;   /* too long ago */
	assert_int_equal(rs_anomaly_flag(p, 6, &o, f), 0);
	assert_false(f[0].peers || f[0].drop);
	assert_int_equal(f[1].n_peers, 5);
	assert_true(f[1].peers);
	/* MAD 0: the floor 0.03 * 3 sets the bound at 0.71 */
	assert_true(fabs(f[2].peer_bound - (0.8 - 3 * 0.03)) < 1e-12);
	assert_false(f[2].peers);
	assert_true(f[2].drop);
	assert_false(f[3].drop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mad_leys_example),
		cmocka_unit_test(test_synthetic_season),
		cmocka_unit_test(test_no_value_is_never_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
