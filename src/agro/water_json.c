/* The water picture and the irrigation plan as the API gives them. */
#include "agro/water_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agro/stages.h"
#include "ts/format.h"
#include "util/timeutil.h"

static void put_date(struct buf *b, const char *key, int64_t day)
{
	int y, m, d;

	time_civil_from_days(day, &y, &m, &d);
	buf_printf(b, "\"%s\":\"%04d-%02d-%02d\"", key, y, m, d);
}

static void put_num(struct buf *b, const char *key, double v)
{
	buf_printf(b, ",\"%s\":", key);
	if (isfinite(v))
		buf_printf(b, "%.3f", v);
	else
		buf_puts(b, "null");
}

static void put_day(struct buf *b, const struct water_day *d)
{
	const struct agro_day_out *o = &d->out;

	buf_putc(b, '{');
	put_date(b, "date", d->day);
	buf_printf(b, ",\"day\":%d,\"stage\":\"%s\",\"weather_complete\":%s,"
		   "\"weather_source\":\"%s\",\"weather_station\":",
		   o->day, agro_stage_name(o->stage),
		   d->weather_complete ? "true" : "false",
		   water_source_name(d->source));
	if (d->weather_station)
		buf_json_string(b, d->weather_station);
	else
		buf_puts(b, "null");
	buf_printf(b, ",\"et0_method\":\"%s\"", d->et0_hourly ? "hourly" : "daily");
	put_num(b, "et0", d->et0);
	put_num(b, "kc", o->kc);
	put_num(b, "etc", o->etc);
	put_num(b, "ks", o->ks);
	put_num(b, "etc_adj", o->etc_adj);
	put_num(b, "rain", o->rain);
	put_num(b, "rain_eff", o->rain_eff);
	put_num(b, "irrigation_mm", o->irr_gross);
	put_num(b, "deep_percolation", o->dp);
	put_num(b, "zr", o->zr);
	put_num(b, "taw", o->taw);
	put_num(b, "raw", o->raw);
	put_num(b, "depletion", o->dr);
	put_num(b, "probe_depletion", o->has_probe ? o->dr_meas : NAN);
	buf_putc(b, '}');
}

static void put_rec(struct buf *b, const struct water_plot *p)
{
	const struct agro_rec *r = &p->rec;

	if (!p->has_rec) {
		buf_puts(b, "null");
		return;
	}
	buf_printf(b, "{\"season_over\":%s", r->season_over ? "true" : "false");
	put_num(b, "depletion", r->dr);
	put_num(b, "raw", r->raw);
	put_num(b, "taw", r->taw);
	put_num(b, "etc_rate", r->etc_rate);
	buf_printf(b, ",\"days_to_raw\":%d,", r->days_to_raw);
	if (r->irrigate_on == AGRO_NO_DAY)
		buf_puts(b, "\"irrigate_on\":null");
	else
		put_date(b, "irrigate_on", r->irrigate_on);
	put_num(b, "net_mm", r->net_mm);
	put_num(b, "gross_mm", r->gross_mm);
	put_num(b, "volume_m3", r->volume_m3);
	put_num(b, "urgency", r->urgency);
	buf_putc(b, '}');
}

int water_plot_json(const struct water_ctx *w, const struct water_opts *o,
		    const char *code, int64_t from_day, int64_t to_day,
		    struct buf *out, struct err *e)
{
	struct water_cache *c;
	struct water_plot p;
	struct db_plot row;
	size_t k = 0;
	int rc;

	if ((rc = db_plot_get(w->db, code, &row, e)))
		return rc;
	if ((rc = water_cache_open(w, o, &c, e))) {
		db_plot_free(&row);
		return rc;
	}
	rc = water_compute(c, &row, to_day, &p, e);
	db_plot_free(&row);
	if (rc) {
		water_cache_close(c);
		return rc;
	}
	buf_puts(out, "{\"plot\":");
	buf_json_string(out, code);
	buf_puts(out, ",\"station\":");
	if (p.station[0])
		buf_json_string(out, p.station);
	else
		buf_puts(out, "null");
	buf_puts(out, ",\"days\":[");
	for (size_t i = 0; i < p.n_days; i++) {
		if (p.days[i].day < from_day || p.days[i].day > to_day)
			continue;
		if (k++)
			buf_putc(out, ',');
		put_day(out, &p.days[i]);
	}
	buf_puts(out, "],\"recommendation\":");
	put_rec(out, &p);
	buf_putc(out, '}');
	water_plot_free(&p);
	water_cache_close(c);
	return buf_failed(out) ? err_nomem(e) : ERR_OK;
}

/* ---- the plan ---------------------------------------------------------------- */

struct plan {
	struct water_cache *cache;
	int64_t day;
	struct agro_rec *recs;
	char (*codes)[DB_CODE_MAX];
	size_t n, cap;
	struct buf skipped;       /* plots without a balance, and why */
	size_t n_skipped;
	struct err *e;
};

/* First pass: the series reads of every plot, to be fetched in batches. */
static int list_plot(const struct db_plot *p, void *ctx)
{
	struct plan *pl = ctx;
	struct err ignored = { 0 };

	/* a plot that fails here fails again below, where it is reported */
	(void)water__list_reads(pl->cache, p, pl->day - 1, &ignored);
	return 0;
}

static int plan_plot(const struct db_plot *p, void *ctx)
{
	struct plan *pl = ctx;
	struct water_plot wp;
	struct err why = { 0 };

	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;
		struct agro_rec *r = realloc(pl->recs, cap * sizeof(*r));
		char (*c)[DB_CODE_MAX] = r ? realloc(pl->codes, cap * sizeof(*c)) : NULL;

		if (r)
			pl->recs = r;
		if (!c)
			return err_nomem(pl->e);
		pl->codes = c;
		pl->cap = cap;
	}
	if (water_compute(pl->cache, p, pl->day - 1, &wp, &why) || !wp.has_rec) {
		buf_puts(&pl->skipped, pl->n_skipped++ ? ",{\"plot\":" : "{\"plot\":");
		buf_json_string(&pl->skipped, p->code);
		buf_puts(&pl->skipped, ",\"reason\":");
		buf_json_string(&pl->skipped, why.msg[0] ? why.msg
				: "no balance before this day (not yet sown?)");
		buf_putc(&pl->skipped, '}');
		water_plot_free(&wp);
		return 0;
	}
	pl->recs[pl->n] = wp.rec;
	snprintf(pl->codes[pl->n++], DB_CODE_MAX, "%s", p->code);
	water_plot_free(&wp);
	return 0;
}

static void put_due(struct buf *b, const struct plan *pl, size_t i)
{
	const struct agro_rec *r = &pl->recs[i];

	buf_puts(b, "{\"plot\":");
	buf_json_string(b, pl->codes[i]);
	buf_putc(b, ',');
	put_date(b, "irrigate_on", r->irrigate_on);
	put_num(b, "depletion", r->dr);
	put_num(b, "raw", r->raw);
	put_num(b, "urgency", r->urgency);
	put_num(b, "net_mm", r->net_mm);
	put_num(b, "gross_mm", r->gross_mm);
	put_num(b, "volume_m3", agro_rec_volume_on(r, pl->day));
	buf_putc(b, '}');
}

/* ---- rotation groups: the day's runs of each pump station ---------------------- */

#define MAX_GROUPS 256
#define MAX_MEMBERS 4096

struct rotation {
	const struct plan *pl;
	struct db_station stations[64];
	size_t n_stations;
	struct db_group_member members[MAX_MEMBERS];
	size_t n_members;
};

static int take_station(const struct db_station *s, void *ctx)
{
	struct rotation *r = ctx;

	if (r->n_stations < 64)
		r->stations[r->n_stations++] = *s;
	return 0;
}

static int take_member(const struct db_group_member *m, void *ctx)
{
	struct rotation *r = ctx;

	if (r->n_members < MAX_MEMBERS)
		r->members[r->n_members++] = *m;
	return 0;
}

static void put_clock(struct buf *b, const char *key, double minutes)
{
	int m = (int)minutes;

	buf_printf(b, ",\"%s\":\"%s%02d:%02d\"", key, m >= 1440 ? "+1d " : "",
		   m % 1440 / 60, m % 60);
}

/* The station's groups as the core takes them; plots without a balance out. */
static size_t station_groups(struct rotation *r, const char *station,
			     struct agro_group *groups, const char **names,
			     size_t *idx)
{
	size_t n = 0, used = 0;

	for (size_t i = 0; i < r->n_members && n < MAX_GROUPS; i++) {
		const struct db_group_member *m = &r->members[i];

		if (strcmp(m->station, station))
			continue;
		if (!n || strcmp(names[n - 1], m->group)) {
			names[n] = m->group;
			groups[n++] = (struct agro_group){ m->group, idx + used, 0,
							   m->flow_m3h };
		}
		for (size_t k = 0; k < r->pl->n; k++)
			if (m->plot[0] && !strcmp(r->pl->codes[k], m->plot)) {
				idx[used++] = k;
				groups[n - 1].n_plots++;
			}
	}
	return n;
}

static void put_station(struct buf *b, struct rotation *r,
			const struct db_station *s, int64_t day)
{
	struct agro_group groups[MAX_GROUPS];
	const char *names[MAX_GROUPS];
	struct agro_slot slots[MAX_GROUPS];
	struct agro_deferred later[MAX_GROUPS];
	struct agro_station st = { s->capacity_m3h, s->start_min, s->end_min };
	size_t idx[MAX_MEMBERS], n, n_slots = 0, n_later = 0;
	struct err e = { 0 };

	n = station_groups(r, s->name, groups, names, idx);
	buf_puts(b, "{\"station\":");
	buf_json_string(b, s->name);
	put_num(b, "capacity_m3h", s->capacity_m3h);
	if (agro_rotation_plan(r->pl->recs, r->pl->n, groups, n, &st, day, slots,
			       &n_slots, later, &n_later, &e)) {
		buf_puts(b, ",\"error\":");
		buf_json_string(b, e.msg);
		buf_putc(b, '}');
		return;
	}
	buf_puts(b, ",\"runs\":[");
	for (size_t i = 0; i < n_slots; i++) {
		buf_puts(b, i ? ",{\"group\":" : "{\"group\":");
		buf_json_string(b, names[slots[i].group]);
		put_clock(b, "start", slots[i].start_min);
		put_clock(b, "end", slots[i].end_min);
		put_num(b, "flow_m3h", slots[i].flow_m3h);
		put_num(b, "volume_m3", slots[i].volume_m3);
		buf_printf(b, ",\"partial\":%s}", slots[i].partial ? "true" : "false");
	}
	buf_puts(b, "],\"carried_over\":[");
	for (size_t i = 0; i < n_later; i++) {
		buf_puts(b, i ? ",{\"group\":" : "{\"group\":");
		buf_json_string(b, names[later[i].group]);
		put_num(b, "volume_m3", later[i].volume_m3);
		buf_printf(b, ",\"reason\":\"%s\"}",
			   agro_defer_reason_name(later[i].reason));
	}
	buf_puts(b, "]}");
}

static int put_rotation(const struct water_ctx *w, const struct plan *pl,
			int64_t day, struct buf *out, struct err *e)
{
	struct rotation *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return err_nomem(e);
	r->pl = pl;
	if (!(rc = db_station_list(w->db, take_station, r, e)) &&
	    !(rc = db_group_list(w->db, take_member, r, e))) {
		buf_puts(out, ",\"stations\":[");
		for (size_t i = 0; i < r->n_stations; i++) {
			if (i)
				buf_putc(out, ',');
			put_station(out, r, &r->stations[i], day);
		}
		buf_putc(out, ']');
	}
	free(r);
	return rc;
}

int water_plan_json(const struct water_ctx *w, const struct water_opts *o,
		    int64_t day, struct buf *out, struct err *e)
{
	struct plan pl = { .day = day, .skipped = BUF_INIT, .e = e };
	size_t *order = NULL, n_due = 0;
	int rc;

	if ((rc = water_cache_open(w, o, &pl.cache, e)))
		return rc;
	if ((rc = db_plot_list(w->db, NULL, list_plot, &pl, e)) ||
	    (rc = db_plot_list(w->db, NULL, plan_plot, &pl, e)))
		goto out;
	if (!(order = malloc((pl.n ? pl.n : 1) * sizeof(*order)))) {
		rc = err_nomem(e);
		goto out;
	}
	if ((rc = agro_plan_order(pl.recs, pl.n, day, order, &n_due, e)))
		goto out;
	buf_putc(out, '{');
	put_date(out, "date", day);
	buf_puts(out, ",\"due\":[");
	for (size_t i = 0; i < n_due; i++) {
		if (i)
			buf_putc(out, ',');
		put_due(out, &pl, order[i]);
	}
	buf_printf(out, "],\"plots\":%zu,\"without_balance\":[", pl.n);
	if (pl.skipped.len)
		buf_puts(out, pl.skipped.data);
	buf_putc(out, ']');
	if ((rc = put_rotation(w, &pl, day, out, e)))
		goto out;
	buf_putc(out, '}');
	rc = buf_failed(out) ? err_nomem(e) : ERR_OK;
out:
	water_cache_close(pl.cache);
	free(order);
	free(pl.recs);
	free(pl.codes);
	buf_free(&pl.skipped);
	return rc;
}
