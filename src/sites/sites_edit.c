/*
 * Sites made and edited from JSON (POST /api/v1/sites, PATCH
 * /api/v1/sites/CODE): each field of the body read and checked with a
 * message naming it, then the whole site checked and stored by sites.c.
 */
#include "sites/sites.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const editable[] = {
	"name", "kind", "tz", "location", "boundary", "facts",
};

/* Every key of body is editable (code too when creating). */
static int known_fields(json_t *body, bool creating, struct err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		bool ok = creating && !strcmp(key, "code");

		for (size_t i = 0; !ok && i < sizeof(editable) / sizeof(*editable);
		     i++)
			ok = !strcmp(key, editable[i]);
		if (!ok && !strcmp(key, "code"))
			return err_set(e, ERR_INVALID, "field 'code': a site's "
				       "code never changes");
		if (!ok)
			return err_set(e, ERR_INVALID, "field '%s': unknown "
				       "(expected one of code, name, kind, tz, "
				       "location, boundary, facts)", key);
	}
	return ERR_OK;
}

/* A text field into dst (size bytes); absent leaves dst alone. */
static int text_field(json_t *body, const char *key, char *dst, size_t size,
		      struct err *e)
{
	json_t *v = json_object_get(body, key);

	if (!v)
		return ERR_OK;
	if (!json_is_string(v) || !json_string_length(v) ||
	    json_string_length(v) >= size)
		return err_set(e, ERR_INVALID, "field '%s': expected a non-empty "
			       "string of at most %zu bytes", key, size - 1);
	snprintf(dst, size, "%s", json_string_value(v));
	return ERR_OK;
}

static int kind_field(json_t *body, struct db_site *s, struct err *e)
{
	int rc = text_field(body, "kind", s->kind, sizeof(s->kind), e);

	if (rc == ERR_INVALID || (!rc && strcmp(s->kind, "farm") &&
				  strcmp(s->kind, "pv_plant")))
		return err_set(e, ERR_INVALID, "field 'kind': expected farm or "
			       "pv_plant");
	return rc;
}

static int tz_field(json_t *body, struct db_site *s, struct err *e)
{
	struct tz *z;
	int rc;

	if (!json_object_get(body, "tz"))
		return ERR_OK;
	if ((rc = text_field(body, "tz", s->tz, sizeof(s->tz), e)))
		return rc;
	if (!(z = malloc(sizeof(*z))))
		return err_nomem(e);
	rc = tz_load(s->tz, NULL, z, e);
	free(z);
	if (rc) /* an unknown zone is a bad request here, not a missing page */
		return err_set(e, ERR_INVALID, "field 'tz': '%s' is not a known "
			       "time zone (expected an IANA name such as "
			       "Asia/Shanghai)", s->tz);
	return ERR_OK;
}

static bool number_in(json_t *v, double lo, double hi, double *out)
{
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out) && *out >= lo && *out <= hi;
}

/* location: {"lon","lat","alt_m"} (alt_m optional), [lon, lat(, alt)] or
 * null (none). */
static int location_field(json_t *body, struct db_site *s, struct err *e)
{
	json_t *v = json_object_get(body, "location");
	json_t *lon, *lat, *alt;

	if (!v)
		return ERR_OK;
	if (json_is_null(v)) {
		s->lon = s->lat = s->alt_m = NAN;
		return ERR_OK;
	}
	if (json_is_array(v) && (json_array_size(v) == 2 ||
				 json_array_size(v) == 3)) {
		lon = json_array_get(v, 0);
		lat = json_array_get(v, 1);
		alt = json_array_get(v, 2);
	} else if (json_is_object(v)) {
		lon = json_object_get(v, "lon");
		lat = json_object_get(v, "lat");
		alt = json_object_get(v, "alt_m");
	} else {
		goto bad;
	}
	if (!number_in(lon, -180, 180, &s->lon) ||
	    !number_in(lat, -90, 90, &s->lat))
		goto bad;
	s->alt_m = NAN;
	if (alt && !json_is_null(alt) && !number_in(alt, -500, 9000, &s->alt_m))
		return err_set(e, ERR_INVALID, "field 'location': alt_m: "
			       "expected metres in -500..9000");
	return ERR_OK;
bad:
	return err_set(e, ERR_INVALID, "field 'location': expected {\"lon\", "
		       "\"lat\", \"alt_m\"} or [lon, lat] with lon in -180..180 "
		       "and lat in -90..90, or null");
}

static int boundary_field(json_t *body, struct db_site *s, struct err *e)
{
	json_t *v = json_object_get(body, "boundary");
	char *text;

	if (!v)
		return ERR_OK;
	if (json_is_null(v)) {
		free(s->boundary);
		s->boundary = NULL;
		return ERR_OK;
	}
	if (!json_is_object(v))
		return err_set(e, ERR_INVALID, "field 'boundary': expected a "
			       "GeoJSON Polygon, MultiPolygon or a Feature of "
			       "one, or null");
	if (!(text = json_dumps(v, JSON_COMPACT)))
		return err_nomem(e);
	free(s->boundary);
	s->boundary = text;
	return ERR_OK;
}

/* facts: an object merged into the site's (RFC 7396: a key set to null is
 * removed), each value kept as its JSON type. */
static int facts_field(json_t *body, struct db_site *s, struct err *e)
{
	json_t *v = json_object_get(body, "facts");
	json_t *o, *x;
	const char *key;
	char *text;

	if (!v)
		return ERR_OK;
	if (!json_is_object(v))
		return err_set(e, ERR_INVALID, "field 'facts': expected an object "
			       "of text, numbers or booleans");
	o = s->facts && s->facts[0] ? json_loads(s->facts, 0, NULL)
				    : json_object();
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (!o)
		return err_nomem(e);
	json_object_foreach(v, key, x) {
		if (!key[0] || strlen(key) > 63 ||
		    !(json_is_null(x) || json_is_string(x) ||
		      json_is_number(x) || json_is_boolean(x))) {
			json_decref(o);
			return err_set(e, ERR_INVALID, "field 'facts': '%s': "
				       "expected a key of 1 to 63 bytes and text, "
				       "a number, a boolean or null (removes it)",
				       key);
		}
		if (json_is_null(x))
			json_object_del(o, key);
		else
			json_object_set(o, key, x);
	}
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text)
		return err_nomem(e);
	free(s->facts);
	s->facts = text;
	return ERR_OK;
}

static int read_fields(json_t *body, struct db_site *s, struct err *e)
{
	int rc;

	if ((rc = text_field(body, "name", s->name, sizeof(s->name), e)) ||
	    (rc = kind_field(body, s, e)) || (rc = tz_field(body, s, e)) ||
	    (rc = location_field(body, s, e)) ||
	    (rc = boundary_field(body, s, e)) || (rc = facts_field(body, s, e)))
		return rc;
	return ERR_OK;
}

/* The whole site checked (sites_check) as a bad request naming it. */
static int check_all(struct db_site *s, struct err *e)
{
	int rc = sites_check(s, e);

	if (rc == ERR_NOT_FOUND) /* its zone: checked above, but to be sure */
		e->code = rc = ERR_INVALID;
	return rc;
}

int sites_create_json(struct db *db, json_t *body, int64_t now_ms,
		      json_t **out, struct err *e)
{
	struct db_site s = { .lon = NAN, .lat = NAN, .alt_m = NAN };
	static const char *const required[] = { "code", "name", "kind", "tz" };
	int rc;

	*out = NULL;
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, "expected a JSON object");
	if ((rc = known_fields(body, true, e)))
		return rc;
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++)
		if (!json_object_get(body, required[i]))
			return err_set(e, ERR_INVALID, "field '%s' is required",
				       required[i]);
	if ((rc = text_field(body, "code", s.code, sizeof(s.code), e)) ||
	    (rc = read_fields(body, &s, e)) || (rc = check_all(&s, e)))
		goto out;
	if ((rc = sites_add(db, &s, now_ms, e)))
		goto out;
	rc = sites_get_json(db, s.code, out, e);
out:
	db_site_free(&s);
	return rc;
}

int sites_patch_json(struct db *db, const char *code, json_t *body,
		     int64_t now_ms, json_t **out, struct err *e)
{
	struct db_site s;
	json_t *c;
	int rc;

	*out = NULL;
	if (!json_is_object(body))
		return err_set(e, ERR_INVALID, "expected a JSON object");
	/* the code may be repeated, unchanged */
	c = json_object_get(body, "code");
	if (c && json_is_string(c) && !strcmp(json_string_value(c), code))
		json_object_del(body, "code");
	if ((rc = known_fields(body, false, e)))
		return rc;
	if ((rc = db_site_get(db, code, &s, e)))
		return rc;
	if (!(rc = read_fields(body, &s, e)) && !(rc = check_all(&s, e)) &&
	    !(rc = sites_update(db, &s, now_ms, e)))
		rc = sites_get_json(db, code, out, e);
	db_site_free(&s);
	return rc;
}
