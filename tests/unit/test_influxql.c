/* The InfluxQL parser (src/influxql/parse.c): statements, time bounds,
 * conditions, GROUP BY and fill, and InfluxDB's syntax error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "influxql/influxql.h"
#include "util/g17.h"

#define NOW_NS 1700000000000000000LL
#define H_NS 3600000000000LL

static struct iq_query q;

static const struct iq_stmt *one(const char *text)
{
	struct err e = { 0 };

	iq_query_free(&q);
	if (iq_parse(text, NOW_NS, &q, &e))
		fail_msg("%s: %s", text, e.msg);
	assert_int_equal(q.n, 1);
	return &q.stmts[0];
}

static void parse_error(const char *text, const char *msg)
{
	struct err e = { 0 };

	iq_query_free(&q);
	assert_int_equal(iq_parse(text, NOW_NS, &q, &e), ERR_INVALID);
	assert_string_equal(e.msg, msg);
}

static void grafana_panel_query(void **state)
{
	const struct iq_stmt *s = one(
		"SELECT mean(\"value\") FROM \"m\" WHERE (\"tag\" = 'x') AND "
		"time >= 1700000000000ms and time <= 1700003600000ms "
		"GROUP BY time(1m) fill(null)");

	(void)state;
	assert_int_equal(s->kind, IQ_SELECT);
	assert_string_equal(s->error, "");
	assert_int_equal(s->n_fields, 1);
	assert_int_equal(s->fields[0].func, IQ_MEAN);
	assert_string_equal(s->fields[0].name, "value");
	assert_string_equal(s->measurement, "m");
	assert_true(s->has_tmin && s->has_tmax);
	assert_true(s->tmin == 1700000000000LL * 1000000);
	assert_true(s->tmax == 1700003600000LL * 1000000);
	assert_true(s->interval_ns == 60LL * 1000000000);
	assert_int_equal(s->fill, IQ_FILL_NULL);
}

static void now_minus_a_duration(void **state)
{
	const struct iq_stmt *s = one("select max(air_temp) from weather where "
				      "time > now() - 6h and time < now()");

	(void)state;
	assert_true(s->tmin == NOW_NS - 6 * H_NS + 1);
	assert_true(s->tmax == NOW_NS - 1);
	s = one("SELECT last(x) FROM m WHERE time >= '2023-11-14T22:00:00Z'");
	assert_true(s->tmin == 1699999200000LL * 1000000);
	assert_false(s->has_tmax);
}

static void tags_regex_and_or(void **state)
{
	static const char *const keys[] = { "device", "plot" };
	const char *v1[] = { "ws-01", "p1" }, *v2[] = { "ws-02", "p2" };
	const struct iq_stmt *s = one(
		"SELECT mean(t) FROM w WHERE (device =~ /^ws-0[1]$/ OR plot = "
		"'p2') AND device != 'ws-03' AND time > now() - 1h "
		"GROUP BY time(10m), device fill(previous) LIMIT 5");

	(void)state;
	assert_true(iq_cond_match(s->where, keys, v1, 2));
	assert_true(iq_cond_match(s->where, keys, v2, 2));
	v2[1] = "p3";
	assert_false(iq_cond_match(s->where, keys, v2, 2));
	assert_int_equal(s->n_group_tags, 1);
	assert_string_equal(s->group_tags[0], "device");
	assert_int_equal(s->fill, IQ_FILL_PREVIOUS);
	assert_int_equal(s->limit, 5);
	/* Grafana's escapes, RE2's (?i) */
	s = one("SHOW TAG VALUES WITH KEY = device WHERE device =~ "
		"/(?i)^(WS\\-01|ws\\.02)$/");
	assert_true(iq_cond_match(s->where, keys, v1, 2));
}

static void functions_and_aliases(void **state)
{
	const struct iq_stmt *s = one(
		"SELECT percentile(\"v\", 95) AS p95, median(v), stddev(v), "
		"spread(v), count(v), sum(v), first(v), last(v), min(v) "
		"FROM \"db\".\"autogen\".\"m\" WHERE time > 0 GROUP BY time(1h, 15m) "
		"fill(-1.5)");

	(void)state;
	assert_int_equal(s->n_fields, 9);
	assert_int_equal(s->fields[0].func, IQ_PERCENTILE);
	assert_true(s->fields[0].arg == 95);
	assert_string_equal(s->fields[0].alias, "p95");
	assert_string_equal(s->measurement, "m");
	assert_true(s->offset_ns == 15 * 60000000000LL);
	assert_int_equal(s->fill, IQ_FILL_VALUE);
	assert_true(s->fill_value == -1.5);
}

static void show_statements(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_int_equal(one("SHOW DATABASES")->kind, IQ_SHOW_DATABASES);
	assert_int_equal(one("show measurements limit 100")->limit, 100);
	assert_int_equal(one("SHOW TAG KEYS FROM \"weather\"")->kind,
			 IQ_SHOW_TAG_KEYS);
	assert_string_equal(one("SHOW TAG VALUES FROM weather WITH KEY = "
				"\"device\"")->keys[0], "device");
	assert_int_equal(one("SHOW TAG VALUES WITH KEY IN (device, plot)")->n_keys, 2);
	assert_int_equal(one("SHOW FIELD KEYS")->kind, IQ_SHOW_FIELD_KEYS);
	assert_string_equal(one("SHOW RETENTION POLICIES ON \"farm\"")->db, "farm");
	assert_string_equal(one("CREATE DATABASE \"farm\"")->db, "farm");
	assert_int_equal(one("DROP MEASUREMENT weather")->kind, IQ_UNSUPPORTED);
	assert_int_equal(one("SHOW SERIES")->kind, IQ_UNSUPPORTED);
	iq_query_free(&q);
	assert_int_equal(iq_parse("SHOW DATABASES; SELECT x FROM m;", NOW_NS,
				  &q, &e), 0);
	assert_int_equal(q.n, 2);
}

static void statement_errors(void **state)
{
	(void)state;
	assert_string_equal(one("SELECT foo(x) FROM m")->error,
			    "undefined function foo()");
	assert_string_equal(one("SELECT mean(x), y FROM m")->error,
			    "mixing aggregate and non-aggregate queries is not "
			    "supported");
	assert_string_equal(one("SELECT mean(x, 2) FROM m")->error,
			    "invalid number of arguments for mean, expected 1, got 2");
	assert_string_equal(one("SELECT x FROM m GROUP BY time(1m)")->error,
			    "GROUP BY requires at least one aggregate function");
	assert_string_equal(one("SELECT derivative(x) FROM m")->error,
			    "Oasis does not compute derivative()");
	assert_true(strstr(one("SELECT x FROM m WHERE x > 5")->error,
			   "compared with a number") != NULL);
}

static void syntax_errors(void **state)
{
	(void)state;
	parse_error("SELEC x", "error parsing query: found SELEC, expected "
		    "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, "
		    "REVOKE, ALTER, SET, KILL at line 1, char 1");
	parse_error("SELECT x", "error parsing query: found EOF, expected "
		    "FROM at line 1, char 9");
	parse_error("SELECT x FROM m WHERE", "error parsing query: found EOF, "
		    "expected identifier, string, number, bool at line 1, "
		    "char 22");
	parse_error("SELECT x FROM m\nGROUP BY time(", "error parsing query: "
		    "found EOF, expected duration at line 2, char 15");
	parse_error("SELECT x FROM m LIMIT 'a'", "error parsing query: found "
		    "'a', expected integer at line 1, char 23");
	parse_error("", "error parsing query: found EOF, expected SELECT, "
		    "DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, "
		    "SET, KILL at line 1, char 1");
	parse_error("SELECT x FROM m WHERE d =~ /[/", "error parsing query: "
		    "invalid regular expression /[/: Invalid regular "
		    "expression at line 1, char 28");
	parse_error("SELECT x FROM m WHERE d =~ /(a{100}){100}/", "error "
		    "parsing query: invalid regular expression /(a{100}){100}/: "
		    "repetition counts multiply past 1000 at line 1, char 28");
}

static void durations(void **state)
{
	int64_t ns;

	(void)state;
	assert_true(iq_duration_parse("1h30m", 5, &ns) && ns == 90 * 60000000000LL);
	assert_true(iq_duration_parse("10ms", 4, &ns) && ns == 10000000);
	assert_false(iq_duration_parse("1x", 2, &ns));
	assert_false(iq_duration_parse("h", 1, &ns));
}

/* The reference: the fewest of 15, 16, 17 digits that read back. */
static void shortest_ref(double x, char *out)
{
	for (int p = 15; p <= 17; p++) {
		snprintf(out, 40, "%.*g", p, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

/* Answers' numbers: g17_shortest as printf's shortest search writes them. */
static void shortest_numbers(void **state)
{
	static const double fixed[] = {
		0.1, 21.3, -17.25, 12.333333333333334, 1e-4, 0.000123,
		99999999999999.98, 1e14, 5e-324, 1e300, -0.0, 0, 100, 1.5e15,
	};
	char got[G17_MAX], want[40];
	uint64_t seed = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		g17_shortest(fixed[i], got);
		shortest_ref(fixed[i], want);
		assert_string_equal(got, want);
	}
	for (int i = 0; i < 200000; i++) {
		double x, mag;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		mag = pow(10, (double)(seed % 24) - 6);
		x = (double)(seed >> 11) / 9007199254740992.0 * mag;
		if (i % 3 == 0) /* sums and means of short decimals */
			x = (double)(seed % 100000) / 100.0 / (double)(1 + seed % 7);
		if (seed & 1)
			x = -x;
		g17_shortest(x, got);
		shortest_ref(x, want);
		if (strcmp(got, want))
			fail_msg("%.17g: %s != %s", x, got, want);
	}
}

static int teardown(void **state)
{
	(void)state;
	iq_query_free(&q);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(grafana_panel_query, teardown),
		cmocka_unit_test_teardown(now_minus_a_duration, teardown),
		cmocka_unit_test_teardown(tags_regex_and_or, teardown),
		cmocka_unit_test_teardown(functions_and_aliases, teardown),
		cmocka_unit_test_teardown(show_statements, teardown),
		cmocka_unit_test_teardown(statement_errors, teardown),
		cmocka_unit_test_teardown(syntax_errors, teardown),
		cmocka_unit_test_teardown(durations, teardown),
		cmocka_unit_test(shortest_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
