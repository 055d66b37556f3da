/*
 * report: the daily base report, gathered once (report_daily_collect) and
 * written as CSV, XLSX (libxlsxwriter) or PDF (cairo, CJK text in Noto
 * Sans CJK).  What it holds: the weather of each station (temperature
 * range and mean, humidity, rain, wind), every plot with its area and the
 * day's mean soil moisture, and the alerts opened that day.  The writers
 * are pure functions of the gathered report.
 */
#ifndef OASIS_REPORT_REPORT_H
#define OASIS_REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "ingest/ingest.h"
#include "ts/engine.h"
#include "util/buf.h"
#include "util/err.h"

struct report_station {
	char id[DB_NAME_MAX];
	char plot[DB_CODE_MAX];
	double tmin, tmax, tmean;   /* air_temp, °C; NAN: no data */
	double rh;                  /* mean, % */
	double rain;                /* sum, mm */
	double wind;                /* mean, m/s */
};

struct report_plot {
	char code[DB_CODE_MAX];
	char name[DB_TEXT_MAX];
	char crop[DB_TEXT_MAX / 2];
	double area_mu;
	double moisture;            /* the day's mean of its probes, %vol; NAN */
	int probes;
};

struct report_alert {
	char time[32];
	char severity[16];
	char subject[DB_NAME_MAX * 2];
	char plot[DB_CODE_MAX];
	char message[DB_TEXT_MAX * 2];
};

struct report_daily {
	char date[11];              /* YYYY-MM-DD, local */
	char tz[64];
	int64_t from, to;           /* [local midnight, next midnight) */
	struct report_station *stations;
	size_t n_stations;
	struct report_plot *plots;
	size_t n_plots;
	struct report_alert *alerts;
	size_t n_alerts;
};

/*
 * Gather the day date (YYYY-MM-DD) in time zone tz (e.g. Asia/Shanghai).
 * ERR_INVALID for a bad date or zone.  Release with report_daily_free.
 */
int report_daily_collect(struct db *db, struct ingest *ing,
			 struct ts_engine *ts, const char *date, const char *tz,
			 struct report_daily *out, struct err *e);
void report_daily_free(struct report_daily *r);

/* The report as CSV (three sections), XLSX or PDF, appended to out. */
int report_daily_csv(const struct report_daily *r, struct buf *out,
		     struct err *e);
int report_daily_xlsx(const struct report_daily *r, struct buf *out,
		      struct err *e);
int report_daily_pdf(const struct report_daily *r, struct buf *out,
		     struct err *e);
/* By name: "csv", "xlsx" or "pdf"; ERR_INVALID otherwise. */
int report_daily_write(const struct report_daily *r, const char *format,
		       struct buf *out, struct err *e);

/* Gather and write in one call (the route's). */
int report_daily_render(struct db *db, struct ingest *ing,
			struct ts_engine *ts, const char *date, const char *tz,
			const char *format, struct buf *out, struct err *e);

#endif
