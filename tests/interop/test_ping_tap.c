/*
 * The stack's ICMP datagram ("ping") socket against the Linux kernel: our
 * echo requests (identifier and checksum filled in by the stack, icmp(7))
 * get Linux's replies back to the socket, including 8000-byte echoes that
 * need fragmentation on the way out and reassembly on the way in.
 *
 * As tests/interop/test_ip4_ping.c: each test creates a namespace, a TAP
 * moved into it with Linux at 192.0.2.1/24 (IPv6 off, so Linux sends
 * nothing unasked) and a stack at 192.0.2.2/24 on it, every frame recorded
 * in $AXN_BUILD_DIR/test_ping_tap_<test>.pcap and checked by tshark. The
 * stack is caller-polled (port/posix, real time, as test_stack_arp.c):
 * the test sends with MSG_DONTWAIT and polls until the replies are in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/hosted/tap.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "tshark.h"
#include "lib/byteorder.h"
#include "netns.h"
#include "wire/checksum.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP     AXN_IP4(192, 0, 2, 1)
#define OUR_IP       AXN_IP4(192, 0, 2, 2)
#define LINUX_IP_STR "192.0.2.1"
#define PREFIX_LEN   24
#define OUR_IFNAME   "eth0"

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

#define OUT_LEN       8192
#define WAIT_MS       3000 /* longest wait for one reply */
#define POLL_SLICE_MS 20   /* longest sleep between two stack polls */
#define PID_MODULUS   10000000u
#define SEQ_MODULUS   100u
#define USEC_PER_SEC_ 1000000ull
#define NSEC_PER_USEC 1000
#define MSEC_PER_SEC  1000
#define NSEC_PER_MSEC 1000000
#define ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))

struct fixture {
    struct axn_netns ns;
    struct axn_platform plat;
    struct axn_tap *tap;
    struct axn_eth_driver tap_drv;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *recorder;
    struct axn_eth_driver drv; /* tap_drv behind the recorder */
    struct axn_stack *st;
    struct axn_socket *sock;
    char ifname[IFNAMSIZ];
    char pcap_path[PATH_MAX];
    struct axn_snmp snmp; /* taken just before the stack stops */
};

static struct fixture fx;
static unsigned tap_seq;

static axn_time_t wall_us(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * USEC_PER_SEC_ + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

/* ---- Fixture -------------------------------------------------------------- */

static void stop_stack(void)
{
    if (fx.sock)
        axn_close(fx.sock);
    fx.sock = NULL;
    axn_stack_destroy(fx.st);
    fx.st = NULL;
    axn_pcap_tap_free(fx.recorder);
    fx.recorder = NULL;
    axn_pcap_close(fx.pcap);
    fx.pcap = NULL;
}

static int teardown(void **state)
{
    (void)state;
    stop_stack();
    axn_tap_close(fx.tap);
    axn_netns_delete(&fx.ns);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

static int open_tap(void)
{
    struct axn_tap_config cfg = {.name = fx.ifname, .unpersist = true};
    int err;

    snprintf(fx.ifname, sizeof(fx.ifname), "axq%u-%u", (unsigned)getpid() % PID_MODULUS,
             tap_seq++ % SEQ_MODULUS);
    err = axn_tap_open(&fx.tap, &cfg);
    if (err)
        return err;
    axn_tap_driver(fx.tap, &fx.tap_drv);
    return 0;
}

static int give_linux_side_an_address(void)
{
    return axn_netns_run(
        &fx.ns, NULL, 0,
        "f=/proc/sys/net/ipv6/conf/%s/disable_ipv6; { [ ! -e $f ] || echo 1 >$f; } "
        "&& ip addr add %s/%d dev %s && ip link set dev %s up",
        fx.ifname, LINUX_IP_STR, PREFIX_LEN, fx.ifname, fx.ifname);
}

static int open_capture(const char *what)
{
    const char *dir = getenv("AXN_BUILD_DIR");
    int err;

    snprintf(fx.pcap_path, sizeof(fx.pcap_path), "%s/test_ping_tap_%s.pcap", dir ? dir : "/tmp",
             what);
    err = axn_pcap_open(&fx.pcap, fx.pcap_path, 0);
    if (err)
        return err;
    return axn_pcap_tap_wrap(&fx.recorder, &fx.tap_drv, fx.pcap, wall_us, NULL, &fx.drv);
}

/* 192.0.2.2/24 on the TAP as eth0, caller-polled; one ping socket. */
static int start_stack(void)
{
    struct axn_iface_config ifc = {
        .name = OUR_IFNAME, .ipv4_mode = AXN_IPV4_STATIC, .addr = OUR_IP, .prefix_len = PREFIX_LEN};
    const struct axn_net_config cfg = {.ifaces = &ifc, .n_ifaces = 1};
    const struct axn_eth_driver *drivers[] = {&fx.drv};
    int err = axn_port_posix_init(&fx.plat, AXN_LOG_WARN);

    if (!err)
        err = axn_stack_create(&fx.plat, &fx.st);
    if (!err)
        err =
            axn_stack_init_network(fx.st, drivers, ARRAY_LEN(drivers), &cfg, axn_port_posix_now());
    if (!err)
        err = axn_socket(fx.st, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP, &fx.sock);
    return err;
}

static int setup_with_capture(const char *what)
{
    int err;

    memset(&fx, 0, sizeof(fx));
    err = axn_netns_create(&fx.ns, "pingsk");
    if (!err)
        err = open_tap();
    if (!err)
        err = axn_netns_move_link(&fx.ns, fx.ifname);
    if (!err)
        err = give_linux_side_an_address();
    if (!err)
        err = open_capture(what);
    if (!err)
        err = start_stack();
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

/* Sleeps until the TAP has a frame, the stack's next deadline, or at most
 * POLL_SLICE_MS. */
static void wait_for_work(axn_time_t next, long long deadline)
{
    struct pollfd pfd = {.fd = axn_tap_fd(fx.tap), .events = POLLIN};
    long long wait = deadline - now_ms();
    axn_time_t now = axn_port_posix_now();

    if (wait > POLL_SLICE_MS)
        wait = POLL_SLICE_MS;
    if (next <= now)
        wait = 0;
    else if ((next - now) / AXN_USEC_PER_MSEC < (axn_time_t)wait)
        wait = (long long)((next - now) / AXN_USEC_PER_MSEC);
    if (wait > 0)
        poll(&pfd, 1, (int)wait);
}

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

/* Polls the stack until the socket holds a reply (or WAIT_MS pass), and
 * checks it: Linux's echo reply to `seq`, ICMP header first, our
 * identifier, the data we sent. */
static void expect_reply(uint16_t seq, size_t data_len)
{
    static uint8_t buf[MSG_MAX];
    static uint8_t want[MSG_MAX];
    const long long deadline = now_ms() + WAIT_MS;
    struct axn_sockaddr_in from;
    axn_socklen_t fl = sizeof(from);
    long n;

    for (;;) {
        const axn_time_t next = axn_stack_poll(fx.st, axn_port_posix_now());
        n = axn_recvfrom(fx.sock, buf, sizeof(buf), AXN_MSG_DONTWAIT, (struct axn_sockaddr *)&from,
                         &fl);
        if (n != -AXN_EAGAIN)
            break;
        if (now_ms() >= deadline)
            fail_msg("no echo reply %u from Linux within %d ms", seq, WAIT_MS);
        wait_for_work(next, deadline);
    }
    assert_int_equal(n, ICMP_HLEN + data_len);
    assert_int_equal(buf[0], TYPE_REPLY);
    assert_int_equal(axn_get_be16(buf + OFF_ID), our_ident());
    assert_int_equal(axn_get_be16(buf + OFF_SEQ), seq);
    assert_int_equal(axn_csum(buf, (size_t)n), 0);
    fill(want, data_len, seq);
    assert_memory_equal(buf + ICMP_HLEN, want, data_len);
    assert_int_equal(axn_get_be32((const uint8_t *)&from.sin_addr.s_addr), LINUX_IP);
}

/* Counters, then the stack stops so the capture is complete. */
static void finish(void)
{
    axn_ctl_snmp(fx.st, &fx.snmp);
    stop_stack();
}

/* tshark reads the capture back cleanly (tests/support/tshark.h). */
static void assert_tshark_clean(void)
{
    axn_tshark_assert_clean(fx.pcap_path, AXN_TSHARK_ANY_FRAMES);
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
