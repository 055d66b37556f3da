/* oasis units: the custom metrics registered with their unit. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "ingest/units.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis units list [--format table|csv|json]\n"
	"       oasis units add METRIC --unit UNIT [--description TEXT]\n"
	"       oasis units delete METRIC\n"
	"(each also takes --data DIR or --db URL)\n"
	"\n"
	"A metric outside the catalogue is refused unless it is registered\n"
	"here with its unit (or the server runs with --allow-unknown-metrics).\n"
	"list prints the catalogue's metrics and the registered ones.\n";

static const char *const unit_head[] = {
	"metric", "unit", "range", "description", "source",
};

static int add_row(struct cli_table *t, json_t *m, const char *source,
		   struct err *e)
{
	char range[64] = "";
	const char *row[5];

	if (json_object_get(m, "min"))
		snprintf(range, sizeof(range), "%g..%g",
			 json_number_value(json_object_get(m, "min")),
			 json_number_value(json_object_get(m, "max")));
	row[0] = json_string_value(json_object_get(m, "name"));
	row[1] = json_string_value(json_object_get(m, "unit"));
	row[2] = range;
	row[3] = json_string_value(json_object_get(m, "description"));
	row[4] = source;
	if (!row[3])
		row[3] = "";
	return cli_table_add(t, row, e);
}

static int list(struct ingest_units *u, enum cli_format f, struct err *e)
{
	struct cli_table t;
	json_t *all, *m;
	size_t i;
	int rc;

	if ((rc = ingest_units_json(u, &all, e)))
		return rc;
	cli_table_init(&t, 5, unit_head);
	json_array_foreach(json_object_get(all, "catalogue"), i, m)
		if (!rc)
			rc = add_row(&t, m, "catalogue", e);
	json_array_foreach(json_object_get(all, "registered"), i, m)
		if (!rc)
			rc = add_row(&t, m, "registered", e);
	if (!rc)
		rc = cli_table_print(&t, f, stdout, e);
	cli_table_free(&t);
	json_decref(all);
	return rc;
}

static int run(struct db *db, const char *verb, const char *metric,
	       const char *unit, const char *what, enum cli_format f,
	       struct err *e)
{
	struct ingest_units *u;
	int rc;

	if ((rc = ingest_units_open(db, &u, e)))
		return rc;
	if (!strcmp(verb, "list")) {
		rc = list(u, f, e);
	} else if (!strcmp(verb, "add")) {
		rc = ingest_units_register(u, metric, unit, what, time_now_ms(),
					   e);
		if (!rc)
			printf("metric %s registered (unit %s)\n", metric, unit);
	} else {
		rc = ingest_units_delete(u, metric, e);
		if (!rc)
			printf("metric %s unregistered\n", metric);
	}
	ingest_units_close(u);
	return rc;
}

int cmd_units(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	const char *unit = NULL, *what = NULL, *verb, *metric;
	enum cli_format format = CLI_FORMAT_TABLE;
	const struct cli_opt table[] = {
		{ "unit", "UNIT", "the metric's unit, e.g. min, kPa, 1 (add)",
		  .str = &unit },
		{ "description", "TEXT", "what it measures (add)", .str = &what },
		{ "format", "table|csv|json", "how list prints",
		  .format = &format },
		{ 0 },
	};
	const struct cli_opts opts = { "units", usage, table, NULL };
	struct err e = { 0 };
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc)
		return cli_usage_error("units", "expected list, add or delete");
	if ((rc = cli_opts_at_most(&opts, argc, argv, first, 2)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	verb = argv[first];
	metric = first + 1 < argc ? argv[first + 1] : NULL;
	if (strcmp(verb, "list") && strcmp(verb, "add") && strcmp(verb, "delete"))
		return cli_usage_error("units", "unknown action '%s'", verb);
	if (strcmp(verb, "list") && !metric)
		return cli_usage_error("units", "%s needs a METRIC", verb);
	if (!strcmp(verb, "add") && !unit)
		return cli_usage_error("units", "add needs --unit UNIT");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("units", &e);
	rc = run(db, verb, metric, unit, what, format, &e);
	db_close(db);
	return rc ? cli_fail("units", &e) : CLI_EXIT_OK;
}
