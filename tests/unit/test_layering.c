/*
 * The layering rule, checked on the source: a route (src/http/route_*.c),
 * and the rest of http/ with it, calls services, never the store (db_*)
 * or the time-series engine (ts_engine_*) itself; a route sees the handler's API (http/http.h), not
 * the server's insides (http/server.h, http/http_internal.h); the command
 * line sees the server's API (http/server.h), not the handler's.
 *
 * Run from the top of the tree (tests/run.sh does); OASIS_SRC names the
 * source folder otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a route may not call: names with these prefixes. */
static const char *const forbidden[] = { "db_", "ts_engine_", NULL };

static bool is_forbidden(const char *name, size_t len)
{
	for (size_t i = 0; forbidden[i]; i++) {
		size_t n = strlen(forbidden[i]);

		if (len > n && !strncmp(name, forbidden[i], n))
			return true;
	}
	return false;
}

/* Skip a comment, a string or a character literal at p; NULL if none. */
static const char *skip_noise(const char *p, int *line)
{
	char q;

	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
			*line += *p == '\n';
		return *p ? p + 2 : p;
	}
	if (p[0] == '/' && p[1] == '/') {
		while (*p && *p != '\n')
			p++;
		return p;
	}
	if (*p != '"' && *p != '\'')
		return NULL;
	for (q = *p++; *p && *p != q; p++) {
		if (*p == '\\' && p[1])
			p++;
		*line += *p == '\n';
	}
	return *p ? p + 1 : p;
}

/*
 * Every call of a forbidden function in text (a name followed by '('
 * outside comments and literals; types such as struct db_alert are
 * allowed), reported as "NAME:LINE: CALL" into out; returns how many.
 */
static int scan_calls(const char *name, const char *text, char *out,
		      size_t size)
{
	const char *p = text, *next;
	int line = 1, found = 0;
	size_t o = 0;

	while (*p) {
		if ((next = skip_noise(p, &line))) {
			p = next;
			continue;
		}
		if (*p == '\n')
			line++;
		if (!(isalpha((unsigned char)*p) || *p == '_')) {
			p++;
			continue;
		}
		const char *start = p;

		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		const char *after = p;

		while (*after == ' ' || *after == '\t')
			after++;
		if (*after == '(' && is_forbidden(start, (size_t)(p - start))) {
			found++;
			if (o < size)
				o += (size_t)snprintf(out + o, size - o,
						      "%s:%d: %.*s\n", name, line,
						      (int)(p - start), start);
		}
	}
	return found;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1))) {
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
		}
	}
	fclose(f);
	return text;
}

static const char *src_dir(void)
{
	const char *s = getenv("OASIS_SRC");

	return s && *s ? s : "src";
}

/* The files matching pattern under the source folder (at least one). */
static void glob_src(const char *pattern, glob_t *g)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", src_dir(), pattern);
	if (glob(path, 0, NULL, g) != 0 || g->gl_pathc == 0)
		fail_msg("no file matches %s: run from the top of the tree or "
			 "set OASIS_SRC", path);
}

static void test_scanner(void **state)
{
	char out[256] = "";

	(void)state;
	assert_int_equal(scan_calls("t", "x = db_plot_get(db);", out,
				    sizeof(out)), 1);
	assert_string_equal(out, "t:1: db_plot_get\n");
	assert_int_equal(scan_calls("t", "\n\nts_engine_latest (e, 1);", out,
				    sizeof(out)), 1);
	assert_string_equal(out, "t:3: ts_engine_latest\n");
	/* types, comments, strings, other prefixes and names ending in db_ */
	assert_int_equal(scan_calls("t", "struct db_alert a; /* db_x() */\n"
				    "// db_y()\ns = \"db_z(\"; c = '(';\n"
				    "plots_db_get(x); mydb_get(y); db_(z);\n"
				    "struct ts_engine_stats st;", out,
				    sizeof(out)), 0);
}

static void test_routes_call_services(void **state)
{
	char report[4096] = "";
	glob_t g;
	int found = 0;

	(void)state;
	glob_src("http/*.c", &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text = slurp(g.gl_pathv[i]);
		size_t o = strlen(report);

		if (!text)
			fail_msg("cannot read %s", g.gl_pathv[i]);
		found += scan_calls(g.gl_pathv[i], text, report + o,
				    sizeof(report) - o);
		free(text);
	}
	globfree(&g);
	if (found)
		fail_msg("%d call(s) of the store or the engine in http/ "
			 "(call a service instead, docs/ARCHITECTURE.md):\n%s",
			 found, report);
}

/* No file of pattern includes any of the headers named. */
static void check_includes(const char *pattern, const char *const *headers)
{
	char report[2048] = "";
	size_t o = 0;
	glob_t g;

	glob_src(pattern, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text = slurp(g.gl_pathv[i]);

		if (!text)
			fail_msg("cannot read %s", g.gl_pathv[i]);
		for (size_t h = 0; headers[h]; h++)
			if (strstr(text, headers[h]) && o < sizeof(report))
				o += (size_t)snprintf(report + o,
						      sizeof(report) - o,
						      "%s includes %s\n",
						      g.gl_pathv[i], headers[h]);
		free(text);
	}
	globfree(&g);
	if (o)
		fail_msg("%s", report);
}

static void test_routes_see_the_handler_api(void **state)
{
	static const char *const server[] = { "\"http/server.h\"",
					      "\"http/http_internal.h\"",
					      "<microhttpd_internal.h>", NULL };

	(void)state;
	check_includes("http/route_*.c", server);
}

static void test_cli_sees_the_server_api(void **state)
{
	static const char *const handler[] = { "\"http/http.h\"",
					       "\"http/routes.h\"",
					       "\"http/http_internal.h\"", NULL };

	(void)state;
	check_includes("cli/*.[ch]", handler);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner),
		cmocka_unit_test(test_routes_call_services),
		cmocka_unit_test(test_routes_see_the_handler_api),
		cmocka_unit_test(test_cli_sees_the_server_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
