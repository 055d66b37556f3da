/* oasis retention: how long raw points are kept before only rollups remain. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "db/db.h"
#include "ingest/retention.h"
#include "ts/engine.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis retention set [--kind KIND] [--metric METRIC] --raw DURATION\n"
	"                           [--rollup STEP]\n"
	"       oasis retention list\n"
	"       oasis retention delete ID\n"
	"       oasis retention apply\n"
	"(each also takes --data DIR)\n"
	"\n"
	"Keep raw points of the matching series for --raw (e.g. 90d), then only\n"
	"their aggregates per --rollup STEP (default 1h; it must divide a day):\n"
	"sum, count, min, max, first and last, which queries use transparently.\n"
	"Without --kind or --metric a policy matches any; the most specific\n"
	"policy of a series wins.  With no policy everything stays raw.  A\n"
	"running server applies the policies hourly; `apply` does it now on a\n"
	"store no server is using.\n";

struct args {
	struct db_retention r;
	const char *raw, *rollup;
};

static int print_policy(const struct db_retention *r, void *ctx)
{
	(void)ctx;
	printf("%-4lld %-16s %-16s raw %lldd, then per %lld min\n",
	       (long long)r->id, r->kind[0] ? r->kind : "(any kind)",
	       r->metric[0] ? r->metric : "(any metric)",
	       (long long)(r->raw_ms / MS_PER_DAY),
	       (long long)(r->step_ms / MS_PER_MINUTE));
	return 0;
}

static int apply(struct db *db, const char *data_dir, struct err *e)
{
	struct ts_engine_opts o = { .no_maintenance = true };
	struct retention_report r;
	struct ts_engine *eng;
	int rc;

	if ((rc = ts_engine_open(db, data_dir, &o, &eng, e)))
		return rc;
	rc = retention_apply(db, eng, time_now_ms(), &r, e);
	ts_engine_close(eng);
	if (!rc)
		printf("%llu raw points of %zu series rolled up\n",
		       (unsigned long long)r.rolled, r.series);
	return rc;
}

static int run(struct db *db, const char *data_dir, const char *verb,
	       const char *arg, struct args *a, struct err *e)
{
	int64_t id;

	if (!strcmp(verb, "set")) {
		if (db_retention_set(db, &a->r, &id, e))
			return e->code;
		printf("retention policy %lld set\n", (long long)id);
		return ERR_OK;
	}
	if (!strcmp(verb, "list"))
		return db_retention_list(db, print_policy, NULL, e);
	if (!strcmp(verb, "delete"))
		return db_retention_delete(db, strtoll(arg, NULL, 10), e);
	return apply(db, data_dir, e);
}

static int check_set(struct args *a, struct err *e)
{
	if (!a->raw)
		return err_set(e, ERR_INVALID, "set needs --raw DURATION");
	if (time_parse_duration(a->raw, &a->r.raw_ms, e))
		return err_prefix(e, "--raw");
	a->r.step_ms = MS_PER_HOUR;
	if (a->rollup && time_parse_duration(a->rollup, &a->r.step_ms, e))
		return err_prefix(e, "--rollup");
	if (MS_PER_DAY % a->r.step_ms)
		return err_set(e, ERR_INVALID, "--rollup %s does not divide a day",
			       a->rollup);
	return ERR_OK;
}

int cmd_retention(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct args a = { 0 };
	const char *kind = "", *metric = "";
	const struct cli_opt table[] = {
		{ "kind", "KIND", "the series' device kind (default any)",
		  .str = &kind },
		{ "metric", "METRIC", "the series' metric (default any)",
		  .str = &metric },
		{ "raw", "DURATION", "how long raw points stay (set)",
		  .str = &a.raw },
		{ "rollup", "STEP", "the aggregates' step (default 1h)",
		  .str = &a.rollup },
		{ 0 },
	};
	const struct cli_opts opts = { "retention", usage, table, NULL };
	struct err e = { 0 };
	const char *verb;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	snprintf(a.r.kind, sizeof(a.r.kind), "%s", kind);
	snprintf(a.r.metric, sizeof(a.r.metric), "%s", metric);
	if (first >= argc)
		return cli_usage_error("retention", "expected set, list, delete or apply");
	verb = argv[first];
	if (strcmp(verb, "set") && strcmp(verb, "list") && strcmp(verb, "delete") &&
	    strcmp(verb, "apply"))
		return cli_usage_error("retention", "unknown action '%s'", verb);
	if (!strcmp(verb, "set") && check_set(&a, &e))
		return cli_usage_error("retention", "%s", e.msg);
	if (!strcmp(verb, "delete") && (first + 1 >= argc ||
					strtoll(argv[first + 1], NULL, 10) <= 0))
		return cli_usage_error("retention", "delete needs a policy ID");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("retention", &e);
	rc = run(db, store.data_dir, verb, first + 1 < argc ? argv[first + 1] : NULL,
		 &a, &e);
	db_close(db);
	return rc ? cli_fail("retention", &e) : CLI_EXIT_OK;
}
