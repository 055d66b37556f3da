/*
 * stages: where a crop stands in its season, and its crop coefficient Kc
 * that day, by the construction of FAO Irrigation and Drainage Paper 56
 * (Allen et al. 1998), chapter 6, "Construction of the Kc curve" (Fig. 25,
 * eq. 66): Kc ini flat through the initial stage, a straight rise to Kc mid
 * through crop development, Kc mid flat through mid-season, a straight fall
 * to Kc end through the late season.
 *
 * The season is measured on one of two clocks:
 *
 *   calendar  the day number i of eq. 66, 1 on the sowing day; the stage
 *             ends are cumulative day counts (Table 11 lengths, which a
 *             plot may override);
 *   thermal   the temperature accumulated since sowing (degC day) with a
 *             base temperature, either "active" (the whole daily mean on
 *             days whose mean reaches the base, the Chinese 活动积温 that
 *             Xinjiang practice counts above 10 degC) or "effective" (the
 *             excess over the base, 有效积温, growing degree days); the
 *             stage ends are cumulative sums.
 *
 * On either clock Kc is eq. 66 with the clock position in place of i.
 * agro_season_thermal_from_calendar() turns calendar stage ends into
 * thermal ones by accumulating a daily mean-temperature series (a
 * climatology) over the calendar stages.
 *
 * Pure computation: no I/O, no globals, no clock.  The structs own no
 * memory.
 */
#ifndef OASIS_AGRO_STAGES_H
#define OASIS_AGRO_STAGES_H

#include <stddef.h>

#include "agro/crops.h"
#include "util/err.h"

enum agro_stage {
	AGRO_STAGE_INITIAL,     /* sowing to ~10 % ground cover */
	AGRO_STAGE_DEVELOPMENT, /* to effective full cover */
	AGRO_STAGE_MID,         /* full cover to the start of maturity */
	AGRO_STAGE_LATE,        /* start of maturity to harvest */
	AGRO_STAGE_ENDED,       /* past the end of the late season */
};

/* "initial", "development", "mid", "late", "ended". */
const char *agro_stage_name(enum agro_stage s);

enum agro_clock {
	AGRO_CLOCK_CALENDAR, /* days since sowing, the sowing day being 1 */
	AGRO_CLOCK_THERMAL,  /* accumulated temperature, degC day */
};

enum agro_gdd_method {
	AGRO_GDD_ACTIVE,    /* Tmean on days with Tmean >= Tbase, else 0 */
	AGRO_GDD_EFFECTIVE, /* max(0, Tmean - Tbase) */
};

/* "calendar" / "thermal"; "active" / "effective". */
const char *agro_clock_name(enum agro_clock c);
const char *agro_gdd_method_name(enum agro_gdd_method m);

/*
 * A crop's season: the clock, the cumulative ends of its four stages on
 * that clock, and the three crop coefficients of Fig. 25.
 *
 * end[0] is the end of the initial stage, end[1] of development, end[2] of
 * mid-season and end[3] of the late season (the harvest): with the
 * calendar clock, end[0] = L_ini, end[1] = L_ini + L_dev, ... in days.
 * A stage may have zero length (equal consecutive ends).
 */
struct agro_season {
	enum agro_clock clock;
	double end[4];
	enum agro_gdd_method gdd_method; /* thermal clock only */
	double t_base;                   /* degC, thermal clock only */
	double kc_ini;
	double kc_mid; /* adjusted to the climate (eq. 62) when built below */
	double kc_end; /* adjusted (eq. 65) when built below */
	/*
	 * Thermal clock only: the season ends after this many days whatever
	 * the temperature (an autumn that cools below the base would never
	 * finish it); 0 = no limit.
	 */
	double max_days;
};

/*
 * The mid- and late-season climate used to adjust Kc mid (eq. 62) and
 * Kc end (eq. 65): mean daily wind speed at 2 m (m/s), mean daily minimum
 * relative humidity (%), mean plant height (m).
 */
struct agro_kc_climate {
	double u2;
	double rh_min;
	double height_m;
};

/*
 * A calendar season for crop c from Table 11 row `row` (see
 * agro_crop_stages()) and the Table 12 coefficients: Kc ini as printed,
 * Kc mid and Kc end the middle of the printed range except where a
 * footnote names the usual case (maize: 0.35, grain dried in the field;
 * spring wheat: 0.25, machine-harvested), both adjusted to *clim by eq. 62
 * and eq. 65.  clim NULL leaves them unadjusted (the paper's standard
 * climate, RHmin 45 %, u2 2 m/s).  ERR_INVALID for an unknown crop or row.
 */
int agro_season_from_table11(enum agro_crop c, size_t row,
			     const struct agro_kc_climate *clim,
			     struct agro_season *out, struct err *e);

/*
 * Replace the stage ends of a calendar season by the given lengths in days
 * (a plot's override of Table 11).  ERR_INVALID for a negative length or a
 * season of zero days.
 */
int agro_season_set_lengths(struct agro_season *s, const int len[4],
			    struct err *e);

/*
 * Check a season: ends finite, non-negative, non-decreasing, the last
 * positive; Kc values in [0, 2]; a thermal clock with a base in
 * [-10, 40] degC.  The message names the offending field.
 */
int agro_season_check(const struct agro_season *s, struct err *e);

/*
 * The daily increment of the thermal clock, from the day's Tmax and Tmin
 * with Tmean = (Tmax + Tmin) / 2 (the averaging method).
 */
double agro_gdd_increment(enum agro_gdd_method m, double t_base, double tmax,
			  double tmin);

/* Where a clock position falls in the season, and the Kc there. */
struct agro_kc_point {
	enum agro_stage stage;
	double kc;        /* eq. 66 */
	double stage_frac; /* fraction of the current stage elapsed, 0..1 */
	/*
	 * Fraction of the development stage elapsed: 0 through the initial
	 * stage, rising linearly through development, 1 afterwards.  Root
	 * depth grows with it (FAO-56 Annex 8).
	 */
	double dev_frac;
};

/*
 * Kc at clock position x by eq. 66: x is the day number i (calendar; 1 on
 * the sowing day) or the temperature accumulated up to and including the
 * day (thermal).  Past the end of the season the stage is
 * AGRO_STAGE_ENDED and Kc stays at Kc end.  Positions before the season
 * (x < 0) count as its start.
 */
void agro_kc_at(const struct agro_season *s, double x,
		struct agro_kc_point *out);

/*
 * The stage and Kc of the day numbered `day` (1 on the sowing day) with
 * `thermal` accumulated: agro_kc_at() on the season's clock, and on a
 * thermal clock AGRO_STAGE_ENDED past max_days.
 */
void agro_season_point(const struct agro_season *s, int day, double thermal,
		       struct agro_kc_point *out);

/*
 * The last day number of the season as far as the calendar tells: end[3]
 * on a calendar clock, max_days on a thermal one (HUGE_VAL without a
 * limit).
 */
double agro_season_last_day(const struct agro_season *s);

/*
 * A thermal season equivalent to the calendar season *cal: each stage end
 * becomes the temperature accumulated (by method m with base t_base) over
 * the calendar days up to it, from tmean[0] (the sowing day) onwards.
 * tmean must cover the whole season (n >= the last end); ERR_INVALID
 * otherwise.  The Kc values are copied; max_days is the calendar season
 * plus 30 days.
 */
int agro_season_thermal_from_calendar(const struct agro_season *cal,
				      enum agro_gdd_method m, double t_base,
				      const double *tmean, size_t n,
				      struct agro_season *out,
				      struct err *e);

#endif
