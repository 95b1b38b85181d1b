/*
 * UDP sockets between two whole stacks on the simulated wire, caller-
 * polled in virtual time (src/udp/, spec §8): echo both ways; broadcast
 * with and without SO_BROADCAST; an SO_REUSEPORT group sharing flows and
 * all getting a broadcast; ICMP port unreachable surfacing as
 * ECONNREFUSED on a connected socket; a 60000-byte datagram and a
 * 1473-byte one crossing fragmented and reassembling exactly;
 * IP_PMTUDISC_DO refusing what needs fragments; SO_RCVBUF overflow counted;
 * the 60000-byte datagram with its fragments reordered and duplicated on
 * the wire still reassembling exactly, and with one fragment lost timing
 * out after 30 s of virtual time with ICMP time exceeded back to the
 * sender and the receiver's reassembly memory returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "sim_stacks.h"
#include "test_platform.h"
#include "udp/udp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define A_ADDR        AXN_IP4(192, 0, 2, 10)
#define B_ADDR        AXN_IP4(192, 0, 2, 20)
#define SUBNET_BC     AXN_IP4(192, 0, 2, 255)
#define PREFIX_24     24u
#define T0            AXN_SEC(1)
#define WIRE_DELAY    50u
#define SETTLE        AXN_MSEC(5)
#define N_NODES       2u
#define MAX_SOCKS     8u
#define PORT_ECHO     7u
#define PORT_A        5000u
#define PORT_OTHER    5001u
#define CLOSED        5999u
#define SMALL         48u
#define BIG           60000u
#define JUST_OVER     1473u /* 1473 + 8 + 20 = 1501: one byte over the MTU */
#define FRAG_DATA     (AXN_ETH_MTU - AXN_IPV4_HDR_MIN) /* 1480 */
#define FRAGS(n)      (((n) + AXN_UDP_HDR_LEN + FRAG_DATA - 1) / FRAG_DATA)
#define N_MEMBERS     4u
#define N_FLOWS       64u
#define RCVBUF_SET    2500 /* doubled: 5000 */
#define N_FLOOD       30
#define PATTERN       13u
#define WARM_UP_READS 1u /* warm_up() reads one datagram on B */
#define ETH0          AXN_IFINDEX_FIRST_ETH

static struct {
    struct sim_stacks sim;
    struct axn_socket *s[N_NODES][MAX_SOCKS];
    size_t ip_frames; /* IPv4 frames seen on the wire */
} W;

static void observe(void *ctx, int port, axn_time_t at, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)port;
    (void)at;
    struct axn_eth eth;
    if (axn_eth_parse(data, len, &eth) == 0 && eth.ethertype == AXN_ETHERTYPE_IPV4)
        W.ip_frames++;
}

static const struct sim_stacks_config WORLD = {.start = T0,
                                               .wire_delay = WIRE_DELAY,
                                               .n_ports = N_NODES,
                                               .mac_tag = SIM_STACKS_MAC_TAG,
                                               .set_platform_now = true,
                                               .observe = observe};

static void nodes_up(void)
{
    sim_stacks_add_node(&W.sim, 0, A_ADDR, PREFIX_24);
    sim_stacks_add_node(&W.sim, 1, B_ADDR, PREFIX_24);
}

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    sim_stacks_create(&W.sim, &WORLD);
    nodes_up();
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

static struct axn_socket *mk(size_t node, size_t i)
{
    struct axn_socket **s = &W.s[node][i];
    assert_int_equal(axn_socket(W.sim.st[node], AXN_AF_INET, AXN_SOCK_DGRAM, 0, s), 0);
    return *s;
}

static int bind4(struct axn_socket *s, axn_ip4_t a, uint16_t port)
{
    const struct axn_sockaddr_in sa = sim_sin4(a, port);
    return axn_bind(s, (const struct axn_sockaddr *)&sa, sizeof(sa));
}

static long sendto4(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t a, uint16_t port)
{
    const struct axn_sockaddr_in sa = sim_sin4(a, port);
    return axn_sendto(s, buf, len, 0, (const struct axn_sockaddr *)&sa, sizeof(sa));
}

static long recvfrom4(struct axn_socket *s, void *buf, size_t len, struct axn_sockaddr_in *from)
{
    axn_socklen_t fl = sizeof(*from);
    return axn_recvfrom(s, buf, len, AXN_MSG_DONTWAIT, (struct axn_sockaddr *)from, &fl);
}

static int set_int(struct axn_socket *s, int level, int name, int v)
{
    return axn_setsockopt(s, level, name, &v, sizeof(v));
}

static struct axn_snmp_udp udp_of(size_t node)
{
    struct axn_snmp_udp u;
    axn_udp_snmp(W.sim.st[node], &u);
    return u;
}

static void fill(uint8_t *b, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * PATTERN + seed);
}

/* A small exchange both ways, so ARP is settled before frames are counted. */
static void warm_up(void)
{
    struct axn_socket *a = mk(0, MAX_SOCKS - 1), *b = mk(1, MAX_SOCKS - 1);
    assert_int_equal(bind4(b, 0, PORT_ECHO), 0);
    uint8_t buf[SMALL] = {0};
    assert_int_equal(sendto4(a, buf, sizeof(buf), B_ADDR, PORT_ECHO), SMALL);
    settle();
    struct axn_sockaddr_in from;
    assert_int_equal(recvfrom4(b, buf, sizeof(buf), &from), SMALL);
    assert_int_equal(axn_close(a), 0);
    assert_int_equal(axn_close(b), 0);
    W.s[0][MAX_SOCKS - 1] = W.s[1][MAX_SOCKS - 1] = NULL;
    W.ip_frames = 0;
}

/* Echo: A -> B:7 and back to A's source; then B -> A:5000 and back. */
static void echo_once(size_t from, size_t to, axn_ip4_t to_addr, axn_ip4_t from_addr)
{
    struct axn_socket *srv = mk(to, 0), *cli = mk(from, 0);
    assert_int_equal(bind4(srv, 0, PORT_ECHO), 0);
    uint8_t out[SMALL], got[SMALL + 1];
    fill(out, sizeof(out), (uint8_t)from);
    assert_int_equal(sendto4(cli, out, sizeof(out), to_addr, PORT_ECHO), SMALL);
    settle();
    struct axn_sockaddr_in peer;
    assert_int_equal(recvfrom4(srv, got, sizeof(got), &peer), SMALL);
    assert_memory_equal(got, out, SMALL);
    assert_int_equal(peer.sin_addr.s_addr, sim_net32(from_addr));
    assert_int_equal(
        axn_sendto(srv, got, SMALL, 0, (const struct axn_sockaddr *)&peer, sizeof(peer)), SMALL);
    settle();
    struct axn_sockaddr_in back;
    assert_int_equal(recvfrom4(cli, got, sizeof(got), &back), SMALL);
    assert_memory_equal(got, out, SMALL);
    assert_int_equal(back.sin_port, sim_net16(PORT_ECHO));
    assert_int_equal(back.sin_addr.s_addr, sim_net32(to_addr));
    assert_int_equal(axn_close(srv), 0);
    assert_int_equal(axn_close(cli), 0);
    W.s[to][0] = W.s[from][0] = NULL;
}

static void udp_sim_echo_both_ways(void **state)
{
    (void)state;
    echo_once(0, 1, B_ADDR, A_ADDR);
    echo_once(1, 0, A_ADDR, B_ADDR);
    assert_int_equal(W.ip_frames, 4);
    assert_int_equal(udp_of(0).out_datagrams, 2);
    assert_int_equal(udp_of(0).in_datagrams, 2);
    assert_int_equal(udp_of(1).out_datagrams, 2);
    assert_int_equal(udp_of(1).in_datagrams, 2);
}

/* UDP-15 [fix]: broadcast needs SO_BROADCAST; the limited and the subnet
 * broadcast reach B's wildcard socket, not one bound to B's address; a
 * broadcast nobody wants is IgnoredMulti, not NoPorts, and no ICMP. */
static void udp_sim_broadcast_with_and_without_so_broadcast(void **state)
{
    (void)state;
    struct axn_socket *a = mk(0, 0), *wild = mk(1, 0), *spec = mk(1, 1);
    assert_int_equal(set_int(wild, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(set_int(spec, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, 1), 0);
    assert_int_equal(bind4(wild, 0, PORT_A), 0);
    assert_int_equal(bind4(spec, B_ADDR, PORT_A), 0);
    uint8_t buf[SMALL] = {0};
    assert_int_equal(sendto4(a, buf, sizeof(buf), AXN_INADDR_BROADCAST, PORT_A), -AXN_EACCES);
    settle();
    assert_int_equal(W.ip_frames, 0);
    assert_int_equal(set_int(a, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    /* 255.255.255.255 has no route here: name the device, as on Linux. */
    assert_int_equal(set_int(a, AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)ETH0), 0);
    assert_int_equal(sendto4(a, buf, sizeof(buf), AXN_INADDR_BROADCAST, PORT_A), SMALL);
    assert_int_equal(sendto4(a, buf, sizeof(buf), SUBNET_BC, PORT_A), SMALL);
    assert_int_equal(sendto4(a, buf, sizeof(buf), SUBNET_BC, PORT_OTHER), SMALL);
    settle();
    struct axn_sockaddr_in from;
    assert_int_equal(recvfrom4(wild, buf, sizeof(buf), &from), SMALL);
    assert_int_equal(from.sin_addr.s_addr, sim_net32(A_ADDR));
    assert_int_equal(recvfrom4(wild, buf, sizeof(buf), &from), SMALL);
    assert_int_equal(recvfrom4(wild, buf, sizeof(buf), &from), -AXN_EAGAIN);
    assert_int_equal(recvfrom4(spec, buf, sizeof(buf), &from), -AXN_EAGAIN);
    const struct axn_snmp_udp u = udp_of(1);
    assert_int_equal(u.ignored_multi, 1);
    assert_int_equal(u.no_ports, 0);
    assert_int_equal(W.ip_frames, 3); /* no ICMP came back */
}

/* UDP-6 [fix]: flows spread over an SO_REUSEPORT group; a broadcast
 * reaches every member. */
static void udp_sim_reuseport_distributes_and_broadcast_reaches_all(void **state)
{
    (void)state;
    struct axn_socket *m[N_MEMBERS];
    for (size_t i = 0; i < N_MEMBERS; i++) {
        m[i] = mk(1, i);
        assert_int_equal(set_int(m[i], AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1), 0);
        assert_int_equal(bind4(m[i], 0, PORT_A), 0);
    }
    uint8_t buf[SMALL] = {0};
    warm_up();
    for (size_t f = 0; f < N_FLOWS; f++) {
        struct axn_socket *c = mk(0, 0);
        assert_int_equal(sendto4(c, buf, sizeof(buf), B_ADDR, PORT_A), SMALL);
        assert_int_equal(axn_close(c), 0);
        W.s[0][0] = NULL;
    }
    settle();
    size_t total = 0;
    for (size_t i = 0; i < N_MEMBERS; i++) {
        size_t got = 0;
        while (axn_recv(m[i], buf, sizeof(buf), AXN_MSG_DONTWAIT) == SMALL)
            got++;
        assert_true(got > 0);
        total += got;
    }
    assert_int_equal(total, N_FLOWS);
    struct axn_socket *c = mk(0, 0);
    assert_int_equal(set_int(c, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    assert_int_equal(set_int(c, AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)ETH0), 0);
    assert_int_equal(sendto4(c, buf, sizeof(buf), AXN_INADDR_BROADCAST, PORT_A), SMALL);
    settle();
    for (size_t i = 0; i < N_MEMBERS; i++) {
        assert_int_equal(axn_recv(m[i], buf, sizeof(buf), AXN_MSG_DONTWAIT), SMALL);
        assert_int_equal(axn_recv(m[i], buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    }
}

/* B answers a closed port with ICMP port unreachable; A's connected
 * socket reads ECONNREFUSED. */
static void udp_sim_port_unreachable_is_econnrefused(void **state)
{
    (void)state;
    warm_up();
    struct axn_socket *a = mk(0, 0);
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, CLOSED);
    assert_int_equal(axn_connect(a, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    uint8_t buf[SMALL] = {0};
    assert_int_equal(axn_send(a, buf, sizeof(buf), 0), SMALL);
    settle();
    assert_int_equal(W.ip_frames, 2);
    assert_int_equal(udp_of(1).no_ports, 1);
    struct axn_snmp sn;
    axn_ctl_snmp(W.sim.st[0], &sn);
    assert_int_equal(sn.icmp.in_dest_unreachs, 1);
    assert_int_equal(axn_recv(a, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_ECONNREFUSED);
    int err = -1;
    axn_socklen_t el = sizeof(err);
    assert_int_equal(axn_getsockopt(a, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &el), 0);
    assert_int_equal(err, 0);
}

static void cross_fragmented(size_t len)
{
    warm_up();
    struct axn_socket *a = mk(0, 0), *b = mk(1, 0);
    assert_int_equal(bind4(b, 0, PORT_A), 0);
    uint8_t *out = malloc(len), *got = malloc(len + 1);
    assert_non_null(out);
    assert_non_null(got);
    fill(out, len, 1);
    assert_int_equal(sendto4(a, out, len, B_ADDR, PORT_A), (long)len);
    settle();
    assert_int_equal(W.ip_frames, FRAGS(len));
    struct axn_sockaddr_in from;
    assert_int_equal(recvfrom4(b, got, len + 1, &from), (long)len);
    assert_memory_equal(got, out, len);
    struct axn_snmp sn;
    axn_ctl_snmp(W.sim.st[1], &sn);
    assert_int_equal(sn.ip.reasm_oks, 1);
    assert_int_equal(sn.ip.reasm_reqds, FRAGS(len));
    free(out);
    free(got);
}

/* UDP-14 [fix]: 60000 bytes cross in 41 fragments and reassemble exactly. */
static void udp_sim_60000_byte_datagram_fragments_and_reassembles(void **state)
{
    (void)state;
    cross_fragmented(BIG);
}

/* UDP-14 [fix]: 1473 bytes (one over 1472) cross in 2 fragments. */
static void udp_sim_1473_byte_datagram_is_fragmented(void **state)
{
    (void)state;
    cross_fragmented(JUST_OVER);
}

/* ip(7) IP_MTU_DISCOVER = IP_PMTUDISC_DO: what needs fragments is EMSGSIZE. */
static void udp_sim_pmtudisc_do_refuses_fragmenting(void **state)
{
    (void)state;
    struct axn_socket *a = mk(0, 0);
    assert_int_equal(set_int(a, AXN_SOL_IP, AXN_IP_MTU_DISCOVER, AXN_IP_PMTUDISC_DO), 0);
    static uint8_t buf[JUST_OVER];
    assert_int_equal(sendto4(a, buf, JUST_OVER, B_ADDR, PORT_A), -AXN_EMSGSIZE);
    assert_int_equal(sendto4(a, buf, JUST_OVER - 1, B_ADDR, PORT_A), JUST_OVER - 1);
}

/* SO_RCVBUF overflow: exact RcvbufErrors on B, the rest read back. */
static void udp_sim_rcvbuf_overflow_is_counted(void **state)
{
    (void)state;
    warm_up();
    struct axn_socket *a = mk(0, 0), *b = mk(1, 0);
    assert_int_equal(bind4(b, 0, PORT_A), 0);
    assert_int_equal(set_int(b, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCVBUF_SET), 0);
    (void)axn_socket_poll(b); /* the ring takes the new size */
    uint8_t buf[SMALL] = {0};
    for (int i = 0; i < N_FLOOD; i++)
        assert_int_equal(sendto4(a, buf, sizeof(buf), B_ADDR, PORT_A), SMALL);
    settle();
    const size_t fit = (2 * RCVBUF_SET) / (SMALL + AXN_UDP_TRUESIZE_OVERHEAD) + 1;
    size_t got = 0;
    while (axn_recv(b, buf, sizeof(buf), AXN_MSG_DONTWAIT) == SMALL)
        got++;
    const struct axn_snmp_udp u = udp_of(1);
    assert_int_equal(got, fit);
    assert_int_equal(u.rcvbuf_errors, N_FLOOD - fit);
    assert_int_equal(u.in_errors, N_FLOOD - fit);
    assert_int_equal(u.in_datagrams, fit + WARM_UP_READS);
}

/* ---- The fragment bullet: reordered, duplicated, one lost --------------------------- */

#define REASM_TIME    AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS)
#define DUP_PPM       AXN_SIM_PERCENT(20)
#define REORDER_PPM   AXN_SIM_PERCENT(30)
#define REORDER_DELAY AXN_MSEC(1) /* well inside SETTLE */
#define LOST_FRAG     2u          /* a middle fragment: B holds the first */
#define IP_OFF_FRAG   6u          /* IPv4 flags + fragment offset */
#define IP_MF_OFFSET  0x3fffu     /* MF bit and offset: set on every fragment */

/* A's NIC, wrapped: once armed, the LOST_FRAG-th IPv4 fragment it is
 * handed never reaches the wire (handed back with abort_tx). */
static struct {
    const struct axn_eth_driver_ops *inner;
    struct axn_eth_driver_ops ops;
    bool armed;
    size_t frags;
    size_t dropped;
} L;

static bool is_ip_fragment(const uint8_t *f, size_t len)
{
    struct axn_eth eth;
    if (axn_eth_parse(f, len, &eth) != 0 || eth.ethertype != AXN_ETHERTYPE_IPV4 ||
        len < AXN_ETH_HLEN + AXN_IPV4_HDR_MIN)
        return false;
    const uint8_t *ip = f + AXN_ETH_HLEN;
    const unsigned v = ((unsigned)ip[IP_OFF_FRAG] << 8) | ip[IP_OFF_FRAG + 1];
    return (v & IP_MF_OFFSET) != 0;
}

static int lossy_transmit(void *drv, struct axn_tx_buf *tx)
{
    if (L.armed && is_ip_fragment(tx->data, tx->len) && L.frags++ == LOST_FRAG) {
        L.dropped++;
        L.inner->abort_tx(drv, tx);
        return 0;
    }
    return L.inner->transmit(drv, tx);
}

static int setup_lossy(void **state)
{
    (void)state;
    memset(&L, 0, sizeof(L));
    memset(&W, 0, sizeof(W));
    sim_stacks_create(&W.sim, &WORLD);
    L.inner = W.sim.drv[0].ops;
    L.ops = *L.inner;
    L.ops.transmit = lossy_transmit;
    W.sim.drv[0].ops = &L.ops;
    nodes_up();
    return 0;
}

/* Runs both stacks and the wire event by event up to `until`. */
static void run_until(axn_time_t until)
{
    sim_stacks_poll_all(&W.sim);
    sim_stacks_run_until(&W.sim, until);
}

/* A's frames are reordered and duplicated from here on (seeded). */
static void impair_a(void)
{
    const struct axn_sim_impairments imp = {.delay = WIRE_DELAY,
                                            .duplicate_ppm = DUP_PPM,
                                            .reorder_ppm = REORDER_PPM,
                                            .reorder_delay = REORDER_DELAY};
    assert_int_equal(axn_sim_port_set_impairments(W.sim.wire, 0, &imp), 0);
}

static struct axn_snmp snmp_of(size_t node)
{
    struct axn_snmp sn;
    axn_ctl_snmp(W.sim.st[node], &sn);
    return sn;
}

static struct axn_ip4_reasm *reasm_of(size_t node)
{
    return &W.sim.st[node]->ip4->reasm;
}

/* Issue, UDP-14 [fix]: the 60000-byte datagram's 41 fragments arrive
 * reordered and some twice; B reassembles it exactly once (duplicates are
 * not overlaps), and nothing stays held, even 30 s later. */
static void udp_sim_60000_reordered_and_duplicated_fragments_reassemble(void **state)
{
    (void)state;
    warm_up();
    struct axn_socket *a = mk(0, 0), *b = mk(1, 0);
    assert_int_equal(bind4(b, 0, PORT_A), 0);
    static uint8_t out[BIG], got[BIG + 1];
    fill(out, BIG, 2);
    impair_a();
    assert_int_equal(sendto4(a, out, BIG, B_ADDR, PORT_A), (long)BIG);
    settle();
    struct axn_sim_port_stats ps;
    assert_int_equal(axn_sim_port_stats(W.sim.wire, 0, &ps), 0);
    assert_true(ps.duplicated > 0);
    assert_true(ps.reordered > 0);
    assert_int_equal(W.ip_frames, FRAGS(BIG) + ps.duplicated);
    struct axn_sockaddr_in from;
    assert_int_equal(recvfrom4(b, got, sizeof(got), &from), (long)BIG);
    assert_memory_equal(got, out, BIG);
    assert_int_equal(recvfrom4(b, got, sizeof(got), &from), -AXN_EAGAIN);
    const struct axn_snmp sb = snmp_of(1);
    assert_int_equal(sb.ip.reasm_oks, 1);
    assert_int_equal(sb.ip.reasm_reqds, FRAGS(BIG) + ps.duplicated);
    assert_int_equal(udp_of(1).in_datagrams, 1 + WARM_UP_READS);
    run_until(W.sim.now + REASM_TIME + SETTLE);
    assert_int_equal(axn_ip4_reasm_in_progress(reasm_of(1)), 0);
    assert_int_equal(reasm_of(1)->bytes_held, 0);
}

/* Issue, UDP-14 [fix]: the same, with one middle fragment lost: B waits
 * the full 30 s of virtual time, then gives up, sends ICMP time exceeded
 * (fragment reassembly time exceeded) which A counts in InTimeExcds, and
 * returns all its reassembly memory; the socket never sees a datagram. */
static void udp_sim_60000_lost_fragment_times_out_with_time_exceeded(void **state)
{
    (void)state;
    warm_up();
    struct axn_socket *a = mk(0, 0), *b = mk(1, 0);
    assert_int_equal(bind4(b, 0, PORT_A), 0);
    static uint8_t out[BIG], got[BIG + 1];
    fill(out, BIG, 3);
    impair_a();
    L.armed = true;
    const axn_time_t t0 = W.sim.now;
    assert_int_equal(sendto4(a, out, BIG, B_ADDR, PORT_A), (long)BIG);
    settle();
    assert_int_equal(L.dropped, 1);
    assert_int_equal(L.frags, FRAGS(BIG));
    struct axn_sim_port_stats ps;
    assert_int_equal(axn_sim_port_stats(W.sim.wire, 0, &ps), 0);
    assert_true(ps.duplicated > 0);
    assert_true(ps.reordered > 0);
    assert_int_equal(axn_ip4_reasm_in_progress(reasm_of(1)), 1);
    assert_true(reasm_of(1)->bytes_held > 0);

    /* Just before the 30 s are up B still waits for the missing piece. */
    run_until(t0 + REASM_TIME - 1);
    assert_int_equal(axn_ip4_reasm_in_progress(reasm_of(1)), 1);
    assert_int_equal(snmp_of(0).icmp.in_time_excds, 0);
    run_until(t0 + REASM_TIME + SETTLE);
    assert_int_equal(axn_ip4_reasm_in_progress(reasm_of(1)), 0);
    assert_int_equal(reasm_of(1)->bytes_held, 0);
    const struct axn_snmp sb = snmp_of(1);
    assert_int_equal(sb.ip.reasm_oks, 0);
    assert_int_equal(sb.ip.reasm_timeout, 1);
    assert_int_equal(sb.ip.reasm_fails, 1);
    assert_int_equal(sb.ip.reasm_reqds, FRAGS(BIG) - 1 + ps.duplicated);
    assert_int_equal(sb.icmp.out_time_excds, 1);
    assert_int_equal(snmp_of(0).icmp.in_time_excds, 1);
    struct axn_sockaddr_in from;
    assert_int_equal(recvfrom4(b, got, sizeof(got), &from), -AXN_EAGAIN);
    assert_int_equal(udp_of(1).in_datagrams, WARM_UP_READS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(udp_sim_echo_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_broadcast_with_and_without_so_broadcast, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(udp_sim_reuseport_distributes_and_broadcast_reaches_all,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_port_unreachable_is_econnrefused, setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_60000_byte_datagram_fragments_and_reassembles,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_1473_byte_datagram_is_fragmented, setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_pmtudisc_do_refuses_fragmenting, setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_rcvbuf_overflow_is_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_60000_reordered_and_duplicated_fragments_reassemble,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(udp_sim_60000_lost_fragment_times_out_with_time_exceeded,
                                        setup_lossy, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
