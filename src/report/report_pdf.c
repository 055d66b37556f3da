/*
 * The daily report as PDF (cairo's PDF surface): A4 pages with the
 * weather table, a bar chart of each plot's soil moisture, the plots'
 * table and the day's alerts.  Text is set in Noto Sans CJK (Debian's
 * fonts-noto-cjk, found through fontconfig); cairo embeds the glyphs used.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>

#include <cairo-pdf.h>
#include <cairo.h>

#define PAGE_W 595.0   /* A4, points */
#define PAGE_H 842.0
#define MARGIN 42.0
#define LINE 15.0
#define FONT "Noto Sans CJK SC"

struct page {
	cairo_t *cr;
	double y;
};

static cairo_status_t to_buf(void *closure, const unsigned char *data,
			     unsigned int len)
{
	buf_append(closure, data, len);
	return buf_failed(closure) ? CAIRO_STATUS_NO_MEMORY
				   : CAIRO_STATUS_SUCCESS;
}

/* Room for h more points on this page, or a new page. */
static void room(struct page *p, double h)
{
	if (p->y + h <= PAGE_H - MARGIN)
		return;
	cairo_show_page(p->cr);
	p->y = MARGIN;
}

static void text(struct page *p, double x, double size, bool bold,
		 const char *s)
{
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD
				    : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
	cairo_move_to(p->cr, x, p->y);
	cairo_show_text(p->cr, s);
}

/* A row of cells at the columns' x positions. */
static void row(struct page *p, const double *x, const char *const *cells,
		int n, bool bold)
{
	room(p, LINE);
	for (int i = 0; i < n; i++)
		text(p, x[i], 9, bold, cells[i]);
	p->y += LINE;
}

static void fmt(char *out, size_t size, double v, int digits)
{
	if (isfinite(v))
		snprintf(out, size, "%.*f", digits, v);
	else
		snprintf(out, size, "—");
}

static void heading(struct page *p, const char *s)
{
	room(p, 3 * LINE);
	p->y += LINE;
	text(p, MARGIN, 13, true, s);
	p->y += LINE * 1.3;
}

static void weather(struct page *p, const struct report_daily *r)
{
	static const double x[] = { MARGIN, 130, 230, 290, 350, 410, 460, 510 };
	static const char *const h[] = {
		"气象站", "地块", "最低 °C", "最高 °C", "平均 °C", "湿度 %",
		"降水 mm", "风速 m/s",
	};
	char v[6][24];

	heading(p, "气象 Weather");
	row(p, x, h, 8, true);
	for (size_t i = 0; i < r->n_stations; i++) {
		const struct report_station *s = &r->stations[i];
		const char *c[8] = { s->id, s->plot[0] ? s->plot : "—", v[0],
				     v[1], v[2], v[3], v[4], v[5] };

		fmt(v[0], 24, s->tmin, 1);
		fmt(v[1], 24, s->tmax, 1);
		fmt(v[2], 24, s->tmean, 1);
		fmt(v[3], 24, s->rh, 0);
		fmt(v[4], 24, s->rain, 1);
		fmt(v[5], 24, s->wind, 1);
		row(p, x, c, 8, false);
	}
}

/* Each bar's plot code under it and its value over it. */
static void bar_labels(struct page *p, const struct report_daily *r,
		       double bw, double h, double top_pct)
{
	double y0 = p->y;
	char v[24];

	for (size_t i = 0; i < r->n_plots; i++) {
		double x = MARGIN + (double)i * bw + bw * 0.15;
		double m = r->plots[i].moisture;

		p->y = y0 + h + 9;
		text(p, x, 6, false, r->plots[i].code);
		if (!isfinite(m))
			continue;
		fmt(v, sizeof(v), m, 1);
		p->y = y0 + h - fmin(m, top_pct) / top_pct * h - 2;
		text(p, x, 7, false, v);
	}
	p->y = y0;
}

/* Bars of each plot's mean soil moisture (0 to 50 %vol). */
static void chart(struct page *p, const struct report_daily *r)
{
	const double h = 140, w = PAGE_W - 2 * MARGIN, top_pct = 50;
	size_t n = r->n_plots;
	double bw;

	if (!n)
		return;
	heading(p, "土壤含水量 Soil moisture (%vol)");
	room(p, h + LINE);
	bw = w / (double)n;
	cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(p->cr, 0.5);
	cairo_move_to(p->cr, MARGIN, p->y + h);
	cairo_line_to(p->cr, MARGIN + w, p->y + h);
	cairo_stroke(p->cr);
	cairo_set_source_rgb(p->cr, 0.09, 0.54, 0.79);
	for (size_t i = 0; i < n; i++) {
		double m = r->plots[i].moisture, bh;

		if (!isfinite(m))
			continue;
		bh = fmin(m, top_pct) / top_pct * h;
		cairo_rectangle(p->cr, MARGIN + (double)i * bw + bw * 0.15,
				p->y + h - bh, bw * 0.7, bh);
	}
	cairo_fill(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	if (n <= 30)
		bar_labels(p, r, bw, h, top_pct);
	p->y += h + LINE + 6;
}

static void plots(struct page *p, const struct report_daily *r)
{
	static const double x[] = { MARGIN, 150, 330, 400, 470 };
	static const char *const h[] = {
		"地块编码", "名称", "作物", "面积 亩", "含水量 %vol",
	};
	char area[24], moist[24];

	heading(p, "地块 Plots");
	row(p, x, h, 5, true);
	for (size_t i = 0; i < r->n_plots; i++) {
		const struct report_plot *q = &r->plots[i];
		const char *c[5] = { q->code, q->name, q->crop, area, moist };

		fmt(area, sizeof(area), q->area_mu, 1);
		fmt(moist, sizeof(moist), q->moisture, 1);
		row(p, x, c, 5, false);
	}
}

static void alerts(struct page *p, const struct report_daily *r)
{
	static const double x[] = { MARGIN, 160, 220, 330 };
	static const char *const h[] = { "时间", "级别", "对象", "内容" };

	heading(p, "告警 Alerts");
	if (!r->n_alerts) {
		text(p, MARGIN, 9, false, "当日无告警 No alert opened that day");
		p->y += LINE;
		return;
	}
	row(p, x, h, 4, true);
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct report_alert *a = &r->alerts[i];
		const char *c[4] = { a->time, a->severity, a->subject, a->message };

		row(p, x, c, 4, false);
	}
}

int report_daily_pdf(const struct report_daily *r, struct buf *out,
		     struct err *e)
{
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, out,
							       PAGE_W, PAGE_H);
	struct page p = { cairo_create(s), MARGIN + 10 };
	char title[256];
	cairo_status_t st;

	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
				       "Oasis daily report");
	snprintf(title, sizeof(title), "Oasis 每日基地报告 Daily report %s",
		 r->date);
	text(&p, MARGIN, 18, true, title);
	p.y += LINE;
	snprintf(title, sizeof(title), "%s · %zu 块地 plots · %zu 个气象站 "
		 "stations · %zu 条告警 alerts", r->tz, r->n_plots,
		 r->n_stations, r->n_alerts);
	text(&p, MARGIN, 9, false, title);
	p.y += LINE;
	weather(&p, r);
	chart(&p, r);
	plots(&p, r);
	alerts(&p, r);
	cairo_show_page(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(s);
	st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		return err_set(e, ERR_IO, "writing the PDF: %s",
			       cairo_status_to_string(st));
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}
