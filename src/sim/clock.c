/* The simulators' wall clock: the real clock, shifted once. */
#include "sim/clock.h"

#include "util/timeutil.h"

void sim_clock_start_at(struct sim_clock *c, int64_t at_ms)
{
	c->offset_ms = at_ms - time_now_ms();
}

int64_t sim_clock_now(const struct sim_clock *c)
{
	return time_now_ms() + c->offset_ms;
}

int64_t sim_clock_behind_ms(const struct sim_clock *c)
{
	return c->offset_ms < 0 ? -c->offset_ms : 0;
}
