/* oasis plots: import the field plots from survey files, list them. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "plots/plots.h"
#include "sites/sites.h"

static const char usage[] =
	"usage: oasis plots import FILE [--code-field NAME] [--crs CRS]\n"
	"                          [--encoding NAME] [--skip-invalid] [--dry-run]\n"
	"       oasis plots list [--format geojson|json|csv|table] [--crop CROP]\n"
	"                        [--bbox MINLON,MINLAT,MAXLON,MAXLAT] [--site CODE]\n"
	"       oasis plots show CODE\n"
	"       oasis plots delete CODE\n"
	"(each also takes --data DIR or --db URL)\n"
	"\n"
	"import reads GeoJSON, Shapefile (or a .zip of one), KML, GeoPackage\n"
	"and any other vector format GDAL reads, in any CRS (CGCS2000 and its\n"
	"Gauss-Kruger zones included); plots whose code exists are updated.\n"
	"It is all or nothing unless --skip-invalid.  --crs gives the CRS of a\n"
	"file that has none (e.g. EPSG:4538 for a Shapefile without .prj);\n"
	"--encoding the text encoding of a Shapefile without .cpg (GBK,\n"
	"CP936, UTF-8...).\n";

struct plots_args {
	struct plots_import_opts import;
	struct db_plot_filter filter;
	const char *format;
};

static void print_summary(const char *file, const struct plots_import_summary *s,
			  bool dry_run)
{
	char message[PLOTS_REASON_MAX + 64];

	for (size_t i = 0; i < s->rejected; i++) {
		plots_reject_format(&s->rejects[i], message, sizeof(message));
		fprintf(stderr, "%s: %s\n", file, message);
	}
	printf("%s: %zu features; %zu added, %zu updated, %zu rejected%s\n", file,
	       s->features, s->added, s->updated, s->rejected,
	       dry_run ? " (dry run: nothing stored)" : "");
}

static int import(struct db *db, const char *file, const struct plots_args *a,
		  struct err *e)
{
	struct plots_import_summary s;
	int rc;

	rc = plots_import_file(db, file, &a->import, &s, e);
	if (!rc || s.rejected)
		print_summary(file, &s, a->import.dry_run);
	plots_import_summary_free(&s);
	return rc;
}

static int write_out(struct buf *b)
{
	return fwrite(b->data, 1, b->len, stdout) == b->len ? ERR_OK : ERR_IO;
}

static const char *const plot_head[] = {
	"code", "name", "crop", "variety", "area_ha", "owner", "site",
};

struct plot_rows {
	struct cli_table t;
	struct err *e;
};

static int add_plot_row(const struct db_plot *p, void *ctx)
{
	struct plot_rows *r = ctx;
	char area[32];
	const char *row[7] = { p->code, p->name, p->crop, p->variety, area,
			       p->owner, p->site };

	snprintf(area, sizeof(area), "%.2f", p->area_m2 / 10000);
	return cli_table_add(&r->t, row, r->e);
}

static int list_table(struct db *db, const struct plots_args *a, struct err *e)
{
	struct plot_rows r = { .e = e };
	int rc;

	cli_table_init(&r.t, 7, plot_head);
	rc = db_plot_list(db, &a->filter, add_plot_row, &r, e);
	if (!rc)
		rc = cli_table_print(&r.t, CLI_FORMAT_TABLE, stdout, e);
	cli_table_free(&r.t);
	return rc;
}

static int list(struct db *db, const struct plots_args *a, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	if (a->filter.site && (rc = sites_known(db, a->filter.site, e)))
		return rc;
	if (a->format && !strcmp(a->format, "table"))
		return list_table(db, a, e);
	if (a->format && !strcmp(a->format, "csv"))
		rc = plots_write_csv(db, &a->filter, &b, e);
	else
		rc = plots_write_geojson(db, &a->filter, &b, e);
	if (!rc && !(a->format && !strcmp(a->format, "csv")))
		buf_putc(&b, '\n');
	if (!rc && write_out(&b))
		rc = err_set(e, ERR_IO, "cannot write to standard output");
	buf_free(&b);
	return rc;
}

static int show(struct db *db, const char *code, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc = plots_write_feature(db, code, &b, e);

	buf_putc(&b, '\n');
	if (!rc && write_out(&b))
		rc = err_set(e, ERR_IO, "cannot write to standard output");
	buf_free(&b);
	return rc;
}

/* --bbox MINLON,MINLAT,MAXLON,MAXLAT into the list's filter. */
static int bbox_option(const char *arg, void *ctx, struct err *e)
{
	struct plots_args *a = ctx;

	if (plots_parse_bbox(arg, &a->filter, e))
		return err_prefix(e, "--bbox");
	return ERR_OK;
}

int cmd_plots(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct plots_args a = { 0 };
	const struct cli_opt table[] = {
		{ "code-field", "NAME", "the attribute holding each plot's code "
		  "(import)", .str = &a.import.read.code_field },
		{ "crs", "CRS", "the CRS of a file that names none, e.g. "
		  "EPSG:4538 (import)", .str = &a.import.read.assign_crs },
		{ "encoding", "NAME", "text encoding of a Shapefile without .cpg: "
		  "GBK, CP936, UTF-8... (import)", .str = &a.import.read.encoding },
		{ "skip-invalid", NULL, "store the valid plots, report the others "
		  "(import)", .flag = &a.import.skip_invalid },
		{ "dry-run", NULL, "read and check, store nothing (import)",
		  .flag = &a.import.dry_run },
		{ "format", "geojson|json|csv|table", "how list prints",
		  .str = &a.format },
		{ "crop", "CROP", "only plots of this crop (list)",
		  .str = &a.filter.crop },
		{ "bbox", "MINLON,MINLAT,MAXLON,MAXLAT", "only plots meeting this "
		  "box (list)", .handle = bbox_option },
		{ "site", "CODE", "only plots of this site (list)",
		  .str = &a.filter.site },
		{ 0 },
	};
	const struct cli_opts opts = { "plots", usage, table, &a };
	struct err e = { 0 };
	const char *verb, *arg;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (a.format && strcmp(a.format, "csv") && strcmp(a.format, "geojson")
	    && strcmp(a.format, "json") && strcmp(a.format, "table"))
		return cli_usage_error("plots", "--format '%s': expected geojson "
				       "(json), csv or table", a.format);
	if (first >= argc)
		return cli_usage_error("plots", "expected import, list, show or delete");
	if ((rc = cli_opts_at_most(&opts, argc, argv, first, 2)) != CLI_OPTS_GO_ON)
		return rc;
	verb = argv[first];
	arg = first + 1 < argc ? argv[first + 1] : NULL;
	if (strcmp(verb, "list") && !arg)
		return cli_usage_error("plots", "%s needs %s", verb,
				       strcmp(verb, "import") ? "a plot code" : "a FILE");
	if (strcmp(verb, "list") && strcmp(verb, "import") &&
	    strcmp(verb, "show") && strcmp(verb, "delete"))
		return cli_usage_error("plots", "unknown action '%s'", verb);
	if (cli_store_open(&store, !strcmp(verb, "import"), &db, &e))
		return cli_fail("plots", &e);
	if (!strcmp(verb, "import"))
		rc = import(db, arg, &a, &e);
	else if (!strcmp(verb, "list"))
		rc = list(db, &a, &e);
	else if (!strcmp(verb, "show"))
		rc = show(db, arg, &e);
	else if (!(rc = plots_delete(db, arg, &e)))
		printf("plot %s deleted\n", arg);
	db_close(db);
	return rc ? cli_fail("plots", &e) : CLI_EXIT_OK;
}
