/*
 * The people who sign in, as the admin manages them (the console and
 * `oasis user`): listed, given a role, disabled, deleted, given a new
 * password.  An admin may not disable, delete or demote themselves, so a
 * base always keeps the admin acting on it.
 */
#include "auth/auth.h"

#include <string.h>

#include "util/timeutil.h"

static int user_to_json(const struct db_user *u, void *ctx)
{
	json_t *list = ctx;
	char created[32];

	time_format_iso(u->created_ms, created, sizeof(created));
	json_array_append_new(list, json_pack("{ss ss ss ss}",
		"name", u->name, "role", u->role,
		"state", u->password_hash[0] == DB_USER_DISABLED ? "disabled"
								 : "active",
		"created", created));
	return ERR_OK;
}

int auth_users_json(struct db *db, json_t **out, struct err *e)
{
	json_t *list = json_array();

	*out = NULL;
	if (!list)
		return err_nomem(e);
	if (db_user_list(db, user_to_json, list, e)) {
		json_decref(list);
		return e->code;
	}
	*out = list;
	return ERR_OK;
}

/* ERR_FORBIDDEN when the acting user would act on their own account. */
static int not_self(const char *acting, const char *name, const char *verb,
		    struct err *e)
{
	if (acting && !strcmp(acting, name))
		return err_set(e, ERR_FORBIDDEN, "you cannot %s your own account "
			       "('%s'); ask another admin", verb, name);
	return ERR_OK;
}

int auth_user_set_role(struct db *db, const char *acting, const char *name,
		       enum role role, struct err *e)
{
	int rc;

	if (role < ROLE_VIEWER)
		return err_set(e, ERR_INVALID, "field 'role': a user's role is "
			       "viewer, operator or admin");
	if (role != ROLE_ADMIN && (rc = not_self(acting, name, "demote", e)))
		return rc;
	return db_user_set_role(db, name, auth_role_name(role), e);
}

int auth_user_disable(struct db *db, const char *acting, const char *name,
		      struct err *e)
{
	int rc;

	if ((rc = not_self(acting, name, "disable", e)))
		return rc;
	return db_user_disable(db, name, e);
}

int auth_user_delete(struct db *db, const char *acting, const char *name,
		     struct err *e)
{
	int rc;

	if ((rc = not_self(acting, name, "delete", e)))
		return rc;
	return db_user_delete(db, name, e);
}

int auth_user_reset_password(struct db *db, const char *name,
			     char password_out[AUTH_PASSWORD_LEN + 1],
			     struct err *e)
{
	char hash[DB_HASH_MAX];
	int rc;

	auth_password_generate(password_out);
	if ((rc = auth_password_hash(password_out, hash, e)) ||
	    (rc = db_user_set_password(db, name, hash, e))) {
		memset(password_out, 0, AUTH_PASSWORD_LEN + 1);
		if (rc == ERR_NOT_FOUND)
			err_set(e, ERR_NOT_FOUND, "no user named '%s'", name);
	}
	return rc;
}
