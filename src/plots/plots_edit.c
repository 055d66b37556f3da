/* Editing a plot's record: details by field, and its geometry. */
#include "plots/plots.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plots/plots_read.h"
#include "util/timeutil.h"

enum field_kind { FIELD_TEXT, FIELD_DATE, FIELD_FRACTION };

struct editable {
	const char *name;
	enum field_kind kind;
	size_t offset;
	size_t size; /* of the text field */
};

#define TEXT(f) { #f, FIELD_TEXT, offsetof(struct db_plot, f), \
		  sizeof(((struct db_plot *)0)->f) }

static const struct editable editable[] = {
	TEXT(name), TEXT(crop), TEXT(variety), TEXT(irrigation),
	TEXT(soil_texture), TEXT(owner),
	{ "sowing_date", FIELD_DATE, offsetof(struct db_plot, sowing_date),
	  sizeof(((struct db_plot *)0)->sowing_date) },
	{ "field_capacity", FIELD_FRACTION, offsetof(struct db_plot, field_capacity), 0 },
	{ "wilting_point", FIELD_FRACTION, offsetof(struct db_plot, wilting_point), 0 },
};

#define N_EDITABLE (sizeof(editable) / sizeof(editable[0]))

static const struct editable *find_editable(const char *name)
{
	for (size_t i = 0; i < N_EDITABLE; i++)
		if (!strcmp(editable[i].name, name))
			return &editable[i];
	return NULL;
}

static int set_text(struct db_plot *p, const struct editable *f,
		    const json_t *v, struct err *e)
{
	char *dst = (char *)p + f->offset;
	const char *s;
	int y, m, d;

	if (json_is_null(v)) {
		dst[0] = '\0';
		return ERR_OK;
	}
	if (!json_is_string(v))
		return err_set(e, ERR_INVALID, "field '%s': expected a string or null",
			       f->name);
	s = json_string_value(v);
	if (strlen(s) >= f->size)
		return err_set(e, ERR_INVALID, "field '%s': longer than %zu characters",
			       f->name, f->size - 1);
	if (f->kind == FIELD_DATE && *s && time_parse_date(s, &y, &m, &d))
		return err_set(e, ERR_INVALID, "field '%s': '%s' is not a date "
			       "(YYYY-MM-DD)", f->name, s);
	memcpy(dst, s, strlen(s) + 1);
	return ERR_OK;
}

static int set_fraction(struct db_plot *p, const struct editable *f,
			const json_t *v, struct err *e)
{
	double *dst = (double *)((char *)p + f->offset);
	double x;

	if (json_is_null(v)) {
		*dst = NAN;
		return ERR_OK;
	}
	if (!json_is_number(v))
		return err_set(e, ERR_INVALID, "field '%s': expected a number "
			       "(m3/m3) or null", f->name);
	x = json_number_value(v);
	if (!(x > 0 && x < 1))
		return err_set(e, ERR_INVALID, "field '%s': %g is outside (0, 1) "
			       "m3/m3", f->name, x);
	*dst = x;
	return ERR_OK;
}

/*
 * Fields kept in the plot's attributes (extra) as JSON objects: "water",
 * the plot's irrigation settings (agro/water_settings.h, checked by the
 * route before the edit).  null removes the key.
 */
static int set_attribute(struct db_plot *p, const char *key, const json_t *v,
			 struct err *e)
{
	json_t *extra = p->extra ? json_loads(p->extra, 0, NULL) : json_object();
	char *text;

	if (!json_is_null(v) && !json_is_object(v)) {
		json_decref(extra);
		return err_set(e, ERR_INVALID, "field '%s': expected an object or "
			       "null", key);
	}
	if (!json_is_object(extra)) {
		json_decref(extra);
		extra = json_object();
	}
	if (!extra)
		return err_nomem(e);
	if (json_is_null(v))
		json_object_del(extra, key);
	else
		json_object_set(extra, key, (json_t *)v);
	text = json_object_size(extra) ? json_dumps(extra, JSON_COMPACT) : NULL;
	if (json_object_size(extra) && !text) {
		json_decref(extra);
		return err_nomem(e);
	}
	json_decref(extra);
	if (text && strlen(text) > PLOTS_EXTRA_MAX) {
		free(text);
		return err_set(e, ERR_INVALID, "field '%s': the plot's attributes "
			       "would exceed %d bytes of JSON", key,
			       PLOTS_EXTRA_MAX);
	}
	free(p->extra);
	p->extra = text;
	return ERR_OK;
}

static int apply_fields(struct db_plot *p, const json_t *fields, struct err *e)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)fields, key, v) {
		const struct editable *f = find_editable(key);

		if (!strcmp(key, "water")) {
			if ((rc = set_attribute(p, key, v, e)))
				return rc;
			continue;
		}
		if (!f) {
			if (!strcmp(key, "code") && json_is_string(v) &&
			    !strcmp(json_string_value(v), p->code))
				continue;
			return err_set(e, ERR_INVALID, "field '%s' cannot be "
				       "edited (editable: name, crop, variety, "
				       "sowing_date, irrigation, soil_texture, "
				       "field_capacity, wilting_point, owner, water)",
				       key);
		}
		rc = f->kind == FIELD_FRACTION ? set_fraction(p, f, v, e)
					       : set_text(p, f, v, e);
		if (rc)
			return rc;
	}
	if (isfinite(p->field_capacity) && isfinite(p->wilting_point) &&
	    p->field_capacity <= p->wilting_point)
		return err_set(e, ERR_INVALID, "field capacity (%.3f) must be above "
			       "the wilting point (%.3f)", p->field_capacity,
			       p->wilting_point);
	return ERR_OK;
}

/* Check a new geometry through the same reader an import uses. */
static int replace_geometry(struct db_plot *p, const json_t *geometry,
			    struct err *e)
{
	struct plots_read_opts o = { .code_field = "code" };
	struct plots_read_result r = { 0 };
	json_t *fc;
	char *text;
	int rc;

	fc = json_pack("{ss s[{ss s{ss} sO}]}", "type", "FeatureCollection",
		       "features", "type", "Feature", "properties", "code", p->code,
		       "geometry", geometry);
	text = fc ? json_dumps(fc, JSON_COMPACT) : NULL;
	json_decref(fc);
	if (!text)
		return err_nomem(e);
	rc = plots_read_buffer(text, strlen(text), &o, &r, e);
	free(text);
	if (rc)
		return err_prefix(e, "field 'geometry'");
	if (r.n_rejects) {
		rc = err_set(e, ERR_INVALID, "field 'geometry': %s", r.rejects[0].reason);
	} else if (r.n_plots != 1) {
		rc = err_set(e, ERR_INVALID, "field 'geometry': expected one polygon");
	} else {
		free(p->geometry);
		p->geometry = r.plots[0].geometry;
		r.plots[0].geometry = NULL;
		memcpy(p->bbox, r.plots[0].bbox, sizeof(p->bbox));
		p->area_m2 = r.plots[0].area_m2;
	}
	plots_read_result_free(&r);
	return rc;
}

int plots_patch(struct db *db, const char *code, const json_t *changes,
		struct err *e)
{
	const json_t *fields = changes, *geometry = NULL;
	struct db_plot p;
	int rc;

	if (!json_is_object(changes))
		return err_set(e, ERR_INVALID, "expected a JSON object of fields");
	if (json_object_get(changes, "type")) {
		fields = json_object_get(changes, "properties");
		geometry = json_object_get(changes, "geometry");
		if (fields && !json_is_object(fields))
			return err_set(e, ERR_INVALID, "'properties' must be an object");
	}
	if ((rc = db_plot_get(db, code, &p, e)))
		return rc;
	if (fields && (rc = apply_fields(&p, fields, e)))
		goto out;
	if (geometry && !json_is_null(geometry) &&
	    (rc = replace_geometry(&p, geometry, e)))
		goto out;
	p.updated_ms = time_now_ms();
	rc = db_plots_upsert(db, &p, 1, NULL, NULL, e);
out:
	db_plot_free(&p);
	return rc;
}
