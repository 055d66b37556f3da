/*
 * Unit tests of pv/spa (NREL SPA), its fast series, pv/pvtime and
 * util/g17.
 *
 * The worked example of Reda & Andreas 2004 (Table A5.1, with its inputs
 * in section A5: Golden, Colorado, 2003-10-17 12:30:30 local standard time
 * -07:00, latitude 39.742476, longitude -105.1786, elevation 1830.14 m,
 * pressure 820 mbar, temperature 11 degC, delta_t 67 s, surface slope 30
 * and azimuth rotation -10 from south) is held to the digits the paper
 * prints.  The same example's intermediate values, as pvlib-python carries
 * them in tests/test_spa.py (module constants and class SpaBase), are held
 * to that test's decimals; its alt2pres values to tests/test_atmosphere.py
 * test_alt2pres.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pv/irradiance.h"
#include "pv/pvtime.h"
#include "pv/spa.h"
#include "util/g17.h"

#define assert_near(actual, expected, tol)                                \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)
/* Within half a unit of the last printed decimal. */
#define assert_printed(actual, printed, decimals)                        \
	assert_near(actual, printed, 0.5 * pow(10.0, -(decimals)))

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.12f, expected %.12f within %g", file,
			 line, what, actual, expected, tol);
}

/* 2003-10-17T12:30:30-07:00 = 19:30:30 UTC. */
#define GOLDEN_UNIX 1066419030.0

static const struct pv_spa_site golden = {
	.latitude = 39.742476,
	.longitude = -105.1786,
	.altitude = 1830.14,
	.pressure = 82000.0, /* 820 mbar */
	.temperature = 11.0,
	.atmos_refract = 0.5667,
};

/* Reda & Andreas 2004, Table A5.1: the figures as printed. */
static void test_golden_paper(void **state)
{
	struct pv_spa_sun s;
	struct pv_spa_topo t;

	(void)state;
	pv_spa_sun(GOLDEN_UNIX, 67.0, &s);
	pv_spa_topo(&s, &golden, &t);
	assert_printed(s.jd, 2452930.312847, 6);
	assert_printed(s.l, 24.0182616917, 10);
	assert_printed(s.b, -0.0001011219, 10);
	assert_printed(s.r, 0.9965422974, 10);
	assert_printed(s.theta, 204.0182616917, 10);
	assert_printed(s.beta, 0.0001011219, 10);
	assert_printed(s.delta_psi, -0.00399840, 8);
	assert_printed(s.delta_epsilon, 0.00166657, 8);
	assert_printed(s.epsilon, 23.440465, 6);
	assert_printed(s.lambda, 204.0085519281, 10);
	assert_printed(s.alpha, 202.22741, 5);
	assert_printed(s.delta, -9.31434, 5);
	/* the result: topocentric zenith and azimuth */
	assert_printed(t.theta, 50.11162, 5);
	assert_printed(t.phi, 194.34024, 5);
	/* the incidence on the paper's surface (slope 30, rotation -10 from
	 * south, i.e. azimuth 170 east of north): 25.18700 */
	assert_printed(pv_aoi(30.0, 170.0, t.theta, t.phi), 25.18700, 5);
}

/* pvlib tests/test_spa.py: the module constants of the same example, each
 * to the decimals its SpaBase test asserts (assert_almost_equal(x, y, d):
 * |x - y| < 1.5 10^-d), with the whole chain computed here rather than
 * each step from the previous step's rounded constant. */
#define assert_decimal(actual, expected, d)                              \
	assert_near(actual, expected, 1.5 * pow(10.0, -(d)))

static void test_golden_pvlib(void **state)
{
	struct pv_spa_sun s;
	struct pv_spa_topo t;
	struct pv_solpos p;

	(void)state;
	pv_spa_sun(GOLDEN_UNIX, 67.0, &s);
	pv_spa_topo(&s, &golden, &t);
	assert_decimal(s.jd, 2452930.312847, 6);     /* test_julian_day_dt */
	assert_decimal(s.jde, 2452930.313623, 5);    /* ..._ephemeris_day */
	assert_decimal(s.jc, 0.0379277986858, 6);    /* test_julian_century */
	assert_decimal(s.jce, 0.037927819916852, 10);
	assert_decimal(s.jme, 0.003792781991685, 10);
	assert_decimal(s.l, 24.0182616917, 6);       /* test_heliocentric_* */
	assert_decimal(s.b, -0.0001011219, 6);
	assert_decimal(s.r, 0.9965422974, 6);
	assert_decimal(s.theta, 204.0182616917, 6);  /* test_geocentric_* */
	assert_decimal(s.beta, 0.0001011219, 6);
	assert_decimal(s.x[0], 17185.861179, 5);     /* test_mean_elongation */
	assert_decimal(s.x[1], 1722.893218, 5);
	assert_decimal(s.x[2], 18234.075703, 5);
	assert_decimal(s.x[3], 18420.071012, 5);
	assert_decimal(s.x[4], 51.686951, 6);
	assert_decimal(s.delta_psi, -0.00399840, 6); /* ..._obliquity_nutation */
	assert_decimal(s.delta_epsilon, 0.00166657, 6);
	assert_decimal(s.epsilon0, 84379.672625, 6);
	assert_decimal(s.epsilon, 23.440465, 6);
	assert_decimal(s.delta_tau, -0.005711, 6);
	assert_decimal(s.lambda, 204.0085519281, 6);
	assert_decimal(s.nu0, 318.515579, 3);
	assert_decimal(s.nu, 318.511910, 5);
	assert_decimal(s.alpha, 202.227408, 6);
	assert_decimal(s.delta, -9.31434, 6);
	assert_decimal(s.eot, 14.64, 2);             /* test_equation_of_time */
	assert_decimal(t.h, 11.10590, 4);            /* test_local_hour_angle */
	assert_decimal(t.xi, 0.002451, 6);
	assert_decimal(t.delta_alpha, -0.000369, 4);
	assert_decimal(t.alpha_prime, 202.22704, 5);
	assert_decimal(t.delta_prime, -9.316179, 5);
	assert_decimal(t.h_prime, 11.10627, 5);
	assert_decimal(t.e0, 39.872046, 6);
	assert_decimal(t.delta_e, 0.016332, 6);
	assert_decimal(t.e, 39.888378, 6);
	assert_decimal(t.theta, 50.11162, 5);
	assert_decimal(t.gamma, 14.340241, 5);
	assert_decimal(t.phi, 194.340241, 5);
	/* test_solar_position: theta, theta0, e, e0, Phi to 5 decimals */
	pv_spa_solpos(GOLDEN_UNIX, 67.0, &golden, &p);
	assert_decimal(p.apparent_zenith, 50.11162, 5);
	assert_decimal(p.zenith, 90 - 39.872046, 5);
	assert_decimal(p.apparent_elevation, 39.888378, 5);
	assert_decimal(p.elevation, 39.872046, 5);
	assert_decimal(p.azimuth, 194.340241, 5);
	assert_decimal(p.equation_of_time, 14.64, 2);
}

/* pvlib tests/test_atmosphere.py test_alt2pres (atol 0.001 Pa). */
static void test_alt2pres(void **state)
{
	(void)state;
	assert_near(pv_alt2pres(-100), 102532.073, 1e-3);
	assert_near(pv_alt2pres(0), 101324.999, 1e-3);
	assert_near(pv_alt2pres(1000), 89874.750, 1e-3);
	assert_near(pv_alt2pres(8000), 35600.496, 1e-3);
}

/* Below -(0.26667 + atmos_refract) the refraction is 0 (pvlib's switch):
 * apparent and true zenith agree at midnight. */
static void test_night_no_refraction(void **state)
{
	struct pv_solpos p;

	(void)state;
	pv_spa_solpos(GOLDEN_UNIX + 12 * 3600, 67.0, &golden, &p);
	assert_true(p.zenith > 120);
	assert_true(p.apparent_zenith == p.zenith);
	assert_true(p.azimuth >= 0 && p.azimuth < 360);
}

/* The fast series agrees with the direct evaluation within 1e-9 degrees
 * (and the equation of time within 1e-9 minutes) over a year of minutes
 * at the PV park (Mulei, 43.83 N 90.28 E, 1300 m), sampled every 97th
 * minute, and over an hourly series of ten years. */
static void series_vs_direct(double t0, double step, long n, long every)
{
	struct pv_spa_site mulei = { 43.83, 90.28, 1300.0,
				     pv_alt2pres(1300.0), 12.0, 0.5667 };
	struct pv_spa_series ser;
	double worst = 0.0;

	pv_spa_series_init(&ser, t0, step, 67.0);
	for (long i = 0; i < n; i++) {
		struct pv_spa_sun a, b;
		struct pv_spa_topo ta, tb;
		double d;

		pv_spa_series_next(&ser, &a);
		if (i % every)
			continue;
		pv_spa_topo(&a, &mulei, &ta);
		pv_spa_sun(t0 + (double)i * step, 67.0, &b);
		pv_spa_topo(&b, &mulei, &tb);
		d = fabs(ta.theta - tb.theta);
		d = fmax(d, fabs(ta.theta0 - tb.theta0));
		d = fmax(d, fmin(fabs(ta.phi - tb.phi),
				 360 - fabs(ta.phi - tb.phi)));
		d = fmax(d, fabs(a.eot - b.eot));
		worst = fmax(worst, d);
	}
	if (!(worst < 1e-9))
		fail_msg("series differs from direct by %g", worst);
}

static void test_series_matches_direct(void **state)
{
	(void)state;
	series_vs_direct(1735660800.0, 60.0, 525600, 97); /* 2025, minutes */
	series_vs_direct(1735660800.0, 3600.0, 87600, 7); /* ten years, hours */
	series_vs_direct(1735660800.0, 1.0, 100000, 13);  /* seconds */
}

/* ---------------------------------------------------------------------- */
/* pvtime                                                                  */

static void test_time_parse_format(void **state)
{
	struct err e;
	int64_t ms;
	int off;
	char b[PV_TIME_MAX];
	const char *s = "2025-06-21T14:00:00+08:00";

	(void)state;
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e), 0);
	assert_int_equal(off, 480);
	assert_true(ms == INT64_C(1750485600000));
	pv_time_format(ms, off, 0, b);
	assert_string_equal(b, s);
	pv_time_format(ms, 0, 1, b);
	assert_string_equal(b, "2025-06-21T06:00:00Z");
	s = "2003-10-17T12:30:30.25-07:00";
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e), 0);
	assert_true(ms == INT64_C(1066419030250));
	pv_time_format(ms, off, 0, b);
	assert_string_equal(b, "2003-10-17T12:30:30.250-07:00");
	/* no offset, bad dates, junk: refused */
	s = "2025-06-21T14:00:00";
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e),
			 ERR_INVALID);
	s = "2025-02-29T00:00:00Z";
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e),
			 ERR_INVALID);
	s = "2025-06-21T14:00:00+8:00";
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e),
			 ERR_INVALID);
	s = "2025-06-21T14:00:00.1234Z";
	assert_int_equal(pv_time_parse(s, strlen(s), &ms, &off, &e),
			 ERR_INVALID);
}

/* ---------------------------------------------------------------------- */
/* g17                                                                     */

static void check_g17(double x)
{
	char a[G17_MAX], b[64];

	g17_format(x, a);
	snprintf(b, sizeof(b), "%.17g", x);
	if (strcmp(a, b))
		fail_msg("g17(%a) = %s, printf %s", x, a, b);
}

static void test_g17_matches_printf(void **state)
{
	static const double edges[] = {
		0.0, -0.0, 0.1, 0.5, 1.0, 2.5, 1e-4, 9.9999999999999991e-5,
		0.00010000000000000001, 1e16, 1e17, 99999999999999984.0,
		1e15 + 0.5, 0.30000000000000004, 5e-324, 1.7976931348623157e308,
		194.34024051024002, 50.111622024036969, -59.227580254340218,
		123456789012345678.0, 1e300, -1e-300,
	};
	uint64_t r = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_g17(edges[i]);
	check_g17(NAN);
	check_g17(INFINITY);
	for (long i = 0; i < 1000000; i++) {
		double x;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		if (i % 2) {
			memcpy(&x, &r, sizeof(x));
			if (!isfinite(x))
				continue;
		} else {
			x = ldexp((double)(r >> 11), -53) *
			    pow(10, (int)(r % 24) - 6) * ((r >> 5) & 1 ? -1 : 1);
		}
		check_g17(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_paper),
		cmocka_unit_test(test_golden_pvlib),
		cmocka_unit_test(test_alt2pres),
		cmocka_unit_test(test_night_no_refraction),
		cmocka_unit_test(test_series_matches_direct),
		cmocka_unit_test(test_time_parse_format),
		cmocka_unit_test(test_g17_matches_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
