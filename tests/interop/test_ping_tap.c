/*
 * The stack's ICMP datagram ("ping") socket against the Linux kernel: our
 * echo requests (identifier and checksum filled in by the stack, icmp(7))
 * get Linux's replies back to the socket, including 8000-byte echoes that
 * need fragmentation on the way out and reassembly on the way in.
 *
 * As tests/interop/test_ip4_ping.c, through tests/support/tap_stack.h:
 * each test creates a namespace, a TAP moved into it with Linux at
 * 192.0.2.1/24 (IPv6 off, so Linux sends nothing unasked) and a stack at
 * 192.0.2.2/24 on it, every frame recorded in
 * $AXN_BUILD_DIR/test_ping_tap_<test>.pcap and checked by tshark. The
 * stack is caller-polled (port/posix, real time, as test_stack_arp.c):
 * the test sends with MSG_DONTWAIT and polls until the replies are in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "tshark.h"
#include "lib/byteorder.h"
#include "netns.h"
#include "tap_stack.h"
#include "wire/checksum.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP AXN_TAP_LINUX_IP

/* ---- Echoes ----------------------------------------------------------------- */

#define SMALL_COUNT 3
#define SMALL_SIZE  56   /* ping(8)'s default */
#define BIG_SIZE    8000 /* ping -s 8000 */
#define ICMP_HLEN   8
#define IP_HLEN     20
#define ETH_MTU     1500
#define FRAG_DATA   (ETH_MTU - IP_HLEN)                                  /* 1480 */
#define BIG_FRAGS   ((ICMP_HLEN + BIG_SIZE + FRAG_DATA - 1) / FRAG_DATA) /* 6 */
#define MSG_MAX     (ICMP_HLEN + BIG_SIZE)
#define TYPE_ECHO   8
#define TYPE_REPLY  0
#define OFF_CSUM    2
#define OFF_ID      4
#define OFF_SEQ     6
#define JUNK_ID     0x7777u
#define PATTERN     13u

/* ---- Limits --------------------------------------------------------------- */

#define WAIT_MS 3000 /* longest wait for one reply */

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "pingsk", .tap_prefix = "axq", .pcap_prefix = "test_ping_tap", .threaded = false};

struct fixture {
    struct axn_tap_stack ts; /* caller-polled */
    struct axn_socket *sock;
    struct axn_snmp snmp; /* taken just before the stack stops */
};

static struct fixture fx;

/* ---- Fixture -------------------------------------------------------------- */

static void stop_stack(void)
{
    if (fx.sock)
        axn_close(fx.sock);
    fx.sock = NULL;
    axn_tap_stack_stop(&fx.ts);
}

static int teardown(void **state)
{
    (void)state;
    stop_stack();
    axn_tap_stack_cleanup(&fx.ts);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* The stack on the TAP, then one ping socket. */
static int setup_with_capture(const char *what)
{
    int err;

    memset(&fx, 0, sizeof(fx));
    if (axn_tap_stack_setup(&fx.ts, &tap_cfg, what))
        return -1;
    err = axn_socket(fx.ts.st, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP, &fx.sock);
    if (err) {
        fprintf(stderr, "setup failed: %d\n", err);
        teardown(NULL);
    }
    return err ? -1 : 0;
}

static int setup_small(void **state)
{
    (void)state;
    return setup_with_capture("small");
}

static int setup_big(void **state)
{
    (void)state;
    return setup_with_capture("big");
}

/* ---- Driving the stack ---------------------------------------------------- */

static void fill(uint8_t *p, size_t n, uint16_t seq)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * PATTERN + seq);
}

/* An echo request as ping(8) writes it; the identifier and checksum are
 * the stack's to set. */
static void send_echo(uint16_t seq, size_t data_len)
{
    static uint8_t m[MSG_MAX];
    struct axn_sockaddr_in to;

    memset(m, 0, ICMP_HLEN);
    m[0] = TYPE_ECHO;
    axn_put_be16(m + OFF_ID, JUNK_ID);
    axn_put_be16(m + OFF_SEQ, seq);
    fill(m + ICMP_HLEN, data_len, seq);
    memset(&to, 0, sizeof(to));
    to.sin_family = AXN_AF_INET;
    axn_put_be32((uint8_t *)&to.sin_addr.s_addr, LINUX_IP);
    assert_int_equal(axn_sendto(fx.sock, m, ICMP_HLEN + data_len, AXN_MSG_DONTWAIT,
                                (const struct axn_sockaddr *)&to, sizeof(to)),
                     ICMP_HLEN + data_len);
}

static uint16_t our_ident(void)
{
    struct axn_sockaddr_in sin;
    axn_socklen_t len = sizeof(sin);

    assert_int_equal(axn_getsockname(fx.sock, (struct axn_sockaddr *)&sin, &len), 0);
    return axn_get_be16((const uint8_t *)&sin.sin_port);
}

/* What the ping socket read last: the message and where it came from. */
static struct {
    uint8_t buf[MSG_MAX];
    struct axn_sockaddr_in from;
    long n;
} reply;

/* Whether the socket held a reply (now in `reply`). */
static bool reply_in(const void *arg)
{
    axn_socklen_t fl = sizeof(reply.from);

    (void)arg;
    reply.n = axn_recvfrom(fx.sock, reply.buf, sizeof(reply.buf), AXN_MSG_DONTWAIT,
                           (struct axn_sockaddr *)&reply.from, &fl);
    return reply.n != -AXN_EAGAIN;
}

/* Polls the stack until the socket holds a reply (or WAIT_MS pass), and
 * checks it: Linux's echo reply to `seq`, ICMP header first, our
 * identifier, the data we sent. */
static void expect_reply(uint16_t seq, size_t data_len)
{
    static uint8_t want[MSG_MAX];
    const uint8_t *buf = reply.buf;
    long n;

    if (!axn_tap_stack_pump_until(&fx.ts, reply_in, NULL, WAIT_MS))
        fail_msg("no echo reply %u from Linux within %d ms", seq, WAIT_MS);
    n = reply.n;
    assert_int_equal(n, ICMP_HLEN + data_len);
    assert_int_equal(buf[0], TYPE_REPLY);
    assert_int_equal(axn_get_be16(buf + OFF_ID), our_ident());
    assert_int_equal(axn_get_be16(buf + OFF_SEQ), seq);
    assert_int_equal(axn_csum(buf, (size_t)n), 0);
    fill(want, data_len, seq);
    assert_memory_equal(buf + ICMP_HLEN, want, data_len);
    assert_int_equal(axn_get_be32((const uint8_t *)&reply.from.sin_addr.s_addr), LINUX_IP);
}

/* Counters, then the stack stops so the capture is complete. */
static void finish(void)
{
    axn_ctl_snmp(fx.ts.st, &fx.snmp);
    stop_stack();
}

/* tshark reads the capture back cleanly (tests/support/tshark.h). */
static void assert_tshark_clean(void)
{
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

/* ---- Tests ----------------------------------------------------------------------- */

static void our_ping_socket_gets_linux_replies(void **state)
{
    (void)state;
    for (uint16_t seq = 1; seq <= SMALL_COUNT; seq++) {
        send_echo(seq, SMALL_SIZE);
        expect_reply(seq, SMALL_SIZE);
    }
    finish();
    assert_int_equal(fx.snmp.icmp.out_echos, SMALL_COUNT);
    assert_int_equal(fx.snmp.icmp.in_echo_reps, SMALL_COUNT);
    assert_int_equal(fx.snmp.icmp.in_csum_errors + fx.snmp.icmp.in_errors, 0);
    assert_int_equal(fx.snmp.ip.frag_oks + fx.snmp.ip.reasm_reqds, 0);
    assert_tshark_clean();
}

/* 8008 bytes of ICMP: six fragments out, Linux reassembles, answers in six
 * fragments, we reassemble. A small echo first resolves ARP. */
static void our_8000_byte_ping_crosses_fragmented_both_ways(void **state)
{
    (void)state;
    send_echo(1, SMALL_SIZE);
    expect_reply(1, SMALL_SIZE);
    send_echo(2, BIG_SIZE);
    expect_reply(2, BIG_SIZE);
    finish();
    assert_int_equal(fx.snmp.icmp.out_echos, 2);
    assert_int_equal(fx.snmp.icmp.in_echo_reps, 2);
    assert_int_equal(fx.snmp.ip.frag_oks, 1);
    assert_int_equal(fx.snmp.ip.frag_creates, BIG_FRAGS);
    assert_int_equal(fx.snmp.ip.reasm_reqds, BIG_FRAGS);
    assert_int_equal(fx.snmp.ip.reasm_oks, 1);
    assert_int_equal(fx.snmp.ip.reasm_fails, 0);
    assert_tshark_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(our_ping_socket_gets_linux_replies, setup_small, teardown),
        cmocka_unit_test_setup_teardown(our_8000_byte_ping_crosses_fragmented_both_ways, setup_big,
                                        teardown),
    };

    axn_netns_require(NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
