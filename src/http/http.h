/*
 * http: the HTTP server.  It only translates: parse the request, check the
 * caller's role, call one service function, serialise the answer.  No
 * business rule lives in this folder.
 *
 * server.c   libmicrohttpd glue: limits, body, one log line per request
 * deadline.c the time a connection has to send a request's headers
 * routes.c   the route table (method, path, role, handler) and dispatch
 * route_*.c  the handlers, one file per group of routes
 * static.c   the web page's files
 */
#ifndef OASIS_HTTP_HTTP_H
#define OASIS_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "auth/auth.h"
#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/events.h"
#include "util/buf.h"
#include "util/err.h"

struct http_config {
	const char *listen;          /* HOST:PORT, default 127.0.0.1:8080 */
	const char *web_root;        /* folder of the web page; NULL: none */
	size_t max_body;             /* bytes; larger bodies get 413 */
	size_t max_header;           /* bytes of request line and headers */
	unsigned max_connections;
	unsigned timeout_s;          /* idle connection timeout */
	size_t max_buffered;         /* bodies of all requests together; 503 */
	size_t max_inflated;         /* a gzip body inflated; 0: 4 x max_body */
	size_t max_batch_points;     /* points in one write; 413 */
	unsigned max_per_address;    /* connections from one address */
	unsigned header_timeout_s;   /* to send the request line and headers */
	unsigned threads;            /* worker threads; 0: one per core */
	int64_t session_ttl_ms;      /* browser sessions last this long */
	unsigned login_threads;      /* password checks at once (default 2) */
	unsigned login_queue;        /* sign-ins waiting for them (default 8) */
};

/* Defaults for every field, to override from the command line. */
void http_config_defaults(struct http_config *c);

/* The services the routes call; all stay the caller's. */
struct valves;
struct fleet;
struct alerts;
struct video;

struct http_services {
	struct db *db;
	struct ts_engine *ts;
	struct ingest *ingest;
	struct events *events;       /* the live feed of GET /api/v1/stream */
	struct valves *valves;       /* valve commands */
	const char *data_dir;        /* the store's folder (imagery previews) */
	struct fleet *fleet;         /* machinery and cameras */
	struct alerts *alerts;       /* monitoring: rules, alerts, freshness */
	/* the server's own, made by http_server_start: sign-in limits and
	 * the threads that check passwords */
	struct auth_limit *login_limit;
	struct auth_pool *login_pool;
	struct video *video;         /* camera relays, snapshots, recordings */
};

struct http_server;

/* Start serving; returns once the socket listens. */
int http_server_start(const struct http_services *svc,
		      const struct http_config *cfg, struct http_server **out,
		      struct err *e);
/* How many worker threads cfg gives (threads, or 2 per core, at least 4). */
unsigned http_worker_threads(const struct http_config *cfg);
/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *s);
/*
 * Stop gracefully: accept no new connection, let requests in flight finish
 * (up to grace_ms), then close.
 */
void http_server_stop(struct http_server *s, int64_t grace_ms);

/* ---- what handlers see ---------------------------------------------------- */

#define HTTP_MAX_PARAMS 3

struct http_budget;

struct http_ctx {
	/* the request */
	void *conn;                  /* struct MHD_Connection */
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
	/* server.c's: the route admitted, the bytes held of the shared budget */
	const void *route;
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

/*
 * Admit a request once its headers are in, before its body is read: match
 * the route, establish who calls, check the role.  ERR_NOT_FOUND,
 * ERR_INVALID (method), ERR_UNAUTHORIZED, ERR_FORBIDDEN in c->err.
 */
int http_admit(struct http_ctx *c);
/* The largest body the admitted route takes (open routes take little). */
size_t http_admitted_max_body(const struct http_ctx *c);
/* Run the admitted route's handler (admitting it first if need be). */
void http_dispatch(struct http_ctx *c);
/* Is path one of the API's (whatever the method)? */
bool http_route_known(const char *path);

#endif
