/*
 * alert/alerts.c with a real store and a synthetic clock: each rule
 * template driven by synthetic points, valve changes and time; the
 * lifecycle (acknowledge, close by hand, clear with hysteresis); repeat
 * and escalation; and a restart that does not raise an alert twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_store.h"
#include "alert/alerts.h"
#include "util/timeutil.h"

#define T0 INT64_C(1782864000000) /* 2026-07-01T00:00:00Z */
#define MIN MS_PER_MINUTE

struct fixture {
	struct test_store store;
	struct db *db;
	struct events *ev;
	struct alerts *a;
	int64_t now;
	/* a gate in the clock: evaluation stops there while closed (5 s at most) */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	bool gated, at_gate;
};

static int64_t fake_now(void *ctx)
{
	struct fixture *f = ctx;
	struct timespec until;

	pthread_mutex_lock(&f->gate_lock);
	if (f->gated) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		f->at_gate = true;
		pthread_cond_broadcast(&f->gate_cond);
		while (f->gated && pthread_cond_timedwait(&f->gate_cond,
				&f->gate_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&f->gate_lock);
	return f->now;
}

static void gate(struct fixture *f, bool closed)
{
	pthread_mutex_lock(&f->gate_lock);
	f->gated = closed;
	f->at_gate = false;
	pthread_cond_broadcast(&f->gate_cond);
	pthread_mutex_unlock(&f->gate_lock);
}

/* Wait until the clock is asked behind the closed gate (5 s at most). */
static bool reached_gate(struct fixture *f)
{
	struct timespec until;
	bool at;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&f->gate_lock);
	while (!f->at_gate && pthread_cond_timedwait(&f->gate_cond,
			&f->gate_lock, &until) == 0)
		;
	at = f->at_gate;
	pthread_mutex_unlock(&f->gate_lock);
	return at;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void add_plot(struct db *db, const char *code, double fc, double wp)
{
	struct db_plot p = { .field_capacity = fc, .wilting_point = wp };
	struct err e;

	snprintf(p.code, sizeof(p.code), "%s", code);
	strcpy(p.crop, "cotton");
	p.geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
	p.area_m2 = 1000;
	assert_int_equal(db_plots_upsert(db, &p, 1, NULL, NULL, &e), 0);
}

static void add_device(struct db *db, const char *id, const char *kind,
		       const char *plot)
{
	struct db_device d = { .lon = NAN, .lat = NAN, .created_ms = 1 };
	struct err e;

	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.kind, sizeof(d.kind), "%s", kind);
	snprintf(d.plot, sizeof(d.plot), "%s", plot);
	assert_int_equal(db_device_create(db, &d, &e), 0);
}

static void start(struct fixture *f)
{
	struct alerts_opts o = { .now = fake_now, .now_ctx = f };
	struct err e;

	assert_int_equal(alerts_open(f->db, f->ev, &o, &f->a, &e), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e;

	pthread_mutex_init(&f->gate_lock, NULL);
	pthread_cond_init(&f->gate_cond, NULL);
	if (test_store_open(&f->store, false, "alert", false) ||
	    events_open(1000, 0, &f->ev, &e))
		return -1;
	f->db = f->store.db;
	add_plot(f->db, "P1", 0.30, 0.12);
	add_plot(f->db, "P2", NAN, NAN);
	add_device(f->db, "ws-1", "weather_station", "P1");
	add_device(f->db, "sp-1", "soil_probe", "P1");
	add_device(f->db, "fm-1", "flow_meter", "P1");
	add_device(f->db, "v-1", "valve", "P1");
	f->now = T0;
	start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	alerts_close(f->a);
	events_shutdown(f->ev);
	events_free(f->ev);
	rc = test_store_close(&f->store);
	pthread_cond_destroy(&f->gate_cond);
	pthread_mutex_destroy(&f->gate_lock);
	free(f);
	return rc;
}

static int64_t rule(struct fixture *f, const char *json)
{
	struct alert_rule r;
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	struct err e;

	assert_non_null(j);
	if (alerts_rule_create(f->a, j, &r, &e))
		fail_msg("rule %s: %s", json, e.msg);
	json_decref(j);
	return r.id;
}

/* A point of device/metric (series id from a small table) at f->now. */
static void point(struct fixture *f, const char *device, const char *metric,
		  const char *plot, double v)
{
	static const char *names[32];
	int64_t series = 0;
	char key[128];

	snprintf(key, sizeof(key), "%s/%s", device, metric);
	for (int i = 0; i < 32 && !series; i++) {
		if (!names[i])
			names[i] = strdup(key);
		if (!strcmp(names[i], key))
			series = i + 1;
	}
	struct ingest_seen p = { device, metric, plot, series, f->now, v };
	alerts_observe_points(f->a, &p, 1);
	assert_true(alerts_settle(f->a, 10000));
}

struct count {
	int n;
	struct db_alert last;
};

static int count_one(const struct db_alert *a, void *ctx)
{
	struct count *c = ctx;

	if (!c->n)
		c->last = *a;
	c->n++;
	return 0;
}

/* Alerts in state (NULL any) of rule id; the newest in c.last. */
static struct count alerts_of(struct fixture *f, int64_t rule_id,
			      const char *state)
{
	struct db_alert_filter flt = { .state = state, .rule_id = rule_id };
	struct count c = { 0 };
	struct err e;

	assert_int_equal(db_alert_list(f->db, &flt, count_one, &c, &e), 0);
	return c;
}

static void nothing(void *ctx)
{
	(void)ctx;
}

static void frost_lifecycle(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"frost\"}");
	struct events_reader rd = { .wake = nothing, .release = nothing };
	struct buf out = BUF_INIT;
	struct db_alert al;
	struct err e;

	events_attach(f->ev, &rd);
	point(f, "ws-1", "air_temp", "P1", 1.0);
	f->now += 5 * MIN;
	point(f, "ws-1", "air_temp", "P1", 0.5);
	assert_int_equal(alerts_of(f, id, NULL).n, 0); /* 10 min not yet met */
	f->now += 4 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, id, NULL).n, 0);
	f->now += MIN;
	alerts_tick(f->a, f->now);                     /* the clock completes it */
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	point(f, "ws-1", "air_temp", "P1", 0.2);
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	f->now += MIN;
	point(f, "ws-1", "air_temp", "P1", -1.0);      /* no storm */
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	al = alerts_of(f, id, NULL).last;
	assert_string_equal(al.subject, "base");   /* the air over the base */
	assert_string_equal(al.plot, "");
	assert_int_equal(alerts_ack(f->a, al.id, "op", "on it", &al, &e), 0);
	assert_string_equal(al.state, "acknowledged");
	assert_int_equal(alerts_ack(f->a, al.id, "op", "", &al, &e), ERR_INVALID);
	point(f, "ws-1", "air_temp", "P1", 2.5);       /* inside the band */
	assert_int_equal(alerts_of(f, id, "acknowledged").n, 1);
	f->now += MIN;
	point(f, "ws-1", "air_temp", "P1", 3.2);       /* past the clear level */
	al = alerts_of(f, id, NULL).last;
	assert_string_equal(al.state, "closed");
	assert_string_equal(al.acked_by, "op");
	assert_string_equal(al.ack_comment, "on it");
	/* opened, acknowledged, closed: three "alert" events for plot P1 */
	assert_int_equal(events_read(f->ev, &rd, &out, 1 << 20), 1);
	assert_non_null(strstr(out.data, "event: alert"));
	assert_non_null(strstr(out.data, "\"acknowledged\""));
	assert_non_null(strstr(out.data, "\"closed\""));
	events_detach(f->ev, &rd);
	buf_free(&out);
}

static void restart_raises_no_duplicate(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"strong_wind\",\"for_s\":0}");

	point(f, "ws-1", "wind_speed", "P1", 15);
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	alerts_close(f->a);
	start(f);                                  /* the rule survived */
	f->now += MIN;
	point(f, "ws-1", "wind_speed", "P1", 16);
	point(f, "ws-1", "wind_speed", "P1", 17);
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	f->now += MIN;
	point(f, "ws-1", "wind_speed", "P1", 5);   /* and it still clears */
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
}

static void several_weather_templates(void **state)
{
	struct fixture *f = *state;
	int64_t heat = rule(f, "{\"template\":\"heat_stress\",\"crop\":\"cotton\"}");
	int64_t dhw = rule(f, "{\"template\":\"dry_hot_wind\"}");
	int64_t bat = rule(f, "{\"template\":\"low_battery\"}");

	for (int i = 0; i <= 60; i += 10) {
		point(f, "ws-1", "air_temp", "P1", 36);
		point(f, "ws-1", "rh", "P1", 20);
		point(f, "ws-1", "wind_speed", "P1", 4);
		point(f, "sp-1", "battery", "P1", 3.3);
		f->now += 10 * MIN;
	}
	assert_int_equal(alerts_of(f, heat, "open").n, 1);
	assert_int_equal(alerts_of(f, dhw, "open").n, 1);
	assert_int_equal(alerts_of(f, bat, "open").n, 1);
	assert_string_equal(alerts_of(f, bat, NULL).last.subject, "sp-1");
}

/* FC 0.30, WP 0.12, p 0.65: RAW limit 100 (0.30 - 0.65 x 0.18) = 18.3 %vol. */
static void root_zone_depletion(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"root_zone_depletion\"}");

	point(f, "sp-1", "moisture_30cm", "P1", 18.4);
	f->now += 2 * MS_PER_HOUR;
	point(f, "sp-1", "moisture_30cm", "P1", 18.4);
	assert_int_equal(alerts_of(f, id, NULL).n, 0);
	point(f, "sp-1", "moisture_30cm", "P1", 18.2);
	f->now += MS_PER_HOUR;
	point(f, "sp-1", "moisture_30cm", "P1", 17.0);
	assert_int_equal(alerts_of(f, id, "open").n, 1);
}

/* The detail's params of the newest alert of rule id (new reference). */
static json_t *params_of(struct fixture *f, int64_t id, const char *code)
{
	struct db_alert al = alerts_of(f, id, NULL).last;
	json_t *d = json_loads(al.detail, 0, NULL), *p;

	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "code")), code);
	p = json_incref(json_object_get(d, "params"));
	json_decref(d);
	assert_non_null(p);
	return p;
}

static void stuck_and_silent(void **state)
{
	struct fixture *f = *state;
	int64_t stuck = rule(f, "{\"template\":\"stuck_sensor\"}");
	int64_t silent = rule(f, "{\"template\":\"sensor_silent\"}");
	json_t *p;

	for (int i = 0; i <= 40; i++) {
		point(f, "ws-1", "air_temp", "P1", 21.0);
		f->now += 5 * MIN;
	}
	assert_int_equal(alerts_of(f, stuck, "open").n, 1);
	assert_string_equal(alerts_of(f, stuck, NULL).last.subject,
			    "ws-1/air_temp");
	p = params_of(f, stuck, "stuck");
	assert_string_equal(json_string_value(json_object_get(p, "device")), "ws-1");
	assert_int_equal(json_integer_value(json_object_get(p, "minutes")), 180);
	json_decref(p);
	/* last point at now - 5 min; silent after 15 min */
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, silent, NULL).n, 0);
	f->now += 11 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, silent, "open").n, 1);
	p = params_of(f, silent, "silent");
	assert_int_equal(json_integer_value(json_object_get(p, "silent_s")), 960);
	assert_int_equal(json_integer_value(json_object_get(p, "interval_s")), 300);
	json_decref(p);
	point(f, "ws-1", "air_temp", "P1", 21.5);
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, silent, "closed").n, 1);
	assert_int_equal(alerts_of(f, stuck, "closed").n, 1);
}

static void no_data_and_stale_sources(void **state)
{
	struct fixture *f = *state;
	int64_t nodata = rule(f, "{\"template\":\"no_data\"}");
	int64_t st = rule(f, "{\"template\":\"station_stale\",\"plot\":\"P1\"}");
	int64_t sat = rule(f, "{\"template\":\"satellite_stale\"}");
	json_t *fr;
	struct err e;

	point(f, "ws-1", "air_temp", "P1", 20);
	f->now += 14 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, st, NULL).n, 0);
	f->now += 2 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, st, "open").n, 1);
	assert_int_equal(alerts_of(f, nodata, NULL).n, 0);
	f->now += 15 * MIN;
	alerts_tick(f->a, f->now);
	/* only P1 has devices: one plot without data */
	assert_int_equal(alerts_of(f, nodata, "open").n, 1);
	assert_string_equal(alerts_of(f, nodata, NULL).last.subject, "P1");
	fr = alerts_freshness_json(f->a, "P1", &e);
	assert_non_null(fr);
	assert_true(json_is_true(json_object_get(json_array_get(
		json_object_get(fr, "sources"), 0), "late")));
	json_decref(fr);
	point(f, "sp-1", "moisture_30cm", "P1", 25);
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, nodata, "closed").n, 1);
	assert_int_equal(alerts_of(f, st, "closed").n, 1);
	/* satellite: every plot, late after 9 days without a scene */
	alerts_source_seen(f->a, "satellite", "P2", f->now);
	f->now += 9 * MS_PER_DAY + MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, sat, "open").n, 2);
	alerts_source_seen(f->a, "satellite", "P2", f->now);
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, sat, "open").n, 1);
}

/*
 * The drone flies by day (08:00-20:00 UTC+6, i.e. 02:00-14:00 UTC): seen
 * at 19:00 local, it is not late at 09:00 the next morning (2 h of
 * daytime since) but is at 11:00 (4 h > 1.5 x 2 h).
 */
static void drone_stale_counts_daytime(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"drone_stale\",\"plot\":\"P2\"}");

	f->now = T0 + 13 * MS_PER_HOUR;
	alerts_source_seen(f->a, "drone", "P2", f->now);
	f->now = T0 + MS_PER_DAY + 3 * MS_PER_HOUR;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, id, NULL).n, 0);
	f->now = T0 + MS_PER_DAY + 5 * MS_PER_HOUR;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	assert_string_equal(alerts_of(f, id, NULL).last.subject, "P2/drone");
	alerts_source_seen(f->a, "drone", "P2", f->now);
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
}

static struct db_command command(const char *action, const char *state_name)
{
	struct db_command c = { .id = 7 };

	strcpy(c.device, "v-1");
	strcpy(c.action, action);
	strcpy(c.state, state_name);
	strcpy(c.reason, "no answer within 30 s");
	return c;
}

static void valves(void **state)
{
	struct fixture *f = *state;
	int64_t failed = rule(f, "{\"template\":\"valve_failed\"}");
	int64_t noflow = rule(f, "{\"template\":\"valve_no_flow\"}");
	struct db_command c = command("open", "failed");

	json_t *p;

	alerts_on_valve(&c, "P1", f->a);
	assert_int_equal(alerts_of(f, failed, "open").n, 1);
	p = params_of(f, failed, "valve_failed");
	assert_string_equal(json_string_value(json_object_get(p, "reason")),
			    "refused");
	assert_string_equal(json_string_value(json_object_get(p, "action")), "open");
	json_decref(p);
	c = command("open", "acknowledged");
	alerts_on_valve(&c, "P1", f->a);
	assert_int_equal(alerts_of(f, failed, "closed").n, 1);
	f->now += 4 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, noflow, NULL).n, 0);
	f->now += 2 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, noflow, "open").n, 1);
	p = params_of(f, noflow, "valve_no_flow");
	assert_int_equal(json_integer_value(json_object_get(p, "minutes")), 6);
	json_decref(p);
	point(f, "fm-1", "flow", "P1", 12.5);
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, noflow, "closed").n, 1);
}

/*
 * Two stations, one frost: one alert of the base, on no plot, listing the
 * plots it covers; open while either breaches, closed when both cleared.
 */
static void weather_is_one_alert_of_the_base(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"frost\",\"for_s\":0}");
	struct db_alert al;
	json_t *p;

	add_device(f->db, "ws-2", "weather_station", "P2");
	point(f, "ws-1", "air_temp", "P1", -1.0);
	point(f, "ws-2", "air_temp", "P2", -3.0);
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	al = alerts_of(f, id, "open").last;
	assert_string_equal(al.subject, "base");
	assert_string_equal(al.plot, "");
	assert_string_equal(al.severity, "critical"); /* cotton, sown: growing */
	p = params_of(f, id, "weather");
	assert_string_equal(json_string_value(json_object_get(p, "station")),
			    "ws-1");
	assert_string_equal(json_string_value(json_object_get(p, "area")), "base");
	assert_int_equal(json_integer_value(json_object_get(p, "plots_n")), 2);
	assert_int_equal(json_array_size(json_object_get(p, "plots")), 2);
	assert_true(json_real_value(json_object_get(p, "value")) == -1.0);
	assert_string_equal(json_string_value(json_object_get(p, "metric")),
			    "air_temp");
	json_decref(p);
	f->now += MIN;
	point(f, "ws-1", "air_temp", "P1", 4.0);    /* ws-2 still freezing */
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	point(f, "ws-2", "air_temp", "P2", 4.0);
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	/* the station's battery is the station's own alert, on its plot */
	id = rule(f, "{\"template\":\"low_battery\",\"for_s\":0}");
	point(f, "ws-2", "battery", "P2", 1.0);
	al = alerts_of(f, id, "open").last;
	assert_string_equal(al.subject, "ws-2");
	assert_string_equal(al.plot, "P2");
	json_decref(params_of(f, id, "threshold"));
}

/* A county's weather: the first 200 plots listed, every one counted. */
static void a_county_weather_lists_200_plots_and_counts_all(void **state)
{
	struct fixture *f = *state;
	struct db_plot *many = calloc(300, sizeof(*many));
	struct err e;
	int64_t id;
	json_t *p;

	for (int i = 0; i < 300; i++) {
		snprintf(many[i].code, sizeof(many[i].code), "652324%07d", i);
		strcpy(many[i].crop, "cotton");
		many[i].field_capacity = many[i].wilting_point = NAN;
		many[i].geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
		many[i].area_m2 = 1000;
	}
	assert_int_equal(db_plots_upsert(f->db, many, 300, NULL, NULL, &e), 0);
	free(many);
	alerts_close(f->a);
	start(f);
	id = rule(f, "{\"template\":\"frost\",\"for_s\":0}");
	point(f, "ws-1", "air_temp", "P1", -4.0);
	p = params_of(f, id, "weather");
	assert_int_equal(json_integer_value(json_object_get(p, "plots_n")), 302);
	assert_int_equal(json_array_size(json_object_get(p, "plots")), 200);
	json_decref(p);
}

/* A frost on plots whose crop is harvested (past its season) is only info. */
static void frost_on_harvested_plots_is_info(void **state)
{
	struct fixture *f = *state;
	struct db_plot w = { .field_capacity = NAN, .wilting_point = NAN };
	struct err e;
	int64_t id;
	json_t *p;

	snprintf(w.code, sizeof(w.code), "W1");
	strcpy(w.crop, "spring_wheat");
	strcpy(w.sowing_date, "2026-03-20");     /* 200 days at most: Oct 6 */
	w.geometry = "{\"type\":\"Polygon\",\"coordinates\":[]}";
	w.area_m2 = 1000;
	assert_int_equal(db_plots_upsert(f->db, &w, 1, NULL, NULL, &e), 0);
	add_device(f->db, "ws-w", "weather_station", "W1");
	alerts_close(f->a);
	start(f);
	id = rule(f, "{\"template\":\"frost\",\"for_s\":0,"
		  "\"crop\":\"spring_wheat\"}");
	point(f, "ws-w", "air_temp", "W1", -1.0);   /* July 1: growing */
	assert_string_equal(alerts_of(f, id, "open").last.severity, "critical");
	p = params_of(f, id, "weather");
	assert_int_equal(json_integer_value(json_object_get(p, "plots_n")), 1);
	assert_int_equal(json_integer_value(json_object_get(p, "in_season_n")), 1);
	json_decref(p);
	f->now += MIN;
	point(f, "ws-w", "air_temp", "W1", 5.0);
	f->now = T0 + 130 * MS_PER_DAY;               /* Nov 8: harvested */
	point(f, "ws-w", "air_temp", "W1", -8.0);
	assert_int_equal(alerts_of(f, id, NULL).n, 2);
	assert_string_equal(alerts_of(f, id, "open").last.severity, "info");
	p = params_of(f, id, "weather");
	assert_int_equal(json_integer_value(json_object_get(p, "in_season_n")), 0);
	json_decref(p);
}

static void vegetation_anomaly_from_another_module(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"vegetation_anomaly\"}");
	bool raised;
	struct err e;

	json_t *params = json_pack("{ss sf sf}", "index", "ndvi", "value", 0.21,
				   "reference", 0.45), *p;

	assert_int_equal(alerts_raise_external_with(f->a, "vegetation_anomaly",
			 "P2", "NDVI 0.21 below the plot's 0.45 median", params,
			 &raised, &e), 0);
	json_decref(params);
	assert_true(raised);
	p = params_of(f, id, "vegetation_anomaly");   /* its own, and ours */
	assert_string_equal(json_string_value(json_object_get(p, "plot")), "P2");
	assert_string_equal(json_string_value(json_object_get(p, "template")),
			    "vegetation_anomaly");
	assert_true(json_real_value(json_object_get(p, "reference")) == 0.45);
	json_decref(p);
	alerts_raise_external(f->a, "vegetation_anomaly", "P2", "again", &raised,
			      &e);
	assert_int_equal(alerts_of(f, id, NULL).n, 1);
	assert_string_equal(alerts_of(f, id, NULL).last.message,
			    "NDVI 0.21 below the plot's 0.45 median");
	assert_int_equal(alerts_raise_external(f->a, "vegetation_anomaly", "NOPE",
			 "x", &raised, &e), ERR_NOT_FOUND);
	assert_int_equal(alerts_clear_external(f->a, "vegetation_anomaly", "P2",
					       &e), 0);
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
}

/* A camera's alert is its own: two cameras of P1, one back, one still out. */
static void device_alerts_are_per_device(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"camera_offline\"}");
	struct db_alert_filter flt = { .state = "open", .rule_id = 0 };
	struct count c = { 0 };
	bool raised;
	struct err e;

	flt.rule_id = id;
	assert_int_equal(alerts_raise_device(f->a, "camera_offline", "cam-a",
			 "P1", "camera cam-a: Connection refused", &raised, &e), 0);
	assert_true(raised);
	assert_int_equal(alerts_raise_device(f->a, "camera_offline", "cam-b",
			 "P1", "camera cam-b: stalled", &raised, &e), 0);
	alerts_raise_device(f->a, "camera_offline", "cam-b", "P1", "again",
			    &raised, &e);
	assert_int_equal(alerts_of(f, id, "open").n, 2);
	assert_int_equal(alerts_clear_device(f->a, "camera_offline", "cam-a",
					     "P1", &e), 0);
	/* cam-a's closed while cam-b's stays open */
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
	assert_string_equal(alerts_of(f, id, "closed").last.subject, "cam-a");
	assert_int_equal(db_alert_list(f->db, &flt, count_one, &c, &e), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.last.subject, "cam-b");
	assert_string_equal(c.last.plot, "P1");
	assert_string_equal(c.last.message, "camera cam-b: stalled");
	/* a camera on no plot; an unknown plot */
	assert_int_equal(alerts_raise_device(f->a, "camera_offline", "cam-c",
			 "", "camera cam-c: 401 Unauthorized", &raised, &e), 0);
	assert_true(raised);
	assert_int_equal(alerts_raise_device(f->a, "camera_offline", "cam-d",
			 "NOPE", "x", &raised, &e), ERR_NOT_FOUND);
	assert_int_equal(alerts_clear_device(f->a, "camera_offline", "cam-b",
					     "P1", &e), 0);
	assert_int_equal(alerts_clear_device(f->a, "camera_offline", "cam-c",
					     NULL, &e), 0);
	assert_int_equal(alerts_of(f, id, "open").n, 0);
	assert_int_equal(alerts_of(f, id, "closed").n, 3);
}

static void repeat_escalate_and_close_by_hand(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"frost\",\"for_s\":0,"
			  "\"repeat_s\":600,\"escalate_s\":1800,"
			  "\"severity\":\"warning\"}");
	struct db_alert al;
	struct err e;

	point(f, "ws-1", "air_temp", "P1", 0);
	al = alerts_of(f, id, NULL).last;
	f->now += 10 * MIN;
	alerts_tick(f->a, f->now);
	assert_int_equal(alerts_of(f, id, NULL).last.notified_ms, f->now);
	f->now += 20 * MIN;
	alerts_tick(f->a, f->now);
	al = alerts_of(f, id, NULL).last;
	assert_true(al.escalated);
	assert_string_equal(al.severity, "critical");
	assert_int_equal(alerts_close_alert(f->a, al.id, "op", "fixed", &al, &e),
			 0);
	assert_string_equal(al.state, "closed");
	assert_int_equal(alerts_close_alert(f->a, al.id, "op", "", &al, &e),
			 ERR_INVALID);
	/* still freezing: a new alert opens after a manual close */
	f->now += MIN;
	point(f, "ws-1", "air_temp", "P1", -1);
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	/* deleting the rule closes its alerts */
	assert_int_equal(alerts_rule_delete(f->a, id, &e), 0);
	assert_int_equal(alerts_of(f, id, "active").n, 0);
}

/* Nothing listens on port 9 of loopback: every attempt fails. */
static void webhook_dead_letter_after_the_last_retry(void **state)
{
	struct fixture *f = *state;
	struct notify_opts o = { .url = "http://127.0.0.1:9/hook",
				 .secret = "k", .attempts = 3,
				 .first_backoff_ms = 10, .timeout_ms = 500 };
	struct notify *n;
	uint64_t delivered = 0, dead = 0;
	int64_t count = 0;
	struct err e;

	assert_int_equal(notify_open(f->db, &o, &n, &e), 0);
	notify_send(n, 42, "{\"event\":\"opened\"}");
	for (int i = 0; i < 500 && !dead; i++) {
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
		notify_counts(n, &delivered, &dead);
	}
	notify_close(n);
	assert_int_equal(dead, 1);
	assert_int_equal(delivered, 0);
	assert_int_equal(db_alert_dead_letter_count(f->db, &count, &e), 0);
	assert_int_equal(count, 1);
}

/* ---- the queue between the writers and the monitoring thread ------------- */

static void observe_one(struct fixture *f, const char *device,
			const char *metric, int64_t series, double v)
{
	struct ingest_seen p = { device, metric, "P1", series, f->now, v };

	alerts_observe_points(f->a, &p, 1);
}

static struct alerts_stats stats(struct fixture *f)
{
	struct alerts_stats st;

	alerts_stats(f->a, &st);
	return st;
}

/* The writer is answered before the rules are evaluated, not after. */
static void writer_does_not_wait_for_evaluation(void **state)
{
	struct fixture *f = *state;
	int64_t id = rule(f, "{\"template\":\"frost\",\"for_s\":0}");
	struct timespec t0;

	gate(f, true);   /* evaluation stops in the clock */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	observe_one(f, "ws-1", "air_temp", 101, -2.0);
	assert_true(elapsed_ms(&t0) < 1000);
	assert_true(reached_gate(f));
	assert_int_equal(alerts_of(f, id, NULL).n, 0);
	gate(f, false);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	assert_int_equal(stats(f).evaluated, 1);
}

/* A full queue holds the writer ALERTS_QUEUE_WAIT_MS, then counts drops. */
static void full_queue_holds_the_writer_then_counts_drops(void **state)
{
	struct fixture *f = *state;
	struct alerts_opts o = { .now = fake_now, .now_ctx = f, .queue_max = 4 };
	struct ingest_seen p[10];
	struct timespec t0;
	struct err e;
	double ms;

	alerts_close(f->a);
	assert_int_equal(alerts_open(f->db, f->ev, &o, &f->a, &e), 0);
	gate(f, true);
	observe_one(f, "ws-1", "air_temp", 101, 20.0);
	assert_true(reached_gate(f));  /* the monitoring thread holds 1 */
	for (int i = 0; i < 10; i++)
		p[i] = (struct ingest_seen){ "ws-1", "air_temp", "P1", 101,
					     f->now + (i + 1) * MIN, 20.0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alerts_observe_points(f->a, p, 10);  /* 4 fit, 6 do not */
	ms = elapsed_ms(&t0);
	assert_true(ms >= ALERTS_QUEUE_WAIT_MS * 0.9 && ms < 3000);
	assert_int_equal(stats(f).dropped, 6);
	assert_int_equal(stats(f).queued, 5);
	gate(f, false);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(stats(f).evaluated, 5);
	assert_int_equal(stats(f).queued, 0);
	assert_int_equal(stats(f).dropped, 6);
}

/*
 * A series is classified once: with no rule on it only a point newer than
 * the device's last is queued (its freshness needs no more); a change of
 * rules classifies every series again.
 */
static void series_classified_once_and_again_when_rules_change(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	observe_one(f, "ws-1", "air_temp", 101, 5.0);
	observe_one(f, "ws-1", "rh", 102, 50.0);
	observe_one(f, "ws-1", "pressure", 103, 950.0);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(stats(f).evaluated, 3);   /* new series: all queued */
	f->now += MIN;
	observe_one(f, "ws-1", "air_temp", 101, -1.0);
	observe_one(f, "ws-1", "rh", 102, 50.0);
	observe_one(f, "ws-1", "pressure", 103, 950.0);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(stats(f).evaluated, 4);   /* quiet: one per instant */
	id = rule(f, "{\"template\":\"frost\",\"for_s\":0}");
	f->now += MIN;
	observe_one(f, "ws-1", "air_temp", 101, -1.0);
	observe_one(f, "ws-1", "rh", 102, 50.0);
	observe_one(f, "ws-1", "pressure", 103, 950.0);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(stats(f).evaluated, 7);   /* classified again */
	assert_int_equal(alerts_of(f, id, "open").n, 1);
	f->now += MIN;
	observe_one(f, "ws-1", "air_temp", 101, 4.0);
	observe_one(f, "ws-1", "rh", 102, 50.0);
	observe_one(f, "ws-1", "pressure", 103, 950.0);
	assert_true(alerts_settle(f->a, 10000));
	assert_int_equal(stats(f).evaluated, 9);   /* watched 1, quiet 1 */
	assert_int_equal(alerts_of(f, id, "closed").n, 1);
	assert_int_equal(stats(f).dropped, 0);
}

/* A PV plant's piece for the registry (numbers not given: NAN). */
static struct db_pv_equipment pv_piece(const char *id, const char *kind,
				       const char *parent, const char *station)
{
	struct db_pv_equipment q = {
		.kwp_dc = NAN, .kw_ac = NAN, .gamma_pdc = NAN, .tilt = NAN,
		.azimuth = NAN, .axis_tilt = NAN, .axis_azimuth = NAN,
		.max_angle = NAN, .gcr = NAN, .lon = NAN, .lat = NAN,
	};

	snprintf(q.id, sizeof(q.id), "%s", id);
	snprintf(q.kind, sizeof(q.kind), "%s", kind);
	snprintf(q.parent, sizeof(q.parent), "%s", parent);
	snprintf(q.met_station, sizeof(q.met_station), "%s", station);
	return q;
}

/*
 * The PV alarms on points, through the registry: an inverter giving
 * nothing under its station's light trips after for_s (the station's
 * points judge it too); a restart keeps the alert open and raises none
 * twice; power back clears it.  A string far below its box's median opens
 * pv_string_low.  Points of a device the registry does not hold judge
 * nothing.
 */
static void pv_alarms_on_points(void **state)
{
	struct fixture *f = *state;
	struct db_site site = { .lon = NAN, .lat = NAN, .alt_m = NAN };
	struct db_pv_equipment rows[] = {
		pv_piece("PM1", "pv_met_station", "", ""),
		pv_piece("PI1", "pv_inverter", "", "PM1"),
		pv_piece("PC1", "pv_combiner", "PI1", ""),
		pv_piece("PS1", "pv_string", "PC1", ""),
		pv_piece("PS2", "pv_string", "PC1", ""),
		pv_piece("PS3", "pv_string", "PC1", ""),
	};
	size_t added, updated;
	int64_t trip, low;
	struct err e;

	strcpy(site.code, "pk");
	strcpy(site.name, "park");
	strcpy(site.kind, "pv_plant");
	strcpy(site.tz, "Asia/Shanghai");
	rows[1].kwp_dc = 250;
	rows[1].kw_ac = 200;
	assert_int_equal(db_site_create(f->db, &site, &e), 0);
	assert_int_equal(db_pv_import(f->db, "pk", rows, 6, T0, &added,
				      &updated, &e), 0);
	trip = rule(f, "{\"template\":\"pv_inverter_trip\",\"for_s\":600}");
	low = rule(f, "{\"template\":\"pv_string_low\",\"for_s\":0}");
	for (int m = 0; m <= 10; m++) {
		point(f, "PI1", "p_ac", "", 0.0);
		point(f, "PM1", "poa_global", "", 800.0);
		point(f, "PX9", "p_ac", "", 0.0);   /* not in the registry */
		assert_int_equal(alerts_of(f, trip, "open").n, m == 10);
		f->now += MIN;
	}
	assert_string_equal(alerts_of(f, trip, "open").last.subject, "PI1");
	alerts_close(f->a);                   /* a restart */
	start(f);
	point(f, "PM1", "poa_global", "", 810.0);
	point(f, "PI1", "p_ac", "", 0.5);
	assert_int_equal(alerts_of(f, trip, NULL).n, 1);
	point(f, "PI1", "p_ac", "", 150.0);
	assert_int_equal(alerts_of(f, trip, "closed").n, 1);
	point(f, "PS1", "string_current", "", 8.0);
	point(f, "PS2", "string_current", "", 8.2);
	assert_int_equal(alerts_of(f, low, NULL).n, 0);  /* 2 strings: no median */
	point(f, "PS3", "string_current", "", 3.0);
	assert_int_equal(alerts_of(f, low, "open").n, 1);
	assert_string_equal(alerts_of(f, low, "open").last.subject, "PS3");
	f->now += MIN;
	point(f, "PS3", "string_current", "", 7.9);
	assert_int_equal(alerts_of(f, low, "closed").n, 1);
	/* pieces imported while it runs: read again once heard from */
	{
		struct db_pv_equipment more[] = {
			pv_piece("PM2", "pv_met_station", "", ""),
			pv_piece("PI2", "pv_inverter", "", "PM2"),
		};

		more[1].kwp_dc = 250;
		more[1].kw_ac = 200;
		assert_int_equal(db_pv_import(f->db, "pk", more, 2, f->now,
					      &added, &updated, &e), 0);
		for (int m = 0; m <= 12; m++) {
			point(f, "PI2", "p_ac", "", 0.0);
			point(f, "PM2", "poa_global", "", 800.0);
			f->now += MIN;
		}
		assert_int_equal(alerts_of(f, trip, "open").n, 1);
		assert_string_equal(alerts_of(f, trip, "open").last.subject,
				    "PI2");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(frost_lifecycle),
		T(weather_is_one_alert_of_the_base),
		T(frost_on_harvested_plots_is_info),
		T(a_county_weather_lists_200_plots_and_counts_all),
		T(restart_raises_no_duplicate),
		T(several_weather_templates),
		T(root_zone_depletion),
		T(stuck_and_silent),
		T(no_data_and_stale_sources),
		T(drone_stale_counts_daytime),
		T(valves),
		T(vegetation_anomaly_from_another_module),
		T(device_alerts_are_per_device),
		T(repeat_escalate_and_close_by_hand),
		T(webhook_dead_letter_after_the_last_retry),
		T(writer_does_not_wait_for_evaluation),
		T(full_queue_holds_the_writer_then_counts_drops),
		T(series_classified_once_and_again_when_rules_change),
		T(pv_alarms_on_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
