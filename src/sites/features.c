/* A site's map features, kept as a GeoJSON file in the store's folder. */
#include "sites/features.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sites/sites.h"

static int site_dir(const char *data_dir, const char *code, char *out,
		    size_t size, struct err *e)
{
	if (!code[0] || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
			       "nopqrstuvwxyz0123456789_-") != strlen(code))
		return err_set(e, ERR_INVALID, "site code '%s': letters, digits, "
			       "'_' and '-' only", code);
	if ((size_t)snprintf(out, size, "%s/sites/%s", data_dir, code) >= size)
		return err_set(e, ERR_INVALID, "store folder path too long");
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

int sites_features_json(struct db *db, const char *data_dir, const char *code,
			json_t **out, struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct db_site site;
	json_error_t je;
	json_t *v;
	int rc;

	if ((rc = db_site_get(db, code, &site, e)))
		return rc;
	db_site_free(&site);
	if ((rc = site_dir(data_dir, code, dir, sizeof(dir), e)))
		return rc;
	snprintf(path, sizeof(path), "%s/features.geojson", dir);
	if (access(path, F_OK)) {
		*out = json_pack("{ss s[]}", "type", "FeatureCollection",
				 "features");
		return *out ? ERR_OK : err_nomem(e);
	}
	if (!(v = json_load_file(path, 0, &je)))
		return err_set(e, ERR_IO, "%s line %d: %s", path, je.line, je.text);
	if ((rc = check(v, path, e))) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return ERR_OK;
}

static int make_dir(const char *path, struct err *e)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return err_set(e, ERR_IO, "cannot create %s: %s", path,
			       strerror(errno));
	return ERR_OK;
}

int sites_features_save(const char *data_dir, const char *code,
			const char *geojson, size_t len, bool replace,
			struct err *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], tmp[PATH_MAX + 48];
	json_error_t je;
	json_t *v;
	int rc;

	if ((rc = site_dir(data_dir, code, dir, sizeof(dir), e)))
		return rc;
	snprintf(path, sizeof(path), "%s/features.geojson", dir);
	if (!replace && !access(path, F_OK))
		return ERR_OK;
	if (!(v = json_loadb(geojson, len, 0, &je)))
		return err_set(e, ERR_INVALID, "features line %d: %s", je.line,
			       je.text);
	rc = check(v, "features", e);
	snprintf(tmp, sizeof(tmp), "%s/sites", data_dir);
	if (!rc && !(rc = make_dir(tmp, e)) && !(rc = make_dir(dir, e))) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		if (json_dump_file(v, tmp, JSON_COMPACT) || rename(tmp, path))
			rc = err_set(e, ERR_IO, "cannot write %s: %s", path,
				     strerror(errno));
	}
	json_decref(v);
	return rc;
}
