/*
 * Unit tests of the PV park's alarms (alert/pv_eval): the templates'
 * defaults judged instant by instant, and the sustained state opening and
 * clearing.  Synthetic readings and times; no clock.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alert/pv_eval.h"
#include "alert/rules.h"
#include "pv/strings.h"
#include "pv/tracking.h"
#include "util/timeutil.h"

#define T0 INT64_C(1780000000000)
#define MIN MS_PER_MINUTE

static struct alert_rule rule_of(const char *name)
{
	struct alert_rule r;
	const struct alert_template *t = alert_template_find(name);

	memset(&r, 0, sizeof(r));
	assert_non_null(t);
	t->fill(&r);
	return r;
}

/* An inverter at 0 kW under 800 W/m² for 15 min trips, and clears at 5 kW. */
static void inverter_trip_opens_and_clears(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_inverter_trip");
	struct pv_hold h = { 0 };
	int raised = 0, cleared = 0;

	for (int m = 0; m <= 40; m++) {
		int64_t now = T0 + m * MIN;
		struct pv_inverter_obs o = {
			.p_ac = m < 30 ? 0.0 : 180.0, .p_ac_ts = now,
			.poa = 800.0, .poa_ts = now,
		};
		enum eval_change c = pv_hold_step(
			&h, pv_trip_verdict(&r, &o, now), now, r.for_ms);

		if (c == EVAL_RAISE) {
			raised++;
			assert_int_equal(m, 15);   /* 0..15: 15 min held */
		}
		if (c == EVAL_CLEAR) {
			cleared++;
			assert_int_equal(m, 30);
		}
	}
	assert_int_equal(raised, 1);
	assert_int_equal(cleared, 1);
	assert_false(h.active);
}

/* No power at night or under heavy cloud is no trip; a cloud resets. */
static void no_trip_without_light(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_inverter_trip");
	struct pv_hold h = { 0 };
	struct pv_inverter_obs o = { 0.0, T0, 150.0, T0 };

	assert_int_equal(pv_trip_verdict(&r, &o, T0), PV_UNDECIDED);
	o.poa = 600;
	assert_int_equal(pv_trip_verdict(&r, &o, T0), PV_BREACH);
	/* 10 min of breach, a cloud, then 10 more: never 15 in a row. */
	for (int m = 0; m < 25; m++) {
		int64_t now = T0 + m * MIN;
		struct pv_inverter_obs p = { 0.0, now, m == 10 ? 100 : 600,
					     now };

		assert_int_equal(pv_hold_step(&h, pv_trip_verdict(&r, &p, now),
					      now, r.for_ms),
				 EVAL_SAME);
	}
	/* Between the levels (1 < p_ac < 5 kW): neither. */
	o.p_ac = 3.0;
	assert_int_equal(pv_trip_verdict(&r, &o, T0), PV_UNDECIDED);
	/* A station's POA 6 min old is no evidence of light. */
	o.p_ac = 0;
	o.poa_ts = T0 - 6 * MIN;
	assert_int_equal(pv_trip_verdict(&r, &o, T0), PV_UNDECIDED);
}

/*
 * Communication loss is not an outage: an inverter silent for 10 min is
 * comm loss and never judged tripped; one reporting 0 kW is tripped and
 * not silent.
 */
static void comm_loss_told_from_outage(void **state)
{
	(void)state;
	struct alert_rule trip = rule_of("pv_inverter_trip");
	struct alert_rule comm = rule_of("pv_comm_loss");
	struct pv_hold ht = { 0 }, hc = { 0 };
	int64_t last = T0;   /* the inverter's last report: 0 kW */

	for (int m = 0; m <= 30; m++) {
		int64_t now = T0 + m * MIN;
		struct pv_inverter_obs o = { 0.0, last, 900.0, now };
		enum eval_change ct = pv_hold_step(
			&ht, pv_trip_verdict(&trip, &o, now), now, trip.for_ms);
		enum eval_change cc = pv_hold_step(
			&hc, pv_comm_verdict(&comm, last, now), now,
			comm.for_ms);

		assert_int_equal(ct, EVAL_SAME);   /* silent: never a trip */
		assert_int_equal(cc, m == 11 ? EVAL_RAISE : EVAL_SAME);
	}
	/* The inverter comes back reporting 0 kW: comm clears, trip waits. */
	int64_t now = T0 + 31 * MIN;

	assert_int_equal(pv_hold_step(&hc, pv_comm_verdict(&comm, now, now),
				      now, 0),
			 EVAL_CLEAR);
	struct pv_inverter_obs o = { 0.0, now, 900.0, now };

	assert_int_equal(pv_trip_verdict(&trip, &o, now), PV_BREACH);
	/* Never heard from: undecided. */
	assert_int_equal(pv_comm_verdict(&comm, 0, now), PV_UNDECIDED);
}

/* One string of a box at 0.3 of the others for an hour, then repaired. */
static void low_string_against_box_median(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_string_low");
	struct pv_hold h = { 0 };
	double cur[8], ratio[8], scratch[8];
	enum pv_string_status st[8];
	struct pv_strings_out out;
	int raised_at = -1, cleared_at = -1;

	for (int m = 0; m <= 90; m += 5) {
		int64_t now = T0 + m * MIN;

		for (int i = 0; i < 8; i++)
			cur[i] = 9.0 + 0.05 * i;
		cur[3] = m < 75 ? 2.7 : 9.1;
		pv_strings(cur, 8, ratio, st, scratch, &out);
		enum eval_change c = pv_hold_step(
			&h, pv_string_verdict(&r, cur[3], out.median), now,
			r.for_ms);

		if (c == EVAL_RAISE)
			raised_at = m;
		if (c == EVAL_CLEAR)
			cleared_at = m;
	}
	assert_int_equal(raised_at, 60);
	assert_int_equal(cleared_at, 75);
	/* Night: a median under 1 A is not judged; 0.92 is between levels. */
	assert_int_equal(pv_string_verdict(&r, 0.0, 0.4), PV_UNDECIDED);
	assert_int_equal(pv_string_verdict(&r, 0.0, NAN), PV_UNDECIDED);
	assert_int_equal(pv_string_verdict(&r, 9.2, 10.0), PV_UNDECIDED);
	assert_int_equal(pv_string_verdict(&r, 0.0, 10.0), PV_BREACH);
	assert_int_equal(pv_string_verdict(&r, 9.6, 10.0), PV_CLEARED);
}

/*
 * A tracker stuck flat while the sun is low in the east: pv_singleaxis
 * computes a steep eastward angle, so 0 deg is far off; following it
 * clears.  The sun down is undecided.
 */
static void tracker_stuck_off_its_angle(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_tracker_stuck");
	struct pv_tracker t = { 0, 180, 60, true, 0.35, 0 };
	struct pv_tracker_out o;
	struct pv_hold h = { 0 };

	pv_singleaxis(60.0, 100.0, &t, &o);   /* morning, sun in the east */
	assert_true(o.tracker_theta < -5);
	assert_int_equal(pv_tracker_verdict(&r, 0.0, o.tracker_theta),
			 PV_BREACH);
	assert_int_equal(pv_tracker_verdict(&r, o.tracker_theta + 1.0,
					    o.tracker_theta),
			 PV_CLEARED);
	assert_int_equal(pv_tracker_verdict(&r, o.tracker_theta + 3.5,
					    o.tracker_theta),
			 PV_UNDECIDED);
	pv_singleaxis(95.0, 100.0, &t, &o);   /* night */
	assert_int_equal(pv_tracker_verdict(&r, 0.0, o.tracker_theta),
			 PV_UNDECIDED);
	for (int m = 0; m <= 30; m++)
		assert_int_equal(pv_hold_step(&h, PV_BREACH, T0 + m * MIN,
					      r.for_ms),
				 m == 30 ? EVAL_RAISE : EVAL_SAME);
	/* Undecided keeps it open; a clear closes it. */
	assert_int_equal(pv_hold_step(&h, PV_UNDECIDED, T0 + 31 * MIN,
				      r.for_ms), EVAL_SAME);
	assert_true(h.active);
	assert_int_equal(pv_hold_step(&h, PV_CLEARED, T0 + 32 * MIN,
				      r.for_ms), EVAL_CLEAR);
}

/* The templates are valid rules with the documented defaults. */
static void templates_defaults(void **state)
{
	(void)state;
	struct alert_rule r = rule_of("pv_inverter_trip");

	assert_int_equal(r.kind, ALERT_EXTERNAL);
	assert_string_equal(r.cond[0].metric, "poa_global");
	assert_true(r.cond[0].threshold == 200.0);
	assert_string_equal(r.cond[1].metric, "p_ac");
	assert_int_equal(r.for_ms, 15 * MIN);
	r = rule_of("pv_comm_loss");
	assert_int_equal(r.window_ms, 10 * MIN);
	r = rule_of("pv_string_low");
	assert_true(r.cond[0].threshold == PV_STRING_LOW_RATIO);
	assert_string_equal(pv_verdict_name(PV_BREACH), "breach");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inverter_trip_opens_and_clears),
		cmocka_unit_test(no_trip_without_light),
		cmocka_unit_test(comm_loss_told_from_outage),
		cmocka_unit_test(low_string_against_box_median),
		cmocka_unit_test(tracker_stuck_off_its_angle),
		cmocka_unit_test(templates_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
