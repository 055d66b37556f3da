/*
 * Unit tests of agro/plan: the irrigation recommendation of a plot (days
 * to RAW, the day to irrigate, net and gross depth, volume), the base's
 * order of the day, and the rotation-group schedule of a pump station:
 * the flow never above capacity, runs within the working hours, the most
 * urgent groups first, what does not fit carried to the next day with the
 * reason, volumes conserved.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agro/plan.h"

#define assert_near(actual, expected, tol)                                \
	check_near(#actual, (actual), (expected), (tol), __FILE__, __LINE__)

static void check_near(const char *what, double actual, double expected,
		       double tol, const char *file, int line)
{
	if (!(fabs(actual - expected) <= tol))
		fail_msg("%s:%d: %s = %.9f, expected %.9f within %g", file,
			 line, what, actual, expected, tol);
}

static void assert_blames(const struct err *e, int rc, const char *what)
{
	if (rc != ERR_INVALID || !strstr(e->msg, what))
		fail_msg("expected ERR_INVALID naming '%s', got %d: %s", what,
			 rc, e->msg);
}

static double noise01(uint64_t seed, uint64_t i)
{
	uint64_t x = seed * UINT64_C(0x9e3779b97f4a7c15) + i;

	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return (double)(x >> 11) * 0x1.0p-53;
}

#define TODAY 20000 /* 2024-10-04 as a day number; any day will do */

/* Cotton on loam, fixed root zone 0.6 m: TAW 78 mm; 1 ha; drip 0.9. */
static struct agro_plot loam_plot(void)
{
	struct agro_plot p;

	agro_plot_defaults(&p, AGRO_CROP_COTTON);
	p.code = "6523241010002";
	p.zr_min = p.zr_max = 0.6;
	return p;
}

/* The state at the end of season day `day` with depletion dr. */
static struct agro_balance_state state_at(int day, double dr)
{
	return (struct agro_balance_state){ .day = day, .zr = 0.6, .dr = dr };
}

static struct agro_rec rec(const struct agro_plot *p, int day, double dr,
			   double rate)
{
	struct agro_balance_state st = state_at(day, dr);
	struct agro_rec r;
	struct err e;

	if (agro_recommend(p, &st, TODAY, rate, 30, &r, &e))
		fail_msg("recommend: %s", e.msg);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Recommendation                                                          */

/*
 * TAW 78, rate 5 mm/day: p = 0.65, RAW = 50.7.  Dr 30 at the end of D:
 * ceil((50.7 - 30)/5) = 5 days to RAW; irrigate on D + 5, when the morning
 * depletion is 30 + 4 x 5 = 50 mm; gross 50/0.9 = 55.56 mm; on 1 ha
 * 555.6 m3.
 */
static void test_recommend_basic(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_rec r = rec(&p, 60, 30, 5);

	(void)state;
	assert_near(r.taw, 78, 1e-9);
	assert_near(r.p, 0.65, 1e-12);
	assert_near(r.raw, 50.7, 1e-9);
	assert_near(r.fraction, 30.0 / 78, 1e-12);
	assert_int_equal(r.days_to_raw, 5);
	assert_true(r.irrigate_on == TODAY + 5);
	assert_near(r.net_mm, 50, 1e-9);
	assert_near(r.gross_mm, 50 / 0.9, 1e-9);
	assert_near(r.volume_m3, 500 / 0.9, 1e-6);
	assert_near(r.urgency, (30 - 50.7) / 78, 1e-12);
	assert_false(r.season_over);
	/* the volume on another day follows the projected depletion */
	assert_near(agro_rec_volume_on(&r, TODAY + 2), 350 / 0.9, 1e-6);
	assert_near(agro_rec_volume_on(&r, TODAY + 1), 300 / 0.9, 1e-6);
}

/* At or past RAW: irrigate tomorrow, refilling today's depletion. */
static void test_recommend_due(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_rec r;

	(void)state;
	r = rec(&p, 60, 60, 5);
	assert_int_equal(r.days_to_raw, 0);
	assert_true(r.irrigate_on == TODAY + 1);
	assert_near(r.net_mm, 60, 1e-9);
	assert_true(r.urgency > 0);
	/* one day away also means tomorrow */
	r = rec(&p, 60, 46, 5);
	assert_int_equal(r.days_to_raw, 1);
	assert_true(r.irrigate_on == TODAY + 1);
	assert_near(r.net_mm, 46, 1e-9);
	/* exactly at RAW */
	r = rec(&p, 60, 50.7, 5);
	assert_int_equal(r.days_to_raw, 0);
}

/* Refill to 90 % of TAW: net = Dr - 0.1 TAW = 60 - 7.8. */
static void test_recommend_refill(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_rec r;

	(void)state;
	p.refill = 0.9;
	r = rec(&p, 60, 60, 5);
	assert_near(r.net_mm, 52.2, 1e-9);
	p.efficiency = 0.8;
	p.area_m2 = 20000;
	r = rec(&p, 60, 60, 5);
	assert_near(r.gross_mm, 52.2 / 0.8, 1e-9);
	assert_near(r.volume_m3, 52.2 / 0.8 * 20, 1e-6);
	/* below the refill level there is nothing to add */
	r = rec(&p, 60, 5, 0.1);
	assert_near(agro_rec_volume_on(&r, TODAY + 1), 0, 0);
}

/* No water use, beyond the horizon, after the harvest: no day. */
static void test_recommend_none(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_balance_state st = state_at(60, 0);
	struct agro_rec r;
	struct err e;

	(void)state;
	r = rec(&p, 60, 10, 0);
	assert_int_equal(r.days_to_raw, -1);
	assert_true(r.irrigate_on == AGRO_NO_DAY);
	assert_near(r.volume_m3, 0, 0);
	/*
	 * rate 1: p = 0.65 + 0.04 x 4 = 0.81, limited to 0.8, RAW 62.4:
	 * 63 days to RAW, beyond a 10-day horizon
	 */
	assert_int_equal(agro_recommend(&p, &st, TODAY, 1.0, 10, &r, &e), 0);
	assert_near(r.raw, 62.4, 1e-9);
	assert_int_equal(r.days_to_raw, 63);
	assert_true(r.irrigate_on == AGRO_NO_DAY);
	/* the season (30, 50, 60, 55 = 195 days) is over */
	r = rec(&p, 196, 70, 5);
	assert_true(r.season_over);
	assert_true(r.irrigate_on == AGRO_NO_DAY);
	/* RAW would come 5 days on, but the harvest is in 2 */
	r = rec(&p, 193, 30, 5);
	assert_false(r.season_over);
	assert_true(r.irrigate_on == AGRO_NO_DAY);
	/* bad arguments */
	assert_blames(&e, agro_recommend(&p, &st, TODAY, -1, 10, &r, &e),
		      "etc_rate");
	assert_blames(&e, agro_recommend(&p, &st, TODAY, 5, 0, &r, &e),
		      "horizon");
	st.dr = NAN;
	assert_blames(&e, agro_recommend(&p, &st, TODAY, 5, 10, &r, &e),
		      "state");
}

/* The base's plan of a day: the due plots, most urgent first. */
static void test_plan_order(void **state)
{
	struct agro_plot p = loam_plot();
	struct agro_rec r[6];
	size_t order[6], n;
	struct err e;

	(void)state;
	r[0] = rec(&p, 60, 52, 5);  /* due D+1, urgency (52-50.7)/78 */
	r[1] = rec(&p, 60, 10, 5);  /* due D+9 */
	r[2] = rec(&p, 60, 70, 5);  /* due D+1, most urgent */
	r[3] = rec(&p, 60, 47, 5);  /* due D+1, not yet at RAW */
	r[4] = rec(&p, 200, 70, 5); /* season over */
	r[5] = rec(&p, 60, 40, 5);  /* due D+3 */
	assert_int_equal(agro_plan_order(r, 6, TODAY + 1, order, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 0);
	assert_int_equal(order[2], 3);
	assert_true(agro_rec_before(&r[2], &r[0]));
	assert_false(agro_rec_before(&r[0], &r[2]));
	/* three days on, the D+3 plot joins, after those overdue */
	assert_int_equal(agro_plan_order(r, 6, TODAY + 3, order, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_int_equal(order[3], 5);
	assert_int_equal(agro_plan_order(r, 0, TODAY, order, &n, &e), 0);
	assert_int_equal(n, 0);
}

/* ---------------------------------------------------------------------- */
/* Rotation                                                                */

/*
 * A rec that needs `volume` m3 on TODAY + 1 (due), with urgency u: on
 * 1 ha with efficiency 1, the volume is net mm x 10.
 */
static struct agro_rec need(double volume, double u, bool due)
{
	struct agro_rec r = {
		.today = TODAY,
		.dr = volume / 10,
		.taw = 1000,
		.etc_rate = 0,
		.irrigate_on = due ? TODAY + 1 : TODAY + 5,
		.urgency = u,
		.refill = 1,
		.efficiency = 1,
		.area_m2 = 10000,
	};
	return r;
}

/* Flow drawn at minute x by a schedule. */
static double load_at(const struct agro_slot *s, size_t n, double x)
{
	double q = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i].start_min <= x + 1e-9 && x + 1e-9 < s[i].end_min)
			q += s[i].flow_m3h;
	return q;
}

static void assert_capacity(const struct agro_slot *s, size_t n,
			    double capacity)
{
	for (size_t i = 0; i < n; i++)
		assert_true(load_at(s, n, s[i].start_min) <= capacity + 1e-6);
}

/* One plot per group: group g waters plot g. */
struct setup {
	struct agro_rec recs[64];
	size_t idx[64];
	struct agro_group groups[64];
	struct agro_slot slots[64];
	struct agro_deferred deferred[64];
	size_t n, n_slots, n_deferred;
};

static void add_group(struct setup *s, double volume, double flow, double u)
{
	size_t g = s->n++;

	s->recs[g] = need(volume, u, true);
	s->idx[g] = g;
	s->groups[g] = (struct agro_group){ "g", &s->idx[g], 1, flow };
}

static int plan(struct setup *s, const struct agro_station *st)
{
	struct err e;
	int rc = agro_rotation_plan(s->recs, s->n, s->groups, s->n, st,
				    TODAY + 1, s->slots, &s->n_slots,
				    s->deferred, &s->n_deferred, &e);

	if (rc)
		print_message("plan: %s\n", e.msg);
	return rc;
}

/*
 * Capacity 100 m3/h, 08:00-20:00 (720 min), groups of 100 m3/h needing
 * 100 m3 (one hour each): one at a time, most urgent first, twelve fit;
 * the thirteenth and fourteenth, least urgent, go to the next day.
 */
static void test_rotation_serial(void **state)
{
	struct agro_station st = { 100, 8 * 60, 20 * 60 };
	struct setup *s = calloc(1, sizeof(*s));

	(void)state;
	for (int g = 0; g < 14; g++) /* urgency rises with g */
		add_group(s, 100, 100, 0.01 * g);
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 12);
	for (size_t i = 0; i < s->n_slots; i++) {
		/* the most urgent (g = 13) at 08:00, then down the list */
		assert_int_equal(s->slots[i].group, 13 - i);
		assert_near(s->slots[i].start_min, 480 + 60.0 * i, 1e-9);
		assert_near(s->slots[i].end_min, 540 + 60.0 * i, 1e-9);
		assert_near(s->slots[i].volume_m3, 100, 1e-9);
		assert_false(s->slots[i].partial);
	}
	assert_int_equal(s->n_deferred, 2);
	assert_int_equal(s->deferred[0].group, 1);
	assert_int_equal(s->deferred[1].group, 0);
	assert_int_equal(s->deferred[0].reason, AGRO_DEFER_NO_TIME);
	assert_near(s->deferred[0].volume_m3, 100, 1e-9);
	assert_string_equal(agro_defer_reason_name(AGRO_DEFER_NO_TIME),
			    "no_time");
	free(s);
}

/* Capacity 300: three groups of 100 m3/h run together. */
static void test_rotation_parallel(void **state)
{
	struct agro_station st = { 300, 8 * 60, 20 * 60 };
	struct setup *s = calloc(1, sizeof(*s));

	(void)state;
	for (int g = 0; g < 4; g++)
		add_group(s, 200, 100, 1.0 - 0.1 * g); /* 2 h each */
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 4);
	assert_near(s->slots[0].start_min, 480, 1e-9);
	assert_near(s->slots[1].start_min, 480, 1e-9);
	assert_near(s->slots[2].start_min, 480, 1e-9);
	/* the fourth waits for the first to finish */
	assert_near(s->slots[3].start_min, 600, 1e-9);
	assert_int_equal(s->slots[3].group, 3);
	assert_capacity(s->slots, s->n_slots, 300);
	free(s);
}

/*
 * Capacity 200: a 150 m3/h group and two 100 m3/h groups.  The 150 runs
 * first (most urgent); a 100 cannot join it (250 > 200) and starts when it
 * ends; the two 100s then run together.
 */
static void test_rotation_mixed_flows(void **state)
{
	struct agro_station st = { 200, 8 * 60, 20 * 60 };
	struct setup *s = calloc(1, sizeof(*s));

	(void)state;
	add_group(s, 150, 150, 0.9); /* 1 h */
	add_group(s, 100, 100, 0.5); /* 1 h */
	add_group(s, 200, 100, 0.4); /* 2 h */
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 3);
	assert_int_equal(s->slots[0].group, 0);
	assert_near(s->slots[0].end_min, 540, 1e-9);
	assert_near(s->slots[1].start_min, 540, 1e-9);
	assert_near(s->slots[2].start_min, 540, 1e-9);
	assert_capacity(s->slots, s->n_slots, 200);
	free(s);
}

/*
 * A group whose flow alone exceeds the station's capacity cannot run;
 * a run longer than the working day runs to its end and carries the rest.
 */
static void test_rotation_over_capacity_and_remainder(void **state)
{
	struct agro_station st = { 300, 8 * 60, 20 * 60 };
	struct setup *s = calloc(1, sizeof(*s));

	(void)state;
	add_group(s, 100, 400, 0.9);  /* 400 m3/h > 300 */
	add_group(s, 1500, 100, 0.5); /* 15 h at 100 m3/h */
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 1);
	assert_int_equal(s->slots[0].group, 1);
	assert_true(s->slots[0].partial);
	assert_near(s->slots[0].start_min, 480, 1e-9);
	assert_near(s->slots[0].end_min, 1200, 1e-9);
	assert_near(s->slots[0].volume_m3, 1200, 1e-9);
	assert_int_equal(s->n_deferred, 2);
	assert_int_equal(s->deferred[0].group, 0);
	assert_int_equal(s->deferred[0].reason, AGRO_DEFER_OVER_CAPACITY);
	assert_int_equal(s->deferred[1].group, 1);
	assert_int_equal(s->deferred[1].reason, AGRO_DEFER_REMAINDER);
	assert_near(s->deferred[1].volume_m3, 300, 1e-9);
	free(s);
}

/* Night hours 20:00-06:00 run past midnight: minutes 1200..1800. */
static void test_rotation_night_hours(void **state)
{
	struct agro_station st = { 100, 20 * 60, 6 * 60 };
	struct setup *s = calloc(1, sizeof(*s));

	(void)state;
	for (int g = 0; g < 11; g++)
		add_group(s, 100, 100, 1.0 - 0.01 * g);
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 10);
	assert_near(s->slots[0].start_min, 1200, 1e-9);
	assert_near(s->slots[9].end_min, 1800, 1e-9);
	assert_int_equal(s->n_deferred, 1);
	/* start == end: the station runs around the clock */
	st.start_min = st.end_min = 0;
	assert_int_equal(plan(s, &st), ERR_OK);
	assert_int_equal(s->n_slots, 11);
	free(s);
}

/*
 * A group is due when one of its plots is; it then tops up every plot it
 * waters.  A group with no due plot is left out.
 */
static void test_rotation_due_groups(void **state)
{
	struct agro_station st = { 500, 8 * 60, 20 * 60 };
	struct agro_rec recs[3] = {
		need(100, 0.2, true), need(50, -0.3, false),
		need(80, -0.1, false),
	};
	size_t g0[2] = { 0, 1 }, g1[1] = { 2 };
	struct agro_group groups[2] = {
		{ "west", g0, 2, 100 }, { "east", g1, 1, 100 },
	};
	struct agro_slot slots[2];
	struct agro_deferred deferred[2];
	size_t ns, nd;
	struct err e;

	(void)state;
	assert_int_equal(agro_rotation_plan(recs, 3, groups, 2, &st,
					    TODAY + 1, slots, &ns, deferred,
					    &nd, &e), ERR_OK);
	assert_int_equal(ns, 1);
	assert_int_equal(nd, 0);
	assert_int_equal(slots[0].group, 0);
	assert_near(slots[0].volume_m3, 150, 1e-9);
	assert_near(slots[0].end_min - slots[0].start_min, 90, 1e-9);
	assert_near(slots[0].urgency, 0.2, 0);
}

static void test_rotation_invalid(void **state)
{
	struct agro_station st = { 100, 8 * 60, 20 * 60 };
	struct agro_rec recs[2] = { need(10, 0, true), need(10, 0, true) };
	size_t both[2] = { 0, 1 }, first[1] = { 0 }, out[1] = { 7 };
	struct agro_group twice[2] = {
		{ "a", both, 2, 50 }, { "b", first, 1, 50 },
	};
	struct agro_group far[1] = { { "c", out, 1, 50 } };
	struct agro_group dry[1] = { { "d", first, 1, 0 } };
	struct agro_slot slots[2];
	struct agro_deferred deferred[2];
	size_t ns, nd;
	struct err e;

	(void)state;
	assert_blames(&e, agro_rotation_plan(recs, 2, twice, 2, &st, TODAY + 1,
					     slots, &ns, deferred, &nd, &e),
		      "two groups");
	assert_blames(&e, agro_rotation_plan(recs, 2, far, 1, &st, TODAY + 1,
					     slots, &ns, deferred, &nd, &e),
		      "out of range");
	assert_blames(&e, agro_rotation_plan(recs, 2, dry, 1, &st, TODAY + 1,
					     slots, &ns, deferred, &nd, &e),
		      "flow");
	st.capacity_m3h = 0;
	assert_blames(&e, agro_rotation_plan(recs, 2, far, 1, &st, TODAY + 1,
					     slots, &ns, deferred, &nd, &e),
		      "capacity");
	st.capacity_m3h = 100;
	st.end_min = 1500;
	assert_blames(&e, agro_rotation_plan(recs, 2, far, 1, &st, TODAY + 1,
					     slots, &ns, deferred, &nd, &e),
		      "working hours");
}

/*
 * Random stations and groups: the flow never exceeds capacity, every run
 * lies within the working hours, every due group is scheduled or carried,
 * and the volumes add up.  When every group draws the whole capacity the
 * runs are serial and start in order of urgency.
 */
static void test_rotation_properties(void **state)
{
	struct setup *s = calloc(1, sizeof(*s));
	size_t reasons[3] = { 0 }, n_slots = 0, n_partial = 0;

	(void)state;
	for (uint64_t t = 0; t < 300; t++) {
		double cap = 100 + 400 * noise01(1, t);
		struct agro_station st = {
			cap, (int)(60 * floor(10 * noise01(2, t))),
			(int)(60 * floor(24 * noise01(3, t))),
		};
		double w0 = st.start_min;
		double w1 = st.end_min > st.start_min ? st.end_min
						      : st.end_min + 1440;
		bool serial = t % 3 == 0;
		double total = 0, placed = 0, carried = 0;
		size_t seen[64] = { 0 };

		s->n = 0;
		for (int g = 0; g < 40; g++) {
			double flow = serial ? cap
					     : 20 + cap * noise01(4, t * 64 + g);
			double vol = 10 + 600 * noise01(5, t * 64 + g);

			add_group(s, vol, flow, noise01(6, t * 64 + g));
			if (noise01(7, t * 64 + g) < 0.2)
				s->recs[g].irrigate_on = TODAY + 3;
			else
				total += vol;
		}
		assert_int_equal(plan(s, &st), ERR_OK);
		assert_capacity(s->slots, s->n_slots, cap);
		for (size_t i = 0; i < s->n_slots; i++) {
			const struct agro_slot *sl = &s->slots[i];
			double minutes = sl->end_min - sl->start_min;

			assert_true(sl->start_min >= w0 - 1e-9);
			assert_true(sl->end_min <= w1 + 1e-6);
			assert_true(minutes > 0);
			assert_near(sl->volume_m3, sl->flow_m3h * minutes / 60,
				    1e-6);
			placed += sl->volume_m3;
			seen[sl->group]++;
			if (serial && i > 0)
				assert_true(s->slots[i - 1].urgency >=
					    sl->urgency);
		}
		n_slots += s->n_slots;
		for (size_t i = 0; i < s->n_slots; i++)
			n_partial += s->slots[i].partial;
		for (size_t i = 0; i < s->n_deferred; i++) {
			reasons[s->deferred[i].reason]++;
			carried += s->deferred[i].volume_m3;
			seen[s->deferred[i].group]++;
		}
		for (int g = 0; g < 40; g++) {
			bool due = s->recs[g].irrigate_on <= TODAY + 1;

			assert_true(due ? seen[g] >= 1 : seen[g] == 0);
		}
		assert_near(placed + carried, total, 1e-6 * total);
	}
	/* the random cases reach every branch */
	print_message("rotation: %zu runs (%zu partial); carried: %zu no "
		      "time, %zu remainder, %zu over capacity\n", n_slots,
		      n_partial, reasons[AGRO_DEFER_NO_TIME],
		      reasons[AGRO_DEFER_REMAINDER],
		      reasons[AGRO_DEFER_OVER_CAPACITY]);
	assert_true(n_partial > 0);
	assert_true(reasons[AGRO_DEFER_NO_TIME] > 0);
	assert_true(reasons[AGRO_DEFER_REMAINDER] > 0);
	assert_true(reasons[AGRO_DEFER_OVER_CAPACITY] > 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recommend_basic),
		cmocka_unit_test(test_recommend_due),
		cmocka_unit_test(test_recommend_refill),
		cmocka_unit_test(test_recommend_none),
		cmocka_unit_test(test_plan_order),
		cmocka_unit_test(test_rotation_serial),
		cmocka_unit_test(test_rotation_parallel),
		cmocka_unit_test(test_rotation_mixed_flows),
		cmocka_unit_test(test_rotation_over_capacity_and_remainder),
		cmocka_unit_test(test_rotation_night_hours),
		cmocka_unit_test(test_rotation_due_groups),
		cmocka_unit_test(test_rotation_invalid),
		cmocka_unit_test(test_rotation_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
