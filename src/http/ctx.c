/* What handlers use to read the request and write the answer. */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

const char *http_query(struct http_ctx *c, const char *key)
{
	return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(struct http_ctx *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_ctx *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, name);
}

int http_reply_json(struct http_ctx *c, unsigned status, json_t *v)
{
	char *text;

	if (!v)
		return err_nomem(&c->err);
	text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
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
