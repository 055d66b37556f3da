/*
 * rules: what the 24-hour monitoring watches for.
 *
 * A rule is a condition on the metrics of a subject (one device, the
 * devices of one plot, of every plot of one crop, or of the whole base),
 * how long it must hold before an alert opens, the hysteresis that lets it
 * clear, and a severity.  Kinds:
 *   threshold    up to ALERT_MAX_CONDS conditions on metrics of the same
 *                device, all holding at once (dry hot wind joins three);
 *   raw          root-zone depletion beyond RAW: soil moisture below
 *                FC - p (FC - WP), from the plot's soil (FAO-56 eq. 83);
 *   stuck        a series repeating the same value for window_s;
 *   silent       a device silent for factor times its usual interval;
 *   no_data      a plot (or station) none of whose devices reported
 *                within window_s;
 *   stale        a data source (station, drone, satellite) missing its
 *                cadence on a plot: the freshness check;
 *   valve_failed a valve command failed;
 *   valve_no_flow a valve acknowledged open and no flow after window_s;
 *   external     raised by another module (remote sensing) by template.
 * Built-in templates (alert_templates) give documented defaults; a rule is
 * made from a template and the fields given.  Pure: no I/O, no clock.
 */
#ifndef OASIS_ALERT_RULES_H
#define OASIS_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

#define ALERT_MAX_CONDS 3
#define ALERT_NAME_MAX 64

enum alert_kind {
	ALERT_THRESHOLD,
	ALERT_RAW,
	ALERT_STUCK,
	ALERT_SILENT,
	ALERT_NO_DATA,
	ALERT_STALE,
	ALERT_VALVE_FAILED,
	ALERT_VALVE_NO_FLOW,
	ALERT_EXTERNAL,
};

enum alert_op { OP_GT, OP_GE, OP_LT, OP_LE };

struct alert_cond {
	char metric[ALERT_NAME_MAX];
	enum alert_op op;
	double threshold;   /* breached when value op threshold */
	double clear;       /* cleared once the value is back past this */
};

struct alert_rule {
	int64_t id;                      /* 0 until stored */
	char name[ALERT_NAME_MAX * 2];
	char template_name[32];          /* "" for a custom rule */
	enum alert_kind kind;
	char device[ALERT_NAME_MAX];     /* subject filters: "" any */
	char plot[ALERT_NAME_MAX];
	char crop[ALERT_NAME_MAX];
	struct alert_cond cond[ALERT_MAX_CONDS];
	int n_cond;
	int64_t for_ms;                  /* must hold this long to open */
	int64_t window_ms;               /* stuck, no_data, no_flow windows */
	double factor;                   /* silent: times the usual interval */
	double p;                        /* raw: depletion fraction */
	char source[16];                 /* stale: station, drone, satellite */
	int64_t cadence_ms;              /* stale: expected cadence */
	char severity[16];               /* info, warning, critical */
	int64_t repeat_ms;               /* re-notify an open alert; 0 never */
	int64_t escalate_ms;             /* escalate when unacknowledged */
	char escalate_to[16];
	bool enabled;
};

struct alert_template {
	const char *name;
	const char *doc;                 /* defaults and their source */
	void (*fill)(struct alert_rule *r);
};

/* The built-in templates, NULL-terminated. */
extern const struct alert_template alert_templates[];
const struct alert_template *alert_template_find(const char *name);

const char *alert_kind_name(enum alert_kind k);
const char *alert_op_name(enum alert_op op);
/* Does value breach c?  Is it back past c's clear level? */
bool alert_cond_breached(const struct alert_cond *c, double value);
bool alert_cond_cleared(const struct alert_cond *c, double value);

/*
 * A rule from JSON: {"template":"frost", ...fields} starts from the
 * template's defaults; base (PATCH) starts from an existing rule.  Fields:
 * name, template, kind, device, plot, crop, conditions [{metric, op,
 * threshold, clear}], for_s, window_s, factor, p, source, cadence_s,
 * severity, repeat_s, escalate_s, escalate_to, enabled.  ERR_INVALID
 * names the field.
 */
int alert_rule_from_json(json_t *j, const struct alert_rule *base,
			 struct alert_rule *out, struct err *e);
json_t *alert_rule_to_json(const struct alert_rule *r);

/* Does the rule concern a device on plot (of crop)? */
bool alert_rule_matches(const struct alert_rule *r, const char *device,
			const char *plot, const char *crop);

#endif
