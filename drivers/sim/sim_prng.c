/*
 * xoshiro256** (Blackman and Vigna) with splitmix64 to spread a 64-bit seed
 * over the 256-bit state, so that nearby seeds give unrelated sequences and
 * the state is never all zero.
 */
#include "sim_prng.h"

#include "axnet/hosted/sim_wire.h"

/* splitmix64: golden-ratio increment and its two mixing multipliers. */
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull
#define SPLITMIX_MUL1  0xbf58476d1ce4e5b9ull
#define SPLITMIX_MUL2  0x94d049bb133111ebull
#define SPLITMIX_SH1   30
#define SPLITMIX_SH2   27
#define SPLITMIX_SH3   31

/* xoshiro256** scrambler and state-update constants. */
#define XOSHIRO_MUL1 5u
#define XOSHIRO_ROT1 7
#define XOSHIRO_MUL2 9u
#define XOSHIRO_SHL  17
#define XOSHIRO_ROT2 45

#define U64_BITS 64

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (U64_BITS - k));
}

static uint64_t splitmix_next(uint64_t *state)
{
    uint64_t z = (*state += SPLITMIX_GAMMA);
    z = (z ^ (z >> SPLITMIX_SH1)) * SPLITMIX_MUL1;
    z = (z ^ (z >> SPLITMIX_SH2)) * SPLITMIX_MUL2;
    return z ^ (z >> SPLITMIX_SH3);
}

void axn_sim_prng_seed(struct axn_sim_prng *rng, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < AXN_SIM_PRNG_WORDS; i++)
        rng->s[i] = splitmix_next(&sm);
}

uint64_t axn_sim_prng_next(struct axn_sim_prng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * XOSHIRO_MUL1, XOSHIRO_ROT1) * XOSHIRO_MUL2;
    uint64_t t = s[1] << XOSHIRO_SHL;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], XOSHIRO_ROT2);
    return result;
}

uint64_t axn_sim_prng_below(struct axn_sim_prng *rng, uint64_t bound)
{
    if (bound == 0)
        return 0;
    /* Values below `floor` would make the low residues more likely:
     * 2^64 mod bound of them, redrawn. */
    uint64_t floor = (0 - bound) % bound;
    uint64_t x;
    do {
        x = axn_sim_prng_next(rng);
    } while (x < floor);
    return x % bound;
}

bool axn_sim_prng_chance(struct axn_sim_prng *rng, uint32_t ppm)
{
    if (ppm == 0)
        return false;
    if (ppm >= AXN_SIM_PPM_ALWAYS)
        return true;
    return axn_sim_prng_below(rng, AXN_SIM_PPM_ALWAYS) < ppm;
}
