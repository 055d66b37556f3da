/*
 * The registry written out: GeoJSON features and collections, and CSV.
 * The stored geometry is already GeoJSON text, so it is copied, not parsed.
 */
#include "plots/plots.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static void put_text(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, ",\"%s\":", key);
	if (*v)
		buf_json_string(b, v);
	else
		buf_puts(b, "null");
}

static void put_number(struct buf *b, const char *key, double v, int digits)
{
	if (isfinite(v))
		buf_printf(b, ",\"%s\":%.*f", key, digits, v);
	else
		buf_printf(b, ",\"%s\":null", key);
}

static void put_properties(struct buf *b, const struct db_plot *p)
{
	char when[32];

	buf_puts(b, "{\"code\":");
	buf_json_string(b, p->code);
	put_text(b, "name", p->name);
	put_text(b, "crop", p->crop);
	put_text(b, "variety", p->variety);
	put_text(b, "sowing_date", p->sowing_date);
	put_text(b, "irrigation", p->irrigation);
	put_text(b, "soil_texture", p->soil_texture);
	put_number(b, "field_capacity", p->field_capacity, 3);
	put_number(b, "wilting_point", p->wilting_point, 3);
	put_text(b, "owner", p->owner);
	put_number(b, "area_m2", p->area_m2, 1);
	put_number(b, "area_ha", p->area_m2 / GEODESIC_M2_PER_HA, 4);
	put_number(b, "area_mu", p->area_m2 / GEODESIC_M2_PER_MU, 3);
	time_format_iso(p->updated_ms, when, sizeof(when));
	put_text(b, "updated", when);
	put_text(b, "site", p->site);
	buf_printf(b, ",\"attributes\":%s}", p->extra ? p->extra : "{}");
}

static void put_feature(struct buf *b, const struct db_plot *p)
{
	buf_puts(b, "{\"type\":\"Feature\",\"id\":");
	buf_json_string(b, p->code);
	buf_puts(b, ",\"geometry\":");
	buf_puts(b, p->geometry);
	buf_puts(b, ",\"properties\":");
	put_properties(b, p);
	buf_putc(b, '}');
}

struct collection {
	struct buf *out;
	size_t n;
};

static int collect_feature(const struct db_plot *p, void *ctx)
{
	struct collection *c = ctx;

	if (c->n++)
		buf_putc(c->out, ',');
	put_feature(c->out, p);
	return buf_failed(c->out) ? ERR_NOMEM : ERR_OK;
}

int plots_write_geojson(struct db *db, const struct db_plot_filter *f,
			struct buf *out, struct err *e)
{
	struct collection c = { out, 0 };
	int rc;

	buf_puts(out, "{\"type\":\"FeatureCollection\",\"features\":[");
	rc = db_plot_list(db, f, collect_feature, &c, e);
	if (rc == ERR_NOMEM)
		return err_nomem(e);
	if (rc)
		return rc;
	buf_puts(out, "]}");
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

int plots_write_feature(struct db *db, const char *code, struct buf *out,
			struct err *e)
{
	struct db_plot p;
	int rc;

	if ((rc = db_plot_get(db, code, &p, e)))
		return rc;
	put_feature(out, &p);
	db_plot_free(&p);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

static const char csv_header[] = "code,name,crop,variety,sowing_date,"
	"irrigation,soil_texture,field_capacity,wilting_point,owner,"
	"area_m2,area_ha,area_mu,min_lon,min_lat,max_lon,max_lat,site\n";

static void csv_number(struct buf *b, double v, int digits)
{
	if (isfinite(v))
		buf_printf(b, ",%.*f", digits, v);
	else
		buf_putc(b, ',');
}

static void csv_text(struct buf *b, const char *s)
{
	buf_putc(b, ',');
	buf_csv_field(b, s);
}

static int collect_csv(const struct db_plot *p, void *ctx)
{
	struct buf *b = ctx;

	buf_csv_field(b, p->code);
	csv_text(b, p->name);
	csv_text(b, p->crop);
	csv_text(b, p->variety);
	csv_text(b, p->sowing_date);
	csv_text(b, p->irrigation);
	csv_text(b, p->soil_texture);
	csv_number(b, p->field_capacity, 3);
	csv_number(b, p->wilting_point, 3);
	csv_text(b, p->owner);
	csv_number(b, p->area_m2, 1);
	csv_number(b, p->area_m2 / GEODESIC_M2_PER_HA, 4);
	csv_number(b, p->area_m2 / GEODESIC_M2_PER_MU, 3);
	for (int i = 0; i < 4; i++)
		csv_number(b, p->bbox[i], 7);
	csv_text(b, p->site);
	buf_putc(b, '\n');
	return buf_failed(b) ? ERR_NOMEM : ERR_OK;
}

int plots_write_csv(struct db *db, const struct db_plot_filter *f,
		    struct buf *out, struct err *e)
{
	int rc;

	buf_puts(out, csv_header);
	rc = db_plot_list(db, f, collect_csv, out, e);
	if (rc == ERR_NOMEM)
		return err_nomem(e);
	return rc;
}
