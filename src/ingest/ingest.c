/* The validation path and the caches of devices and series it keeps. */
#include "ingest/ingest.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/metrics.h"
#include "ingest/units.h"
#include "util/log.h"
#include "util/map.h"
#include "util/timeutil.h"

/* 2000-01-01T00:00:00Z: older timestamps are a device's unset clock. */
#define EARLIEST_MS INT64_C(946684800000)
#define KEY_SEP '\x1f'

struct ingest {
	struct db *db;
	struct ts_engine *ts;    /* where MQTT messages are written */
	struct events *events;   /* NULL: no live feed */
	ingest_observer observer; /* NULL: none */
	void *observer_ctx;
	pthread_mutex_t lock;
	struct smap devices;     /* device id -> its plot's index + 1, or 0 */
	struct smap series;      /* "device\x1fmetric" -> series id */
	char (*plots)[DB_CODE_MAX]; /* the plot codes devices are on */
	size_t n_plots, cap_plots;
	struct ingest_snapshot *snapshot; /* sorted series, while current */
	bool refuse_unknown_metrics; /* names outside the catalogue */
	struct ingest_units *units;  /* custom metrics registered with a unit */
};

/* The index + 1 of a plot code in ing->plots (added if new); 0 for none. */
static int64_t plot_slot(struct ingest *ing, const char *code)
{
	if (!code[0])
		return 0;
	for (size_t i = 0; i < ing->n_plots; i++)
		if (!strcmp(ing->plots[i], code))
			return (int64_t)i + 1;
	if (ing->n_plots == ing->cap_plots) {
		size_t cap = ing->cap_plots ? ing->cap_plots * 2 : 64;
		char (*p)[DB_CODE_MAX] = realloc(ing->plots, cap * sizeof(*p));

		if (!p)
			return 0;
		ing->plots = p;
		ing->cap_plots = cap;
	}
	snprintf(ing->plots[ing->n_plots], DB_CODE_MAX, "%s", code);
	return (int64_t)++ing->n_plots;
}

static void series_key(char key[DB_NAME_MAX * 2 + 2], const char *device,
		       const char *metric);

static int cache_series(const struct db_series *s, void *ctx)
{
	struct ingest *ing = ctx;
	char key[DB_NAME_MAX * 2 + 2];

	series_key(key, s->device, s->metric);
	return smap_put(&ing->series, key, s->id);
}

static int cache_device(const struct db_device *d, void *ctx)
{
	struct ingest *ing = ctx;

	return smap_put(&ing->devices, d->id, plot_slot(ing, d->plot));
}

int ingest_open(struct db *db, struct ingest **out, struct err *e)
{
	struct ingest *ing = calloc(1, sizeof(*ing));
	int rc;

	if (!ing)
		return err_nomem(e);
	ing->db = db;
	pthread_mutex_init(&ing->lock, NULL);
	if ((rc = db_device_list(db, NULL, cache_device, ing, e)) ||
	    (rc = db_series_list(db, NULL, cache_series, ing, e)) ||
	    (rc = ingest_units_open(db, &ing->units, e))) {
		ingest_close(ing);
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	}
	*out = ing;
	return ERR_OK;
}

struct ingest_units *ingest_units(struct ingest *ing)
{
	return ing->units;
}

void ingest_set_unknown_metrics(struct ingest *ing, bool allow)
{
	ing->refuse_unknown_metrics = !allow;
}

void ingest_close(struct ingest *ing)
{
	if (!ing)
		return;
	ingest_units_close(ing->units);
	smap_free(&ing->devices);
	smap_free(&ing->series);
	free(ing->snapshot);    /* readers are gone by now */
	free(ing->plots);
	pthread_mutex_destroy(&ing->lock);
	free(ing);
}

/* ---- devices --------------------------------------------------------------- */

bool ingest_device_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= DB_NAME_MAX)
		return false;
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
	      (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._:-", *p)))
			return false;
	return true;
}

static const char *const kinds[] = {
	"weather_station", "soil_probe", "flow_meter", "valve", "camera",
	"drone", "tractor", "harvester", "pv_inverter", "pump", "gateway",
	"sensor",
};

bool ingest_device_kind_valid(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i], kind))
			return true;
	return false;
}

/* Is the device registered?  The cache first, then the store (another server may have added it). */
static int device_known(struct ingest *ing, const char *id, bool *known,
			struct err *e)
{
	struct db_device d;
	int64_t unused;
	int rc;

	pthread_mutex_lock(&ing->lock);
	*known = smap_get(&ing->devices, id, &unused);
	pthread_mutex_unlock(&ing->lock);
	if (*known)
		return ERR_OK;
	rc = db_device_get(ing->db, id, &d, e);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK;
	if (rc)
		return rc;
	pthread_mutex_lock(&ing->lock);
	rc = smap_put(&ing->devices, id, plot_slot(ing, d.plot));
	pthread_mutex_unlock(&ing->lock);
	*known = true;
	return rc ? err_nomem(e) : ERR_OK;
}

static int device_check(const struct db_device *d, struct err *e)
{
	if (!ingest_device_id_valid(d->id))
		return err_set(e, ERR_INVALID, "field 'id': '%s' is not a device id "
			       "(1-63 letters, digits and . _ : -, starting with "
			       "a letter or digit)", d->id);
	if (!ingest_device_kind_valid(d->kind))
		return err_set(e, ERR_INVALID, "field 'kind': unknown kind '%s' "
			       "(weather_station, soil_probe, flow_meter, valve, "
			       "camera, drone, tractor, pv_inverter, pump, gateway, "
			       "sensor)", d->kind);
	if (isfinite(d->lat) != isfinite(d->lon) ||
	    (isfinite(d->lat) && (fabs(d->lat) > 90 || fabs(d->lon) > 180)))
		return err_set(e, ERR_INVALID, "field 'location': expected "
			       "[lon, lat] within -180..180 and -90..90");
	return ERR_OK;
}

static int device_add(struct ingest *ing, const struct db_device *d,
		      struct err *e)
{
	int rc;

	if ((rc = device_check(d, e)) || (rc = db_device_create(ing->db, d, e)))
		return rc;
	pthread_mutex_lock(&ing->lock);
	rc = smap_put(&ing->devices, d->id, plot_slot(ing, d->plot));
	pthread_mutex_unlock(&ing->lock);
	return rc ? err_nomem(e) : ERR_OK;
}

int ingest_device_register(struct ingest *ing, const struct db_device *d,
			   char token_out[AUTH_SECRET_MAX], struct err *e)
{
	char name[DB_NAME_MAX + 8];
	int rc;

	if ((rc = device_add(ing, d, e)))
		return rc;
	snprintf(name, sizeof(name), "device %s", d->id);
	name[DB_NAME_MAX - 1] = '\0';
	return auth_token_create(ing->db, ROLE_DEVICE, name, d->id, 0, token_out,
				 NULL, e);
}

struct device_list {
	json_t *list;
	const char *site;       /* NULL: any */
};

static int device_json(const struct db_device *d, void *ctx)
{
	struct device_list *l = ctx;
	json_t *loc;
	char created[32];

	/* deleted: its data is kept, it is not listed */
	if (d->deleted_ms || (l->site && strcmp(d->site, l->site)))
		return ERR_OK;
	loc = isfinite(d->lon) ? json_pack("[ff]", d->lon, d->lat) : json_null();
	time_format_iso(d->created_ms, created, sizeof(created));
	json_array_append_new(l->list, json_pack("{ss ss s:s? s:s? so ss ss}",
		"id", d->id, "kind", d->kind,
		"plot", d->plot[0] ? d->plot : NULL,
		"name", d->name[0] ? d->name : NULL,
		"location", loc, "created", created, "site", d->site));
	return ERR_OK;
}

int ingest_devices_json(struct ingest *ing, const char *plot, const char *site,
			json_t **out, struct err *e)
{
	json_t *list = json_array();
	struct device_list l = { list, site };

	*out = NULL;
	if (!list)
		return err_nomem(e);
	if (db_device_list(ing->db, plot, device_json, &l, e)) {
		json_decref(list);
		return e->code;
	}
	*out = list;
	return ERR_OK;
}

int ingest_device_delete(struct ingest *ing, const char *id, int64_t now_ms,
			 struct err *e)
{
	int rc = db_device_delete(ing->db, id, now_ms, e);

	auth_token_cache_forget(); /* its tokens are revoked: at once */
	return rc;
}

int ingest_device_update(struct ingest *ing, const struct db_device *d,
			 struct err *e)
{
	int rc;

	if ((rc = device_check(d, e)) || (rc = db_device_update(ing->db, d, e)))
		return rc;
	pthread_mutex_lock(&ing->lock);
	rc = smap_put(&ing->devices, d->id, plot_slot(ing, d->plot));
	pthread_mutex_unlock(&ing->lock);
	return rc ? err_nomem(e) : ERR_OK;
}

/* Member key of a PATCH body into dst (absent: unchanged; null: ""). */
static int patch_text(json_t *body, const char *key, char *dst, size_t size,
		      struct err *e)
{
	json_t *v = json_object_get(body, key);

	if (!v)
		return ERR_OK;
	if (json_is_null(v)) {
		dst[0] = '\0';
		return ERR_OK;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) >= size)
		return err_set(e, ERR_INVALID, "field '%s': expected a string of "
			       "at most %zu characters", key, size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int patch_location(json_t *body, struct db_device *d, struct err *e)
{
	json_t *loc = json_object_get(body, "location");

	if (!loc)
		return ERR_OK;
	if (json_is_null(loc)) {
		d->lon = d->lat = NAN;
		return ERR_OK;
	}
	if (!json_is_array(loc) || json_array_size(loc) != 2 ||
	    !json_is_number(json_array_get(loc, 0)) ||
	    !json_is_number(json_array_get(loc, 1)))
		return err_set(e, ERR_INVALID, "field 'location': expected "
			       "[lon, lat] in degrees, or null");
	d->lon = json_number_value(json_array_get(loc, 0));
	d->lat = json_number_value(json_array_get(loc, 1));
	return ERR_OK;
}

int ingest_device_patch(struct ingest *ing, const char *id, json_t *body,
			struct db_device *out, struct err *e)
{
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, "expected a JSON object");
	json_object_foreach(body, key, v) {
		if (strcmp(key, "kind") && strcmp(key, "plot") &&
		    strcmp(key, "name") && strcmp(key, "location"))
			return err_set(e, ERR_INVALID, "field '%s': not one a "
				       "device can change (kind, plot, name, "
				       "location)", key);
	}
	if ((rc = db_device_get(ing->db, id, out, e)))
		return rc;
	if (out->deleted_ms)
		return err_set(e, ERR_NOT_FOUND, "unknown device '%s'", id);
	if ((rc = patch_text(body, "kind", out->kind, sizeof(out->kind), e)) ||
	    (rc = patch_text(body, "plot", out->plot, sizeof(out->plot), e)) ||
	    (rc = patch_text(body, "name", out->name, sizeof(out->name), e)) ||
	    (rc = patch_location(body, out, e)))
		return rc;
	return ingest_device_update(ing, out, e);
}

/* The live tokens of one device, collected (the store is not called back). */
struct device_tokens {
	const char *device;
	int64_t ids[16];
	size_t n;
};

static int collect_device_token(const struct db_token *t, void *ctx)
{
	struct device_tokens *d = ctx;

	if (!t->revoked_ms && !strcmp(t->device, d->device) &&
	    d->n < sizeof(d->ids) / sizeof(d->ids[0]))
		d->ids[d->n++] = t->id;
	return ERR_OK;
}

int ingest_device_rotate_token(struct ingest *ing, const char *id,
			       int64_t now_ms, char token_out[AUTH_SECRET_MAX],
			       struct err *e)
{
	struct device_tokens old = { .device = id };
	struct db_device d;
	char name[DB_NAME_MAX + 8];
	int rc;

	if ((rc = db_device_get(ing->db, id, &d, e)))
		return rc;
	if (d.deleted_ms)
		return err_set(e, ERR_NOT_FOUND, "unknown device '%s'", id);
	if ((rc = db_token_list(ing->db, collect_device_token, &old, e)))
		return rc;
	/* the new one first: a failure midway leaves the device working */
	snprintf(name, sizeof(name), "device %s", id);
	name[DB_NAME_MAX - 1] = '\0';
	if ((rc = auth_token_create(ing->db, ROLE_DEVICE, name, id, 0, token_out,
				    NULL, e)))
		return rc;
	for (size_t i = 0; i < old.n && !rc; i++)
		rc = auth_token_revoke(ing->db, old.ids[i], now_ms, e);
	return rc;
}

/* The kind an unknown device gets from its line-protocol measurement. */
static const char *kind_from_measurement(const char *m)
{
	static const struct { const char *prefix, *kind; } map[] = {
		{ "weather", "weather_station" }, { "soil", "soil_probe" },
		{ "flow", "flow_meter" }, { "valve", "valve" },
		{ "camera", "camera" }, { "drone", "drone" },
		{ "tractor", "tractor" }, { "pv", "pv_inverter" },
		{ "pump", "pump" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(m, map[i].prefix, strlen(map[i].prefix)))
			return map[i].kind;
	return "sensor";
}

const char *ingest_kind_of_measurement(const char *measurement)
{
	return kind_from_measurement(measurement);
}

/* ---- the validation path ------------------------------------------------------- */

static int point_error(const struct ingest_batch *b, const struct ingest_point *p,
		       struct err *e, const char *fmt, const char *a,
		       const char *c)
{
	char where[48], what[ERR_MSG_MAX];

	ingest_pos_format(b, &p->pos, where, sizeof(where));
	snprintf(what, sizeof(what), fmt, a, c);
	return err_set(e, ERR_INVALID, "%s: %s", where, what);
}

/*
 * The definition a metric is checked against, looked up once per metric of
 * a batch (names repeat on every line): cache maps arena offsets to it.
 */
static int metric_of(const struct ingest *ing, const struct ingest_batch *b,
		     const struct ingest_point *p, struct imap *cache,
		     const struct metric_def **def, struct err *e)
{
	const char *metric = ingest_str(b, p->metric);

	if ((*def = imap_get(cache, p->metric)))
		return ERR_OK;
	if (!metric_name_valid(metric))
		return point_error(b, p, e, "metric '%s' is not a valid name "
				   "(expected [a-z][a-z0-9_]{0,62})%s", metric, "");
	*def = metric_find(metric);
	if (!*def && ing->refuse_unknown_metrics &&
	    !ingest_units_known(ing->units, metric, true))
		return point_error(b, p, e, "metric '%s' is not in the catalogue "
				   "(GET /api/v1/units); to accept it, register "
				   "its unit (oasis units add %s --unit UNIT) or "
				   "run oasis serve or oasis ingest with "
				   "--allow-unknown-metrics", metric, metric);
	if (!*def)
		*def = &metric_custom;
	return imap_put(cache, p->metric, (void *)*def) ? err_nomem(e) : ERR_OK;
}

static int check_value(const struct ingest_batch *b, const struct ingest_point *p,
		       const struct metric_def *def, int64_t now, struct err *e)
{
	const char *metric = ingest_str(b, p->metric);
	char detail[160];

	if (!isfinite(p->value))
		return point_error(b, p, e, "metric '%s': not a finite number%s",
				   metric, "");
	if (p->ts_ms < EARLIEST_MS || p->ts_ms > now + MS_PER_DAY) {
		char when[32];

		time_format_iso(p->ts_ms, when, sizeof(when));
		return point_error(b, p, e, "metric '%s': timestamp %s is outside "
				   "[2000-01-01, now + 1 day] (wrong precision "
				   "or an unset clock?)", metric, when);
	}
	if (p->value < def->min || p->value > def->max) {
		snprintf(detail, sizeof(detail), "%g is outside %g..%g %s",
			 p->value, def->min, def->max, def->unit);
		return point_error(b, p, e, "metric '%s': %s", metric, detail);
	}
	return ERR_OK;
}

static int check_device(struct ingest *ing, const struct ingest_batch *b,
			const struct ingest_point *p, const struct ingest_opts *o,
			bool *unknown, struct err *e)
{
	const char *dev = ingest_str(b, p->device);
	bool known;
	int rc;

	*unknown = false;
	if (o->who && o->who->role == ROLE_DEVICE &&
	    strcmp(o->who->device, dev)) {
		/* forbidden, not malformed: as NMEA and snapshots answer */
		point_error(b, p, e, "this token belongs to device '%s' and "
			    "cannot write data of device '%s'",
			    o->who->device, dev);
		if (e)
			e->code = ERR_FORBIDDEN;
		return ERR_FORBIDDEN;
	}
	if ((rc = device_known(ing, dev, &known, e)))
		return rc;
	if (known)
		return ERR_OK;
	if (!o->auto_register)
		return point_error(b, p, e, "unknown device '%s' (register it "
				   "with POST /api/v1/devices%s)", dev,
				   o->who ? "" : ", or use --auto-register");
	if (!ingest_device_id_valid(dev))
		return point_error(b, p, e, "'%s' is not a valid device id%s",
				   dev, "");
	*unknown = true;
	return ERR_OK;
}

/* "device\x1fmetric": the series cache's key. */
static void series_key(char key[DB_NAME_MAX * 2 + 2], const char *device,
		       const char *metric)
{
	size_t d = strnlen(device, DB_NAME_MAX - 1);
	size_t m = strnlen(metric, DB_NAME_MAX - 1);

	memcpy(key, device, d);
	key[d] = KEY_SEP;
	memcpy(key + d + 1, metric, m);
	key[d + 1 + m] = '\0';
}

/* Register the batch's unknown devices, all in one transaction. */
static int register_unknown(struct ingest *ing, const struct ingest_batch *b,
			    const bool *to_register, struct ingest_summary *s,
			    struct err *e)
{
	struct db_device *d = NULL;
	struct smap seen = { 0 };  /* equal ids may sit at several offsets */
	size_t n = 0, cap = 0;
	int64_t unused;
	bool known;
	int rc = ERR_OK;

	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct ingest_point *p = &b->points[i];
		const char *id = ingest_str(b, p->device);

		if (!to_register[i] || smap_get(&seen, id, &unused))
			continue;
		if ((rc = device_known(ing, id, &known, e)) || known)
			continue;
		if (n == cap) {
			struct db_device *g = realloc(d, (cap = cap ? cap * 2 : 16) *
						      sizeof(*d));

			if (!g) {
				rc = err_nomem(e);
				break;
			}
			d = g;
		}
		d[n] = (struct db_device){ .lon = NAN, .lat = NAN,
					   .created_ms = time_now_ms() };
		snprintf(d[n].id, sizeof(d[n].id), "%s", id);
		snprintf(d[n].kind, sizeof(d[n].kind), "%s",
			 kind_from_measurement(ingest_str(b, p->measurement)));
		n++;
		if (smap_put(&seen, id, 1))
			rc = err_nomem(e);
	}
	if (!rc && n && !(rc = db_devices_create(ing->db, d, n, e))) {
		pthread_mutex_lock(&ing->lock);
		for (size_t i = 0; i < n && !rc; i++)
			rc = smap_put(&ing->devices, d[i].id, 0) ? err_nomem(e) : 0;
		pthread_mutex_unlock(&ing->lock);
		s->devices_registered += n;
	}
	smap_free(&seen);
	free(d);
	return rc;
}

/* The (device, metric) pairs of a batch whose series ids are not cached. */
struct misses {
	const char **devices, **metrics;
	int64_t *keys, *ids;
	size_t n, cap;
};

static int miss_add(struct misses *m, const char *device, const char *metric,
		    int64_t key)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const char **d = realloc(m->devices, cap * sizeof(*d));
		const char **t = d ? realloc(m->metrics, cap * sizeof(*t)) : NULL;
		int64_t *k = t ? realloc(m->keys, cap * sizeof(*k)) : NULL;
		int64_t *i = k ? realloc(m->ids, cap * sizeof(*i)) : NULL;

		if (d)
			m->devices = d;
		if (t)
			m->metrics = t;
		if (k)
			m->keys = k;
		if (!i)
			return ERR_NOMEM;
		m->ids = i;
		m->cap = cap;
	}
	m->devices[m->n] = device;
	m->metrics[m->n] = metric;
	m->keys[m->n++] = key;
	return ERR_OK;
}

static void misses_free(struct misses *m)
{
	free(m->devices);
	free(m->metrics);
	free(m->keys);
	free(m->ids);
}

/* Series ids of every distinct (device, metric) of the batch, into local. */
static int lookup_series(struct ingest *ing, const struct ingest_batch *b,
			 struct imap *local, struct ingest_summary *s,
			 struct err *e)
{
	char key[DB_NAME_MAX * 2 + 2];
	struct misses m = { 0 };
	int rc = ERR_OK;

	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct ingest_point *p = &b->points[i];
		int64_t k = (int64_t)((uint64_t)p->device << 32 | p->metric);
		int64_t id;
		bool hit;

		if (imap_get(local, k))
			continue;
		series_key(key, ingest_str(b, p->device), ingest_str(b, p->metric));
		pthread_mutex_lock(&ing->lock);
		hit = smap_get(&ing->series, key, &id);
		pthread_mutex_unlock(&ing->lock);
		if (hit)
			rc = imap_put(local, k, (void *)(intptr_t)id);
		else if (!(rc = miss_add(&m, ingest_str(b, p->device),
					 ingest_str(b, p->metric), k)))
			rc = imap_put(local, k, (void *)(intptr_t)-1);
		if (rc)
			rc = err_nomem(e);
	}
	if (!rc && m.n)
		rc = db_series_ensure_many(ing->db, m.devices, m.metrics, m.n,
					   m.ids, e);
	for (size_t i = 0; i < m.n && !rc; i++) {
		series_key(key, m.devices[i], m.metrics[i]);
		pthread_mutex_lock(&ing->lock);
		rc = smap_put(&ing->series, key, m.ids[i]);
		pthread_mutex_unlock(&ing->lock);
		if (rc || imap_put(local, m.keys[i], (void *)(intptr_t)m.ids[i]))
			rc = err_nomem(e);
	}
	s->series_created += m.n;
	misses_free(&m);
	return rc;
}

/*
 * Check every point; mark the first point of each unknown device to
 * register.  Each device is checked once per batch (devices: arena offset
 * -> 1 known, 2 unknown).
 */
static int validate(struct ingest *ing, const struct ingest_batch *b,
		    const struct ingest_opts *o, bool *to_register,
		    struct err *e)
{
	const struct metric_def *def;
	struct imap metrics = { 0 }, devices = { 0 };
	bool unknown = false;
	int rc = ERR_OK;

	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct ingest_point *p = &b->points[i];

		to_register[i] = false;
		if (!imap_get(&devices, p->device)) {
			if ((rc = check_device(ing, b, p, o, &unknown, e)))
				break;
			to_register[i] = unknown;
			if (imap_put(&devices, p->device, (void *)(uintptr_t)
				     (unknown ? 2 : 1)))
				rc = err_nomem(e);
		}
		if (!rc && !(rc = metric_of(ing, b, p, &metrics, &def, e)))
			rc = check_value(b, p, def, o->now_ms, e);
	}
	imap_free(&metrics);
	imap_free(&devices);
	return rc;
}

/* The batch as engine writes, series resolved. */
static int resolve(struct ingest *ing, const struct ingest_batch *b,
		   struct ts_write *w, struct ingest_summary *s, struct err *e)
{
	struct imap local = { 0 };  /* device and metric offsets -> series id */
	int rc = lookup_series(ing, b, &local, s, e);

	for (size_t i = 0; i < b->n && !rc; i++) {
		const struct ingest_point *p = &b->points[i];
		int64_t k = (int64_t)((uint64_t)p->device << 32 | p->metric);

		w[i] = (struct ts_write){ (int64_t)(intptr_t)imap_get(&local, k),
					  p->ts_ms, p->value };
	}
	imap_free(&local);
	return rc;
}

int ingest_prepare(struct ingest *ing, const struct ingest_batch *b,
		   const struct ingest_opts *o, struct ts_write **out,
		   size_t *n, struct ingest_summary *s, struct err *e)
{
	struct ts_write *w = NULL;
	bool *to_register = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	*out = NULL;
	*n = 0;
	if (b->n == 0)
		return ERR_OK;
	w = malloc(b->n * sizeof(*w));
	to_register = malloc(b->n * sizeof(*to_register));
	if (!w || !to_register) {
		rc = err_nomem(e);
		goto fail;
	}
	if ((rc = validate(ing, b, o, to_register, e)))
		goto fail;
	if ((rc = register_unknown(ing, b, to_register, s, e)) ||
	    (rc = resolve(ing, b, w, s, e)))
		goto fail;
	free(to_register);
	s->points = b->n;
	*out = w;
	*n = b->n;
	return ERR_OK;
fail:
	free(w);
	free(to_register);
	return rc;
}

void ingest_set_sinks(struct ingest *ing, struct ts_engine *ts,
		      struct events *ev)
{
	ing->ts = ts;
	ing->events = ev;
}

/* The plot of a device, from the cache ("" if none or unknown). */
static void device_plot(struct ingest *ing, const char *device, char *out)
{
	int64_t slot = 0;

	pthread_mutex_lock(&ing->lock);
	smap_get(&ing->devices, device, &slot);
	snprintf(out, DB_CODE_MAX, "%s", slot ? ing->plots[slot - 1] : "");
	pthread_mutex_unlock(&ing->lock);
}

void ingest_device_plot(struct ingest *ing, const char *device,
			char out[DB_CODE_MAX])
{
	device_plot(ing, device, out);
}

struct publish {
	struct ingest *ing;
	const struct ingest_batch *b;
	const struct ts_write *w;
	struct buf data;
};

static void publish_one(int64_t series, void *value, void *ctx)
{
	struct publish *p = ctx;
	size_t i = (size_t)(uintptr_t)value - 1;
	const struct ingest_point *pt = &p->b->points[i];
	char plot[DB_CODE_MAX];

	(void)series;
	device_plot(p->ing, ingest_str(p->b, pt->device), plot);
	buf_reset(&p->data);
	buf_puts(&p->data, "{\"device\":");
	buf_json_string(&p->data, ingest_str(p->b, pt->device));
	buf_puts(&p->data, ",\"metric\":");
	buf_json_string(&p->data, ingest_str(p->b, pt->metric));
	buf_printf(&p->data, ",\"ts\":%lld,\"value\":%.17g,\"plot\":",
		   (long long)p->w[i].ts, p->w[i].value);
	if (plot[0])
		buf_json_string(&p->data, plot);
	else
		buf_puts(&p->data, "null");
	buf_putc(&p->data, '}');
	if (!buf_failed(&p->data))
		events_publish(p->ing->events, "point", plot, p->data.data);
}

/*
 * Tell the live feed: one "point" event per series of the batch, with its
 * newest value (a screen shows the latest, not every point of a bulk).
 */
static void publish_points(struct ingest *ing, const struct ingest_batch *b,
			   const struct ts_write *w)
{
	struct publish p = { ing, b, w, BUF_INIT };
	struct imap newest = { 0 };  /* series -> index + 1 of its newest point */

	for (size_t i = 0; i < b->n; i++) {
		void *at = imap_get(&newest, w[i].series);

		if (at && w[(uintptr_t)at - 1].ts > w[i].ts)
			continue;
		if (imap_put(&newest, w[i].series, (void *)(uintptr_t)(i + 1)))
			goto out;
	}
	imap_foreach(&newest, publish_one, &p);
out:
	buf_free(&p.data);
	imap_free(&newest);
}

void ingest_set_observer(struct ingest *ing, ingest_observer fn, void *ctx)
{
	ing->observer = fn;
	ing->observer_ctx = ctx;
}

struct ingest_observed {
	struct ingest *ing;
	const struct ingest_batch *b;
	const struct ts_write *w;
};

void ingest_observed_point(const struct ingest_observed *o, size_t i,
			   struct ingest_seen *out, char plot[DB_CODE_MAX])
{
	const struct ingest_point *p = &o->b->points[i];
	struct ingest *ing = o->ing;
	int64_t slot = 0;

	*out = (struct ingest_seen){ ingest_str(o->b, p->device),
		ingest_str(o->b, p->metric), plot, o->w[i].series, o->w[i].ts,
		o->w[i].value };
	pthread_mutex_lock(&ing->lock);
	snprintf(plot, DB_CODE_MAX, "%s", smap_get(&ing->devices, out->device,
		 &slot) && slot ? ing->plots[slot - 1] : "");
	pthread_mutex_unlock(&ing->lock);
}

/*
 * Hand the durable points to the observer as they are: no copy here (a
 * copy per point of every batch cost a third of the write path); the
 * observer asks for names only of the series it has not seen.
 */
static void observe_points(struct ingest *ing, const struct ingest_batch *b,
			   const struct ts_write *w)
{
	struct ingest_observed o = { ing, b, w };

	ing->observer(&o, w, b->n, ing->observer_ctx);
}

int ingest_write(struct ingest *ing, struct ts_engine *ts,
		 const struct ingest_batch *b, const struct ingest_opts *o,
		 struct ingest_summary *s, struct err *e)
{
	struct ts_write *w;
	size_t n;
	int rc;

	if ((rc = ingest_prepare(ing, b, o, &w, &n, s, e)))
		return rc;
	rc = ts_engine_write(ts, w, n, e);
	if (!rc && ing->events && events_has_readers(ing->events))
		publish_points(ing, b, w);
	if (!rc && ing->observer && n)
		observe_points(ing, b, w);
	free(w);
	return rc;
}

struct metric_lookup {
	const char *metric;
	int64_t id;
	bool found;
};

static int match_metric(const struct db_series *s, void *ctx)
{
	struct metric_lookup *l = ctx;

	if (strcmp(s->metric, l->metric))
		return 0;
	l->id = s->id;
	l->found = true;
	return 1;
}

int ingest_series_find(struct ingest *ing, const char *device,
		       const char *metric, int64_t *id, struct err *e)
{
	char key[DB_NAME_MAX * 2 + 2];
	struct metric_lookup l = { .metric = metric };
	bool hit;
	int rc;

	series_key(key, device, metric);
	pthread_mutex_lock(&ing->lock);
	hit = smap_get(&ing->series, key, id);
	pthread_mutex_unlock(&ing->lock);
	if (hit)
		return ERR_OK;
	rc = db_series_list(ing->db, device, match_metric, &l, e);
	if (rc && rc != 1)
		return rc;
	if (!l.found)
		return err_set(e, ERR_NOT_FOUND, "no series %s/%s", device, metric);
	*id = l.id;
	return ERR_OK;
}

void ingest_on_mqtt_telemetry(const char *device, const void *payload,
			      size_t len, void *ctx)
{
	struct ingest *ing = ctx;
	struct auth_identity who = { .role = ROLE_DEVICE };
	struct ingest_opts o = { .who = &who, .now_ms = time_now_ms() };
	struct ingest_summary s;
	struct ingest_batch b;
	struct err e = { 0 };

	snprintf(who.device, sizeof(who.device), "%s", device);
	snprintf(who.name, sizeof(who.name), "mqtt");
	ingest_batch_init(&b);
	if (ingest_json_parse(payload, len, device, o.now_ms, &b, &e) ||
	    ingest_write(ing, ing->ts, &b, &o, &s, &e))
		log_warn("mqtt: oasis/%s/telemetry refused: %s", device, e.msg);
	ingest_batch_free(&b);
}

/* ---- the sorted snapshot --------------------------------------------- */

static int ref_cmp(const void *a, const void *b)
{
	const struct ingest_series_ref *x = a, *y = b;
	int c = strcmp(x->device, y->device);

	return c ? c : strcmp(x->metric, y->metric);
}

/* A snapshot and its names in one allocation: the copy made under the lock. */
static struct ingest_snapshot *snapshot_copy(const struct smap *m)
{
	struct ingest_snapshot *snap;
	struct ingest_series_ref *refs;
	size_t bytes = 0, n = 0;
	char *names;

	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			bytes += strlen(m->keys[i]) + 1;
	snap = malloc(sizeof(*snap) + m->n * sizeof(*refs) + bytes);
	if (!snap)
		return NULL;
	refs = (struct ingest_series_ref *)(snap + 1);
	names = (char *)(refs + m->n);
	for (size_t i = 0; i < m->cap; i++) {
		const char *key = m->keys[i];
		size_t len, dev;

		if (!key)
			continue;
		len = strlen(key) + 1;
		dev = (size_t)(strchr(key, KEY_SEP) - key); /* every key has one */
		memcpy(names, key, len);
		names[dev] = '\0';
		refs[n++] = (struct ingest_series_ref){ names, names + dev + 1,
							m->values[i] };
		names += len;
	}
	*snap = (struct ingest_snapshot){ refs, n, 1 };
	return snap;
}

/* Drop one user of snap (lock held); true when it is to be freed. */
static bool snapshot_unuse(const struct ingest_snapshot *snap)
{
	struct ingest_snapshot *s = (struct ingest_snapshot *)snap;

	return --s->users == 0;
}

const struct ingest_snapshot *ingest_series_snapshot(struct ingest *ing,
						     struct err *e)
{
	struct ingest_snapshot *snap, *old = NULL;

	pthread_mutex_lock(&ing->lock);
	if ((snap = ing->snapshot) && snap->n == ing->series.n) {
		snap->users++;
		pthread_mutex_unlock(&ing->lock);
		return snap;
	}
	snap = snapshot_copy(&ing->series);
	pthread_mutex_unlock(&ing->lock);
	if (!snap) {
		err_nomem(e);
		return NULL;
	}
	qsort((void *)snap->refs, snap->n, sizeof(*snap->refs), ref_cmp);
	pthread_mutex_lock(&ing->lock);
	if (!ing->snapshot || ing->snapshot->n < snap->n) {
		old = ing->snapshot;           /* replaced: the registry's use */
		ing->snapshot = snap;
		snap->users++;
		if (old && !snapshot_unuse(old))
			old = NULL;
	}
	pthread_mutex_unlock(&ing->lock);
	free(old);
	return snap;
}

void ingest_snapshot_release(struct ingest *ing,
			     const struct ingest_snapshot *snap)
{
	bool last;

	if (!snap)
		return;
	pthread_mutex_lock(&ing->lock);
	last = snapshot_unuse(snap);
	pthread_mutex_unlock(&ing->lock);
	if (last)
		free((void *)snap);
}
