/* What handlers use to read the request and write the answer. */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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
	*out = ms >= 0 ? ms / MS_PER_DAY : (ms - MS_PER_DAY + 1) / MS_PER_DAY;
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

/* Inflate a gzip body into c->inflated, refusing more than limit bytes. */
static int inflate_body(struct http_ctx *c, size_t limit)
{
	z_stream z = { 0 };
	unsigned char chunk[65536];
	int zrc;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_nomem(&c->err);
	z.next_in = (unsigned char *)c->body.data;
	z.avail_in = (uInt)c->body.len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zrc = inflate(&z, Z_NO_FLUSH);
		if (zrc != Z_OK && zrc != Z_STREAM_END) {
			inflateEnd(&z);
			return err_set(&c->err, ERR_INVALID, "the body is not valid "
				       "gzip (Content-Encoding: gzip): %s",
				       z.msg ? z.msg : "corrupt data");
		}
		buf_append(&c->inflated, chunk, sizeof(chunk) - z.avail_out);
		if (c->inflated.len > limit) {
			inflateEnd(&z);
			return err_set(&c->err, ERR_TOO_LARGE, "the body inflates "
				       "to more than %zu bytes", limit);
		}
		if (zrc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			inflateEnd(&z);
			return err_set(&c->err, ERR_INVALID, "the gzip body is "
				       "truncated");
		}
	} while (zrc != Z_STREAM_END);
	inflateEnd(&z);
	return buf_failed(&c->inflated) ? err_nomem(&c->err) : ERR_OK;
}

int http_body_bytes(struct http_ctx *c, const char **data, size_t *len)
{
	const char *enc = http_header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);
	int rc;

	if (!enc || !strcasecmp(enc, "identity")) {
		*data = c->body.data ? c->body.data : "";
		*len = c->body.len;
		return ERR_OK;
	}
	if (strcasecmp(enc, "gzip"))
		return err_set(&c->err, ERR_UNSUPPORTED, "Content-Encoding '%s' is "
			       "not supported (use gzip or none)", enc);
	if (!c->inflated.len && c->body.len &&
	    (rc = inflate_body(c, c->cfg->max_body * 8)))
		return rc;
	*data = c->inflated.data ? c->inflated.data : "";
	*len = c->inflated.len;
	return ERR_OK;
}
