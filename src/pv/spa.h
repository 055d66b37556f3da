/*
 * spa: where the sun is, seen from a place on Earth at an instant: NREL's
 * Solar Position Algorithm (I. Reda and A. Andreas, "Solar position
 * algorithm for solar radiation applications", Solar Energy 76 (2004)
 * 577-589, and its corrigendum, Solar Energy 81 (2007) 838), valid for the
 * years -2000 to 6000 to +/-0.0003 degrees.  Written from the paper's
 * equations, with pvlib-python's BSD-licensed spa.py as the reading of
 * record for conventions: the zenith and elevation with and without
 * refraction, the azimuth east of north, the equation of time in minutes,
 * the refraction switched off below -(0.26667 + atmos_refract) degrees.
 *
 * Pure functions: no I/O, no clock, no globals.  Angles in degrees.
 */
#ifndef OASIS_PV_SPA_H
#define OASIS_PV_SPA_H

#include <stdbool.h>

/* The observer and the air: pvlib's `spa_python` parameters. */
struct pv_spa_site {
	double latitude;      /* degrees, north-positive */
	double longitude;     /* degrees, east-positive */
	double altitude;      /* metres above sea level */
	double pressure;      /* Pa, only for refraction */
	double temperature;   /* degC, only for refraction */
	double atmos_refract; /* degrees, refraction at sunrise (0.5667) */
};

/* The part of the algorithm that depends on the instant only (eqs 1-31,
 * and the equation of time of Appendix A.1). */
struct pv_spa_sun {
	double jd, jde, jc, jce, jme;     /* Julian day, ephemeris day, ... */
	double l, b, r;                   /* heliocentric L, B (deg), R (AU) */
	double theta, beta;               /* geocentric longitude, latitude */
	double x[5];                      /* X0..X4 of the nutation */
	double delta_psi, delta_epsilon;  /* nutation in longitude, obliquity */
	double epsilon0, epsilon;         /* obliquity: mean (arcsec), true */
	double delta_tau, lambda;         /* aberration, apparent longitude */
	double nu0, nu;                   /* sidereal time, mean and apparent */
	double alpha, delta;              /* geocentric right asc., decl. */
	double eot;                       /* equation of time, minutes */
};

/* The topocentric part (eqs 32-46 of the paper). */
struct pv_spa_topo {
	double h, xi;                     /* local hour angle, parallax */
	double delta_alpha, alpha_prime, delta_prime, h_prime;
	double e0, delta_e, e;            /* elevation: true, refraction, app. */
	double theta, theta0;             /* zenith: apparent, true */
	double gamma, phi;                /* azimuth: astronomers', from north */
};

/* What `oasis pv solpos` prints, named as pvlib names it. */
struct pv_solpos {
	double apparent_zenith, zenith;
	double apparent_elevation, elevation;
	double azimuth;
	double equation_of_time; /* minutes */
};

/* Defaults of pvlib's spa_python and Location.get_solarposition. */
#define PV_SPA_DELTA_T 67.0
#define PV_SPA_TEMPERATURE 12.0
#define PV_SPA_ATMOS_REFRACT 0.5667

/* pvlib atmosphere.alt2pres: standard pressure (Pa) at an altitude (m). */
double pv_alt2pres(double altitude);

/*
 * The sun at unixtime (seconds since 1970-01-01T00:00:00Z, UTC) with
 * delta_t = TT - UT1 seconds.
 */
void pv_spa_sun(double unixtime, double delta_t, struct pv_spa_sun *out);

/* The sun as the site sees it. */
void pv_spa_topo(const struct pv_spa_sun *sun, const struct pv_spa_site *site,
		 struct pv_spa_topo *out);

/* The site with what depends on it alone worked out once (eqs 34-36), for
 * many instants at one place. */
struct pv_spa_observer {
	struct pv_spa_site site;
	double sin_lat, cos_lat, x, y;
};

void pv_spa_observer_init(const struct pv_spa_site *site,
			  struct pv_spa_observer *out);
/* pv_spa_topo() with the observer worked out. */
void pv_spa_topo_at(const struct pv_spa_sun *sun,
		    const struct pv_spa_observer *obs, struct pv_spa_topo *out);

/* Both, reduced to the six angles pvlib returns. */
void pv_spa_solpos(double unixtime, double delta_t,
		   const struct pv_spa_site *site, struct pv_solpos *out);

/*
 * A regular series of instants t0 + i step (i = 0, 1, ...), computed fast:
 * the sums over the periodic terms (Tables A4.2 and A4.3, 258 terms) are
 * evaluated exactly only at nodes every 30 minutes, and in between by cubic
 * interpolation of those sums (4 nodes around the instant); the rest of
 * the algorithm runs at every instant.  The sums' fastest terms turn by
 * under 0.05 radians in 30 minutes, which bounds the interpolation error
 * far below 1e-9 degrees (tests/unit/test_pv_spa.c holds the series to
 * that against pv_spa_sun() at the same instants).  Instants on a node,
 * and every instant of a series whose step is 30 minutes or more, are
 * computed exactly.
 */
#define PV_SPA_SERIES_SUMS 15 /* L0-L5, B0-B1, R0-R4, nutation psi, eps */

struct pv_spa_series {
	double t0, step, delta_t;
	long next;     /* index of the next instant */
	long per_node; /* instants from one node to the next (1: no nodes) */
	long win;      /* the window holds nodes win - 1 .. win + 2 */
	bool have_win;
	double node[4][PV_SPA_SERIES_SUMS];
};

/* Start a series at t0 (unix seconds) with step seconds (> 0). */
void pv_spa_series_init(struct pv_spa_series *s, double t0, double step,
			double delta_t);

/* The sun at the next instant of the series. */
void pv_spa_series_next(struct pv_spa_series *s, struct pv_spa_sun *out);

#endif
