/* The living demo base: devices, history and the live simulation. */
#include "sim/demo.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "sim/clock.h"
#include "sim/demo_imagery.h"
#include "sim/demo_pv.h"
#include "sim/field.h"
#include "sim/sun.h"
#include "sim/weather.h"
#include "ts/bulk.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/map.h"
#include "util/timeutil.h"

#define PLOTS_PER_STATION 10
/* the simulator's state in the store (db.h: keys by owner) */
#define STATE_HISTORY_FROM "sim.history_from" /* the history's first minute */
#define STATE_HISTORY_TO "sim.history_to"     /* written up to (excluded) */
#define MAX_PLOTS 512
#define PROBE_EVERY (10 * MS_PER_MINUTE)
/* The history's old days (before its last FINE_DAYS) are thinner: the
 * stations and the idle machines every 10 minutes, the probes every 30
 * (the fields still step every 10); machines at work and the valves and
 * meters report as they do live. */
#define FINE_DAYS 14
#define OLD_IDLE_EVERY (10 * MS_PER_MINUTE)
#define OLD_PROBE_EVERY (30 * MS_PER_MINUTE)
#define DRONES 2
#define DRONE_PLOTS 10            /* each drone's block of fields */

struct demo_plot {
	char code[DB_CODE_MAX];
	int number;               /* 1.. : device ids are derived from it */
	double bbox[4];           /* lon/lat bounds, for the tractors' lanes */
	double strip[5];          /* a strip's head corner, bearing, width and
				     length (property "strip"), or NAN */
	struct sim_field field;
};

struct demo {
	struct db *db;
	char dir[PATH_MAX];
	uint64_t seed;
	struct sim_clock clock;   /* the simulated wall clock */
	struct demo_plot *plots;
	size_t n_plots;
	int n_stations;
	double drone_box[DRONES][4]; /* the bounds of each drone's block */
	int64_t sun_day, sunrise, sunset; /* the day's daylight, cached */
	int64_t equipped_day;     /* when the tractors' implements were set */
	int64_t fields_to;        /* the fields stand where the history ended
				     here (0: not stepped yet) */
	json_t *tokens;           /* device id -> token */
	struct demo_pv *pv;       /* the PV park (sim/demo_pv.c) */
	/* the live simulation */
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	char url[256];
	int64_t sim_start, real_start;
	double speed;
	uint64_t posted, refused;
};

/* ---- the base: plots and devices ------------------------------------------- */

static int sowing_doy(const char *date)
{
	int y, m, d;

	if (time_parse_date(date, &y, &m, &d))
		return 105; /* mid April */
	return (int)(time_days_from_civil(y, m, d) - time_days_from_civil(y, 1, 1)) + 1;
}

/* The demo base's strip frame from a plot's extra properties (demo_base.c),
 * NAN without one. */
static void read_strip(const char *extra, double out[5])
{
	json_t *v = extra ? json_loads(extra, 0, NULL) : NULL;
	json_t *a = json_object_get(v, "strip");

	for (int i = 0; i < 5; i++)
		out[i] = json_array_size(a) == 5 &&
			 json_is_number(json_array_get(a, (size_t)i))
			? json_number_value(json_array_get(a, (size_t)i)) : NAN;
	json_decref(v);
}

static int load_plot(const struct db_plot *p, void *ctx)
{
	struct demo *d = ctx;
	struct demo_plot *dp;
	struct sim_weather w;

	if (d->n_plots == MAX_PLOTS)
		return 0;
	dp = &d->plots[d->n_plots];
	snprintf(dp->code, sizeof(dp->code), "%s", p->code);
	dp->number = (int)d->n_plots + 1;
	memcpy(dp->bbox, p->bbox, sizeof(dp->bbox));
	read_strip(p->extra, dp->strip);
	sim_weather_at(d->seed, (int)d->n_plots / PLOTS_PER_STATION, 0, &w);
	sim_field_init(&dp->field, d->seed, dp->number,
		       isfinite(p->field_capacity) ? p->field_capacity : 0.30,
		       isfinite(p->wilting_point) ? p->wilting_point : 0.12,
		       p->area_m2, sowing_doy(p->sowing_date), 0, &w);
	d->n_plots++;
	return 0;
}

static void device_id(char *out, size_t size, const char *prefix, int number)
{
	snprintf(out, size, "%s-%02d", prefix, number);
}

static int tokens_path(const struct demo *d, char *out, size_t size)
{
	return (size_t)snprintf(out, size, "%s/demo-devices.json", d->dir) < size
		? ERR_OK : ERR_INVALID;
}

static int save_tokens(struct demo *d, struct err *e)
{
	char path[PATH_MAX + 32];
	int fd;

	if (tokens_path(d, path, sizeof(path)))
		return err_set(e, ERR_INVALID, "store path too long");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || json_dumpfd(d->tokens, fd, JSON_INDENT(1)) || close(fd))
		return err_set(e, ERR_IO, "cannot write %s: %s", path, strerror(errno));
	return ERR_OK;
}

/* Register one device (unless it exists) and keep its token. */
static int add_device(struct demo *d, struct ingest *ing, const char *id,
		      const char *kind, const char *plot, struct err *e)
{
	char token[AUTH_SECRET_MAX];
	struct db_device dev = { .lon = NAN, .lat = NAN, .created_ms = time_now_ms() };
	int rc;

	if (json_object_get(d->tokens, id))
		return ERR_OK;
	snprintf(dev.id, sizeof(dev.id), "%s", id);
	snprintf(dev.kind, sizeof(dev.kind), "%s", kind);
	snprintf(dev.plot, sizeof(dev.plot), "%s", plot ? plot : "");
	rc = ingest_device_register(ing, &dev, token, e);
	if (rc == ERR_EXISTS)
		return ERR_OK; /* registered before, token lost: it stays silent */
	if (rc)
		return rc;
	json_object_set_new(d->tokens, id, json_string(token));
	return ERR_OK;
}

/*
 * What the demo's machines and cameras carry: the tractors' implements
 * (lanes are 12 m apart: LANE_M below) and the cameras' streams, on the
 * documentation address range (RFC 5737: they do not play).
 */
static int set_equipment(struct demo *d, const char *id, const char *implement,
			 double swath_m, const char *stream_url, struct err *e)
{
	struct db_equipment q = { .swath_m = swath_m, .updated_ms = time_now_ms() };

	snprintf(q.device, sizeof(q.device), "%s", id);
	snprintf(q.implement, sizeof(q.implement), "%s", implement);
	snprintf(q.stream_url, sizeof(q.stream_url), "%s", stream_url);
	return db_equipment_set(d->db, &q, e);
}

/*
 * The tractors' field seasons (days of the year): sowing in April, the
 * summer's spraying against mites and bollworm and the chemical topping
 * (June to late August), autumn tillage (October and November).
 */
static const struct {
	int from, to;
	double start_h, end_h;    /* the working day, solar hours */
	const char *implement;
} seasons[] = {
	{ 95, 120, 9, 18, "seeder" },
	{ 152, 235, 7, 13, "boom_sprayer" },  /* before the day's heat */
	{ 274, 334, 9, 18, "cultivator" },
};

static const char *season_implement(int doy)
{
	const char *last = seasons[2].implement;

	for (size_t i = 0; i < sizeof(seasons) / sizeof(seasons[0]); i++)
		if (doy >= seasons[i].from)
			last = seasons[i].implement;
	return last;
}

/* The implements the tractors carry on t's day (the season's). */
static int equip_tractors(struct demo *d, int64_t t, struct err *e)
{
	const char *implement = season_implement(sim_day_of_year(t));
	char id[32];
	int rc = ERR_OK;

	for (int k = 1; k <= 3 && !rc; k++) {
		device_id(id, sizeof(id), "trac", k);
		rc = set_equipment(d, id, implement, 12.0, "", e);
	}
	d->equipped_day = t / MS_PER_DAY;
	return rc;
}

static int register_devices(struct demo *d, struct err *e)
{
	char id[32];
	struct ingest *ing;
	int rc;

	if ((rc = ingest_open(d->db, &ing, e)))
		return rc;
	for (int s = 0; s < d->n_stations && !rc; s++) {
		device_id(id, sizeof(id), "ws", s + 1);
		rc = add_device(d, ing, id, "weather_station",
				d->plots[s * PLOTS_PER_STATION].code, e);
	}
	for (size_t i = 0; i < d->n_plots && !rc; i++) {
		const struct demo_plot *p = &d->plots[i];
		static const char *const kinds[][2] = {
			{ "sp", "soil_probe" }, { "fm", "flow_meter" },
			{ "vl", "valve" },
		};

		for (int k = 0; k < 3 && !rc; k++) {
			device_id(id, sizeof(id), kinds[k][0], p->number);
			rc = add_device(d, ing, id, kinds[k][1], p->code, e);
		}
		if (!rc && p->number % 6 == 1) {
			char url[96];

			device_id(id, sizeof(id), "cam", p->number);
			snprintf(url, sizeof(url), "rtsp://192.0.2.%d:554/live/ch1",
				 p->number % 250 + 1);
			if (!(rc = add_device(d, ing, id, "camera", p->code, e)))
				rc = set_equipment(d, id, "", NAN, url, e);
		}
	}
	for (int k = 1; k <= DRONES && !rc; k++) {
		device_id(id, sizeof(id), "uav", k);
		rc = add_device(d, ing, id, "drone", NULL, e);
	}
	for (int k = 1; k <= 3 && !rc; k++) {
		device_id(id, sizeof(id), "trac", k);
		rc = add_device(d, ing, id, "tractor", NULL, e);
	}
	if (!rc)
		rc = equip_tractors(d, sim_clock_now(&d->clock), e);
	for (int k = 1; k <= DRONES && !rc; k++) {
		device_id(id, sizeof(id), "uav", k);
		rc = set_equipment(d, id, "multispectral_camera", NAN, "", e);
	}
	ingest_close(ing);
	return rc ? rc : save_tokens(d, e);
}

static void load_tokens(struct demo *d)
{
	char path[PATH_MAX + 32];
	json_error_t je;

	d->tokens = NULL;
	if (!tokens_path(d, path, sizeof(path)))
		d->tokens = json_load_file(path, 0, &je);
	if (!json_is_object(d->tokens)) {
		json_decref(d->tokens);
		d->tokens = json_object();
	}
}

/* Each drone patrols a block of DRONE_PLOTS fields: their bounds. */
static void drone_blocks(struct demo *d)
{
	for (int k = 0; k < DRONES; k++) {
		double *b = d->drone_box[k];
		size_t first = (size_t)k * DRONE_PLOTS % d->n_plots;

		memcpy(b, d->plots[first].bbox, sizeof(d->drone_box[k]));
		for (size_t i = first; i < first + DRONE_PLOTS && i < d->n_plots; i++) {
			const double *p = d->plots[i].bbox;

			b[0] = fmin(b[0], p[0]), b[1] = fmin(b[1], p[1]);
			b[2] = fmax(b[2], p[2]), b[3] = fmax(b[3], p[3]);
		}
	}
}

int demo_open(struct db *db, const char *data_dir, uint64_t seed,
	      const struct sim_clock *clock, struct demo **out, struct err *e)
{
	struct demo *d = calloc(1, sizeof(*d));
	int rc;

	if (!d || !(d->plots = calloc(MAX_PLOTS, sizeof(*d->plots)))) {
		free(d);
		return err_nomem(e);
	}
	d->db = db;
	d->seed = seed;
	d->clock = *clock;
	snprintf(d->dir, sizeof(d->dir), "%s", data_dir);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	load_tokens(d);
	if ((rc = db_plot_list(db, NULL, load_plot, d, e)))
		goto fail;
	if (!d->n_plots) {
		rc = err_set(e, ERR_NOT_FOUND, "the store has no plots");
		goto fail;
	}
	d->n_stations = (int)((d->n_plots + PLOTS_PER_STATION - 1) / PLOTS_PER_STATION);
	drone_blocks(d);
	if ((rc = demo_pv_open(db, seed, sim_clock_now(&d->clock), d->tokens,
			       &d->pv, e)) ||
	    (rc = register_devices(d, e)))
		goto fail;
	*out = d;
	return ERR_OK;
fail:
	demo_close(d);
	return rc;
}

/* ---- the season ------------------------------------------------------------ */

#define BASE_UTC_OFFSET_MS (8 * MS_PER_HOUR) /* Asia/Shanghai, no DST */
#define MIN_HISTORY_MS (30 * MS_PER_DAY)

int demo_season_year(int64_t now)
{
	int64_t local = now + BASE_UTC_OFFSET_MS;
	int y, m, d;

	time_civil_from_days(local >= 0 ? local / MS_PER_DAY
				 : (local - MS_PER_DAY + 1) / MS_PER_DAY, &y, &m, &d);
	return m < 4 ? y - 1 : y;
}

int64_t demo_season_start(int64_t now)
{
	int64_t sowing = time_days_from_civil(demo_season_year(now), 4, 10) *
			 MS_PER_DAY - BASE_UTC_OFFSET_MS;

	return sowing > now - MIN_HISTORY_MS ? now - MIN_HISTORY_MS : sowing;
}

/* ---- what the devices report ----------------------------------------------- */

/* Where the simulated readings go: the store (history) or the server (live). */
struct sink {
	int (*point)(struct sink *s, const char *device, const char *metric,
		     int64_t ts, double value);
	int (*flush)(struct sink *s, const char *device);
};

/*
 * A reading at an instrument's resolution (step 1, 0.1 or 0.01), as the
 * nearest double to the decimal it would print: scaled, rounded, divided.
 */
static double rounded(double v, double step)
{
	double per_unit = round(1.0 / step);

	return round(v * per_unit) / per_unit;
}

static int report_station(struct demo *d, struct sink *k, int s, int64_t t)
{
	struct sim_weather w;
	char id[32];
	int rc;

	sim_weather_at(d->seed, s, t, &w);
	device_id(id, sizeof(id), "ws", s + 1);
	if ((rc = k->point(k, id, "air_temp", t, rounded(w.air_temp, 0.1))) ||
	    (rc = k->point(k, id, "rh", t, rounded(w.rh, 1))) ||
	    (rc = k->point(k, id, "solar_rad", t, rounded(w.solar_rad, 1))) ||
	    (rc = k->point(k, id, "wind_speed", t, rounded(w.wind_speed, 0.1))) ||
	    (rc = k->point(k, id, "wind_dir", t, rounded(w.wind_dir, 1))) ||
	    (rc = k->point(k, id, "rain", t, w.rain)) ||
	    (rc = k->point(k, id, "pressure", t, rounded(w.pressure, 0.1))))
		return rc;
	return k->flush(k, id);
}

/* Step plot p's field to t; its probe reports when `probe`, its meter and
 * valve whenever water flows or the valve moves. */
static int report_plot(struct demo *d, struct sink *k, struct demo_plot *p,
		       int64_t t, bool probe)
{
	static const char *const moisture[] = { "moisture_10cm", "moisture_20cm",
						"moisture_40cm" };
	static const char *const soil_t[] = { "soil_temp_10cm", "soil_temp_20cm",
					      "soil_temp_40cm" };
	struct sim_weather w;
	bool was = p->field.irrigating;
	char id[32];
	int rc = ERR_OK;

	sim_weather_at(d->seed, (p->number - 1) / PLOTS_PER_STATION, t, &w);
	sim_field_step(&p->field, &w, t);
	device_id(id, sizeof(id), "sp", p->number);
	for (int i = 0; i < 3 && !rc && probe; i++)
		if (!(rc = k->point(k, id, moisture[i], t,
				    rounded(p->field.liquid[i], 0.1))))
			rc = k->point(k, id, soil_t[i], t,
				      rounded(p->field.soil_t[i], 0.1));
	if (rc || (rc = k->flush(k, id)))
		return rc;
	if (!was && !p->field.irrigating)
		return ERR_OK;
	device_id(id, sizeof(id), "fm", p->number);
	if ((rc = k->point(k, id, "flow", t, rounded(p->field.flow, 0.01))) ||
	    (rc = k->point(k, id, "volume", t, rounded(p->field.volume, 0.1))) ||
	    (rc = k->flush(k, id)))
		return rc;
	if (was == p->field.irrigating)
		return ERR_OK;
	device_id(id, sizeof(id), "vl", p->number);
	if ((rc = k->point(k, id, "valve_state", t, p->field.irrigating)))
		return rc;
	return k->flush(k, id);
}

/*
 * The tractors: by day in the field seasons (sowing in April, spraying
 * and topping in summer, autumn tillage from October to November) each
 * works one plot a day, up and down lanes of its implement's width at a
 * working pace; otherwise it stands in the yard at the base's south-west
 * corner.
 */
#define TRACTORS 3
#define LANE_M 12.0
#define PACE_MS 2.0               /* m/s while working */

/* The field season of a day (-1: none). */
static int field_season(int doy)
{
	for (size_t i = 0; i < sizeof(seasons) / sizeof(seasons[0]); i++)
		if (doy >= seasons[i].from && doy <= seasons[i].to)
			return (int)i;
	return -1;
}

/* The hour of the sun at the base (local mean solar time) at instant t. */
static double solar_hour(int64_t t)
{
	return fmod((double)((t % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY) /
		    MS_PER_HOUR + SIM_LON / 15.0, 24.0);
}

/* Hours since the working day started (negative: not at work). */
static double work_hours(int64_t t)
{
	int s = field_season(sim_day_of_year(t));
	double h = solar_hour(t);

	if (s < 0 || h < seasons[s].start_h || h >= seasons[s].end_h)
		return -1;
	return h - seasons[s].start_h;
}

bool demo_tractor_at_work(int64_t t)
{
	return work_hours(t) >= 0;
}

/*
 * Where `done` metres of work put a tractor in a strip: up and down lanes
 * along it, LANE_M apart from its west edge, turning at its ends.
 */
static void strip_place(const double s[5], double done, double *lon,
			double *lat, double *heading)
{
	double m_per_lon = 111320.0 * cos(SIM_LAT * M_PI / 180);
	double b = s[2] * M_PI / 180;
	int lanes = (int)(s[3] / LANE_M);
	int lane = (int)(done / s[4]) % (lanes > 0 ? lanes : 1);
	double along = fmod(done, s[4]);
	double u = lane * LANE_M + LANE_M / 2;
	double v = lane % 2 ? s[4] - along : along;

	/* v along the bearing, u square to it (to its right) */
	*lon = s[0] + (v * sin(b) + u * cos(b)) / m_per_lon;
	*lat = s[1] + (v * cos(b) - u * sin(b)) / 111132.0;
	*heading = fmod(s[2] + (lane % 2 ? 180 : 0), 360);
}

static int report_tractor(struct demo *d, struct sink *k, int n, int64_t t,
			  bool idle)
{
	double worked_h = work_hours(t);
	bool working = worked_h >= 0;
	const struct demo_plot *p = &d->plots[(size_t)(t / MS_PER_DAY * TRACTORS + n) %
					      d->n_plots];
	double m_per_lon = 111320.0 * cos(SIM_LAT * M_PI / 180);
	double width = (p->bbox[2] - p->bbox[0]) * m_per_lon;
	double height = (p->bbox[3] - p->bbox[1]) * 111132.0;
	double done = worked_h * 3600 * PACE_MS, along, lon, lat, heading;
	int lane;
	char id[32];
	int rc;

	if (!working && !idle)
		return ERR_OK;
	device_id(id, sizeof(id), "trac", n + 1);
	if (!working) {
		lon = d->plots[0].bbox[0] - 0.002 * (n + 1);
		lat = d->plots[0].bbox[1] - 0.001;
		along = heading = 0;
	} else if (isfinite(p->strip[4])) {
		strip_place(p->strip, done, &lon, &lat, &heading);
	} else {
		lane = (int)(done / width);
		along = fmod(done, width);
		if (lane * LANE_M > height)  /* the plot is done: circle back */
			lane %= (int)(height / LANE_M) + 1;
		heading = lane % 2 ? 270 : 90;
		lon = p->bbox[0] + (lane % 2 ? width - along : along) / m_per_lon;
		lat = p->bbox[1] + (lane * LANE_M + LANE_M / 2) / 111132.0;
	}
	if ((rc = k->point(k, id, "longitude", t, rounded(lon, 0.000001))) ||
	    (rc = k->point(k, id, "latitude", t, rounded(lat, 0.000001))) ||
	    (rc = k->point(k, id, "speed", t, working ? PACE_MS : 0)) ||
	    (rc = k->point(k, id, "heading", t, heading)) ||
	    (rc = k->point(k, id, "working", t, working)))
		return rc;
	return k->flush(k, id);
}

/*
 * The drones: each flies the patrol (demo_imagery.h) by daylight over its
 * block of fields, up and down lanes 60 m apart at 8 m/s and 100 m above
 * the ground, and otherwise stands landed in the yard.
 */
#define DRONE_LANE_M 60.0
#define DRONE_PACE_MS 8.0
#define DRONE_ALT_M 100.0

/* Where flight time `since` (ms into a flight) puts a drone in box b. */
static void drone_place(const double b[4], int64_t since, double *lon,
			double *lat, double *heading)
{
	double m_per_lon = 111320.0 * cos(SIM_LAT * M_PI / 180);
	double width = (b[2] - b[0]) * m_per_lon;
	double height = (b[3] - b[1]) * 111132.0;
	double done = (double)since / 1000.0 * DRONE_PACE_MS;
	int lanes = (int)(height / DRONE_LANE_M) + 1;
	int lane = (int)(done / width) % lanes;
	double along = fmod(done, width);

	*heading = lane % 2 ? 270 : 90;
	*lon = b[0] + (lane % 2 ? width - along : along) / m_per_lon;
	*lat = b[1] + (lane * DRONE_LANE_M + DRONE_LANE_M / 2) / 111132.0;
}

/* How long the patrol has been flying at t (-1: it is not). */
static int64_t drone_flying(struct demo *d, int64_t t)
{
	int64_t local0 = (t + BASE_UTC_OFFSET_MS) / MS_PER_DAY * MS_PER_DAY -
			 BASE_UTC_OFFSET_MS;
	int64_t since = t - local0 - DEMO_PATROL_FIRST_MS + DEMO_PATROL_FLIGHT_MS;
	int64_t end;

	if (since < 0 || since >= DEMO_PATROL_FLIGHTS * DEMO_PATROL_EVERY_MS ||
	    since % DEMO_PATROL_EVERY_MS >= DEMO_PATROL_FLIGHT_MS)
		return -1;
	end = t - since % DEMO_PATROL_EVERY_MS + DEMO_PATROL_FLIGHT_MS;
	if (d->sun_day != local0 / MS_PER_DAY) {
		d->sun_day = local0 / MS_PER_DAY;
		if (!sim_sun_rise_set(SIM_LAT, SIM_LON, local0 + MS_PER_DAY / 2,
				      &d->sunrise, &d->sunset))
			d->sunrise = d->sunset = 0;
	}
	return demo_patrol_by_day(end, d->sunrise, d->sunset)
		? since % DEMO_PATROL_EVERY_MS : -1;
}

static int report_drone(struct demo *d, struct sink *k, int n, int64_t t,
			bool idle)
{
	int64_t since = drone_flying(d, t);
	double lon, lat, heading = 0;
	char id[32];
	int rc;

	if (since < 0 && !idle)
		return ERR_OK;
	device_id(id, sizeof(id), "uav", n + 1);
	if (since >= 0) {
		drone_place(d->drone_box[n], since, &lon, &lat, &heading);
	} else {
		lon = d->plots[0].bbox[0] - 0.002 * (TRACTORS + n + 1);
		lat = d->plots[0].bbox[1] - 0.001;
	}
	if ((rc = k->point(k, id, "longitude", t, rounded(lon, 0.000001))) ||
	    (rc = k->point(k, id, "latitude", t, rounded(lat, 0.000001))) ||
	    (rc = k->point(k, id, "altitude", t, since >= 0 ? DRONE_ALT_M : 0)) ||
	    (rc = k->point(k, id, "speed", t, since >= 0 ? DRONE_PACE_MS : 0)) ||
	    (rc = k->point(k, id, "heading", t, heading)) ||
	    (rc = k->point(k, id, "working", t, since >= 0)))
		return rc;
	return k->flush(k, id);
}

/* What a minute reports (the history's old days report less: FINE_DAYS). */
enum {
	REPORT_STATIONS = 1,  /* the weather stations */
	REPORT_IDLE = 2,      /* machines at rest */
	REPORT_PROBES = 4,    /* the soil probes (at a PROBE_EVERY minute) */
	REPORT_ALL = 7,
};

/* The PV park's readings go to the sink, posted by its gateway. */
static int pv_point(void *ctx, const char *device, const char *metric,
		    int64_t t, double value)
{
	struct sink *k = ctx;

	return k->point(k, device, metric, t, value);
}

/* Everything the base and the PV park report at minute t. */
static int report_minute(struct demo *d, struct sink *k, int64_t t,
			 unsigned what)
{
	int rc = demo_pv_minute(d->pv, t, pv_point, k);

	if (!rc)
		rc = k->flush(k, DEMO_PV_GATEWAY);

	for (int s = 0; s < d->n_stations && !rc && (what & REPORT_STATIONS); s++)
		rc = report_station(d, k, s, t);
	for (int n = 0; n < TRACTORS && !rc; n++)
		rc = report_tractor(d, k, n, t, what & REPORT_IDLE);
	for (int n = 0; n < DRONES && !rc; n++)
		rc = report_drone(d, k, n, t, what & REPORT_IDLE);
	if (t % PROBE_EVERY)
		return rc;
	for (size_t i = 0; i < d->n_plots && !rc; i++)
		rc = report_plot(d, k, &d->plots[i], t, what & REPORT_PROBES);
	return rc;
}

/* What the history reports at minute t when its fine days start at fine. */
static unsigned history_reports(int64_t t, int64_t fine)
{
	unsigned what = 0;

	if (t >= fine)
		return REPORT_ALL;
	if (t % OLD_IDLE_EVERY == 0)
		what |= REPORT_STATIONS | REPORT_IDLE;
	if (t % OLD_PROBE_EVERY == 0)
		what |= REPORT_PROBES;
	return what;
}

/* ---- history: straight into the store -------------------------------------- */

/*
 * The series the history writes, in the order it first wrote them: each
 * minute reports its devices and metrics in the same order, so the next
 * series is most often the one after the last (no key to format or hash).
 */
struct seen {
	char device[32];
	const char *metric;       /* the reporters' string literals */
	int64_t id;
};

struct bulk_sink {
	struct sink base;
	struct db *db;
	struct ts_bulk *bulk;
	struct smap series;       /* "device/metric" -> index in seen */
	struct seen *seen;
	size_t n_seen, cap_seen, next;
	struct err *e;
};

/* The index of (device, metric) in b->seen, added on first sight. */
static int series_of(struct bulk_sink *b, const char *device,
		     const char *metric, size_t *out)
{
	char key[DB_NAME_MAX * 2 + 2];
	struct seen *s;
	int64_t at;
	int rc;

	snprintf(key, sizeof(key), "%s/%s", device, metric);
	if (smap_get(&b->series, key, &at)) {
		*out = (size_t)at;
		return ERR_OK;
	}
	if (b->n_seen == b->cap_seen) {
		size_t cap = b->cap_seen ? 2 * b->cap_seen : 1024;

		if (!(s = realloc(b->seen, cap * sizeof(*s))))
			return err_nomem(b->e);
		b->seen = s, b->cap_seen = cap;
	}
	s = &b->seen[b->n_seen];
	snprintf(s->device, sizeof(s->device), "%s", device);
	s->metric = metric;
	if ((rc = db_series_ensure(b->db, device, metric, &s->id, b->e)))
		return rc;
	if (smap_put(&b->series, key, (int64_t)b->n_seen))
		return err_nomem(b->e);
	*out = b->n_seen++;
	return ERR_OK;
}

static int bulk_point(struct sink *s, const char *device, const char *metric,
		      int64_t ts, double value)
{
	struct bulk_sink *b = (struct bulk_sink *)s;
	size_t k = b->next;
	int rc;

	if (k >= b->n_seen || b->seen[k].metric != metric ||
	    strcmp(b->seen[k].device, device)) {
		if ((rc = series_of(b, device, metric, &k)))
			return rc;
	}
	b->next = k + 1;
	return ts_bulk_add(b->bulk, b->seen[k].id, ts, value, b->e);
}

static int bulk_flush(struct sink *s, const char *device)
{
	(void)s;
	(void)device;
	return ERR_OK;
}

int64_t demo_history_end(struct demo *d)
{
	int64_t end = 0;
	struct err e;

	if (db_state_get(d->db, STATE_HISTORY_TO, &end, &e))
		return 0;
	return end;
}

/* Bring the fields' soil water from `from` to `to` without reporting. */
static void replay_fields(struct demo *d, int64_t from, int64_t to)
{
	struct sim_weather w;

	from -= from % PROBE_EVERY;
	for (size_t i = 0; i < d->n_plots; i++) {
		struct demo_plot *p = &d->plots[i];
		int station = (p->number - 1) / PLOTS_PER_STATION;

		sim_weather_at(d->seed, station, from, &w);
		sim_field_init(&p->field, d->seed, p->number, p->field.fc / 100,
			       p->field.wp / 100, p->field.area_m2,
			       p->field.sowing_doy, from, &w);
		for (int64_t t = from + PROBE_EVERY; t < to; t += PROBE_EVERY) {
			sim_weather_at(d->seed, station, t, &w);
			sim_field_step(&p->field, &w, t);
		}
	}
}

int demo_history(struct demo *d, int64_t from, int64_t to, struct err *e)
{
	struct bulk_sink b = { .base = { bulk_point, bulk_flush }, .db = d->db,
			       .e = e };
	struct db_chunk_write mark = { .state_key = STATE_HISTORY_TO,
				       .state_value = to };
	int64_t first = 0;
	int rc;

	from -= from % MS_PER_MINUTE;
	if ((rc = db_state_get(d->db, STATE_HISTORY_FROM, &first, e)))
		return rc;
	if (!first && (rc = db_state_set(d->db, STATE_HISTORY_FROM,
					 first = from, e)))
		return rc;
	replay_fields(d, first, from);
	if ((rc = ts_bulk_open(d->db, 0, &b.bulk, e)))
		return rc;
	for (int64_t t = from; t < to && !rc; t += MS_PER_MINUTE)
		rc = report_minute(d, &b.base, t, history_reports(
			t, to - FINE_DAYS * MS_PER_DAY));
	if (!rc && !(rc = ts_bulk_commit(b.bulk, e)))
		rc = db_chunks_write(d->db, &mark, e);
	d->fields_to = rc ? 0 : to;
	ts_bulk_free(b.bulk);
	smap_free(&b.series);
	free(b.seen);
	return rc;
}

/* ---- live: over HTTP, with each device's own token ------------------------------- */

struct http_sink {
	struct sink base;
	struct demo *d;
	CURL *curl;
	CURL *poll;              /* the valves' own calls */
	struct buf lines;
	struct buf url;
	size_t points;
};

static int http_point(struct sink *s, const char *device, const char *metric,
		      int64_t ts, double value)
{
	struct http_sink *h = (struct http_sink *)s;

	buf_printf(&h->lines, "sim,device=%s %s=%.10g %lld\n", device, metric,
		   value, (long long)ts);
	h->points++;
	return ERR_OK;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* POST the device's lines with its own token. */
static int http_flush(struct sink *s, const char *device)
{
	struct http_sink *h = (struct http_sink *)s;
	json_t *tok = json_object_get(h->d->tokens, device);
	struct curl_slist *headers = NULL;
	char auth[AUTH_SECRET_MAX + 32];
	long status = 0;

	if (!h->lines.len || !json_is_string(tok))
		goto out;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		 json_string_value(tok));
	headers = curl_slist_append(headers, auth);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, h->lines.data);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)h->lines.len);
	if (curl_easy_perform(h->curl) == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	pthread_mutex_lock(&h->d->lock);
	if (status == 204)
		h->d->posted += h->points;
	else
		h->d->refused += h->points;
	pthread_mutex_unlock(&h->d->lock);
	curl_slist_free_all(headers);
out:
	buf_reset(&h->lines);
	h->points = 0;
	return ERR_OK;
}

/*
 * The simulated instant now: replaying fast until it meets the wall (the
 * simulated clock's, which is the real one unless the demo runs --at).
 */
static int64_t sim_now(const struct demo *d)
{
	int64_t real = time_now_ms();
	int64_t wall = real + d->clock.offset_ms;
	int64_t sim = d->sim_start + (int64_t)((double)(real - d->real_start) *
					       d->speed);

	return sim < wall ? sim : wall;
}

static bool stopping(struct demo *d)
{
	bool stop;

	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

/*
 * Wait until the simulated clock reaches t, or a second of real time has
 * passed (the valves poll for commands every second); false when stopping.
 */
static bool wait_until(struct demo *d, int64_t t)
{
	struct timespec until;
	int64_t give_up = time_now_ms() + MS_PER_SECOND;
	bool go;

	pthread_mutex_lock(&d->lock);
	while (!d->stop && sim_now(d) < t && time_now_ms() < give_up) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 50 * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&d->wake, &d->lock, &until);
	}
	go = !d->stop;
	pthread_mutex_unlock(&d->lock);
	return go;
}

/* ---- valves: they poll for commands, obey, answer and report ------------------- */

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
	buf_append(ctx, p, size * n);
	return size * n;
}

/* One HTTP exchange as a device; the answer's body goes to out. */
static long device_call(CURL *c, const char *url, const char *token,
			const char *body, struct buf *out)
{
	struct curl_slist *h = NULL;
	char auth[AUTH_SECRET_MAX + 32];
	long status = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	h = curl_slist_append(h, auth);
	buf_reset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HTTPGET, body ? 0L : 1L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

static void obey(struct demo *d, struct http_sink *h, struct demo_plot *p,
		 json_t *cmd, const char *id, const char *token, struct buf *io,
		 int64_t now)
{
	char url[512], ack[96], meter[32];
	const char *action = json_string_value(json_object_get(cmd, "action"));
	json_int_t minutes = json_integer_value(json_object_get(cmd, "duration_min"));
	json_int_t cmd_id = json_integer_value(json_object_get(cmd, "id"));

	if (!action)
		return;
	sim_field_valve(&p->field, now, !strcmp(action, "open")
			? now + minutes * MS_PER_MINUTE : now);
	snprintf(url, sizeof(url), "%s/api/v1/devices/%s/acks", d->url, id);
	snprintf(ack, sizeof(ack), "{\"id\":%lld,\"ok\":true}", (long long)cmd_id);
	device_call(h->poll, url, token, ack, io);
	h->base.point(&h->base, id, "valve_state", now, p->field.irrigating);
	h->base.flush(&h->base, id);
	device_id(meter, sizeof(meter), "fm", p->number);
	h->base.point(&h->base, meter, "flow", now, rounded(p->field.flow, 0.01));
	h->base.flush(&h->base, meter);
}

static void poll_valves(struct demo *d, struct http_sink *h, int64_t now)
{
	struct buf io = BUF_INIT;
	char id[32], url[512];
	json_t *answer, *cmd;
	json_error_t je;
	size_t k;

	for (size_t i = 0; i < d->n_plots; i++) {
		struct demo_plot *p = &d->plots[i];
		json_t *tok;

		device_id(id, sizeof(id), "vl", p->number);
		tok = json_object_get(d->tokens, id);
		if (!json_is_string(tok))
			continue;
		snprintf(url, sizeof(url), "%s/api/v1/devices/%s/commands/pending",
			 d->url, id);
		if (device_call(h->poll, url, json_string_value(tok), NULL, &io) != 200)
			continue;
		answer = json_loadb(io.data, io.len, 0, &je);
		json_array_foreach(json_object_get(answer, "commands"), k, cmd)
			obey(d, h, p, cmd, id, json_string_value(tok), &io, now);
		json_decref(answer);
	}
	buf_free(&io);
}

/*
 * The satellite and drone passes of [from, to) of simulated time, made and
 * ingested as the history's are; a failure is logged, the feed goes on.
 */
static void fly(struct demo *d, int64_t from, int64_t to)
{
	struct err e;
	int n = 0;

	if (demo_imagery(d->db, d->dir, d->seed, from, to, &n, &e))
		log_warn("demo: imagery of the simulated hour: %s", e.msg);
	else if (n)
		log_info("demo: %d new scene%s", n, n == 1 ? "" : "s");
}

static void *live_main(void *arg)
{
	struct demo *d = arg;
	struct http_sink h = { { http_point, http_flush }, d, curl_easy_init(),
			       curl_easy_init(), BUF_INIT, BUF_INIT, 0 };
	int64_t t = d->sim_start - d->sim_start % MS_PER_MINUTE + MS_PER_MINUTE;
	int64_t flown = d->sim_start;  /* imagery made up to here */

	if (!h.curl || !h.poll)
		goto out;
	buf_printf(&h.url, "%s/api/v1/write?precision=ms", d->url);
	curl_easy_setopt(h.curl, CURLOPT_URL, h.url.data);
	curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h.curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h.poll, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h.poll, CURLOPT_NOSIGNAL, 1L);
	while (wait_until(d, t)) {
		int64_t until = time_now_ms() + MS_PER_SECOND;

		poll_valves(d, &h, sim_now(d));
		/* catch up with the simulated clock, a second at a time */
		for (; sim_now(d) >= t && time_now_ms() < until && !stopping(d);
		     t += MS_PER_MINUTE)
			report_minute(d, &h.base, t, REPORT_ALL);
		if (t - flown >= MS_PER_HOUR) {
			fly(d, flown, t);
			flown = t;
		}
		if (t / MS_PER_DAY != d->equipped_day) {
			struct err e;

			if (equip_tractors(d, t, &e))
				log_warn("demo: the tractors' implements: %s", e.msg);
		}
	}
out:
	if (h.curl)
		curl_easy_cleanup(h.curl);
	if (h.poll)
		curl_easy_cleanup(h.poll);
	buf_free(&h.lines);
	buf_free(&h.url);
	return NULL;
}

int demo_live_start(struct demo *d, const char *base_url, int64_t sim_start,
		    double speed, struct err *e)
{
	int64_t from = 0;

	/* a season of fields to replay takes seconds: not when the history
	 * just brought them here */
	db_state_get(d->db, STATE_HISTORY_FROM, &from, e);
	if (d->fields_to != sim_start)
		replay_fields(d, from ? from : sim_start, sim_start);
	snprintf(d->url, sizeof(d->url), "%s", base_url);
	d->sim_start = sim_start;
	d->real_start = time_now_ms();
	d->speed = speed < 1 ? 1 : speed;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pthread_create(&d->thread, NULL, live_main, d))
		return err_set(e, ERR_INTERNAL, "cannot start the simulation");
	d->running = true;
	return ERR_OK;
}

void demo_live_counts(struct demo *d, uint64_t *posted, uint64_t *refused)
{
	pthread_mutex_lock(&d->lock);
	*posted = d->posted;
	*refused = d->refused;
	pthread_mutex_unlock(&d->lock);
}

void demo_close(struct demo *d)
{
	if (!d)
		return;
	if (d->running) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL);
		curl_global_cleanup();
	}
	demo_pv_close(d->pv);
	json_decref(d->tokens);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d->plots);
	free(d);
}
