/*
 * The libmicrohttpd glue: a pool of worker threads, limits on what a client
 * may send, the request body collected under its limit, the access log
 * (util/log.h: a line for an error or a slow request, method, path without
 * query, status, milliseconds, never a credential; a summary a minute),
 * and a graceful stop.
 *
 * The limits, in the order a request meets them:
 *   - connections: at most max_per_address from one address and
 *     max_connections in all; a connection has header_timeout_s from its
 *     start to send its request line and headers, and timeout_s from the
 *     end of a request to send the next (deadline.c), and is closed after
 *     timeout_s of silence in any case;
 *   - admission: once the headers are in and before a byte of body is
 *     read, the route is matched, the caller identified and the role
 *     checked (404, 400 for a method, 401, 403), and a body announced
 *     larger than the route takes is refused (413).  Libmicrohttpd then
 *     closes the connection instead of reading the body;
 *   - the budget: the bodies held by all requests together (and what gzip
 *     bodies inflate to) stay under max_buffered.  A body is charged when
 *     announced (Content-Length) or as its chunks arrive; past the budget
 *     the request gets 503 with Retry-After.  The charge is returned when
 *     the request ends;
 *   - a body that grows past its limit while arriving (chunked) is read
 *     to its end without being kept and answered 413; one that goes on
 *     for more than another limit's worth is cut off.
 */
#include "http/http_metrics.h"
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth_limit.h"
#include "auth/auth_pool.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Bytes of request bodies held by all requests together. */
struct http_budget {
	atomic_size_t used;
	size_t max;
};

/* A body sent with a page request is read (not kept) up to this, then cut. */
#define STATIC_MAX_BODY ((size_t)64 << 10)

/* A 503 for want of budget asks the client to come back after this. */
#define BUDGET_RETRY_AFTER_S 2

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_budget budget;
	struct http_deadlines *deadlines;
	struct http_services svc;
	struct http_config cfg;
	char web_root[PATH_MAX];     /* cfg.web_root's real path */
	unsigned port;
	pthread_mutex_t log_lock;    /* on_mhd_log's: */
	char log_last[512];          /* the last message logged, */
	int64_t log_last_ms;         /* when, */
	unsigned log_left_out;       /* and how many since were left out */
	struct access_log *access;   /* which requests get a line; summaries */
};

/* One request in flight: the handler context plus what the log line needs. */
struct request {
	struct http_ctx ctx;
	struct timespec start;
	enum err_code refusal;  /* decided while the body arrived */
	size_t discarded;       /* body bytes read and dropped since then */
	size_t max_body;        /* what the admitted route takes */
	bool is_static;
	bool answered;
	char path[256];
	char method[16];
};

void http_config_defaults(struct http_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = "127.0.0.1:8080";
	c->max_body = 64u << 20;
	c->max_header = 32u << 10;
	c->max_connections = 1000;
	c->timeout_s = 60;
	c->max_buffered = (size_t)256 << 20;
	c->max_batch_points = 1000000;
	c->max_per_address = 64;
	c->header_timeout_s = 10;
	c->session_ttl_ms = 12 * MS_PER_HOUR;
	c->login_threads = 2;
	c->login_queue = 8;
}

unsigned http_status_of(enum err_code code)
{
	switch (code) {
	case ERR_OK: return MHD_HTTP_OK;
	case ERR_INVALID: return MHD_HTTP_BAD_REQUEST;
	case ERR_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
	case ERR_EXISTS: return MHD_HTTP_CONFLICT;
	case ERR_UNAUTHORIZED: return MHD_HTTP_UNAUTHORIZED;
	case ERR_FORBIDDEN: return MHD_HTTP_FORBIDDEN;
	case ERR_TOO_LARGE: return MHD_HTTP_CONTENT_TOO_LARGE;
	case ERR_UNSUPPORTED: return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	case ERR_FULL: return MHD_HTTP_INSUFFICIENT_STORAGE;
	case ERR_UNAVAILABLE: return MHD_HTTP_SERVICE_UNAVAILABLE;
	case ERR_TIMEOUT: return MHD_HTTP_GATEWAY_TIMEOUT;
	case ERR_LIMITED: return MHD_HTTP_TOO_MANY_REQUESTS;
	default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

void http__common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1e3 +
	       (now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * The JSON error body of DESIGN.md: {"error":{"code":..,"message":..}};
 * on InfluxDB 1.x's routes, its own {"error":"message"}.
 */
static void error_body(struct http_ctx *c)
{
	if (c->err.code == ERR_OK)
		err_set(&c->err, ERR_INTERNAL, "internal error");
	c->status = http_status_of(c->err.code);
	buf_reset(&c->out);
	c->content_type = "application/json";
	if (c->influx_errors) {
		buf_puts(&c->out, "{\"error\":");
		buf_json_string(&c->out, c->err.msg);
		buf_puts(&c->out, "}\n");
		return;
	}
	buf_puts(&c->out, "{\"error\":{\"code\":");
	buf_json_string(&c->out, err_code_name(c->err.code));
	buf_puts(&c->out, ",\"message\":");
	buf_json_string(&c->out, c->err.msg);
	buf_puts(&c->out, "}}");
	c->content_type = "application/json";
}

static enum MHD_Result send_answer(struct MHD_Connection *conn,
				   struct request *r)
{
	struct http_ctx *c = &r->ctx;
	struct MHD_Response *resp;
	size_t len = c->out.len;
	enum MHD_Result ok;

	/* the stream outlives the request: it gets its own context */
	if (c->stream.read)
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
							 16 * 1024, c->stream.read,
							 c->stream.cls,
							 c->stream.done);
	else
		resp = MHD_create_response_from_buffer(len, buf_steal(&c->out),
						       MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	http__common_headers(resp);
	if (c->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					c->content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				c->cache_control ? c->cache_control : "no-store");
	if (c->set_cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE,
					c->set_cookie);
	if (c->stream.read) /* when a stream ends, so does its connection */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (c->retry_after_s) {
		char secs[16];

		snprintf(secs, sizeof(secs), "%u", c->retry_after_s);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
					secs);
	}
	if (c->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					c->influx_errors ? "Basic realm=\"InfluxDB\""
							 : "Bearer realm=\"oasis\"");
	ok = MHD_queue_response(conn, c->status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	return ok;
}

static enum MHD_Result answer_error(struct MHD_Connection *conn,
				    struct request *r, enum err_code code,
				    const char *msg)
{
	err_set(&r->ctx.err, code, "%s", msg);
	error_body(&r->ctx);
	return send_answer(conn, r);
}

static enum MHD_Result serve_static(struct http_server *s,
				    struct MHD_Connection *conn,
				    struct request *r)
{
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_NOT_FOUND;
	enum MHD_Result ok;

	resp = s->cfg.web_root
		? http__static_response(s->cfg.web_root, r->path, &status) : NULL;
	if (!resp)
		return answer_error(conn, r, ERR_NOT_FOUND, "no such page");
	ok = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	r->ctx.status = status;
	r->answered = true;
	return ok;
}

static struct request *request_new(struct http_server *s,
				   struct MHD_Connection *conn,
				   const char *url, const char *method)
{
	struct request *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	snprintf(r->path, sizeof(r->path), "%s", url);
	snprintf(r->method, sizeof(r->method), "%s", method);
	r->ctx.conn = conn;
	r->ctx.svc = &s->svc;
	r->ctx.db = s->svc.db;
	r->ctx.cfg = &s->cfg;
	r->ctx.method = r->method;
	r->ctx.path = r->path;
	r->ctx.status = MHD_HTTP_OK;
	r->ctx.budget = &s->budget;
	r->max_body = s->cfg.max_body;
	return r;
}

bool http__budget_take(struct http_ctx *c, size_t n)
{
	struct http_budget *b = c->budget;
	size_t used = atomic_load(&b->used);

	do {
		if (n > b->max || used > b->max - n) {
			c->retry_after_s = BUDGET_RETRY_AFTER_S;
			return false;
		}
	} while (!atomic_compare_exchange_weak(&b->used, &used, used + n));
	c->budgeted += n;
	return true;
}

void http__budget_give(struct http_ctx *c, size_t n)
{
	if (n > c->budgeted)
		n = c->budgeted;
	if (n)
		atomic_fetch_sub(&c->budget->used, n);
	c->budgeted -= n;
}

static void budget_return(struct http_ctx *c)
{
	http__budget_give(c, c->budgeted);
}

/* The announced body length; false when none (chunked) or unreadable. */
static bool content_length(struct MHD_Connection *conn, uint64_t *out)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;

	if (!cl)
		return false;
	*out = strtoull(cl, &end, 10);
	return end != cl;
}

static bool is_static_request(const struct request *r)
{
	return strncmp(r->path, "/api/", 5) != 0 &&
	       !http_route_known(r->path) &&
	       (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"));
}

static enum MHD_Result answer_too_large(struct MHD_Connection *conn,
					struct request *r)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "request body larger than the limit of %zu "
		 "bytes", r->max_body);
	return answer_error(conn, r, ERR_TOO_LARGE, msg);
}

static enum MHD_Result answer_busy(struct MHD_Connection *conn,
				   struct request *r)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "the server holds its limit of %zu bytes of "
		 "request bodies (--max-buffered); retry shortly",
		 r->ctx.budget->max);
	r->ctx.retry_after_s = BUDGET_RETRY_AFTER_S;
	return answer_error(conn, r, ERR_UNAVAILABLE, msg);
}

/*
 * The first call, headers in and no body read: admit the request, or
 * answer it at once (libmicrohttpd then skips the body and closes).
 */
static enum MHD_Result on_headers(struct http_server *s,
				  struct MHD_Connection *conn,
				  struct request *r)
{
	uint64_t announced;

	http__deadlines_set(s->deadlines, conn, true);
	if ((r->is_static = is_static_request(r))) {
		r->max_body = STATIC_MAX_BODY;
		return MHD_YES;
	}
	if (http_admit(&r->ctx)) {
		error_body(&r->ctx);
		return send_answer(conn, r);
	}
	r->max_body = http_admitted_max_body(&r->ctx);
	if (!content_length(conn, &announced) || announced == 0)
		return MHD_YES;
	if (announced > r->max_body)
		return answer_too_large(conn, r);
	if (!http__budget_take(&r->ctx, (size_t)announced + 1)) /* + NUL */
		return answer_busy(conn, r);
	if (!buf_reserve(&r->ctx.body, (size_t)announced))
		return answer_error(conn, r, ERR_NOMEM, "out of memory");
	return MHD_YES;
}

/*
 * A piece of body: kept, or (once refused) read and dropped until the
 * end so that the client gets its answer.  MHD_NO cuts off a body that
 * goes on for more than another limit's worth past the refusal.
 */
static enum MHD_Result on_body(struct request *r, const char *data,
			       size_t n)
{
	struct http_ctx *c = &r->ctx;

	if (r->is_static && r->refusal == ERR_OK)
		r->refusal = ERR_INVALID; /* static files take no body */
	if (r->refusal == ERR_OK) {
		if (n > r->max_body - c->body.len)
			r->refusal = ERR_TOO_LARGE;
		else if (c->body.len + n + 1 > c->budgeted && /* + NUL */
			 !http__budget_take(c, c->body.len + n + 1 -
					    c->budgeted))
			r->refusal = ERR_UNAVAILABLE;
		else
			buf_append(&c->body, data, n);
		if (r->refusal == ERR_OK)
			return MHD_YES;
		buf_free(&c->body);
		budget_return(c);
	}
	r->discarded += n;
	return r->discarded > r->max_body ? MHD_NO : MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct http_server *s = cls;
	struct request *r = *req_cls;
	size_t n = *upload_size;

	(void)version;
	if (!r) {
		if (!(r = request_new(s, conn, url, method)))
			return MHD_NO;
		*req_cls = r;
		return on_headers(s, conn, r);
	}
	*upload_size = 0;
	if (r->answered)
		return MHD_YES;
	if (n)
		return on_body(r, upload, n);
	if (r->refusal == ERR_TOO_LARGE)
		return answer_too_large(conn, r);
	if (r->refusal == ERR_UNAVAILABLE)
		return answer_busy(conn, r);
	if (r->refusal == ERR_INVALID)
		return answer_error(conn, r, ERR_INVALID, "a page is read with "
				    "no request body");
	if (buf_failed(&r->ctx.body))
		return answer_error(conn, r, ERR_NOMEM, "out of memory");
	if (r->is_static)
		return serve_static(s, conn, r);
	r->ctx.suspended = false;
	http_dispatch(&r->ctx);
	if (r->ctx.suspended && r->ctx.err.code == ERR_OK)
		return MHD_YES; /* the answer comes when it is resumed */
	if (r->ctx.err.code != ERR_OK)
		error_body(&r->ctx);
	if (buf_failed(&r->ctx.out))
		return answer_error(conn, r, ERR_NOMEM, "out of memory");
	return send_answer(conn, r);
}

/* The request's line if the access log gives it one, and the summary of
 * the last interval once it has passed. */
static void log_request(struct http_server *s, const struct request *r,
			bool ended_early)
{
	char line[2048];
	enum log_level level;
	int64_t now = time_now_ms();

	http_metrics_observe(elapsed_ms(&r->start));
	if (access_log_record(s->access, r->method, r->path, r->ctx.status,
			      elapsed_ms(&r->start), ended_early, now, &level,
			      line, sizeof(line)))
		log_msg(level, "%s", line);
	if (access_log_summary(s->access, now, false, line, sizeof(line)))
		log_info("%s", line);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode why)
{
	struct http_server *s = cls;
	struct request *r = *req_cls;

	if (!r)
		return;
	http__deadlines_set(s->deadlines, conn, false);
	log_request(s, r, why != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (r->ctx.job && r->ctx.job_free)
		r->ctx.job_free(r->ctx.job);
	buf_free(&r->ctx.body);
	buf_free(&r->ctx.inflated);
	buf_free(&r->ctx.out);
	budget_return(&r->ctx);
	free(r);
	*req_cls = NULL;
}

/*
 * Libmicrohttpd's messages, a repeated one (a connection refused at a
 * limit, by the thousand in a flood) once per MHD_LOG_EVERY_MS with how
 * many were left out.
 */
#define MHD_LOG_EVERY_MS 10000

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char line[512];
	int64_t now = time_now_ms();
	unsigned left_out = 0;

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pthread_mutex_lock(&s->log_lock);
	if (!strcmp(line, s->log_last) &&
	    now - s->log_last_ms < MHD_LOG_EVERY_MS) {
		s->log_left_out++;
		pthread_mutex_unlock(&s->log_lock);
		return;
	}
	left_out = s->log_left_out;
	s->log_left_out = 0;
	s->log_last_ms = now;
	snprintf(s->log_last, sizeof(s->log_last), "%s", line);
	pthread_mutex_unlock(&s->log_lock);
	if (left_out)
		log_warn("http: %s (and %u more like the last in %d s)", line,
			 left_out, MHD_LOG_EVERY_MS / 1000);
	else
		log_warn("http: %s", line);
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *out,
			socklen_t *len, struct err *e)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints = { 0 }, *res;
	size_t hl;
	int rc;

	if (!colon || colon == listen || !colon[1])
		return err_set(e, ERR_INVALID, "--listen '%s': expected HOST:PORT",
			       listen);
	hl = (size_t)(colon - listen);
	if (listen[0] == '[' && colon[-1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return err_set(e, ERR_INVALID, "--listen: host name too long");
	memcpy(host, listen, hl);
	host[hl] = '\0';
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc)
		return err_set(e, ERR_INVALID, "--listen '%s': %s", listen,
			       gai_strerror(rc));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return ERR_OK;
}

static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 2 ? (unsigned)n * 2 : 4;
}

/* The sign-in limits and the threads that check passwords. */
static int login_open(struct http_server *s, struct err *e)
{
	struct auth_limit_opts lo;

	auth_limit_defaults(&lo);
	if (auth_limit_open(&lo, &s->svc.login_limit, e))
		return e->code;
	if (auth_pool_open(s->cfg.login_threads ? s->cfg.login_threads : 2,
			   s->cfg.login_queue, &s->svc.login_pool, e)) {
		auth_limit_close(s->svc.login_limit);
		return e->code;
	}
	return ERR_OK;
}

static void login_close(struct http_server *s)
{
	auth_pool_close(s->svc.login_pool);
	auth_limit_close(s->svc.login_limit);
}

unsigned http_worker_threads(const struct http_config *cfg)
{
	return cfg->threads ? cfg->threads : default_threads();
}

int http_server_start(const struct http_services *svc,
		      const struct http_config *cfg, struct http_server **out,
		      struct err *e)
{
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct http_server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	const union MHD_DaemonInfo *info;

	if (parse_listen(cfg->listen, &addr, &addr_len, e))
		return e->code;
	if (!(s = calloc(1, sizeof(*s))))
		return err_nomem(e);
	s->svc = *svc;
	s->cfg = *cfg;
	s->access = access_log_new(log_get_access_mode(), ACCESS_INTERVAL_MS,
				   time_now_ms());
	if (!s->access) {
		free(s);
		return err_nomem(e);
	}
	if (!s->cfg.max_inflated)
		s->cfg.max_inflated = s->cfg.max_body > SIZE_MAX / 4
			? SIZE_MAX : s->cfg.max_body * 4;
	if (s->cfg.web_root && !realpath(s->cfg.web_root, s->web_root)) {
		log_warn("web page folder %s: cannot resolve it; no web page",
			 s->cfg.web_root);
		s->cfg.web_root = NULL;
	} else if (s->cfg.web_root) {
		s->cfg.web_root = s->web_root;
	}
	if (http__deadlines_open(cfg->header_timeout_s, cfg->timeout_s,
				 &s->deadlines, e)) {
		access_log_free(s->access);
		free(s);
		return e->code;
	}
	pthread_mutex_init(&s->log_lock, NULL);
	s->budget.max = s->cfg.max_buffered;
	atomic_init(&s->budget.used, 0);
	if (login_open(s, e)) {
		http__deadlines_close(s->deadlines);
		pthread_mutex_destroy(&s->log_lock);
		access_log_free(s->access);
		free(s);
		return e->code;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, http_worker_threads(cfg),
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_address,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
		MHD_OPTION_NOTIFY_CONNECTION, http__deadlines_notify,
		s->deadlines,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (!s->daemon) {
		login_close(s);
		http__deadlines_close(s->deadlines);
		pthread_mutex_destroy(&s->log_lock);
		access_log_free(s->access);
		free(s);
		return err_set(e, ERR_UNAVAILABLE, "cannot listen on %s (in use, "
			       "or not an address of this machine?)", cfg->listen);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return ERR_OK;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s, int64_t grace_ms)
{
	const union MHD_DaemonInfo *info;
	int64_t waited = 0;
	unsigned long cut;
	MHD_socket fd;

	if (!s)
		return;
	fd = MHD_quiesce_daemon(s->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	while (waited < grace_ms) {
		info = MHD_get_daemon_info(s->daemon,
					   MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!info || info->num_connections == 0)
			break;
		usleep(20 * 1000);
		waited += 20;
	}
	/* sign-ins in flight finish and resume their requests first */
	auth_pool_close(s->svc.login_pool);
	s->svc.login_pool = NULL;
	MHD_stop_daemon(s->daemon);
	cut = http__deadlines_close(s->deadlines);
	if (cut)
		log_info("http: %lu connections were cut for not sending a "
			 "request in time (--header-timeout, --timeout)", cut);
	pthread_mutex_destroy(&s->log_lock);
	{
		char line[2048];

		if (access_log_summary(s->access, time_now_ms(), true, line,
				       sizeof(line)))
			log_info("%s", line);
		access_log_free(s->access);
	}
	login_close(s);
	free(s);
}
