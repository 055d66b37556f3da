/*
 * The handler's API: what a route (route_*.c) sees of a request and how it
 * answers.  A handler parses the request (http_query, http_body_json...),
 * finds the caller's role already checked by dispatch (c->who), calls one
 * service function and serialises the answer (http_reply_json...).  No
 * business rule lives in a handler, and a handler never calls the store
 * (db_*) or the time-series engine (ts_engine_*) itself:
 * tests/unit/test_layering.c fails when one does.
 *
 * A route file includes http/routes.h (which includes this header) and
 * the header of each service it calls.  The server's own API (start, stop,
 * its settings) is http/server.h, for the command line; the server's
 * insides are http/http_internal.h.
 *
 * ctx.c      the request's parameters, headers, cookies, body; answers
 * route_*.c  the handlers, one file per group of routes
 */
#ifndef OASIS_HTTP_HTTP_H
#define OASIS_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "auth/auth.h"
#include "http/services.h"
#include "util/buf.h"
#include "util/err.h"
/*
 * Kept for the route files that found their service types here before the
 * split (the engine's and ingest's types, the event feed): the routes of
 * this tree build without these four, and a new route includes the
 * headers of what it calls itself.  To drop once the routes written
 * meanwhile include theirs.
 */
#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/events.h"

/* ---- what handlers see ---------------------------------------------------- */

#define HTTP_MAX_PARAMS 4

struct http_budget;

struct http_ctx {
	/* the request */
	void *conn;                  /* server.c's: struct MHD_Connection */
	const struct http_services *svc;
	struct db *db;               /* svc->db */
	const struct http_config *cfg;
	const char *method;
	const char *path;
	const char *params[HTTP_MAX_PARAMS]; /* {name} segments of the route */
	struct buf body;
	struct buf inflated;         /* the body, un-gzipped, when it was */
	struct auth_identity who;
	/* the answer */
	unsigned status;
	const char *content_type;
	struct buf out;
	char set_cookie[256];
	struct err err;              /* filled when a handler fails */
	unsigned retry_after_s;      /* a Retry-After header, when not 0 */
	const char *cache_control;   /* Cache-Control; NULL: no-store */
	/* server.c's, not the handler's: the route admitted, the bytes held
	 * of the shared budget */
	const void *route;
	bool influx_errors;          /* errors as InfluxDB 1.x writes them */
	struct http_budget *budget;
	size_t budgeted;
	/*
	 * A handler may answer with a stream of unknown length instead of
	 * out: read fills buf (as libmicrohttpd's content reader: bytes,
	 * 0 after suspending the connection, -1 at the end) and done is
	 * called once when the connection ends, after the request is gone:
	 * cls must not point into this context.
	 */
	struct {
		ssize_t (*read)(void *cls, uint64_t pos, char *buf, size_t max);
		void (*done)(void *cls);
		void *cls;
	} stream;
	/*
	 * A handler that waits for work done elsewhere (http_suspend) keeps
	 * it in job; the handler runs again when the work resumes the
	 * request (http_resume) and finds job there.  job_free releases it
	 * if the request ends first.
	 */
	void *job;
	void (*job_free)(void *job);
	bool suspended;
};

typedef int (*http_handler)(struct http_ctx *c);

/* A query-string argument, or NULL. */
const char *http_query(struct http_ctx *c, const char *key);
/*
 * A day argument: a date or any time (see time_parse), as its UTC day
 * number (days since 1970-01-01, so 0 to 47482); fallback when absent.
 * ERR_INVALID naming the parameter.
 */
int http_query_day(struct http_ctx *c, const char *key, int64_t fallback,
		   int64_t *out);
/* A request header, or NULL. */
const char *http_header(struct http_ctx *c, const char *name);
/* A cookie, or NULL. */
const char *http_cookie(struct http_ctx *c, const char *name);

/* The caller's IP address as text ("127.0.0.1", "::1"); "" if unknown. */
void http_client_address(struct http_ctx *c, char *out, size_t size);
/* Answer later: the handler returns ERR_OK and runs again once resumed. */
void http_suspend(struct http_ctx *c);
/* Resume a request suspended by http_suspend (from any thread). */
void http_resume(void *conn);

/* Answer with a JSON value (stolen) and a status. */
int http_reply_json(struct http_ctx *c, unsigned status, json_t *v);
/* Answer with no body. */
int http_reply_empty(struct http_ctx *c, unsigned status);
/* Parse the request body as a JSON value; ERR_INVALID names line and column. */
int http_body_json(struct http_ctx *c, json_t **out);
/*
 * The request body as bytes, inflated when it came with
 * Content-Encoding: gzip: every member of a multi-member body, nothing
 * after the last (ERR_INVALID), at most max_inflated bytes (ERR_TOO_LARGE
 * naming the limit), its bytes held against the server's budget
 * (ERR_UNAVAILABLE when the server holds too much already).
 */
int http_body_bytes(struct http_ctx *c, const char **data, size_t *len);

/*
 * The request body handed to take() in pieces that end at a line end (the
 * last may not): the body itself in one piece, or a gzip body as it
 * inflates, about a mebibyte at a time, so that only one piece is held
 * inflated whatever the body's inflated size.  The refusals of
 * http_body_bytes; an error of take ends it and is returned.
 */
struct http_body_sink {
	int (*take)(void *cls, const char *text, size_t len, struct err *e);
	void *cls;
};

int http_body_lines(struct http_ctx *c, const struct http_body_sink *k);

/* The HTTP status for an error code. */
unsigned http_status_of(enum err_code code);

/*
 * The credential a request carries, kept by what outlives the request (an
 * event stream) to check it again: a token (Authorization header, or the
 * `p` parameter where token_in_query) or a session cookie.
 */
struct http_credential {
	bool present;
	bool session;                 /* the session cookie, else a token */
	char secret[AUTH_SECRET_MAX]; /* zero it when done */
};
/* Read the request's credential; ERR_UNAUTHORIZED for a bad header. */
int http_credential_get(struct http_ctx *c, bool token_in_query,
			struct http_credential *out);
/*
 * Who holds it now (ROLE_NONE when none is present): ERR_UNAUTHORIZED once
 * it is revoked, expired or signed out.
 */
int http_credential_identify(struct db *db, const struct http_credential *cr,
			     struct auth_identity *who, struct err *e);

#endif
