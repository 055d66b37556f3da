/* util/log: the access log's sampling and its minute summary, on a clock
 * the test sets (every call takes the time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

#define MIN 60000

static bool rec(struct access_log *a, const char *path, unsigned status,
		double ms, int64_t now, enum log_level *level, char *line)
{
	return access_log_record(a, "GET", path, status, ms, false, now, level,
				 line, 512);
}

static void groups_routes(void **state)
{
	char g[48];

	(void)state;
	access_route_group("/api/v1/valves/v-3/poll", g, sizeof(g));
	assert_string_equal(g, "/api/v1/valves");
	access_route_group("/api/v1/overview", g, sizeof(g));
	assert_string_equal(g, "/api/v1/overview");
	access_route_group("/api/v1", g, sizeof(g));
	assert_string_equal(g, "/api/v1");
	access_route_group("/app.js", g, sizeof(g));
	assert_string_equal(g, "static");
}

static void parses_levels_and_modes(void **state)
{
	enum log_level l;
	enum access_mode m;

	(void)state;
	assert_int_equal(log_level_parse("warn", &l), 0);
	assert_int_equal(l, LOG_WARN);
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("WARN", &l), -1);
	assert_int_equal(access_mode_parse("off", &m), 0);
	assert_int_equal(m, ACCESS_OFF);
	assert_int_equal(access_mode_parse("sampled", &m), 0);
	assert_int_equal(m, ACCESS_SAMPLED);
	assert_int_equal(access_mode_parse("some", &m), -1);
}

/* 90 at 1 ms, 9 at 10 ms, 1 at 2 s: rank 50 and 90 are 1 ms, rank 99 10 ms */
static void percentiles_by_hand(void **state)
{
	double ms[100];
	double two[] = { 1.0, 1.05 };

	(void)state;
	for (int i = 0; i < 100; i++)
		ms[i] = i < 90 ? 1.0 : i < 99 ? 10.0 : 2000.0;
	assert_true(access_percentile(ms, 100, 0.5) == 1.0);
	assert_true(access_percentile(ms, 100, 0.9) == 1.0);
	assert_true(access_percentile(ms, 100, 0.99) == 10.0);
	assert_true(access_percentile(ms, 100, 1.0) == 2000.0);
	/* 1.0 and 1.05 share a bucket (0.1 * 2^(13/4) < 1.0 <= 1.05 <=
	 * 0.1 * 2^(14/4)): the estimate is the bucket's largest value */
	assert_true(access_percentile(two, 2, 0.5) == 1.05);
	/* 3 values in three buckets: p50 is rank 2 */
	double three[] = { 3.0, 1.0, 2.0 };
	assert_true(access_percentile(three, 3, 0.5) == 2.0);
}

static void routine_polls_get_no_line(void **state)
{
	struct access_log *a = access_log_new(ACCESS_SAMPLED, MIN, 0);
	enum log_level l;
	char line[512];
	int lines = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		lines += rec(a, "/api/v1/valves/v-1/poll", 200, 2.0, i * 100,
			     &l, line);
	assert_int_equal(lines, 0);
	/* a slow one has its line, at warn */
	assert_true(rec(a, "/api/v1/query", 200, 1500.0, 100000, &l, line));
	assert_int_equal(l, LOG_WARN);
	assert_string_equal(line, "GET /api/v1/query 200 1500.0ms");
	access_log_free(a);
}

static void errors_once_per_interval_per_route_and_status(void **state)
{
	struct access_log *a = access_log_new(ACCESS_SAMPLED, MIN, 0);
	enum log_level l;
	char line[512];
	int lines = 0;

	(void)state;
	assert_true(rec(a, "/api/v1/plots/x", 500, 3.0, 1000, &l, line));
	assert_int_equal(l, LOG_WARN);
	assert_string_equal(line, "GET /api/v1/plots/x 500 3.0ms");
	/* another status of the same route, and another route: lines */
	assert_true(rec(a, "/api/v1/plots/y", 404, 1.0, 1001, &l, line));
	assert_int_equal(l, LOG_INFO);
	assert_true(rec(a, "/api/v1/query", 500, 1.0, 1002, &l, line));
	/* a login flood: 11,000 refusals in 4 s make one line */
	for (int i = 0; i < 11000; i++)
		lines += access_log_record(a, "POST", "/api/v1/login", 401, 0.5,
					   false, 2000 + i * 4 / 11, &l, line,
					   sizeof(line));
	assert_int_equal(lines, 1);
	/* the same 500 again within the minute: counted, no line */
	assert_false(rec(a, "/api/v1/plots/x", 500, 3.0, 60999, &l, line));
	/* a minute after the last line: a line saying what was left out */
	assert_true(rec(a, "/api/v1/plots/z", 500, 4.0, 61000, &l, line));
	assert_string_equal(line, "GET /api/v1/plots/z 500 4.0ms (and 1 more "
			    "/api/v1/plots 500 since its last line)");
	access_log_free(a);
}

static void modes_all_and_off(void **state)
{
	struct access_log *all = access_log_new(ACCESS_ALL, MIN, 0);
	struct access_log *off = access_log_new(ACCESS_OFF, MIN, 0);
	enum log_level l;
	char line[512];

	(void)state;
	assert_true(rec(all, "/api/v1/valves", 200, 1.0, 0, &l, line));
	assert_int_equal(l, LOG_INFO);
	assert_true(rec(all, "/api/v1/valves", 200, 1.0, 1, &l, line));
	assert_true(access_log_record(all, "GET", "/a", 200, 1.0, true, 2, &l,
				      line, sizeof(line)));
	assert_string_equal(line, "GET /a 200 1.0ms (connection ended early)");
	assert_false(rec(off, "/api/v1/valves", 500, 1.0, 0, &l, line));
	assert_false(rec(off, "/api/v1/valves", 200, 5000.0, 0, &l, line));
	access_log_free(all);
	access_log_free(off);
}

static void summary_once_a_minute(void **state)
{
	struct access_log *a = access_log_new(ACCESS_SAMPLED, MIN, 0);
	enum log_level l;
	char line[512], sum[2048];

	(void)state;
	rec(a, "/api/v1/valves/a/poll", 200, 1.0, 1000, &l, line);
	rec(a, "/api/v1/valves/b/poll", 200, 3.0, 2000, &l, line);
	rec(a, "/api/v1/valves/c/poll", 200, 2.0, 3000, &l, line);
	rec(a, "/api/v1/login", 401, 5.0, 4000, &l, line);
	rec(a, "/api/v1/login", 401, 5.0, 5000, &l, line);
	assert_false(access_log_summary(a, MIN - 1, false, sum, sizeof(sum)));
	assert_true(access_log_summary(a, MIN, false, sum, sizeof(sum)));
	assert_string_equal(sum,
		"http: 5 requests in 60 s (1 error or slow lines left out); "
		"/api/v1/valves 3 2xx=3 p50=2.0ms p90=3.0ms p99=3.0ms; "
		"/api/v1/login 2 4xx=2 p50=5.0ms p90=5.0ms p99=5.0ms");
	/* the next interval starts empty: nothing to say */
	assert_false(access_log_summary(a, 2 * MIN, false, sum, sizeof(sum)));
	/* at the stop, what is left is said at once */
	rec(a, "/x", 200, 1.0, 2 * MIN + 5, &l, line);
	assert_true(access_log_summary(a, 2 * MIN + 10000, true, sum,
				       sizeof(sum)));
	assert_string_equal(sum, "http: 1 requests in 10 s; static 1 2xx=1 "
			    "p50=1.0ms p90=1.0ms p99=1.0ms");
	access_log_free(a);
}

/* More route groups than the summary keeps: the rest go to "other". */
static void many_groups_stay_bounded(void **state)
{
	struct access_log *a = access_log_new(ACCESS_SAMPLED, MIN, 0);
	enum log_level l;
	char line[512], path[64], sum[4096];

	(void)state;
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/api/v1/r%d", i);
		rec(a, path, 404, 1.0, i, &l, line);
	}
	assert_true(access_log_summary(a, MIN, false, sum, sizeof(sum)));
	assert_non_null(strstr(sum, "; other 169 4xx=169"));
	access_log_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(groups_routes),
		cmocka_unit_test(parses_levels_and_modes),
		cmocka_unit_test(percentiles_by_hand),
		cmocka_unit_test(routine_polls_get_no_line),
		cmocka_unit_test(errors_once_per_interval_per_route_and_status),
		cmocka_unit_test(modes_all_and_off),
		cmocka_unit_test(summary_once_a_minute),
		cmocka_unit_test(many_groups_stay_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
