/*
 * cmd_imagery: `oasis imagery ingest`, adding a scene (satellite image or
 * drone mosaic) to the store with every plot's vegetation indices, and
 * `oasis imagery list`, the catalogue.  The work is rs/imagery's.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "db/db.h"
#include "rs/imagery.h"
#include "rs/rs_args.h"
#include "util/timeutil.h"

static const char usage[] =
    "usage: oasis imagery ingest [FILE] --source NAME --acquired TIME\n"
    "           [--kind satellite|drone] [--red B --nir B --green B\n"
    "           --blue B --rededge B] [--scale S] [--offset O]\n"
    "           [--mask FILE | --mask-band N] [--scl FILE | --scl-band N]\n"
    "           [--scl-drop LIST] [--exact] [--threads N]\n"
    "       oasis imagery list [--from T] [--to T]\n"
    "(each also takes --data DIR or --db URL)\n"
    "\n"
    "ingest reads a scene (any raster GDAL reads: GeoTIFF, COG, JPEG 2000;\n"
    "or one file per band), computes every vegetation index its bands allow\n"
    "(NDVI, GNDVI, NDRE, EVI, SAVI, VARI, ExG) over every registered plot,\n"
    "flags the plots that fall behind, and stores the scene, its statistics\n"
    "and its flags in one transaction.\n"
    "\n"
    "  --source NAME      sentinel-2a, landsat-9, drone-1, ...\n"
    "  --acquired TIME    when the image was taken (RFC 3339)\n"
    "  --kind K           satellite or drone (default: from the source name)\n"
    "  --red, --nir, --green, --blue, --rededge B\n"
    "                     a band of FILE (a number) or a file of its own (its\n"
    "                     band 1); not given: the band of FILE whose colour\n"
    "                     or description says so (red, B04, ...), if any\n"
    "  --scale S, --offset O  reflectance = DN * S + O; Sentinel-2 L2A since\n"
    "                     baseline 04.00: --scale 0.0001 --offset -0.1\n"
    "  --mask FILE        a cloud mask: non-zero pixels are left out\n"
    "  --mask-band N      ... the mask as band N of FILE\n"
    "  --scl FILE         a classification band (Sentinel-2 SCL) ...\n"
    "  --scl-band N       ... or band N of FILE ...\n"
    "  --scl-drop LIST    ... and the classes to leave out (default "
    RS_DEFAULT_SCL_DROP ")\n"
    "  --exact            weight pixels by the share of them in the plot\n"
    "  --threads N        default: one per core\n"
    "\n"
    "See docs/REMOTE_SENSING.md.\n";

enum {
	OPT_SOURCE = CLI_OPT_FIRST_FREE,
	OPT_ACQUIRED,
	OPT_KIND,
	OPT_RED,
	OPT_NIR,
	OPT_GREEN,
	OPT_BLUE,
	OPT_REDEDGE,
	OPT_SCALE,
	OPT_OFFSET,
	OPT_MASK,
	OPT_MASK_BAND,
	OPT_SCL,
	OPT_SCL_BAND,
	OPT_SCL_DROP,
	OPT_EXACT,
	OPT_THREADS,
	OPT_FROM,
	OPT_TO,
	OPT_HELP,
};

static const struct option options[] = {
	CLI_STORE_OPTIONS,
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "acquired", required_argument, NULL, OPT_ACQUIRED },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "red", required_argument, NULL, OPT_RED },
	{ "nir", required_argument, NULL, OPT_NIR },
	{ "green", required_argument, NULL, OPT_GREEN },
	{ "blue", required_argument, NULL, OPT_BLUE },
	{ "rededge", required_argument, NULL, OPT_REDEDGE },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "mask-band", required_argument, NULL, OPT_MASK_BAND },
	{ "scl", required_argument, NULL, OPT_SCL },
	{ "scl-band", required_argument, NULL, OPT_SCL_BAND },
	{ "scl-drop", required_argument, NULL, OPT_SCL_DROP },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct imagery_args {
	struct cli_store store;
	struct imagery_opts o;
	struct rs_band_arg role[RS_ROLE_COUNT];
	const char *acquired, *mask_band, *scl_band, *from, *to;
	bool scl_drop_given, help;
	char mask_vrt[4200], scl_vrt[4200];
};

static int role_of_option(int opt)
{
	switch (opt) {
	case OPT_RED: return RS_ROLE_RED;
	case OPT_NIR: return RS_ROLE_NIR;
	case OPT_GREEN: return RS_ROLE_GREEN;
	case OPT_BLUE: return RS_ROLE_BLUE;
	case OPT_REDEDGE: return RS_ROLE_REDEDGE;
	default: return -1;
	}
}

static int take_number(int opt, const char *arg, struct imagery_args *a)
{
	struct rs_raster_opts *ro = &a->o.ro;
	long n;

	switch (opt) {
	case OPT_SCALE:
		if (!rs_parse_double(arg, &ro->scale) || ro->scale == 0)
			return cli_usage_error("imagery", "--scale: '%s' is "
					       "not a non-zero number", arg);
		ro->has_scale = true;
		return 0;
	case OPT_OFFSET:
		if (!rs_parse_double(arg, &ro->offset))
			return cli_usage_error("imagery", "--offset: '%s' is "
					       "not a number", arg);
		ro->has_offset = true;
		return 0;
	case OPT_THREADS:
		if (!rs_parse_long(arg, 1, RS_ZONAL_MAX_THREADS, &n))
			return cli_usage_error("imagery", "--threads: '%s' is "
					       "not a number from 1 to %d", arg,
					       RS_ZONAL_MAX_THREADS);
		a->o.threads = (int)n;
		return 0;
	case OPT_SCL_DROP:
		if (rs_class_list_parse(arg, ro->drop_class))
			return cli_usage_error("imagery", "--scl-drop: '%s' is "
					       "not a list of classes 0-255 "
					       "such as 3,8,9,10", arg);
		a->scl_drop_given = true;
		return 0;
	default:
		return cli_usage_error("imagery", "unknown option");
	}
}

static int take_option(int opt, const char *arg, struct imagery_args *a)
{
	if (cli_store_option(opt, arg, &a->store))
		return 0;
	if (role_of_option(opt) >= 0) {
		rs_band_arg_parse(arg, &a->role[role_of_option(opt)]);
		return 0;
	}
	switch (opt) {
	case OPT_SOURCE: a->o.source = arg; break;
	case OPT_ACQUIRED: a->acquired = arg; break;
	case OPT_KIND: a->o.kind = arg; break;
	case OPT_MASK: a->o.ro.mask_path = arg; break;
	case OPT_MASK_BAND: a->mask_band = arg; break;
	case OPT_SCL: a->o.ro.class_path = arg; break;
	case OPT_SCL_BAND: a->scl_band = arg; break;
	case OPT_EXACT: a->o.exact = true; break;
	case OPT_FROM: a->from = arg; break;
	case OPT_TO: a->to = arg; break;
	case OPT_HELP: a->help = true; break;
	default: return take_number(opt, arg, a);
	}
	return 0;
}

/* "vrt://FILE?bands=N": band N of FILE as a file of one band. */
static int band_of_raster(const struct imagery_args *a, const char *flag,
			  const char *band, char *out, size_t size)
{
	long n;

	if (!a->o.raster)
		return cli_usage_error("imagery", "%s needs FILE", flag);
	if (!rs_parse_long(band, 1, 100000, &n))
		return cli_usage_error("imagery", "%s: '%s' is not a band "
				       "number", flag, band);
	snprintf(out, size, "vrt://%s?bands=%ld", a->o.raster, n);
	return 0;
}

static int settle_bands(struct imagery_args *a)
{
	struct rs_raster_opts *ro = &a->o.ro;

	for (int k = RS_ROLE_BLUE; k < RS_ROLE_COUNT; k++) {
		const struct rs_band_arg *b = &a->role[k];

		if (!b->text)
			continue;
		if (b->number && !a->o.raster)
			return cli_usage_error("imagery", "--%s %d: a band "
					       "number needs FILE",
					       rs_role_name(k), b->number);
		ro->role[k] = b->number
			? (struct rs_band_ref){ a->o.raster, b->number }
			: (struct rs_band_ref){ b->text, 1 };
	}
	if (a->mask_band && (ro->mask_path || band_of_raster(a, "--mask-band",
	    a->mask_band, a->mask_vrt, sizeof(a->mask_vrt))))
		return ro->mask_path ? cli_usage_error("imagery", "--mask or "
			"--mask-band, not both") : CLI_EXIT_USAGE;
	if (a->mask_band)
		ro->mask_path = a->mask_vrt;
	if (a->scl_band && (ro->class_path || band_of_raster(a, "--scl-band",
	    a->scl_band, a->scl_vrt, sizeof(a->scl_vrt))))
		return ro->class_path ? cli_usage_error("imagery", "--scl or "
			"--scl-band, not both") : CLI_EXIT_USAGE;
	if (a->scl_band)
		ro->class_path = a->scl_vrt;
	if (a->scl_drop_given && !ro->class_path)
		return cli_usage_error("imagery", "--scl-drop needs --scl or "
				       "--scl-band");
	if (ro->class_path && !a->scl_drop_given)
		rs_class_default_drop(ro->drop_class);
	return 0;
}

static int check_ingest(struct imagery_args *a, int argc, char **argv)
{
	struct err e;

	if (optind + 1 < argc)
		a->o.raster = argv[optind + 1];
	if (optind + 2 < argc)
		return cli_usage_error("imagery", "unexpected argument '%s'",
				       argv[optind + 2]);
	if (!a->o.source)
		return cli_usage_error("imagery", "--source NAME is needed");
	if (!a->acquired)
		return cli_usage_error("imagery", "--acquired TIME is needed");
	if (time_parse(a->acquired, time_now_ms(), &a->o.acquired_ms, &e))
		return cli_usage_error("imagery", "--acquired: %s", e.msg);
	if (a->o.kind && strcmp(a->o.kind, "satellite") &&
	    strcmp(a->o.kind, "drone"))
		return cli_usage_error("imagery", "--kind: '%s' is not "
				       "satellite or drone", a->o.kind);
	return settle_bands(a);
}

static int parse_args(int argc, char **argv, struct imagery_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->store = CLI_STORE_DEFAULT;
	imagery_opts_defaults(&a->o);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return cli_usage_error("imagery", "bad option '%s'",
					       argv[optind - 1]);
		if (take_option(opt, optarg, a))
			return CLI_EXIT_USAGE;
	}
	if (a->help)
		return 0;
	if (optind >= argc)
		return cli_usage_error("imagery", "expected ingest or list");
	if (!strcmp(argv[optind], "ingest"))
		return check_ingest(a, argc, argv);
	if (strcmp(argv[optind], "list"))
		return cli_usage_error("imagery", "unknown action '%s'",
				       argv[optind]);
	if (optind + 1 < argc)
		return cli_usage_error("imagery", "unexpected argument '%s'",
				       argv[optind + 1]);
	return 0;
}

/* ---- ingest ---- */

static void show_progress(double done, void *ctx)
{
	int *last = ctx;
	int pct = (int)(100 * done);

	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\roasis imagery: %3d%%", pct);
	fflush(stderr);
}

static int ingest(struct db *db, struct imagery_args *a, struct err *e)
{
	struct imagery_result r;
	int last = -1, rc;

	/* previews go to the local folder, which a PostgreSQL store has too */
	a->o.data_dir = a->store.data_dir;
	if (isatty(STDERR_FILENO)) {
		a->o.progress = show_progress;
		a->o.progress_ctx = &last;
	}
	rc = imagery_ingest(db, &a->o, &r, e);
	if (last >= 0)
		fputc('\n', stderr);
	if (rc)
		return rc;
	printf("scene %lld: %s; %zu of %zu plots seen; %zu anomal%s",
	       (long long)r.scene, r.indices, r.plots_seen, r.plots,
	       r.anomalies, r.anomalies == 1 ? "y" : "ies");
	if (!isnan(r.cloud_share))
		printf("; cloud %.1f%%", 100 * r.cloud_share);
	printf("\n");
	return ERR_OK;
}

static int list(struct db *db, const struct imagery_args *a, struct err *e)
{
	int64_t from = INT64_MIN, to = INT64_MAX;
	json_t *doc;
	int rc;

	if ((a->from && time_parse(a->from, time_now_ms(), &from, e)) ||
	    (a->to && time_parse(a->to, time_now_ms(), &to, e)))
		return e->code;
	if ((rc = imagery_catalogue_json(db, from, to, &doc, e)))
		return rc;
	rc = json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	json_decref(doc);
	fputc('\n', stdout);
	return rc ? err_set(e, ERR_IO, "cannot write the output") : ERR_OK;
}

int cmd_imagery(int argc, char **argv)
{
	struct imagery_args a;
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((rc = parse_args(argc, argv, &a)))
		return rc;
	if (a.help) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	if (cli_store_open(&a.store, false, &db, &e))
		return cli_fail("imagery", &e);
	if (!strcmp(argv[optind], "ingest"))
		rc = ingest(db, &a, &e);
	else
		rc = list(db, &a, &e);
	db_close(db);
	return rc ? cli_fail("imagery", &e) : CLI_EXIT_OK;
}
