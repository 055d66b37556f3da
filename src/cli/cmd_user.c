/* oasis user: add people who sign in to the big screen, reset passwords. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "db/db.h"

static const char usage[] =
	"usage: oasis user add NAME --role viewer|operator|admin [--data DIR]\n"
	"       oasis user passwd NAME [--data DIR]\n"
	"\n"
	"Both print a generated password once.\n";

static int set_password(struct db *db, const char *name, const char *password,
			struct err *e)
{
	char hash[DB_HASH_MAX];

	if (auth_password_hash(password, hash, e))
		return e->code;
	return db_user_set_password(db, name, hash, e);
}

int cmd_user(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_store store = CLI_STORE_DEFAULT;
	char password[AUTH_PASSWORD_LEN + 1];
	const char *role = NULL, *verb, *name;
	struct err e = { 0 };
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, &store))
			continue;
		if (opt == 'r')
			role = optarg;
		else if (opt == 'h')
			return fputs(usage, stdout), CLI_EXIT_OK;
		else
			return cli_usage_error("user", "unknown option");
	}
	if (argc - optind != 2)
		return cli_usage_error("user", "expected add|passwd and a user name");
	verb = argv[optind];
	name = argv[optind + 1];
	if (strcmp(verb, "add") && strcmp(verb, "passwd"))
		return cli_usage_error("user", "unknown action '%s'", verb);
	if (!strcmp(verb, "add") && (!role || auth_role_parse(role) < ROLE_VIEWER))
		return cli_usage_error("user", "--role viewer|operator|admin is needed");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("user", &e);
	auth_password_generate(password);
	if (!strcmp(verb, "add"))
		rc = auth_user_create(db, name, auth_role_parse(role), password, &e);
	else
		rc = set_password(db, name, password, &e);
	if (rc == ERR_OK)
		printf("login: %s / %s\n(the password is shown this once)\n",
		       name, password);
	memset(password, 0, sizeof(password));
	db_close(db);
	return rc ? cli_fail("user", &e) : CLI_EXIT_OK;
}
