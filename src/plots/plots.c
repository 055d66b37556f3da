/* The plot registry service: import, edit, delete. */
#include "plots/plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

void plots_import_summary_free(struct plots_import_summary *s)
{
	free(s->rejects);
	s->rejects = NULL;
}

/* Move the reader's rejections into the summary. */
static void take_rejects(struct plots_read_result *r,
			 struct plots_import_summary *s)
{
	s->features = r->n_features;
	s->rejected = r->n_rejects;
	s->rejects = r->rejects;
	r->rejects = NULL;
	r->n_rejects = 0;
}

static int store(struct db *db, struct plots_read_result *r,
		 const struct plots_import_opts *o,
		 struct plots_import_summary *s, struct err *e)
{
	int64_t now = time_now_ms();

	take_rejects(r, s);
	if (s->rejected && !o->skip_invalid) {
		char first[PLOTS_REASON_MAX + 64];

		plots_reject_format(&s->rejects[0], first, sizeof(first));
		return err_set(e, ERR_INVALID, "%zu of %zu features rejected, "
			       "nothing imported (use --skip-invalid to import "
			       "the rest); first: %s", s->rejected, s->features,
			       first);
	}
	if (r->n_plots == 0 && s->features == 0)
		return err_set(e, ERR_INVALID, "the file has no features");
	for (size_t i = 0; i < r->n_plots; i++)
		r->plots[i].updated_ms = now;
	if (o->dry_run) {
		const char **codes = calloc(r->n_plots ? r->n_plots : 1, sizeof(*codes));
		bool *exists = calloc(r->n_plots ? r->n_plots : 1, sizeof(*exists));
		int rc = ERR_OK;

		if (!codes || !exists)
			rc = err_nomem(e);
		for (size_t i = 0; !rc && i < r->n_plots; i++)
			codes[i] = r->plots[i].code;
		if (!rc)
			rc = db_plots_exist(db, codes, r->n_plots, exists, e);
		for (size_t i = 0; !rc && i < r->n_plots; i++)
			exists[i] ? s->updated++ : s->added++;
		free(codes);
		free(exists);
		return rc;
	}
	if (db_plots_upsert(db, r->plots, r->n_plots, &s->added, &s->updated, e))
		return e->code;
	s->stored = true;
	return ERR_OK;
}

int plots_import_file(struct db *db, const char *path,
		      const struct plots_import_opts *o,
		      struct plots_import_summary *out, struct err *e)
{
	struct plots_read_result r = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = plots_read_file(path, &o->read, &r, e)))
		return rc;
	rc = store(db, &r, o, out, e);
	plots_read_result_free(&r);
	return rc;
}

int plots_import_buffer(struct db *db, const void *data, size_t len,
			const struct plots_import_opts *o,
			struct plots_import_summary *out, struct err *e)
{
	struct plots_read_result r = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = plots_read_buffer(data, len, &o->read, &r, e)))
		return rc;
	rc = store(db, &r, o, out, e);
	plots_read_result_free(&r);
	return rc;
}

json_t *plots_import_summary_json(const struct plots_import_summary *s)
{
	json_t *rejects = json_array();

	char message[PLOTS_REASON_MAX + 64];

	for (size_t i = 0; i < s->rejected; i++) {
		const struct plots_reject *r = &s->rejects[i];

		plots_reject_format(r, message, sizeof(message));
		json_array_append_new(rejects, json_pack("{sI ss ss ss}",
			"feature", (json_int_t)r->feature, "code", r->code,
			"reason", r->reason, "message", message));
	}
	return json_pack("{sI sI sI sI sb so}",
			 "features", (json_int_t)s->features,
			 "added", (json_int_t)s->added,
			 "updated", (json_int_t)s->updated,
			 "rejected", (json_int_t)s->rejected,
			 "stored", s->stored, "rejects", rejects);
}

int plots_delete(struct db *db, const char *code, struct err *e)
{
	return db_plot_delete(db, code, e);
}

int plots_count(struct db *db, int64_t *out, struct err *e)
{
	return db_plot_count(db, out, e);
}

int plots_parse_bbox(const char *s, struct db_plot_filter *f, struct err *e)
{
	double v[4];
	char tail;

	if (sscanf(s, "%lf,%lf,%lf,%lf%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4)
		return err_set(e, ERR_INVALID, "'%s': expected "
			       "minlon,minlat,maxlon,maxlat", s);
	/* written so that NaN (which compares false) fails too */
	if (!(v[0] <= v[2] && v[1] <= v[3] && v[0] >= -180 && v[2] <= 180 &&
	      v[1] >= -90 && v[3] <= 90))
		return err_set(e, ERR_INVALID, "'%s': corners out of order, "
			       "outside the lon/lat range or not numbers", s);
	memcpy(f->bbox, v, sizeof(v));
	f->has_bbox = true;
	return ERR_OK;
}
