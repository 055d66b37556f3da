/*
 * stages: the crop's stage and Kc on a calendar or thermal clock (FAO-56
 * chapter 6, Fig. 25, eq. 66); see stages.h.
 */
#include "agro/stages.h"

#include <math.h>
#include <stdbool.h>

const char *agro_stage_name(enum agro_stage s)
{
	switch (s) {
	case AGRO_STAGE_INITIAL:
		return "initial";
	case AGRO_STAGE_DEVELOPMENT:
		return "development";
	case AGRO_STAGE_MID:
		return "mid";
	case AGRO_STAGE_LATE:
		return "late";
	case AGRO_STAGE_ENDED:
		return "ended";
	}
	return "unknown";
}

const char *agro_clock_name(enum agro_clock c)
{
	return c == AGRO_CLOCK_THERMAL ? "thermal" : "calendar";
}

const char *agro_gdd_method_name(enum agro_gdd_method m)
{
	return m == AGRO_GDD_EFFECTIVE ? "effective" : "active";
}

/*
 * The Kc end of Table 12 to use by default: where a footnote names the
 * usual case, that end of the range; otherwise the middle.
 */
static double default_kc_end(enum agro_crop c, const struct agro_crop_info *ci)
{
	switch (c) {
	case AGRO_CROP_MAIZE_GRAIN:  /* footnote 11: dried in the field */
	case AGRO_CROP_SPRING_WHEAT: /* footnote 10: machine-harvested */
		return ci->kc_end.lo;
	case AGRO_CROP_COTTON:
	case AGRO_CROP_TOMATO:
		break;
	}
	return (ci->kc_end.lo + ci->kc_end.hi) / 2;
}

int agro_season_from_table11(enum agro_crop c, size_t row,
			     const struct agro_kc_climate *clim,
			     struct agro_season *out, struct err *e)
{
	const struct agro_crop_info *ci = agro_crop_info(c);
	const struct agro_stage_lengths *rows;
	size_t n;
	int len[4];

	if (!ci)
		return err_set(e, ERR_INVALID, "crop: unknown crop %d", (int)c);
	n = agro_crop_stages(c, &rows);
	if (row >= n)
		return err_set(e, ERR_INVALID,
			       "table11_row: %zu is not a Table 11 row of %s "
			       "(0..%zu)", row, ci->name, n - 1);
	*out = (struct agro_season){
		.clock = AGRO_CLOCK_CALENDAR,
		.gdd_method = AGRO_GDD_ACTIVE,
		.t_base = 10.0,
		.kc_ini = ci->kc_ini,
		.kc_mid = (ci->kc_mid.lo + ci->kc_mid.hi) / 2,
		.kc_end = default_kc_end(c, ci),
	};
	if (clim) {
		out->kc_mid = agro_kc_mid_adjust(out->kc_mid, clim->u2,
						 clim->rh_min, clim->height_m);
		out->kc_end = agro_kc_end_adjust(out->kc_end, clim->u2,
						 clim->rh_min, clim->height_m);
	}
	len[0] = rows[row].ini;
	len[1] = rows[row].dev;
	len[2] = rows[row].mid;
	len[3] = rows[row].late;
	return agro_season_set_lengths(out, len, e);
}

int agro_season_set_lengths(struct agro_season *s, const int len[4],
			    struct err *e)
{
	static const char *const names[4] = { "ini", "dev", "mid", "late" };
	double sum = 0;

	for (int k = 0; k < 4; k++) {
		if (len[k] < 0 || len[k] > 366)
			return err_set(e, ERR_INVALID,
				       "stage_days.%s: %d days is outside "
				       "0..366", names[k], len[k]);
	}
	if (len[0] + len[1] + len[2] + len[3] == 0)
		return err_set(e, ERR_INVALID,
			       "stage_days: the four stages add up to 0 days");
	for (int k = 0; k < 4; k++) {
		sum += len[k];
		s->end[k] = sum;
	}
	s->clock = AGRO_CLOCK_CALENDAR;
	return ERR_OK;
}

static int check_kc(const char *name, double kc, struct err *e)
{
	if (!isfinite(kc) || kc < 0 || kc > 2)
		return err_set(e, ERR_INVALID, "%s: %g is outside 0..2", name,
			       kc);
	return ERR_OK;
}

int agro_season_check(const struct agro_season *s, struct err *e)
{
	static const char *const names[4] = { "ini", "dev", "mid", "late" };
	double prev = 0;
	int rc;

	for (int k = 0; k < 4; k++) {
		if (!isfinite(s->end[k]) || s->end[k] < prev)
			return err_set(e, ERR_INVALID,
				       "stage_end.%s: %g is below the end of "
				       "the stage before (%g) or not a number",
				       names[k], s->end[k], prev);
		prev = s->end[k];
	}
	if (!(s->end[3] > 0))
		return err_set(e, ERR_INVALID,
			       "stage_end.late: the season has zero length");
	if (s->clock == AGRO_CLOCK_THERMAL &&
	    (!isfinite(s->t_base) || s->t_base < -10 || s->t_base > 40))
		return err_set(e, ERR_INVALID,
			       "t_base: %g degC is outside -10..40", s->t_base);
	if (!isfinite(s->max_days) || s->max_days < 0 || s->max_days > 1000)
		return err_set(e, ERR_INVALID,
			       "max_days: %g is outside 0..1000", s->max_days);
	if ((rc = check_kc("kc_ini", s->kc_ini, e)) ||
	    (rc = check_kc("kc_mid", s->kc_mid, e)) ||
	    (rc = check_kc("kc_end", s->kc_end, e)))
		return rc;
	return ERR_OK;
}

double agro_gdd_increment(enum agro_gdd_method m, double t_base, double tmax,
			  double tmin)
{
	double tmean = (tmax + tmin) / 2;

	if (m == AGRO_GDD_EFFECTIVE)
		return tmean > t_base ? tmean - t_base : 0.0;
	return tmean >= t_base ? tmean : 0.0;
}

/* Fraction of [a, b] that x has covered, 0..1; a zero-length span is 1. */
static double span_frac(double x, double a, double b)
{
	if (b <= a)
		return 1.0;
	return x <= a ? 0.0 : x >= b ? 1.0 : (x - a) / (b - a);
}

void agro_kc_at(const struct agro_season *s, double x,
		struct agro_kc_point *out)
{
	const double *end = s->end;
	double f;

	if (x < 0)
		x = 0;
	out->dev_frac = span_frac(x, end[0], end[1]);
	if (x <= end[0]) {
		out->stage = AGRO_STAGE_INITIAL;
		out->stage_frac = span_frac(x, 0, end[0]);
		out->kc = s->kc_ini;
	} else if (x <= end[1]) {
		/* eq. 66 between Kc ini and Kc mid */
		f = span_frac(x, end[0], end[1]);
		out->stage = AGRO_STAGE_DEVELOPMENT;
		out->stage_frac = f;
		out->kc = s->kc_ini + f * (s->kc_mid - s->kc_ini);
	} else if (x <= end[2]) {
		out->stage = AGRO_STAGE_MID;
		out->stage_frac = span_frac(x, end[1], end[2]);
		out->kc = s->kc_mid;
	} else if (x <= end[3]) {
		/* eq. 66 between Kc mid and Kc end */
		f = span_frac(x, end[2], end[3]);
		out->stage = AGRO_STAGE_LATE;
		out->stage_frac = f;
		out->kc = s->kc_mid + f * (s->kc_end - s->kc_mid);
	} else {
		out->stage = AGRO_STAGE_ENDED;
		out->stage_frac = 1.0;
		out->kc = s->kc_end;
	}
}

void agro_season_point(const struct agro_season *s, int day, double thermal,
		       struct agro_kc_point *out)
{
	bool thermal_clock = s->clock == AGRO_CLOCK_THERMAL;

	agro_kc_at(s, thermal_clock ? thermal : (double)day, out);
	if (thermal_clock && s->max_days > 0 && day > s->max_days) {
		out->stage = AGRO_STAGE_ENDED;
		out->kc = s->kc_end;
		out->stage_frac = 1.0;
		out->dev_frac = 1.0;
	}
}

double agro_season_last_day(const struct agro_season *s)
{
	if (s->clock == AGRO_CLOCK_CALENDAR)
		return s->end[3];
	return s->max_days > 0 ? s->max_days : HUGE_VAL;
}

int agro_season_thermal_from_calendar(const struct agro_season *cal,
				      enum agro_gdd_method m, double t_base,
				      const double *tmean, size_t n,
				      struct agro_season *out,
				      struct err *e)
{
	struct agro_season th = *cal;
	double sum = 0;
	size_t day = 0;
	int rc;

	if (cal->clock != AGRO_CLOCK_CALENDAR)
		return err_set(e, ERR_INVALID,
			       "clock: the season to convert is already "
			       "thermal");
	if ((rc = agro_season_check(cal, e)))
		return rc;
	if ((double)n < cal->end[3])
		return err_set(e, ERR_INVALID,
			       "tmean: %zu days do not cover the %g-day "
			       "season", n, cal->end[3]);
	th.clock = AGRO_CLOCK_THERMAL;
	th.gdd_method = m;
	th.t_base = t_base;
	th.max_days = cal->end[3] + 30;
	for (int k = 0; k < 4; k++) {
		/* day numbers 1..end[k] are tmean[0..end[k] - 1] */
		while ((double)day < cal->end[k]) {
			sum += agro_gdd_increment(m, t_base, tmean[day],
						  tmean[day]);
			day++;
		}
		th.end[k] = sum;
	}
	*out = th;
	return ERR_OK;
}
