/*
 * Unit tests of agro/water_settings: a plot's own irrigation settings
 * parsed from its attributes, checked (every key, type and range, naming
 * the setting) and applied over the FAO-56 defaults; a gdd clock from
 * stage_gdd or from the calendar stages over the Manas climatology.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agro/season_sim.h"
#include "agro/water_settings.h"

static int parse_text(const char *text, struct water_settings *s,
		      struct err *e)
{
	json_t *v = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(v);
	rc = water_settings_parse(v, s, e);
	json_decref(v);
	return rc;
}

static void cotton(struct agro_plot *p)
{
	agro_plot_defaults(p, AGRO_CROP_COTTON);
	p->code = "T1";
}

static void test_no_settings(void **state)
{
	struct water_settings s;
	struct agro_plot p, d;
	struct err e;

	(void)state;
	assert_int_equal(water_settings_from_attributes(NULL, &s, &e), ERR_OK);
	assert_int_equal(water_settings_from_attributes("{\"farm\":\"x\"}", &s, &e),
			 ERR_OK);
	cotton(&p);
	cotton(&d);
	assert_int_equal(water_settings_apply(&s, 115, &p, &e), ERR_OK);
	assert_memory_equal(&p.season, &d.season, sizeof(p.season));
	assert_true(p.efficiency == d.efficiency && p.zr_max == d.zr_max);
}

static void test_calendar_overrides(void **state)
{
	struct water_settings s;
	struct agro_plot p;
	struct err e;

	(void)state;
	assert_int_equal(water_settings_from_attributes(
		"{\"water\":{\"stage_lengths\":[30,50,56,23],\"kc_ini\":0.4,"
		"\"kc_mid\":1.1,\"kc_end\":0.6,\"zr_min\":0.25,\"zr_max\":0.8,"
		"\"p\":0.6,\"efficiency\":0.85,\"mulch_factor\":0.8,"
		"\"refill\":0.9,\"nudge_gain\":0.5}}", &s, &e), ERR_OK);
	cotton(&p);
	assert_int_equal(water_settings_apply(&s, 115, &p, &e), ERR_OK);
	assert_int_equal(p.season.clock, AGRO_CLOCK_CALENDAR);
	/* cumulative ends of 30 / 50 / 56 / 23 days */
	assert_true(p.season.end[0] == 30 && p.season.end[1] == 80 &&
		    p.season.end[2] == 136 && p.season.end[3] == 159);
	assert_true(p.season.kc_ini == 0.4 && p.season.kc_mid == 1.1 &&
		    p.season.kc_end == 0.6);
	assert_true(p.zr_min == 0.25 && p.zr_max == 0.8 && p.p_table == 0.6);
	assert_true(p.efficiency == 0.85 && p.mulch_factor == 0.8 &&
		    p.refill == 0.9 && p.nudge_gain == 0.5);
}

static void test_gdd_from_stage_gdd(void **state)
{
	struct water_settings s;
	struct agro_plot p;
	struct err e;

	(void)state;
	assert_int_equal(parse_text("{\"clock\":\"gdd\",\"gdd_method\":\"effective\","
				    "\"t_base\":12,\"stage_gdd\":[100,400,600,200],"
				    "\"max_days\":170}", &s, &e), ERR_OK);
	cotton(&p);
	assert_int_equal(water_settings_apply(&s, 115, &p, &e), ERR_OK);
	assert_int_equal(p.season.clock, AGRO_CLOCK_THERMAL);
	assert_int_equal(p.season.gdd_method, AGRO_GDD_EFFECTIVE);
	assert_true(p.season.t_base == 12 && p.season.max_days == 170);
	assert_true(p.season.end[0] == 100 && p.season.end[1] == 500 &&
		    p.season.end[2] == 1100 && p.season.end[3] == 1300);
}

/*
 * Without stage_gdd, the Xinjiang calendar 30 / 50 / 56 / 23 from 25 April
 * (day 115) over the Manas climatology gives the thresholds of
 * docs/IRRIGATION.md ("Cotton at Manas"): 511, 1,673, 2,971, 3,347 degC
 * day of active temperature above 10 degC, to the nearest degC day.
 */
static void test_gdd_from_calendar(void **state)
{
	struct water_settings s;
	struct agro_plot p;
	struct err e;

	(void)state;
	assert_int_equal(parse_text("{\"clock\":\"gdd\","
				    "\"stage_lengths\":[30,50,56,23]}", &s, &e),
			 ERR_OK);
	cotton(&p);
	assert_int_equal(water_settings_apply(&s, 115, &p, &e), ERR_OK);
	assert_int_equal(p.season.clock, AGRO_CLOCK_THERMAL);
	assert_int_equal(p.season.gdd_method, AGRO_GDD_ACTIVE);
	assert_true(p.season.t_base == 10);
	assert_true(fabs(p.season.end[0] - 511) < 1);
	assert_true(fabs(p.season.end[1] - 1673) < 1);
	assert_true(fabs(p.season.end[2] - 2971) < 1);
	assert_true(fabs(p.season.end[3] - 3347) < 1);
	assert_true(p.season.max_days == 159 + 30);
}

static void expect_refused(const char *text, const char *what)
{
	struct water_settings s;
	struct err e = { 0 };

	assert_int_equal(parse_text(text, &s, &e), ERR_INVALID);
	if (!strstr(e.msg, what))
		fail_msg("'%s': message '%s' lacks '%s'", text, e.msg, what);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refused("{\"kc_mid\":2.5}", "water.kc_mid");
	expect_refused("{\"kc_ini\":\"high\"}", "water.kc_ini");
	expect_refused("{\"efficiency\":0}", "water.efficiency");
	expect_refused("{\"t_base\":50}", "water.t_base");
	expect_refused("{\"zr_min\":1.2,\"zr_max\":0.8}", "water.zr_min");
	expect_refused("{\"stage_lengths\":[1,2,3]}", "water.stage_lengths");
	expect_refused("{\"stage_lengths\":[1,2.5,3,4]}", "water.stage_lengths[1]");
	expect_refused("{\"stage_lengths\":[0,0,0,0]}", "add up to 0");
	expect_refused("{\"stage_gdd\":[1,2,3,-4]}", "water.stage_gdd[3]");
	expect_refused("{\"clock\":\"calendar\",\"stage_gdd\":[1,2,3,4]}",
		       "needs \"clock\": \"gdd\"");
	expect_refused("{\"stage_gdd\":[1,2,3,4]}", "needs \"clock\": \"gdd\"");
	expect_refused("{\"clock\":\"moon\"}", "water.clock");
	expect_refused("{\"gdd_method\":\"sum\"}", "water.gdd_method");
	expect_refused("{\"depth\":1}", "water.depth: not a setting");
	expect_refused("[1,2]", "expected an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_settings),
		cmocka_unit_test(test_calendar_overrides),
		cmocka_unit_test(test_gdd_from_stage_gdd),
		cmocka_unit_test(test_gdd_from_calendar),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
