/*
 * Writing points: line protocol (ours and where InfluxDB 1.x and 2.x
 * clients write, unmodified) and telemetry JSON.  A write answers 204 once
 * its points are durable.
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <string.h>

#include "ingest/batch.h"
#include "ingest/ingest.h"
#include "util/timeutil.h"

static int write_batch(struct http_ctx *c, struct ingest_batch *b)
{
	struct ingest_opts o = { .who = &c->who, .now_ms = time_now_ms() };
	struct ingest_summary s;

	if (ingest_write(c->svc->ingest, c->svc->ts, b, &o, &s, &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}

/* Line protocol arriving in pieces of whole lines (a gzip body). */
struct lp_pieces {
	struct ingest_batch *b;
	enum ingest_precision prec;
	int64_t now_ms;
};

static int take_lp(void *cls, const char *text, size_t len, struct err *e)
{
	struct lp_pieces *p = cls;
	const char *nl = text, *end = text + len;
	int rc = ingest_lp_parse(text, len, p->prec, p->now_ms, p->b, e);

	/* the next piece's lines are numbered on from this one's */
	while ((nl = memchr(nl, '\n', (size_t)(end - nl)))) {
		p->b->line_base++;
		nl++;
	}
	return rc;
}

int route_write_lp(struct http_ctx *c)
{
	struct ingest_batch b;
	struct lp_pieces pieces = { .b = &b, .now_ms = time_now_ms() };
	struct http_body_sink sink = { take_lp, &pieces };
	int rc;

	if (ingest_precision_parse(http_query(c, "precision"), &pieces.prec,
				   &c->err))
		return err_prefix(&c->err, "parameter 'precision'");
	ingest_batch_init(&b);
	b.max_points = c->cfg->max_batch_points;
	rc = http_body_lines(c, &sink);
	if (!rc)
		rc = write_batch(c, &b);
	ingest_batch_free(&b);
	return rc;
}

int route_telemetry(struct http_ctx *c)
{
	struct ingest_batch b;
	const char *text;
	size_t len;
	int rc;

	if ((rc = http_body_bytes(c, &text, &len)))
		return rc;
	ingest_batch_init(&b);
	b.max_points = c->cfg->max_batch_points;
	/* a device's token names its device: "device" may be left out */
	if (c->who.role == ROLE_DEVICE)
		rc = ingest_json_parse_owned(text, len, c->who.device,
					     time_now_ms(), &b, &c->err);
	else
		rc = ingest_json_parse(text, len, NULL, time_now_ms(), &b,
				       &c->err);
	if (!rc)
		rc = write_batch(c, &b);
	ingest_batch_free(&b);
	return rc;
}

/* GET /ping: what InfluxDB clients and Telegraf call to see a server. */
int route_influx_ping(struct http_ctx *c)
{
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}
