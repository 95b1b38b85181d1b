/*
 * The simulated wire's random source: xoshiro256** seeded through
 * splitmix64. Not for secrets; chosen because it is small, fast and gives the
 * same sequence for the same seed on every host.
 */
#ifndef AXN_DRIVERS_SIM_PRNG_H
#define AXN_DRIVERS_SIM_PRNG_H

#include <stdbool.h>
#include <stdint.h>

#define AXN_SIM_PRNG_WORDS 4

struct axn_sim_prng {
    uint64_t s[AXN_SIM_PRNG_WORDS];
};

void axn_sim_prng_seed(struct axn_sim_prng *rng, uint64_t seed);

uint64_t axn_sim_prng_next(struct axn_sim_prng *rng);

/* Uniform in [0, bound); bound 0 gives 0. Unbiased (rejection sampling). */
uint64_t axn_sim_prng_below(struct axn_sim_prng *rng, uint64_t bound);

/* True with probability ppm / AXN_SIM_PPM_ALWAYS. Draws nothing when the
 * answer is certain (0 or >= always), so a disabled impairment leaves the
 * sequence of the others unchanged. */
bool axn_sim_prng_chance(struct axn_sim_prng *rng, uint32_t ppm);

#endif /* AXN_DRIVERS_SIM_PRNG_H */
