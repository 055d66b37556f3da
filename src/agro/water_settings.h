/*
 * water_settings: a plot's own irrigation settings, overriding the FAO-56
 * defaults the water balance starts from.  They live in the plot's
 * attributes under the key "water" (set by PATCH /api/v1/plots/CODE with
 * {"water": {...}}), as a JSON object:
 *
 *   clock          "calendar" (stage lengths in days from sowing) or "gdd"
 *                  (stages by accumulated temperature)
 *   gdd_method     "active" (活动积温: the whole daily mean on days whose
 *                  mean reaches the base; default) or "effective" (the
 *                  excess over the base, growing degree days)
 *   t_base         base temperature, degC, -10..40 (default 10: Xinjiang
 *                  practice counts active temperature above 10 degC)
 *   stage_lengths  [initial, development, mid, late], days, 0..365 each
 *   stage_gdd      [initial, development, mid, late], degC day each stage;
 *                  without it a gdd clock takes the calendar stages'
 *                  accumulated temperature over the Manas climatology
 *                  (agro/season_sim) from the sowing date
 *   max_days       gdd clock: the season's day limit, 1..400 (default: the
 *                  calendar season + 30)
 *   kc_ini, kc_mid, kc_end   crop coefficients, 0..2
 *   zr_min, zr_max root depth, m, 0.05..5
 *   p              Table 22 depletion fraction at ETc 5 mm/day, 0.05..0.95
 *   efficiency     application efficiency, (0, 1]
 *   mulch_factor   Kc multiplier under film, (0, 1]
 *   refill         irrigate up to this fraction of TAW, (0, 1]
 *   nudge_gain     the probe correction's gain k, 0..1
 *
 * Soil field capacity and wilting point are the plot's own fields
 * (field_capacity, wilting_point), not settings here.
 *
 * Parsing checks every key, type and range and names the offending one;
 * unknown keys are refused.
 */
#ifndef OASIS_AGRO_WATER_SETTINGS_H
#define OASIS_AGRO_WATER_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agro/balance.h"
#include "agro/fao56.h"
#include "util/err.h"

/* The attributes key the settings live under. */
#define WATER_SETTINGS_KEY "water"

struct water_settings {
	bool has_clock;
	enum agro_clock clock;
	bool has_gdd_method;
	enum agro_gdd_method gdd_method;
	struct agro_opt t_base;
	bool has_lengths;
	int lengths[4];
	bool has_gdd;
	double gdd[4];
	struct agro_opt max_days, kc_ini, kc_mid, kc_end, zr_min, zr_max, p,
		efficiency, mulch_factor, refill, nudge_gain;
};

/* Parse and check a settings object (NULL or JSON null: no settings). */
int water_settings_parse(const json_t *obj, struct water_settings *out,
			 struct err *e);

/*
 * The settings in a plot's attributes (the heap JSON text of
 * db_plot.extra, may be NULL): its "water" object, or none.
 */
int water_settings_from_attributes(const char *attributes,
				   struct water_settings *out, struct err *e);

/*
 * Check the settings an edit of a plot carries (a JSON object of fields,
 * or a GeoJSON Feature whose properties are the fields), before anything
 * is stored; an edit without settings passes.
 */
int water_settings_check_edit(const json_t *edit, struct err *e);

/*
 * Apply settings to a plot built by agro_plot_defaults(), whose sowing
 * falls on day of the year `sowing_doy`; then agro_plot_check().  The
 * message names the plot and the setting.
 */
int water_settings_apply(const struct water_settings *s, int sowing_doy,
			 struct agro_plot *p, struct err *e);

#endif
