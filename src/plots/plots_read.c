/*
 * Reading plots: the public calls, the loop over layers and features, and
 * the result arrays.  The per-feature work is in plots_geom.c and
 * plots_attr.c, opening in plots_open.c, CRS handling in plots_crs.c.
 */
#include "plots/plots_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <jansson.h>


#define ENCODING_MAX 32
#define MEM_PATH_MAX 128
#define FIELD_NAMES_MAX 8
#define GDAL_MSG_MAX 256
#define SHP_MAGIC "\x00\x00\x27\x0a" /* file code 9994, big-endian */

/*
 * What GDAL said while we read, kept by our error handler (installed for
 * the whole read, so nothing reaches stderr).  Some drivers recover from a
 * CRS they cannot parse by silently assuming another (GeoJSON falls back to
 * WGS 84); the failure message is then the only trace of it.
 */
struct gdal_log {
	char crs_failure[GDAL_MSG_MAX]; /* first CRS failure, or "" */
};

struct reader {
	const char *code_field;
	const char *encoding;
	size_t max_features;
	OGRSpatialReferenceH assigned;      /* NULL: each layer's CRS */
	json_t *seen;                       /* code -> first feature number */
	struct plots_read_result *res;
	size_t cap_plots;
	size_t cap_rejects;
	struct gdal_log log;                /* filled by gdal_collect */
	char open_crs_failure[GDAL_MSG_MAX]; /* what opening said */
};

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static bool gdal_has_geos;

static void gdal_init(void)
{
	int major, minor, patch;

	GDALAllRegister();
	gdal_has_geos = OGRGetGEOSVersion(&major, &minor, &patch);
}

/* Whether GDAL's message is about a CRS it could not understand. */
static bool is_crs_message(const char *msg)
{
	static const char *const words[] = {
		"PROJ", "crs", "srs", "spatial ref", "EPSG", "datum",
		"ellipsoid", "buildCS",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcasestr(msg, words[i]))
			return true;
	return false;
}

/* GDAL's error handler while we read: quiet, keeps the CRS failures. */
static void CPL_STDCALL gdal_collect(CPLErr level, CPLErrorNum no,
				     const char *msg)
{
	struct gdal_log *log = CPLGetErrorHandlerUserData();

	(void)no;
	if (!log || !msg || level < CE_Failure || log->crs_failure[0])
		return;
	if (is_crs_message(msg))
		snprintf(log->crs_failure, sizeof(log->crs_failure), "%s", msg);
}

static void gdal_log_reset(struct gdal_log *log)
{
	log->crs_failure[0] = '\0';
}

/* ---- results ---- */

/*
 * Keep a message valid UTF-8, as JSON answers need it: drop a character
 * cut short at the end, else (a field name in a legacy encoding) replace
 * the bytes that are not UTF-8.
 */
static void utf8_repair(char *s, size_t size)
{
	size_t n = strlen(s), k = n;
	char *ascii;

	if (CPLIsUTF8(s, -1))
		return;
	while (k > 0 && n - k < 3 && ((unsigned char)s[k - 1] & 0x80)) {
		if (CPLIsUTF8(s, (int)--k)) {
			s[k] = '\0';
			return;
		}
	}
	ascii = CPLForceToASCII(s, -1, '?');
	snprintf(s, size, "%s", ascii);
	CPLFree(ascii);
}

static int add_plot(struct reader *r, struct db_plot *p, struct err *e)
{
	struct plots_read_result *res = r->res;
	size_t cap = r->cap_plots ? 2 * r->cap_plots : 64;
	struct db_plot *grown;

	if (res->n_plots == r->cap_plots) {
		grown = realloc(res->plots, cap * sizeof(*grown));
		if (!grown) {
			db_plot_free(p);
			return err_nomem(e);
		}
		res->plots = grown;
		r->cap_plots = cap;
	}
	res->plots[res->n_plots++] = *p; /* the row now owns p's heap fields */
	return ERR_OK;
}

static int add_reject(struct reader *r, size_t feature, const char *code,
		      const char *reason, struct err *e)
{
	struct plots_read_result *res = r->res;
	size_t cap = r->cap_rejects ? 2 * r->cap_rejects : 16;
	struct plots_reject *grown, *rj;

	if (res->n_rejects == r->cap_rejects) {
		grown = realloc(res->rejects, cap * sizeof(*grown));
		if (!grown)
			return err_nomem(e);
		res->rejects = grown;
		r->cap_rejects = cap;
	}
	rj = &res->rejects[res->n_rejects++];
	rj->feature = feature;
	snprintf(rj->code, sizeof(rj->code), "%s", code);
	snprintf(rj->reason, sizeof(rj->reason), "%s", reason);
	utf8_repair(rj->reason, sizeof(rj->reason));
	return ERR_OK;
}

void plots_read_result_free(struct plots_read_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_plots; i++)
		db_plot_free(&r->plots[i]);
	free(r->plots);
	free(r->rejects);
	memset(r, 0, sizeof(*r));
}

void plots_reject_format(const struct plots_reject *r, char *out, size_t size)
{
	if (size == 0)
		return;
	if (r->code[0])
		snprintf(out, size, "feature %zu (code %s): %s", r->feature,
			 r->code, r->reason);
	else
		snprintf(out, size, "feature %zu: %s", r->feature, r->reason);
	utf8_repair(out, size);
}

/* ---- features ---- */

/* A later feature with a code seen before is a duplicate. */
static int check_duplicate(struct reader *r, const char *code, size_t feature,
			   char *reason, struct err *e)
{
	json_t *first = json_object_get(r->seen, code);

	if (first) {
		snprintf(reason, PLOTS_REASON_MAX,
			 "duplicate code, first seen at feature %lld",
			 (long long)json_integer_value(first));
		return ERR_INVALID;
	}
	first = json_integer((json_int_t)feature);
	if (!first || json_object_set_new(r->seen, code, first))
		return err_nomem(e);
	return ERR_OK;
}

static int read_feature(struct reader *r, const struct plots__fieldmap *map,
			OGRCoordinateTransformationH ct, OGRFeatureH f,
			struct err *e)
{
	size_t feature = r->res->n_features;
	char reason[PLOTS_REASON_MAX] = "";
	struct db_plot p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = plots__code(f, map, r->code_field, p.code, reason);
	if (!rc)
		rc = check_duplicate(r, p.code, feature, reason, e);
	if (!rc)
		rc = plots__geometry(OGR_F_StealGeometry(f), ct, &p, reason, e);
	if (!rc)
		rc = plots__attributes(f, map, &p, reason, e);
	if (!rc)
		return add_plot(r, &p, e);
	db_plot_free(&p);
	if (rc == ERR_INVALID)
		return add_reject(r, feature, p.code, reason, e);
	return rc;
}

/* ---- layers ---- */

/* "its fields: a, b, c" for a message. */
static void describe_fields(OGRFeatureDefnH defn, char *out, size_t size)
{
	int n = OGR_FD_GetFieldCount(defn);
	size_t used;

	snprintf(out, size, n ? "its fields:" : "it has no fields");
	for (int i = 0; i < n && i < FIELD_NAMES_MAX; i++) {
		used = strlen(out);
		snprintf(out + used, size - used, "%s %s", i ? "," : "",
			 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
	}
	if (n > FIELD_NAMES_MAX) {
		used = strlen(out);
		snprintf(out + used, size - used, ", ...");
	}
}

static int no_code_field(struct reader *r, OGRLayerH layer, struct err *e)
{
	char fields[256];

	describe_fields(OGR_L_GetLayerDefn(layer), fields, sizeof(fields));
	return err_set(e, ERR_INVALID,
		       "layer '%s' has no field '%s' (%s); name the code field "
		       "with --code-field", OGR_L_GetName(layer), r->code_field,
		       fields);
}

static int too_many(struct reader *r, struct err *e)
{
	return err_set(e, ERR_TOO_LARGE,
		       "more than %zu features; import it in parts",
		       r->max_features);
}

/* Read every feature of layer with its field map and transformation. */
static int read_features(struct reader *r, OGRLayerH layer,
			 const struct plots__fieldmap *map,
			 OGRCoordinateTransformationH ct, struct err *e)
{
	size_t before = r->res->n_features;
	OGRFeatureH f;
	int rc = ERR_OK;

	OGR_L_ResetReading(layer);
	for (;;) {
		CPLErrorReset();
		f = OGR_L_GetNextFeature(layer);
		if (!f)
			break;
		if (map->code_index < 0)
			rc = no_code_field(r, layer, e);
		else if (++r->res->n_features > r->max_features)
			rc = too_many(r, e);
		else
			rc = read_feature(r, map, ct, f, e);
		OGR_F_Destroy(f);
		if (rc)
			return rc;
	}
	/* a driver that stops at a damaged record says so only here */
	if (CPLGetLastErrorType() >= CE_Failure)
		return err_set(e, ERR_INVALID,
			       "layer '%s': reading stopped after its feature "
			       "%zu: %s", OGR_L_GetName(layer),
			       r->res->n_features - before, CPLGetLastErrorMsg());
	return ERR_OK;
}

static int read_layer(struct reader *r, GDALDatasetH ds, OGRLayerH layer,
		      struct err *e)
{
	OGRCoordinateTransformationH ct = NULL;
	struct plots__fieldmap map = { 0, -1, NULL };
	OGRSpatialReferenceH srs = NULL;
	const char *failure, *driver;
	int rc;

	gdal_log_reset(&r->log);
	if (!r->assigned)
		srs = OGR_L_GetSpatialRef(layer); /* may parse a .prj now */
	failure = r->log.crs_failure[0] ? r->log.crs_failure :
		  r->open_crs_failure;
	rc = plots__layer_transform(ds, layer, srs, failure, r->assigned, &ct,
				    e);
	if (rc)
		return rc;
	driver = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
	rc = plots__fieldmap_build(OGR_L_GetLayerDefn(layer), r->code_field,
				   driver, &map, e);
	if (!rc)
		rc = read_features(r, layer, &map, ct, e);
	plots__fieldmap_free(&map);
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	return rc;
}

static bool has_geometry(OGRLayerH layer)
{
	return OGR_FD_GetGeomFieldCount(OGR_L_GetLayerDefn(layer)) > 0;
}

/* Refuse early what is too big, when the driver knows its counts cheaply. */
static int check_size(struct reader *r, GDALDatasetH ds, struct err *e)
{
	GIntBig total = 0, n;

	for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);

		if (!has_geometry(layer))
			continue;
		n = OGR_L_GetFeatureCount(layer, FALSE);
		if (n > 0)
			total += n;
	}
	return total > (GIntBig)r->max_features ? too_many(r, e) : ERR_OK;
}

static int read_dataset(struct reader *r, GDALDatasetH ds, struct err *e)
{
	int n_layers = GDALDatasetGetLayerCount(ds), spatial = 0;
	int rc = check_size(r, ds, e);

	if (n_layers == 0)
		return err_set(e, ERR_INVALID, "holds no layers");
	for (int i = 0; i < n_layers && !rc; i++) {
		OGRLayerH layer = GDALDatasetGetLayer(ds, i);

		if (!has_geometry(layer))
			continue; /* a table without geometries */
		spatial++;
		rc = read_layer(r, ds, layer, e);
	}
	if (!rc && !spatial)
		rc = err_set(e, ERR_INVALID,
			     "holds no layer with geometries (%d table%s "
			     "without)", n_layers, n_layers == 1 ? "" : "s");
	return rc;
}

/* ---- the reader ---- */

static bool is_encoding_name(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.:", s[i]))
			return false;
	return n > 0 && n <= ENCODING_MAX;
}

static int reader_init(struct reader *r, const struct plots_read_opts *o,
		       struct plots_read_result *out, struct err *e)
{
	static const struct plots_read_opts defaults;
	int rc;

	if (!o)
		o = &defaults;
	memset(r, 0, sizeof(*r));
	r->res = out;
	r->code_field = o->code_field && *o->code_field ? o->code_field :
			PLOTS_CODE_FIELD_DEFAULT;
	r->max_features = o->max_features ? o->max_features :
			  PLOTS_READ_MAX_FEATURES;
	r->encoding = o->encoding;
	if (r->encoding && !is_encoding_name(r->encoding))
		return err_set(e, ERR_INVALID,
			       "'%.40s' is not an encoding name (e.g. GBK, "
			       "CP936, UTF-8)", r->encoding);
	if (o->assign_crs) {
		rc = plots__crs_parse(o->assign_crs, &r->assigned, e);
		if (rc)
			return rc;
	}
	r->seen = json_object();
	if (!r->seen) {
		if (r->assigned)
			OSRDestroySpatialReference(r->assigned);
		return err_nomem(e);
	}
	return ERR_OK;
}

static void reader_fini(struct reader *r)
{
	json_decref(r->seen);
	if (r->assigned)
		OSRDestroySpatialReference(r->assigned);
}

/* Open path (the zip inside it with force_zip) and read it into r. */
static int read_path(struct reader *r, const char *path, bool force_zip,
		     bool upload, struct err *e)
{
	GDALDatasetH ds;
	int rc;

	rc = plots__open(path, force_zip, r->encoding, upload, &ds, e);
	if (rc)
		return rc;
	snprintf(r->open_crs_failure, sizeof(r->open_crs_failure), "%s",
		 r->log.crs_failure);
	rc = read_dataset(r, ds, e);
	GDALClose(ds);
	return rc;
}

/*
 * The whole read of one source; name is what messages call it.  An upload
 * (a buffer a caller sent) is read with the checks of plots__open.
 */
static int read_source(const char *path, const char *name, bool force_zip,
		       bool upload, const struct plots_read_opts *o,
		       struct plots_read_result *out, struct err *e)
{
	struct reader r;
	int rc;

	rc = reader_init(&r, o, out, e);
	if (rc)
		return rc;
	if (!gdal_has_geos) {
		reader_fini(&r);
		return err_set(e, ERR_UNSUPPORTED, "this GDAL was built without "
			       "GEOS, so polygons cannot be validated");
	}
	CPLPushErrorHandlerEx(gdal_collect, &r.log);
	rc = read_path(&r, path, force_zip, upload, e);
	CPLPopErrorHandler();
	reader_fini(&r);
	if (rc) {
		plots_read_result_free(out);
		err_prefix(e, "%s", name);
		if (e)
			utf8_repair(e->msg, sizeof(e->msg));
	}
	return rc;
}

int plots_read_file(const char *path, const struct plots_read_opts *o,
		    struct plots_read_result *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (!path || !*path)
		return err_set(e, ERR_INVALID, "no file named");
	pthread_once(&gdal_once, gdal_init);
	return read_source(path, path, false, false, o, out, e);
}

int plots_read_buffer(const void *data, size_t len,
		      const struct plots_read_opts *o,
		      struct plots_read_result *out, struct err *e)
{
	const char *name = o && o->label && *o->label ? o->label : "upload";
	char dir[MEM_PATH_MAX], path[MEM_PATH_MAX];
	bool is_zip;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!data || len == 0)
		return err_set(e, ERR_INVALID, "%s: empty", name);
	if (len >= sizeof(SHP_MAGIC) - 1 &&
	    memcmp(data, SHP_MAGIC, sizeof(SHP_MAGIC) - 1) == 0)
		return err_set(e, ERR_UNSUPPORTED, "%s: the .shp of a Shapefile "
			       "alone cannot be read; send a .zip of its .shp, "
			       ".shx, .dbf and .prj", name);
	pthread_once(&gdal_once, gdal_init);
	rc = plots__mem_put(data, len, dir, sizeof(dir), path, sizeof(path),
			    &is_zip, e);
	if (rc)
		return err_prefix(e, "%s", name);
	rc = read_source(path, name, is_zip, true, o, out, e);
	plots__mem_drop(dir);
	return rc;
}
