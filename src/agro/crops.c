/*
 * crops: FAO-56 Tables 11, 12 and 22 for the crops of the base, and the
 * climate adjustments of Kc (eq. 62, 65) and p; see crops.h.
 */
#include "agro/crops.h"

#include <math.h>
#include <string.h>

/*
 * Table 12 (Kc, h) and Table 22 (Zr, p).  Kc ini is the value the paper
 * prints for the crop's group ("g. Fibre crops" 0.35, "i. Cereals" 0.3,
 * "b. Vegetables - Solanum family" 0.6).
 */
static const struct agro_crop_info crops[AGRO_CROP_COUNT] = {
	[AGRO_CROP_COTTON] = {
		.name = "cotton",
		.fao_name = "Cotton",
		.kc_ini = 0.35,
		.kc_mid = { 1.15, 1.20 },
		.kc_end = { 0.50, 0.70 },
		.kc_end_note = NULL,
		.height_m = { 1.2, 1.5 },
		.root_depth_m = { 1.0, 1.7 },
		.p = 0.65,
	},
	[AGRO_CROP_MAIZE_GRAIN] = {
		.name = "maize",
		.fao_name = "Maize, Field (grain) (field corn)",
		.kc_ini = 0.3,
		.kc_mid = { 1.20, 1.20 },
		.kc_end = { 0.35, 0.60 },
		.kc_end_note = "0.60 for harvest at high grain moisture, 0.35 "
			       "after complete field drying of the grain "
			       "(Table 12, footnote 11)",
		.height_m = { 2.0, 2.0 },
		.root_depth_m = { 1.0, 1.7 },
		.p = 0.55,
	},
	[AGRO_CROP_SPRING_WHEAT] = {
		.name = "spring_wheat",
		.fao_name = "Spring Wheat",
		.kc_ini = 0.3,
		.kc_mid = { 1.15, 1.15 },
		.kc_end = { 0.25, 0.4 },
		.kc_end_note = "the higher value for hand-harvested crops "
			       "(Table 12, footnote 10)",
		.height_m = { 1.0, 1.0 },
		.root_depth_m = { 1.0, 1.5 },
		.p = 0.55,
	},
	[AGRO_CROP_TOMATO] = {
		.name = "tomato",
		.fao_name = "Tomato",
		.kc_ini = 0.6,
		.kc_mid = { 1.15, 1.15 },
		.kc_end = { 0.70, 0.90 },
		.kc_end_note = NULL,
		.height_m = { 0.6, 0.6 },
		.root_depth_m = { 0.7, 1.5 },
		.p = 0.40,
	},
};

/* Table 11, "g. Fibre crops": Cotton. */
static const struct agro_stage_lengths cotton_stages[] = {
	{ 30, 50, 60, 55, 195, "Mar-May", "Egypt; Pakistan; Calif." },
	{ 45, 90, 45, 45, 225, "Mar", "Calif. Desert, USA" },
	{ 30, 50, 60, 55, 195, "Sept", "Yemen" },
	{ 30, 50, 55, 45, 180, "April", "Texas" },
};

/* Table 11, "i. Cereals": Maize (grain). */
static const struct agro_stage_lengths maize_stages[] = {
	{ 30, 50, 60, 40, 180, "April", "East Africa (alt.)" },
	{ 25, 40, 45, 30, 140, "Dec/Jan", "Arid Climate" },
	{ 20, 35, 40, 30, 125, "June", "Nigeria (humid)" },
	{ 20, 35, 40, 30, 125, "October", "India (dry, cool)" },
	{ 30, 40, 50, 30, 150, "April", "Spain (spr, sum.); Calif." },
	{ 30, 40, 50, 50, 170, "April", "Idaho, USA" },
};

/* Table 11, "i. Cereals": Barley/Oats/Wheat (spring-sown wheat). */
static const struct agro_stage_lengths wheat_stages[] = {
	{ 15, 25, 50, 30, 120, "November", "Central India" },
	{ 20, 25, 60, 30, 135, "March/Apr", "35-45 °L" },
	{ 15, 30, 65, 40, 150, "July", "East Africa" },
	{ 40, 30, 40, 20, 130, "Apr", "" },
	{ 40, 60, 60, 40, 200, "Nov", "" },
	{ 20, 50, 60, 30, 160, "Dec", "Calif. Desert, USA" },
};

/* Table 11, "b. Vegetables - Solanum family": Tomato. */
static const struct agro_stage_lengths tomato_stages[] = {
	{ 30, 40, 40, 25, 135, "January", "Arid Region" },
	{ 35, 40, 50, 30, 155, "Apr/May", "Calif., USA" },
	{ 25, 40, 60, 30, 155, "Jan", "Calif. Desert, USA" },
	{ 35, 45, 70, 30, 180, "Oct/Nov", "Arid Region" },
	{ 30, 40, 45, 30, 145, "April/May", "Mediterranean" },
};

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))

const struct agro_crop_info *agro_crop_info(enum agro_crop c)
{
	if ((unsigned)c >= AGRO_CROP_COUNT)
		return NULL;
	return &crops[c];
}

size_t agro_crop_stages(enum agro_crop c,
			const struct agro_stage_lengths **rows)
{
	switch (c) {
	case AGRO_CROP_COTTON:
		*rows = cotton_stages;
		return ROWS(cotton_stages);
	case AGRO_CROP_MAIZE_GRAIN:
		*rows = maize_stages;
		return ROWS(maize_stages);
	case AGRO_CROP_SPRING_WHEAT:
		*rows = wheat_stages;
		return ROWS(wheat_stages);
	case AGRO_CROP_TOMATO:
		*rows = tomato_stages;
		return ROWS(tomato_stages);
	}
	*rows = NULL;
	return 0;
}

int agro_crop_find(const char *name, enum agro_crop *out, struct err *e)
{
	static const struct {
		const char *alias;
		enum agro_crop crop;
	} aliases[] = {
		{ "maize_grain", AGRO_CROP_MAIZE_GRAIN },
		{ "processing_tomato", AGRO_CROP_TOMATO },
	};

	for (int c = 0; c < AGRO_CROP_COUNT; c++) {
		if (!strcmp(name, crops[c].name)) {
			*out = (enum agro_crop)c;
			return ERR_OK;
		}
	}
	for (size_t i = 0; i < ROWS(aliases); i++) {
		if (!strcmp(name, aliases[i].alias)) {
			*out = aliases[i].crop;
			return ERR_OK;
		}
	}
	return err_set(e, ERR_NOT_FOUND,
		       "crop '%s': not in the FAO-56 tables Oasis carries "
		       "(cotton, maize, spring_wheat, tomato)", name);
}

static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* The bracket and height factor shared by eq. 62 and eq. 65. */
static double climate_term(double u2, double rh_min, double h)
{
	u2 = clamp(u2, 1.0, 6.0);
	rh_min = clamp(rh_min, 20.0, 80.0);
	h = fmin(h, 10.0);
	return (0.04 * (u2 - 2.0) - 0.004 * (rh_min - 45.0)) *
	       pow(h / 3.0, 0.3);
}

double agro_kc_mid_adjust(double kc_tab, double u2, double rh_min, double h)
{
	if (h < 0.1)
		return kc_tab;
	return kc_tab + climate_term(u2, rh_min, h);
}

double agro_kc_end_adjust(double kc_tab, double u2, double rh_min, double h)
{
	if (kc_tab < 0.45 || h < 0.1)
		return kc_tab;
	return kc_tab + climate_term(u2, rh_min, h);
}

double agro_depletion_fraction(double p_table, double etc)
{
	return clamp(p_table + 0.04 * (5.0 - etc), 0.1, 0.8);
}
