/* util/: time parsing and formatting, buffers, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/timeutil.h"

static void parses_rfc3339_and_dates(void **state)
{
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse("1970-01-01T00:00:00Z", 0, &ms, &e), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(time_parse("2026-07-01T08:00:00+08:00", 0, &ms, &e), 0);
	assert_int_equal(ms, INT64_C(1782864000000));
	assert_int_equal(time_parse("2026-07-01T00:00:00.250Z", 0, &ms, &e), 0);
	assert_int_equal(ms, INT64_C(1782864000250));
	assert_int_equal(time_parse("2026-07-01", 0, &ms, &e), 0);
	assert_int_equal(ms, INT64_C(1782864000000));
	assert_int_equal(time_parse("1782864000000", 0, &ms, &e), 0);
	assert_int_equal(ms, INT64_C(1782864000000));
	/* 2000 was a leap year, 1900 was not (proleptic Gregorian) */
	assert_int_equal(time_parse("2000-02-29", 0, &ms, &e), 0);
	assert_int_equal(time_days_from_civil(1900, 3, 1) -
			 time_days_from_civil(1900, 2, 28), 1);
}

static void parses_relative_times(void **state)
{
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse("now", 5000, &ms, &e), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(time_parse("-1h", 10 * MS_PER_HOUR, &ms, &e), 0);
	assert_int_equal(ms, 9 * MS_PER_HOUR);
	assert_int_equal(time_parse("now-2d", 10 * MS_PER_DAY, &ms, &e), 0);
	assert_int_equal(ms, 8 * MS_PER_DAY);
}

static void refuses_bad_times(void **state)
{
	static const char *const bad[] = {
		"2026-13-01", "2026-02-30", "2026-07-01T25:00:00Z",
		"2026-07-01T08:00:00", "2026-07-01X", "yesterday", "",
		"2026-07-01T08:00:00+8", "now-", "-5x",
	};
	int64_t ms;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		assert_int_equal(time_parse(bad[i], 0, &ms, &e), ERR_INVALID);
		assert_true(e.msg[0] != '\0');
	}
}

static void durations(void **state)
{
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse_duration("500ms", &ms, &e), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(time_parse_duration("10m", &ms, &e), 0);
	assert_int_equal(ms, 600000);
	assert_int_equal(time_parse_duration("2w", &ms, &e), 0);
	assert_int_equal(ms, 14 * MS_PER_DAY);
	assert_int_equal(time_parse_duration("0s", &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse_duration("1y", &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse_duration("99999999999999999w", &ms, &e),
			 ERR_INVALID);
}

static void formats_and_round_trips(void **state)
{
	char s[32];
	int64_t back;

	(void)state;
	time_format_iso(INT64_C(1782864000250), s, sizeof(s));
	assert_string_equal(s, "2026-07-01T00:00:00.250Z");
	time_format_iso(-1, s, sizeof(s));
	assert_string_equal(s, "1969-12-31T23:59:59.999Z");
	for (int64_t d = -800000; d < 800000; d += 997) {
		int y, m, dd;

		time_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(time_days_from_civil(y, m, dd), d);
	}
	assert_int_equal(time_parse("1969-12-31T23:59:59.999Z", 0, &back, NULL), 0);
	assert_int_equal(back, -1);
}

static void buffers_escape_json_and_csv(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_json_string(&b, "a\"b\\c\n\x01");
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_reset(&b);
	buf_csv_field(&b, "plain");
	buf_putc(&b, ',');
	buf_csv_field(&b, "with, comma and \"quote\"");
	assert_string_equal(b.data, "plain,\"with, comma and \"\"quote\"\"\"");
	buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.data));
	assert_false(buf_failed(&b));
	buf_free(&b);
}

static void errors_carry_context(void **state)
{
	struct err e;
	char long_text[2 * ERR_MSG_MAX];

	(void)state;
	assert_int_equal(err_set(&e, ERR_INVALID, "field '%s'", "rh"), ERR_INVALID);
	err_prefix(&e, "line %d", 3);
	assert_string_equal(e.msg, "line 3: field 'rh'");
	assert_string_equal(err_code_name(ERR_NOT_FOUND), "not_found");
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	err_set(&e, ERR_INVALID, "%s", long_text);
	err_prefix(&e, "file.geojson");
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	assert_int_equal(err_set(NULL, ERR_IO, "ignored"), ERR_IO);
}

static void secrets_never_reach_a_message(void **state)
{
	static const char *const cases[][2] = {
		{ "--mqtt 'mqtt://oasis:hunter2@broker:1883': no host",
		  "--mqtt 'mqtt://oasis:***@broker:1883': no host" },
		{ "db postgresql://app:s3cr%40t@db1:5432/oasis?sslmode=require "
		  "down", "db postgresql://app:***@db1:5432/oasis?sslmode="
		  "require down" },
		{ "libpq: host=db1 user=app password=pw dbname=oasis",
		  "libpq: host=db1 user=app password=*** dbname=oasis" },
		{ "webhook https://h/x?token=abc&secret=def&n=1 failed",
		  "webhook https://h/x?token=***&secret=***&n=1 failed" },
		{ "mqtt://user@host:1 and mqtt://u:p@h", "mqtt://user@host:1 "
		  "and mqtt://u:***@h" },
		{ "no secrets: a=1, mytoken=2, http://host/path@x",
		  "no secrets: a=1, mytoken=2, http://host/path@x" },
	};
	char text[ERR_MSG_MAX];
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), "%s", cases[i][0]);
		err_redact(text, sizeof(text));
		assert_string_equal(text, cases[i][1]);
		err_set(&e, ERR_INVALID, "%s", cases[i][0]);
		assert_string_equal(e.msg, cases[i][1]);
	}
	/* a password of one byte grows to *** in a full buffer: cut, ended */
	memset(text, 'x', sizeof(text));
	memcpy(text, "mqtt://u:p@h ", 13);
	text[sizeof(text) - 1] = '\0';
	err_redact(text, sizeof(text));
	assert_int_equal(strncmp(text, "mqtt://u:***@h x", 16), 0);
	assert_int_equal(strlen(text), sizeof(text) - 1);
	/* err_prefix too */
	err_set(&e, ERR_IO, "connection refused");
	err_prefix(&e, "--db postgresql://a:b@c/d");
	assert_string_equal(e.msg, "--db postgresql://a:***@c/d: connection "
			    "refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_rfc3339_and_dates),
		cmocka_unit_test(parses_relative_times),
		cmocka_unit_test(refuses_bad_times),
		cmocka_unit_test(durations),
		cmocka_unit_test(formats_and_round_trips),
		cmocka_unit_test(buffers_escape_json_and_csv),
		cmocka_unit_test(errors_carry_context),
		cmocka_unit_test(secrets_never_reach_a_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
