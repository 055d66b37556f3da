/*
 * balance: the daily soil water balance of the root zone of one plot, by
 * FAO Irrigation and Drainage Paper 56 (Allen et al. 1998), chapter 8,
 * "ETc under soil water stress conditions", single crop coefficient.
 *
 * One call, agro_balance_step(), advances one plot by one day:
 *
 *   clock      day number i, and the temperature accumulated since sowing
 *   Kc         eq. 66 on the plot's season (agro/stages.h), times the
 *              film-mulch factor (FAO-56 chapter 10, "Surface mulches")
 *   Zr         Zr,min + (Zr,max - Zr,min) x the development fraction
 *              (FAO-56 Annex 8: Zr grows with (Kcb - Kcb ini) /
 *              (Kcb mid - Kcb ini), that is through the development stage)
 *   TAW        eq. 82: 1000 (thetaFC - thetaWP) Zr
 *   ETc        eq. 58: Kc ET0
 *   p, RAW     Table 22 footnote: p = p(Table 22) + 0.04 (5 - ETc),
 *              0.1..0.8; eq. 83: RAW = p TAW
 *   Ks         eq. 84 with the depletion at the start of the day
 *   ETc adj    eq. 80/81: Ks Kc ET0
 *   P - RO     rain below 0.2 ET0 ignored (chapter 8), runoff by the USDA
 *              SCS curve number (chapter 8 refers to "standard procedures
 *              from hydrologic texts")
 *   I          metered volume / plot area x 1000 mm, times the application
 *              efficiency (the part that reaches the root zone)
 *   DP         eq. 88
 *   Dr         eq. 85 (no capillary rise: CR = 0), kept within
 *              [0, TAW] (eq. 86)
 *   probe      when soil-probe readings come with the day, Dr is nudged
 *              toward the depletion they measure (eq. 87 form) with the
 *              plot's gain k: Dr = Dr,model + k (Dr,meas - Dr,model)
 *
 * A service keeps one struct agro_balance_state per plot (four numbers,
 * stored between days) and calls agro_balance_step() once per plot per
 * day in date order.  Units are the paper's: mm, m, m3/m3, degC, mm/day.
 *
 * Pure computation: no I/O, no globals, no clock; the structs own no
 * memory (probe readings are borrowed for the call).
 */
#ifndef OASIS_AGRO_BALANCE_H
#define OASIS_AGRO_BALANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "agro/crops.h"
#include "agro/stages.h"
#include "util/err.h"

/* ---------------------------------------------------------------------- */
/* Soil                                                                    */

/* The texture classes of FAO-56 Table 19. */
enum agro_texture {
	AGRO_TEXTURE_SAND,
	AGRO_TEXTURE_LOAMY_SAND,
	AGRO_TEXTURE_SANDY_LOAM,
	AGRO_TEXTURE_LOAM,
	AGRO_TEXTURE_SILT_LOAM,
	AGRO_TEXTURE_SILT,
	AGRO_TEXTURE_SILTY_CLAY_LOAM,
	AGRO_TEXTURE_SILTY_CLAY,
	AGRO_TEXTURE_CLAY,
};

#define AGRO_TEXTURE_COUNT 9

/* One row of Table 19: the printed ranges of thetaFC and thetaWP. */
struct agro_texture_info {
	const char *name; /* "sand", "loamy_sand", ..., "clay" */
	struct agro_range theta_fc; /* m3/m3 */
	struct agro_range theta_wp; /* m3/m3 */
};

/* The Table 19 row of a texture (static); NULL for an unknown value. */
const struct agro_texture_info *agro_texture_info(enum agro_texture t);

/*
 * The texture of a name: "sandy_loam", "sandy loam" or "Sandy-Loam" alike.
 * ERR_NOT_FOUND naming the known classes otherwise.
 */
int agro_texture_find(const char *name, enum agro_texture *out,
		      struct err *e);

/* The defaults Oasis uses for a texture: the middle of each range. */
void agro_texture_defaults(enum agro_texture t, double *theta_fc,
			   double *theta_wp);

/* ---------------------------------------------------------------------- */
/* The equations, one function each (no validation)                        */

/* eq. 82: TAW = 1000 (thetaFC - thetaWP) Zr, mm */
double agro_taw(double theta_fc, double theta_wp, double zr);
/* eq. 83: RAW = p TAW, mm */
double agro_raw(double p, double taw);
/*
 * eq. 84: Ks = (TAW - Dr) / (TAW - RAW) for Dr > RAW, 1 otherwise,
 * limited to 0..1 (0 when TAW is 0).
 */
double agro_ks(double dr, double taw, double raw);
/*
 * eq. 88: DP = (P - RO) + I - ETc - Dr,i-1, at least 0: the water beyond
 * field capacity that leaves the root zone the same day.
 */
double agro_deep_percolation(double rain_eff, double irr_net, double etc,
			     double dr_prev);
/* eq. 85 with CR = 0: Dr,i = Dr,i-1 - (P - RO) - I + ETc + DP */
double agro_depletion_next(double dr_prev, double rain_eff, double irr_net,
			   double etc, double dp);
/*
 * eq. 86/87: the depletion of a root zone of depth zr (m) whose mean water
 * content is theta: 1000 (thetaFC - theta) Zr, mm (negative above FC).
 */
double agro_depletion_from_theta(double theta_fc, double theta, double zr);
/* Root depth (m) at development fraction dev_frac (0..1), Annex 8. */
double agro_root_depth(double zr_min, double zr_max, double dev_frac);
/* A metered volume (m3) spread over a plot (m2) as a depth: mm. */
double agro_irrigation_mm(double volume_m3, double area_m2);
/* A depth (mm) over a plot (m2) as a volume: m3. */
double agro_volume_m3(double depth_mm, double area_m2);

/*
 * USDA SCS curve-number runoff of a day's rain p (mm) (NRCS TR-55,
 * eq. 2-1 to 2-4 in millimetres): S = 25400 / CN - 254,
 * Q = (P - 0.2 S)^2 / (P + 0.8 S) for P > 0.2 S, else 0.  cn <= 0 means no
 * runoff; cn >= 100 means all rain runs off.
 */
double agro_runoff_scs(double p, double cn);

/*
 * The rain that counts in eq. 85, P - RO: 0 when P < 0.2 ET0 (chapter 8:
 * such rain is "normally entirely evaporated"), otherwise P less the SCS
 * runoff.  *runoff receives RO (may be NULL).
 */
double agro_effective_rain(double p, double et0, double cn, double *runoff);

/* ---------------------------------------------------------------------- */
/* Soil probes                                                             */

/* One probe reading: volumetric water content at a depth. */
struct agro_probe_reading {
	double depth_m; /* sensor depth, m, > 0 (0.10, 0.20, 0.40 ...) */
	double theta;   /* m3/m3, 0..0.7 */
};

/*
 * The mean water content of the root zone [0, zr] from probe readings
 * weighted by the thickness of the layer each sensor stands for: sorted by
 * depth, a sensor's layer runs from the midpoint with the sensor above (0
 * for the first) to the midpoint with the sensor below, the deepest
 * sensor's layer down to zr; layers are cut at zr and sensors whose layer
 * starts below zr are not used.  Sensors at 10, 20, 40 cm over a 0.6 m
 * root zone stand for 0-15, 15-30 and 30-60 cm.  Returns NAN when no
 * reading is usable (n == 0).  The readings need not be sorted; at most
 * 16 are used (the shallowest).
 */
double agro_probe_theta(const struct agro_probe_reading *r, size_t n,
			double zr);

/*
 * The nudge: Dr,model + k (Dr,meas - Dr,model), kept within [0, taw].
 * k = 1 takes the measurement, k = 0 ignores it.
 */
double agro_nudge(double dr_model, double dr_meas, double k, double taw);

/* ---------------------------------------------------------------------- */
/* A plot and its daily balance                                            */

/*
 * Everything the balance needs to know about a plot.  agro_plot_defaults()
 * fills it from the FAO-56 tables; a service then overrides what the
 * plot's record knows (soil, stage lengths, root depths, efficiency...).
 */
struct agro_plot {
	const char *code;  /* for messages; may be NULL; borrowed */
	struct agro_season season;
	double p_table;    /* Table 22 depletion fraction at ETc 5 mm/day */
	double theta_fc;   /* m3/m3 */
	double theta_wp;   /* m3/m3, < theta_fc */
	double zr_min;     /* m: root depth through the initial stage */
	double zr_max;     /* m: from the end of development on */
	double area_m2;    /* > 0 */
	double efficiency; /* application efficiency, (0, 1]; drip 0.9 */
	double mulch_factor; /* Kc multiplier under film mulch, (0, 1] */
	double refill;     /* irrigate up to this fraction of TAW, (0, 1] */
	double nudge_gain; /* k, 0..1 */
	double curve_number; /* SCS CN (AMC II), 0 = no runoff, else 30..100 */
	/*
	 * Depletion of the soil the roots grow into, as a fraction of its
	 * available water, 0..1.  0 (the FAO-56 Annex 8 assumption): the
	 * subsoil is at field capacity, as after the pre-sowing irrigation
	 * usual in Xinjiang.
	 */
	double subsoil_depletion;
};

/*
 * Defaults for crop c: Table 11 row 0 calendar (callers override), the
 * Table 12 coefficients unadjusted, Table 22 p and the low end of its Zr
 * range as Zr max, Zr min 0.2 m, a loam soil (Table 19 middle values),
 * 1 ha, drip efficiency 0.9, no mulch (factor 1), refill to field
 * capacity, nudge gain 0.3, curve number 78 (row crop, straight rows, good
 * condition, soil group B; TR-55 Table 2-2b), subsoil at field capacity.
 */
void agro_plot_defaults(struct agro_plot *p, enum agro_crop c);

/*
 * Kc factor for plastic film: FAO-56 chapter 10 reduces Kc under plastic
 * mulch by roughly 10-30 %; Oasis takes 15 % (docs/IRRIGATION.md).
 */
#define AGRO_FILM_MULCH_FACTOR 0.85

/* Check every field; the message names the field (and the plot code). */
int agro_plot_check(const struct agro_plot *p, struct err *e);

/* What is kept per plot between days. */
struct agro_balance_state {
	int day;         /* day number i of the last day computed; 0 = none */
	double thermal;  /* temperature accumulated to the end of that day */
	double zr;       /* m, root depth that day */
	double dr;       /* mm, root-zone depletion at the end of that day */
};

/*
 * The state on the eve of sowing: day 0, nothing accumulated, Zr = Zr min
 * and Dr = dr0_frac x TAW (0 = field capacity after the pre-sowing
 * irrigation; eq. 87 gives it from a measured water content).
 */
int agro_balance_init(const struct agro_plot *p, double dr0_frac,
		      struct agro_balance_state *st, struct err *e);

/* One day's inputs. */
struct agro_day_in {
	double et0;  /* mm, grass reference ET (agro_fao56_daily) */
	double tmax; /* degC; needed only on a thermal clock */
	double tmin; /* degC; needed only on a thermal clock */
	double rain; /* mm */
	double irrigation_m3; /* metered volume delivered that day */
	const struct agro_probe_reading *probe; /* may be NULL; borrowed */
	size_t n_probe;
};

/* Every term of the day, in the order computed. */
struct agro_day_out {
	int day;            /* day number i */
	double thermal;     /* accumulated temperature, degC day */
	enum agro_stage stage;
	double kc;          /* eq. 66 x mulch factor */
	double zr;          /* m */
	double taw;         /* mm, eq. 82 */
	double dr_start;    /* mm, Dr,i-1 after root growth */
	double etc;         /* mm, eq. 58 */
	double p;           /* Table 22 footnote */
	double raw;         /* mm, eq. 83 */
	double ks;          /* eq. 84 */
	double etc_adj;     /* mm, eq. 80/81 */
	double rain;        /* mm, as given */
	double runoff;      /* mm */
	double rain_eff;    /* mm, P - RO as counted */
	double irr_gross;   /* mm, metered */
	double irr_net;     /* mm, reaching the root zone */
	double dp;          /* mm, eq. 88 */
	double dr_model;    /* mm, eq. 85 */
	bool has_probe;
	double theta_meas;  /* m3/m3, NAN without a probe */
	double dr_meas;     /* mm, eq. 87 form, within [0, TAW]; NAN without */
	double dr;          /* mm, end of day */
	bool stressed;      /* dr > raw: tomorrow starts below RAW */
};

/*
 * Advance *st by one day.  The inputs are checked (ET0 0..30 mm, rain
 * 0..500 mm, volume 0..1e6 m3, temperatures -60..60 degC on a thermal
 * clock, probe depths 0..5 m and contents 0..0.7) and refused with
 * ERR_INVALID naming the input and the plot; *st is then unchanged.
 * *out receives every term; may be NULL.
 */
int agro_balance_step(const struct agro_plot *p,
		      struct agro_balance_state *st,
		      const struct agro_day_in *in, struct agro_day_out *out,
		      struct err *e);

#endif
