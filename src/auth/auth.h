/*
 * auth: who is calling and what they may do.
 *
 * People sign in with a name and password (argon2id hashes at rest) and get a
 * browser session; programs and wall screens use API tokens.  Tokens and
 * session secrets are 256 random bits, shown once, and stored only as their
 * BLAKE2b hash, so a leaked store gives no working credential.  Every token is
 * revocable.  A device token can write only its own device's data.
 */
#ifndef OASIS_AUTH_AUTH_H
#define OASIS_AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "util/err.h"

/*
 * Roles in increasing power; a device and a metrics scraper (GET /metrics
 * only) are outside the ladder.
 */
enum role {
	ROLE_NONE = 0,
	ROLE_DEVICE,
	ROLE_METRICS,
	ROLE_VIEWER,
	ROLE_OPERATOR,
	ROLE_ADMIN,
};

/* Secrets as shown to people: "oa_" + 43 base64url characters. */
#define AUTH_SECRET_MAX 64
/* Generated passwords: 20 characters from an unambiguous alphabet. */
#define AUTH_PASSWORD_LEN 20

struct auth_identity {
	enum role role;
	char name[DB_NAME_MAX];    /* user or token name */
	char device[DB_NAME_MAX];  /* for ROLE_DEVICE: the one device it may write */
	int64_t user_id;           /* 0 unless signed in as a user */
	int64_t token_id;          /* 0 unless called with a token */
};

/* Must be called once before anything else here; initialises libsodium. */
int auth_init(struct err *e);

const char *auth_role_name(enum role r);
/* ROLE_NONE for an unknown name. */
enum role auth_role_parse(const char *name);
/* Does an identity with role `have` satisfy a route that needs `need`? */
bool auth_role_allows(enum role have, enum role need);

int auth_password_hash(const char *password, char out[DB_HASH_MAX],
		       struct err *e);
bool auth_password_verify(const char *hash, const char *password);
void auth_password_generate(char out[AUTH_PASSWORD_LEN + 1]);

/* Create a user with this password; ERR_EXISTS if the name is taken. */
int auth_user_create(struct db *db, const char *name, enum role role,
		     const char *password, struct err *e);

/*
 * Create an API token and write its secret (to show once) into secret_out.
 * device is NULL except for ROLE_DEVICE.  expires_ms 0 means never.
 */
int auth_token_create(struct db *db, enum role role, const char *name,
		      const char *device, int64_t expires_ms,
		      char secret_out[AUTH_SECRET_MAX], int64_t *id_out,
		      struct err *e);

/* Who holds this token secret; ERR_UNAUTHORIZED if none (or revoked). */
int auth_identify_token(struct db *db, const char *secret,
			struct auth_identity *out, struct err *e);

/*
 * Check a name and password and open a session of ttl_ms; the session
 * secret for the cookie goes to secret_out.  ERR_UNAUTHORIZED on a wrong
 * name or password (the message does not say which).
 */
int auth_login(struct db *db, const char *name, const char *password,
	       int64_t ttl_ms, char secret_out[AUTH_SECRET_MAX],
	       struct auth_identity *who, struct err *e);
/*
 * Who a session cookie's value is: a session opened by auth_login, or a
 * kiosk cookie made by auth_kiosk_login (checked as its token, every time).
 */
int auth_identify_session(struct db *db, const char *secret,
			  struct auth_identity *out, struct err *e);

/*
 * Sign a wall screen in with a viewer token (kiosk mode): check the token and
 * write into cookie_out the value of a session cookie that carries it
 * ("kiosk." + the token).  The cookie is identified as the token on every
 * request, so it lasts as long as the token does and revoking the token
 * signs the screen out at once.  ERR_UNAUTHORIZED for a bad, expired or
 * revoked token; ERR_FORBIDDEN for a token whose role is not viewer.
 */
int auth_kiosk_login(struct db *db, const char *token,
		     char cookie_out[AUTH_SECRET_MAX], struct auth_identity *who,
		     struct err *e);
int auth_logout(struct db *db, const char *secret, struct err *e);

/* ---- auth_tokens.c: the tokens, for the admin ---- */

/*
 * Every token (never its secret) as a JSON array of {id, name, role,
 * device, created, revoked}, in *out (new reference).
 */
int auth_tokens_json(struct db *db, json_t **out, struct err *e);
/* Revoke token id at now_ms: it stops working at once. */
int auth_token_revoke(struct db *db, int64_t id, int64_t now_ms,
		      struct err *e);

/* ---- auth_users.c: the people who sign in, for the admin ---- */

/* Every user as a JSON array of {name, role, state, created} in *out. */
int auth_users_json(struct db *db, json_t **out, struct err *e);
/*
 * Give name the role (viewer, operator or admin), disable them (their
 * sessions end at once) or delete them.  acting is the admin doing it
 * (NULL: the command line): nobody disables, deletes or demotes
 * themselves (ERR_FORBIDDEN).  ERR_NOT_FOUND names an unknown user.
 */
int auth_user_set_role(struct db *db, const char *acting, const char *name,
		       enum role role, struct err *e);
int auth_user_disable(struct db *db, const char *acting, const char *name,
		      struct err *e);
int auth_user_delete(struct db *db, const char *acting, const char *name,
		     struct err *e);
/*
 * Give name a new generated password (written to password_out, to show
 * once); a disabled user is enabled again.
 */
int auth_user_reset_password(struct db *db, const char *name,
			     char password_out[AUTH_PASSWORD_LEN + 1],
			     struct err *e);

/* ---- auth_audit.c: who changed what through the API ---- */

#define AUTH_AUDIT_MAX 1000

/* Note that who did METHOD path at now_ms, answered with status. */
int auth_audit_note(struct db *db, const struct auth_identity *who,
		    const char *method, const char *path, int status,
		    int64_t now_ms, struct err *e);
/*
 * At most limit (1 to AUTH_AUDIT_MAX) entries older than before_id (0: the
 * newest), newest first, as a JSON array of {id, time, actor, role,
 * action, status} in *out.
 */
int auth_audit_json(struct db *db, int64_t before_id, int limit, json_t **out,
		    struct err *e);

/* ---- token_cache.c: identities kept for a store outage ---- */

/*
 * auth_identify_token asks the store on every request.  A token the store
 * recognised is remembered (by the hash of its secret) with the time the
 * store confirmed it; when the store then fails (an error, not "unknown
 * token"), an identity confirmed less than AUTH_TOKEN_CACHE_MS ago, and
 * not past the token's expiry, answers instead: requests, writes above
 * all, go on through a short PostgreSQL outage.  Revoking a token on this
 * node (auth_token_revoke, a device deleted) forgets every remembered
 * identity at once.  A revocation made elsewhere (another node, the
 * command line) is seen by the next request the store answers; only while
 * the store is failing can a token revoked there be accepted, for at most
 * AUTH_TOKEN_CACHE_MS after its last confirmation (docs/SECURITY.md).
 */
#define AUTH_TOKEN_CACHE_MS 30000
#define AUTH_TOKEN_CACHE_SLOTS 1024

/* Forget every remembered identity. */
void auth_token_cache_forget(void);
/* Tests: the cache's clock (NULL: time_now_ms again). */
void auth_token_cache_clock(int64_t (*now_ms)(void));
/* Internal to auth: the clock, and remembering and finding an identity. */
int64_t auth__token_cache_now(void);
void auth__token_cache_put(const char *hash, const struct auth_identity *who,
			   int64_t expires_ms, int64_t now_ms);
bool auth__token_cache_get(const char *hash, int64_t now_ms,
			   struct auth_identity *out);

#endif
