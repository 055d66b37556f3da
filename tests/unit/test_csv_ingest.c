/*
 * CSV parser (src/ingest/csv.c): the series shape "series,ts_ms,value",
 * the wide shape "device,ts,METRIC...", RFC 4180 quoting, and errors that
 * name the line and the column.
 *
 * 2026-07-01T00:00:00Z is 1782864000000 ms after the epoch.
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
static int parse(const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ingest_batch_reset(&batch);
	err.code = ERR_OK;
	err.msg[0] = '\0';
	rc = ingest_csv_parse(copy, len, NOW, &batch, &err);
	free(copy);
	return rc;
}

static void parse_ok(const char *text)
{
	if (parse(text) != ERR_OK)
		fail_msg("parse failed: %s", err.msg);
}

static void expect_error(const char *text, const char *msg)
{
	int rc = parse(text);

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
			 double value, int64_t ts, uint32_t line)
{
	const struct ingest_point *p = pt(i);

	assert_string_equal(ingest_str(&batch, p->device), dev);
	assert_string_equal(ingest_str(&batch, p->metric), metric);
	assert_string_equal(ingest_str(&batch, p->measurement), "");
	if (p->value != value)
		fail_msg("value %.17g, want %.17g", p->value, value);
	assert_int_equal(p->ts_ms, ts);
	assert_int_equal(p->pos.line, line);
}

/* ---- the series shape ------------------------------------------------- */

static void test_series_shape(void **state)
{
	(void)state;
	parse_ok("series,ts_ms,value\n"
		 "ws-0001/air_temp,1782864000000,19.8\n"
		 "ws-0001/rh,1782864000000,78\n"
		 "sp-00001/moisture_10cm,1782864000000,-1.5e-2\n");
	assert_int_equal(batch.form, INGEST_FORM_LINES);
	assert_int_equal(batch.n, 3);
	expect_point(0, "ws-0001", "air_temp", 19.8, JULY1, 2);
	expect_point(1, "ws-0001", "rh", 78, JULY1, 3);
	expect_point(2, "sp-00001", "moisture_10cm", -0.015, JULY1, 4);
	assert_int_equal(pt(0)->device, pt(1)->device);
}

static void test_series_shape_details(void **state)
{
	(void)state;
	/* BOM, CRLF, blank lines, header case, "ts", RFC 3339, the last '/',
	 * '+' sign, an empty value skipped, no final line break. */
	parse_ok("\xEF\xBB\xBFSeries,TS,Value\r\n"
		 "\r\n"
		 "farm/ws-1/air_temp,2026-07-01T08:00:00+08:00,+21.5\r\n"
		 "farm/ws-1/rh,1782864000000,\r\n"
		 "  \r\n"
		 "\"farm/ws-1/rain\" , 1782864000000 , \"0.2\"");
	assert_int_equal(batch.n, 2);
	expect_point(0, "farm/ws-1", "air_temp", 21.5, JULY1, 3);
	expect_point(1, "farm/ws-1", "rain", 0.2, JULY1, 6);
}

/* ---- the wide shape --------------------------------------------------- */

static void test_wide_shape(void **state)
{
	(void)state;
	parse_ok("device,ts,air_temp,rh,rain\n"
		 "ws-0001,1782864000000,27.3,41,0\n"
		 "ws-0002,2026-07-01T00:01:00Z,,40,\n"
		 "ws-0001, 1782864120000 , 27.1 ,\t39\t,0.2\n");
	assert_int_equal(batch.n, 7);
	expect_point(0, "ws-0001", "air_temp", 27.3, JULY1, 2);
	expect_point(1, "ws-0001", "rh", 41, JULY1, 2);
	expect_point(2, "ws-0001", "rain", 0, JULY1, 2);
	expect_point(3, "ws-0002", "rh", 40, JULY1 + 60000, 3);
	expect_point(4, "ws-0001", "air_temp", 27.1, JULY1 + 120000, 4);
	expect_point(6, "ws-0001", "rain", 0.2, JULY1 + 120000, 4);
	/* Metric offsets come from the header: one per column. */
	assert_int_equal(pt(0)->metric, pt(4)->metric);
}

static void test_rfc4180_quoting(void **state)
{
	(void)state;
	/* Quoted cells with commas and doubled quotes. */
	parse_ok("\"device\",\"ts\",\"air_temp\"\n"
		 "\"ws \"\"north\"\", 1\",1000,\"1.5\"\n"
		 "ws-3,3000,\"\"\n"
		 "ws-3,3000,3.5\n");
	assert_int_equal(batch.n, 2);
	expect_point(0, "ws \"north\", 1", "air_temp", 1.5, 1000, 2);
	expect_point(1, "ws-3", "air_temp", 3.5, 3000, 4);
	/* A quoted line break is read, then refused where it matters; the
	 * error names the line the record starts on. */
	expect_error("device,ts,x\n\"a\nb\",1,2\n",
		     "line 2, column 1 ('device'): the device id 'a?b' holds a "
		     "control character (byte 0x0A)");
	expect_error("device,ts,\"a,b\"\nx,1,\"1\n2\"\n",
		     "line 2, column 3 ('a,b'): '1?2' is not a number");
}

/* ---- errors ----------------------------------------------------------- */

static void test_header_errors(void **state)
{
	(void)state;
	expect_error("", "no header line (expected 'series,ts_ms,value' or "
		     "'device,ts,METRIC1,METRIC2,...')");
	expect_error("\n\n  \n", "no header line (expected 'series,ts_ms,value'"
		     " or 'device,ts,METRIC1,METRIC2,...')");
	expect_error("id,ts,value\n", "line 1: the header starts with 'id' "
		     "(expected 'series,ts_ms,value' or "
		     "'device,ts,METRIC1,METRIC2,...')");
	expect_error("\nseries,time,value\n", "line 2: column 2 of the header "
		     "is 'time' (expected 'ts' or 'ts_ms')");
	expect_error("series,ts_ms,val\n", "line 1: the header of the series "
		     "shape is 'series,ts_ms,value'");
	expect_error("series,ts_ms,value,extra\n", "line 1: the header of the "
		     "series shape is 'series,ts_ms,value'");
	expect_error("device,ts\n", "line 1: the header has 2 columns "
		     "(expected 'series,ts_ms,value' or "
		     "'device,ts,METRIC1,...')");
	expect_error("device,ts,rh,air_temp,rh\n", "line 1: metric 'rh' is "
		     "both column 3 and column 5");
	expect_error("device,ts,rh,,x\n", "line 1, column 4: the metric name "
		     "is empty");
}

static void test_too_many_columns(void **state)
{
	size_t n = 16 + INGEST_CSV_MAX_COLUMNS * 8;
	char *text = malloc(n);
	size_t o;

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, n, "device,ts");
	for (int i = 0; i < INGEST_CSV_MAX_COLUMNS - 2; i++)
		o += (size_t)snprintf(text + o, n - o, ",m%d", i);
	parse_ok(text);
	snprintf(text + o, n - o, ",last");
	expect_error(text, "line 1: more than 1024 columns");
	free(text);
}

static void test_row_errors(void **state)
{
	(void)state;
	expect_error("device,ts,air_temp\nws,1,2\nws,1,12.5.1\n",
		     "line 3, column 3 ('air_temp'): '12.5.1' is not a number");
	expect_error("device,ts,x\nws,1,NaN\n",
		     "line 2, column 3 ('x'): 'NaN' is not a finite number");
	expect_error("device,ts,x\nws,1,-inf\n",
		     "line 2, column 3 ('x'): '-inf' is not a finite number");
	expect_error("device,ts,x\nws,1,1e400\n",
		     "line 2, column 3 ('x'): '1e400' is not a finite number");
	expect_error("device,ts,x,y\nws,1,2\n",
		     "line 2: 3 cells, but the header has 4 columns");
	expect_error("device,ts,x\nws,1,2,3\n",
		     "line 2: more cells than the header's 3 columns");
	expect_error("device,ts,x\n,1,2\n",
		     "line 2, column 1 ('device'): the device id is empty");
	expect_error("device,ts,x\nws,,2\n",
		     "line 2, column 2 ('ts'): the timestamp is empty");
	expect_error("device,ts,x\nws,yesterday,2\n",
		     "line 2, column 2 ('ts'): 'yesterday' is not a timestamp "
		     "(expected epoch milliseconds or RFC 3339, e.g. "
		     "2026-07-01T08:00:00Z)");
	expect_error("series,ts_ms,value\nws-1,1,2\n",
		     "line 2, column 1 ('series'): 'ws-1' is not DEVICE/METRIC");
	expect_error("series,ts_ms,value\n/rh,1,2\n",
		     "line 2, column 1 ('series'): '/rh' is not DEVICE/METRIC");
	expect_error("series,ts_ms,value\nws/,1,2\n",
		     "line 2, column 1 ('series'): 'ws/' is not DEVICE/METRIC");
	expect_error("series,ts_ms,value\nws/r\xC3h,1,2\n",
		     "line 2, column 1 ('series'): the metric name 'r?h' is not "
		     "valid UTF-8");
}

static void test_quoting_errors(void **state)
{
	(void)state;
	expect_error("device,ts,x\nws,1,\"2\n",
		     "line 2, column 3 ('x'): the quoted cell has no closing "
		     "quote");
	expect_error("device,ts,x\nws,1,\"2\"x\n",
		     "line 2, column 3 ('x'): text after the closing quote");
	expect_error("device,ts,x\nws,1,2\"\"\n",
		     "line 2, column 3 ('x'): a quote inside an unquoted cell "
		     "(quote the whole cell and double the quote)");
	expect_error("device,ts,x\nws,1,2\rws,2,3\n",
		     "line 2, column 3 ('x'): a carriage return not followed by "
		     "a line feed");
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = "device,ts,x\nws,1,25garbage";
	struct err e;

	(void)state;
	ingest_batch_reset(&batch);
	assert_int_equal(ingest_csv_parse(text, 19, NOW, &batch, &e), ERR_OK);
	assert_int_equal(batch.n, 1);
	assert_true(pt(0)->value == 25.0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_series_shape),
		T(test_series_shape_details),
		T(test_wide_shape),
		T(test_rfc4180_quoting),
		T(test_header_errors),
		T(test_too_many_columns),
		T(test_row_errors),
		T(test_quoting_errors),
		T(test_not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
