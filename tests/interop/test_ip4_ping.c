/*
 * The stack's IPv4 layer against the Linux kernel's ping: echo replies
 * (RFC 792), and 8000-byte pings that need reassembly on the way in and
 * fragmentation on the way out (RFC 791 3.2).
 *
 * As tests/interop/test_stack_arp.c: each test creates a namespace, a TAP
 * moved into it with Linux at 192.0.2.1/24 (IPv6 off, so Linux sends
 * nothing unasked) and a stack at 192.0.2.2/24 on it, every frame recorded
 * in $AXN_BUILD_DIR/test_ip4_ping_<test>.pcap and checked by tshark. The
 * stack runs threaded (port/posix workers) while `ping` blocks the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
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
#include "axnet/stack.h"
#include "cmd.h"
#include "tshark.h"
#include "netns.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define OUR_IP       AXN_IP4(192, 0, 2, 2)
#define LINUX_IP_STR "192.0.2.1"
#define OUR_IP_STR   "192.0.2.2"
#define PREFIX_LEN   24
#define OUR_IFNAME   "eth0"

/* ---- Pings ------------------------------------------------------------- */

#define SMALL_COUNT  3
#define SMALL_SIZE   56 /* ping(8)'s default */
#define BIG_COUNT    2
#define BIG_SIZE     8000 /* ping -s: ICMP data bytes */
#define ICMP_HLEN    8
#define IP_HLEN      20
#define ETH_MTU      1500
#define FRAG_DATA    (ETH_MTU - IP_HLEN) /* 1480, a multiple of 8 */
#define BIG_FRAGS    ((ICMP_HLEN + BIG_SIZE + FRAG_DATA - 1) / FRAG_DATA) /* 6 */
#define PING_GAP     "0.2" /* seconds between pings (root may go below 1) */
#define PING_WAIT_S  3     /* per-reply timeout */
#define PING_TOTAL_S 10    /* ping's own deadline (-w) */

/* ---- Limits --------------------------------------------------------------- */

#define OUT_LEN       8192
#define WANT_LEN      32
#define PID_MODULUS   10000000u
#define SEQ_MODULUS   100u
#define USEC_PER_SEC_ 1000000ull
#define NSEC_PER_USEC 1000
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
    char ifname[IFNAMSIZ];
    char pcap_path[PATH_MAX];
    struct axn_snmp snmp; /* taken just before the stack stops */
};

static struct fixture fx;
static unsigned tap_seq;

/* Capture timestamps in wall-clock time, so the pcap reads naturally. */
static axn_time_t wall_us(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * USEC_PER_SEC_ + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

/* ---- Fixture -------------------------------------------------------------- */

/* Stops the workers and closes the capture (complete only once closed). */
static void stop_stack(void)
{
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

    /* Linux pids have at most 7 digits (pid_max <= 2^22): "axpPPPPPPP-SS". */
    snprintf(fx.ifname, sizeof(fx.ifname), "axp%u-%u", (unsigned)getpid() % PID_MODULUS,
             tap_seq++ % SEQ_MODULUS);
    err = axn_tap_open(&fx.tap, &cfg);
    if (err)
        return err;
    axn_tap_driver(fx.tap, &fx.tap_drv);
    return 0;
}

/* IPv6 off before the link comes up: with IPv4 only, Linux sends nothing
 * it is not asked to. */
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

    snprintf(fx.pcap_path, sizeof(fx.pcap_path), "%s/test_ip4_ping_%s.pcap", dir ? dir : "/tmp",
             what);
    err = axn_pcap_open(&fx.pcap, fx.pcap_path, 0);
    if (err)
        return err;
    return axn_pcap_tap_wrap(&fx.recorder, &fx.tap_drv, fx.pcap, wall_us, NULL, &fx.drv);
}

/* 192.0.2.2/24 on the TAP as eth0, run by the stack's own workers. */
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
        err = axn_stack_start(fx.st);
    return err;
}

static int setup_with_capture(const char *what)
{
    int err;

    memset(&fx, 0, sizeof(fx));
    err = axn_netns_create(&fx.ns, "sping");
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

/* ---- Checks ------------------------------------------------------------------ */

/* Runs Linux's ping; fails with its output unless every reply came. */
static void linux_pings_us(int count, int size)
{
    static char out[OUT_LEN];
    char want[WANT_LEN];
    int rc =
        axn_netns_run(&fx.ns, out, sizeof(out), "ping -n -c %d -i %s -W %d -w %d -s %d %s 2>&1",
                      count, PING_GAP, PING_WAIT_S, PING_TOTAL_S, size, OUR_IP_STR);

    snprintf(want, sizeof(want), " %d received", count);
    if (rc != 0 || !strstr(out, want))
        fail_msg("ping exited %d without \"%s\":\n%s", rc, want, out);
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

static void linux_ping_gets_every_reply(void **state)
{
    (void)state;
    linux_pings_us(SMALL_COUNT, SMALL_SIZE);
    finish();
    assert_int_equal(fx.snmp.icmp.in_echos, SMALL_COUNT);
    assert_int_equal(fx.snmp.icmp.out_echo_reps, SMALL_COUNT);
    assert_int_equal(fx.snmp.ip.in_hdr_errors + fx.snmp.icmp.in_errors, 0);
    assert_int_equal(fx.snmp.ip.frag_oks + fx.snmp.ip.reasm_reqds, 0);
    assert_tshark_clean();
}

/* 8008 bytes of ICMP: six fragments each way, reassembled on both ends. */
static void linux_8000_byte_ping_is_reassembled_and_answered_fragmented(void **state)
{
    (void)state;
    linux_pings_us(BIG_COUNT, BIG_SIZE);
    finish();
    assert_int_equal(fx.snmp.icmp.in_echos, BIG_COUNT);
    assert_int_equal(fx.snmp.icmp.out_echo_reps, BIG_COUNT);
    assert_int_equal(fx.snmp.ip.reasm_reqds, BIG_COUNT * BIG_FRAGS);
    assert_int_equal(fx.snmp.ip.reasm_oks, BIG_COUNT);
    assert_int_equal(fx.snmp.ip.reasm_fails, 0);
    assert_int_equal(fx.snmp.ip.frag_oks, BIG_COUNT);
    assert_int_equal(fx.snmp.ip.frag_creates, BIG_COUNT * BIG_FRAGS);
    assert_tshark_clean();
}

int main(void)
{
    static const char *const tools[] = {"ping", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(linux_ping_gets_every_reply, setup_small, teardown),
        cmocka_unit_test_setup_teardown(linux_8000_byte_ping_is_reassembled_and_answered_fragmented,
                                        setup_big, teardown),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
