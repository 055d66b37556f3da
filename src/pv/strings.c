/*
 * strings: string currents against their combiner box's median (see
 * pv/strings.h).
 */
#include "pv/strings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pv_string_status_name(enum pv_string_status s)
{
	static const char *const names[] = { "unknown", "open", "low", "ok" };

	return names[s];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * A combiner box holds a few dozen strings at most: sorted by insertion
 * there (qsort's call per comparison cost the daily metrics a tenth of
 * their time, 1,440 sorts of ten currents per box), by qsort above.
 */
#define PV_STRINGS_INSERTION_MAX 32

static void sort_small(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* numpy's median: the middle value, or the mean of the two middle ones. */
static double median(const double *v, size_t n, double *scratch)
{
	memcpy(scratch, v, n * sizeof(*v));
	if (n <= PV_STRINGS_INSERTION_MAX)
		sort_small(scratch, n);
	else
		qsort(scratch, n, sizeof(*scratch), cmp_double);
	if (n % 2)
		return scratch[n / 2];
	return (scratch[n / 2 - 1] + scratch[n / 2]) / 2.0;
}

/* Population sigma / mean of the currents (without the open ones). */
static double dispersion(const double *v, size_t n,
			 const enum pv_string_status *status, int skip_open)
{
	double sum = 0.0, sq = 0.0, mean;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!skip_open || status[i] != PV_STRING_OPEN) {
			sum += v[i];
			m++;
		}
	if (m == 0)
		return NAN;
	mean = sum / (double)m;
	for (size_t i = 0; i < n; i++)
		if (!skip_open || status[i] != PV_STRING_OPEN)
			sq += (v[i] - mean) * (v[i] - mean);
	return mean != 0.0 ? sqrt(sq / (double)m) / mean : NAN;
}

void pv_strings(const double *currents, size_t n, double *ratio,
		enum pv_string_status *status, double *scratch,
		struct pv_strings_out *out)
{
	double sum = 0.0;

	memset(out, 0, sizeof(*out));
	out->median = median(currents, n, scratch);
	for (size_t i = 0; i < n; i++) {
		sum += currents[i];
		ratio[i] = out->median > 0.0 ? currents[i] / out->median : NAN;
		if (isnan(ratio[i]))
			status[i] = PV_STRING_UNKNOWN;
		else if (ratio[i] < PV_STRING_OPEN_RATIO)
			status[i] = PV_STRING_OPEN;
		else if (ratio[i] < PV_STRING_LOW_RATIO)
			status[i] = PV_STRING_LOW;
		else
			status[i] = PV_STRING_OK;
		out->n_open += status[i] == PV_STRING_OPEN;
		out->n_low += status[i] == PV_STRING_LOW;
	}
	out->mean = sum / (double)n;
	out->dispersion_all = dispersion(currents, n, status, 0);
	/* the same strings when none is open: the same number */
	out->dispersion_excl_open = out->n_open
		? dispersion(currents, n, status, 1) : out->dispersion_all;
}
