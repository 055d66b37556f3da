/*
 * temperature: PV cell and module temperature from the irradiance on the
 * plane of array, the air temperature and the wind, as pvlib-python's
 * temperature module computes them: the Sandia Array Performance Model
 * (D. L. King, W. E. Boyson, J. A. Kratochvil, "Photovoltaic Array
 * Performance Model", SAND2004-3535, 2004, eqs 11-12 and Table 2), Faiman
 * (D. Faiman, "Assessing the outdoor operating temperature of photovoltaic
 * modules", Progress in Photovoltaics 16 (2008) 307-315) and PVsyst's
 * thermal model (PVsyst 6 help, "Array thermal losses").
 *
 * Pure functions; W/m2, degC, m/s.
 */
#ifndef OASIS_PV_TEMPERATURE_H
#define OASIS_PV_TEMPERATURE_H

#include <stdbool.h>

/* SAPM coefficients a, b and the cell-module difference deltaT at 1000. */
struct pv_sapm_params {
	double a, b, delta_t;
};

/* King et al. 2004 Table 2 by mount name; false if the name is unknown. */
bool pv_sapm_mount(const char *name, struct pv_sapm_params *out);
/* The mount names, NULL-terminated, in the table's order. */
extern const char *const pv_sapm_mount_names[];

/* SAPM eq. 11: the back-of-module temperature. */
double pv_sapm_module(double poa_global, double temp_air, double wind_speed,
		      double a, double b);
/* SAPM eq. 12: the cell temperature from the module temperature. */
double pv_sapm_cell_from_module(double temp_module, double poa_global,
				double delta_t);

#define PV_FAIMAN_U0 25.0
#define PV_FAIMAN_U1 6.84
double pv_faiman(double poa_global, double temp_air, double wind_speed,
		 double u0, double u1);

#define PV_PVSYST_U_C 29.0
#define PV_PVSYST_U_V 0.0
#define PV_PVSYST_EFFICIENCY 0.1
#define PV_PVSYST_ABSORPTION 0.9
double pv_pvsyst_cell(double poa_global, double temp_air, double wind_speed,
		      double u_c, double u_v, double module_efficiency,
		      double alpha_absorption);

#endif
