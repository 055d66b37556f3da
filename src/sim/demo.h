/*
 * demo: the living demo base.  Its devices (a weather station per row of
 * fields, about 2,000 mu each; a soil probe, a flow meter and a valve per
 * plot; cameras on some plots; two drones and three tractors), the
 * season's history from sowing written straight into the store (thinner
 * for the old days: docs/DEMO.md), and then the live
 * simulation: every device reports to the server over HTTP with its own
 * token, exactly as a real one would.
 *
 * Time: "now" is the simulated wall clock (sim/clock.h): the real one, or
 * the instant given with --at running on from there.  With --speed 1 the
 * history ends now and the live feed goes on in real time.  Faster, the
 * history ends `lead` in the past and the live feed replays from there
 * `speed` times faster until it reaches now, then goes on in real time
 * (device clocks never run ahead of the simulated wall).
 */
#ifndef OASIS_SIM_DEMO_H
#define OASIS_SIM_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "sim/clock.h"
#include "ts/engine.h"
#include "util/err.h"

struct demo;

/*
 * Load the demo base from the store (plots, and devices: registered on
 * first use, their tokens kept in DIR/demo-devices.json, mode 0600).
 * The live feed never runs ahead of clock (copied).
 */
int demo_open(struct db *db, const char *data_dir, uint64_t seed,
	      const struct sim_clock *clock, struct demo **out, struct err *e);
void demo_close(struct demo *d);

/*
 * The demo's season: the year whose cotton the base grows at instant now
 * (from April 1 on, the year's; before, last year's), and where a new
 * base's history starts: at the season's first sowing, April 10, 00:00
 * at Manas (UTC+8), or 30 days before now if that is later (early April).
 */
int demo_season_year(int64_t now);
int64_t demo_season_start(int64_t now);

/* Where the demo's history ends (0: it has none yet). */
int64_t demo_history_end(struct demo *d);

/* Write the simulated history of [from, to) straight into the store. */
int demo_history(struct demo *d, int64_t from, int64_t to, struct err *e);

/*
 * Start the live simulation from sim_start, posting to base_url
 * ("http://127.0.0.1:8080"); stops in demo_close.
 */
int demo_live_start(struct demo *d, const char *base_url, int64_t sim_start,
		    double speed, struct err *e);

/*
 * Whether the demo's tractors are at work at instant t: by day in the
 * field seasons: sowing (April, 9 to 18 solar time), spraying and topping
 * (June to late August, 7 to 13 before the heat) and autumn tillage
 * (October and November, 9 to 18).
 */
bool demo_tractor_at_work(int64_t t);

/* Points posted and refused by the live simulation so far. */
void demo_live_counts(struct demo *d, uint64_t *posted, uint64_t *refused);

#endif
