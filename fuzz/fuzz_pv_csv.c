/*
 * libFuzzer harness for the interval CSV of `oasis pv pr` (src/pv/pr_csv.c)
 * and, on what it accepts, the IEC 61724-1 metrics (src/pv/iec61724.c).
 *
 * The text is handed over as an exact-size buffer (no NUL after it), so any
 * read past len is an AddressSanitizer report.  Beyond not crashing: a
 * parse that succeeds gives finite required values and strictly increasing
 * times, and metrics that are finite or NaN (never infinite) with counts
 * within the row count; a parse that fails names a line ("line N") in a
 * printable message.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pv/iec61724.h"
#include "pv/pr_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rows(const struct pv_pr_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct pv_interval *v = &r->v[i];

		if (!isfinite(v->poa_global) || !isfinite(v->temp_module) ||
		    !isfinite(v->p_dc_kw) || !isfinite(v->p_ac_kw))
			abort();
		if (i && r->time_ms[i] <= r->time_ms[i - 1])
			abort();
	}
}

static void check_metrics(const struct pv_pr_rows *rows)
{
	struct pv_pr_params p = { 100, -0.004, 15, 28, 50, 90, 3 };
	struct pv_pr_result r;

	pv_pr_compute(rows->v, rows->n, &p, &r);
	if (isinf(r.pr) || isinf(r.availability_time) ||
	    isinf(r.pr_tc_stc_tmod) || isinf(r.h_poa_kwh_m2))
		abort();
	if (r.n_daylight > rows->n || r.n_unavailable > r.n_daylight ||
	    r.n_clipped > (long)rows->n)
		abort();
}

static void check_message(const struct err *e)
{
	if (strncmp(e->msg, "line ", 5))
		abort();
	for (const char *p = e->msg; *p; p++)
		if (*p == '\n')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_pr_rows rows;
	struct err e = { ERR_OK, "" };
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (pv_pr_csv_parse(buf, size, &rows, &e) == ERR_OK) {
		check_rows(&rows);
		check_metrics(&rows);
	} else if (e.code != ERR_NOMEM && e.code != ERR_TOO_LARGE) {
		check_message(&e);
	}
	pv_pr_rows_free(&rows);
	free(buf);
	return 0;
}
