/* opts: getopt_long from a command's option table (see opts.h). */
#include "cli/opts.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The table's entries, then the store options and --help. */
#define OPTS_MAX 64
enum { OPT_HELP = CLI_OPT_FIRST_FREE, OPT_TABLE };

static size_t count(const struct cli_opt *t)
{
	size_t n = 0;

	while (t[n].name)
		n++;
	return n;
}

void cli_opts_help(const struct cli_opts *o)
{
	const struct cli_opt *t = o->opt;
	char left[64];

	if (!t[0].name)
		return;
	fputs("\noptions:\n", stdout);
	for (size_t i = 0; t[i].name; i++) {
		snprintf(left, sizeof(left), "--%s%s%s", t[i].name,
			 t[i].value ? " " : "", t[i].value ? t[i].value : "");
		printf("  %-24s %s\n", left, t[i].help ? t[i].help : "");
	}
}

/* The option as written on the command line, for a message. */
static const char *written(char **argv)
{
	return optind > 0 ? argv[optind - 1] : "?";
}

static int take(const struct cli_opts *o, const struct cli_opt *t,
		const char *arg)
{
	struct err e = { 0 };

	if (t->str)
		*t->str = arg;
	if (t->flag)
		*t->flag = true;
	if (t->format && cli_format_parse(arg, t->format, &e))
		return cli_usage_error(o->cmd, "%s", e.msg);
	if (t->handle && t->handle(arg, o->ctx, &e))
		return cli_usage_error(o->cmd, "%s", e.msg);
	return 0;
}

/* Fill longs from the table, then the store options and --help. */
static void build(const struct cli_opts *o, size_t n, bool store,
		  struct option *longs)
{
	static const struct option fixed[] = {
		{ "help", no_argument, NULL, OPT_HELP },
		CLI_STORE_OPTIONS,
	};
	size_t k = 0, m = store ? sizeof(fixed) / sizeof(fixed[0]) : 1;

	for (size_t i = 0; i < n; i++)
		longs[k++] = (struct option){ o->opt[i].name,
			o->opt[i].value ? required_argument : no_argument,
			NULL, OPT_TABLE + (int)i };
	for (size_t i = 0; i < m; i++)
		longs[k++] = fixed[i];
	longs[k] = (struct option){ 0 };
}

int cli_opts_parse(const struct cli_opts *o, int argc, char **argv,
		   struct cli_store *store, int *first)
{
	struct option longs[OPTS_MAX + 5];
	size_t n = count(o->opt);
	int opt, rc;

	if (n > OPTS_MAX)
		return cli_usage_error(o->cmd, "too many options (internal)");
	build(o, n, store != NULL, longs);
	opterr = 0;
	optind = 0; /* glibc: start afresh at argv[1] */
	while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		if (store && cli_store_option(opt, optarg, store))
			continue;
		if (opt == 'h' || opt == OPT_HELP) {
			fputs(o->usage, stdout);
			cli_opts_help(o);
			return CLI_EXIT_OK;
		}
		if (opt == ':')
			return cli_usage_error(o->cmd, "option '%s' needs a value",
					       written(argv));
		if (opt < OPT_TABLE || opt >= OPT_TABLE + (int)n)
			return cli_usage_error(o->cmd, "unknown option '%s'",
					       written(argv));
		if ((rc = take(o, &o->opt[opt - OPT_TABLE], optarg)))
			return rc;
	}
	*first = optind;
	return CLI_OPTS_GO_ON;
}

int cli_opts_at_most(const struct cli_opts *o, int argc, char **argv,
		     int first, int max)
{
	if (argc - first > max)
		return cli_usage_error(o->cmd, "unexpected argument '%s'",
				       argv[first + max]);
	return CLI_OPTS_GO_ON;
}
