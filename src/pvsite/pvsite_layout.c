/*
 * A PV layout from CSV or GeoJSON text, every row and the tree checked
 * (ids, kinds, numbers, parents, met stations) against itself and the
 * equipment already stored: pure, no store, no I/O (fuzzed:
 * fuzz/fuzz_pv_layout.c).  pvsite_import.c stores what this accepts.
 */
#include "pvsite/pvsite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define MAX_ERRORS 20
#define MAX_ROWS 200000

static const struct {
	const char *kind, *device, *parents; /* parents: space-separated */
} kinds[] = {
	{ "block", "pv_block", "" },
	{ "inverter", "pv_inverter", "block" },
	{ "combiner", "pv_combiner", "inverter" },
	{ "string", "pv_string", "combiner inverter" },
	{ "tracker", "pv_tracker", "block" },
	{ "meter", "pv_meter", "block" },
	{ "met_station", "pv_met_station", "block" },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static int kind_index(const char *k)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (!strcmp(kinds[i].kind, k) || !strcmp(kinds[i].device, k))
			return (int)i;
	return -1;
}

const char *pvsite_device_kind(const char *kind)
{
	int i = kind_index(kind);

	return i < 0 ? NULL : kinds[i].device;
}

const char *pvsite_layout_kind(const char *device_kind)
{
	int i = kind_index(device_kind);

	return i < 0 ? device_kind : kinds[i].kind;
}

void pvsite_layout_free(struct pvsite_layout *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

/* The errors found so far, the first MAX_ERRORS of them written out. */
struct errs {
	struct buf b;
	size_t n;
	const char *name;
};

static void bad(struct errs *x, const char *where, size_t at, const char *field,
		const char *fmt, const char *value)
{
	if (x->n++ >= MAX_ERRORS)
		return;
	buf_printf(&x->b, "%s%s: %s %zu, field '%s': ", x->n > 1 ? "; " : "",
		   x->name, where, at, field);
	buf_printf(&x->b, fmt, value);
}

struct num_field {
	const char *key;
	size_t off;
	double min, max;
};

#define NUM(key, min, max) { #key, offsetof(struct db_pv_equipment, key), min, max }
static const struct num_field nums[] = {
	NUM(kwp_dc, 0.001, 1e7), NUM(kw_ac, 0.001, 1e7),
	NUM(gamma_pdc, -0.02, 0), NUM(tilt, 0, 90), NUM(azimuth, 0, 360),
	NUM(axis_tilt, 0, 90), NUM(axis_azimuth, 0, 360),
	NUM(max_angle, 0, 90), NUM(gcr, 0.01, 1), NUM(lon, -180, 180),
	NUM(lat, -90, 90),
};
#define N_NUMS (sizeof(nums) / sizeof(nums[0]))

struct text_field {
	const char *key;
	size_t off, size;
};

#define TXT(key) { #key, offsetof(struct db_pv_equipment, key), \
	sizeof(((struct db_pv_equipment *)0)->key) }
static const struct text_field texts[] = {
	TXT(id), TXT(kind), TXT(parent), TXT(name), TXT(subtype),
	TXT(met_station),
};
#define N_TEXTS (sizeof(texts) / sizeof(texts[0]))

static void row_init(struct db_pv_equipment *q)
{
	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < N_NUMS; i++)
		*(double *)((char *)q + nums[i].off) = NAN;
}

/* Set one field of q from text; false (and an error) when it is bad. */
static bool set_field(struct db_pv_equipment *q, const char *key,
		      const char *v, struct errs *x, const char *where,
		      size_t at)
{
	char *end;
	double d;

	if (!*v)
		return true;
	for (size_t i = 0; i < N_TEXTS; i++) {
		if (strcmp(texts[i].key, key))
			continue;
		if (strlen(v) >= texts[i].size) {
			bad(x, where, at, key, "'%s' is too long", v);
			return false;
		}
		snprintf((char *)q + texts[i].off, texts[i].size, "%s", v);
		return true;
	}
	if (!strcmp(key, "module_count")) {
		long long n = strtoll(v, &end, 10);

		if (end == v || *end || n < 1 || n > 10000000) {
			bad(x, where, at, key, "'%s' is not a count of "
			    "modules (1 to 10000000)", v);
			return false;
		}
		q->module_count = n;
		return true;
	}
	for (size_t i = 0; i < N_NUMS; i++) {
		if (strcmp(nums[i].key, key))
			continue;
		d = strtod(v, &end);
		if (end == v || *end || !isfinite(d)) {
			bad(x, where, at, key, "'%s' is not a number", v);
			return false;
		}
		if (d < nums[i].min || d > nums[i].max) {
			char msg[96];

			snprintf(msg, sizeof(msg), "'%%s' is out of range [%g, %g]",
				 nums[i].min, nums[i].max);
			bad(x, where, at, key, msg, v);
			return false;
		}
		*(double *)((char *)q + nums[i].off) = d;
		return true;
	}
	return true; /* another column: ignored */
}

/* The checks of one row on its own. */
static void check_row(struct db_pv_equipment *q, struct errs *x,
		      const char *where, size_t at)
{
	int k;
	const char *id = q->id;

	if (!id[0]) {
		bad(x, where, at, "id", "%s", "is required");
		return;
	}
	for (const char *p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("_-.:", *p))) {
			bad(x, where, at, "id", "'%s': letters, digits, '_', "
			    "'-', '.' or ':' only", id);
			return;
		}
	if ((k = kind_index(q->kind)) < 0) {
		bad(x, where, at, "kind", "'%s' is not block, inverter, "
		    "combiner, string, tracker, meter or met_station", q->kind);
		return;
	}
	snprintf(q->kind, sizeof(q->kind), "%s", kinds[k].device);
	if (!strcmp(kinds[k].kind, "inverter")) {
		if (!isfinite(q->kwp_dc))
			bad(x, where, at, "kwp_dc", "%s", "is required for an "
			    "inverter");
		if (!isfinite(q->kw_ac))
			bad(x, where, at, "kw_ac", "%s", "is required for an "
			    "inverter");
		if (!q->subtype[0])
			snprintf(q->subtype, sizeof(q->subtype), "string");
		if (strcmp(q->subtype, "central") && strcmp(q->subtype, "string"))
			bad(x, where, at, "subtype", "'%s': expected central or "
			    "string", q->subtype);
	}
	if (isfinite(q->lon) != isfinite(q->lat))
		bad(x, where, at, isfinite(q->lon) ? "lat" : "lon", "%s",
		    "lon and lat go together");
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct db_pv_equipment *)a)->id,
		      ((const struct db_pv_equipment *)b)->id);
}

static int cmp_id_then_index(const void *a, const void *b)
{
	const struct db_pv_equipment *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x->module_count > y->module_count) -
		       (x->module_count < y->module_count);
}

static const struct db_pv_equipment *find(const struct db_pv_equipment *v,
					  size_t n, const char *id)
{
	struct db_pv_equipment key;

	snprintf(key.id, sizeof(key.id), "%s", id);
	return n ? bsearch(&key, v, n, sizeof(*v), cmp_id) : NULL;
}

/* Whether a kind may sit under parent_kind (device kinds). */
static bool parent_ok(const char *kind, const char *parent_kind)
{
	int k = kind_index(kind);
	const char *want = kinds[k].parents, *pk = pvsite_layout_kind(parent_kind);
	size_t n = strlen(pk);

	for (const char *p = want; *p; ) {
		size_t m = strcspn(p, " ");

		if (m == n && !strncmp(p, pk, n))
			return true;
		p += m + (p[m] == ' ');
	}
	return false;
}

/* Ids unique; parents and met stations known and of the right kind. */
static void check_links(struct db_pv_equipment *rows, const size_t *line,
			size_t n, const struct db_pv_equipment *stored,
			size_t n_stored, struct errs *x, const char *where)
{
	struct db_pv_equipment *sorted;
	const struct db_pv_equipment *p;

	if (n == 0)
		return;
	if (!(sorted = malloc(n * sizeof(*sorted)))) {
		bad(x, where, 0, "", "%s", "out of memory");
		return;
	}
	memcpy(sorted, rows, n * sizeof(*sorted));
	/* the row's index rides in module_count while sorting (stable ties) */
	for (size_t i = 0; i < n; i++)
		sorted[i].module_count = (int64_t)i;
	qsort(sorted, n, sizeof(*sorted), cmp_id_then_index);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(sorted[i].id, sorted[i - 1].id))
			bad(x, where, line[sorted[i].module_count], "id",
			    "'%s' is repeated", sorted[i].id);
	for (size_t i = 0; i < n; i++) {
		struct db_pv_equipment *q = &rows[i];

		if (kind_index(q->kind) < 0)
			continue;
		if (q->parent[0]) {
			if (!(p = find(sorted, n, q->parent)) &&
			    !(p = find(stored, n_stored, q->parent)))
				bad(x, where, line[i], "parent", "'%s' is "
				    "neither in the layout nor stored",
				    q->parent);
			else if (kind_index(p->kind) >= 0 &&
				 !parent_ok(q->kind, p->kind))
				bad(x, where, line[i], "parent", "'%s' cannot "
				    "hold this kind", q->parent);
		}
		if (q->met_station[0]) {
			if (!(p = find(sorted, n, q->met_station)) &&
			    !(p = find(stored, n_stored, q->met_station)))
				bad(x, where, line[i], "met_station", "'%s' is "
				    "neither in the layout nor stored",
				    q->met_station);
			else if (strcmp(p->kind, "pv_met_station") &&
				 strcmp(p->kind, "met_station"))
				bad(x, where, line[i], "met_station", "'%s' is "
				    "not a met station", q->met_station);
		}
	}
	free(sorted);
}

/* ---- CSV ------------------------------------------------------------- */

#define MAX_COLS 32

/* Split line (modified) at commas into at most MAX_COLS trimmed fields. */
static size_t split(char *line, char **f)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *c = strchr(p, ',');
		char *end;

		if (c)
			*c = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
				   end[-1] == '\r'))
			*--end = 0;
		if (n < MAX_COLS)
			f[n++] = p;
		if (!c)
			return n;
		p = c + 1;
	}
}

static int parse_csv(char *text, struct pvsite_layout *out, size_t **lines,
		     struct errs *x, struct err *e)
{
	char *head[MAX_COLS], *f[MAX_COLS], *line, *next;
	size_t nh = 0, lineno = 0, cap = 0;
	bool has_id = false;

	*lines = NULL;
	for (line = text; line; line = next) {
		size_t nf;

		/* one line at a time, empty ones too (strtok would merge them
		 * and miscount the lines) */
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		lineno++;
		if (strspn(line, " \t\r") == strlen(line))
			continue;
		if (!nh) {
			nh = split(line, head);
			for (size_t i = 0; i < nh; i++)
				has_id |= !strcmp(head[i], "id");
			if (!has_id)
				return err_set(e, ERR_INVALID, "%s: line %zu: "
					       "the header names no 'id' column",
					       x->name, lineno);
			continue;
		}
		if (out->n == MAX_ROWS)
			return err_set(e, ERR_TOO_LARGE, "%s: more than %d rows",
				       x->name, MAX_ROWS);
		if (out->n == cap) {
			size_t c = cap ? 2 * cap : 256;
			void *r = realloc(out->rows, c * sizeof(*out->rows));
			void *l = r ? realloc(*lines, c * sizeof(**lines)) : NULL;

			if (r)
				out->rows = r;
			if (!l)
				return err_nomem(e);
			*lines = l;
			cap = c;
		}
		row_init(&out->rows[out->n]);
		(*lines)[out->n] = lineno;
		nf = split(line, f);
		if (nf != nh)
			bad(x, "line", lineno, "", "%s", nf < nh ? "fewer fields "
			    "than the header" : "more fields than the header");
		for (size_t i = 0; i < nf && i < nh; i++)
			set_field(&out->rows[out->n], head[i], f[i], x, "line",
				  lineno);
		check_row(&out->rows[out->n], x, "line", lineno);
		out->n++;
	}
	if (!nh)
		return err_set(e, ERR_INVALID, "%s: empty (expected a header "
			       "line and rows)", x->name);
	return ERR_OK;
}

/* ---- GeoJSON ----------------------------------------------------------- */

/* A Point's coordinates, or the middle of a geometry's first ring's box. */
static void geometry_point(json_t *g, double *lon, double *lat)
{
	json_t *c = json_object_get(g, "coordinates");
	const char *type = json_string_value(json_object_get(g, "type"));
	double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
	json_t *ring, *pt;
	size_t i;

	if (!type || !c)
		return;
	if (!strcmp(type, "Point")) {
		*lon = json_number_value(json_array_get(c, 0));
		*lat = json_number_value(json_array_get(c, 1));
		return;
	}
	ring = json_array_get(c, 0);
	if (!strcmp(type, "MultiPolygon"))
		ring = json_array_get(ring, 0);
	else if (!strcmp(type, "LineString"))
		ring = c;
	json_array_foreach(ring, i, pt) {
		double x = json_number_value(json_array_get(pt, 0));
		double y = json_number_value(json_array_get(pt, 1));

		x0 = fmin(x0, x); x1 = fmax(x1, x);
		y0 = fmin(y0, y); y1 = fmax(y1, y);
	}
	if (isfinite(x0)) {
		*lon = (x0 + x1) / 2;
		*lat = (y0 + y1) / 2;
	}
}

static int parse_geojson(const char *text, size_t len,
			 struct pvsite_layout *out, size_t **lines,
			 struct errs *x, struct err *e)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je), *feats, *ft;
	size_t i;

	*lines = NULL;
	if (!doc)
		return err_set(e, ERR_INVALID, "%s: line %d, column %d: %s",
			       x->name, je.line, je.column, je.text);
	feats = json_object_get(doc, "features");
	if (!json_is_array(feats) || json_array_size(feats) > MAX_ROWS) {
		json_decref(doc);
		return err_set(e, ERR_INVALID, "%s: expected a GeoJSON "
			       "FeatureCollection (of at most %d features)",
			       x->name, MAX_ROWS);
	}
	out->rows = calloc(json_array_size(feats) + 1, sizeof(*out->rows));
	*lines = calloc(json_array_size(feats) + 1, sizeof(**lines));
	if (!out->rows || !*lines) {
		json_decref(doc);
		return err_nomem(e);
	}
	json_array_foreach(feats, i, ft) {
		struct db_pv_equipment *q = &out->rows[out->n];
		json_t *props = json_object_get(ft, "properties"), *v;
		const char *key;
		char num[64];

		row_init(q);
		(*lines)[out->n] = i + 1;
		json_object_foreach(props, key, v) {
			if (json_is_string(v))
				set_field(q, key, json_string_value(v), x,
					  "feature", i + 1);
			else if (json_is_number(v)) {
				snprintf(num, sizeof(num), "%.17g",
					 json_number_value(v));
				set_field(q, key, num, x, "feature", i + 1);
			}
		}
		if (!isfinite(q->lon))
			geometry_point(json_object_get(ft, "geometry"), &q->lon,
				       &q->lat);
		check_row(q, x, "feature", i + 1);
		out->n++;
	}
	json_decref(doc);
	return ERR_OK;
}

int pvsite_layout_read(const char *name, const char *text, size_t len,
		       const struct db_pv_equipment *stored, size_t n_stored,
		       struct pvsite_layout *out, struct err *e)
{
	struct errs x = { .name = name };
	size_t *lines = NULL, skip = 0;
	struct db_pv_equipment *sorted = NULL;
	bool geojson;
	char *copy = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	while (skip < len && strchr(" \t\r\n", text[skip]) && text[skip])
		skip++;
	geojson = skip < len && text[skip] == '{';
	if (geojson) {
		rc = parse_geojson(text, len, out, &lines, &x, e);
	} else if (!(copy = malloc(len + 1))) {
		rc = err_nomem(e);
	} else {
		memcpy(copy, text, len);
		copy[len] = 0;
		rc = parse_csv(copy, out, &lines, &x, e);
	}
	if (!rc && n_stored) {
		if (!(sorted = malloc(n_stored * sizeof(*sorted))))
			rc = err_nomem(e);
		else {
			memcpy(sorted, stored, n_stored * sizeof(*sorted));
			qsort(sorted, n_stored, sizeof(*sorted), cmp_id);
		}
	}
	if (!rc) {
		check_links(out->rows, lines, out->n, sorted, n_stored, &x,
			    geojson ? "feature" : "line");
		if (x.n)
			rc = err_set(e, ERR_INVALID, "%zu error%s: %s%s", x.n,
				     x.n > 1 ? "s" : "", x.b.data ? x.b.data : "",
				     x.n > MAX_ERRORS ? "; ..." : "");
	}
	free(sorted);
	free(lines);
	free(copy);
	buf_free(&x.b);
	if (rc)
		pvsite_layout_free(out);
	return rc;
}
