/* What the commands share: opening the store and reporting failures. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "db/db.h"

/* mkdir -p dir: the local folder beside a PostgreSQL store. */
static int make_local_dir(const char *dir, struct err *e)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return err_set(e, ERR_INVALID, "--data: folder path too long");
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0750) && errno != EEXIST)
		goto fail;
	return ERR_OK;
fail:
	return err_set(e, ERR_IO, "cannot create the local folder %s: %s",
		       path, strerror(errno));
}

int cli_store_open(const struct cli_store *s, bool create, struct db **out,
		   struct err *e)
{
	if (auth_init(e))
		return e->code;
	if (db_password_file(s->password_file, e))
		return e->code;
	/* the engine's log and other local files keep a folder of their own */
	if (s->db_url && make_local_dir(s->data_dir, e))
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

/* --data: a folder, or a PostgreSQL URL (then the folder stays ./var). */
static void set_data(struct cli_store *s, const char *arg)
{
	if (db_is_postgres_url(arg)) {
		s->db_url = arg;
		s->data_dir = "var";
	} else {
		s->data_dir = arg;
	}
}

struct cli_store cli_store_default(void)
{
	struct cli_store s = { "var", NULL, NULL };
	const char *env = getenv("OASIS_DATA");

	if (env && *env)
		set_data(&s, env);
	return s;
}

bool cli_store_option(int opt, const char *arg, struct cli_store *s)
{
	if (opt == CLI_OPT_DATA)
		set_data(s, arg);
	else if (opt == CLI_OPT_DB)
		s->db_url = arg;
	else if (opt == CLI_OPT_DATA_PASSWORD_FILE)
		s->password_file = arg;
	else
		return false;
	return true;
}

const char *cli_store_shown(const struct cli_store *s, char *buf,
			    size_t size)
{
	db_where_shown(s->db_url ? s->db_url : s->data_dir, buf, size);
	return buf;
}
