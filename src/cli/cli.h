/*
 * cli: the commands of the oasis program and what they share: exit codes,
 * the store options every command takes, progress on a terminal.
 */
#ifndef OASIS_CLI_CLI_H
#define OASIS_CLI_CLI_H

#include <stdbool.h>

#include "util/err.h"

struct db;

/* Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name */
	const char *summary;
};

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_plots(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_retention(int argc, char **argv);
int cmd_irrigation(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_et0(int argc, char **argv);
int cmd_zonal(int argc, char **argv);
int cmd_imagery(int argc, char **argv);
int cmd_pv(int argc, char **argv);
int cmd_mqtt_acl(int argc, char **argv);
int cmd_sites(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_workorders(int argc, char **argv);
int cmd_units(int argc, char **argv);
int cmd_report(int argc, char **argv);

/*
 * Where the store is: --data DIR (default ./var, or $OASIS_DATA) or
 * --db URL; --data postgresql://... is --db with the local folder left at
 * its default (the engine's log and files keep a local folder either way).
 * --data-password-file names a file holding a PostgreSQL password.
 */
struct cli_store {
	const char *data_dir;
	const char *db_url;
	const char *password_file;
};

/* The defaults: ./var, or $OASIS_DATA when set (a folder or a URL). */
struct cli_store cli_store_default(void);
#define CLI_STORE_DEFAULT cli_store_default()

/* getopt_long codes and table entries of the store options. */
enum { CLI_OPT_DATA = 1000, CLI_OPT_DB, CLI_OPT_DATA_PASSWORD_FILE,
       CLI_OPT_FIRST_FREE };
#define CLI_STORE_OPTIONS \
	{ "data", required_argument, NULL, CLI_OPT_DATA }, \
	{ "db", required_argument, NULL, CLI_OPT_DB }, \
	{ "data-password-file", required_argument, NULL, \
	  CLI_OPT_DATA_PASSWORD_FILE }

/* Take a store option from getopt_long; false if opt is not one. */
bool cli_store_option(int opt, const char *arg, struct cli_store *s);

/* The store named by s, fit to print (no password), in buf. */
const char *cli_store_shown(const struct cli_store *s, char *buf,
			    size_t size);

/*
 * Open the store the options name.  With create, a missing store is made
 * (and migrated); without it, a missing store is an error telling the user
 * to run `oasis init`.
 */
int cli_store_open(const struct cli_store *s, bool create, struct db **out,
		   struct err *e);

/* Print "oasis CMD: message" for e on stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const struct err *e);

/* Print "oasis CMD: message" and a hint on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
