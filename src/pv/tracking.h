/*
 * tracking: the rotation of a single-axis tracker and the orientation of
 * its modules, as pvlib-python's tracking.singleaxis computes it: the
 * true-tracking angle (W. F. Marion and A. P. Dobos, "Rotation angle for
 * the optimum tracking of one-axis trackers", NREL/TP-6A20-58891, 2013),
 * backtracking by the ground coverage ratio with slope awareness (K.
 * Anderson and M. Mikofski, "Slope-aware backtracking for single-axis
 * trackers", NREL/TP-5K00-76626, 2020, eqs 14-16), the rotation clipped at
 * the limits.  Tracker alarms compare the reported angle to this one.
 *
 * Pure functions; degrees.  The rotation is right-handed about the axis
 * (axis_azimuth 180: positive is toward the west).
 */
#ifndef OASIS_PV_TRACKING_H
#define OASIS_PV_TRACKING_H

#include <stdbool.h>

struct pv_tracker {
	double axis_tilt;       /* default 0 */
	double axis_azimuth;    /* default 180 (../shared/PV.md) */
	double max_angle;       /* default 60: rotation within +/- */
	bool backtrack;         /* default true */
	double gcr;             /* default 0.35 */
	double cross_axis_tilt; /* default 0 */
};

struct pv_tracker_out {
	double tracker_theta, aoi, surface_tilt, surface_azimuth;
};

/* All four NaN when the sun is below the horizon (apparent_zenith > 90). */
void pv_singleaxis(double apparent_zenith, double solar_azimuth,
		   const struct pv_tracker *t, struct pv_tracker_out *out);

#endif
