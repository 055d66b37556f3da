/* oasis sites: the installation's sites (the base, the PV park...). */
#include "cli/cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"
#include "cli/table.h"
#include "db/db.h"
#include "sites/sites.h"
#include "util/timeutil.h"

static const char usage[] =
	"usage: oasis sites add CODE --name NAME --kind farm|pv_plant --tz ZONE\n"
	"                       [--location LON,LAT] [--alt M] [--boundary FILE]\n"
	"                       [--fact KEY=VALUE]...\n"
	"       oasis sites set CODE [--name NAME] [--kind K] [--tz ZONE]\n"
	"                       [--location LON,LAT] [--alt M] [--boundary FILE]\n"
	"                       [--fact KEY=VALUE]... [--unset-fact KEY]...\n"
	"       oasis sites list [--format table|csv|json]\n"
	"       oasis sites show CODE [--format table|csv|json]\n"
	"       oasis sites assign CODE device|plot ID...\n"
	"(each also takes --data DIR)\n"
	"\n"
	"A site is a farm or a PV plant of this installation, with its IANA\n"
	"time zone (Asia/Shanghai), location, boundary (a GeoJSON Polygon or\n"
	"MultiPolygon, or a Feature of one) and facts (key/value: county,\n"
	"mu under management...).  The base that existed before sites is the\n"
	"default site, 'base'; devices and plots belong to it until assigned.\n";

#define MAX_FACTS 32

struct args {
	const char *name, *kind, *tz, *boundary_file;
	double lon, lat, alt;
	bool has_location, has_alt;
	const char *facts[MAX_FACTS];   /* KEY=VALUE, or KEY for an unset */
	bool unset[MAX_FACTS];
	int n_facts;
	enum cli_format format;
};

static const char *const site_head[] = {
	"code", "name", "kind", "tz", "lon", "lat", "alt_m", "default",
	"devices", "plots", "facts",
};
#define SITE_NCOLS (sizeof(site_head) / sizeof(site_head[0]))

static int read_file(const char *path, char **out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return err_set(e, ERR_IO, "%s: cannot be read", path);
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (16 << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return err_set(e, ERR_INVALID, "%s: not a file of at most 16 MiB",
			       path);
	}
	if (!(*out = malloc((size_t)n + 1))) {
		fclose(f);
		return err_nomem(e);
	}
	if (fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*out);
		return err_set(e, ERR_IO, "%s: read failed", path);
	}
	(*out)[n] = 0;
	fclose(f);
	return ERR_OK;
}

/* Apply the options given to s. */
static int apply(const struct args *a, struct db_site *s, struct err *e)
{
	int rc;

	if (a->name)
		snprintf(s->name, sizeof(s->name), "%s", a->name);
	if (a->kind)
		snprintf(s->kind, sizeof(s->kind), "%s", a->kind);
	if (a->tz)
		snprintf(s->tz, sizeof(s->tz), "%s", a->tz);
	if (a->has_location) {
		s->lon = a->lon;
		s->lat = a->lat;
	}
	if (a->has_alt)
		s->alt_m = a->alt;
	if (a->boundary_file) {
		free(s->boundary);
		s->boundary = NULL;
		if ((rc = read_file(a->boundary_file, &s->boundary, e)))
			return rc;
	}
	for (int i = 0; i < a->n_facts; i++) {
		char key[64];
		const char *eq = strchr(a->facts[i], '=');
		size_t kn = a->unset[i] ? strlen(a->facts[i])
					: (size_t)(eq - a->facts[i]);

		snprintf(key, sizeof(key), "%.*s", (int)(kn < 63 ? kn : 63),
			 a->facts[i]);
		if ((rc = sites_fact_set(&s->facts, key,
					 a->unset[i] ? NULL : eq + 1, e)))
			return rc;
	}
	return ERR_OK;
}

static void num(char *out, size_t size, json_t *v)
{
	if (json_is_number(v))
		snprintf(out, size, "%.6f", json_number_value(v));
	else
		out[0] = 0;
}

static int add_row(struct cli_table *t, json_t *o, struct err *e)
{
	json_t *loc = json_object_get(o, "location");
	char lon[32], lat[32], alt[32], nd[24], np[24];
	char *facts = json_dumps(json_object_get(o, "facts"),
				 JSON_COMPACT | JSON_SORT_KEYS);
	const char *row[SITE_NCOLS];
	int rc;

	num(lon, sizeof(lon), json_object_get(loc, "lon"));
	num(lat, sizeof(lat), json_object_get(loc, "lat"));
	num(alt, sizeof(alt), json_object_get(loc, "alt_m"));
	if (alt[0])
		snprintf(alt, sizeof(alt), "%.0f",
			 json_number_value(json_object_get(loc, "alt_m")));
	snprintf(nd, sizeof(nd), "%lld", (long long)json_integer_value(
		 json_object_get(o, "devices")));
	snprintf(np, sizeof(np), "%lld", (long long)json_integer_value(
		 json_object_get(o, "plots")));
	row[0] = json_string_value(json_object_get(o, "code"));
	row[1] = json_string_value(json_object_get(o, "name"));
	row[2] = json_string_value(json_object_get(o, "kind"));
	row[3] = json_string_value(json_object_get(o, "tz"));
	row[4] = lon; row[5] = lat; row[6] = alt;
	row[7] = json_is_true(json_object_get(o, "default")) ? "yes" : "";
	row[8] = nd; row[9] = np; row[10] = facts ? facts : "";
	rc = cli_table_add(t, row, e);
	free(facts);
	return rc;
}

static int list(struct db *db, const char *code, enum cli_format f,
		struct err *e)
{
	struct cli_table t;
	json_t *v = NULL, *arr;
	int rc;

	if (code)
		rc = sites_get_json(db, code, &v, e);
	else
		rc = sites_list_json(db, &v, e);
	if (rc)
		return rc;
	if (code && f == CLI_FORMAT_JSON) { /* the whole site, equipment too */
		rc = json_dumpf(v, stdout, JSON_INDENT(2)) ? err_set(e, ERR_IO,
			"writing stdout") : ERR_OK;
		putchar('\n');
		json_decref(v);
		return rc;
	}
	cli_table_init(&t, SITE_NCOLS, site_head);
	if (code) {
		rc = add_row(&t, v, e);
	} else {
		arr = json_object_get(v, "sites");
		for (size_t i = 0; !rc && i < json_array_size(arr); i++)
			rc = add_row(&t, json_array_get(arr, i), e);
	}
	if (!rc)
		rc = cli_table_print(&t, f, stdout, e);
	cli_table_free(&t);
	json_decref(v);
	return rc;
}

static int add(struct db *db, const char *code, const struct args *a,
	       struct err *e)
{
	struct db_site s = { .lon = NAN, .lat = NAN, .alt_m = NAN };
	int rc;

	snprintf(s.code, sizeof(s.code), "%s", code);
	if (!(rc = apply(a, &s, e)) &&
	    !(rc = sites_add(db, &s, time_now_ms(), e)))
		fprintf(stderr, "site %s (%s, %s) added\n", s.code, s.kind, s.tz);
	db_site_free(&s);
	return rc;
}

static int set(struct db *db, const char *code, const struct args *a,
	       struct err *e)
{
	struct db_site s;
	int rc;

	if ((rc = db_site_get(db, code, &s, e)))
		return rc;
	if (!(rc = apply(a, &s, e)) &&
	    !(rc = sites_update(db, &s, time_now_ms(), e)))
		fprintf(stderr, "site %s updated\n", s.code);
	db_site_free(&s);
	return rc;
}

static int location_option(const char *arg, void *ctx, struct err *e)
{
	struct args *a = ctx;

	if (sscanf(arg, "%lf,%lf", &a->lon, &a->lat) != 2)
		return err_set(e, ERR_INVALID, "--location LON,LAT: '%s'", arg);
	a->has_location = true;
	return ERR_OK;
}

static int alt_option(const char *arg, void *ctx, struct err *e)
{
	struct args *a = ctx;
	char *end;

	a->alt = strtod(arg, &end);
	if (end == arg || *end)
		return err_set(e, ERR_INVALID, "--alt: '%s' is not a number", arg);
	a->has_alt = true;
	return ERR_OK;
}

/* A --fact KEY=VALUE or an --unset-fact KEY, kept in the order given. */
static int fact(struct args *a, const char *arg, bool unset, struct err *e)
{
	if (a->n_facts == MAX_FACTS)
		return err_set(e, ERR_INVALID, "at most %d facts at once",
			       MAX_FACTS);
	if (!unset && !strchr(arg, '='))
		return err_set(e, ERR_INVALID, "--fact KEY=VALUE: '%s'", arg);
	a->unset[a->n_facts] = unset;
	a->facts[a->n_facts++] = arg;
	return ERR_OK;
}

static int fact_option(const char *arg, void *ctx, struct err *e)
{
	return fact(ctx, arg, false, e);
}

static int unset_fact_option(const char *arg, void *ctx, struct err *e)
{
	return fact(ctx, arg, true, e);
}

int cmd_sites(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	struct args a = { .format = CLI_FORMAT_TABLE };
	const struct cli_opt table[] = {
		{ "name", "NAME", "the site's name (add, set)", .str = &a.name },
		{ "kind", "farm|pv_plant", "what the site is (add)", .str = &a.kind },
		{ "tz", "ZONE", "its time zone, e.g. Asia/Shanghai (add, set)",
		  .str = &a.tz },
		{ "location", "LON,LAT", "where it is", .handle = location_option },
		{ "alt", "METRES", "its altitude", .handle = alt_option },
		{ "boundary", "FILE", "its boundary, a GeoJSON file",
		  .str = &a.boundary_file },
		{ "fact", "KEY=VALUE", "a fact shown with it (repeatable)",
		  .handle = fact_option },
		{ "unset-fact", "KEY", "remove a fact (repeatable)",
		  .handle = unset_fact_option },
		{ "format", "table|csv|json", "how list and show print",
		  .format = &a.format },
		{ 0 },
	};
	const struct cli_opts opts = { "sites", usage, table, &a };
	struct err e = { 0 };
	const char *verb, *code = NULL;
	struct db *db;
	int first, rc;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	if (first >= argc)
		return cli_usage_error("sites", "expected add, set, list, show "
				       "or assign");
	verb = argv[first];
	if (strcmp(verb, "list")) {
		if (first + 1 >= argc)
			return cli_usage_error("sites", "%s needs a site CODE",
					       verb);
		code = argv[first + 1];
	}
	if (!strcmp(verb, "add") && (!a.name || !a.kind || !a.tz))
		return cli_usage_error("sites", "add needs --name, --kind and "
				       "--tz");
	if (!strcmp(verb, "assign") && (first + 3 >= argc ||
	    (strcmp(argv[first + 2], "device") &&
	     strcmp(argv[first + 2], "plot"))))
		return cli_usage_error("sites", "assign CODE device|plot ID...");
	if (strcmp(verb, "add") && strcmp(verb, "set") && strcmp(verb, "list") &&
	    strcmp(verb, "show") && strcmp(verb, "assign"))
		return cli_usage_error("sites", "unknown action '%s'", verb);
	if (cli_store_open(&store, false, &db, &e))
		return cli_fail("sites", &e);
	if (!strcmp(verb, "add"))
		rc = add(db, code, &a, &e);
	else if (!strcmp(verb, "set"))
		rc = set(db, code, &a, &e);
	else if (!strcmp(verb, "assign"))
		rc = db_site_assign(db, code, argv[first + 2],
				    (const char *const *)argv + first + 3,
				    (size_t)(argc - first - 3), &e);
	else
		rc = list(db, code, a.format, &e);
	if (!rc && !strcmp(verb, "assign"))
		fprintf(stderr, "%d %s(s) moved to site %s\n",
			argc - first - 3, argv[first + 2], code);
	db_close(db);
	return rc ? cli_fail("sites", &e) : CLI_EXIT_OK;
}
