/*
 * oasis mqtt-acl: print a mosquitto ACL file for the registered devices.
 *
 * The server's broker user reads every device's telemetry, NMEA and
 * acknowledgements and writes their commands; each device (broker user =
 * its id) writes only its own telemetry, NMEA and acks and reads only its
 * own commands.  docs/MQTT.md shows the mosquitto configuration around it.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "db/db.h"

static const char usage[] =
	"usage: oasis mqtt-acl [--data DIR | --db URL] [--server-user NAME]\n"
	"\n"
	"Print a mosquitto acl_file for the registered devices: the server's\n"
	"user (default oasis) reads oasis/+/telemetry, nmea and acks and\n"
	"writes oasis/+/commands; each device, whose broker user name is its\n"
	"id, writes only oasis/ID/telemetry, nmea and acks and reads only\n"
	"oasis/ID/commands.  Run it again after registering devices (see\n"
	"docs/MQTT.md).\n";

/* The topics a device publishes on, and the one it subscribes to. */
static const char *const device_writes[] = { "telemetry", "nmea", "acks" };

static int print_device(const struct db_device *d, void *ctx)
{
	size_t *n = ctx;

	if (d->deleted_ms)
		return 0; /* a deleted device may publish nothing */
	printf("\n# %s (%s%s%s)\nuser %s\n", d->id, d->kind,
	       d->plot[0] ? ", plot " : "", d->plot, d->id);
	for (size_t i = 0; i < sizeof(device_writes) / sizeof(*device_writes);
	     i++)
		printf("topic write oasis/%s/%s\n", d->id, device_writes[i]);
	printf("topic read oasis/%s/commands\n", d->id);
	(*n)++;
	return 0;
}

static void print_server(const char *user)
{
	printf("# mosquitto acl_file written by `oasis mqtt-acl`.\n"
	       "# Clients without a user name get no topic at all.\n"
	       "\n# the oasis server\nuser %s\n", user);
	for (size_t i = 0; i < sizeof(device_writes) / sizeof(*device_writes);
	     i++)
		printf("topic read oasis/+/%s\n", device_writes[i]);
	printf("topic write oasis/+/commands\n");
}

int cmd_mqtt_acl(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	const char *server_user = "oasis";
	const struct cli_opt table[] = {
		{ "server-user", "NAME", "the server's broker user "
		  "(default oasis)", .str = &server_user },
		{ 0 },
	};
	const struct cli_opts opts = { "mqtt-acl", usage, table, NULL };
	struct err e = { 0 };
	struct db *db;
	size_t n = 0;
	int first, rc = CLI_EXIT_OK;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON ||
	    (rc = cli_opts_at_most(&opts, argc, argv, first, 0)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	rc = CLI_EXIT_OK;
	if (!*server_user || strpbrk(server_user, " \t\r\n#+/"))
		return cli_usage_error("mqtt-acl", "--server-user '%s' is not "
				       "a broker user name", server_user);
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("mqtt-acl", &e);
	print_server(server_user);
	if (db_device_list(db, NULL, print_device, &n, &e))
		rc = cli_fail("mqtt-acl", &e);
	else
		fprintf(stderr, "ACL for the server and %zu device%s\n", n,
			n == 1 ? "" : "s");
	db_close(db);
	return rc;
}
