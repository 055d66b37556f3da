/* Sites: checks, storage and JSON; see sites.h. */
#include "sites/sites.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static bool code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DB_CODE_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int check_boundary(struct db_site *s, struct err *e)
{
	json_error_t je;
	json_t *v, *g;
	const char *type;
	char *text;

	if (!s->boundary || !s->boundary[0])
		return ERR_OK;
	if (!(v = json_loads(s->boundary, 0, &je)))
		return err_set(e, ERR_INVALID, "site '%s': boundary: line %d, "
			       "column %d: %s", s->code, je.line, je.column,
			       je.text);
	g = v;
	type = json_string_value(json_object_get(g, "type"));
	if (type && !strcmp(type, "Feature")) {
		g = json_object_get(v, "geometry");
		type = json_string_value(json_object_get(g, "type"));
	}
	if (!type || (strcmp(type, "Polygon") && strcmp(type, "MultiPolygon")) ||
	    !json_is_array(json_object_get(g, "coordinates"))) {
		json_decref(v);
		return err_set(e, ERR_INVALID, "site '%s': boundary: expected a "
			       "GeoJSON Polygon or MultiPolygon", s->code);
	}
	text = json_dumps(g, JSON_COMPACT);
	json_decref(v);
	if (!text)
		return err_nomem(e);
	free(s->boundary);
	s->boundary = text;
	return ERR_OK;
}

static int check_facts(const struct db_site *s, struct err *e)
{
	json_error_t je;
	const char *key;
	json_t *v, *x;
	int rc = ERR_OK;

	if (!s->facts || !s->facts[0])
		return ERR_OK;
	if (!(v = json_loads(s->facts, 0, &je)) || !json_is_object(v)) {
		json_decref(v);
		return err_set(e, ERR_INVALID, "site '%s': facts: expected a JSON "
			       "object", s->code);
	}
	json_object_foreach(v, key, x)
		if (!json_is_string(x) && !json_is_number(x) &&
		    !json_is_boolean(x)) {
			rc = err_set(e, ERR_INVALID, "site '%s': fact '%s': "
				     "expected text, a number or a boolean",
				     s->code, key);
			break;
		}
	json_decref(v);
	return rc;
}

int sites_check(struct db_site *s, struct err *e)
{
	struct tz *z;
	int rc;

	if (!code_ok(s->code))
		return err_set(e, ERR_INVALID, "site code '%s': expected 1 to %d "
			       "letters, digits, '_' or '-'", s->code,
			       DB_CODE_MAX - 1);
	if (!s->name[0])
		return err_set(e, ERR_INVALID, "site '%s': name is required",
			       s->code);
	if (strcmp(s->kind, "farm") && strcmp(s->kind, "pv_plant"))
		return err_set(e, ERR_INVALID, "site '%s': kind '%s': expected "
			       "farm or pv_plant", s->code, s->kind);
	if (isfinite(s->lon) != isfinite(s->lat))
		return err_set(e, ERR_INVALID, "site '%s': location needs both "
			       "lon and lat", s->code);
	if (isfinite(s->lat) && (fabs(s->lat) > 90 || fabs(s->lon) > 180))
		return err_set(e, ERR_INVALID, "site '%s': location %g,%g is out "
			       "of range (lon -180..180, lat -90..90)", s->code,
			       s->lon, s->lat);
	if (isfinite(s->alt_m) && (s->alt_m < -500 || s->alt_m > 9000))
		return err_set(e, ERR_INVALID, "site '%s': altitude %g m is out "
			       "of range (-500..9000)", s->code, s->alt_m);
	if (!(z = malloc(sizeof(*z))))
		return err_nomem(e);
	rc = tz_load(s->tz, NULL, z, e);
	free(z);
	if (rc)
		return err_prefix(e, "site '%s'", s->code);
	if ((rc = check_boundary(s, e)) || (rc = check_facts(s, e)))
		return rc;
	return ERR_OK;
}

int sites_add(struct db *db, struct db_site *s, int64_t now_ms, struct err *e)
{
	int rc;

	if ((rc = sites_check(s, e)))
		return rc;
	s->created_ms = s->updated_ms = now_ms;
	return db_site_create(db, s, e);
}

int sites_update(struct db *db, struct db_site *s, int64_t now_ms,
		 struct err *e)
{
	int rc;

	if ((rc = sites_check(s, e)))
		return rc;
	s->updated_ms = now_ms;
	return db_site_update(db, s, e);
}

int sites_fact_set(char **facts, const char *key, const char *value,
		   struct err *e)
{
	json_t *o = *facts && **facts ? json_loads(*facts, 0, NULL)
				     : json_object();
	json_t *v = NULL;
	char *text;

	if (!o || !json_is_object(o)) {
		json_decref(o);
		return err_set(e, ERR_INVALID, "facts: not a JSON object");
	}
	if (!key[0] || strlen(key) > 63) {
		json_decref(o);
		return err_set(e, ERR_INVALID, "fact '%s': a key of 1 to 63 "
			       "characters", key);
	}
	if (value) {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		if (!v || !(json_is_number(v) || json_is_boolean(v))) {
			json_decref(v);
			v = json_string(value);
		}
		json_object_set_new(o, key, v);
	} else {
		json_object_del(o, key);
	}
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text)
		return err_nomem(e);
	free(*facts);
	*facts = text;
	return ERR_OK;
}

static json_t *real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *sites_site_json(const struct db_site *s)
{
	json_t *facts = s->facts ? json_loads(s->facts, 0, NULL) : NULL;
	json_t *boundary = s->boundary ? json_loads(s->boundary, 0, NULL)
				       : NULL;
	json_t *loc = isfinite(s->lon) ? json_pack("{so so so}", "lon",
		json_real(s->lon), "lat", json_real(s->lat), "alt_m",
		real_or_null(s->alt_m)) : json_null();

	return json_pack("{ss ss ss ss so so so sb}", "code", s->code,
			 "name", s->name, "kind", s->kind, "tz", s->tz,
			 "location", loc,
			 "boundary", boundary ? boundary : json_null(),
			 "facts", facts ? facts : json_object(),
			 "default", s->is_default);
}

static int count_one(const char *id, void *ctx)
{
	(void)id;
	(*(int64_t *)ctx)++;
	return 0;
}

/* Add "devices" and "plots" counts to o. */
static int add_counts(struct db *db, const char *code, json_t *o,
		      struct err *e)
{
	int64_t nd = 0, np = 0;

	if (db_site_members(db, code, "device", count_one, &nd, e) ||
	    db_site_members(db, code, "plot", count_one, &np, e))
		return e->code;
	json_object_set_new(o, "devices", json_integer(nd));
	json_object_set_new(o, "plots", json_integer(np));
	return ERR_OK;
}

struct site_list {
	json_t *arr;
	struct db *db;
	struct err *e;
};

static int list_one(const struct db_site *s, void *ctx)
{
	struct site_list *l = ctx;
	json_t *o = sites_site_json(s);

	if (!o)
		return err_nomem(l->e);
	json_array_append_new(l->arr, o);
	return ERR_OK;
}

int sites_list_json(struct db *db, json_t **out, struct err *e)
{
	struct site_list l = { json_array(), db, e };
	int rc;

	*out = NULL;
	if (!l.arr)
		return err_nomem(e);
	rc = db_site_list(db, list_one, &l, e);
	/* counts after the listing: collect, then act */
	for (size_t i = 0; !rc && i < json_array_size(l.arr); i++) {
		json_t *o = json_array_get(l.arr, i);

		rc = add_counts(db, json_string_value(json_object_get(o, "code")),
				o, e);
	}
	if (rc) {
		json_decref(l.arr);
		return rc;
	}
	*out = json_pack("{so}", "sites", l.arr);
	return *out ? ERR_OK : err_nomem(e);
}

static int count_kind(const struct db_pv_equipment *q, void *ctx)
{
	json_t *o = ctx;
	json_t *n = json_object_get(o, q->kind);

	json_object_set_new(o, q->kind,
			    json_integer(n ? json_integer_value(n) + 1 : 1));
	return 0;
}

int sites_get_json(struct db *db, const char *code, json_t **out,
		   struct err *e)
{
	struct db_site s;
	json_t *o, *kinds;
	int rc;

	*out = NULL;
	if ((rc = db_site_get(db, code, &s, e)))
		return rc;
	o = sites_site_json(&s);
	db_site_free(&s);
	if (!o || !(kinds = json_object())) {
		json_decref(o);
		return err_nomem(e);
	}
	json_object_set_new(o, "equipment", kinds);
	if ((rc = add_counts(db, code, o, e)) ||
	    (rc = db_pv_equipment_list(db, code, count_kind, kinds, e))) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return ERR_OK;
}

struct members {
	char **ids;
	size_t n, cap;
	struct err *e;
};

static int take_member(const char *id, void *ctx)
{
	struct members *m = ctx;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		char **v = realloc(m->ids, cap * sizeof(*v));

		if (!v)
			return err_nomem(m->e);
		m->ids = v;
		m->cap = cap;
	}
	if (!(m->ids[m->n] = strdup(id)))
		return err_nomem(m->e);
	m->n++;
	return 0;
}

void sites_members_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int sites_members(struct db *db, const char *site, const char *what,
		  char ***ids, size_t *n, struct err *e)
{
	struct members m = { .e = e };
	struct db_site s;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = db_site_get(db, site, &s, e)))
		return rc;
	db_site_free(&s);
	if ((rc = db_site_members(db, site, what, take_member, &m, e))) {
		sites_members_free(m.ids, m.n);
		return rc;
	}
	*ids = m.ids;
	*n = m.n;
	return ERR_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct site_devices {
	char **ids;
	size_t n;
	json_t *arr;
};

static int device_one(const struct db_device *d, void *ctx)
{
	struct site_devices *s = ctx;
	const char *key = d->id;
	char created[40];

	if (d->deleted_ms || !s->n ||
	    !bsearch(&key, s->ids, s->n, sizeof(*s->ids), cmp_str))
		return 0;
	time_format_iso(d->created_ms, created, sizeof(created));
	json_array_append_new(s->arr, json_pack("{ss ss s:s? s:s? so ss}",
		"id", d->id, "kind", d->kind,
		"plot", d->plot[0] ? d->plot : NULL,
		"name", d->name[0] ? d->name : NULL,
		"location", isfinite(d->lon) ? json_pack("[ff]", d->lon, d->lat)
					     : json_null(),
		"created", created));
	return 0;
}

int sites_devices_json(struct db *db, const char *site, json_t **out,
		       struct err *e)
{
	struct site_devices s = { 0 };
	int rc;

	*out = NULL;
	if ((rc = sites_members(db, site, "device", &s.ids, &s.n, e)))
		return rc;
	/* the store sorts by bytes, as strcmp does */
	if (s.n)
		qsort(s.ids, s.n, sizeof(*s.ids), cmp_str);
	if (!(s.arr = json_array()))
		rc = err_nomem(e);
	else
		rc = db_device_list(db, NULL, device_one, &s, e);
	sites_members_free(s.ids, s.n);
	if (rc) {
		json_decref(s.arr);
		return rc;
	}
	*out = s.arr;
	return ERR_OK;
}

int sites_known(struct db *db, const char *code, struct err *e)
{
	struct db_site s;
	int rc = db_site_get(db, code, &s, e);

	if (!rc)
		db_site_free(&s);
	return rc;
}

int sites_load(struct db *db, const char *code, struct db_site *out,
	       struct tz *tz, struct err *e)
{
	int rc;

	if ((rc = db_site_get(db, code, out, e)))
		return rc;
	if (tz && (rc = tz_load(out->tz, NULL, tz, e))) {
		db_site_free(out);
		return err_prefix(e, "site '%s'", code);
	}
	return ERR_OK;
}

#define SITES_FALLBACK_TZ "Asia/Shanghai"

/* "+08:00", "-05:30", "+8" (a '+' may arrive decoded as a space), "Z",
 * "UTC": seconds east of UTC; false when s is none of these. */
static bool utc_offset(const char *s, int32_t *off, bool *bad)
{
	int h = 0, m = 0, n;
	char extra;

	*bad = false;
	if (!strcmp(s, "Z") || !strcmp(s, "UTC")) {
		*off = 0;
		return true;
	}
	if (!(s[0] == '+' || s[0] == '-' || s[0] == ' '))
		return false;
	n = isdigit((unsigned char)s[1])
		? sscanf(s + 1, "%2d:%2d%c", &h, &m, &extra) : 0;
	*bad = n < 1 || n > 2 || h > 14 || m < 0 || m > 59;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return true;
}

static int zone_of(struct db *db, const char *asked, struct db_site *site,
		   bool *have_site, struct tz *z, struct err *e)
{
	struct err ignored = { 0 };
	int32_t off;
	bool bad;
	char name[16];

	*have_site = !db_site_get(db, DB_SITE_DEFAULT, site, &ignored);
	if (asked && utc_offset(asked, &off, &bad)) {
		if (bad)
			goto invalid;
		snprintf(name, sizeof(name), "%s%02d:%02d", off < 0 ? "-" : "+",
			 abs(off) / 3600, abs(off) / 60 % 60);
		tz_fixed(z, off, off ? name : "UTC");
		return ERR_OK;
	}
	if (asked) {
		if (tz_load(asked, NULL, z, &ignored))
			goto invalid;
		return ERR_OK;
	}
	if (*have_site && !tz_load(site->tz, NULL, z, &ignored))
		return ERR_OK;
	if (tz_load(SITES_FALLBACK_TZ, NULL, z, &ignored))
		tz_fixed(z, 8 * 3600, "+08:00");
	return ERR_OK;
invalid:
	if (*have_site)
		db_site_free(site);
	*have_site = false;
	return err_set(e, ERR_INVALID, "parameter 'tz': '%s' is neither a time "
		       "zone like Asia/Shanghai nor a UTC offset like +08:00",
		       asked);
}

int sites_zone(struct db *db, const char *asked, struct db_site *site,
	       bool *have_site, struct tz *z, struct err *e)
{
	struct db_site own;
	bool have = false;
	int rc;

	if (site)
		return zone_of(db, asked, site, have_site, z, e);
	rc = zone_of(db, asked, &own, &have, z, e);
	if (have)
		db_site_free(&own);
	return rc;
}

void sites_free(struct db_site *s)
{
	db_site_free(s);
}
