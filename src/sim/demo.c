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

struct demo_plot {
	char code[DB_CODE_MAX];
	int number;               /* 1.. : device ids are derived from it */
	double bbox[4];           /* lon/lat bounds, for the tractors' lanes */
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
	for (int k = 1; k <= 2 && !rc; k++) {
		device_id(id, sizeof(id), "uav", k);
		rc = add_device(d, ing, id, "drone", NULL, e);
	}
	for (int k = 1; k <= 3 && !rc; k++) {
		int doy = sim_day_of_year(sim_clock_now(&d->clock));

		device_id(id, sizeof(id), "trac", k);
		if (!(rc = add_device(d, ing, id, "tractor", NULL, e)))
			rc = set_equipment(d, id, doy < 200 ? "seeder" : "cultivator",
					   12.0, "", e);
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

static int report_plot(struct demo *d, struct sink *k, struct demo_plot *p,
		       int64_t t)
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
	for (int i = 0; i < 3 && !rc; i++)
		if (!(rc = k->point(k, id, moisture[i], t,
				    rounded(p->field.theta[i], 0.1))))
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
 * The tractors: by day in the field seasons (sowing in April, autumn
 * tillage from October to November) each works one plot a day, up and
 * down lanes of its implement's width at a working pace; otherwise it
 * stands in the yard at the base's south-west corner.
 */
#define TRACTORS 3
#define LANE_M 12.0
#define PACE_MS 2.0               /* m/s while working */

static bool field_season(int doy)
{
	return (doy >= 95 && doy <= 120) || (doy >= 274 && doy <= 334);
}

/* The hour of the sun at the base (local mean solar time) at instant t. */
static double solar_hour(int64_t t)
{
	return fmod((double)((t % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY) /
		    MS_PER_HOUR + SIM_LON / 15.0, 24.0);
}

bool demo_tractor_at_work(int64_t t)
{
	double h = solar_hour(t);

	return field_season(sim_day_of_year(t)) && h >= 9 && h < 18;
}

static int report_tractor(struct demo *d, struct sink *k, int n, int64_t t)
{
	double solar_h = solar_hour(t);
	bool working = demo_tractor_at_work(t);
	const struct demo_plot *p = &d->plots[(size_t)(t / MS_PER_DAY * TRACTORS + n) %
					      d->n_plots];
	double m_per_lon = 111320.0 * cos(SIM_LAT * M_PI / 180);
	double width = (p->bbox[2] - p->bbox[0]) * m_per_lon;
	double height = (p->bbox[3] - p->bbox[1]) * 111132.0;
	double done = (solar_h - 9) * 3600 * PACE_MS, along, lon, lat, heading;
	int lane;
	char id[32];
	int rc;

	device_id(id, sizeof(id), "trac", n + 1);
	if (!working) {
		lon = d->plots[0].bbox[0] - 0.002 * (n + 1);
		lat = d->plots[0].bbox[1] - 0.001;
		along = heading = 0;
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

/* The PV park's readings go to the sink, posted by its gateway. */
static int pv_point(void *ctx, const char *device, const char *metric,
		    int64_t t, double value)
{
	struct sink *k = ctx;

	return k->point(k, device, metric, t, value);
}

/* Everything the base and the PV park report at minute t. */
static int report_minute(struct demo *d, struct sink *k, int64_t t)
{
	int rc = demo_pv_minute(d->pv, t, pv_point, k);

	if (!rc)
		rc = k->flush(k, DEMO_PV_GATEWAY);

	for (int s = 0; s < d->n_stations && !rc; s++)
		rc = report_station(d, k, s, t);
	for (int n = 0; n < TRACTORS && !rc; n++)
		rc = report_tractor(d, k, n, t);
	if (t % PROBE_EVERY)
		return rc;
	for (size_t i = 0; i < d->n_plots && !rc; i++)
		rc = report_plot(d, k, &d->plots[i], t);
	return rc;
}

/* ---- history: straight into the store -------------------------------------- */

struct bulk_sink {
	struct sink base;
	struct db *db;
	struct ts_bulk *bulk;
	struct smap series;
	struct err *e;
};

static int bulk_point(struct sink *s, const char *device, const char *metric,
		      int64_t ts, double value)
{
	struct bulk_sink *b = (struct bulk_sink *)s;
	char key[DB_NAME_MAX * 2 + 2];
	int64_t id;
	int rc;

	snprintf(key, sizeof(key), "%s/%s", device, metric);
	if (!smap_get(&b->series, key, &id)) {
		if ((rc = db_series_ensure(b->db, device, metric, &id, b->e)))
			return rc;
		if (smap_put(&b->series, key, id))
			return err_nomem(b->e);
	}
	return ts_bulk_add(b->bulk, id, ts, value, b->e);
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
	struct bulk_sink b = { { bulk_point, bulk_flush }, d->db, NULL, { 0 }, e };
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
		rc = report_minute(d, &b.base, t);
	if (!rc && !(rc = ts_bulk_commit(b.bulk, e)))
		rc = db_chunks_write(d->db, &mark, e);
	ts_bulk_free(b.bulk);
	smap_free(&b.series);
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
			report_minute(d, &h.base, t);
		if (t - flown >= MS_PER_HOUR) {
			fly(d, flown, t);
			flown = t;
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

	db_state_get(d->db, STATE_HISTORY_FROM, &from, e);
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
