/*
 * irradiance: extraterrestrial irradiance, air mass and transposition to
 * the plane of array (see pv/irradiance.h for the sources).  Where pvlib
 * guards a division (Hay-Davies' cos Z floor of 0.01745, Perez's cos 85
 * degrees), the same guard is here, so that the numbers stay comparable
 * near the horizon.
 */
#include "pv/irradiance.h"

#include <math.h>
#include <string.h>

static double rad(double deg)
{
	return deg * (M_PI / 180.0);
}

static double deg(double r)
{
	return r * (180.0 / M_PI);
}

double pv_extra_spencer(int doy, double solar_constant)
{
	double b = 2.0 * M_PI / 365.0 * (double)(doy - 1);

	return solar_constant *
	       (1.00011 + 0.034221 * cos(b) + 0.00128 * sin(b) +
		0.000719 * cos(2.0 * b) + 7.7e-05 * sin(2.0 * b));
}

double pv_airmass_kastenyoung(double z)
{
	if (!(z <= 90.0))
		return NAN;
	return 1.0 / (cos(rad(z)) + 0.50572 * pow(6.07995 + (90.0 - z),
						  -1.6364));
}

double pv_aoi_projection(double tilt, double azimuth, double zenith,
			 double solar_azimuth)
{
	double p = cos(rad(tilt)) * cos(rad(zenith)) +
		   sin(rad(tilt)) * sin(rad(zenith)) *
		   cos(rad(solar_azimuth - azimuth));

	return p < -1.0 ? -1.0 : p > 1.0 ? 1.0 : p;
}

double pv_aoi(double tilt, double azimuth, double zenith,
	      double solar_azimuth)
{
	return deg(acos(pv_aoi_projection(tilt, azimuth, zenith,
					  solar_azimuth)));
}

static const char *const model_names[] = { "isotropic", "haydavies",
					   "perez" };

const char *pv_sky_model_name(enum pv_sky_model m)
{
	return model_names[m];
}

int pv_sky_model_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, model_names[i]))
			return i;
	return -1;
}

static double isotropic(const struct pv_poa_in *in)
{
	return in->dhi * (1.0 + cos(rad(in->surface_tilt))) * 0.5;
}

/* Hay & Davies 1980: the circumsolar share follows the anisotropy index. */
static double haydavies(const struct pv_poa_in *in, double proj)
{
	double ai = in->dni / in->dni_extra;
	double rb = fmax(proj, 0.0) /
		    fmax(cos(rad(in->solar_zenith)), 0.01745);
	double iso = fmax(in->dhi * (1.0 - ai) * 0.5 *
			  (1.0 + cos(rad(in->surface_tilt))), 0.0);

	return iso + fmax(in->dhi * (ai * rb), 0.0);
}

/* Perez et al. 1990 Table 6, allsitescomposite1990: f11 f12 f13 f21 f22
 * f23 by clearness bin, as pvlib ships them. */
static const double perez_f[8][6] = {
	{ -0.0080, 0.5880, -0.0620, -0.0600, 0.0720, -0.0220 },
	{ 0.1300, 0.6830, -0.1510, -0.0190, 0.0660, -0.0290 },
	{ 0.3300, 0.4870, -0.2210, 0.0550, -0.0640, -0.0260 },
	{ 0.5680, 0.1870, -0.2950, 0.1090, -0.1520, -0.0140 },
	{ 0.8730, -0.3920, -0.3620, 0.2260, -0.4620, 0.0010 },
	{ 1.1320, -1.2370, -0.4120, 0.2880, -0.8230, 0.0560 },
	{ 1.0600, -1.6000, -0.3590, 0.2640, -1.1270, 0.1310 },
	{ 0.6780, -0.3270, -0.2500, 0.1560, -1.3770, 0.2510 },
};

static const double perez_edges[7] = { 1.065, 1.23, 1.5, 1.95, 2.8, 4.5,
				       6.2 };

/* The clearness bin of epsilon (1-8), or 0 when epsilon is NaN or < 0. */
static int perez_bin(double eps)
{
	int bin = 1;

	if (!(eps >= 0.0))
		return 0;
	for (int i = 0; i < 7; i++)
		if (perez_edges[i] <= eps)
			bin++;
	return bin;
}

static double perez(const struct pv_poa_in *in, double proj,
		    struct pv_poa_out *out)
{
	double z = rad(in->solar_zenith), kz3 = 1.041 * z * z * z;
	double beta = rad(in->surface_tilt), f1, f2, sky;
	const double *f;

	out->perez_epsilon = in->dhi != 0.0 ?
		((in->dhi + in->dni) / in->dhi + kz3) / (1.0 + kz3) : NAN;
	out->perez_delta = in->dhi * in->airmass / in->dni_extra;
	out->perez_bin = isnan(in->airmass) ? 0 : perez_bin(out->perez_epsilon);
	if (isnan(in->airmass) || in->dhi == 0.0)
		return 0.0;
	if (out->perez_bin == 0)
		return NAN;
	f = perez_f[out->perez_bin - 1];
	f1 = fmax(f[0] + f[1] * out->perez_delta + f[2] * z, 0.0);
	f2 = f[3] + f[4] * out->perez_delta + f[5] * z;
	sky = in->dhi * (0.5 * (1.0 - f1) * (1.0 + cos(beta)) +
			 f1 * fmax(proj, 0.0) /
			 fmax(cos(z), cos(rad(85.0))) +
			 f2 * sin(beta));
	return fmax(sky, 0.0);
}

void pv_poa(const struct pv_poa_in *in, struct pv_poa_out *out)
{
	double proj = pv_aoi_projection(in->surface_tilt, in->surface_azimuth,
					in->solar_zenith, in->solar_azimuth);

	out->perez_epsilon = out->perez_delta = NAN;
	out->perez_bin = 0;
	out->aoi = deg(acos(proj));
	if (in->model == PV_SKY_PEREZ)
		out->poa_sky_diffuse = perez(in, proj, out);
	else if (in->model == PV_SKY_HAYDAVIES)
		out->poa_sky_diffuse = haydavies(in, proj);
	else
		out->poa_sky_diffuse = isotropic(in);
	out->poa_ground_diffuse = in->ghi * in->albedo *
				  (1.0 - cos(rad(in->surface_tilt))) * 0.5;
	out->poa_direct = fmax(in->dni * proj, 0.0);
	out->poa_diffuse = out->poa_sky_diffuse + out->poa_ground_diffuse;
	out->poa_global = out->poa_direct + out->poa_diffuse;
}
