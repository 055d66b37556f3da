/*
 * pv_eval: the PV park's alarms, judged as pure functions.
 *
 * The PV templates (pv_inverter_trip, pv_comm_loss, pv_string_low,
 * pv_tracker_stuck; rules.c, docs/PV.md) compare series of different
 * devices (an inverter's p_ac against its station's poa_global, a string
 * against its combiner box's median, a tracker against the sun), which the
 * per-device conditions of eval.h cannot.  Here each instant gives a
 * verdict from the rule's thresholds (breach, clear, or undecided: night,
 * no light, stale inputs), and pv_hold_step turns verdicts into the same
 * raise/clear changes as eval.h, with the rule's for_ms.
 *
 * Communication loss is told apart from an outage: an inverter that
 * reports p_ac = 0 under light is tripped (an outage); one that reports
 * nothing for window_ms is silent (communication loss), and a silent
 * inverter is never judged tripped: its last value is no evidence.
 *
 * Pure: no I/O, no clock (every instant is a parameter).
 */
#ifndef OASIS_ALERT_PV_EVAL_H
#define OASIS_ALERT_PV_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/eval.h"
#include "alert/rules.h"

/* A combiner box whose median string current is below this is not judged. */
#define PV_EVAL_STRING_MIN_MEDIAN_A 1.0

enum pv_verdict { PV_UNDECIDED, PV_BREACH, PV_CLEARED };

const char *pv_verdict_name(enum pv_verdict v);

/* The sustained-condition state of one rule on one subject. */
struct pv_hold {
	int64_t since;   /* 0: not breaching */
	bool active;     /* an alert is open */
};

/*
 * A verdict at ts: a breach held for for_ms opens (EVAL_RAISE); a clear
 * closes an open alert (EVAL_CLEAR) and resets the wait; undecided keeps an
 * open alert open and resets the wait of a closed one.  Verdicts older
 * than the breach's start are ignored.
 */
enum eval_change pv_hold_step(struct pv_hold *h, enum pv_verdict v,
			      int64_t ts, int64_t for_ms);

/* The latest values an inverter rule needs; ts 0: never reported. */
struct pv_inverter_obs {
	double p_ac;          /* kW */
	int64_t p_ac_ts;
	double poa;           /* W/m², the inverter's station */
	int64_t poa_ts;
};

/*
 * pv_inverter_trip: cond[0] poa_global (>= threshold: light enough),
 * cond[1] p_ac (<= threshold: no power; cleared at >= clear).  Inputs older
 * than window_ms at now are stale: undecided.
 */
enum pv_verdict pv_trip_verdict(const struct alert_rule *r,
				const struct pv_inverter_obs *o, int64_t now);

/*
 * pv_comm_loss: nothing from the device for window_ms at now is a breach,
 * a report within it clears; a device never heard from is undecided.
 */
enum pv_verdict pv_comm_verdict(const struct alert_rule *r, int64_t last_ts,
				int64_t now);

/*
 * pv_string_low: cond[0] string_current as a ratio to the box median:
 * below threshold breaches, at or above clear clears.  A median under
 * PV_EVAL_STRING_MIN_MEDIAN_A (night, heavy cloud) or NaN is undecided.
 */
enum pv_verdict pv_string_verdict(const struct alert_rule *r, double current,
				  double median);

/*
 * pv_tracker_stuck: cond[0] tracker_angle, |reported - computed| in
 * degrees: above threshold breaches, at or below clear clears.  computed
 * is pv_singleaxis's tracker_theta; NaN (the sun down) is undecided.
 */
enum pv_verdict pv_tracker_verdict(const struct alert_rule *r,
				   double reported, double computed);

#endif
