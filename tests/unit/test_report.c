/* report: the writers of the daily report, from a report made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

static struct report_station stations[] = {
	{ "ws-1", "P-1", -1.5, 12.25, 5.0, 61, 0.4, 3.2 },
	{ "ws-2", "", NAN, NAN, NAN, NAN, NAN, NAN },
};
static struct report_plot plots[] = {
	{ "P-1", "一号地, 东", "cotton", 180.5, 23.46, 2 },
	{ "P-2", "二号地", "maize", 90, NAN, 0 },
};
static struct report_alert alerts[] = {
	{ "2025-06-15T01:00:00.000Z", "critical", "ws-1", "P-1",
	  "air_temp 1.0 <= 2 (frost)" },
};

static const struct report_daily report = {
	"2025-06-15", "Asia/Shanghai", 0, 86400000, stations, 2, plots, 2,
	alerts, 1,
};

static void csv_sections_rows_and_missing_values(void **state)
{
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(report_daily_write(&report, "csv", &b, &e), ERR_OK);
	buf_putc(&b, '\0');
	assert_non_null(strstr(b.data, "# Oasis daily report 2025-06-15 "
			       "(Asia/Shanghai)\nweather\n"));
	assert_non_null(strstr(b.data, "\nws-1,P-1,-1.5,12.2,5.0,61,0.4,3.2\n"));
	/* no data: empty fields, never "nan" */
	assert_non_null(strstr(b.data, "\nws-2,,,,,,,\n"));
	assert_null(strstr(b.data, "nan"));
	/* a name with a comma is quoted */
	assert_non_null(strstr(b.data, "\nP-1,\"一号地, 东\",cotton,180.5,23.5\n"));
	assert_non_null(strstr(b.data, "\nP-2,二号地,maize,90.0,\n"));
	assert_non_null(strstr(b.data, "\nalerts\nopened,severity,subject,plot,"
			       "message\n2025-06-15T01:00:00.000Z,critical,ws-1,"
			       "P-1,air_temp 1.0 <= 2 (frost)\n"));
	buf_free(&b);
}

static void pdf_and_xlsx_are_what_they_say(void **state)
{
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(report_daily_write(&report, "pdf", &b, &e), ERR_OK);
	assert_true(b.len > 1000);
	assert_memory_equal(b.data, "%PDF-", 5);
	buf_free(&b);
	assert_int_equal(report_daily_write(&report, "xlsx", &b, &e), ERR_OK);
	assert_true(b.len > 1000);
	assert_memory_equal(b.data, "PK\x03\x04", 4); /* a zip, as XLSX is */
	buf_free(&b);
	assert_int_equal(report_daily_write(&report, "docx", &b, &e),
			 ERR_INVALID);
	assert_non_null(strstr(e.msg, "docx"));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_sections_rows_and_missing_values),
		cmocka_unit_test(pdf_and_xlsx_are_what_they_say),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
