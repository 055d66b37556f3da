/* The plot registry over HTTP: GeoJSON in and out. */
#include "http/routes.h"

#include <microhttpd.h>
#include <string.h>

#include "agro/water_settings.h"
#include "plots/plots.h"
#include "sites/sites.h"

int route_plots_list(struct http_ctx *c)
{
	struct db_plot_filter f = { 0 };
	const char *bbox = http_query(c, "bbox");
	const char *format = http_query(c, "format");

	f.crop = http_query(c, "crop");
	f.site = http_query(c, "site");
	if (f.site && sites_known(c->db, f.site, &c->err))
		return err_prefix(&c->err, "parameter 'site'");
	if (bbox && plots_parse_bbox(bbox, &f, &c->err))
		return err_prefix(&c->err, "parameter 'bbox'");
	if (format && !strcmp(format, "csv")) {
		c->content_type = "text/csv; charset=utf-8";
		return plots_write_csv(c->db, &f, &c->out, &c->err);
	}
	if (format && strcmp(format, "geojson"))
		return err_set(&c->err, ERR_INVALID, "format '%s': expected "
			       "geojson or csv", format);
	c->content_type = "application/geo+json";
	return plots_write_geojson(c->db, &f, &c->out, &c->err);
}

int route_plots_import(struct http_ctx *c)
{
	struct plots_import_opts o = { 0 };
	struct plots_import_summary s;
	const char *skip = http_query(c, "skip_invalid");
	json_t *summary;
	int rc;

	if (c->body.len == 0)
		return err_set(&c->err, ERR_INVALID, "the request has no body "
			       "(expected GeoJSON, KML, GeoPackage or a zipped "
			       "Shapefile)");
	o.read.code_field = http_query(c, "code_field");
	o.read.encoding = http_query(c, "encoding");
	o.skip_invalid = skip && (!strcmp(skip, "1") || !strcmp(skip, "true"));
	o.dry_run = http_query(c, "dry_run") != NULL;
	rc = plots_import_buffer(c->db, c->body.data, c->body.len, &o, &s, &c->err);
	if (rc && (rc != ERR_INVALID || s.rejected == 0)) {
		plots_import_summary_free(&s);
		return rc;
	}
	summary = plots_import_summary_json(&s);
	plots_import_summary_free(&s);
	if (rc) {
		/* the error with every rejection, so the user can fix them all */
		json_t *err = json_pack("{s{ss ss so}}", "error", "code", "invalid",
					"message", c->err.msg, "summary", summary);

		err_clear(&c->err);
		return http_reply_json(c, MHD_HTTP_UNPROCESSABLE_CONTENT, err);
	}
	return http_reply_json(c, o.dry_run ? MHD_HTTP_OK : MHD_HTTP_CREATED,
			       summary);
}

int route_plot_get(struct http_ctx *c)
{
	c->content_type = "application/geo+json";
	return plots_write_feature(c->db, c->params[0], &c->out, &c->err);
}

int route_plot_patch(struct http_ctx *c)
{
	json_t *body;
	int rc;

	if (http_body_json(c, &body))
		return c->err.code;
	rc = water_settings_check_edit(body, &c->err);
	if (!rc)
		rc = plots_patch(c->db, c->params[0], body, &c->err);
	json_decref(body);
	if (rc)
		return rc;
	c->content_type = "application/geo+json";
	return plots_write_feature(c->db, c->params[0], &c->out, &c->err);
}

int route_plot_delete(struct http_ctx *c)
{
	if (plots_delete(c->db, c->params[0], &c->err))
		return c->err.code;
	return http_reply_empty(c, MHD_HTTP_NO_CONTENT);
}
