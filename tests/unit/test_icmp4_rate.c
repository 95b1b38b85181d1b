/*
 * ICMPv4 rate limits (src/ip/icmp4_rate.h) on the virtual clock, to the
 * microsecond: Linux's per-destination bucket (inet_peer_xrlim_allow:
 * burst XRLIM_BURST_FACTOR 6, then one per icmp_ratelimit), destinations
 * independent, the bounded table, loopback exempt, icmp_ratemask, and the
 * order against the global bucket (icmpv4_global_allow first, spent only
 * when the destination allows). Then the same through axn_icmp4_send_error
 * over a real router, where icmp4_error.c decides what is loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "dev/loopback.h"
#include "fake_netdev.h"
#include "ip/icmp4.h"
#include "ip/icmp4_rate.h"
#include "ip/ip4.h"
#include "route/router.h"
#include "test_platform.h"
#include "wire/icmp4.h"

#define T0         AXN_SEC(100)
#define PERIOD     AXN_MSEC(AXN_ICMP4_RATELIMIT_MS)
#define HOST_BURST 6u /* Linux XRLIM_BURST_FACTOR */
#define GBURST     AXN_ICMP_MSGS_BURST
#define GRATE      AXN_ICMP_MSGS_PER_SEC
#define DST_A      AXN_IP4(192, 0, 2, 1)
#define DST_B      AXN_IP4(192, 0, 2, 3)
#define DST_NET    AXN_IP4(198, 18, 0, 0) /* RFC 2544 benchmarking: many hosts */
#define IDLE       AXN_SEC(3600)
#define MANY       100u
#define UNREACH    AXN_ICMP4_DEST_UNREACH
#define PORT       AXN_ICMP4_UNREACH_PORT
#define ECHO_REP   AXN_ICMP4_ECHO_REPLY
#define BIT_ECHO   (1u << AXN_ICMP4_ECHO_REPLY)
#define TYPE_MAX   255u
#define NR_TYPES   18u /* Linux NR_ICMP_TYPES */

/* Linux's default icmp_ratemask 0x1818, by name. */
#define DEFAULT_MASK                                                                               \
    ((1u << AXN_ICMP4_DEST_UNREACH) | (1u << AXN_ICMP4_SOURCE_QUENCH) |                            \
     (1u << AXN_ICMP4_TIME_EXCEEDED) | (1u << AXN_ICMP4_PARAM_PROBLEM))

static struct axn_icmp4_rate R;

static int rate_setup(void **state)
{
    (void)state;
    axn_icmp4_rate_init(&R, GRATE, GBURST);
    return 0;
}

static enum axn_icmp4_rate_verdict xmit(axn_ip4_t dst, axn_time_t now)
{
    return axn_icmp4_rate_xmit(&R, UNREACH, PORT, dst, false, now);
}

/* Messages allowed out of n to `dst` at `now`. */
static unsigned allowed(axn_ip4_t dst, unsigned n, axn_time_t now)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += xmit(dst, now) == AXN_ICMP4_RATE_OK;
    return ok;
}

static unsigned peers_used(void)
{
    unsigned n = 0;
    for (size_t i = 0; i < AXN_ICMP4_RATE_PEERS; i++)
        n += R.peers[i].used;
    return n;
}

/* ---- Per destination ------------------------------------------------------------------------- */

static void per_destination_burst_then_one_per_period(void **state)
{
    (void)state;
    for (unsigned i = 0; i < HOST_BURST; i++)
        assert_int_equal(xmit(DST_A, T0), AXN_ICMP4_RATE_OK);
    assert_int_equal(xmit(DST_A, T0), AXN_ICMP4_RATE_HOST);
    assert_int_equal(R.limited_host, 1);
    /* One µs short of a period: nothing; at the period: exactly one. */
    assert_int_equal(xmit(DST_A, T0 + PERIOD - 1), AXN_ICMP4_RATE_HOST);
    assert_int_equal(xmit(DST_A, T0 + PERIOD), AXN_ICMP4_RATE_OK);
    assert_int_equal(xmit(DST_A, T0 + PERIOD), AXN_ICMP4_RATE_HOST);
    /* Steady state: one a period, to the µs. */
    for (unsigned k = 2; k <= HOST_BURST; k++) {
        assert_int_equal(allowed(DST_A, MANY, T0 + k * PERIOD - 1), 0);
        assert_int_equal(allowed(DST_A, MANY, T0 + k * PERIOD), 1);
    }
    /* A long idle time fills the bucket to the burst, and no further. */
    const axn_time_t later = T0 + IDLE;
    assert_int_equal(allowed(DST_A, MANY, later), HOST_BURST);
    /* Refused: 1 + 1 + 1, then 2 * MANY - 1 a period, then the rest. */
    assert_int_equal(R.limited_host, 3 + (HOST_BURST - 1) * (2 * MANY - 1) + MANY - HOST_BURST);
    /* Each message the destination allowed spent one global token. */
    assert_int_equal(R.credit, (uint64_t)(GBURST - HOST_BURST) * AXN_USEC_PER_SEC);
}

static void destinations_are_independent(void **state)
{
    (void)state;
    assert_int_equal(allowed(DST_A, MANY, T0), HOST_BURST);
    assert_int_equal(allowed(DST_B, MANY, T0), HOST_BURST);
    assert_int_equal(allowed(DST_A, MANY, T0 + PERIOD), 1);
    assert_int_equal(allowed(DST_B, MANY, T0 + PERIOD), 1);
    assert_int_equal(peers_used(), 2);
    assert_int_equal(R.limited_host, 4 * MANY - 2 * HOST_BURST - 2);
}

/* AXN_ICMP4_RATE_PEERS hosts at most; one more replaces the least
 * recently used, which then starts again with a full burst. */
static void table_is_bounded_oldest_replaced(void **state)
{
    (void)state;
    assert_int_equal(sizeof(R.peers) / sizeof(R.peers[0]), AXN_ICMP4_RATE_PEERS);
    /* Each host exhausted, host i last used at T0 + i µs. */
    for (uint32_t i = 0; i < AXN_ICMP4_RATE_PEERS; i++) {
        for (unsigned k = 0; k < HOST_BURST; k++)
            assert_true(axn_icmp4_rate_peer_allow(&R, DST_NET + i, T0 + i));
        assert_false(axn_icmp4_rate_peer_allow(&R, DST_NET + i, T0 + i));
    }
    assert_int_equal(peers_used(), AXN_ICMP4_RATE_PEERS);
    const axn_time_t t = T0 + AXN_ICMP4_RATE_PEERS;
    /* One more host: a full burst, in host 0's place. */
    for (unsigned k = 0; k < HOST_BURST; k++)
        assert_true(axn_icmp4_rate_peer_allow(&R, DST_NET + AXN_ICMP4_RATE_PEERS, t));
    assert_false(axn_icmp4_rate_peer_allow(&R, DST_NET + AXN_ICMP4_RATE_PEERS, t));
    assert_int_equal(peers_used(), AXN_ICMP4_RATE_PEERS);
    /* Host 1 is still remembered, and still refused. */
    assert_false(axn_icmp4_rate_peer_allow(&R, DST_NET + 1, t));
    /* Host 0 was forgotten: a full burst again, now in host 2's place. */
    for (unsigned k = 0; k < HOST_BURST; k++)
        assert_true(axn_icmp4_rate_peer_allow(&R, DST_NET, t));
    assert_false(axn_icmp4_rate_peer_allow(&R, DST_NET, t));
    assert_true(axn_icmp4_rate_peer_allow(&R, DST_NET + 2, t));
    assert_int_equal(peers_used(), AXN_ICMP4_RATE_PEERS);
}

/* Linux icmpv4_xrlim_allow: no per-host limit through lo; the global
 * bucket still counts and is spent. */
static void loopback_is_exempt(void **state)
{
    (void)state;
    for (unsigned i = 0; i < GBURST; i++)
        assert_int_equal(axn_icmp4_rate_xmit(&R, UNREACH, PORT, DST_A, true, T0),
                         AXN_ICMP4_RATE_OK);
    assert_int_equal(axn_icmp4_rate_xmit(&R, UNREACH, PORT, DST_A, true, T0),
                     AXN_ICMP4_RATE_GLOBAL);
    assert_int_equal(peers_used(), 0);
    assert_int_equal(R.limited_host, 0);
}

/* Linux icmp_global_allow is looked at first, but spent only when the
 * destination allows (icmp_global_consume). */
static void global_bucket_spent_only_when_host_allows(void **state)
{
    (void)state;
    assert_int_equal(allowed(DST_A, MANY, T0), HOST_BURST);
    /* The host refusals spent nothing: GBURST - HOST_BURSThosts more. */
    for (uint32_t i = 0; i < GBURST - HOST_BURST; i++)
        assert_int_equal(xmit(DST_NET + i, T0), AXN_ICMP4_RATE_OK);
    assert_int_equal(xmit(DST_B, T0), AXN_ICMP4_RATE_GLOBAL);
    /* Refused globally, the destination's bucket was not touched. */
    const axn_time_t refill = AXN_USEC_PER_SEC / GRATE; /* one global token */
    assert_int_equal(xmit(DST_B, T0 + refill - 1), AXN_ICMP4_RATE_GLOBAL);
    assert_int_equal(xmit(DST_B, T0 + refill), AXN_ICMP4_RATE_OK);
    assert_int_equal(R.limited_host, MANY - HOST_BURST);
}

/* ---- icmp_ratemask --------------------------------------------------------------------------- */

static void default_mask_is_linux_0x1818(void **state)
{
    (void)state;
    assert_int_equal(AXN_ICMP4_RATEMASK, DEFAULT_MASK);
    for (unsigned t = 0; t <= TYPE_MAX; t++) {
        const bool want = t <= NR_TYPES && ((DEFAULT_MASK >> t) & 1u);
        assert_int_equal(axn_icmp4_rate_limited_type(&R, (uint8_t)t, 0), want);
    }
    /* "Fragmentation needed": never (RFC 1191, Linux icmpv4_mask_allow). */
    assert_false(axn_icmp4_rate_limited_type(&R, UNREACH, AXN_ICMP4_UNREACH_FRAG_NEEDED));
    assert_true(axn_icmp4_rate_limited_type(&R, UNREACH, AXN_ICMP4_UNREACH_HOST));
}

static void mask_decides_what_is_limited(void **state)
{
    (void)state;
    /* Echo replies: not in the default mask, never limited nor counted. */
    for (unsigned i = 0; i < MANY; i++)
        assert_int_equal(axn_icmp4_rate_xmit(&R, ECHO_REP, 0, DST_A, false, T0), AXN_ICMP4_RATE_OK);
    assert_int_equal(peers_used(), 0);
    assert_int_equal(R.credit, (uint64_t)GBURST * AXN_USEC_PER_SEC);
    /* A porter sets bit 0: echo replies get the burst, then one a period. */
    R.mask |= BIT_ECHO;
    unsigned ok = 0;
    for (unsigned i = 0; i < MANY; i++)
        ok += axn_icmp4_rate_xmit(&R, ECHO_REP, 0, DST_A, false, T0) == AXN_ICMP4_RATE_OK;
    assert_int_equal(ok, HOST_BURST);
    assert_int_equal(axn_icmp4_rate_xmit(&R, ECHO_REP, 0, DST_A, false, T0 + PERIOD),
                     AXN_ICMP4_RATE_OK);
    /* Dest unreachable taken out of the mask: no longer limited. */
    R.mask &= ~(1u << UNREACH);
    assert_int_equal(allowed(DST_B, MANY, T0 + PERIOD), MANY);
}

/* ---- Through axn_icmp4_send_error (icmp4_error.c decides loopback) ----------------------------
 */

#define ETH0      AXN_IFINDEX_FIRST_ETH
#define PREFIX    24u
#define ETH0_ADDR AXN_IP4(192, 0, 2, 2)
#define GW0       AXN_IP4(192, 0, 2, 254)
#define LOOP2     AXN_IP4(127, 0, 0, 2)
#define PAYLOAD   32u
#define FILL      0xa5
#define PKT_MAX   256u

static struct {
    struct axn_ctl ctl;
    struct axn_router r;
    struct fake_netdev eth0;
    struct axn_dev_handle *lo, *h0;
    struct axn_ip4 *ip;
} fx;

static int stack_setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    const struct axn_platform *plat = axn_test_platform();
    axn_test_seed_random(1);
    assert_int_equal(axn_ctl_init(&fx.ctl, plat), 0);
    assert_int_equal(fake_ctl_add_iface(&fx.ctl, "eth0", ETH0, ETH0_ADDR, PREFIX, GW0), 0);
    assert_int_equal(axn_router_init(&fx.r, plat, &fx.ctl), 0);
    assert_int_equal(axn_router_handle_create(&fx.r, &fx.lo), 0);
    struct axn_netdev *lo;
    assert_int_equal(axn_loopback_create(plat, &fx.lo->counters, &lo), 0);
    assert_int_equal(axn_router_attach(&fx.r, fx.lo, lo), 0);
    fake_netdev_init(&fx.eth0, plat, ETH0, "eth0", AXN_IFACE_ETHERNET);
    assert_int_equal(axn_router_add_device(&fx.r, &fx.eth0.base, &fx.h0), 0);
    assert_int_equal(axn_ip4_create(plat, &fx.ctl, &fx.r, &fx.ip), 0);
    return 0;
}

static int stack_teardown(void **state)
{
    (void)state;
    axn_ip4_destroy(fx.ip);
    axn_router_destroy(&fx.r);
    axn_ctl_destroy(&fx.ctl);
    fake_netdev_fini(&fx.eth0);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* Port unreachable errors about n datagrams from `src`; how many went. */
static unsigned send_errors(axn_ip4_t src, unsigned n, axn_time_t now)
{
    uint8_t pkt[PKT_MAX];
    const size_t len = fake_build_ipv4(pkt, sizeof(pkt), src, ETH0_ADDR, PAYLOAD, FILL);
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++) {
        const int r = axn_icmp4_send_error(fx.ip, UNREACH, PORT, pkt, len, now);
        assert_true(r == 0 || r == -AXN_EAGAIN);
        ok += r == 0;
    }
    return ok;
}

static void send_error_limits_per_host_but_not_loopback(void **state)
{
    (void)state;
    const unsigned n = HOST_BURST + 1;
    assert_int_equal(send_errors(DST_A, n, T0), HOST_BURST);
    assert_int_equal(fx.ip->rate.limited_host, 1);
    /* A loopback address and our own (routed through lo) are exempt. */
    assert_int_equal(send_errors(LOOP2, n, T0), n);
    assert_int_equal(send_errors(ETH0_ADDR, n, T0), n);
    assert_int_equal(fx.ip->rate.limited_host, 1);
    /* The global bucket still applies to them. */
    const unsigned left = GBURST - HOST_BURST - 2 * n;
    assert_int_equal(send_errors(LOOP2, left + 1, T0), left);
    struct axn_snmp s;
    memset(&s, 0, sizeof(s));
    axn_ip4_snmp(fx.ip, &s);
    assert_int_equal(s.icmp.out_rate_limit_global, 1);
    assert_int_equal(s.icmp.out_dest_unreachs, GBURST);
}

/* The IP layer's entry for messages not sent by icmp4_error.c (echo
 * replies, when icmp4.c calls it): icmp_ratemask bit 0 limits them. */
static void xmit_allow_limits_echo_replies_when_masked(void **state)
{
    (void)state;
    for (unsigned i = 0; i < MANY; i++)
        assert_int_equal(axn_icmp4_xmit_allow(fx.ip, ECHO_REP, 0, DST_A, T0), 0);
    fx.ip->rate.mask |= BIT_ECHO;
    for (unsigned i = 0; i < HOST_BURST; i++)
        assert_int_equal(axn_icmp4_xmit_allow(fx.ip, ECHO_REP, 0, DST_A, T0), 0);
    assert_int_equal(axn_icmp4_xmit_allow(fx.ip, ECHO_REP, 0, DST_A, T0), -AXN_EAGAIN);
    assert_int_equal(axn_icmp4_xmit_allow(fx.ip, ECHO_REP, 0, LOOP2, T0), 0);
    assert_int_equal(axn_icmp4_xmit_allow(fx.ip, ECHO_REP, 0, ETH0_ADDR, T0), 0);
    assert_int_equal(fx.ip->rate.limited_host, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(per_destination_burst_then_one_per_period, rate_setup),
        cmocka_unit_test_setup(destinations_are_independent, rate_setup),
        cmocka_unit_test_setup(table_is_bounded_oldest_replaced, rate_setup),
        cmocka_unit_test_setup(loopback_is_exempt, rate_setup),
        cmocka_unit_test_setup(global_bucket_spent_only_when_host_allows, rate_setup),
        cmocka_unit_test_setup(default_mask_is_linux_0x1818, rate_setup),
        cmocka_unit_test_setup(mask_decides_what_is_limited, rate_setup),
        cmocka_unit_test_setup_teardown(send_error_limits_per_host_but_not_loopback, stack_setup,
                                        stack_teardown),
        cmocka_unit_test_setup_teardown(xmit_allow_limits_echo_replies_when_masked, stack_setup,
                                        stack_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
