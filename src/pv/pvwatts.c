/*
 * pvwatts: PVWatts v5 DC power and inverter (see pv/pvwatts.h).
 */
#include "pv/pvwatts.h"

#include <math.h>

double pv_pvwatts_dc(double g, double temp_cell, double pdc0,
		     double gamma_pdc, double temp_ref)
{
	return g * 0.001 * pdc0 * (1.0 + gamma_pdc * (temp_cell - temp_ref));
}

double pv_pvwatts_ac(double pdc, double inv_pdc0, double eta_inv_nom,
		     double eta_inv_ref)
{
	double pac0 = eta_inv_nom * inv_pdc0;
	double zeta = pdc / inv_pdc0;
	double inv_zeta = pdc != 0.0 ? 0.0059 / zeta : 0.0;
	double eta = eta_inv_nom / eta_inv_ref *
		     (-0.0162 * zeta - inv_zeta + 0.9858);
	double pac = eta * pdc;

	if (isnan(pac))
		return NAN;
	if (pac > pac0)
		pac = pac0;
	return pac < 0.0 ? 0.0 : pac;
}
