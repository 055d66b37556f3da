/*
 * health: the slow and the sensor alarms of a PV plant, as pure functions.
 *
 *   - a ratio's drop against the plant's own recent days (the daily PR or
 *     expected ratio of an inverter below a share of the median of its
 *     previous valid days);
 *   - soiling: the temperature-corrected ratio declining slowly from day to
 *     day, reset by a cleaning (a jump up); the rate is the Theil-Sen slope
 *     of the days since the last cleaning (robust to a bad day), as RdTools'
 *     soiling analysis fits its soiling intervals (M. G. Deceglie, L.
 *     Micheli, M. Muller, "Quantifying soiling loss directly from PV yield",
 *     IEEE J. Photovoltaics 8(2), 547-551, 2018), and the loss today is how
 *     far the fitted line has fallen since the interval began;
 *   - irradiance sensor quality: the clear-sky GHI of Haurwitz (pvlib
 *     clearsky.haurwitz), the QCRad physically possible and extremely rare
 *     limits of GHI (C. N. Long, Y. Shi, "An automated quality assessment
 *     and control algorithm for surface radiation measurements", The Open
 *     Atmospheric Science Journal 2, 23-37, 2008; the numbers pvanalytics'
 *     quality.irradiance uses), two sensors' disagreement, and a reading
 *     stuck in daylight.
 *
 * No I/O, no clock, no globals.  docs/PV.md, "Alarms".
 */
#ifndef OASIS_PV_HEALTH_H
#define OASIS_PV_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- a ratio against the plant's own recent days -------------------- */

struct pv_drop {
	double baseline;    /* median of the valid history; NaN: too few */
	double relative;    /* today / baseline; NaN when either is unknown */
	size_t n_days;      /* valid days of history (finite, > 0) */
};

/*
 * history: n previous days' ratios (NaN or <= 0: no value, e.g. a day of
 * snow or of no data); scratch: n doubles.  Fewer than min_days valid days
 * give a NaN baseline.
 */
void pv_ratio_drop(const double *history, size_t n, double today,
		   size_t min_days, double *scratch, struct pv_drop *out);

/* ---- soiling -------------------------------------------------------- */

#define PV_SOILING_REF_DAYS 3

struct pv_soiling {
	size_t start;        /* index of the interval's first day (after the
			        last cleaning, or 0) */
	size_t n_cleanings;  /* cleanings seen in the series */
	size_t n_days;       /* valid days in the interval */
	double ratio_clean;  /* the fitted ratio on the interval's first
			        valid day */
	double rate_per_day; /* slope / ratio_clean: -0.002 = -0.2 %/day */
	double loss;         /* 1 - fitted(last day) / ratio_clean, >= 0 */
};

/*
 * ratio: n days' temperature-corrected ratios, oldest first (NaN: no
 * value).  A day whose ratio exceeds the median of the (up to)
 * PV_SOILING_REF_DAYS valid days before it in its interval by more than
 * cleaning_jump (relative: 0.03 is 3 %) is a cleaning (rain or a crew) and
 * starts a new interval; a bad day (cloud, snow) followed by a normal one
 * is no cleaning.  With one valid day in the interval
 * (just cleaned) the loss is 0 and the rate NaN; with none, everything is
 * NaN.  scratch: pv_soiling_scratch(n) doubles.
 */
void pv_soiling(const double *ratio, size_t n, double cleaning_jump,
		double *scratch, struct pv_soiling *out);
size_t pv_soiling_scratch(size_t n);

/* The Theil-Sen slope of (x[i], y[i]), i < n: the median of the pairwise
 * slopes; *intercept = median(y - slope x).  scratch: max(n (n - 1) / 2,
 * n) doubles.  NaN with fewer than 2 distinct x. */
double pv_theil_sen(const double *x, const double *y, size_t n,
		    double *scratch, double *intercept);

/* ---- irradiance sensors --------------------------------------------- */

/* pvlib clearsky.haurwitz: 1098 cos Z exp(-0.059 / cos Z), 0 when cos Z <= 0. */
double pv_clearsky_haurwitz(double apparent_zenith);

struct pv_ghi_limits {
	double lower;          /* -4 W/m2 */
	double upper_possible; /* 1.5 Sa cos(Z)^1.2 + 100 */
	double upper_rare;     /* 1.2 Sa cos(Z)^1.2 + 50 */
};

/* QCRad limits of GHI at solar zenith Z (cos Z clipped at 0), Sa the
 * extraterrestrial normal irradiance (pv_extra_spencer). */
void pv_ghi_limits(double solar_zenith, double dni_extra,
		   struct pv_ghi_limits *out);

/* |a - b| / ((a + b) / 2) when both are at least min_g; NaN otherwise. */
double pv_pair_deviation(double a, double b, double min_g);

/* A reading repeated: the same value (within tol) since since_ts. */
struct pv_stuck {
	double value;
	int64_t since_ts;    /* 0: no run yet */
	int64_t last_ts;
};

/*
 * Note a reading at ts; daylight says whether the sun is up enough for a
 * pyranometer to move (at night zeros repeat legitimately, and end the
 * run).  Returns how long, in ms, the reading has repeated in daylight (0
 * when it changed).  Readings older than the last are ignored.
 */
int64_t pv_stuck_step(struct pv_stuck *s, int64_t ts, double v,
		      bool daylight, double tol);

#endif
