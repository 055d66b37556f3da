/* oasis irrigation: pump stations and their rotation groups (轮灌组). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "db/db.h"

static const char usage[] =
	"usage: oasis irrigation station NAME --capacity M3H [--hours HH:MM-HH:MM]\n"
	"       oasis irrigation group NAME --station STATION --flow M3H\n"
	"                              --plots CODE,CODE,...\n"
	"       oasis irrigation list\n"
	"(each also takes --data DIR)\n"
	"\n"
	"A pump station feeds its rotation groups in turn, within its capacity\n"
	"and working hours (default 08:00-20:00; an end before the start runs\n"
	"past midnight); a group's valves open together at its design flow.\n"
	"GET /api/v1/irrigation/plan schedules the groups due each day.\n";

struct args {
	const char *capacity, *hours, *station, *flow, *plots;
};

static int parse_hours(const char *s, int *start, int *end)
{
	int h1, m1, h2, m2;
	char tail;

	if (sscanf(s, "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
	    h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 ||
	    m2 < 0 || m2 > 59)
		return ERR_INVALID;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return *start > 1440 || *end > 1440 ? ERR_INVALID : ERR_OK;
}

static int set_station(struct db *db, const char *name, const struct args *a,
		       struct err *e)
{
	struct db_station s = { .start_min = 8 * 60, .end_min = 20 * 60 };

	snprintf(s.name, sizeof(s.name), "%s", name);
	s.capacity_m3h = a->capacity ? atof(a->capacity) : 0;
	if (!(s.capacity_m3h > 0))
		return err_set(e, ERR_INVALID, "--capacity: the pump's m3/h, > 0");
	if (a->hours && parse_hours(a->hours, &s.start_min, &s.end_min))
		return err_set(e, ERR_INVALID, "--hours '%s': expected HH:MM-HH:MM",
			       a->hours);
	return db_station_set(db, &s, e);
}

static int set_group(struct db *db, const char *name, const struct args *a,
		     struct err *e)
{
	const char *plots[512];
	char *list, *tok, *save;
	size_t n = 0;
	double flow = a->flow ? atof(a->flow) : 0;
	int rc;

	if (!a->station || !(flow > 0) || !a->plots)
		return err_set(e, ERR_INVALID, "a group needs --station, --flow "
			       "(m3/h, > 0) and --plots");
	if (!(list = strdup(a->plots)))
		return err_nomem(e);
	for (tok = strtok_r(list, ",", &save); tok && n < 512;
	     tok = strtok_r(NULL, ",", &save))
		plots[n++] = tok;
	rc = db_group_set(db, name, a->station, flow, plots, n, e);
	free(list);
	return rc;
}

static int print_station(const struct db_station *s, void *ctx)
{
	(void)ctx;
	printf("station %-16s %8.1f m3/h  %02d:%02d-%02d:%02d\n", s->name,
	       s->capacity_m3h, s->start_min / 60, s->start_min % 60,
	       s->end_min / 60, s->end_min % 60);
	return 0;
}

static int print_member(const struct db_group_member *m, void *ctx)
{
	(void)ctx;
	printf("group   %-16s %8.1f m3/h  station %s  plot %s\n", m->group,
	       m->flow_m3h, m->station, m->plot[0] ? m->plot : "-");
	return 0;
}

static int run(struct db *db, const char *verb, const char *name,
	       const struct args *a, struct err *e)
{
	if (!strcmp(verb, "station"))
		return set_station(db, name, a, e);
	if (!strcmp(verb, "group"))
		return set_group(db, name, a, e);
	if (db_station_list(db, print_station, NULL, e))
		return e->code;
	return db_group_list(db, print_member, NULL, e);
}

int cmd_irrigation(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct args a = { 0 };
	const struct cli_opt table[] = {
		{ "capacity", "M3H", "a station's capacity (station)",
		  .str = &a.capacity },
		{ "hours", "HH:MM-HH:MM", "when it may pump (station)",
		  .str = &a.hours },
		{ "station", "NAME", "the group's station (group)",
		  .str = &a.station },
		{ "flow", "M3H", "the group's flow (group)", .str = &a.flow },
		{ "plots", "CODE,...", "the group's plots (group)",
		  .str = &a.plots },
		{ 0 },
	};
	const struct cli_opts opts = { "irrigation", usage, table, NULL };
	struct err e = { 0 };
	const char *verb;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc)
		return cli_usage_error("irrigation", "expected station, group or list");
	verb = argv[first];
	if (strcmp(verb, "list") && strcmp(verb, "station") && strcmp(verb, "group"))
		return cli_usage_error("irrigation", "unknown action '%s'", verb);
	if (strcmp(verb, "list") && first + 1 >= argc)
		return cli_usage_error("irrigation", "%s needs a NAME", verb);
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("irrigation", &e);
	rc = run(db, verb, first + 1 < argc ? argv[first + 1] : NULL, &a, &e);
	db_close(db);
	if (rc == ERR_INVALID)
		return cli_usage_error("irrigation", "%s", e.msg);
	return rc ? cli_fail("irrigation", &e) : CLI_EXIT_OK;
}
