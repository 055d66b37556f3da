/*
 * plan: irrigation recommendations, the base's ordered plan of a day, and
 * the rotation-group schedule of a pump station; see plan.h.
 */
#include "agro/plan.h"

#include <math.h>
#include <stdlib.h>

#define EPS 1e-9

/* ---------------------------------------------------------------------- */
/* Recommendation                                                          */

/* The crop's season has ended at the state's day. */
static bool season_over(const struct agro_plot *p,
			const struct agro_balance_state *st)
{
	struct agro_kc_point kp;

	agro_season_point(&p->season, st->day, st->thermal, &kp);
	return kp.stage == AGRO_STAGE_ENDED;
}

/*
 * Days n >= 0 until Dr + n x rate reaches RAW; -1 if it never does (no
 * water use).
 */
static int days_to_raw(double dr, double raw, double rate)
{
	double n;

	if (dr >= raw - EPS)
		return 0;
	if (rate <= 0)
		return -1;
	n = ceil((raw - dr) / rate - EPS);
	return n > 100000 ? -1 : (int)n;
}

/* The net depth (mm) to apply on `day`: refill the projected morning Dr. */
static double net_on(const struct agro_rec *r, int64_t day)
{
	double ahead = (double)(day - r->today - 1);
	double dr = r->dr + (ahead > 0 ? ahead : 0) * r->etc_rate;
	double net;

	if (dr > r->taw)
		dr = r->taw;
	net = dr - (1.0 - r->refill) * r->taw;
	return net > 0 ? net : 0.0;
}

double agro_rec_volume_on(const struct agro_rec *r, int64_t day)
{
	if (r->season_over)
		return 0.0;
	return agro_volume_m3(net_on(r, day) / r->efficiency, r->area_m2);
}

static int check_rec_args(const struct agro_plot *p,
			  const struct agro_balance_state *st,
			  double etc_rate, int horizon_days, struct err *e)
{
	const char *code = p->code ? p->code : "(no code)";

	if (!isfinite(etc_rate) || etc_rate < 0 || etc_rate > 30)
		return err_set(e, ERR_INVALID,
			       "plot %s: etc_rate: %g mm/day is outside 0..30",
			       code, etc_rate);
	if (horizon_days < 1 || horizon_days > 366)
		return err_set(e, ERR_INVALID,
			       "plot %s: horizon: %d days is outside 1..366",
			       code, horizon_days);
	if (!isfinite(st->dr) || st->dr < 0 || !isfinite(st->zr) ||
	    st->zr <= 0)
		return err_set(e, ERR_INVALID,
			       "plot %s: state: depletion %g mm at root depth "
			       "%g m is not a balance state", code, st->dr,
			       st->zr);
	return agro_plot_check(p, e);
}

int agro_recommend(const struct agro_plot *p,
		   const struct agro_balance_state *st, int64_t today,
		   double etc_rate, int horizon_days, struct agro_rec *out,
		   struct err *e)
{
	struct agro_rec r = { 0 };
	int rc;

	if ((rc = check_rec_args(p, st, etc_rate, horizon_days, e)))
		return rc;
	r.today = today;
	r.taw = agro_taw(p->theta_fc, p->theta_wp, st->zr);
	r.dr = st->dr < r.taw ? st->dr : r.taw;
	r.p = agro_depletion_fraction(p->p_table, etc_rate);
	r.raw = agro_raw(r.p, r.taw);
	r.fraction = r.taw > 0 ? r.dr / r.taw : 0.0;
	r.etc_rate = etc_rate;
	r.urgency = r.taw > 0 ? (r.dr - r.raw) / r.taw : 0.0;
	r.refill = p->refill;
	r.efficiency = p->efficiency;
	r.area_m2 = p->area_m2;
	r.season_over = season_over(p, st);
	r.days_to_raw = days_to_raw(r.dr, r.raw, etc_rate);
	r.irrigate_on = AGRO_NO_DAY;
	if (!r.season_over && r.days_to_raw >= 0 &&
	    r.days_to_raw <= horizon_days) {
		int64_t ahead = r.days_to_raw > 1 ? r.days_to_raw : 1;

		/* no irrigation after the harvest the calendar knows of */
		if ((double)(st->day + ahead) <=
		    agro_season_last_day(&p->season))
			r.irrigate_on = today + ahead;
	}
	if (r.irrigate_on != AGRO_NO_DAY) {
		r.net_mm = net_on(&r, r.irrigate_on);
		r.gross_mm = r.net_mm / r.efficiency;
		r.volume_m3 = agro_volume_m3(r.gross_mm, r.area_m2);
	}
	*out = r;
	return ERR_OK;
}

bool agro_rec_before(const struct agro_rec *a, const struct agro_rec *b)
{
	if (a->irrigate_on != b->irrigate_on)
		return a->irrigate_on < b->irrigate_on;
	return a->urgency > b->urgency;
}

/* A sort key: the day, the urgency, then the position (stable ties). */
struct urgency_key {
	int64_t day;
	double urgency;
	size_t index;
};

static int key_cmp(const void *pa, const void *pb)
{
	const struct urgency_key *a = pa, *b = pb;

	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->urgency != b->urgency)
		return a->urgency > b->urgency ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

int agro_plan_order(const struct agro_rec *recs, size_t n, int64_t day,
		    size_t *order, size_t *n_due, struct err *e)
{
	struct urgency_key *keys;
	size_t m = 0;

	*n_due = 0;
	if (n == 0)
		return ERR_OK;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return err_nomem(e);
	for (size_t i = 0; i < n; i++) {
		if (recs[i].season_over || recs[i].irrigate_on > day)
			continue;
		keys[m++] = (struct urgency_key){ recs[i].irrigate_on,
						  recs[i].urgency, i };
	}
	qsort(keys, m, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < m; i++)
		order[i] = keys[i].index;
	*n_due = m;
	free(keys);
	return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* Rotation                                                                */

const char *agro_defer_reason_name(enum agro_defer_reason r)
{
	switch (r) {
	case AGRO_DEFER_NO_TIME:
		return "no_time";
	case AGRO_DEFER_REMAINDER:
		return "remainder";
	case AGRO_DEFER_OVER_CAPACITY:
		return "over_capacity";
	}
	return "unknown";
}

/* The working window [w0, w1) in minutes after the plan day's midnight. */
struct window {
	double w0, w1;
};

/* One group's need on the plan day. */
struct group_need {
	size_t group;
	double volume;  /* m3 */
	double urgency; /* of its most urgent due plot */
	int64_t due;    /* earliest irrigate_on of its plots */
};

/* The placed runs, as the scheduler builds them. */
struct timeline {
	struct agro_slot *slots;
	size_t n;
	double capacity;
};

static int check_station(const struct agro_station *st, struct window *w,
			 struct err *e)
{
	if (!isfinite(st->capacity_m3h) || st->capacity_m3h <= 0)
		return err_set(e, ERR_INVALID,
			       "station: capacity: %g m3/h is not positive",
			       st->capacity_m3h);
	if (st->start_min < 0 || st->start_min > 1440 || st->end_min < 0 ||
	    st->end_min > 1440)
		return err_set(e, ERR_INVALID,
			       "station: working hours %d-%d min are outside "
			       "0..1440", st->start_min, st->end_min);
	w->w0 = st->start_min;
	w->w1 = st->end_min > st->start_min ? st->end_min
					    : st->end_min + 1440.0;
	return ERR_OK;
}

/* Flow, plot indices in range, no plot in two groups. */
static int check_groups(const struct agro_group *groups, size_t n_groups,
			size_t n_recs, struct err *e)
{
	unsigned char *seen = calloc(n_recs ? n_recs : 1, 1);
	int rc = ERR_OK;

	if (!seen)
		return err_nomem(e);
	for (size_t g = 0; g < n_groups && !rc; g++) {
		const struct agro_group *gr = &groups[g];
		const char *name = gr->name ? gr->name : "(unnamed)";

		if (!isfinite(gr->flow_m3h) || gr->flow_m3h <= 0) {
			rc = err_set(e, ERR_INVALID,
				     "group %s: flow: %g m3/h is not positive",
				     name, gr->flow_m3h);
			break;
		}
		for (size_t k = 0; k < gr->n_plots; k++) {
			size_t i = gr->plots[k];

			if (i >= n_recs) {
				rc = err_set(e, ERR_INVALID,
					     "group %s: plot index %zu is out "
					     "of range (%zu plots)", name, i,
					     n_recs);
				break;
			}
			if (seen[i]) {
				rc = err_set(e, ERR_INVALID,
					     "group %s: plot index %zu is in "
					     "two groups", name, i);
				break;
			}
			seen[i] = 1;
		}
	}
	free(seen);
	return rc;
}

/* The group's volume and urgency on `day`; false when it is not due. */
static bool group_need(const struct agro_rec *recs,
		       const struct agro_group *gr, int64_t day,
		       struct group_need *out)
{
	bool due = false;

	out->volume = 0;
	out->urgency = -INFINITY;
	out->due = AGRO_NO_DAY;
	for (size_t k = 0; k < gr->n_plots; k++) {
		const struct agro_rec *r = &recs[gr->plots[k]];

		if (r->season_over)
			continue;
		out->volume += agro_rec_volume_on(r, day);
		if (r->irrigate_on > day)
			continue;
		due = true;
		if (r->irrigate_on < out->due)
			out->due = r->irrigate_on;
		if (r->urgency > out->urgency)
			out->urgency = r->urgency;
	}
	return due && out->volume > EPS;
}

static int need_cmp(const void *pa, const void *pb)
{
	const struct group_need *a = pa, *b = pb;

	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->urgency != b->urgency)
		return a->urgency > b->urgency ? -1 : 1;
	return a->group < b->group ? -1 : a->group > b->group;
}

/* Flow drawn at minute x by the runs placed so far. */
static double load_at(const struct timeline *tl, double x)
{
	double q = 0;

	for (size_t i = 0; i < tl->n; i++) {
		if (tl->slots[i].start_min <= x + EPS &&
		    x + EPS < tl->slots[i].end_min)
			q += tl->slots[i].flow_m3h;
	}
	return q;
}

/* flow fits on top of the placed runs throughout [t0, t1). */
static bool fits(const struct timeline *tl, double t0, double t1,
		 double flow)
{
	if (load_at(tl, t0) + flow > tl->capacity + EPS)
		return false;
	for (size_t i = 0; i < tl->n; i++) {
		double s = tl->slots[i].start_min;

		if (s > t0 && s < t1 - EPS &&
		    load_at(tl, s) + flow > tl->capacity + EPS)
			return false;
	}
	return true;
}

/*
 * The earliest start t in [w0, w1) (the window start or the end of a
 * placed run) at which a run of `dur` minutes at `flow` fits, or -1.
 * dur < 0 asks for a run to the end of the window.
 */
static double earliest_start(const struct timeline *tl,
			     const struct window *w, double dur, double flow)
{
	double best = -1;

	for (size_t i = 0; i <= tl->n; i++) {
		double t = i == tl->n ? w->w0 : tl->slots[i].end_min;
		double t1 = dur < 0 ? w->w1 : t + dur;

		if (t < w->w0 || t >= w->w1 - EPS || t1 > w->w1 + EPS)
			continue;
		if (best >= 0 && t >= best)
			continue;
		if (fits(tl, t, t1, flow))
			best = t;
	}
	return best;
}

static void place(struct timeline *tl, const struct group_need *g,
		  double flow, double t0, double t1, double volume,
		  bool partial)
{
	tl->slots[tl->n++] = (struct agro_slot){
		.group = g->group,
		.start_min = t0,
		.end_min = t1,
		.flow_m3h = flow,
		.volume_m3 = volume,
		.partial = partial,
		.urgency = g->urgency,
	};
}

static void defer(struct agro_deferred *d, size_t *n,
		  const struct group_need *g, double volume,
		  enum agro_defer_reason why)
{
	d[(*n)++] = (struct agro_deferred){ g->group, volume, why };
}

/* Place one group, or carry it (or its rest) to the next day. */
static void schedule_group(struct timeline *tl, const struct window *w,
			   const struct group_need *g, double flow,
			   struct agro_deferred *deferred, size_t *n_deferred)
{
	double dur = g->volume / flow * 60.0;
	double t;

	if (flow > tl->capacity + EPS) {
		defer(deferred, n_deferred, g, g->volume,
		      AGRO_DEFER_OVER_CAPACITY);
		return;
	}
	if (dur <= w->w1 - w->w0 + EPS) {
		t = earliest_start(tl, w, dur, flow);
		if (t < 0)
			defer(deferred, n_deferred, g, g->volume,
			      AGRO_DEFER_NO_TIME);
		else
			place(tl, g, flow, t, t + dur, g->volume, false);
		return;
	}
	/* longer than the working day: run to its end, carry the rest */
	t = earliest_start(tl, w, -1, flow);
	if (t < 0) {
		defer(deferred, n_deferred, g, g->volume, AGRO_DEFER_NO_TIME);
		return;
	}
	place(tl, g, flow, t, w->w1, flow * (w->w1 - t) / 60.0, true);
	defer(deferred, n_deferred, g, g->volume - flow * (w->w1 - t) / 60.0,
	      AGRO_DEFER_REMAINDER);
}

static int slot_cmp(const void *pa, const void *pb)
{
	const struct agro_slot *a = pa, *b = pb;

	if (a->start_min != b->start_min)
		return a->start_min < b->start_min ? -1 : 1;
	return a->group < b->group ? -1 : a->group > b->group;
}

int agro_rotation_plan(const struct agro_rec *recs, size_t n_recs,
		       const struct agro_group *groups, size_t n_groups,
		       const struct agro_station *st, int64_t day,
		       struct agro_slot *slots, size_t *n_slots,
		       struct agro_deferred *deferred, size_t *n_deferred,
		       struct err *e)
{
	struct timeline tl = { slots, 0, st->capacity_m3h };
	struct group_need *needs;
	struct window w;
	size_t m = 0;
	int rc;

	*n_slots = 0;
	*n_deferred = 0;
	if ((rc = check_station(st, &w, e)) ||
	    (rc = check_groups(groups, n_groups, n_recs, e)))
		return rc;
	if (n_groups == 0)
		return ERR_OK;
	needs = malloc(n_groups * sizeof(*needs));
	if (!needs)
		return err_nomem(e);
	for (size_t g = 0; g < n_groups; g++) {
		needs[m].group = g;
		if (group_need(recs, &groups[g], day, &needs[m]))
			m++;
	}
	qsort(needs, m, sizeof(*needs), need_cmp);
	for (size_t i = 0; i < m; i++) {
		double flow = groups[needs[i].group].flow_m3h;

		schedule_group(&tl, &w, &needs[i], flow, deferred, n_deferred);
	}
	qsort(slots, tl.n, sizeof(*slots), slot_cmp);
	*n_slots = tl.n;
	free(needs);
	return ERR_OK;
}
