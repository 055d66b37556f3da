/* GET /api/v1/reports/daily: the daily base report, PDF, XLSX or CSV. */
#include "http/routes.h"

#include <microhttpd.h>
#include <string.h>

#include "report/report.h"

static const char *content_type(const char *format)
{
	if (!strcmp(format, "xlsx"))
		return "application/vnd.openxmlformats-officedocument."
		       "spreadsheetml.sheet";
	if (!strcmp(format, "csv"))
		return "text/csv; charset=utf-8";
	return "application/pdf";
}

int route_report_daily(struct http_ctx *c)
{
	const char *date = http_query(c, "date"), *tz = http_query(c, "tz");
	const char *format = http_query(c, "format");

	if (!date)
		return err_set(&c->err, ERR_INVALID, "parameter 'date': "
			       "YYYY-MM-DD is required");
	if (!format)
		format = "pdf";
	if (report_daily_render(c->db, c->svc->ingest, c->svc->ts, date,
				tz ? tz : "Asia/Shanghai", format, &c->out,
				&c->err))
		return c->err.code;
	c->content_type = content_type(format);
	return ERR_OK;
}
