/*
 * One plot's code and attributes: the known fields into the db_plot
 * columns, checked; every other non-null field into the extra JSON object
 * with its type kept (numbers stay numbers, dates become ISO 8601 text).
 */
#include "plots/plots_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <jansson.h>

#include "util/timeutil.h"

#define ENCODING_HINT "(a Shapefile without its .cpg? give its encoding: " \
	"--encoding GBK, or ?encoding=GBK over HTTP)"
/* Integers a double holds exactly: codes stored as reals are printed whole. */
#define EXACT_INTEGER_MAX 9007199254740992.0

struct known_field {
	enum plots__column column;
	const char *names[3]; /* the first found wins */
};

static const struct known_field known_fields[] = {
	{ PLOTS__NAME, { "name" } },
	{ PLOTS__CROP, { "crop" } },
	{ PLOTS__VARIETY, { "variety" } },
	{ PLOTS__SOWING_DATE, { "sowing_date", "sowing_dat", "sown" } },
	{ PLOTS__IRRIGATION, { "irrigation" } },
	{ PLOTS__SOIL_TEXTURE, { "soil_texture", "soil_textu" } },
	{ PLOTS__FIELD_CAPACITY, { "field_capacity", "field_capa" } },
	{ PLOTS__WILTING_POINT, { "wilting_point", "wilting_po" } },
	{ PLOTS__OWNER, { "owner" } },
};

/* Fields the KML drivers add to every placemark; not the user's data. */
static const char *const kml_bookkeeping[] = {
	"timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
	"visibility", "drawOrder", "icon", "snippet",
};

static int reject(char *reason, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int reject(char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, PLOTS_REASON_MAX, fmt, ap);
	va_end(ap);
	return ERR_INVALID;
}

static void map_known(OGRFeatureDefnH defn, struct plots__fieldmap *m)
{
	size_t n = sizeof(known_fields) / sizeof(*known_fields);

	for (size_t k = 0; k < n; k++) {
		const struct known_field *kf = &known_fields[k];

		for (int j = 0; j < 3 && kf->names[j]; j++) {
			int i = OGR_FD_GetFieldIndex(defn, kf->names[j]);

			if (i >= 0 && m->column[i] == PLOTS__EXTRA) {
				m->column[i] = kf->column;
				break;
			}
		}
	}
}

static void skip_kml_bookkeeping(OGRFeatureDefnH defn, const char *driver,
				 struct plots__fieldmap *m)
{
	size_t n = sizeof(kml_bookkeeping) / sizeof(*kml_bookkeeping);

	if (strcmp(driver, "LIBKML") != 0 && strcmp(driver, "KML") != 0)
		return;
	for (size_t k = 0; k < n; k++) {
		int i = OGR_FD_GetFieldIndex(defn, kml_bookkeeping[k]);

		if (i >= 0 && m->column[i] == PLOTS__EXTRA)
			m->column[i] = PLOTS__SKIP;
	}
}

int plots__fieldmap_build(OGRFeatureDefnH defn, const char *code_field,
			  const char *driver, struct plots__fieldmap *m,
			  struct err *e)
{
	m->n_fields = OGR_FD_GetFieldCount(defn);
	m->column = calloc(m->n_fields ? (size_t)m->n_fields : 1,
			   sizeof(*m->column));
	if (!m->column)
		return err_nomem(e);
	/* OGR matches field names case-insensitively: CODE, Code, code */
	m->code_index = OGR_FD_GetFieldIndex(defn, code_field);
	if (m->code_index >= 0)
		m->column[m->code_index] = PLOTS__CODE;
	map_known(defn, m);
	skip_kml_bookkeeping(defn, driver ? driver : "", m);
	return ERR_OK;
}

void plots__fieldmap_free(struct plots__fieldmap *m)
{
	free(m->column);
	m->column = NULL;
}

static const char *field_name(OGRFeatureH f, int i)
{
	return OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(f, i));
}

static OGRFieldType field_type(OGRFeatureH f, int i)
{
	return OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i));
}

/* s without the white space around it: *len bytes from the return. */
static const char *trimmed(const char *s, size_t *len)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* The code as text: integers (also integral reals) without a fraction. */
static void code_text(OGRFeatureH f, int i, char *out, size_t size)
{
	double v;

	switch (field_type(f, i)) {
	case OFTInteger:
	case OFTInteger64:
		snprintf(out, size, "%lld",
			 (long long)OGR_F_GetFieldAsInteger64(f, i));
		return;
	case OFTReal:
		v = OGR_F_GetFieldAsDouble(f, i);
		if (v == floor(v) && fabs(v) <= EXACT_INTEGER_MAX) {
			snprintf(out, size, "%.0f", v);
			return;
		}
		break;
	default:
		break;
	}
	snprintf(out, size, "%s", OGR_F_GetFieldAsString(f, i));
}

/*
 * How many of the n bytes of s to quote in a message: at most max, and
 * never half a UTF-8 character.
 */
static int quote_len(const char *s, size_t n, size_t max)
{
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* Control characters break logs and CSV; '/' cannot be in /plots/CODE. */
static bool code_chars_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/')
			return false;
	return true;
}

int plots__code(OGRFeatureH f, const struct plots__fieldmap *m,
		const char *code_field, char *code, char *reason)
{
	char text[4 * DB_CODE_MAX];
	const char *s;
	size_t n;

	code[0] = '\0';
	if (!OGR_F_IsFieldSetAndNotNull(f, m->code_index))
		return reject(reason, "no value in code field '%s'", code_field);
	code_text(f, m->code_index, text, sizeof(text));
	s = trimmed(text, &n);
	if (n == 0)
		return reject(reason, "no value in code field '%s'", code_field);
	if (n >= DB_CODE_MAX || strlen(text) >= sizeof(text) - 1)
		return reject(reason, "code '%.*s...' is too long (at most %d "
			      "bytes)", quote_len(s, n, 24), s, DB_CODE_MAX - 1);
	if (!CPLIsUTF8(s, (int)n))
		return reject(reason, "the code is not UTF-8 text "
			      ENCODING_HINT);
	if (!code_chars_ok(s, n))
		return reject(reason, "code '%.*s' holds a control character "
			      "or '/'", (int)n, s);
	memcpy(code, s, n);
	code[n] = '\0';
	return ERR_OK;
}

/* A text column: trimmed, UTF-8, fitting in size bytes with its NUL. */
static int read_text(OGRFeatureH f, int i, char *out, size_t size,
		     char *reason)
{
	size_t n;
	const char *s = trimmed(OGR_F_GetFieldAsString(f, i), &n);

	if (!CPLIsUTF8(s, (int)n))
		return reject(reason, "field '%s' is not UTF-8 text "
			      ENCODING_HINT, field_name(f, i));
	if (n >= size)
		return reject(reason, "field '%s' is too long (%zu bytes; at "
			      "most %zu)", field_name(f, i), n, size - 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return ERR_OK;
}

static int read_date(OGRFeatureH f, int i, char out[16], char *reason)
{
	int y, mo, d, h, mi, tz;
	float sec;
	char text[16];
	size_t n;
	const char *s;

	if (field_type(f, i) == OFTDate || field_type(f, i) == OFTDateTime) {
		OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &d, &h, &mi, &sec,
					   &tz);
		snprintf(text, sizeof(text), "%04d-%02d-%02d", y, mo, d);
		s = text;
		n = strlen(text);
	} else {
		s = trimmed(OGR_F_GetFieldAsString(f, i), &n);
		if (n == 0)
			return ERR_OK;
		if (!CPLIsUTF8(s, (int)n))
			return reject(reason, "field '%s' is not UTF-8 text "
				      ENCODING_HINT, field_name(f, i));
		if (n < sizeof(text)) {
			memcpy(text, s, n);
			text[n] = '\0';
		}
	}
	if (n >= sizeof(text) || time_parse_date(text, &y, &mo, &d))
		return reject(reason, "field '%s': '%.*s' is not a date "
			      "(YYYY-MM-DD)", field_name(f, i),
			      quote_len(s, n, 40), s);
	memcpy(out, text, n + 1);
	return ERR_OK;
}

/* A volumetric water content in m3/m3, strictly between 0 and 1. */
static int read_fraction(OGRFeatureH f, int i, double *out, char *reason)
{
	OGRFieldType t = field_type(f, i);
	const char *s;
	char *end;
	size_t n;
	double v;

	if (t == OFTReal || t == OFTInteger || t == OFTInteger64) {
		v = OGR_F_GetFieldAsDouble(f, i);
	} else {
		s = trimmed(OGR_F_GetFieldAsString(f, i), &n);
		if (n == 0)
			return ERR_OK;
		if (!CPLIsUTF8(s, (int)n))
			return reject(reason, "field '%s' is not UTF-8 text "
				      ENCODING_HINT, field_name(f, i));
		v = CPLStrtod(s, &end); /* '.' whatever the locale */
		if (end != s + n || !isfinite(v))
			return reject(reason, "field '%s': '%.*s' is not a "
				      "number", field_name(f, i),
				      quote_len(s, n, 40), s);
	}
	if (!(v > 0 && v < 1))
		return reject(reason, "field '%s' is %g; a water content in "
			      "m3/m3 is between 0 and 1 (0.32, not 32)",
			      field_name(f, i), v);
	*out = v;
	return ERR_OK;
}

/* "2026-04-10", "08:30:00", "2026-04-10T08:30:00+08:00" from OGR parts. */
static void iso_datetime(OGRFeatureH f, int i, char *out, size_t size)
{
	OGRFieldType t = field_type(f, i);
	int y, mo, d, h, mi, tz, off;
	char date[16] = "", clock[24] = "", zone[16] = "";
	float sec;

	OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &d, &h, &mi, &sec, &tz);
	if (t != OFTTime)
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, mo, d);
	if (t != OFTDate && sec == floorf(sec))
		snprintf(clock, sizeof(clock), "%s%02d:%02d:%02d",
			 t == OFTDateTime ? "T" : "", h, mi, (int)sec);
	else if (t != OFTDate)
		snprintf(clock, sizeof(clock), "%s%02d:%02d:%06.3f",
			 t == OFTDateTime ? "T" : "", h, mi, (double)sec);
	/* OGR's TZFlag: 0 unknown, 1 local, 100 UTC, 100 + n: n * 15 min */
	if (t != OFTDate && tz == 100) {
		snprintf(zone, sizeof(zone), "Z");
	} else if (t != OFTDate && tz > 1) {
		off = (tz - 100) * 15;
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
			 abs(off) / 60, abs(off) % 60);
	}
	snprintf(out, size, "%s%s%s", date, clock, zone);
}

/* Append v (taken over) to array a; false when out of memory. */
static bool append(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0;
}

static int json_string_list(OGRFeatureH f, int i, json_t *a, char *reason,
			    struct err *e)
{
	char **strs = OGR_F_GetFieldAsStringList(f, i);

	for (int k = 0; strs && strs[k]; k++) {
		if (!CPLIsUTF8(strs[k], -1))
			return reject(reason, "field '%s' is not UTF-8 text "
				      ENCODING_HINT, field_name(f, i));
		if (!append(a, json_string(strs[k])))
			return err_nomem(e);
	}
	return ERR_OK;
}

static int json_list(OGRFeatureH f, int i, json_t **out, char *reason,
		     struct err *e)
{
	json_t *a = json_array();
	const GIntBig *ints;
	const double *reals;
	int n = 0, rc = ERR_OK;

	if (!a)
		return err_nomem(e);
	switch (field_type(f, i)) {
	case OFTIntegerList:
	case OFTInteger64List:
		ints = OGR_F_GetFieldAsInteger64List(f, i, &n);
		for (int k = 0; k < n && !rc; k++)
			if (!append(a, json_integer(ints[k])))
				rc = err_nomem(e);
		break;
	case OFTRealList:
		reals = OGR_F_GetFieldAsDoubleList(f, i, &n);
		for (int k = 0; k < n && !rc; k++) {
			json_t *v = isfinite(reals[k]) ? json_real(reals[k]) :
				    json_null();

			if (!append(a, v))
				rc = err_nomem(e);
		}
		break;
	default:
		rc = json_string_list(f, i, a, reason, e);
		break;
	}
	if (rc)
		json_decref(a);
	else
		*out = a;
	return rc;
}

static int json_text(OGRFeatureH f, int i, json_t **out, char *reason,
		     struct err *e)
{
	const char *s = OGR_F_GetFieldAsString(f, i);

	if (!CPLIsUTF8(s, -1))
		return reject(reason, "field '%s' is not UTF-8 text "
			      ENCODING_HINT, field_name(f, i));
	/* GeoJSON objects and arrays in properties stay JSON */
	if (OGR_Fld_GetSubType(OGR_F_GetFieldDefnRef(f, i)) == OFSTJSON &&
	    (*out = json_loads(s, JSON_DECODE_ANY, NULL)))
		return ERR_OK;
	*out = json_string(s);
	return *out ? ERR_OK : err_nomem(e);
}

/*
 * The field's value as JSON into *out, left NULL for a value that has no
 * JSON form (binary, NaN): such values are skipped.
 */
static int json_value(OGRFeatureH f, int i, json_t **out, char *reason,
		      struct err *e)
{
	OGRFieldDefnH defn = OGR_F_GetFieldDefnRef(f, i);
	char iso[64];
	double v;

	*out = NULL;
	switch (OGR_Fld_GetType(defn)) {
	case OFTInteger:
		if (OGR_Fld_GetSubType(defn) == OFSTBoolean)
			*out = json_boolean(OGR_F_GetFieldAsInteger(f, i));
		else
			*out = json_integer(OGR_F_GetFieldAsInteger(f, i));
		break;
	case OFTInteger64:
		*out = json_integer(OGR_F_GetFieldAsInteger64(f, i));
		break;
	case OFTReal:
		v = OGR_F_GetFieldAsDouble(f, i);
		if (!isfinite(v))
			return ERR_OK;
		*out = json_real(v);
		break;
	case OFTDate:
	case OFTTime:
	case OFTDateTime:
		iso_datetime(f, i, iso, sizeof(iso));
		*out = json_string(iso);
		break;
	case OFTIntegerList:
	case OFTInteger64List:
	case OFTRealList:
	case OFTStringList:
		return json_list(f, i, out, reason, e);
	case OFTBinary:
		return ERR_OK;
	default:
		return json_text(f, i, out, reason, e);
	}
	return *out ? ERR_OK : err_nomem(e);
}

static int extra_add(json_t **extra, OGRFeatureH f, int i, char *reason,
		     struct err *e)
{
	json_t *v;
	int rc = json_value(f, i, &v, reason, e);

	if (rc || !v)
		return rc;
	if (!*extra && !(*extra = json_object())) {
		json_decref(v);
		return err_nomem(e);
	}
	if (!CPLIsUTF8(field_name(f, i), -1)) {
		json_decref(v);
		return reject(reason, "a field name is not UTF-8 text "
			      ENCODING_HINT);
	}
	if (json_object_set_new(*extra, field_name(f, i), v))
		return err_nomem(e);
	return ERR_OK;
}

static int extra_finish(json_t *extra, struct db_plot *p, char *reason,
			struct err *e)
{
	size_t n;

	if (!extra)
		return ERR_OK;
	p->extra = json_dumps(extra, JSON_COMPACT);
	if (!p->extra)
		return err_nomem(e);
	n = strlen(p->extra);
	if (n > PLOTS_EXTRA_MAX)
		return reject(reason, "its other attributes take %zu bytes as "
			      "JSON (at most %d)", n, PLOTS_EXTRA_MAX);
	return ERR_OK;
}

/* Where a text column of p is, and its size. */
static char *text_column(struct db_plot *p, enum plots__column c,
			 size_t *size)
{
	switch (c) {
	case PLOTS__NAME:
		*size = sizeof(p->name);
		return p->name;
	case PLOTS__CROP:
		*size = sizeof(p->crop);
		return p->crop;
	case PLOTS__VARIETY:
		*size = sizeof(p->variety);
		return p->variety;
	case PLOTS__IRRIGATION:
		*size = sizeof(p->irrigation);
		return p->irrigation;
	case PLOTS__SOIL_TEXTURE:
		*size = sizeof(p->soil_texture);
		return p->soil_texture;
	case PLOTS__OWNER:
		*size = sizeof(p->owner);
		return p->owner;
	default:
		return NULL;
	}
}

static int read_field(OGRFeatureH f, int i, enum plots__column c,
		      struct db_plot *p, json_t **extra, char *reason,
		      struct err *e)
{
	size_t size;
	char *dst;

	switch (c) {
	case PLOTS__SKIP:
	case PLOTS__CODE:
		return ERR_OK;
	case PLOTS__EXTRA:
		return extra_add(extra, f, i, reason, e);
	case PLOTS__SOWING_DATE:
		return read_date(f, i, p->sowing_date, reason);
	case PLOTS__FIELD_CAPACITY:
		return read_fraction(f, i, &p->field_capacity, reason);
	case PLOTS__WILTING_POINT:
		return read_fraction(f, i, &p->wilting_point, reason);
	default:
		dst = text_column(p, c, &size);
		if (!dst)
			return err_set(e, ERR_INTERNAL, "unmapped column %d", c);
		return read_text(f, i, dst, size, reason);
	}
}

int plots__attributes(OGRFeatureH f, const struct plots__fieldmap *m,
		      struct db_plot *p, char *reason, struct err *e)
{
	json_t *extra = NULL;
	int rc = ERR_OK;

	p->field_capacity = NAN;
	p->wilting_point = NAN;
	for (int i = 0; i < m->n_fields && !rc; i++) {
		if (OGR_F_IsFieldSetAndNotNull(f, i))
			rc = read_field(f, i, m->column[i], p, &extra, reason,
					e);
	}
	if (!rc && isfinite(p->field_capacity) && isfinite(p->wilting_point) &&
	    !(p->field_capacity > p->wilting_point))
		rc = reject(reason, "field capacity %g is not above wilting "
			    "point %g", p->field_capacity, p->wilting_point);
	if (!rc)
		rc = extra_finish(extra, p, reason, e);
	json_decref(extra);
	return rc;
}
