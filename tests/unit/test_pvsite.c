/*
 * The PV park on the store: time zones (tz.c: a site's midnight, DST days),
 * site checks (sites.c), the layout import's checks and messages
 * (pvsite_import.c), and the daily metrics of a synthetic day whose every
 * answer is written below as its arithmetic (pvsite_daily.c): an outage,
 * a communication gap, a curtailment window, points just outside the day.
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

#include "db/db.h"
#include "pvsite/pvsite.h"
#include "sites/sites.h"
#include "ts/engine.h"
#include "util/tz.h"
#include "test_folder.h"

#define H INT64_C(3600000)
/* 2025-06-21T00:00:00+08:00 */
#define DAY1 INT64_C(1750435200000)

static void close_to(double got, double want)
{
	if (fabs(got - want) > 1e-9 * fmax(1, fabs(want)))
		fail_msg("got %.12g, want %.12g", got, want);
}

/* ---- time zones --------------------------------------------------------- */

static void zones_give_each_site_its_midnight(void **state)
{
	struct tz *z = malloc(sizeof(*z));
	struct err e;

	(void)state;
	assert_int_equal(tz_load("Asia/Shanghai", NULL, z, &e), 0);
	assert_true(tz_local_midnight_ms(z, 2025, 6, 21) == DAY1);
	assert_int_equal(tz_offset_at(z, DAY1), 8 * 3600);
	/* far beyond the file's last transition: the footer's CST-8 */
	assert_int_equal(tz_offset_at(z, INT64_C(4000000000000)), 8 * 3600);
	assert_int_equal(tz_load("Europe/Berlin", NULL, z, &e), 0);
	/* 2025-03-30: clocks go forward at 02:00, a 23-hour day */
	assert_true(tz_local_midnight_ms(z, 2025, 3, 30) ==
		    INT64_C(1743289200000)); /* 2025-03-29T23:00Z */
	assert_true(tz_local_midnight_ms(z, 2025, 3, 31) -
		    tz_local_midnight_ms(z, 2025, 3, 30) == 23 * H);
	assert_true(tz_local_midnight_ms(z, 2025, 10, 27) -
		    tz_local_midnight_ms(z, 2025, 10, 26) == 25 * H);
	assert_int_equal(tz_load("UTC", NULL, z, &e), 0);
	assert_true(tz_local_midnight_ms(z, 1970, 1, 2) == 24 * H);
	assert_int_equal(tz_load("../etc/passwd", NULL, z, &e), ERR_INVALID);
	assert_int_equal(tz_load("Mars/Olympus", NULL, z, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "Mars/Olympus"));
	free(z);
}

/* ---- the store ---------------------------------------------------------- */

struct fixture {
	char dir[64];
	struct db *db;
	struct ts_engine *eng;
};

static const struct ts_engine_opts manual = { .no_maintenance = true };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (test_folder_open(f->dir, sizeof(f->dir), "pvsite", &f->db,
			     &f->eng, &manual))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (test_folder_close(f->dir, f->db, f->eng))
		return -1;
	free(f);
	return 0;
}

static void add_park(struct fixture *f)
{
	struct db_site s = { .lon = 90.28, .lat = 43.83, .alt_m = 1300 };
	struct err e;

	strcpy(s.code, "park");
	strcpy(s.name, "Mulei");
	strcpy(s.kind, "pv_plant");
	strcpy(s.tz, "Asia/Shanghai");
	s.facts = strdup("{\"county\":\"木垒\"}");
	if (sites_add(f->db, &s, 1, &e))
		fail_msg("%s", e.msg);
	db_site_free(&s);
}

static int import(struct fixture *f, const char *text, struct err *e)
{
	struct pvsite_layout l;
	size_t added, updated;
	int rc;

	if ((rc = pvsite_layout_parse(f->db, "park", "layout.csv", text,
				      strlen(text), &l, e)))
		return rc;
	rc = pvsite_layout_store(f->db, "park", &l, 2, &added, &updated, e);
	pvsite_layout_free(&l);
	return rc;
}

static void sites_are_checked(void **state)
{
	struct fixture *f = *state;
	struct db_site s = { .lon = NAN, .lat = NAN, .alt_m = NAN };
	struct err e;

	strcpy(s.code, "bad code");
	strcpy(s.name, "x");
	strcpy(s.kind, "farm");
	strcpy(s.tz, "Asia/Shanghai");
	assert_int_equal(sites_add(f->db, &s, 1, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "bad code"));
	strcpy(s.code, "b2");
	strcpy(s.kind, "mine");
	assert_int_equal(sites_add(f->db, &s, 1, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "farm or pv_plant"));
	strcpy(s.kind, "farm");
	s.boundary = strdup("{\"type\":\"Feature\",\"geometry\":{\"type\":"
			    "\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],"
			    "[0,0]]]},\"properties\":{}}");
	s.facts = strdup("{\"mu\":[1]}");
	assert_int_equal(sites_add(f->db, &s, 1, &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "fact 'mu'"));
	assert_int_equal(sites_fact_set(&s.facts, "mu", "12000", &e), 0);
	assert_int_equal(sites_fact_set(&s.facts, "county", "Mulei", &e), 0);
	assert_string_equal(s.facts, "{\"county\":\"Mulei\",\"mu\":12000}");
	assert_int_equal(sites_add(f->db, &s, 1, &e), 0);
	/* the Feature's geometry is what is kept */
	assert_non_null(strstr(s.boundary, "\"type\":\"Polygon\""));
	assert_null(strstr(s.boundary, "Feature"));
	db_site_free(&s);
}

static const char layout[] =
	"id, kind, parent, name, subtype, met_station, kwp_dc, kw_ac, gamma_pdc\r\n"
	"B1, block, , Block 1, , , , ,\r\n"
	"MET1, met_station, B1, , , , , ,\r\n"
	"INV1, inverter, B1, , central, MET1, 1000, 900, -0.004\r\n"
	"INV2, inverter, B1, , central, MET1, 1000, 900, -0.004\r\n"
	"\r\n"
	"M1, meter, B1, export, , , , ,\r\n";

static void layouts_are_checked_whole(void **state)
{
	struct fixture *f = *state;
	struct db_device d;
	json_t *v;
	struct err e;

	add_park(f);
	assert_int_equal(import(f, "id,kind,parent,kwp_dc,kw_ac,tilt\n"
				"A,block,,,,\n"
				"\n"
				"I,inverter,A,12x,900,95\n"
				"S,string,A,,,\n"
				"A,tracker,,,,", &e), ERR_INVALID);
	/* line numbers count the empty line too */
	assert_non_null(strstr(e.msg, "line 4, field 'kwp_dc': '12x' is not a "
			       "number"));
	assert_non_null(strstr(e.msg, "line 4, field 'tilt': '95' is out of "
			       "range [0, 90]"));
	assert_non_null(strstr(e.msg, "line 5, field 'parent': 'A' cannot hold"));
	assert_non_null(strstr(e.msg, "line 6, field 'id': 'A' is repeated"));
	/* nothing was stored */
	assert_int_equal(db_device_get(f->db, "A", &d, &e), ERR_NOT_FOUND);
	assert_int_equal(import(f, layout, &e), 0);
	assert_int_equal(db_device_get(f->db, "INV1", &d, &e), 0);
	assert_string_equal(d.kind, "pv_inverter");
	/* a later file may hang strings under stored equipment */
	assert_int_equal(import(f, "id,kind,parent\nCB1,combiner,INV1\n"
				"S1,string,CB1\n", &e), 0);
	assert_int_equal(pvsite_equipment_json(f->db, "park", "inverter", &v,
					       &e), 0);
	assert_int_equal(json_array_size(json_object_get(v, "equipment")), 2);
	close_to(json_number_value(json_object_get(json_array_get(
		json_object_get(v, "equipment"), 1), "kw_ac")), 900);
	json_decref(v);
	assert_int_equal(sites_get_json(f->db, "park", &v, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "devices")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v,
		"equipment"), "pv_string")), 1);
	json_decref(v);
	/* a farm takes no PV layout */
	{
		struct pvsite_layout l;

		assert_int_equal(pvsite_layout_parse(f->db, "base", "x.csv",
						     layout, strlen(layout), &l,
						     &e), ERR_INVALID);
		assert_non_null(strstr(e.msg, "not a pv_plant"));
	}
}

/* ---- daily metrics ------------------------------------------------------ */

static void put(struct fixture *f, const char *device, const char *metric,
		int64_t ts, double value)
{
	struct ts_write w = { .ts = ts, .value = value };
	struct err e;

	if (db_series_ensure(f->db, device, metric, &w.series, &e) ||
	    ts_engine_write(f->eng, &w, 1, &e))
		fail_msg("%s", e.msg);
}

/*
 * Day 1 (2025-06-21, UTC+8), hourly: POA 1000 W/m2 from 08:00 to 18:00
 * (ten hours), 0 otherwise; the module at 25 degC.  INV1 gives 800 kW
 * but 0 at 12:00 (an outage); INV2 gives 800 kW but sends nothing at
 * 12:00 (a gap).  Day 2: both give 800 kW, but at 10:00 the AGC set-point
 * is 1000 kW and each gives 500.  A point one minute before day 1 and
 * one just after day 2 must be left out.
 */
static void synthetic_days(struct fixture *f)
{
	struct err e;

	add_park(f);
	if (import(f, layout, &e))
		fail_msg("%s", e.msg);
	for (int day = 0; day < 2; day++)
		for (int h = 0; h < 24; h++) {
			int64_t t = DAY1 + day * 24 * H + h * H;
			bool sun = h >= 8 && h < 18;

			put(f, "MET1", "poa_global", t, sun ? 1000 : 0);
			put(f, "MET1", "temp_module", t, 25);
			if (day == 0) {
				put(f, "INV1", "p_ac", t, !sun ? 0 : h == 12
				    ? 0 : 800);
				if (h != 12)
					put(f, "INV2", "p_ac", t, sun ? 800 : 0);
			} else {
				put(f, "INV1", "p_ac", t, !sun ? 0 : h == 10
				    ? 500 : 800);
				put(f, "INV2", "p_ac", t, !sun ? 0 : h == 10
				    ? 500 : 800);
				put(f, "M1", "agc_setpoint", t, h == 10 ? 1000
				    : 5000);
			}
		}
	/* a box of four strings under INV1, the fourth open; at 09:00 the
	 * third gives 6 A: the median (of 0, 6, 8, 8) is 7, 6/7 is low */
	if (import(f, "id,kind,parent\nCB1,combiner,INV1\nS1,string,CB1\n"
		   "S2,string,CB1\nS3,string,CB1\nS4,string,CB1\n"
		   "CB2,combiner,INV2\nS5,string,CB2\nS6,string,CB2\n", &e))
		fail_msg("%s", e.msg);
	for (int h = 8; h < 18; h++) {
		int64_t t = DAY1 + h * H;

		put(f, "S1", "string_current", t, 8);
		put(f, "S2", "string_current", t, 8);
		put(f, "S3", "string_current", t, h == 9 ? 6 : 8);
		put(f, "S4", "string_current", t, 0);
		put(f, "S5", "string_current", t, 9);
		put(f, "S6", "string_current", t, h == 17 ? 4.5 : 9);
	}
	put(f, "INV1", "p_ac", DAY1 - 60000, 1e5);
	put(f, "MET1", "poa_global", DAY1 + 48 * H, 3000);
}

static json_t *find(json_t *arr, const char *id)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "id")), id))
			return o;
	fail_msg("no %s", id);
	return NULL;
}

static double get(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("no key %s", key);
	return json_is_null(v) ? NAN : json_number_value(v);
}

static void daily_metrics_of_a_known_day(void **state)
{
	struct fixture *f = *state;
	/* two threads for the strings: one box each */
	struct pvsite_daily_opts o = { .interval_min = 60, .threads = 2 };
	json_t *v, *inv1, *inv2, *plant, *blk;
	struct err e;

	synthetic_days(f);
	if (pvsite_daily_json_opts(f->db, f->eng, "park", "2025-06-21", &o, &v,
				   &e))
		fail_msg("%s", e.msg);
	assert_string_equal(json_string_value(json_object_get(v, "from")),
			    "2025-06-20T16:00:00.000Z");
	inv1 = find(json_object_get(v, "inverters"), "INV1");
	inv2 = find(json_object_get(v, "inverters"), "INV2");
	plant = json_object_get(v, "plant");
	blk = find(json_object_get(v, "blocks"), "B1");
	/* INV1: H = 10 kWh/m2, E = 9 x 800 kWh, P0 = 1000 kWp */
	close_to(get(inv1, "h_poa_kwh_m2"), 10);
	close_to(get(inv1, "e_ac_kwh"), 9 * 800);
	close_to(get(inv1, "y_f_kwh_kwp"), 7.2);
	close_to(get(inv1, "pr"), 7.2 / 10);
	close_to(get(inv1, "pr_temp_corrected"), 7200.0 / 10000); /* C = 1 */
	close_to(get(inv1, "availability_time"), 9.0 / 10);
	/* the outage's energy at the PR of the available hours (0.8) */
	close_to(get(inv1, "e_lost_outage_kwh"), 0.8 * 1000);
	close_to(get(inv1, "availability_energy"), 7200.0 / 8000);
	assert_true(isnan(get(inv1, "e_dc_kwh")));
	assert_int_equal((int)get(inv1, "n_missing_intervals"), 0);
	/* expected: Tc = 25 + 3, pdc = 1000 (1 - 0.004 x 3) = 988 kW, the
	 * inverter clips at 0.96 x 900/0.96 = 900 kW: 10 x 900 kWh */
	close_to(get(inv1, "e_expected_kwh"), 9000);
	close_to(get(inv1, "expected_ratio"), 7200.0 / 9000);
	/* INV2: the gap is left out, not an outage */
	assert_int_equal((int)get(inv2, "n_missing_intervals"), 1);
	close_to(get(inv2, "h_poa_kwh_m2"), 9);
	close_to(get(inv2, "pr"), 7200.0 / 9000);
	close_to(get(inv2, "availability_time"), 1);
	close_to(get(inv2, "e_lost_outage_kwh"), 0);
	close_to(get(inv2, "expected_ratio"), 7200.0 / 8100);
	/* the block and the plant: capacity-weighted sums */
	close_to(get(plant, "e_ac_kwh"), 14400);
	close_to(get(plant, "y_r_h"), (10000.0 + 9000) / 2000);
	close_to(get(plant, "pr"), 14400.0 / 19000);
	close_to(get(plant, "availability_time"), 18.0 / 19);
	close_to(get(blk, "pr"), get(plant, "pr"));
	close_to(get(plant, "e_curtailed_kwh"), 0);
	/* the strings against their box's median in daylight */
	{
		json_t *st = json_object_get(v, "strings");

		assert_int_equal(json_array_size(st), 6);
		assert_int_equal((int)get(find(st, "S4"), "n_open_intervals"), 10);
		assert_int_equal((int)get(find(st, "S3"), "n_low_intervals"), 1);
		assert_int_equal((int)get(find(st, "S1"), "n_low_intervals"), 0);
		close_to(get(find(st, "S1"), "mean_ratio"), (9 + 8.0 / 7) / 10);
		close_to(get(find(st, "S3"), "mean_ratio"), (9 + 6.0 / 7) / 10);
		close_to(get(find(st, "S4"), "mean_ratio"), 0);
		assert_string_equal(json_string_value(json_object_get(
			find(st, "S4"), "combiner")), "CB1");
		assert_int_equal(json_array_size(json_object_get(v,
			"combiners")), 2);
		/* CB2: two strings, the median their mean: 6.75 at 17:00 */
		assert_int_equal((int)get(find(st, "S6"), "n_low_intervals"), 1);
		close_to(get(find(st, "S6"), "mean_ratio"),
			 (9 + 4.5 / 6.75) / 10);
		close_to(get(find(st, "S5"), "mean_ratio"), (9 + 9 / 6.75) / 10);
		close_to(get(find(json_object_get(v, "combiners"), "CB2"),
			     "mean_dispersion"), (2.25 / 6.75) / 10);
	}
	/* the ranking: the worst first */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(v, "ranking"), 0), "id")), "INV1");
	json_decref(v);

	/* day 2: curtailment kept apart from outages */
	if (pvsite_daily_json_opts(f->db, f->eng, "park", "2025-06-22", &o, &v,
				   &e))
		fail_msg("%s", e.msg);
	inv1 = find(json_object_get(v, "inverters"), "INV1");
	plant = json_object_get(v, "plant");
	assert_int_equal((int)get(inv1, "n_curtailed_intervals"), 1);
	close_to(get(inv1, "e_curtailed_kwh"), 900 - 500);
	close_to(get(inv1, "pr"), 7200.0 / 9000);
	close_to(get(inv1, "availability_time"), 1);
	close_to(get(plant, "e_curtailed_kwh"), 800);
	close_to(get(plant, "e_lost_outage_kwh"), 0);
	json_decref(v);

	/* the expected curve of one inverter */
	assert_int_equal(pvsite_expected_json(f->db, f->eng, "park", "INV1",
					      "2025-06-21", &v, &e), 0);
	{
		json_t *pts = json_object_get(v, "points");
		json_t *noon = json_array_get(pts, 12);

		/* the hours with data (the engine's minute buckets) */
		assert_int_equal(json_array_size(pts), 24);
		assert_string_equal(json_string_value(json_object_get(noon,
			"time")), "2025-06-21T04:00:00.000Z");
		close_to(get(noon, "p_ac_expected_kw"), 900);
		close_to(get(noon, "p_ac_kw"), 0);
		close_to(get(noon, "poa_global"), 1000);
	}
	json_decref(v);
	assert_int_equal(pvsite_expected_json(f->db, f->eng, "park", "M1",
					      "2025-06-21", &v, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(pvsite_daily_json(f->db, f->eng, "park", "2025-13-01",
					   &v, &e), ERR_INVALID);
	assert_int_equal(pvsite_daily_json(f->db, f->eng, "base", "2025-06-21",
					   &v, &e), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zones_give_each_site_its_midnight),
		cmocka_unit_test_setup_teardown(sites_are_checked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(layouts_are_checked_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(daily_metrics_of_a_known_day,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
