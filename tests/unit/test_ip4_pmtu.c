/*
 * IPv4 path MTU discovery (RFC 1191, src/ip/ip4_pmtu.c), as Linux does it.
 * The cache alone: learned, never raised, a value below min_pmtu (552)
 * stored as 552 and locked, forgotten at exactly 600 s, the least recently
 * used entry replaced and never more than AXN_IP4_PMTU_ENTRIES; the
 * IP_MTU_DISCOVER modes. Then two stacks and a test-made router on the
 * simulated wire: default UDP datagrams carry DF, PMTUDISC_DONT ones do
 * not; a "fragmentation needed" from the router lowers the path MTU, so
 * the next 1400-byte datagram leaves in fragments that fit (without DF)
 * and IP_MTU reports it; DO refuses what no longer fits, PROBE ignores the
 * learned MTU; one below 552 turns DF off; a quote of someone else's
 * datagram teaches nothing; the error still reaches a connected socket
 * with IP_RECVERR as EMSGSIZE; after 600 s the full size goes again; raw
 * and ping sockets follow the same path MTU and DF rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/driver.h"
#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "ip/ip4_pmtu.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define A_ADDR      AXN_IP4(192, 0, 2, 10)
#define B_ADDR      AXN_IP4(192, 0, 2, 20)
#define ROUTER_ADDR AXN_IP4(192, 0, 2, 1)
#define STRANGER    AXN_IP4(192, 0, 2, 99)
#define DST_BASE    AXN_IP4(198, 51, 100, 0)
#define PREFIX_24   24u
#define T0          AXN_SEC(1)
#define EXPIRE      AXN_MSEC(600000) /* Linux ip_rt_mtu_expires: 10 minutes */
#define WIRE_DELAY  50u
#define SETTLE      AXN_MSEC(5)
#define N_NODES     2u
#define N_PORTS     3u /* A, B, the router */
#define ROUTER_PORT 2u
#define MAX_SOCKS   4u
#define MAX_SEEN    16u
#define PORT_A      5000u
#define PORT_B      6000u
#define TTL         64u
#define SMALL       48u
#define BIG         1400u
#define LEARNED     1000u
#define TINY        300u
#define MIN_PMTU    552u  /* Linux min_pmtu */
#define ETH_MTU     1500u /* the sim wire's IP MTU */
#define HDR         AXN_IPV4_HDR_MIN
#define UDP_HDR     AXN_UDP_HDR_LEN
#define FRAG_UNIT   8u
#define ENTRY_MTU   1200u
#define RAISED_MTU  1300u
#define LOWER_MTU   1100u
#define LATER       AXN_SEC(1)
#define ETH0        AXN_IFINDEX_FIRST_ETH
#define RAW_PROTO   253u /* RFC 3692: for experimentation */
#define ECHO_LEN    64u
/* Payload bytes per fragment for an MTU (RFC 791: multiples of 8). */
#define FRAG_DATA(mtu) ((((mtu)-HDR) / FRAG_UNIT) * FRAG_UNIT)

/* ---- The cache alone ---------------------------------------------------------------- */

static struct axn_ip4_pmtu C;

static bool get(axn_ip4_t dst, axn_time_t now, struct axn_ip4_pmtu_info *info)
{
    return axn_ip4_pmtu_get(&C, dst, now, info);
}

static void cache_learns_and_never_raises(void **state)
{
    (void)state;
    axn_ip4_pmtu_init(&C);
    struct axn_ip4_pmtu_info info;
    assert_false(get(B_ADDR, T0, &info));
    axn_ip4_pmtu_learn(&C, B_ADDR, ENTRY_MTU, T0);
    assert_true(get(B_ADDR, T0, &info));
    assert_int_equal(info.mtu, ENTRY_MTU);
    assert_false(info.locked);
    axn_ip4_pmtu_learn(&C, B_ADDR, RAISED_MTU, T0);
    assert_true(get(B_ADDR, T0, &info));
    assert_int_equal(info.mtu, ENTRY_MTU);
    axn_ip4_pmtu_learn(&C, B_ADDR, LOWER_MTU, T0);
    assert_true(get(B_ADDR, T0, &info));
    assert_int_equal(info.mtu, LOWER_MTU);
    assert_false(get(A_ADDR, T0, &info));
    assert_int_equal(axn_ip4_pmtu_count(&C, T0), 1);
}

/* __ip_rt_update_pmtu: below min_pmtu (0 too: a pre-RFC 1191 router) is
 * min_pmtu, locked; a locked entry takes no update. */
static void cache_below_minimum_is_minimum_locked(void **state)
{
    (void)state;
    axn_ip4_pmtu_init(&C);
    struct axn_ip4_pmtu_info info;
    axn_ip4_pmtu_learn(&C, B_ADDR, TINY, T0);
    assert_true(get(B_ADDR, T0, &info));
    assert_int_equal(info.mtu, MIN_PMTU);
    assert_true(info.locked);
    axn_ip4_pmtu_learn(&C, B_ADDR, MIN_PMTU + 1, T0);
    axn_ip4_pmtu_learn(&C, B_ADDR, 0, T0);
    assert_true(get(B_ADDR, T0, &info));
    assert_int_equal(info.mtu, MIN_PMTU);
    assert_true(info.locked);
    axn_ip4_pmtu_learn(&C, A_ADDR, 0, T0);
    assert_true(get(A_ADDR, T0, &info));
    assert_int_equal(info.mtu, MIN_PMTU);
    assert_true(info.locked);
    axn_ip4_pmtu_learn(&C, STRANGER, MIN_PMTU, T0);
    assert_true(get(STRANGER, T0, &info));
    assert_int_equal(info.mtu, MIN_PMTU);
    assert_false(info.locked);
}

/* Linux ip_rt_mtu_expires: live until 600 s after it was learned, gone at
 * 600 s; learning again restarts the count. */
static void cache_expires_at_exactly_600_s(void **state)
{
    (void)state;
    axn_ip4_pmtu_init(&C);
    struct axn_ip4_pmtu_info info;
    axn_ip4_pmtu_learn(&C, B_ADDR, ENTRY_MTU, T0);
    assert_true(get(B_ADDR, T0 + EXPIRE - 1, &info));
    assert_false(get(B_ADDR, T0 + EXPIRE, &info));
    assert_int_equal(axn_ip4_pmtu_count(&C, T0 + EXPIRE), 0);
    axn_ip4_pmtu_learn(&C, B_ADDR, ENTRY_MTU, T0);
    axn_ip4_pmtu_learn(&C, B_ADDR, ENTRY_MTU, T0 + LATER);
    assert_true(get(B_ADDR, T0 + LATER + EXPIRE - 1, &info));
    assert_false(get(B_ADDR, T0 + LATER + EXPIRE, &info));
    /* A locked entry expires too, and the path is believed again. */
    axn_ip4_pmtu_learn(&C, A_ADDR, TINY, T0);
    axn_ip4_pmtu_learn(&C, A_ADDR, ENTRY_MTU, T0 + EXPIRE);
    assert_true(get(A_ADDR, T0 + EXPIRE, &info));
    assert_int_equal(info.mtu, ENTRY_MTU);
    assert_false(info.locked);
}

/* Full: the entry least recently learned or looked up is replaced. */
static void cache_replaces_least_recently_used(void **state)
{
    (void)state;
    axn_ip4_pmtu_init(&C);
    struct axn_ip4_pmtu_info info;
    for (uint32_t i = 0; i < AXN_IP4_PMTU_ENTRIES; i++)
        axn_ip4_pmtu_learn(&C, DST_BASE + i, ENTRY_MTU, T0 + i);
    assert_int_equal(axn_ip4_pmtu_count(&C, T0 + LATER), AXN_IP4_PMTU_ENTRIES);
    assert_true(get(DST_BASE, T0 + LATER, &info)); /* the oldest, now used */
    axn_ip4_pmtu_learn(&C, B_ADDR, ENTRY_MTU, T0 + LATER);
    assert_true(get(DST_BASE, T0 + LATER, &info));
    assert_false(get(DST_BASE + 1, T0 + LATER, &info));
    assert_true(get(B_ADDR, T0 + LATER, &info));
    assert_int_equal(axn_ip4_pmtu_count(&C, T0 + LATER), AXN_IP4_PMTU_ENTRIES);
    /* Bounded: many more destinations still fill only the table. */
    for (uint32_t i = 0; i < 4 * AXN_IP4_PMTU_ENTRIES; i++)
        axn_ip4_pmtu_learn(&C, STRANGER + (i << 8), ENTRY_MTU, T0 + LATER + i);
    assert_int_equal(axn_ip4_pmtu_count(&C, T0 + LATER + LATER), AXN_IP4_PMTU_ENTRIES);
    assert_false(get(B_ADDR, T0 + LATER + LATER, &info));
}

/* ip(7) IP_MTU_DISCOVER to the output's DF modes (Linux ip_sk_use_pmtu,
 * ip_dont_fragment). */
static void df_modes_follow_ip_mtu_discover(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_DONT), AXN_IP4_DF_DONT);
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_WANT), AXN_IP4_DF_WANT);
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_DO), AXN_IP4_DF_DO);
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_PROBE), AXN_IP4_DF_PROBE);
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_INTERFACE), AXN_IP4_DF_IFACE);
    assert_int_equal(axn_ip4_df_mode(AXN_IP_PMTUDISC_OMIT), AXN_IP4_DF_IFACE);
    assert_true(axn_ip4_df_strict(AXN_IP4_DF_DO));
    assert_true(axn_ip4_df_strict(AXN_IP4_DF_PROBE));
    assert_false(axn_ip4_df_strict(AXN_IP4_DF_WANT));
    assert_false(axn_ip4_df_strict(AXN_IP4_DF_DONT));
    assert_false(axn_ip4_df_strict(AXN_IP4_DF_IFACE));
}

/* ---- Two stacks and a router on the wire -------------------------------------------------- */

struct seen {
    uint16_t total_len;
    uint16_t frag_offset;
    bool df;
    bool mf;
};

static struct {
    struct sim_stacks sim;
    struct axn_socket *s[N_NODES][MAX_SOCKS];
    struct seen seen[MAX_SEEN]; /* A's IPv4 frames reaching B */
    size_t n_seen;
} W;

static void observe(void *ctx, int port, axn_time_t at, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)at;
    struct axn_eth eth;
    struct axn_ipv4 h;
    if (port != 1 || axn_eth_parse(data, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_IPV4)
        return;
    if (axn_ipv4_parse(eth.payload, eth.payload_len, &h, 0) != 0 || h.src != A_ADDR)
        return;
    if (W.n_seen < MAX_SEEN)
        W.seen[W.n_seen++] = (struct seen){(uint16_t)h.total_len, h.frag_offset, h.df, h.mf};
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    const struct sim_stacks_config cfg = {.start = T0,
                                          .wire_delay = WIRE_DELAY,
                                          .n_ports = N_PORTS,
                                          .mac_tag = SIM_STACKS_MAC_TAG,
                                          .set_platform_now = true,
                                          .observe = observe};
    sim_stacks_create(&W.sim, &cfg);
    sim_stacks_add_node(&W.sim, 0, A_ADDR, PREFIX_24);
    sim_stacks_add_node(&W.sim, 1, B_ADDR, PREFIX_24);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_NODES; i++)
        sim_close_sockets(W.s[i], MAX_SOCKS);
    return sim_stacks_teardown(&W.sim, NULL, 0);
}

static void settle(void)
{
    sim_stacks_settle(&W.sim, SETTLE);
}

static struct axn_socket *mk(size_t node, size_t i, uint16_t port)
{
    struct axn_socket **s = &W.s[node][i];
    assert_int_equal(axn_socket(W.sim.st[node], AXN_AF_INET, AXN_SOCK_DGRAM, 0, s), 0);
    const struct axn_sockaddr_in sa = sim_sin4(0, port);
    assert_int_equal(axn_bind(*s, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    return *s;
}

static int set_int(struct axn_socket *s, int level, int name, int v)
{
    return axn_setsockopt(s, level, name, &v, sizeof(v));
}

static int get_int(struct axn_socket *s, int level, int name)
{
    int v = -1;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, level, name, &v, &len), 0);
    return v;
}

static long send_to_b(struct axn_socket *s, size_t len)
{
    static uint8_t buf[ETH_MTU];
    const struct axn_sockaddr_in sa = sim_sin4(B_ADDR, PORT_B);
    return axn_sendto(s, buf, len, 0, (const struct axn_sockaddr *)&sa, sizeof(sa));
}

/* A's datagram of `len` bytes to B, sent and settled: the frames seen. */
static size_t send_seen(struct axn_socket *s, size_t len)
{
    W.n_seen = 0;
    assert_int_equal(send_to_b(s, len), (long)len);
    settle();
    return W.n_seen;
}

static void assert_seen(size_t i, size_t total_len, size_t offset, bool df, bool mf)
{
    assert_int_equal(W.seen[i].total_len, total_len);
    assert_int_equal(W.seen[i].frag_offset, offset);
    assert_int_equal(W.seen[i].df, df);
    assert_int_equal(W.seen[i].mf, mf);
}

/* ARP settled both ways before anything is counted. */
static struct axn_socket *warm_up(void)
{
    struct axn_socket *a = mk(0, 0, PORT_A);
    struct axn_socket *b = mk(1, 0, PORT_B);
    assert_int_equal(send_seen(a, SMALL), 1);
    uint8_t buf[SMALL];
    assert_int_equal(axn_recv(b, buf, sizeof(buf), AXN_MSG_DONTWAIT), SMALL);
    return a;
}

/* Sends `frame` from the router's port. */
static void router_send(const uint8_t *frame, size_t len)
{
    const struct axn_eth_driver *d = &W.sim.drv[ROUTER_PORT];
    struct axn_tx_buf tx;
    assert_int_equal(d->ops->recycle_tx(d->drv), 0);
    assert_int_equal(d->ops->alloc_tx(d->drv, len, &tx), 0);
    memcpy(tx.data, frame, len);
    assert_int_equal(d->ops->transmit(d->drv, &tx), 0);
}

/* The router's "fragmentation needed" (RFC 1191 section 4) to A, quoting
 * a UDP datagram from `quoted_src`:PORT_A to B:PORT_B. */
static void inject_frag_needed(axn_ip4_t quoted_src, uint16_t mtu)
{
    const uint8_t l4[UDP_HDR] = {PORT_A >> 8, PORT_A & 0xff, PORT_B >> 8, PORT_B & 0xff};
    const struct axn_ipv4 q = {.df = true,
                               .ttl = TTL,
                               .protocol = AXN_UDP_PROTO,
                               .src = quoted_src,
                               .dst = B_ADDR,
                               .payload = l4,
                               .payload_len = sizeof(l4)};
    uint8_t quote[HDR + UDP_HDR];
    assert_int_equal(axn_ipv4_emit(&q, quote, sizeof(quote)), sizeof(quote));
    const struct axn_icmp4 m = {.type = AXN_ICMP4_DEST_UNREACH,
                                .code = AXN_ICMP4_UNREACH_FRAG_NEEDED,
                                .next_mtu = mtu,
                                .body = quote,
                                .body_len = sizeof(quote)};
    uint8_t icmp[AXN_ICMP4_HDR_LEN + sizeof(quote)];
    assert_int_equal(axn_icmp4_emit(&m, icmp, sizeof(icmp)), sizeof(icmp));
    const struct axn_ipv4 outer = {.ttl = TTL,
                                   .protocol = AXN_IPPROTO_ICMP,
                                   .src = ROUTER_ADDR,
                                   .dst = A_ADDR,
                                   .payload = icmp,
                                   .payload_len = sizeof(icmp)};
    uint8_t ip[HDR + sizeof(icmp)];
    assert_int_equal(axn_ipv4_emit(&outer, ip, sizeof(ip)), sizeof(ip));
    const struct axn_eth e = {.dst = W.sim.mac[0],
                              .src = W.sim.mac[ROUTER_PORT],
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = ip,
                              .payload_len = sizeof(ip)};
    uint8_t frame[AXN_ETH_ZLEN + sizeof(ip)];
    const int n = axn_eth_emit(&e, frame, sizeof(frame), AXN_ETH_EMIT_PAD);
    assert_true(n > 0);
    router_send(frame, (size_t)n);
    settle();
}

/* Linux ip_dont_fragment under IP_PMTUDISC_WANT (the default): DF on
 * what fits; IP_PMTUDISC_DONT: never. */
static void sim_default_udp_carries_df_dont_does_not(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    assert_int_equal(send_seen(a, SMALL), 1);
    assert_seen(0, HDR + UDP_HDR + SMALL, 0, true, false);
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_DONT), 0);
    assert_int_equal(send_seen(a, SMALL), 1);
    assert_seen(0, HDR + UDP_HDR + SMALL, 0, false, false);
    /* Fragmented locally: no fragment carries DF. */
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_WANT), 0);
    const size_t over = ETH_MTU - HDR - UDP_HDR + 1;
    assert_int_equal(send_seen(a, over), 2);
    assert_seen(0, HDR + FRAG_DATA(ETH_MTU), 0, false, true);
    assert_seen(1, HDR + UDP_HDR + over - FRAG_DATA(ETH_MTU), FRAG_DATA(ETH_MTU), false, false);
}

/* RFC 1191: the router's next-hop MTU becomes the path MTU; the next
 * 1400-byte datagram leaves in fragments that fit, and arrives whole. */
static void sim_frag_needed_lowers_path_mtu(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    assert_int_equal(send_seen(a, BIG), 1);
    assert_seen(0, HDR + UDP_HDR + BIG, 0, true, false);
    inject_frag_needed(A_ADDR, LEARNED);
    assert_int_equal(send_seen(a, BIG), 2);
    const size_t first = FRAG_DATA(LEARNED); /* 976 */
    assert_seen(0, HDR + first, 0, false, true);
    assert_seen(1, HDR + UDP_HDR + BIG - first, first, false, false);
    uint8_t buf[ETH_MTU];
    assert_int_equal(axn_recv(W.s[1][0], buf, sizeof(buf), AXN_MSG_DONTWAIT), BIG);
    assert_int_equal(axn_recv(W.s[1][0], buf, sizeof(buf), AXN_MSG_DONTWAIT), BIG);
    /* What still fits keeps DF. */
    assert_int_equal(send_seen(a, LEARNED - HDR - UDP_HDR), 1);
    assert_seen(0, LEARNED, 0, true, false);
    /* ip(7) IP_MTU on a connected socket: the path MTU. */
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, PORT_B);
    assert_int_equal(axn_connect(a, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(get_int(a, AXN_SOL_IP, AXN_IP_MTU), LEARNED);
}

/* IP_PMTUDISC_DO: too big for the learned MTU is EMSGSIZE; PROBE ignores
 * it and sends up to the interface MTU, with DF. */
static void sim_do_refuses_probe_ignores_learned_mtu(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    inject_frag_needed(A_ADDR, LEARNED);
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_DO), 0);
    assert_int_equal(send_to_b(a, LEARNED - HDR - UDP_HDR + 1), -AXN_EMSGSIZE);
    assert_int_equal(send_seen(a, LEARNED - HDR - UDP_HDR), 1);
    assert_seen(0, LEARNED, 0, true, false);
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_PROBE), 0);
    assert_int_equal(send_seen(a, BIG), 1);
    assert_seen(0, HDR + UDP_HDR + BIG, 0, true, false);
    assert_int_equal(send_to_b(a, ETH_MTU - HDR - UDP_HDR + 1), -AXN_EMSGSIZE);
}

/* Linux: a next-hop MTU below min_pmtu is min_pmtu, locked, and
 * ip_dont_fragment is then false: no DF, fragments of 552 at most. */
static void sim_learned_below_minimum_turns_df_off(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    inject_frag_needed(A_ADDR, TINY);
    assert_int_equal(send_seen(a, SMALL), 1);
    assert_seen(0, HDR + UDP_HDR + SMALL, 0, false, false);
    const size_t d = FRAG_DATA(MIN_PMTU); /* 528 */
    assert_int_equal(send_seen(a, BIG), 3);
    assert_seen(0, HDR + d, 0, false, true);
    assert_seen(1, HDR + d, d, false, true);
    assert_seen(2, HDR + UDP_HDR + BIG - 2 * d, 2 * d, false, false);
    /* DO still sets DF and refuses what does not fit 552. */
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_DO), 0);
    assert_int_equal(send_seen(a, SMALL), 1);
    assert_seen(0, HDR + UDP_HDR + SMALL, 0, true, false);
    assert_int_equal(send_to_b(a, BIG), -AXN_EMSGSIZE);
}

/* Only a quote of a datagram we sent (its source ours) teaches anything. */
static void sim_quote_of_another_host_teaches_nothing(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    inject_frag_needed(STRANGER, LEARNED);
    assert_int_equal(send_seen(a, BIG), 1);
    assert_seen(0, HDR + UDP_HDR + BIG, 0, true, false);
}

/* Linux __udp4_lib_err: the error still reaches the connected socket, with
 * IP_RECVERR, as EMSGSIZE; IP_MTU reports the learned MTU. */
static void sim_frag_needed_reaches_connected_socket(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, PORT_B);
    assert_int_equal(axn_connect(a, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_RECVERR, 1), 0);
    assert_int_equal(get_int(a, AXN_SOL_IP, AXN_IP_MTU), ETH_MTU);
    inject_frag_needed(A_ADDR, LEARNED);
    assert_int_equal(get_int(a, AXN_SOL_SOCKET, AXN_SO_ERROR), AXN_EMSGSIZE);
    assert_int_equal(get_int(a, AXN_SOL_IP, AXN_IP_MTU), LEARNED);
}

/* RFC 1191 section 6.3, Linux mtu_expires: 600 s later the full size goes
 * in one piece again, with DF. */
static void sim_learned_mtu_expires_after_600_s(void **state)
{
    (void)state;
    struct axn_socket *a = warm_up();
    const axn_time_t learned_at = W.sim.now;
    inject_frag_needed(A_ADDR, LEARNED);
    sim_stacks_set_time(&W.sim, learned_at + EXPIRE - SETTLE - SETTLE);
    assert_int_equal(send_seen(a, BIG), 2);
    sim_stacks_set_time(&W.sim, learned_at + EXPIRE + SETTLE); /* it came within SETTLE */
    assert_int_equal(send_seen(a, BIG), 1);
    assert_seen(0, HDR + UDP_HDR + BIG, 0, true, false);
}

static struct axn_socket *connected(size_t i, int type, int protocol)
{
    struct axn_socket **s = &W.s[0][i];
    assert_int_equal(axn_socket(W.sim.st[0], AXN_AF_INET, type, protocol, s), 0);
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, 0);
    assert_int_equal(axn_connect(*s, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    return *s;
}

/* Raw (not IP_HDRINCL) and ping sockets: DF under WANT, fragments to the
 * learned MTU, and IP_MTU once connected (Linux do_ip_getsockopt). */
static void sim_raw_and_ping_follow_the_path_mtu(void **state)
{
    (void)state;
    (void)warm_up();
    struct axn_socket *raw = connected(1, AXN_SOCK_RAW, RAW_PROTO);
    struct axn_socket *ping = connected(2, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP);
    assert_int_equal(get_int(raw, AXN_SOL_IP, AXN_IP_MTU), ETH_MTU);
    assert_int_equal(get_int(ping, AXN_SOL_IP, AXN_IP_MTU), ETH_MTU);
    static uint8_t buf[BIG] = {AXN_ICMP4_ECHO_REQUEST};
    W.n_seen = 0;
    assert_int_equal(axn_send(raw, buf, SMALL, 0), SMALL);
    assert_int_equal(axn_send(ping, buf, ECHO_LEN, 0), ECHO_LEN);
    settle();
    assert_int_equal(W.n_seen, 2);
    assert_seen(0, HDR + SMALL, 0, true, false);
    assert_seen(1, HDR + ECHO_LEN, 0, true, false);
    inject_frag_needed(A_ADDR, LEARNED);
    assert_int_equal(get_int(raw, AXN_SOL_IP, AXN_IP_MTU), LEARNED);
    assert_int_equal(get_int(ping, AXN_SOL_IP, AXN_IP_MTU), LEARNED);
    W.n_seen = 0;
    assert_int_equal(axn_send(raw, buf, BIG, 0), BIG);
    assert_int_equal(axn_send(ping, buf, BIG, 0), BIG);
    settle();
    const size_t first = FRAG_DATA(LEARNED);
    assert_int_equal(W.n_seen, 4);
    assert_seen(0, HDR + first, 0, false, true);
    assert_seen(1, HDR + BIG - first, first, false, false);
    assert_seen(2, HDR + first, 0, false, true);
    assert_seen(3, HDR + BIG - first, first, false, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_learns_and_never_raises),
        cmocka_unit_test(cache_below_minimum_is_minimum_locked),
        cmocka_unit_test(cache_expires_at_exactly_600_s),
        cmocka_unit_test(cache_replaces_least_recently_used),
        cmocka_unit_test(df_modes_follow_ip_mtu_discover),
        cmocka_unit_test_setup_teardown(sim_default_udp_carries_df_dont_does_not, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_frag_needed_lowers_path_mtu, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_do_refuses_probe_ignores_learned_mtu, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_learned_below_minimum_turns_df_off, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_quote_of_another_host_teaches_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_frag_needed_reaches_connected_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_learned_mtu_expires_after_600_s, setup, teardown),
        cmocka_unit_test_setup_teardown(sim_raw_and_ping_follow_the_path_mtu, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
