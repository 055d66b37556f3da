/*
 * spa_series: NREL SPA over a regular series of instants (see pv/spa.h).
 * The 15 sums over the periodic terms are smooth functions of time whose
 * fastest terms (the Moon's in the nutation, periods of days) turn by
 * under 0.05 radians in 30 minutes: evaluated exactly at nodes 30 minutes
 * apart and interpolated by the cubic through the four nodes around an
 * instant, they are off by ~(0.05)^4/24 of a term's amplitude at worst,
 * some 1e-12 degrees.  The window of four nodes slides along the series,
 * one new node every 30 minutes, so that each instant costs a handful of
 * multiplications instead of 258 cosines.
 */
#include "pv/spa.h"

#include <math.h>
#include <string.h>

#include "pv/spa_internal.h"

#define NODE_SECONDS 1800.0
#define NS PV_SPA_SERIES_SUMS

static void pack(const struct pv__spa_sums *s, double out[NS])
{
	memcpy(out, s->l, sizeof(s->l));
	memcpy(out + PV__SPA_L_N, s->b, sizeof(s->b));
	memcpy(out + PV__SPA_L_N + PV__SPA_B_N, s->r, sizeof(s->r));
	out[NS - 2] = s->psi;
	out[NS - 1] = s->eps;
}

static void unpack(const double in[NS], struct pv__spa_sums *s)
{
	memcpy(s->l, in, sizeof(s->l));
	memcpy(s->b, in + PV__SPA_L_N, sizeof(s->b));
	memcpy(s->r, in + PV__SPA_L_N + PV__SPA_B_N, sizeof(s->r));
	s->psi = in[NS - 2];
	s->eps = in[NS - 1];
}

/* The exact sums at node k (the instant k per_node). */
static void node(const struct pv_spa_series *s, long k, double out[NS])
{
	struct pv_spa_sun o;
	struct pv__spa_sums sums;

	pv__spa_julian(s->t0 + (double)(k * s->per_node) * s->step,
		       s->delta_t, &o);
	pv__spa_direct_sums(o.jme, o.jce, &sums);
	pack(&sums, out);
}

/* Make the window hold nodes k - 1 .. k + 2. */
static void slide(struct pv_spa_series *s, long k)
{
	if (s->have_win && s->win == k)
		return;
	if (s->have_win && s->win == k - 1) {
		memmove(s->node[0], s->node[1], 3 * sizeof(s->node[0]));
		node(s, k + 2, s->node[3]);
	} else {
		for (int j = 0; j < 4; j++)
			node(s, k - 1 + j, s->node[j]);
	}
	s->win = k;
	s->have_win = true;
}

void pv_spa_series_init(struct pv_spa_series *s, double t0, double step,
			double delta_t)
{
	memset(s, 0, sizeof(*s));
	s->t0 = t0;
	s->step = step;
	s->delta_t = delta_t;
	s->per_node = step >= NODE_SECONDS ? 1 :
		      (long)floor(NODE_SECONDS / step);
	if (s->per_node < 1)
		s->per_node = 1;
}

void pv_spa_series_next(struct pv_spa_series *s, struct pv_spa_sun *out)
{
	long i = s->next++, k = i / s->per_node, r = i % s->per_node;
	double u, w[4], v[NS];
	struct pv__spa_sums sums;

	pv__spa_julian(s->t0 + (double)i * s->step, s->delta_t, out);
	if (s->per_node == 1) {
		pv__spa_direct_sums(out->jme, out->jce, &sums);
		pv__spa_sun_finish(out, &sums);
		return;
	}
	slide(s, k);
	if (r == 0) { /* on node k: its exact sums */
		unpack(s->node[1], &sums);
		pv__spa_sun_finish(out, &sums);
		return;
	}
	/* Lagrange weights of the nodes at -1, 0, 1, 2 for u in (0, 1) */
	u = (double)r / (double)s->per_node;
	w[0] = -u * (u - 1.0) * (u - 2.0) / 6.0;
	w[1] = (u + 1.0) * (u - 1.0) * (u - 2.0) / 2.0;
	w[2] = -(u + 1.0) * u * (u - 2.0) / 2.0;
	w[3] = (u + 1.0) * u * (u - 1.0) / 6.0;
	for (int j = 0; j < NS; j++)
		v[j] = w[0] * s->node[0][j] + w[1] * s->node[1][j] +
		       w[2] * s->node[2][j] + w[3] * s->node[3][j];
	unpack(v, &sums);
	pv__spa_sun_finish(out, &sums);
}
