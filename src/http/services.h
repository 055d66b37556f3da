/*
 * What the command line hands the HTTP server and the server hands every
 * handler: the server's settings (struct http_config) and the services
 * the routes call (struct http_services).  Included by http/server.h (the
 * server's API, for cli/) and http/http.h (the handler's API, for
 * route_*.c); nothing else lives here.
 */
#ifndef OASIS_HTTP_SERVICES_H
#define OASIS_HTTP_SERVICES_H

#include <stddef.h>
#include <stdint.h>

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
	const char *metrics_allow;   /* who scrapes GET /metrics unsigned; NULL */
};

/* The services the routes call; all stay the caller's. */
struct db;
struct ts_engine;
struct ingest;
struct events;
struct valves;
struct fleet;
struct alerts;
struct video;
struct auth_limit;
struct auth_pool;
struct basemap;

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
	struct basemap *basemap;     /* the map's imagery tiles */
};

#endif
