/*
 * Raw IPv4 sockets (src/ip/raw.h; spec §9 RAW-*, raw(7)) on two whole
 * stacks on the simulated wire, caller-polled in virtual time. A is the
 * stack under test; B sends real datagrams to it over the wire (its own
 * raw socket), and the tests inject datagrams from other sources straight
 * into A's IP layer. Checked exactly: the IP header comes with every
 * delivery (RAW-8), protocol matching, bound-address / connected-peer /
 * device filtering with the RAW-10 fix (non-peer datagrams are dropped,
 * the socket never wedges), ICMP_FILTER, IP_HDRINCL header filling byte
 * for byte, TTL/TOS on built headers, the Linux errno of each refusal, the
 * SO_RCVBUF bound, and that a raw socket stops protocol unreachables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "ip/raw_queue.h"
#include "lib/byteorder.h"
#include "sock/sock.h"
#include "sim_pair.h"
#include "test_platform.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define A_ADDR    SIM_PAIR_A_ADDR
#define B_ADDR    SIM_PAIR_B_ADDR
#define C_ADDR    AXN_IP4(192, 0, 2, 30) /* a third host: injected */
#define NOT_LOCAL AXN_IP4(192, 0, 2, 99)
#define SUBNET_BC AXN_IP4(192, 0, 2, 255)
#define LOOPBACK  AXN_IP4(127, 0, 0, 1)
#define ETH_IF    AXN_IFINDEX_FIRST_ETH

#define PROTO_X     200 /* no handler in the stack: protocol unreachable */
#define PROTO_Y     201
#define PROTO_UDP   17
#define PAYLOAD     24u
#define BUF_MAX     2048u
#define FILL        0x5a
#define SMALL_BUF   8u
#define USER_TTL    7
#define USER_TOS    0x28
#define HDR_TOS     0x10
#define HDR_TTL     33
#define USER_ID     0x4242u
#define JUNK_LEN    0x1234u
#define JUNK_CSUM   0xdeadu
#define TYPE_BIG    40 /* an ICMP type a filter cannot name */
#define SMALL_RCV   2048
#define FLOOD       16u
#define FLOOD_LEN   1000u
#define TOO_BIG     1600u /* over the Ethernet MTU */
#define VER_IHL     0x45
#define SHORT_HDR   19u
#define IHL_TOO_BIG 0x4f /* 60-byte header in a 24-byte datagram */

/* IPv4 header offsets (RFC 791 3.1). */
#define OFF_TOS   1
#define OFF_LEN   2
#define OFF_ID    4
#define OFF_TTL   8
#define OFF_PROTO 9
#define OFF_CSUM  10
#define OFF_SRC   12
#define OFF_DST   16

/* ---- The world: tests/support/sim_pair.h ------------------------------------------------- */

#define A (sim_pair.st[0])
#define B (sim_pair.st[1])

/* ---- Helpers --------------------------------------------------------------------------------- */

static struct axn_socket *raw_socket(struct axn_stack *st, int proto)
{
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(st, AXN_AF_INET, AXN_SOCK_RAW, proto, &s), 0);
    return s;
}

static int do_bind(struct axn_socket *s, axn_ip4_t a)
{
    const struct axn_sockaddr_in sin = sim_sin4(a, 0);
    return axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin));
}

static int do_connect(struct axn_socket *s, axn_ip4_t a)
{
    const struct axn_sockaddr_in sin = sim_sin4(a, 0);
    return axn_connect(s, (const struct axn_sockaddr *)&sin, sizeof(sin));
}

static void inject_simple(axn_ip4_t src, uint8_t proto, uint8_t seed)
{
    uint8_t p[PAYLOAD];
    sim_pair_fill(p, sizeof(p), seed);
    sim_pair_inject(src, A_ADDR, proto, p, sizeof(p));
}

/* An ICMP message of `type` (code 0, 4 zero bytes, PAYLOAD of data). */
static void inject_icmp(axn_ip4_t src, uint8_t type)
{
    uint8_t m[AXN_ICMP4_HDR_LEN + PAYLOAD];
    memset(m, 0, sizeof(m));
    m[0] = type;
    sim_pair_fill(m + AXN_ICMP4_HDR_LEN, PAYLOAD, type);
    axn_put_be16(m + 2, axn_csum(m, sizeof(m)));
    sim_pair_inject(src, A_ADDR, AXN_IPPROTO_ICMP, m, sizeof(m));
}

static void assert_empty(struct axn_socket *s)
{
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), -AXN_EAGAIN);
    assert_int_equal(axn_socket_poll(s) & AXN_POLLIN, 0);
}

/* Receives one datagram from `src` of protocol `proto` with a PAYLOAD
 * payload made by sim_pair_fill(seed): header included (RAW-8). */
static void assert_got(struct axn_socket *s, axn_ip4_t src, axn_ip4_t dst, uint8_t proto,
                       uint8_t seed)
{
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(buf[0], VER_IHL);
    assert_int_equal(axn_get_be16(buf + OFF_LEN), AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(buf[OFF_PROTO], proto);
    assert_int_equal(axn_get_be32(buf + OFF_SRC), src);
    assert_int_equal(axn_get_be32(buf + OFF_DST), dst);
    assert_int_equal(axn_csum(buf, AXN_IPV4_HDR_MIN), 0);
    uint8_t want[PAYLOAD];
    sim_pair_fill(want, sizeof(want), seed);
    assert_memory_equal(buf + AXN_IPV4_HDR_MIN, want, PAYLOAD);
    assert_int_equal(from.sin_family, AXN_AF_INET);
    assert_int_equal(from.sin_port, 0);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), src);
}

/* ---- Creation ----------------------------------------------------------------------------------
 */

/* Linux inet_create: SOCK_RAW with protocol 0 matches no entry. */
static void raw_protocol_zero_is_eprotonosupport(void **state)
{
    (void)state;
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(A, AXN_AF_INET, AXN_SOCK_RAW, 0, &s), -AXN_EPROTONOSUPPORT);
    assert_null(s);
    s = raw_socket(A, AXN_IPPROTO_RAW);
    int v = 0;
    axn_socklen_t len = sizeof(v);
    /* IPPROTO_RAW implies IP_HDRINCL (raw(7)). */
    assert_int_equal(axn_getsockopt(s, AXN_SOL_IP, AXN_IP_HDRINCL, &v, &len), 0);
    assert_int_equal(v, 1);
    assert_int_equal(len, sizeof(int));
    assert_int_equal(axn_close(s), 0);
}

/* ---- Delivery (RAW-8, RAW-17) ------------------------------------------------------------------
 */

/* RAW-8, SOCK-9: delivery includes the IP header; the source out-param
 * is (source IP, port 0). */
static void raw_8_delivery_includes_ip_header(void **state)
{
    (void)state;
    struct axn_socket *rx = raw_socket(A, PROTO_X);
    struct axn_socket *other = raw_socket(A, PROTO_Y);
    struct axn_socket *tx = raw_socket(B, PROTO_X);
    uint8_t p[PAYLOAD];
    sim_pair_fill(p, sizeof(p), 1);
    assert_int_equal(sim_pair_send_to(tx, p, sizeof(p), A_ADDR), PAYLOAD);
    sim_pair_settle();
    assert_true(axn_socket_poll(rx) & AXN_POLLIN);
    int avail = 0;
    assert_int_equal(axn_ioctl(rx, AXN_FIONREAD, &avail), 0);
    assert_int_equal(avail, AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_got(rx, B_ADDR, A_ADDR, PROTO_X, 1);
    assert_empty(rx);
    assert_empty(other); /* another protocol's socket sees nothing */
    axn_close(rx);
    axn_close(other);
    axn_close(tx);
}

/* RAW-17 / issue: an ICMP raw socket sees the echo request, and the stack
 * itself still answers it (no emulation). */
static void raw_17_icmp_sees_echo_stack_answers(void **state)
{
    (void)state;
    struct axn_socket *a_icmp = raw_socket(A, AXN_IPPROTO_ICMP);
    struct axn_socket *b_icmp = raw_socket(B, AXN_IPPROTO_ICMP);
    uint8_t m[AXN_ICMP4_HDR_LEN + PAYLOAD];
    memset(m, 0, sizeof(m));
    m[0] = AXN_ICMP4_ECHO_REQUEST;
    axn_put_be16(m + OFF_ID, USER_ID);
    sim_pair_fill(m + AXN_ICMP4_HDR_LEN, PAYLOAD, 3);
    axn_put_be16(m + 2, axn_csum(m, sizeof(m)));
    assert_int_equal(sim_pair_send_to(b_icmp, m, sizeof(m), A_ADDR), sizeof(m));
    sim_pair_settle();
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    /* A's raw socket: the request, header included. */
    assert_int_equal(sim_pair_recv_from(a_icmp, buf, sizeof(buf), 0, &from),
                     AXN_IPV4_HDR_MIN + sizeof(m));
    assert_int_equal(buf[AXN_IPV4_HDR_MIN], AXN_ICMP4_ECHO_REQUEST);
    assert_memory_equal(buf + AXN_IPV4_HDR_MIN, m, sizeof(m));
    /* B's raw socket: A's stack's reply. */
    assert_int_equal(sim_pair_recv_from(b_icmp, buf, sizeof(buf), 0, &from),
                     AXN_IPV4_HDR_MIN + sizeof(m));
    assert_int_equal(sim_host32(from.sin_addr.s_addr), A_ADDR);
    assert_int_equal(buf[AXN_IPV4_HDR_MIN], AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(axn_get_be16(buf + AXN_IPV4_HDR_MIN + OFF_ID), USER_ID);
    assert_memory_equal(buf + AXN_IPV4_HDR_MIN + AXN_ICMP4_HDR_LEN, m + AXN_ICMP4_HDR_LEN, PAYLOAD);
    assert_int_equal(A->ip4->icmp.out_echo_reps, 1);
    axn_close(a_icmp);
    axn_close(b_icmp);
}

/* Linux raw_local_deliver: a datagram a raw socket took earns no
 * protocol unreachable (RFC 1122 3.2.2.1 is for no receiver at all). */
static void raw_socket_stops_protocol_unreachable(void **state)
{
    (void)state;
    inject_simple(B_ADDR, PROTO_X, 1);
    assert_int_equal(A->ip4->stats.in_unknown_protos, 1);
    assert_int_equal(A->ip4->icmp.out_dest_unreachs, 1);
    const uint64_t delivers = A->ip4->stats.in_delivers;

    struct axn_socket *s = raw_socket(A, PROTO_X);
    inject_simple(B_ADDR, PROTO_X, 2);
    assert_int_equal(A->ip4->stats.in_unknown_protos, 1);
    assert_int_equal(A->ip4->icmp.out_dest_unreachs, 1);
    assert_int_equal(A->ip4->stats.in_delivers, delivers + 1);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 2);
    /* A socket connected elsewhere does not match: unreachable again. */
    assert_int_equal(do_connect(s, C_ADDR), 0);
    inject_simple(B_ADDR, PROTO_X, 3);
    assert_int_equal(A->ip4->icmp.out_dest_unreachs, 2);
    axn_close(s);
}

/* ---- Filtering (raw_v4_match, RAW-10) ----------------------------------------------------------
 */

static void raw_3_bind_filters_local_address(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    assert_int_equal(do_bind(s, NOT_LOCAL), -AXN_EADDRNOTAVAIL);
    assert_int_equal(do_bind(s, SUBNET_BC), 0); /* broadcast: receive-only */
    assert_int_equal(do_bind(s, LOOPBACK), 0);
    inject_simple(B_ADDR, PROTO_X, 1);
    assert_empty(s);
    assert_int_equal(do_bind(s, A_ADDR), 0);
    inject_simple(B_ADDR, PROTO_X, 2);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 2);
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getsockname(s, (struct axn_sockaddr *)&sin, &len), 0);
    assert_int_equal(sim_host32(sin.sin_addr.s_addr), A_ADDR);
    /* Linux inet_getname: a raw socket's port is its protocol. */
    assert_int_equal(sim_host16(sin.sin_port), PROTO_X);
    axn_close(s);
}

/* RAW-10 [BUG] fixed: a connected raw socket drops datagrams from others
 * and keeps receiving its peer's; poll never reports a datagram it cannot
 * read. */
static void raw_10_connected_drops_non_peer_no_wedge(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    assert_int_equal(do_connect(s, B_ADDR), 0);
    inject_simple(C_ADDR, PROTO_X, 1);
    assert_empty(s);
    inject_simple(B_ADDR, PROTO_X, 2);
    inject_simple(C_ADDR, PROTO_X, 3);
    inject_simple(B_ADDR, PROTO_X, 4);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 2);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 4);
    assert_empty(s);
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getpeername(s, (struct axn_sockaddr *)&sin, &len), 0);
    assert_int_equal(sim_host32(sin.sin_addr.s_addr), B_ADDR);
    /* connect(AF_UNSPEC) dissolves it: everyone's again. */
    struct axn_sockaddr_in un;
    memset(&un, 0, sizeof(un));
    un.sin_family = AXN_AF_UNSPEC;
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&un, sizeof(un)), 0);
    len = sizeof(sin);
    assert_int_equal(axn_getpeername(s, (struct axn_sockaddr *)&sin, &len), -AXN_ENOTCONN);
    inject_simple(C_ADDR, PROTO_X, 5);
    assert_got(s, C_ADDR, A_ADDR, PROTO_X, 5);
    axn_close(s);
}

static void raw_bindtodevice_filters_interface(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    const int lo = AXN_IFINDEX_LOOPBACK;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, &lo, sizeof(lo)), 0);
    inject_simple(B_ADDR, PROTO_X, 1); /* came in on eth */
    assert_empty(s);
    const int eth = ETH_IF;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_BINDTOIFINDEX, &eth, sizeof(eth)), 0);
    inject_simple(B_ADDR, PROTO_X, 2);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 2);
    axn_close(s);
}

/* ---- ICMP_FILTER (raw(7)) ----------------------------------------------------------------------
 */

static void raw_icmp_filter_drops_exactly_filtered_types(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, AXN_IPPROTO_ICMP);
    const struct axn_icmp_filter f = {.data = (1u << AXN_ICMP4_ECHO_REQUEST) |
                                              (1u << AXN_ICMP4_TIMESTAMP)};
    assert_int_equal(axn_setsockopt(s, AXN_SOL_RAW, AXN_ICMP_FILTER, &f, sizeof(f)), 0);
    struct axn_icmp_filter got = {0};
    axn_socklen_t len = sizeof(got) + SMALL_BUF; /* clamped to 4 */
    assert_int_equal(axn_getsockopt(s, AXN_SOL_RAW, AXN_ICMP_FILTER, &got, &len), 0);
    assert_int_equal(len, sizeof(got));
    assert_int_equal(got.data, f.data);

    inject_icmp(B_ADDR, AXN_ICMP4_ECHO_REQUEST);
    inject_icmp(B_ADDR, AXN_ICMP4_ECHO_REPLY);
    inject_icmp(B_ADDR, AXN_ICMP4_TIMESTAMP);
    inject_icmp(B_ADDR, TYPE_BIG);
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from),
                     AXN_IPV4_HDR_MIN + AXN_ICMP4_HDR_LEN + PAYLOAD);
    assert_int_equal(buf[AXN_IPV4_HDR_MIN], AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from),
                     AXN_IPV4_HDR_MIN + AXN_ICMP4_HDR_LEN + PAYLOAD);
    assert_int_equal(buf[AXN_IPV4_HDR_MIN], TYPE_BIG);
    assert_empty(s);
    /* The filtered echo request was still answered by the stack. */
    assert_int_equal(A->ip4->icmp.out_echo_reps, 1);
    axn_close(s);

    /* Only IPPROTO_ICMP sockets have the option (do_raw_setsockopt). */
    struct axn_socket *u = raw_socket(A, PROTO_UDP);
    assert_int_equal(axn_setsockopt(u, AXN_SOL_RAW, AXN_ICMP_FILTER, &f, sizeof(f)),
                     -AXN_EOPNOTSUPP);
    len = sizeof(got);
    assert_int_equal(axn_getsockopt(u, AXN_SOL_RAW, AXN_ICMP_FILTER, &got, &len), -AXN_EOPNOTSUPP);
    axn_close(u);
}

/* ---- Sending -----------------------------------------------------------------------------------
 */

/* raw(7) IP_HDRINCL: the stack always fills total length and checksum,
 * and the source and ID only when zero; everything else is the user's. */
static void raw_2_hdrincl_fills_header_exact_bytes(void **state)
{
    (void)state;
    struct axn_socket *tx = raw_socket(A, AXN_IPPROTO_RAW);
    struct axn_socket *rx = raw_socket(A, PROTO_X);
    uint8_t pkt[AXN_IPV4_HDR_MIN + PAYLOAD];
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = VER_IHL;
    pkt[OFF_TOS] = HDR_TOS;
    axn_put_be16(pkt + OFF_LEN, JUNK_LEN);
    pkt[OFF_TTL] = HDR_TTL;
    pkt[OFF_PROTO] = PROTO_X;
    axn_put_be16(pkt + OFF_CSUM, JUNK_CSUM);
    axn_put_be32(pkt + OFF_DST, LOOPBACK);
    sim_pair_fill(pkt + AXN_IPV4_HDR_MIN, PAYLOAD, 9);
    assert_int_equal(sim_pair_send_to(tx, pkt, sizeof(pkt), LOOPBACK), sizeof(pkt));
    sim_pair_settle();
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(rx, buf, sizeof(buf), 0, &from), sizeof(pkt));
    /* Filled: total length, source (the route's: 127.0.0.1), an ID, the
     * checksum over the result. */
    uint8_t want[sizeof(pkt)];
    memcpy(want, pkt, sizeof(pkt));
    axn_put_be16(want + OFF_LEN, sizeof(pkt));
    axn_put_be32(want + OFF_SRC, LOOPBACK);
    const uint16_t id = axn_get_be16(buf + OFF_ID);
    assert_int_not_equal(id, 0);
    axn_put_be16(want + OFF_ID, id);
    axn_put_be16(want + OFF_CSUM, 0);
    axn_put_be16(want + OFF_CSUM, axn_csum(want, AXN_IPV4_HDR_MIN));
    assert_memory_equal(buf, want, sizeof(pkt));
    assert_int_equal(sim_host32(from.sin_addr.s_addr), LOOPBACK);

    /* A given ID and source stay. */
    axn_put_be16(pkt + OFF_ID, USER_ID);
    axn_put_be32(pkt + OFF_SRC, A_ADDR);
    assert_int_equal(sim_pair_send_to(tx, pkt, sizeof(pkt), LOOPBACK), sizeof(pkt));
    sim_pair_settle();
    assert_int_equal(sim_pair_recv_from(rx, buf, sizeof(buf), 0, &from), sizeof(pkt));
    assert_int_equal(axn_get_be16(buf + OFF_ID), USER_ID);
    assert_int_equal(axn_get_be32(buf + OFF_SRC), A_ADDR);
    assert_int_equal(axn_csum(buf, AXN_IPV4_HDR_MIN), 0);

    /* Shorter than a header, or an IHL past the end: -EINVAL
     * (raw_send_hdrinc); longer than the path MTU: -EMSGSIZE, no
     * fragmentation with IP_HDRINCL. */
    assert_int_equal(sim_pair_send_to(tx, pkt, SHORT_HDR, LOOPBACK), -AXN_EINVAL);
    pkt[0] = IHL_TOO_BIG;
    assert_int_equal(sim_pair_send_to(tx, pkt, sizeof(pkt), LOOPBACK), -AXN_EINVAL);
    static uint8_t big[TOO_BIG];
    memcpy(big, want, AXN_IPV4_HDR_MIN);
    assert_int_equal(sim_pair_send_to(tx, big, sizeof(big), B_ADDR), -AXN_EMSGSIZE);
    axn_close(tx);
    axn_close(rx);
}

/* Without IP_HDRINCL the header is built with the socket's IP_TTL and
 * IP_TOS; every matching raw socket, the sender's own included, gets it. */
static void raw_6_send_builds_header_with_ttl_tos(void **state)
{
    (void)state;
    struct axn_socket *tx = raw_socket(A, PROTO_X);
    const int ttl = USER_TTL, tos = USER_TOS;
    assert_int_equal(axn_setsockopt(tx, AXN_SOL_IP, AXN_IP_TTL, &ttl, sizeof(ttl)), 0);
    assert_int_equal(axn_setsockopt(tx, AXN_SOL_IP, AXN_IP_TOS, &tos, sizeof(tos)), 0);
    uint8_t p[PAYLOAD];
    sim_pair_fill(p, sizeof(p), 4);
    assert_int_equal(sim_pair_send_to(tx, p, sizeof(p), LOOPBACK), PAYLOAD);
    sim_pair_settle();
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(tx, buf, sizeof(buf), AXN_MSG_PEEK, &from),
                     AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(buf[OFF_TTL], USER_TTL);
    assert_int_equal(buf[OFF_TOS], USER_TOS);
    assert_got(tx, LOOPBACK, LOOPBACK, PROTO_X, 4);
    axn_close(tx);
}

/* RAW-5, SOCK-8 (MSG_OOB is EOPNOTSUPP for raw): Linux's errno for each
 * refusal. */
static void raw_5_refusals_linux_errno(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    uint8_t p[PAYLOAD] = {0};
    /* raw_sendmsg: no address on an unconnected socket. */
    assert_int_equal(axn_send(s, p, sizeof(p), AXN_MSG_DONTWAIT), -AXN_EDESTADDRREQ);
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, 0);
    assert_int_equal(axn_sendto(s, p, sizeof(p), AXN_MSG_OOB | AXN_MSG_DONTWAIT,
                                (const struct axn_sockaddr *)&to, sizeof(to)),
                     -AXN_EOPNOTSUPP);
    uint8_t buf[BUF_MAX];
    assert_int_equal(axn_recv(s, buf, sizeof(buf), AXN_MSG_OOB | AXN_MSG_DONTWAIT),
                     -AXN_EOPNOTSUPP);
    /* Broadcast needs SO_BROADCAST (Linux: EACCES). */
    assert_int_equal(sim_pair_send_to(s, p, sizeof(p), SUBNET_BC), -AXN_EACCES);
    assert_int_equal(do_connect(s, SUBNET_BC), -AXN_EACCES);
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getpeername(s, (struct axn_sockaddr *)&sin, &len), -AXN_ENOTCONN);
    /* Connected: send needs no address. */
    assert_int_equal(do_connect(s, B_ADDR), 0);
    assert_int_equal(axn_send(s, p, sizeof(p), AXN_MSG_DONTWAIT), PAYLOAD);
    /* A bound connected socket refuses a new bind (raw_bind). */
    assert_int_equal(do_bind(s, A_ADDR), -AXN_EINVAL);
    axn_close(s);
}

/* RAW-9, SOCK-8, SOCK-9: MSG_PEEK and MSG_TRUNC on a raw socket. */
static void raw_9_trunc_and_peek(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    inject_simple(B_ADDR, PROTO_X, 6);
    uint8_t buf[SMALL_BUF];
    struct axn_sockaddr_in from;
    /* MSG_PEEK leaves it; MSG_TRUNC returns the whole length (raw(7)). */
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), AXN_MSG_PEEK, &from), SMALL_BUF);
    assert_int_equal(buf[0], VER_IHL);
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), AXN_MSG_PEEK | AXN_MSG_TRUNC, &from),
                     AXN_IPV4_HDR_MIN + PAYLOAD);
    struct axn_iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct axn_msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(axn_recvmsg(s, &msg, AXN_MSG_DONTWAIT), SMALL_BUF);
    assert_true(msg.msg_flags & AXN_MSG_TRUNC);
    assert_empty(s);
    axn_close(s);
}

/* The queue holds what SO_RCVBUF allows (sock_queue_rcv_skb: refused
 * once the queue holds rcvbuf bytes), each datagram counted with its
 * record; the rest is dropped, not queued without bound. */
static void raw_rcvbuf_bounds_queue(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    const int small = SMALL_RCV;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, &small, sizeof(small)), 0);
    int rcvbuf = 0;
    axn_socklen_t len = sizeof(rcvbuf);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF, &rcvbuf, &len), 0);
    assert_empty(s); /* lets the ring follow the new size */
    uint8_t p[FLOOD_LEN];
    for (size_t i = 0; i < FLOOD; i++) {
        sim_pair_fill(p, sizeof(p), (uint8_t)i);
        sim_pair_inject(B_ADDR, A_ADDR, PROTO_X, p, sizeof(p));
    }
    const size_t rec = sizeof(struct axn_raw_meta) + AXN_IPV4_HDR_MIN + FLOOD_LEN;
    const size_t admitted = ((size_t)rcvbuf + rec - 1) / rec;
    assert_true(admitted < FLOOD);
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    for (size_t i = 0; i < admitted; i++) {
        assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from),
                         AXN_IPV4_HDR_MIN + FLOOD_LEN);
        assert_int_equal(buf[AXN_IPV4_HDR_MIN], (uint8_t)i);
    }
    assert_empty(s);
    axn_close(s);
}

/* ---- Identity, names, connect (SOCK-4, RAW-1, RAW-4, RAW-12) -----------------------------------
 */

/* Linux's values, spelled out so a drift from the ABI fails here. */
#define LINUX_AF_INET   2
#define LINUX_SOCK_RAW  3
#define DEFAULT_TTL     64                       /* net.ipv4.ip_default_ttl */
#define FOREIGN_NET     AXN_IP4(198, 51, 100, 1) /* no route from A */
#define IP_TOTAL_MAX    0xffffu                  /* IPv4 total length field */
#define RAW_PAYLOAD_MAX (IP_TOTAL_MAX - AXN_IPV4_HDR_MIN)
#define ECHO_SEQ        1u
#define ECHO_ID         0x7070u
#define OFF_ICMP_SEQ    6 /* ICMP echo: type, code, csum, id, seq */
#define OFF_ICMP_ID     4
#define RAW_WRITABLE    (AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND)

/* RAW-1, SOCK-1, SOCK-4: a raw socket is (SOCK_RAW, its protocol,
 * AF_INET) = (3, p, 2) for ICMP and for any other protocol, read-only.
 * RAW-12: unbound and unconnected, its name is 0.0.0.0 with the protocol
 * as port (Linux inet_getname: inet_num = protocol), its peer ENOTCONN. */
static void raw_1_12_sock_4_identity_and_names(void **state)
{
    (void)state;
    const int protos[] = {AXN_IPPROTO_ICMP, PROTO_X};
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        struct axn_socket *s = raw_socket(A, protos[i]);
        assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_TYPE), LINUX_SOCK_RAW);
        assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL), protos[i]);
        assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_DOMAIN), LINUX_AF_INET);
        const int one = 1;
        assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL, &one, sizeof(one)),
                         -AXN_ENOPROTOOPT);
        int rc;
        struct axn_sockaddr_in sin = sim_name4(s, false, &rc);
        assert_int_equal(rc, 0);
        assert_int_equal(sin.sin_family, AXN_AF_INET);
        assert_int_equal(sin.sin_addr.s_addr, 0);
        assert_int_equal(sim_host16(sin.sin_port), protos[i]);
        (void)sim_name4(s, true, &rc);
        assert_int_equal(rc, -AXN_ENOTCONN);
        axn_close(s);
    }
}

/* RAW-4 [fix]: connect takes the route's source as local address and
 * keeps the peer (port 0); a send without an address goes to it. No route
 * is ENETUNREACH (Linux ip4_datagram_connect), not ENXIO, and leaves the
 * socket unconnected; another family is EAFNOSUPPORT. */
static void raw_4_connect_takes_route_source(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    struct axn_socket *rx = raw_socket(B, PROTO_X);
    assert_int_equal(do_connect(s, FOREIGN_NET), -AXN_ENETUNREACH);
    int rc;
    (void)sim_name4(s, true, &rc);
    assert_int_equal(rc, -AXN_ENOTCONN);
    struct axn_sockaddr_in bad = sim_sin4(B_ADDR, 0);
    bad.sin_family = AXN_AF_INET6;
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&bad, sizeof(bad)),
                     -AXN_EAFNOSUPPORT);
    assert_int_equal(do_connect(s, B_ADDR), 0);
    struct axn_sockaddr_in sin = sim_name4(s, false, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sim_host32(sin.sin_addr.s_addr), A_ADDR);
    sin = sim_name4(s, true, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sim_host32(sin.sin_addr.s_addr), B_ADDR);
    assert_int_equal(sin.sin_port, 0);
    uint8_t p[PAYLOAD];
    sim_pair_fill(p, sizeof(p), 7);
    assert_int_equal(axn_send(s, p, sizeof(p), AXN_MSG_DONTWAIT), PAYLOAD);
    sim_pair_settle();
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(rx, buf, sizeof(buf), 0, &from),
                     AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(axn_get_be32(buf + OFF_SRC), A_ADDR);
    assert_int_equal(axn_get_be32(buf + OFF_DST), B_ADDR);
    assert_memory_equal(buf + AXN_IPV4_HDR_MIN, p, PAYLOAD);
    axn_close(s);
    axn_close(rx);
}

/* RAW-3 [HAZARD fixed]: a failed bind leaves the address as it was (Linux
 * raw_bind checks before it stores): still 0.0.0.0 on a fresh socket,
 * still the earlier address after a good bind. */
static void raw_3_failed_bind_keeps_the_old_address(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    assert_int_equal(do_bind(s, NOT_LOCAL), -AXN_EADDRNOTAVAIL);
    int rc;
    struct axn_sockaddr_in sin = sim_name4(s, false, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(sin.sin_addr.s_addr, 0);
    /* Not bound: it still hears datagrams to any local address. */
    inject_simple(B_ADDR, PROTO_X, 1);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 1);
    assert_int_equal(do_bind(s, A_ADDR), 0);
    assert_int_equal(do_bind(s, NOT_LOCAL), -AXN_EADDRNOTAVAIL);
    sin = sim_name4(s, false, &rc);
    assert_int_equal(sim_host32(sin.sin_addr.s_addr), A_ADDR);
    inject_simple(B_ADDR, PROTO_X, 2);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 2);
    axn_close(s);
}

/* ---- Shutdown, poll, options, close (RAW-13..16) -----------------------------------------------
 */

/* RAW-13 [fix], RAW-5 [fix], RAW-14, SOCK-21 [fix]: shutdown as Linux
 * inet_shutdown: on an unconnected socket ENOTCONN, but done. After
 * SHUT_WR Linux still sends a built (non-IP_HDRINCL) datagram: raw_sendmsg
 * appends with no transport header, so __ip_append_data allocates with
 * alloc_skb, which never looks at SEND_SHUTDOWN (ax-net's RAW-5 EPIPE is
 * not Linux's; for IP_HDRINCL see raw_13_hdrincl_send_after_shut_wr_is_epipe).
 * Connected, shutdown succeeds; after SHUT_RD a recv that would wait
 * returns 0 and poll says POLLIN|POLLRDHUP; shut both ways poll adds
 * POLLHUP (and keeps POLLOUT, as datagram_poll). Before: writable
 * (OUT|WRNORM|WRBAND) only, POLLIN once a datagram is queued. */
static void raw_13_14_shutdown_and_poll_as_linux(void **state)
{
    (void)state;
    struct axn_socket *u = raw_socket(A, PROTO_X);
    uint8_t p[PAYLOAD] = {0};
    assert_int_equal(axn_shutdown(u, AXN_SHUT_WR), -AXN_ENOTCONN);
    assert_int_equal(sim_pair_send_to(u, p, sizeof(p), LOOPBACK), PAYLOAD);
    axn_close(u);
    sim_pair_settle();

    struct axn_socket *s = raw_socket(A, PROTO_X);
    assert_int_equal(axn_socket_poll(s), RAW_WRITABLE);
    inject_simple(B_ADDR, PROTO_X, 1);
    assert_int_equal(axn_socket_poll(s), RAW_WRITABLE | AXN_POLLIN | AXN_POLLRDNORM);
    assert_got(s, B_ADDR, A_ADDR, PROTO_X, 1);
    assert_int_equal(do_connect(s, B_ADDR), 0);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_RD), 0);
    uint8_t buf[BUF_MAX];
    assert_int_equal(axn_recv(s, buf, sizeof(buf), 0), 0);
    /* __skb_recv_datagram: a caller that would not wait still gets EAGAIN. */
    assert_int_equal(axn_recv(s, buf, sizeof(buf), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
    unsigned ev = axn_socket_poll(s);
    assert_true(ev & AXN_POLLIN);
    assert_true(ev & AXN_POLLRDHUP);
    assert_false(ev & AXN_POLLHUP);
    assert_int_equal(axn_send(s, p, sizeof(p), AXN_MSG_DONTWAIT), PAYLOAD);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_WR), 0);
    assert_int_equal(axn_send(s, p, sizeof(p), AXN_MSG_DONTWAIT), PAYLOAD);
    ev = axn_socket_poll(s);
    assert_true(ev & AXN_POLLHUP);
    assert_true(ev & AXN_POLLOUT); /* datagram_poll: still writable */
    axn_close(s);
}

/* RAW-15 [fix]: IP_TTL reads 64 by default, refuses 0 and 256 (EINVAL),
 * -1 restores the default; SO_SNDBUF/SO_RCVBUF read Linux's defaults. */
static void raw_15_ttl_range_and_buffer_defaults(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), DEFAULT_TTL);
    int v = 0;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_TTL, &v, sizeof(v)), -AXN_EINVAL);
    v = UINT8_MAX + 1;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_TTL, &v, sizeof(v)), -AXN_EINVAL);
    v = USER_TTL;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_TTL, &v, sizeof(v)), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), USER_TTL);
    v = -1;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_TTL, &v, sizeof(v)), 0);
    assert_int_equal(sim_get_int(s, AXN_SOL_IP, AXN_IP_TTL), DEFAULT_TTL);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_SNDBUF), AXN_SOCK_SNDBUF_DEFAULT);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_RCVBUF), AXN_SOCK_RCVBUF_DEFAULT);
    axn_close(s);
}

/* RAW-16: close removes the socket: the protocol is unknown again, so the
 * next datagram earns a protocol unreachable. */
static void raw_16_close_removes_the_socket(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    inject_simple(B_ADDR, PROTO_X, 1);
    assert_int_equal(A->ip4->stats.in_unknown_protos, 0);
    assert_int_equal(axn_close(s), 0);
    inject_simple(B_ADDR, PROTO_X, 2);
    assert_int_equal(A->ip4->stats.in_unknown_protos, 1);
    assert_int_equal(A->ip4->icmp.out_dest_unreachs, 1);
}

/* RAW-11 [fix]: the IP layer validates before delivery (Linux), so a
 * datagram with a bad header checksum never reaches a raw socket (no
 * EINVAL from recv); it is counted in InHdrErrors and InCsumErrors. */
static void raw_11_malformed_never_reaches_the_socket(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    static uint8_t pkt[AXN_IPV4_HDR_MIN + PAYLOAD];
    uint8_t p[PAYLOAD];
    sim_pair_fill(p, sizeof(p), 1);
    const struct axn_ipv4 h = {.ttl = AXN_IP4_DEFAULT_TTL,
                               .protocol = PROTO_X,
                               .src = B_ADDR,
                               .dst = A_ADDR,
                               .payload = p,
                               .payload_len = sizeof(p)};
    const int n = axn_ipv4_emit(&h, pkt, sizeof(pkt));
    assert_int_equal(n, sizeof(pkt));
    pkt[OFF_CSUM] ^= FILL;
    const struct axn_rx_meta meta = {.ifindex = ETH_IF,
                                     .ethertype = AXN_ETHERTYPE_IPV4,
                                     .frame_len = (uint32_t)n + AXN_ETH_HLEN};
    A->plat->mutex_lock(A->core_lock);
    axn_ip4_input(A->ip4, pkt, (size_t)n, &meta, sim_pair.now);
    A->plat->mutex_unlock(A->core_lock);
    axn_sock_run_deferred(A);
    assert_empty(s);
    assert_int_equal(A->ip4->stats.in_hdr_errors, 1);
    assert_int_equal(A->ip4->stats.in_csum_errors, 1);
    assert_int_equal(A->ip4->stats.in_delivers, 0);
    axn_close(s);
}

/* RAW-13, RAW-5 [fix]: after SHUT_WR an IP_HDRINCL send is EPIPE, as Linux
 * (raw_send_hdrinc allocates with sock_alloc_send_skb, which fails with
 * -EPIPE once SEND_SHUTDOWN is set). */
static void raw_13_hdrincl_send_after_shut_wr_is_epipe(void **state)
{
    (void)state;
    struct axn_socket *h = raw_socket(A, AXN_IPPROTO_RAW);
    uint8_t pkt[AXN_IPV4_HDR_MIN + PAYLOAD] = {0};
    pkt[0] = VER_IHL;
    pkt[OFF_TTL] = HDR_TTL;
    pkt[OFF_PROTO] = PROTO_X;
    axn_put_be32(pkt + OFF_DST, LOOPBACK);
    assert_int_equal(sim_pair_send_to(h, pkt, sizeof(pkt), LOOPBACK), sizeof(pkt));
    assert_int_equal(axn_shutdown(h, AXN_SHUT_WR), -AXN_ENOTCONN);
    assert_int_equal(sim_pair_send_to(h, pkt, sizeof(pkt), LOOPBACK), -AXN_EPIPE);
    axn_close(h);
}

/* RAW-2: an IP_HDRINCL header the stack could not route (here an option
 * whose length runs past the header) is the caller's EINVAL, never a
 * malformed packet reaching the router (out_malformed counts core bugs
 * only). Linux would send it as written; we refuse it. Found by
 * fuzz_stack_sockets. */
#define VER_IHL_OPTS    0x46 /* 24-byte header: 4 option bytes */
#define OPT_RR          7    /* record route */
#define OPT_LEN_TOO_BIG 40
static void raw_2_hdrincl_unroutable_header_is_einval(void **state)
{
    (void)state;
    struct axn_socket *h = raw_socket(A, AXN_IPPROTO_RAW);
    uint8_t pkt[AXN_IPV4_HDR_MIN + 4 + PAYLOAD] = {0};
    pkt[0] = VER_IHL_OPTS;
    pkt[OFF_TTL] = HDR_TTL;
    pkt[OFF_PROTO] = PROTO_X;
    axn_put_be32(pkt + OFF_DST, LOOPBACK);
    pkt[AXN_IPV4_HDR_MIN] = OPT_RR;
    pkt[AXN_IPV4_HDR_MIN + 1] = OPT_LEN_TOO_BIG;
    assert_int_equal(sim_pair_send_to(h, pkt, sizeof(pkt), LOOPBACK), -AXN_EINVAL);
    struct axn_stack_stats st;
    axn_ctl_stack_stats(A, &st);
    assert_int_equal(st.out_malformed, 0);
    axn_close(h);
}

/* ---- Loopback ping and oversize (RAW-6, RAW-7, RAW-8; spec TEST-29) -----------------------------
 */

/* RAW-7 [fix: no emulation], RAW-8 [BUG fixed], TEST-29: an ICMP raw
 * socket pinging 127.0.0.1 gets, as on Linux, its own request and then
 * the stack's real echo reply, each with its IPv4 header; nothing else. */
static void raw_7_8_loopback_ping_reply_has_ip_header(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, AXN_IPPROTO_ICMP);
    uint8_t m[AXN_ICMP4_HDR_LEN + PAYLOAD];
    memset(m, 0, sizeof(m));
    m[0] = AXN_ICMP4_ECHO_REQUEST;
    axn_put_be16(m + OFF_ICMP_ID, ECHO_ID);
    axn_put_be16(m + OFF_ICMP_SEQ, ECHO_SEQ);
    sim_pair_fill(m + AXN_ICMP4_HDR_LEN, PAYLOAD, 5);
    axn_put_be16(m + 2, axn_csum(m, sizeof(m)));
    assert_int_equal(sim_pair_send_to(s, m, sizeof(m), LOOPBACK), sizeof(m));
    sim_pair_settle();
    uint8_t buf[BUF_MAX];
    struct axn_sockaddr_in from;
    const long whole = AXN_IPV4_HDR_MIN + sizeof(m);
    /* First its own request, looped back. */
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), whole);
    assert_int_equal(buf[0], VER_IHL);
    assert_int_equal(buf[OFF_PROTO], AXN_IPPROTO_ICMP);
    assert_int_equal(axn_get_be32(buf + OFF_SRC), LOOPBACK);
    assert_int_equal(axn_get_be32(buf + OFF_DST), LOOPBACK);
    assert_memory_equal(buf + AXN_IPV4_HDR_MIN, m, sizeof(m));
    /* Then the stack's reply: header included, valid checksums. */
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), whole);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), LOOPBACK);
    assert_int_equal(buf[0], VER_IHL);
    assert_int_equal(axn_get_be16(buf + OFF_LEN), whole);
    assert_int_equal(axn_csum(buf, AXN_IPV4_HDR_MIN), 0);
    assert_int_equal(axn_get_be32(buf + OFF_SRC), LOOPBACK);
    assert_int_equal(axn_get_be32(buf + OFF_DST), LOOPBACK);
    const uint8_t *icmp = buf + AXN_IPV4_HDR_MIN;
    assert_int_equal(icmp[0], AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(icmp[1], 0);
    assert_int_equal(axn_csum(icmp, sizeof(m)), 0);
    assert_int_equal(axn_get_be16(icmp + OFF_ICMP_ID), ECHO_ID);
    assert_int_equal(axn_get_be16(icmp + OFF_ICMP_SEQ), ECHO_SEQ);
    assert_memory_equal(icmp + AXN_ICMP4_HDR_LEN, m + AXN_ICMP4_HDR_LEN, PAYLOAD);
    assert_empty(s);
    assert_int_equal(A->ip4->icmp.out_echo_reps, 1);
    axn_close(s);
}

/* RAW-6 [HAZARD fixed]: without IP_HDRINCL a send longer than an IPv4
 * datagram can be is EMSGSIZE at once (Linux raw_sendmsg: len > 0xFFFF),
 * never a send that blocks forever, blocking or not; the largest payload
 * that fits (65535 - 20) is taken whole and arrives whole, fragmented. */
static void raw_6_over_65535_bytes_is_emsgsize(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    struct axn_socket *rx = raw_socket(B, PROTO_X);
    static uint8_t big[IP_TOTAL_MAX + 1];
    /* Resolve B first: ARP holds only AXN_ARP_PENDING_PER_HOP fragments. */
    assert_int_equal(sim_pair_send_to(s, big, PAYLOAD, B_ADDR), PAYLOAD);
    sim_pair_settle();
    static uint8_t got[IP_TOTAL_MAX + 1];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(rx, got, sizeof(got), 0, &from),
                     AXN_IPV4_HDR_MIN + PAYLOAD);
    assert_int_equal(sim_pair_send_to(s, big, sizeof(big), B_ADDR), -AXN_EMSGSIZE);
    const struct axn_sockaddr_in to = sim_sin4(B_ADDR, 0);
    assert_int_equal(
        axn_sendto(s, big, sizeof(big), 0, (const struct axn_sockaddr *)&to, sizeof(to)),
        -AXN_EMSGSIZE);
    sim_pair_fill(big, RAW_PAYLOAD_MAX, 8);
    assert_int_equal(sim_pair_send_to(s, big, RAW_PAYLOAD_MAX, B_ADDR), RAW_PAYLOAD_MAX);
    sim_pair_settle();
    assert_int_equal(sim_pair_recv_from(rx, got, sizeof(got), 0, &from), IP_TOTAL_MAX);
    assert_int_equal(axn_get_be16(got + OFF_LEN), IP_TOTAL_MAX);
    assert_memory_equal(got + AXN_IPV4_HDR_MIN, big, RAW_PAYLOAD_MAX);
    axn_close(s);
    axn_close(rx);
}

/* RAW-6 [HAZARD]: a payload of 65516..65535 bytes cannot fit one IPv4
 * datagram with its 20-byte header either: Linux's ip_append_data refuses
 * it with EMSGSIZE (length > IP_MAX_MTU - fragheaderlen), rather than
 * sending a datagram cut short. */
static void raw_6_payload_past_the_ip_total_is_emsgsize(void **state)
{
    (void)state;
    struct axn_socket *s = raw_socket(A, PROTO_X);
    static uint8_t big[IP_TOTAL_MAX];
    assert_int_equal(sim_pair_send_to(s, big, RAW_PAYLOAD_MAX + 1, B_ADDR), -AXN_EMSGSIZE);
    assert_int_equal(sim_pair_send_to(s, big, IP_TOTAL_MAX, B_ADDR), -AXN_EMSGSIZE);
    axn_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, sim_pair_setup, sim_pair_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(raw_protocol_zero_is_eprotonosupport),
        T(raw_8_delivery_includes_ip_header),
        T(raw_17_icmp_sees_echo_stack_answers),
        T(raw_socket_stops_protocol_unreachable),
        T(raw_3_bind_filters_local_address),
        T(raw_10_connected_drops_non_peer_no_wedge),
        T(raw_bindtodevice_filters_interface),
        T(raw_icmp_filter_drops_exactly_filtered_types),
        T(raw_2_hdrincl_fills_header_exact_bytes),
        T(raw_6_send_builds_header_with_ttl_tos),
        T(raw_5_refusals_linux_errno),
        T(raw_9_trunc_and_peek),
        T(raw_rcvbuf_bounds_queue),
        T(raw_1_12_sock_4_identity_and_names),
        T(raw_4_connect_takes_route_source),
        T(raw_3_failed_bind_keeps_the_old_address),
        T(raw_13_14_shutdown_and_poll_as_linux),
        T(raw_13_hdrincl_send_after_shut_wr_is_epipe),
        T(raw_2_hdrincl_unroutable_header_is_einval),
        T(raw_15_ttl_range_and_buffer_defaults),
        T(raw_16_close_removes_the_socket),
        T(raw_11_malformed_never_reaches_the_socket),
        T(raw_7_8_loopback_ping_reply_has_ip_header),
        T(raw_6_over_65535_bytes_is_emsgsize),
        T(raw_6_payload_past_the_ip_total_is_emsgsize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
