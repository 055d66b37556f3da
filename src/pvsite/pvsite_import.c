/*
 * The PV equipment registry on the store: a layout read by
 * pvsite_layout.c against what the site already holds, stored in one
 * transaction, and listed.
 */
#include "pvsite/pvsite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored equipment of the site (for parents and met stations). */
struct stored {
	struct db_pv_equipment *v;
	size_t n, cap;
};

static int take_stored(const struct db_pv_equipment *q, void *ctx)
{
	struct stored *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		void *v = realloc(s->v, cap * sizeof(*s->v));

		if (!v)
			return ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *q;
	return 0;
}

int pvsite_layout_parse(struct db *db, const char *site, const char *name,
			const char *text, size_t len,
			struct pvsite_layout *out, struct err *e)
{
	struct stored s = { 0 };
	struct db_site st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_site_get(db, site, &st, e)))
		return rc;
	if (strcmp(st.kind, "pv_plant"))
		rc = err_set(e, ERR_INVALID, "site '%s' is a %s, not a pv_plant",
			     site, st.kind);
	db_site_free(&st);
	if (rc)
		return rc;
	if ((rc = db_pv_equipment_list(db, site, take_stored, &s, e))) {
		free(s.v);
		return rc == ERR_NOMEM ? err_nomem(e)
				       : err_prefix(e, "reading the stored layout");
	}
	rc = pvsite_layout_read(name, text, len, s.v, s.n, out, e);
	free(s.v);
	for (size_t i = 0; !rc && i < out->n; i++)
		snprintf(out->rows[i].site, sizeof(out->rows[i].site), "%s", site);
	return rc;
}

int pvsite_layout_store(struct db *db, const char *site,
			const struct pvsite_layout *l, int64_t now_ms,
			size_t *added, size_t *updated, struct err *e)
{
	return db_pv_import(db, site, l->rows, l->n, now_ms, added, updated, e);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

struct eq_json {
	json_t *arr;
	const char *kind;
};

static int eq_one(const struct db_pv_equipment *q, void *ctx)
{
	struct eq_json *j = ctx;
	json_t *o;

	if (j->kind && strcmp(pvsite_layout_kind(q->kind), j->kind) &&
	    strcmp(q->kind, j->kind))
		return 0;
	o = json_pack("{ss ss s:s? s:s? s:s? s:s?}", "id", q->id,
		      "kind", pvsite_layout_kind(q->kind),
		      "parent", q->parent[0] ? q->parent : NULL,
		      "name", q->name[0] ? q->name : NULL,
		      "subtype", q->subtype[0] ? q->subtype : NULL,
		      "met_station", q->met_station[0] ? q->met_station : NULL);
	if (!o)
		return ERR_NOMEM;
	json_object_set_new(o, "kwp_dc", num_or_null(q->kwp_dc));
	json_object_set_new(o, "kw_ac", num_or_null(q->kw_ac));
	json_object_set_new(o, "gamma_pdc", num_or_null(q->gamma_pdc));
	json_object_set_new(o, "tilt", num_or_null(q->tilt));
	json_object_set_new(o, "azimuth", num_or_null(q->azimuth));
	json_object_set_new(o, "axis_tilt", num_or_null(q->axis_tilt));
	json_object_set_new(o, "axis_azimuth", num_or_null(q->axis_azimuth));
	json_object_set_new(o, "max_angle", num_or_null(q->max_angle));
	json_object_set_new(o, "gcr", num_or_null(q->gcr));
	json_object_set_new(o, "lon", num_or_null(q->lon));
	json_object_set_new(o, "lat", num_or_null(q->lat));
	json_object_set_new(o, "module_count", q->module_count > 0 ?
			    json_integer(q->module_count) : json_null());
	json_array_append_new(j->arr, o);
	return 0;
}

int pvsite_equipment_json(struct db *db, const char *site, const char *kind,
			  json_t **out, struct err *e)
{
	struct eq_json j = { json_array(), kind };
	struct db_site s;
	int rc;

	*out = NULL;
	if (!j.arr)
		return err_nomem(e);
	if ((rc = db_site_get(db, site, &s, e))) {
		json_decref(j.arr);
		return rc;
	}
	db_site_free(&s);
	if (kind && !pvsite_device_kind(kind)) {
		json_decref(j.arr);
		return err_set(e, ERR_INVALID, "parameter 'kind': '%s' is not "
			       "block, inverter, combiner, string, tracker, "
			       "meter or met_station", kind);
	}
	if ((rc = db_pv_equipment_list(db, site, eq_one, &j, e))) {
		json_decref(j.arr);
		return rc == ERR_NOMEM ? err_nomem(e) : rc;
	}
	*out = json_pack("{ss so}", "site", site, "equipment", j.arr);
	return *out ? ERR_OK : err_nomem(e);
}
