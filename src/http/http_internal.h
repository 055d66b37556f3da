/* The insides of the HTTP server, shared by server.c and static.c. */
#ifndef OASIS_HTTP_HTTP_INTERNAL_H
#define OASIS_HTTP_HTTP_INTERNAL_H

#include <microhttpd.h>

#include "http/http.h"

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

/* Headers every answer carries. */
void http__common_headers(struct MHD_Response *r);

#endif
