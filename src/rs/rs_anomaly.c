/* Growth anomalies: the peers rule and the drop rule (rs_anomaly.h). */
#include "rs/rs_anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rs_anomaly_defaults(struct rs_anomaly_opts *o)
{
	o->k = 3.0;
	o->mad_floor = 0.03;
	o->peer_days = 10;
	o->min_peers = 5;
	o->drop = 0.15;
	o->max_gap_days = 20;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double rs_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rs_mad(const double *v, size_t n, double *scratch)
{
	double m;

	memcpy(scratch, v, n * sizeof(*v));
	m = rs_median(scratch, n);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(v[i] - m);
	return rs_median(scratch, n);
}

static bool has_value(const struct rs_anomaly_plot *p)
{
	return isfinite(p->value);
}

static bool are_peers(const struct rs_anomaly_plot *a,
		      const struct rs_anomaly_plot *b, int days)
{
	if (!a->crop || !*a->crop || !b->crop || strcmp(a->crop, b->crop))
		return false;
	if (a->sowing_day == RS_NO_SOWING || b->sowing_day == RS_NO_SOWING)
		return a->sowing_day == b->sowing_day;
	return abs(a->sowing_day - b->sowing_day) <= days;
}

/* The peers rule for plot i; vals and scratch hold n doubles each. */
static void flag_peers(const struct rs_anomaly_plot *plots, size_t n, size_t i,
		       const struct rs_anomaly_opts *o, double *vals,
		       double *scratch, struct rs_anomaly_flags *f)
{
	size_t m = 0;
	double mad;

	for (size_t j = 0; j < n; j++)
		if (has_value(&plots[j]) &&
		    are_peers(&plots[i], &plots[j], o->peer_days))
			vals[m++] = plots[j].value;
	f->n_peers = m;
	if (m < o->min_peers)
		return;
	mad = RS_MAD_SCALE * rs_mad(vals, m, scratch);
	f->peer_median = rs_median(vals, m);
	f->peer_bound = f->peer_median - o->k * fmax(mad, o->mad_floor);
	f->peers = plots[i].value < f->peer_bound;
}

static void flag_drop(const struct rs_anomaly_plot *p,
		      const struct rs_anomaly_opts *o,
		      struct rs_anomaly_flags *f)
{
	if (!isfinite(p->previous) || !(p->gap_days <= o->max_gap_days))
		return;
	f->drop_bound = p->previous - o->drop;
	f->drop = p->value < f->drop_bound;
}

/* Plots with the same crop and sowing day have the same peers. */
static bool same_key(const struct rs_anomaly_plot *a,
		     const struct rs_anomaly_plot *b)
{
	const char *ca = a->crop ? a->crop : "", *cb = b->crop ? b->crop : "";

	return a->sowing_day == b->sowing_day && !strcmp(ca, cb);
}

int rs_anomaly_flag(const struct rs_anomaly_plot *plots, size_t n,
		    const struct rs_anomaly_opts *o,
		    struct rs_anomaly_flags *out)
{
	double *vals = malloc((n ? n : 1) * sizeof(*vals));
	double *scratch = malloc((n ? n : 1) * sizeof(*scratch));
	size_t last = (size_t)-1; /* the plot whose peers were computed last */

	if (!vals || !scratch) {
		free(vals);
		free(scratch);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct rs_anomaly_flags *f = &out[i];

		memset(f, 0, sizeof(*f));
		f->peer_median = f->peer_bound = f->drop_bound = NAN;
		if (!has_value(&plots[i]))
			continue;
		if (last != (size_t)-1 && same_key(&plots[last], &plots[i])) {
			f->n_peers = out[last].n_peers;
			f->peer_median = out[last].peer_median;
			f->peer_bound = out[last].peer_bound;
			f->peers = plots[i].value < f->peer_bound;
		} else {
			flag_peers(plots, n, i, o, vals, scratch, f);
			last = i;
		}
		flag_drop(&plots[i], o, f);
	}
	free(vals);
	free(scratch);
	return 0;
}
