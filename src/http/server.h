/*
 * The HTTP server's API, for whoever runs it (cli/serve.c): its settings,
 * start, the port bound, stop.  Handlers see none of this; they include
 * http/http.h (the handler's API).
 *
 * server.c   libmicrohttpd glue: limits, body, one log line per request
 * deadline.c the time a connection has to send a request's headers
 * routes.c   the route table (method, path, role, handler) and dispatch
 * static.c   the web page's files
 */
#ifndef OASIS_HTTP_SERVER_H
#define OASIS_HTTP_SERVER_H

#include <stdint.h>

#include "http/services.h"
#include "util/err.h"

/* Defaults for every field, to override from the command line. */
void http_config_defaults(struct http_config *c);

struct http_server;

/*
 * Start serving the services in svc (which stay the caller's, and must
 * outlive the server); returns once the socket listens.
 */
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

#endif
