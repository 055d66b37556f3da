/*
 * The daily PV alarms from the clock (pvsite/pvsite_health.c): the hook
 * the monitoring calls judges each PV site's last complete day in its
 * zone, once; an inverter whose expected ratio fell against its own
 * previous days opens pv_pr_drop, and the next day, back to normal,
 * clears it.  A real store and engine, a fixed clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alerts.h"
#include "db/db.h"
#include "pvsite/pvsite.h"
#include "sites/sites.h"
#include "ts/engine.h"
#include "util/timeutil.h"
#include "test_folder.h"

#define H MS_PER_HOUR
/* 2025-06-14T00:00:00+08:00, the first day of history */
#define DAY0 (INT64_C(1749830400000))

struct fixture {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;
	struct alerts *a;
	int64_t now;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int64_t fixed_now(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct alerts_opts o = { .now = fixed_now, .now_ctx = f };
	struct err e;

	f->now = DAY0;
	if (test_folder_open(f->dir, sizeof(f->dir), "pvhealth", &f->db,
			     &f->eng, &manual) ||
	    alerts_open(f->db, NULL, &o, &f->a, &e))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	alerts_close(f->a);
	if (test_folder_close(f->dir, f->db, f->eng))
		return -1;
	free(f);
	return 0;
}

static void put(struct fixture *f, const char *device, const char *metric,
		int64_t ts, double value)
{
	struct ts_write w = { .ts = ts, .value = value };
	struct err e;

	if (db_series_ensure(f->db, device, metric, &w.series, &e) ||
	    ts_engine_write(f->eng, &w, 1, &e))
		fail_msg("%s", e.msg);
}

/* Day d (0 = 2025-06-14): ten hours of light, INV1 at ratio r of it. */
static void day(struct fixture *f, int d, double r)
{
	for (int h = 8; h < 18; h++) {
		int64_t t = DAY0 + d * MS_PER_DAY + h * H;
		double g = 600.0 + 40 * (h - 8);

		put(f, "MET1", "poa_global", t, g);
		put(f, "MET1", "temp_module", t, 25.0);
		put(f, "INV1", "p_ac", t, r * 0.25 * g);
	}
}

static void add_park(struct fixture *f)
{
	static const char layout[] =
		"id,kind,parent,met_station,kwp_dc,kw_ac\n"
		"MET1,met_station,,,,\n"
		"INV1,inverter,,MET1,250,200\n";
	struct db_site s = { .lon = NAN, .lat = NAN, .alt_m = NAN };
	struct pvsite_layout l;
	size_t added, updated;
	struct err e;

	strcpy(s.code, "park");
	strcpy(s.name, "park");
	strcpy(s.kind, "pv_plant");
	strcpy(s.tz, "Asia/Shanghai");
	if (sites_add(f->db, &s, 1, &e) ||
	    pvsite_layout_parse(f->db, "park", "layout.csv", layout,
				strlen(layout), &l, &e))
		fail_msg("%s", e.msg);
	if (pvsite_layout_store(f->db, "park", &l, 2, &added, &updated, &e))
		fail_msg("%s", e.msg);
	pvsite_layout_free(&l);
}

struct count {
	int n;
	struct db_alert last;
};

static int count_one(const struct db_alert *al, void *ctx)
{
	struct count *c = ctx;

	if (!c->n)
		c->last = *al;
	c->n++;
	return 0;
}

static struct count alerts_in(struct fixture *f, const char *state)
{
	struct db_alert_filter flt = { .state = state };
	struct count c = { 0 };
	struct err e;

	assert_int_equal(db_alert_list(f->db, &flt, count_one, &c, &e), 0);
	return c;
}

static void the_clock_judges_the_last_day_once(void **state)
{
	struct fixture *f = *state;
	struct pvsite_watch w = { .db = f->db, .ts = f->eng, .alerts = f->a };
	json_t *body = json_pack("{ss}", "template", "pv_pr_drop");
	struct alert_rule r;
	struct err e;

	add_park(f);
	for (int d = 0; d < 16; d++)
		day(f, d, d == 15 ? 0.60 : 0.80);      /* 06-29 fell */
	/* no rule: nothing is read nor judged */
	f->now = DAY0 + 16 * MS_PER_DAY + 2 * H;   /* 06-30 02:00 +08 */
	pvsite_watch_daily(&w, f->now);
	assert_int_equal(w.n_done, 0);
	assert_int_equal(alerts_rule_create(f->a, body, &r, &e), 0);
	json_decref(body);
	pvsite_watch_daily(&w, f->now);            /* judges 06-29 */
	assert_int_equal(alerts_in(f, "open").n, 1);
	assert_string_equal(alerts_in(f, "open").last.subject, "INV1");
	assert_non_null(strstr(alerts_in(f, "open").last.message, "0.75 x"));
	assert_int_equal(w.n_done, 1);
	assert_string_equal(w.done[0], "park/2025-06-29");
	pvsite_watch_daily(&w, f->now + H);         /* once a day */
	assert_int_equal(w.n_done, 1);
	day(f, 16, 0.80);                          /* 06-30 back to normal */
	f->now += MS_PER_DAY;
	pvsite_watch_daily(&w, f->now);
	assert_int_equal(alerts_in(f, "open").n, 0);
	assert_int_equal(alerts_in(f, "closed").n, 1);
	assert_string_equal(w.done[1], "park/2025-06-30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			the_clock_judges_the_last_day_once, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
