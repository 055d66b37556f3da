/*
 * sim/: the simulated weather stays within documented physical bounds at
 * Manas through a whole year, is reproducible, and the simulated field
 * dries with evapotranspiration and wets with irrigation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "sim/clock.h"
#include "sim/demo.h"
#include "sim/demo_imagery.h"
#include "sim/field.h"
#include "sim/weather.h"
#include "util/timeutil.h"

#define Y2026 (time_days_from_civil(2026, 1, 1) * MS_PER_DAY)

static void weather_within_physical_bounds_all_year(void **state)
{
	struct sim_weather w;

	(void)state;
	for (int64_t t = Y2026; t < Y2026 + 365 * MS_PER_DAY; t += 7 * MS_PER_MINUTE) {
		sim_weather_at(7, 1, t, &w);
		assert_true(w.rh >= 0 && w.rh <= 100);
		assert_true(w.solar_rad >= 0 && w.solar_rad < 1100);
		assert_true(w.air_temp > -40 && w.air_temp < 45);
		assert_true(w.wind_speed >= 0 && w.wind_speed < 40);
		assert_true(w.wind_dir >= 0 && w.wind_dir < 360);
		assert_true(w.pressure > 930 && w.pressure < 990);
		assert_true(w.rain == 0 || w.rain == 0.2);
	}
}

static void radiation_is_zero_at_night(void **state)
{
	struct sim_weather w;

	(void)state;
	/* 20:00 UTC is about 01:45 solar time at 86.2 E */
	for (int d = 0; d < 365; d += 5) {
		sim_weather_at(3, 0, Y2026 + d * MS_PER_DAY + 20 * MS_PER_HOUR, &w);
		assert_true(w.solar_rad == 0.0);
	}
	/* and the sun shines at solar noon (about 06:15 UTC) on 1 July */
	sim_weather_at(3, 0, Y2026 + 181 * MS_PER_DAY + 6 * MS_PER_HOUR + 15 * MS_PER_MINUTE, &w);
	assert_true(w.solar_rad > 250);
}

/* Manas normals: July maxima in the low thirties, January minima near -20. */
static void seasons_are_plausible_for_manas(void **state)
{
	double july_max = -100, july_min = 100, jan_min = 100, jan_max = -100;
	struct sim_weather w;

	(void)state;
	for (int64_t t = Y2026 + 181 * MS_PER_DAY; t < Y2026 + 212 * MS_PER_DAY;
	     t += 10 * MS_PER_MINUTE) {
		sim_weather_at(11, 2, t, &w);
		july_max = fmax(july_max, w.air_temp);
		july_min = fmin(july_min, w.air_temp);
	}
	for (int64_t t = Y2026; t < Y2026 + 31 * MS_PER_DAY; t += 10 * MS_PER_MINUTE) {
		sim_weather_at(11, 2, t, &w);
		jan_min = fmin(jan_min, w.air_temp);
		jan_max = fmax(jan_max, w.air_temp);
	}
	assert_true(july_max > 28 && july_max < 42);
	assert_true(july_min > 8 && july_min < 22);
	assert_true(jan_min > -35 && jan_min < -12);
	assert_true(jan_max > -12 && jan_max < 8);
}

static void weather_is_reproducible_and_stations_differ(void **state)
{
	struct sim_weather a, b, c;
	int64_t t = Y2026 + 150 * MS_PER_DAY + 5 * MS_PER_HOUR;

	(void)state;
	sim_weather_at(42, 1, t, &a);
	sim_weather_at(42, 1, t, &b);
	sim_weather_at(42, 2, t, &c);
	assert_true(a.air_temp == b.air_temp && a.wind_dir == b.wind_dir);
	assert_true(a.air_temp != c.air_temp);
}

static void field_dries_in_summer_and_irrigation_wets_it(void **state)
{
	struct sim_field f;
	struct sim_weather w;
	int64_t t = Y2026 + 170 * MS_PER_DAY; /* mid June */
	double before, lowest = 100;
	bool irrigated = false;

	(void)state;
	sim_weather_at(5, 0, t, &w);
	sim_field_init(&f, 5, 1, 0.30, 0.12, 130000, 110, t, &w);
	before = f.theta[0];
	for (int i = 1; i <= 10 * 144; i++) {
		t += 10 * MS_PER_MINUTE;
		sim_weather_at(5, 0, t, &w);
		sim_field_step(&f, &w, t);
		for (int k = 0; k < 3; k++)
			assert_true(f.theta[k] >= 12 * 0.7 && f.theta[k] <= 38);
		lowest = fmin(lowest, f.theta[0]);
		irrigated |= f.irrigating;
	}
	assert_true(lowest < before - 2);  /* evapotranspiration dried it */
	assert_true(irrigated);            /* and a drip irrigation came */
	assert_true(f.volume > 1000);      /* about 32 mm over 13 ha */
}

static void valve_command_opens_and_closes(void **state)
{
	struct sim_field f;
	struct sim_weather w;
	int64_t t = Y2026 + 20 * MS_PER_DAY;
	double before;

	(void)state;
	sim_weather_at(5, 0, t, &w);
	sim_field_init(&f, 5, 2, 0.30, 0.12, 130000, 110, t, &w);
	before = f.theta[0];
	sim_field_valve(&f, t, t + MS_PER_HOUR);
	assert_true(f.irrigating && f.flow > 0);
	sim_field_step(&f, &w, t + 30 * MS_PER_MINUTE);
	assert_true(f.theta[0] > before);
	sim_field_step(&f, &w, t + 2 * MS_PER_HOUR);
	assert_false(f.irrigating);
	assert_true(f.flow == 0);
}

/* The demo's NDVI: bare soil, green-up, full canopy, defoliation, harvest. */
static void demo_ndvi_follows_the_season(void **state)
{
	(void)state;
	assert_true(fabs(demo_ndvi(-5, 1) - 0.13) < 1e-12);
	assert_true(demo_ndvi(10, 1) < 0.16);
	assert_true(fabs(demo_ndvi(55, 1) - (0.13 + 0.35)) < 1e-12);
	assert_true(demo_ndvi(110, 1) > 0.82 && demo_ndvi(110, 1) < 0.83);
	for (int d = 1; d <= 135; d++)
		assert_true(demo_ndvi(d, 1) >= demo_ndvi(d - 1, 1));
	for (int d = 137; d <= 190; d++)
		assert_true(demo_ndvi(d, 1) < demo_ndvi(d - 1, 1));
	assert_true(fabs(demo_ndvi(200, 1) - 0.13) < 1e-12);
	/* a weak plot (vigour 0.72) is 0.2 below at full canopy: flagged */
	assert_true(demo_ndvi(110, 1) - demo_ndvi(110, 0.72) > 0.19);
}

/* At fixed instants, never today's: tillage in October, none in December. */
static void tractors_work_by_day_in_the_field_seasons(void **state)
{
	int64_t oct20 = time_days_from_civil(2026, 10, 20) * MS_PER_DAY;
	int64_t dec7 = time_days_from_civil(2026, 12, 7) * MS_PER_DAY;
	int64_t apr15 = time_days_from_civil(2026, 4, 15) * MS_PER_DAY;
	int64_t jul20 = time_days_from_civil(2026, 7, 20) * MS_PER_DAY;

	(void)state;
	/* 04:00 UTC is about 09:45 solar time at Manas (86.2 E) */
	assert_true(demo_tractor_at_work(oct20 + 6 * MS_PER_HOUR));
	assert_true(demo_tractor_at_work(apr15 + 6 * MS_PER_HOUR));
	assert_false(demo_tractor_at_work(oct20 + 18 * MS_PER_HOUR)); /* night */
	assert_false(demo_tractor_at_work(oct20 + 2 * MS_PER_HOUR));  /* 07:45 */
	assert_false(demo_tractor_at_work(dec7 + 6 * MS_PER_HOUR));   /* winter */
	assert_false(demo_tractor_at_work(jul20 + 6 * MS_PER_HOUR));  /* growing */
}

/* A clock started at an instant reads it, and runs on at the real pace. */
static void a_clock_started_at_an_instant_reads_it(void **state)
{
	struct sim_clock real = SIM_CLOCK_REAL, c;
	int64_t at = time_days_from_civil(2026, 7, 20) * MS_PER_DAY, now;

	(void)state;
	sim_clock_start_at(&c, at);
	now = sim_clock_now(&c);
	assert_true(now >= at && now < at + 5 * MS_PER_SECOND);
	assert_true(llabs(sim_clock_now(&real) - time_now_ms()) < MS_PER_SECOND);
	assert_int_equal(sim_clock_behind_ms(&real), 0);
	sim_clock_start_at(&c, time_now_ms() + MS_PER_DAY);
	assert_int_equal(sim_clock_behind_ms(&c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weather_within_physical_bounds_all_year),
		cmocka_unit_test(radiation_is_zero_at_night),
		cmocka_unit_test(seasons_are_plausible_for_manas),
		cmocka_unit_test(weather_is_reproducible_and_stations_differ),
		cmocka_unit_test(field_dries_in_summer_and_irrigation_wets_it),
		cmocka_unit_test(valve_command_opens_and_closes),
		cmocka_unit_test(demo_ndvi_follows_the_season),
		cmocka_unit_test(tractors_work_by_day_in_the_field_seasons),
		cmocka_unit_test(a_clock_started_at_an_instant_reads_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
