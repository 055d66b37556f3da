/* oasis devices: register field devices and list them. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "ingest/ingest.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis devices add ID --kind KIND [--plot CODE] [--name NAME]\n"
	"                         [--location LON,LAT]\n"
	"       oasis devices list [--plot CODE]\n"
	"(each also takes --data DIR)\n"
	"\n"
	"add prints the device's token once: the device writes with it, and\n"
	"only its own data.  Kinds: weather_station, soil_probe, flow_meter,\n"
	"valve, camera, drone, tractor, pv_inverter, pump, gateway, sensor.\n";

static int print_device(const struct db_device *d, void *ctx)
{
	(void)ctx;
	printf("%-20s %-16s %-16s %s\n", d->id, d->kind, d->plot[0] ? d->plot : "-",
	       d->name);
	return 0;
}

static int add(struct db *db, struct db_device *d, struct err *e)
{
	char token[AUTH_SECRET_MAX];
	struct ingest *ing;
	int rc;

	if ((rc = ingest_open(db, &ing, e)))
		return rc;
	d->created_ms = time_now_ms();
	rc = ingest_device_register(ing, d, token, e);
	ingest_close(ing);
	if (rc)
		return rc;
	printf("%s\n", token);
	fprintf(stderr, "device %s (%s) registered; its token is shown this once\n",
		d->id, d->kind);
	return ERR_OK;
}

int cmd_devices(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		{ "kind", required_argument, NULL, 'k' },
		{ "plot", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "location", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct cli_store store = CLI_STORE_DEFAULT;
	struct db_device d = { .lon = NAN, .lat = NAN };
	struct err e = { 0 };
	const char *verb;
	struct db *db;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, &store))
			continue;
		switch (opt) {
		case 'k': snprintf(d.kind, sizeof(d.kind), "%s", optarg); break;
		case 'p': snprintf(d.plot, sizeof(d.plot), "%s", optarg); break;
		case 'n': snprintf(d.name, sizeof(d.name), "%s", optarg); break;
		case 'l':
			if (sscanf(optarg, "%lf,%lf", &d.lon, &d.lat) != 2)
				return cli_usage_error("devices", "--location LON,LAT");
			break;
		case 'h': return fputs(usage, stdout), CLI_EXIT_OK;
		default: return cli_usage_error("devices", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("devices", "expected add or list");
	verb = argv[optind];
	if (!strcmp(verb, "add")) {
		if (optind + 1 >= argc || !d.kind[0])
			return cli_usage_error("devices", "add needs an ID and --kind");
		snprintf(d.id, sizeof(d.id), "%s", argv[optind + 1]);
	} else if (strcmp(verb, "list")) {
		return cli_usage_error("devices", "unknown action '%s'", verb);
	}
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("devices", &e);
	if (!strcmp(verb, "add"))
		rc = add(db, &d, &e);
	else
		rc = db_device_list(db, d.plot[0] ? d.plot : NULL, print_device,
				    NULL, &e);
	db_close(db);
	return rc ? cli_fail("devices", &e) : CLI_EXIT_OK;
}
