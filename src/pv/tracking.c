/*
 * tracking: single-axis tracker rotation with backtracking (see
 * pv/tracking.h for the sources).
 */
#include "pv/tracking.h"

#include <math.h>

#include "pv/irradiance.h"

static double rad(double deg)
{
	return deg * (M_PI / 180.0);
}

static double deg(double r)
{
	return r * (180.0 / M_PI);
}

/* The sun's zenith projected onto the plane normal to the axis. */
static double ideal_angle(double zenith, double azimuth, double axis_tilt,
			  double axis_azimuth)
{
	double sz = sin(rad(zenith));
	double sx = sz * sin(rad(azimuth)), sy = sz * cos(rad(azimuth));
	double ca = cos(rad(axis_azimuth)), sa = sin(rad(axis_azimuth));
	double st = sin(rad(axis_tilt));
	double x = sx * ca - sy * sa;
	double z = sx * sa * st + sy * st * ca + cos(rad(zenith)) *
		   cos(rad(axis_tilt));

	return deg(atan2(x, z));
}

/* Anderson & Mikofski eqs 14-16: turn back so rows do not shade rows. */
static double backtrack(double omega, const struct pv_tracker *t)
{
	double axes_distance = 1.0 / (t->gcr * cos(rad(t->cross_axis_tilt)));
	double temp = fabs(axes_distance * cos(rad(omega -
						   t->cross_axis_tilt)));
	double sign = omega > 0.0 ? 1.0 : omega < 0.0 ? -1.0 : 0.0;

	if (temp >= 1.0)
		return omega; /* no row shades the next: nothing to correct */
	return omega + deg(-sign * acos(temp));
}

/* Orientation of the rotated modules (Marion & Dobos eq. 1; the azimuth
 * from the unit normal, R = Rz(-azimuth) Rx(-tilt) Ry(theta)). */
static void orientation(double theta, const struct pv_tracker *t,
			struct pv_tracker_out *out)
{
	double ca = cos(rad(-t->axis_azimuth)), sa = sin(rad(-t->axis_azimuth));
	double st = sin(rad(-t->axis_tilt));
	double cth = cos(rad(theta)), sth = sin(rad(theta));
	double x = sa * st * cth + ca * sth, y = sa * sth - ca * st * cth;
	double az;

	out->surface_tilt = deg(acos(cos(rad(theta)) *
				     cos(rad(t->axis_tilt))));
	az = out->surface_tilt == 0.0 ? t->axis_azimuth - 90.0 :
					deg(atan2(x, y));
	az = fmod(az, 360.0);
	if (az < 0.0)
		az += 360.0;
	out->surface_azimuth = az == 0.0 ? 0.0 : az;
}

void pv_singleaxis(double zenith, double azimuth, const struct pv_tracker *t,
		   struct pv_tracker_out *out)
{
	double theta;

	if (!(zenith <= 90.0) || isnan(azimuth)) {
		out->tracker_theta = out->aoi = NAN;
		out->surface_tilt = out->surface_azimuth = NAN;
		return;
	}
	theta = ideal_angle(zenith, azimuth, t->axis_tilt, t->axis_azimuth);
	if (t->backtrack)
		theta = backtrack(theta, t);
	if (theta < -t->max_angle)
		theta = -t->max_angle;
	if (theta > t->max_angle)
		theta = t->max_angle;
	out->tracker_theta = theta;
	orientation(theta, t, out);
	out->aoi = pv_aoi(out->surface_tilt, out->surface_azimuth, zenith,
			  azimuth);
}
