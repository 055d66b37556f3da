/* Hourly FAO-56 ET0 of a weather station from its stored series. */
#include "agro/et0_station.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static const char *const metric[ET0_WX_COUNT] = {
	"air_temp", "rh", "wind_speed", "solar_rad", "pressure",
};

const char *et0_wx_metric(enum et0_wx m)
{
	return m < ET0_WX_COUNT ? metric[m] : "";
}

int et0_station_read(struct ts_engine *ts, const int64_t series[ET0_WX_COUNT],
		     int64_t from, int64_t to, struct et0_station_hours *out,
		     struct err *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->from = from;
	for (int m = 0; m < ET0_WX_COUNT; m++) {
		if (!series[m])
			continue;
		if ((rc = ts_engine_aggregate(ts, series[m], from, to,
					      MS_PER_HOUR, TS_AGG_AVG, &out->b[m],
					      &out->n[m], e))) {
			et0_station_hours_free(out);
			return rc;
		}
	}
	return ERR_OK;
}

void et0_station_hours_free(struct et0_station_hours *h)
{
	for (int m = 0; m < ET0_WX_COUNT; m++) {
		free(h->b[m]);
		h->b[m] = NULL;
		h->n[m] = 0;
	}
}

/* The bucket starting at `start` (buckets are in time order), or NULL. */
static const struct ts_bucket *bucket_at(const struct ts_bucket *b, size_t n,
					 int64_t start)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && b[lo].start == start && b[lo].count ? &b[lo] : NULL;
}

static double mean_of(const struct ts_bucket *b)
{
	return b->sum / (double)b->count;
}

double et0_station_elevation(const struct et0_station_hours *h,
			     double fallback)
{
	const struct ts_bucket *b = h->b[ET0_WX_PRESSURE];
	double sum = 0, z;
	size_t n = 0;

	for (size_t i = 0; i < h->n[ET0_WX_PRESSURE]; i++)
		if (b[i].count) {
			sum += mean_of(&b[i]);
			n++;
		}
	if (!n)
		return fallback;
	/* eq. 7 solved for z; the barometer reads hPa, eq. 7 takes kPa */
	z = 293.0 / 0.0065 * (1.0 - pow(sum / (double)n / 10.0 / 101.3,
					  1.0 / 5.26));
	return fmax(-500.0, fmin(9000.0, z));
}

/* The inputs of the hour starting at `start`; false if one is missing. */
static bool hour_inputs(const struct et0_station_hours *h, int64_t start,
			struct agro_et0_hourly_in *in)
{
	const struct ts_bucket *t, *rh, *u, *rs;

	t = bucket_at(h->b[ET0_WX_TEMP], h->n[ET0_WX_TEMP], start);
	rh = bucket_at(h->b[ET0_WX_RH], h->n[ET0_WX_RH], start);
	u = bucket_at(h->b[ET0_WX_WIND], h->n[ET0_WX_WIND], start);
	rs = bucket_at(h->b[ET0_WX_RS], h->n[ET0_WX_RS], start);
	if (!t || !rh || !u || !rs)
		return false;
	in->t = mean_of(t);
	in->rh = mean_of(rh);
	in->wind = mean_of(u);
	in->rs = mean_of(rs) * 3600.0 / 1e6; /* W/m2 -> MJ/m2/h */
	return true;
}

size_t et0_station_hourly(const struct et0_station_hours *h,
			  const struct agro_et0_hourly_in *site,
			  int64_t start, size_t n_hours, double *et0,
			  bool *have)
{
	int64_t shift = llround(site->tz_lon_deg * 240000.0); /* 4 min/degree */
	struct agro_et0_hourly_in in = *site;
	struct agro_et0_hourly_out out;
	size_t counted = 0;

	in.night_rs_rso = (struct agro_opt){ true, ET0_STATION_NIGHT_RS_RSO };
	for (size_t k = 0; k < n_hours; k++) {
		int64_t at = start + (int64_t)k * MS_PER_HOUR, local = at + shift;
		int64_t day = local >= 0 ? local / MS_PER_DAY
					 : (local - MS_PER_DAY + 1) / MS_PER_DAY;
		int y, m, d;

		et0[k] = 0;
		have[k] = false;
		if (!hour_inputs(h, at, &in))
			continue;
		time_civil_from_days(day, &y, &m, &d);
		in.doy = (int)(day - time_days_from_civil(y, 1, 1)) + 1;
		in.hour = (int)((local - day * MS_PER_DAY) / MS_PER_HOUR);
		if (agro_fao56_hourly(&in, &out, NULL))
			continue;
		et0[k] = out.et0;
		have[k] = true;
		counted++;
	}
	return counted;
}
