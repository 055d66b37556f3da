/* cli/opts: an option table parses, helps and refuses one way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cli/opts.h"

struct args {
	const char *name;
	bool dry;
	int n;
	enum cli_format format;
};

static int take_n(const char *arg, void *ctx, struct err *e)
{
	if (strcmp(arg, "1") && strcmp(arg, "2"))
		return err_set(e, ERR_INVALID, "--n '%s': expected 1 or 2", arg);
	((struct args *)ctx)->n = arg[0] - '0';
	return ERR_OK;
}

static int parse(struct args *a, struct cli_store *s, int argc, ...)
{
	const struct cli_opt table[] = {
		{ "name", "NAME", "a name", .str = &a->name },
		{ "dry-run", NULL, "change nothing", .flag = &a->dry },
		{ "n", "N", "1 or 2", .handle = take_n },
		{ "format", "table|csv|json", "how", .format = &a->format },
		{ 0 },
	};
	const struct cli_opts o = { "test", "usage: oasis test\n", table, a };
	char *argv[16];
	int first = -1, rc;
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	rc = cli_opts_parse(&o, argc, argv, s, &first);
	return rc == CLI_OPTS_GO_ON ? 100 + first : rc;
}

/* Options may follow operands: getopt moves the operands to the end. */
static void values_flags_handlers_and_operands(void **state)
{
	struct cli_store s = { 0 };
	struct args a = { 0 };

	(void)state;
	assert_int_equal(parse(&a, &s, 7, "test", "create", "--name", "李四",
			       "--dry-run", "--n=2", "--data=/tmp/x"), 106);
	assert_int_equal(parse(&a, &s, 3, "test", "--format", "csv"), 103);
	assert_int_equal(a.format, CLI_FORMAT_CSV);
	assert_string_equal(a.name, "李四");
	assert_true(a.dry);
	assert_int_equal(a.n, 2);
	assert_string_equal(s.data_dir, "/tmp/x");
}

static void help_unknown_and_missing_values(void **state)
{
	struct cli_store s = { 0 };
	struct args a = { 0 };

	(void)state;
	assert_int_equal(parse(&a, &s, 2, "test", "--help"), CLI_EXIT_OK);
	assert_int_equal(parse(&a, &s, 2, "test", "-h"), CLI_EXIT_OK);
	assert_int_equal(parse(&a, &s, 2, "test", "--nope"), CLI_EXIT_USAGE);
	assert_int_equal(parse(&a, &s, 2, "test", "--name"), CLI_EXIT_USAGE);
	assert_int_equal(parse(&a, &s, 3, "test", "--n", "3"), CLI_EXIT_USAGE);
	assert_int_equal(parse(&a, &s, 3, "test", "--format", "xml"),
			 CLI_EXIT_USAGE);
	/* without a store, its options are unknown */
	assert_int_equal(parse(&a, NULL, 3, "test", "--data", "x"),
			 CLI_EXIT_USAGE);
	assert_int_equal(parse(&a, NULL, 2, "test", "go"), 101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_flags_handlers_and_operands),
		cmocka_unit_test(help_unknown_and_missing_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
