/*
 * demo_pv: the demo's PV park, the second site of the demo installation:
 * Mulei county (43.83 N 90.28 E, about 1,300 m, UTC+8), two blocks of
 * three central inverters (1.25 MWp DC, 1.1 MW AC each), two combiner
 * boxes of eight strings per inverter, four single-axis trackers, a met
 * station and the export meter.  Its data are a pure function of the seed
 * and the instant: the sun from the SPA (src/pv), a clear sky (Haurwitz)
 * with clouds, plane-of-array irradiance on 35-degree south-facing modules,
 * SAPM module temperature, PVWatts power from each inverter's nameplate.
 * And what a technician has to find: an AGC curtailment from 12:00 to
 * 14:00 local every day, one inverter (INV-B2-3) that trips (yesterday from
 * 11:00 to 13:00 and, as the demo runs, from a quarter of an hour after it
 * starts, or from 11:00 when that is night, for three hours), one string
 * (S-B1-1-1-05) at 78 % of its box's others.  docs/PV.md, "The demo park".
 */
#ifndef OASIS_SIM_DEMO_PV_H
#define OASIS_SIM_DEMO_PV_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"
#include "util/err.h"

#define DEMO_PV_SITE "mulei"
#define DEMO_PV_LAT 43.83
#define DEMO_PV_LON 90.28
#define DEMO_PV_ALT 1300.0
/* the device whose token (an admin one, kept with the devices' tokens)
 * posts the park's minute, as a plant's SCADA gateway does */
#define DEMO_PV_GATEWAY "mulei-gateway"
#define DEMO_PV_TRIPPED "INV-B2-3"
#define DEMO_PV_LOW_STRING "S-B1-1-1-05"

struct demo_pv;

/*
 * Open the park: made in the store on first use (the site, its layout,
 * the monitoring's PV rules, a work order, the gateway's token put in
 * tokens), and its history's first minute kept (local midnight two days
 * before now_ms).  now_ms is the simulated clock at the demo's start:
 * the inverter trips a quarter of an hour later (or at 11:00 local).
 */
int demo_pv_open(struct db *db, uint64_t seed, int64_t now_ms, json_t *tokens,
		 struct demo_pv **out, struct err *e);
void demo_pv_close(struct demo_pv *p);
/* The park's simulation alone, without the store (for the tests): its
 * faults planned from now_ms, its history from from_ms. */
struct demo_pv *demo_pv_new(uint64_t seed, int64_t now_ms, int64_t from_ms);

/* Where the point of a reading goes. */
typedef int (*demo_pv_emit)(void *ctx, const char *device,
			    const char *metric, int64_t t, double value);

/* Every reading of the park at minute t (none before its history). */
int demo_pv_minute(const struct demo_pv *p, int64_t t, demo_pv_emit emit,
		   void *ctx);

/* The park's readings, pure (for the tests). */
struct demo_pv_sky {
	double ghi, poa, temp_air, temp_module, wind;
	double zenith, azimuth;   /* apparent, degrees */
};
void demo_pv_sky_at(uint64_t seed, int64_t t, struct demo_pv_sky *out);
/* An inverter's AC and DC power (kW) at t before curtailment; 0 and 0
 * when tripped. */
void demo_pv_inverter_at(const struct demo_pv *p, int index, int64_t t,
			 const struct demo_pv_sky *sky, double *p_ac,
			 double *p_dc);
/* Whether the inverter DEMO_PV_TRIPPED is tripped at t. */
bool demo_pv_tripped(const struct demo_pv *p, int64_t t);
/* The AGC set-point (kW) at t: the plant's AC nameplate, or 60 % of it
 * from 12:00 to 14:00 local. */
double demo_pv_setpoint(int64_t t);

#endif
