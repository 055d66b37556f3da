/*
 * oasis pv import | daily | expected: the PV park on the store (the
 * equipment registry and the daily metrics of src/pvsite/).  Unlike the
 * other `oasis pv` sub-commands these read and write a store (--data).
 */
#include "cli/cli.h"
#include "cli/cmd_pv.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "pvsite/pvsite.h"
#include "ts/engine.h"
#include "util/timeutil.h"

static const char import_usage[] =
	"usage: oasis pv import --site CODE [--dry-run] FILE [--data DIR]\n"
	"\n"
	"Import a PV plant's layout (CSV with a header line, or a GeoJSON\n"
	"FeatureCollection) into site CODE (a pv_plant).  Every row is checked\n"
	"first (errors name the line or feature and the field); then all are\n"
	"stored in one transaction, or none.  --dry-run checks and reports\n"
	"without storing.  Columns: id, kind (block, inverter, combiner,\n"
	"string, tracker, meter, met_station), parent, name, subtype (central\n"
	"or string), met_station, kwp_dc, kw_ac, module_count, gamma_pdc,\n"
	"tilt, azimuth, axis_tilt, axis_azimuth, max_angle, gcr, lon, lat.\n";

static const char daily_usage[] =
	"usage: oasis pv daily --site CODE --date YYYY-MM-DD [--interval-min N]\n"
	"       oasis pv expected --site CODE --inverter ID --date YYYY-MM-DD\n"
	"(each also takes --data DIR)\n"
	"\n"
	"daily: the IEC 61724-1 metrics of the site's day (in its time zone)\n"
	"for every inverter, block and the plant, from the stored series, as\n"
	"JSON.  expected: an inverter's PVWatts expected AC power beside its\n"
	"measured power, interval by interval.  docs/PV.md.\n";

enum { OPT_SITE = CLI_OPT_FIRST_FREE, OPT_DATE, OPT_INVERTER, OPT_DRY_RUN,
       OPT_INTERVAL };

struct site_args {
	struct cli_store store;
	const char *site, *date, *inverter, *file;
	int interval_min;
	bool dry_run;
};

static int parse(const char *cmd, const char *usage, int argc, char **argv,
		 struct site_args *a)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		{ "site", required_argument, NULL, OPT_SITE },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "inverter", required_argument, NULL, OPT_INVERTER },
		{ "interval-min", required_argument, NULL, OPT_INTERVAL },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, &a->store))
			continue;
		switch (opt) {
		case OPT_SITE: a->site = optarg; break;
		case OPT_DATE: a->date = optarg; break;
		case OPT_INVERTER: a->inverter = optarg; break;
		case OPT_DRY_RUN: a->dry_run = true; break;
		case OPT_INTERVAL:
			a->interval_min = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || a->interval_min < 1 ||
			    a->interval_min > 60 || 1440 % a->interval_min)
				return cli_usage_error(cmd, "--interval-min: '%s'"
						       " is not a divisor of a "
						       "day in minutes, 1 to 60",
						       optarg);
			break;
		case 'h': return fputs(usage, stdout), -1;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (!a->site)
		return cli_usage_error(cmd, "--site CODE is required");
	return 0;
}

static int read_all(const char *path, char **out, size_t *len,
		    struct err *e)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, got;
	char *b = malloc(cap);

	if (!f || !b) {
		free(b);
		if (f)
			fclose(f);
		return f ? err_nomem(e) : err_set(e, ERR_IO, "%s: cannot be "
						  "read", path);
	}
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = cap < (256u << 20) ? realloc(b, cap * 2) : NULL;

			if (!nb) {
				free(b);
				fclose(f);
				return err_set(e, ERR_TOO_LARGE, "%s: too large "
					       "(256 MiB at most)", path);
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	*out = b;
	*len = n;
	return ERR_OK;
}

int cmd_pv_import(int argc, char **argv)
{
	struct site_args a = { .store = CLI_STORE_DEFAULT };
	struct pvsite_layout l = { 0 };
	struct err e = { 0 };
	size_t len = 0, added = 0, updated = 0, per[8] = { 0 };
	static const char *const kinds[8] = { "pv_block", "pv_inverter",
		"pv_combiner", "pv_string", "pv_tracker", "pv_meter",
		"pv_met_station", NULL };
	char *text = NULL;
	struct db *db;
	int rc;

	if ((rc = parse("pv import", import_usage, argc, argv, &a)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!a.file)
		return cli_usage_error("pv import", "a layout FILE is required");
	if (read_all(a.file, &text, &len, &e))
		return cli_fail("pv import", &e);
	if (cli_store_open(&a.store, false, &db, &e)) {
		free(text);
		return cli_fail("pv import", &e);
	}
	rc = pvsite_layout_parse(db, a.site, a.file, text, len, &l, &e);
	free(text);
	if (!rc && !a.dry_run)
		rc = pvsite_layout_store(db, a.site, &l, time_now_ms(), &added,
					 &updated, &e);
	db_close(db);
	if (rc) {
		pvsite_layout_free(&l);
		return cli_fail("pv import", &e);
	}
	for (size_t i = 0; i < l.n; i++)
		for (int k = 0; kinds[k]; k++)
			if (!strcmp(l.rows[i].kind, kinds[k]))
				per[k]++;
	printf("%s: %zu rows checked (", a.file, l.n);
	for (int k = 0, first = 1; kinds[k]; k++)
		if (per[k]) {
			printf("%s%zu %s", first ? "" : ", ", per[k], kinds[k] + 3);
			first = 0;
		}
	if (a.dry_run)
		printf("); dry run: nothing stored\n");
	else
		printf("); stored in site %s: %zu added, %zu updated\n", a.site,
		       added, updated);
	pvsite_layout_free(&l);
	return CLI_EXIT_OK;
}

static int with_engine(struct site_args *a, bool expected, json_t **v,
		       struct err *e)
{
	struct ts_engine_opts o = { .readonly = true };
	struct pvsite_daily_opts d = { .interval_min = a->interval_min };
	struct ts_engine *eng;
	struct db *db;
	int rc;

	if ((rc = cli_store_open(&a->store, false, &db, e)))
		return rc;
	if (!(rc = ts_engine_open(db, a->store.data_dir, &o, &eng, e))) {
		rc = expected ? pvsite_expected_json(db, eng, a->site,
						     a->inverter, a->date, v, e)
			      : pvsite_daily_json_opts(db, eng, a->site, a->date,
						       &d, v, e);
		ts_engine_close(eng);
	}
	db_close(db);
	return rc;
}

static int daily_or_expected(const char *cmd, bool expected, int argc,
			     char **argv)
{
	struct site_args a = { .store = CLI_STORE_DEFAULT };
	struct err e = { 0 };
	json_t *v = NULL;
	int rc;

	if ((rc = parse(cmd, daily_usage, argc, argv, &a)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (!a.date)
		return cli_usage_error(cmd, "--date YYYY-MM-DD is required");
	if (expected && !a.inverter)
		return cli_usage_error(cmd, "--inverter ID is required");
	if (with_engine(&a, expected, &v, &e))
		return cli_fail(cmd, &e);
	rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(v);
	return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cmd_pv_daily(int argc, char **argv)
{
	return daily_or_expected("pv daily", false, argc, argv);
}

int cmd_pv_expected(int argc, char **argv)
{
	return daily_or_expected("pv expected", true, argc, argv);
}
