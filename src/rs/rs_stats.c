/*
 * Statistics of one plot's values (rs_stats.h): two-pass mean and standard
 * deviation, quantiles by selection (unweighted) or after a sort (weighted).
 *
 * Selection is Floyd and Rivest's; the sort of weighted pairs is an
 * introsort (quicksort with a median-of-three pivot and Hoare
 * partitioning, which splits runs of equal values evenly, as a constant
 * field has).  Both fall back to heapsort past 2 log2(n) levels, so that
 * no input is quadratic.
 */
#include "rs/rs_stats.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_RANGE 16

static const struct rs_stats empty_stats = {
    .count = 0,
    .mean = NAN,
    .std = NAN,
    .min = NAN,
    .max = NAN,
    .median = NAN,
    .p10 = NAN,
    .p90 = NAN,
};

static int depth_limit(size_t n)
{
	int d = 0;

	while (n > 1) {
		n >>= 1;
		d++;
	}
	return 2 * d + 2;
}

/* ---- plain values: selection ---- */

static void swap_d(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort_d(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sift_down_d(double *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (!(v[child] > v[root]))
			return;
		swap_d(&v[root], &v[child]);
		root = child;
	}
}

static void heap_sort_d(double *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down_d(v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap_d(&v[0], &v[end]);
		sift_down_d(v, 0, end);
	}
}

/*
 * Floyd and Rivest's SELECT (Comm. ACM 18(3), 1975, algorithm 489): put
 * the k-th smallest of v[lo, hi] (inclusive) at v[k], smaller ones before
 * it and larger ones after.  On large ranges it first selects within a
 * sample around k, so that the partition element lands close to the k-th
 * and the partition leaves little to search: about n + min(k, n - k)
 * comparisons instead of quickselect's ~3.4 n.  Past the depth limit it
 * sorts what is left.
 */
static void fr_select(double *v, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k,
		      int depth)
{
	while (hi > lo) {
		ptrdiff_t i, j;
		double t;

		if (depth-- <= 0) {
			heap_sort_d(v + lo, (size_t)(hi - lo + 1));
			return;
		}
		if (hi - lo > 600) {
			double n = (double)(hi - lo + 1),
			       at = (double)(k - lo + 1);
			double z = log(n), s = 0.5 * exp(2 * z / 3);
			double sd = 0.5 * sqrt(z * s * (n - s) / n) *
				    (at - n / 2 < 0 ? -1 : 1);
			ptrdiff_t l2 =
			    (ptrdiff_t)fmax((double)lo, k - at * s / n + sd);
			ptrdiff_t h2 = (ptrdiff_t)fmin(
			    (double)hi, k + (n - at) * s / n + sd);

			fr_select(v, l2, h2, k, depth);
		}
		t = v[k];
		i = lo;
		j = hi;
		swap_d(&v[lo], &v[k]);
		if (v[hi] > t)
			swap_d(&v[hi], &v[lo]);
		while (i < j) {
			swap_d(&v[i], &v[j]);
			i++;
			j--;
			while (v[i] < t)
				i++;
			while (v[j] > t)
				j--;
		}
		if (v[lo] == t) {
			swap_d(&v[lo], &v[j]);
		} else {
			j++;
			swap_d(&v[j], &v[hi]);
		}
		if (j <= k)
			lo = j + 1;
		if (k <= j)
			hi = j - 1;
	}
}

/* Put the k-th smallest of v[lo, hi) at v[k], smaller ones before it. */
static void select_kth(double *v, size_t lo, size_t hi, size_t k)
{
	if (hi - lo <= SMALL_RANGE) {
		insertion_sort_d(v + lo, hi - lo);
		return;
	}
	fr_select(v, (ptrdiff_t)lo, (ptrdiff_t)hi - 1, (ptrdiff_t)k,
		  depth_limit(hi - lo));
}

static double min_of(const double *v, size_t lo, size_t hi)
{
	double m = v[lo];

	for (size_t i = lo + 1; i < hi; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double lerp(double a, double b, double t)
{
	return t == 0.0 ? a : a + t * (b - a);
}

/* The rank below the type 7 q-quantile of n values and the fraction. */
static size_t quantile_rank(size_t n, double q, double *frac)
{
	double h = q * (double)(n - 1);
	size_t lo = (size_t)floor(h);

	*frac = h - (double)lo;
	if (lo >= n - 1) {
		*frac = 0;
		return n - 1;
	}
	return lo;
}

/*
 * p10, median and p90 of v[0, n) by selection: the median's rank over the
 * whole range, then p10's below it and p90's above it; the next value
 * above each rank (for the interpolation) is the least of what lies
 * between it and the next selected rank.
 */
static void quantiles_select(double *v, size_t n, struct rs_stats *out)
{
	double f10, f50, f90;
	size_t k10 = quantile_rank(n, 0.1, &f10);
	size_t k50 = quantile_rank(n, 0.5, &f50);
	size_t k90 = quantile_rank(n, 0.9, &f90);

	select_kth(v, 0, n, k50);
	if (k10 < k50)
		select_kth(v, 0, k50, k10);
	if (k90 > k50)
		select_kth(v, k50 + 1, n, k90);
	/* the next selected rank above each, or the end */
	size_t up10 = k50 > k10 ? k50 : k90 > k10 ? k90 : n - 1;
	size_t up50 = k90 > k50 ? k90 : n - 1;

	out->p10 =
	    f10 == 0 ? v[k10] : lerp(v[k10], min_of(v, k10 + 1, up10 + 1), f10);
	out->median =
	    f50 == 0 ? v[k50] : lerp(v[k50], min_of(v, k50 + 1, up50 + 1), f50);
	out->p90 = f90 == 0 ? v[k90] : lerp(v[k90], min_of(v, k90 + 1, n), f90);
}

double rs_quantile_sorted(const double *x, size_t n, double q)
{
	double h = q * (double)(n - 1);
	size_t lo = (size_t)floor(h);

	if (lo >= n - 1)
		return x[n - 1];
	return lerp(x[lo], x[lo + 1], h - (double)lo);
}

static void moments_plain(const double *v, size_t n, struct rs_stats *out)
{
	double sum = 0, ss = 0, lo = v[0], hi = v[0];

	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = v[i] - out->mean;

		ss += d * d;
	}
	out->std = sqrt(ss / (double)n);
	out->min = lo;
	out->max = hi;
}

/*
 * The values at ranks[0..nr) (ascending order statistics) of v[0, n),
 * all in [lo, hi], lo < hi, by a histogram on the value range: one pass
 * counts the values of each of nb equal-width bins (the bin of a value
 * is monotone in the value, so bins hold consecutive ranks), a second
 * pass gathers the values of the bins holding the wanted ranks, and only
 * those are sorted.  False (nothing done) when a wanted bin holds more
 * than half of the values (a lumpy distribution) or memory is short:
 * the caller selects instead.
 */
#define HIST_MIN_VALUES 256
#define HIST_MAX_BINS 8192
#define MAX_RANKS 6

static size_t bin_of(double x, double lo, double scale, size_t nb)
{
	size_t b = (size_t)((x - lo) * scale);

	return b < nb ? b : nb - 1;
}

/* The distinct bins holding the wanted ranks, and their values. */
struct wanted_bins {
	int n;
	size_t bin[MAX_RANKS];
	size_t first_rank[MAX_RANKS]; /* rank of the bin's least value */
	size_t base[MAX_RANKS + 1];   /* its values in group[base, base+1) */
	int of_rank[MAX_RANKS];	      /* which of them holds rank k */
};

/* From the bin counts, the bins of ranks[0..nr); false if one is lumpy. */
static bool find_bins(const size_t *count, size_t nb, size_t n,
		      const size_t *ranks, int nr, struct wanted_bins *w)
{
	size_t at = 0, b = 0;

	w->n = 0;
	w->base[0] = 0;
	for (int k = 0; k < nr; k++) {
		while (b < nb && ranks[k] >= at + count[b])
			at += count[b++];
		if (b >= nb || count[b] > n / 2)
			return false;
		if (w->n == 0 || w->bin[w->n - 1] != b) {
			w->bin[w->n] = b;
			w->first_rank[w->n] = at;
			w->base[w->n + 1] = w->base[w->n] + count[b];
			w->n++;
		}
		w->of_rank[k] = w->n - 1;
	}
	return true;
}

static bool ranks_by_histogram(const double *v, size_t n, double lo, double hi,
			       const size_t *ranks, int nr, double *res)
{
	size_t nb = n / 4 < HIST_MAX_BINS ? n / 4 : HIST_MAX_BINS;
	double scale = (double)nb / (hi - lo);
	size_t *count = calloc(nb, sizeof(*count)), fill[MAX_RANKS];
	struct wanted_bins w;
	double *group = NULL;
	bool ok = false;

	if (!count)
		return false;
	for (size_t i = 0; i < n; i++)
		count[bin_of(v[i], lo, scale, nb)]++;
	if (!find_bins(count, nb, n, ranks, nr, &w))
		goto out_free_count;
	group = malloc(w.base[w.n] * sizeof(*group));
	if (!group)
		goto out_free_count;
	memcpy(fill, w.base, sizeof(fill));
	for (size_t i = 0; i < n; i++) {
		size_t b = bin_of(v[i], lo, scale, nb);

		for (int d = 0; d < w.n; d++)
			if (b == w.bin[d])
				group[fill[d]++] = v[i];
	}
	for (int d = 0; d < w.n; d++)
		heap_sort_d(group + w.base[d], w.base[d + 1] - w.base[d]);
	for (int k = 0; k < nr; k++) {
		int d = w.of_rank[k];

		res[k] = group[w.base[d] + ranks[k] - w.first_rank[d]];
	}
	ok = true;
	free(group);
out_free_count:
	free(count);
	return ok;
}

/* p10, median and p90 through ranks_by_histogram; false: not done. */
static bool quantiles_histogram(const double *v, size_t n, struct rs_stats *out)
{
	static const double qs[3] = {0.1, 0.5, 0.9};
	size_t ranks[MAX_RANKS];
	double frac[3], res[MAX_RANKS], *dst[3];
	int nr = 0, at[3];

	if (n < HIST_MIN_VALUES || !(out->max > out->min))
		return false;
	for (int q = 0; q < 3; q++) {
		size_t k = quantile_rank(n, qs[q], &frac[q]);

		at[q] = nr;
		ranks[nr++] = k;
		if (frac[q] != 0)
			ranks[nr++] = k + 1;
	}
	if (!ranks_by_histogram(v, n, out->min, out->max, ranks, nr, res))
		return false;
	dst[0] = &out->p10;
	dst[1] = &out->median;
	dst[2] = &out->p90;
	for (int q = 0; q < 3; q++)
		*dst[q] = frac[q] == 0
			      ? res[at[q]]
			      : lerp(res[at[q]], res[at[q] + 1], frac[q]);
	return true;
}

void rs_stats_values(double *v, size_t n, struct rs_stats *out)
{
	*out = empty_stats;
	if (n == 0)
		return;
	out->count = (double)n;
	moments_plain(v, n, out);
	if (!quantiles_histogram(v, n, out))
		quantiles_select(v, n, out);
}

/* ---- weighted pairs: sort ---- */

static bool wless(const struct rs_wvalue *a, const struct rs_wvalue *b)
{
	return a->v < b->v || (a->v == b->v && a->w < b->w);
}

static void swap_w(struct rs_wvalue *a, struct rs_wvalue *b)
{
	struct rs_wvalue t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort_w(struct rs_wvalue *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct rs_wvalue x = v[i];
		size_t j = i;

		while (j > 0 && wless(&x, &v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sift_down_w(struct rs_wvalue *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && wless(&v[child], &v[child + 1]))
			child++;
		if (!wless(&v[root], &v[child]))
			return;
		swap_w(&v[root], &v[child]);
		root = child;
	}
}

static void heap_sort_w(struct rs_wvalue *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down_w(v, i, n);
	for (size_t end = n; end-- > 1;) {
		swap_w(&v[0], &v[end]);
		sift_down_w(v, 0, end);
	}
}

/* As partition_d, on pairs. */
static size_t partition_w(struct rs_wvalue *v, size_t lo, size_t hi)
{
	size_t mid = lo + (hi - lo) / 2;
	ptrdiff_t i = (ptrdiff_t)lo - 1, j = (ptrdiff_t)hi;
	struct rs_wvalue pivot;

	if (wless(&v[mid], &v[lo]))
		swap_w(&v[mid], &v[lo]);
	if (wless(&v[hi - 1], &v[mid])) {
		swap_w(&v[hi - 1], &v[mid]);
		if (wless(&v[mid], &v[lo]))
			swap_w(&v[mid], &v[lo]);
	}
	pivot = v[mid];
	for (;;) {
		do
			i++;
		while (wless(&v[i], &pivot));
		do
			j--;
		while (wless(&pivot, &v[j]));
		if (i >= j)
			return (size_t)j;
		swap_w(&v[i], &v[j]);
	}
}

static void intro_sort_w(struct rs_wvalue *v, size_t lo, size_t hi, int depth)
{
	while (hi - lo > SMALL_RANGE) {
		size_t j;

		if (depth-- == 0) {
			heap_sort_w(v + lo, hi - lo);
			return;
		}
		j = partition_w(v, lo, hi);
		/* recurse into the smaller side, loop on the larger */
		if (j + 1 - lo < hi - (j + 1)) {
			intro_sort_w(v, lo, j + 1, depth);
			lo = j + 1;
		} else {
			intro_sort_w(v, j + 1, hi, depth);
			hi = j + 1;
		}
	}
	insertion_sort_w(v + lo, hi - lo);
}

void rs_wvalue_sort(struct rs_wvalue *vw, size_t n)
{
	if (n > 1)
		intro_sort_w(vw, 0, n, depth_limit(n));
}

/*
 * The weighted quantile at t = q s_{n-1} (rs_stats.h) from a sorted run of
 * len pairs that are the ranks r0 .. r0 + len - 1 of all n, c0 being the
 * weight of the ranks below r0.  NAN when the crossing s_{i-1} <= t < s_i
 * is not inside the run.
 */
static double walk_quantile(const struct rs_wvalue *run, size_t len, size_t r0,
			    double c0, size_t n, double t)
{
	double cum = c0, s_prev = 0;

	for (size_t k = 0; k < len; k++) {
		size_t i = r0 + k;
		double s =
		    i == 0 ? 0.0 : (double)i * run[k].w + (double)(n - 1) * cum;

		if (s > t) {
			if (k == 0)
				return NAN;
			return run[k - 1].v + (t - s_prev) *
						  (run[k].v - run[k - 1].v) /
						  (s - s_prev);
		}
		s_prev = s;
		cum += run[k].w;
	}
	return r0 + len == n ? run[len - 1].v : NAN;
}

static double total_weight(const struct rs_wvalue *vw, size_t n)
{
	double w = 0;

	for (size_t i = 0; i < n; i++)
		w += vw[i].w;
	return w;
}

double rs_quantile_weighted_sorted(const struct rs_wvalue *vw, size_t n,
				   double q)
{
	double top = (double)(n - 1) * total_weight(vw, n);

	return walk_quantile(vw, n, 0, 0, n, q * top);
}

/* Bins of pairs by value, with their counts and weights. */
struct wbins {
	size_t nb;
	double lo, scale;
	size_t *count;
	double *weight;
};

static size_t wbin(const struct wbins *b, double v)
{
	return bin_of(v, b->lo, b->scale, b->nb);
}

/*
 * The bin holding the pair whose cumulative weight interval holds T (the
 * last non-empty bin when rounding puts T past the end), and the
 * non-empty bins on either side (or the bin itself): by rs_stats.h's
 * bounds (n-1) S_{i-1} <= s_i <= (n-1) S_i, the crossing of t = (n-1) T
 * lies within one rank of that pair, so within these bins.  *rank0 and
 * *weight0: the ranks and weight below bin *first.
 */
static void crossing_bins(const struct wbins *b, double T, size_t *first,
			  size_t *last, size_t *rank0, double *weight0)
{
	size_t prev = SIZE_MAX, hit = SIZE_MAX, at = 0, k;
	size_t rank_prev = 0, rank_hit = 0;
	double cum = 0, w_prev = 0, w_hit = 0;

	for (k = 0; k < b->nb; k++) {
		if (!b->count[k])
			continue;
		prev = hit;
		rank_prev = rank_hit;
		w_prev = w_hit;
		hit = k;
		rank_hit = at;
		w_hit = cum;
		cum += b->weight[k];
		at += b->count[k];
		if (cum > T)
			break;
	}
	if (prev == SIZE_MAX) {
		prev = hit;
		rank_prev = rank_hit;
		w_prev = w_hit;
	}
	*first = prev;
	*rank0 = rank_prev;
	*weight0 = w_prev;
	for (k = hit + 1; k < b->nb && !b->count[k]; k++)
		;
	*last = k < b->nb ? k : hit;
}

/* One weighted quantile by the bins; NAN: not found that way. */
static double wquantile_binned(const struct rs_wvalue *vw, size_t n,
			       const struct wbins *b, double total, double q)
{
	size_t first, last, rank0, len = 0, m = 0;
	double weight0, r;
	struct rs_wvalue *run;

	crossing_bins(b, q * total, &first, &last, &rank0, &weight0);
	for (size_t k = first; k <= last; k++)
		len += b->count[k];
	if (len > n / 2 + 1)
		return NAN;
	run = malloc(len * sizeof(*run));
	if (!run)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		size_t k = wbin(b, vw[i].v);

		if (k >= first && k <= last)
			run[m++] = vw[i];
	}
	rs_wvalue_sort(run, len);
	r = walk_quantile(run, len, rank0, weight0, n,
			  q * (double)(n - 1) * total);
	free(run);
	return r;
}

/* p10, median, p90 of pairs in [lo, hi] via bins; false: not done. */
static bool wquantiles_histogram(const struct rs_wvalue *vw, size_t n,
				 double lo, double hi, double *res)
{
	static const double qs[3] = {0.1, 0.5, 0.9};
	struct wbins b = {.nb = n / 4 < HIST_MAX_BINS ? n / 4 : HIST_MAX_BINS};
	double total = 0;
	bool ok = false;

	if (n < HIST_MIN_VALUES || !(hi > lo))
		return false;
	b.lo = lo;
	b.scale = (double)b.nb / (hi - lo);
	b.count = calloc(b.nb, sizeof(*b.count));
	b.weight = calloc(b.nb, sizeof(*b.weight));
	if (!b.count || !b.weight)
		goto out_free_bins;
	for (size_t i = 0; i < n; i++) {
		size_t k = wbin(&b, vw[i].v);

		b.count[k]++;
		b.weight[k] += vw[i].w;
		total += vw[i].w;
	}
	ok = true;
	for (int q = 0; q < 3 && ok; q++) {
		res[q] = wquantile_binned(vw, n, &b, total, qs[q]);
		ok = !isnan(res[q]);
	}
out_free_bins:
	free(b.count);
	free(b.weight);
	return ok;
}

static void moments_weighted(const struct rs_wvalue *vw, size_t n,
			     struct rs_stats *out)
{
	double sw = 0, swx = 0, ss = 0, lo = vw[0].v, hi = vw[0].v;

	for (size_t i = 0; i < n; i++) {
		sw += vw[i].w;
		swx += vw[i].w * vw[i].v;
		if (vw[i].v < lo)
			lo = vw[i].v;
		if (vw[i].v > hi)
			hi = vw[i].v;
	}
	out->count = sw;
	out->mean = swx / sw;
	for (size_t i = 0; i < n; i++) {
		double d = vw[i].v - out->mean;

		ss += vw[i].w * d * d;
	}
	out->std = sqrt(ss / sw);
	out->min = lo;
	out->max = hi;
}

void rs_stats_weighted(struct rs_wvalue *vw, size_t n, struct rs_stats *out)
{
	static const double qs[3] = {0.1, 0.5, 0.9};
	double res[3];

	*out = empty_stats;
	if (n == 0)
		return;
	moments_weighted(vw, n, out);
	if (!wquantiles_histogram(vw, n, out->min, out->max, res)) {
		double top;

		rs_wvalue_sort(vw, n);
		top = (double)(n - 1) * total_weight(vw, n);
		for (int q = 0; q < 3; q++)
			res[q] = walk_quantile(vw, n, 0, 0, n, qs[q] * top);
	}
	out->p10 = res[0];
	out->median = res[1];
	out->p90 = res[2];
}
