/*
 * Unit tests of agro/balance: FAO-56 chapter 8 (TAW eq. 82, RAW eq. 83
 * with the Table 22 footnote on p, Ks eq. 84, the water balance eq. 85 and
 * deep percolation eq. 88, depletion from a water content eq. 86/87),
 * Table 19 soil defaults, root growth (Annex 8), effective rain and SCS
 * runoff, metered irrigation, probe layer weighting and nudging, the
 * bounds 0 <= Dr <= TAW and conservation of water.
 *
 * Expected values are worked by hand from the equation each test names;
 * the arithmetic is in the comments.  The data are made here.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agro/balance.h"

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

/* A uniform number in [0, 1) from (seed, i): reproducible test noise. */
static double noise01(uint64_t seed, uint64_t i)
{
	uint64_t x = seed * UINT64_C(0x9e3779b97f4a7c15) + i;

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return (double)(x >> 11) * 0x1.0p-53;
}

/*
 * A cotton plot on loam (Table 19 middles: 0.25, 0.12) with a fixed root
 * zone of 0.6 m (TAW 78 mm), 1 ha, no runoff, no mulch.
 */
static struct agro_plot loam_plot(void)
{
	struct agro_plot p;

	agro_plot_defaults(&p, AGRO_CROP_COTTON);
	p.code = "6523241010001";
	p.zr_min = 0.6;
	p.zr_max = 0.6;
	p.curve_number = 0;
	return p;
}

static struct agro_balance_state start(const struct agro_plot *p,
				       double dr0_frac)
{
	struct agro_balance_state st;
	struct err e;

	assert_int_equal(agro_balance_init(p, dr0_frac, &st, &e), ERR_OK);
	return st;
}

static struct agro_day_out step(const struct agro_plot *p,
				struct agro_balance_state *st, double et0,
				double rain, double irr_m3)
{
	struct agro_day_in in = { .et0 = et0, .tmax = NAN, .tmin = NAN,
				  .rain = rain, .irrigation_m3 = irr_m3 };
	struct agro_day_out out;
	struct err e;

	if (agro_balance_step(p, st, &in, &out, &e))
		fail_msg("step: %s", e.msg);
	return out;
}

/* ---------------------------------------------------------------------- */

/* Table 19: the ranges as printed and the middle values Oasis uses. */
static void test_table19_textures(void **state)
{
	static const double mid[AGRO_TEXTURE_COUNT][2] = {
		{ 0.12, 0.045 }, { 0.15, 0.065 }, { 0.23, 0.11 },
		{ 0.25, 0.12 },  { 0.29, 0.15 },  { 0.32, 0.17 },
		{ 0.335, 0.205 }, { 0.36, 0.23 }, { 0.36, 0.22 },
	};
	const struct agro_texture_info *ti;
	enum agro_texture t;
	double fc, wp;
	struct err e;

	(void)state;
	for (int k = 0; k < AGRO_TEXTURE_COUNT; k++) {
		agro_texture_defaults((enum agro_texture)k, &fc, &wp);
		assert_near(fc, mid[k][0], 1e-12);
		assert_near(wp, mid[k][1], 1e-12);
	}
	ti = agro_texture_info(AGRO_TEXTURE_SILTY_CLAY);
	assert_string_equal(ti->name, "silty_clay");
	assert_near(ti->theta_fc.lo, 0.30, 0);
	assert_near(ti->theta_fc.hi, 0.42, 0);
	assert_near(ti->theta_wp.lo, 0.17, 0);
	assert_near(ti->theta_wp.hi, 0.29, 0);
	assert_null(agro_texture_info((enum agro_texture)AGRO_TEXTURE_COUNT));

	assert_int_equal(agro_texture_find("Sandy Loam", &t, &e), ERR_OK);
	assert_int_equal(t, AGRO_TEXTURE_SANDY_LOAM);
	assert_int_equal(agro_texture_find("silty-clay-loam", &t, &e), ERR_OK);
	assert_int_equal(t, AGRO_TEXTURE_SILTY_CLAY_LOAM);
	assert_int_equal(agro_texture_find("壤土", &t, &e), ERR_OK);
	assert_int_equal(t, AGRO_TEXTURE_LOAM);
	assert_int_equal(agro_texture_find("砂壤土", &t, &e), ERR_OK);
	assert_int_equal(t, AGRO_TEXTURE_SANDY_LOAM);
	assert_int_equal(agro_texture_find("gravel", &t, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "gravel"));
}

/*
 * eq. 82: TAW = 1000 (0.25 - 0.12) 0.6 = 78 mm.
 * Table 22 footnote: cotton p = 0.65 + 0.04 (5 - ETc): 0.65 at ETc 5,
 * 0.57 at ETc 7, 0.8 (the limit) at ETc 0.
 * eq. 83: RAW = 0.57 x 78 = 44.46 mm.
 */
static void test_taw_raw(void **state)
{
	double taw = agro_taw(0.25, 0.12, 0.6);

	(void)state;
	assert_near(taw, 78.0, 1e-9);
	assert_near(agro_depletion_fraction(0.65, 5), 0.65, 1e-12);
	assert_near(agro_depletion_fraction(0.65, 7), 0.57, 1e-12);
	assert_near(agro_depletion_fraction(0.65, 0), 0.8, 0);
	assert_near(agro_raw(0.57, taw), 44.46, 1e-9);
	/* sand, 1 m: 1000 x (0.12 - 0.045) = 75 mm */
	assert_near(agro_taw(0.12, 0.045, 1.0), 75.0, 1e-9);
}

/*
 * eq. 84: Ks = (TAW - Dr) / (TAW - RAW) = (TAW - Dr) / ((1 - p) TAW).
 * TAW 78, p 0.57, RAW 44.46: 1 up to RAW, 0.5 half way to TAW, 0 at TAW.
 */
static void test_ks_eq84(void **state)
{
	double taw = 78, p = 0.57, raw = p * taw;

	(void)state;
	assert_near(agro_ks(0, taw, raw), 1.0, 0);
	assert_near(agro_ks(30, taw, raw), 1.0, 0);
	assert_near(agro_ks(raw, taw, raw), 1.0, 0);
	assert_near(agro_ks((raw + taw) / 2, taw, raw), 0.5, 1e-12);
	assert_near(agro_ks(60, taw, raw), (taw - 60) / ((1 - p) * taw),
		    1e-12);
	assert_near(agro_ks(taw, taw, raw), 0.0, 0);
	assert_near(agro_ks(90, taw, raw), 0.0, 0);
	assert_near(agro_ks(5, 0, 0), 0.0, 0);
}

/*
 * eq. 85 and eq. 88 on one day.
 * Dry day: Dr = 20 - 0 - 0 + 5 + 0 = 25.
 * 40 mm net irrigation on Dr 20 with ETc 5: DP = 40 - 5 - 20 = 15,
 * Dr = 20 - 40 + 5 + 15 = 0.
 */
static void test_balance_eq85_eq88(void **state)
{
	double dp;

	(void)state;
	dp = agro_deep_percolation(0, 0, 5, 20);
	assert_near(dp, 0, 0);
	assert_near(agro_depletion_next(20, 0, 0, 5, dp), 25, 1e-12);
	dp = agro_deep_percolation(0, 40, 5, 20);
	assert_near(dp, 15, 1e-12);
	assert_near(agro_depletion_next(20, 0, 40, 5, dp), 0, 1e-12);
	/* rain counts like irrigation: 12 mm on Dr 10, ETc 4: DP 0, Dr 2 */
	dp = agro_deep_percolation(12, 0, 4, 10);
	assert_near(dp, 0, 0);
	assert_near(agro_depletion_next(10, 12, 0, 4, dp), 2, 1e-12);
}

/* The same through agro_balance_step, with metered volumes. */
static void test_step_single_days(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st = start(&p, 0);
	struct agro_day_out o;

	(void)state;
	p.mulch_factor = 1.0;
	/* day 1, initial stage: Kc 0.35, ET0 6: ETc 2.1, Dr 2.1 */
	o = step(&p, &st, 6, 0, 0);
	assert_int_equal(o.day, 1);
	assert_int_equal(o.stage, AGRO_STAGE_INITIAL);
	assert_near(o.kc, 0.35, 1e-12);
	assert_near(o.etc, 2.1, 1e-12);
	assert_near(o.taw, 78, 1e-9);
	/* p = 0.65 + 0.04 (5 - 2.1) = 0.766 */
	assert_near(o.p, 0.766, 1e-12);
	assert_near(o.raw, 0.766 * 78, 1e-9);
	assert_near(o.ks, 1, 0);
	assert_near(o.etc_adj, 2.1, 1e-12);
	assert_near(o.dr, 2.1, 1e-12);
	assert_false(o.stressed);
	/*
	 * day 2: 300 m3 metered on 1 ha = 30 mm gross, 27 mm net (0.9):
	 * DP = 27 - 2.1 - 2.1 = 22.8, Dr = 0.
	 */
	o = step(&p, &st, 6, 0, 300);
	assert_near(o.irr_gross, 30, 1e-9);
	assert_near(o.irr_net, 27, 1e-9);
	assert_near(o.dp, 22.8, 1e-9);
	assert_near(o.dr, 0, 1e-12);
	assert_int_equal(st.day, 2);
	assert_near(st.dr, 0, 1e-12);
}

/* mm = m3 / area (m2) x 1000, and back. */
static void test_irrigation_units(void **state)
{
	(void)state;
	assert_near(agro_irrigation_mm(150, 10000), 15, 1e-12);
	/* 1 mu = 10000/15 m2: 20 m3 per mu is 30 mm */
	assert_near(agro_irrigation_mm(20, 10000.0 / 15), 30, 1e-9);
	assert_near(agro_volume_m3(30, 10000.0 / 15), 20, 1e-9);
	assert_near(agro_volume_m3(45, 20000), 900, 1e-9);
}

/*
 * SCS curve number (TR-55 in mm): CN 78, S = 25400/78 - 254 = 71.641 mm,
 * Ia = 0.2 S = 14.328; P 50 mm: Q = (50 - 14.328)^2 / (50 + 57.313)
 * = 1272.49 / 107.313 = 11.858 mm.  P 10 mm < Ia: no runoff.
 */
static void test_runoff_and_effective_rain(void **state)
{
	double ro;

	(void)state;
	assert_near(agro_runoff_scs(50, 78), 11.858, 5e-4);
	assert_near(agro_runoff_scs(10, 78), 0, 0);
	assert_near(agro_runoff_scs(50, 0), 0, 0);
	assert_near(agro_runoff_scs(50, 100), 50, 0);
	/* chapter 8: rain below 0.2 ET0 is evaporated, not counted */
	assert_near(agro_effective_rain(1.0, 6, 78, &ro), 0, 0);
	assert_near(ro, 0, 0);
	assert_near(agro_effective_rain(2.0, 6, 78, &ro), 2.0, 0);
	assert_near(agro_effective_rain(50, 6, 78, &ro), 50 - 11.858, 5e-4);
	assert_near(ro, 11.858, 5e-4);
	assert_near(agro_effective_rain(0, 0, 78, NULL), 0, 0);
}

/*
 * Probe layers: sensors at 10, 20, 40 cm (0.20, 0.22, 0.25) over 0.6 m
 * stand for 0-15, 15-30, 30-60 cm: (0.2 x 0.15 + 0.22 x 0.15 + 0.25 x 0.3)
 * / 0.6 = 0.23.  Over 0.25 m: (0.2 x 0.15 + 0.22 x 0.10) / 0.25 = 0.208.
 * Over 1 m the deepest layer runs 30-100 cm: 0.03 + 0.033 + 0.175 = 0.238.
 */
static void test_probe_layers(void **state)
{
	struct agro_probe_reading r[3] = {
		{ 0.40, 0.25 }, { 0.10, 0.20 }, { 0.20, 0.22 },
	};

	(void)state;
	assert_near(agro_probe_theta(r, 3, 0.6), 0.23, 1e-12);
	assert_near(agro_probe_theta(r, 3, 0.25), 0.208, 1e-12);
	assert_near(agro_probe_theta(r, 3, 1.0), 0.238, 1e-12);
	assert_near(agro_probe_theta(r, 1, 0.5), 0.25, 0);
	assert_true(isnan(agro_probe_theta(r, 0, 0.5)));
	/* eq. 87: Dr = 1000 (0.25 - 0.23) 0.6 = 12 mm */
	assert_near(agro_depletion_from_theta(0.25, 0.23, 0.6), 12, 1e-9);
}

/* The nudge: k = 1 takes the measurement, k = 0 ignores it. */
static void test_nudge_gain_ends(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_probe_reading r[3] = {
		{ 0.10, 0.20 }, { 0.20, 0.22 }, { 0.40, 0.25 },
	};
	struct agro_day_in in = { .et0 = 6, .tmax = NAN, .tmin = NAN,
				  .probe = r, .n_probe = 3 };
	struct agro_balance_state st;
	struct agro_day_out o;
	struct err e;

	(void)state;
	assert_near(agro_nudge(10, 30, 0.25, 78), 15, 1e-12);
	assert_near(agro_nudge(10, 300, 1, 78), 78, 0);

	p.nudge_gain = 1;
	st = start(&p, 0);
	assert_int_equal(agro_balance_step(&p, &st, &in, &o, &e), ERR_OK);
	assert_true(o.has_probe);
	assert_near(o.theta_meas, 0.23, 1e-12);
	assert_near(o.dr_meas, 12, 1e-9);
	assert_near(o.dr, 12, 1e-9);
	assert_near(st.dr, 12, 1e-9);
	assert_near(o.dr_model, 2.1, 1e-12);

	p.nudge_gain = 0;
	st = start(&p, 0);
	assert_int_equal(agro_balance_step(&p, &st, &in, &o, &e), ERR_OK);
	assert_near(o.dr, o.dr_model, 0);
	assert_near(o.dr, 2.1, 1e-12);

	/* a reading wetter than field capacity measures Dr 0 */
	r[0].theta = r[1].theta = r[2].theta = 0.3;
	p.nudge_gain = 1;
	st = start(&p, 0.5);
	assert_int_equal(agro_balance_step(&p, &st, &in, &o, &e), ERR_OK);
	assert_near(o.dr_meas, 0, 0);
	assert_near(o.dr, 0, 0);
}

/*
 * Nudging with noisy probes.  A "truth" runs with ET0; a model starts
 * 39 mm off and runs with bias x ET0 and gain k; the probes read the true
 * water content +- 0.01 m3/m3 (Dr +- 6 mm over 0.6 m).  Returns the mean
 * |Dr - truth| over days 61-80 and the error at the start.
 */
static double nudge_run(double bias, double k, double *err_start)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state truth, model;
	double err = 0;
	struct err e;

	p.nudge_gain = k;
	truth = start(&p, 0.1);
	model = start(&p, 0.6);
	*err_start = fabs(model.dr - truth.dr);
	for (int d = 0; d < 80; d++) {
		double et0 = 4 + 3 * noise01(1, (uint64_t)d);
		double irr = d % 9 == 8 ? 350.0 : 0.0; /* 35 mm every 9 days */
		struct agro_day_in in = { .et0 = et0, .tmax = NAN,
					  .tmin = NAN, .irrigation_m3 = irr };
		struct agro_probe_reading r[3];
		double theta;

		assert_int_equal(agro_balance_step(&p, &truth, &in, NULL, &e),
				 ERR_OK);
		theta = p.theta_fc - truth.dr / (1000 * truth.zr);
		for (int j = 0; j < 3; j++) {
			r[j].depth_m = 0.1 * (j + 1);
			r[j].theta = theta +
				     0.02 * (noise01(2, (uint64_t)(3 * d + j)) -
					     0.5);
		}
		in.et0 = bias * et0;
		in.probe = r;
		in.n_probe = 3;
		assert_int_equal(agro_balance_step(&p, &model, &in, NULL, &e),
				 ERR_OK);
		if (d >= 60)
			err += fabs(model.dr - truth.dr) / 20;
	}
	return err;
}

/*
 * Unbiased model: from 39 mm off it converges to the noise level.  Model
 * with ET0 30 % too high: without probes it drifts far; with them its
 * error stays near the steady state of the nudge, (1 - k)/k x the daily
 * bias (about 1.5 mm/day here, so under 4 mm), well below the drift.
 */
static void test_nudge_converges(void **state)
{
	double start_err, unbiased, biased, blind;

	(void)state;
	unbiased = nudge_run(1.0, 0.3, &start_err);
	biased = nudge_run(1.3, 0.3, &start_err);
	blind = nudge_run(1.3, 0.0, &start_err);
	print_message("nudging, mean |Dr - truth| over days 61-80: unbiased "
		      "%.2f mm, ET0 +30 %% %.2f mm, without probes %.2f mm "
		      "(%.0f mm at the start)\n", unbiased, biased, blind,
		      start_err);
	assert_near(start_err, 39, 1e-9);
	assert_true(unbiased < 2.0);
	assert_true(biased < 4.5);
	assert_true(biased < blind / 3);
	assert_true(blind > 10);
}

/*
 * A dry-down under stress (eq. 84 and 85): TAW 78, Kc 1, ET0 5 (ETc 5,
 * p 0.65, RAW 50.7).  Once Dr passes RAW, Ks = (TAW - Dr)/(TAW - RAW) so
 * TAW - Dr shrinks by the factor 1 - ETc/(TAW - RAW) each day.
 */
static void test_stress_drydown(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st;
	struct agro_day_out o;
	double taw = 78, raw = 0.65 * 78, left = 0;
	int stressed_days = 0;

	(void)state;
	p.season.kc_ini = p.season.kc_mid = p.season.kc_end = 1.0;
	st = start(&p, 0);
	for (int d = 1; d <= 40; d++) {
		double dr_prev = st.dr;

		o = step(&p, &st, 5, 0, 0);
		assert_near(o.raw, raw, 1e-9);
		if (dr_prev <= raw) {
			assert_near(o.ks, 1, 0);
			assert_near(o.dr, dr_prev + 5, 1e-9);
		} else {
			if (stressed_days++ == 0)
				left = taw - dr_prev;
			assert_near(o.ks, (taw - dr_prev) / (taw - raw), 1e-12);
			assert_near(taw - o.dr,
				    left * pow(1 - 5 / (taw - raw),
					       stressed_days), 1e-9);
		}
		assert_true(o.dr <= taw && o.dr >= 0);
	}
	assert_true(stressed_days > 25);
	assert_true(o.ks < 0.05);
}

/* Zr grows from Zr min to Zr max through development (Annex 8). */
static void test_root_growth(void **state)
{
	struct agro_plot p;
	struct agro_balance_state st;
	struct agro_day_out o;

	(void)state;
	agro_plot_defaults(&p, AGRO_CROP_COTTON); /* 30, 50, 60, 55 days */
	assert_near(p.zr_min, 0.2, 0);
	assert_near(p.zr_max, 1.0, 0);
	assert_near(agro_root_depth(0.2, 1.0, 0.5), 0.6, 1e-12);
	st = start(&p, 0);
	for (int d = 1; d <= 100; d++) {
		o = step(&p, &st, 5, 0, 0);
		if (d <= 30)
			assert_near(o.zr, 0.2, 1e-12);
		if (d == 55)
			assert_near(o.zr, 0.6, 1e-12); /* 25 of 50 days */
		if (d >= 80)
			assert_near(o.zr, 1.0, 1e-12);
		assert_near(o.taw, agro_taw(0.25, 0.12, o.zr), 1e-9);
	}
}

/* The film-mulch factor multiplies Kc. */
static void test_mulch_factor(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st;
	struct agro_day_out o;

	(void)state;
	p.mulch_factor = AGRO_FILM_MULCH_FACTOR;
	st = start(&p, 0);
	for (int d = 1; d <= 100; d++)
		o = step(&p, &st, 6, 0, 0 + (d % 5 == 0) * 400);
	assert_int_equal(o.stage, AGRO_STAGE_MID);
	assert_near(o.kc, 0.85 * 1.175, 1e-12);
	assert_near(o.etc, 0.85 * 1.175 * 6, 1e-12);
}

/*
 * Water is conserved: with no probe, Dr,end - Dr,0 equals
 * sum(ETc adj + DP) - sum(P - RO + I net), plus, when the roots grow into
 * depleted subsoil, that subsoil's depletion.
 */
static void test_conservation(void **state)
{
	struct agro_plot p;
	double subsoil[2] = { 0.0, 0.4 };

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct agro_balance_state st;
		double out_sum = 0, in_sum = 0, sub = 0, dr0, taw_prev;

		agro_plot_defaults(&p, AGRO_CROP_COTTON);
		p.subsoil_depletion = subsoil[k];
		st = start(&p, 0.3);
		dr0 = st.dr;
		taw_prev = agro_taw(p.theta_fc, p.theta_wp, st.zr);
		for (int d = 0; d < 200; d++) {
			double rain = noise01(3, (uint64_t)d) < 0.1
				? 40 * noise01(4, (uint64_t)d) : 0;
			double irr = d % 7 == 6 ? 300 : 0;
			double et0 = 2 + 6 * noise01(5, (uint64_t)d);
			struct agro_day_out o = step(&p, &st, et0, rain, irr);

			out_sum += o.etc_adj + o.dp;
			in_sum += o.rain_eff + o.irr_net;
			sub += p.subsoil_depletion * (o.taw - taw_prev);
			taw_prev = o.taw;
		}
		assert_near(st.dr - dr0, out_sum - in_sum + sub, 1e-6);
	}
}

/* 0 <= Dr <= TAW, 0 <= Ks <= 1, ETc adj <= ETc on any inputs. */
static void test_bounds(void **state)
{
	struct agro_plot p;
	struct agro_balance_state st;
	struct err e;

	(void)state;
	agro_plot_defaults(&p, AGRO_CROP_MAIZE_GRAIN);
	agro_texture_defaults(AGRO_TEXTURE_SAND, &p.theta_fc, &p.theta_wp);
	p.nudge_gain = 0.5;
	st = start(&p, 1.0);
	for (uint64_t d = 0; d < 20000; d++) {
		struct agro_probe_reading r[2] = {
			{ 0.1, 0.7 * noise01(6, d) },
			{ 0.3, 0.7 * noise01(7, d) },
		};
		struct agro_day_in in = {
			.et0 = 15 * noise01(8, d),
			.tmax = NAN, .tmin = NAN,
			.rain = noise01(9, d) < 0.05 ? 200 * noise01(10, d) : 0,
			.irrigation_m3 = noise01(11, d) < 0.1
				? 2000 * noise01(12, d) : 0,
			.probe = r,
			.n_probe = noise01(13, d) < 0.2 ? 2 : 0,
		};
		struct agro_day_out o;

		if (d % 180 == 0)
			st = start(&p, noise01(14, d));
		assert_int_equal(agro_balance_step(&p, &st, &in, &o, &e), 0);
		assert_true(o.dr >= 0 && o.dr <= o.taw + 1e-9);
		assert_true(o.dr_model >= 0 && o.dr_model <= o.taw + 1e-9);
		assert_true(o.ks >= 0 && o.ks <= 1);
		assert_true(o.p >= 0.1 && o.p <= 0.8);
		assert_true(o.etc_adj >= -1e-12 && o.etc_adj <= o.etc + 1e-12);
		assert_true(o.dp >= 0);
	}
}

/* A thermal clock needs temperatures; a refused day leaves the state. */
static void test_thermal_step_and_errors(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st = start(&p, 0), before;
	struct agro_day_in in = { .et0 = 5, .tmax = 30, .tmin = 16 };
	struct agro_probe_reading bad = { 0.2, 0.9 };
	struct agro_day_out o;
	struct err e;

	(void)state;
	p.season.clock = AGRO_CLOCK_THERMAL;
	p.season.gdd_method = AGRO_GDD_ACTIVE;
	p.season.t_base = 10;
	p.season.end[0] = 500;
	p.season.end[1] = 1500;
	p.season.end[2] = 2800;
	p.season.end[3] = 3400;
	assert_int_equal(agro_balance_step(&p, &st, &in, &o, &e), ERR_OK);
	assert_near(o.thermal, 23, 0);
	assert_near(st.thermal, 23, 0);

	before = st;
	in.tmax = NAN;
	assert_blames(&e, agro_balance_step(&p, &st, &in, &o, &e), "tmax");
	assert_non_null(strstr(e.msg, "6523241010001"));
	assert_memory_equal(&st, &before, sizeof(st));
	in.tmax = 30;
	in.et0 = -1;
	assert_blames(&e, agro_balance_step(&p, &st, &in, &o, &e), "et0");
	in.et0 = 5;
	in.rain = NAN;
	assert_blames(&e, agro_balance_step(&p, &st, &in, &o, &e), "rain");
	in.rain = 0;
	in.irrigation_m3 = -3;
	assert_blames(&e, agro_balance_step(&p, &st, &in, &o, &e),
		      "irrigation");
	in.irrigation_m3 = 0;
	in.probe = &bad;
	in.n_probe = 1;
	assert_blames(&e, agro_balance_step(&p, &st, &in, &o, &e),
		      "probe.theta");
	assert_memory_equal(&st, &before, sizeof(st));
}

static void test_plot_check_and_init(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st;
	struct err e;

	(void)state;
	assert_int_equal(agro_plot_check(&p, &e), ERR_OK);
	/* eq. 87 start: half of TAW at Zr min 0.6 m is 39 mm */
	assert_int_equal(agro_balance_init(&p, 0.5, &st, &e), ERR_OK);
	assert_near(st.dr, 39, 1e-9);
	assert_int_equal(st.day, 0);
	assert_blames(&e, agro_balance_init(&p, 1.5, &st, &e), "dr0_frac");
	p.theta_wp = 0.3;
	assert_blames(&e, agro_plot_check(&p, &e), "theta_wp");
	p = loam_plot();
	p.zr_max = 0.3;
	assert_blames(&e, agro_plot_check(&p, &e), "zr_max");
	p = loam_plot();
	p.area_m2 = 0;
	assert_blames(&e, agro_plot_check(&p, &e), "area_m2");
	p = loam_plot();
	p.curve_number = 12;
	assert_blames(&e, agro_plot_check(&p, &e), "curve_number");
	p = loam_plot();
	p.season.kc_mid = -1;
	assert_blames(&e, agro_plot_check(&p, &e), "kc_mid");
	assert_non_null(strstr(e.msg, "6523241010001"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table19_textures),
		cmocka_unit_test(test_taw_raw),
		cmocka_unit_test(test_ks_eq84),
		cmocka_unit_test(test_balance_eq85_eq88),
		cmocka_unit_test(test_step_single_days),
		cmocka_unit_test(test_irrigation_units),
		cmocka_unit_test(test_runoff_and_effective_rain),
		cmocka_unit_test(test_probe_layers),
		cmocka_unit_test(test_nudge_gain_ends),
		cmocka_unit_test(test_nudge_converges),
		cmocka_unit_test(test_stress_drydown),
		cmocka_unit_test(test_root_growth),
		cmocka_unit_test(test_mulch_factor),
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_thermal_step_and_errors),
		cmocka_unit_test(test_plot_check_and_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
