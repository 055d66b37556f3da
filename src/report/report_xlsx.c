/*
 * The daily report as an XLSX workbook (libxlsxwriter): one worksheet per
 * section, numbers as numbers.  libxlsxwriter writes a file: it goes to a
 * temporary file that is read back and removed.
 */
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

static void number(lxw_worksheet *ws, int row, int col, double v,
		   lxw_format *f)
{
	if (isfinite(v))
		worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, f);
}

static void head(lxw_worksheet *ws, const char *const *names, int n,
		 lxw_format *bold)
{
	for (int c = 0; c < n; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, names[c], bold);
	worksheet_set_column(ws, 0, (lxw_col_t)(n - 1), 16, NULL);
	worksheet_freeze_panes(ws, 1, 0);
}

static void weather(lxw_workbook *wb, const struct report_daily *r,
		    lxw_format *bold, lxw_format *one)
{
	static const char *const h[] = {
		"气象站 station", "地块 plot", "最低气温 min °C", "最高气温 max °C",
		"平均气温 mean °C", "湿度 RH %", "降水 rain mm", "风速 wind m/s",
	};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "气象 Weather");

	head(ws, h, 8, bold);
	for (size_t i = 0; i < r->n_stations; i++) {
		const struct report_station *s = &r->stations[i];
		int row = (int)i + 1;

		worksheet_write_string(ws, (lxw_row_t)row, 0, s->id, NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 1, s->plot, NULL);
		number(ws, row, 2, s->tmin, one);
		number(ws, row, 3, s->tmax, one);
		number(ws, row, 4, s->tmean, one);
		number(ws, row, 5, s->rh, one);
		number(ws, row, 6, s->rain, one);
		number(ws, row, 7, s->wind, one);
	}
}

static void plots(lxw_workbook *wb, const struct report_daily *r,
		  lxw_format *bold, lxw_format *one)
{
	static const char *const h[] = {
		"地块编码 code", "名称 name", "作物 crop", "面积 area mu",
		"土壤含水量 moisture %vol",
	};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "地块 Plots");

	head(ws, h, 5, bold);
	for (size_t i = 0; i < r->n_plots; i++) {
		const struct report_plot *p = &r->plots[i];
		int row = (int)i + 1;

		worksheet_write_string(ws, (lxw_row_t)row, 0, p->code, NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 1, p->name, NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 2, p->crop, NULL);
		number(ws, row, 3, p->area_mu, one);
		number(ws, row, 4, p->moisture, one);
	}
}

static void alerts(lxw_workbook *wb, const struct report_daily *r,
		   lxw_format *bold)
{
	static const char *const h[] = {
		"时间 opened", "级别 severity", "对象 subject", "地块 plot",
		"内容 message",
	};
	lxw_worksheet *ws = workbook_add_worksheet(wb, "告警 Alerts");

	head(ws, h, 5, bold);
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct report_alert *a = &r->alerts[i];
		const char *f[5] = { a->time, a->severity, a->subject, a->plot,
				     a->message };

		for (int c = 0; c < 5; c++)
			worksheet_write_string(ws, (lxw_row_t)(i + 1),
					       (lxw_col_t)c, f[c], NULL);
	}
}

/* Append the bytes of file path to out. */
static int slurp(const char *path, struct buf *out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char chunk[16384];
	size_t n;

	if (!f)
		return err_set(e, ERR_IO, "cannot read %s: %s", path,
			       strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	fclose(f);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

int report_daily_xlsx(const struct report_daily *r, struct buf *out,
		      struct err *e)
{
	char path[] = "/tmp/oasis-report-XXXXXX";
	lxw_workbook *wb;
	lxw_format *bold, *one;
	lxw_error x;
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return err_set(e, ERR_IO, "cannot make a temporary file: %s",
			       strerror(errno));
	close(fd);
	if (!(wb = workbook_new(path))) {
		unlink(path);
		return err_set(e, ERR_IO, "cannot start the workbook %s", path);
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	one = workbook_add_format(wb);
	format_set_num_format(one, "0.0");
	weather(wb, r, bold, one);
	plots(wb, r, bold, one);
	alerts(wb, r, bold);
	x = workbook_close(wb);
	rc = x == LXW_NO_ERROR ? slurp(path, out, e)
			       : err_set(e, ERR_IO, "writing the workbook: %s",
					 lxw_strerror(x));
	unlink(path);
	return rc;
}
