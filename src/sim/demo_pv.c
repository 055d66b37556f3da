/* The demo's PV park at Mulei: its layout and its readings; see demo_pv.h. */
#include "sim/demo_pv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alerts.h"
#include "auth/auth.h"
#include "pv/irradiance.h"
#include "pv/pvwatts.h"
#include "pv/spa.h"
#include "pv/temperature.h"
#include "pv/tracking.h"
#include "pvsite/pvsite.h"
#include "sites/sites.h"
#include "util/buf.h"
#include "util/timeutil.h"
#include "workorders/workorders.h"

#define DEG (M_PI / 180.0)
#define UTC_OFFSET_MS (8 * MS_PER_HOUR)   /* Asia/Shanghai: no DST */
#define STATE_PV_FROM "sim.pv_history_from"

#define BLOCKS 2
#define INV_PER_BLOCK 3
#define INVERTERS (BLOCKS * INV_PER_BLOCK)
#define BOXES_PER_INV 2
#define STRINGS_PER_BOX 8
#define TRACKERS 4
#define INV_KWP 1250.0
#define INV_KW_AC 1100.0
#define GAMMA -0.0037
#define TILT 35.0
#define AZIMUTH 180.0
#define ISC_STC 11.2              /* A: a string of 450 W modules */
#define LOW_STRING_FACTOR 0.78
#define CURTAIL_FRACTION 0.6
#define TRIP_MS (3 * MS_PER_HOUR)

struct demo_pv {
	uint64_t seed;
	int64_t from;                 /* the history's first minute */
	int64_t trip_from, trip_to;   /* the live trip */
	int64_t old_trip_from;        /* yesterday's, two hours */
	double derate[INVERTERS];     /* each inverter's own losses */
};

/* ---- the weather and the sun: pure ----------------------------------------- */

static double hash01(uint64_t seed, int64_t a, int64_t b)
{
	uint64_t x = seed ^ UINT64_C(0x5bd1e9955bd1e995) ^
		     ((uint64_t)a * UINT64_C(0x9e3779b97f4a7c15)) ^
		     ((uint64_t)b * UINT64_C(0xc2b2ae3d27d4eb4f));

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (double)(x >> 11) * 0x1.0p-53;
}

/* Smooth noise in [0, 1): knots every period ms, cosine-interpolated. */
static double smooth01(uint64_t seed, int64_t channel, int64_t t,
		       int64_t period)
{
	int64_t k = t >= 0 ? t / period : (t - period + 1) / period;
	double f = (double)(t - k * period) / (double)period;
	double a = hash01(seed, channel, k), b = hash01(seed, channel, k + 1);

	return a + (b - a) * (1 - cos(f * M_PI)) / 2;
}

static int64_t local_day(int64_t t)
{
	int64_t l = t + UTC_OFFSET_MS;

	return l >= 0 ? l / MS_PER_DAY : (l - MS_PER_DAY + 1) / MS_PER_DAY;
}

/* Local hours since local midnight. */
static double local_hour(int64_t t)
{
	return (double)(t + UTC_OFFSET_MS - local_day(t) * MS_PER_DAY) /
	       MS_PER_HOUR;
}

/* How much of the sky's light the clouds take (0 clear .. 0.8): most days
 * clear (Mulei has about 3,000 hours of sun a year), some hazy with dust,
 * some with cumulus passing every few minutes. */
static double cloud_loss(uint64_t seed, int64_t t)
{
	double day = hash01(seed, 1, local_day(t));
	double passing = smooth01(seed, 2, t, 7 * MS_PER_MINUTE);

	if (day < 0.55)
		return 0.02;                          /* clear */
	if (day < 0.8)
		return 0.12 + 0.05 * passing;         /* dust haze */
	return passing > 0.55 ? 0.75 * (passing - 0.55) / 0.45 + 0.05 : 0.05;
}

void demo_pv_sky_at(uint64_t seed, int64_t t, struct demo_pv_sky *out)
{
	struct pv_spa_site site = {
		.latitude = DEMO_PV_LAT, .longitude = DEMO_PV_LON,
		.altitude = DEMO_PV_ALT, .pressure = pv_alt2pres(DEMO_PV_ALT),
		.temperature = PV_SPA_TEMPERATURE,
		.atmos_refract = PV_SPA_ATMOS_REFRACT,
	};
	struct pv_solpos sp;
	int64_t day = local_day(t);
	int y, m, d;
	double cosz, clear, loss, dhi, dni, proj, season, doy;
	double hour = local_hour(t);

	time_civil_from_days(day, &y, &m, &d);
	doy = (double)(day - time_days_from_civil(y, 1, 1)) + 1;
	season = cos(2 * M_PI * (doy - 15) / 365.25);
	memset(out, 0, sizeof(*out));
	pv_spa_solpos((double)t / 1000.0, PV_SPA_DELTA_T, &site, &sp);
	out->zenith = sp.apparent_zenith;
	out->azimuth = sp.azimuth;
	/* air: about -14 degC in January, 21 in July at 1,300 m; the day's
	 * minimum near sunrise, the maximum at 16:00 local (14:00 solar) */
	out->temp_air = 3.5 - 17.5 * season +
			6.0 * cos(2 * M_PI * (hour - 16.0) / 24.0) +
			2.0 * (smooth01(seed, 3, t, 6 * MS_PER_HOUR) - 0.5);
	out->wind = 1.0 + 4.0 * smooth01(seed, 4, t, 40 * MS_PER_MINUTE);
	cosz = cos(sp.apparent_zenith * DEG);
	if (cosz > 0.01) {
		/* Haurwitz's clear sky (pvlib clearsky.haurwitz) */
		clear = 1098.0 * cosz * exp(-0.057 / cosz);
		loss = cloud_loss(seed, t);
		out->ghi = clear * (1 - loss);
		dhi = out->ghi * (0.12 + 0.8 * loss);
		dni = (out->ghi - dhi) / cosz;
		proj = pv_aoi_projection(TILT, AZIMUTH, sp.apparent_zenith,
					 sp.azimuth);
		out->poa = fmax(dni * proj, 0) + dhi * (1 + cos(TILT * DEG)) / 2 +
			   out->ghi * 0.25 * (1 - cos(TILT * DEG)) / 2;
	}
	out->temp_module = out->poa > 0
		? pv_sapm_module(out->poa, out->temp_air, out->wind, -3.47,
				 -0.0594)
		: out->temp_air - 1.5;   /* radiating to a clear night sky */
}

double demo_pv_setpoint(int64_t t)
{
	double h = local_hour(t);
	double plant = INVERTERS * INV_KW_AC;

	return h >= 12.0 && h < 14.0 ? CURTAIL_FRACTION * plant : plant;
}

bool demo_pv_tripped(const struct demo_pv *p, int64_t t)
{
	return (t >= p->trip_from && t < p->trip_to) ||
	       (t >= p->old_trip_from && t < p->old_trip_from + 2 * MS_PER_HOUR);
}

void demo_pv_inverter_at(const struct demo_pv *p, int index, int64_t t,
			 const struct demo_pv_sky *sky, double *p_ac,
			 double *p_dc)
{
	double tcell = pv_sapm_cell_from_module(sky->temp_module, sky->poa, 3.0);
	double dc = pv_pvwatts_dc(sky->poa, tcell, INV_KWP, GAMMA, 25.0) *
		    p->derate[index];

	*p_ac = *p_dc = 0;
	if (sky->poa <= 0 || (index == INVERTERS - 1 && demo_pv_tripped(p, t)))
		return;
	*p_dc = dc;
	*p_ac = pv_pvwatts_ac(dc, INV_KW_AC / PV_PVWATTS_ETA_INV_NOM,
			      PV_PVWATTS_ETA_INV_NOM, PV_PVWATTS_ETA_INV_REF);
}

/* ---- the readings of a minute ---------------------------------------------- */

static void inverter_id(char *out, size_t size, int i)
{
	snprintf(out, size, "INV-B%d-%d", i / INV_PER_BLOCK + 1,
		 i % INV_PER_BLOCK + 1);
}

static void string_id(char *out, size_t size, int inv, int box, int s)
{
	snprintf(out, size, "S-B%d-%d-%d-%02d", inv / INV_PER_BLOCK + 1,
		 inv % INV_PER_BLOCK + 1, box + 1, s + 1);
}

static double rounded(double v, double step)
{
	return round(v / step) * step;
}

/* The strings of inverter inv: each box's eight, one of them low. */
static int report_strings(const struct demo_pv *p, int inv, int64_t t,
			  const struct demo_pv_sky *sky, double share,
			  demo_pv_emit emit, void *ctx)
{
	double tcell = pv_sapm_cell_from_module(sky->temp_module, sky->poa, 3.0);
	double i0 = ISC_STC * sky->poa / 1000.0 * (1 + 0.0005 * (tcell - 25)) *
		    share;
	char id[48];
	int rc = ERR_OK;

	for (int b = 0; b < BOXES_PER_INV && !rc; b++)
		for (int s = 0; s < STRINGS_PER_BOX && !rc; s++) {
			double noise = 1 + 0.01 * (hash01(p->seed, 100 + inv * 16 +
				b * 8 + s, t / MS_PER_MINUTE) - 0.5);
			double v = i0 * noise;

			string_id(id, sizeof(id), inv, b, s);
			if (!strcmp(id, DEMO_PV_LOW_STRING))
				v *= LOW_STRING_FACTOR;
			rc = emit(ctx, id, "string_current", t,
				  rounded(fmax(v, 0), 0.01));
		}
	return rc;
}

static int report_met(const struct demo_pv_sky *sky, int64_t t,
		      demo_pv_emit emit, void *ctx)
{
	int rc;

	if ((rc = emit(ctx, "MET1", "ghi", t, rounded(sky->ghi, 0.1))) ||
	    (rc = emit(ctx, "MET1", "poa_global", t, rounded(sky->poa, 0.1))) ||
	    (rc = emit(ctx, "MET1", "temp_air", t, rounded(sky->temp_air, 0.1))) ||
	    (rc = emit(ctx, "MET1", "temp_module", t,
		       rounded(sky->temp_module, 0.1))))
		return rc;
	return emit(ctx, "MET1", "wind_speed", t, rounded(sky->wind, 0.1));
}

static int report_trackers(const struct demo_pv_sky *sky, int64_t t,
			   demo_pv_emit emit, void *ctx)
{
	struct pv_tracker tr = { .axis_tilt = 0, .axis_azimuth = 180,
				 .max_angle = 55, .backtrack = true,
				 .gcr = 0.35, .cross_axis_tilt = 0 };
	struct pv_tracker_out o;
	char id[48];
	int rc = ERR_OK;

	pv_singleaxis(sky->zenith, sky->azimuth, &tr, &o);
	for (int k = 0; k < TRACKERS && !rc; k++) {
		double a = isfinite(o.tracker_theta) ? o.tracker_theta : 0;

		snprintf(id, sizeof(id), "TRK-B2-%d", k + 1);
		if (!(rc = emit(ctx, id, "tracker_setpoint", t, rounded(a, 0.1))))
			rc = emit(ctx, id, "tracker_angle", t, rounded(a, 0.1));
	}
	return rc;
}

int demo_pv_minute(const struct demo_pv *p, int64_t t, demo_pv_emit emit,
		   void *ctx)
{
	struct demo_pv_sky sky;
	double ac[INVERTERS], dc[INVERTERS], sum = 0, share = 1;
	double setpoint = demo_pv_setpoint(t);
	char id[48];
	int rc;

	if (!p || t < p->from)
		return ERR_OK;
	demo_pv_sky_at(p->seed, t, &sky);
	for (int i = 0; i < INVERTERS; i++) {
		demo_pv_inverter_at(p, i, t, &sky, &ac[i], &dc[i]);
		sum += ac[i];
	}
	if (sum > setpoint) /* the plant follows AGC: every inverter alike */
		share = setpoint / sum;
	if ((rc = report_met(&sky, t, emit, ctx)) ||
	    (rc = report_trackers(&sky, t, emit, ctx)))
		return rc;
	for (int i = 0; i < INVERTERS && !rc; i++) {
		bool trip = i == INVERTERS - 1 && demo_pv_tripped(p, t);
		double state = trip ? 3 : ac[i] > 0 ? 1 : 0;

		inverter_id(id, sizeof(id), i);
		if ((rc = emit(ctx, id, "p_ac", t, rounded(ac[i] * share, 0.1))) ||
		    (rc = emit(ctx, id, "p_dc", t, rounded(dc[i] * share, 0.1))) ||
		    (rc = emit(ctx, id, "inverter_state", t, state)) ||
		    (rc = emit(ctx, id, "fault_code", t, trip ? 2011 : 0)))
			break;
		/* the boxes report by day; a tripped inverter's strings carry
		 * no current */
		if (sky.poa > 0)
			rc = report_strings(p, i, t, &sky, trip ? 0 : share,
					    emit, ctx);
	}
	if (rc || (rc = emit(ctx, "MTR1", "p_ac", t,
			     rounded(sum * share * 0.985, 0.1))))
		return rc;
	return emit(ctx, "MTR1", "agc_setpoint", t, setpoint);
}

/* ---- the park in the store ----------------------------------------------- */

static const char layout_head[] =
	"id,kind,parent,name,subtype,met_station,kwp_dc,kw_ac,module_count,"
	"gamma_pdc,tilt,azimuth,axis_tilt,axis_azimuth,max_angle,gcr,lon,lat\n";

/* Where a block's centre lies: two blocks side by side, west to east. */
static void block_place(int b, double *lon, double *lat)
{
	*lon = DEMO_PV_LON - 0.006 + 0.012 * b;
	*lat = DEMO_PV_LAT;
}

static void layout_csv(struct buf *o)
{
	char inv[48], box[64], str[80];

	buf_puts(o, layout_head);
	for (int b = 0; b < BLOCKS; b++) {
		double lon, lat;

		block_place(b, &lon, &lat);
		buf_printf(o, "B%d,block,,区块%d,,,,,,,,,,,,,%.5f,%.5f\n", b + 1,
			   b + 1, lon, lat);
	}
	buf_printf(o, "MET1,met_station,B1,气象站,,,,,,,,,,,,,%.5f,%.5f\n",
		   DEMO_PV_LON - 0.001, DEMO_PV_LAT + 0.003);
	buf_printf(o, "MTR1,meter,B1,并网关口表,,,,,,,,,,,,,%.5f,%.5f\n",
		   DEMO_PV_LON, DEMO_PV_LAT - 0.004);
	for (int i = 0; i < INVERTERS; i++) {
		double lon, lat;

		block_place(i / INV_PER_BLOCK, &lon, &lat);
		inverter_id(inv, sizeof(inv), i);
		buf_printf(o, "%s,inverter,B%d,逆变器 %s,central,MET1,%.0f,%.0f,"
			   "2778,%g,%g,%g,,,,,%.5f,%.5f\n", inv,
			   i / INV_PER_BLOCK + 1, inv + 4, INV_KWP, INV_KW_AC,
			   GAMMA, TILT, AZIMUTH,
			   lon - 0.003 + 0.003 * (i % INV_PER_BLOCK), lat - 0.002);
		for (int bx = 0; bx < BOXES_PER_INV; bx++) {
			snprintf(box, sizeof(box), "CB-%s-%d", inv + 4, bx + 1);
			buf_printf(o, "%s,combiner,%s,汇流箱 %s,,,,,,,,,,,,,,\n",
				   box, inv, box + 3);
			for (int s = 0; s < STRINGS_PER_BOX; s++) {
				string_id(str, sizeof(str), i, bx, s);
				buf_printf(o, "%s,string,%s,,,,%.2f,,18,,,,,,,,,\n",
					   str, box,
					   INV_KWP / (BOXES_PER_INV * STRINGS_PER_BOX));
			}
		}
	}
	for (int k = 0; k < TRACKERS; k++)
		buf_printf(o, "TRK-B2-%d,tracker,B2,跟踪支架 %d,,,,,,,,,0,180,55,"
			   "0.35,,\n", k + 1, k + 1);
}

static const char boundary[] =
	"{\"type\":\"Polygon\",\"coordinates\":[[[90.268,43.824],"
	"[90.292,43.824],[90.292,43.836],[90.268,43.836],[90.268,43.824]]]}";

static int create_site(struct db *db, int64_t now_ms, struct err *e)
{
	static const char *const facts[][2] = {
		{ "county", "木垒县" }, { "county_en", "Mulei County" },
		{ "mwp", "7.5" }, { "mw_ac", "6.6" },
		{ "operator", "木垒光伏运维站" },
	};
	struct db_site s = { .lon = DEMO_PV_LON, .lat = DEMO_PV_LAT,
			     .alt_m = DEMO_PV_ALT };
	int rc = ERR_OK;

	snprintf(s.code, sizeof(s.code), "%s", DEMO_PV_SITE);
	snprintf(s.name, sizeof(s.name), "木垒光伏电站");
	snprintf(s.kind, sizeof(s.kind), "pv_plant");
	snprintf(s.tz, sizeof(s.tz), "Asia/Shanghai");
	if (!(s.boundary = strdup(boundary)))
		return err_nomem(e);
	for (size_t i = 0; !rc && i < sizeof(facts) / sizeof(*facts); i++)
		rc = sites_fact_set(&s.facts, facts[i][0], facts[i][1], e);
	if (!rc)
		rc = sites_add(db, &s, now_ms, e);
	db_site_free(&s);
	return rc;
}

static int create_layout(struct db *db, int64_t now_ms, struct err *e)
{
	struct buf csv = BUF_INIT;
	struct pvsite_layout l = { 0 };
	size_t added, updated;
	int rc;

	layout_csv(&csv);
	if (buf_failed(&csv))
		rc = err_nomem(e);
	else if (!(rc = pvsite_layout_parse(db, DEMO_PV_SITE, "demo park",
					    csv.data, csv.len, &l, e)))
		rc = pvsite_layout_store(db, DEMO_PV_SITE, &l, now_ms, &added,
					 &updated, e);
	pvsite_layout_free(&l);
	buf_free(&csv);
	return rc;
}

/* The monitoring's PV rules and a ticket already on the board. */
static int create_watch(struct db *db, int64_t now_ms, struct err *e)
{
	/* not pv_comm_loss: with --speed or --at the feed runs behind the
	 * wall clock (as the base leaves out its freshness rules) */
	static const char *const rules[] = {
		"pv_inverter_trip", "pv_string_low", "pv_tracker_stuck",
	};
	json_t *body, *out = NULL;
	int rc;

	if ((rc = alerts_store_templates(db, rules, sizeof(rules) / sizeof(*rules),
					 now_ms, e)))
		return rc;
	body = json_pack("{ss ss ss}", "site", DEMO_PV_SITE, "equipment",
			 "CB-B1-1-1", "title", "汇流箱 B1-1-1 组串 05 电流偏低，"
			 "检查组件遮挡与接线");
	if (!body)
		return err_nomem(e);
	rc = workorders_create(db, body, "demo", now_ms, &out, e);
	json_decref(body);
	json_decref(out);
	return rc;
}

/* The gateway's token, made once and kept with the devices' tokens. */
static int gateway_token(struct db *db, json_t *tokens, struct err *e)
{
	char secret[AUTH_SECRET_MAX];
	int rc;

	if (json_is_string(json_object_get(tokens, DEMO_PV_GATEWAY)))
		return ERR_OK;
	if ((rc = auth_token_create(db, ROLE_ADMIN, "demo PV park gateway",
				    NULL, 0, secret, NULL, e)))
		return rc;
	json_object_set_new(tokens, DEMO_PV_GATEWAY, json_string(secret));
	return ERR_OK;
}

/* The trips: live a quarter of an hour after the start when that is by
 * day (07:00 to 17:00 local), else at the next 11:00; and yesterday's. */
static void plan_faults(struct demo_pv *p, int64_t now_ms)
{
	int64_t at = now_ms + 15 * MS_PER_MINUTE;
	double h = local_hour(at);
	int64_t midnight = local_day(at) * MS_PER_DAY - UTC_OFFSET_MS;

	if (h < 7)
		at = midnight + 11 * MS_PER_HOUR;
	else if (h >= 17)
		at = midnight + MS_PER_DAY + 11 * MS_PER_HOUR;
	p->trip_from = at - at % MS_PER_MINUTE;
	p->trip_to = p->trip_from + TRIP_MS;
	p->old_trip_from = (local_day(now_ms) - 1) * MS_PER_DAY - UTC_OFFSET_MS +
			   11 * MS_PER_HOUR;
}

struct demo_pv *demo_pv_new(uint64_t seed, int64_t now_ms, int64_t from_ms)
{
	struct demo_pv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->seed = seed;
	p->from = from_ms;
	for (int i = 0; i < INVERTERS; i++)
		p->derate[i] = 0.95 + 0.03 * hash01(seed, 7, i);
	plan_faults(p, now_ms);
	return p;
}

int demo_pv_open(struct db *db, uint64_t seed, int64_t now_ms, json_t *tokens,
		 struct demo_pv **out, struct err *e)
{
	struct demo_pv *p = demo_pv_new(seed, now_ms, 0);
	struct db_site s;
	struct err ignored = { 0 };
	int rc;

	*out = NULL;
	if (!p)
		return err_nomem(e);
	if (db_site_get(db, DEMO_PV_SITE, &s, &ignored)) {
		if ((rc = create_site(db, now_ms, e)) ||
		    (rc = create_layout(db, now_ms, e)) ||
		    (rc = create_watch(db, now_ms, e)))
			goto fail;
	} else {
		db_site_free(&s);
	}
	if ((rc = gateway_token(db, tokens, e)) ||
	    (rc = db_state_get(db, STATE_PV_FROM, &p->from, e)))
		goto fail;
	if (!p->from) {
		p->from = (local_day(now_ms) - 2) * MS_PER_DAY - UTC_OFFSET_MS;
		if ((rc = db_state_set(db, STATE_PV_FROM, p->from, e)))
			goto fail;
	}
	*out = p;
	return ERR_OK;
fail:
	free(p);
	return err_prefix(e, "the demo's PV park");
}

void demo_pv_close(struct demo_pv *p)
{
	free(p);
}
