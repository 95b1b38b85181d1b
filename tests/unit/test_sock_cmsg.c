/*
 * Control messages both ways (ip(7), cmsg(3); Linux ip_cmsg_send and
 * ip_cmsg_recv) and SO_RCVBUF taking effect at once, on one stack (an
 * Ethernet address and lo) in virtual time: sendmsg's IP_TTL, IP_TOS and
 * IP_PKTINFO as the receiver sees them, Linux's -EINVAL for every
 * malformed or unknown control message, the IP_PKTINFO / IP_TTL / IP_TOS
 * cmsgs of raw and ping sockets byte for byte, MSG_CTRUNC, and a raised
 * SO_RCVBUF admitting more datagrams to a full UDP or raw queue with no
 * other call on that socket.
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
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "lib/byteorder.h"
#include "sim_solo.h"
#include "test_platform.h"
#include "udp/udp.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

#define A_ADDR    SIM_SOLO_ADDR
#define NOT_LOCAL AXN_IP4(192, 0, 2, 99)
#define LOCALHOST AXN_IP4(127, 0, 0, 1)
#define LO        AXN_IFINDEX_LOOPBACK

#define PORT_A          4000u
#define PORT_B          4001u
#define SMALL           32u
#define BUF_MAX         2048u
#define CTL_ROOM        256u
#define CMSG_TTL        9
#define CMSG_TOS        0x28
#define CMSG_TOS1       0x10 /* the one-byte form */
#define OPT_TTL         33
#define TTL_HIGH        256
#define PROTO_X         200 /* no handler in the stack */
#define PING_TTL        5
#define ECHO_LEN        16u
#define SOL_OTHER       6 /* SOL_TCP: not this socket's level, skipped */
#define SCM_RIGHTS_TYPE 1
#define SO_UNKNOWN_TYPE 99

#define RCV_TINY    1 /* raised to Linux's minimum */
#define RCV_BIG     100000
#define UDP_DGRAM   1000u
#define RAW_DGRAM   1400u /* + 20-byte header: under lo's MTU */
#define FLOOD_SMALL 4u
#define UDP_FLOOD   40u
#define RAW_FLOOD   64u /* ~93 KB: more than the default-sized ring holds */

/* IPv4 header offsets (RFC 791 3.1). */
#define OFF_TOS 1
#define OFF_TTL 8
#define OFF_SRC 12

/* ---- The world: tests/support/sim_solo.h ---------------------------------------------------- */

static struct axn_socket *mk(size_t i, int type, int protocol)
{
    assert_int_equal(axn_socket(sim_solo.sim.st[0], AXN_AF_INET, type, protocol, &sim_solo.s[i]),
                     0);
    return sim_solo.s[i];
}

static void set_int(struct axn_socket *s, int level, int name, int v)
{
    assert_int_equal(axn_setsockopt(s, level, name, &v, sizeof(v)), 0);
}

static void want_cmsgs(struct axn_socket *s)
{
    set_int(s, AXN_SOL_IP, AXN_IP_PKTINFO, 1);
    set_int(s, AXN_SOL_IP, AXN_IP_RECVTTL, 1);
    set_int(s, AXN_SOL_IP, AXN_IP_RECVTOS, 1);
}

/* ---- Control buffers --------------------------------------------------------------------------
 */

/* Appends one cmsg at `off` as cmsg(3) lays it out (cmsg_len given
 * explicitly, so tests can lie); returns the next offset. */
static size_t put_raw(uint8_t *ctl, size_t off, size_t cmsg_len, int level, int type,
                      const void *data, size_t len)
{
    const struct axn_cmsghdr h = {.cmsg_len = cmsg_len, .cmsg_level = level, .cmsg_type = type};
    memcpy(ctl + off, &h, sizeof(h));
    memcpy(AXN_CMSG_DATA(ctl + off), data, len);
    return off + AXN_CMSG_SPACE(len);
}

static size_t put(uint8_t *ctl, size_t off, int level, int type, const void *data, size_t len)
{
    return put_raw(ctl, off, AXN_CMSG_LEN(len), level, type, data, len);
}

static size_t put_int(uint8_t *ctl, size_t off, int type, int v)
{
    return put(ctl, off, AXN_SOL_IP, type, &v, sizeof(v));
}

static size_t put_pktinfo(uint8_t *ctl, size_t off, int ifindex, axn_ip4_t spec_dst, axn_ip4_t addr)
{
    struct axn_in_pktinfo pi = {.ipi_ifindex = ifindex};
    axn_put_be32((uint8_t *)&pi.ipi_spec_dst.s_addr, spec_dst);
    axn_put_be32((uint8_t *)&pi.ipi_addr.s_addr, addr);
    return put(ctl, off, AXN_SOL_IP, AXN_IP_PKTINFO, &pi, sizeof(pi));
}

static long send_ctl(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t dst,
                     uint16_t port, const uint8_t *ctl, size_t ctllen)
{
    struct axn_sockaddr_in sa = sim_sin4(dst, port);
    struct axn_iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    const struct axn_msghdr m = {.msg_name = &sa,
                                 .msg_namelen = sizeof(sa),
                                 .msg_iov = &iov,
                                 .msg_iovlen = 1,
                                 .msg_control = (void *)ctl,
                                 .msg_controllen = ctllen};
    return axn_sendmsg(s, &m, 0);
}

/* recvmsg with a zeroed control buffer of `room` bytes. */
static long recv_ctl(struct axn_socket *s, uint8_t *buf, size_t len, uint8_t *ctl, size_t room,
                     struct axn_msghdr *m)
{
    static struct axn_iovec iov;
    iov.iov_base = buf;
    iov.iov_len = len;
    memset(ctl, 0, CTL_ROOM);
    memset(m, 0, sizeof(*m));
    m->msg_iov = &iov;
    m->msg_iovlen = 1;
    m->msg_control = ctl;
    m->msg_controllen = room;
    return axn_recvmsg(s, m, AXN_MSG_DONTWAIT);
}

/* The TTL and TOS cmsgs a UDP receiver got (-1 when absent). */
static void udp_seen(struct axn_socket *rx, int *ttl, int *tos)
{
    uint8_t buf[BUF_MAX], ctl[CTL_ROOM];
    struct axn_msghdr m;
    assert_true(recv_ctl(rx, buf, sizeof(buf), ctl, sizeof(ctl), &m) >= 0);
    *ttl = -1;
    *tos = -1;
    for (size_t off = 0; off + sizeof(struct axn_cmsghdr) <= m.msg_controllen;) {
        struct axn_cmsghdr h;
        memcpy(&h, ctl + off, sizeof(h));
        if (h.cmsg_type == AXN_IP_TTL)
            memcpy(ttl, AXN_CMSG_DATA(ctl + off), sizeof(*ttl));
        if (h.cmsg_type == AXN_IP_TOS)
            *tos = *AXN_CMSG_DATA(ctl + off);
        off += AXN_CMSG_ALIGN(h.cmsg_len);
    }
}

/* A UDP receiver on PORT_A (wants IP_TTL, IP_TOS, IP_PKTINFO) and a sender. */
static void udp_pair(struct axn_socket **rx, struct axn_socket **tx)
{
    *rx = mk(0, AXN_SOCK_DGRAM, 0);
    *tx = mk(1, AXN_SOCK_DGRAM, 0);
    assert_int_equal(sim_bind4(*rx, 0, PORT_A), 0);
    assert_int_equal(sim_bind4(*tx, 0, PORT_B), 0);
    want_cmsgs(*rx);
}

/* ---- Send side ------------------------------------------------------------------------------- */

/* ip_cmsg_send IP_TTL: the datagram leaves with it, over IP_TTL; the
 * next plain send has the socket's again. */
static void cmsg_ip_ttl_sets_the_ttl_the_receiver_sees(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    udp_pair(&rx, &tx);
    set_int(tx, AXN_SOL_IP, AXN_IP_TTL, OPT_TTL);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0};
    const size_t n = put_int(ctl, 0, AXN_IP_TTL, CMSG_TTL);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), SMALL);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, NULL, 0), SMALL);
    sim_solo_settle();
    int ttl, tos;
    udp_seen(rx, &ttl, &tos);
    assert_int_equal(ttl, CMSG_TTL);
    assert_int_equal(tos, 0);
    udp_seen(rx, &ttl, &tos);
    assert_int_equal(ttl, OPT_TTL);
}

/* ip_cmsg_send IP_TOS: an int, or one byte. */
static void cmsg_ip_tos_int_and_byte_set_the_tos(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    udp_pair(&rx, &tx);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0};
    size_t n = put_int(ctl, 0, AXN_IP_TOS, CMSG_TOS);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), SMALL);
    const uint8_t one = CMSG_TOS1;
    n = put(ctl, 0, AXN_SOL_IP, AXN_IP_TOS, &one, sizeof(one));
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), SMALL);
    sim_solo_settle();
    int ttl, tos;
    udp_seen(rx, &ttl, &tos);
    assert_int_equal(tos, CMSG_TOS);
    assert_int_equal(ttl, AXN_IP4_DEFAULT_TTL);
    udp_seen(rx, &ttl, &tos);
    assert_int_equal(tos, CMSG_TOS1);
}

static axn_ip4_t udp_source(struct axn_socket *rx)
{
    uint8_t b[SMALL];
    struct axn_sockaddr_in from;
    axn_socklen_t fl = sizeof(from);
    assert_int_equal(
        axn_recvfrom(rx, b, sizeof(b), AXN_MSG_DONTWAIT, (struct axn_sockaddr *)&from, &fl), SMALL);
    return axn_get_be32((const uint8_t *)&from.sin_addr.s_addr);
}

/* IP_PKTINFO ipi_spec_dst picks the source among the host's addresses
 * (the route would pick A_ADDR for A_ADDR); a non-local one is -EINVAL
 * (ip_route_output_key_hash_rcu: __ip_dev_find fails). */
static void cmsg_pktinfo_spec_dst_picks_the_source(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    udp_pair(&rx, &tx);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0};
    assert_int_equal(send_ctl(tx, b, sizeof(b), A_ADDR, PORT_A, NULL, 0), SMALL);
    size_t n = put_pktinfo(ctl, 0, 0, LOCALHOST, 0);
    assert_int_equal(send_ctl(tx, b, sizeof(b), A_ADDR, PORT_A, ctl, n), SMALL);
    sim_solo_settle();
    assert_int_equal(udp_source(rx), A_ADDR);
    assert_int_equal(udp_source(rx), LOCALHOST);
    n = put_pktinfo(ctl, 0, 0, NOT_LOCAL, 0);
    assert_int_equal(send_ctl(tx, b, sizeof(b), A_ADDR, PORT_A, ctl, n), -AXN_EINVAL);
    n = put_pktinfo(ctl, 0, -1, 0, 0);
    assert_int_equal(send_ctl(tx, b, sizeof(b), A_ADDR, PORT_A, ctl, n), -AXN_ENODEV);
}

/* CMSG_OK and ip_cmsg_send's checks: each -EINVAL, nothing sent. */
static void cmsg_malformed_or_unknown_is_einval(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    udp_pair(&rx, &tx);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0};
    const int ttl = CMSG_TTL;
    /* cmsg_len shorter than a header, or past msg_controllen. */
    size_t n = put_raw(ctl, 0, sizeof(struct axn_cmsghdr) - 1, AXN_SOL_IP, AXN_IP_TTL, &ttl, 4);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    n = put(ctl, 0, AXN_SOL_IP, AXN_IP_TTL, &ttl, sizeof(ttl));
    assert_int_equal(
        send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, AXN_CMSG_LEN(sizeof(ttl)) - 1),
        -AXN_EINVAL);
    /* IP_TTL: out of 1..255, or not an int's length. */
    n = put_int(ctl, 0, AXN_IP_TTL, 0);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    n = put_int(ctl, 0, AXN_IP_TTL, TTL_HIGH);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    const uint8_t one = CMSG_TTL;
    n = put(ctl, 0, AXN_SOL_IP, AXN_IP_TTL, &one, sizeof(one));
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    /* IP_TOS out of a byte; IP_PKTINFO not exactly one in_pktinfo. */
    n = put_int(ctl, 0, AXN_IP_TOS, TTL_HIGH);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    n = put_int(ctl, 0, AXN_IP_PKTINFO, 0);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    /* Unknown SOL_IP and SOL_SOCKET types; a valid first cmsg does not
     * save a bad second one. */
    n = put_int(ctl, 0, AXN_IP_RECVERR, 1);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    n = put_int(ctl, 0, AXN_IP_TTL, CMSG_TTL);
    n = put(ctl, n, AXN_SOL_SOCKET, SO_UNKNOWN_TYPE, &ttl, sizeof(ttl));
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), -AXN_EINVAL);
    sim_solo_settle();
    uint8_t got[SMALL];
    assert_int_equal(axn_recv(rx, got, sizeof(got), AXN_MSG_DONTWAIT), -AXN_EAGAIN);
}

/* Skipped, as Linux: other levels, SCM_RIGHTS, and trailing bytes too
 * short for a header (for_each_cmsghdr stops). */
static void cmsg_other_levels_and_tail_are_skipped(void **state)
{
    (void)state;
    struct axn_socket *rx, *tx;
    udp_pair(&rx, &tx);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0};
    const int v = 0;
    size_t n = put(ctl, 0, SOL_OTHER, SO_UNKNOWN_TYPE, &v, sizeof(v));
    n = put(ctl, n, AXN_SOL_SOCKET, SCM_RIGHTS_TYPE, &v, sizeof(v));
    n = put_int(ctl, n, AXN_IP_TTL, CMSG_TTL);
    n += sizeof(struct axn_cmsghdr) - 1;
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, PORT_A, ctl, n), SMALL);
    sim_solo_settle();
    int ttl, tos;
    udp_seen(rx, &ttl, &tos);
    assert_int_equal(ttl, CMSG_TTL);
}

/* ---- Receive side: raw and ping ----------------------------------------------------------------
 */

/* raw_recvmsg's ip_cmsg_recv, byte for byte; the built header carries
 * the sender's IP_TTL and IP_TOS cmsgs (raw_sendmsg's ip_cmsg_send). */
static void raw_reports_pktinfo_ttl_tos_cmsgs(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0, AXN_SOCK_RAW, PROTO_X);
    struct axn_socket *tx = mk(1, AXN_SOCK_RAW, PROTO_X);
    want_cmsgs(rx);
    uint8_t ctl[CTL_ROOM] = {0}, b[SMALL] = {0}, got[BUF_MAX];
    size_t n = put_int(ctl, 0, AXN_IP_TTL, CMSG_TTL);
    n = put_int(ctl, n, AXN_IP_TOS, CMSG_TOS);
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, 0, ctl, n), SMALL);
    sim_solo_settle();
    struct axn_msghdr m;
    uint8_t rctl[CTL_ROOM];
    assert_int_equal(recv_ctl(rx, got, sizeof(got), rctl, CTL_ROOM, &m), AXN_IPV4_HDR_MIN + SMALL);
    assert_int_equal(got[OFF_TTL], CMSG_TTL);
    assert_int_equal(got[OFF_TOS], CMSG_TOS);
    uint8_t want[CTL_ROOM] = {0};
    n = put_pktinfo(want, 0, LO, LOCALHOST, LOCALHOST);
    n = put_int(want, n, AXN_IP_TTL, CMSG_TTL);
    const uint8_t tos = CMSG_TOS;
    n = put(want, n, AXN_SOL_IP, AXN_IP_TOS, &tos, sizeof(tos));
    assert_int_equal(m.msg_controllen, n);
    assert_int_equal(m.msg_flags, 0);
    assert_memory_equal(rctl, want, CTL_ROOM);
}

/* put_cmsg: what does not fit is cut, with MSG_CTRUNC. */
static void raw_short_control_buffer_sets_ctrunc(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0, AXN_SOCK_RAW, PROTO_X);
    struct axn_socket *tx = mk(1, AXN_SOCK_RAW, PROTO_X);
    want_cmsgs(rx);
    uint8_t b[SMALL] = {0}, got[BUF_MAX];
    assert_int_equal(send_ctl(tx, b, sizeof(b), LOCALHOST, 0, NULL, 0), SMALL);
    sim_solo_settle();
    struct axn_msghdr m;
    uint8_t rctl[CTL_ROOM];
    const size_t room = AXN_CMSG_SPACE(sizeof(struct axn_in_pktinfo));
    assert_int_equal(recv_ctl(rx, got, sizeof(got), rctl, room, &m), AXN_IPV4_HDR_MIN + SMALL);
    assert_int_equal(m.msg_flags, AXN_MSG_CTRUNC);
    assert_int_equal(m.msg_controllen, room);
    uint8_t want[CTL_ROOM] = {0};
    (void)put_pktinfo(want, 0, LO, LOCALHOST, LOCALHOST);
    assert_memory_equal(rctl, want, CTL_ROOM);
}

/* ping_v4_sendmsg honours IP_TTL / IP_TOS / IP_PKTINFO (seen by a raw
 * ICMP spy; a non-local ipi_spec_dst is -EINVAL); ping_recvmsg reports
 * the reply's, byte for byte. */
static void ping_sends_and_reports_cmsgs(void **state)
{
    (void)state;
    struct axn_socket *ps = mk(0, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP);
    struct axn_socket *spy = mk(1, AXN_SOCK_RAW, AXN_IPPROTO_ICMP);
    want_cmsgs(ps);
    uint8_t echo[ECHO_LEN] = {AXN_ICMP4_ECHO_REQUEST}, ctl[CTL_ROOM] = {0}, got[BUF_MAX];
    size_t n = put_int(ctl, 0, AXN_IP_TTL, PING_TTL);
    n = put_int(ctl, n, AXN_IP_TOS, CMSG_TOS);
    n = put_pktinfo(ctl, n, LO, LOCALHOST, 0);
    assert_int_equal(send_ctl(ps, echo, sizeof(echo), LOCALHOST, 0, ctl, n), ECHO_LEN);
    uint8_t bad[CTL_ROOM] = {0};
    const size_t nb = put_pktinfo(bad, 0, 0, NOT_LOCAL, 0);
    assert_int_equal(send_ctl(ps, echo, sizeof(echo), LOCALHOST, 0, bad, nb), -AXN_EINVAL);
    sim_solo_settle();
    assert_int_equal(axn_recv(spy, got, sizeof(got), AXN_MSG_DONTWAIT),
                     AXN_IPV4_HDR_MIN + ECHO_LEN);
    assert_int_equal(got[OFF_TTL], PING_TTL);
    assert_int_equal(got[OFF_TOS], CMSG_TOS);
    assert_int_equal(axn_get_be32(got + OFF_SRC), LOCALHOST);
    uint8_t reply[BUF_MAX];
    assert_int_equal(axn_recv(spy, reply, sizeof(reply), AXN_MSG_DONTWAIT),
                     AXN_IPV4_HDR_MIN + ECHO_LEN);
    struct axn_msghdr m;
    uint8_t rctl[CTL_ROOM];
    assert_int_equal(recv_ctl(ps, got, sizeof(got), rctl, CTL_ROOM, &m), ECHO_LEN);
    assert_int_equal(got[0], AXN_ICMP4_ECHO_REPLY);
    uint8_t want[CTL_ROOM] = {0};
    n = put_pktinfo(want, 0, LO, LOCALHOST, LOCALHOST);
    n = put_int(want, n, AXN_IP_TTL, reply[OFF_TTL]);
    n = put(want, n, AXN_SOL_IP, AXN_IP_TOS, &reply[OFF_TOS], 1);
    assert_int_equal(m.msg_controllen, n);
    assert_memory_equal(rctl, want, CTL_ROOM);
}

/* ---- SO_RCVBUF at once ------------------------------------------------------------------------
 */

static size_t drain(struct axn_socket *s)
{
    uint8_t b[BUF_MAX];
    size_t n = 0;
    while (axn_recv(s, b, sizeof(b), AXN_MSG_DONTWAIT) >= 0)
        n++;
    return n;
}

static void flood(struct axn_socket *tx, size_t count, size_t len, uint16_t port)
{
    static uint8_t b[BUF_MAX];
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(send_ctl(tx, b, len, LOCALHOST, port, NULL, 0), (long)len);
        sim_solo_settle();
    }
}

/* A full UDP queue: raising SO_RCVBUF admits more with no other call on
 * the receiver (Linux reads sk_rcvbuf at each enqueue). 2304 bytes take
 * two 1000-byte datagrams (each charged 1256, taken while the charge
 * before it is within the limit). */
static void udp_rcvbuf_raise_admits_at_once(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0, AXN_SOCK_DGRAM, 0);
    struct axn_socket *tx = mk(1, AXN_SOCK_DGRAM, 0);
    assert_int_equal(sim_bind4(rx, 0, PORT_A), 0);
    set_int(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCV_TINY);
    flood(tx, FLOOD_SMALL, UDP_DGRAM, PORT_A);
    set_int(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCV_BIG);
    flood(tx, UDP_FLOOD, UDP_DGRAM, PORT_A);
    struct axn_snmp_udp u;
    axn_udp_snmp(sim_solo.sim.st[0], &u);
    assert_int_equal(u.rcvbuf_errors, FLOOD_SMALL - 2);
    assert_int_equal(drain(rx), 2 + UDP_FLOOD);
}

/* The same for a raw socket, past what its small ring could hold (the
 * ring is re-sized at once too, keeping the queued datagrams). */
static void raw_rcvbuf_raise_admits_at_once(void **state)
{
    (void)state;
    struct axn_socket *rx = mk(0, AXN_SOCK_RAW, PROTO_X);
    struct axn_socket *tx = mk(1, AXN_SOCK_RAW, PROTO_X);
    set_int(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCV_TINY);
    (void)axn_socket_poll(rx); /* any call: the ring is the smallest now */
    flood(tx, FLOOD_SMALL, RAW_DGRAM, 0);
    set_int(rx, AXN_SOL_SOCKET, AXN_SO_RCVBUF, RCV_BIG);
    flood(tx, RAW_FLOOD, RAW_DGRAM, 0);
    assert_int_equal(drain(rx), 2 + RAW_FLOOD);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, sim_solo_setup, sim_solo_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(cmsg_ip_ttl_sets_the_ttl_the_receiver_sees),
        T(cmsg_ip_tos_int_and_byte_set_the_tos),
        T(cmsg_pktinfo_spec_dst_picks_the_source),
        T(cmsg_malformed_or_unknown_is_einval),
        T(cmsg_other_levels_and_tail_are_skipped),
        T(raw_reports_pktinfo_ttl_tos_cmsgs),
        T(raw_short_control_buffer_sets_ctrunc),
        T(ping_sends_and_reports_cmsgs),
        T(udp_rcvbuf_raise_admits_at_once),
        T(raw_rcvbuf_raise_admits_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
