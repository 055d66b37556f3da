/*
 * alert/ pure cores: the incremental evaluator (duration, hysteresis,
 * several conditions together, stuck values, learned cadence), freshness
 * (the drone's daytime age), rule templates and JSON, the webhook
 * signature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "alert/eval.h"
#include "alert/freshness.h"
#include "alert/notify.h"
#include "alert/rules.h"
#include "util/timeutil.h"

#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */
#define MIN MS_PER_MINUTE

static struct alert_rule from_template(const char *name)
{
	struct alert_rule r;
	struct err e;
	json_t *j = json_pack("{ss}", "template", name);

	assert_int_equal(alert_rule_from_json(j, NULL, &r, &e), 0);
	json_decref(j);
	return r;
}

/* Frost: <= 2 C must hold 10 min; clears only at >= 3 C (hysteresis). */
static void frost_needs_duration_and_clears_with_hysteresis(void **state)
{
	struct alert_rule r = from_template("frost");
	struct eval_state s = { 0 };

	(void)state;
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0, T0,
					 1.5), EVAL_SAME);
	/* 9 minutes later: duration not yet met */
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 9 * MIN, 1.0), EVAL_SAME);
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 10 * MIN, 1.0), EVAL_RAISE);
	/* 2.5 C: above the threshold but below the clear level: stays open */
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 11 * MIN, 2.5), EVAL_SAME);
	assert_true(s.active);
	/* an older point is ignored */
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 5 * MIN, 9.0), EVAL_SAME);
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 12 * MIN, 3.0), EVAL_CLEAR);
	assert_false(s.active);
}

/* The clock completes a wait between points, on fresh values only. */
static void the_clock_completes_the_duration(void **state)
{
	struct alert_rule r = from_template("frost");
	struct eval_state s = { 0 };

	(void)state;
	eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0, T0, 1.0);
	assert_int_equal(eval_conditions_at(r.n_cond, r.for_ms, 15 * MIN, &s,
					    T0 + 9 * MIN), EVAL_SAME);
	assert_int_equal(eval_conditions_at(r.n_cond, r.for_ms, 5 * MIN, &s,
					    T0 + 10 * MIN), EVAL_SAME);
	assert_int_equal(eval_conditions_at(r.n_cond, r.for_ms, 15 * MIN, &s,
					    T0 + 10 * MIN), EVAL_RAISE);
	assert_true(s.active);
	assert_int_equal(eval_conditions_at(r.n_cond, r.for_ms, 15 * MIN, &s,
					    T0 + 11 * MIN), EVAL_SAME);
}

/* A break in the condition restarts the wait. */
static void interruption_resets_the_wait(void **state)
{
	struct alert_rule r = from_template("heat_stress");
	struct eval_state s = { 0 };

	(void)state;
	eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0, T0, 36);
	eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0, T0 + 50 * MIN, 34);
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 61 * MIN, 36), EVAL_SAME);
	assert_int_equal(eval_conditions(r.cond, r.n_cond, r.for_ms, &s, 0,
					 T0 + 121 * MIN, 36), EVAL_RAISE);
}

/* Dry hot wind: temperature, humidity and wind must breach together. */
static void dry_hot_wind_needs_all_three(void **state)
{
	struct alert_rule r = from_template("dry_hot_wind");
	struct eval_state s = { 0 };

	(void)state;
	assert_int_equal(r.n_cond, 3);
	eval_conditions(r.cond, 3, r.for_ms, &s, 0, T0, 33);       /* air_temp */
	eval_conditions(r.cond, 3, r.for_ms, &s, 1, T0, 22);       /* rh */
	assert_int_equal(s.holds_since, 0);                        /* no wind */
	eval_conditions(r.cond, 3, r.for_ms, &s, 2, T0, 2.0);      /* too calm */
	assert_int_equal(s.holds_since, 0);
	eval_conditions(r.cond, 3, r.for_ms, &s, 2, T0 + MIN, 4.0);
	assert_int_equal(s.holds_since, T0 + MIN);
	assert_int_equal(eval_conditions(r.cond, 3, r.for_ms, &s, 0,
					 T0 + 31 * MIN, 34), EVAL_RAISE);
	/* humidity back over 35 %: clears */
	assert_int_equal(eval_conditions(r.cond, 3, r.for_ms, &s, 1,
					 T0 + 40 * MIN, 33), EVAL_SAME);
	assert_int_equal(eval_conditions(r.cond, 3, r.for_ms, &s, 1,
					 T0 + 41 * MIN, 36), EVAL_CLEAR);
}

static void strong_wind_and_battery(void **state)
{
	struct alert_rule w = from_template("strong_wind");
	struct alert_rule b = from_template("low_battery");

	(void)state;
	assert_true(alert_cond_breached(&w.cond[0], 10.8));
	assert_false(alert_cond_breached(&w.cond[0], 10.7));
	assert_false(alert_cond_cleared(&w.cond[0], 9.0));
	assert_true(alert_cond_cleared(&w.cond[0], 8.0));
	assert_true(alert_cond_breached(&b.cond[0], 3.3));
	assert_false(alert_cond_cleared(&b.cond[0], 3.5));
	assert_true(alert_cond_cleared(&b.cond[0], 3.6));
}

static void stuck_sensor(void **state)
{
	struct alert_rule r = from_template("stuck_sensor");
	struct eval_state s = { 0 };

	(void)state;
	assert_int_equal(eval_stuck(r.window_ms, &s, T0, 21.3), EVAL_SAME);
	assert_int_equal(eval_stuck(r.window_ms, &s, T0 + 2 * MS_PER_HOUR, 21.3),
			 EVAL_SAME);
	assert_int_equal(eval_stuck(r.window_ms, &s, T0 + 3 * MS_PER_HOUR, 21.3),
			 EVAL_RAISE);
	assert_int_equal(eval_stuck(r.window_ms, &s, T0 + 4 * MS_PER_HOUR, 21.3),
			 EVAL_SAME);
	assert_int_equal(eval_stuck(r.window_ms, &s, T0 + 5 * MS_PER_HOUR, 21.4),
			 EVAL_CLEAR);
}

static void cadence_is_learned(void **state)
{
	struct eval_cadence c = { 0 };

	(void)state;
	for (int i = 0; i < 10; i++)
		eval_cadence_note(&c, T0 + i * 5 * MIN);
	assert_true(fabs(c.interval_ms - 5 * MIN) < 1);
	assert_false(eval_silent(&c, 3, T0 + 9 * 5 * MIN + 15 * MIN));
	assert_true(eval_silent(&c, 3, T0 + 9 * 5 * MIN + 15 * MIN + 1));
}

/* The drone's age counts 08:00-20:00 UTC+6 only (02:00-14:00 UTC). */
static void drone_age_counts_daytime(void **state)
{
	int64_t evening = T0 + 13 * MS_PER_HOUR;  /* 19:00 local */
	int64_t morning = T0 + MS_PER_DAY + 3 * MS_PER_HOUR; /* 09:00 next day */

	(void)state;
	assert_int_equal(fresh_age_ms(FRESH_DRONE, evening, morning),
			 2 * MS_PER_HOUR);
	assert_int_equal(fresh_age_ms(FRESH_STATION, evening, morning),
			 14 * MS_PER_HOUR);
	assert_false(fresh_late(FRESH_DRONE, evening, 0, 2 * MS_PER_HOUR, 1.5,
				morning));
	assert_true(fresh_late(FRESH_DRONE, evening, 0, 2 * MS_PER_HOUR, 1.5,
			       morning + 2 * MS_PER_HOUR));
	assert_true(fresh_late(FRESH_SATELLITE, T0, 0, 3 * MS_PER_DAY, 3,
			       T0 + 9 * MS_PER_DAY + 1));
	assert_false(fresh_late(FRESH_SATELLITE, T0, 0, 3 * MS_PER_DAY, 3,
				T0 + 9 * MS_PER_DAY));
}

static void rules_from_json(void **state)
{
	struct alert_rule r, p;
	struct err e;
	json_t *j = json_pack("{ss ss sI s[{ss ss sf sf}]}", "template", "frost",
			      "plot", "P1", "for_s", 60, "conditions", "metric",
			      "air_temp", "op", "<", "threshold", 0.5, "clear", 1.5);
	json_t *bad = json_pack("{ss ss}", "name", "x", "severity", "loud");
	json_t *patch = json_pack("{sb}", "enabled", 0), *out;

	(void)state;
	assert_int_equal(alert_rule_from_json(j, NULL, &r, &e), 0);
	assert_string_equal(r.plot, "P1");
	assert_int_equal(r.for_ms, 60000);
	assert_int_equal(r.cond[0].op, OP_LT);
	assert_int_equal(alert_rule_from_json(bad, NULL, &r, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "severity"));
	assert_int_equal(alert_rule_from_json(j, NULL, &r, &e), 0);
	assert_int_equal(alert_rule_from_json(patch, &r, &p, &e), 0);
	assert_false(p.enabled);
	assert_string_equal(p.plot, "P1");
	out = alert_rule_to_json(&p);
	assert_string_equal(json_string_value(json_object_get(out, "template")),
			    "frost");
	json_decref(out);
	json_decref(j);
	json_decref(bad);
	json_decref(patch);
	for (const struct alert_template *t = alert_templates; t->name; t++)
		from_template(t->name);   /* every template is a valid rule */
}

/*
 * HMAC-SHA256: RFC 4231 test case 2 (key "Jefe", data "what do ya want
 * for nothing?") split at a '.' is not possible, so the reference is
 * Python's hmac module: hmac.new(b"Jefe", b'1700000000000.{"a":1}',
 * hashlib.sha256).hexdigest().
 */
static void webhook_signature(void **state)
{
	char sig[72];

	(void)state;
	notify_sign("Jefe", 4, "1700000000000", "{\"a\":1}", sig);
	assert_string_equal(sig, "sha256=2e2c3965aaac4895200c348195276213e958abd"
			    "6dce3b8dc194223735af4bc81");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frost_needs_duration_and_clears_with_hysteresis),
		cmocka_unit_test(interruption_resets_the_wait),
		cmocka_unit_test(the_clock_completes_the_duration),
		cmocka_unit_test(dry_hot_wind_needs_all_three),
		cmocka_unit_test(strong_wind_and_battery),
		cmocka_unit_test(stuck_sensor),
		cmocka_unit_test(cadence_is_learned),
		cmocka_unit_test(drone_age_counts_daytime),
		cmocka_unit_test(rules_from_json),
		cmocka_unit_test(webhook_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
