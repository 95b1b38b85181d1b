/*
 * ICMPv4 in the IPv4 layer (src/ip/icmp4.h) over a real router with fake
 * devices: echo replies byte for byte, Linux's broadcast-echo rule, the
 * token bucket on errors on the virtual clock, received errors handed to
 * the registered transport with their quote, and Time Exceeded when a
 * reassembly times out.
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

#define L4_COPY IP4_FX_L4_COPY

/* The fixture (ip4_fx.h): ctl + router (lo, eth0, eth1) + the IP layer. */
static struct ip4_fx fx;

/* ---- ICMP-specific helpers ------------------------------------------------------------------- */

#define ECHO_ID       0x1234u
#define ECHO_SEQ      7u
#define ECHO_DATA     56u   /* as ping(8) */
#define ECHO_TOS      0x11u /* a TOS bit and ECT(1) */
#define ECHO_BATCH    50u
#define ECHO_BATCHES  2u
#define BURST         AXN_ICMP_MSGS_BURST
#define OVER_BURST    10u
#define HOST_BURST    6u  /* Linux XRLIM_BURST_FACTOR: all from one PEER (icmp4_rate.h) */
#define REFILL_MS     10u /* AXN_ICMP_MSGS_PER_SEC 1000: 10 tokens */
#define REFILL_TOKENS (REFILL_MS * AXN_ICMP_MSGS_PER_SEC / 1000u)
#define NEXT_MTU      1400u
#define POINTER       9u
#define UDP_HLEN      8u
#define UDP_DATA      4u
#define SPORT_HI      0x04u
#define QUOTE_PAYLOAD 8u  /* RFC 792: header plus 64 bits */
#define FRAG_DATA     64u /* first fragment's payload */
#define TIMEOUT       AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS)

static size_t build_icmp(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, uint8_t tos,
                         const struct axn_icmp4 *m)
{
    uint8_t l4[PKT_MAX];
    const int n = axn_icmp4_emit(m, l4, sizeof(l4));
    assert_true(n > 0);
    const struct axn_ipv4 h = {.src = src,
                               .dst = dst,
                               .tos = tos,
                               .ttl = TTL,
                               .protocol = AXN_IPPROTO_ICMP,
                               .payload = l4,
                               .payload_len = (size_t)n};
    const int len = axn_ipv4_emit(&h, buf, PKT_MAX);
    assert_true(len > 0);
    return (size_t)len;
}

static size_t build_echo(uint8_t *buf, axn_ip4_t src, axn_ip4_t dst, uint16_t seq)
{
    uint8_t data[ECHO_DATA];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    const struct axn_icmp4 m = {.type = AXN_ICMP4_ECHO_REQUEST,
                                .id = ECHO_ID,
                                .seq = seq,
                                .body = data,
                                .body_len = sizeof(data)};
    return build_icmp(buf, src, dst, ECHO_TOS, &m);
}

/* The ICMP message in sent packet `p`, after checking its IP header. */
static struct axn_ipv4 sent_icmp(const struct fake_sent_pkt *p, axn_ip4_t src, axn_ip4_t dst)
{
    struct axn_ipv4 h;
    ip4_pkt_parse_sent(p, &h);
    assert_int_equal(h.src, src);
    assert_int_equal(h.dst, dst);
    assert_int_equal(h.protocol, AXN_IPPROTO_ICMP);
    assert_int_equal(h.ttl, AXN_IP4_DEFAULT_TTL);
    assert_false(h.df);
    return h;
}

/* ---- Echo (RFC 792, RFC 1122 3.2.2.6) -------------------------------------------------------- */

static void echo_request_gets_exact_reply(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    ip4_fx_rx(pkt, build_echo(pkt, PEER, ETH0_ADDR, ECHO_SEQ), ETH0);
    assert_int_equal(ip4_fx_flush0(), 1);
    const struct fake_sent_pkt *p = sim_fake_take(&fx.rig.eth0, &fx.taken0);
    assert_int_equal(p->next_hop, PEER);
    const struct axn_ipv4 h = sent_icmp(p, ETH0_ADDR, PEER);
    /* The request's TOS without its ECN bits (Linux icmp_reply). */
    assert_int_equal(h.tos, ECHO_TOS & ~AXN_IPV4_ECN_MASK);
    /* Same identifier, sequence number and data; type 0; valid checksum. */
    uint8_t data[ECHO_DATA];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    const struct axn_icmp4 m = {.type = AXN_ICMP4_ECHO_REPLY,
                                .id = ECHO_ID,
                                .seq = ECHO_SEQ,
                                .body = data,
                                .body_len = sizeof(data)};
    uint8_t want[PKT_MAX];
    const int n = axn_icmp4_emit(&m, want, sizeof(want));
    assert_int_equal(h.payload_len, (size_t)n);
    assert_memory_equal(h.payload, want, (size_t)n);

    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.in_delivers, 1);
    assert_int_equal(s.ip.out_requests, 1);
    assert_int_equal(s.icmp.in_msgs, 1);
    assert_int_equal(s.icmp.in_echos, 1);
    assert_int_equal(s.icmp.out_msgs, 1);
    assert_int_equal(s.icmp.out_echo_reps, 1);
    assert_int_equal(s.icmp.in_errors + s.icmp.out_errors, 0);
}

/* Linux icmp_echo_ignore_broadcasts = 1: counted, refused (InErrors). */
static void echo_to_broadcast_ignored_unless_enabled(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    ip4_fx_rx(pkt, build_echo(pkt, PEER, ETH0_BCAST, ECHO_SEQ), ETH0);
    ip4_fx_rx(pkt, build_echo(pkt, PEER, ALL_HOSTS, ECHO_SEQ), ETH0);
    assert_int_equal(ip4_fx_flush0(), 0);
    struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.in_echos, 2);
    assert_int_equal(s.icmp.in_errors, 2);
    assert_int_equal(s.icmp.out_msgs, 0);
    /* Switched on: answered from the interface's own address. */
    fx.rig.ip->echo_ignore_broadcasts = false;
    ip4_fx_rx(pkt, build_echo(pkt, PEER, LIMITED, ECHO_SEQ), ETH0);
    assert_int_equal(ip4_fx_flush0(), 1);
    (void)sent_icmp(sim_fake_take(&fx.rig.eth0, &fx.taken0), ETH0_ADDR, PEER);
    s = ip4_fx_snmp();
    assert_int_equal(s.icmp.out_echo_reps, 1);
}

static void record_echo_reply(void *ctx, const struct axn_ip4_rx *ip4_fx_rx,
                              const struct axn_icmp4 *m, axn_time_t now)
{
    (void)ctx;
    (void)now;
    assert_int_equal(m->type, AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(m->id, ECHO_ID);
    ip4_fx_record(NULL, ip4_fx_rx, fx.now);
}

/* Pings of our own addresses never reach a wire: 127.0.0.1, 127.0.0.2
 * (all of 127/8 is local, as on Linux) and eth0's address from itself. */
static void echo_to_own_addresses_stays_on_lo(void **state)
{
    (void)state;
    axn_ip4_set_echo_reply_handler(fx.rig.ip, record_echo_reply, NULL);
    const axn_ip4_t lo1 = AXN_IP4(127, 0, 0, 1);
    const axn_ip4_t from[] = {lo1, lo1, ETH0_ADDR};
    const axn_ip4_t to[] = {lo1, LOOP2, ETH0_ADDR};
    uint8_t pkt[PKT_MAX];
    for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++)
        ip4_fx_rx(pkt, build_echo(pkt, from[i], to[i], (uint16_t)i), LO);
    (void)axn_router_deliver(&fx.rig.r, fx.now);
    assert_int_equal(ip4_fx_flush0(), 0);
    assert_int_equal(fx.n_in, 3);
    for (size_t i = 0; i < fx.n_in; i++) {
        assert_int_equal(fx.in[i].rx.ifindex, LO);
        assert_int_equal(fx.in[i].hdr.src, to[i]);
        assert_int_equal(fx.in[i].hdr.dst, from[i]);
    }
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.out_echo_reps, 3);
    assert_int_equal(s.icmp.in_echo_reps, 3);
}

static void malformed_icmp_counted_not_answered(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    const size_t len = build_echo(pkt, PEER, ETH0_ADDR, ECHO_SEQ);
    pkt[len - 1] ^= 1; /* the ICMP checksum no longer holds */
    ip4_fx_rx(pkt, len, ETH0);
    /* Shorter than an ICMP header. */
    const struct axn_ipv4 tiny = {.src = PEER, .dst = ETH0_ADDR, .protocol = AXN_IPPROTO_ICMP};
    ip4_fx_rx(pkt, ip4_pkt_build(pkt, &tiny, AXN_ICMP4_HDR_LEN - 1), ETH0);
    assert_int_equal(ip4_fx_flush0(), 0);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.in_msgs, 2);
    assert_int_equal(s.icmp.in_errors, 2);
    assert_int_equal(s.icmp.in_csum_errors, 1);
    assert_int_equal(s.icmp.in_echos, 0);
}

/* Linux's icmp_ratemask leaves echo replies out of the limit. */
static void echo_replies_are_not_rate_limited(void **state)
{
    (void)state;
    uint8_t pkt[PKT_MAX];
    size_t sent = 0;
    for (unsigned b = 0; b < ECHO_BATCHES; b++) {
        for (unsigned i = 0; i < ECHO_BATCH; i++)
            ip4_fx_rx(pkt, build_echo(pkt, PEER, ETH0_ADDR, (uint16_t)(b * ECHO_BATCH + i)), ETH0);
        sent += ip4_fx_flush0();
        fx.taken0 = atomic_load(&fx.rig.eth0.n_sent);
    }
    assert_int_equal(sent, ECHO_BATCH * ECHO_BATCHES);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.out_echo_reps, ECHO_BATCH * ECHO_BATCHES);
    assert_int_equal(s.icmp.out_rate_limit_global, 0);
}

/* n protocol-unreachable triggers at fx.now; returns the errors sent. */
static size_t trigger_errors(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ip4_fx_rx_simple(PEER, ETH0_ADDR, TEST_PROTO, ETH0);
    const size_t sent = ip4_fx_flush0();
    fx.taken0 = atomic_load(&fx.rig.eth0.n_sent);
    return sent;
}

/* Linux icmp_global_allow: icmp_msgs_per_sec 1000, burst 50, on the
 * virtual clock to the token. */
static void errors_are_rate_limited_by_a_token_bucket(void **state)
{
    (void)state;
    /* One destination: its own bucket (burst 6, one a second) refuses
     * first, and what it refuses spends no global token. */
    assert_int_equal(trigger_errors(BURST + OVER_BURST), HOST_BURST);
    struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.out_dest_unreachs, HOST_BURST);
    assert_int_equal(s.icmp.out_rate_limit_global, 0);
    assert_int_equal(s.ip.in_unknown_protos, BURST + OVER_BURST);
    /* 10 ms later: 10 global tokens, but nothing for the destination. */
    fx.now += AXN_MSEC(REFILL_MS);
    assert_int_equal(trigger_errors(REFILL_TOKENS + 2), 0);
    fx.now += AXN_MSEC(1) - 1;
    assert_int_equal(trigger_errors(1), 0);
    fx.now += 1;
    assert_int_equal(trigger_errors(1), 0);
    /* "Fragmentation needed" drives PMTU discovery: never limited. */
    uint8_t pkt[PKT_MAX];
    const size_t len = ip4_pkt_build_simple(pkt, PEER, ETH0_ADDR, TEST_PROTO);
    assert_int_equal(axn_icmp4_send_error_info(fx.rig.ip, AXN_ICMP4_DEST_UNREACH,
                                               AXN_ICMP4_UNREACH_FRAG_NEEDED, NEXT_MTU, pkt, len,
                                               fx.now),
                     0);
    assert_int_equal(axn_icmp4_send_error(fx.rig.ip, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT,
                                          pkt, len, fx.now),
                     -AXN_EAGAIN);
    assert_int_equal(ip4_fx_flush0(), 1);
    struct axn_icmp4 m;
    const struct axn_ipv4 h = sent_icmp(sim_fake_take(&fx.rig.eth0, &fx.taken0), ETH0_ADDR, PEER);
    assert_int_equal(axn_icmp4_parse(h.payload, h.payload_len, &m, 0), 0);
    assert_int_equal(m.code, AXN_ICMP4_UNREACH_FRAG_NEEDED);
    assert_int_equal(m.next_mtu, NEXT_MTU);
    /* A second later the destination has one more. */
    fx.now += AXN_SEC(1);
    assert_int_equal(trigger_errors(BURST + OVER_BURST), 1);
    s = ip4_fx_snmp();
    assert_int_equal(s.icmp.out_rate_limit_global, 0);
    assert_int_equal(fx.rig.ip->rate.limited_host, BURST + OVER_BURST - HOST_BURST + REFILL_TOKENS +
                                                       2 + 1 + 1 + 1 + BURST + OVER_BURST - 1);
    /* ... and shown as Linux's Icmp: OutRateLimitHost. */
    assert_int_equal(s.icmp.out_rate_limit_host, fx.rig.ip->rate.limited_host);
}

/* ---- Received errors (RFC 1122 3.2.2: passed to the transport) ------------------------------- */

/* Our UDP datagram as a router would quote it. */
static size_t build_our_udp(uint8_t *buf, uint8_t proto)
{
    uint8_t l4[UDP_HLEN + UDP_DATA];
    for (size_t i = 0; i < sizeof(l4); i++)
        l4[i] = (uint8_t)(SPORT_HI + i);
    const struct axn_ipv4 h = {.src = ETH0_ADDR,
                               .dst = REMOTE,
                               .ttl = TTL,
                               .protocol = proto,
                               .payload = l4,
                               .payload_len = sizeof(l4)};
    const int n = axn_ipv4_emit(&h, buf, PKT_MAX);
    assert_true(n > 0);
    return (size_t)n;
}

static void rx_error(uint8_t type, uint8_t code, uint32_t info, const uint8_t *quote, size_t qlen,
                     axn_ip4_t dst)
{
    const struct axn_icmp4 m = {.type = type,
                                .code = code,
                                .next_mtu = (uint16_t)info,
                                .pointer = (uint8_t)info,
                                .body = quote,
                                .body_len = qlen};
    uint8_t pkt[PKT_MAX];
    ip4_fx_rx(pkt, build_icmp(pkt, GW0, dst, 0, &m), ETH0);
}

static void received_errors_reach_the_registered_handler(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_set_err_handler(fx.rig.ip, UDP_PROTO, ip4_fx_record_err, NULL), 0);
    uint8_t ours[PKT_MAX];
    const size_t len = build_our_udp(ours, UDP_PROTO);
    rx_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, 0, ours, len, ETH0_ADDR);
    rx_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_FRAG_NEEDED, NEXT_MTU, ours, len, ETH0_ADDR);
    rx_error(AXN_ICMP4_TIME_EXCEEDED, AXN_ICMP4_EXC_TTL, 0, ours, len, ETH0_ADDR);
    rx_error(AXN_ICMP4_PARAM_PROBLEM, 0, POINTER, ours, len, ETH0_ADDR);
    /* Not dispatched: source quench (RFC 6633), an error sent to a
     * broadcast (Linux: InErrors), a quote of a protocol nobody
     * registered for, a quote too short to hold the ports. */
    rx_error(AXN_ICMP4_SOURCE_QUENCH, 0, 0, ours, len, ETH0_ADDR);
    rx_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, 0, ours, len, ETH0_BCAST);
    uint8_t other[PKT_MAX];
    const size_t olen = build_our_udp(other, TEST_PROTO);
    rx_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PROTO, 0, other, olen, ETH0_ADDR);
    rx_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, 0, ours, AXN_IPV4_HDR_MIN, ETH0_ADDR);

    assert_int_equal(fx.n_errs, 4);
    const uint8_t types[] = {AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_DEST_UNREACH,
                             AXN_ICMP4_TIME_EXCEEDED, AXN_ICMP4_PARAM_PROBLEM};
    const uint8_t codes[] = {AXN_ICMP4_UNREACH_PORT, AXN_ICMP4_UNREACH_FRAG_NEEDED,
                             AXN_ICMP4_EXC_TTL, 0};
    const uint32_t infos[] = {0, NEXT_MTU, 0, POINTER};
    for (size_t i = 0; i < fx.n_errs; i++) {
        const struct axn_icmp4_err *e = &fx.errs[i];
        assert_int_equal(e->type, types[i]);
        assert_int_equal(e->code, codes[i]);
        assert_int_equal(e->info, infos[i]);
        assert_int_equal(e->reporter, GW0);
        assert_int_equal(e->ifindex, ETH0);
        assert_int_equal(e->orig_src, ETH0_ADDR);
        assert_int_equal(e->orig_dst, REMOTE);
        assert_int_equal(e->orig_protocol, UDP_PROTO);
        assert_int_equal(e->quote_len, len);
        assert_int_equal(e->orig_l4_len, UDP_HLEN + UDP_DATA);
        assert_memory_equal(fx.err_l4[i], ours + AXN_IPV4_HDR_MIN, L4_COPY);
    }
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.icmp.in_msgs, 8);
    assert_int_equal(s.icmp.in_dest_unreachs, 4);
    assert_int_equal(s.icmp.in_time_excds, 1);
    assert_int_equal(s.icmp.in_parm_probs, 1);
    assert_int_equal(s.icmp.in_src_quenchs, 1);
    assert_int_equal(s.icmp.in_errors, 2);
    /* Errors are never answered with errors. */
    assert_int_equal(ip4_fx_flush0(), 0);
}

/* ---- Reassembly timeout (RFC 792, RFC 1122 3.3.2) -------------------------------------------- */

static void rx_fragment(uint16_t offset, bool mf)
{
    const struct axn_ipv4 frag = {.src = PEER,
                                  .dst = ETH0_ADDR,
                                  .protocol = UDP_PROTO,
                                  .id = ECHO_ID,
                                  .mf = mf,
                                  .frag_offset = offset};
    uint8_t pkt[PKT_MAX];
    ip4_fx_rx(pkt, ip4_pkt_build(pkt, &frag, FRAG_DATA), ETH0);
}

static void reassembly_timeout_sends_time_exceeded(void **state)
{
    (void)state;
    rx_fragment(0, true);
    assert_int_equal(axn_ip4_poll(fx.rig.ip, fx.now), NOW + TIMEOUT);
    fx.now = NOW + TIMEOUT - 1;
    (void)axn_ip4_poll(fx.rig.ip, fx.now);
    assert_int_equal(ip4_fx_flush0(), 0);
    fx.now = NOW + TIMEOUT;
    assert_int_equal(axn_ip4_poll(fx.rig.ip, fx.now), AXN_TIME_NEVER);
    assert_int_equal(ip4_fx_flush0(), 1);
    const struct axn_ipv4 h = sent_icmp(sim_fake_take(&fx.rig.eth0, &fx.taken0), ETH0_ADDR, PEER);
    /* Type 11 code 1 quoting the first fragment's header and 8 bytes. */
    const struct axn_ipv4 first = {
        .src = PEER, .dst = ETH0_ADDR, .protocol = UDP_PROTO, .id = ECHO_ID, .mf = true};
    uint8_t quote[PKT_MAX];
    (void)ip4_pkt_build(quote, &first, FRAG_DATA);
    const struct axn_icmp4 m = {.type = AXN_ICMP4_TIME_EXCEEDED,
                                .code = AXN_ICMP4_EXC_FRAGTIME,
                                .body = quote,
                                .body_len = AXN_IPV4_HDR_MIN + QUOTE_PAYLOAD};
    uint8_t want[PKT_MAX];
    const int n = axn_icmp4_emit(&m, want, sizeof(want));
    assert_int_equal(h.payload_len, (size_t)n);
    assert_memory_equal(h.payload, want, (size_t)n);
    assert_int_equal(h.tos, AXN_ICMP4_ERROR_PRECEDENCE);

    /* Without its first fragment a datagram times out silently. */
    rx_fragment(FRAG_DATA, false);
    fx.now += TIMEOUT;
    assert_int_equal(axn_ip4_poll(fx.rig.ip, fx.now), AXN_TIME_NEVER);
    assert_int_equal(ip4_fx_flush0(), 0);
    assert_int_equal(axn_ip4_reasm_in_progress(&fx.rig.ip->reasm), 0);
    const struct axn_snmp s = ip4_fx_snmp();
    assert_int_equal(s.ip.reasm_reqds, 2);
    assert_int_equal(s.ip.reasm_timeout, 2);
    assert_int_equal(s.icmp.out_time_excds, 1);
    assert_int_equal(s.icmp.out_msgs, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IP4_FX_TEST(echo_request_gets_exact_reply, &fx),
        IP4_FX_TEST(echo_to_broadcast_ignored_unless_enabled, &fx),
        IP4_FX_TEST(echo_to_own_addresses_stays_on_lo, &fx),
        IP4_FX_TEST(malformed_icmp_counted_not_answered, &fx),
        IP4_FX_TEST(echo_replies_are_not_rate_limited, &fx),
        IP4_FX_TEST(errors_are_rate_limited_by_a_token_bucket, &fx),
        IP4_FX_TEST(received_errors_reach_the_registered_handler, &fx),
        IP4_FX_TEST(reassembly_timeout_sends_time_exceeded, &fx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
