/*
 * cmd_zonal: `oasis zonal`, the statistics of a raster or vegetation index
 * over each plot of a vector file, printed as CSV or JSON.  Reading the
 * plots is plots_read's; the rasters, the index and the scan are rs/'s
 * (rs_raster.h, rs_plots.h); this file reads the command line and writes
 * the table.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "plots/plots_read.h"
#include "rs/rs_args.h"
#include "rs/rs_plots.h"
#include "rs/rs_raster.h"
#include "util/buf.h"

static const char usage[] =
    "usage: oasis zonal --raster FILE --plots FILE [--index NAME]\n"
    "           [--red B --nir B --green B --blue B --rededge B] [--band B]\n"
    "           [--scale S] [--offset O] [--exact] [--code-field NAME]\n"
    "           [--mask FILE] [--scl FILE [--scl-drop LIST]]\n"
    "           [--format csv|json] [--threads N]\n"
    "\n"
    "Per-plot statistics of a vegetation index (or of one band) over a\n"
    "raster: one row per plot with code, count, valid_fraction, mean, std,\n"
    "min, max, median, p10, p90 (empty / null where no pixel was valid).\n"
    "\n"
    "  --raster FILE      any raster GDAL reads (GeoTIFF, COG, JPEG 2000)\n"
    "  --plots FILE       any vector file of Polygon/MultiPolygon plots\n"
    "  --index NAME       ndvi (default), gndvi, ndre, evi, savi, vari, exg,\n"
    "                     or band (the value of --band)\n"
    "  --red, --nir, --green, --blue, --rededge B\n"
    "                     the band of --raster to use (a number), or a file\n"
    "                     of its own (a path: its band 1), e.g.\n"
    "                     --red T45TUK_B04_10m.jp2 --nir T45TUK_B08_10m.jp2;\n"
    "                     not given: the band whose colour or description\n"
    "                     says so (red, B04, ...)\n"
    "  --band B           the band for --index band (number or path)\n"
    "  --scale S, --offset O  reflectance = DN * S + O for every band\n"
    "                     (default: each band's own scale/offset, else 1\n"
    "                     and 0).  Sentinel-2 L2A since baseline 04.00:\n"
    "                     --scale 0.0001 --offset -0.1\n"
    "  --exact            weight each pixel by the fraction of it inside the\n"
    "                     plot (default: pixels whose centre is inside)\n"
    "  --code-field NAME  the plots' code attribute (default: code)\n"
    "  --mask FILE        a cloud mask: pixels where its band 1 is non-zero\n"
    "                     are left out\n"
    "  --scl FILE         a classification band (Sentinel-2 SCL) ...\n"
    "  --scl-drop LIST    ... and the classes to leave out (default 3,8,9,10:\n"
    "                     cloud shadow, cloud medium and high, thin cirrus)\n"
    "  --format csv|json  default csv\n"
    "  --threads N        default: one per core\n"
    "\n"
    "See docs/REMOTE_SENSING.md for the formulas and the rules.\n";

enum {
	OPT_RASTER = CLI_OPT_FIRST_FREE,
	OPT_PLOTS,
	OPT_INDEX,
	OPT_RED,
	OPT_NIR,
	OPT_GREEN,
	OPT_BLUE,
	OPT_REDEDGE,
	OPT_BAND,
	OPT_SCALE,
	OPT_OFFSET,
	OPT_EXACT,
	OPT_CODE_FIELD,
	OPT_MASK,
	OPT_SCL,
	OPT_SCL_DROP,
	OPT_FORMAT,
	OPT_THREADS,
	OPT_HELP,
};

static const struct option options[] = {
    {"raster", required_argument, NULL, OPT_RASTER},
    {"plots", required_argument, NULL, OPT_PLOTS},
    {"index", required_argument, NULL, OPT_INDEX},
    {"red", required_argument, NULL, OPT_RED},
    {"nir", required_argument, NULL, OPT_NIR},
    {"green", required_argument, NULL, OPT_GREEN},
    {"blue", required_argument, NULL, OPT_BLUE},
    {"rededge", required_argument, NULL, OPT_REDEDGE},
    {"band", required_argument, NULL, OPT_BAND},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"offset", required_argument, NULL, OPT_OFFSET},
    {"exact", no_argument, NULL, OPT_EXACT},
    {"code-field", required_argument, NULL, OPT_CODE_FIELD},
    {"mask", required_argument, NULL, OPT_MASK},
    {"scl", required_argument, NULL, OPT_SCL},
    {"scl-drop", required_argument, NULL, OPT_SCL_DROP},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct zonal_args {
	const char *raster, *plots, *code_field, *format;
	bool index_given, exact, json, help;
	struct rs_band_arg role[RS_ROLE_COUNT];
	struct rs_raster_opts ro;
	int threads;
};

static int role_of_option(int opt)
{
	switch (opt) {
	case OPT_RED:
		return RS_ROLE_RED;
	case OPT_NIR:
		return RS_ROLE_NIR;
	case OPT_GREEN:
		return RS_ROLE_GREEN;
	case OPT_BLUE:
		return RS_ROLE_BLUE;
	case OPT_REDEDGE:
		return RS_ROLE_REDEDGE;
	case OPT_BAND:
		return RS_ROLE_VALUE;
	default:
		return -1;
	}
}

/* One option into *a; a usage error names the flag. */
static int take_option(int opt, const char *arg, struct zonal_args *a,
		       bool *scl_drop_given)
{
	struct err e;
	long n;

	if (role_of_option(opt) >= 0) {
		rs_band_arg_parse(arg, &a->role[role_of_option(opt)]);
		return 0;
	}
	switch (opt) {
	case OPT_RASTER:
		a->raster = arg;
		break;
	case OPT_PLOTS:
		a->plots = arg;
		break;
	case OPT_CODE_FIELD:
		a->code_field = arg;
		break;
	case OPT_MASK:
		a->ro.mask_path = arg;
		break;
	case OPT_SCL:
		a->ro.class_path = arg;
		break;
	case OPT_EXACT:
		a->exact = true;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	case OPT_INDEX:
		if (rs_index_parse(arg, &a->ro.index, &e))
			return cli_usage_error("zonal", "--index: %s", e.msg);
		a->index_given = true;
		break;
	case OPT_SCALE:
		if (!rs_parse_double(arg, &a->ro.scale) || a->ro.scale == 0)
			return cli_usage_error("zonal",
					       "--scale: '%s' is not a "
					       "non-zero number",
					       arg);
		a->ro.has_scale = true;
		break;
	case OPT_OFFSET:
		if (!rs_parse_double(arg, &a->ro.offset))
			return cli_usage_error("zonal",
					       "--offset: '%s' is not "
					       "a number",
					       arg);
		a->ro.has_offset = true;
		break;
	case OPT_SCL_DROP:
		if (rs_class_list_parse(arg, a->ro.drop_class))
			return cli_usage_error(
			    "zonal",
			    "--scl-drop: '%s' is not "
			    "a list of classes 0-255 such as "
			    "3,8,9,10",
			    arg);
		*scl_drop_given = true;
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "csv") && strcmp(arg, "json"))
			return cli_usage_error("zonal",
					       "--format: '%s' is not "
					       "csv or json",
					       arg);
		a->json = !strcmp(arg, "json");
		break;
	case OPT_THREADS:
		if (!rs_parse_long(arg, 1, RS_ZONAL_MAX_THREADS, &n))
			return cli_usage_error("zonal",
					       "--threads: '%s' is not "
					       "a number from 1 to %d",
					       arg, RS_ZONAL_MAX_THREADS);
		a->threads = (int)n;
		break;
	default:
		return cli_usage_error("zonal", "unknown option");
	}
	return 0;
}

/* Turn the band options into rs_raster_opts roles; check what goes together. */
static int settle_bands(struct zonal_args *a)
{
	unsigned roles;

	if (!a->index_given)
		a->ro.index =
		    a->role[RS_ROLE_VALUE].text ? RS_INDEX_BAND : RS_INDEX_NDVI;
	roles = rs_index_roles(a->ro.index);
	for (int k = 0; k < RS_ROLE_COUNT; k++) {
		const struct rs_band_arg *b = &a->role[k];
		struct rs_band_ref *ref = &a->ro.role[k];

		if (b->text && !(roles & (1u << k)))
			return cli_usage_error(
			    "zonal",
			    "--%s: %s does not use a "
			    "%s band",
			    k == RS_ROLE_VALUE ? "band" : rs_role_name(k),
			    rs_index_name(a->ro.index), rs_role_name(k));
		if (!(roles & (1u << k)))
			continue;
		if (b->text && !b->number) {
			ref->path = b->text;
			ref->band = 1;
		} else {
			ref->path = a->raster;
			ref->band = b->number;
		}
		if (!ref->path)
			return cli_usage_error(
			    "zonal",
			    "--raster is needed "
			    "(or --%s FILE)",
			    k == RS_ROLE_VALUE ? "band" : rs_role_name(k));
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct zonal_args *a)
{
	bool scl_drop_given = false;
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return cli_usage_error("zonal", "bad option '%s'",
					       argv[optind - 1]);
		if (take_option(opt, optarg, a, &scl_drop_given))
			return CLI_EXIT_USAGE;
	}
	if (a->help)
		return 0;
	if (optind < argc)
		return cli_usage_error("zonal", "unexpected argument '%s'",
				       argv[optind]);
	if (!a->plots)
		return cli_usage_error("zonal", "--plots FILE is needed");
	if (scl_drop_given && !a->ro.class_path)
		return cli_usage_error("zonal", "--scl-drop needs --scl FILE");
	if (a->ro.class_path && !scl_drop_given)
		rs_class_default_drop(a->ro.drop_class);
	return settle_bands(a);
}

/* ---- progress ---- */

static void show_progress(long done, long total, void *ctx)
{
	int *last = ctx;
	int pct = total > 0 ? (int)(100 * done / total) : 100;

	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\roasis zonal: %3d%% of the rows%s", pct,
		done >= total ? "\n" : "");
	fflush(stderr);
}

/* ---- output ---- */

static void csv_number(struct buf *b, double v)
{
	buf_putc(b, ',');
	if (!isnan(v))
		buf_printf(b, "%.15g", v);
}

static void csv_row(struct buf *b, const char *code,
		    const struct rs_zonal_result *r)
{
	const struct rs_stats *s = &r->stats;
	const double rest[] = {
	    s->mean, s->std, s->min, s->max, s->median, s->p10, s->p90,
	};

	buf_csv_field(b, code);
	csv_number(b, s->count);
	csv_number(b, r->valid_fraction);
	for (size_t i = 0; i < sizeof(rest) / sizeof(*rest); i++)
		csv_number(b, s->count > 0 ? rest[i] : NAN);
	buf_putc(b, '\n');
}

static json_t *json_number(double v, bool whole)
{
	if (isnan(v))
		return json_null();
	if (whole)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *json_row(const char *code, const struct rs_zonal_result *r,
			bool exact)
{
	const struct rs_stats *s = &r->stats;
	bool none = !(s->count > 0);
	json_t *o = json_object();

	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "count", json_number(s->count, !exact));
	json_object_set_new(o, "valid_fraction",
			    json_number(r->valid_fraction, false));
	json_object_set_new(o, "mean",
			    json_number(none ? NAN : s->mean, false));
	json_object_set_new(o, "std", json_number(none ? NAN : s->std, false));
	json_object_set_new(o, "min", json_number(none ? NAN : s->min, false));
	json_object_set_new(o, "max", json_number(none ? NAN : s->max, false));
	json_object_set_new(o, "median",
			    json_number(none ? NAN : s->median, false));
	json_object_set_new(o, "p10", json_number(none ? NAN : s->p10, false));
	json_object_set_new(o, "p90", json_number(none ? NAN : s->p90, false));
	return o;
}

static int write_table(const struct plots_read_result *pr,
		       const struct rs_zonal_result *res, bool json, bool exact,
		       struct err *e)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < pr->n_plots; i++)
			json_array_append_new(
			    arr, json_row(pr->plots[i].code, &res[i], exact));
		if (json_dumpf(arr, stdout,
			       JSON_INDENT(1) | JSON_REAL_PRECISION(15)) ||
		    fputc('\n', stdout) == EOF)
			rc = err_set(e, ERR_IO, "cannot write the output");
		json_decref(arr);
		return rc;
	}
	buf_puts(&b,
		 "code,count,valid_fraction,mean,std,min,max,median,p10,p90\n");
	for (size_t i = 0; i < pr->n_plots; i++)
		csv_row(&b, pr->plots[i].code, &res[i]);
	if (buf_failed(&b))
		rc = err_nomem(e);
	else if (b.len && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = err_set(e, ERR_IO, "cannot write the output");
	buf_free(&b);
	return rc;
}

/* ---- running ---- */

struct bad_ctx {
	const struct plots_read_result *pr;
	size_t n;
};

static void report_bad_plot(size_t i, const char *why, void *ctx)
{
	struct bad_ctx *c = ctx;

	c->n++;
	fprintf(stderr,
		"oasis zonal: plot %s: cannot be placed on the "
		"raster: %s\n",
		c->pr->plots[i].code, why);
}

static void report_rejects(const char *file, const struct plots_read_result *pr)
{
	char message[PLOTS_REASON_MAX + 64];

	for (size_t i = 0; i < pr->n_rejects; i++) {
		plots_reject_format(&pr->rejects[i], message, sizeof(message));
		fprintf(stderr, "oasis zonal: %s: skipped %s\n", file, message);
	}
}

static void report_outside(const struct rs_zonal_result *res, size_t n)
{
	size_t outside = 0;

	for (size_t i = 0; i < n; i++)
		outside += res[i].state == RS_ZONE_OUTSIDE;
	if (outside)
		fprintf(stderr,
			"oasis zonal: %zu plot%s lie%s outside the "
			"raster\n",
			outside, outside == 1 ? "" : "s",
			outside == 1 ? "s" : "");
}

static int compute(const struct zonal_args *a, struct rs_raster *r,
		   const struct plots_read_result *pr, struct err *e)
{
	struct rs_zonal_result *res =
	    calloc(pr->n_plots ? pr->n_plots : 1, sizeof(*res));
	const char **geoms =
	    calloc(pr->n_plots ? pr->n_plots : 1, sizeof(*geoms));
	struct bad_ctx bad = {pr, 0};
	int last_pct = -1, rc;
	struct rs_zonal_opts zo = {
	    .rule = a->exact ? RS_RULE_EXACT : RS_RULE_CENTRE,
	    .threads = a->threads,
	    .progress = isatty(STDERR_FILENO) ? show_progress : NULL,
	    .progress_ctx = &last_pct,
	};

	if (!res || !geoms) {
		rc = err_nomem(e);
		goto out_free;
	}
	for (size_t i = 0; i < pr->n_plots; i++)
		geoms[i] = pr->plots[i].geometry;
	rc = rs_zonal_plots(r, geoms, pr->n_plots, &zo, report_bad_plot, &bad,
			    res, e);
	if (!rc) {
		report_outside(res, pr->n_plots);
		rc = write_table(pr, res, a->json, a->exact, e);
	}
out_free:
	free(geoms);
	free(res);
	return rc;
}

int cmd_zonal(int argc, char **argv)
{
	struct zonal_args a;
	struct plots_read_opts po = {0};
	struct plots_read_result pr = {0};
	struct rs_raster *r = NULL;
	struct err e;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	if (a.help) {
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	}
	err_clear(&e);
	if (rs_raster_open(&a.ro, &r, &e))
		return cli_fail("zonal", &e);
	po.code_field = a.code_field;
	if (plots_read_file(a.plots, &po, &pr, &e)) {
		rs_raster_close(r);
		return cli_fail("zonal", &e);
	}
	report_rejects(a.plots, &pr);
	if (pr.n_plots == 0) {
		err_set(&e, ERR_INVALID, "%s: no plot to compute", a.plots);
		rc = CLI_EXIT_FAIL;
	} else if (compute(&a, r, &pr, &e)) {
		rc = CLI_EXIT_FAIL;
	}
	if (rc)
		cli_fail("zonal", &e);
	plots_read_result_free(&pr);
	rs_raster_close(r);
	return rc;
}
