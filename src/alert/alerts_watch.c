/*
 * What the alert service watches: the points as they become durable
 * (evaluated on the monitoring thread from the queue of alerts_queue.c,
 * each series bound once to the rules that concern it), the valve
 * commands, other modules' signals, and the clock (silence, no data, late
 * sources, valves without flow, repeats and escalation).
 */
#include "alert/alerts_internal.h"
#include "alert/pv_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/duty.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char *plot_code(struct alerts *a, int plot)
{
	return plot >= 0 ? a->plots[plot].code : "";
}

static const char *plot_crop(struct alerts *a, int plot)
{
	return plot >= 0 ? a->plots[plot].crop : "";
}

static bool binds_points(const struct alert_rule *r)
{
	return r->enabled && (r->kind == ALERT_THRESHOLD ||
			      r->kind == ALERT_RAW || r->kind == ALERT_STUCK);
}

/* The soil's readily available water limit as %vol (FAO-56 eq. 83). */
static bool raw_level(const struct mon_plot *p, double depletion_p,
		      double *level)
{
	if (!isfinite(p->fc) || !isfinite(p->wp) || p->fc <= p->wp)
		return false;
	*level = 100.0 * (p->fc - depletion_p * (p->fc - p->wp));
	return true;
}

static int bind_to(struct mon_binding *b, struct mon_subject *s, int cond)
{
	void *p = realloc(b->to, (size_t)(b->n + 1) * sizeof(*b->to));

	if (!p)
		return -1;
	b->to = p;
	b->to[b->n].s = s;
	b->to[b->n].cond = cond;
	b->n++;
	return 0;
}

/* Bind rule ri to a series of dev's metric, if it concerns it. */
static void bind_rule(struct alerts *a, struct mon_binding *b, int ri,
		      const char *metric)
{
	const struct alert_rule *r = &a->rules[ri];
	const struct mon_device *d = &a->devices[b->dev];
	char subject[DB_NAME_MAX * 2];
	struct mon_subject *s;
	double level = 0;

	if (!binds_points(r) ||
	    !alert_rule_matches(r, d->id, plot_code(a, d->plot),
				plot_crop(a, d->plot)))
		return;
	for (int i = 0; i < r->n_cond; i++) {
		if (strcmp(r->cond[i].metric, metric))
			continue;
		if (r->kind == ALERT_RAW && (d->plot < 0 ||
		    !raw_level(&a->plots[d->plot], r->p, &level)))
			continue;
		snprintf(subject, sizeof(subject), r->kind == ALERT_STUCK
			 ? "%s/%s" : "%s", d->id, metric);
		if (!(s = alerts__subject(a, ri, subject,
					  r->kind == ALERT_THRESHOLD &&
					  alerts__weather(d->kind, metric)
					  ? MON_AREA : d->plot)))
			return;
		if (r->kind == ALERT_RAW)
			s->cond[i].threshold = s->cond[i].clear = level;
		bind_to(b, s, i);
	}
}

static struct mon_binding *bind_series(struct alerts *a, int64_t series,
				       const struct mon_series *ms)
{
	struct mon_binding *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->dev = ms->dev;
	b->metric = ms->metric;
	b->flow = ms->flow;
	if (imap_put(&a->bindings, series, b)) {
		free(b);
		return NULL;
	}
	for (size_t ri = 0; ri < a->n_rules; ri++)
		bind_rule(a, b, (int)ri, a->metrics[ms->metric]);
	return b;
}

/* A series' binding, made from what is known of it if the rules changed. */
static struct mon_binding *binding_of(struct alerts *a, int64_t series)
{
	struct mon_binding *b = imap_get(&a->bindings, series);
	const struct mon_series *ms;

	if (b)
		return b;
	ms = imap_get(&a->series, series);
	return ms ? bind_series(a, series, ms) : NULL;
}

int alerts__metric(struct alerts *a, const char *name)
{
	int64_t at;
	char *copy;

	if (smap_get(&a->metric_index, name, &at))
		return (int)at - 1;
	if (a->n_metrics == a->cap_metrics) {
		size_t cap = a->cap_metrics ? a->cap_metrics * 2 : 32;
		char **p = realloc(a->metrics, cap * sizeof(*p));

		if (!p)
			return -1;
		a->metrics = p;
		a->cap_metrics = cap;
	}
	if (!(copy = strdup(name)))
		return -1;
	if (smap_put(&a->metric_index, name, (int64_t)a->n_metrics + 1)) {
		free(copy);
		return -1;
	}
	a->metrics[a->n_metrics] = copy;
	return (int)a->n_metrics++;
}

/* Learn a series from its names (its device loaded if new); its binding. */
static struct mon_binding *learn(struct alerts *a, const struct mon_name *nm)
{
	struct mon_series *ms = imap_get(&a->series, nm->series);
	int dev, metric;

	if (!ms) {
		if ((dev = alerts__device(a, nm->device, nm->plot)) < 0 ||
		    (metric = alerts__metric(a, nm->metric)) < 0 ||
		    !(ms = calloc(1, sizeof(*ms))))
			return NULL;
		ms->dev = dev;
		ms->metric = metric;
		ms->flow = !strcmp(nm->metric, "flow");
		if (imap_put(&a->series, nm->series, ms)) {
			free(ms);
			return NULL;
		}
		alerts__pv_learned(a, dev);
	}
	return binding_of(a, nm->series);
}

/*
 * Freshness counts a point as of its time, but never later than now: a
 * device whose clock runs ahead must not look fresh for hours.
 */
static void note_source(struct alerts *a, const struct mon_binding *b,
			const struct mon_point *p, int64_t now)
{
	struct mon_device *d = &a->devices[b->dev];
	struct mon_plot *pl;
	enum fresh_source src = fresh_source_of_kind(d->kind);
	int64_t ts = p->ts < now ? p->ts : now;

	eval_cadence_note(&d->cadence, ts);
	if (d->plot < 0)
		return;
	pl = &a->plots[d->plot];
	if (ts > pl->last[src])
		pl->last[src] = ts;
	if (ts > pl->last_any)
		pl->last_any = ts;
	if (b->flow && p->ts >= pl->flow_ts) {
		pl->flow = p->value;
		pl->flow_ts = p->ts;
	}
}

void alerts_note_remote(struct alerts *a, const char *device,
			const char *plot, const char *metric, int64_t ts,
			double value)
{
	struct mon_point p = { 0, ts, value, false };
	struct mon_binding b = { .flow = !strcmp(metric, "flow") };

	pthread_mutex_lock(&a->lock);
	if ((b.dev = alerts__device(a, device, plot)) >= 0)
		note_source(a, &b, &p, alerts__now(a));
	pthread_mutex_unlock(&a->lock);
}

/*
 * Whether a rule needs every reading of its series in order: a duration,
 * stuck, several conditions.  In a cluster one node (the holder of
 * DUTY_ALERTS) evaluates those, from every node's readings.
 */
static bool needs_order(const struct mon_subject *s)
{
	return s->kind == ALERT_STUCK || s->for_ms > 0 || s->n_cond > 1;
}

/*
 * In a cluster: where a point goes.  The holder evaluates every rule on
 * its own points and the ordered ones on relayed points; another node
 * evaluates the rest on its own points and forwards (true) those the
 * ordered rules need.
 */
struct route {
	bool cluster, holder;
};

static bool eval_point(struct alerts *a, const struct mon_binding *b,
		       const struct mon_point *p, struct route rt)
{
	bool forward = false;

	for (int k = 0; k < b->n; k++) {
		struct mon_subject *s = b->to[k].s;
		enum eval_change ch;

		if (rt.cluster && needs_order(s) && !rt.holder) {
			forward |= !p->remote;
			continue;
		}
		if (rt.cluster && !needs_order(s) && p->remote)
			continue;   /* its own node evaluated it */
		ch = s->kind == ALERT_STUCK
			? eval_stuck(s->window_ms, &s->st, p->ts, p->value)
			: eval_conditions(s->cond, s->n_cond, s->for_ms, &s->st,
					  b->to[k].cond, p->ts, p->value);
		if (ch != EVAL_SAME)
			alerts__say_change(a, s, ch == EVAL_RAISE, p->ts,
					   p->value);
	}
	return forward;
}

/* Points evaluated under the lock at a time: reads and acks get their turn. */
#define SLICE 4096
/* A "readings" message's data at most (a NOTIFY payload is < 8000 bytes). */
#define READINGS_MAX 6000

/* Relay the readings gathered ({"r":[... ), emptying the buffer. */
static void send_readings(struct alerts *a, struct buf *out)
{
	if (!out->len)
		return;
	buf_puts(out, "]}");
	if (!buf_failed(out))
		events_relay(a->events, "readings", out->data);
	buf_reset(out);
}

/* Add one reading for the holder: [series, ts, value, device, metric, plot]. */
static void add_reading(struct alerts *a, const struct mon_binding *b,
			const struct mon_point *p, struct buf *out)
{
	const struct mon_series *ms = imap_get(&a->series, p->series);
	const struct mon_device *d = &a->devices[b->dev];

	if (!ms || !isfinite(p->value))
		return;
	buf_puts(out, out->len ? "," : "{\"r\":[");
	buf_printf(out, "[%lld,%lld,%.17g,", (long long)p->series,
		   (long long)p->ts, p->value);
	buf_json_string(out, d->id);
	buf_putc(out, ',');
	buf_json_string(out, a->metrics[ms->metric]);
	buf_putc(out, ',');
	buf_json_string(out, plot_code(a, d->plot));
	buf_putc(out, ']');
	if (out->len > READINGS_MAX)
		send_readings(a, out);
}

static void evaluate_slice(struct alerts *a, const struct mon_point *pts,
			   size_t n, struct buf *fwd)
{
	struct route rt = { a->o.cluster, a->o.cluster && duty_held(DUTY_ALERTS) };
	int64_t now, oldest;
	bool act;

	pthread_mutex_lock(&a->lock);
	now = alerts__now(a);
	oldest = now - a->o.max_age_ms;
	for (size_t i = 0; i < n; i++) {
		const struct mon_point *p = &pts[i];
		struct mon_binding *b = binding_of(a, p->series);

		if (!b)
			continue;
		note_source(a, b, p, now);
		if (b->n && p->ts >= oldest && eval_point(a, b, p, rt))
			add_reading(a, b, p, fwd);
		if (a->pv.n && p->ts >= oldest && !p->remote)
			alerts__pv_point(a, b, p);   /* (a relayed point: done) */
	}
	act = a->n_actions > 0;
	pthread_mutex_unlock(&a->lock);
	if (act)
		alerts__flush(a);
}

void alerts__evaluate(struct alerts *a, const struct mon_name *names,
		      size_t n_names, const struct mon_point *pts, size_t n)
{
	alerts__pv_refresh(a);
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < n_names; i++) {
		const struct mon_binding *b = learn(a, &names[i]);

		if (b)
			alerts__classify(a, names[i].series,
					 b->n || b->flow || alerts__pv_watches(a, b)
					 ? MON_WATCH : MON_QUIET + (uintptr_t)b->dev);
	}
	pthread_mutex_unlock(&a->lock);
	struct buf fwd = BUF_INIT;

	for (size_t off = 0; off < n; off += SLICE)
		evaluate_slice(a, pts + off, n - off < SLICE ? n - off : SLICE,
			       &fwd);
	send_readings(a, &fwd);
	buf_free(&fwd);
}

/* ---- valves ------------------------------------------------------------------ */

static void forget_valve(struct alerts *a, const char *device)
{
	for (size_t i = 0; i < a->n_valves; i++)
		if (!strcmp(a->valves[i].device, device)) {
			a->valves[i] = a->valves[--a->n_valves];
			return;
		}
}

static void watch_valve(struct alerts *a, const char *device, int plot,
			int64_t now)
{
	struct mon_valve *v;
	void *p;

	forget_valve(a, device);
	if (a->n_valves == a->cap_valves) {
		size_t cap = a->cap_valves ? a->cap_valves * 2 : 16;

		if (!(p = realloc(a->valves, cap * sizeof(*v))))
			return;
		a->valves = p;
		a->cap_valves = cap;
	}
	v = &a->valves[a->n_valves++];
	snprintf(v->device, sizeof(v->device), "%s", device);
	v->plot = plot;
	v->since_ms = now;
}

/* Raise or clear the valve rules of kind on a device. */
static void valve_rules(struct alerts *a, enum alert_kind kind, bool raise,
			const char *device, int plot, const char *msg,
			const char *detail)
{
	for (size_t ri = 0; ri < a->n_rules; ri++) {
		const struct alert_rule *r = &a->rules[ri];
		struct mon_subject *s;

		if (r->kind != kind || !r->enabled ||
		    !alert_rule_matches(r, device, plot_code(a, plot),
					plot_crop(a, plot)) ||
		    !(s = alerts__subject(a, (int)ri, device, plot)) ||
		    s->st.active == raise)
			continue;
		s->st.active = raise;
		alerts__act_detail(a, raise, (int)ri, device, plot, NAN, msg,
				   detail, NULL);
	}
}

/* A failed command, structured: why as a code the screen words. */
static void failed_detail(const struct db_command *c, char *out, size_t size)
{
	json_t *p = json_pack("{ss sI ss ss ss}", "device", c->device,
			      "command", (json_int_t)c->id, "action", c->action,
			      "reason", strstr(c->reason, "did not acknowledge")
			      ? "no_ack" : "refused", "text", c->reason);

	alerts__detail("valve_failed", p, out, size);
}

void alerts_on_valve(const struct db_command *c, const char *plot, void *ctx)
{
	struct alerts *a = ctx;
	char msg[1024], detail[DB_ALERT_DETAIL_MAX];
	int p;

	pthread_mutex_lock(&a->lock);
	p = alerts__plot(a, plot);
	if (!strcmp(c->state, "failed")) {
		snprintf(msg, sizeof(msg), "valve %s: command %lld (%s) failed: %s",
			 c->device, (long long)c->id, c->action, c->reason);
		failed_detail(c, detail, sizeof(detail));
		valve_rules(a, ALERT_VALVE_FAILED, true, c->device, p, msg,
			    detail);
	} else if (!strcmp(c->state, "acknowledged")) {
		valve_rules(a, ALERT_VALVE_FAILED, false, c->device, p, "", NULL);
		if (!strcmp(c->action, "open")) {
			watch_valve(a, c->device, p, alerts__now(a));
		} else {
			forget_valve(a, c->device);
			valve_rules(a, ALERT_VALVE_NO_FLOW, false, c->device, p, "",
				    NULL);
		}
	}
	pthread_mutex_unlock(&a->lock);
	alerts__flush(a);
}

/* ---- other modules ------------------------------------------------------------- */

/*
 * Raise or clear the rules of template tpl for one subject: the plot (device
 * NULL: rules without a device filter) or one device of the plot (plot may
 * be "" for a device on none); params (borrowed, or NULL) go into the
 * alert's structured detail.
 */
static int external(struct alerts *a, const char *tpl, const char *device,
		    const char *plot, const char *message, json_t *params,
		    bool raise, bool *raised, struct err *e)
{
	const char *subject = device ? device : plot;
	char detail[DB_ALERT_DETAIL_MAX] = "";
	int p;

	if (raised)
		*raised = false;
	pthread_mutex_lock(&a->lock);
	p = alerts__plot(a, plot);
	if (p < 0 && (!device || (plot && plot[0]))) {
		pthread_mutex_unlock(&a->lock);
		return err_set(e, ERR_NOT_FOUND, "no plot '%s'", plot);
	}
	for (size_t ri = 0; ri < a->n_rules; ri++) {
		const struct alert_rule *r = &a->rules[ri];
		struct mon_subject *s;

		if (!r->enabled || strcmp(r->template_name, tpl) ||
		    !alert_rule_matches(r, device ? device : "",
					p >= 0 ? a->plots[p].code : "",
					p >= 0 ? a->plots[p].crop : "") ||
		    (!device && r->device[0]) ||
		    !(s = alerts__subject(a, (int)ri, subject, p)))
			continue;
		if (raised && raise)
			*raised = true;
		if (s->st.active == raise)
			continue;
		s->st.active = raise;
		if (raise) {
			json_t *d = json_pack("{ss ss ss}", "rule", r->name,
					      "template", tpl, "plot", plot);

			if (d && device)
				json_object_set_new(d, "device",
						    json_string(device));
			if (d && params)
				json_object_update_missing(d, params);
			alerts__detail(tpl, d, detail, sizeof(detail));
		}
		alerts__act_detail(a, raise, (int)ri, subject, p, NAN, message,
				   detail, NULL);
	}
	pthread_mutex_unlock(&a->lock);
	alerts__flush(a);
	return ERR_OK;
}

int alerts_raise_external(struct alerts *a, const char *template_name,
			  const char *plot, const char *message, bool *raised,
			  struct err *e)
{
	return external(a, template_name, NULL, plot, message, NULL, true,
			raised, e);
}

int alerts_raise_external_with(struct alerts *a, const char *template_name,
			       const char *plot, const char *message,
			       json_t *params, bool *raised, struct err *e)
{
	return external(a, template_name, NULL, plot, message, params, true,
			raised, e);
}

int alerts_clear_external(struct alerts *a, const char *template_name,
			  const char *plot, struct err *e)
{
	return external(a, template_name, NULL, plot, "", NULL, false, NULL,
			e);
}

int alerts_raise_device(struct alerts *a, const char *template_name,
			const char *device, const char *plot,
			const char *message, bool *raised, struct err *e)
{
	return external(a, template_name, device, plot ? plot : "", message,
			NULL, true, raised, e);
}

int alerts_clear_device(struct alerts *a, const char *template_name,
			const char *device, const char *plot, struct err *e)
{
	return external(a, template_name, device, plot ? plot : "", "", NULL,
			false, NULL, e);
}

void alerts_source_seen(struct alerts *a, const char *source,
			const char *plot, int64_t ts)
{
	int src = fresh_source_from_name(source), p;

	pthread_mutex_lock(&a->lock);
	p = alerts__plot(a, plot);
	if (src >= 0 && p >= 0 && ts > a->plots[p].last[src])
		a->plots[p].last[src] = ts;
	pthread_mutex_unlock(&a->lock);
}

/* ---- the clock ---------------------------------------------------------------- */

/* Must rule ri on subject change to late?  If so its state is changed. */
static bool flips(struct alerts *a, int ri, const char *subject, int plot,
		  bool late)
{
	struct mon_subject *s = alerts__subject(a, ri, subject, plot);

	if (!s || s->st.active == late)
		return false;
	s->st.active = late;
	return true;
}

/* The params every clock alert has: its rule and template, and one name. */
static json_t *clock_params(const struct alert_rule *r, const char *key,
			    const char *value)
{
	return json_pack("{ss ss ss}", "rule", r->name, "template",
			 r->template_name, key, value);
}

static json_t *plot_or_null(struct alerts *a, int plot)
{
	return plot >= 0 ? json_string(plot_code(a, plot)) : json_null();
}

/* Raise or clear rule ri on subject, saying msg and (code, params). */
static void clock_act(struct alerts *a, int ri, const char *subject, int plot,
		      bool late, const char *msg, const char *code,
		      json_t *params)
{
	char detail[DB_ALERT_DETAIL_MAX];

	alerts__detail(code, params, detail, sizeof(detail));
	alerts__act_detail(a, late, ri, subject, plot, NAN, msg, detail, NULL);
}

static void check_silent(struct alerts *a, int ri, int64_t now)
{
	const struct alert_rule *r = &a->rules[ri];
	char msg[1024];

	for (size_t i = 0; i < a->n_devices; i++) {
		const struct mon_device *d = &a->devices[i];
		long long silent_s = (now - d->cadence.last_ts) / 1000;
		bool late;
		json_t *p;

		if (!d->cadence.last_ts ||
		    !alert_rule_matches(r, d->id, plot_code(a, d->plot),
					plot_crop(a, d->plot)))
			continue;
		late = eval_silent(&d->cadence, r->factor, now);
		if (!flips(a, ri, d->id, d->plot, late))
			continue;
		snprintf(msg, sizeof(msg), "%s: device %s silent since %lld s "
			 "(usually every %.0f s)", r->name, d->id, silent_s,
			 d->cadence.interval_ms / 1000);
		p = clock_params(r, "device", d->id);
		json_object_set_new(p, "silent_s", json_integer(silent_s));
		json_object_set_new(p, "interval_s", json_integer((json_int_t)
				    (d->cadence.interval_ms / 1000 + 0.5)));
		json_object_set_new(p, "plot", plot_or_null(a, d->plot));
		clock_act(a, ri, d->id, d->plot, late, msg, "silent", p);
	}
}

/*
 * pv_comm_loss: a PV device with a link of its own (not a block or a
 * string, whose data come through their combiner box) heard from before
 * and silent for window_ms (alert/pv_eval.c).
 */
static void check_pv_comm(struct alerts *a, int ri, int64_t now)
{
	static const char *const linked[] = { "pv_inverter", "pv_combiner",
		"pv_tracker", "pv_meter", "pv_met_station" };
	const struct alert_rule *r = &a->rules[ri];
	char msg[1024];

	for (size_t i = 0; i < a->n_devices; i++) {
		const struct mon_device *d = &a->devices[i];
		long long silent_s = (now - d->cadence.last_ts) / 1000;
		enum pv_verdict v;
		bool pv = false;
		json_t *p;

		for (size_t k = 0; k < sizeof(linked) / sizeof(linked[0]); k++)
			pv = pv || !strcmp(d->kind, linked[k]);
		if (!pv || !alert_rule_matches(r, d->id, plot_code(a, d->plot),
					       plot_crop(a, d->plot)))
			continue;
		v = pv_comm_verdict(r, d->cadence.last_ts, now);
		if (v == PV_UNDECIDED ||
		    !flips(a, ri, d->id, d->plot, v == PV_BREACH))
			continue;
		snprintf(msg, sizeof(msg), "%s: no data at all from %s for "
			 "%lld s (communication loss, not an outage)", r->name,
			 d->id, silent_s);
		p = clock_params(r, "device", d->id);
		json_object_set_new(p, "silent_s", json_integer(silent_s));
		clock_act(a, ri, d->id, d->plot, v == PV_BREACH, msg,
			  "pv_comm_loss", p);
	}
}

static void check_no_data(struct alerts *a, int ri, int64_t now)
{
	const struct alert_rule *r = &a->rules[ri];
	char msg[1024];
	json_t *p;

	if (r->device[0]) {
		int d = alerts__device(a, r->device, NULL);
		int64_t last;
		bool late;

		if (d < 0)
			return;
		last = a->devices[d].cadence.last_ts;
		late = now - (last ? last : a->started_ms) > r->window_ms;
		if (!flips(a, ri, r->device, a->devices[d].plot, late))
			return;
		snprintf(msg, sizeof(msg), "%s: no data from %s for %lld min",
			 r->name, r->device, (long long)r->window_ms / MS_PER_MINUTE);
		p = clock_params(r, "device", r->device);
		json_object_set_new(p, "minutes", json_integer((json_int_t)
				    (r->window_ms / MS_PER_MINUTE)));
		clock_act(a, ri, r->device, a->devices[d].plot, late, msg,
			  "no_data", p);
		return;
	}
	for (size_t i = 0; i < a->n_plots; i++) {
		const struct mon_plot *pl = &a->plots[i];
		int64_t last = pl->last_any ? pl->last_any : a->started_ms;
		bool late = now - last > r->window_ms;

		if (!pl->n_devices || !alert_rule_matches(r, "", pl->code, pl->crop) ||
		    !flips(a, ri, pl->code, (int)i, late))
			continue;
		snprintf(msg, sizeof(msg), "%s: no data from any device of plot "
			 "%s for %lld min", r->name, pl->code,
			 (long long)((now - last) / MS_PER_MINUTE));
		p = clock_params(r, "plot", pl->code);
		json_object_set_new(p, "minutes", json_integer((json_int_t)
				    ((now - last) / MS_PER_MINUTE)));
		clock_act(a, ri, pl->code, (int)i, late, msg, "no_data", p);
	}
}

static void check_stale(struct alerts *a, int ri, int64_t now)
{
	const struct alert_rule *r = &a->rules[ri];
	int src = fresh_source_from_name(r->source);
	char msg[1024], subject[DB_NAME_MAX * 2];
	json_t *p;

	if (src < 0)
		return;
	for (size_t i = 0; i < a->n_plots; i++) {
		const struct mon_plot *pl = &a->plots[i];
		bool late;

		if ((src == FRESH_STATION && !pl->n_devices) ||
		    !alert_rule_matches(r, "", pl->code, pl->crop))
			continue;
		snprintf(subject, sizeof(subject), "%s/%s", pl->code, r->source);
		late = fresh_late((enum fresh_source)src, pl->last[src],
				  a->started_ms, r->cadence_ms, r->factor, now);
		if (!flips(a, ri, subject, (int)i, late))
			continue;
		snprintf(msg, sizeof(msg), "%s: %s data of plot %s missed its "
			 "cadence (%lld min)", r->name, r->source, pl->code,
			 (long long)(r->cadence_ms / MS_PER_MINUTE));
		p = clock_params(r, "plot", pl->code);
		json_object_set_new(p, "source", json_string(r->source));
		json_object_set_new(p, "cadence_min", json_integer((json_int_t)
				    (r->cadence_ms / MS_PER_MINUTE)));
		clock_act(a, ri, subject, (int)i, late, msg, "stale", p);
	}
}

static void check_no_flow(struct alerts *a, int ri, int64_t now)
{
	const struct alert_rule *r = &a->rules[ri];
	char msg[1024];
	json_t *p;

	for (size_t i = 0; i < a->n_valves; i++) {
		const struct mon_valve *v = &a->valves[i];
		const struct mon_plot *pl = v->plot >= 0 ? &a->plots[v->plot] : NULL;
		bool flowing = pl && pl->flow_ts > v->since_ms &&
			       !alert_cond_breached(&r->cond[0], pl->flow);
		long long minutes = (now - v->since_ms) / MS_PER_MINUTE;

		if (!alert_rule_matches(r, v->device, plot_code(a, v->plot),
					plot_crop(a, v->plot)) ||
		    !(flowing || now - v->since_ms >= r->window_ms) ||
		    !flips(a, ri, v->device, v->plot, !flowing))
			continue;
		snprintf(msg, sizeof(msg), "%s: valve %s open for %lld min and no "
			 "flow on its plot", r->name, v->device, minutes);
		p = clock_params(r, "device", v->device);
		json_object_set_new(p, "minutes", json_integer(minutes));
		json_object_set_new(p, "plot", plot_or_null(a, v->plot));
		clock_act(a, ri, v->device, v->plot, !flowing, msg,
			  "valve_no_flow", p);
	}
}

/* Last values count as holding this long when the clock completes a wait. */
#define HOLD_FRESH_MS (15 * MS_PER_MINUTE)

/* Threshold rules whose duration is met by the clock, between points. */
static void check_durations(struct alerts *a, int64_t now)
{
	for (size_t i = 0; i < a->n_subjects; i++) {
		struct mon_subject *s = a->subjects[i];
		const struct alert_rule *r = &a->rules[s->rule];

		if ((r->kind != ALERT_THRESHOLD && r->kind != ALERT_RAW) ||
		    !r->enabled || s->st.active || !s->st.holds_since ||
		    eval_conditions_at(r->n_cond, r->for_ms, HOLD_FRESH_MS,
				       &s->st, now) != EVAL_RAISE)
			continue;
		alerts__say_change(a, s, true, s->st.ts[0], s->st.value[0]);
	}
}

/* A repeat or an escalation to carry out after the lock. */
struct due {
	int64_t id;
	bool escalate;
	char to[16];
};

static size_t collect_due(struct alerts *a, int64_t now, struct due *out,
			  size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_active && n < max; i++) {
		struct mon_active *m = &a->active[i];
		const struct alert_rule *r = NULL;

		for (size_t k = 0; k < a->n_rules; k++)
			if (a->rules[k].id == m->rule_id)
				r = &a->rules[k];
		if (!r || m->acked)
			continue;
		if (r->escalate_ms && !m->escalated &&
		    now - m->opened_ms >= r->escalate_ms) {
			m->escalated = true;
			m->notified_ms = now;
			out[n++] = (struct due){ m->id, true, "" };
			snprintf(out[n - 1].to, sizeof(out[n - 1].to), "%s",
				 r->escalate_to[0] ? r->escalate_to : "critical");
		} else if (r->repeat_ms && now - m->notified_ms >= r->repeat_ms) {
			m->notified_ms = now;
			out[n++] = (struct due){ m->id, false, "" };
		}
	}
	return n;
}

static void carry_out(struct alerts *a, const struct due *d, int64_t now)
{
	struct db_alert al;
	struct err e;
	json_t *j, *msg;
	char *text;

	char from[sizeof(al.state)];
	int rc;

	if (db_alert_get(a->db, d->id, &al, &e))
		return;
	if (!strcmp(al.state, "closed")) {
		pthread_mutex_lock(&a->lock);
		alerts__drop_active(a, d->id);
		pthread_mutex_unlock(&a->lock);
		return;
	}
	snprintf(from, sizeof(from), "%s", al.state);
	al.notified_ms = now;
	if (d->escalate) {
		al.escalated = true;
		snprintf(al.severity, sizeof(al.severity), "%s", d->to);
	}
	/* from the state read: an ack or close meanwhile wins, this one goes */
	if ((rc = db_alert_update(a->db, &al, from, &e))) {
		if (rc != ERR_NOT_FOUND)
			log_error("alert %lld: %s", (long long)d->id, e.msg);
		return;
	}
	j = alerts_alert_json(&al);
	json_object_set_new(j, "event", json_string(d->escalate ? "escalated"
						    : "repeated"));
	if (a->events && (text = json_dumps(j, JSON_COMPACT))) {
		events_publish(a->events, "alert", al.plot, text);
		free(text);
	}
	msg = json_pack("{ss sO}", "event", d->escalate ? "escalated"
			: "repeated", "alert", j);
	if ((text = json_dumps(msg, JSON_COMPACT))) {
		notify_send(a->notify, al.id, text);
		free(text);
	}
	json_decref(msg);
	json_decref(j);
}

#define DUE_MAX 256

void alerts_tick(struct alerts *a, int64_t now)
{
	struct due due[DUE_MAX];
	void (*daily)(void *ctx, int64_t now);
	void *daily_ctx;
	size_t n_due;

	pthread_mutex_lock(&a->lock);
	for (size_t ri = 0; ri < a->n_rules; ri++) {
		if (!a->rules[ri].enabled)
			continue;
		switch (a->rules[ri].kind) {
		case ALERT_SILENT: check_silent(a, (int)ri, now); break;
		case ALERT_NO_DATA: check_no_data(a, (int)ri, now); break;
		case ALERT_STALE: check_stale(a, (int)ri, now); break;
		case ALERT_VALVE_NO_FLOW: check_no_flow(a, (int)ri, now); break;
		case ALERT_EXTERNAL:
			if (!strcmp(a->rules[ri].template_name, "pv_comm_loss"))
				check_pv_comm(a, (int)ri, now);
			break;
		default: break;
		}
	}
	check_durations(a, now);
	n_due = collect_due(a, now, due, DUE_MAX);
	daily = a->on_daily && (!a->daily_ms ||
				now - a->daily_ms >= ALERTS_DAILY_CHECK_MS)
		? a->on_daily : NULL;
	daily_ctx = a->on_daily_ctx;
	if (daily)
		a->daily_ms = now;
	pthread_mutex_unlock(&a->lock);
	alerts__flush(a);
	for (size_t i = 0; i < n_due; i++)
		carry_out(a, &due[i], now);
	if (daily)   /* may read the store for seconds: the clock waits */
		daily(daily_ctx, now);
}

static void *timer_main(void *arg)
{
	struct alerts *a = arg;
	struct timespec until;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		until = time_deadline_in(a->o.tick_ms);
		pthread_cond_timedwait(&a->stop_cond, &a->lock, &until);
		if (a->stop)
			break;
		pthread_mutex_unlock(&a->lock);
		if (duty_held(DUTY_ALERTS))
			alerts_tick(a, alerts__now(a));
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

void alerts__timer_start(struct alerts *a)
{
	if (a->o.tick_ms > 0 && !pthread_create(&a->timer, NULL, timer_main, a))
		a->timer_started = true;
}

void alerts__timer_stop(struct alerts *a)
{
	if (!a->timer_started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->stop_cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->timer, NULL);
	a->timer_started = false;
}

/* ---- freshness ----------------------------------------------------------------- */

/* The stale rule of src that applies to plot, or NULL. */
static const struct alert_rule *stale_rule(struct alerts *a, int src,
					   const struct mon_plot *p)
{
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct alert_rule *r = &a->rules[i];

		if (r->kind == ALERT_STALE && r->enabled &&
		    fresh_source_from_name(r->source) == src &&
		    alert_rule_matches(r, "", p->code, p->crop))
			return r;
	}
	return NULL;
}

static const double default_factor[FRESH_N_] = { 3.0, 1.5, 3.0 };

static json_t *source_json(int src, int64_t last, int64_t cadence,
			   double factor, bool late, int64_t now)
{
	char when[32];
	json_t *j = json_pack("{ss sI sf sb}", "source",
			      fresh_source_name((enum fresh_source)src),
			      "cadence_s", (json_int_t)(cadence / 1000),
			      "factor", factor, "late", late);

	time_format_iso(last, when, sizeof(when));
	json_object_set_new(j, "last", last ? json_string(when) : json_null());
	json_object_set_new(j, "age_s", last ? json_integer((json_int_t)
			    (fresh_age_ms((enum fresh_source)src, last, now) /
			     1000)) : json_null());
	return j;
}

static json_t *plot_freshness(struct alerts *a, const struct mon_plot *p,
			      int64_t now, int *late_count)
{
	json_t *arr = json_array();

	for (int src = 0; src < FRESH_N_; src++) {
		const struct alert_rule *r = stale_rule(a, src, p);
		int64_t cadence = r ? r->cadence_ms
			: fresh_default_cadence_ms((enum fresh_source)src);
		double factor = r ? r->factor : default_factor[src];
		bool late = fresh_late((enum fresh_source)src, p->last[src],
				       a->started_ms, cadence, factor, now);

		if (late && late_count)
			late_count[src]++;
		json_array_append_new(arr, source_json(src, p->last[src], cadence,
						       factor, late, now));
	}
	return arr;
}

json_t *alerts_freshness_json(struct alerts *a, const char *plot,
			      struct err *e)
{
	int64_t now = alerts__now(a), newest[FRESH_N_] = { 0 };
	int late[FRESH_N_] = { 0 }, p;
	json_t *out = NULL, *base;

	pthread_mutex_lock(&a->lock);
	if (plot) {
		if ((p = alerts__plot(a, plot)) < 0)
			err_set(e, ERR_NOT_FOUND, "no plot '%s'", plot);
		else
			out = json_pack("{ss so}", "plot", plot, "sources",
					plot_freshness(a, &a->plots[p], now, NULL));
		pthread_mutex_unlock(&a->lock);
		return out;
	}
	for (size_t i = 0; i < a->n_plots; i++) {
		json_decref(plot_freshness(a, &a->plots[i], now, late));
		for (int s = 0; s < FRESH_N_; s++)
			if (a->plots[i].last[s] > newest[s])
				newest[s] = a->plots[i].last[s];
	}
	base = json_array();
	for (int s = 0; s < FRESH_N_; s++) {
		json_t *j = source_json(s, newest[s],
			fresh_default_cadence_ms((enum fresh_source)s),
			default_factor[s], late[s] > 0, now);

		json_object_set_new(j, "plots_late", json_integer(late[s]));
		json_array_append_new(base, j);
	}
	out = json_pack("{so sI}", "sources", base, "plots",
			(json_int_t)a->n_plots);
	pthread_mutex_unlock(&a->lock);
	return out;
}
