/* oasis workorders: the work orders (运维工单) of the sites. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
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

/* A positive integer option into *out. */
static int number(const char *name, const char *s, long long *out,
		  struct err *e)
{
	char *end;

	*out = strtoll(s, &end, 10);
	if (end == s || *end || *out <= 0)
		return err_set(e, ERR_INVALID, "--%s: '%s' is not a positive "
			       "integer", name, s);
	return ERR_OK;
}

static int alert_option(const char *arg, void *ctx, struct err *e)
{
	return number("alert", arg, &((struct args *)ctx)->alert, e);
}

static int version_option(const char *arg, void *ctx, struct err *e)
{
	return number("version", arg, &((struct args *)ctx)->version, e);
}

static int snapshot_option(const char *arg, void *ctx, struct err *e)
{
	return number("snapshot", arg, &((struct args *)ctx)->snapshot, e);
}

int cmd_workorders(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct args a = { .format = CLI_FORMAT_TABLE };
	const struct cli_opt table[] = {
		{ "site", "CODE", "the site (list, create)", .str = &a.site },
		{ "state", "STATE", "open, assigned, in_progress or done",
		  .str = &a.state },
		{ "assignee", "USER", "who works it", .str = &a.assignee },
		{ "format", "table|csv|json", "how it prints", .format = &a.format },
		{ "title", "TEXT", "what is to be done (create)", .str = &a.title },
		{ "equipment", "ID", "the device or equipment (create)",
		  .str = &a.equipment },
		{ "alert", "ID", "made from this alert (create)",
		  .handle = alert_option },
		{ "version", "N", "the version it was read with (set)",
		  .handle = version_option },
		{ "comment", "TEXT", "a comment for the trail (set)",
		  .str = &a.comment },
		{ "snapshot", "ID", "a camera snapshot with the comment (set)",
		  .handle = snapshot_option },
		{ 0 },
	};
	const struct cli_opts opts = { "workorders", usage, table, &a };
	struct err e = { 0 };
	const char *verb;
	int64_t id = 0;
	struct db *db;
	json_t *v;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc)
		return cli_usage_error("workorders", "expected list, show, create "
				       "or set");
	verb = argv[first];
	if (strcmp(verb, "list") && strcmp(verb, "show") &&
	    strcmp(verb, "create") && strcmp(verb, "set"))
		return cli_usage_error("workorders", "unknown action '%s'", verb);
	if ((!strcmp(verb, "show") || !strcmp(verb, "set")) &&
	    (first + 1 >= argc || parse_id(argv[first + 1], &id)))
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
