/* What handlers use to read the request and write the answer. */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "util/timeutil.h"

const char *http_query(struct http_ctx *c, const char *key)
{
	return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
}

int http_query_day(struct http_ctx *c, const char *key, int64_t fallback,
		   int64_t *out)
{
	const char *v = http_query(c, key);
	int64_t ms;

	*out = fallback;
	if (!v)
		return ERR_OK;
	if (time_parse(v, time_now_ms(), &ms, &c->err))
		return err_prefix(&c->err, "parameter '%s'", key);
	*out = time_floor_div(ms, MS_PER_DAY);
	return ERR_OK;
}

const char *http_header(struct http_ctx *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_ctx *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, name);
}

void http_client_address(struct http_ctx *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	out[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)size);
}

void http_suspend(struct http_ctx *c)
{
	c->suspended = true;
	MHD_suspend_connection(c->conn);
}

void http_resume(void *conn)
{
	MHD_resume_connection(conn);
}

int http_reply_json(struct http_ctx *c, unsigned status, json_t *v)
{
	char *text;

	if (!v)
		return err_nomem(&c->err);
	text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(v);
	if (!text)
		return err_nomem(&c->err);
	buf_reset(&c->out);
	buf_puts(&c->out, text);
	free(text);
	c->status = status;
	c->content_type = "application/json";
	return ERR_OK;
}

int http_reply_empty(struct http_ctx *c, unsigned status)
{
	buf_reset(&c->out);
	c->status = status;
	c->content_type = NULL;
	return ERR_OK;
}

int http_body_json(struct http_ctx *c, json_t **out)
{
	json_error_t je;

	if (c->body.len == 0)
		return err_set(&c->err, ERR_INVALID, "the request has no body "
			       "(expected JSON)");
	*out = json_loadb(c->body.data, c->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!*out)
		return err_set(&c->err, ERR_INVALID, "malformed JSON at line %d, "
			       "column %d: %s", je.line, je.column, je.text);
	return ERR_OK;
}

/* Bytes zlib hands back at a time, and what the budget is charged by. */
#define INFLATE_CHUNK ((size_t)64 << 10)
/* What http_body_lines holds inflated before handing it over. */
#define INFLATE_PIECE ((size_t)1 << 20)

static int inflate_refused(struct http_ctx *c, int code, const char *what)
{
	buf_free(&c->inflated);
	return err_set(&c->err, code, "the gzip body (Content-Encoding: gzip) "
		       "%s", what);
}

/* One step of inflate into room bytes held against the budget. */
static int inflate_step(struct http_ctx *c, z_stream *z, size_t room, int *zrc)
{
	if (!http__budget_take(c, room))
		return inflate_refused(c, ERR_UNAVAILABLE, "does not fit in "
				       "the memory the server holds for "
				       "bodies now (--max-buffered); retry "
				       "shortly");
	if (!buf_reserve(&c->inflated, room))
		return inflate_refused(c, ERR_NOMEM, "is too large for the "
				       "memory left");
	z->next_out = (unsigned char *)c->inflated.data + c->inflated.len;
	z->avail_out = (uInt)room;
	*zrc = inflate(z, Z_NO_FLUSH);
	c->inflated.len += room - z->avail_out;
	c->inflated.data[c->inflated.len] = '\0';
	http__budget_give(c, z->avail_out);
	return ERR_OK;
}

/*
 * Hand the lines of c->inflated that are complete (all of it when all) to
 * the sink and keep the rest; a line longer than the buffer stays and the
 * buffer grows.  The bytes handed over are given back to the budget.
 */
static int hand_lines(struct http_ctx *c, const struct http_body_sink *k,
		      bool all)
{
	struct buf *b = &c->inflated;
	const char *nl;
	size_t n = b->len;
	int rc;

	if (!all) {
		nl = b->len ? memrchr(b->data, '\n', b->len) : NULL;
		if (!nl)
			return ERR_OK;
		n = (size_t)(nl - b->data) + 1;
	}
	if ((rc = k->take(k->cls, b->data ? b->data : "", n, &c->err)))
		return rc;
	if (n) {
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
		b->data[b->len] = '\0';
		http__budget_give(c, n);
	}
	return ERR_OK;
}

/* The end of a member: go on to the next, stop, or refuse what follows. */
static int member_end(struct http_ctx *c, z_stream *z, bool *done)
{
	*done = z->avail_in == 0;
	if (*done)
		return ERR_OK;
	if (z->avail_in < 2 || z->next_in[0] != 0x1f || z->next_in[1] != 0x8b)
		return inflate_refused(c, ERR_INVALID, "has bytes after its "
				       "end");
	inflateReset(z);
	return ERR_OK;
}

/*
 * Inflate a gzip body, a chunk at a time, refusing more than limit bytes
 * in all.  Members follow one another as gzip(1) reads them; anything
 * after the last member that is not a member is refused.  Without a sink
 * the whole text collects in c->inflated; with one, c->inflated holds a
 * piece of about INFLATE_PIECE bytes, handed over at line ends.
 */
static int inflate_body(struct http_ctx *c, size_t limit,
			const struct http_body_sink *k)
{
	z_stream z = { 0 };
	char what[96];
	size_t room, total = 0, before;
	bool done = false;
	int zrc = Z_OK, rc = ERR_OK;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_nomem(&c->err);
	z.next_in = (unsigned char *)c->body.data;
	z.avail_in = (uInt)c->body.len;
	while (!done) {
		/* up to one byte past the limit: that byte refuses the body */
		room = limit + 1 - total;
		if (room > INFLATE_CHUNK)
			room = INFLATE_CHUNK;
		before = c->inflated.len;
		if ((rc = inflate_step(c, &z, room, &zrc)))
			break;
		total += c->inflated.len - before;
		if (total > limit) {
			snprintf(what, sizeof(what), "inflates to more than the "
				 "limit of %zu bytes (--max-inflated)", limit);
			rc = inflate_refused(c, ERR_TOO_LARGE, what);
		} else if (zrc == Z_STREAM_END)
			rc = member_end(c, &z, &done);
		else if (zrc == Z_BUF_ERROR && z.avail_in == 0)
			rc = inflate_refused(c, ERR_INVALID,
					     "is truncated");
		else if (zrc != Z_OK && zrc != Z_BUF_ERROR)
			rc = inflate_refused(c, ERR_INVALID, z.msg ? z.msg
					     : "is not valid gzip");
		if (!rc && k && (done || c->inflated.len >= INFLATE_PIECE))
			rc = hand_lines(c, k, done);
		if (rc)
			break;
	}
	inflateEnd(&z);
	return rc;
}

/* The Content-Encoding: gzip (true), none (false), or refused. */
static int body_gzipped(struct http_ctx *c, bool *gzipped)
{
	const char *enc = http_header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);

	*gzipped = enc && strcasecmp(enc, "identity");
	if (*gzipped && strcasecmp(enc, "gzip"))
		return err_set(&c->err, ERR_UNSUPPORTED, "Content-Encoding '%s' is "
			       "not supported (use gzip or none)", enc);
	return ERR_OK;
}

int http_body_lines(struct http_ctx *c, const struct http_body_sink *k)
{
	bool gzipped;
	int rc;

	if ((rc = body_gzipped(c, &gzipped)))
		return rc;
	if (!gzipped)
		return k->take(k->cls, c->body.data ? c->body.data : "",
			       c->body.len, &c->err);
	if (!c->body.len)
		return k->take(k->cls, "", 0, &c->err);
	return inflate_body(c, c->cfg->max_inflated, k);
}

int http_body_bytes(struct http_ctx *c, const char **data, size_t *len)
{
	bool gzipped;
	int rc;

	if ((rc = body_gzipped(c, &gzipped)))
		return rc;
	if (!gzipped) {
		*data = c->body.data ? c->body.data : "";
		*len = c->body.len;
		return ERR_OK;
	}
	if (!c->inflated.len && c->body.len &&
	    (rc = inflate_body(c, c->cfg->max_inflated, NULL)))
		return rc;
	*data = c->inflated.data ? c->inflated.data : "";
	*len = c->inflated.len;
	return ERR_OK;
}
