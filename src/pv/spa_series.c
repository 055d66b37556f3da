/*
 * spa_series: NREL SPA over a regular series of instants, with each
 * periodic term advanced by a rotation from one instant to the next instead
 * of a fresh cos() (see pv/spa.h).  The heliocentric arguments b + c JME are
 * exactly linear in time, so their rotation is exact but for rounding; the
 * nutation arguments are cubic in JCE, and over a block of at most a day
 * their curvature moves them by less than 1e-11 degrees, so they advance by
 * the chord of the block.  Each block restarts from the direct evaluation,
 * which bounds the rounding the rotations accumulate.  The state is kept as
 * arrays of numbers (not of structs) so that the compiler vectorises the
 * rotation loop.
 */
#include "pv/spa.h"

#include <math.h>

#include "pv/spa_internal.h"

#define BLOCK_MAX 1440L
#define SECONDS_PER_DAY 86400.0
#define JME_PER_SECOND (1.0 / (86400.0 * 365250.0))
#define HELIO_SERIES (PV__SPA_L_N + PV__SPA_B_N + PV__SPA_R_N)
#define NUT0 PV_SPA_HELIO_TERMS /* index of the first nutation term */

/* Series k of Table A4.2 in the order L0..L5, B0..B1, R0..R4. */
static const struct pv__spa_series *helio_series(int k)
{
	if (k < PV__SPA_L_N)
		return &pv__spa_longitude[k];
	if (k < PV__SPA_L_N + PV__SPA_B_N)
		return &pv__spa_latitude[k - PV__SPA_L_N];
	return &pv__spa_radius[k - PV__SPA_L_N - PV__SPA_B_N];
}

static void rot_seed(struct pv_spa_series *s, int j, double arg, double d)
{
	sincos(arg, &s->s[j], &s->c[j]);
	sincos(d, &s->ds[j], &s->dc[j]);
}

/* Seed every rotation at instant index n for a block of len instants. */
static void seed(struct pv_spa_series *s, long n, long len)
{
	struct pv_spa_sun a, b;
	double xa[5], xb[5], djme = s->step * JME_PER_SECOND;
	int j = 0;

	pv__spa_julian(s->t0 + (double)n * s->step, s->delta_t, &a);
	pv__spa_julian(s->t0 + (double)(n + len) * s->step, s->delta_t, &b);
	for (int k = 0; k < HELIO_SERIES; k++) {
		const struct pv__spa_series *ser = helio_series(k);

		for (size_t i = 0; i < ser->n; i++, j++)
			rot_seed(s, j, ser->terms[i].b + ser->terms[i].c * a.jme,
				 ser->terms[i].c * djme);
	}
	pv__spa_nutation_x(a.jce, xa);
	pv__spa_nutation_x(b.jce, xb);
	for (int i = 0; i < PV__SPA_NUTATION_N; i++) {
		double arg = pv__spa_nutation_arg(i, xa);

		rot_seed(s, NUT0 + i, arg,
			 (pv__spa_nutation_arg(i, xb) - arg) / (double)len);
	}
	s->block_left = len;
}

void pv_spa_series_init(struct pv_spa_series *s, double t0, double step,
			double delta_t)
{
	int j = 0;

	s->t0 = t0;
	s->step = step;
	s->delta_t = delta_t;
	s->next = 0;
	s->block_len = step >= SECONDS_PER_DAY ? 1 :
		       (long)(SECONDS_PER_DAY / step);
	if (s->block_len > BLOCK_MAX)
		s->block_len = BLOCK_MAX;
	if (s->block_len < 1)
		s->block_len = 1;
	s->block_left = 0;
	for (int k = 0; k < HELIO_SERIES; k++) {
		const struct pv__spa_series *ser = helio_series(k);

		for (size_t i = 0; i < ser->n; i++)
			s->amp[j++] = ser->terms[i].a;
	}
	for (int i = 0; i < PV__SPA_NUTATION_N; i++)
		s->amp[NUT0 + i] = 0.0; /* a + b JCE varies: see sums_now() */
}

/* sum amp[j] c[j] over [from, to), in four independent partial sums so
 * that the additions do not wait on each other. */
static double dot(const double *amp, const double *c, int from, int to)
{
	double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
	int j = from;

	for (; j + 4 <= to; j += 4) {
		s0 += amp[j] * c[j];
		s1 += amp[j + 1] * c[j + 1];
		s2 += amp[j + 2] * c[j + 2];
		s3 += amp[j + 3] * c[j + 3];
	}
	for (; j < to; j++)
		s0 += amp[j] * c[j];
	return (s0 + s1) + (s2 + s3);
}

/* The sums of the current instant from the rotations' cosines and sines. */
static void sums_now(const struct pv_spa_series *s, double jce,
		     struct pv__spa_sums *out)
{
	double psi[2] = { 0.0, 0.0 }, eps[2] = { 0.0, 0.0 };
	int j = 0;

	for (int k = 0; k < HELIO_SERIES; k++) {
		int n = (int)helio_series(k)->n;
		double sum = dot(s->amp, s->c, j, j + n);

		j += n;
		if (k < PV__SPA_L_N)
			out->l[k] = sum;
		else if (k < PV__SPA_L_N + PV__SPA_B_N)
			out->b[k - PV__SPA_L_N] = sum;
		else
			out->r[k - PV__SPA_L_N - PV__SPA_B_N] = sum;
	}
	for (int i = 0; i < PV__SPA_NUTATION_N; i++) {
		const struct pv__spa_nutation *n = &pv__spa_nutation[i];

		psi[i & 1] += (n->a + n->b * jce) * s->s[NUT0 + i];
		eps[i & 1] += (n->c + n->d * jce) * s->c[NUT0 + i];
	}
	out->psi = psi[0] + psi[1];
	out->eps = eps[0] + eps[1];
}

/* Turn every term's argument on by one step. */
static void advance(struct pv_spa_series *s)
{
	for (int j = 0; j < PV_SPA_SERIES_TERMS; j++) {
		double c = s->c[j] * s->dc[j] - s->s[j] * s->ds[j];

		s->s[j] = s->s[j] * s->dc[j] + s->c[j] * s->ds[j];
		s->c[j] = c;
	}
}

void pv_spa_series_next(struct pv_spa_series *s, struct pv_spa_sun *out)
{
	struct pv__spa_sums sums;

	if (s->block_left == 0)
		seed(s, s->next, s->block_len);
	pv__spa_julian(s->t0 + (double)s->next * s->step, s->delta_t, out);
	sums_now(s, out->jce, &sums);
	pv__spa_sun_finish(out, &sums);
	advance(s);
	s->block_left--;
	s->next++;
}
