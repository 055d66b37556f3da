/*
 * rng: a small seeded pseudo-random generator (xoshiro256**, seeded through
 * splitmix64) for reproducible simulations: the same seed, the same farm.
 * Not for secrets: those come from libsodium.
 */
#ifndef OASIS_SIM_RNG_H
#define OASIS_SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Standard normal (Box-Muller). */
double rng_normal(struct rng *r);

#endif
