/*
 * sites: the installation's sites (the cotton base, the PV park...), each
 * with its kind, IANA time zone, location, boundary and facts, and the
 * devices and plots that belong to it.  The one place that checks a site
 * and writes it as JSON; the command line (`oasis sites`) and the routes
 * (GET /api/v1/sites...) call it.  See docs/PV.md, "Sites".
 */
#ifndef OASIS_SITES_SITES_H
#define OASIS_SITES_SITES_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"
#include "util/tz.h"

/*
 * Check a site: code [A-Za-z0-9_-]{1,63}, a name, kind farm or pv_plant,
 * a known time zone, lon/lat in range (both or neither), the boundary a
 * GeoJSON Polygon or MultiPolygon (a Feature's geometry is taken), facts a
 * JSON object of strings, numbers or booleans.  ERR_INVALID naming the
 * field.  May rewrite boundary (a Feature to its geometry, compact).
 */
int sites_check(struct db_site *s, struct err *e);

/*
 * A site made from a JSON body {code, name, kind, tz, location, boundary,
 * facts} (the first four required; location {lon, lat, alt_m} or [lon,
 * lat], boundary GeoJSON, facts an object) and stored; *out the site as
 * sites_get_json writes it.  ERR_INVALID naming the field, ERR_EXISTS for
 * a taken code (sites_edit.c).
 */
int sites_create_json(struct db *db, json_t *body, int64_t now_ms,
		      json_t **out, struct err *e);
/*
 * A site's fields changed from a JSON body (any of name, kind, tz,
 * location, boundary, facts; null clears location and boundary; facts are
 * merged, a null value removing a key); the code never changes.
 */
int sites_patch_json(struct db *db, const char *code, json_t *body,
		     int64_t now_ms, json_t **out, struct err *e);

/* Check and store a new site (now_ms its creation). */
int sites_add(struct db *db, struct db_site *s, int64_t now_ms,
	      struct err *e);
/* Check and store a site's new fields (code unchanged). */
int sites_update(struct db *db, struct db_site *s, int64_t now_ms,
		 struct err *e);

/* A fact set (value parsed as JSON when it is a number or boolean, else
 * text) or removed (value NULL) in a facts object text; *facts replaced. */
int sites_fact_set(char **facts, const char *key, const char *value,
		   struct err *e);

/* A site as JSON (new reference). */
json_t *sites_site_json(const struct db_site *s);
/* Every site: {"sites": [...]} with each site's device and plot counts. */
int sites_list_json(struct db *db, json_t **out, struct err *e);
/* One site, with its counts and its PV equipment by kind. */
int sites_get_json(struct db *db, const char *code, json_t **out,
		   struct err *e);
/* The ids of a site's devices (what "device") or plots ("plot"), sorted;
 * *ids heap (free each, then the array). */
int sites_members(struct db *db, const char *site, const char *what,
		  char ***ids, size_t *n, struct err *e);
void sites_members_free(char **ids, size_t n);
/* The live devices of a site, as GET /api/v1/devices writes them. */
int sites_devices_json(struct db *db, const char *site, json_t **out,
		       struct err *e);

/* ERR_NOT_FOUND naming the code unless the site exists. */
int sites_known(struct db *db, const char *code, struct err *e);

/* A site and its time zone, loaded; ERR_NOT_FOUND for an unknown code. */
int sites_load(struct db *db, const char *code, struct db_site *out,
	       struct tz *tz, struct err *e);

/*
 * The zone of a request's days: asked (a ?tz= value: an IANA name such as
 * "Asia/Shanghai", a UTC offset "+08:00", "-05:30", "+8", or "Z"/"UTC";
 * NULL: the default site's zone).  The default site is loaded into *site
 * unless site is NULL (*have_site false when there is none; then
 * Asia/Shanghai).  ERR_INVALID naming parameter 'tz'.  Free *site with
 * sites_free when *have_site.
 */
int sites_zone(struct db *db, const char *asked, struct db_site *site,
	       bool *have_site, struct tz *z, struct err *e);
/* Free the heap fields of a site (not the struct). */
void sites_free(struct db_site *s);

#endif
