/*
 * rs_stats: the statistics of one plot's pixel values: count, mean,
 * population standard deviation, minimum, maximum, median, 10th and 90th
 * percentiles, plain or weighted by the fraction of each pixel the plot
 * covers.
 *
 * Quantiles.  Unweighted, the q-quantile of n sorted values x_0..x_{n-1}
 * is the linear interpolation between closest ranks ("type 7" of Hyndman
 * and Fan 1996; R's and numpy's default): h = q (n - 1),
 * Q = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).
 *
 * Weighted (coverage weights w_i > 0), as exactextract computes them: with
 * the pairs sorted by value (ties by weight), S_i = the sum of w_0..w_i,
 *   s_0 = 0,  s_i = i w_i + (n - 1) S_{i-1},  s_{n-1} = (n - 1) S_{n-1},
 * and t = q s_{n-1}, the quantile is
 *   x_i + (t - s_i) (x_{i+1} - x_i) / (s_{i+1} - s_i)
 * for the i with s_i <= t < s_{i+1}, and x_{n-1} when t = s_{n-1}.  With
 * every weight 1, s_i = n i and this is exactly the type 7 quantile above,
 * so --exact and the pixel-centre rule agree on whole pixels.
 *
 * Mean and standard deviation are computed in two passes over the values
 * in the order given (the zonal scan gives them in raster order, so that
 * the results do not depend on thread timing): mean = sum(w x) / sum(w),
 * std = sqrt(sum(w (x - mean)^2) / sum(w)).
 *
 * Pure computation: no I/O, no globals.
 */
#ifndef OASIS_RS_RS_STATS_H
#define OASIS_RS_RS_STATS_H

#include <stddef.h>

struct rs_stats {
	double count; /* values (sum of weights when weighted) */
	double mean;  /* the rest are NAN when count == 0 */
	double std;   /* population: divided by count */
	double min;
	double max;
	double median;
	double p10;
	double p90;
};

/* A value and its weight (the fraction of the pixel inside the plot). */
struct rs_wvalue {
	double v;
	double w;
};

/*
 * The statistics of the n values v (n may be 0).  v is reordered in place
 * (the quantiles are found by selection, not by a full sort).
 */
void rs_stats_values(double *v, size_t n, struct rs_stats *out);

/*
 * The weighted statistics of n pairs; every weight must be > 0.  vw is
 * sorted in place by value.
 */
void rs_stats_weighted(struct rs_wvalue *vw, size_t n, struct rs_stats *out);

/* The type 7 q-quantile of n >= 1 sorted values. */
double rs_quantile_sorted(const double *x, size_t n, double q);

/* The weighted q-quantile of n >= 1 pairs sorted by value. */
double rs_quantile_weighted_sorted(const struct rs_wvalue *vw, size_t n,
				   double q);

/* Sort n pairs by value, ties by weight. */
void rs_wvalue_sort(struct rs_wvalue *vw, size_t n);

#endif
