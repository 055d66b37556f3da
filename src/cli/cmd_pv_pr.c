/*
 * cmd_pv_pr: `oasis pv pr`, the IEC 61724-1 metrics of a period from a CSV
 * of interval averages (pv/pr_csv.c reads it, pv/iec61724.c computes).
 * Bad flags exit 2; a file that cannot be read or parsed exits 1 with the
 * line and the column at fault.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_pv.h"
#include "pv/iec61724.h"
#include "pv/pr_csv.h"
#include "pv/pvtime.h"

#define INPUT_MAX ((size_t)1 << 30)

static const char pr_usage[] =
	"usage: oasis pv pr --input FILE|- --p0-kwp KWP --gamma-pdc G\n"
	"           [--interval-min 15] [--t-ref-annual 28]\n"
	"           [--daylight-threshold 50] [--pac0-kw KW] [--sapm-delta-t 3]\n"
	"\n"
	"IEC 61724-1 metrics of a period (docs/PV.md).  The input is CSV with\n"
	"a header naming the columns time,poa_global,temp_air,wind_speed,\n"
	"temp_module,p_dc_kw,p_ac_kw (any order; others ignored), one row per\n"
	"interval, labelled by its start (ISO 8601 with an offset).\n"
	"  --p0-kwp KWP            DC nameplate\n"
	"  --gamma-pdc G           power temperature coefficient, 1/degC\n"
	"  --interval-min MIN      interval length\n"
	"  --t-ref-annual C        T_ref of the annual-equivalent PR\n"
	"  --daylight-threshold W  POA irradiance from which an interval counts\n"
	"                          as daylight (availability)\n"
	"  --pac0-kw KW            AC limit: intervals >= 0.99 of it are clipped\n"
	"  --sapm-delta-t C        cell - module temperature at 1000 W/m2\n";

static const char *const pr_flags[] = {
	"input", "p0-kwp", "gamma-pdc", "interval-min", "t-ref-annual",
	"daylight-threshold", "pac0-kw", "sapm-delta-t", NULL,
};

/* The whole of path ("-": stdin) in a malloc'd buffer. */
static int slurp(const char *path, char **out, size_t *len, struct err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0, got;
	char *buf = NULL, *nb;
	int rc = ERR_OK;

	if (!f)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	do {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > INPUT_MAX) {
				rc = err_set(e, ERR_TOO_LARGE, "%s: larger than "
					     "%zu bytes", path, INPUT_MAX);
				goto out;
			}
			if (!(nb = realloc(buf, cap))) {
				rc = err_nomem(e);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		rc = err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
out:
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return ERR_OK;
}

static int read_params(const struct pv_args *a, struct pv_pr_params *p,
		       struct err *e)
{
	if (!pv_has(a, "input"))
		return err_set(e, ERR_INVALID, "--input is required: a CSV "
			       "file, or - for stdin");
	p->pac0_kw = NAN;
	if (pv_num(a, "p0-kwp", NAN, 1e-9, 1e9, &p->p0_kwp, e) ||
	    pv_num(a, "gamma-pdc", NAN, -0.1, 0.1, &p->gamma_pdc, e) ||
	    pv_num(a, "interval-min", PV_PR_INTERVAL_MIN, 1.0 / 60, 1440,
		   &p->interval_min, e) ||
	    pv_num(a, "t-ref-annual", PV_PR_T_REF_ANNUAL, -60, 90,
		   &p->t_ref_annual, e) ||
	    pv_num(a, "daylight-threshold", PV_PR_DAYLIGHT_THRESHOLD, 0, 2000,
		   &p->daylight_threshold, e) ||
	    pv_num(a, "sapm-delta-t", PV_PR_SAPM_DELTA_T, -50, 50,
		   &p->sapm_delta_t, e))
		return ERR_INVALID;
	if (pv_has(a, "pac0-kw") &&
	    pv_num(a, "pac0-kw", NAN, 1e-9, 1e9, &p->pac0_kw, e))
		return ERR_INVALID;
	return ERR_OK;
}

static void put_times(struct pv_json *j, const struct pv_pr_rows *rows)
{
	char b[PV_TIME_MAX];

	if (!rows->n) {
		pvj_null(j, "time_start");
		pvj_null(j, "time_end");
		return;
	}
	pv_time_format(rows->time_ms[0], 0, 1, b);
	pvj_str(j, "time_start", b);
	pv_time_format(rows->time_ms[rows->n - 1], 0, 1, b);
	pvj_str(j, "time_end", b);
}

static void put_result(struct pv_json *j, const struct pv_pr_params *p,
		       const struct pv_pr_rows *rows,
		       const struct pv_pr_result *r)
{
	put_times(j, rows);
	pvj_int(j, "n_intervals", (long)r->n_intervals);
	pvj_num(j, "interval_min", p->interval_min);
	pvj_num(j, "H_poa_kwh_m2", r->h_poa_kwh_m2);
	pvj_num(j, "Y_r_h", r->y_r_h);
	pvj_num(j, "E_dc_kwh", r->e_dc_kwh);
	pvj_num(j, "E_ac_kwh", r->e_ac_kwh);
	pvj_num(j, "Y_a_kwh_kwp", r->y_a_kwh_kwp);
	pvj_num(j, "Y_f_kwh_kwp", r->y_f_kwh_kwp);
	pvj_num(j, "L_c_h", r->l_c_h);
	pvj_num(j, "L_s_h", r->l_s_h);
	pvj_num(j, "PR", r->pr);
	pvj_num(j, "PR_temp_corrected_stc_tmod", r->pr_tc_stc_tmod);
	pvj_num(j, "PR_temp_corrected_stc_tcell_sapm",
		r->pr_tc_stc_tcell_sapm);
	pvj_num(j, "PR_temp_corrected_annual_eq_tmod",
		r->pr_tc_annual_eq_tmod);
	pvj_num(j, "T_mod_irradiance_weighted_c",
		r->t_mod_irradiance_weighted_c);
	pvj_num(j, "availability_time", r->availability_time);
	pvj_num(j, "availability_energy", r->availability_energy);
	pvj_num(j, "E_lost_kwh", r->e_lost_kwh);
	pvj_num(j, "PR_stc_tmod_over_available",
		r->pr_stc_tmod_over_available);
	pvj_num(j, "PR_excluding_unavailable", r->pr_excluding_unavailable);
	pvj_int(j, "n_daylight_intervals", (long)r->n_daylight);
	pvj_int(j, "n_unavailable_daylight_intervals",
		(long)r->n_unavailable);
	if (r->n_clipped >= 0)
		pvj_int(j, "n_clipped_intervals", r->n_clipped);
	else
		pvj_null(j, "n_clipped_intervals");
	pvj_num(j, "PR_nrel_weather_corrected", r->pr_nrel_weather_corrected);
}

int cmd_pv_pr(int argc, char **argv)
{
	static const char cmd[] = "pv pr";
	struct pv_args a;
	struct pv_pr_params p;
	struct pv_pr_rows rows = { NULL, NULL, 0 };
	struct pv_pr_result r;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (pv_args_parse(&a, cmd, pr_flags, argc, argv, &e))
		return pv_usage_error(cmd, &e);
	if (a.help) {
		fputs(pr_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (read_params(&a, &p, &e))
		return pv_usage_error(cmd, &e);
	if (slurp(pv_str(&a, "input"), &buf, &len, &e))
		return pv_fail(cmd, &e);
	rc = pv_pr_csv_parse(buf, len, &rows, &e);
	free(buf);
	if (rc) {
		err_prefix(&e, "%s", pv_str(&a, "input"));
		pv_pr_rows_free(&rows);
		return pv_fail(cmd, &e);
	}
	pv_pr_compute(rows.v, rows.n, &p, &r);
	pvj_begin(&j);
	put_result(&j, &p, &rows, &r);
	pv_pr_rows_free(&rows);
	if (pvj_end(&j, &e) || pv_flush(&e))
		return pv_fail(cmd, &e);
	return CLI_EXIT_OK;
}
