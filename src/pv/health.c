/* A PV plant's slow and sensor alarms, pure (see health.h for sources). */
#include "pv/health.h"

#include <math.h>
#include <stdlib.h>

#define DEG (M_PI / 180.0)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), sorted in place (numpy's: the mean of the middle two). */
static double median_sort(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void pv_ratio_drop(const double *history, size_t n, double today,
		   size_t min_days, double *scratch, struct pv_drop *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(history[i]) && history[i] > 0)
			scratch[m++] = history[i];
	out->n_days = m;
	out->baseline = m && m >= min_days ? median_sort(scratch, m) : NAN;
	out->relative = isfinite(today) && out->baseline > 0
		? today / out->baseline : NAN;
}

double pv_theil_sen(const double *x, const double *y, size_t n,
		    double *scratch, double *intercept)
{
	size_t m = 0;
	double slope;

	*intercept = NAN;
	if (n < 2)
		return NAN;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (x[j] != x[i])
				scratch[m++] = (y[j] - y[i]) / (x[j] - x[i]);
	if (!m)
		return NAN;
	slope = median_sort(scratch, m);
	for (size_t i = 0; i < n; i++)
		scratch[i] = y[i] - slope * x[i];
	*intercept = median_sort(scratch, n);
	return slope;
}

void pv_soiling(const double *ratio, size_t n, double cleaning_jump,
		double *scratch, struct pv_soiling *out)
{
	double recent[PV_SOILING_REF_DAYS], ref[PV_SOILING_REF_DAYS];
	double *x, *y, slope, b;
	size_t m = 0, first = 0, last = 0, k = 0;

	out->start = 0;
	out->n_cleanings = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(ratio[i]))
			continue;
		for (size_t j = 0; j < k; j++)
			ref[j] = recent[j];
		if (k && ratio[i] > median_sort(ref, k) * (1 + cleaning_jump)) {
			out->start = i;
			out->n_cleanings++;
			k = 0;
		}
		if (k == PV_SOILING_REF_DAYS) {
			for (size_t j = 1; j < k; j++)
				recent[j - 1] = recent[j];
			k--;
		}
		recent[k++] = ratio[i];
	}
	/* the interval's days: x from its start, after the pairs' room */
	x = scratch + (n * (n - 1) / 2 > n ? n * (n - 1) / 2 : n);
	y = x + n;
	for (size_t i = out->start; i < n; i++)
		if (isfinite(ratio[i])) {
			if (!m)
				first = i;
			x[m] = (double)(i - first);
			y[m++] = ratio[i];
			last = i;
		}
	out->n_days = m;
	out->ratio_clean = out->rate_per_day = out->loss = NAN;
	if (m == 1) {
		out->ratio_clean = y[0];
		out->loss = 0;
	}
	if (m < 2)
		return;
	slope = pv_theil_sen(x, y, m, scratch, &b);
	if (!(b > 0))
		return;
	out->ratio_clean = b;
	out->rate_per_day = slope / b;
	out->loss = fmax(0, -slope * (double)(last - first) / b);
}

size_t pv_soiling_scratch(size_t n)
{
	return (n * (n - 1) / 2 > n ? n * (n - 1) / 2 : n) + 2 * n;
}

double pv_clearsky_haurwitz(double apparent_zenith)
{
	double c = cos(apparent_zenith * DEG);

	return c > 0 ? 1098.0 * c * exp(-0.059 / c) : 0;
}

void pv_ghi_limits(double solar_zenith, double dni_extra,
		   struct pv_ghi_limits *out)
{
	double c = fmax(cos(solar_zenith * DEG), 0);
	double k = pow(c, 1.2);

	out->lower = -4;
	out->upper_possible = 1.5 * dni_extra * k + 100;
	out->upper_rare = 1.2 * dni_extra * k + 50;
}

double pv_pair_deviation(double a, double b, double min_g)
{
	if (!(a >= min_g) || !(b >= min_g))
		return NAN;
	return fabs(a - b) / ((a + b) / 2);
}

int64_t pv_stuck_step(struct pv_stuck *s, int64_t ts, double v,
		      bool daylight, double tol)
{
	if (s->last_ts && ts < s->last_ts)
		return s->since_ts ? s->last_ts - s->since_ts : 0;
	s->last_ts = ts;
	if (!daylight || !s->since_ts || !(fabs(v - s->value) <= tol)) {
		s->value = v;
		s->since_ts = daylight ? ts : 0;
		return 0;
	}
	return ts - s->since_ts;
}
