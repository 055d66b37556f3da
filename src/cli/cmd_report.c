/* oasis report: the daily base report as PDF, XLSX or CSV. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "report/report.h"
#include "ts/engine.h"

static const char usage[] =
	"usage: oasis report daily --date YYYY-MM-DD [--tz ZONE]\n"
	"                          [--format pdf|xlsx|csv] [--out FILE]\n"
	"(also takes --data DIR or --db URL)\n"
	"\n"
	"The day's weather per station, each plot's area and mean soil\n"
	"moisture, and the alerts opened that day.  The day is the civil day\n"
	"of --tz (default Asia/Shanghai).  --out defaults to\n"
	"oasis-daily-DATE.FORMAT; --out - writes to standard output.\n";

struct report_args {
	const char *date, *tz, *format, *out;
};

static int write_file(const char *path, const struct buf *b, struct err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	bool ok;

	if (!f)
		return err_set(e, ERR_IO, "cannot write %s", path);
	ok = fwrite(b->data, 1, b->len, f) == b->len;
	if (f != stdout)
		ok = !fclose(f) && ok;
	return ok ? ERR_OK : err_set(e, ERR_IO, "cannot write %s", path);
}

static int run(struct db *db, const char *data_dir,
	       const struct report_args *a, struct err *e)
{
	struct ts_engine_opts o = { .readonly = true };
	struct ts_engine *eng = NULL;
	struct ingest *ing = NULL;
	struct buf out = BUF_INIT;
	char path[256];
	int rc;

	if ((rc = ingest_open(db, &ing, e)) ||
	    (rc = ts_engine_open(db, data_dir, &o, &eng, e)))
		goto out;
	if ((rc = report_daily_render(db, ing, eng, a->date, a->tz, a->format,
				      &out, e)))
		goto out;
	snprintf(path, sizeof(path), "%s", a->out ? a->out : "");
	if (!a->out)
		snprintf(path, sizeof(path), "oasis-daily-%s.%s", a->date,
			 a->format);
	if (!(rc = write_file(path, &out, e)) && strcmp(path, "-"))
		fprintf(stderr, "%s: %zu bytes\n", path, out.len);
out:
	buf_free(&out);
	if (eng)
		ts_engine_close(eng);
	ingest_close(ing);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct report_args a = { .tz = "Asia/Shanghai", .format = "pdf" };
	const struct cli_opt table[] = {
		{ "date", "YYYY-MM-DD", "the day (required)", .str = &a.date },
		{ "tz", "ZONE", "whose civil day (default Asia/Shanghai)",
		  .str = &a.tz },
		{ "format", "pdf|xlsx|csv", "what to write (default pdf)",
		  .str = &a.format },
		{ "out", "FILE", "where (default oasis-daily-DATE.FORMAT; - "
		  "standard output)", .str = &a.out },
		{ 0 },
	};
	const struct cli_opts opts = { "report", usage, table, &a };
	struct err e = { 0 };
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc || strcmp(argv[first], "daily"))
		return cli_usage_error("report", "expected daily");
	if ((rc = cli_opts_at_most(&opts, argc, argv, first, 1)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (!a.date)
		return cli_usage_error("report", "--date YYYY-MM-DD is needed");
	if (strcmp(a.format, "pdf") && strcmp(a.format, "xlsx") &&
	    strcmp(a.format, "csv"))
		return cli_usage_error("report", "--format '%s': expected pdf, "
				       "xlsx or csv", a.format);
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("report", &e);
	rc = run(db, store.data_dir, &a, &e);
	db_close(db);
	return rc ? cli_fail("report", &e) : CLI_EXIT_OK;
}
