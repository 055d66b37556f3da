/* oasis token: API tokens for programs, gateways and wall screens. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis token create --role viewer|operator|admin|metrics --name NAME\n"
	"                          [--device ID] [--expires DURATION]\n"
	"       oasis token list [--format table|csv|json]\n"
	"       oasis token revoke ID\n"
	"(each also takes --data DIR or --db URL)\n"
	"\n"
	"create prints the token once; only its hash is stored.  A metrics\n"
	"token may only read GET /metrics (for a Prometheus scraper).\n";

struct token_args {
	const char *role;
	const char *name;
	const char *device;
	const char *expires;
	enum cli_format format;
};

static int create(struct db *db, const struct token_args *a, struct err *e)
{
	char secret[AUTH_SECRET_MAX];
	enum role role = a->device ? ROLE_DEVICE : auth_role_parse(a->role);
	int64_t expires = 0, id;

	if (a->expires && time_parse_duration(a->expires, &expires, e))
		return e->code;
	if (expires)
		expires += time_now_ms();
	if (auth_token_create(db, role, a->name, a->device, expires, secret, &id, e))
		return e->code;
	printf("%s\n", secret);
	fprintf(stderr, "token %lld '%s' (%s) created; it is shown this once\n",
		(long long)id, a->name, auth_role_name(role));
	memset(secret, 0, sizeof(secret));
	return ERR_OK;
}

static const char *const token_head[] = {
	"id", "name", "role", "device", "created", "expires", "revoked",
};
#define TOKEN_NCOLS (sizeof(token_head) / sizeof(token_head[0]))

struct token_rows {
	struct cli_table t;
	struct err *e;
};

static int add_token_row(const struct db_token *t, void *ctx)
{
	struct token_rows *r = ctx;
	char id[24], created[40], expires[40] = "", revoked[40] = "";
	const char *row[TOKEN_NCOLS] = { id, t->name, t->role, t->device,
					 created, expires, revoked };

	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	time_format_iso(t->created_ms, created, sizeof(created));
	if (t->expires_ms)
		time_format_iso(t->expires_ms, expires, sizeof(expires));
	if (t->revoked_ms)
		time_format_iso(t->revoked_ms, revoked, sizeof(revoked));
	return cli_table_add(&r->t, row, r->e);
}

static int list(struct db *db, enum cli_format f, struct err *e)
{
	struct token_rows r = { .e = e };
	int rc;

	cli_table_init(&r.t, TOKEN_NCOLS, token_head);
	rc = db_token_list(db, add_token_row, &r, e);
	if (!rc)
		rc = cli_table_print(&r.t, f, stdout, e);
	cli_table_free(&r.t);
	return rc;
}

static int run(struct db *db, const char *verb, const char *arg,
	       const struct token_args *a, struct err *e)
{
	if (!strcmp(verb, "create"))
		return create(db, a, e);
	if (!strcmp(verb, "list"))
		return list(db, a->format, e);
	return db_token_revoke(db, strtoll(arg, NULL, 10), time_now_ms(), e);
}

int cmd_token(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct token_args a = { 0 };
	const struct cli_opt table[] = {
		{ "role", "ROLE", "viewer, operator, admin or metrics",
		  .str = &a.role },
		{ "name", "NAME", "what the token is for", .str = &a.name },
		{ "device", "ID", "a device's own token (role device)",
		  .str = &a.device },
		{ "expires", "DURATION", "e.g. 90d; default never",
		  .str = &a.expires },
		{ "format", "table|csv|json", "how list prints",
		  .format = &a.format },
		{ 0 },
	};
	const struct cli_opts opts = { "token", usage, table, &a };
	struct err e = { 0 };
	const char *verb;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc)
		return cli_usage_error("token", "expected create, list or revoke");
	verb = argv[first];
	if (!strcmp(verb, "create")) {
		if (!a.name || (!a.role && !a.device))
			return cli_usage_error("token", "create needs --name and --role");
		if (a.role && !a.device && auth_role_parse(a.role) < ROLE_METRICS)
			return cli_usage_error("token", "--role '%s': expected "
					       "viewer, operator, admin or "
					       "metrics", a.role);
	} else if (!strcmp(verb, "revoke")) {
		if (first + 1 >= argc || strtoll(argv[first + 1], NULL, 10) <= 0)
			return cli_usage_error("token", "revoke needs a token ID "
					       "(see `oasis token list`)");
	} else if (strcmp(verb, "list")) {
		return cli_usage_error("token", "unknown action '%s'", verb);
	}
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("token", &e);
	rc = run(db, verb, first + 1 < argc ? argv[first + 1] : NULL, &a, &e);
	db_close(db);
	return rc ? cli_fail("token", &e) : CLI_EXIT_OK;
}
