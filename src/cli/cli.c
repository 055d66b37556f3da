/* What the commands share: opening the store and reporting failures. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>

#include "auth/auth.h"
#include "db/db.h"

int cli_store_open(const struct cli_store *s, bool create, struct db **out,
		   struct err *e)
{
	if (auth_init(e))
		return e->code;
	return db_open(s->db_url ? s->db_url : s->data_dir, create, out, e);
}

int cli_fail(const char *cmd, const struct err *e)
{
	fprintf(stderr, "oasis %s: %s\n", cmd, e->msg[0] ? e->msg
							  : err_code_name(e->code));
	return CLI_EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "oasis %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see `oasis %s --help`)\n", cmd);
	return CLI_EXIT_USAGE;
}

bool cli_store_option(int opt, const char *arg, struct cli_store *s)
{
	if (opt == CLI_OPT_DATA)
		s->data_dir = arg;
	else if (opt == CLI_OPT_DB)
		s->db_url = arg;
	else
		return false;
	return true;
}
