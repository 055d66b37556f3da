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

/* Headers every answer carries. */
void http__common_headers(struct MHD_Response *r);

#endif
