/*
 * oasis demo: the demonstration base near Manas, created on first run and
 * then served.  The demo's login is kept in DIR/demo-login.txt (mode 0600)
 * so that every start can print it; a real store never keeps a password.
 */
#include "cli/cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "cli/serve.h"
#include "db/db.h"
#include "sim/demo_base.h"
#include "util/timeutil.h"

#define DEMO_USER "admin"

static void print_usage(void)
{
	printf("usage: oasis demo [--data DIR] [--seed N] [OPTIONS]\n\n"
	       "Create the demo base near Manas in DIR (default ./var) if it is\n"
	       "not there, then serve it until Ctrl-C.  A second run reuses it.\n\n"
	       "  --seed N               the base's random seed (default 1)\n%s",
	       serve_usage);
}

static int login_path(const char *dir, char *out, size_t size, struct err *e)
{
	if ((size_t)snprintf(out, size, "%s/demo-login.txt", dir) >= size)
		return err_set(e, ERR_INVALID, "store folder path too long");
	return ERR_OK;
}

static int save_login(const char *dir, const char *password, struct err *e)
{
	char path[PATH_MAX];
	FILE *f;
	int fd;

	if (login_path(dir, path, sizeof(path), e))
		return e->code;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_IO, "cannot write %s", path);
	}
	fprintf(f, "%s %s\n", DEMO_USER, password);
	return fclose(f) ? err_set(e, ERR_IO, "cannot write %s", path) : ERR_OK;
}

static void print_login(const char *dir)
{
	char path[PATH_MAX], line[160];
	FILE *f;

	if (login_path(dir, path, sizeof(path), NULL) || !(f = fopen(path, "r"))) {
		printf("login: the demo's admin (see `oasis user passwd admin`)\n");
		return;
	}
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');

		if (sp) {
			*sp = '\0';
			printf("login: %s / %s\n", line, sp + 1);
		}
	}
	fclose(f);
}

static int create_base(struct db *db, const char *dir, uint64_t seed,
		       struct err *e)
{
	char password[AUTH_PASSWORD_LEN + 1];
	int y, m, d;
	int64_t users;

	time_civil_from_days(time_now_ms() / MS_PER_DAY, &y, &m, &d);
	if (demo_base_create(db, seed, m < 4 ? y - 1 : y, e))
		return e->code;
	if (db_user_count(db, &users, e))
		return e->code;
	if (users > 0)
		return ERR_OK;
	auth_password_generate(password);
	if (auth_user_create(db, DEMO_USER, ROLE_ADMIN, password, e) ||
	    save_login(dir, password, e))
		return e->code;
	return ERR_OK;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		SERVE_OPTIONS,
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_store store = CLI_STORE_DEFAULT;
	struct serve_opts cfg;
	char web[PATH_MAX];
	struct err e = { 0 };
	uint64_t seed = 1;
	struct db *db;
	int64_t plots;
	int opt, rc;

	serve_opts_defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, &store))
			continue;
		if (opt == 'h')
			return print_usage(), CLI_EXIT_OK;
		if (opt == 's') {
			seed = strtoull(optarg, NULL, 10);
			continue;
		}
		if (opt == '?')
			return cli_usage_error("demo", "unknown option");
		if (serve_option(opt, optarg, &cfg, &e))
			return cli_usage_error("demo", "%s", e.msg);
	}
	if (store.db_url)
		return cli_usage_error("demo", "the demo runs on the embedded "
				       "store (--data DIR)");
	if (!cfg.http.web_root)
		cfg.http.web_root = serve_find_web_root(web, sizeof(web));
	if (cli_store_open(&store, true, &db, &e))
		return cli_fail("demo", &e);
	if (db_plot_count(db, &plots, &e) ||
	    (plots == 0 && create_base(db, store.data_dir, seed, &e))) {
		db_close(db);
		return cli_fail("demo", &e);
	}
	if (plots == 0)
		printf("demo base created in %s\n", store.data_dir);
	print_login(store.data_dir);
	rc = serve_run(db, store.data_dir, &cfg, &e);
	db_close(db);
	return rc ? cli_fail("demo", &e) : CLI_EXIT_OK;
}
