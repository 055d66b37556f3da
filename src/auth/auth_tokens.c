/* The API tokens as the admin sees them: listed and revoked. */
#include "auth/auth.h"

#include "util/timeutil.h"

static int token_to_json(const struct db_token *t, void *ctx)
{
	json_t *list = ctx;
	char created[32];

	time_format_iso(t->created_ms, created, sizeof(created));
	json_array_append_new(list, json_pack("{sI ss ss s:s? ss sb}",
		"id", (json_int_t)t->id, "name", t->name, "role", t->role,
		"device", t->device[0] ? t->device : NULL, "created", created,
		"revoked", t->revoked_ms != 0));
	return ERR_OK;
}

int auth_tokens_json(struct db *db, json_t **out, struct err *e)
{
	json_t *list = json_array();

	*out = NULL;
	if (!list)
		return err_nomem(e);
	if (db_token_list(db, token_to_json, list, e)) {
		json_decref(list);
		return e->code;
	}
	*out = list;
	return ERR_OK;
}

int auth_token_revoke(struct db *db, int64_t id, int64_t now_ms,
		      struct err *e)
{
	int rc = db_token_revoke(db, id, now_ms, e);

	auth_token_cache_forget(); /* at once, also for an outage after */
	return rc;
}
