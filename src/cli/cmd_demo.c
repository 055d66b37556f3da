/*
 * oasis demo: the demonstration base near Manas, created on first run and
 * then served.  The demo's login is kept in DIR/demo-login.txt (mode 0600)
 * so that every start can print it; a real store never keeps a password.
 */
#include "cli/cli.h"

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <time.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/alerts.h"
#include "auth/auth.h"
#include "cli/serve.h"
#include "db/db.h"
#include "sim/clock.h"
#include "sim/demo.h"
#include "sim/demo_base.h"
#include "sites/features.h"
#include "sites/sites.h"
#include "sim/demo_cameras.h"
#include "sim/demo_imagery.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define DEMO_USER "admin"
#define HISTORY_DAYS 30
/* The drone's full patrol in the history's last days (weekly before). */
#define PATROL_DAYS 7

static void print_usage(void)
{
	printf("usage: oasis demo [--data DIR] [--seed N] [--speed X] [--at T]"
	       " [OPTIONS]\n\n"
	       "Create the demo base near Manas in DIR (default ./var) if it is\n"
	       "not there (plots, devices, the season's history from sowing,\n"
	       "April 10, or at least %d days), then serve it\n"
	       "with its devices reporting live until Ctrl-C.  A second run\n"
	       "reuses it and fills the time it was off.\n\n"
	       "  --seed N               the base's random seed (default 1)\n"
	       "  --speed X              simulate X times faster than real time:\n"
	       "                         the live feed replays the last hours X\n"
	       "                         times faster until it reaches now\n"
	       "  --at T                 run the base as if now were T (RFC 3339,\n"
	       "                         e.g. 2026-07-20T10:00:00+08:00): history\n"
	       "                         before it, live from it on\n%s",
	       HISTORY_DAYS, serve_usage);
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

/*
 * The monitoring a new demo base starts with: the templates' defaults for
 * what the data say.  Not the freshness ones (silent sensors, stale
 * sources): with --speed the live feed replays hours behind the wall
 * clock until it catches up, and the live demo flies no new scenes.
 */
static const char *const demo_rules[] = {
	"frost", "heat_stress", "dry_hot_wind", "strong_wind",
	"vegetation_anomaly", "stuck_sensor", "low_battery", "valve_failed",
	"valve_no_flow", "camera_offline",
};

/* The county's figures on the screen's header (docs/BIG_SCREEN.md): Manas
 * county's 1.1 M mu, 650,000 of them under digital management, and the
 * base's 12,000 mu, as facts of the default site. */
static int demo_site_facts(struct db *db, struct err *e)
{
	static const char *const facts[][2] = {
		{ "county", "玛纳斯县" }, { "county_en", "Manas County" },
		{ "county_mu", "1100000" }, { "digital_mu", "650000" },
		{ "base_mu", "12000" },
	};
	struct db_site site;
	int rc;

	if ((rc = db_site_get(db, DB_SITE_DEFAULT, &site, e)))
		return rc;
	for (size_t i = 0; !rc && i < sizeof(facts) / sizeof(facts[0]); i++)
		rc = sites_fact_set(&site.facts, facts[i][0], facts[i][1], e);
	if (!rc)
		rc = sites_update(db, &site, time_now_ms(), e);
	db_site_free(&site);
	return rc;
}

/* The base's season: this year's from April on, else last year's. */
static int create_base(struct db *db, const char *dir, uint64_t seed,
		       const struct sim_clock *clock, struct err *e)
{
	char password[AUTH_PASSWORD_LEN + 1];
	int64_t users;

	if (demo_base_create(db, seed, demo_season_year(sim_clock_now(clock)), e) ||
	    demo_site_facts(db, e))
		return e->code;
	if (db_user_count(db, &users, e))
		return e->code;
	if (users > 0)
		return ERR_OK;
	auth_password_generate(password);
	if (auth_user_create(db, DEMO_USER, ROLE_ADMIN, password, e) ||
	    save_login(dir, password, e) ||
	    alerts_store_templates(db, demo_rules,
				   sizeof(demo_rules) / sizeof(demo_rules[0]),
				   time_now_ms(), e))
		return e->code;
	return ERR_OK;
}

struct live {
	struct demo *demo;
	uint64_t seed;
	double speed;
	struct sim_clock clock;
	int64_t sim_start;
};

/* The history ends `lead` before now: what a faster live feed replays. */
static int64_t lead_ms(double speed)
{
	double lead = (speed - 1) * 6 * MS_PER_HOUR;

	return speed <= 1 ? 0 : (int64_t)fmin(lead, (HISTORY_DAYS - 1) * MS_PER_DAY);
}

/* The base's canals, roads and shelterbelts for the map, unless there. */
static int save_features(struct db *db, uint64_t seed, struct err *e)
{
	struct buf gj = BUF_INIT;
	int rc;

	demo_base_features_geojson(seed, &gj);
	rc = buf_failed(&gj) ? err_nomem(e)
			     : sites_features_save(db, DB_SITE_DEFAULT, gj.data,
						   gj.len, false, time_now_ms(), e);
	buf_free(&gj);
	return rc;
}

/* The devices, and the history up to where the live feed takes over. */
static int prepare(struct db *db, const struct cli_store *store,
		   struct live *live, struct err *e)
{
	int64_t now = sim_clock_now(&live->clock), end;
	int64_t to = now - lead_ms(live->speed);
	struct timespec t0, t1;
	char at[32];
	int scenes = 0;

	if (demo_open(db, store->data_dir, live->seed, &live->clock,
		      &live->demo, e) ||
	    save_features(db, live->seed, e))
		return e->code;
	end = demo_history_end(live->demo);
	if (end > now) {
		time_format_iso(end, at, sizeof(at));
		return err_set(e, ERR_INVALID, "the base's history already "
			       "reaches %s: --at must be later, or use a new "
			       "--data folder", at);
	}
	live->sim_start = end > to ? end : to;
	if (end >= to)
		return ERR_OK;
	if (!end)
		end = demo_season_start(now);
	printf("writing the history from %lld hours ago...\n",
	       (long long)((now - end) / MS_PER_HOUR));
	fflush(stdout);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (demo_history(live->demo, end, to, e))
		return e->code;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("history written in %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	if (demo_imagery_season(db, store->data_dir, live->seed, end, to,
				to - PATROL_DAYS * MS_PER_DAY, &scenes, e))
		return err_prefix(e, "the demo's imagery");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("%d satellite scenes and drone mosaics ingested in %.1f s\n",
	       scenes, (double)(t0.tv_sec - t1.tv_sec) +
	       (t0.tv_nsec - t1.tv_nsec) / 1e9);
	return ERR_OK;
}

static int start_live(const char *base_url, void *ctx, struct err *e)
{
	struct live *live = ctx;

	return demo_live_start(live->demo, base_url, live->sim_start,
			       live->speed, e);
}

static void stop_live(void *ctx)
{
	struct live *live = ctx;

	demo_close(live->demo);
	live->demo = NULL;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		SERVE_OPTIONS,
		{ "seed", required_argument, NULL, 's' },
		{ "speed", required_argument, NULL, 'x' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_store store = CLI_STORE_DEFAULT;
	struct serve_opts cfg;
	char web[PATH_MAX];
	struct err e = { 0 };
	struct live live = { .seed = 1, .speed = 1 };
	struct demo_cams *cams = NULL;
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
			live.seed = strtoull(optarg, NULL, 10);
			continue;
		}
		if (opt == 'a') {
			int64_t at;

			if (time_parse(optarg, time_now_ms(), &at, &e))
				return cli_usage_error("demo", "--at: %s", e.msg);
			sim_clock_start_at(&live.clock, at);
			continue;
		}
		if (opt == 'x') {
			live.speed = strtod(optarg, NULL);
			if (!(live.speed >= 1 && live.speed <= 100000))
				return cli_usage_error("demo", "--speed: 1 to 100000");
			continue;
		}
		if (opt == '?')
			return cli_usage_error("demo", "unknown option");
		if (serve_option(opt, optarg, &cfg, &e))
			return cli_usage_error("demo", "%s", e.msg);
	}
	if (!cfg.http.web_root)
		cfg.http.web_root = serve_find_web_root(web, sizeof(web));
	if (cli_store_open(&store, true, &db, &e))
		return cli_fail("demo", &e);
	if (db_plot_count(db, &plots, &e) ||
	    (plots == 0 && create_base(db, store.data_dir, live.seed,
				       &live.clock, &e))) {
		db_close(db);
		return cli_fail("demo", &e);
	}
	if (plots == 0)
		printf("demo base created in %s\n", store.data_dir);
	if ((rc = prepare(db, &store, &live, &e))) {
		db_close(db);
		return cli_fail("demo", &e);
	}
	print_login(store.data_dir);
	/*
	 * the replay's readings are as old as its lead (and as --at is behind
	 * the real clock): monitoring judges them
	 */
	cfg.alert_max_age_ms = lead_ms(live.speed) + MS_PER_DAY +
			       sim_clock_behind_ms(&live.clock);
	cfg.started = start_live;
	cfg.stopping = stop_live;
	cfg.hook_ctx = &live;
	if (demo_cameras_start(db, store.data_dir, &cams, &e)) {
		db_close(db);
		return cli_fail("demo", &e);
	}
	rc = serve_run(db, store.data_dir, &cfg, &e);
	demo_cameras_stop(cams);
	demo_close(live.demo);
	db_close(db);
	return rc ? cli_fail("demo", &e) : CLI_EXIT_OK;
}
