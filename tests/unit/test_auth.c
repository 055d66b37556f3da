/* auth/: roles, passwords, tokens, sessions against a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"

static char dir[64];
static struct db *db;

static int setup(void **state)
{
	struct err e;

	(void)state;
	strcpy(dir, "/tmp/oasis-test-auth-XXXXXX");
	if (!mkdtemp(dir) || auth_init(&e) || db_open(dir, true, &db, &e))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void role_ladder(void **state)
{
	(void)state;
	assert_true(auth_role_allows(ROLE_ADMIN, ROLE_OPERATOR));
	assert_true(auth_role_allows(ROLE_OPERATOR, ROLE_VIEWER));
	assert_false(auth_role_allows(ROLE_VIEWER, ROLE_OPERATOR));
	assert_false(auth_role_allows(ROLE_DEVICE, ROLE_VIEWER));
	assert_true(auth_role_allows(ROLE_DEVICE, ROLE_DEVICE));
	assert_false(auth_role_allows(ROLE_VIEWER, ROLE_DEVICE));
	assert_true(auth_role_allows(ROLE_NONE, ROLE_NONE));
	assert_int_equal(auth_role_parse("operator"), ROLE_OPERATOR);
	assert_int_equal(auth_role_parse("root"), ROLE_NONE);
	/* metrics: GET /metrics only, outside the ladder */
	assert_int_equal(auth_role_parse("metrics"), ROLE_METRICS);
	assert_true(auth_role_allows(ROLE_METRICS, ROLE_METRICS));
	assert_true(auth_role_allows(ROLE_VIEWER, ROLE_METRICS));
	assert_true(auth_role_allows(ROLE_ADMIN, ROLE_METRICS));
	assert_false(auth_role_allows(ROLE_DEVICE, ROLE_METRICS));
	assert_false(auth_role_allows(ROLE_METRICS, ROLE_VIEWER));
	assert_false(auth_role_allows(ROLE_METRICS, ROLE_DEVICE));
}

static void passwords_are_argon2id(void **state)
{
	char hash[DB_HASH_MAX];
	char pw[AUTH_PASSWORD_LEN + 1], pw2[AUTH_PASSWORD_LEN + 1];
	struct err e;

	(void)state;
	auth_password_generate(pw);
	auth_password_generate(pw2);
	assert_int_equal(strlen(pw), AUTH_PASSWORD_LEN);
	assert_string_not_equal(pw, pw2);
	assert_int_equal(auth_password_hash(pw, hash, &e), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_null(strstr(hash, pw));
	assert_true(auth_password_verify(hash, pw));
	assert_false(auth_password_verify(hash, pw2));
}

static void tokens_identify_and_revoke(void **state)
{
	char secret[AUTH_SECRET_MAX];
	struct auth_identity who;
	struct err e;
	int64_t id;

	(void)state;
	assert_int_equal(auth_token_create(db, ROLE_OPERATOR, "ops", NULL, 0,
					   secret, &id, &e), 0);
	assert_memory_equal(secret, "oa_", 3);
	assert_int_equal(strlen(secret), 3 + 43);
	assert_int_equal(auth_identify_token(db, secret, &who, &e), 0);
	assert_int_equal(who.role, ROLE_OPERATOR);
	assert_string_equal(who.name, "ops");
	secret[5] ^= 1;
	assert_int_equal(auth_identify_token(db, secret, &who, &e), ERR_UNAUTHORIZED);
	secret[5] ^= 1;
	assert_int_equal(db_token_revoke(db, id, 1, &e), 0);
	assert_int_equal(auth_identify_token(db, secret, &who, &e), ERR_UNAUTHORIZED);
	assert_int_equal(auth_identify_token(db, "", &who, &e), ERR_UNAUTHORIZED);
	/* a device token names its device, and only a device token does */
	assert_int_equal(auth_token_create(db, ROLE_DEVICE, "d", NULL, 0, secret,
					   &id, &e), ERR_INVALID);
	assert_int_equal(auth_token_create(db, ROLE_VIEWER, "v", "ws-1", 0, secret,
					   &id, &e), ERR_INVALID);
	assert_int_equal(auth_token_create(db, ROLE_DEVICE, "d", "ws-1", 0, secret,
					   &id, &e), 0);
	assert_int_equal(auth_identify_token(db, secret, &who, &e), 0);
	assert_string_equal(who.device, "ws-1");
}

static void sessions_open_and_close(void **state)
{
	char secret[AUTH_SECRET_MAX];
	struct auth_identity who;
	struct err e;

	(void)state;
	assert_int_equal(auth_user_create(db, "ada", ROLE_VIEWER, "short", &e),
			 ERR_INVALID);
	assert_int_equal(auth_user_create(db, "ada", ROLE_VIEWER, "long enough",
					  &e), 0);
	assert_int_equal(auth_login(db, "ada", "wrong password", 60000, secret,
				    &who, &e), ERR_UNAUTHORIZED);
	assert_int_equal(auth_login(db, "nobody", "long enough", 60000, secret,
				    &who, &e), ERR_UNAUTHORIZED);
	assert_int_equal(auth_login(db, "ada", "long enough", 60000, secret, &who,
				    &e), 0);
	assert_int_equal(who.role, ROLE_VIEWER);
	assert_int_equal(auth_identify_session(db, secret, &who, &e), 0);
	assert_string_equal(who.name, "ada");
	assert_int_equal(auth_logout(db, secret, &e), 0);
	assert_int_equal(auth_identify_session(db, secret, &who, &e),
			 ERR_UNAUTHORIZED);
	/* an expired session is refused */
	assert_int_equal(auth_login(db, "ada", "long enough", -1, secret, &who,
				    &e), 0);
	assert_int_equal(auth_identify_session(db, secret, &who, &e),
			 ERR_UNAUTHORIZED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_ladder),
		cmocka_unit_test(passwords_are_argon2id),
		cmocka_unit_test(tokens_identify_and_revoke),
		cmocka_unit_test(sessions_open_and_close),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
