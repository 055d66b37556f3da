/*
 * temperature: SAPM, Faiman and PVsyst cell temperature (see
 * pv/temperature.h for the sources).
 */
#include "pv/temperature.h"

#include <math.h>
#include <string.h>

#define SAPM_IRRAD_REF 1000.0

/* King et al. 2004, Table 2 (pvlib TEMPERATURE_MODEL_PARAMETERS['sapm']). */
static const struct {
	const char *name;
	struct pv_sapm_params p;
} mounts[] = {
	{ "open_rack_glass_glass", { -3.47, -0.0594, 3.0 } },
	{ "close_mount_glass_glass", { -2.98, -0.0471, 1.0 } },
	{ "open_rack_glass_polymer", { -3.56, -0.075, 3.0 } },
	{ "insulated_back_glass_polymer", { -2.81, -0.0455, 0.0 } },
};

const char *const pv_sapm_mount_names[] = {
	"open_rack_glass_glass", "close_mount_glass_glass",
	"open_rack_glass_polymer", "insulated_back_glass_polymer", NULL,
};

bool pv_sapm_mount(const char *name, struct pv_sapm_params *out)
{
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		if (!strcmp(name, mounts[i].name)) {
			*out = mounts[i].p;
			return true;
		}
	return false;
}

double pv_sapm_module(double poa_global, double temp_air, double wind_speed,
		      double a, double b)
{
	return poa_global * exp(a + b * wind_speed) + temp_air;
}

double pv_sapm_cell_from_module(double temp_module, double poa_global,
				double delta_t)
{
	return temp_module + poa_global / SAPM_IRRAD_REF * delta_t;
}

double pv_faiman(double poa_global, double temp_air, double wind_speed,
		 double u0, double u1)
{
	return temp_air + poa_global / (u0 + u1 * wind_speed);
}

double pv_pvsyst_cell(double poa_global, double temp_air, double wind_speed,
		      double u_c, double u_v, double module_efficiency,
		      double alpha_absorption)
{
	double heat = poa_global * alpha_absorption * (1.0 - module_efficiency);

	return temp_air + heat / (u_c + u_v * wind_speed);
}
