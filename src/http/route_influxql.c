/*
 * GET|POST /query and /api/v1/influx/query: InfluxQL as InfluxDB 1.x
 * answers it (influxql/).  Parameters come in the query string or, for a
 * POST, as a form body (q=...&db=...), as Grafana and influxdb-python send
 * them: q, db, epoch, chunked, chunk_size; u and p (the token) are read by
 * the dispatch.  A device token may send CREATE DATABASE only.
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "influxql/influxql.h"
#include "util/timeutil.h"

#define IQ_DEFAULT_CHUNK 10000

/*
 * The value of key in a form-encoded body, unescaped into out (NULL when
 * absent or too long).
 */
static const char *form_value(const struct buf *body, const char *key,
			      char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = body->data, *end = body->data + body->len;

	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;

		if ((size_t)(stop - p) > klen && !strncmp(p, key, klen) &&
		    p[klen] == '=') {
			size_t n = (size_t)(stop - p) - klen - 1;

			if (n >= size)
				return NULL;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			for (char *c = out; *c; c++)
				if (*c == '+')
					*c = ' ';
			MHD_http_unescape(out);
			return out;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

struct iq_params {
	const char *q, *db, *epoch, *chunked, *chunk_size;
	char *form;                /* the unescaped body values, one block */
};

static bool is_form(struct http_ctx *c)
{
	const char *ct = http_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);

	return c->body.len && (!ct || !strncasecmp(ct,
		"application/x-www-form-urlencoded", 33));
}

static int read_params(struct http_ctx *c, struct iq_params *p)
{
	static const char *const keys[] = { "q", "db", "epoch", "chunked",
					    "chunk_size" };
	const char **dst[] = { &p->q, &p->db, &p->epoch, &p->chunked,
			       &p->chunk_size };
	size_t size = c->body.len + 1, used = 0;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < 5; i++)
		*dst[i] = http_query(c, keys[i]);
	if (!is_form(c))
		return ERR_OK;
	if (!(p->form = malloc(size * 5)))
		return err_nomem(&c->err);
	for (size_t i = 0; i < 5; i++) {
		const char *v = form_value(&c->body, keys[i], p->form + used, size);

		if (v) {
			*dst[i] = v;
			used += strlen(v) + 1;
		}
	}
	return ERR_OK;
}

static void influx_error(struct http_ctx *c, unsigned status, const char *msg)
{
	buf_reset(&c->out);
	buf_puts(&c->out, "{\"error\":");
	buf_json_string(&c->out, msg);
	buf_puts(&c->out, "}\n");
	c->status = status;
	c->content_type = "application/json";
}

int route_influxql(struct http_ctx *c)
{
	struct iq_params p;
	struct iq_env env = { 0 };
	unsigned status;
	int rc;

	if ((rc = read_params(c, &p)))
		return rc;
	c->content_type = "application/json";
	if (!p.q || !p.q[0]) {
		influx_error(c, MHD_HTTP_BAD_REQUEST,
			     "missing required parameter \"q\"");
		goto out_free;
	}
	env.db = c->db;
	env.ingest = c->svc->ingest;
	env.ts = c->svc->ts;
	env.now_ms = time_now_ms();
	env.database = p.db;
	env.may_read = c->who.role != ROLE_DEVICE;
	env.who = c->who.name;
	if (p.epoch && !iq_epoch_parse(p.epoch, &env.epoch))
		env.epoch = IQ_EPOCH_NS; /* influxd: an unknown unit is ns */
	if (p.chunked && !strcmp(p.chunked, "true")) {
		long n = p.chunk_size ? strtol(p.chunk_size, NULL, 10) : 0;

		env.chunk_size = n > 0 ? (size_t)n : IQ_DEFAULT_CHUNK;
	}
	rc = iq_execute(&env, p.q, &c->out, &status, &c->err);
	if (!rc)
		c->status = status;
out_free:
	free(p.form);
	return rc;
}
