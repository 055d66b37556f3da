/* cli/table: display widths, --format, and the three output formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(cli_text_width(""), 0);
	assert_int_equal(cli_text_width("abc"), 3);
	assert_int_equal(cli_text_width("地块"), 4);
	assert_int_equal(cli_text_width("A1-棉花"), 7);
	assert_int_equal(cli_text_width("\xff" "a"), 2); /* a bad byte is 1 */
}

static void test_format_parse(void **state)
{
	enum cli_format f;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(cli_format_parse("csv", &f, &e), ERR_OK);
	assert_int_equal(f, CLI_FORMAT_CSV);
	assert_int_equal(cli_format_parse("xml", &f, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "--format 'xml'"));
}

static char *render(enum cli_format f)
{
	static const char *const head[] = { "id", "name" };
	static const char *const r1[] = { "ws-01", "气象站" };
	static const char *const r2[] = { "probe,2", "a\"b" };
	struct cli_table t;
	struct err e = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	cli_table_init(&t, 2, head);
	assert_int_equal(cli_table_add(&t, r1, &e), ERR_OK);
	assert_int_equal(cli_table_add(&t, r2, &e), ERR_OK);
	assert_int_equal(cli_table_print(&t, f, out, &e), ERR_OK);
	cli_table_free(&t);
	fclose(out);
	return text;
}

static void test_formats(void **state)
{
	char *s;

	(void)state;
	s = render(CLI_FORMAT_TABLE);
	assert_string_equal(s, "id       name\nws-01    气象站\nprobe,2  a\"b\n");
	free(s);
	s = render(CLI_FORMAT_CSV);
	assert_string_equal(s, "id,name\r\nws-01,气象站\r\n\"probe,2\",\"a\"\"b\"\r\n");
	free(s);
	s = render(CLI_FORMAT_JSON);
	assert_non_null(strstr(s, "\"name\": \"气象站\""));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
