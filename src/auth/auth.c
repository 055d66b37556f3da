#include "auth/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

#define SECRET_BYTES 32
#define SECRET_PREFIX "oa_"

int auth_init(struct err *e)
{
	if (sodium_init() < 0)
		return err_set(e, ERR_INTERNAL, "libsodium failed to initialise");
	return ERR_OK;
}

const char *auth_role_name(enum role r)
{
	switch (r) {
	case ROLE_DEVICE: return "device";
	case ROLE_METRICS: return "metrics";
	case ROLE_VIEWER: return "viewer";
	case ROLE_OPERATOR: return "operator";
	case ROLE_ADMIN: return "admin";
	default: return "none";
	}
}

enum role auth_role_parse(const char *name)
{
	for (enum role r = ROLE_DEVICE; r <= ROLE_ADMIN; r++)
		if (!strcmp(name, auth_role_name(r)))
			return r;
	return ROLE_NONE;
}

bool auth_role_allows(enum role have, enum role need)
{
	if (need == ROLE_NONE)
		return true;
	if (need == ROLE_DEVICE)
		return have == ROLE_DEVICE || have == ROLE_ADMIN;
	if (need == ROLE_METRICS)
		return have == ROLE_METRICS || have >= ROLE_VIEWER;
	return have >= ROLE_VIEWER && have >= need;
}

int auth_password_hash(const char *password, char out[DB_HASH_MAX],
		       struct err *e)
{
	_Static_assert(crypto_pwhash_STRBYTES <= DB_HASH_MAX, "hash fits");
	if (crypto_pwhash_str_alg(out, password, strlen(password),
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(e, ERR_NOMEM, "not enough memory to hash a password");
	return ERR_OK;
}

bool auth_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void auth_password_generate(char out[AUTH_PASSWORD_LEN + 1])
{
	/* no 0/O, 1/l/I: read off a screen and typed in without mistakes */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

	for (int i = 0; i < AUTH_PASSWORD_LEN; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[AUTH_PASSWORD_LEN] = '\0';
}

/* A fresh secret to hand out, "oa_" + base64url of 32 random bytes. */
static void secret_generate(char out[AUTH_SECRET_MAX])
{
	unsigned char raw[SECRET_BYTES];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, SECRET_PREFIX, sizeof(SECRET_PREFIX));
	sodium_bin2base64(out + strlen(SECRET_PREFIX),
			  AUTH_SECRET_MAX - strlen(SECRET_PREFIX), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* The stored form of a secret: hex BLAKE2b-256.  The secret has 256 bits of
 * entropy, so a fast hash is enough; no salt is needed to resist guessing. */
static void secret_hash(const char *secret, char out[DB_HASH_MAX])
{
	unsigned char digest[crypto_generichash_BYTES];

	crypto_generichash(digest, sizeof(digest), (const unsigned char *)secret,
			   strlen(secret), NULL, 0);
	sodium_bin2hex(out, DB_HASH_MAX, digest, sizeof(digest));
}

/* Secrets longer than ours are refused before hashing, bounding the work. */
static bool secret_plausible(const char *secret)
{
	size_t n = strnlen(secret, AUTH_SECRET_MAX);

	return n > 0 && n < AUTH_SECRET_MAX;
}

int auth_user_create(struct db *db, const char *name, enum role role,
		     const char *password, struct err *e)
{
	struct db_user u = { 0 };
	int rc;

	if (!*name || strlen(name) >= sizeof(u.name))
		return err_set(e, ERR_INVALID, "user name must be 1-%zu characters",
			       sizeof(u.name) - 1);
	if (role < ROLE_VIEWER)
		return err_set(e, ERR_INVALID, "a user's role is viewer, operator "
			       "or admin");
	if (strlen(password) < 8)
		return err_set(e, ERR_INVALID, "password must have at least 8 characters");
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", auth_role_name(role));
	if ((rc = auth_password_hash(password, u.password_hash, e)))
		return rc;
	u.created_ms = time_now_ms();
	return db_user_create(db, &u, NULL, e);
}

int auth_token_create(struct db *db, enum role role, const char *name,
		      const char *device, int64_t expires_ms,
		      char secret_out[AUTH_SECRET_MAX], int64_t *id_out,
		      struct err *e)
{
	struct db_token t = { 0 };
	int rc;

	if (role == ROLE_NONE)
		return err_set(e, ERR_INVALID, "unknown role (viewer, operator, admin, metrics)");
	if (!name || !*name || strlen(name) >= sizeof(t.name))
		return err_set(e, ERR_INVALID, "token name must be 1-%zu characters",
			       sizeof(t.name) - 1);
	if ((role == ROLE_DEVICE) != (device && *device))
		return err_set(e, ERR_INVALID, "a device token names its device, "
			       "and only a device token does");
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.role, sizeof(t.role), "%s", auth_role_name(role));
	snprintf(t.device, sizeof(t.device), "%s", device ? device : "");
	secret_generate(secret_out);
	secret_hash(secret_out, t.hash);
	t.created_ms = time_now_ms();
	t.expires_ms = expires_ms;
	if ((rc = db_token_create(db, &t, id_out, e)))
		sodium_memzero(secret_out, AUTH_SECRET_MAX);
	return rc;
}

/* How long a token lookup waits for an unreachable store when the cache
 * holds the identity (ms). */
#define AUTH_STORE_PATIENCE_MS 1000

int auth_identify_token(struct db *db, const char *secret,
			struct auth_identity *out, struct err *e)
{
	struct db_token t;
	struct auth_identity fallback;
	char hash[DB_HASH_MAX];
	bool cached;
	int64_t now;
	int rc;

	if (!secret_plausible(secret))
		return err_set(e, ERR_UNAUTHORIZED, "invalid token");
	secret_hash(secret, hash);
	now = auth__token_cache_now();
	/* an identity confirmed lately does not wait out an unreachable
	 * store: the cache answers after a second instead of a failover's 30 */
	cached = auth__token_cache_get(hash, now, &fallback);
	if (cached)
		db_thread_patience(AUTH_STORE_PATIENCE_MS);
	rc = db_token_find(db, hash, now, &t, e);
	if (cached)
		db_thread_patience(0);
	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_UNAUTHORIZED, "invalid or revoked token");
	if (rc) {
		/* the store failed: an identity it confirmed lately answers */
		if (cached) {
			*out = fallback;
			err_clear(e);
			return ERR_OK;
		}
		return rc;
	}
	memset(out, 0, sizeof(*out));
	out->role = auth_role_parse(t.role);
	out->token_id = t.id;
	snprintf(out->name, sizeof(out->name), "%s", t.name);
	snprintf(out->device, sizeof(out->device), "%s", t.device);
	auth__token_cache_put(hash, out, t.expires_ms, now);
	return ERR_OK;
}

static void identity_of_user(const struct db_user *u, struct auth_identity *out)
{
	memset(out, 0, sizeof(*out));
	out->role = auth_role_parse(u->role);
	out->user_id = u->id;
	snprintf(out->name, sizeof(out->name), "%s", u->name);
}

/* A hash of a random password, made once: what unknown users are checked by. */
static char absent_hash[DB_HASH_MAX];

static void make_absent_hash(void)
{
	char password[AUTH_PASSWORD_LEN + 1];

	auth_password_generate(password);
	if (auth_password_hash(password, absent_hash, NULL))
		absent_hash[0] = '\0';
}

static const char *absent_user_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, make_absent_hash);
	return absent_hash;
}

int auth_login(struct db *db, const char *name, const char *password,
	       int64_t ttl_ms, char secret_out[AUTH_SECRET_MAX],
	       struct auth_identity *who, struct err *e)
{
	struct db_user u;
	struct db_session s = { 0 };
	int64_t now = time_now_ms();
	int rc;

	rc = db_user_get(db, name, &u, e);
	if (rc && rc != ERR_NOT_FOUND)
		return rc;
	if (rc == ERR_NOT_FOUND) {
		/* as slow as a real check, so that timing tells no user names */
		auth_password_verify(absent_user_hash(), password);
		return err_set(e, ERR_UNAUTHORIZED, "wrong user name or password");
	}
	if (!auth_password_verify(u.password_hash, password))
		return err_set(e, ERR_UNAUTHORIZED, "wrong user name or password");
	secret_generate(secret_out);
	secret_hash(secret_out, s.hash);
	s.user_id = u.id;
	s.expires_ms = now + ttl_ms;
	if ((rc = db_session_create(db, &s, now, e)))
		return rc;
	identity_of_user(&u, who);
	return ERR_OK;
}

#define KIOSK_PREFIX "kiosk."

int auth_kiosk_login(struct db *db, const char *token,
		     char cookie_out[AUTH_SECRET_MAX], struct auth_identity *who,
		     struct err *e)
{
	int rc;

	if (strlen(token) + strlen(KIOSK_PREFIX) >= AUTH_SECRET_MAX)
		return err_set(e, ERR_UNAUTHORIZED, "invalid token");
	if ((rc = auth_identify_token(db, token, who, e)))
		return rc;
	if (who->role != ROLE_VIEWER)
		return err_set(e, ERR_FORBIDDEN, "a wall screen signs in with a "
			       "viewer token; this one is %s",
			       auth_role_name(who->role));
	snprintf(cookie_out, AUTH_SECRET_MAX, KIOSK_PREFIX "%s", token);
	return ERR_OK;
}

/* A kiosk cookie is its viewer token, checked (revocation too) each time. */
static int identify_kiosk(struct db *db, const char *token,
			  struct auth_identity *out, struct err *e)
{
	int rc = auth_identify_token(db, token, out, e);

	if (rc == ERR_UNAUTHORIZED)
		return err_set(e, ERR_UNAUTHORIZED, "the wall screen's token was "
			       "revoked or has expired; sign in again");
	if (!rc && out->role != ROLE_VIEWER)
		return err_set(e, ERR_UNAUTHORIZED, "a kiosk session needs a "
			       "viewer token");
	return rc;
}

int auth_identify_session(struct db *db, const char *secret,
			  struct auth_identity *out, struct err *e)
{
	struct db_session s;
	struct db_user u;
	char hash[DB_HASH_MAX];
	int rc;

	if (!secret_plausible(secret))
		return err_set(e, ERR_UNAUTHORIZED, "invalid session");
	if (!strncmp(secret, KIOSK_PREFIX, strlen(KIOSK_PREFIX)))
		return identify_kiosk(db, secret + strlen(KIOSK_PREFIX), out, e);
	secret_hash(secret, hash);
	rc = db_session_find(db, hash, time_now_ms(), &s, e);
	if (rc == ERR_NOT_FOUND)
		return err_set(e, ERR_UNAUTHORIZED, "session expired or signed out");
	if (rc || (rc = db_user_get_by_id(db, s.user_id, &u, e)))
		return rc;
	identity_of_user(&u, out);
	return ERR_OK;
}

int auth_logout(struct db *db, const char *secret, struct err *e)
{
	char hash[DB_HASH_MAX];
	int rc;

	if (!secret_plausible(secret) ||
	    !strncmp(secret, KIOSK_PREFIX, strlen(KIOSK_PREFIX)))
		return ERR_OK; /* a kiosk cookie has no session to end */
	secret_hash(secret, hash);
	rc = db_session_delete(db, hash, e);
	if (rc == ERR_NOT_FOUND) {
		err_clear(e); /* already ended: signing out again is fine */
		return ERR_OK;
	}
	return rc;
}
