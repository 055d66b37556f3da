/* A site's map features, kept as a GeoJSON file among the store's files. */
#include "sites/features.h"

#include <stdio.h>
#include <string.h>

static int file_name(const char *code, char *out, size_t size, struct err *e)
{
	if (!code[0] || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
			       "nopqrstuvwxyz0123456789_-") != strlen(code))
		return err_set(e, ERR_INVALID, "site code '%s': letters, digits, "
			       "'_' and '-' only", code);
	if ((size_t)snprintf(out, size, "sites/%s/features.geojson", code) >= size)
		return err_set(e, ERR_INVALID, "site code '%s' too long", code);
	return ERR_OK;
}

/* A FeatureCollection whose features are an array, or ERR_INVALID. */
static int check(json_t *v, const char *what, struct err *e)
{
	const char *type = json_string_value(json_object_get(v, "type"));

	if (!json_is_object(v) || !type || strcmp(type, "FeatureCollection") ||
	    !json_is_array(json_object_get(v, "features")))
		return err_set(e, ERR_INVALID, "%s: not a GeoJSON "
			       "FeatureCollection", what);
	return ERR_OK;
}

int sites_features_json(struct db *db, const char *code, json_t **out,
			struct err *e)
{
	char name[DB_FILE_NAME_MAX];
	struct db_site site;
	struct db_file f = { 0 };
	json_error_t je;
	json_t *v;
	int rc;

	if ((rc = db_site_get(db, code, &site, e)))
		return rc;
	db_site_free(&site);
	if ((rc = file_name(code, name, sizeof(name), e)))
		return rc;
	if ((rc = db_file_get(db, name, &f, e)) == ERR_NOT_FOUND) {
		*out = json_pack("{ss s[]}", "type", "FeatureCollection",
				 "features");
		return *out ? ERR_OK : err_nomem(e);
	}
	if (rc)
		return rc;
	v = json_loadb(f.data, (size_t)f.size, 0, &je);
	db_file_free(&f);
	if (!v)
		return err_set(e, ERR_INTERNAL, "%s line %d: %s", name, je.line,
			       je.text);
	if ((rc = check(v, name, e))) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}

int sites_features_save(struct db *db, const char *code, const char *geojson,
			size_t len, bool replace, int64_t now_ms,
			struct err *e)
{
	char name[DB_FILE_NAME_MAX];
	struct db_file f = { 0 };
	struct err miss;
	json_error_t je;
	json_t *v;
	int rc;

	if ((rc = file_name(code, name, sizeof(name), e)))
		return rc;
	if (!replace && !db_file_get(db, name, &f, &miss)) {
		db_file_free(&f);
		return ERR_OK;
	}
	if (!(v = json_loadb(geojson, len, 0, &je)))
		return err_set(e, ERR_INVALID, "features line %d: %s", je.line,
			       je.text);
	rc = check(v, "features", e);
	json_decref(v);
	return rc ? rc : db_file_put(db, name, geojson, len, now_ms, e);
}
