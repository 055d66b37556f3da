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

#include <sodium.h>

#include "auth/auth.h"
#include "test_store.h"

static struct test_store store;
static struct db *db;

static int setup(void **state)
{
	struct err e;

	(void)state;
	if (auth_init(&e) || test_store_open(&store, false, "auth", false))
		return -1;
	db = store.db;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db = NULL;
	return test_store_close(&store);
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

/* ---- the token cache ---------------------------------------------------- */

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

/* The stored form of a secret, as auth computes it (hex BLAKE2b-256). */
static void hash_of(const char *secret, char out[DB_HASH_MAX])
{
	unsigned char d[crypto_generichash_BYTES];

	crypto_generichash(d, sizeof(d), (const unsigned char *)secret,
			   strlen(secret), NULL, 0);
	sodium_bin2hex(out, DB_HASH_MAX, d, sizeof(d));
}

static void token_cache_expires_and_forgets(void **state)
{
	char secret[AUTH_SECRET_MAX], brief[AUTH_SECRET_MAX], hash[DB_HASH_MAX];
	char hash2[DB_HASH_MAX];
	struct auth_identity who, got;
	int64_t id, id2;
	struct err e;

	(void)state;
	fake_now = INT64_C(1782864000000);
	auth_token_cache_clock(fake_clock);
	assert_int_equal(auth_token_create(db, ROLE_OPERATOR, "cached", NULL, 0,
					   secret, &id, &e), 0);
	hash_of(secret, hash);
	/* not yet confirmed by the store: nothing remembered */
	assert_false(auth__token_cache_get(hash, fake_now, &got));
	assert_int_equal(auth_identify_token(db, secret, &who, &e), 0);
	assert_true(auth__token_cache_get(hash, fake_now, &got));
	assert_int_equal(got.token_id, id);
	assert_int_equal(got.role, ROLE_OPERATOR);
	assert_string_equal(got.name, "cached");
	/* the TTL counts from the store's last confirmation */
	fake_now += AUTH_TOKEN_CACHE_MS - 1;
	assert_true(auth__token_cache_get(hash, fake_now, &got));
	fake_now += 1;
	assert_false(auth__token_cache_get(hash, fake_now, &got));
	assert_int_equal(auth_identify_token(db, secret, &who, &e), 0);
	assert_true(auth__token_cache_get(hash, fake_now + 1000, &got));
	/* the token's own expiry bounds it too */
	assert_int_equal(auth_token_create(db, ROLE_VIEWER, "brief", NULL,
					   fake_now + 500, brief, &id2, &e), 0);
	assert_int_equal(auth_identify_token(db, brief, &who, &e), 0);
	hash_of(brief, hash2);
	assert_true(auth__token_cache_get(hash2, fake_now + 499, &got));
	assert_false(auth__token_cache_get(hash2, fake_now + 500, &got));
	/* a revocation on this node forgets at once */
	assert_int_equal(auth_token_revoke(db, id, fake_now, &e), 0);
	assert_false(auth__token_cache_get(hash, fake_now, &got));
	assert_int_equal(auth_identify_token(db, secret, &who, &e),
			 ERR_UNAUTHORIZED);
	assert_false(auth__token_cache_get(hash, fake_now, &got));
	/* bounded: a token taking the same slot replaces the one there */
	auth__token_cache_put(hash2, &who, 0, fake_now);
	memcpy(hash, hash2, 8);
	hash[8] = hash2[8] == 'a' ? 'b' : 'a';
	auth__token_cache_put(hash, &who, 0, fake_now);
	assert_true(auth__token_cache_get(hash, fake_now, &got));
	assert_false(auth__token_cache_get(hash2, fake_now, &got));
	auth_token_cache_forget();
	assert_false(auth__token_cache_get(hash, fake_now, &got));
	auth_token_cache_clock(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_ladder),
		cmocka_unit_test(passwords_are_argon2id),
		cmocka_unit_test(tokens_identify_and_revoke),
		cmocka_unit_test(sessions_open_and_close),
		cmocka_unit_test(token_cache_expires_and_forgets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
