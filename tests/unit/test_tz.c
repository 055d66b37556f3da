/*
 * The one day boundary (util/tz.c: tz_day_start_ms, tz_day_next_ms,
 * tz_local_day): a site's day in its own zone at fixed instants, across
 * daylight-saving changes and a skipped midnight, whatever the process's TZ
 * (tests/run.sh runs this once more under TZ=America/New_York and UTC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "util/tz.h"

#define H INT64_C(3600000)

static struct tz *load(const char *name)
{
	struct tz *z = malloc(sizeof(*z));
	struct err e = { 0 };

	assert_non_null(z);
	assert_int_equal(tz_load(name, NULL, z, &e), 0);
	return z;
}

static void shanghai_days(void **state)
{
	struct tz *z = load("Asia/Shanghai");
	/* 2026-07-20T00:00:00+08:00 and the day after */
	int64_t d0 = INT64_C(1784476800000), d1 = INT64_C(1784563200000);

	(void)state;
	assert_true(tz_day_start_ms(z, d0) == d0);
	assert_true(tz_day_start_ms(z, d0 + 10 * H) == d0);
	assert_true(tz_day_start_ms(z, d1 - 1) == d0);
	assert_true(tz_day_start_ms(z, d0 - 1) == d0 - 24 * H);
	/* 2026-07-19T23:30Z is 07:30 on the 20th in Shanghai */
	assert_true(tz_day_start_ms(z, d0 + 23 * H + H / 2) == d0);
	assert_true(tz_day_next_ms(z, d0 + 5 * H) == d1);
	assert_true(tz_local_day(z, d0) + 1 == tz_local_day(z, d1));
	assert_true(tz_day_number_start_ms(z, tz_local_day(z, d0)) == d0);
	free(z);
}

static void dst_days(void **state)
{
	struct tz *z = load("America/New_York");
	/* 2026-03-08 (23 h) and 2026-11-01 (25 h), local midnights */
	int64_t m8 = INT64_C(1772946000000), m9 = INT64_C(1773028800000);
	int64_t n1 = INT64_C(1793505600000), n2 = INT64_C(1793595600000);

	(void)state;
	assert_true(tz_day_start_ms(z, m8 + 12 * H) == m8);
	assert_true(tz_day_next_ms(z, m8) == m9);
	assert_true(m9 - m8 == 23 * H);
	assert_true(tz_day_start_ms(z, m9 - 1) == m8);
	assert_true(tz_day_next_ms(z, n1 + 24 * H) == n2);
	assert_true(n2 - n1 == 25 * H);
	assert_true(tz_day_start_ms(z, n2 - 1) == n1);
	free(z);
}

static void skipped_midnight(void **state)
{
	/* Havana skips 00:00-01:00 on 2026-03-08: the day starts at 01:00
	 * CDT, 05:00 UTC */
	struct tz *z = load("America/Havana");
	int64_t first = INT64_C(1772946000000);

	(void)state;
	assert_true(tz_day_start_ms(z, first + 3 * H) == first);
	assert_true(tz_day_next_ms(z, first - H) == first);
	free(z);
}

static void fixed_zone(void **state)
{
	struct tz z;

	(void)state;
	tz_fixed(&z, 330 * 60, "+05:30");
	assert_int_equal(tz_offset_at(&z, 0), 330 * 60);
	/* 1970-01-01T00:00+05:30 is 1969-12-31T18:30Z */
	assert_true(tz_day_start_ms(&z, 0) == -(330 * 60000));
	assert_true(tz_day_next_ms(&z, 0) == 24 * H - 330 * 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shanghai_days),
		cmocka_unit_test(dst_days),
		cmocka_unit_test(skipped_midnight),
		cmocka_unit_test(fixed_zone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
