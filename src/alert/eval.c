/* The incremental state machine of a rule on a subject. */
#include "alert/eval.h"

#include <math.h>

static bool all_breached(const struct alert_cond *conds, int n,
			 const struct eval_state *s)
{
	for (int i = 0; i < n; i++)
		if (!s->ts[i] || !alert_cond_breached(&conds[i], s->value[i]))
			return false;
	return true;
}

static bool any_cleared(const struct alert_cond *conds, int n,
			const struct eval_state *s)
{
	for (int i = 0; i < n; i++)
		if (s->ts[i] && alert_cond_cleared(&conds[i], s->value[i]))
			return true;
	return false;
}

enum eval_change eval_conditions(const struct alert_cond *conds, int n,
				 int64_t for_ms, struct eval_state *s, int i,
				 int64_t ts, double v)
{
	if (i < 0 || i >= n || ts < s->ts[i])
		return EVAL_SAME;
	s->value[i] = v;
	s->ts[i] = ts;
	if (s->active) {
		if (!any_cleared(conds, n, s))
			return EVAL_SAME;
		s->active = false;
		s->holds_since = 0;
		return EVAL_CLEAR;
	}
	if (!all_breached(conds, n, s)) {
		s->holds_since = 0;
		return EVAL_SAME;
	}
	if (!s->holds_since)
		s->holds_since = ts;
	if (ts - s->holds_since < for_ms)
		return EVAL_SAME;
	s->active = true;
	return EVAL_RAISE;
}

enum eval_change eval_conditions_at(int n, int64_t for_ms, int64_t fresh_ms,
				    struct eval_state *s, int64_t now)
{
	if (s->active || !s->holds_since || now - s->holds_since < for_ms)
		return EVAL_SAME;
	for (int i = 0; i < n; i++)
		if (now - s->ts[i] > fresh_ms)
			return EVAL_SAME;
	s->active = true;
	return EVAL_RAISE;
}

enum eval_change eval_stuck(int64_t window_ms, struct eval_state *s,
			    int64_t ts, double v)
{
	if (ts < s->ts[0])
		return EVAL_SAME;
	if (!s->ts[0] || fabs(v - s->value[0]) > 1e-9) {
		bool was = s->active;

		s->value[0] = v;
		s->ts[0] = ts;
		s->holds_since = ts;
		s->active = false;
		return was ? EVAL_CLEAR : EVAL_SAME;
	}
	s->ts[0] = ts;
	if (s->active || ts - s->holds_since < window_ms)
		return EVAL_SAME;
	s->active = true;
	return EVAL_RAISE;
}

void eval_cadence_note(struct eval_cadence *c, int64_t ts)
{
	if (ts <= c->last_ts)
		return;
	if (c->last_ts) {
		double gap = (double)(ts - c->last_ts);

		c->interval_ms = c->interval_ms > 0
			? c->interval_ms + (gap - c->interval_ms) / 8 : gap;
	}
	c->last_ts = ts;
}

bool eval_silent(const struct eval_cadence *c, double factor, int64_t now)
{
	if (!c->last_ts || c->interval_ms <= 0)
		return false;
	return (double)(now - c->last_ts) > factor * c->interval_ms;
}
