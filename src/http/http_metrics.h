/*
 * http_metrics: the server's request latency histogram (every request's
 * time from its start to its answer), for GET /metrics.  Lock-free
 * counters, shared by the worker threads.
 */
#ifndef OASIS_HTTP_HTTP_METRICS_H
#define OASIS_HTTP_HTTP_METRICS_H

#include <stdbool.h>

#include "util/buf.h"

/* Count one request that took ms milliseconds. */
void http_metrics_observe(double ms);
/* Append oasis_http_request_duration_seconds in the exposition format. */
void http_metrics_write(struct buf *b);

/*
 * The scrape allow-list (--metrics-allow): comma-separated addresses or
 * CIDR blocks, IPv4 or IPv6 ("127.0.0.1/32,10.0.0.0/8,::1").  Is the list
 * well formed; is addr (text, as http_client_address gives it) in it?
 */
bool http_metrics_allow_valid(const char *list);
bool http_metrics_allowed(const char *list, const char *addr);

#endif
