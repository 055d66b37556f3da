/* Reads of the monitoring for the API: stored alerts, the rule templates. */
#include "alert/alerts.h"

#include <stdio.h>

static int to_list(const struct db_alert *a, void *ctx)
{
	json_array_append_new(ctx, alerts_alert_json(a));
	return 0;
}

int alerts_list_json(struct db *db, const struct db_alert_filter *f,
		     json_t **out, struct err *e)
{
	json_t *arr = json_array();

	*out = NULL;
	if (!arr)
		return err_nomem(e);
	if (db_alert_list(db, f, to_list, arr, e)) {
		json_decref(arr);
		return e->code;
	}
	*out = arr;
	return ERR_OK;
}

int alerts_get(struct db *db, int64_t id, struct db_alert *out,
	       struct err *e)
{
	return db_alert_get(db, id, out, e);
}

json_t *alerts_templates_json(void)
{
	json_t *tpl = json_array();

	for (const struct alert_template *t = alert_templates; t->name; t++) {
		struct alert_rule r = { 0 };
		json_t *j;

		t->fill(&r);
		snprintf(r.name, sizeof(r.name), "%s", t->name);
		snprintf(r.template_name, sizeof(r.template_name), "%s", t->name);
		j = alert_rule_to_json(&r);
		json_object_del(j, "id");
		json_object_set_new(j, "doc", json_string(t->doc));
		json_array_append_new(tpl, j);
	}
	return tpl;
}
