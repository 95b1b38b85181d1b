/*
 * ICMP datagram ("ping") sockets (src/ip/ping.h; icmp(7), Linux
 * net/ipv4/ping.c) on two whole stacks on the simulated wire, caller-
 * polled in virtual time, and over A's loopback: the echo request leaves
 * with the socket's identifier and a checksum the stack computed, B's (or
 * A's own) IP layer answers, and only the socket with that identifier gets
 * the reply, ICMP header first, no IP header. An 8000-byte echo crosses
 * fragmented both ways. Refusals carry Linux's errno; ICMP errors about
 * our echoes reach SO_ERROR only as ping_err lets them.
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
#define C_ADDR    AXN_IP4(192, 0, 2, 30)
#define NOT_LOCAL AXN_IP4(192, 0, 2, 99)
#define SUBNET_BC AXN_IP4(192, 0, 2, 255)
#define LOOPBACK  AXN_IP4(127, 0, 0, 1)

#define USER_ID    0x1111u /* replaced by the socket's identifier */
#define JUNK_CSUM  0xdeadu
#define SMALL_DATA 56u   /* ping(8)'s default */
#define BIG_DATA   8000u /* ping -s 8000: fragments both ways */
#define MSG_MAX    (AXN_ICMP4_HDR_LEN + BIG_DATA)
#define IDENT_A    100u
#define IDENT_B    200u
#define IDENT_NONE 300u
#define FIRST_AUTO 1u /* Linux ping_table.next_free starts at 1 */
#define SMALL_BUF  8u
#define TRUNC_BUF  12u
#define PATTERN    7u
#define OFF_CSUM   2
#define OFF_ID     4
#define OFF_SEQ    6

/* ---- The world: tests/support/sim_pair.h ------------------------------------------------- */

#define A (sim_pair.st[0])
#define B (sim_pair.st[1])

/* ---- Helpers --------------------------------------------------------------------------------- */

/* ---- Echo helpers ------------------------------------------------------------------------------
 */

static struct axn_socket *ping_socket(struct axn_stack *st)
{
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(st, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP, &s), 0);
    return s;
}

static int bind_ident(struct axn_socket *s, axn_ip4_t a, uint16_t ident)
{
    const struct axn_sockaddr_in sin = sim_sin4(a, ident);
    return axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin));
}

static uint16_t ident_of(struct axn_socket *s)
{
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);
    assert_int_equal(axn_getsockname(s, (struct axn_sockaddr *)&sin, &len), 0);
    return sim_host16(sin.sin_port);
}

/* An echo request as ping(8) writes it: our own id and a junk checksum,
 * both the stack's to replace. */
static size_t echo_msg(uint8_t *m, uint8_t type, uint16_t seq, size_t data_len)
{
    memset(m, 0, AXN_ICMP4_HDR_LEN);
    m[0] = type;
    axn_put_be16(m + OFF_CSUM, JUNK_CSUM);
    axn_put_be16(m + OFF_ID, USER_ID);
    axn_put_be16(m + OFF_SEQ, seq);
    sim_pair_fill(m + AXN_ICMP4_HDR_LEN, data_len, (uint8_t)(seq * PATTERN));
    return AXN_ICMP4_HDR_LEN + data_len;
}

static long send_echo(struct axn_socket *s, axn_ip4_t dst, uint16_t seq, size_t data_len)
{
    static uint8_t m[MSG_MAX];
    const size_t len = echo_msg(m, AXN_ICMP4_ECHO_REQUEST, seq, data_len);
    return sim_pair_send_to(s, m, len, dst);
}

/* The reply: ICMP header and data, no IP header, from `src`, carrying
 * the socket's identifier, `seq` and the data sent. */
static void assert_reply(struct axn_socket *s, axn_ip4_t src, uint16_t seq, size_t data_len)
{
    static uint8_t buf[MSG_MAX];
    static uint8_t want[MSG_MAX];
    struct axn_sockaddr_in from;
    const size_t len = AXN_ICMP4_HDR_LEN + data_len;
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), len);
    assert_int_equal(buf[0], AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(buf[1], 0);
    assert_int_equal(axn_get_be16(buf + OFF_ID), ident_of(s));
    assert_int_equal(axn_get_be16(buf + OFF_SEQ), seq);
    assert_int_equal(axn_csum(buf, len), 0);
    (void)echo_msg(want, AXN_ICMP4_ECHO_REPLY, seq, data_len);
    assert_memory_equal(buf + AXN_ICMP4_HDR_LEN, want + AXN_ICMP4_HDR_LEN, data_len);
    assert_int_equal(from.sin_family, AXN_AF_INET);
    assert_int_equal(from.sin_port, 0);
    assert_int_equal(sim_host32(from.sin_addr.s_addr), src);
}

static void assert_empty(struct axn_socket *s)
{
    uint8_t buf[SMALL_BUF];
    struct axn_sockaddr_in from;
    assert_int_equal(sim_pair_recv_from(s, buf, sizeof(buf), 0, &from), -AXN_EAGAIN);
    assert_int_equal(axn_socket_poll(s) & AXN_POLLIN, 0);
}

static int so_error(struct axn_socket *s)
{
    int v = -1;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &v, &len), 0);
    return v;
}

/* An ICMP error from B about our echo request to C with `ident`. */
static void inject_error(uint8_t type, uint8_t code, uint16_t ident)
{
    uint8_t echo[AXN_ICMP4_HDR_LEN] = {AXN_ICMP4_ECHO_REQUEST, 0};
    axn_put_be16(echo + OFF_ID, ident);
    uint8_t quote[AXN_IPV4_HDR_MIN + AXN_ICMP4_HDR_LEN];
    const struct axn_ipv4 h = {.ttl = AXN_IP4_DEFAULT_TTL,
                               .protocol = AXN_IPPROTO_ICMP,
                               .src = A_ADDR,
                               .dst = C_ADDR,
                               .payload = echo,
                               .payload_len = sizeof(echo)};
    assert_int_equal(axn_ipv4_emit(&h, quote, sizeof(quote)), sizeof(quote));
    uint8_t m[AXN_ICMP4_HDR_LEN + sizeof(quote)];
    const struct axn_icmp4 e = {
        .type = type, .code = code, .body = quote, .body_len = sizeof(quote)};
    assert_int_equal(axn_icmp4_emit(&e, m, sizeof(m)), sizeof(m));
    sim_pair_inject(B_ADDR, A_ADDR, AXN_IPPROTO_ICMP, m, sizeof(m));
}

/* ---- Tests
 * --------------------------------------------------------------------------------------- */

/* The first send picks identifier 1; the request B receives carries it
 * and a correct checksum; the reply comes back to this socket. */
static void ping_sim_reply_matched_by_identifier(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(ident_of(s), 0);
    assert_int_equal(send_echo(s, B_ADDR, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    assert_int_equal(ident_of(s), FIRST_AUTO);
    sim_pair_settle();
    assert_reply(s, B_ADDR, 1, SMALL_DATA);
    assert_empty(s);
    /* B took the request as valid (checksum computed by A's stack). */
    assert_int_equal(B->ip4->icmp.in_echos, 1);
    assert_int_equal(B->ip4->icmp.in_csum_errors, 0);
    assert_int_equal(B->ip4->icmp.in_errors, 0);
    assert_int_equal(A->ip4->icmp.out_echos, 1);
    assert_int_equal(A->ip4->icmp.in_echo_reps, 1);
    axn_close(s);
}

/* Over lo: A's own IP layer answers (no emulation, RAW-7 gone). */
static void ping_loopback_reply(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(send_echo(s, LOOPBACK, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle();
    assert_reply(s, LOOPBACK, 1, SMALL_DATA);
    assert_int_equal(A->ip4->icmp.in_echos, 1);
    assert_int_equal(A->ip4->icmp.out_echo_reps, 1);
    /* To our own Ethernet address too (routed through lo). */
    assert_int_equal(send_echo(s, A_ADDR, 2, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle();
    assert_reply(s, A_ADDR, 2, SMALL_DATA);
    axn_close(s);
}

/* Another socket's identifier is not ours (ping_lookup). */
static void ping_other_identifier_not_delivered(void **state)
{
    (void)state;
    struct axn_socket *a = ping_socket(A);
    struct axn_socket *b = ping_socket(A);
    assert_int_equal(bind_ident(a, 0, IDENT_A), 0);
    assert_int_equal(bind_ident(b, 0, IDENT_B), 0);
    assert_int_equal(ident_of(a), IDENT_A);
    assert_int_equal(send_echo(a, B_ADDR, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle();
    assert_empty(b);
    assert_reply(a, B_ADDR, 1, SMALL_DATA);
    /* A reply nobody's identifier names goes nowhere. */
    uint8_t m[AXN_ICMP4_HDR_LEN + SMALL_DATA];
    const size_t len = echo_msg(m, AXN_ICMP4_ECHO_REPLY, 1, SMALL_DATA);
    axn_put_be16(m + OFF_ID, IDENT_NONE);
    axn_put_be16(m + OFF_CSUM, 0);
    axn_put_be16(m + OFF_CSUM, axn_csum(m, len));
    sim_pair_inject(B_ADDR, A_ADDR, AXN_IPPROTO_ICMP, m, len);
    assert_empty(a);
    assert_empty(b);
    /* ping_get_port / ping_bind: identifiers are exclusive, bind once. */
    struct axn_socket *c = ping_socket(A);
    assert_int_equal(bind_ident(c, 0, IDENT_A), -AXN_EADDRINUSE);
    assert_int_equal(bind_ident(a, 0, IDENT_NONE), -AXN_EINVAL);
    axn_close(a);
    axn_close(b);
    axn_close(c);
}

static void ping_big_echo_fragmented_both_ways(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(send_echo(s, B_ADDR, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle(); /* ARP resolved */
    assert_reply(s, B_ADDR, 1, SMALL_DATA);
    assert_int_equal(send_echo(s, B_ADDR, 2, BIG_DATA), AXN_ICMP4_HDR_LEN + BIG_DATA);
    sim_pair_settle();
    assert_reply(s, B_ADDR, 2, BIG_DATA);
    assert_int_equal(A->ip4->stats.frag_oks, 1);
    assert_int_equal(B->ip4->reasm.stats.oks, 1);
    assert_int_equal(A->ip4->reasm.stats.oks, 1);
    axn_close(s);
}

/* Linux ping_common_sendmsg / ping_v4_sendmsg / ping_check_bind_addr. */
static void ping_refusals_linux_errno(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    uint8_t m[AXN_ICMP4_HDR_LEN + SMALL_DATA];
    size_t len = echo_msg(m, AXN_ICMP4_TIMESTAMP, 1, SMALL_DATA);
    assert_int_equal(sim_pair_send_to(s, m, len, B_ADDR), -AXN_EINVAL); /* not an echo request */
    len = echo_msg(m, AXN_ICMP4_ECHO_REQUEST, 1, SMALL_DATA);
    m[1] = 1;
    assert_int_equal(sim_pair_send_to(s, m, len, B_ADDR), -AXN_EINVAL); /* code 1 */
    m[1] = 0;
    assert_int_equal(sim_pair_send_to(s, m, AXN_ICMP4_HDR_LEN - 1, B_ADDR), -AXN_EINVAL);
    assert_int_equal(axn_send(s, m, len, AXN_MSG_DONTWAIT), -AXN_EDESTADDRREQ);
    assert_int_equal(axn_send(s, m, len, AXN_MSG_DONTWAIT | AXN_MSG_OOB), -AXN_EOPNOTSUPP);
    assert_int_equal(sim_pair_send_to(s, m, len, SUBNET_BC), -AXN_EACCES);
    uint8_t buf[SMALL_BUF];
    assert_int_equal(axn_recv(s, buf, sizeof(buf), AXN_MSG_DONTWAIT | AXN_MSG_OOB),
                     -AXN_EOPNOTSUPP);
    struct axn_socket *t = ping_socket(A);
    assert_int_equal(bind_ident(t, NOT_LOCAL, 0), -AXN_EADDRNOTAVAIL);
    assert_int_equal(bind_ident(t, SUBNET_BC, 0), -AXN_EADDRNOTAVAIL);
    assert_int_equal(bind_ident(t, A_ADDR, 0), 0);
    axn_close(s);
    axn_close(t);
}

/* ping_recvmsg: a cut reply returns the bytes copied, with MSG_TRUNC in
 * msg_flags, even when the caller passed MSG_TRUNC (unlike raw and UDP). */
static void ping_trunc_returns_copied(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(send_echo(s, LOOPBACK, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle();
    int avail = 0;
    assert_int_equal(axn_ioctl(s, AXN_FIONREAD, &avail), 0);
    assert_int_equal(avail, AXN_ICMP4_HDR_LEN + SMALL_DATA);
    uint8_t buf[TRUNC_BUF];
    struct axn_iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct axn_msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    assert_int_equal(axn_recvmsg(s, &msg, AXN_MSG_DONTWAIT | AXN_MSG_TRUNC | AXN_MSG_PEEK),
                     TRUNC_BUF);
    assert_true(msg.msg_flags & AXN_MSG_TRUNC);
    assert_int_equal(buf[0], AXN_ICMP4_ECHO_REPLY);
    msg.msg_flags = 0;
    assert_int_equal(axn_recvmsg(s, &msg, AXN_MSG_DONTWAIT), TRUNC_BUF);
    assert_true(msg.msg_flags & AXN_MSG_TRUNC);
    assert_empty(s);
    axn_close(s);
}

/* ping_err: without IP_RECVERR only a hard error on a connected socket
 * becomes SO_ERROR; with it every error does. */
static void ping_errors_as_linux(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(bind_ident(s, 0, IDENT_A), 0);
    inject_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, IDENT_A);
    assert_int_equal(so_error(s), 0); /* not connected */
    const struct axn_sockaddr_in to = sim_sin4(C_ADDR, 0);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    inject_error(AXN_ICMP4_TIME_EXCEEDED, AXN_ICMP4_EXC_TTL, IDENT_A);
    assert_int_equal(so_error(s), 0); /* soft */
    inject_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, IDENT_B);
    assert_int_equal(so_error(s), 0); /* someone else's echo */
    inject_error(AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, IDENT_A);
    assert_true(axn_socket_poll(s) & AXN_POLLERR);
    assert_int_equal(so_error(s), AXN_ECONNREFUSED);
    assert_int_equal(so_error(s), 0); /* read and cleared */
    const int on = 1;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_IP, AXN_IP_RECVERR, &on, sizeof(on)), 0);
    inject_error(AXN_ICMP4_TIME_EXCEEDED, AXN_ICMP4_EXC_TTL, IDENT_A);
    assert_int_equal(so_error(s), AXN_EHOSTUNREACH);
    axn_close(s);
}

/* Linux's values, spelled out so a drift from the ABI fails here. */
#define LINUX_AF_INET      2
#define LINUX_SOCK_DGRAM   2
#define LINUX_IPPROTO_ICMP 1

/* SOCK-1, SOCK-4: a ping socket is (SOCK_DGRAM, IPPROTO_ICMP, AF_INET) =
 * (2, 1, 2), read-only (ENOPROTOOPT), as Linux's ping sockets. */
static void ping_sock_4_identity(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_TYPE), LINUX_SOCK_DGRAM);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_PROTOCOL), LINUX_IPPROTO_ICMP);
    assert_int_equal(sim_get_int(s, AXN_SOL_SOCKET, AXN_SO_DOMAIN), LINUX_AF_INET);
    const int one = 1;
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_TYPE, &one, sizeof(one)),
                     -AXN_ENOPROTOOPT);
    axn_close(s);
}

/* SOCK-20, SOCK-21 [fix]: a ping socket polls as Linux's datagram_poll:
 * writable is OUT|WRNORM|WRBAND, POLLIN once a reply is queued, POLLHUP
 * once shut both ways. */
static void ping_sock_20_21_poll_as_datagram_poll(void **state)
{
    (void)state;
    struct axn_socket *s = ping_socket(A);
    const unsigned writable = AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND;
    assert_int_equal(send_echo(s, LOOPBACK, 1, SMALL_DATA), AXN_ICMP4_HDR_LEN + SMALL_DATA);
    sim_pair_settle();
    assert_int_equal(axn_socket_poll(s), writable | AXN_POLLIN | AXN_POLLRDNORM);
    assert_reply(s, LOOPBACK, 1, SMALL_DATA);
    assert_int_equal(axn_socket_poll(s), writable);
    assert_int_equal(axn_shutdown(s, AXN_SHUT_RDWR), -AXN_ENOTCONN);
    assert_true(axn_socket_poll(s) & AXN_POLLHUP);
    axn_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, sim_pair_setup, sim_pair_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ping_sock_4_identity),
        T(ping_sock_20_21_poll_as_datagram_poll),
        T(ping_sim_reply_matched_by_identifier),
        T(ping_loopback_reply),
        T(ping_other_identifier_not_delivered),
        T(ping_big_echo_fragmented_both_ways),
        T(ping_refusals_linux_errno),
        T(ping_trunc_returns_copied),
        T(ping_errors_as_linux),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
