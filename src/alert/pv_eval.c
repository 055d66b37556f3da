/* The PV park's alarms: verdicts per instant and the sustained state. */
#include "alert/pv_eval.h"

#include <math.h>

const char *pv_verdict_name(enum pv_verdict v)
{
	static const char *const names[] = { "undecided", "breach",
					      "cleared" };
	return names[v];
}

enum eval_change pv_hold_step(struct pv_hold *h, enum pv_verdict v,
			      int64_t ts, int64_t for_ms)
{
	switch (v) {
	case PV_CLEARED:
		h->since = 0;
		if (!h->active)
			return EVAL_SAME;
		h->active = false;
		return EVAL_CLEAR;
	case PV_UNDECIDED:
		if (!h->active)
			h->since = 0;
		return EVAL_SAME;
	case PV_BREACH:
		break;
	}
	if (h->active)
		return EVAL_SAME;
	if (!h->since || ts < h->since)
		h->since = ts;
	if (ts - h->since < for_ms)
		return EVAL_SAME;
	h->active = true;
	return EVAL_RAISE;
}

static bool fresh(int64_t ts, int64_t window_ms, int64_t now)
{
	return ts > 0 && now - ts <= window_ms;
}

enum pv_verdict pv_trip_verdict(const struct alert_rule *r,
				const struct pv_inverter_obs *o, int64_t now)
{
	if (r->n_cond < 2 || !fresh(o->p_ac_ts, r->window_ms, now))
		return PV_UNDECIDED;
	if (alert_cond_cleared(&r->cond[1], o->p_ac))
		return PV_CLEARED;
	if (!alert_cond_breached(&r->cond[1], o->p_ac) ||
	    !fresh(o->poa_ts, r->window_ms, now) || isnan(o->poa) ||
	    !alert_cond_breached(&r->cond[0], o->poa))
		return PV_UNDECIDED;
	return PV_BREACH;
}

enum pv_verdict pv_comm_verdict(const struct alert_rule *r, int64_t last_ts,
				int64_t now)
{
	if (last_ts <= 0)
		return PV_UNDECIDED;
	return fresh(last_ts, r->window_ms, now) ? PV_CLEARED : PV_BREACH;
}

enum pv_verdict pv_string_verdict(const struct alert_rule *r, double current,
				  double median)
{
	if (r->n_cond < 1 || isnan(current) || isnan(median) ||
	    median < PV_EVAL_STRING_MIN_MEDIAN_A)
		return PV_UNDECIDED;
	double ratio = current / median;

	if (alert_cond_breached(&r->cond[0], ratio))
		return PV_BREACH;
	return alert_cond_cleared(&r->cond[0], ratio) ? PV_CLEARED
						      : PV_UNDECIDED;
}

enum pv_verdict pv_tracker_verdict(const struct alert_rule *r,
				   double reported, double computed)
{
	if (r->n_cond < 1 || isnan(reported) || isnan(computed))
		return PV_UNDECIDED;
	double off = fabs(reported - computed);

	if (alert_cond_breached(&r->cond[0], off))
		return PV_BREACH;
	return alert_cond_cleared(&r->cond[0], off) ? PV_CLEARED
						    : PV_UNDECIDED;
}

enum pv_verdict pv_drop_verdict(const struct alert_rule *r,
				const struct pv_drop *d)
{
	if (r->n_cond < 1 || !isfinite(d->relative) ||
	    (double)d->n_days < r->factor)
		return PV_UNDECIDED;
	if (alert_cond_breached(&r->cond[0], d->relative))
		return PV_BREACH;
	return alert_cond_cleared(&r->cond[0], d->relative) ? PV_CLEARED
							    : PV_UNDECIDED;
}

enum pv_verdict pv_soiling_verdict(const struct alert_rule *r,
				   const struct pv_soiling *s)
{
	if (r->n_cond < 1 || !isfinite(s->loss))
		return PV_UNDECIDED;
	if (alert_cond_breached(&r->cond[0], s->loss))
		return (double)s->n_days >= r->factor ? PV_BREACH
						       : PV_UNDECIDED;
	return alert_cond_cleared(&r->cond[0], s->loss) ? PV_CLEARED
							: PV_UNDECIDED;
}

const char *pv_sensor_cause_name(enum pv_sensor_cause c)
{
	static const char *const names[] = { "range", "clearsky", "twin",
					      "stuck" };
	return names[c];
}

/* Irradiance a twin comparison needs in both sensors (W/m2). */
#define PV_SENSOR_TWIN_MIN_G 200.0
/* Above this multiple of clear sky plus this much: too bright to be true. */
#define PV_SENSOR_CLEARSKY_PLUS 100.0

enum pv_verdict pv_sensor_verdict(const struct alert_rule *r,
				  enum pv_sensor_cause c,
				  const struct pv_sensor_obs *o)
{
	struct pv_ghi_limits lim;
	bool day = o->apparent_zenith < 90;
	double cs, dev;

	if (!isfinite(o->g) || r->n_cond < 2)
		return PV_UNDECIDED;
	switch (c) {
	case PV_SENSOR_RANGE:
		if (isnan(o->apparent_zenith))
			return PV_UNDECIDED;
		pv_ghi_limits(o->apparent_zenith, o->dni_extra, &lim);
		if (o->poa)
			lim.upper_possible = (day ? 1.5 * o->dni_extra : 0) + 100;
		return o->g < lim.lower || o->g > lim.upper_possible
			? PV_BREACH : PV_CLEARED;
	case PV_SENSOR_CLEARSKY:
		if (!day || o->poa)
			return PV_UNDECIDED;
		cs = pv_clearsky_haurwitz(o->apparent_zenith);
		if (o->g > r->cond[0].threshold * cs + PV_SENSOR_CLEARSKY_PLUS)
			return PV_BREACH;
		return o->g <= r->cond[0].clear * cs + PV_SENSOR_CLEARSKY_PLUS
			? PV_CLEARED : PV_UNDECIDED;
	case PV_SENSOR_TWIN:
		dev = pv_pair_deviation(o->g, o->twin, PV_SENSOR_TWIN_MIN_G);
		if (!isfinite(dev))
			return PV_UNDECIDED;
		if (alert_cond_breached(&r->cond[1], dev))
			return PV_BREACH;
		return alert_cond_cleared(&r->cond[1], dev) ? PV_CLEARED
							    : PV_UNDECIDED;
	case PV_SENSOR_STUCK:
		if (o->stuck_ms < 0)
			return PV_UNDECIDED;   /* night: zeros repeat */
		return o->stuck_ms >= r->window_ms ? PV_BREACH
			: o->stuck_ms == 0 ? PV_CLEARED : PV_UNDECIDED;
	default:
		return PV_UNDECIDED;
	}
}
