/* The fleet service: NMEA into the ingest path, equipment, snapshots. */
#include "fleet/fleet.h"
#include "fleet/fleet_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/jpeg.h"
#include "fleet/nmea.h"
#include "util/log.h"
#include "util/url.h"
#include "util/timeutil.h"

#define DEFAULT_KEEP 20
#define DEFAULT_MAX_BYTES (4u << 20)
#define MAX_SWATH_M 60.0

int fleet_open(struct db *db, struct ts_engine *ts, struct ingest *ing,
	       const struct fleet_opts *o, struct fleet **out, struct err *e)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (!f)
		return err_nomem(e);
	f->db = db;
	f->ts = ts;
	f->ingest = ing;
	f->keep = o && o->snapshot_keep ? o->snapshot_keep : DEFAULT_KEEP;
	f->max_bytes = o && o->snapshot_max_bytes ? o->snapshot_max_bytes
						  : DEFAULT_MAX_BYTES;
	*out = f;
	return ERR_OK;
}

void fleet_close(struct fleet *f)
{
	free(f);
}

/* ---- NMEA ------------------------------------------------------------------ */

static int add_point(struct ingest_batch *b, uint32_t dev, const char *metric,
		     const struct nmea_fix *fx, double v, struct err *e)
{
	struct ingest_point p = { .device = dev, .ts_ms = fx->ts_ms, .value = v,
				  .pos = { .line = fx->line } };
	int rc;

	if (isnan(v))
		return ERR_OK;
	if ((rc = ingest_batch_intern(b, metric, strlen(metric), &p.metric, e)) ||
	    (rc = ingest_batch_intern(b, "", 0, &p.measurement, e)))
		return rc;
	return ingest_batch_add(b, &p, e);
}

/* The fixes as points of the device's series. */
static int fixes_to_batch(const char *device, const struct nmea_track *t,
			  struct ingest_batch *b, struct err *e)
{
	uint32_t dev;
	int rc;

	if ((rc = ingest_batch_intern(b, device, strlen(device), &dev, e)))
		return rc;
	for (size_t i = 0; i < t->n && !rc; i++) {
		const struct nmea_fix *fx = &t->fixes[i];

		if ((rc = add_point(b, dev, "latitude", fx, fx->lat, e)) ||
		    (rc = add_point(b, dev, "longitude", fx, fx->lon, e)) ||
		    (rc = add_point(b, dev, "speed", fx, fx->speed_ms, e)))
			break;
		rc = add_point(b, dev, "heading", fx, fx->course_deg, e);
	}
	return rc;
}

int fleet_nmea_write(struct fleet *f, const char *device, const char *text,
		     size_t len, const struct auth_identity *who,
		     int64_t now_ms, struct fleet_nmea_summary *s,
		     struct err *e)
{
	struct ingest_opts o = { .who = who, .now_ms = now_ms };
	struct ingest_summary is = { 0 };
	struct nmea_track t;
	struct ingest_batch b;
	int rc;

	memset(s, 0, sizeof(*s));
	if (who && who->role == ROLE_DEVICE && strcmp(who->device, device))
		return err_set(e, ERR_FORBIDDEN, "this token writes only for "
			       "device '%s', not '%s'", who->device, device);
	nmea_track_init(&t);
	ingest_batch_init(&b);
	if ((rc = nmea_parse(text, len, now_ms, &t, e)) ||
	    (rc = fixes_to_batch(device, &t, &b, e)))
		goto out;
	s->sentences = t.sentences;
	s->skipped = t.skipped;
	s->fixes = t.n;
	if (b.n && (rc = ingest_write(f->ingest, f->ts, &b, &o, &is, e)))
		goto out;
	s->points = is.points;
out:
	ingest_batch_free(&b);
	nmea_track_free(&t);
	return rc;
}

void fleet_on_mqtt_nmea(const char *device, const void *payload, size_t len,
			void *ctx)
{
	struct fleet *f = ctx;
	struct auth_identity who = { .role = ROLE_DEVICE };
	struct fleet_nmea_summary s;
	struct err e = { 0 };

	snprintf(who.device, sizeof(who.device), "%s", device);
	snprintf(who.name, sizeof(who.name), "mqtt");
	if (fleet_nmea_write(f, device, payload, len, &who, time_now_ms(), &s, &e))
		log_warn("mqtt: oasis/%s/nmea refused: %s", device, e.msg);
}

/* ---- equipment -------------------------------------------------------------- */

static const struct {
	const char *implement, *operation;
} implements[] = {
	{ "seeder", "sowing" }, { "planter", "sowing" }, { "drill", "sowing" },
	{ "sprayer", "spraying" }, { "boom_sprayer", "spraying" },
	{ "plough", "tilling" }, { "cultivator", "tilling" },
	{ "harrow", "tilling" }, { "disc", "tilling" },
	{ "rotary_tiller", "tilling" }, { "subsoiler", "tilling" },
	{ "tiller", "tilling" },
	{ "picker", "harvesting" }, { "cotton_picker", "harvesting" },
	{ "harvester", "harvesting" },
};

const char *fleet_operation_of(const char *implement)
{
	for (size_t i = 0; i < sizeof(implements) / sizeof(implements[0]); i++)
		if (!strcmp(implements[i].implement, implement))
			return implements[i].operation;
	return NULL;
}

static const struct {
	const char *kind, *implement;
	double swath_m;
} kind_defaults[] = {
	{ "tractor", "tiller", 6.0 },
	{ "drone", "sprayer", 6.0 },
	{ "harvester", "cotton_picker", 4.56 },
};

bool fleet__is_machine(const char *kind)
{
	for (size_t i = 0; i < sizeof(kind_defaults) / sizeof(kind_defaults[0]); i++)
		if (!strcmp(kind_defaults[i].kind, kind))
			return true;
	return false;
}

void fleet__profile(struct fleet *f, const struct db_device *d,
		    struct fleet_profile *p)
{
	struct db_equipment q;
	struct err e;

	memset(p, 0, sizeof(*p));
	snprintf(p->implement, sizeof(p->implement), "%s", "");
	p->swath_m = NAN;
	for (size_t i = 0; i < sizeof(kind_defaults) / sizeof(kind_defaults[0]); i++)
		if (!strcmp(kind_defaults[i].kind, d->kind)) {
			snprintf(p->implement, sizeof(p->implement), "%s",
				 kind_defaults[i].implement);
			p->swath_m = kind_defaults[i].swath_m;
			p->defaulted = true;
		}
	if (db_equipment_get(f->db, d->id, &q, &e) == ERR_OK) {
		if (q.implement[0]) {
			snprintf(p->implement, sizeof(p->implement), "%s",
				 q.implement);
			p->defaulted = false;
		}
		if (isfinite(q.swath_m))
			p->swath_m = q.swath_m;
		/* answers never carry the password (util/url.h) */
		url_redact(q.stream_url, p->stream_url, sizeof(p->stream_url));
		p->has_equipment = true;
	}
	p->operation = p->implement[0] ? fleet_operation_of(p->implement) : NULL;
}

static bool url_ok(const char *u)
{
	static const char *const schemes[] = { "rtsp://", "rtsps://", "http://",
					       "https://", "rtmp://", "rtmps://" };
	bool scheme = false;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncmp(u, schemes[i], strlen(schemes[i])) &&
		    u[strlen(schemes[i])] != '\0')
			scheme = true;
	if (!scheme)
		return false;
	for (const unsigned char *c = (const unsigned char *)u; *c; c++)
		if (*c <= 0x20 || *c == 0x7F || *c == '"' || *c == '<' ||
		    *c == '>' || *c == '\\')
			return false;
	return true;
}

int fleet_equipment_set(struct fleet *f, const struct db_equipment *q,
			struct err *e)
{
	struct db_device d;
	int rc;

	if ((rc = db_device_get(f->db, q->device, &d, e)))
		return rc;
	if (q->implement[0] && !fleet_operation_of(q->implement))
		return err_set(e, ERR_INVALID, "field 'implement': '%s' is not "
			       "one Oasis knows (seeder, planter, drill, sprayer, "
			       "boom_sprayer, plough, cultivator, harrow, disc, "
			       "rotary_tiller, subsoiler, tiller, picker, "
			       "cotton_picker, harvester)", q->implement);
	if (!isnan(q->swath_m) && !(q->swath_m > 0 && q->swath_m <= MAX_SWATH_M))
		return err_set(e, ERR_INVALID, "field 'swath_m': %g is not in "
			       "(0, %g] metres", q->swath_m, MAX_SWATH_M);
	if (q->stream_url[0] && !url_ok(q->stream_url))
		return err_set(e, ERR_INVALID, "field 'stream_url': expected an "
			       "rtsp://, rtsps://, http:// or https:// URL without "
			       "spaces or quotes");
	if (q->stream_url[0] && strcmp(d.kind, "camera"))
		return err_set(e, ERR_INVALID, "field 'stream_url': device '%s' "
			       "is a %s, not a camera", d.id, d.kind);
	return db_equipment_set(f->db, q, e);
}

/* ---- cameras ---------------------------------------------------------------- */

int fleet_snapshot_put(struct fleet *f, const char *device,
		       const struct auth_identity *who, const void *data,
		       size_t len, int64_t now_ms, struct db_snapshot *out,
		       struct err *e)
{
	struct jpeg_info info;
	struct db_device d;
	int rc;

	if (who && who->role == ROLE_DEVICE && strcmp(who->device, device))
		return err_set(e, ERR_FORBIDDEN, "this token writes only for "
			       "device '%s', not '%s'", who->device, device);
	if ((rc = db_device_get(f->db, device, &d, e)))
		return rc;
	if (strcmp(d.kind, "camera"))
		return err_set(e, ERR_INVALID, "device '%s' is a %s, not a camera",
			       device, d.kind);
	if (len > f->max_bytes)
		return err_set(e, ERR_TOO_LARGE, "a snapshot of %zu bytes is over "
			       "the limit of %zu", len, f->max_bytes);
	if ((rc = jpeg_check(data, len, &info, e)))
		return rc;
	memset(out, 0, sizeof(*out));
	snprintf(out->device, sizeof(out->device), "%s", device);
	out->taken_ms = now_ms;
	out->width = info.width;
	out->height = info.height;
	out->len = len;
	out->jpeg = (void *)data;
	rc = db_snapshot_add(f->db, out, f->keep, &out->id, e);
	out->jpeg = NULL;
	return rc;
}

int fleet_snapshot_get(struct fleet *f, const char *device, int64_t id,
		       struct db_snapshot *out, struct err *e)
{
	return db_snapshot_get(f->db, device, id, out, e);
}

void fleet_snapshot_free(struct db_snapshot *s)
{
	db_snapshot_free(s);
}

json_t *fleet__snapshot_json(const struct db_snapshot *s)
{
	char taken[32];

	time_format_iso(s->taken_ms, taken, sizeof(taken));
	return json_pack("{sI ss si si sI}", "id", (json_int_t)s->id,
			 "taken", taken, "width", (int)s->width,
			 "height", (int)s->height, "bytes", (json_int_t)s->len);
}

static int snapshot_item(const struct db_snapshot *s, void *ctx)
{
	return json_array_append_new(ctx, fleet__snapshot_json(s)) ? ERR_NOMEM
								   : ERR_OK;
}

int fleet_snapshot_list(struct fleet *f, const char *device, json_t **out,
			struct err *e)
{
	json_t *list = json_array();
	struct db_device d;
	int rc;

	if ((rc = db_device_get(f->db, device, &d, e)) ||
	    (rc = db_snapshot_list(f->db, device, snapshot_item, list, e))) {
		json_decref(list);
		return rc;
	}
	*out = json_pack("{ss so si}", "device", device, "snapshots", list,
			 "keep", (int)f->keep);
	return ERR_OK;
}
