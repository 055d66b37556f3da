/* oasis serve: the control center's server. */
#include "cli/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/serve.h"
#include "db/db.h"

static void print_usage(void)
{
	printf("usage: oasis serve [--data DIR | --db URL] [OPTIONS]\n\n"
	       "Serve the API and the big screen until Ctrl-C or SIGTERM.\n\n%s",
	       serve_usage);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		SERVE_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_store store = CLI_STORE_DEFAULT;
	struct serve_opts cfg;
	char web[PATH_MAX];
	struct err e = { 0 };
	struct db *db;
	int opt, rc;

	serve_opts_defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, &store))
			continue;
		if (opt == 'h')
			return print_usage(), CLI_EXIT_OK;
		if (opt == '?')
			return cli_usage_error("serve", "unknown option");
		if (serve_option(opt, optarg, &cfg, &e))
			return cli_usage_error("serve", "%s: %s", argv[optind - 1], e.msg);
	}
	if (optind != argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (!cfg.http.web_root)
		cfg.http.web_root = serve_find_web_root(web, sizeof(web));
	if (cfg.cluster && !db_is_postgres_url(store.db_url ? store.db_url
						 : store.data_dir))
		return cli_usage_error("serve", "--cluster: the nodes share a "
				       "PostgreSQL store (--data postgresql://...)");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("serve", &e);
	rc = serve_run(db, store.data_dir, &cfg, &e);
	db_close(db);
	return rc ? cli_fail("serve", &e) : CLI_EXIT_OK;
}
