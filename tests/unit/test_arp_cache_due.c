/*
 * The neighbour table's cached next deadline (src/dev/arp_cache.c): the
 * poll reads one word instead of scanning, so after every kind of change
 * that word must equal what a full scan of the table gives. A seeded
 * random sequence of requests, answers, forgets, evictions and clears is
 * checked against a scan written here, after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dev/arp_cache.h"

/* More addresses than slots, so new ones evict (INCOMPLETE ones too). */
#define ADDRS      (AXN_ARP_CACHE_SIZE + AXN_ARP_CACHE_SIZE / 2)
#define STEPS      20000u
#define SEED       0x9e3779b9u
#define STEP_US    AXN_MSEC(100)
#define OPS        4u   /* request, answer, forget, tick (step below) */
#define CLEAR_ONE  500u /* one step in CLEAR_ONE clears the whole table */
#define RETRY      AXN_ARP_REQUEST_RETRY
#define EVICT_BASE 1000u

static struct axn_arp_cache C;
static uint32_t rng = SEED;

static uint32_t next_rand(void)
{
    /* xorshift32: reproducible without libc's rand state. */
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static axn_ip4_t addr(uint32_t i)
{
    return AXN_IP4(10, 2, (i >> 8) & 0xff, i & 0xff);
}

/* What the cached word must be: the scan the cache used to do. */
static axn_time_t scan_deadline(const struct axn_arp_cache *c)
{
    axn_time_t next = AXN_TIME_NEVER;
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_arp_neigh *n = &c->e[i];
        if (n->state == AXN_ARP_INCOMPLETE && n->last_request + RETRY < next)
            next = n->last_request + RETRY;
    }
    return next;
}

/* next_due must find a due entry exactly when the scan says one is due. */
static void check(axn_time_t now)
{
    const axn_time_t want = scan_deadline(&C);
    assert_int_equal(axn_arp_cache_next_deadline(&C), want);
    struct axn_arp_neigh *due = axn_arp_cache_next_due(&C, now);
    if (want <= now) {
        assert_non_null(due);
        assert_int_equal(due->state, AXN_ARP_INCOMPLETE);
        assert_true(due->last_request + RETRY <= now);
    } else {
        assert_null(due);
    }
}

static void step(uint32_t op, axn_ip4_t ip, axn_time_t now)
{
    const struct axn_mac mac = {{0x02, 0, 0, 0, (uint8_t)(ip >> 8), (uint8_t)ip}};
    switch (op) {
    case 0:
        axn_arp_cache_note_request(&C, ip, now);
        break;
    case 1:
        axn_arp_cache_learn(&C, ip, &mac, now);
        break;
    case 2:
        axn_arp_cache_forget(&C, ip);
        break;
    default:
        /* As the adapter's tick does: a due entry gets its next request. */
        if (axn_arp_cache_next_due(&C, now) != NULL)
            axn_arp_cache_note_request(&C, axn_arp_cache_next_due(&C, now)->ip, now);
        break;
    }
}

static void arp_cache_cached_deadline_matches_a_scan(void **state)
{
    (void)state;
    axn_arp_cache_clear(&C);
    axn_time_t now = STEP_US;
    check(now);
    for (uint32_t i = 0; i < STEPS; i++) {
        now += next_rand() % STEP_US;
        if (next_rand() % CLEAR_ONE == 0)
            axn_arp_cache_clear(&C);
        else
            step(next_rand() % OPS, addr(next_rand() % ADDRS), now);
        check(now);
    }
}

/* A full table of INCOMPLETE entries: a new address evicts the oldest,
 * which held the earliest deadline; the cached word moves on with it. */
static void arp_cache_eviction_moves_the_deadline(void **state)
{
    (void)state;
    axn_arp_cache_clear(&C);
    for (uint32_t i = 0; i < AXN_ARP_CACHE_SIZE; i++)
        axn_arp_cache_note_request(&C, addr(i), EVICT_BASE + i);
    assert_int_equal(axn_arp_cache_next_deadline(&C), EVICT_BASE + RETRY);
    const struct axn_mac mac = {{0x02, 0, 0, 0, 0, 1}};
    axn_arp_cache_learn(&C, addr(AXN_ARP_CACHE_SIZE), &mac, EVICT_BASE + AXN_ARP_CACHE_SIZE);
    assert_null(axn_arp_cache_find(&C, addr(0)));
    assert_int_equal(axn_arp_cache_next_deadline(&C), EVICT_BASE + 1 + RETRY);
    check(EVICT_BASE + 1 + RETRY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arp_cache_cached_deadline_matches_a_scan),
        cmocka_unit_test(arp_cache_eviction_moves_the_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
