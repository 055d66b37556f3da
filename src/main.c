/*
 * oasis: the control center of a digital farm.  One program, many commands;
 * this file only finds the command and hands it the rest of the line.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
	{ "init", cmd_init, "create a store and an admin user" },
	{ "serve", cmd_serve, "run the HTTP server" },
	{ "demo", cmd_demo, "create the demo base near Manas and serve it" },
	{ "token", cmd_token, "create or revoke API tokens" },
	{ "user", cmd_user, "add users or reset a password" },
	{ "plots", cmd_plots, "import and list field plots" },
	{ "devices", cmd_devices, "register and list field devices" },
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
};

static void usage(FILE *out)
{
	fprintf(out, "usage: oasis COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEvery command takes --data DIR (embedded store, default "
		"./var) or --db URL.\n`oasis COMMAND --help` tells more.\n");
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
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
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
