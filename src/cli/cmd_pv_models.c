/*
 * cmd_pv_models: `oasis pv temp`, `oasis pv pvwatts`, `oasis pv tracker`
 * and `oasis pv strings`, the instant models of the PV park (one JSON
 * object each).  The models are pv/temperature.c, pv/pvwatts.c,
 * pv/tracking.c and pv/strings.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_pv.h"
#include "pv/pvwatts.h"
#include "pv/strings.h"
#include "pv/temperature.h"
#include "pv/tracking.h"

static const char temp_usage[] =
	"usage: oasis pv temp --model sapm|faiman|pvsyst --poa-global W/M2\n"
	"           --temp-air C --wind-speed M/S [model parameters]\n"
	"\n"
	"Cell temperature as pvlib's temperature module.  Keys: model,\n"
	"temp_cell, and temp_module for sapm.\n"
	"  sapm    [--mount open_rack_glass_glass|close_mount_glass_glass|\n"
	"          open_rack_glass_polymer|insulated_back_glass_polymer]\n"
	"          [--a A --b B --delta-t-cell C] (King et al. 2004)\n"
	"  faiman  [--u0 25] [--u1 6.84] (Faiman 2008)\n"
	"  pvsyst  [--u-c 29] [--u-v 0] [--module-efficiency 0.1]\n"
	"          [--alpha-absorption 0.9]\n";

static const char pvwatts_usage[] =
	"usage: oasis pv pvwatts --effective-irradiance W/M2 --temp-cell C\n"
	"           --pdc0 W [--gamma-pdc -0.0037] [--temp-ref 25]\n"
	"           [--inv-pdc0 W [--eta-inv-nom 0.96] [--eta-inv-ref 0.9637]]\n"
	"\n"
	"PVWatts v5 DC power (Dobos 2014) and, with --inv-pdc0 (the inverter's\n"
	"DC input limit), its AC power.  Keys: pdc, pac (null without an\n"
	"inverter).\n";

static const char tracker_usage[] =
	"usage: oasis pv tracker --solar-zenith DEG --solar-azimuth DEG\n"
	"           [--axis-tilt 0] [--axis-azimuth 180] [--max-angle 60]\n"
	"           [--backtrack 1] [--gcr 0.35] [--cross-axis-tilt 0]\n"
	"\n"
	"Single-axis tracker rotation as pvlib's tracking.singleaxis, with\n"
	"backtracking by the ground coverage ratio.  Keys: tracker_theta,\n"
	"aoi, surface_tilt, surface_azimuth; all null with the sun below the\n"
	"horizon.  --solar-zenith is the apparent zenith.\n";

static const char strings_usage[] =
	"usage: oasis pv strings --poa-global W/M2 --currents I1,I2,...\n"
	"\n"
	"The string currents of one combiner box at one instant against their\n"
	"median: ratio = I/median; status open (ratio < 0.05), low (< 0.90)\n"
	"or ok (null when the median is not positive); dispersion = population\n"
	"standard deviation / mean, of all strings and without the open ones.\n";

static const char *const temp_flags[] = {
	"model", "poa-global", "temp-air", "wind-speed", "mount", "a", "b",
	"delta-t-cell", "u0", "u1", "u-c", "u-v", "module-efficiency",
	"alpha-absorption", NULL,
};

static const char *const pvwatts_flags[] = {
	"effective-irradiance", "temp-cell", "pdc0", "gamma-pdc", "temp-ref",
	"inv-pdc0", "eta-inv-nom", "eta-inv-ref", NULL,
};

static const char *const tracker_flags[] = {
	"solar-zenith", "solar-azimuth", "axis-tilt", "axis-azimuth",
	"max-angle", "backtrack", "gcr", "cross-axis-tilt", NULL,
};

static const char *const strings_flags[] = { "poa-global", "currents",
					     NULL };

static int print(struct pv_json *j, const char *cmd)
{
	struct err e = { ERR_OK, "" };

	if (pvj_end(j, &e) || pv_flush(&e))
		return pv_fail(cmd, &e);
	return CLI_EXIT_OK;
}

/* Flags of models other than the one chosen are a mistake, not ignored. */
static int only_with(const struct pv_args *a, const char *const *flags,
		     const char *model, struct err *e)
{
	for (int i = 0; flags[i]; i++)
		if (pv_has(a, flags[i]))
			return err_set(e, ERR_INVALID, "--%s: only with "
				       "--model %s", flags[i], model);
	return ERR_OK;
}

static const char *const sapm_only[] = { "mount", "a", "b", "delta-t-cell",
					 NULL };
static const char *const faiman_only[] = { "u0", "u1", NULL };
static const char *const pvsyst_only[] = { "u-c", "u-v", "module-efficiency",
					   "alpha-absorption", NULL };

static int temp_sapm(const struct pv_args *a, double g, double t, double w,
		     struct pv_json *j, struct err *e)
{
	const char *mount = pv_str(a, "mount");
	struct pv_sapm_params p;
	double tm;

	if (!pv_sapm_mount(mount ? mount : "open_rack_glass_glass", &p))
		return err_set(e, ERR_INVALID, "--mount: '%s' is not one of "
			       "open_rack_glass_glass, close_mount_glass_glass,"
			       " open_rack_glass_polymer, "
			       "insulated_back_glass_polymer", mount);
	if (pv_num(a, "a", p.a, -20, 20, &p.a, e) ||
	    pv_num(a, "b", p.b, -10, 10, &p.b, e) ||
	    pv_num(a, "delta-t-cell", p.delta_t, -50, 50, &p.delta_t, e) ||
	    only_with(a, faiman_only, "faiman", e) ||
	    only_with(a, pvsyst_only, "pvsyst", e))
		return ERR_INVALID;
	tm = pv_sapm_module(g, t, w, p.a, p.b);
	pvj_num(j, "temp_module", tm);
	pvj_num(j, "temp_cell", pv_sapm_cell_from_module(tm, g, p.delta_t));
	return ERR_OK;
}

static int temp_faiman(const struct pv_args *a, double g, double t, double w,
		       struct pv_json *j, struct err *e)
{
	double u0, u1;

	if (pv_num(a, "u0", PV_FAIMAN_U0, 1e-6, 1e4, &u0, e) ||
	    pv_num(a, "u1", PV_FAIMAN_U1, 0, 1e4, &u1, e) ||
	    only_with(a, sapm_only, "sapm", e) ||
	    only_with(a, pvsyst_only, "pvsyst", e))
		return ERR_INVALID;
	pvj_num(j, "temp_cell", pv_faiman(g, t, w, u0, u1));
	return ERR_OK;
}

static int temp_pvsyst(const struct pv_args *a, double g, double t, double w,
		       struct pv_json *j, struct err *e)
{
	double uc, uv, eta, alpha;

	if (pv_num(a, "u-c", PV_PVSYST_U_C, 1e-6, 1e4, &uc, e) ||
	    pv_num(a, "u-v", PV_PVSYST_U_V, 0, 1e4, &uv, e) ||
	    pv_num(a, "module-efficiency", PV_PVSYST_EFFICIENCY, 0, 1, &eta,
		   e) ||
	    pv_num(a, "alpha-absorption", PV_PVSYST_ABSORPTION, 0, 1, &alpha,
		   e) ||
	    only_with(a, sapm_only, "sapm", e) ||
	    only_with(a, faiman_only, "faiman", e))
		return ERR_INVALID;
	pvj_num(j, "temp_cell", pv_pvsyst_cell(g, t, w, uc, uv, eta, alpha));
	return ERR_OK;
}

int cmd_pv_temp(int argc, char **argv)
{
	static const char cmd[] = "pv temp";
	struct pv_args a;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	const char *model;
	double g, t, w;
	int rc;

	if ((rc = pv_start(&a, cmd, temp_flags, temp_usage, argc, argv, &e)) >= 0)
		return rc;
	if (!(model = pv_str(&a, "model"))) {
		err_set(&e, ERR_INVALID, "--model is required: sapm, faiman "
			"or pvsyst");
		return pv_usage_error(cmd, &e);
	}
	if (pv_num(&a, "poa-global", NAN, -100, 2000, &g, &e) ||
	    pv_num(&a, "temp-air", NAN, -90, 70, &t, &e) ||
	    pv_num(&a, "wind-speed", NAN, 0, 100, &w, &e))
		return pv_usage_error(cmd, &e);
	pvj_begin(&j);
	pvj_str(&j, "model", model);
	if (!strcmp(model, "sapm"))
		rc = temp_sapm(&a, g, t, w, &j, &e);
	else if (!strcmp(model, "faiman"))
		rc = temp_faiman(&a, g, t, w, &j, &e);
	else if (!strcmp(model, "pvsyst"))
		rc = temp_pvsyst(&a, g, t, w, &j, &e);
	else
		rc = err_set(&e, ERR_INVALID, "--model: '%s' is not sapm, "
			     "faiman or pvsyst", model);
	if (rc)
		return pv_usage_error(cmd, &e);
	return print(&j, cmd);
}

int cmd_pv_pvwatts(int argc, char **argv)
{
	static const char cmd[] = "pv pvwatts";
	struct pv_args a;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	double g, tc, pdc0, gamma, tref, inv = NAN, nom, ref, pdc;
	int rc;

	if ((rc = pv_start(&a, cmd, pvwatts_flags, pvwatts_usage, argc, argv,
			&e)) >= 0)
		return rc;
	if (pv_num(&a, "effective-irradiance", NAN, -100, 2000, &g, &e) ||
	    pv_num(&a, "temp-cell", NAN, -90, 150, &tc, &e) ||
	    pv_num(&a, "pdc0", NAN, 0, 1e12, &pdc0, &e) ||
	    pv_num(&a, "gamma-pdc", PV_PVWATTS_GAMMA_PDC, -0.1, 0.1, &gamma,
		   &e) ||
	    pv_num(&a, "temp-ref", PV_PVWATTS_TEMP_REF, -90, 150, &tref, &e) ||
	    pv_num(&a, "eta-inv-nom", PV_PVWATTS_ETA_INV_NOM, 0.01, 1, &nom,
		   &e) ||
	    pv_num(&a, "eta-inv-ref", PV_PVWATTS_ETA_INV_REF, 0.01, 1, &ref,
		   &e))
		return pv_usage_error(cmd, &e);
	if (pv_has(&a, "inv-pdc0") &&
	    pv_num(&a, "inv-pdc0", NAN, 1e-9, 1e12, &inv, &e))
		return pv_usage_error(cmd, &e);
	if (isnan(inv) && (pv_has(&a, "eta-inv-nom") ||
			   pv_has(&a, "eta-inv-ref"))) {
		err_set(&e, ERR_INVALID, "--%s: only with --inv-pdc0",
			pv_has(&a, "eta-inv-nom") ? "eta-inv-nom" :
						    "eta-inv-ref");
		return pv_usage_error(cmd, &e);
	}
	pdc = pv_pvwatts_dc(g, tc, pdc0, gamma, tref);
	pvj_begin(&j);
	pvj_num(&j, "pdc", pdc);
	pvj_num(&j, "pac", isnan(inv) ? NAN : pv_pvwatts_ac(pdc, inv, nom,
							    ref));
	return print(&j, cmd);
}

/* --backtrack 1|0|true|false. */
static int read_bool(const struct pv_args *a, const char *name, bool def,
		     bool *out, struct err *e)
{
	const char *s = pv_str(a, name);

	*out = def;
	if (!s)
		return ERR_OK;
	if (!strcmp(s, "1") || !strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "0") || !strcmp(s, "false"))
		*out = false;
	else
		return err_set(e, ERR_INVALID, "--%s: '%s' is not 1 or 0",
			       name, s);
	return ERR_OK;
}

int cmd_pv_tracker(int argc, char **argv)
{
	static const char cmd[] = "pv tracker";
	struct pv_args a;
	struct pv_tracker t;
	struct pv_tracker_out o;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	double z, az;
	int rc;

	if ((rc = pv_start(&a, cmd, tracker_flags, tracker_usage, argc, argv,
			&e)) >= 0)
		return rc;
	if (pv_num(&a, "solar-zenith", NAN, 0, 180, &z, &e) ||
	    pv_num(&a, "solar-azimuth", NAN, -360, 360, &az, &e) ||
	    pv_num(&a, "axis-tilt", 0, -90, 90, &t.axis_tilt, &e) ||
	    pv_num(&a, "axis-azimuth", 180, -360, 360, &t.axis_azimuth, &e) ||
	    pv_num(&a, "max-angle", 60, 0, 180, &t.max_angle, &e) ||
	    read_bool(&a, "backtrack", true, &t.backtrack, &e) ||
	    pv_num(&a, "gcr", 0.35, 1e-6, 1, &t.gcr, &e) ||
	    pv_num(&a, "cross-axis-tilt", 0, -89, 89, &t.cross_axis_tilt, &e))
		return pv_usage_error(cmd, &e);
	pv_singleaxis(z, az, &t, &o);
	pvj_begin(&j);
	pvj_num(&j, "tracker_theta", o.tracker_theta);
	pvj_num(&j, "aoi", o.aoi);
	pvj_num(&j, "surface_tilt", o.surface_tilt);
	pvj_num(&j, "surface_azimuth", o.surface_azimuth);
	return print(&j, cmd);
}

/* --currents 1.2,3.4,...: at least one, at most PV_MAX_STRINGS. */
static int read_currents(const char *s, double *v, size_t *n, struct err *e)
{
	const char *p = s;
	char *end;

	*n = 0;
	if (!s)
		return err_set(e, ERR_INVALID, "--currents is required: the "
			       "string currents in A, comma-separated");
	for (;;) {
		if (*n == PV_MAX_STRINGS)
			return err_set(e, ERR_INVALID, "--currents: more than "
				       "%d strings", PV_MAX_STRINGS);
		errno = 0;
		v[*n] = strtod(p, &end);
		if (end == p || errno == ERANGE || !isfinite(v[*n]) ||
		    (*end && *end != ','))
			return err_set(e, ERR_INVALID, "--currents: value %zu "
				       "is not a number", *n + 1);
		if (v[*n] < -1000 || v[*n] > 1000)
			return err_set(e, ERR_INVALID, "--currents: value %zu "
				       "is out of range [-1000, 1000]", *n + 1);
		(*n)++;
		if (!*end)
			return ERR_OK;
		p = end + 1;
	}
}

int cmd_pv_strings(int argc, char **argv)
{
	static const char cmd[] = "pv strings";
	static double cur[PV_MAX_STRINGS], ratio[PV_MAX_STRINGS];
	static double scratch[PV_MAX_STRINGS];
	static enum pv_string_status status[PV_MAX_STRINGS];
	const char *names[PV_MAX_STRINGS];
	struct pv_strings_out o;
	struct pv_args a;
	struct pv_json j;
	struct err e = { ERR_OK, "" };
	double g;
	size_t n;
	int rc;

	if ((rc = pv_start(&a, cmd, strings_flags, strings_usage, argc, argv,
			&e)) >= 0)
		return rc;
	if (pv_num(&a, "poa-global", NAN, -100, 2000, &g, &e) ||
	    read_currents(pv_str(&a, "currents"), cur, &n, &e))
		return pv_usage_error(cmd, &e);
	pv_strings(cur, n, ratio, status, scratch, &o);
	for (size_t i = 0; i < n; i++)
		names[i] = status[i] == PV_STRING_UNKNOWN ? NULL :
			   pv_string_status_name(status[i]);
	pvj_begin(&j);
	pvj_num(&j, "poa_global", g);
	pvj_int(&j, "n_strings", (long)n);
	pvj_num(&j, "median", o.median);
	pvj_num(&j, "mean", o.mean);
	pvj_num_array(&j, "ratio", ratio, n);
	pvj_str_array(&j, "status", names, n);
	pvj_int(&j, "n_open", (long)o.n_open);
	pvj_int(&j, "n_low", (long)o.n_low);
	pvj_num(&j, "dispersion_all", o.dispersion_all);
	pvj_num(&j, "dispersion_excl_open", o.dispersion_excl_open);
	return print(&j, cmd);
}
