/* oasis query: read a series from the store, raw or downsampled. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/opts.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "ingest/metrics.h"
#include "ts/engine.h"
#include "ts/format.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis query --series DEVICE/METRIC [--from T] [--to T]\n"
	"                   [--step DURATION [--agg avg,min,max,...]]\n"
	"                   [--format csv|json] [--data DIR]\n"
	"\n"
	"T is RFC 3339 (2026-07-01T08:00:00Z), a date, epoch milliseconds,\n"
	"now, or now minus a duration (-6h, now-30d).  Default: the last day.\n"
	"DURATION: 500ms, 30s, 10m, 1h, 1d, 1w.  Aggregates: avg, min, max,\n"
	"sum, count, first, last (default avg).  Output: CSV (default) or JSON.\n";

struct query_args {
	const char *series, *from, *to, *step, *agg, *format;
};

static int parse_args(int argc, char **argv, struct cli_store *store,
		      struct query_args *a)
{
	const struct cli_opt table[] = {
		{ "series", "DEVICE/METRIC", "the series", .str = &a->series },
		{ "from", "T", "start (default now-1d)", .str = &a->from },
		{ "to", "T", "end (default now)", .str = &a->to },
		{ "step", "DURATION", "downsample per step", .str = &a->step },
		{ "agg", "LIST", "aggregates per step (default avg)",
		  .str = &a->agg },
		{ "format", "csv|json", "output (default csv)",
		  .str = &a->format },
		{ 0 },
	};
	const struct cli_opts opts = { "query", usage, table, NULL };
	int first, rc = cli_opts_parse(&opts, argc, argv, store, &first);

	if (rc == CLI_EXIT_OK)
		return -1; /* --help */
	if (rc != CLI_OPTS_GO_ON)
		return rc;
	if (!a->series || !strchr(a->series, '/'))
		return cli_usage_error("query", "--series DEVICE/METRIC is needed");
	if (a->format && strcmp(a->format, "csv") && strcmp(a->format, "json"))
		return cli_usage_error("query", "--format: csv or json");
	if (a->agg && !a->step)
		return cli_usage_error("query", "--agg needs --step");
	return CLI_EXIT_OK;
}

static int build_query(const struct query_args *a, struct ts_query *q,
		       char *device, char *metric, struct err *e)
{
	const char *slash = strrchr(a->series, '/');
	const struct metric_def *def;
	int64_t now = time_now_ms();

	if ((size_t)(slash - a->series) >= DB_NAME_MAX ||
	    strlen(slash + 1) >= DB_NAME_MAX)
		return err_set(e, ERR_INVALID, "--series: name too long");
	memcpy(device, a->series, (size_t)(slash - a->series));
	device[slash - a->series] = '\0';
	strcpy(metric, slash + 1);
	q->label = a->series;
	def = metric_find(metric);
	q->unit = def ? def->unit : NULL;
	q->from = now - MS_PER_DAY;
	q->to = now;
	q->csv = !a->format || !strcmp(a->format, "csv");
	q->aggs = TS_AGG_AVG;
	if (a->from && time_parse(a->from, now, &q->from, e))
		return err_prefix(e, "--from");
	if (a->to && time_parse(a->to, now, &q->to, e))
		return err_prefix(e, "--to");
	if (a->step && time_parse_step(a->step, &q->step, e))
		return err_prefix(e, "--step");
	if (a->agg && ts_aggs_parse(a->agg, &q->aggs, e))
		return ERR_INVALID;
	if (q->to < q->from)
		return err_set(e, ERR_INVALID, "--to is before --from");
	if (q->step)
		q->to += 1;  /* buckets are [from, to): the range is inclusive */
	if (q->step && time_check_buckets(q->from, q->to, q->step, e))
		return ERR_INVALID;
	return ERR_OK;
}

static int run(struct db *db, const char *data_dir, struct ts_query *q,
	       const char *device, const char *metric, struct err *e)
{
	struct ts_engine_opts o = { .readonly = true };
	struct ts_engine *eng;
	struct ingest *ing;
	struct buf out = BUF_INIT;
	int rc;

	if ((rc = ingest_open(db, &ing, e)))
		return rc;
	rc = ingest_series_find(ing, device, metric, &q->series, e);
	ingest_close(ing);
	if (rc || (rc = ts_engine_open(db, data_dir, &o, &eng, e)))
		return rc;
	rc = ts_query_write(eng, q, &out, e);
	ts_engine_close(eng);
	if (!rc) {
		if (!q->csv)
			buf_putc(&out, '\n');
		if (fwrite(out.data, 1, out.len, stdout) != out.len)
			rc = err_set(e, ERR_IO, "cannot write to standard output");
	}
	buf_free(&out);
	return rc;
}

int cmd_query(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct query_args a = { 0 };
	char device[DB_NAME_MAX], metric[DB_NAME_MAX];
	struct ts_query q = { 0 };
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((rc = parse_args(argc, argv, &store, &a)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (build_query(&a, &q, device, metric, &e))
		return cli_usage_error("query", "%s", e.msg);
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("query", &e);
	rc = run(db, store.data_dir, &q, device, metric, &e);
	db_close(db);
	return rc ? cli_fail("query", &e) : CLI_EXIT_OK;
}
