/*
 * iec61724: the performance metrics of a PV system over a period, in the
 * style of IEC 61724-1:2021 ("Photovoltaic system performance - Part 1:
 * Monitoring", clause 10: in-plane irradiation, reference, array and final
 * yields, capture and system losses, performance ratio and its
 * temperature-corrected forms, availability) and the NREL weather-corrected
 * performance ratio (T. Dierauf et al., "Weather-Corrected Performance
 * Ratio", NREL/TP-5200-57991, 2013).  The formulas as ../shared/PV.md
 * writes them; the daily metrics of an inverter, a block and the plant are
 * this over that equipment's intervals.
 *
 * Pure functions over an array of interval averages; no I/O.
 */
#ifndef OASIS_PV_IEC61724_H
#define OASIS_PV_IEC61724_H

#include <stddef.h>

/* One interval's averages, labelled by the interval's start. */
struct pv_interval {
	double poa_global;  /* W/m2 */
	double temp_air;    /* degC (not used by the metrics) */
	double wind_speed;  /* m/s (not used by the metrics) */
	double temp_module; /* degC */
	double p_dc_kw, p_ac_kw;
};

struct pv_pr_params {
	double p0_kwp;             /* DC nameplate, kWp */
	double gamma_pdc;          /* 1/degC, e.g. -0.0037 */
	double interval_min;       /* default 15 */
	double t_ref_annual;       /* degC, default 28 */
	double daylight_threshold; /* W/m2, default 50 */
	double pac0_kw;            /* AC limit for clipping; NaN: unknown */
	double sapm_delta_t;       /* degC at 1000 W/m2, default 3 */
};

#define PV_PR_INTERVAL_MIN 15.0
#define PV_PR_T_REF_ANNUAL 28.0
#define PV_PR_DAYLIGHT_THRESHOLD 50.0
#define PV_PR_SAPM_DELTA_T 3.0
#define PV_PR_T_REF_STC 25.0
#define PV_PR_G_REF 1000.0

/* The metrics; NaN where a denominator is 0 (e.g. no daylight). */
struct pv_pr_result {
	double h_poa_kwh_m2, y_r_h;
	double e_dc_kwh, e_ac_kwh;
	double y_a_kwh_kwp, y_f_kwh_kwp;
	double l_c_h, l_s_h;
	double pr;
	double pr_tc_stc_tmod, pr_tc_stc_tcell_sapm, pr_tc_annual_eq_tmod;
	double t_mod_irradiance_weighted_c;
	double availability_time, availability_energy;
	double e_lost_kwh;
	double pr_stc_tmod_over_available;
	double pr_excluding_unavailable;
	double pr_nrel_weather_corrected;
	size_t n_intervals, n_daylight, n_unavailable;
	long n_clipped; /* -1 without pac0_kw */
};

void pv_pr_compute(const struct pv_interval *v, size_t n,
		   const struct pv_pr_params *p, struct pv_pr_result *r);

#endif
