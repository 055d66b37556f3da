/*
 * Unit tests of pv/iec61724 (the period metrics) and pv/pr_csv (the
 * interval table of `oasis pv pr`).  The metrics are held against a
 * five-interval period worked by hand below, each expected value written
 * as the arithmetic of its definition in ../shared/PV.md (IEC 61724-1
 * yields and PR; NREL 2013 weather-corrected PR, which with T_ref taken
 * from the period equals PR).  The parser is held to its error messages:
 * line and column named.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pv/iec61724.h"
#include "pv/pr_csv.h"

#define assert_near(actual, expected, tol)                                \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.15f, expected %.15f within %g", file,
			 line, what, actual, expected, tol);
}

/*
 * 15-minute intervals (tau = 0.25 h), P0 = 100 kWp, gamma = -0.004/degC:
 * night; two good daylight intervals; an outage in daylight (G 600, no
 * power); a dim interval below the 50 W/m2 daylight threshold.
 */
static const struct pv_interval period[5] = {
	/* G, T_air, wind, T_mod, P_dc, P_ac */
	{ 0, 5, 1, 10, 0, 0 },
	{ 400, 20, 2, 25, 38, 36 },
	{ 800, 25, 3, 35, 72, 70 },
	{ 600, 24, 3, 30, 0, 0 },
	{ 30, 18, 1, 20, 2, 1.5 },
};

static const struct pv_pr_params params = {
	.p0_kwp = 100, .gamma_pdc = -0.004, .interval_min = 15,
	.t_ref_annual = 28, .daylight_threshold = 50, .pac0_kw = 70,
	.sapm_delta_t = 3,
};

static void test_metrics_by_hand(void **state)
{
	struct pv_pr_result r;
	/* sum C_k P0 G_k tau / G_ref, T_ref 25, T = T_mod: the rows give
	 * 0, 10 x 1, 20 x 0.96, 15 x 0.98, 0.75 x 1.02 */
	double ref_stc = 10 + 19.2 + 14.7 + 0.765;
	double e_ac = (36 + 70 + 1.5) * 0.25, e_dc = (38 + 72 + 2) * 0.25;
	double h = (400 + 800 + 600 + 30) * 0.25 / 1000;
	double pr_avail = (36 + 70) * 0.25 / (10 + 19.2);
	double e_lost = pr_avail * 14.7;

	(void)state;
	pv_pr_compute(period, 5, &params, &r);
	assert_int_equal(r.n_intervals, 5);
	assert_near(r.h_poa_kwh_m2, h, 1e-12);
	assert_near(r.y_r_h, h, 1e-12);
	assert_near(r.e_dc_kwh, e_dc, 1e-12);
	assert_near(r.e_ac_kwh, e_ac, 1e-12);
	assert_near(r.y_a_kwh_kwp, e_dc / 100, 1e-12);
	assert_near(r.y_f_kwh_kwp, e_ac / 100, 1e-12);
	assert_near(r.l_c_h, h - e_dc / 100, 1e-12);
	assert_near(r.l_s_h, (e_dc - e_ac) / 100, 1e-12);
	assert_near(r.pr, e_ac / 100 / h, 1e-12);
	assert_near(r.pr_tc_stc_tmod, e_ac / ref_stc, 1e-12);
	/* T_cell = T_mod + G/1000 x 3: C = 1, 0.9952, 0.9728, 0.9728, ... */
	assert_near(r.pr_tc_stc_tcell_sapm,
		    e_ac / (10 * (1 - 0.004 * 1.2) + 20 * (1 - 0.004 * 12.4) +
			    15 * (1 - 0.004 * 6.8) +
			    0.75 * (1 - 0.004 * -4.91)), 1e-12);
	/* T_ref 28: C = 1 + 0.012, 1 - 0.028, 1 - 0.008, 1 + 0.032 */
	assert_near(r.pr_tc_annual_eq_tmod,
		    e_ac / (10 * 1.012 + 20 * 0.972 + 15 * 0.992 +
			    0.75 * 1.032), 1e-12);
	assert_near(r.t_mod_irradiance_weighted_c,
		    (400 * 25 + 800 * 35 + 600 * 30 + 30 * 20) / 1830.0,
		    1e-12);
	assert_int_equal(r.n_daylight, 3);
	assert_int_equal(r.n_unavailable, 1);
	assert_int_equal(r.n_clipped, 1); /* 70 >= 0.99 x 70 */
	assert_near(r.availability_time, 2.0 / 3.0, 1e-12);
	assert_near(r.pr_stc_tmod_over_available, pr_avail, 1e-12);
	assert_near(r.e_lost_kwh, e_lost, 1e-12);
	assert_near(r.availability_energy, e_ac / (e_ac + e_lost), 1e-12);
	assert_near(r.pr_excluding_unavailable,
		    (36 + 70) * 0.25 / 100 / ((400 + 800) * 0.25 / 1000),
		    1e-12);
	assert_near(r.pr_nrel_weather_corrected, r.pr, 1e-12);
}

/* No daylight at all: the ratios are undefined (NaN), not 0 or inf. */
static void test_metrics_night(void **state)
{
	struct pv_pr_params p = params;
	struct pv_pr_result r;

	(void)state;
	p.pac0_kw = NAN;
	pv_pr_compute(period, 1, &p, &r);
	assert_true(isnan(r.pr) && isnan(r.availability_time) &&
		    isnan(r.pr_tc_stc_tmod));
	assert_true(r.e_lost_kwh == 0.0);
	assert_int_equal(r.n_clipped, -1);
}

/* ---------------------------------------------------------------------- */
/* CSV                                                                     */

static void parse_ok(const char *csv, struct pv_pr_rows *rows)
{
	struct err e = { ERR_OK, "" };

	if (pv_pr_csv_parse(csv, strlen(csv), rows, &e))
		fail_msg("parse failed: %s", e.msg);
}

/* Columns by name in any order, extra columns, CRLF, blank lines, empty
 * temp_air and wind_speed. */
static void test_csv_ok(void **state)
{
	struct pv_pr_rows rows;

	(void)state;
	parse_ok("p_ac_kw,time,note,poa_global,temp_air,wind_speed,"
		 "temp_module,p_dc_kw\r\n"
		 "36,2025-06-21T10:00:00+08:00,a,400,20,2,25,38\r\n"
		 "\r\n"
		 "70, 2025-06-21T10:15:00+08:00 ,b,800,,,35,72\r\n",
		 &rows);
	assert_int_equal(rows.n, 2);
	assert_near(rows.v[0].p_ac_kw, 36, 0);
	assert_near(rows.v[1].poa_global, 800, 0);
	assert_true(isnan(rows.v[1].temp_air) && isnan(rows.v[1].wind_speed));
	assert_true(rows.time_ms[1] - rows.time_ms[0] == 15 * 60000);
	pv_pr_rows_free(&rows);
	parse_ok("time,poa_global,temp_air,wind_speed,temp_module,p_dc_kw,"
		 "p_ac_kw\n", &rows);
	assert_int_equal(rows.n, 0);
	pv_pr_rows_free(&rows);
}

static void parse_fails(const char *csv, const char *msg_start)
{
	struct pv_pr_rows rows;
	struct err e = { ERR_OK, "" };

	assert_int_equal(pv_pr_csv_parse(csv, strlen(csv), &rows, &e),
			 ERR_INVALID);
	pv_pr_rows_free(&rows);
	if (strncmp(e.msg, msg_start, strlen(msg_start)))
		fail_msg("message '%s' does not start '%s'", e.msg, msg_start);
}

#define HEADER "time,poa_global,temp_air,wind_speed,temp_module,p_dc_kw," \
	       "p_ac_kw\n"
#define ROW1 "2025-06-21T10:00:00+08:00,400,20,2,25,38,36\n"

static void test_csv_errors(void **state)
{
	(void)state;
	parse_fails("", "line 1: no header");
	parse_fails("time,poa_global,temp_air,wind_speed,temp_module,"
		    "p_dc_kw\n", "line 1: the header has no column 'p_ac_kw'");
	parse_fails("time,time,poa_global\n", "line 1: column 'time' given "
		    "twice");
	parse_fails(HEADER ROW1 "2025-06-21T10:15:00+08:00,abc,20,2,25,38,36\n",
		    "line 3, column 'poa_global': 'abc' is not a number");
	parse_fails(HEADER ROW1 "2025-06-21T10:15:00+08:00,400,20,2,25,38,\n",
		    "line 3, column 'p_ac_kw': '' is not a number");
	parse_fails(HEADER "2025-06-21 10:00,400,20,2,25,38,36\n",
		    "line 2, column 'time': '2025-06-21 10:00' is not a time");
	parse_fails(HEADER ROW1 ROW1, "line 3, column 'time': not after");
	parse_fails(HEADER "2025-06-21T10:00:00Z,400,20,2,25,38\n",
		    "line 2: 6 fields, the header has 7");
	parse_fails(HEADER "2025-06-21T10:00:00Z,nan,20,2,25,38,36\n",
		    "line 2, column 'poa_global': 'nan' is not a number");
	parse_fails(HEADER "2025-06-21T10:00:00Z,1e999,20,2,25,38,36\n",
		    "line 2, column 'poa_global'");
	parse_fails(HEADER "2025-06-21T10:00:00Z,5000,20,2,25,38,36\n",
		    "line 2, column 'poa_global': 5000 is out of range");
	parse_fails(HEADER "2025-06-21T10:00:00Z,500,20,-2,25,38,36\n",
		    "line 2, column 'wind_speed': -2 is out of range");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_by_hand),
		cmocka_unit_test(test_metrics_night),
		cmocka_unit_test(test_csv_ok),
		cmocka_unit_test(test_csv_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
