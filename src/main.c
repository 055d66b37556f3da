/*
 * oasis: the control center of a digital farm.  One program, many commands;
 * this file only finds the command and hands it the rest of the line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/log.h"
#include "util/version.h"

static const struct cli_command commands[] = {
	{ "init", cmd_init, "create a store and an admin user" },
	{ "serve", cmd_serve, "run the HTTP server" },
	{ "demo", cmd_demo, "create the demo base near Manas and serve it" },
	{ "token", cmd_token, "create or revoke API tokens" },
	{ "user", cmd_user, "add, list, disable or delete users; reset a password" },
	{ "plots", cmd_plots, "import and list field plots" },
	{ "devices", cmd_devices, "register, list, show or delete field devices" },
	{ "ingest", cmd_ingest, "bulk-load sensor data (lp, json, csv)" },
	{ "query", cmd_query, "read a series, raw or downsampled" },
	{ "retention", cmd_retention, "keep raw points for a while, then rollups" },
	{ "irrigation", cmd_irrigation, "pump stations and rotation groups" },
	{ "simulate", cmd_simulate, "drive a server with simulated devices" },
	{ "et0", cmd_et0, "FAO-56 reference evapotranspiration (daily, hourly)" },
	{ "zonal", cmd_zonal, "per-plot statistics of a raster or index" },
	{ "imagery", cmd_imagery, "add satellite and drone scenes; the catalogue" },
	{ "pv", cmd_pv, "PV park models: sun, POA, temperature, PVWatts, PR" },
	{ "mqtt-acl", cmd_mqtt_acl, "print a mosquitto ACL file for the devices" },
	{ "sites", cmd_sites, "the installation's sites: farms and PV plants" },
	{ "migrate", cmd_migrate, "copy a SQLite store into PostgreSQL" },
	{ "workorders", cmd_workorders, "work orders: tickets technicians work" },
	{ "units", cmd_units, "custom metrics registered with their unit" },
	{ "report", cmd_report, "the daily base report: PDF, XLSX or CSV" },
};

/*
 * The options every command takes, wherever they stand on the line:
 * --log-level error|warn|info|debug (the server's commands log at info,
 * the others at warn, so they stay quiet unless something is wrong) and
 * --access-log off|sampled|all.  They are taken out of argv before the
 * command sees it.  Returns 0, or CLI_EXIT_USAGE after saying why.
 */
static int global_options(int *argc, char **argv)
{
	enum log_level level = LOG_WARN;
	bool level_set = false;
	enum access_mode mode = ACCESS_SAMPLED;
	int kept = 1;

	for (int i = 1; i < *argc; i++) {
		const char *opt = argv[i], *val = NULL;
		bool is_level = !strncmp(opt, "--log-level", 11);
		bool is_access = !strncmp(opt, "--access-log", 12);
		size_t len = is_level ? 11 : 12;
		int bad;

		if (!strcmp(opt, "--")) {
			while (i < *argc)
				argv[kept++] = argv[i++];
			break;
		}
		if ((!is_level && !is_access) ||
		    (opt[len] != '\0' && opt[len] != '=')) {
			argv[kept++] = argv[i];
			continue;
		}
		if (opt[len] == '=')
			val = opt + len + 1;
		else if (i + 1 < *argc)
			val = argv[++i];
		bad = !val || (is_level ? log_level_parse(val, &level)
					: access_mode_parse(val, &mode));
		level_set |= is_level;
		if (bad) {
			fprintf(stderr, "oasis: %s takes %s%s%s%s\n",
				is_level ? "--log-level" : "--access-log",
				is_level ? "error, warn, info or debug"
					 : "off, sampled or all",
				val ? ", not '" : "", val ? val : "",
				val ? "'" : "");
			return CLI_EXIT_USAGE;
		}
	}
	argv[kept] = NULL;
	*argc = kept;
	if (!level_set)
		level = kept > 1 && (!strcmp(argv[1], "serve") ||
				     !strcmp(argv[1], "demo"))
			? LOG_INFO : LOG_WARN;
	log_set_level(level);
	log_set_access_mode(mode);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: oasis COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "  %-10s %s\n", "version", "print the version and commit (also --version)");
	fprintf(out, "\nEvery command takes --data DIR (embedded store, default "
		"./var) or --db URL, and\n"
		"  --log-level error|warn|info|debug  (default info for serve "
		"and demo, warn\n"
		"                                     for the others: quiet "
		"unless something\n"
		"                                     is wrong)\n"
		"  --access-log off|sampled|all       a line per HTTP request: "
		"none, only\n"
		"                                     errors and slow ones "
		"(default), every one\n"
		"`oasis COMMAND --help` tells more.\n");
}

int main(int argc, char **argv)
{
	/*
	 * Everything oasis creates is its own: the store (SQLite and its WAL,
	 * the time-series log, chunks, previews, snapshots, demo files)
	 * holds password hashes, token hashes and the farm's data.  Files
	 * are 0600 and folders 0700 whatever the caller's umask.
	 */
	umask(S_IRWXG | S_IRWXO);
	if (argc >= 2 && global_options(&argc, argv))
		return CLI_EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("oasis %s (commit %s)\n", oasis_version(), oasis_commit());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "oasis: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
