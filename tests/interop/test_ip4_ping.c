/*
 * The stack's IPv4 layer against the Linux kernel's ping: echo replies
 * (RFC 792), and 8000-byte pings that need reassembly on the way in and
 * fragmentation on the way out (RFC 791 3.2).
 *
 * As tests/interop/test_stack_arp.c, through tests/support/tap_stack.h:
 * each test creates a namespace, a TAP moved into it with Linux at 192.0.2.1/24 (IPv6 off, so Linux
 * sends nothing unasked) and a stack at 192.0.2.2/24 on it, every frame recorded in
 * $AXN_BUILD_DIR/test_ip4_ping_<test>.pcap and checked by tshark. The stack runs threaded
 * (port/posix workers) while `ping` blocks the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/snmp.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "tshark.h"
#include "netns.h"
#include "tap_stack.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define OUR_IP_STR AXN_TAP_OUR_IP_STR

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

#define OUT_LEN  8192
#define WANT_LEN 32

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "sping", .tap_prefix = "axp", .pcap_prefix = "test_ip4_ping", .threaded = true};

struct fixture {
    struct axn_tap_stack ts;
    struct axn_snmp snmp; /* taken just before the stack stops */
};

static struct fixture fx;

/* ---- Fixture -------------------------------------------------------------- */

static int teardown(void **state)
{
    (void)state;
    axn_tap_stack_cleanup(&fx.ts);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* The capture's name comes in as the test's prestate (TAP_TEST). */
static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    return axn_tap_stack_setup(&fx.ts, &tap_cfg, *state) ? -1 : 0;
}

#define TAP_TEST(fn, what) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, what)

/* ---- Checks ------------------------------------------------------------------ */

/* Runs Linux's ping; fails with its output unless every reply came. */
static void linux_pings_us(int count, int size)
{
    static char out[OUT_LEN];
    char want[WANT_LEN];
    int rc =
        axn_netns_run(&fx.ts.ns, out, sizeof(out), "ping -n -c %d -i %s -W %d -w %d -s %d %s 2>&1",
                      count, PING_GAP, PING_WAIT_S, PING_TOTAL_S, size, OUR_IP_STR);

    snprintf(want, sizeof(want), " %d received", count);
    if (rc != 0 || !strstr(out, want))
        fail_msg("ping exited %d without \"%s\":\n%s", rc, want, out);
}

/* Counters, then the stack stops so the capture is complete. */
static void finish(void)
{
    axn_ctl_snmp(fx.ts.st, &fx.snmp);
    axn_tap_stack_stop(&fx.ts);
}

/* tshark reads the capture back cleanly (tests/support/tshark.h). */
static void assert_tshark_clean(void)
{
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
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
        TAP_TEST(linux_ping_gets_every_reply, "small"),
        TAP_TEST(linux_8000_byte_ping_is_reassembled_and_answered_fragmented, "big"),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
