/*
 * What an alert of the points says: in English for its message (API
 * users, logs, webhooks as before) and structured for the screen, which
 * words it in its own language: a detail {"code":..,"params":{..}} kept
 * with the alert (docs/API.md lists the codes and their parameters).
 *
 * The weather of the base: a threshold rule on the weather metrics of a
 * weather station (air temperature, humidity, wind, rain...; not its
 * battery) concerns the air over the base, not the plot the mast stands
 * on.  Its stations are evaluated each on its own, but they make one alert
 * of the rule, subject "base" on no plot (the station the rule names, or
 * the plot it names, on that plot), with the plots it covers (those its
 * plot and crop filters select):
 * opened when the first station breaches, closed when the last one clears.
 * When none of those plots has a crop in the field at the reading's time
 * (before sowing, after the crop's season: harvested or fallow), the
 * alert is only "info": a frost on stubble threatens nothing.
 */
#include "alert/alerts_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

/* Codes listed at most in an alert's detail (plots_n counts them all). */
#define PLOTS_LISTED 200

/* A station's own health, not the weather. */
static const char *const health_metrics[] = { "battery", "signal", "rssi",
	"voltage", NULL };

bool alerts__weather(const char *kind, const char *metric)
{
	if (strcmp(kind, "weather_station"))
		return false;
	for (size_t i = 0; health_metrics[i]; i++)
		if (!strcmp(metric, health_metrics[i]))
			return false;
	return true;
}

const char *alerts__area_subject(const struct alert_rule *r)
{
	return r->device[0] ? r->device : r->plot[0] ? r->plot : "base";
}

void alerts__detail(const char *code, json_t *params, char *out, size_t size)
{
	json_t *d = json_pack("{ss so}", "code", code, "params",
			      params ? params : json_object());
	char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;

	snprintf(out, size, "%s", text && strlen(text) < size ? text : "");
	free(text);
	json_decref(d);
}

static json_t *number_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The conditions with their latest values. */
static json_t *conditions_json(const struct mon_subject *s)
{
	json_t *arr = json_array();

	for (int i = 0; i < s->n_cond; i++)
		json_array_append_new(arr, json_pack("{ss ss sf so}",
			"metric", s->cond[i].metric,
			"op", alert_op_name(s->cond[i].op),
			"threshold", s->cond[i].threshold,
			"value", s->st.ts[i] ? number_or_null(s->st.value[i])
					     : json_null()));
	return arr;
}

/* rule, template and the first condition: what every point alert has. */
static json_t *rule_params(const struct alert_rule *r,
			   const struct mon_subject *s, double v)
{
	return json_pack("{ss ss ss ss sf so so}", "rule", r->name,
			 "template", r->template_name,
			 "metric", s->cond[0].metric,
			 "op", alert_op_name(s->cond[0].op),
			 "threshold", s->cond[0].threshold,
			 "value", number_or_null(v),
			 "conditions", conditions_json(s));
}

static const char *code_of(struct alerts *a, int plot)
{
	return plot >= 0 ? a->plots[plot].code : "";
}

/* A device's own alert (threshold on a plot's device, raw, stuck). */
static void say_device(struct alerts *a, const struct mon_subject *s,
		       bool raise, double v)
{
	const struct alert_rule *r = &a->rules[s->rule];
	const struct alert_cond *c = &s->cond[0];
	char msg[1024], device[DB_NAME_MAX * 2];
	char detail[DB_ALERT_DETAIL_MAX];
	json_t *p = rule_params(r, s, v);
	char *slash;

	snprintf(device, sizeof(device), "%s", s->subject);
	if (s->kind == ALERT_STUCK && (slash = strrchr(device, '/')))
		*slash = '\0';
	json_object_set_new(p, "device", json_string(device));
	json_object_set_new(p, "plot", s->plot >= 0
			    ? json_string(code_of(a, s->plot)) : json_null());
	if (s->kind == ALERT_STUCK) {
		json_object_set_new(p, "minutes", json_integer(
				    (json_int_t)(r->window_ms / MS_PER_MINUTE)));
		snprintf(msg, sizeof(msg), "%s: %s has read %g for %lld min",
			 r->name, s->subject, v,
			 (long long)(r->window_ms / MS_PER_MINUTE));
	} else {
		snprintf(msg, sizeof(msg), "%s: %s %s %g %s %g%s%s", r->name,
			 s->subject, c->metric, v, alert_op_name(c->op),
			 c->threshold, s->plot >= 0 ? " on plot " : "",
			 code_of(a, s->plot));
	}
	alerts__detail(s->kind == ALERT_STUCK ? "stuck" : s->kind == ALERT_RAW
		       ? "raw" : "threshold", p, detail, sizeof(detail));
	alerts__act_detail(a, raise, s->rule, s->subject, s->plot, v, msg,
			   detail, NULL);
}

static bool in_season(const struct mon_plot *p, int64_t ts)
{
	if (!p->crop[0])
		return false;               /* fallow */
	if (!p->sown_ms)
		return true;                /* a crop, sown when unknown: count it */
	return ts >= p->sown_ms && ts < p->sown_ms + p->season_ms;
}

/* The plots rule r's plot and crop filters select; *n, *growing counted. */
static json_t *covered(struct alerts *a, const struct alert_rule *r,
		       int64_t ts, int *n, int *growing)
{
	json_t *codes = json_array();

	*n = *growing = 0;
	for (size_t i = 0; i < a->n_plots; i++) {
		const struct mon_plot *p = &a->plots[i];

		if ((r->plot[0] && strcmp(r->plot, p->code)) ||
		    (r->crop[0] && strcmp(r->crop, p->crop)))
			continue;
		if (*n < PLOTS_LISTED)
			json_array_append_new(codes, json_string(p->code));
		(*n)++;
		*growing += in_season(p, ts);
	}
	return codes;
}

/* Another station of s's rule breaching now? */
static bool other_breaching(struct alerts *a, const struct mon_subject *s)
{
	for (size_t i = 0; i < a->n_subjects; i++) {
		const struct mon_subject *o = a->subjects[i];

		if (o != s && o->area && o->rule == s->rule && o->st.active)
			return true;
	}
	return false;
}

/* The detail of an area alert, its codes cut until it fits. */
static void area_detail(json_t *p, json_t *codes, char *out, size_t size)
{
	for (;;) {
		json_object_set(p, "plots", codes);
		alerts__detail("weather", json_incref(p), out, size);
		if (out[0] || !json_array_size(codes))
			return;
		json_array_clear(codes); /* too long even so: the count says it */
	}
}

static void say_area(struct alerts *a, struct mon_subject *s, bool raise,
		     int64_t ts, double v)
{
	const struct alert_rule *r = &a->rules[s->rule];
	const struct alert_cond *c = &s->cond[0];
	const char *subject = alerts__area_subject(r);
	char msg[1024], detail[DB_ALERT_DETAIL_MAX];
	int n, growing;
	json_t *p, *codes;

	if (other_breaching(a, s))
		return;  /* the base's alert is open (or opening) already */
	if (!raise) {
		alerts__act_detail(a, false, s->rule, subject, s->plot, v, "",
				   NULL, NULL);
		return;
	}
	codes = covered(a, r, ts, &n, &growing);
	p = rule_params(r, s, v);
	json_object_set_new(p, "station", json_string(s->subject));
	json_object_set_new(p, "area", json_string(r->device[0] ? "station"
						: r->plot[0] ? "plot" : "base"));
	json_object_set_new(p, "plots_n", json_integer(n));
	json_object_set_new(p, "in_season_n", json_integer(growing));
	area_detail(p, codes, detail, sizeof(detail));
	json_decref(codes);
	json_decref(p);
	snprintf(msg, sizeof(msg), "%s: %s %s %g %s %g over the %s (%d plots, "
		 "%d with a crop in the field)", r->name, s->subject, c->metric,
		 v, alert_op_name(c->op), c->threshold, r->device[0]
		 ? "station's area" : r->plot[0] ? "plot" : "base", n, growing);
	alerts__act_detail(a, true, s->rule, subject, s->plot, v, msg, detail,
			   n > 0 && !growing ? "info" : NULL);
}

void alerts__say_change(struct alerts *a, struct mon_subject *s, bool raise,
			int64_t ts, double v)
{
	if (s->area)
		say_area(a, s, raise, ts, v);
	else
		say_device(a, s, raise, v);
}
