/*
 * The insides of the HTTP server, shared by server.c, routes.c, deadline.c,
 * ctx.c and static.c; never included by a route.
 */
#ifndef OASIS_HTTP_HTTP_INTERNAL_H
#define OASIS_HTTP_HTTP_INTERNAL_H

#include <microhttpd.h>

#include "http/http.h"
#include "http/server.h"

/*
 * A response for GET path under root (the web page), or NULL when no such
 * file exists; *status is set to the status to send with it.
 */
struct MHD_Response *http__static_response(const char *root, const char *path,
					   unsigned *status);

/*
 * Hold n more bytes of the server's budget for request c (returned when the
 * request ends); false, with c->retry_after_s set, when it would exceed it.
 */
bool http__budget_take(struct http_ctx *c, size_t n);
/* Give back n bytes of what c holds. */
void http__budget_give(struct http_ctx *c, size_t n);

/* ---- deadline.c: the time a connection has to send its headers ---- */

struct http_deadlines;

/*
 * Watch connections: header_timeout_s from accept to the first request's
 * headers, idle_s from a request's end to the next one's (0: no deadline).
 */
int http__deadlines_open(unsigned header_timeout_s, unsigned idle_s,
			 struct http_deadlines **out, struct err *e);
/* Stop watching (after the daemon stopped); returns the connections cut. */
unsigned long http__deadlines_close(struct http_deadlines *d);
/* MHD_OPTION_NOTIFY_CONNECTION's callback, with d as its closure. */
void http__deadlines_notify(void *cls, struct MHD_Connection *conn,
			    void **socket_context,
			    enum MHD_ConnectionNotificationCode code);
/*
 * A request's headers are in (serving: no deadline while it is served), or
 * it ended (the next one's headers are due within the idle time).
 */
void http__deadlines_set(struct http_deadlines *d, struct MHD_Connection *conn,
			 bool serving);

/* Headers every answer carries. */
void http__common_headers(struct MHD_Response *r);

/* ---- routes.c: the route table ---- */

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
