/*
 * UDP sockets of the stack against the Linux kernel, with socat(1) as the
 * Linux peer (spec §8, issue 4 acceptance): echo both ways, Linux getting
 * ICMP port unreachable from us for a closed port (its socat reads
 * ECONNREFUSED and its Icmp InDestUnreachs counts it), and our connected
 * socket surfacing Linux's port unreachable as ECONNREFUSED.
 *
 * As tests/interop/test_ip4_ping.c, through tests/support/tap_stack.h:
 * each test creates a namespace, a TAP moved into it with Linux at
 * 192.0.2.1/24 and the stack at 192.0.2.2/24, every frame recorded in
 * $AXN_BUILD_DIR/test_udp_tap_<test>.pcap and checked by tshark. The
 * stack runs threaded (port/posix workers); our socket calls block with
 * SO_RCVTIMEO, so nothing waits forever.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
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
#include "netns.h"
#include "sim_stacks.h"
#include "tap_stack.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP   AXN_TAP_LINUX_IP
#define OUR_IP_STR AXN_TAP_OUR_IP_STR

/* ---- Ports and messages --------------------------------------------------- */

#define OUR_ECHO_PORT   7000
#define LINUX_ECHO_PORT 7001
#define OUR_CLOSED      7999
#define LINUX_CLOSED    7998
#define MSG_IN          "hello-axnet"
#define MSG_OUT         "hello-linux"
#define RCV_TIMEOUT_S   5
#define SOCAT_WAIT_S    "1"  /* socat -t: how long it waits for the reply */
#define SOCAT_LIFE_S    "10" /* timeout(1) on every socat */
#define LISTEN_TRIES    50   /* x 0.1 s for socat to bind */
#define BUF_LEN         64

/* ---- Limits --------------------------------------------------------------- */

#define OUT_LEN 8192

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "sudp", .tap_prefix = "axp", .pcap_prefix = "test_udp_tap", .threaded = true};

struct fixture {
    struct axn_tap_stack ts;
    struct axn_snmp snmp; /* taken just before the stack stops */
    struct axn_snmp_udp udp;
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

/* Counters, then the stack stops so the capture is complete. */
static void finish(void)
{
    axn_ctl_snmp(fx.ts.st, &fx.snmp);
    axn_udp_snmp(fx.ts.st, &fx.udp);
    axn_tap_stack_stop(&fx.ts);
}

/* tshark reads the capture back cleanly (tests/support/tshark.h). */
static void assert_tshark_clean(void)
{
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

/* ---- Our sockets --------------------------------------------------------------- */

/* A UDP socket whose blocking calls give up after RCV_TIMEOUT_S. */
static struct axn_socket *udp_socket(void)
{
    struct axn_socket *s = NULL;
    const struct axn_timeval tv = {.tv_sec = RCV_TIMEOUT_S};
    assert_int_equal(axn_socket(fx.ts.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &s), 0);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    return s;
}

struct echo_job {
    struct axn_socket *s;
    long rc;
    struct axn_sockaddr_in peer;
};

/* One datagram in, the same bytes back to where it came from. */
static void *echo_once(void *arg)
{
    struct echo_job *j = arg;
    char buf[BUF_LEN];
    axn_socklen_t pl = sizeof(j->peer);
    j->rc = axn_recvfrom(j->s, buf, sizeof(buf), 0, (struct axn_sockaddr *)&j->peer, &pl);
    if (j->rc > 0)
        j->rc = axn_sendto(j->s, buf, (size_t)j->rc, 0, (const struct axn_sockaddr *)&j->peer,
                           sizeof(j->peer));
    return NULL;
}

/* Linux's "Icmp: ... InDestUnreachs" in the namespace. */
static long linux_in_dest_unreachs(void)
{
    return axn_tap_stack_linux_snmp(&fx.ts, "Icmp", "InDestUnreachs");
}

/* ---- Tests ----------------------------------------------------------------------- */

/* Linux's socat sends to our echo socket and reads its datagram back. */
static void linux_socat_gets_our_udp_echo(void **state)
{
    (void)state;
    struct echo_job j = {.s = udp_socket()};
    const struct axn_sockaddr_in me = sim_sin4(0, OUR_ECHO_PORT);
    assert_int_equal(axn_bind(j.s, (const struct axn_sockaddr *)&me, sizeof(me)), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, echo_once, &j), 0);
    char out[OUT_LEN];
    const int rc = axn_netns_run(&fx.ts.ns, out, sizeof(out),
                                 "printf %s | timeout %s socat -t %s - UDP:%s:%d 2>&1", MSG_IN,
                                 SOCAT_LIFE_S, SOCAT_WAIT_S, OUR_IP_STR, OUR_ECHO_PORT);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(j.rc, (long)strlen(MSG_IN));
    assert_int_equal(j.peer.sin_addr.s_addr, sim_net32(LINUX_IP));
    if (rc != 0 || strcmp(out, MSG_IN) != 0)
        fail_msg("socat exited %d, said \"%s\"", rc, out);
    assert_int_equal(axn_close(j.s), 0);
    finish();
    assert_int_equal(fx.udp.in_datagrams, 1);
    assert_int_equal(fx.udp.out_datagrams, 1);
    assert_int_equal(fx.udp.in_errors + fx.udp.no_ports, 0);
    assert_tshark_clean();
}

/* We send to a socat echo on Linux and read its answer. */
static void our_socket_gets_linux_socat_echo(void **state)
{
    (void)state;
    char out[OUT_LEN];
    int rc =
        axn_netns_run(&fx.ts.ns, out, sizeof(out),
                      "timeout %s socat -T %s UDP-LISTEN:%d PIPE >/dev/null 2>&1 & "
                      "for i in $(seq %d); do ss -Hnul | grep -q ':%d ' && exit 0; "
                      "sleep 0.1; done; exit 1",
                      SOCAT_LIFE_S, SOCAT_LIFE_S, LINUX_ECHO_PORT, LISTEN_TRIES, LINUX_ECHO_PORT);
    assert_int_equal(rc, 0);
    struct axn_socket *s = udp_socket();
    const struct axn_sockaddr_in to = sim_sin4(LINUX_IP, LINUX_ECHO_PORT);
    assert_int_equal(
        axn_sendto(s, MSG_OUT, strlen(MSG_OUT), 0, (const struct axn_sockaddr *)&to, sizeof(to)),
        (long)strlen(MSG_OUT));
    char buf[BUF_LEN] = {0};
    struct axn_sockaddr_in from;
    axn_socklen_t fl = sizeof(from);
    assert_int_equal(axn_recvfrom(s, buf, sizeof(buf), 0, (struct axn_sockaddr *)&from, &fl),
                     (long)strlen(MSG_OUT));
    assert_string_equal(buf, MSG_OUT);
    assert_int_equal(from.sin_addr.s_addr, sim_net32(LINUX_IP));
    assert_int_equal(from.sin_port, sim_net16(LINUX_ECHO_PORT));
    assert_int_equal(axn_close(s), 0);
    finish();
    assert_int_equal(fx.udp.out_datagrams, 1);
    assert_int_equal(fx.udp.in_datagrams, 1);
    assert_tshark_clean();
}

/* Linux sends to a port we have no socket on: we answer ICMP port
 * unreachable, Linux counts it and its connected socat reads ECONNREFUSED. */
static void linux_gets_port_unreachable_from_us(void **state)
{
    (void)state;
    const long before = linux_in_dest_unreachs();
    char out[OUT_LEN];
    (void)axn_netns_run(&fx.ts.ns, out, sizeof(out),
                        "printf x | timeout %s socat -t %s - UDP:%s:%d 2>&1", SOCAT_LIFE_S,
                        SOCAT_WAIT_S, OUR_IP_STR, OUR_CLOSED);
    if (!strstr(out, "Connection refused"))
        fail_msg("socat did not see ECONNREFUSED:\n%s", out);
    assert_int_equal(linux_in_dest_unreachs(), before + 1);
    finish();
    assert_int_equal(fx.udp.no_ports, 1);
    assert_int_equal(fx.snmp.icmp.out_dest_unreachs, 1);
    assert_tshark_clean();
}

/* Linux answers our datagram to a closed port with port unreachable; our
 * connected socket's next call reads ECONNREFUSED. */
static void our_connected_socket_gets_econnrefused_from_linux(void **state)
{
    (void)state;
    struct axn_socket *s = udp_socket();
    const struct axn_sockaddr_in to = sim_sin4(LINUX_IP, LINUX_CLOSED);
    assert_int_equal(axn_connect(s, (const struct axn_sockaddr *)&to, sizeof(to)), 0);
    assert_int_equal(axn_send(s, "x", 1, 0), 1);
    char buf[BUF_LEN];
    assert_int_equal(axn_recv(s, buf, sizeof(buf), 0), -AXN_ECONNREFUSED);
    assert_int_equal(axn_close(s), 0);
    finish();
    assert_int_equal(fx.snmp.icmp.in_dest_unreachs, 1);
    assert_int_equal(fx.udp.out_datagrams, 1);
    assert_tshark_clean();
}

int main(void)
{
    static const char *const tools[] = {"socat", "ss", "awk", "timeout", NULL};
    const struct CMUnitTest tests[] = {
        TAP_TEST(linux_socat_gets_our_udp_echo, "echo_in"),
        TAP_TEST(our_socket_gets_linux_socat_echo, "echo_out"),
        TAP_TEST(linux_gets_port_unreachable_from_us, "unreach_in"),
        TAP_TEST(our_connected_socket_gets_econnrefused_from_linux, "unreach_out"),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
