/*
 * Telemetry JSON parser (src/ingest/json.c): one object, an array, NDJSON.
 *
 * Instants: 2026-07-01T00:00:00Z is 1782864000 s after the epoch
 * (20635 days * 86400 s; 20635 = days from 1970-01-01 to 2026-07-01).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest/batch.h"

#define NOW INT64_C(1782864000123)
#define JULY1 INT64_C(1782864000000)

static struct ingest_batch batch;
static struct err err;

static int setup(void **state)
{
	(void)state;
	ingest_batch_init(&batch);
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ingest_batch_free(&batch);
	return 0;
}

/* Parse from an exact-size heap copy (AddressSanitizer sees overreads). */
static int parse_dev(const char *text, const char *device_default)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ingest_batch_reset(&batch);
	err.code = ERR_OK;
	err.msg[0] = '\0';
	rc = ingest_json_parse(copy, len, device_default, NOW, &batch, &err);
	free(copy);
	return rc;
}

static void parse_ok(const char *text, const char *device_default)
{
	if (parse_dev(text, device_default) != ERR_OK)
		fail_msg("parse failed: %s", err.msg);
}

static void expect_error(const char *text, const char *device_default,
			 const char *msg)
{
	int rc = parse_dev(text, device_default);

	if (rc != ERR_INVALID)
		fail_msg("expected ERR_INVALID for [%s], got %d (%s)", text, rc,
			 err.msg);
	assert_string_equal(err.msg, msg);
}

static const struct ingest_point *pt(size_t i)
{
	assert_true(i < batch.n);
	return &batch.points[i];
}

static void expect_point(size_t i, const char *dev, const char *metric,
			 double value, int64_t ts)
{
	const struct ingest_point *p = pt(i);

	assert_string_equal(ingest_str(&batch, p->device), dev);
	assert_string_equal(ingest_str(&batch, p->metric), metric);
	assert_string_equal(ingest_str(&batch, p->measurement), "");
	if (p->value != value)
		fail_msg("value %.17g, want %.17g", p->value, value);
	assert_int_equal(p->ts_ms, ts);
}

static void test_object(void **state)
{
	char where[32];

	(void)state;
	parse_ok("{\"device\":\"ws-0001\",\"ts\":1782864000000,\"values\":"
		 "{\"air_temp\":27.3,\"rh\":41,\"rain\":0.0,\"wet\":true,"
		 "\"dry\":false,\"big\":-1.5e-2}}", NULL);
	assert_int_equal(batch.form, INGEST_FORM_JSON_OBJECT);
	assert_int_equal(batch.n, 6);
	expect_point(0, "ws-0001", "air_temp", 27.3, JULY1);
	expect_point(1, "ws-0001", "rh", 41, JULY1);
	expect_point(2, "ws-0001", "rain", 0, JULY1);
	expect_point(3, "ws-0001", "wet", 1, JULY1);
	expect_point(4, "ws-0001", "dry", 0, JULY1);
	expect_point(5, "ws-0001", "big", -0.015, JULY1);
	assert_string_equal(ingest_pos_format(&batch, &pt(0)->pos, where,
					      sizeof(where)), "the object");
	/* Pretty-printed over several lines: still one object. */
	parse_ok("\n  {\n  \"device\": \"a\",\n  \"values\": {\"x\": 1}\n}\n",
		 NULL);
	assert_int_equal(batch.form, INGEST_FORM_JSON_OBJECT);
	expect_point(0, "a", "x", 1, NOW);
}

static void test_array(void **state)
{
	char where[32];

	(void)state;
	parse_ok(" [ {\"device\":\"a\",\"ts\":1000,\"values\":{\"x\":1,"
		 "\"y\":2}},\n {\"device\":\"b\",\"values\":{\"x\":3}} ]", NULL);
	assert_int_equal(batch.form, INGEST_FORM_JSON_ARRAY);
	assert_int_equal(batch.n, 3);
	expect_point(0, "a", "x", 1, 1000);
	expect_point(1, "a", "y", 2, 1000);
	expect_point(2, "b", "x", 3, NOW);
	assert_int_equal(pt(2)->pos.line, 0);
	assert_int_equal(pt(2)->pos.index, 1);
	assert_string_equal(ingest_pos_format(&batch, &pt(2)->pos, where,
					      sizeof(where)), "item 1");
	parse_ok("[]", NULL);
	assert_int_equal(batch.n, 0);
}

static void test_ndjson(void **state)
{
	char where[32];

	(void)state;
	parse_ok("{\"device\":\"a\",\"ts\":1000,\"values\":{\"x\":1}}\n"
		 "\n"
		 "   \r\n"
		 "{\"device\":\"b\",\"ts\":2000,\"values\":{\"x\":2}}\r\n"
		 "{\"device\":\"a\",\"ts\":3000,\"values\":{\"y\":3}}\n", NULL);
	assert_int_equal(batch.form, INGEST_FORM_LINES);
	assert_int_equal(batch.n, 3);
	expect_point(0, "a", "x", 1, 1000);
	expect_point(1, "b", "x", 2, 2000);
	expect_point(2, "a", "y", 3, 3000);
	assert_int_equal(pt(0)->pos.line, 1);
	assert_int_equal(pt(1)->pos.line, 4);
	assert_int_equal(pt(2)->pos.line, 5);
	assert_string_equal(ingest_pos_format(&batch, &pt(2)->pos, where,
					      sizeof(where)), "line 5");
	/* The same device twice: the same arena offset. */
	assert_int_equal(pt(0)->device, pt(2)->device);
}

static void test_timestamps(void **state)
{
	(void)state;
	parse_ok("{\"device\":\"a\",\"ts\":\"2026-07-01T08:00:00Z\","
		 "\"values\":{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1 + 8 * 3600000);
	parse_ok("{\"device\":\"a\",\"ts\":\"2026-07-01T08:00:00+08:00\","
		 "\"values\":{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1);
	parse_ok("{\"device\":\"a\",\"ts\":\"2026-07-01T00:00:00.250Z\","
		 "\"values\":{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1 + 250);
	parse_ok("{\"device\":\"a\",\"ts\":\"2026-07-01\",\"values\":{\"x\":1}}",
		 NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1);
	parse_ok("{\"device\":\"a\",\"ts\":\"1782864000000\",\"values\":"
		 "{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1);
	parse_ok("{\"device\":\"a\",\"ts\":1782864000000.0,\"values\":"
		 "{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, JULY1);
	parse_ok("{\"device\":\"a\",\"ts\":-5,\"values\":{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, -5);
	parse_ok("{\"device\":\"a\",\"values\":{\"x\":1}}", NULL);
	assert_int_equal(pt(0)->ts_ms, NOW);
}

static void test_timestamp_refusals(void **state)
{
	(void)state;
	expect_error("{\"device\":\"a\",\"ts\":1.5,\"values\":{\"x\":1}}", NULL,
		     "'ts': 1.5 is not a whole number of epoch milliseconds");
	expect_error("[{\"device\":\"a\",\"values\":{\"x\":1}},"
		     "{\"device\":\"a\",\"ts\":true,\"values\":{\"x\":1}}]", NULL,
		     "item 1: 'ts': expected epoch milliseconds or an RFC 3339 "
		     "string, got a boolean");
	expect_error("{\"device\":\"a\",\"ts\":null,\"values\":{\"x\":1}}", NULL,
		     "'ts': expected epoch milliseconds or an RFC 3339 string, "
		     "got null");
	expect_error("{\"device\":\"a\",\"ts\":\"yesterday\",\"values\":"
		     "{\"x\":1}}", NULL,
		     "'ts': 'yesterday' is not a timestamp (expected epoch "
		     "milliseconds or RFC 3339, e.g. 2026-07-01T08:00:00Z)");
	/* time_parse's relative forms are not telemetry timestamps. */
	expect_error("{\"device\":\"a\",\"ts\":\"now\",\"values\":{\"x\":1}}",
		     NULL, "'ts': 'now' is not a timestamp (expected epoch "
		     "milliseconds or RFC 3339, e.g. 2026-07-01T08:00:00Z)");
	expect_error("{\"device\":\"a\",\"ts\":\"-6h\",\"values\":{\"x\":1}}",
		     NULL, "'ts': '-6h' is not a timestamp (expected epoch "
		     "milliseconds or RFC 3339, e.g. 2026-07-01T08:00:00Z)");
	assert_int_equal(parse_dev("{\"device\":\"a\",\"ts\":\"2026-13-01T00:00"
				   ":00Z\",\"values\":{\"x\":1}}", NULL),
			 ERR_INVALID);
	assert_non_null(strstr(err.msg, "'ts': "));
	expect_error("{\"device\":\"a\",\"ts\":\"99999999999999999999\","
		     "\"values\":{\"x\":1}}", NULL,
		     "'ts': '99999999999999999999' is not a timestamp (expected "
		     "epoch milliseconds or RFC 3339, e.g. "
		     "2026-07-01T08:00:00Z)");
}

static void test_device_default(void **state)
{
	(void)state;
	/* MQTT: the topic names the device. */
	parse_ok("{\"ts\":1000,\"values\":{\"x\":1}}", "sp-00001");
	expect_point(0, "sp-00001", "x", 1, 1000);
	parse_ok("{\"device\":\"sp-00001\",\"values\":{\"x\":1}}", "sp-00001");
	expect_point(0, "sp-00001", "x", 1, NOW);
	parse_ok("{\"values\":{\"x\":1}}\n{\"values\":{\"y\":2}}", "d");
	expect_point(1, "d", "y", 2, NOW);
	expect_error("{\"device\":\"sp-00002\",\"values\":{\"x\":1}}",
		     "sp-00001", "'device' is 'sp-00002' but the topic names "
		     "'sp-00001'");
	expect_error("[{\"values\":{\"x\":1}},{\"device\":\"b\",\"values\":"
		     "{\"x\":1}}]", "a", "item 1: 'device' is 'b' but the topic "
		     "names 'a'");
	expect_error("{\"values\":{\"x\":1}}", NULL, "no 'device' member (it may "
		     "be left out only with a device's token)");
	expect_error("{\"values\":{\"x\":1}}", "", "the default device is "
		     "empty");
}

/* HTTP with a device's token: its device by default, others left to authorization. */
static void test_owned(void **state)
{
	static const char text[] = "[{\"values\":{\"x\":1}},"
				   "{\"device\":\"b\",\"values\":{\"x\":2}}]";

	(void)state;
	ingest_batch_reset(&batch);
	assert_int_equal(ingest_json_parse_owned(text, strlen(text), "a", NOW,
						 &batch, &err), ERR_OK);
	expect_point(0, "a", "x", 1, NOW);
	expect_point(1, "b", "x", 2, NOW);
}

static void test_value_refusals(void **state)
{
	(void)state;
	expect_error("[{\"device\":\"a\",\"values\":{\"rh\":1}},"
		     "{\"device\":\"a\",\"values\":{\"rh\":2}},"
		     "{\"device\":\"a\",\"values\":{\"rh\":3}},"
		     "{\"device\":\"a\",\"values\":{\"rh\":4}},"
		     "{\"device\":\"a\",\"values\":{\"air_temp\":1,"
		     "\"rh\":\"41\"}}]", NULL,
		     "item 4: 'values'.'rh': expected a number, got a string");
	expect_error("{\"device\":\"a\",\"values\":{\"x\":1}}\n"
		     "\n"
		     "{\"device\":\"a\",\"values\":{\"x\":null}}\n", NULL,
		     "line 3: 'values'.'x': expected a number, got null");
	expect_error("{\"device\":\"a\",\"values\":{\"x\":[1]}}", NULL,
		     "'values'.'x': expected a number, got an array");
	expect_error("{\"device\":\"a\",\"values\":{\"x\":{}}}", NULL,
		     "'values'.'x': expected a number, got an object");
	expect_error("{\"device\":\"a\",\"values\":{}}", NULL,
		     "'values' is empty");
	expect_error("{\"device\":\"a\",\"values\":[1,2]}", NULL,
		     "'values': expected an object, got an array");
	expect_error("{\"device\":\"a\"}", NULL, "no 'values' member");
	expect_error("{\"device\":\"a\",\"values\":{\"\":1}}", NULL,
		     "'values': the metric name is empty");
	expect_error("{\"device\":\"a\",\"values\":{\"a\\tb\":1}}", NULL,
		     "'values': the metric name 'a?b' holds a control "
		     "character (byte 0x09)");
}

static void test_member_refusals(void **state)
{
	(void)state;
	expect_error("{\"device\":\"a\",\"timestamp\":5,\"values\":{\"x\":1}}",
		     NULL, "unknown member 'timestamp' (expected 'device', "
		     "'ts' and 'values')");
	expect_error("{\"device\":7,\"values\":{\"x\":1}}", NULL,
		     "'device': expected a string, got a number");
	expect_error("{\"device\":\"\",\"values\":{\"x\":1}}", NULL,
		     "'device': the id is empty");
	expect_error("[1]", NULL, "item 0: expected an object, got a number");
	expect_error("[{\"device\":\"a\",\"values\":{\"x\":1}}, \"b\"]", NULL,
		     "item 1: expected an object, got a string");
}

/*
 * A syntax error: jansson's message after "line L, column C: " (the words
 * are jansson's and may change between its versions; the place may not).
 */
static void expect_syntax(const char *text, const char *where,
			  const char *words)
{
	assert_int_equal(parse_dev(text, NULL), ERR_INVALID);
	if (strncmp(err.msg, where, strlen(where)) != 0 ||
	    !strstr(err.msg, words))
		fail_msg("got \"%s\", want \"%s...%s...\"", err.msg, where,
			 words);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_syntax("", "line 1, column 0: ", "expected");
	expect_syntax("42", "line 1, column 2: ", "expected");
	expect_syntax("[{\"device\":\"a\",\n\"values\":{\"x\":1,}}]",
		      "line 2, column 17: ", "expected");
	/* NDJSON: the line of the text, not of the object. */
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":1}}\n"
		      "{\"device\":\"a\",\"values\":{\"x\":1}}\n"
		      "{\"device\":\"a\",\"values\":{\"x\":NaN}}\n",
		      "line 3, column ", "invalid token");
	expect_syntax("{\"device\":\"a\",\"device\":\"b\",\"values\":"
		      "{\"x\":1}}", "line 1, column ", "duplicate");
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":1,\"x\":2}}",
		      "line 1, column ", "duplicate");
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":1e999}}",
		      "line 1, column ", "overflow");
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":"
		      "99999999999999999999}}", "line 1, column ", "too big");
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":1}} trailing",
		      "line 1, column ", "end of file expected");
	expect_syntax("[{\"device\":\"a\",\"values\":{\"x\":1}}]\n[]",
		      "line 2, column 1: ", "end of file expected");
	/* Objects spread over lines, one after the other: not NDJSON. */
	expect_syntax("{\"device\":\"a\",\"values\":{\"x\":1}}\n{\n"
		      "\"device\":\"a\",\"values\":{\"x\":1}}\n",
		      "line 2, column ", "(NDJSON: one whole object per line)");
	/* No raw control byte reaches the message. */
	expect_syntax("{\"device\":\"a\x01\"}", "line 1, column 12: ",
		      "control character");
	assert_null(strchr(err.msg, '\x01'));
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = "{\"device\":\"a\",\"values\":{\"x\":1}}garbage";
	struct err e;

	(void)state;
	ingest_batch_reset(&batch);
	assert_int_equal(ingest_json_parse(text, 31, NULL, NOW, &batch, &e),
			 ERR_OK);
	assert_int_equal(batch.n, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_object),
		T(test_array),
		T(test_ndjson),
		T(test_timestamps),
		T(test_timestamp_refusals),
		T(test_device_default),
		T(test_owned),
		T(test_value_refusals),
		T(test_member_refusals),
		T(test_syntax_errors),
		T(test_not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
