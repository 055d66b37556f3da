/* oasis workorders: the work orders (运维工单) of the sites. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"
#include "db/db.h"
#include "util/timeutil.h"
#include "workorders/workorders.h"

static const char usage[] =
	"usage: oasis workorders list [--site S] [--state S] [--assignee USER]\n"
	"                             [--format table|csv|json]\n"
	"       oasis workorders show ID [--format table|csv|json]\n"
	"       oasis workorders create --title T [--site S] [--equipment ID]\n"
	"                               [--alert ID] [--assignee USER]\n"
	"       oasis workorders set ID --version N [--state S]\n"
	"                            [--assignee USER] [--comment TEXT]\n"
	"                            [--snapshot ID]\n"
	"(each also takes --data DIR)\n"
	"\n"
	"A work order is a ticket on a site (and optionally one piece of\n"
	"equipment), made from an alert or from scratch, assigned to a user\n"
	"and moved open -> assigned -> in_progress -> done; every change names\n"
	"the version it was read with (a stale one is refused).  States:\n"
	"open, assigned, in_progress, done.  docs/PV.md, \"Work orders\".\n";

enum { OPT_SITE = CLI_OPT_FIRST_FREE, OPT_STATE, OPT_ASSIGNEE, OPT_FORMAT,
       OPT_TITLE, OPT_EQUIPMENT, OPT_ALERT, OPT_VERSION, OPT_COMMENT,
       OPT_SNAPSHOT };

struct args {
	const char *site, *state, *assignee, *title, *equipment, *comment;
	long long alert, version, snapshot;
	enum cli_format format;
};

static const char *const head[] = {
	"id", "site", "equipment", "state", "assignee", "title", "alert",
	"version", "created", "closed", "energy_lost_kwh",
};
#define NCOLS (sizeof(head) / sizeof(head[0]))

/* A JSON value as a cell: strings as they are, null as "". */
static void cell(json_t *v, char *buf, size_t size)
{
	if (json_is_string(v))
		snprintf(buf, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%.3f", json_real_value(v));
	else
		buf[0] = 0;
}

static int add_row(struct cli_table *t, json_t *w, struct err *e)
{
	char cells[NCOLS][256];
	const char *row[NCOLS];

	for (size_t i = 0; i < NCOLS; i++) {
		cell(json_object_get(w, head[i]), cells[i], sizeof(cells[i]));
		row[i] = cells[i];
	}
	return cli_table_add(t, row, e);
}

static int print_rows(json_t *arr, enum cli_format f, struct err *e)
{
	struct cli_table t;
	json_t *w;
	size_t i;
	int rc = ERR_OK;

	cli_table_init(&t, NCOLS, head);
	json_array_foreach(arr, i, w)
		if ((rc = add_row(&t, w, e)))
			break;
	if (!rc)
		rc = cli_table_print(&t, f, stdout, e);
	cli_table_free(&t);
	return rc;
}

static int print_json(json_t *v, struct err *e)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) || fputc('\n', stdout) == EOF)
		return err_set(e, ERR_IO, "writing to stdout failed");
	return ERR_OK;
}

static int list(struct db *db, const struct args *a, struct err *e)
{
	json_t *v;
	int rc;

	if ((rc = workorders_list_json(db, a->site, a->state, a->assignee, &v,
				       e)))
		return rc;
	rc = a->format == CLI_FORMAT_JSON
		? print_json(json_object_get(v, "workorders"), e)
		: print_rows(json_object_get(v, "workorders"), a->format, e);
	json_decref(v);
	return rc;
}

/* The work order's row, then (as a table) its comments. */
static int show_one(json_t *v, enum cli_format f, struct err *e)
{
	json_t *arr, *c;
	size_t i;
	int rc;

	if (f == CLI_FORMAT_JSON)
		return print_json(v, e);
	if (!(arr = json_array()) || json_array_append(arr, v)) {
		json_decref(arr);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	rc = print_rows(arr, f, e);
	json_decref(arr);
	if (rc || f != CLI_FORMAT_TABLE)
		return rc;
	json_array_foreach(json_object_get(v, "comments"), i, c) {
		json_t *s = json_object_get(c, "snapshot");

		printf("%s%s %s: %s", i ? "" : "\n",
		       json_string_value(json_object_get(c, "time")),
		       json_string_value(json_object_get(c, "author")),
		       json_string_value(json_object_get(c, "body")));
		if (json_is_integer(s))
			printf(" [snapshot %lld]",
			       (long long)json_integer_value(s));
		putchar('\n');
	}
	return ERR_OK;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

static void put_text(json_t *b, const char *key, const char *v)
{
	if (v)
		json_object_set_new(b, key, json_string(v));
}

static void put_id(json_t *b, const char *key, long long v)
{
	if (v > 0)
		json_object_set_new(b, key, json_integer(v));
}

static int change(struct db *db, const char *verb, int64_t id,
		  const struct args *a, struct err *e)
{
	json_t *b = json_object(), *v = NULL;
	int rc;

	if (!b)
		return err_set(e, ERR_NOMEM, "out of memory");
	put_text(b, "site", a->site);
	put_text(b, "state", a->state);
	put_text(b, "assignee", a->assignee);
	put_text(b, "title", a->title);
	put_text(b, "equipment", a->equipment);
	put_text(b, "comment", a->comment);
	put_id(b, "alert", a->alert);
	put_id(b, "snapshot", a->snapshot);
	if (!strcmp(verb, "create")) {
		rc = workorders_create(db, b, "cli", time_now_ms(), &v, e);
	} else {
		json_object_set_new(b, "version", json_integer(a->version));
		rc = workorders_patch(db, NULL, id, b, "cli", time_now_ms(), &v,
				      e);
	}
	json_decref(b);
	if (!rc)
		rc = show_one(v, a->format, e);
	json_decref(v);
	return rc;
}

static int number(const char *s, long long *out)
{
	char *end;

	*out = strtoll(s, &end, 10);
	return end == s || *end || *out <= 0
		? cli_usage_error("workorders", "'%s' is not a positive "
				  "integer", s)
		: CLI_EXIT_OK;
}

static int parse(int argc, char **argv, struct cli_store *store,
		 struct args *a)
{
	static const struct option opts[] = {
		CLI_STORE_OPTIONS,
		{ "site", required_argument, NULL, OPT_SITE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "assignee", required_argument, NULL, OPT_ASSIGNEE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "equipment", required_argument, NULL, OPT_EQUIPMENT },
		{ "alert", required_argument, NULL, OPT_ALERT },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "comment", required_argument, NULL, OPT_COMMENT },
		{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct err e = { 0 };
	int opt, rc = CLI_EXIT_OK;

	while (!rc && (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_store_option(opt, optarg, store))
			continue;
		switch (opt) {
		case OPT_SITE: a->site = optarg; break;
		case OPT_STATE: a->state = optarg; break;
		case OPT_ASSIGNEE: a->assignee = optarg; break;
		case OPT_TITLE: a->title = optarg; break;
		case OPT_EQUIPMENT: a->equipment = optarg; break;
		case OPT_COMMENT: a->comment = optarg; break;
		case OPT_ALERT: rc = number(optarg, &a->alert); break;
		case OPT_VERSION: rc = number(optarg, &a->version); break;
		case OPT_SNAPSHOT: rc = number(optarg, &a->snapshot); break;
		case OPT_FORMAT:
			if (cli_format_parse(optarg, &a->format, &e))
				return cli_usage_error("workorders", "%s", e.msg);
			break;
		case 'h': return fputs(usage, stdout), -1;
		default: return cli_usage_error("workorders", "unknown option");
		}
	}
	return rc;
}

int cmd_workorders(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct args a = { .format = CLI_FORMAT_TABLE };
	struct err e = { 0 };
	const char *verb;
	int64_t id = 0;
	struct db *db;
	json_t *v;
	int rc;

	if ((rc = parse(argc, argv, &store, &a)))
		return rc < 0 ? CLI_EXIT_OK : rc;
	if (optind >= argc)
		return cli_usage_error("workorders", "expected list, show, create "
				       "or set");
	verb = argv[optind];
	if (strcmp(verb, "list") && strcmp(verb, "show") &&
	    strcmp(verb, "create") && strcmp(verb, "set"))
		return cli_usage_error("workorders", "unknown action '%s'", verb);
	if ((!strcmp(verb, "show") || !strcmp(verb, "set")) &&
	    (optind + 1 >= argc || parse_id(argv[optind + 1], &id)))
		return cli_usage_error("workorders", "%s needs a work order ID",
				       verb);
	if (!strcmp(verb, "set") && !a.version)
		return cli_usage_error("workorders", "set needs --version (see "
				       "`oasis workorders show ID`)");
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("workorders", &e);
	if (!strcmp(verb, "list")) {
		rc = list(db, &a, &e);
	} else if (!strcmp(verb, "show")) {
		if (!(rc = workorders_get_json(db, id, &v, &e))) {
			rc = show_one(v, a.format, &e);
			json_decref(v);
		}
	} else {
		rc = change(db, verb, id, &a, &e);
	}
	db_close(db);
	return rc ? cli_fail("workorders", &e) : CLI_EXIT_OK;
}
