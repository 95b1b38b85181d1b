/* The neighbour table of the Ethernet adapter (src/dev/arp_cache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dev/arp_cache.h"

#define IP_A   AXN_IP4(10, 0, 0, 1)
#define IP_B   AXN_IP4(10, 0, 0, 2)
#define TTL    AXN_ARP_NEIGHBOR_TTL
#define RETRY  AXN_ARP_REQUEST_RETRY
#define T_S(s) AXN_SEC(s)

static const struct axn_mac MAC_A = {{0x02, 0, 0, 0, 0, 0xa}};
static const struct axn_mac MAC_B = {{0x02, 0, 0, 0, 0, 0xb}};

static struct axn_arp_cache C;

static int setup(void **state)
{
    (void)state;
    axn_arp_cache_clear(&C);
    return 0;
}

/* A distinct host address and MAC for index i. */
static axn_ip4_t ip_n(size_t i)
{
    return AXN_IP4(10, 1, (i >> 8) & 0xff, i & 0xff);
}

static struct axn_mac mac_n(size_t i)
{
    struct axn_mac m = {{0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
    return m;
}

static void arp_cache_lookup_treats_expired_as_missing(void **state)
{
    (void)state;
    struct axn_mac m;
    assert_false(axn_arp_cache_lookup(&C, IP_A, 0, &m));
    axn_arp_cache_learn(&C, IP_A, &MAC_A, T_S(5));
    assert_true(axn_arp_cache_lookup(&C, IP_A, T_S(5) + TTL - 1, &m));
    assert_memory_equal(m.b, MAC_A.b, AXN_MAC_LEN);
    assert_false(axn_arp_cache_lookup(&C, IP_A, T_S(5) + TTL, &m)); /* ETH-10c */
    assert_true(axn_arp_cache_request_due(&C, IP_A, T_S(5) + TTL));
    assert_false(axn_arp_cache_request_due(&C, IP_A, T_S(5) + TTL - 1));
}

static void arp_cache_request_due_follows_retry_interval(void **state)
{
    (void)state;
    assert_true(axn_arp_cache_request_due(&C, IP_A, 0));
    axn_arp_cache_note_request(&C, IP_A, T_S(1));
    assert_false(axn_arp_cache_request_due(&C, IP_A, T_S(1) + RETRY - 1));
    assert_true(axn_arp_cache_request_due(&C, IP_A, T_S(1) + RETRY));
    assert_true(axn_arp_cache_request_due(&C, IP_B, T_S(1)));
}

static void arp_cache_note_request_counts_attempts_and_learn_ends_them(void **state)
{
    (void)state;
    axn_arp_cache_note_request(&C, IP_A, T_S(1));
    axn_arp_cache_note_request(&C, IP_A, T_S(2));
    struct axn_arp_neigh *n = axn_arp_cache_find(&C, IP_A);
    assert_non_null(n);
    assert_int_equal(n->state, AXN_ARP_INCOMPLETE);
    assert_int_equal(n->requests, 2);
    assert_int_equal(n->first_request, T_S(1));
    assert_int_equal(n->last_request, T_S(2));
    axn_arp_cache_learn(&C, IP_A, &MAC_A, T_S(3));
    assert_int_equal(n->state, AXN_ARP_RESOLVED);
    assert_int_equal(n->expires, T_S(3) + TTL);
    assert_int_equal(axn_arp_cache_next_deadline(&C), AXN_TIME_NEVER);
    /* After expiry a request starts a fresh resolution. */
    axn_arp_cache_note_request(&C, IP_A, T_S(3) + TTL);
    assert_int_equal(n->state, AXN_ARP_INCOMPLETE);
    assert_int_equal(n->requests, 1);
    assert_int_equal(n->first_request, T_S(3) + TTL);
}

static void arp_cache_next_due_and_deadline(void **state)
{
    (void)state;
    assert_null(axn_arp_cache_next_due(&C, T_S(100)));
    axn_arp_cache_note_request(&C, IP_A, T_S(2));
    axn_arp_cache_note_request(&C, IP_B, T_S(1));
    axn_arp_cache_learn(&C, ip_n(1), &MAC_A, 0); /* resolved: never due */
    assert_int_equal(axn_arp_cache_next_deadline(&C), T_S(1) + RETRY);
    assert_null(axn_arp_cache_next_due(&C, T_S(1) + RETRY - 1));
    struct axn_arp_neigh *n = axn_arp_cache_next_due(&C, T_S(1) + RETRY);
    assert_non_null(n);
    assert_int_equal(n->ip, IP_B);
    axn_arp_cache_forget(&C, IP_B);
    assert_null(axn_arp_cache_find(&C, IP_B));
    assert_int_equal(axn_arp_cache_next_deadline(&C), T_S(2) + RETRY);
}

static void arp_cache_replaces_oldest_when_full(void **state)
{
    (void)state;
    for (size_t i = 0; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_mac m = mac_n(i);
        axn_arp_cache_learn(&C, ip_n(i), &m, T_S(10 + i));
    }
    /* Full, nothing expired: the oldest (learned at 10 s) makes room. */
    axn_arp_cache_learn(&C, IP_A, &MAC_A, T_S(100));
    assert_null(axn_arp_cache_find(&C, ip_n(0)));
    for (size_t i = 1; i < AXN_ARP_CACHE_SIZE; i++)
        assert_non_null(axn_arp_cache_find(&C, ip_n(i)));
    assert_non_null(axn_arp_cache_find(&C, IP_A));
}

static void arp_cache_reuses_expired_before_oldest(void **state)
{
    (void)state;
    /* Entry 0: an old resolution (stamp 1 s), the oldest of all. Entry 5:
     * learned at 15 s, expired at 315 s. Everything else fresh. */
    axn_arp_cache_note_request(&C, ip_n(0), T_S(1));
    for (size_t i = 1; i < AXN_ARP_CACHE_SIZE; i++) {
        const struct axn_mac m = mac_n(i);
        axn_arp_cache_learn(&C, ip_n(i), &m, i == 5 ? T_S(15) : T_S(350));
    }
    axn_arp_cache_learn(&C, IP_B, &MAC_B, T_S(400));
    assert_null(axn_arp_cache_find(&C, ip_n(5)));
    assert_non_null(axn_arp_cache_find(&C, ip_n(0)));
    assert_non_null(axn_arp_cache_find(&C, IP_B));
}

static void arp_cache_export_only_valid_entries_and_total(void **state)
{
    (void)state;
    axn_arp_cache_learn(&C, IP_A, &MAC_A, 0);
    axn_arp_cache_learn(&C, IP_B, &MAC_B, T_S(100));
    axn_arp_cache_note_request(&C, ip_n(1), T_S(100));
    struct axn_arp_entry e[3];
    assert_int_equal(axn_arp_cache_export(&C, T_S(200), "a-very-long-interface-name", e, 3), 2);
    assert_int_equal(axn_arp_cache_export(&C, T_S(300), "eth1", e, 3), 1);
    assert_int_equal(e[0].ip, IP_B);
    assert_memory_equal(e[0].mac.b, MAC_B.b, AXN_MAC_LEN);
    assert_int_equal(e[0].hw_type, AXN_ARPHRD_ETHER);
    assert_int_equal(e[0].flags, AXN_ATF_COM);
    assert_string_equal(e[0].dev, "eth1");
    assert_int_equal(axn_arp_cache_export(&C, T_S(200), "a-very-long-interface-name", e, 1), 2);
    assert_int_equal(strlen(e[0].dev), AXN_IFNAMSIZ - 1); /* cut, terminated */
    assert_int_equal(axn_arp_cache_export(&C, T_S(200), "x", NULL, 0), 2);
}

static void arp_cache_clear_forgets_everything(void **state)
{
    (void)state;
    axn_arp_cache_learn(&C, IP_A, &MAC_A, 0);
    axn_arp_cache_note_request(&C, IP_B, 0);
    axn_arp_cache_clear(&C);
    assert_null(axn_arp_cache_find(&C, IP_A));
    assert_null(axn_arp_cache_find(&C, IP_B));
    assert_int_equal(axn_arp_cache_next_deadline(&C), AXN_TIME_NEVER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(arp_cache_lookup_treats_expired_as_missing, setup),
        cmocka_unit_test_setup(arp_cache_request_due_follows_retry_interval, setup),
        cmocka_unit_test_setup(arp_cache_note_request_counts_attempts_and_learn_ends_them, setup),
        cmocka_unit_test_setup(arp_cache_next_due_and_deadline, setup),
        cmocka_unit_test_setup(arp_cache_replaces_oldest_when_full, setup),
        cmocka_unit_test_setup(arp_cache_reuses_expired_before_oldest, setup),
        cmocka_unit_test_setup(arp_cache_export_only_valid_entries_and_total, setup),
        cmocka_unit_test_setup(arp_cache_clear_forgets_everything, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
