/*
 * Machinery and cameras: NMEA positions, equipment, machines and their
 * tracks, a plot's operations and cameras, camera snapshots.
 */
#include "http/routes.h"

#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "fleet/fleet.h"
#include "util/timeutil.h"
#include "util/url.h"

int route_nmea(struct http_ctx *c)
{
	struct fleet_nmea_summary s;
	const char *text;
	size_t len;
	int rc;

	if ((rc = http_body_bytes(c, &text, &len)))
		return rc;
	if ((rc = fleet_nmea_write(c->svc->fleet, c->params[0], text, len,
				   &c->who, time_now_ms(), &s, &c->err)))
		return rc;
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{sI sI sI sI}",
		"sentences", (json_int_t)s.sentences,
		"skipped", (json_int_t)s.skipped, "fixes", (json_int_t)s.fixes,
		"points", (json_int_t)s.points));
}

static int text_member(struct http_ctx *c, json_t *body, const char *key,
		       char *dst, size_t size)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return ERR_OK;
	if (!json_is_string(v) || strlen(json_string_value(v)) >= size)
		return err_set(&c->err, ERR_INVALID, "field '%s': expected a "
			       "string of at most %zu characters", key, size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int equipment_of(struct http_ctx *c, json_t *body, struct db_equipment *q)
{
	const char *key;
	json_t *v, *swath;

	json_object_foreach(body, key, v)
		if (strcmp(key, "implement") && strcmp(key, "swath_m") &&
		    strcmp(key, "stream_url"))
			return err_set(&c->err, ERR_INVALID, "unknown field '%s' "
				       "(implement, swath_m, stream_url)", key);
	swath = json_object_get(body, "swath_m");
	q->swath_m = NAN;
	if (swath && !json_is_null(swath)) {
		if (!json_is_number(swath))
			return err_set(&c->err, ERR_INVALID, "field 'swath_m': "
				       "expected a number of metres");
		q->swath_m = json_number_value(swath);
	}
	if (text_member(c, body, "implement", q->implement, sizeof(q->implement)) ||
	    text_member(c, body, "stream_url", q->stream_url, sizeof(q->stream_url)))
		return c->err.code;
	return ERR_OK;
}

int route_equipment_set(struct http_ctx *c)
{
	struct db_equipment q = { 0 };
	char url[DB_URL_MAX];
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	if (!json_is_object(body))
		rc = err_set(&c->err, ERR_INVALID, "expected a JSON object");
	else
		rc = equipment_of(c, body, &q);
	json_decref(body);
	if (rc)
		return rc;
	snprintf(q.device, sizeof(q.device), "%s", c->params[0]);
	q.updated_ms = time_now_ms();
	if ((rc = fleet_equipment_set(c->svc->fleet, &q, &c->err)))
		return rc;
	url_redact(q.stream_url, url, sizeof(url)); /* the password stays in */
	return http_reply_json(c, MHD_HTTP_OK, json_pack("{ss s:s? s:o s:s?}",
		"device", q.device, "implement", q.implement[0] ? q.implement : NULL,
		"swath_m", isfinite(q.swath_m) ? json_real(q.swath_m) : json_null(),
		"stream_url", q.stream_url[0] ? url : NULL));
}

/* Answer with *v once the service call (its rc) has filled it. */
static int reply(struct http_ctx *c, int rc, json_t **v)
{
	return rc ? rc : http_reply_json(c, MHD_HTTP_OK, *v);
}

int route_machines(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, fleet_machines(c->svc->fleet, &v, &c->err), &v);
}

/* A window of at most a day: from=T[&to=T] (a trail: from=-1h). */
static int track_window(struct http_ctx *c, int64_t *from, int64_t *to)
{
	const char *f = http_query(c, "from"), *t = http_query(c, "to");
	int64_t now = time_now_ms();

	if (t && time_parse(t, now, to, &c->err))
		return err_prefix(&c->err, "parameter 'to'");
	if (!t)
		*to = now + 1;
	if (time_parse(f, now, from, &c->err))
		return err_prefix(&c->err, "parameter 'from'");
	if (*to <= *from || *to - *from > MS_PER_DAY)
		return err_set(&c->err, ERR_INVALID, "parameters 'from' and "
			       "'to': a window of at most a day, 'to' after "
			       "'from' (a trail: from=-1h)");
	return ERR_OK;
}

int route_machine_track(struct http_ctx *c)
{
	int64_t day, from, to;
	json_t *v = NULL;

	if (http_query(c, "from")) {
		if (http_query(c, "date"))
			return err_set(&c->err, ERR_INVALID, "give 'date' or "
				       "'from', not both");
		if (track_window(c, &from, &to))
			return c->err.code;
	} else {
		if (http_query_day(c, "date", time_now_ms() / MS_PER_DAY, &day))
			return c->err.code;
		from = day * MS_PER_DAY;
		to = (day + 1) * MS_PER_DAY;
	}
	return reply(c, fleet_track(c->svc->fleet, c->params[0], from, to, &v,
				    &c->err), &v);
}

int route_plot_operations(struct http_ctx *c)
{
	int64_t today = time_now_ms() / MS_PER_DAY, from, to;
	json_t *v = NULL;

	if (http_query_day(c, "to", today, &to) || http_query_day(c, "from", to - 29, &from))
		return c->err.code;
	if (to < from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	return reply(c, fleet_plot_operations(c->svc->fleet, c->params[0],
					      from * MS_PER_DAY,
					      (to + 1) * MS_PER_DAY, &v, &c->err), &v);
}

int route_operations(struct http_ctx *c)
{
	int64_t today = time_now_ms() / MS_PER_DAY, from, to;
	json_t *v = NULL;

	if (http_query_day(c, "to", today, &to) ||
	    http_query_day(c, "from", to, &from))
		return c->err.code;
	if (to < from)
		return err_set(&c->err, ERR_INVALID, "'to' is before 'from'");
	return reply(c, fleet_operations(c->svc->fleet, from * MS_PER_DAY,
					 (to + 1) * MS_PER_DAY, &v, &c->err), &v);
}

int route_plot_cameras(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, fleet_plot_cameras(c->svc->fleet, c->params[0], &v,
					   &c->err), &v);
}

int route_snapshot_put(struct http_ctx *c)
{
	const char *type = http_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct db_snapshot s;
	const char *data;
	size_t len;
	int rc;

	if (type && strncasecmp(type, "image/jpeg", 10) &&
	    strncasecmp(type, "application/octet-stream", 24))
		return err_set(&c->err, ERR_UNSUPPORTED, "a snapshot is sent as "
			       "image/jpeg, not %.40s", type);
	if ((rc = http_body_bytes(c, &data, &len)))
		return rc;
	if ((rc = fleet_snapshot_put(c->svc->fleet, c->params[0], &c->who, data,
				     len, time_now_ms(), &s, &c->err)))
		return rc;
	return http_reply_json(c, MHD_HTTP_CREATED, json_pack("{ss sI si si sI}",
		"device", s.device, "id", (json_int_t)s.id, "width", (int)s.width,
		"height", (int)s.height, "bytes", (json_int_t)s.len));
}

/* Digits only, 1 to INT64_MAX (sscanf's %lld is undefined past it). */
static bool positive_id(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, *s - '0', &v))
			return false;
	*out = v;
	return v > 0;
}

int route_snapshot_get(struct http_ctx *c)
{
	const char *idp = http_query(c, "id");
	struct db_snapshot s;
	int64_t id = 0;
	int rc;

	if (idp && !positive_id(idp, &id))
		return err_set(&c->err, ERR_INVALID, "parameter 'id': expected a "
			       "snapshot id");
	if ((rc = fleet_snapshot_get(c->svc->fleet, c->params[0], id, &s, &c->err)))
		return rc;
	buf_reset(&c->out);
	buf_append(&c->out, s.jpeg, s.len);
	fleet_snapshot_free(&s);
	if (buf_failed(&c->out))
		return err_nomem(&c->err);
	c->status = MHD_HTTP_OK;
	c->content_type = "image/jpeg";
	return ERR_OK;
}

int route_snapshot_list(struct http_ctx *c)
{
	json_t *v = NULL;

	return reply(c, fleet_snapshot_list(c->svc->fleet, c->params[0], &v,
					    &c->err), &v);
}
