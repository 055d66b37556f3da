/*
 * spa_internal: the periodic-term tables of the Solar Position Algorithm
 * (pv/spa_tables.c), shared between pv/spa.c and nothing else.
 */
#ifndef OASIS_PV_SPA_INTERNAL_H
#define OASIS_PV_SPA_INTERNAL_H

#include <stddef.h>

/* One row of Table A4.2: the term a cos(b + c JME). */
struct pv__spa_term {
	double a, b, c;
};

struct pv__spa_series {
	const struct pv__spa_term *terms;
	size_t n;
};

/* One row of Table A4.3: multiples of X0..X4, then a, b, c, d. */
struct pv__spa_nutation {
	int y[5];
	double a, b, c, d;
};

enum {
	PV__SPA_L_N = 6,
	PV__SPA_B_N = 2,
	PV__SPA_R_N = 5,
	PV__SPA_NUTATION_N = 63,
};

extern const struct pv__spa_series pv__spa_longitude[PV__SPA_L_N];
extern const struct pv__spa_series pv__spa_latitude[PV__SPA_B_N];
extern const struct pv__spa_series pv__spa_radius[PV__SPA_R_N];
extern const struct pv__spa_nutation pv__spa_nutation[PV__SPA_NUTATION_N];

struct pv_spa_sun;

/* The sums over the periodic terms that one instant needs (eqs 9-10, 22-23
 * before their division). */
struct pv__spa_sums {
	double l[PV__SPA_L_N], b[PV__SPA_B_N], r[PV__SPA_R_N];
	double psi, eps;
};

/* Eqs 4-8 into o->jd..o->jme. */
void pv__spa_julian(double unixtime, double delta_t, struct pv_spa_sun *o);
/* The sums by evaluating every term (eqs 9-10, 15-23). */
void pv__spa_direct_sums(double jme, double jce, struct pv__spa_sums *s);
/* Eqs 11-33 and the equation of time from the Julian days and the sums. */
void pv__spa_sun_finish(struct pv_spa_sun *o, const struct pv__spa_sums *s);
/* Eqs 15-19: X0..X4 in degrees at Julian ephemeris century t. */
void pv__spa_nutation_x(double t, double x[5]);
/* The argument (radians) of nutation term i (Table A4.3) given X0..X4. */
double pv__spa_nutation_arg(int i, const double x[5]);

#endif
