/*
 * The daily weather of the base's stations, for the water balance: read
 * once per request (struct water_cache) and resolved day by day with the
 * fallbacks of water.h: the station's own complete day, else the nearest
 * station's complete day, else the station's previous day.
 */
#include "agro/water_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agro/et0_station.h"
#include "agro/fao56.h"
#include "ts/format.h"
#include "util/timeutil.h"

/* Days read before the first one asked, so that day has a previous one. */
#define LOOKBACK_DAYS 7

const char *water_source_name(enum water_source s)
{
	switch (s) {
	case WATER_SRC_STATION: return "station";
	case WATER_SRC_NEIGHBOUR: return "neighbour";
	case WATER_SRC_PREVIOUS: return "previous_day";
	case WATER_SRC_NONE: break;
	}
	return "none";
}

int water__daily(const struct water_ctx *w, const char *device,
		 const char *metric, int64_t first, int64_t last,
		 unsigned aggs, struct ts_bucket **out, size_t *n,
		 struct err *e)
{
	struct err missing = { 0 };
	int64_t id;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ingest_series_find(w->ing, device, metric, &id, &missing);
	if (rc == ERR_NOT_FOUND)
		return ERR_OK; /* no such series: nothing measured */
	if (rc)
		return *e = missing, rc;
	if (w->tz)
		return ts_aggregate_local_days(w->ts, id,
					       water_day_start(w, first),
					       water_day_start(w, last + 1), 1,
					       w->tz, aggs, out, n, e);
	return ts_engine_aggregate(w->ts, id, first * MS_PER_DAY,
				   (last + 1) * MS_PER_DAY, MS_PER_DAY, aggs, out,
				   n, e);
}

/* ---- what one station measured ---------------------------------------------- */

static void put_t(struct wx_day *d, const struct ts_bucket *b)
{
	d->n_t = (int)b->count;
	d->tmax = b->max;
	d->tmin = b->min;
}

static void put_rh(struct wx_day *d, const struct ts_bucket *b)
{
	d->has_rh = b->count >= WATER_MIN_READINGS;
	d->rh_max = fmin(100, b->max);
	d->rh_min = fmin(d->rh_max, b->min);
}

static void put_wind(struct wx_day *d, const struct ts_bucket *b)
{
	d->has_wind = b->count >= WATER_MIN_READINGS;
	d->wind = b->sum / b->count;
}

static void put_rs(struct wx_day *d, const struct ts_bucket *b)
{
	/* the day's mean irradiance (W/m2) as energy: x 86400 s / 1e6 */
	d->has_rs = b->count >= WATER_MIN_READINGS;
	d->rs = b->sum / b->count * 0.0864;
}

static void put_rain(struct wx_day *d, const struct ts_bucket *b)
{
	d->rain = b->sum;
}

static int read_daily(const struct water_ctx *w, const struct wx_station *s,
		      struct wx_day *days, struct err *e)
{
	static const struct {
		const char *metric;
		unsigned aggs;
		void (*put)(struct wx_day *d, const struct ts_bucket *b);
	} parts[] = {
		{ "air_temp", TS_AGG_MIN | TS_AGG_MAX | TS_AGG_COUNT, put_t },
		{ "rh", TS_AGG_MIN | TS_AGG_MAX | TS_AGG_COUNT, put_rh },
		{ "wind_speed", TS_AGG_AVG, put_wind },
		{ "solar_rad", TS_AGG_AVG, put_rs },
		{ "rain", TS_AGG_SUM, put_rain },
	};
	struct ts_bucket *b;
	size_t n;
	int rc = ERR_OK;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
		rc = water__daily(w, s->id, parts[i].metric, s->first,
				  s->first + (int64_t)s->n - 1, parts[i].aggs,
				  &b, &n, e);
		for (size_t k = 0; !rc && k < n; k++) {
			int64_t at = water_day_of(w, b[k].start) - s->first;

			if (at >= 0 && (size_t)at < s->n && b[k].count)
				parts[i].put(&days[at], &b[k]);
		}
		free(b);
	}
	return rc;
}

static int doy_of(int64_t day)
{
	int y, m, d;

	time_civil_from_days(day, &y, &m, &d);
	return (int)(day - time_days_from_civil(y, 1, 1)) + 1;
}

/* FAO-56 daily ET0 of a complete day; NAN otherwise. */
static double daily_et0(const struct wx_day *d, int64_t day, double lat)
{
	struct agro_et0_daily_in in = { .lat_deg = lat, .alt_m = WATER_ALTITUDE_M };
	struct agro_et0_daily_out out;

	if (d->n_t < WATER_MIN_READINGS)
		return NAN;
	in.doy = doy_of(day);
	in.tmax = d->tmax;
	in.tmin = d->tmin;
	if (d->has_rh) {
		in.rh_max = (struct agro_opt){ true, d->rh_max };
		in.rh_min = (struct agro_opt){ true, d->rh_min };
	}
	if (d->has_wind)
		in.wind = (struct agro_opt){ true, d->wind };
	if (d->has_rs)
		in.rs = (struct agro_opt){ true, d->rs };
	if (agro_fao56_daily(&in, &out, NULL))
		return NAN;
	return fmax(0, out.et0);
}

/* The sum of the 24 hourly ET0 of each day (hours in UTC), where complete. */
static int read_hourly(const struct water_ctx *w, const struct wx_station *s,
		       struct wx_day *days, struct err *e)
{
	int64_t series[ET0_WX_COUNT] = { 0 };
	struct agro_et0_hourly_in site = { .lat_deg = s->lat, .lon_deg = s->lon,
					   .alt_m = WATER_ALTITUDE_M };
	struct et0_station_hours h;
	double et0[24];
	bool have[24];
	int rc;

	for (int m = 0; m < ET0_WX_PRESSURE; m++) {
		struct err missing;

		if (ingest_series_find(w->ing, s->id, et0_wx_metric(m), &series[m],
				       &missing))
			return ERR_OK; /* a series missing: no hour counts */
	}
	if ((rc = et0_station_read(w->ts, series, water_day_start(w, s->first),
				   water_day_start(w, s->first + (int64_t)s->n),
				   &h, e)))
		return rc;
	for (size_t k = 0; k < s->n; k++) {
		double sum = 0;

		if (et0_station_hourly(&h, &site,
				       water_day_start(w, s->first + (int64_t)k),
				       24, et0, have) < 24)
			continue;
		for (int i = 0; i < 24; i++)
			sum += et0[i];
		days[k].et0_hourly = fmax(0, sum);
	}
	et0_station_hours_free(&h);
	return ERR_OK;
}

/* Read station s over [first, first + n) afresh. */
static int load(struct water_cache *c, struct wx_station *s, int64_t first,
		size_t n, struct err *e)
{
	struct wx_day *days = calloc(n, sizeof(*days));
	double lat = isfinite(s->lat) ? s->lat : 44.3; /* Manas */
	int rc;

	if (!days)
		return err_nomem(e);
	free(s->days);
	s->days = days;
	s->first = first;
	s->n = n;
	s->rn = 0; /* what was resolved is stale */
	for (size_t k = 0; k < n; k++)
		days[k].et0_daily = days[k].et0_hourly = NAN;
	if ((rc = read_daily(&c->w, s, days, e)))
		return rc;
	for (size_t k = 0; k < n; k++)
		days[k].et0_daily = daily_et0(&days[k], first + (int64_t)k, lat);
	if (c->opts.et0 == WATER_ET0_HOURLY && isfinite(s->lon) &&
	    isfinite(s->lat))
		return read_hourly(&c->w, s, days, e);
	return ERR_OK;
}

/*
 * Make sure station s holds [first, first + n), read from `lookback` days
 * earlier when it must be read again; the range only grows.  A station
 * read as a neighbour is read over exactly the range asked, so that
 * neighbours do not widen each other's ranges in turn.
 */
static int ensure_loaded(struct water_cache *c, struct wx_station *s,
			 int64_t first, size_t n, int lookback, struct err *e)
{
	int64_t last = first + (int64_t)n - 1, lo, hi;

	if (s->n && first >= s->first && last < s->first + (int64_t)s->n)
		return ERR_OK;
	lo = first - lookback;
	hi = last;
	if (s->n) {
		lo = lo < s->first ? lo : s->first;
		hi = hi > s->first + (int64_t)s->n - 1 ? hi
						       : s->first + (int64_t)s->n - 1;
	}
	return load(c, s, lo, (size_t)(hi - lo + 1), e);
}

/* ---- neighbours ----------------------------------------------------------------- */

static double distance_km(const struct wx_station *a, const struct wx_station *b)
{
	double dx = (a->lon - b->lon) * cos((a->lat + b->lat) / 2 * M_PI / 180);

	return hypot(dx, a->lat - b->lat) * 111.2;
}

/* The other stations within WATER_NEIGHBOUR_KM of s, nearest first. */
static int find_neighbours(struct water_cache *c, size_t s, struct err *e)
{
	struct wx_station *st = &c->stations[s];

	st->near_done = true;
	if (!isfinite(st->lon) || c->n_stations < 2)
		return ERR_OK;
	if (!(st->near = malloc(c->n_stations * sizeof(*st->near))))
		return err_nomem(e);
	for (size_t k = 0; k < c->n_stations; k++)
		if (k != s && isfinite(c->stations[k].lon) &&
		    distance_km(st, &c->stations[k]) <= WATER_NEIGHBOUR_KM)
			st->near[st->n_near++] = (int)k;
	/* nearest first (insertion sort: a base has few stations) */
	for (size_t i = 1; i < st->n_near; i++) {
		int v = st->near[i];
		double dv = distance_km(st, &c->stations[v]);
		size_t j = i;

		while (j > 0 && distance_km(st, &c->stations[st->near[j - 1]]) > dv) {
			st->near[j] = st->near[j - 1];
			j--;
		}
		st->near[j] = v;
	}
	return ERR_OK;
}

/* ---- resolving a station's days -------------------------------------------------- */

static double et0_of(const struct wx_day *d, bool *hourly)
{
	*hourly = isfinite(d->et0_hourly);
	return *hourly ? d->et0_hourly : d->et0_daily;
}

/* The nearest neighbour's complete day, or false. */
static int neighbour_day(struct water_cache *c, size_t s, int64_t day,
			 struct wx_resolved *r, bool *found, struct err *e)
{
	struct wx_station *st = &c->stations[s];
	int rc;

	*found = false;
	for (size_t i = 0; i < st->n_near; i++) {
		struct wx_station *nb = &c->stations[st->near[i]];
		const struct wx_day *d;

		if ((rc = ensure_loaded(c, nb, st->first, st->n, 0, e)))
			return rc;
		d = &nb->days[day - nb->first];
		if (!isfinite(d->et0_daily))
			continue;
		r->et0 = et0_of(d, &r->hourly);
		r->tmax = d->tmax;
		r->tmin = d->tmin;
		r->rain = d->rain;
		r->source = WATER_SRC_NEIGHBOUR;
		r->from = st->near[i];
		*found = true;
		return ERR_OK;
	}
	return ERR_OK;
}

static int resolve(struct water_cache *c, size_t s, struct err *e)
{
	struct wx_station *st = &c->stations[s];
	struct wx_resolved prev = { .et0 = 0, .tmax = 25, .tmin = 12,
				    .source = WATER_SRC_NONE, .from = -1 };
	struct wx_resolved *res;
	bool found;
	int rc;

	if (!st->near_done && (rc = find_neighbours(c, s, e)))
		return rc;
	if (!(res = calloc(st->n, sizeof(*res))))
		return err_nomem(e);
	free(st->res);
	st->res = res;
	st->rfirst = st->first;
	for (size_t k = 0; k < st->n; k++) {
		const struct wx_day *d = &st->days[k];
		struct wx_resolved *r = &res[k];

		r->complete = isfinite(d->et0_daily);
		if (r->complete) {
			r->et0 = et0_of(d, &r->hourly);
			r->tmax = d->tmax;
			r->tmin = d->tmin;
			r->rain = d->rain;
			r->source = WATER_SRC_STATION;
			r->from = (int)s;
		} else {
			if ((rc = neighbour_day(c, s, st->first + (int64_t)k, r,
						&found, e)))
				return rc;
			if (!found) {
				*r = prev;
				r->complete = false;
				r->rain = d->rain;
				if (prev.source != WATER_SRC_NONE)
					r->source = WATER_SRC_PREVIOUS;
			}
		}
		prev = *r;
	}
	st->rn = st->n;
	return ERR_OK;
}

int water__station_days(struct water_cache *c, size_t s, int64_t first,
			size_t n, const struct wx_resolved **out,
			struct err *e)
{
	struct wx_station *st = &c->stations[s];
	int rc;

	if ((rc = ensure_loaded(c, st, first, n, LOOKBACK_DAYS, e)))
		return rc;
	if (!st->rn && (rc = resolve(c, s, e)))
		return rc;
	/* a neighbour's load may not have grown st; st's range covers first */
	*out = &st->res[first - st->rfirst];
	return ERR_OK;
}

void water__stations_free(struct water_cache *c)
{
	for (size_t i = 0; i < c->n_stations; i++) {
		free(c->stations[i].days);
		free(c->stations[i].res);
		free(c->stations[i].near);
	}
	free(c->stations);
	c->stations = NULL;
	c->n_stations = 0;
}

int64_t water_day_start(const struct water_ctx *w, int64_t day)
{
	return w->tz ? tz_day_number_start_ms(w->tz, day) : day * MS_PER_DAY;
}

int64_t water_day_of(const struct water_ctx *w, int64_t ms)
{
	return w->tz ? tz_local_day(w->tz, ms) : time_floor_div(ms, MS_PER_DAY);
}
