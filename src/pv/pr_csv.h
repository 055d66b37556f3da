/*
 * pr_csv: the interval table `oasis pv pr` reads: CSV with a header line,
 * columns found by name (time, poa_global, temp_air, wind_speed,
 * temp_module, p_dc_kw, p_ac_kw; others ignored, in any order), one row per
 * interval labelled by its start, times strictly increasing.  temp_air and
 * wind_speed may be empty (the metrics do not use them).  Parses a buffer:
 * no I/O; errors name the line and the column.
 */
#ifndef OASIS_PV_PR_CSV_H
#define OASIS_PV_PR_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "pv/iec61724.h"
#include "util/err.h"

#define PV_PR_CSV_MAX_ROWS 10000000

struct pv_pr_rows {
	struct pv_interval *v; /* n rows, owned */
	int64_t *time_ms;      /* n start times, UTC ms, owned */
	size_t n;
};

/* Parse buf[0..len) into *out (freed with pv_pr_rows_free, also on error). */
int pv_pr_csv_parse(const char *buf, size_t len, struct pv_pr_rows *out,
		    struct err *e);

void pv_pr_rows_free(struct pv_pr_rows *r);

#endif
