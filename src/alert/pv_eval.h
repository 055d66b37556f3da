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
#include "pv/health.h"

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

/*
 * pv_pr_drop: cond[0] on the day's ratio relative to its baseline
 * (pv_ratio_drop): below threshold breaches, at or above clear clears;
 * no baseline (fewer than factor valid days) is undecided.
 */
enum pv_verdict pv_drop_verdict(const struct alert_rule *r,
				const struct pv_drop *d);

/*
 * pv_soiling: cond[0] on the estimated soiling loss (pv_soiling): at or
 * above threshold, over at least factor valid days since the last
 * cleaning, breaches; at or below clear clears (a cleaning brings it to
 * 0); unknown is undecided.
 */
enum pv_verdict pv_soiling_verdict(const struct alert_rule *r,
				   const struct pv_soiling *s);

/* The causes pv_sensor_quality tells apart, each an alert of its own. */
enum pv_sensor_cause {
	PV_SENSOR_RANGE,      /* outside the physically possible limits */
	PV_SENSOR_CLEARSKY,   /* above cond[0] x clear sky + 100 W/m2 */
	PV_SENSOR_TWIN,       /* cond[1] relative deviation from its twin */
	PV_SENSOR_STUCK,      /* one value in daylight for window_ms */
	PV_SENSOR_CAUSES_
};

const char *pv_sensor_cause_name(enum pv_sensor_cause c);

/* What judging one irradiance reading needs. */
struct pv_sensor_obs {
	double g;              /* W/m2, the reading */
	double apparent_zenith, dni_extra;
	double twin;           /* the twin's reading at about the same time; NaN none */
	int64_t stuck_ms;      /* pv_stuck_step's run; < 0: night, not judged */
	bool poa;              /* a plane-of-array sensor, not GHI */
};

/*
 * The verdict of one cause on a reading.  Range: GHI within the QCRad
 * physically possible limits; a plane-of-array sensor, which may see more
 * than GHI (a tilted plane facing a low sun), within -4 and 1.5 Sa + 100
 * by day, 100 by night.  Clear sky: GHI only (a tilted plane has no
 * clear-sky GHI to be held to).  Night (apparent zenith >= 90) judges only
 * the range; an unknown zenith (NaN) neither range nor clear sky.
 */
enum pv_verdict pv_sensor_verdict(const struct alert_rule *r,
				  enum pv_sensor_cause c,
				  const struct pv_sensor_obs *o);

#endif
