/*
 * auth/auth_limit on a clock the test turns: free failures, a wait that
 * doubles up to its cap, one attempt at a time past the free ones, a
 * success clearing, other accounts and addresses untouched, forgetting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "auth/auth_limit.h"

static int64_t clock_ms;

static int64_t test_clock(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static struct auth_limit *open_limit(void)
{
	struct auth_limit_opts o;
	struct auth_limit *l;
	struct err e;

	auth_limit_defaults(&o);
	o.free_failures = 3;
	o.base_ms = 1000;
	o.max_ms = 8000;
	o.forget_ms = 60000;
	o.slots = 64;
	o.now_ms = test_clock;
	clock_ms = 1000000;
	assert_int_equal(auth_limit_open(&o, &l, &e), ERR_OK);
	return l;
}

/* One failed attempt; it must have been allowed. */
static void fail_once(struct auth_limit *l, const char *user, const char *addr)
{
	assert_int_equal(auth_limit_begin(l, user, addr), 0);
	auth_limit_end(l, user, addr, AUTH_LIMIT_FAILED);
}

static void the_wait_grows_and_is_capped(void **state)
{
	struct auth_limit *l = open_limit();
	static const int64_t waits[] = { 1000, 2000, 4000, 8000, 8000 };

	(void)state;
	for (int i = 0; i < 3; i++)
		fail_once(l, "admin", "10.0.0.1");
	assert_int_equal(auth_limit_begin(l, "admin", "10.0.0.1"), 0);
	auth_limit_end(l, "admin", "10.0.0.1", AUTH_LIMIT_FAILED);
	for (size_t i = 0; i < sizeof(waits) / sizeof(*waits); i++) {
		/* blocked for waits[i]: from either key */
		assert_int_equal(auth_limit_begin(l, "admin", "10.0.0.9"),
				 waits[i]);
		assert_int_equal(auth_limit_begin(l, "bob", "10.0.0.1"),
				 waits[i]);
		clock_ms += waits[i] - 1;
		assert_int_equal(auth_limit_begin(l, "admin", "10.0.0.1"), 1);
		clock_ms += 1;
		fail_once(l, "admin", "10.0.0.1");
	}
	/* another account from another address is not touched */
	assert_int_equal(auth_limit_begin(l, "bob", "10.0.0.2"), 0);
	auth_limit_end(l, "bob", "10.0.0.2", AUTH_LIMIT_OK);
	auth_limit_close(l);
}

static void a_success_clears_and_time_forgets(void **state)
{
	struct auth_limit *l = open_limit();

	(void)state;
	for (int i = 0; i < 4; i++) {
		fail_once(l, "ann", "10.0.0.1");
		clock_ms += 1000;
	}
	clock_ms += 1000;
	assert_int_equal(auth_limit_begin(l, "ann", "10.0.0.1"), 0);
	auth_limit_end(l, "ann", "10.0.0.1", AUTH_LIMIT_OK);
	for (int i = 0; i < 3; i++) /* three free ones again */
		fail_once(l, "ann", "10.0.0.1");
	fail_once(l, "ann", "10.0.0.1");
	assert_true(auth_limit_begin(l, "ann", "10.0.0.1") > 0);
	clock_ms += 60000 + 1000; /* forgotten */
	for (int i = 0; i < 3; i++)
		fail_once(l, "ann", "10.0.0.1");
	auth_limit_close(l);
}

static void past_the_free_failures_one_attempt_at_a_time(void **state)
{
	struct auth_limit *l = open_limit();

	(void)state;
	/* three may run at once while nothing has failed */
	for (int i = 0; i < 3; i++)
		assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.3"), 0);
	assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.3"), 1000);
	for (int i = 0; i < 3; i++)
		auth_limit_end(l, "cy", "10.0.0.3", AUTH_LIMIT_FAILED);
	/* three failures used the free ones: the next runs alone */
	assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.3"), 0);
	assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.4"), 1000);
	assert_int_equal(auth_limit_begin(l, "dee", "10.0.0.3"), 1000);
	auth_limit_end(l, "cy", "10.0.0.3", AUTH_LIMIT_UNDECIDED);
	assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.3"), 0);
	auth_limit_end(l, "cy", "10.0.0.3", AUTH_LIMIT_FAILED);
	assert_int_equal(auth_limit_begin(l, "cy", "10.0.0.3"), 1000);
	auth_limit_close(l);
}

static void a_full_table_gives_way_to_new_names(void **state)
{
	struct auth_limit *l = open_limit();
	char name[32];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "user-%d", i);
		fail_once(l, name, name);
		clock_ms++;
	}
	/* the newest are remembered, the table did not grow */
	fail_once(l, "user-999", "user-999");
	fail_once(l, "user-999", "user-999");
	fail_once(l, "user-999", "user-999");
	assert_true(auth_limit_begin(l, "user-999", "x") > 0);
	auth_limit_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_wait_grows_and_is_capped),
		cmocka_unit_test(a_success_clears_and_time_forgets),
		cmocka_unit_test(past_the_free_failures_one_attempt_at_a_time),
		cmocka_unit_test(a_full_table_gives_way_to_new_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
