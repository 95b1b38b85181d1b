/*
 * A small malloc-backed platform for unit tests.
 *
 * Memory comes from calloc/aligned_alloc and is counted, so a test can
 * assert that everything it allocated was freed. Locks are no-ops (tests
 * run on one thread), time is virtual and set by the test, randomness comes
 * from a fixed-seed PRNG so every run is reproducible. Blocking calls
 * refuse with -AXN_EWOULDBLOCK, as port/none does.
 */
#ifndef AXN_TEST_PLATFORM_H
#define AXN_TEST_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/platform.h"

/* The shared test platform (one per test process). */
const struct axn_platform *axn_test_platform(void);

/* Sets / advances the virtual clock returned by now(). */
void axn_test_set_now(axn_time_t now);
void axn_test_advance(axn_time_t delta);

/* Restarts the PRNG behind random() from `seed`. */
void axn_test_seed_random(uint64_t seed);

/* Allocations made through the platform and not yet freed. */
size_t axn_test_live_allocs(void);
/* Bytes of those allocations, as the allocating and freeing calls size
 * them (a size passed to free that differs from the allocation's shows
 * as a drift). */
size_t axn_test_live_bytes(void);

/* Makes the next `n` allocations succeed, then every later one fail (until
 * reset with SIZE_MAX). Lets tests reach -AXN_ENOMEM paths. */
void axn_test_fail_alloc_after(size_t n);

/* The test platform with a recording log hook at DEBUG level: tests read
 * back what the library logged (e.g. that each refusal has its message). */
const struct axn_platform *axn_test_logging_platform(void);
/* The last line logged through it ("" if none), and how many so far. */
const char *axn_test_last_log(void);
size_t axn_test_log_count(void);
void axn_test_clear_log(void);

/* A random() hook whose bytes are a running count from `next` (so a fresh
 * state hands out the key 00..0f, then 10..1f), or which fails with `err`
 * when that is set: tests can precompute hashes keyed by it. Use as
 * {.ctx = &state, .random = axn_test_counting_random}. */
struct axn_test_counting_rng {
    uint8_t next;
    int err;
};
int axn_test_counting_random(void *ctx, void *buf, size_t len);

#endif /* AXN_TEST_PLATFORM_H */
