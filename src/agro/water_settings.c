/* A plot's irrigation settings: parsed, checked, applied to its balance. */
#include "agro/water_settings.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agro/season_sim.h"
#include "agro/stages.h"

#define MAX_SEASON_DAYS 400

/* The numeric settings: name, where, range (lo excluded when open). */
static const struct number {
	const char *name;
	size_t offset;
	double lo, hi;
	bool lo_open;
} numbers[] = {
	{ "t_base", offsetof(struct water_settings, t_base), -10, 40, false },
	{ "max_days", offsetof(struct water_settings, max_days), 1,
	  MAX_SEASON_DAYS, false },
	{ "kc_ini", offsetof(struct water_settings, kc_ini), 0, 2, false },
	{ "kc_mid", offsetof(struct water_settings, kc_mid), 0, 2, false },
	{ "kc_end", offsetof(struct water_settings, kc_end), 0, 2, false },
	{ "zr_min", offsetof(struct water_settings, zr_min), 0.05, 5, false },
	{ "zr_max", offsetof(struct water_settings, zr_max), 0.05, 5, false },
	{ "p", offsetof(struct water_settings, p), 0.05, 0.95, false },
	{ "efficiency", offsetof(struct water_settings, efficiency), 0, 1, true },
	{ "mulch_factor", offsetof(struct water_settings, mulch_factor), 0, 1,
	  true },
	{ "refill", offsetof(struct water_settings, refill), 0, 1, true },
	{ "nudge_gain", offsetof(struct water_settings, nudge_gain), 0, 1, false },
};

#define N_NUMBERS (sizeof(numbers) / sizeof(numbers[0]))
#define KNOWN "clock, gdd_method, t_base, stage_lengths, stage_gdd, " \
	"max_days, kc_ini, kc_mid, kc_end, zr_min, zr_max, p, efficiency, " \
	"mulch_factor, refill, nudge_gain"

static int parse_number(const struct number *n, const json_t *v,
			struct water_settings *s, struct err *e)
{
	struct agro_opt *dst = (struct agro_opt *)((char *)s + n->offset);
	double x;

	if (!json_is_number(v))
		return err_set(e, ERR_INVALID, "water.%s: expected a number",
			       n->name);
	x = json_number_value(v);
	if (!isfinite(x) || x > n->hi || (n->lo_open ? x <= n->lo : x < n->lo))
		return err_set(e, ERR_INVALID, "water.%s: %g is outside %s%g, %g]",
			       n->name, x, n->lo_open ? "(" : "[", n->lo, n->hi);
	*dst = (struct agro_opt){ true, x };
	return ERR_OK;
}

/* Four non-negative numbers, each at most hi; integers if `whole`. */
static int parse_four(const char *name, const json_t *v, double hi, bool whole,
		      double out[4], struct err *e)
{
	if (!json_is_array(v) || json_array_size(v) != 4)
		return err_set(e, ERR_INVALID, "water.%s: expected four numbers "
			       "[initial, development, mid, late]", name);
	for (size_t k = 0; k < 4; k++) {
		const json_t *x = json_array_get(v, k);
		double d = json_number_value(x);

		if (!json_is_number(x) || !isfinite(d) || d < 0 || d > hi ||
		    (whole && d != floor(d)))
			return err_set(e, ERR_INVALID, "water.%s[%zu]: expected %s "
				       "in 0..%g", name, k,
				       whole ? "a whole number" : "a number", hi);
		out[k] = d;
	}
	if (out[0] + out[1] + out[2] + out[3] <= 0)
		return err_set(e, ERR_INVALID, "water.%s: the four stages add up "
			       "to 0", name);
	return ERR_OK;
}

static int parse_word(const char *name, const json_t *v, const char *a,
		      const char *b, int *out, struct err *e)
{
	const char *s = json_string_value(v);

	if (s && !strcmp(s, a))
		*out = 0;
	else if (s && !strcmp(s, b))
		*out = 1;
	else
		return err_set(e, ERR_INVALID, "water.%s: expected \"%s\" or "
			       "\"%s\"", name, a, b);
	return ERR_OK;
}

static int parse_key(const char *key, const json_t *v,
		     struct water_settings *s, struct err *e)
{
	double four[4];
	int w, rc;

	for (size_t i = 0; i < N_NUMBERS; i++)
		if (!strcmp(key, numbers[i].name))
			return parse_number(&numbers[i], v, s, e);
	if (!strcmp(key, "clock")) {
		if ((rc = parse_word(key, v, "calendar", "gdd", &w, e)))
			return rc;
		s->has_clock = true;
		s->clock = w ? AGRO_CLOCK_THERMAL : AGRO_CLOCK_CALENDAR;
	} else if (!strcmp(key, "gdd_method")) {
		if ((rc = parse_word(key, v, "active", "effective", &w, e)))
			return rc;
		s->has_gdd_method = true;
		s->gdd_method = w ? AGRO_GDD_EFFECTIVE : AGRO_GDD_ACTIVE;
	} else if (!strcmp(key, "stage_lengths")) {
		if ((rc = parse_four(key, v, 365, true, four, e)))
			return rc;
		s->has_lengths = true;
		for (int k = 0; k < 4; k++)
			s->lengths[k] = (int)four[k];
	} else if (!strcmp(key, "stage_gdd")) {
		if ((rc = parse_four(key, v, 10000, false, s->gdd, e)))
			return rc;
		s->has_gdd = true;
	} else {
		return err_set(e, ERR_INVALID, "water.%s: not a setting (known: "
			       KNOWN ")", key);
	}
	return ERR_OK;
}

int water_settings_parse(const json_t *obj, struct water_settings *out,
			 struct err *e)
{
	const char *key;
	json_t *v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!obj || json_is_null(obj))
		return ERR_OK;
	if (!json_is_object(obj))
		return err_set(e, ERR_INVALID, "water: expected an object of "
			       "settings (" KNOWN ")");
	json_object_foreach((json_t *)obj, key, v) {
		if ((rc = parse_key(key, v, out, e)))
			return rc;
	}
	if (out->has_gdd && !(out->has_clock && out->clock == AGRO_CLOCK_THERMAL))
		return err_set(e, ERR_INVALID, "water.stage_gdd: needs "
			       "\"clock\": \"gdd\"");
	if (out->zr_min.set && out->zr_max.set &&
	    out->zr_min.value > out->zr_max.value)
		return err_set(e, ERR_INVALID, "water.zr_min: %g m is above "
			       "zr_max (%g m)",
			       out->zr_min.value, out->zr_max.value);
	return ERR_OK;
}

int water_settings_from_attributes(const char *attributes,
				   struct water_settings *out, struct err *e)
{
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!attributes || !*attributes)
		return ERR_OK;
	if (!(root = json_loads(attributes, 0, NULL)))
		return err_set(e, ERR_INVALID, "attributes: not JSON");
	rc = water_settings_parse(json_object_get(root, WATER_SETTINGS_KEY), out,
				  e);
	json_decref(root);
	return rc;
}

/* A thermal season from the plot's calendar one, or from stage_gdd. */
static int make_thermal(const struct water_settings *s, int sowing_doy,
			struct agro_plot *p, struct err *e)
{
	enum agro_gdd_method m = s->has_gdd_method ? s->gdd_method
						   : AGRO_GDD_ACTIVE;
	double t_base = s->t_base.set ? s->t_base.value : 10.0;
	double tmean[MAX_SEASON_DAYS + 1], sum = 0;
	struct agro_season cal = p->season, th;
	size_t n = (size_t)ceil(cal.end[3]);
	int rc;

	if (n > MAX_SEASON_DAYS)
		n = MAX_SEASON_DAYS;
	for (size_t i = 0; i < n; i++)
		tmean[i] = agro_sim_manas_tmean_normal(
			(int)((size_t)(sowing_doy - 1) + i) % 365 + 1);
	if ((rc = agro_season_thermal_from_calendar(&cal, m, t_base, tmean, n,
						    &th, e)))
		return rc;
	if (s->has_gdd)
		for (int k = 0; k < 4; k++)
			th.end[k] = sum += s->gdd[k];
	if (s->max_days.set)
		th.max_days = s->max_days.value;
	p->season = th;
	return ERR_OK;
}

int water_settings_apply(const struct water_settings *s, int sowing_doy,
			 struct agro_plot *p, struct err *e)
{
	const struct agro_opt *plain[] = { &s->zr_min, &s->zr_max, &s->p,
		&s->efficiency, &s->mulch_factor, &s->refill, &s->nudge_gain };
	double *field[] = { &p->zr_min, &p->zr_max, &p->p_table,
		&p->efficiency, &p->mulch_factor, &p->refill, &p->nudge_gain };
	int rc = ERR_OK;

	if (s->has_lengths)
		rc = agro_season_set_lengths(&p->season, s->lengths, e);
	if (!rc && s->kc_ini.set)
		p->season.kc_ini = s->kc_ini.value;
	if (!rc && s->kc_mid.set)
		p->season.kc_mid = s->kc_mid.value;
	if (!rc && s->kc_end.set)
		p->season.kc_end = s->kc_end.value;
	if (!rc && s->has_clock && s->clock == AGRO_CLOCK_THERMAL)
		rc = make_thermal(s, sowing_doy, p, e);
	for (size_t i = 0; !rc && i < sizeof(field) / sizeof(field[0]); i++)
		if (plain[i]->set)
			*field[i] = plain[i]->value;
	if (!rc && s->zr_max.set && !s->zr_min.set && p->zr_min > p->zr_max)
		p->zr_min = p->zr_max;
	if (rc)
		return err_prefix(e, "plot %s: settings", p->code ? p->code : "?");
	return agro_plot_check(p, e);
}

int water_settings_check_edit(const json_t *edit, struct err *e)
{
	const json_t *props = json_object_get(edit, "properties");
	const json_t *v = json_object_get(json_is_object(props) &&
					  json_object_get(edit, "type")
					  ? props : edit, WATER_SETTINGS_KEY);
	struct water_settings ws;

	if (!v)
		return ERR_OK;
	return water_settings_parse(v, &ws, e);
}
