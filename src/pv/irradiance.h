/*
 * irradiance: the sunlight a tilted plane receives, following pvlib-python's
 * irradiance module: Spencer's extraterrestrial irradiance (J. W. Spencer,
 * "Fourier series representation of the position of the sun", Search 2(5)
 * 172, 1971), Kasten & Young's relative air mass (Applied Optics 28 (1989)
 * 4735), the angle of incidence, and the plane-of-array irradiance of
 * get_total_irradiance with three sky-diffuse models: isotropic (Liu &
 * Jordan 1963), Hay & Davies (1980) and Perez (R. Perez et al., "Modeling
 * daylight availability and irradiance components from direct and global
 * irradiance", Solar Energy 44 (1990) 271-289, the allsitescomposite1990
 * coefficients).  The formulas as written in ../shared/PV.md.
 *
 * Pure functions; angles in degrees, irradiance in W/m2.  A value that is
 * not defined (the air mass of a sun below the horizon) is NaN.
 */
#ifndef OASIS_PV_IRRADIANCE_H
#define OASIS_PV_IRRADIANCE_H

#define PV_SOLAR_CONSTANT 1366.1 /* W/m2, pvlib's default */
#define PV_ALBEDO 0.25

/* Spencer: the irradiance at the top of the atmosphere on day doy (1-366). */
double pv_extra_spencer(int doy, double solar_constant);

/* Kasten-Young 1989 relative air mass of an apparent zenith; NaN above 90. */
double pv_airmass_kastenyoung(double apparent_zenith);

/* cos of the angle of incidence, clipped to [-1, 1]; and the angle. */
double pv_aoi_projection(double surface_tilt, double surface_azimuth,
			 double solar_zenith, double solar_azimuth);
double pv_aoi(double surface_tilt, double surface_azimuth,
	      double solar_zenith, double solar_azimuth);

enum pv_sky_model { PV_SKY_ISOTROPIC, PV_SKY_HAYDAVIES, PV_SKY_PEREZ };

/* The model's name as the CLI and JSON write it; and back (-1: none). */
const char *pv_sky_model_name(enum pv_sky_model m);
int pv_sky_model_parse(const char *name);

struct pv_poa_in {
	enum pv_sky_model model;
	double surface_tilt, surface_azimuth;
	double solar_zenith, solar_azimuth;
	double ghi, dni, dhi;
	double dni_extra; /* needed by haydavies and perez */
	double airmass;   /* relative; perez only (NaN: undefined) */
	double albedo;
};

struct pv_poa_out {
	double aoi;
	double poa_global, poa_direct, poa_diffuse;
	double poa_sky_diffuse, poa_ground_diffuse;
	/* perez only: clearness, brightness and clearness bin (1-8; 0 when
	 * undefined: DHI is 0 or the air mass is NaN) */
	double perez_epsilon, perez_delta;
	int perez_bin;
};

/* pvlib get_total_irradiance for one instant. */
void pv_poa(const struct pv_poa_in *in, struct pv_poa_out *out);

#endif
