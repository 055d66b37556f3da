/*
 * eval: the incremental state machine of one rule on one subject.  Pure:
 * no I/O, no clock (every instant is a parameter), so that unit tests
 * drive it with synthetic points and time.
 *
 * Conditions: each point updates the latest value of one condition; the
 * rule holds when every condition has a value and all breach.  From the
 * first point at which it holds (holds_since), it must go on holding for
 * for_ms before the alert opens (RAISE); a point that no longer holds
 * resets the wait.  An open alert clears (CLEAR) only when some condition
 * is back past its clear level (hysteresis), not merely under threshold.
 * Points older than the newest seen are ignored.
 */
#ifndef OASIS_ALERT_EVAL_H
#define OASIS_ALERT_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/rules.h"

struct eval_state {
	double value[ALERT_MAX_CONDS];
	int64_t ts[ALERT_MAX_CONDS];   /* 0: no value yet */
	int64_t holds_since;           /* 0: not holding */
	bool active;                   /* an alert is open */
};

enum eval_change { EVAL_SAME, EVAL_RAISE, EVAL_CLEAR };

/* A point for condition i of conds (n of them). */
enum eval_change eval_conditions(const struct alert_cond *conds, int n,
				 int64_t for_ms, struct eval_state *s, int i,
				 int64_t ts, double v);

/*
 * The clock's side of the same rule: at now, a rule holding since
 * holds_since for for_ms opens without waiting for the next point,
 * provided every condition's latest value is at most fresh_ms old (the
 * last values are taken to hold until then).
 */
enum eval_change eval_conditions_at(int n, int64_t for_ms, int64_t fresh_ms,
				    struct eval_state *s, int64_t now);

/*
 * Stuck sensor: the same value (to 1e-9) for window_ms raises; any change
 * clears.  Uses value[0], ts[0] and holds_since (the value's first time).
 */
enum eval_change eval_stuck(int64_t window_ms, struct eval_state *s,
			    int64_t ts, double v);

/* A device's usual interval between reports, learned as points arrive. */
struct eval_cadence {
	int64_t last_ts;
	double interval_ms;            /* 0: not known yet */
};

/* Note a report at ts (an exponential mean of the gaps, weight 1/8). */
void eval_cadence_note(struct eval_cadence *c, int64_t ts);
/* Is the device silent at now: more than factor times its interval? */
bool eval_silent(const struct eval_cadence *c, double factor, int64_t now);

#endif
