/*
 * The daily PV alarms' numbers: for each inverter of a site, its day's
 * expected ratio against the median of its own previous days (a drop of
 * PR or of the expected ratio, pv/health.c pv_ratio_drop) and the soiling
 * of its temperature-corrected PR since the last cleaning (pv_soiling),
 * from the daily metrics of each day (pvsite_daily.c, without strings).
 * With the alerts, the day is judged by the pv_pr_drop and pv_soiling
 * rules; the clock's daily hook (pvsite_watch_daily) does it for each
 * site's last complete day.  docs/PV.md, "Alarms".
 */
#include "pvsite/pvsite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alerts.h"
#include "pv/health.h"
#include "sites/sites.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/tz.h"

/* A jump of the corrected ratio above the days before: a cleaning. */
#define PVSITE_CLEANING_JUMP 0.03
/* The windows without rules (GET): the templates' defaults. */
#define PVSITE_DROP_DAYS 14
#define PVSITE_SOILING_DAYS 30
#define PVSITE_MAX_DAYS 366

/* One inverter's days, oldest first: expected ratio, corrected PR. */
struct inv_days {
	char id[DB_NAME_MAX];
	double *er, *tc;
};

struct history {
	struct inv_days *v;
	size_t n, cap;
	int days;
};

static void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].er);
		free(h->v[i].tc);
	}
	free(h->v);
}

static struct inv_days *inverter(struct history *h, const char *id)
{
	struct inv_days *x;

	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].id, id))
			return &h->v[i];
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		void *p = realloc(h->v, cap * sizeof(*h->v));

		if (!p)
			return NULL;
		h->v = p;
		h->cap = cap;
	}
	x = &h->v[h->n];
	snprintf(x->id, sizeof(x->id), "%s", id);
	x->er = malloc((size_t)h->days * sizeof(double));
	x->tc = malloc((size_t)h->days * sizeof(double));
	if (!x->er || !x->tc) {
		free(x->er);
		free(x->tc);
		return NULL;
	}
	for (int d = 0; d < h->days; d++)
		x->er[d] = x->tc[d] = NAN;
	h->n++;
	return x;
}

static double number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void date_of(int64_t day, char *out, size_t size)
{
	int y, m, d;

	time_civil_from_days(day, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02d", y, m, d);
}

/* Day k (0 = the oldest) of the history ending on day number last. */
static int read_day(struct db *db, struct ts_engine *ts, const char *site,
		    int64_t last, int k, struct history *h, struct err *e)
{
	struct pvsite_daily_opts o = { .no_strings = true };
	char date[16];
	json_t *v, *inv;
	size_t i;
	int rc;

	date_of(last - (h->days - 1 - k), date, sizeof(date));
	if ((rc = pvsite_daily_json_opts(db, ts, site, date, &o, &v, e)))
		return rc;
	json_array_foreach(json_object_get(v, "inverters"), i, inv) {
		struct inv_days *x = inverter(h, json_string_value(
			json_object_get(inv, "id")));

		if (!x) {
			json_decref(v);
			return err_nomem(e);
		}
		x->er[k] = number(inv, "expected_ratio");
		x->tc[k] = number(inv, "pr_temp_corrected");
	}
	json_decref(v);
	return ERR_OK;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* One inverter's verdict inputs as JSON; judged when a is given. */
static json_t *judge_inverter(const struct inv_days *x, int drop_days,
			      int soiling_days, int days, double *scratch,
			      struct alerts *a, const char *date, int64_t end,
			      int64_t last)
{
	struct pv_drop d = { NAN, NAN, 0 };
	struct pv_soiling s = { 0 };
	char since[16] = "";
	json_t *o;

	if (drop_days > 0)
		pv_ratio_drop(x->er + days - 1 - drop_days, (size_t)drop_days,
			      x->er[days - 1], 1, scratch, &d);
	s.loss = s.rate_per_day = s.ratio_clean = NAN;
	if (soiling_days > 0) {
		pv_soiling(x->tc + days - soiling_days, (size_t)soiling_days,
			   PVSITE_CLEANING_JUMP, scratch, &s);
		date_of(last - (soiling_days - 1) + (int64_t)s.start, since,
			sizeof(since));
	}
	if (a)
		alerts_pv_day(a, x->id, date, end, drop_days > 0 ? &d : NULL,
			      soiling_days > 0 ? &s : NULL);
	o = json_pack("{ss so so so si}", "id", x->id, "expected_ratio",
		      num(x->er[days - 1]), "baseline", num(d.baseline),
		      "relative", num(d.relative), "baseline_days",
		      (int)d.n_days);
	json_object_set_new(o, "pr_temp_corrected", num(x->tc[days - 1]));
	json_object_set_new(o, "soiling_loss", num(s.loss));
	json_object_set_new(o, "soiling_rate_per_day", num(s.rate_per_day));
	json_object_set_new(o, "soiling_days", json_integer((json_int_t)s.n_days));
	json_object_set_new(o, "soiling_since", since[0] && s.n_days
			    ? json_string(since) : json_null());
	json_object_set_new(o, "cleanings",
			    json_integer((json_int_t)s.n_cleanings));
	return o;
}

int pvsite_health_json(struct db *db, struct ts_engine *ts, struct alerts *a,
		       const char *site, const char *date, int drop_days,
		       int soiling_days, json_t **out, struct err *e)
{
	struct history h = { 0 };
	struct db_site st;
	struct tz *z = malloc(sizeof(*z));
	double *scratch = NULL;
	int y, m, dd, rc;
	int64_t last, end;
	json_t *arr = NULL;

	*out = NULL;
	if (!z)
		return err_nomem(e);
	if (time_parse_date(date, &y, &m, &dd)) {
		free(z);
		return err_set(e, ERR_INVALID, "date '%s': expected YYYY-MM-DD",
			       date);
	}
	if ((rc = sites_load(db, site, &st, z, e))) {
		free(z);
		return rc;
	}
	last = time_days_from_civil(y, m, dd);
	end = tz_day_number_start_ms(z, last + 1);
	drop_days = drop_days < 0 ? 0 : drop_days > PVSITE_MAX_DAYS
		? PVSITE_MAX_DAYS : drop_days;
	soiling_days = soiling_days < 0 ? 0 : soiling_days > PVSITE_MAX_DAYS
		? PVSITE_MAX_DAYS : soiling_days;
	h.days = drop_days + 1 > soiling_days ? drop_days + 1 : soiling_days;
	if (!(scratch = malloc(pv_soiling_scratch((size_t)h.days) *
			       sizeof(double))) || !(arr = json_array())) {
		rc = err_nomem(e);
		goto out;
	}
	for (int k = 0; !rc && k < h.days; k++)
		rc = read_day(db, ts, site, last, k, &h, e);
	for (size_t i = 0; !rc && i < h.n; i++)
		json_array_append_new(arr, judge_inverter(&h.v[i], drop_days,
			soiling_days, h.days, scratch, a, date, end, last));
	if (!rc) {
		*out = json_pack("{ss ss si si so}", "site", site, "date", date,
				 "drop_days", drop_days, "soiling_days",
				 soiling_days, "inverters", arr);
		arr = NULL;
	}
out:
	json_decref(arr);
	free(scratch);
	history_free(&h);
	sites_free(&st);
	free(z);
	return rc;
}

int pvsite_health_judge(struct db *db, struct ts_engine *ts, struct alerts *a,
			const char *site, const char *date, bool judge,
			json_t **out, struct err *e)
{
	int drop = PVSITE_DROP_DAYS, soiling = PVSITE_SOILING_DAYS;

	if (a && judge && !alerts_pv_daily_windows(a, &drop, &soiling)) {
		drop = PVSITE_DROP_DAYS;
		soiling = PVSITE_SOILING_DAYS;
	}
	return pvsite_health_json(db, ts, judge ? a : NULL, site, date, drop,
				  soiling, out, e);
}

/* ---- the clock's daily hook --------------------------------------------- */

struct watch_sites {
	char code[16][DB_CODE_MAX];
	char tz[16][DB_TZ_MAX];
	size_t n;
};

static int take_site(const struct db_site *s, void *ctx)
{
	struct watch_sites *w = ctx;

	if (strcmp(s->kind, "pv_plant") || w->n == 16)
		return 0;
	snprintf(w->code[w->n], sizeof(w->code[w->n]), "%s", s->code);
	snprintf(w->tz[w->n], sizeof(w->tz[w->n]), "%s", s->tz);
	w->n++;
	return 0;
}

/* Has site/date been judged; else note it (the 16 newest kept). */
static bool judged(struct pvsite_watch *w, const char *key)
{
	for (size_t i = 0; i < w->n_done; i++)
		if (!strcmp(w->done[i], key))
			return true;
	if (w->n_done == 16) {
		memmove(w->done[0], w->done[1], 15 * sizeof(w->done[0]));
		w->n_done--;
	}
	snprintf(w->done[w->n_done++], sizeof(w->done[0]), "%s", key);
	return false;
}

void pvsite_watch_daily(void *ctx, int64_t now)
{
	struct pvsite_watch *w = ctx;
	struct watch_sites sites = { .n = 0 };
	int drop, soiling;
	struct err e;
	struct tz *z;

	if (!alerts_pv_daily_windows(w->alerts, &drop, &soiling) ||
	    db_site_list(w->db, take_site, &sites, &e) ||
	    !(z = malloc(sizeof(*z))))
		return;
	for (size_t i = 0; i < sites.n; i++) {
		char date[16], key[sizeof(w->done[0])];
		json_t *v;

		if (tz_load(sites.tz[i], NULL, z, &e))
			continue;
		date_of(tz_local_day(z, now) - 1, date, sizeof(date));
		snprintf(key, sizeof(key), "%s/%s", sites.code[i], date);
		if (judged(w, key))
			continue;
		if (pvsite_health_json(w->db, w->ts, w->alerts, sites.code[i],
				       date, drop, soiling, &v, &e)) {
			log_error("pv alarms of site %s on %s: %s",
				  sites.code[i], date, e.msg);
			continue;
		}
		json_decref(v);
	}
	free(z);
}
