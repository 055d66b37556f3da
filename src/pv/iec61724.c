/*
 * iec61724: period metrics (see pv/iec61724.h).  One pass gathers every
 * sum the metrics need; the metrics are ratios of those sums.
 */
#include "pv/iec61724.h"

#include <math.h>
#include <string.h>

/* The sums over the period; "ref" sums are sum C_k P0 G_k tau / G_ref. */
struct sums {
	double g, g_tmod, e_dc, e_ac;
	double ref_stc_tmod, ref_stc_tcell, ref_annual_tmod;
	double g_avail, e_ac_avail, ref_stc_tmod_avail, ref_stc_tmod_unavail;
	double g_tcell;
	size_t n_daylight, n_unavailable;
	long n_clipped;
};

static double ratio(double num, double den)
{
	return den != 0.0 ? num / den : NAN;
}

/* P0 G tau / G_ref times the temperature factor C = 1 + gamma (T - Tref). */
static double ref_energy(const struct pv_pr_params *p, double g, double tau,
			 double t, double t_ref)
{
	return (1.0 + p->gamma_pdc * (t - t_ref)) * p->p0_kwp * g * tau /
	       PV_PR_G_REF;
}

static void gather(const struct pv_interval *v, size_t n,
		   const struct pv_pr_params *p, double tau, struct sums *s)
{
	memset(s, 0, sizeof(*s));
	s->n_clipped = isnan(p->pac0_kw) ? -1 : 0;
	for (size_t i = 0; i < n; i++) {
		double g = v[i].poa_global, tm = v[i].temp_module;
		double tc = tm + g / PV_PR_G_REF * p->sapm_delta_t;
		double ref_tmod = ref_energy(p, g, tau, tm, PV_PR_T_REF_STC);

		s->g += g;
		s->g_tmod += g * tm;
		s->g_tcell += g * tc;
		s->e_dc += v[i].p_dc_kw * tau;
		s->e_ac += v[i].p_ac_kw * tau;
		s->ref_stc_tmod += ref_tmod;
		s->ref_stc_tcell += ref_energy(p, g, tau, tc, PV_PR_T_REF_STC);
		s->ref_annual_tmod += ref_energy(p, g, tau, tm,
						 p->t_ref_annual);
		if (s->n_clipped >= 0 && v[i].p_ac_kw >= 0.99 * p->pac0_kw)
			s->n_clipped++;
		if (!(g >= p->daylight_threshold))
			continue;
		s->n_daylight++;
		if (v[i].p_ac_kw <= 0.0) {
			s->n_unavailable++;
			s->ref_stc_tmod_unavail += ref_tmod;
			continue;
		}
		s->g_avail += g;
		s->e_ac_avail += v[i].p_ac_kw * tau;
		s->ref_stc_tmod_avail += ref_tmod;
	}
}

/* NREL 2013 with T_ref the period's irradiance-weighted cell temperature. */
static double nrel_weather_corrected(const struct pv_interval *v, size_t n,
				     const struct pv_pr_params *p, double tau,
				     const struct sums *s)
{
	double t_avg = ratio(s->g_tcell, s->g), den = 0.0;

	for (size_t i = 0; i < n; i++) {
		double g = v[i].poa_global;
		double tc = v[i].temp_module + g / PV_PR_G_REF * p->sapm_delta_t;

		den += ref_energy(p, g, tau, tc, t_avg);
	}
	return ratio(s->e_ac, den);
}

void pv_pr_compute(const struct pv_interval *v, size_t n,
		   const struct pv_pr_params *p, struct pv_pr_result *r)
{
	double tau = p->interval_min / 60.0;
	struct sums s;

	gather(v, n, p, tau, &s);
	memset(r, 0, sizeof(*r));
	r->n_intervals = n;
	r->h_poa_kwh_m2 = s.g * tau / 1000.0;
	r->y_r_h = r->h_poa_kwh_m2 / (PV_PR_G_REF / 1000.0);
	r->e_dc_kwh = s.e_dc;
	r->e_ac_kwh = s.e_ac;
	r->y_a_kwh_kwp = s.e_dc / p->p0_kwp;
	r->y_f_kwh_kwp = s.e_ac / p->p0_kwp;
	r->l_c_h = r->y_r_h - r->y_a_kwh_kwp;
	r->l_s_h = r->y_a_kwh_kwp - r->y_f_kwh_kwp;
	r->pr = ratio(r->y_f_kwh_kwp, r->y_r_h);
	r->pr_tc_stc_tmod = ratio(s.e_ac, s.ref_stc_tmod);
	r->pr_tc_stc_tcell_sapm = ratio(s.e_ac, s.ref_stc_tcell);
	r->pr_tc_annual_eq_tmod = ratio(s.e_ac, s.ref_annual_tmod);
	r->t_mod_irradiance_weighted_c = ratio(s.g_tmod, s.g);
	r->n_daylight = s.n_daylight;
	r->n_unavailable = s.n_unavailable;
	r->n_clipped = s.n_clipped;
	r->availability_time = ratio((double)(s.n_daylight - s.n_unavailable),
				     (double)s.n_daylight);
	r->pr_stc_tmod_over_available = ratio(s.e_ac_avail,
					      s.ref_stc_tmod_avail);
	r->e_lost_kwh = s.n_unavailable == 0 ? 0.0 :
			r->pr_stc_tmod_over_available * s.ref_stc_tmod_unavail;
	r->availability_energy = ratio(s.e_ac, s.e_ac + r->e_lost_kwh);
	r->pr_excluding_unavailable =
		ratio(s.e_ac_avail / p->p0_kwp, s.g_avail * tau / 1000.0);
	r->pr_nrel_weather_corrected = nrel_weather_corrected(v, n, p, tau,
							      &s);
}
