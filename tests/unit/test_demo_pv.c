/*
 * sim/demo_pv.c: the demo's PV park at Mulei.  The sun is Mulei's (the
 * zenith at the June solstice's solar noon is the latitude minus the
 * declination), the weather stays within physical bounds all year, and
 * the faults are where docs/PV.md says: the AGC window, the trip a quarter
 * of an hour after the start (by day) or at 11:00, yesterday's trip, the
 * low string at 78 % of its box, a tripped inverter's strings at zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/demo_pv.h"
#include "util/timeutil.h"

#define HOUR MS_PER_HOUR
/* local midnight (UTC+8) of a date, as UTC milliseconds */
#define LOCAL_MIDNIGHT(y, m, d) \
	(time_days_from_civil(y, m, d) * MS_PER_DAY - 8 * HOUR)

static void the_sky_stays_within_bounds_all_year(void **state)
{
	int64_t y0 = LOCAL_MIDNIGHT(2026, 1, 1);
	struct demo_pv_sky s;

	(void)state;
	for (int64_t t = y0; t < y0 + 365 * MS_PER_DAY; t += 13 * MS_PER_MINUTE) {
		demo_pv_sky_at(3, t, &s);
		assert_true(s.ghi >= 0 && s.ghi < 1100);
		assert_true(s.poa >= 0 && s.poa < 1300);
		assert_true(s.temp_air > -40 && s.temp_air < 42);
		assert_true(s.temp_module > -45 && s.temp_module < 85);
		assert_true(s.wind >= 1 && s.wind <= 5);
		if (s.zenith > 90)
			assert_true(s.ghi == 0 && s.poa == 0);
	}
}

static void the_sun_is_mulei_s(void **state)
{
	struct demo_pv_sky s;
	double best = 180;
	int64_t at = 0;

	(void)state;
	/* solar noon at 90.28 E is about 13:58 at UTC+8 */
	for (int64_t t = LOCAL_MIDNIGHT(2026, 6, 21) + 13 * HOUR;
	     t < LOCAL_MIDNIGHT(2026, 6, 21) + 15 * HOUR; t += MS_PER_MINUTE) {
		demo_pv_sky_at(1, t, &s);
		if (s.zenith < best) {
			best = s.zenith;
			at = t;
		}
	}
	/* 43.83 - 23.44, less a few hundredths of refraction */
	assert_true(best > 20.3 && best < 20.45);
	assert_true(at >= LOCAL_MIDNIGHT(2026, 6, 21) + 13 * HOUR + 50 * MS_PER_MINUTE &&
		    at <= LOCAL_MIDNIGHT(2026, 6, 21) + 14 * HOUR + 5 * MS_PER_MINUTE);
	demo_pv_sky_at(1, LOCAL_MIDNIGHT(2026, 6, 21) + 2 * HOUR, &s);
	assert_true(s.zenith > 90 && s.ghi == 0);
}

static void agc_curtails_from_noon_to_two(void **state)
{
	int64_t day = LOCAL_MIDNIGHT(2026, 7, 1);

	(void)state;
	assert_true(demo_pv_setpoint(day + 12 * HOUR - MS_PER_MINUTE) == 6600);
	assert_true(fabs(demo_pv_setpoint(day + 12 * HOUR) - 3960) < 1e-9);
	assert_true(fabs(demo_pv_setpoint(day + 14 * HOUR - MS_PER_MINUTE) - 3960) < 1e-9);
	assert_true(demo_pv_setpoint(day + 14 * HOUR) == 6600);
}

static void the_trips_are_planned_from_the_start(void **state)
{
	int64_t day = LOCAL_MIDNIGHT(2026, 7, 1);
	struct demo_pv *p;

	(void)state;
	/* by day: a quarter of an hour after the start, for three hours */
	p = demo_pv_new(1, day + 10 * HOUR, 0);
	assert_false(demo_pv_tripped(p, day + 10 * HOUR + 14 * MS_PER_MINUTE));
	assert_true(demo_pv_tripped(p, day + 10 * HOUR + 15 * MS_PER_MINUTE));
	assert_true(demo_pv_tripped(p, day + 13 * HOUR + 14 * MS_PER_MINUTE));
	assert_false(demo_pv_tripped(p, day + 13 * HOUR + 15 * MS_PER_MINUTE));
	/* and yesterday from 11:00 to 13:00 */
	assert_false(demo_pv_tripped(p, day - 13 * HOUR - MS_PER_MINUTE));
	assert_true(demo_pv_tripped(p, day - 13 * HOUR));
	assert_true(demo_pv_tripped(p, day - 11 * HOUR - MS_PER_MINUTE));
	assert_false(demo_pv_tripped(p, day - 11 * HOUR));
	demo_pv_close(p);
	/* started at night: at 11:00 the next morning */
	p = demo_pv_new(1, day + 22 * HOUR, 0);
	assert_false(demo_pv_tripped(p, day + 22 * HOUR + 15 * MS_PER_MINUTE));
	assert_true(demo_pv_tripped(p, day + 35 * HOUR));
	demo_pv_close(p);
	p = demo_pv_new(1, day + 3 * HOUR, 0);
	assert_false(demo_pv_tripped(p, day + 3 * HOUR + 15 * MS_PER_MINUTE));
	assert_true(demo_pv_tripped(p, day + 11 * HOUR));
	demo_pv_close(p);
}

/* The readings of one minute, by device and metric. */
struct minute {
	struct { char device[32], metric[32]; double v; } r[256];
	int n;
};

static int take(void *ctx, const char *device, const char *metric, int64_t t,
		double v)
{
	struct minute *m = ctx;

	(void)t;
	assert_true(m->n < 256);
	snprintf(m->r[m->n].device, sizeof(m->r[m->n].device), "%s", device);
	snprintf(m->r[m->n].metric, sizeof(m->r[m->n].metric), "%s", metric);
	m->r[m->n++].v = v;
	return 0;
}

static double value(const struct minute *m, const char *device,
		    const char *metric)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->r[i].device, device) && !strcmp(m->r[i].metric, metric))
			return m->r[i].v;
	return NAN;
}

static int count(const struct minute *m, const char *metric)
{
	int n = 0;

	for (int i = 0; i < m->n; i++)
		n += !strcmp(m->r[i].metric, metric);
	return n;
}

static void a_minute_of_the_park(void **state)
{
	int64_t day = LOCAL_MIDNIGHT(2026, 7, 1);
	struct demo_pv *p = demo_pv_new(1, day + 10 * HOUR, day - MS_PER_DAY);
	struct minute *m = calloc(1, sizeof(*m));
	double sum = 0, box = 0;

	(void)state;
	/* before the history: nothing */
	assert_int_equal(demo_pv_minute(p, day - MS_PER_DAY - MS_PER_MINUTE, take, m), 0);
	assert_int_equal(m->n, 0);
	/* at night: no strings, inverters at rest */
	assert_int_equal(demo_pv_minute(p, day + 2 * HOUR, take, m), 0);
	assert_int_equal(count(m, "string_current"), 0);
	assert_true(value(m, "INV-B1-1", "p_ac") == 0);
	assert_true(value(m, "INV-B1-1", "inverter_state") == 0);
	/* 11:00, the trip under way: its strings carry nothing */
	m->n = 0;
	assert_int_equal(demo_pv_minute(p, day + 11 * HOUR, take, m), 0);
	assert_int_equal(count(m, "string_current"), 96);
	assert_true(value(m, "MET1", "poa_global") > 0);
	assert_true(value(m, DEMO_PV_TRIPPED, "p_ac") == 0);
	assert_true(value(m, DEMO_PV_TRIPPED, "fault_code") == 2011);
	assert_true(value(m, DEMO_PV_TRIPPED, "inverter_state") == 3);
	assert_true(value(m, "S-B2-3-1-01", "string_current") == 0);
	assert_true(value(m, "INV-B1-1", "inverter_state") == 1);
	/* the low string against its box's others (1 % noise) */
	for (int s = 1; s <= 8; s++) {
		char id[32];

		snprintf(id, sizeof(id), "S-B1-1-1-%02d", s);
		if (strcmp(id, DEMO_PV_LOW_STRING))
			box += value(m, id, "string_current") / 7;
	}
	assert_true(box > 0);
	assert_true(fabs(value(m, DEMO_PV_LOW_STRING, "string_current") / box - 0.78) < 0.015);
	/* 13:00: the plant follows the AGC set-point */
	m->n = 0;
	assert_int_equal(demo_pv_minute(p, day + 13 * HOUR, take, m), 0);
	assert_true(value(m, "MTR1", "agc_setpoint") == demo_pv_setpoint(day + 13 * HOUR));
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->r[i].metric, "p_ac") && strncmp(m->r[i].device, "INV", 3) == 0)
			sum += m->r[i].v;
	assert_true(sum <= 3960 + 0.5);
	assert_true(value(m, "MTR1", "p_ac") <= sum);
	free(m);
	demo_pv_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_sky_stays_within_bounds_all_year),
		cmocka_unit_test(the_sun_is_mulei_s),
		cmocka_unit_test(agc_curtails_from_noon_to_two),
		cmocka_unit_test(the_trips_are_planned_from_the_start),
		cmocka_unit_test(a_minute_of_the_park),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
