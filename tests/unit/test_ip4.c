/*
 * The IPv4 layer (src/ip/ip4.h) over a real router and control plane with
 * fake devices: input validation and where each rejection is counted
 * (Linux /proc/net/ip4_fx_snmp), local and broadcast delivery (weak host),
 * martians, protocol unreachable and RFC 1122 3.2.2's never-cases, output
 * source selection, DF / EMSGSIZE, fragmentation to the interface MTU and
 * IP IDs that are no global +1 sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/driver.h"
#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "dev/loopback.h"
#include "fake_netdev.h"
#include "ip4_fx.h"
#include "ip4_pkt.h"
#include "ip4_rig_names.h"
#include "ip/icmp4.h"
#include "ip/ip4.h"
#include "lib/byteorder.h"
#include "route/router.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define LOCAL_BIG   3000u /* three fragments over lo's 1500 */
#define LOCAL_FRAGS 3u

/* The fixture (ip4_fx.h): ctl + router (lo, eth0, eth1) + the IP layer. */
static struct ip4_fx fx;

/* ---- Helpers --------------------------------------------------------------------------------- */

static void set_mtu(uint32_t ifindex, uint32_t mtu)
{
    const unsigned long irq = axn_ctl_lock(&fx.rig.ctl);
    axn_ctl_find_locked(&fx.rig.ctl, ifindex)->mtu = mtu;
    axn_ctl_unlock(&fx.rig.ctl, irq);
}

static int out(axn_ip4_t src, axn_ip4_t dst, size_t len, bool df, uint32_t bound)
{
    uint8_t payload[PKT_MAX];
    memset(payload, FILL, sizeof(payload));
    const struct axn_ip4_tx tx = {
        .src = src, .dst = dst, .protocol = TEST_PROTO, .df = df, .ifindex = bound};
    return axn_ip4_output(fx.rig.ip, &tx, payload, len, NOW);
}

/* ---- Input validation: each rejection in its counter ----------------------------------------- */

static void input_counts_each_header_error(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    size_t len = ip4_pkt_build_simple(pkt, PEER, ETH0_ADDR, UDP_PROTO);

    /* Truncated: the frame is shorter than Total Length (IpExt). */
    ip4_fx_rx(pkt, len - CUT, ETH0);
    /* Bad header checksum: InCsumErrors and InHdrErrors, as Linux. */
    pkt[OFF_CSUM] ^= 1;
    ip4_fx_rx(pkt, len, ETH0);
    pkt[OFF_CSUM] ^= 1;
    /* Not version 4; IHL below 5; shorter than a header. */
    uint8_t bad[PKT_MAX];
    memcpy(bad, pkt, len);
    bad[OFF_VER] = BAD_VERSION;
    ip4_fx_rx(bad, len, ETH0);
    bad[OFF_VER] = SHORT_IHL;
    ip4_fx_rx(bad, len, ETH0);
    ip4_fx_rx(pkt, AXN_IPV4_HDR_MIN - 1, ETH0);

    struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_receives, 5);
    assert_int_equal(s.ip.in_truncated_pkts, 1);
    assert_int_equal(s.ip.in_csum_errors, 1);
    assert_int_equal(s.ip.in_hdr_errors, 4);
    assert_int_equal(s.ip.in_delivers, 0);
    assert_int_equal(fx.n_in, 0);
    assert_int_equal(ip4_fx_flush0(), 0);

    /* The device verified the checksum (AXN_OFL_CSUM_VALID): not checked
     * again. A TTL of 0 is not a host's business (RFC 1122 3.2.1.7). */
    pkt[OFF_CSUM] ^= 1;
    ip4_fx_rx_flags(pkt, len, ETH0, AXN_OFL_CSUM_VALID);
    const struct axn_ipv4 ttl0 = {.src = PEER, .dst = ETH0_ADDR, .protocol = UDP_PROTO};
    len = ip4_pkt_build(pkt, &ttl0, PAYLOAD);
    pkt[OFF_TTL] = 0;
    axn_put_be16(pkt + OFF_CSUM, 0);
    axn_put_be16(pkt + OFF_CSUM, axn_csum(pkt, AXN_IPV4_HDR_MIN));
    ip4_fx_rx(pkt, len, ETH0);
    s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_receives, 7);
    assert_int_equal(s.ip.in_hdr_errors, 4);
    assert_int_equal(s.ip.in_delivers, 2);
    assert_int_equal(fx.n_in, 2);
    assert_int_equal(fx.in[1].hdr.ttl, 0);
}

/* ---- Local addresses, broadcasts, martians --------------------------------------------------- */

static void input_accepts_any_local_address_weak_host(void **state)
{
    (void)state;
    ip4_fx_rx_simple(PEER, ETH0_ADDR, UDP_PROTO, ETH0);
    /* eth1's address arriving on eth0: ours too (Linux, weak host). */
    ip4_fx_rx_simple(PEER, ETH1_ADDR, UDP_PROTO, ETH0);
    /* All of 127/8 is local on lo, as on Linux. */
    ip4_fx_rx_simple(LOOP2, LOOP2, UDP_PROTO, LO);
    /* Someone else's: a host does not forward (InAddrErrors, no ICMP). */
    ip4_fx_rx_simple(PEER, REMOTE, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, AXN_IP4(192, 0, 2, 3), UDP_PROTO, ETH0);

    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_receives, 5);
    assert_int_equal(s.ip.in_delivers, 3);
    assert_int_equal(s.ip.in_addr_errors, 2);
    assert_int_equal(fx.n_in, 3);
    assert_int_equal(fx.in[0].rx.cast, AXN_IP4_UNICAST);
    assert_int_equal(fx.in[1].hdr.dst, ETH1_ADDR);
    assert_int_equal(fx.in[1].rx.ifindex, ETH0);
    assert_int_equal(fx.in[2].rx.ifindex, LO);
    assert_int_equal(fx.in[0].rx.len, AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(fx.in[0].first, FILL);
    assert_int_equal(ip4_fx_flush0(), 0);
}

static void input_broadcast_and_multicast_rules(void **state)
{
    (void)state;
    ip4_fx_rx_simple(PEER, LIMITED, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, ETH0_BCAST, UDP_PROTO, ETH0);
    /* Another interface's subnet broadcast: Linux has a broadcast route
     * for it whatever the ingress. */
    ip4_fx_rx_simple(PEER, ETH1_BCAST, UDP_PROTO, ETH0);
    /* All-hosts is joined; other groups are not until IGMP exists. */
    ip4_fx_rx_simple(PEER, ALL_HOSTS, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, MDNS_GROUP, UDP_PROTO, ETH0);

    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_bcast_pkts, 3);
    assert_int_equal(s.ip.in_mcast_pkts, 2);
    assert_int_equal(s.ip.in_mcast_not_member, 1);
    assert_int_equal(s.ip.in_delivers, 4);
    assert_int_equal(s.ip.in_addr_errors, 0);
    assert_int_equal(fx.n_in, 4);
    assert_int_equal(fx.in[0].rx.cast, AXN_IP4_BROADCAST);
    assert_int_equal(fx.in[1].rx.cast, AXN_IP4_BROADCAST);
    assert_int_equal(fx.in[2].rx.cast, AXN_IP4_BROADCAST);
    assert_int_equal(fx.in[3].rx.cast, AXN_IP4_MULTICAST);
}

static void input_drops_martians(void **state)
{
    (void)state;
    ip4_fx_rx_simple(LIMITED, ETH0_ADDR, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(MDNS_GROUP, ETH0_ADDR, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(0, ETH0_ADDR, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(ETH0_BCAST, ETH0_ADDR, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(AXN_IP4(127, 0, 0, 1), ETH0_ADDR, UDP_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, AXN_IP4(127, 0, 0, 1), UDP_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, 0, UDP_PROTO, ETH0);
    /* 0.0.0.0 may ask on the limited broadcast (BOOTP/DHCP). */
    ip4_fx_rx_simple(0, LIMITED, UDP_PROTO, ETH0);

    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_receives, 8);
    assert_int_equal(s.ip.in_martians, 7);
    assert_int_equal(s.ip.in_delivers, 1);
    assert_int_equal(fx.n_in, 1);
    assert_int_equal(fx.in[0].hdr.src, 0);
    assert_int_equal(ip4_fx_flush0(), 0);
}

/* ---- Protocol unreachable -------------------------------------------------------------------- */

static void unknown_protocol_gets_exact_protocol_unreachable(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    const size_t len = ip4_pkt_build_simple(pkt, PEER, ETH0_ADDR, TEST_PROTO);
    ip4_fx_rx(pkt, len, ETH0);

    assert_int_equal(ip4_fx_flush0(), 1);
    const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    assert_int_equal(p->next_hop, PEER);
    struct axn_ipv4 h;
    ip4_pkt_parse_sent(p, &h);
    assert_int_equal(h.src, ETH0_ADDR);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(h.protocol, AXN_IPPROTO_ICMP);
    assert_int_equal(h.ttl, AXN_IP4_DEFAULT_TTL);
    assert_int_equal(h.tos, ERROR_TOS);
    assert_false(h.df);
    assert_false(h.is_fragment);
    /* Type 3 code 2, unused word zero, the whole offending datagram. */
    uint8_t want[PKT_MAX];
    const struct axn_icmp4 m = {.type = AXN_ICMP4_DEST_UNREACH,
                                .code = AXN_ICMP4_UNREACH_PROTO,
                                .body = pkt,
                                .body_len = len};
    const int n = axn_icmp4_emit(&m, want, sizeof(want));
    assert_int_equal(h.payload_len, (size_t)n);
    assert_memory_equal(h.payload, want, (size_t)n);

    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_unknown_protos, 1);
    assert_int_equal(s.ip.in_delivers, 0);
    assert_int_equal(s.ip.out_requests, 1);
    assert_int_equal(s.icmp.out_msgs, 1);
    assert_int_equal(s.icmp.out_dest_unreachs, 1);
}

/* RFC 1122 3.2.2: never to a broadcast or multicast destination. */
static void protocol_unreachable_never_for_broadcast_or_multicast(void **state)
{
    (void)state;
    ip4_fx_rx_simple(PEER, LIMITED, TEST_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, ETH0_BCAST, TEST_PROTO, ETH0);
    ip4_fx_rx_simple(PEER, ALL_HOSTS, TEST_PROTO, ETH0);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_unknown_protos, 3);
    assert_int_equal(s.icmp.out_msgs, 0);
    assert_int_equal(s.icmp.out_rate_limit_global, 0);
    assert_int_equal(ip4_fx_flush0(), 0);
    assert_int_equal(ip4_fx_flush1(), 0);
}

/* The other never-cases, on the error helper itself: a non-first
 * fragment, an ICMP error (or unknown ICMP type), a source that names no
 * single host. Echo requests are not errors: those get answers. */
static void error_helper_obeys_each_never_rule(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    const struct axn_ipv4 frag = {
        .src = PEER, .dst = ETH0_ADDR, .protocol = TEST_PROTO, .frag_offset = 8 * 8};
    size_t len = ip4_pkt_build(pkt, &frag, PAYLOAD);
    assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH,
                                          AXN_ICMP4_UNREACH_PROTO, pkt, len, NOW),
                     -AXN_EPERM);

    const struct axn_ipv4 icmp = {.src = PEER, .dst = ETH0_ADDR, .protocol = AXN_IPPROTO_ICMP};
    const uint8_t never_types[] = {AXN_ICMP4_DEST_UNREACH,  AXN_ICMP4_SOURCE_QUENCH,
                                   AXN_ICMP4_REDIRECT,      AXN_ICMP4_TIME_EXCEEDED,
                                   AXN_ICMP4_PARAM_PROBLEM, 200};
    for (size_t i = 0; i < sizeof(never_types); i++) {
        len = ip4_pkt_build(pkt, &icmp, PAYLOAD);
        pkt[AXN_IPV4_HDR_MIN] = never_types[i];
        assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH,
                                              AXN_ICMP4_UNREACH_PORT, pkt, len, NOW),
                         -AXN_EPERM);
    }
    const axn_ip4_t bad_src[] = {0, LIMITED, ALL_HOSTS, ETH0_BCAST};
    for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
        len = ip4_pkt_build_simple(pkt, bad_src[i], ETH0_ADDR, TEST_PROTO);
        assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH,
                                              AXN_ICMP4_UNREACH_PROTO, pkt, len, NOW),
                         -AXN_EPERM);
    }
    assert_int_equal(ip4_fx_flush0(), 0);
    /* Not a header at all. */
    assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH,
                                          AXN_ICMP4_UNREACH_PROTO, pkt, AXN_IPV4_HDR_MIN - 1, NOW),
                     -AXN_EINVAL);
    /* An echo request may earn an error. */
    len = ip4_pkt_build(pkt, &icmp, PAYLOAD);
    pkt[AXN_IPV4_HDR_MIN] = AXN_ICMP4_ECHO_REQUEST;
    assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT,
                                          pkt, len, NOW),
                     0);
    assert_int_equal(ip4_fx_flush0(), 1);
    assert_int_equal(ip4_fx_snmp().icmp.out_msgs, 1);
}

/* ---- Output ---------------------------------------------------------------------------------- */

static void output_selects_source_from_route(void **state)
{
    (void)state;
    /* On-link on eth0, on-link on eth1, and via eth0's default route. */
    assert_int_equal(out(0, PEER, PAYLOAD, false, 0), 0);
    assert_int_equal(out(0, PEER1, PAYLOAD, false, 0), 0);
    assert_int_equal(out(0, REMOTE, PAYLOAD, false, 0), 0);
    assert_int_equal(ip4_fx_flush0(), 2);
    assert_int_equal(ip4_fx_flush1(), 1);
    struct axn_ipv4 h;
    const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    ip4_pkt_parse_sent(p, &h);
    assert_int_equal(h.src, ETH0_ADDR);
    assert_int_equal(h.dst, PEER);
    assert_int_equal(h.ttl, AXN_IP4_DEFAULT_TTL);
    assert_int_equal(h.protocol, TEST_PROTO);
    assert_int_equal(h.payload_len, PAYLOAD);
    assert_int_equal(p->next_hop, PEER);
    p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    ip4_pkt_parse_sent(p, &h);
    assert_int_equal(h.src, ETH0_ADDR);
    assert_int_equal(h.dst, REMOTE);
    assert_int_equal(p->next_hop, GW0);
    p = sim_fake_take(&fx.rig.eth1, &fx.taken1);
    ip4_pkt_parse_sent(p, &h);
    assert_int_equal(h.src, ETH1_ADDR);
    assert_int_equal(h.dst, PEER1);

    /* TTL and TOS as asked. */
    uint8_t payload[PAYLOAD] = {0};
    const struct axn_ip4_tx tx = {
        .dst = PEER, .protocol = TEST_PROTO, .tos = TOS_IN, .ttl = 1, .df = true};
    assert_int_equal(axn_ip4_output(fx.rig.ip, &tx, payload, sizeof(payload), NOW), 0);
    assert_int_equal(ip4_fx_flush0(), 1);
    ip4_pkt_parse_sent(sim_fake_take(&fx.rig.eth0, &fx.taken0), &h);
    assert_int_equal(h.ttl, 1);
    assert_int_equal(h.tos, TOS_IN);
    assert_true(h.df);

    /* eth1 has no default route: bound to it, or sourced from its
     * address, REMOTE is unreachable (OutNoRoutes, no OutRequests). */
    assert_int_equal(out(0, REMOTE, PAYLOAD, false, ETH1), -AXN_ENETUNREACH);
    assert_int_equal(out(ETH1_ADDR, REMOTE, PAYLOAD, false, 0), -AXN_ENETUNREACH);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.out_requests, 4);
    assert_int_equal(s.ip.out_no_routes, 2);
    assert_int_equal(ip4_fx_flush0() + ip4_fx_flush1(), 0);
}

static void output_df_too_big_is_emsgsize(void **state)
{
    (void)state;
    const size_t fits = AXN_ETH_MTU - AXN_IPV4_HDR_MIN;
    assert_int_equal(out(0, PEER, fits + 1, true, 0), -AXN_EMSGSIZE);
    assert_int_equal(ip4_fx_flush0(), 0);
    assert_int_equal(out(0, PEER, fits, true, 0), 0);
    assert_int_equal(ip4_fx_flush0(), 1);
    assert_int_equal(sim_fake_take(&fx.rig.eth0, &fx.taken0)->len, AXN_ETH_MTU);
    /* Beyond what one datagram can describe. */
    assert_int_equal(out(0, PEER, AXN_IPV4_TOTAL_MAX, false, 0), -AXN_EMSGSIZE);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.frag_fails, 1);
    assert_int_equal(s.ip.frag_oks, 0);
    assert_int_equal(s.ip.out_requests, 2);
}

/* RFC 791 3.2: fragments of at most the MTU, data in multiples of 8
 * bytes, the same ID, MF on all but the last. */
static void output_fragments_to_interface_mtu(void **state)
{
    (void)state;
    set_mtu(ETH0, SMALL_MTU);
    assert_int_equal(out(0, PEER, BIG_PAYLOAD, false, 0), 0);
    const size_t per = (SMALL_MTU - AXN_IPV4_HDR_MIN) & ~(size_t)7;
    assert_int_equal(ip4_fx_flush0(), 3);
    uint8_t joined[PKT_MAX];
    size_t at = 0;
    uint16_t id = 0;
    for (size_t i = 0; i < 3; i++) {
        struct axn_ipv4 h;
        const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
        ip4_pkt_parse_sent(p, &h);
        assert_true(p->len <= SMALL_MTU);
        assert_int_equal(h.frag_offset, at);
        assert_int_equal(h.mf, i < 2);
        assert_int_equal(h.payload_len, i < 2 ? per : BIG_PAYLOAD - 2 * per);
        if (i == 0)
            id = h.id;
        assert_int_equal(h.id, id);
        memcpy(joined + at, h.payload, h.payload_len);
        at += h.payload_len;
    }
    assert_int_equal(at, BIG_PAYLOAD);
    for (size_t i = 0; i < BIG_PAYLOAD; i++)
        assert_int_equal(joined[i], FILL);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.out_requests, 1);
    assert_int_equal(s.ip.frag_oks, 1);
    assert_int_equal(s.ip.frag_creates, 3);
    assert_int_equal(s.ip.frag_fails, 0);
    /* With DF the same datagram is refused. */
    assert_int_equal(out(0, PEER, BIG_PAYLOAD, true, 0), -AXN_EMSGSIZE);
}

static uint16_t sent_id_to(axn_ip4_t dst)
{
    assert_int_equal(out(0, dst, PAYLOAD, true, 0), 0);
    assert_int_equal(ip4_fx_flush0(), 1);
    struct axn_ipv4 h;
    ip4_pkt_parse_sent(sim_fake_take(&fx.rig.eth0, &fx.taken0), &h);
    assert_int_equal(h.dst, dst);
    return h.id;
}

/* RFC 6864 / RFC 7739: a destination sees its own +1 sequence; what we
 * sent elsewhere in between does not show in it, and two destinations do
 * not share one counter. */
static void ip_id_is_not_one_global_sequence(void **state)
{
    (void)state;
    const uint16_t first = sent_id_to(PEER);
    uint16_t others[OTHER_DSTS];
    for (uint32_t i = 0; i < OTHER_DSTS; i++)
        others[i] = sent_id_to(ID_DSTS_NET + i);
    const uint16_t second = sent_id_to(PEER);
    assert_int_equal((uint16_t)(second - first), 1);
    /* A global counter would make these consecutive. */
    size_t consecutive = 0;
    for (uint32_t i = 1; i < OTHER_DSTS; i++)
        consecutive += (uint16_t)(others[i] - others[i - 1]) == 1;
    assert_true(consecutive < OTHER_DSTS - 1);
    assert_int_not_equal((uint16_t)(others[0] - first), 1);
}

/* Linux's local table: a datagram to one of our own addresses loops
 * through lo, from that address, and is fragmented to lo's MTU. */
static void output_to_own_address_loops_through_lo(void **state)
{
    (void)state;
    static uint8_t payload[LOCAL_BIG];
    memset(payload, FILL, sizeof(payload));
    const struct axn_ip4_tx tx = {.dst = ETH1_ADDR, .protocol = UDP_PROTO};
    assert_int_equal(axn_ip4_output(fx.rig.ip, &tx, payload, PAYLOAD, NOW), 0);
    assert_int_equal(axn_ip4_output(fx.rig.ip, &tx, payload, LOCAL_BIG, NOW), 0);
    assert_int_equal(ip4_fx_flush0() + ip4_fx_flush1(), 0);
    (void)axn_router_deliver(&fx.rig.r, NOW);
    assert_int_equal(fx.n_in, 2);
    for (size_t i = 0; i < fx.n_in; i++) {
        assert_int_equal(fx.in[i].rx.ifindex, LO);
        assert_int_equal(fx.in[i].rx.cast, AXN_IP4_UNICAST);
        assert_int_equal(fx.in[i].hdr.src, ETH1_ADDR);
        assert_int_equal(fx.in[i].hdr.dst, ETH1_ADDR);
    }
    assert_int_equal(fx.in[0].rx.len, AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(fx.in[1].rx.len, AXN_IPV4_HDR_MIN + LOCAL_BIG);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.frag_oks, 1);
    assert_int_equal(s.ip.frag_creates, LOCAL_FRAGS);
    assert_int_equal(s.ip.reasm_oks, 1);
    assert_int_equal(s.ip.in_delivers, 2);
}

/* ---- Registration ---------------------------------------------------------------------------- */

static void proto_handler_table_rules(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_set_proto_handler(fx.rig.ip, AXN_IPPROTO_ICMP, ip4_fx_record, NULL),
                     -AXN_EINVAL);
    /* UDP holds one entry already. */
    for (uint8_t p = 0; p < AXN_IP4_MAX_PROTO_HANDLERS - 1; p++)
        assert_int_equal(
            axn_ip4_set_proto_handler(fx.rig.ip, (uint8_t)(100 + p), ip4_fx_record, NULL), 0);
    assert_int_equal(axn_ip4_set_proto_handler(fx.rig.ip, TEST_PROTO, ip4_fx_record, NULL),
                     -AXN_ENOSPC);
    assert_int_equal(axn_ip4_set_proto_handler(fx.rig.ip, 100, NULL, NULL), 0);
    assert_int_equal(axn_ip4_set_proto_handler(fx.rig.ip, TEST_PROTO, ip4_fx_record, NULL), 0);
    ip4_fx_rx_simple(PEER, ETH0_ADDR, TEST_PROTO, ETH0);
    assert_int_equal(fx.n_in, 1);
    assert_int_equal(ip4_fx_snmp().ip.in_unknown_protos, 0);
    /* Unregistered again: protocol unreachable once more. */
    assert_int_equal(axn_ip4_set_proto_handler(fx.rig.ip, TEST_PROTO, NULL, NULL), 0);
    ip4_fx_rx_simple(PEER, ETH0_ADDR, TEST_PROTO, ETH0);
    assert_int_equal(ip4_fx_snmp().ip.in_unknown_protos, 1);
    assert_int_equal(ip4_fx_flush0(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IP4_FX_TEST(input_counts_each_header_error, &fx),
        IP4_FX_TEST(input_accepts_any_local_address_weak_host, &fx),
        IP4_FX_TEST(input_broadcast_and_multicast_rules, &fx),
        IP4_FX_TEST(input_drops_martians, &fx),
        IP4_FX_TEST(unknown_protocol_gets_exact_protocol_unreachable, &fx),
        IP4_FX_TEST(protocol_unreachable_never_for_broadcast_or_multicast, &fx),
        IP4_FX_TEST(error_helper_obeys_each_never_rule, &fx),
        IP4_FX_TEST(output_selects_source_from_route, &fx),
        IP4_FX_TEST(output_df_too_big_is_emsgsize, &fx),
        IP4_FX_TEST(output_fragments_to_interface_mtu, &fx),
        IP4_FX_TEST(ip_id_is_not_one_global_sequence, &fx),
        IP4_FX_TEST(output_to_own_address_loops_through_lo, &fx),
        IP4_FX_TEST(proto_handler_table_rules, &fx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
