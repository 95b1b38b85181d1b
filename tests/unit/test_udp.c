/*
 * UDP sockets (src/udp/, spec §8 UDP-1..27 with ax-net's fixes, udp(7)):
 * the port table and demux without a stack, then whole sockets on one
 * stack in virtual time. Each test is named after the behaviour it shows
 * and asserts Linux's errno, bytes and counters exactly.
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
#include "sim_solo.h"
#include "test_platform.h"
#include "udp/udp.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

/* ---- Port table and demux, without a stack (udp_ports.c, udp_rxq.c) ------------------------ */

#define P5000    5000u
#define ADDR_1   AXN_IP4(10, 0, 0, 1)
#define ADDR_2   AXN_IP4(10, 0, 0, 2)
#define PEER     AXN_IP4(10, 0, 0, 9)
#define PEER2    AXN_IP4(10, 0, 0, 8)
#define PEER_P   7000u
#define IF_A     2u
#define IF_B     3u
#define N_FAKE   8u
#define N_GROUP  4u
#define N_TUPLES 256u
#define N_LAYERS 8u
#define EPH_N    (AXN_UDP_EPHEMERAL_MAX - AXN_UDP_EPHEMERAL_MIN + 1)

static struct axn_udp_layer *tl;
static struct axn_udp_sock fake[N_FAKE];

static int pure_setup(void **state)
{
    (void)state;
    axn_test_seed_random(1);
    memset(fake, 0, sizeof(fake));
    return axn_udp_layer_create(axn_test_platform(), &tl);
}

static int pure_teardown(void **state)
{
    (void)state;
    axn_udp_layer_free(tl);
    tl = NULL;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static struct axn_udp_sock *fk(size_t i, bool reuseaddr, bool reuseport)
{
    fake[i].base.opt.reuseaddr = reuseaddr;
    fake[i].base.opt.reuseport = reuseport;
    return &fake[i];
}

/* UDP-3: distinct specific addresses share a port. */
static void udp_bind_rules_allow_distinct_specific_addresses(void **state)
{
    (void)state;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, false, false), ADDR_1, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, false), ADDR_2, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, false, false), ADDR_1, P5000), -AXN_EADDRINUSE);
}

/* UDP-3: a wildcard and a specific bind of one port clash, either order. */
static void udp_bind_rejects_specific_after_wildcard(void **state)
{
    (void)state;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, false, false), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, false), ADDR_1, P5000), -AXN_EADDRINUSE);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, false, false), 0, P5000 + 1), 0);
    axn_udp_port_unbind(tl, &fake[0]);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, false), ADDR_1, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(3, false, false), 0, P5000), -AXN_EADDRINUSE);
}

/* UDP-4 [fix]: SO_REUSEADDR on both sockets shares a UDP port (Linux). */
static void udp_reuseaddr_on_both_shares_the_port(void **state)
{
    (void)state;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, true, false), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, false), 0, P5000), -AXN_EADDRINUSE);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, true, false), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(3, true, false), ADDR_1, P5000), 0);
}

/* UDP-3/6: SO_REUSEPORT groups need the option on every member before it
 * binds; a plain binder still clashes. */
static void udp_reuseport_group_needs_option_before_bind(void **state)
{
    (void)state;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, false, true), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, true), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, false, false), 0, P5000), -AXN_EADDRINUSE);
    /* Set after bind: not a member. */
    assert_int_equal(axn_udp_port_bind(tl, fk(3, false, false), 0, P5000 + 1), 0);
    fake[3].base.opt.reuseport = true;
    assert_int_equal(axn_udp_port_bind(tl, fk(4, false, true), 0, P5000 + 1), -AXN_EADDRINUSE);
}

/* SO_BINDTODEVICE: the same port on two devices does not clash. */
static void udp_bind_on_distinct_devices_does_not_clash(void **state)
{
    (void)state;
    fake[0].base.opt.bound_ifindex = IF_A;
    fake[1].base.opt.bound_ifindex = IF_B;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, false, false), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, false), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, false, false), 0, P5000), -AXN_EADDRINUSE);
}

/* UDP-5 [fix]: ephemeral ports come from the configured range, randomized
 * (RFC 6056), and never collide with any binding. */
static void udp_ephemeral_ports_are_random_in_range_and_free(void **state)
{
    (void)state;
    assert_int_equal(axn_udp_port_bind(tl, fk(0, true, true), 0, P5000), 0);
    uint16_t first[N_LAYERS];
    for (size_t i = 0; i < N_LAYERS; i++) {
        struct axn_udp_sock s;
        memset(&s, 0, sizeof(s));
        assert_int_equal(axn_udp_port_bind(tl, &s, 0, 0), 0);
        assert_true(s.lport >= AXN_UDP_EPHEMERAL_MIN && s.lport <= AXN_UDP_EPHEMERAL_MAX);
        first[i] = s.lport;
        axn_udp_port_unbind(tl, &s);
    }
    size_t same = 0;
    for (size_t i = 1; i < N_LAYERS; i++)
        same += first[i] == first[i - 1] + 1u || first[i] == first[i - 1];
    assert_true(same < N_LAYERS - 1); /* not a sequential cursor */
    /* A port bound with SO_REUSEADDR|SO_REUSEPORT is still never handed out. */
    assert_int_equal(axn_udp_port_bind(tl, fk(1, true, true), 0, first[0]), 0);
    for (size_t i = 2; i < N_FAKE; i++) {
        assert_int_equal(axn_udp_port_bind(tl, fk(i, true, true), 0, 0), 0);
        assert_int_not_equal(fake[i].lport, first[0]);
    }
}

/* Every ephemeral port taken: bind(port 0) fails with EADDRINUSE. */
static void udp_ephemeral_exhaustion_is_eaddrinuse(void **state)
{
    (void)state;
    const size_t n = EPH_N;
    struct axn_udp_sock *all = calloc(n, sizeof(*all));
    assert_non_null(all);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(axn_udp_port_bind(tl, &all[i], 0, (uint16_t)(AXN_UDP_EPHEMERAL_MIN + i)),
                         0);
    struct axn_udp_sock s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(axn_udp_port_bind(tl, &s, 0, 0), -AXN_EADDRINUSE);
    assert_false(s.bound);
    axn_udp_port_unbind(tl, &all[n / 2]);
    assert_int_equal(axn_udp_port_bind(tl, &s, 0, 0), 0);
    assert_int_equal(s.lport, AXN_UDP_EPHEMERAL_MIN + n / 2);
    free(all);
}

static struct axn_udp_key key_from(axn_ip4_t src, uint16_t sport, axn_ip4_t dst, uint32_t ifx)
{
    return (struct axn_udp_key){
        .saddr = src, .sport = sport, .daddr = dst, .dport = P5000, .ifindex = ifx};
}

/* Demux order as Linux compute_score: connected, then specific, then
 * wildcard; SO_BINDTODEVICE filters by ingress interface. */
static void udp_demux_prefers_connected_then_specific_then_wildcard(void **state)
{
    (void)state;
    struct axn_udp_sock *wild = fk(0, true, false), *spec = fk(1, true, false);
    struct axn_udp_sock *conn = fk(2, true, false), *dev = fk(3, true, false);
    assert_int_equal(axn_udp_port_bind(tl, wild, 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, spec, ADDR_1, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, conn, ADDR_1, P5000), 0);
    conn->connected = true;
    conn->raddr = PEER;
    conn->rport = PEER_P;
    struct axn_udp_key k = key_from(PEER, PEER_P, ADDR_1, IF_A);
    assert_ptr_equal(axn_udp_lookup(tl, &k), conn);
    k = key_from(PEER2, PEER_P, ADDR_1, IF_A);
    assert_ptr_equal(axn_udp_lookup(tl, &k), spec);
    k = key_from(PEER2, PEER_P, ADDR_2, IF_A);
    assert_ptr_equal(axn_udp_lookup(tl, &k), wild);
    dev->base.opt.bound_ifindex = IF_B;
    assert_int_equal(axn_udp_port_bind(tl, dev, ADDR_2, P5000), 0);
    assert_ptr_equal(axn_udp_lookup(tl, &k), wild); /* came in on IF_A */
    k.ifindex = IF_B;
    assert_ptr_equal(axn_udp_lookup(tl, &k), dev);
    k.dport = P5000 + 1;
    assert_null(axn_udp_lookup(tl, &k));
}

/* UDP-6 [fix]: a REUSEPORT group spreads unicast over every member by a
 * hash of the 4-tuple (one flow always to one member). */
static void udp_reuseport_spreads_unicast_over_members(void **state)
{
    (void)state;
    size_t hits[N_GROUP] = {0};
    for (size_t i = 0; i < N_GROUP; i++)
        assert_int_equal(axn_udp_port_bind(tl, fk(i, false, true), 0, P5000), 0);
    for (uint16_t p = 0; p < N_TUPLES; p++) {
        const struct axn_udp_key k = key_from(PEER, (uint16_t)(PEER_P + p), ADDR_1, IF_A);
        struct axn_udp_sock *got = axn_udp_lookup(tl, &k);
        assert_ptr_equal(axn_udp_lookup(tl, &k), got);
        assert_true(got >= fake && got < fake + N_GROUP);
        hits[got - fake]++;
    }
    for (size_t i = 0; i < N_GROUP; i++)
        assert_true(hits[i] > N_TUPLES / N_GROUP / 2);
}

static void count_hit(struct axn_udp_sock *us, void *arg)
{
    size_t *hits = arg;
    hits[us - fake]++;
}

/* Broadcast/multicast reach every matching socket, REUSEPORT members all. */
static void udp_broadcast_reaches_every_matching_socket(void **state)
{
    (void)state;
    size_t hits[N_FAKE] = {0};
    assert_int_equal(axn_udp_port_bind(tl, fk(0, false, true), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(1, false, true), 0, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(2, false, true), ADDR_1, P5000), 0);
    assert_int_equal(axn_udp_port_bind(tl, fk(3, false, true), 0, P5000), 0);
    fake[3].connected = true;
    fake[3].raddr = PEER2;
    fake[3].rport = PEER_P;
    const struct axn_udp_key k = key_from(PEER, PEER_P, AXN_INADDR_BROADCAST, IF_A);
    assert_int_equal(axn_udp_lookup_all(tl, &k, count_hit, hits), 2);
    assert_int_equal(hits[0], 1);
    assert_int_equal(hits[1], 1);
    assert_int_equal(hits[2], 0); /* bound to a unicast address */
    assert_int_equal(hits[3], 0); /* connected to someone else */
}

/* UDP-1 [fix]: the receive queue is bounded by SO_RCVBUF as Linux: taken
 * while the charge before it is within the limit, FIFO, wraps. */
static void udp_rxq_bounded_by_rcvbuf_fifo_and_wraps(void **state)
{
    (void)state;
    const struct axn_platform *plat = axn_test_platform();
    struct axn_udp_rxq q;
    enum { LIMIT = 4096, LEN = 1000, ROUNDS = 200 };
    assert_int_equal(axn_udp_rxq_init(&q, plat, LIMIT), 0);
    uint8_t data[LEN], out[LEN];
    size_t pushed = 0;
    struct axn_udp_meta m = {.len = LEN};
    while (axn_udp_rxq_push(&q, &m, data))
        pushed++;
    /* 4 x 1256 = 5024 > 4096 only after the 4th: the 4th still came in. */
    assert_int_equal(pushed, LIMIT / (LEN + AXN_UDP_TRUESIZE_OVERHEAD) + 1);
    for (size_t i = 0; i < pushed; i++)
        axn_udp_rxq_pop(&q);
    assert_int_equal(q.count, 0);
    struct axn_iovec iov = {.iov_base = out, .iov_len = sizeof(out)};
    const struct axn_msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    for (uint32_t r = 0; r < ROUNDS; r++) {
        memset(data, (int)r, sizeof(data));
        m.len = LEN - r;
        m.sport = (uint16_t)r;
        assert_true(axn_udp_rxq_push(&q, &m, data));
        assert_true(axn_udp_rxq_push(&q, &m, data));
        struct axn_udp_meta got;
        assert_true(axn_udp_rxq_peek_meta(&q, &got));
        assert_int_equal(got.sport, r);
        assert_int_equal(axn_udp_rxq_copy(&q, &msg, sizeof(out)), LEN - r);
        assert_memory_equal(out, data, LEN - r);
        axn_udp_rxq_pop(&q);
        axn_udp_rxq_pop(&q);
    }
    axn_udp_rxq_free(&q, plat);
}

#define PURE_TESTS                                                                                 \
    cmocka_unit_test_setup_teardown(udp_bind_rules_allow_distinct_specific_addresses, pure_setup,  \
                                    pure_teardown),                                                \
        cmocka_unit_test_setup_teardown(udp_bind_rejects_specific_after_wildcard, pure_setup,      \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_reuseaddr_on_both_shares_the_port, pure_setup,         \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_reuseport_group_needs_option_before_bind, pure_setup,  \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_bind_on_distinct_devices_does_not_clash, pure_setup,   \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_ephemeral_ports_are_random_in_range_and_free,          \
                                        pure_setup, pure_teardown),                                \
        cmocka_unit_test_setup_teardown(udp_ephemeral_exhaustion_is_eaddrinuse, pure_setup,        \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_demux_prefers_connected_then_specific_then_wildcard,   \
                                        pure_setup, pure_teardown),                                \
        cmocka_unit_test_setup_teardown(udp_reuseport_spreads_unicast_over_members, pure_setup,    \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_broadcast_reaches_every_matching_socket, pure_setup,   \
                                        pure_teardown),                                            \
        cmocka_unit_test_setup_teardown(udp_rxq_bounded_by_rcvbuf_fifo_and_wraps, pure_setup,      \
                                        pure_teardown)
/* ---- Whole sockets on one stack: tests/support/sim_solo.h ----------------------------------- */

#define A_ADDR     SIM_SOLO_ADDR
#define OTHER_ADDR AXN_IP4(192, 0, 2, 20) /* on the wire, nobody there */
#define SUBNET_BC  AXN_IP4(192, 0, 2, 255)
#define LOCALHOST  AXN_IP4(127, 0, 0, 1)
#define FOREIGN    AXN_IP4(198, 51, 100, 1)
#define ETH0       AXN_IFINDEX_FIRST_ETH
#define LO         AXN_IFINDEX_LOOPBACK
#define PORT_A     4000u
#define PORT_B     4001u
#define PORT_C     4002u
#define CLOSED     4999u
#define SMALL      32u
#define TOS_VAL    0x28
#define TTL_VAL    33
#define CMSG_ROOM  256u
#define BIG_OK     AXN_UDP_PAYLOAD_MAX
#define PIECE      100u
#define RCVBUF_SET 2000 /* doubled: 4000 */

static struct axn_socket *mk(size_t i)
{
    assert_int_equal(axn_socket(sim_solo.sim.st[0], AXN_AF_INET, AXN_SOCK_DGRAM, 0, &sim_solo.s[i]),
                     0);
    return sim_solo.s[i];
}

static long sendto4(struct axn_socket *s, const void *buf, size_t len, int flags, axn_ip4_t a,
                    uint16_t port)
{
    const struct axn_sockaddr_in sa = sim_sin4(a, port);
    return axn_sendto(s, buf, len, flags, (const struct axn_sockaddr *)&sa, sizeof(sa));
}

static long recv_nb(struct axn_socket *s, void *buf, size_t len, int flags)
{
    return axn_recv(s, buf, len, flags | AXN_MSG_DONTWAIT);
}

static struct axn_snmp_udp udp_stats(void)
{
    struct axn_snmp_udp u;
    axn_udp_snmp(sim_solo.sim.st[0], &u);
    return u;
}

/* A receiver on localhost:PORT_A and a sender bound to PORT_B. */
static void pair(struct axn_socket **rx, struct axn_socket **tx)
{
    *rx = mk(0);
    *tx = mk(1);
    assert_int_equal(sim_bind4(*rx, 0, PORT_A), 0);
    assert_int_equal(sim_bind4(*tx, 0, PORT_B), 0);
}

/* From one of our Ethernet addresses to 127.0.0.1: Linux's local table
 * sends it through lo with that source (it does not need a route from
 * 192.0.2.10 to 127/8), and the receiver sees 192.0.2.10. */
static void udp_from_an_eth_address_to_localhost_goes_through_lo(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0);
    struct axn_socket *tx = mk(1);
    assert_int_equal(sim_bind4(rx, LOCALHOST, PORT_A), 0);
    assert_int_equal(sim_bind4(tx, A_ADDR, PORT_B), 0);
    assert_int_equal(sendto4(tx, "lo", 2, 0, LOCALHOST, PORT_A), 2);
    sim_solo_settle();
    uint8_t buf[SMALL];
    struct axn_sockaddr_in from;
    axn_socklen_t flen = sizeof(from);
    assert_int_equal(
        axn_recvfrom(rx, buf, sizeof(buf), AXN_MSG_DONTWAIT, (struct axn_sockaddr *)&from, &flen),
        2);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), A_ADDR);
    assert_int_equal(sim_host16(from.sin_port), PORT_B);
}

/* UDP-2: a second bind is EINVAL, whatever it asks for. */
static void udp2_bind_twice_is_einval(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_bind4(s, 0, PORT_A), 0);
    assert_int_equal(sim_bind4(s, 0, PORT_B), -AXN_EINVAL);
    assert_int_equal(sim_bind4(mk(1), 0, PORT_A), -AXN_EADDRINUSE);
}

/* UDP-2: a specific address must be ours (EADDRNOTAVAIL); the subnet
 * broadcast and 127.0.0.1 are fine. */
static void udp2_bind_to_foreign_address_is_eaddrnotavail(void **state)
{
    (void)state;
    assert_int_equal(sim_bind4(mk(0), FOREIGN, PORT_A), -AXN_EADDRNOTAVAIL);
    assert_int_equal(sim_bind4(sim_solo.s[0], A_ADDR, PORT_A), 0);
    assert_int_equal(sim_bind4(mk(1), LOCALHOST, PORT_A), 0);
    assert_int_equal(sim_bind4(mk(2), SUBNET_BC, PORT_A), 0);
}

/* UDP-23 [fix]: an unbound socket's name is 0.0.0.0:0 (Linux), its peer
 * ENOTCONN. */
static void udp23_getsockname_of_unbound_socket_is_any_zero(void **state)
{
    (void)state;
    int rc;
    const struct axn_sockaddr_in sa = sim_name4(mk(0), false, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sa.sin_family, AXN_AF_INET);
    assert_int_equal(sa.sin_port, 0);
    assert_int_equal(sa.sin_addr.s_addr, 0);
    (void)sim_name4(sim_solo.s[0], true, &rc);
    assert_int_equal(rc, -AXN_ENOTCONN);
}

/* UDP-9: MSG_OOB is EOPNOTSUPP; a send autobinds an ephemeral port. */
static void udp9_oob_is_eopnotsupp_and_send_autobinds(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(s, b, sizeof(b), AXN_MSG_OOB, LOCALHOST, CLOSED), -AXN_EOPNOTSUPP);
    int rc;
    struct axn_sockaddr_in sa = sim_name4(s, false, &rc);
    const uint16_t port = sim_host16(sa.sin_port);
    assert_true(port >= AXN_UDP_EPHEMERAL_MIN && port <= AXN_UDP_EPHEMERAL_MAX);
    assert_int_equal(sendto4(s, b, sizeof(b), 0, LOCALHOST, CLOSED), (long)sizeof(b));
    sa = sim_name4(s, false, &rc);
    assert_int_equal(sim_host16(sa.sin_port), port);
}

/* UDP-10: no destination EDESTADDRREQ, port 0 EINVAL; UDP-19, SOCK-14: an unbound
 * socket's non-blocking recv is EAGAIN. */
static void udp10_send_without_destination_is_edestaddrreq(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(recv_nb(s, b, sizeof(b), 0), -AXN_EAGAIN); /* UDP-19 */
    assert_int_equal(axn_send(s, b, sizeof(b), 0), -AXN_EDESTADDRREQ);
    assert_int_equal(sendto4(s, b, sizeof(b), 0, LOCALHOST, 0), -AXN_EINVAL);
}

/* UDP-14 [fix]: above 65507 bytes EMSGSIZE; 65507 crosses loopback whole. */
static void udp14_oversized_is_emsgsize_largest_arrives(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    static uint8_t big[BIG_OK + 1], got[BIG_OK + 1];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7u);
    assert_int_equal(sendto4(tx, big, BIG_OK + 1, 0, LOCALHOST, PORT_A), -AXN_EMSGSIZE);
    assert_int_equal(sendto4(tx, big, BIG_OK, 0, LOCALHOST, PORT_A), BIG_OK);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), BIG_OK);
    assert_memory_equal(got, big, BIG_OK);
}

/* UDP-15 [fix]: broadcast needs SO_BROADCAST (EACCES), as Linux. */
static void udp15_broadcast_without_so_broadcast_is_eacces(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(s, b, sizeof(b), 0, AXN_INADDR_BROADCAST, PORT_A), -AXN_EACCES);
    assert_int_equal(sendto4(s, b, sizeof(b), 0, SUBNET_BC, PORT_A), -AXN_EACCES);
    assert_int_equal(sim_connect4(s, SUBNET_BC, PORT_A), -AXN_EACCES);
    const uint64_t out0 = udp_stats().out_datagrams;
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    assert_int_equal(sendto4(s, b, sizeof(b), 0, AXN_INADDR_BROADCAST, PORT_A), (long)sizeof(b));
    assert_int_equal(udp_stats().out_datagrams, out0 + 1);
}

/* UDP-12/13: MSG_MORE corks; the next plain send flushes ONE datagram to
 * the first call's destination; each call returns its own bytes. */
static void udp12_msg_more_corks_into_one_datagram(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(sim_bind4(mk(2), 0, PORT_C), 0);
    uint8_t a[PIECE], b[PIECE], got[2 * PIECE + 1];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    assert_int_equal(sendto4(tx, a, sizeof(a), AXN_MSG_MORE, LOCALHOST, PORT_A), PIECE);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_C), PIECE);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), 2 * PIECE);
    assert_memory_equal(got, a, PIECE);
    assert_memory_equal(got + PIECE, b, PIECE);
    assert_int_equal(recv_nb(sim_solo.s[2], got, sizeof(got), 0), -AXN_EAGAIN);
}

/* udp(7) UDP_CORK: data waits until the option goes off. */
static void udp12_udp_cork_flushes_when_turned_off(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t a[PIECE], got[2 * PIECE];
    memset(a, 'c', sizeof(a));
    assert_int_equal(sim_set_int(tx, AXN_SOL_UDP, AXN_UDP_CORK, 1), 0);
    int v = 0;
    axn_socklen_t vl = sizeof(v);
    assert_int_equal(axn_getsockopt(tx, AXN_SOL_UDP, AXN_UDP_CORK, &v, &vl), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sendto4(tx, a, sizeof(a), 0, LOCALHOST, PORT_A), PIECE);
    assert_int_equal(sendto4(tx, a, sizeof(a), 0, LOCALHOST, PORT_A), PIECE);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
    assert_int_equal(sim_set_int(tx, AXN_SOL_UDP, AXN_UDP_CORK, 0), 0);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), 2 * PIECE);
}

/* UDP-20, SOCK-6, SOCK-9, SOCK-14: MSG_PEEK keeps the datagram; a short buffer sets MSG_TRUNC in
 * msg_flags and the rest is gone; MSG_TRUNC returns the full length. */
static void udp20_trunc_and_peek_as_linux(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t b[PIECE], got[PIECE];
    memset(b, 'x', sizeof(b));
    for (int i = 0; i < 3; i++)
        assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), PIECE);
    sim_solo_settle();
    int n = 0;
    assert_int_equal(axn_ioctl(rx, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, PIECE);
    assert_int_equal(recv_nb(rx, got, SMALL, AXN_MSG_PEEK), SMALL);
    assert_int_equal(recv_nb(rx, got, SMALL, AXN_MSG_PEEK | AXN_MSG_TRUNC), PIECE);
    struct axn_iovec iov = {.iov_base = got, .iov_len = SMALL};
    struct axn_msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(axn_recvmsg(rx, &msg, AXN_MSG_DONTWAIT), SMALL);
    assert_true(msg.msg_flags & AXN_MSG_TRUNC);
    assert_int_equal(recv_nb(rx, got, SMALL, AXN_MSG_TRUNC), PIECE);
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), PIECE);
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
    assert_int_equal(axn_ioctl(rx, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(axn_ioctl(rx, AXN_SIOCOUTQ, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(udp_stats().in_datagrams, 3);
}

/* UDP-18 [fix], UDP-21, SOCK-9: a connected socket sees only its peer, through recv and
 * recvfrom alike, and a peek never sticks on a stranger's datagram. */
static void udp18_connected_socket_sees_only_its_peer(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    struct axn_socket *stranger = mk(2);
    assert_int_equal(sim_bind4(stranger, 0, PORT_C), 0);
    assert_int_equal(sim_connect4(rx, LOCALHOST, PORT_B), 0);
    uint8_t b[PIECE], got[PIECE];
    memset(b, 's', sizeof(b));
    assert_int_equal(sendto4(stranger, b, SMALL, 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    memset(b, 'p', sizeof(b));
    assert_int_equal(sendto4(tx, b, PIECE, 0, LOCALHOST, PORT_A), PIECE);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), AXN_MSG_PEEK), PIECE);
    struct axn_sockaddr_in from;
    axn_socklen_t fl = sizeof(from);
    assert_int_equal(
        axn_recvfrom(rx, got, sizeof(got), AXN_MSG_DONTWAIT, (struct axn_sockaddr *)&from, &fl),
        PIECE);
    assert_int_equal(sim_host16(from.sin_port), PORT_B);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), LOCALHOST);
    assert_int_equal(got[0], 'p');
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
    assert_int_equal(udp_stats().no_ports, 1); /* the stranger's had no taker */
}

/* UDP-22 [fix], SOCK-6, SOCK-11: IP_PKTINFO, IP_RECVTTL, IP_RECVTOS control messages, and
 * IP_TOS / IP_TTL on egress. */
static void udp22_pktinfo_ttl_tos_cmsgs(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(sim_set_int(rx, AXN_SOL_IP, AXN_IP_PKTINFO, 1), 0);
    assert_int_equal(sim_set_int(rx, AXN_SOL_IP, AXN_IP_RECVTTL, 1), 0);
    assert_int_equal(sim_set_int(rx, AXN_SOL_IP, AXN_IP_RECVTOS, 1), 0);
    assert_int_equal(sim_set_int(tx, AXN_SOL_IP, AXN_IP_TOS, TOS_VAL), 0);
    assert_int_equal(sim_set_int(tx, AXN_SOL_IP, AXN_IP_TTL, TTL_VAL), 0);
    uint8_t b[SMALL] = {0}, got[SMALL];
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, A_ADDR, PORT_A), SMALL);
    sim_solo_settle();
    _Alignas(struct axn_cmsghdr) uint8_t ctl[CMSG_ROOM];
    struct axn_iovec iov = {.iov_base = got, .iov_len = sizeof(got)};
    struct axn_msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    assert_int_equal(axn_recvmsg(rx, &msg, AXN_MSG_DONTWAIT), SMALL);
    assert_int_equal(msg.msg_flags & AXN_MSG_CTRUNC, 0);
    assert_int_equal(msg.msg_controllen, AXN_CMSG_SPACE(sizeof(struct axn_in_pktinfo)) +
                                             AXN_CMSG_SPACE(sizeof(int)) + AXN_CMSG_SPACE(1));
    const struct axn_cmsghdr *c = (const void *)ctl;
    assert_int_equal(c->cmsg_type, AXN_IP_PKTINFO);
    struct axn_in_pktinfo pi;
    memcpy(&pi, AXN_CMSG_DATA(c), sizeof(pi));
    assert_int_equal(pi.ipi_ifindex, LO);
    assert_int_equal(sim_host32(pi.ipi_addr.s_addr), A_ADDR);
    assert_int_equal(sim_host32(pi.ipi_spec_dst.s_addr), A_ADDR);
    c = (const void *)(ctl + AXN_CMSG_SPACE(sizeof(pi)));
    assert_int_equal(c->cmsg_type, AXN_IP_TTL);
    int ttl;
    memcpy(&ttl, AXN_CMSG_DATA(c), sizeof(ttl));
    assert_int_equal(ttl, TTL_VAL);
    c = (const void *)((const uint8_t *)c + AXN_CMSG_SPACE(sizeof(int)));
    assert_int_equal(c->cmsg_type, AXN_IP_TOS);
    assert_int_equal(c->cmsg_len, AXN_CMSG_LEN(1));
    assert_int_equal(*AXN_CMSG_DATA(c), TOS_VAL);
}

/* UDP-25 [fix], SOCK-21 [fix] (POLLHUP when shut both ways): shutdown as Linux: unconnected
 * ENOTCONN (but done), send after SHUT_WR EPIPE, recv after SHUT_RD 0 when it would wait. */
static void udp25_shutdown_as_linux(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t b[SMALL] = {0};
    assert_int_equal(axn_shutdown(tx, AXN_SHUT_WR), -AXN_ENOTCONN);
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), -AXN_EPIPE);
    assert_int_equal(sim_connect4(rx, LOCALHOST, PORT_B), 0);
    assert_int_equal(axn_shutdown(rx, AXN_SHUT_RD), 0);
    assert_int_equal(recv_nb(rx, b, sizeof(b), 0), -AXN_EAGAIN);
    assert_int_equal(axn_recv(rx, b, sizeof(b), 0), 0);
    const unsigned ev = axn_socket_poll(rx);
    assert_true(ev & AXN_POLLIN);
    assert_true(ev & AXN_POLLRDHUP);
    assert_false(ev & AXN_POLLHUP);
    assert_int_equal(axn_shutdown(rx, AXN_SHUT_WR), 0);
    assert_true(axn_socket_poll(rx) & AXN_POLLHUP);
}

/* UDP-24, SOCK-20: POLLOUT always, POLLIN with a datagram queued. */
static void udp24_poll_in_when_queued_out_always(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(axn_socket_poll(rx), AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(axn_socket_poll(rx),
                     AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND | AXN_POLLIN | AXN_POLLRDNORM);
}

/* UDP-7 [fix]: connect takes the route's source as local address;
 * AF_UNSPEC dissolves it and gives back the autobound port (Linux). */
static void udp7_connect_and_af_unspec_disconnect(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_connect4(s, OTHER_ADDR, PORT_A), 0);
    int rc;
    struct axn_sockaddr_in sa = sim_name4(s, false, &rc);
    assert_int_equal(sim_host32(sa.sin_addr.s_addr), A_ADDR);
    assert_true(sim_host16(sa.sin_port) >= AXN_UDP_EPHEMERAL_MIN);
    sa = sim_name4(s, true, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sim_host16(sa.sin_port), PORT_A);
    int mtu = 0;
    axn_socklen_t ml = sizeof(mtu);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_IP, AXN_IP_MTU, &mtu, &ml), 0);
    assert_int_equal(mtu, AXN_ETH_MTU);
    const struct axn_sockaddr unspec = {.sa_family = AXN_AF_UNSPEC};
    assert_int_equal(axn_connect(s, &unspec, sizeof(unspec)), 0);
    (void)sim_name4(s, true, &rc);
    assert_int_equal(rc, -AXN_ENOTCONN);
    sa = sim_name4(s, false, &rc);
    assert_int_equal(sa.sin_addr.s_addr, 0);
    assert_int_equal(sa.sin_port, 0);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_IP, AXN_IP_MTU, &mtu, &ml), -AXN_ENOTCONN);
    uint8_t b[SMALL] = {0};
    assert_int_equal(axn_send(s, b, sizeof(b), 0), -AXN_EDESTADDRREQ);
}

/* UDP-8 [fix]: a connected socket may still sendto anyone (Linux). */
static void udp8_connected_socket_may_sendto_another_address(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(sim_connect4(tx, OTHER_ADDR, PORT_C), 0);
    uint8_t b[SMALL] = {0}, got[SMALL];
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), SMALL);
}

/* SOCK-21 [fix] (POLLERR on a pending error): ICMP port unreachable:
 * ECONNREFUSED on a connected socket's next call
 * (once), NoPorts counted; an unconnected sender hears nothing. */
static void udp_port_unreachable_is_econnrefused_when_connected(void **state)
{
    (void)state;
    struct axn_socket *c = mk(0), *u = mk(1);
    assert_int_equal(sim_connect4(c, LOCALHOST, CLOSED), 0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(axn_send(c, b, sizeof(b), 0), SMALL);
    assert_int_equal(sendto4(u, b, sizeof(b), 0, LOCALHOST, CLOSED), SMALL);
    sim_solo_settle();
    assert_int_equal(udp_stats().no_ports, 2);
    assert_true(axn_socket_poll(c) & AXN_POLLERR);
    assert_false(axn_socket_poll(u) & AXN_POLLERR);
    assert_int_equal(recv_nb(c, b, sizeof(b), 0), -AXN_ECONNREFUSED);
    assert_int_equal(recv_nb(c, b, sizeof(b), 0), -AXN_EAGAIN);
    assert_int_equal(axn_send(c, b, sizeof(b), 0), SMALL);
    sim_solo_settle();
    assert_int_equal(axn_send(c, b, sizeof(b), 0), -AXN_ECONNREFUSED);
    assert_int_equal(recv_nb(u, b, sizeof(b), 0), -AXN_EAGAIN);
}

/* SO_RCVBUF bounds the queue; overflow counts RcvbufErrors and InErrors. */
static void udp1_rcvbuf_overflow_is_counted(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(sim_set_int(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCVBUF_SET), 0);
    int v = 0;
    axn_socklen_t vl = sizeof(v);
    assert_int_equal(axn_getsockopt(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, &v, &vl), 0);
    assert_int_equal(v, 2 * RCVBUF_SET);
    assert_int_equal(axn_socket_poll(rx) & AXN_POLLIN, 0); /* ring re-sized */
    uint8_t b[PIECE] = {0};
    enum { N = 20 };
    for (int i = 0; i < N; i++)
        assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), PIECE);
    sim_solo_settle();
    /* Taken while the charge before is <= 4000: 12 x 356 = 4272. */
    const size_t fit = (2 * RCVBUF_SET) / (PIECE + AXN_UDP_TRUESIZE_OVERHEAD) + 1;
    size_t got = 0;
    while (recv_nb(rx, b, sizeof(b), 0) == PIECE)
        got++;
    assert_int_equal(got, fit);
    const struct axn_snmp_udp st = udp_stats();
    assert_int_equal(st.rcvbuf_errors, N - fit);
    assert_int_equal(st.in_errors, N - fit);
    assert_int_equal(st.in_datagrams, fit);
}

/* UDP-27: a datagram sent just before close still arrives. */
static void udp27_datagram_sent_before_close_arrives(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t b[SMALL] = {1}, got[SMALL];
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    assert_int_equal(axn_close(tx), 0);
    sim_solo.s[1] = NULL;
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), SMALL);
    assert_int_equal(sim_bind4(mk(1), 0, PORT_B), 0); /* the port is free again */
}

/* SO_BINDTODEVICE: a socket bound to eth0 does not get what comes on lo. */
static void udp_bindtodevice_filters_by_ingress(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    assert_int_equal(sim_set_int(rx, AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, (int)ETH0), 0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, b, sizeof(b), 0), -AXN_EAGAIN);
    assert_int_equal(udp_stats().no_ports, 1);
}

/* Input straight from IPv4: a bad checksum counts InCsumErrors and
 * InErrors; checksum 0 ("none", RFC 768) is accepted. */
static void udp_input_checksum_bad_counted_zero_accepted(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0);
    assert_int_equal(sim_bind4(rx, 0, PORT_A), 0);
    uint8_t pkt[AXN_IPV4_HDR_MIN + AXN_UDP_HDR_LEN + SMALL];
    memset(pkt, 0, sizeof(pkt));
    uint8_t *u = pkt + AXN_IPV4_HDR_MIN;
    const struct axn_udp d = {
        .src_port = PORT_B, .dst_port = PORT_A, .payload = u + 8, .payload_len = SMALL};
    const uint16_t ul = AXN_UDP_HDR_LEN + SMALL;
    assert_int_equal(
        axn_udp_emit(&d, u, ul, axn_csum_pseudo_v4(FOREIGN, A_ADDR, AXN_UDP_PROTO, ul), 0), ul);
    struct axn_ipv4 h = {.ttl = TTL_VAL,
                         .protocol = AXN_UDP_PROTO,
                         .src = FOREIGN,
                         .dst = A_ADDR,
                         .payload = u,
                         .payload_len = ul};
    struct axn_ip4_rx r = {.hdr = &h, .pkt = pkt, .len = sizeof(pkt), .ifindex = ETH0};
    struct axn_udp_layer *l = axn_sock_proto_state(sim_solo.sim.st[0], &axn_udp_proto);
    u[AXN_UDP_CSUM_OFFSET] ^= 1;
    axn_udp_input(l, &r, sim_solo.sim.now);
    u[AXN_UDP_CSUM_OFFSET] = 0;
    u[AXN_UDP_CSUM_OFFSET + 1] = 0;
    axn_udp_input(l, &r, sim_solo.sim.now);
    const struct axn_snmp_udp st = udp_stats();
    assert_int_equal(st.in_csum_errors, 1);
    assert_int_equal(st.in_errors, 1);
    uint8_t got[SMALL];
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), SMALL);
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
}

/* UDP-11: a zero-length datagram is legal: it is queued, polls readable,
 * FIONREAD says 0 and recv returns 0. */
static void udp11_zero_length_datagram_crosses(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t got[SMALL];
    assert_int_equal(sendto4(tx, got, 0, 0, LOCALHOST, PORT_A), 0);
    sim_solo_settle();
    assert_true(axn_socket_poll(rx) & AXN_POLLIN);
    int n = -1;
    assert_int_equal(axn_ioctl(rx, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), 0);
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), -AXN_EAGAIN);
}

/* ip(7) IP_RECVERR: an unconnected socket hears port unreachable too. */
static void udp_recverr_reports_errors_to_unconnected_socket(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_RECVERR, 1), 0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(s, b, sizeof(b), 0, LOCALHOST, CLOSED), SMALL);
    sim_solo_settle();
    assert_true(axn_socket_poll(s) & AXN_POLLERR);
    int err = 0;
    axn_socklen_t el = sizeof(err);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &el), 0);
    assert_int_equal(err, AXN_ECONNREFUSED);
    assert_int_equal(recv_nb(s, b, sizeof(b), 0), -AXN_EAGAIN);
}

/* ip(7) IP_FREEBIND: binding a foreign address is allowed. */
static void udp2_freebind_allows_foreign_address(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_FREEBIND, 1), 0);
    assert_int_equal(sim_bind4(s, FOREIGN, PORT_A), 0);
    int rc;
    const struct axn_sockaddr_in sa = sim_name4(s, false, &rc);
    assert_int_equal(sim_host32(sa.sin_addr.s_addr), FOREIGN);
}

/* An ICMP error about our datagram from A_ADDR:port to OTHER_ADDR:PORT_A. */
static void inject_icmp(struct axn_socket *s, uint8_t type, uint8_t code, uint32_t info)
{
    int rc;
    const struct axn_sockaddr_in me = sim_name4(s, false, &rc);
    uint8_t l4[AXN_UDP_HDR_LEN] = {0};
    memcpy(l4, &me.sin_port, sizeof(me.sin_port));
    const uint16_t peer = sim_net16(PORT_A);
    memcpy(l4 + 2, &peer, sizeof(peer));
    const struct axn_icmp4_err e = {.type = type,
                                    .code = code,
                                    .info = info,
                                    .reporter = OTHER_ADDR,
                                    .ifindex = ETH0,
                                    .orig_src = A_ADDR,
                                    .orig_dst = OTHER_ADDR,
                                    .orig_protocol = AXN_UDP_PROTO,
                                    .orig_l4 = l4,
                                    .orig_l4_len = sizeof(l4)};
    axn_udp_err(axn_sock_proto_state(sim_solo.sim.st[0], &axn_udp_proto), &e, sim_solo.sim.now);
}

static int so_error(struct axn_socket *s)
{
    int err = -1;
    axn_socklen_t el = sizeof(err);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &el), 0);
    return err;
}

/* Linux __udp4_lib_err: host/net unreachable and time exceeded are soft
 * (only IP_RECVERR hears them: EHOSTUNREACH, ENETUNREACH); fragmentation
 * needed records the path MTU (IP_MTU) and is EMSGSIZE; errors about
 * another peer than the connected one find no socket. */
static void udp_icmp_errors_map_as_linux(void **state)
{
    (void)state;
    enum { PMTU = 1400 };
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_connect4(s, OTHER_ADDR, PORT_A), 0);
    inject_icmp(s, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_HOST, 0);
    inject_icmp(s, AXN_ICMP4_TIME_EXCEEDED, 0, 0);
    assert_int_equal(so_error(s), 0);
    inject_icmp(s, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_FRAG_NEEDED, PMTU);
    assert_int_equal(so_error(s), AXN_EMSGSIZE);
    int mtu = 0;
    axn_socklen_t ml = sizeof(mtu);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_IP, AXN_IP_MTU, &mtu, &ml), 0);
    assert_int_equal(mtu, PMTU);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_RECVERR, 1), 0);
    inject_icmp(s, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_HOST, 0);
    assert_int_equal(so_error(s), AXN_EHOSTUNREACH);
    inject_icmp(s, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_NET, 0);
    assert_int_equal(so_error(s), AXN_ENETUNREACH);
    inject_icmp(s, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, 0);
    uint8_t b[SMALL];
    assert_int_equal(axn_send(s, b, sizeof(b), 0), -AXN_ECONNREFUSED);
}

/* ---- Items named by the spec (SOCK-*, UDP-16/26) ------------------------------------------- */

/* Linux's values (include/linux/socket.h, in.h, socket.h), spelled out so
 * the test fails if axnet's constants ever drift from the ABI. */
#define LINUX_AF_INET       2
#define LINUX_AF_INET6      10
#define LINUX_SOCK_DGRAM    2
#define LINUX_IPPROTO_UDP   17
#define LINUX_MSG_OOB       0x1
#define LINUX_MSG_PEEK      0x2
#define LINUX_MSG_DONTROUTE 0x4
#define LINUX_MSG_TRUNC     0x20
#define LINUX_MSG_DONTWAIT  0x40
#define LINUX_MSG_EOR       0x80
#define LINUX_MSG_CONFIRM   0x800
#define LINUX_MSG_NOSIGNAL  0x4000
#define LINUX_MSG_MORE      0x8000
#define DEFAULT_TTL         64 /* net.ipv4.ip_default_ttl */
#define TTL_MAX             255
#define TX_OVERFLOW         5u /* sends past a full device TX queue */

/* SOCK-1, SOCK-4: a real UDP socket is (SOCK_DGRAM, IPPROTO_UDP, AF_INET)
 * = (2, 17, 2), read-only as on Linux (ENOPROTOOPT). SOCK-2: an address
 * of another family is EAFNOSUPPORT for bind, connect and sendto. */
static void sock1_2_4_udp_identity_and_wrong_family(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_TYPE), LINUX_SOCK_DGRAM);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL), LINUX_IPPROTO_UDP);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_DOMAIN), LINUX_AF_INET);
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_TYPE, LINUX_SOCK_DGRAM),
                     -AXN_ENOPROTOOPT);
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_DOMAIN, LINUX_AF_INET),
                     -AXN_ENOPROTOOPT);
    struct axn_sockaddr_in bad = sim_sin4(LOCALHOST, PORT_A);
    bad.sin_family = LINUX_AF_INET6;
    const struct axn_sockaddr *b = (const struct axn_sockaddr *)&bad;
    uint8_t buf[SMALL] = {0};
    assert_int_equal(axn_bind(s, b, sizeof(bad)), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_connect(s, b, sizeof(bad)), -AXN_EAFNOSUPPORT);
    assert_int_equal(axn_sendto(s, buf, sizeof(buf), AXN_MSG_DONTWAIT, b, sizeof(bad)),
                     -AXN_EAFNOSUPPORT);
    int rc;
    (void)sim_name4(s, true, &rc);
    assert_int_equal(rc, -AXN_ENOTCONN);
}

/* SOCK-5: UDP has no listen/accept (Linux inet_dgram_ops: EOPNOTSUPP);
 * FIONREAD is the next datagram's size. */
static void sock5_udp_listen_accept_eopnotsupp_fionread(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx, *child = NULL;
    pair(&rx, &tx);
    assert_int_equal(axn_listen(rx, 1), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_accept(rx, NULL, NULL, 0, &child), -AXN_EOPNOTSUPP);
    assert_null(child);
    uint8_t b[PIECE] = {0};
    assert_int_equal(sendto4(tx, b, PIECE, 0, LOCALHOST, PORT_A), PIECE);
    assert_int_equal(sendto4(tx, b, SMALL, 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    int n = -1;
    assert_int_equal(axn_ioctl(rx, AXN_FIONREAD, &n), 0);
    assert_int_equal(n, PIECE);
}

/* SOCK-7, SOCK-8: flag values are Linux's; DONTROUTE, EOR, CONFIRM and
 * NOSIGNAL are accepted and ignored by a UDP send (the datagram leaves as
 * one), MSG_OOB is refused (EOPNOTSUPP). */
static void sock7_msg_flags_are_linux_values_and_ignored_ones_send(void **state)
{
    (void)state;
    assert_int_equal(AXN_MSG_OOB, LINUX_MSG_OOB);
    assert_int_equal(AXN_MSG_PEEK, LINUX_MSG_PEEK);
    assert_int_equal(AXN_MSG_DONTROUTE, LINUX_MSG_DONTROUTE);
    assert_int_equal(AXN_MSG_TRUNC, LINUX_MSG_TRUNC);
    assert_int_equal(AXN_MSG_DONTWAIT, LINUX_MSG_DONTWAIT);
    assert_int_equal(AXN_MSG_EOR, LINUX_MSG_EOR);
    assert_int_equal(AXN_MSG_CONFIRM, LINUX_MSG_CONFIRM);
    assert_int_equal(AXN_MSG_NOSIGNAL, LINUX_MSG_NOSIGNAL);
    assert_int_equal(AXN_MSG_MORE, LINUX_MSG_MORE);
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    uint8_t b[SMALL], got[SMALL + 1];
    memset(b, 'f', sizeof(b));
    const int ignored = AXN_MSG_DONTROUTE | AXN_MSG_EOR | AXN_MSG_CONFIRM | AXN_MSG_NOSIGNAL;
    assert_int_equal(sendto4(tx, b, sizeof(b), ignored, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(recv_nb(rx, got, sizeof(got), 0), SMALL);
    assert_memory_equal(got, b, SMALL);
    /* Linux udp_recvmsg never looks at MSG_OOB: an empty queue is EAGAIN. */
    assert_int_equal(recv_nb(rx, got, sizeof(got), AXN_MSG_OOB), -AXN_EAGAIN);
    assert_int_equal(udp_stats().out_datagrams, 1);
}

/* SOCK-16 (adapted, sock_block.c): a UDP send asks the stack for a poll
 * round so what it queued moves. SOCK-17 (adapted): readiness is pushed by
 * the core's events, so poll() and a recv that finds nothing are pure
 * reads that request no poll (an epoll loop cannot spin the core). */
static void sock16_17_udp_calls_request_a_stack_poll(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    sim_solo_settle();
    assert_false(axn_stack_poll_pending(sim_solo.sim.st[0]));
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    assert_true(axn_stack_poll_pending(sim_solo.sim.st[0]));
    sim_solo_settle();
    assert_false(axn_stack_poll_pending(sim_solo.sim.st[0]));
    assert_true(axn_socket_poll(rx) & AXN_POLLIN);
    assert_false(axn_stack_poll_pending(sim_solo.sim.st[0]));
    assert_int_equal(recv_nb(tx, b, sizeof(b), 0), -AXN_EAGAIN);
    assert_false(axn_stack_poll_pending(sim_solo.sim.st[0]));
}

/* SOCK-18, SOCK-20: a waker registered for POLLIN on a real UDP socket
 * runs once when a datagram arrives, reporting POLLIN; the registration
 * returns the mask of that moment (POLLOUT only: UDP-24). */
static void sock18_20_udp_waker_runs_on_arrival(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    pair(&rx, &tx);
    struct sim_wake_log log = {0};
    struct axn_waker w = {.wake = sim_log_wake, .ctx = &log, .interest = AXN_POLLIN};
    assert_int_equal(axn_socket_add_waker(rx, &w), AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND);
    sim_solo_settle();
    assert_int_equal(log.calls, 0);
    uint8_t b[SMALL] = {0};
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(log.calls, 1);
    assert_true(log.events & AXN_POLLIN);
    axn_socket_remove_waker(rx, &w);
    assert_int_equal(sendto4(tx, b, sizeof(b), 0, LOCALHOST, PORT_A), SMALL);
    sim_solo_settle();
    assert_int_equal(log.calls, 1);
}

/* UDP-16 [fix]: a full device TX queue (the device is never serviced:
 * nothing polls the stack) refuses the datagram with ENOBUFS from below;
 * as Linux's udp_send_skb it is counted in SndbufErrors and send still
 * reports success, unless IP_RECVERR asks for the error. */
static void udp16_full_device_queue_counts_sndbuf_errors(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_bind4(s, 0, PORT_A), 0);
    uint8_t b[SMALL] = {0};
    size_t sent = 0;
    for (; sent < AXN_DEVICE_TX_QUEUE_LEN + TX_OVERFLOW; sent++)
        assert_int_equal(sendto4(s, b, sizeof(b), AXN_MSG_DONTWAIT, OTHER_ADDR, PORT_B), SMALL);
    struct axn_snmp_udp u = udp_stats();
    assert_int_equal(u.sndbuf_errors, TX_OVERFLOW);
    assert_int_equal(u.out_datagrams, AXN_DEVICE_TX_QUEUE_LEN);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_RECVERR, 1), 0);
    assert_int_equal(sendto4(s, b, sizeof(b), AXN_MSG_DONTWAIT, OTHER_ADDR, PORT_B), -AXN_ENOBUFS);
    u = udp_stats();
    assert_int_equal(u.sndbuf_errors, TX_OVERFLOW + 1);
    assert_int_equal(u.out_datagrams, AXN_DEVICE_TX_QUEUE_LEN);
}

/* UDP-26 [fix]: IP_TTL reads 64 by default, takes 1..255, refuses 0 and
 * 256 (EINVAL), and -1 restores the default (Linux do_ip_setsockopt);
 * SO_SNDBUF/SO_RCVBUF read Linux's defaults, not a fixed 65536. */
static void udp26_ttl_range_and_buffer_defaults(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), DEFAULT_TTL);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_TTL, 0), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_TTL, TTL_MAX + 1), -AXN_EINVAL);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_TTL, TTL_MAX), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), TTL_MAX);
    assert_int_equal(sim_set_int(s, AXN_SOL_IP, AXN_IP_TTL, -1), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), DEFAULT_TTL);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_SNDBUF), AXN_SOCK_SNDBUF_DEFAULT);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), AXN_SOCK_RCVBUF_DEFAULT);
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCVBUF_SET), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), 2 * RCVBUF_SET);
}

/* UDP-24, SOCK-20: Linux's udp_poll is datagram_poll, whose writable mask
 * is POLLOUT|POLLWRNORM|POLLWRBAND, so an epoll user waiting for
 * EPOLLWRBAND on a UDP socket wakes. */
static void udp24_writable_includes_pollwrband_as_linux(void **state)
{
    (void)state;
    struct axn_socket *s = mk(0);
    assert_int_equal(sim_bind4(s, 0, PORT_A), 0);
    assert_int_equal(axn_socket_poll(s), AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND);
}

#define SOCK_TEST(f) cmocka_unit_test_setup_teardown(f, sim_solo_setup, sim_solo_teardown)
#define SOCK_TESTS                                                                                 \
    SOCK_TEST(udp2_bind_twice_is_einval),                                                          \
        SOCK_TEST(udp_from_an_eth_address_to_localhost_goes_through_lo),                           \
        SOCK_TEST(udp2_bind_to_foreign_address_is_eaddrnotavail),                                  \
        SOCK_TEST(udp23_getsockname_of_unbound_socket_is_any_zero),                                \
        SOCK_TEST(udp9_oob_is_eopnotsupp_and_send_autobinds),                                      \
        SOCK_TEST(udp10_send_without_destination_is_edestaddrreq),                                 \
        SOCK_TEST(udp14_oversized_is_emsgsize_largest_arrives),                                    \
        SOCK_TEST(udp15_broadcast_without_so_broadcast_is_eacces),                                 \
        SOCK_TEST(udp12_msg_more_corks_into_one_datagram),                                         \
        SOCK_TEST(udp12_udp_cork_flushes_when_turned_off),                                         \
        SOCK_TEST(udp20_trunc_and_peek_as_linux),                                                  \
        SOCK_TEST(udp18_connected_socket_sees_only_its_peer),                                      \
        SOCK_TEST(udp22_pktinfo_ttl_tos_cmsgs), SOCK_TEST(udp25_shutdown_as_linux),                \
        SOCK_TEST(udp24_poll_in_when_queued_out_always),                                           \
        SOCK_TEST(udp7_connect_and_af_unspec_disconnect),                                          \
        SOCK_TEST(udp8_connected_socket_may_sendto_another_address),                               \
        SOCK_TEST(udp_port_unreachable_is_econnrefused_when_connected),                            \
        SOCK_TEST(udp1_rcvbuf_overflow_is_counted),                                                \
        SOCK_TEST(udp27_datagram_sent_before_close_arrives),                                       \
        SOCK_TEST(udp_bindtodevice_filters_by_ingress),                                            \
        SOCK_TEST(udp_input_checksum_bad_counted_zero_accepted),                                   \
        SOCK_TEST(udp11_zero_length_datagram_crosses),                                             \
        SOCK_TEST(udp_recverr_reports_errors_to_unconnected_socket),                               \
        SOCK_TEST(udp2_freebind_allows_foreign_address), SOCK_TEST(udp_icmp_errors_map_as_linux),  \
        SOCK_TEST(sock1_2_4_udp_identity_and_wrong_family),                                        \
        SOCK_TEST(sock5_udp_listen_accept_eopnotsupp_fionread),                                    \
        SOCK_TEST(sock7_msg_flags_are_linux_values_and_ignored_ones_send),                         \
        SOCK_TEST(sock16_17_udp_calls_request_a_stack_poll),                                       \
        SOCK_TEST(sock18_20_udp_waker_runs_on_arrival),                                            \
        SOCK_TEST(udp16_full_device_queue_counts_sndbuf_errors),                                   \
        SOCK_TEST(udp26_ttl_range_and_buffer_defaults),                                            \
        SOCK_TEST(udp24_writable_includes_pollwrband_as_linux)

int main(void)
{
    const struct CMUnitTest tests[] = {
        PURE_TESTS,
        SOCK_TESTS,
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
