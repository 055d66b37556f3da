/*
 * pvwatts: NREL's PVWatts version 5 DC power and inverter models (A. P.
 * Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014, eqs 1-2 and
 * the inverter part-load curve of section 9), as pvlib-python's
 * pvsystem.pvwatts_dc and inverter.pvwatts compute them.  The expected
 * power of an inverter beside what it delivers comes from here.
 *
 * Pure functions; W/m2, degC, W (or any one power unit throughout).
 */
#ifndef OASIS_PV_PVWATTS_H
#define OASIS_PV_PVWATTS_H

#define PV_PVWATTS_GAMMA_PDC (-0.0037) /* 1/degC, ../shared/PV.md */
#define PV_PVWATTS_TEMP_REF 25.0
#define PV_PVWATTS_ETA_INV_NOM 0.96
#define PV_PVWATTS_ETA_INV_REF 0.9637

/* DC power: G/1000 pdc0 (1 + gamma (Tc - Tref)). */
double pv_pvwatts_dc(double effective_irradiance, double temp_cell,
		     double pdc0, double gamma_pdc, double temp_ref);

/* AC power of an inverter whose DC input limit is inv_pdc0: the part-load
 * efficiency curve, clipped to [0, eta_inv_nom inv_pdc0]. */
double pv_pvwatts_ac(double pdc, double inv_pdc0, double eta_inv_nom,
		     double eta_inv_ref);

#endif
