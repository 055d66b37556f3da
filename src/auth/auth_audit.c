/*
 * The audit log: every change made through the API by an operator or an
 * admin (valve commands, rules, alerts, users, tokens, devices, plots...)
 * is noted with who, when, what (method and path, never a body, so no
 * secret) and the status answered; the admin reads it newest first.
 */
#include "auth/auth.h"

#include <stdio.h>

#include "util/timeutil.h"

int auth_audit_note(struct db *db, const struct auth_identity *who,
		    const char *method, const char *path, int status,
		    int64_t now_ms, struct err *e)
{
	struct db_audit a = { .at_ms = now_ms, .status = status };

	snprintf(a.actor, sizeof(a.actor), "%s", who->name);
	snprintf(a.role, sizeof(a.role), "%s", auth_role_name(who->role));
	snprintf(a.action, sizeof(a.action), "%s %s", method, path);
	return db_audit_add(db, &a, e);
}

static int audit_to_json(const struct db_audit *a, void *ctx)
{
	json_t *list = ctx;
	char when[32];

	time_format_iso(a->at_ms, when, sizeof(when));
	json_array_append_new(list, json_pack("{sI ss ss ss ss si}",
		"id", (json_int_t)a->id, "time", when, "actor", a->actor,
		"role", a->role, "action", a->action, "status", a->status));
	return ERR_OK;
}

int auth_audit_json(struct db *db, int64_t before_id, int limit, json_t **out,
		    struct err *e)
{
	json_t *list = json_array();

	*out = NULL;
	if (!list)
		return err_nomem(e);
	if (limit < 1 || limit > AUTH_AUDIT_MAX) {
		json_decref(list);
		return err_set(e, ERR_INVALID, "parameter 'limit': expected 1 to "
			       "%d", AUTH_AUDIT_MAX);
	}
	if (db_audit_list(db, before_id, limit, audit_to_json, list, e)) {
		json_decref(list);
		return e->code;
	}
	*out = list;
	return ERR_OK;
}
