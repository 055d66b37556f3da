/* oasis user: add people who sign in to the big screen, reset passwords. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis user add NAME --role viewer|operator|admin [--data DIR]\n"
	"       oasis user passwd NAME [--data DIR]\n"
	"       oasis user list [--format table|csv|json] [--data DIR]\n"
	"       oasis user role NAME --role viewer|operator|admin [--data DIR]\n"
	"       oasis user disable NAME [--data DIR]\n"
	"       oasis user delete NAME [--data DIR]\n"
	"\n"
	"add and passwd print a generated password once; passwd also enables\n"
	"a disabled user again.  A disabled user cannot sign in and their\n"
	"sessions end at once; API tokens are not a user's and stay.\n";

static const char *const user_head[] = { "name", "role", "state", "created" };

struct user_rows {
	struct cli_table t;
	struct err *e;
};

static int add_user_row(const struct db_user *u, void *ctx)
{
	struct user_rows *r = ctx;
	char created[40];
	const char *row[4];

	time_format_iso(u->created_ms, created, sizeof(created));
	row[0] = u->name;
	row[1] = u->role;
	row[2] = u->password_hash[0] == DB_USER_DISABLED ? "disabled" : "active";
	row[3] = created;
	return cli_table_add(&r->t, row, r->e);
}

static int list(struct db *db, enum cli_format f, struct err *e)
{
	struct user_rows r = { .e = e };
	int rc;

	cli_table_init(&r.t, 4, user_head);
	rc = db_user_list(db, add_user_row, &r, e);
	if (!rc)
		rc = cli_table_print(&r.t, f, stdout, e);
	cli_table_free(&r.t);
	return rc;
}

/* list, disable, delete: the actions that print no password. */
static int administer(struct db *db, const char *verb, const char *name,
		      enum cli_format f, struct err *e)
{
	int rc;

	if (!strcmp(verb, "list"))
		return list(db, f, e);
	if (!strcmp(verb, "disable"))
		rc = auth_user_disable(db, NULL, name, e);
	else
		rc = auth_user_delete(db, NULL, name, e);
	if (!rc)
		printf("user %s %s; their sessions are ended\n", name,
		       !strcmp(verb, "disable") ? "disabled" : "deleted");
	return rc;
}

int cmd_user(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	char password[AUTH_PASSWORD_LEN + 1];
	const char *role = NULL, *verb, *name;
	struct err e = { 0 };
	enum cli_format format = CLI_FORMAT_TABLE;
	const struct cli_opt table[] = {
		{ "role", "ROLE", "viewer, operator or admin (add, role)",
		  .str = &role },
		{ "format", "table|csv|json", "how list prints",
		  .format = &format },
		{ 0 },
	};
	const struct cli_opts opts = { "user", usage, table, NULL };
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (argc - first == 1 && !strcmp(argv[first], "list")) {
		if (cli_store_open(&store, false, &db, &e))
			return cli_fail("user", &e);
		rc = administer(db, "list", NULL, format, &e);
		db_close(db);
		return rc ? cli_fail("user", &e) : CLI_EXIT_OK;
	}
	if (argc - first != 2)
		return cli_usage_error("user", "expected list, or add|passwd|"
				       "disable|delete and a user name");
	verb = argv[first];
	name = argv[first + 1];
	if (!strcmp(verb, "role")) {
		if (!role || auth_role_parse(role) < ROLE_VIEWER)
			return cli_usage_error("user", "--role viewer|operator|"
					       "admin is needed");
		if (cli_store_open(&store, false, &db, &e))
			return cli_fail("user", &e);
		rc = auth_user_set_role(db, NULL, name, auth_role_parse(role), &e);
		if (!rc)
			printf("user %s is now %s\n", name, role);
		db_close(db);
		return rc ? cli_fail("user", &e) : CLI_EXIT_OK;
	}
	if (!strcmp(verb, "disable") || !strcmp(verb, "delete")) {
		if (cli_store_open(&store, false, &db, &e))
			return cli_fail("user", &e);
		rc = administer(db, verb, name, format, &e);
		db_close(db);
		return rc ? cli_fail("user", &e) : CLI_EXIT_OK;
	}
	if (strcmp(verb, "add") && strcmp(verb, "passwd"))
		return cli_usage_error("user", "unknown action '%s'", verb);
	if (!strcmp(verb, "add") && (!role || auth_role_parse(role) < ROLE_VIEWER))
		return cli_usage_error("user", "--role viewer|operator|admin is needed");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("user", &e);
	if (!strcmp(verb, "add")) {
		auth_password_generate(password);
		rc = auth_user_create(db, name, auth_role_parse(role), password, &e);
	} else {
		rc = auth_user_reset_password(db, name, password, &e);
	}
	if (rc == ERR_OK)
		printf("login: %s / %s\n(the password is shown this once)\n",
		       name, password);
	memset(password, 0, sizeof(password));
	db_close(db);
	return rc ? cli_fail("user", &e) : CLI_EXIT_OK;
}
