/* overview: the base at a glance (overview.h). */
#include "overview/overview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agro/et0_station.h"
#include "agro/water.h"
#include "alert/alerts.h"
#include "ingest/metrics.h"
#include "rs/imagery.h"
#include "ts/engine.h"
#include "util/map.h"
#include "util/timeutil.h"
#include "util/tz.h"

#define OV_FRESH_MS (3 * MS_PER_HOUR)
#define OV_DEFAULT_TZ_MIN (8 * 60)

/* The station metrics the overview reads, in this order. */
enum ov_wx {
	WX_AIR_TEMP, WX_RH, WX_WIND_SPEED, WX_WIND_DIR, WX_SOLAR_RAD,
	WX_PRESSURE, WX_COUNT
};

static const char *const wx_metric[WX_COUNT] = {
	"air_temp", "rh", "wind_speed", "wind_dir", "solar_rad", "pressure",
};

/* The machine metrics the overview reads, in this order. */
enum ov_mx {
	MX_LATITUDE, MX_LONGITUDE, MX_HEADING, MX_SPEED, MX_WORKING, MX_COUNT
};

static const char *const mx_metric[MX_COUNT] = {
	"latitude", "longitude", "heading", "speed", "working",
};

#define OV_MAX_METRICS 8
_Static_assert(WX_COUNT <= OV_MAX_METRICS && MX_COUNT <= OV_MAX_METRICS,
	       "a tracked device has room for its metrics");

/* A device whose series of some metrics the overview reads. */
struct ov_tracked {
	struct db_device dev;
	int64_t series[OV_MAX_METRICS]; /* 0: the device has no such series */
};

/* Weather stations or machines, and their ids. */
struct ov_fleet {
	struct ov_tracked *items;
	size_t n, cap;
	struct smap index;          /* device id -> index in items */
};


struct ov_plot_acc {
	char code[DB_CODE_MAX];
	struct overview_stat moisture;
};

struct overview {
	struct db *db;
	struct ts_engine *ts;
	bool alerts;                /* the alert service runs */
	struct err *e;
	int64_t now, day_start;
	int tz_min;                 /* minutes east of UTC, now */
	const struct tz *tz;        /* the zone of "today" */
	const struct db_site *site; /* the site shown, or NULL */
	/* plots */
	json_t *crops;              /* crop -> {"plots":n,"area_mu":x} */
	size_t n_plots;
	double area_m2;
	/* devices */
	json_t *by_kind;            /* kind -> count */
	size_t n_devices;
	struct ov_fleet stations;   /* weather stations */
	struct ov_fleet machines;   /* tractors and drones */
	struct smap probe_plot;     /* soil probe id -> index in plots (or -1) */
	size_t n_probes;
	struct smap probe_fresh;    /* soil probes with a fresh value -> 1 */
	/* soil moisture */
	struct ov_plot_acc *plots;
	size_t n_acc, cap_acc;
	struct smap plot_index;     /* plot code -> index in plots */
	struct overview_depths depths; /* by moisture_* metric */
	struct overview_stat moisture_all;
	/* irrigation today */
	struct smap meters;         /* flow meter id -> 1 */
	size_t n_meters, meters_metering;
	double done_m3;             /* metered since the start of the day */
};

void overview_stat_add(struct overview_stat *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->sum += v;
	s->n++;
}

json_t *overview_stat_json(const struct overview_stat *s, const char *unit)
{
	if (!s->n)
		return json_null();
	return json_pack("{sf sf sf sI s:s?}", "value", s->sum / (double)s->n,
			 "min", s->min, "max", s->max, "n", (json_int_t)s->n,
			 "unit", unit);
}

/* ---- the plot registry ---------------------------------------------------- */

static int ov_plot(const struct db_plot *p, void *ctx)
{
	struct overview *ov = ctx;
	const char *crop = p->crop[0] ? p->crop : "unknown";
	json_t *row = json_object_get(ov->crops, crop);

	ov->n_plots++;
	ov->area_m2 += p->area_m2;
	if (!row) {
		row = json_pack("{sI sf}", "plots", (json_int_t)0, "area_mu", 0.0);
		if (!row || json_object_set_new(ov->crops, crop, row))
			return err_nomem(ov->e);
	}
	json_object_set_new(row, "plots", json_integer(
		json_integer_value(json_object_get(row, "plots")) + 1));
	json_object_set_new(row, "area_mu", json_real(
		json_real_value(json_object_get(row, "area_mu")) +
		p->area_m2 * 15.0 / 10000.0));
	return ERR_OK;
}

static json_t *plots_section(struct overview *ov)
{
	json_t *crops = json_array(), *row;
	const char *name;

	json_object_foreach(ov->crops, name, row)
		json_array_append_new(crops, json_pack("{ss sO sO}", "crop", name,
			"plots", json_object_get(row, "plots"),
			"area_mu", json_object_get(row, "area_mu")));
	return json_pack("{sI sf sf so}", "count", (json_int_t)ov->n_plots,
			 "area_mu", ov->area_m2 * 15.0 / 10000.0,
			 "area_ha", ov->area_m2 / 10000.0, "crops", crops);
}

/* ---- devices -------------------------------------------------------------- */

static int fleet_add(struct overview *ov, struct ov_fleet *f,
		     const struct db_device *d)
{
	struct ov_tracked *t;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;

		t = realloc(f->items, cap * sizeof(*t));
		if (!t)
			return err_nomem(ov->e);
		f->items = t;
		f->cap = cap;
	}
	t = &f->items[f->n];
	memset(t, 0, sizeof(*t));
	t->dev = *d;
	if (smap_put(&f->index, d->id, (int64_t)f->n))
		return err_nomem(ov->e);
	f->n++;
	return ERR_OK;
}

/* Note the series of a fleet's device whose metric is one of names. */
static void fleet_series(struct ov_fleet *f, int64_t i, const struct db_series *s,
			 const char *const *names, int n_names)
{
	for (int m = 0; m < n_names; m++)
		if (!strcmp(s->metric, names[m]))
			f->items[i].series[m] = s->id;
}

static void fleet_free(struct ov_fleet *f)
{
	free(f->items);
	smap_free(&f->index);
}

/* The accumulator of a plot's soil moisture, made on first use. */
static int plot_acc(struct overview *ov, const char *code, int64_t *index)
{
	struct ov_plot_acc *p;

	if (smap_get(&ov->plot_index, code, index))
		return ERR_OK;
	if (ov->n_acc == ov->cap_acc) {
		size_t cap = ov->cap_acc ? 2 * ov->cap_acc : 64;

		p = realloc(ov->plots, cap * sizeof(*p));
		if (!p)
			return err_nomem(ov->e);
		ov->plots = p;
		ov->cap_acc = cap;
	}
	p = &ov->plots[ov->n_acc];
	memset(p, 0, sizeof(*p));
	snprintf(p->code, sizeof(p->code), "%s", code);
	*index = (int64_t)ov->n_acc;
	if (smap_put(&ov->plot_index, code, *index))
		return err_nomem(ov->e);
	ov->n_acc++;
	return ERR_OK;
}

static int ov_device(const struct db_device *d, void *ctx)
{
	struct overview *ov = ctx;
	json_t *n = json_object_get(ov->by_kind, d->kind);
	int64_t plot = -1;

	if (d->deleted_ms)
		return ERR_OK; /* deleted: off the screen, its data kept */
	ov->n_devices++;
	json_object_set_new(ov->by_kind, d->kind,
			    json_integer(n ? json_integer_value(n) + 1 : 1));
	if (!strcmp(d->kind, "weather_station"))
		return fleet_add(ov, &ov->stations, d);
	if (!strcmp(d->kind, "tractor") || !strcmp(d->kind, "drone"))
		return fleet_add(ov, &ov->machines, d);
	if (!strcmp(d->kind, "flow_meter")) {
		ov->n_meters++;
		return smap_put(&ov->meters, d->id, 1) ? err_nomem(ov->e)
						       : ERR_OK;
	}
	if (strcmp(d->kind, "soil_probe"))
		return ERR_OK;
	ov->n_probes++;
	if (d->plot[0] && plot_acc(ov, d->plot, &plot))
		return ov->e->code;
	if (smap_put(&ov->probe_plot, d->id, plot))
		return err_nomem(ov->e);
	return ERR_OK;
}

/* ---- series: station metrics and soil moisture ------------------------------ */

/* The newest point of a series, if it is fresh; *ts may be NULL. */
static bool fresh_point(struct overview *ov, int64_t series, int64_t *ts,
			double *v)
{
	int64_t when;

	if (ts_engine_latest(ov->ts, series, &when, v))
		return false;
	if (ts)
		*ts = when;
	return ov->now - when <= OV_FRESH_MS;
}

static bool fresh_latest(struct overview *ov, int64_t series, double *v)
{
	return fresh_point(ov, series, NULL, v);
}

struct overview_stat *overview_depths_add(struct overview_depths *d,
					  const char *metric, double v)
{
	struct overview_stat *s = NULL;

	for (size_t i = 0; i < d->n && !s; i++)
		if (!strcmp(d->name[i], metric))
			s = &d->stat[i];
	if (!s && d->n < OVERVIEW_MAX_DEPTHS) {
		snprintf(d->name[d->n], sizeof(d->name[0]), "%s", metric);
		s = &d->stat[d->n++];
	}
	if (s)
		overview_stat_add(s, v);
	return s;
}

json_t *overview_depths_json(const struct overview_depths *d)
{
	json_t *depths = json_array();

	for (size_t i = 0; i < d->n; i++) {
		json_t *s = overview_stat_json(&d->stat[i], "%vol");

		json_object_set_new(s, "metric", json_string(d->name[i]));
		json_array_append_new(depths, s);
	}
	return depths;
}

static int probe_series(struct overview *ov, const struct db_series *s,
			int64_t plot)
{
	double v;

	if (strncmp(s->metric, "moisture_", 9) || !fresh_latest(ov, s->id, &v))
		return ERR_OK;
	if (smap_put(&ov->probe_fresh, s->device, 1))
		return err_nomem(ov->e);
	overview_stat_add(&ov->moisture_all, v);
	overview_depths_add(&ov->depths, s->metric, v);
	if (plot >= 0)
		overview_stat_add(&ov->plots[plot].moisture, v);
	return ERR_OK;
}

/* A flow meter's cumulative volume: what it metered today. */
static int meter_series(struct overview *ov, const struct db_series *s)
{
	double m3;

	if (water_metered_since(ov->ts, s->id, ov->day_start, &m3,
				ov->e))
		return ov->e->code;
	ov->done_m3 += m3;
	ov->meters_metering += m3 > 0;
	return ERR_OK;
}

static int ov_series(const struct db_series *s, void *ctx)
{
	struct overview *ov = ctx;
	int64_t i;

	if (smap_get(&ov->probe_plot, s->device, &i))
		return probe_series(ov, s, i);
	if (!strcmp(s->metric, "volume") && smap_get(&ov->meters, s->device, &i))
		return meter_series(ov, s);
	if (smap_get(&ov->stations.index, s->device, &i))
		fleet_series(&ov->stations, i, s, wx_metric, WX_COUNT);
	else if (smap_get(&ov->machines.index, s->device, &i))
		fleet_series(&ov->machines, i, s, mx_metric, MX_COUNT);
	return ERR_OK;
}

/* ---- weather: current values, wind rose, ET0 so far today ---------------------- */

static json_t *current_weather(struct overview *ov, size_t *reporting)
{
	struct overview_stat stat[WX_COUNT] = { 0 };
	double east = 0, north = 0, v;
	json_t *cur = json_object();
	const struct metric_def *def;

	*reporting = 0;
	for (size_t i = 0; i < ov->stations.n; i++) {
		bool any = false;

		for (int m = 0; m < WX_COUNT; m++) {
			if (!ov->stations.items[i].series[m] ||
			    !fresh_latest(ov, ov->stations.items[i].series[m], &v))
				continue;
			any = true;
			overview_stat_add(&stat[m], v);
			if (m == WX_WIND_DIR) {
				east += sin(v * M_PI / 180.0);
				north += cos(v * M_PI / 180.0);
			}
		}
		*reporting += any;
	}
	for (int m = 0; m < WX_COUNT; m++) {
		def = metric_find(wx_metric[m]);
		json_object_set_new(cur, wx_metric[m],
				    overview_stat_json(&stat[m], def ? def->unit : NULL));
	}
	if (stat[WX_WIND_DIR].n) {
		/* directions average as vectors: 350 and 10 make 0, not 180 */
		v = fmod(atan2(east, north) * 180.0 / M_PI + 360.0, 360.0);
		json_object_set_new(json_object_get(cur, "wind_dir"), "value",
				    json_real(v));
	}
	return cur;
}

static const double rose_class_ms[OVERVIEW_ROSE_CLASSES] = { 0, 2, 4, 6, 8 };

void overview_rose_add(const struct ts_point *dir, size_t nd,
		       const struct ts_point *spd, size_t ns,
		       uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES],
		       uint64_t *samples)
{
	size_t j = 0;

	for (size_t i = 0; i < nd; i++) {
		int sector, cls = 0;

		while (j < ns && spd[j].ts < dir[i].ts)
			j++;
		if (j == ns)
			break;
		if (spd[j].ts != dir[i].ts)
			continue;
		sector = (int)floor(fmod(dir[i].value + 11.25, 360.0) / 22.5);
		while (cls + 1 < OVERVIEW_ROSE_CLASSES &&
		       spd[j].value >= rose_class_ms[cls + 1])
			cls++;
		counts[sector % OVERVIEW_ROSE_SECTORS][cls]++;
		(*samples)++;
	}
}

/* Count the last day's (direction, speed) pairs of one station. */
static int rose_station(struct overview *ov, const struct ov_tracked *s,
			uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES],
			uint64_t *samples)
{
	struct ts_point *dir = NULL, *spd = NULL;
	size_t nd = 0, ns = 0;
	int64_t from = ov->now - MS_PER_DAY;
	int rc;

	if (!s->series[WX_WIND_DIR] || !s->series[WX_WIND_SPEED])
		return ERR_OK;
	if ((rc = ts_engine_read(ov->ts, s->series[WX_WIND_DIR], from,
				 ov->now, &dir, &nd, ov->e)) ||
	    (rc = ts_engine_read(ov->ts, s->series[WX_WIND_SPEED], from,
				 ov->now, &spd, &ns, ov->e)))
		goto out_free;
	overview_rose_add(dir, nd, spd, ns, counts, samples);
out_free:
	free(dir);
	free(spd);
	return rc;
}

json_t *overview_rose_json(
	const uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES],
	uint64_t samples)
{
	json_t *rows = json_array(), *classes = json_array();

	for (int s = 0; s < OVERVIEW_ROSE_SECTORS; s++) {
		json_t *row = json_array();

		for (int k = 0; k < OVERVIEW_ROSE_CLASSES; k++)
			json_array_append_new(row, json_integer(
				(json_int_t)counts[s][k]));
		json_array_append_new(rows, row);
	}
	for (int k = 0; k < OVERVIEW_ROSE_CLASSES; k++)
		json_array_append_new(classes, json_real(rose_class_ms[k]));
	return json_pack("{sI sI so so}", "hours", (json_int_t)24,
			 "samples", (json_int_t)samples,
			 "speed_classes_ms", classes, "counts", rows);
}

static json_t *wind_rose(struct overview *ov)
{
	uint64_t counts[OVERVIEW_ROSE_SECTORS][OVERVIEW_ROSE_CLASSES] = { { 0 } };
	uint64_t samples = 0;

	for (size_t i = 0; i < ov->stations.n; i++)
		if (rose_station(ov, &ov->stations.items[i], counts, &samples))
			return NULL;
	return overview_rose_json(
		(const uint64_t (*)[OVERVIEW_ROSE_CLASSES])counts, samples);
}

/* Where a station is: its own location, else the centre of its plot. */
static bool station_position(struct overview *ov, const struct db_device *d,
			     double *lon, double *lat)
{
	struct db_plot p;
	struct err ignored;

	if (isfinite(d->lon) && isfinite(d->lat)) {
		*lon = d->lon;
		*lat = d->lat;
		return true;
	}
	if (!d->plot[0] || db_plot_get(ov->db, d->plot, &p, &ignored))
		return false;
	*lon = (p.bbox[0] + p.bbox[2]) / 2;
	*lat = (p.bbox[1] + p.bbox[3]) / 2;
	db_plot_free(&p);
	return true;
}

struct et0_hours {
	double sum[24];
	size_t n[24];
};

/* Add one station's hourly ET0 of the whole hours so far today to acc. */
static int et0_station(struct overview *ov, const struct ov_tracked *s,
		       struct et0_hours *acc)
{
	const int64_t series[ET0_WX_COUNT] = {
		[ET0_WX_TEMP] = s->series[WX_AIR_TEMP],
		[ET0_WX_RH] = s->series[WX_RH],
		[ET0_WX_WIND] = s->series[WX_WIND_SPEED],
		[ET0_WX_RS] = s->series[WX_SOLAR_RAD],
		[ET0_WX_PRESSURE] = s->series[WX_PRESSURE],
	};
	struct et0_station_hours h;
	struct agro_et0_hourly_in site = { 0 };
	double et0[24];
	bool have[24];
	int64_t whole = (ov->now - ov->day_start) / MS_PER_HOUR;
	int rc;

	if (!station_position(ov, &s->dev, &site.lon_deg, &site.lat_deg))
		return ERR_OK;
	if ((rc = et0_station_read(ov->ts, series, ov->day_start,
				   ov->now, &h, ov->e)))
		return rc;
	site.tz_lon_deg = ov->tz_min / 4.0; /* 15 degrees an hour */
	site.alt_m = et0_station_elevation(&h, 0); /* no barometer: sea level */
	et0_station_hourly(&h, &site, ov->day_start,
			   (size_t)(whole < 0 ? 0 : whole > 24 ? 24 : whole), et0,
			   have);
	for (int k = 0; k < 24 && k < whole; k++)
		if (have[k]) {
			acc->sum[k] += et0[k];
			acc->n[k]++;
		}
	et0_station_hours_free(&h);
	return ERR_OK;
}

/* FAO-56 hourly ET0 (eq. 53) of each whole hour so far today, averaged
 * over the stations that have it, summed over the hours. */
static json_t *et0_today(struct overview *ov)
{
	struct et0_hours acc = { { 0 }, { 0 } };
	double mm = 0;
	int hours = 0;

	for (size_t i = 0; i < ov->stations.n; i++)
		if (et0_station(ov, &ov->stations.items[i], &acc))
			return NULL;
	for (int h = 0; h < 24; h++) {
		if (!acc.n[h])
			continue;
		mm += acc.sum[h] / (double)acc.n[h];
		hours++;
	}
	if (!hours)
		return json_pack("{sb sn}", "available", 0, "mm");
	return json_pack("{sb sf si ss}", "available", 1, "mm", mm,
			 "hours", hours, "method", "fao56_hourly_sum");
}

static json_t *weather_section(struct overview *ov)
{
	json_t *cur, *rose, *et0;
	size_t reporting;

	cur = current_weather(ov, &reporting);
	if (!(rose = wind_rose(ov))) {
		json_decref(cur);
		return NULL;
	}
	if (!(et0 = et0_today(ov))) {
		json_decref(cur);
		json_decref(rose);
		return NULL;
	}
	return json_pack("{sb sI sI so so so}", "available", reporting > 0,
			 "stations", (json_int_t)ov->stations.n,
			 "reporting", (json_int_t)reporting, "current", cur,
			 "wind_rose", rose, "et0_today", et0);
}

/* ---- soil moisture ------------------------------------------------------------ */

static json_t *soil_section(struct overview *ov)
{
	json_t *depths = overview_depths_json(&ov->depths);
	json_t *plots = json_object();

	for (size_t i = 0; i < ov->n_acc; i++) {
		const struct overview_stat *s = &ov->plots[i].moisture;

		if (s->n)
			json_object_set_new(plots, ov->plots[i].code,
					    json_real(s->sum / (double)s->n));
	}
	return json_pack("{sb sI sI so so so}",
			 "available", ov->moisture_all.n > 0,
			 "probes", (json_int_t)ov->n_probes,
			 "reporting", (json_int_t)ov->probe_fresh.n,
			 "mean", overview_stat_json(&ov->moisture_all, "%vol"),
			 "depths", depths, "plots", plots);
}

/* ---- machinery ---------------------------------------------------------------------- */

/* A machine's fresh position and state, or NULL when it has none. */
static json_t *machine_json(struct overview *ov, const struct ov_tracked *t)
{
	double v[MX_COUNT];
	bool have[MX_COUNT];
	int64_t ts[MX_COUNT];

	for (int m = 0; m < MX_COUNT; m++)
		have[m] = t->series[m] &&
			  fresh_point(ov, t->series[m], &ts[m], &v[m]);
	if (!have[MX_LATITUDE] || !have[MX_LONGITUDE])
		return NULL;
	return json_pack("{ss ss sI s[ff] s:o s:o s:o}", "device", t->dev.id,
			 "kind", t->dev.kind, "ts", (json_int_t)ts[MX_LONGITUDE],
			 "position", v[MX_LONGITUDE], v[MX_LATITUDE],
			 "heading", have[MX_HEADING] ? json_real(v[MX_HEADING])
						     : json_null(),
			 "speed", have[MX_SPEED] ? json_real(v[MX_SPEED])
						 : json_null(),
			 "working", have[MX_WORKING]
				? json_boolean(v[MX_WORKING] >= 0.5) : json_null());
}

/*
 * Tractors and drones: how many are registered, which report a position
 * (newest latitude and longitude, at most OV_FRESH_MS old) and how many of
 * those are at work.
 */
static json_t *machinery_section(struct overview *ov)
{
	json_t *positions = json_array(), *one;
	size_t working = 0;

	for (size_t i = 0; i < ov->machines.n; i++) {
		if (!(one = machine_json(ov, &ov->machines.items[i])))
			continue;
		working += json_is_true(json_object_get(one, "working"));
		json_array_append_new(positions, one);
	}
	if (!json_array_size(positions))
		return json_pack("{sb sI sn so}", "available", 0, "machines",
				 (json_int_t)ov->machines.n, "working",
				 "positions", positions);
	return json_pack("{sb sI sI so}", "available", 1, "machines",
			 (json_int_t)ov->machines.n, "working", (json_int_t)working,
			 "positions", positions);
}

/* ---- irrigation done today, imagery, and what later parts bring ---------------- */

/*
 * Water the flow meters metered since the start of the day; the plan's
 * volumes are GET /api/v1/irrigation/plan's (planned_m3 stays null here).
 */
static json_t *irrigation_section(struct overview *ov)
{
	return json_pack("{sb sn s:o sn sI sI}", "available", ov->n_meters > 0,
			 "planned_m3", "done_m3",
			 ov->n_meters ? json_real(ov->done_m3) : json_null(),
			 "plots_planned", "meters", (json_int_t)ov->n_meters,
			 "meters_metering", (json_int_t)ov->meters_metering);
}

static json_t *imagery_section(struct overview *ov)
{
	json_t *im = NULL;

	if (imagery_overview_json(ov->db, ov->now, &im, ov->e))
		return NULL;
	json_object_set_new(im, "available", json_boolean(
		!json_is_null(json_object_get(im, "last_satellite")) ||
		!json_is_null(json_object_get(im, "last_drone"))));
	return im;
}

/* The newest OV_ALERT_ITEMS alerts still open or acknowledged, and their count. */
#define OV_ALERT_ITEMS 10
#define OV_ALERTS_COUNTED 1000

struct ov_alerts {
	json_t *items;
	size_t n;
};

static int ov_alert(const struct db_alert *a, void *ctx)
{
	struct ov_alerts *al = ctx;

	if (al->n++ < OV_ALERT_ITEMS &&
	    json_array_append_new(al->items, alerts_alert_json(a)))
		return ERR_NOMEM;
	return 0;
}

static json_t *alerts_section(struct overview *ov)
{
	struct db_alert_filter f = { .state = "active",
				     .limit = OV_ALERTS_COUNTED };
	struct ov_alerts al = { json_array(), 0 };

	if (!ov->alerts) {
		json_decref(al.items);
		return json_pack("{sb sn s[]}", "available", 0, "open", "items");
	}
	if (db_alert_list(ov->db, &f, ov_alert, &al, ov->e)) {
		json_decref(al.items);
		return NULL;
	}
	return json_pack("{sb sI so sb}", "available", 1, "open",
			 (json_int_t)al.n, "items", al.items, "more",
			 al.n >= OV_ALERTS_COUNTED);
}

static json_t *later_sections(struct overview *ov, json_t *root)
{
	json_t *im = imagery_section(ov), *al = im ? alerts_section(ov) : NULL;

	if (!im || !al) {
		json_decref(im);
		json_decref(root);
		return NULL;
	}
	json_object_set_new(root, "irrigation", irrigation_section(ov));
	json_object_set_new(root, "imagery", im);
	json_object_set_new(root, "alerts", al);
	return root;
}

static void overview_free(struct overview *ov)
{
	json_decref(ov->crops);
	json_decref(ov->by_kind);
	fleet_free(&ov->stations);
	fleet_free(&ov->machines);
	free(ov->plots);
	smap_free(&ov->probe_plot);
	smap_free(&ov->probe_fresh);
	smap_free(&ov->plot_index);
	smap_free(&ov->meters);
}

/* The site shown: code, name, zone and its facts (the county's figures). */
static json_t *site_section(const struct overview *ov)
{
	const struct db_site *s = ov->site;
	json_t *facts = NULL;

	if (!s)
		return json_pack("{sb ss}", "available", 0, "tz", ov->tz->name);
	if (s->facts)
		facts = json_loads(s->facts, 0, NULL);
	if (!json_is_object(facts)) {
		json_decref(facts);
		facts = json_object();
	}
	return json_pack("{sb ss ss ss so}", "available", 1, "code", s->code,
			 "name", s->name, "tz", s->tz, "facts", facts);
}

static json_t *overview_json(struct overview *ov)
{
	json_t *root, *weather, *soil;
	char now[32], day[32];

	if (!(weather = weather_section(ov)))
		return NULL;
	soil = soil_section(ov);
	time_format_iso(ov->now, now, sizeof(now));
	time_format_iso(ov->day_start, day, sizeof(day));
	root = json_pack("{ss sI s{ss si ss} so so s{sI so} so so so}",
			 "generated", now, "ts", (json_int_t)ov->now,
			 "day", "start", day, "tz_offset_min", ov->tz_min,
			 "tz", ov->tz->name, "site", site_section(ov),
			 "plots", plots_section(ov),
			 "devices", "count", (json_int_t)ov->n_devices,
			 "by_kind", json_incref(ov->by_kind),
			 "weather", weather, "soil_moisture", soil,
			 "machinery", machinery_section(ov));
	return root ? later_sections(ov, root) : NULL;
}


int overview_build(struct db *db, struct ts_engine *ts, bool alerts,
		   int64_t now, const struct tz *tz, const struct db_site *site,
		   json_t **out, struct err *e)
{
	struct overview ov = { .db = db, .ts = ts, .alerts = alerts, .e = e,
			       .tz = tz, .site = site };
	int rc;

	*out = NULL;
	ov.tz_min = tz_offset_at(tz, now) / 60;
	ov.now = now;
	ov.day_start = tz_day_start_ms(tz, now);
	ov.crops = json_object();
	ov.by_kind = json_object();
	if ((rc = db_plot_list(db, NULL, ov_plot, &ov, e)) ||
	    (rc = db_device_list(db, NULL, ov_device, &ov, e)) ||
	    (rc = db_series_list(db, NULL, ov_series, &ov, e)))
		goto out;
	if (!(*out = overview_json(&ov)))
		rc = e->code ? (int)e->code : err_nomem(e);
out:
	overview_free(&ov);
	return rc;
}
