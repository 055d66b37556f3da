/*
 * clock: the simulators' wall clock.  By default it is the real one;
 * started at an instant (`oasis demo --at`, `oasis simulate --at`) it runs
 * on from there at the real pace, so that the demo base can be shown in
 * any season on any date, and tests hold what depends on the season at
 * fixed instants instead of at today's date.
 */
#ifndef OASIS_SIM_CLOCK_H
#define OASIS_SIM_CLOCK_H

#include <stdint.h>

struct sim_clock {
	int64_t offset_ms;        /* simulated minus real; 0: the real clock */
};

#define SIM_CLOCK_REAL ((struct sim_clock){ 0 })

/* Make the clock read at_ms now (and run on from there). */
void sim_clock_start_at(struct sim_clock *c, int64_t at_ms);

/* The simulated wall clock's instant now. */
int64_t sim_clock_now(const struct sim_clock *c);

/* How far the simulated wall is behind the real one (0 when ahead). */
int64_t sim_clock_behind_ms(const struct sim_clock *c);

#endif
