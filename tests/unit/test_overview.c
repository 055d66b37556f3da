/* overview/: the pure parts, the wind rose's binning and the soil moisture
 * by depth, against values counted by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overview/overview.h"

/*
 * Directions and speeds by time stamp (ms):
 *   1000:   0.0 deg, 0.5 m/s  -> N,   class 0 (0-2)
 *   2000:  11.24,    2.0      -> N,   class 1 (2-4; 2 is its lower bound)
 *   3000:  11.25,    3.9      -> NNE, class 1 (11.25 starts sector 1)
 *   4000: 350.0,     8.0      -> N,   class 4 (350 + 11.25 wraps to 1.25)
 *   5000: 180.0,    12.0      -> S (sector 8), class 4 (8 and more)
 *   6000:  90.0, no speed at 6000 (one at 6500): not counted
 *   7000: 270.0,     6.0      -> W (sector 12), class 3
 *   8000:  45.0, no speed after 7000: not counted
 */
static void wind_rose_bins_by_hand(void **state)
{
	const struct ts_point dir[] = {
		{ 1000, 0.0 }, { 2000, 11.24 }, { 3000, 11.25 }, { 4000, 350.0 },
		{ 5000, 180.0 }, { 6000, 90.0 }, { 7000, 270.0 }, { 8000, 45.0 },
	};
	const struct ts_point spd[] = {
		{ 1000, 0.5 }, { 2000, 2.0 }, { 3000, 3.9 }, { 4000, 8.0 },
		{ 5000, 12.0 }, { 6500, 1.0 }, { 7000, 6.0 },
	};
	uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES] = { { 0 } };
	uint64_t samples = 0, total = 0;
	json_t *j, *row;

	(void)state;
	overview_rose_add(dir, 8, spd, 7, counts, &samples);
	assert_int_equal(samples, 6);
	assert_int_equal(counts[0][0], 1);
	assert_int_equal(counts[0][1], 1);
	assert_int_equal(counts[0][4], 1);
	assert_int_equal(counts[1][1], 1);
	assert_int_equal(counts[8][4], 1);
	assert_int_equal(counts[12][3], 1);
	for (int s = 0; s < OVERVIEW_ROSE_SECTORS; s++)
		for (int k = 0; k < OVERVIEW_ROSE_CLASSES; k++)
			total += counts[s][k];
	assert_int_equal(total, 6);

	j = overview_rose_json(
		(const uint64_t (*)[OVERVIEW_ROSE_CLASSES])counts, samples);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "hours")), 24);
	assert_int_equal(json_integer_value(json_object_get(j, "samples")), 6);
	assert_int_equal(json_array_size(json_object_get(j, "counts")), 16);
	row = json_array_get(json_object_get(j, "counts"), 0);
	assert_int_equal(json_integer_value(json_array_get(row, 0)), 1);
	assert_int_equal(json_integer_value(json_array_get(row, 1)), 1);
	assert_int_equal(json_integer_value(json_array_get(row, 2)), 0);
	assert_int_equal(json_integer_value(json_array_get(row, 4)), 1);
	assert_true(json_real_value(json_array_get(
		json_object_get(j, "speed_classes_ms"), 4)) == 8.0);
	json_decref(j);
}

static void no_pairs_no_samples(void **state)
{
	const struct ts_point dir[] = { { 1000, 10.0 } };
	const struct ts_point spd[] = { { 2000, 3.0 } };
	uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES] = { { 0 } };
	uint64_t samples = 0;

	(void)state;
	overview_rose_add(dir, 1, spd, 1, counts, &samples);
	overview_rose_add(dir, 1, NULL, 0, counts, &samples);
	assert_int_equal(samples, 0);
}

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

/* 10 cm: 20 and 26 -> mean 23, min 20, max 26, n 2; 40 cm: 30 alone. */
static void moisture_by_depth_by_hand(void **state)
{
	struct overview_depths d;
	json_t *j, *ten, *forty;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_non_null(overview_depths_add(&d, "moisture_10cm", 20.0));
	assert_non_null(overview_depths_add(&d, "moisture_40cm", 30.0));
	assert_non_null(overview_depths_add(&d, "moisture_10cm", 26.0));
	assert_int_equal(d.n, 2);
	j = overview_depths_json(&d);
	assert_int_equal(json_array_size(j), 2);
	ten = json_array_get(j, 0);
	forty = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(ten, "metric")),
			    "moisture_10cm");
	assert_true(num(ten, "value") == 23.0);
	assert_true(num(ten, "min") == 20.0);
	assert_true(num(ten, "max") == 26.0);
	assert_int_equal(json_integer_value(json_object_get(ten, "n")), 2);
	assert_string_equal(json_string_value(json_object_get(ten, "unit")),
			    "%vol");
	assert_string_equal(json_string_value(json_object_get(forty, "metric")),
			    "moisture_40cm");
	assert_true(num(forty, "value") == 30.0);
	assert_int_equal(json_integer_value(json_object_get(forty, "n")), 1);
	json_decref(j);
}

static void depths_are_bounded_and_empty_is_null(void **state)
{
	struct overview_depths d;
	struct overview_stat empty = { 0 };
	char name[32];
	json_t *j;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (int i = 0; i < OVERVIEW_MAX_DEPTHS; i++) {
		snprintf(name, sizeof(name), "moisture_%dcm", 10 * (i + 1));
		assert_non_null(overview_depths_add(&d, name, 1.0));
	}
	assert_null(overview_depths_add(&d, "moisture_99cm", 1.0));
	/* a known depth is still counted once the table is full */
	assert_non_null(overview_depths_add(&d, "moisture_10cm", 3.0));
	assert_true(d.stat[0].sum == 4.0 && d.stat[0].n == 2);
	j = overview_stat_json(&empty, "%vol");
	assert_true(json_is_null(j));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wind_rose_bins_by_hand),
		cmocka_unit_test(no_pairs_no_samples),
		cmocka_unit_test(moisture_by_depth_by_hand),
		cmocka_unit_test(depths_are_bounded_and_empty_is_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
