/*
 * libFuzzer harness for the alert rule parser (src/alert/rules.c): the
 * bytes as JSON (jansson), then alert_rule_from_json.  Beyond not
 * crashing: a rule accepted must survive its own round trip (to JSON and
 * back gives the same rule, field by field that the JSON carries), and a
 * refusal must leave a non-empty message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct alert_rule *a, const struct alert_rule *b)
{
	if (a->kind != b->kind || a->n_cond != b->n_cond ||
	    a->for_ms != b->for_ms || a->window_ms != b->window_ms ||
	    strcmp(a->name, b->name) || strcmp(a->plot, b->plot) ||
	    strcmp(a->device, b->device) || strcmp(a->crop, b->crop) ||
	    strcmp(a->severity, b->severity) || a->enabled != b->enabled)
		abort();
	for (int i = 0; i < a->n_cond; i++)
		if (strcmp(a->cond[i].metric, b->cond[i].metric) ||
		    a->cond[i].op != b->cond[i].op ||
		    a->cond[i].threshold != b->cond[i].threshold)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert_rule r, back;
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, 0, &je), *out;
	struct err e = { 0 };

	if (!j)
		return 0;
	if (alert_rule_from_json(j, NULL, &r, &e)) {
		if (!e.msg[0])
			abort();
		json_decref(j);
		return 0;
	}
	out = alert_rule_to_json(&r);
	json_object_del(out, "template");   /* a template would refill */
	if (alert_rule_from_json(out, NULL, &back, &e))
		abort();
	same(&r, &back);
	json_decref(out);
	json_decref(j);
	return 0;
}
