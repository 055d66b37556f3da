/*
 * spa: NREL's Solar Position Algorithm (see pv/spa.h for the sources).
 * Equation numbers are those of Reda & Andreas 2004, section 3.  Where
 * the 2007 corrigendum changed the paper, the corrected form is the one
 * written here, as in pvlib's spa.py; the worked example of the paper's
 * appendix (tests/unit/test_pv_spa.c) checks every step.
 */
#include "pv/spa.h"

#include <math.h>

#include "pv/spa_internal.h"

static double rad(double deg)
{
	return deg * (M_PI / 180.0);
}

static double deg(double r)
{
	return r * (180.0 / M_PI);
}

/* Python's float modulo: the result takes the sign of the divisor. */
static double pymod(double x, double m)
{
	double r = fmod(x, m);

	if (r != 0.0 && ((r < 0.0) != (m < 0.0)))
		r += m;
	return r == 0.0 ? 0.0 : r;
}

/* Sum a cos(b + c x) over one series of Table A4.2 (eqs 9-10). */
static double series_sum(const struct pv__spa_series *s, double x)
{
	double sum = 0.0;

	for (size_t i = 0; i < s->n; i++)
		sum += s->terms[i].a * cos(s->terms[i].b + s->terms[i].c * x);
	return sum;
}

double pv_alt2pres(double altitude)
{
	return 100.0 * pow((44331.514 - altitude) / 11880.516,
			   1.0 / 0.1902632);
}

/* Eq. 11: sum_k S_k jme^k / 1e8, from the series sums S_k. */
static double poly(const double *sums, int n, double jme)
{
	double total = 0.0, p = 1.0;

	for (int k = 0; k < n; k++) {
		total += sums[k] * p;
		p *= jme;
	}
	return total / 1e8;
}

/* Eqs 9-14: the Earth seen from the sun, then the sun from the Earth. */
static void heliocentric(struct pv_spa_sun *o, const struct pv__spa_sums *s)
{
	o->l = pymod(deg(poly(s->l, PV__SPA_L_N, o->jme)), 360.0);
	o->b = deg(poly(s->b, PV__SPA_B_N, o->jme));
	o->r = poly(s->r, PV__SPA_R_N, o->jme);
	o->theta = pymod(o->l + 180.0, 360.0);
	o->beta = -o->b;
}

void pv__spa_nutation_x(double t, double x[5])
{
	double t2 = t * t, t3 = t2 * t;

	x[0] = 297.85036 + 445267.111480 * t - 0.0019142 * t2 + t3 / 189474.0;
	x[1] = 357.52772 + 35999.050340 * t - 0.0001603 * t2 - t3 / 300000.0;
	x[2] = 134.96298 + 477198.867398 * t + 0.0086972 * t2 + t3 / 56250.0;
	x[3] = 93.27191 + 483202.017538 * t - 0.0036825 * t2 + t3 / 327270.0;
	x[4] = 125.04452 - 1934.136261 * t + 0.0020708 * t2 + t3 / 450000.0;
}

double pv__spa_nutation_arg(int i, const double x[5])
{
	double arg = 0.0;

	for (int k = 0; k < 5; k++)
		arg += pv__spa_nutation[i].y[k] * x[k];
	return rad(arg);
}

/* Eqs 9-10 and 15-23 term by term: the sums one instant needs. */
void pv__spa_direct_sums(double jme, double jce, struct pv__spa_sums *s)
{
	double x[5];

	for (int k = 0; k < PV__SPA_L_N; k++)
		s->l[k] = series_sum(&pv__spa_longitude[k], jme);
	for (int k = 0; k < PV__SPA_B_N; k++)
		s->b[k] = series_sum(&pv__spa_latitude[k], jme);
	for (int k = 0; k < PV__SPA_R_N; k++)
		s->r[k] = series_sum(&pv__spa_radius[k], jme);
	pv__spa_nutation_x(jce, x);
	s->psi = s->eps = 0.0;
	for (int i = 0; i < PV__SPA_NUTATION_N; i++) {
		const struct pv__spa_nutation *n = &pv__spa_nutation[i];
		double arg = pv__spa_nutation_arg(i, x);

		s->psi += (n->a + n->b * jce) * sin(arg);
		s->eps += (n->c + n->d * jce) * cos(arg);
	}
}

/* Eq. 24: the mean obliquity of the ecliptic in arc seconds. */
static double mean_obliquity(double jme)
{
	static const double c[] = { 84381.448, -4680.93, -1.55, 1999.25,
				    -51.38, -249.67, -39.05, 7.12,
				    27.87, 5.79, 2.45 };
	double u = jme / 10.0, p = 1.0, e0 = 0.0;

	for (int k = 0; k < 11; k++) {
		e0 += c[k] * p;
		p *= u;
	}
	return e0;
}

/* The sun's mean longitude (eq. A2), for the equation of time (eq. A1). */
static double equation_of_time(const struct pv_spa_sun *o)
{
	double m = o->jme, m2 = m * m, m3 = m2 * m, m4 = m3 * m, m5 = m4 * m;
	double mean_lon = 280.4664567 + 360007.6982779 * m + 0.03032028 * m2 +
			  m3 / 49931.0 - m4 / 15300.0 - m5 / 2000000.0;
	double e = mean_lon - 0.0057183 - o->alpha +
		   o->delta_psi * cos(rad(o->epsilon));

	e = pymod(e, 360.0) * 4.0;
	if (e > 20.0)
		e -= 1440.0;
	else if (e < -20.0)
		e += 1440.0;
	return e;
}

void pv__spa_julian(double unixtime, double delta_t, struct pv_spa_sun *o)
{
	o->jd = unixtime / 86400.0 + 2440587.5;
	o->jde = o->jd + delta_t / 86400.0;
	o->jc = (o->jd - 2451545.0) / 36525.0;
	o->jce = (o->jde - 2451545.0) / 36525.0;
	o->jme = o->jce / 10.0;
}

void pv_spa_sun(double unixtime, double delta_t, struct pv_spa_sun *o)
{
	struct pv__spa_sums sums;

	pv__spa_julian(unixtime, delta_t, o);
	pv__spa_direct_sums(o->jme, o->jce, &sums);
	pv__spa_sun_finish(o, &sums);
}

void pv__spa_sun_finish(struct pv_spa_sun *o, const struct pv__spa_sums *s)
{
	double lam, sl, cl, se, ce, sb, cb, num;

	heliocentric(o, s);
	pv__spa_nutation_x(o->jce, o->x);
	o->delta_psi = s->psi / 36000000.0;                      /* eq. 22 */
	o->delta_epsilon = s->eps / 36000000.0;                  /* eq. 23 */
	o->epsilon0 = mean_obliquity(o->jme);
	o->epsilon = o->epsilon0 / 3600.0 + o->delta_epsilon;   /* eq. 25 */
	o->delta_tau = -20.4898 / (3600.0 * o->r);               /* eq. 26 */
	o->lambda = o->theta + o->delta_psi + o->delta_tau;      /* eq. 27 */
	o->nu0 = pymod(280.46061837 +                            /* eq. 28 */
		       360.98564736629 * (o->jd - 2451545.0) +
		       0.000387933 * o->jc * o->jc -
		       o->jc * o->jc * o->jc / 38710000.0, 360.0);
	lam = rad(o->lambda);
	sincos(lam, &sl, &cl);
	sincos(rad(o->epsilon), &se, &ce);
	sincos(rad(o->beta), &sb, &cb);
	o->nu = o->nu0 + o->delta_psi * ce;                      /* eq. 29 */
	num = sl * ce - sb / cb * se;
	o->alpha = pymod(deg(atan2(num, cl)), 360.0);            /* eq. 30 */
	o->delta = deg(asin(sb * ce + cb * se * sl));            /* eq. 31 */
	o->eot = equation_of_time(o);
}

void pv_spa_observer_init(const struct pv_spa_site *site,
			  struct pv_spa_observer *o)
{
	double lat = rad(site->latitude), u;

	o->site = *site;
	o->sin_lat = sin(lat);
	o->cos_lat = cos(lat);
	u = atan(0.99664719 * tan(lat));                         /* eq. 34 */
	o->x = cos(u) + site->altitude / 6378140.0 * o->cos_lat; /* eq. 35 */
	o->y = 0.99664719 * sin(u) +                             /* eq. 36 */
	       site->altitude / 6378140.0 * o->sin_lat;
}

/* Eqs 32-40: the hour angle, and the parallax of the observer. */
static void parallax(const struct pv_spa_sun *s,
		     const struct pv_spa_observer *o, struct pv_spa_topo *t)
{
	double sxi, num, den, sh, ch, sd, cd;

	t->h = pymod(s->nu + o->site.longitude - s->alpha, 360.0);
	t->xi = 8.794 / (3600.0 * s->r);
	sxi = sin(rad(t->xi));
	sincos(rad(t->h), &sh, &ch);
	sincos(rad(s->delta), &sd, &cd);
	num = -o->x * sxi * sh;
	den = cd - o->x * sxi * ch;
	t->delta_alpha = deg(atan2(num, den));
	t->alpha_prime = s->alpha + t->delta_alpha;
	num = (sd - o->y * sxi) * cos(rad(t->delta_alpha));
	t->delta_prime = deg(atan2(num, den));
	t->h_prime = t->h - t->delta_alpha;
}

void pv_spa_topo_at(const struct pv_spa_sun *s,
		    const struct pv_spa_observer *o, struct pv_spa_topo *t)
{
	const struct pv_spa_site *site = &o->site;
	double shp, chp, sdp, cdp;

	parallax(s, o, t);
	sincos(rad(t->h_prime), &shp, &chp);
	sincos(rad(t->delta_prime), &sdp, &cdp);
	t->e0 = deg(asin(o->sin_lat * sdp +                      /* eq. 41 */
			 o->cos_lat * cdp * chp));
	t->delta_e = 0.0;                                        /* eq. 42 */
	if (t->e0 >= -(0.26667 + site->atmos_refract))
		t->delta_e = (site->pressure / 100.0 / 1010.0) *
			     (283.0 / (273.0 + site->temperature)) * 1.02 /
			     (60.0 * tan(rad(t->e0 + 10.3 / (t->e0 + 5.11))));
	t->e = t->e0 + t->delta_e;                               /* eq. 43 */
	t->theta = 90.0 - t->e;                                  /* eq. 44 */
	t->theta0 = 90.0 - t->e0;
	t->gamma = pymod(deg(atan2(shp, chp * o->sin_lat -       /* eq. 45 */
				   sdp / cdp * o->cos_lat)), 360.0);
	t->phi = pymod(t->gamma + 180.0, 360.0);                 /* eq. 46 */
}

void pv_spa_topo(const struct pv_spa_sun *s, const struct pv_spa_site *site,
		 struct pv_spa_topo *t)
{
	struct pv_spa_observer o;

	pv_spa_observer_init(site, &o);
	pv_spa_topo_at(s, &o, t);
}

void pv_spa_solpos(double unixtime, double delta_t,
		   const struct pv_spa_site *site, struct pv_solpos *out)
{
	struct pv_spa_sun s;
	struct pv_spa_topo t;

	pv_spa_sun(unixtime, delta_t, &s);
	pv_spa_topo(&s, site, &t);
	out->apparent_zenith = t.theta;
	out->zenith = t.theta0;
	out->apparent_elevation = t.e;
	out->elevation = t.e0;
	out->azimuth = t.phi;
	out->equation_of_time = s.eot;
}
