/* The daily report as CSV: three sections, each a header and its rows. */
#include "report/report.h"

#include <math.h>
#include <string.h>

/* A number with digits decimals, or an empty field for NAN. */
static void num(struct buf *b, double v, int digits)
{
	if (isfinite(v))
		buf_printf(b, "%.*f", digits, v);
}

static void stations(const struct report_daily *r, struct buf *b)
{
	buf_puts(b, "weather\nstation,plot,air_temp_min,air_temp_max,"
		 "air_temp_mean,rh_mean,rain_mm,wind_mean\n");
	for (size_t i = 0; i < r->n_stations; i++) {
		const struct report_station *s = &r->stations[i];

		buf_csv_field(b, s->id);
		buf_putc(b, ',');
		buf_csv_field(b, s->plot);
		buf_putc(b, ',');
		num(b, s->tmin, 1);
		buf_putc(b, ',');
		num(b, s->tmax, 1);
		buf_putc(b, ',');
		num(b, s->tmean, 1);
		buf_putc(b, ',');
		num(b, s->rh, 0);
		buf_putc(b, ',');
		num(b, s->rain, 1);
		buf_putc(b, ',');
		num(b, s->wind, 1);
		buf_putc(b, '\n');
	}
}

static void plots(const struct report_daily *r, struct buf *b)
{
	buf_puts(b, "\nplots\ncode,name,crop,area_mu,moisture_mean\n");
	for (size_t i = 0; i < r->n_plots; i++) {
		const struct report_plot *p = &r->plots[i];

		buf_csv_field(b, p->code);
		buf_putc(b, ',');
		buf_csv_field(b, p->name);
		buf_putc(b, ',');
		buf_csv_field(b, p->crop);
		buf_putc(b, ',');
		num(b, p->area_mu, 1);
		buf_putc(b, ',');
		num(b, p->moisture, 1);
		buf_putc(b, '\n');
	}
}

static void alerts(const struct report_daily *r, struct buf *b)
{
	buf_puts(b, "\nalerts\nopened,severity,subject,plot,message\n");
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct report_alert *a = &r->alerts[i];
		const char *f[5] = { a->time, a->severity, a->subject, a->plot,
				     a->message };

		for (int k = 0; k < 5; k++) {
			if (k)
				buf_putc(b, ',');
			buf_csv_field(b, f[k]);
		}
		buf_putc(b, '\n');
	}
}

int report_daily_csv(const struct report_daily *r, struct buf *out,
		     struct err *e)
{
	buf_printf(out, "# Oasis daily report %s (%s)\n", r->date, r->tz);
	stations(r, out);
	plots(r, out);
	alerts(r, out);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

int report_daily_write(const struct report_daily *r, const char *format,
		       struct buf *out, struct err *e)
{
	if (!strcmp(format, "csv"))
		return report_daily_csv(r, out, e);
	if (!strcmp(format, "xlsx"))
		return report_daily_xlsx(r, out, e);
	if (!strcmp(format, "pdf"))
		return report_daily_pdf(r, out, e);
	return err_set(e, ERR_INVALID, "format '%s': expected pdf, xlsx or csv",
		       format);
}

int report_daily_render(struct db *db, struct ingest *ing,
			struct ts_engine *ts, const char *date, const char *tz,
			const char *format, struct buf *out, struct err *e)
{
	struct report_daily r;
	int rc;

	if (strcmp(format, "csv") && strcmp(format, "xlsx") &&
	    strcmp(format, "pdf"))
		return err_set(e, ERR_INVALID, "format '%s': expected pdf, xlsx "
			       "or csv", format);
	if ((rc = report_daily_collect(db, ing, ts, date, tz, &r, e)))
		return rc;
	rc = report_daily_write(&r, format, out, e);
	report_daily_free(&r);
	return rc;
}
