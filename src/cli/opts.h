/*
 * opts: one option table per command instead of getopt boilerplate.  A
 * table of {name, value, help, target} builds the getopt_long array,
 * parses (the store options --data, --db, --data-password-file and --help
 * come with every table), prints the options' help from the same table,
 * and reports an unknown option or a missing value one way: "oasis CMD:
 * unknown option '--x'" / "oasis CMD: option '--name' needs a value", and
 * exit code 2.
 */
#ifndef OASIS_CLI_OPTS_H
#define OASIS_CLI_OPTS_H

#include <stdbool.h>

#include "cli/cli.h"
#include "cli/table.h"

struct cli_opt {
	const char *name;     /* the long name, without "--" */
	const char *value;    /* the value's placeholder ("NAME"); NULL: a flag */
	const char *help;     /* one line for --help */
	const char **str;     /* a value's target (the argument as given) */
	bool *flag;           /* a flag's target (set true) */
	enum cli_format *format; /* a --format table|csv|json, checked */
	/* or a handler: non-zero refuses the value with e's message */
	int (*handle)(const char *arg, void *ctx, struct err *e);
};

/* A command's options: the table ends with an entry of NULL name. */
struct cli_opts {
	const char *cmd;          /* "token": for messages */
	const char *usage;        /* printed first by --help */
	const struct cli_opt *opt;
	void *ctx;                /* given to handlers */
};

/* What cli_opts_parse returns when the command goes on. */
#define CLI_OPTS_GO_ON (-1)

/*
 * Parse argv (argv[0] the command; store NULL: no store options).
 * CLI_OPTS_GO_ON with the first operand at argv[*first]; otherwise the
 * exit code to return now: CLI_EXIT_OK after --help (printed to stdout),
 * CLI_EXIT_USAGE after a message on stderr.
 */
int cli_opts_parse(const struct cli_opts *o, int argc, char **argv,
		   struct cli_store *store, int *first);

/*
 * At most max operands from argv[first]: CLI_OPTS_GO_ON, or "unexpected
 * argument 'X'" on stderr and CLI_EXIT_USAGE.
 */
int cli_opts_at_most(const struct cli_opts *o, int argc, char **argv,
		     int first, int max);

/* The options' help lines from the table ("  --name NAME  help"). */
void cli_opts_help(const struct cli_opts *o);

#endif
