/* ts/format: numbers in query answers are short and read back exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ts/format.h"
#include "util/buf.h"

static char text[64];

static const char *fmt_double(double v)
{
	struct buf b = BUF_INIT;

	ts_format_double(&b, v);
	assert_false(buf_failed(&b));
	assert_true(b.len < sizeof(text));
	memcpy(text, b.data, b.len + 1);
	buf_free(&b);
	return text;
}

static const char *fmt_int(int64_t v)
{
	struct buf b = BUF_INIT;

	ts_format_int(&b, v);
	memcpy(text, b.data, b.len + 1);
	buf_free(&b);
	return text;
}

static void readings_print_as_written(void **state)
{
	(void)state;
	assert_string_equal(fmt_double(21.3), "21.3");
	assert_string_equal(fmt_double(-21.3), "-21.3");
	assert_string_equal(fmt_double(0.05), "0.05");
	assert_string_equal(fmt_double(-0.05), "-0.05");
	assert_string_equal(fmt_double(100), "100");
	assert_string_equal(fmt_double(0), "0");
	assert_string_equal(fmt_double(-0.0), "-0");
	assert_string_equal(fmt_double(1013.25), "1013.25");
	assert_string_equal(fmt_double(123456.789), "123456.789");
	assert_string_equal(fmt_double(0.000001), "0.000001");
	assert_string_equal(fmt_double(1e20), "1e+20");
	assert_string_equal(fmt_double(0.1 + 0.2), "0.30000000000000004");
}

/* Any double, fast path or not, reads back to the same bits. */
static void every_double_reads_back(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		double v;

		seed = seed * 1103515245u + 12345u;
		switch (i % 4) {
		case 0: /* a reading of fixed resolution */
			v = (double)((int)(seed >> 8) % 200000 - 100000) /
			    pow(10, (seed >> 4) % 5);
			break;
		case 1: /* a computed average */
			v = (double)(seed >> 4) / 7.0 - 1e6;
			break;
		case 2: { /* any bit pattern that is finite */
			uint64_t bits = (uint64_t)seed << 32 ^ seed * 2654435761u;

			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				v = 1.5;
			break;
		}
		default: /* near the fast path's bounds */
			v = 999999999.5 - (double)(seed % 1000) / 1e6;
		}
		fmt_double(v);
		assert_true(strtod(text, NULL) == v);
		assert_int_equal(signbit(strtod(text, NULL)), signbit(v));
	}
}

static void integers_print_like_printf(void **state)
{
	(void)state;
	assert_string_equal(fmt_int(0), "0");
	assert_string_equal(fmt_int(-5), "-5");
	assert_string_equal(fmt_int(INT64_C(1782864000000)), "1782864000000");
	assert_string_equal(fmt_int(INT64_MAX), "9223372036854775807");
	assert_string_equal(fmt_int(INT64_MIN), "-9223372036854775808");
}

/* JSON has no inf or nan: a sum past DBL_MAX prints null, not "inf". */
static void non_finite_numbers_print_null(void **state)
{
	(void)state;
	assert_string_equal(fmt_double(INFINITY), "null");
	assert_string_equal(fmt_double(-INFINITY), "null");
	assert_string_equal(fmt_double(NAN), "null");
	assert_string_equal(fmt_double(1e308 + 1e308), "null");
	assert_string_equal(fmt_double(1.7976931348623157e308),
			    "1.7976931348623157e+308");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readings_print_as_written),
		cmocka_unit_test(every_double_reads_back),
		cmocka_unit_test(integers_print_like_printf),
		cmocka_unit_test(non_finite_numbers_print_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
