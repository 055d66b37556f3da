/*
 * GET /api/v1/stream: server-sent events (new points, alerts, commands),
 * optionally for one plot, resuming after Last-Event-ID.
 *
 * A stream waits without holding a worker thread: when it has nothing to
 * send it suspends its connection, and the event feed resumes it when
 * something is published or a heartbeat (a comment line, which also finds
 * dead clients) is due.
 *
 * A stream lasts only as long as its credential: at every heartbeat the
 * token, session or kiosk cookie that opened it is identified again, and
 * once it is revoked, expired or signed out the stream says so
 * (`event: signed-out`) and ends.
 */
#include "http/routes.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "util/events.h"

struct sse {
	struct events *events;
	struct MHD_Connection *conn;
	struct events_reader reader;
	struct buf pending;          /* formatted, not yet handed to MHD */
	size_t sent;
	bool started;
	bool ending;                 /* signed out: end once pending is sent */
	struct db *db;
	struct http_credential cred; /* what opened the stream */
};

static void sse_wake(void *cls)
{
	struct sse *s = cls;

	MHD_resume_connection(s->conn);
}

static void sse_release(void *cls)
{
	struct sse *s = cls;

	buf_free(&s->pending);
	sodium_memzero(&s->cred, sizeof(s->cred));
	free(s);
}

static void sse_done(void *cls)
{
	struct sse *s = cls;

	events_detach(s->events, &s->reader);
}

static ssize_t sse_copy(struct sse *s, char *buf, size_t max)
{
	size_t n = s->pending.len - s->sent;

	if (n > max)
		n = max;
	memcpy(buf, s->pending.data + s->sent, n);
	s->sent += n;
	return (ssize_t)n;
}

/*
 * Is the credential still good?  Checked once a heartbeat; a store that
 * fails to answer (busy, down) signs no one out: the next check decides.
 */
static bool credential_lapsed(struct sse *s, struct err *e)
{
	struct auth_identity who;
	int rc;

	if (!events_heartbeat_passed(s->events, &s->reader))
		return false;
	rc = http_credential_identify(s->db, &s->cred, &who, e);
	if (rc == ERR_UNAUTHORIZED || rc == ERR_NOT_FOUND)
		return true;
	if (!rc && !auth_role_allows(who.role, ROLE_VIEWER)) {
		err_set(e, ERR_FORBIDDEN, "the credential no longer allows "
			"reading the stream");
		return true;
	}
	return false;
}

/* The last event of a stream whose credential lapsed. */
static void put_signed_out(struct sse *s, const struct err *e)
{
	buf_puts(&s->pending, "event: signed-out\ndata: {\"reason\":");
	buf_json_string(&s->pending, e->msg);
	buf_puts(&s->pending, "}\n\n");
	s->ending = true;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *s = cls;
	struct err e = { 0 };
	int rc;

	(void)pos;
	if (s->sent < s->pending.len)
		return sse_copy(s, buf, max);
	buf_reset(&s->pending);
	s->sent = 0;
	if (s->ending)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (!s->started) {
		/* how long EventSource waits before it reconnects */
		buf_puts(&s->pending, "retry: 3000\n\n");
		s->started = true;
	}
	if (credential_lapsed(s, &e)) {
		put_signed_out(s, &e);
		return buf_failed(&s->pending) ?
			MHD_CONTENT_READER_END_WITH_ERROR :
			sse_copy(s, buf, max);
	}
	rc = events_read(s->events, &s->reader, &s->pending, max);
	if (rc < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (buf_failed(&s->pending))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (s->pending.len)
		return sse_copy(s, buf, max);
	MHD_suspend_connection(s->conn);
	return 0;
}

int route_stream(struct http_ctx *c)
{
	const char *plot = http_query(c, "plot");
	const char *last = http_header(c, "Last-Event-ID");
	struct sse *s;

	if (!c->svc->events)
		return err_set(&c->err, ERR_UNAVAILABLE, "the event stream is off");
	if (!last)
		last = http_query(c, "last_event_id");
	if (plot && strlen(plot) >= sizeof(s->reader.plot))
		return err_set(&c->err, ERR_INVALID, "parameter 'plot' too long");
	if (!(s = calloc(1, sizeof(*s))))
		return err_nomem(&c->err);
	if (http_credential_get(c, false, &s->cred)) {
		free(s);
		return c->err.code;
	}
	s->events = c->svc->events;
	s->conn = c->conn;
	s->db = c->db;
	if (last) {
		bool foreign;

		s->reader.last_id = events_parse_id(c->svc->events, last,
						    &foreign);
		s->reader.resync_due = foreign;
	} else {
		s->reader.last_id = events_last_id(c->svc->events);
	}
	snprintf(s->reader.plot, sizeof(s->reader.plot), "%s", plot ? plot : "");
	s->reader.wake = sse_wake;
	s->reader.release = sse_release;
	s->reader.ctx = s;
	events_attach(c->svc->events, &s->reader);
	c->stream.read = sse_read;
	c->stream.done = sse_done;
	c->stream.cls = s;
	c->content_type = "text/event-stream";
	c->status = MHD_HTTP_OK;
	return ERR_OK;
}
