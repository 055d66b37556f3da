/* Alert rules: the templates with their defaults, checks, JSON. */
#include "alert/rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static void cond(struct alert_rule *r, const char *metric, enum alert_op op,
		 double threshold, double clear)
{
	struct alert_cond *c = &r->cond[r->n_cond++];

	snprintf(c->metric, sizeof(c->metric), "%s", metric);
	c->op = op;
	c->threshold = threshold;
	c->clear = clear;
}

static void base(struct alert_rule *r, enum alert_kind kind,
		 const char *severity, int64_t for_ms)
{
	r->kind = kind;
	snprintf(r->severity, sizeof(r->severity), "%s", severity);
	r->for_ms = for_ms;
	r->enabled = true;
}

/* Screen-level air at or below 2 °C: leaves on a clear night are ~2 K colder. */
static void fill_frost(struct alert_rule *r)
{
	base(r, ALERT_THRESHOLD, "critical", 10 * MS_PER_MINUTE);
	cond(r, "air_temp", OP_LE, 2.0, 3.0);
	r->repeat_ms = 30 * MS_PER_MINUTE;
	r->escalate_ms = MS_PER_HOUR;
}

static void fill_heat(struct alert_rule *r)
{
	base(r, ALERT_THRESHOLD, "warning", MS_PER_HOUR);
	cond(r, "air_temp", OP_GE, 35.0, 33.0);
}

/* The "three 3s" high-temperature low-humidity dry hot wind index. */
static void fill_dry_hot_wind(struct alert_rule *r)
{
	base(r, ALERT_THRESHOLD, "warning", 30 * MS_PER_MINUTE);
	cond(r, "air_temp", OP_GE, 30.0, 28.0);
	cond(r, "rh", OP_LE, 30.0, 35.0);
	cond(r, "wind_speed", OP_GE, 3.0, 2.0);
}

/* Beaufort 6, 强风, 10.8 m/s (GB/T 28591-2012). */
static void fill_strong_wind(struct alert_rule *r)
{
	base(r, ALERT_THRESHOLD, "warning", 10 * MS_PER_MINUTE);
	cond(r, "wind_speed", OP_GE, 10.8, 8.0);
}

/* FAO-56 table 22: cotton p = 0.65. */
static void fill_raw(struct alert_rule *r)
{
	base(r, ALERT_RAW, "warning", MS_PER_HOUR);
	cond(r, "moisture_30cm", OP_LT, 0, 0);
	r->p = 0.65;
}

static void fill_vegetation(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 0);
}

static void fill_silent(struct alert_rule *r)
{
	base(r, ALERT_SILENT, "warning", 0);
	r->factor = 3.0;
}

static void fill_stuck(struct alert_rule *r)
{
	base(r, ALERT_STUCK, "warning", 0);
	cond(r, "air_temp", OP_GE, 0, 0);
	r->window_ms = 3 * MS_PER_HOUR;
}

static void fill_no_data(struct alert_rule *r)
{
	base(r, ALERT_NO_DATA, "critical", 0);
	r->window_ms = 30 * MS_PER_MINUTE;
}

/* A single lithium cell: 3.4 V is near empty. */
static void fill_battery(struct alert_rule *r)
{
	base(r, ALERT_THRESHOLD, "warning", 30 * MS_PER_MINUTE);
	cond(r, "battery", OP_LE, 3.4, 3.6);
}

static void fill_valve_failed(struct alert_rule *r)
{
	base(r, ALERT_VALVE_FAILED, "critical", 0);
}

static void fill_valve_no_flow(struct alert_rule *r)
{
	base(r, ALERT_VALVE_NO_FLOW, "critical", 0);
	cond(r, "flow", OP_LE, 0.1, 0.1);
	r->window_ms = 5 * MS_PER_MINUTE;
}

static void fill_stale(struct alert_rule *r, const char *source,
		       int64_t cadence_ms, double factor)
{
	base(r, ALERT_STALE, "warning", 0);
	snprintf(r->source, sizeof(r->source), "%s", source);
	r->cadence_ms = cadence_ms;
	r->factor = factor;
}

static void fill_station_stale(struct alert_rule *r)
{
	fill_stale(r, "station", 5 * MS_PER_MINUTE, 3.0);
}

static void fill_drone_stale(struct alert_rule *r)
{
	fill_stale(r, "drone", 2 * MS_PER_HOUR, 1.5);
}

static void fill_satellite_stale(struct alert_rule *r)
{
	fill_stale(r, "satellite", 3 * MS_PER_DAY, 3.0);
}

/*
 * The PV park's alarms, judged by alert/pv_eval.c across devices (the
 * thresholds and their sources: docs/PV.md, "Alarms").  Kind external: the
 * per-device evaluation does not bind them.
 */
static void fill_pv_trip(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "critical", 15 * MS_PER_MINUTE);
	cond(r, "poa_global", OP_GE, 200.0, 200.0);
	cond(r, "p_ac", OP_LE, 1.0, 5.0);
	r->window_ms = 5 * MS_PER_MINUTE;
}

static void fill_pv_comm(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 0);
	r->window_ms = 10 * MS_PER_MINUTE;
}

static void fill_pv_string(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", MS_PER_HOUR);
	cond(r, "string_current", OP_LT, 0.90, 0.95);
	r->window_ms = 5 * MS_PER_MINUTE;  /* the box's strings as fresh */
}

static void fill_pv_tracker(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 30 * MS_PER_MINUTE);
	cond(r, "tracker_angle", OP_GT, 5.0, 2.0);
}

/* The day's expected ratio below 0.90 x the median of the 14 days before. */
static void fill_pv_drop(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 0);
	cond(r, "expected_ratio", OP_LT, 0.90, 0.95);
	r->window_ms = 14 * MS_PER_DAY;
	r->factor = 5;          /* valid days the baseline needs at least */
}

/* Soiling: 5 % lost since the last cleaning, over at least 5 days. */
static void fill_pv_soiling(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 0);
	cond(r, "soiling_loss", OP_GE, 0.05, 0.02);
	r->window_ms = 30 * MS_PER_DAY;
	r->factor = 5;
}

/*
 * A pyranometer's readings: outside the QCRad physically possible limits,
 * more than 1.5 x the clear-sky GHI plus 100 W/m2 (cond[0]), more than 10 %
 * from its twin station when both see >= 200 W/m2 (cond[1]), or stuck in
 * daylight for window_s; each for for_s.
 */
static void fill_pv_sensor(struct alert_rule *r)
{
	base(r, ALERT_EXTERNAL, "warning", 30 * MS_PER_MINUTE);
	cond(r, "poa_global", OP_GT, 1.5, 1.3);
	cond(r, "twin_deviation", OP_GT, 0.10, 0.05);
	r->window_ms = MS_PER_HOUR;
}

const struct alert_template alert_templates[] = {
	{ "frost", "air_temp <= 2 C for 10 min, clears >= 3 C", fill_frost },
	{ "heat_stress", "air_temp >= 35 C for 1 h, clears <= 33 C", fill_heat },
	{ "dry_hot_wind", "air_temp >= 30 C, rh <= 30 %, wind_speed >= 3 m/s "
	  "together for 30 min", fill_dry_hot_wind },
	{ "strong_wind", "wind_speed >= 10.8 m/s for 10 min, clears < 8 m/s",
	  fill_strong_wind },
	{ "root_zone_depletion", "moisture_30cm below FC - 0.65 (FC - WP) "
	  "for 1 h", fill_raw },
	{ "vegetation_anomaly", "raised by the remote-sensing module",
	  fill_vegetation },
	{ "sensor_silent", "a device silent for 3 times its usual interval",
	  fill_silent },
	{ "stuck_sensor", "air_temp unchanged for 3 h", fill_stuck },
	{ "no_data", "a plot none of whose devices reported for 30 min",
	  fill_no_data },
	{ "low_battery", "battery <= 3.4 V for 30 min, clears >= 3.6 V",
	  fill_battery },
	{ "valve_failed", "a valve command failed", fill_valve_failed },
	{ "valve_no_flow", "a valve open and flow <= 0.1 m3/h after 5 min",
	  fill_valve_no_flow },
	{ "station_stale", "in-situ data older than 3 x 5 min",
	  fill_station_stale },
	{ "drone_stale", "drone data older than 1.5 x 2 h of daytime",
	  fill_drone_stale },
	{ "satellite_stale", "satellite data older than 3 x 3 days",
	  fill_satellite_stale },
	{ "camera_offline", "a camera's picture lost (raised by the video "
	  "relay)", fill_vegetation },
	{ "pv_inverter_trip", "p_ac <= 1 kW while the station's poa_global "
	  ">= 200 W/m2 for 15 min, clears at p_ac >= 5 kW", fill_pv_trip },
	{ "pv_comm_loss", "no data at all from a PV device for 10 min",
	  fill_pv_comm },
	{ "pv_string_low", "string_current below 0.90 x its combiner box "
	  "median for 1 h, clears at 0.95", fill_pv_string },
	{ "pv_tracker_stuck", "tracker_angle more than 5 deg off its computed "
	  "angle for 30 min, clears within 2 deg", fill_pv_tracker },
	{ "pv_pr_drop", "an inverter's daily expected ratio below 0.90 x the "
	  "median of its previous 14 days, clears at 0.95", fill_pv_drop },
	{ "pv_soiling", "soiling loss >= 5 % since the last cleaning (Theil-Sen "
	  "of the temperature-corrected daily ratio), clears below 2 %",
	  fill_pv_soiling },
	{ "pv_sensor_quality", "an irradiance sensor out of its physical "
	  "limits, above clear sky, 10 % off its twin, or stuck in daylight "
	  "for 1 h", fill_pv_sensor },
	{ NULL, NULL, NULL },
};

const struct alert_template *alert_template_find(const char *name)
{
	for (const struct alert_template *t = alert_templates; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static const char *const kind_names[] = {
	"threshold", "raw", "stuck", "silent", "no_data", "stale",
	"valve_failed", "valve_no_flow", "external",
};
static const char *const op_names[] = { ">", ">=", "<", "<=" };

const char *alert_kind_name(enum alert_kind k)
{
	return kind_names[k];
}

const char *alert_op_name(enum alert_op op)
{
	return op_names[op];
}

bool alert_cond_breached(const struct alert_cond *c, double v)
{
	switch (c->op) {
	case OP_GT: return v > c->threshold;
	case OP_GE: return v >= c->threshold;
	case OP_LT: return v < c->threshold;
	case OP_LE: return v <= c->threshold;
	}
	return false;
}

/* Back past the clear level: not breached, and on the far side of clear. */
bool alert_cond_cleared(const struct alert_cond *c, double v)
{
	if (alert_cond_breached(c, v))
		return false;
	return c->op == OP_GT || c->op == OP_GE ? v <= c->clear : v >= c->clear;
}

bool alert_rule_matches(const struct alert_rule *r, const char *device,
			const char *plot, const char *crop)
{
	if (r->device[0] && strcmp(r->device, device))
		return false;
	if (r->plot[0] && strcmp(r->plot, plot))
		return false;
	return !r->crop[0] || !strcmp(r->crop, crop);
}

/* ---- JSON ------------------------------------------------------------------ */

static int get_text(json_t *j, const char *key, char *dst, size_t size,
		    struct err *e)
{
	json_t *v = json_object_get(j, key);

	if (!v)
		return ERR_OK;
	if (json_is_null(v)) {
		dst[0] = '\0';
		return ERR_OK;
	}
	if (!json_is_string(v) || json_string_length(v) >= size)
		return err_set(e, ERR_INVALID, "field '%s': expected a string of "
			       "at most %zu bytes", key, size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int get_number(json_t *j, const char *key, double *dst, struct err *e)
{
	json_t *v = json_object_get(j, key);

	if (!v)
		return ERR_OK;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return err_set(e, ERR_INVALID, "field '%s': expected a number", key);
	*dst = json_number_value(v);
	return ERR_OK;
}

/* A duration in whole seconds (>= 0), kept in ms. */
static int get_seconds(json_t *j, const char *key, int64_t *dst, struct err *e)
{
	json_t *v = json_object_get(j, key);

	if (!v)
		return ERR_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT64_C(100) * 365 * 86400)
		return err_set(e, ERR_INVALID, "field '%s': expected whole "
			       "seconds >= 0", key);
	*dst = (int64_t)json_integer_value(v) * MS_PER_SECOND;
	return ERR_OK;
}

static int parse_op(const char *s, enum alert_op *op)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, op_names[i])) {
			*op = (enum alert_op)i;
			return 0;
		}
	return -1;
}

static int get_conditions(json_t *j, struct alert_rule *r, struct err *e)
{
	json_t *arr = json_object_get(j, "conditions"), *c;
	size_t i;

	if (!arr)
		return ERR_OK;
	if (!json_is_array(arr) || json_array_size(arr) > ALERT_MAX_CONDS)
		return err_set(e, ERR_INVALID, "field 'conditions': expected an "
			       "array of at most %d conditions", ALERT_MAX_CONDS);
	r->n_cond = 0;
	json_array_foreach(arr, i, c) {
		struct alert_cond *k = &r->cond[r->n_cond++];
		const char *op = json_string_value(json_object_get(c, "op"));

		memset(k, 0, sizeof(*k));
		if (!json_is_object(c) || get_text(c, "metric", k->metric,
						   sizeof(k->metric), e) ||
		    !k->metric[0])
			return err_set(e, ERR_INVALID, "conditions[%zu]: 'metric' "
				       "is required", i);
		if (!op || parse_op(op, &k->op))
			return err_set(e, ERR_INVALID, "conditions[%zu].op: expected "
				       "one of > >= < <=", i);
		if (get_number(c, "threshold", &k->threshold, e))
			return err_prefix(e, "conditions[%zu]", i);
		k->clear = k->threshold;
		if (get_number(c, "clear", &k->clear, e))
			return err_prefix(e, "conditions[%zu]", i);
	}
	return ERR_OK;
}

static int parse_kind(json_t *j, struct alert_rule *r, struct err *e)
{
	const char *k = json_string_value(json_object_get(j, "kind"));

	if (!json_object_get(j, "kind"))
		return ERR_OK;
	for (size_t i = 0; k && i < sizeof(kind_names) / sizeof(*kind_names); i++)
		if (!strcmp(k, kind_names[i])) {
			r->kind = (enum alert_kind)i;
			return ERR_OK;
		}
	return err_set(e, ERR_INVALID, "field 'kind': unknown kind");
}

static int parse_fields(json_t *j, struct alert_rule *r, struct err *e)
{
	json_t *en = json_object_get(j, "enabled");

	if (get_text(j, "name", r->name, sizeof(r->name), e) ||
	    get_text(j, "device", r->device, sizeof(r->device), e) ||
	    get_text(j, "plot", r->plot, sizeof(r->plot), e) ||
	    get_text(j, "crop", r->crop, sizeof(r->crop), e) ||
	    get_text(j, "source", r->source, sizeof(r->source), e) ||
	    get_text(j, "severity", r->severity, sizeof(r->severity), e) ||
	    get_text(j, "escalate_to", r->escalate_to, sizeof(r->escalate_to), e) ||
	    parse_kind(j, r, e) || get_conditions(j, r, e) ||
	    get_seconds(j, "for_s", &r->for_ms, e) ||
	    get_seconds(j, "window_s", &r->window_ms, e) ||
	    get_seconds(j, "cadence_s", &r->cadence_ms, e) ||
	    get_seconds(j, "repeat_s", &r->repeat_ms, e) ||
	    get_seconds(j, "escalate_s", &r->escalate_ms, e) ||
	    get_number(j, "factor", &r->factor, e) ||
	    get_number(j, "p", &r->p, e))
		return e->code;
	if (en && !json_is_boolean(en))
		return err_set(e, ERR_INVALID, "field 'enabled': expected a boolean");
	if (en)
		r->enabled = json_is_true(en);
	return ERR_OK;
}

static bool severity_valid(const char *s)
{
	return !strcmp(s, "info") || !strcmp(s, "warning") ||
	       !strcmp(s, "critical");
}

/* What each kind needs to make sense. */
static int check_rule(const struct alert_rule *r, struct err *e)
{
	bool needs_metric = r->kind == ALERT_THRESHOLD || r->kind == ALERT_RAW ||
			    r->kind == ALERT_STUCK;

	if (!severity_valid(r->severity))
		return err_set(e, ERR_INVALID, "field 'severity': expected info, "
			       "warning or critical");
	if (r->escalate_to[0] && !severity_valid(r->escalate_to))
		return err_set(e, ERR_INVALID, "field 'escalate_to': expected "
			       "info, warning or critical");
	if (needs_metric && r->n_cond == 0)
		return err_set(e, ERR_INVALID, "field 'conditions': a %s rule "
			       "needs a metric", kind_names[r->kind]);
	if ((r->kind == ALERT_STUCK || r->kind == ALERT_NO_DATA ||
	     r->kind == ALERT_VALVE_NO_FLOW) && r->window_ms <= 0)
		return err_set(e, ERR_INVALID, "field 'window_s': must be > 0");
	if (r->kind == ALERT_SILENT && !(r->factor >= 1))
		return err_set(e, ERR_INVALID, "field 'factor': must be >= 1");
	if (r->kind == ALERT_STALE && (r->cadence_ms <= 0 || !(r->factor >= 1) ||
	    (strcmp(r->source, "station") && strcmp(r->source, "drone") &&
	     strcmp(r->source, "satellite"))))
		return err_set(e, ERR_INVALID, "a stale rule needs 'source' "
			       "(station, drone, satellite), 'cadence_s' > 0 "
			       "and 'factor' >= 1");
	if (r->kind == ALERT_RAW && !(r->p > 0 && r->p < 1))
		return err_set(e, ERR_INVALID, "field 'p': must be in (0, 1)");
	return ERR_OK;
}

int alert_rule_from_json(json_t *j, const struct alert_rule *base_rule,
			 struct alert_rule *out, struct err *e)
{
	char tpl[32] = "";
	const struct alert_template *t;

	if (!json_is_object(j))
		return err_set(e, ERR_INVALID, "a rule is a JSON object");
	if (base_rule) {
		*out = *base_rule;
	} else {
		memset(out, 0, sizeof(*out));
		out->kind = ALERT_THRESHOLD;
		out->enabled = true;
		snprintf(out->severity, sizeof(out->severity), "warning");
		if (get_text(j, "template", tpl, sizeof(tpl), e))
			return e->code;
		if (tpl[0]) {
			if (!(t = alert_template_find(tpl)))
				return err_set(e, ERR_INVALID, "field 'template': "
					       "no template '%s'", tpl);
			t->fill(out);
			snprintf(out->template_name, sizeof(out->template_name),
				 "%s", tpl);
			snprintf(out->name, sizeof(out->name), "%s", tpl);
		}
	}
	if (parse_fields(j, out, e))
		return e->code;
	if (!out->name[0])
		return err_set(e, ERR_INVALID, "field 'name' is required (or a "
			       "'template')");
	return check_rule(out, e);
}

static json_t *conditions_json(const struct alert_rule *r)
{
	json_t *a = json_array();

	for (int i = 0; i < r->n_cond; i++)
		json_array_append_new(a, json_pack("{ss ss sf sf}", "metric",
			r->cond[i].metric, "op", op_names[r->cond[i].op],
			"threshold", r->cond[i].threshold, "clear",
			r->cond[i].clear));
	return a;
}

static json_t *text_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

json_t *alert_rule_to_json(const struct alert_rule *r)
{
	json_t *j = json_pack("{sI ss so ss so so so so sI sI sI sI sI ss so sb}",
		"id", (json_int_t)r->id, "name", r->name,
		"template", text_or_null(r->template_name),
		"kind", kind_names[r->kind], "device", text_or_null(r->device),
		"plot", text_or_null(r->plot), "crop", text_or_null(r->crop),
		"conditions", conditions_json(r),
		"for_s", (json_int_t)(r->for_ms / 1000),
		"window_s", (json_int_t)(r->window_ms / 1000),
		"cadence_s", (json_int_t)(r->cadence_ms / 1000),
		"repeat_s", (json_int_t)(r->repeat_ms / 1000),
		"escalate_s", (json_int_t)(r->escalate_ms / 1000),
		"severity", r->severity, "escalate_to", text_or_null(r->escalate_to),
		"enabled", r->enabled);

	json_object_set_new(j, "factor", json_real(r->factor));
	json_object_set_new(j, "p", json_real(r->p));
	json_object_set_new(j, "source", text_or_null(r->source));
	return j;
}
