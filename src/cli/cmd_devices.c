/* oasis devices: register field devices and list them. */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "sites/sites.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis devices add ID --kind KIND [--plot CODE] [--name NAME]\n"
	"                         [--location LON,LAT]\n"
	"       oasis devices list [--plot CODE] [--site CODE]\n"
	"                          [--format table|csv|json]\n"
	"       oasis devices show ID [--format table|csv|json]\n"
	"       oasis devices delete ID\n"
	"(each also takes --data DIR)\n"
	"\n"
	"add prints the device's token once: the device writes with it, and\n"
	"only its own data.  Kinds: weather_station, soil_probe, flow_meter,\n"
	"valve, camera, drone, tractor, pv_inverter, pump, gateway, sensor.\n"
	"delete revokes the device's tokens and keeps its data (still\n"
	"queryable); its id stays taken.  list leaves deleted devices out.\n";

static const char *const device_head[] = {
	"id", "kind", "plot", "name", "lon", "lat", "created", "deleted", "site",
};
#define DEVICE_NCOLS (sizeof(device_head) / sizeof(device_head[0]))

struct device_rows {
	struct cli_table t;
	bool all;             /* deleted devices too */
	const char *site;     /* --site: only its devices; else NULL */
	struct err *e;
};

static void format_ms(int64_t ms, char *out, size_t size)
{
	if (ms)
		time_format_iso(ms, out, size);
	else
		out[0] = '\0';
}

static int add_device_row(const struct db_device *d, void *ctx)
{
	struct device_rows *r = ctx;
	char lon[32] = "", lat[32] = "", created[40], deleted[40];
	const char *row[DEVICE_NCOLS];

	if ((d->deleted_ms && !r->all) || (r->site && strcmp(d->site, r->site)))
		return 0;
	if (isfinite(d->lon) && isfinite(d->lat)) {
		snprintf(lon, sizeof(lon), "%.6f", d->lon);
		snprintf(lat, sizeof(lat), "%.6f", d->lat);
	}
	format_ms(d->created_ms, created, sizeof(created));
	format_ms(d->deleted_ms, deleted, sizeof(deleted));
	row[0] = d->id; row[1] = d->kind; row[2] = d->plot; row[3] = d->name;
	row[4] = lon; row[5] = lat; row[6] = created; row[7] = deleted;
	row[8] = d->site;
	return cli_table_add(&r->t, row, r->e);
}

static int list(struct db *db, const char *plot, const char *site,
		const char *id, enum cli_format f, struct err *e)
{
	struct device_rows r = { .all = id != NULL, .site = site, .e = e };
	struct db_device d;
	int rc;

	if (site && (rc = sites_known(db, site, e)))
		return rc;
	cli_table_init(&r.t, DEVICE_NCOLS, device_head);
	if (id)
		rc = db_device_get(db, id, &d, e) ? (int)e->code
						  : add_device_row(&d, &r);
	else
		rc = db_device_list(db, plot, add_device_row, &r, e);
	if (!rc)
		rc = cli_table_print(&r.t, f, stdout, e);
	cli_table_free(&r.t);
	return rc;
}

static int delete(struct db *db, const char *id, struct err *e)
{
	int rc = db_device_delete(db, id, time_now_ms(), e);

	if (!rc)
		printf("device %s deleted; its tokens are revoked, its data "
		       "kept\n", id);
	return rc;
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

/* --location LON,LAT into the device (ctx). */
static int take_location(const char *arg, void *ctx, struct err *e)
{
	struct db_device *d = ctx;

	if (sscanf(arg, "%lf,%lf", &d->lon, &d->lat) != 2)
		return err_set(e, ERR_INVALID, "--location LON,LAT");
	return ERR_OK;
}

int cmd_devices(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct db_device d = { .lon = NAN, .lat = NAN };
	struct err e = { 0 };
	enum cli_format format = CLI_FORMAT_TABLE;
	const char *verb, *site = NULL, *kind = "", *plot = "", *name = "";
	const struct cli_opt table[] = {
		{ "kind", "KIND", "what it is (add)", .str = &kind },
		{ "plot", "CODE", "the plot it stands in", .str = &plot },
		{ "name", "NAME", "a name for people (add)", .str = &name },
		{ "location", "LON,LAT", "where it stands (add)",
		  .handle = take_location },
		{ "format", "table|csv|json", "how list and show print",
		  .format = &format },
		{ "site", "CODE", "only the devices of this site (list)",
		  .str = &site },
		{ 0 },
	};
	const struct cli_opts opts = { "devices", usage, table, &d };
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	snprintf(d.plot, sizeof(d.plot), "%s", plot);
	snprintf(d.name, sizeof(d.name), "%s", name);
	if (first >= argc)
		return cli_usage_error("devices", "expected add or list");
	verb = argv[first];
	if (!strcmp(verb, "add")) {
		if (first + 1 >= argc || !d.kind[0])
			return cli_usage_error("devices", "add needs an ID and --kind");
		snprintf(d.id, sizeof(d.id), "%s", argv[first + 1]);
	} else if (!strcmp(verb, "show") || !strcmp(verb, "delete")) {
		if (first + 1 >= argc)
			return cli_usage_error("devices", "%s needs a device ID",
					       verb);
		snprintf(d.id, sizeof(d.id), "%s", argv[first + 1]);
	} else if (strcmp(verb, "list")) {
		return cli_usage_error("devices", "unknown action '%s'", verb);
	}
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("devices", &e);
	if (!strcmp(verb, "add"))
		rc = add(db, &d, &e);
	else if (!strcmp(verb, "show"))
		rc = list(db, NULL, NULL, d.id, format, &e);
	else if (!strcmp(verb, "delete"))
		rc = delete(db, d.id, &e);
	else
		rc = list(db, d.plot[0] ? d.plot : NULL, site, NULL, format, &e);
	db_close(db);
	return rc ? cli_fail("devices", &e) : CLI_EXIT_OK;
}
