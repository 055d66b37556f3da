/*
 * crops: the FAO-56 crop data the water balance needs for the crops of the
 * base (cotton, grain maize, spring wheat, tomato), and the paper's
 * adjustments of them (FAO Irrigation and Drainage Paper 56, chapters 6
 * and 8):
 *
 *   Table 11  lengths of the initial, development, mid-season and late
 *             season stages, by planting date and region (days);
 *   Table 12  single crop coefficients Kc ini, Kc mid, Kc end and the
 *             maximum crop height h, for a sub-humid climate (RHmin about
 *             45 %, u2 about 2 m/s);
 *   Table 22  maximum effective rooting depth Zr and the depletion
 *             fraction p for no stress (at ETc about 5 mm/day);
 *   eq. 62/65 Kc mid and Kc end adjusted to the local u2, RHmin and h;
 *   Table 22, footnote 2: p adjusted to the day's ETc.
 *
 * Pure data and computation; the tables are static and owned here.  Where
 * the paper gives a range (Kc mid of cotton 1.15-1.20, rooting depths) both
 * ends are kept, with the paper's note on which end applies when.
 */
#ifndef OASIS_AGRO_CROPS_H
#define OASIS_AGRO_CROPS_H

#include <stddef.h>

#include "util/err.h"

enum agro_crop {
	AGRO_CROP_COTTON,
	AGRO_CROP_MAIZE_GRAIN,
	AGRO_CROP_SPRING_WHEAT,
	AGRO_CROP_TOMATO,
};

#define AGRO_CROP_COUNT 4

/* A value the paper prints as a range; lo == hi when it prints one. */
struct agro_range {
	double lo;
	double hi;
};

/* One crop's row of Tables 12 and 22. */
struct agro_crop_info {
	const char *name;      /* "cotton", "maize", "spring_wheat", "tomato" */
	const char *fao_name;  /* the row's name in Table 12 */
	double kc_ini;         /* Table 12 (the crop group's value) */
	struct agro_range kc_mid; /* Table 12 */
	struct agro_range kc_end; /* Table 12 */
	const char *kc_end_note;  /* Table 12 footnote on kc_end, or NULL */
	struct agro_range height_m;     /* Table 12, maximum crop height */
	struct agro_range root_depth_m; /* Table 22, Zr */
	double p;                       /* Table 22, at ETc ~ 5 mm/day */
};

/* One row of Table 11. */
struct agro_stage_lengths {
	int ini, dev, mid, late; /* days */
	int total;               /* as printed; the sum of the four */
	const char *plant_date;  /* as printed, e.g. "Mar-May" */
	const char *region;      /* as printed, e.g. "Calif. Desert, USA" */
};

/* The Table 12 and 22 data of a crop (static; never NULL for a valid c). */
const struct agro_crop_info *agro_crop_info(enum agro_crop c);

/*
 * The Table 11 rows of a crop: *rows points at static data, the count is
 * returned.  Spring wheat uses the "Barley/Oats/Wheat" rows.
 */
size_t agro_crop_stages(enum agro_crop c,
			const struct agro_stage_lengths **rows);

/*
 * The crop of a name: "cotton", "maize" (or "maize_grain"),
 * "spring_wheat", "tomato" (or "processing_tomato", which FAO-56 does not
 * list apart).  ERR_NOT_FOUND naming the known crops otherwise.
 */
int agro_crop_find(const char *name, enum agro_crop *out, struct err *e);

/*
 * eq. 62: Kc mid = Kc mid(Tab) + [0.04 (u2 - 2) - 0.004 (RHmin - 45)]
 * (h/3)^0.3, with u2 the mean daily wind at 2 m (m/s), RHmin the mean
 * daily minimum relative humidity (%) of the mid-season and h the mean
 * plant height (m).  The paper states the equation for 1 <= u2 <= 6 m/s,
 * 20 <= RHmin <= 80 % and 0.1 <= h <= 10 m and asks that these limits be
 * observed: values beyond them are taken at the limit.  Below h = 0.1 m
 * the crop behaves like the grass reference and kc_tab is returned.
 */
double agro_kc_mid_adjust(double kc_tab, double u2, double rh_min, double h);

/*
 * eq. 65: the same adjustment for Kc end, over the late season; applied
 * only when Kc end(Tab) >= 0.45 (crops harvested green), otherwise kc_tab
 * is returned unchanged.
 */
double agro_kc_end_adjust(double kc_tab, double u2, double rh_min, double h);

/*
 * Table 22, footnote 2: p = p(Table 22) + 0.04 (5 - ETc), ETc in mm/day,
 * limited to 0.1 <= p <= 0.8 (chapter 8).
 */
double agro_depletion_fraction(double p_table, double etc);

#endif
