/* util/: time parsing and formatting, buffers, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/events.h"
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
	assert_int_equal(time_parse("1970-01-01T00:00:00.001Z", 0, &back, NULL), 0);
	assert_int_equal(back, 1);
	/* any int64, even where ms - day * days would overflow */
	time_format_iso(INT64_MIN, s, sizeof(s));
	assert_string_equal(s, "-292275055-05-16T16:47:04.192Z");
	time_format_iso(INT64_MAX, s, sizeof(s));
	assert_string_equal(s, "292278994-08-17T07:12:55.807Z");
}

/* Instants are 1970-01-01 to 2100-01-01, both included, whatever the form. */
static void instants_lie_in_1970_to_2100(void **state)
{
	static const char *const out_of_range[] = {
		"1969-12-31T23:59:59.999Z", "1969-12-31", "0000-01-01",
		"2100-01-01T00:00:00.001Z", "2100-01-02", "9999-12-31T23:59:59Z",
		"2100-01-01T08:00:00+07:59", "1970-01-01T07:59:59+08:00",
		"4102444800001", "9223372036854775807", "9223372036854775808",
		"99999999999999999999999999", "now-1000000d",
		"now-106751991167d", "now-9223372036854775807ms", "-15250284452w",
	};
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse("1970-01-01T00:00:00Z", 0, &ms, &e), 0);
	assert_int_equal(ms, TIME_MIN_MS);
	assert_int_equal(time_parse("2100-01-01T00:00:00Z", 0, &ms, &e), 0);
	assert_int_equal(ms, TIME_MAX_MS);
	assert_int_equal(time_parse("2100-01-01", 0, &ms, &e), 0);
	assert_int_equal(ms, TIME_MAX_MS);
	assert_int_equal(time_parse("2100-01-01T08:00:00+08:00", 0, &ms, &e), 0);
	assert_int_equal(ms, TIME_MAX_MS);
	assert_int_equal(time_parse("4102444800000", 0, &ms, &e), 0);
	assert_int_equal(ms, TIME_MAX_MS);
	assert_int_equal(time_parse("000000000", 0, &ms, &e), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(time_parse("now-1d", MS_PER_DAY, &ms, &e), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(time_parse("now-1ms", 0, &ms, &e), ERR_INVALID);
	/* "now" is whatever the caller says; it too must be in range */
	assert_int_equal(time_parse("now", INT64_MIN, &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse("-1h", INT64_MIN, &ms, &e), ERR_INVALID);
	for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]);
	     i++) {
		err_clear(&e);
		ms = 42;
		assert_int_equal(time_parse(out_of_range[i], 10 * MS_PER_DAY,
					    &ms, &e), ERR_INVALID);
		assert_int_equal(ms, 42);     /* untouched on failure */
		assert_non_null(strstr(e.msg, out_of_range[i]));
	}
	assert_string_equal(e.msg, "'-15250284452w': '15250284452w' is longer "
			    "than 47482 days (the span from 1970 to 2100)");
	time_parse("2100-01-02", 0, &ms, &e);
	assert_string_equal(e.msg, "'2100-01-02' is outside 1970-01-01 to "
			    "2100-01-01");
}

/* POSIX time has no leap second: 23:59:60 is refused, not rolled over. */
static void leap_seconds_are_refused(void **state)
{
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse("2016-12-31T23:59:60Z", 0, &ms, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "leap second"));
	assert_int_equal(time_parse("2016-12-31T23:59:60.500+00:00", 0, &ms, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "leap second"));
	assert_int_equal(time_parse("2016-12-31T23:59:61Z", 0, &ms, &e),
			 ERR_INVALID);
	assert_int_equal(time_parse("2016-12-31T23:59:59.999Z", 0, &ms, &e), 0);
	assert_int_equal(ms, INT64_C(1483228799999));
}

/* Durations: digits and a unit, no overflow, at most 1970..2100 long. */
static void durations_are_checked_for_overflow_and_range(void **state)
{
	static const char *const bad[] = {
		"9223372036854775807ms", "9223372036854775808ms",
		"106751991167d", "15250284452w", "9223372036854775s",
		"99999999999999999999ms", "47483d", "4102444800001ms",
		"+1h", " 1h", "1h ", "-1h", "1.5h", "1e3s", "0x10s", "1", "h",
		"", "0ms", "00s", "1hh", "NaN",
	};
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse_duration("47482d", &ms, &e), 0);
	assert_int_equal(ms, TIME_SPAN_MAX_MS);
	assert_int_equal(time_parse_duration("4102444800000ms", &ms, &e), 0);
	assert_int_equal(time_parse_duration("007s", &ms, &e), 0);
	assert_int_equal(ms, 7000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		ms = 42;
		assert_int_equal(time_parse_duration(bad[i], &ms, &e),
				 ERR_INVALID);
		assert_int_equal(ms, 42);
		assert_true(e.msg[0] != '\0');
	}
}

/* A query step: 1 s to 366 d, both included. */
static void steps_lie_in_1s_to_366d(void **state)
{
	int64_t ms;
	struct err e;

	(void)state;
	assert_int_equal(time_parse_step("1s", &ms, &e), 0);
	assert_int_equal(ms, TIME_STEP_MIN_MS);
	assert_int_equal(time_parse_step("1000ms", &ms, &e), 0);
	assert_int_equal(time_parse_step("366d", &ms, &e), 0);
	assert_int_equal(ms, TIME_STEP_MAX_MS);
	assert_int_equal(time_parse_step("999ms", &ms, &e), ERR_INVALID);
	assert_string_equal(e.msg, "'999ms' is not a step between 1s and 366d");
	assert_int_equal(time_parse_step("367d", &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse_step("31622400001ms", &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse_step("53w", &ms, &e), ERR_INVALID);
	assert_int_equal(time_parse_step("9223372036854775807ms", &ms, &e),
			 ERR_INVALID);
	assert_int_equal(time_parse_step("106751991167d", &ms, &e), ERR_INVALID);
}

/* Bucket alignment and counts, for any int64 (the heap overflow of #14). */
static void buckets_are_counted_without_overflow(void **state)
{
	int64_t base;
	uint64_t n;
	struct err e;

	(void)state;
	assert_int_equal(time_buckets(1500, 4001, 1000, &base, &n), 0);
	assert_int_equal(base, 1000);
	assert_int_equal(n, 4);               /* 1000, 2000, 3000, 4000 */
	assert_int_equal(time_buckets(-1500, 0, 1000, &base, &n), 0);
	assert_int_equal(base, -2000);
	assert_int_equal(n, 2);
	assert_int_equal(time_buckets(1796581915159, INT64_MAX, INT64_MAX,
				      &base, &n), 0);
	assert_int_equal(base, 0);
	assert_int_equal(n, 1);
	assert_int_equal(time_buckets(INT64_MIN, INT64_MAX, 1, &base, &n), 0);
	assert_int_equal(base, INT64_MIN);
	assert_true(n == UINT64_MAX);
	assert_int_equal(time_buckets(INT64_MIN + 1, 0, 1000, &base, &n),
			 ERR_INVALID);       /* the first bucket is before int64 */
	/* exactly 100,000 buckets pass, one more is refused with advice */
	assert_int_equal(time_check_buckets(0, 100000 * MS_PER_SECOND,
					    MS_PER_SECOND, &e), 0);
	assert_int_equal(time_check_buckets(1, 100000 * MS_PER_SECOND + 1,
					    MS_PER_SECOND, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "100001 buckets, more than 100000: use "
			       "a larger 'step' or a shorter range"));
	assert_int_equal(time_check_buckets(INT64_MIN + 1, INT64_MAX, 1, &e),
			 ERR_INVALID);
	assert_int_equal(time_check_buckets(0, TIME_MAX_MS + 1,
					    TIME_STEP_MAX_MS, &e), 0);
	assert_int_equal(time_floor_div(-1, MS_PER_DAY), -1);
	assert_int_equal(time_floor_div(INT64_MIN, MS_PER_DAY),
			 INT64_C(-106751991168));
	assert_int_equal(time_floor_div(MS_PER_DAY, MS_PER_DAY), 1);
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
	/* ... and a one-byte secret at the very end of a full buffer: the
	 * mask itself is cut, never written past the end (found by
	 * fuzz_pv_layout) */
	memset(text, 'x', sizeof(text));
	memcpy(text + sizeof(text) - 12, " password=p", 11);
	text[sizeof(text) - 1] = '\0';
	err_redact(text, sizeof(text));
	assert_int_equal(strlen(text), sizeof(text) - 1);
	assert_int_equal(strcmp(text + sizeof(text) - 11, "password=*"), 0);
	/* err_prefix too */
	err_set(&e, ERR_IO, "connection refused");
	err_prefix(&e, "--db postgresql://a:b@c/d");
	assert_string_equal(e.msg, "--db postgresql://a:***@c/d: connection "
			    "refused");
}

static void release_nothing(void *ctx)
{
	(void)ctx;
}

struct relayed {
	int n;
	char type[16], plot[16], data[64];
};

static void note_relay(const char *type, const char *plot, const char *data,
		       void *ctx)
{
	struct relayed *r = ctx;

	r->n++;
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->plot, sizeof(r->plot), "%s", plot);
	snprintf(r->data, sizeof(r->data), "%s", data);
}

/* Events of a cluster node: relayed out, ids with an origin, resync. */
static void events_relay_and_resume_across_nodes(void **state)
{
	struct events *ev;
	struct events_reader r = { 0 };
	struct relayed got = { 0 };
	struct buf out = BUF_INIT;
	struct err e;
	bool foreign;

	(void)state;
	assert_int_equal(events_open(16, 60000, &ev, &e), 0);
	/* alone: plain ids, nothing relayed */
	assert_int_equal(events_parse_id(ev, "5", &foreign), 5);
	assert_false(foreign);
	events_set_relay(ev, note_relay, &got, "abc123");
	assert_true(events_has_readers(ev));
	assert_int_equal(events_publish(ev, "point", "P1", "{\"v\":1}"), 1);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.type, "point");
	assert_string_equal(got.plot, "P1");
	assert_string_equal(got.data, "{\"v\":1}");
	/* another node's event: shown here, never relayed again */
	assert_int_equal(events_publish_remote(ev, "alert", "P2", "{}"), 2);
	assert_int_equal(got.n, 1);
	/* a message for the other nodes only: relayed, not in the ring */
	events_relay(ev, "rules", "{}");
	assert_int_equal(got.n, 2);
	assert_string_equal(got.type, "rules");
	assert_int_equal(events_last_id(ev), 2);
	assert_int_equal(events_parse_id(ev, "abc123-1", &foreign), 1);
	assert_false(foreign);
	assert_int_equal(events_parse_id(ev, "zzz-1", &foreign), 2);
	assert_true(foreign);
	assert_int_equal(events_parse_id(ev, "7", &foreign), 2);
	assert_true(foreign);
	r.last_id = 1;
	r.resync_due = true;
	events_attach(ev, &r);
	assert_int_equal(events_read(ev, &r, &out, 4096), 1);
	assert_non_null(strstr(out.data, "event: resync\n"));
	assert_non_null(strstr(out.data, "id: abc123-2\nevent: alert\n"));
	assert_true(strstr(out.data, "resync") < strstr(out.data, "alert"));
	r.release = release_nothing;
	events_detach(ev, &r);
	buf_free(&out);
	events_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_rfc3339_and_dates),
		cmocka_unit_test(parses_relative_times),
		cmocka_unit_test(refuses_bad_times),
		cmocka_unit_test(durations),
		cmocka_unit_test(formats_and_round_trips),
		cmocka_unit_test(instants_lie_in_1970_to_2100),
		cmocka_unit_test(leap_seconds_are_refused),
		cmocka_unit_test(durations_are_checked_for_overflow_and_range),
		cmocka_unit_test(steps_lie_in_1s_to_366d),
		cmocka_unit_test(buckets_are_counted_without_overflow),
		cmocka_unit_test(buffers_escape_json_and_csv),
		cmocka_unit_test(errors_carry_context),
		cmocka_unit_test(secrets_never_reach_a_message),
		cmocka_unit_test(events_relay_and_resume_across_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
