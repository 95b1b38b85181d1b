/*
 * The `axnet` command's control-plane subcommands (tools/cmd_*.c) run as
 * a user runs them, against Linux, inside a namespace of the test's own:
 * the test creates a persistent TAP there (Linux side 192.0.2.1/24, up),
 * and each `axnet CMD --tap TAP ...` opens it, brings a stack up on it,
 * does its work and exits. Checked:
 *   - ping: three replies from Linux, iputils' summary, exit 0; a dead
 *     address gets no reply and exit 1; a missing HOST is a usage error;
 *   - ifconfig / route / stats --json: valid JSON with the right fields
 *     (python3's json module parses and checks it);
 *   - nc: 200 kB both ways against socat (TCP connect, TCP listen, and an
 *     echo through Linux), UDP both ways; bytes compared with cmp;
 *   - resolve against dnsmasq: an address, a CNAME, NXDOMAIN (exit 1);
 *   - --dhcp against dnsmasq: the lease line (and no DHCP-14 warning) and
 *     the leased address.
 * Skipped without root (or tools); the dnsmasq tests without dnsmasq.
 * The binary's path comes from the build (AXN_TOOL_PATH).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_ns.h"
#include "cli_run.h"
#include "cmd.h"

#define TAP_NAME       "axcli0"
#define LINUX_IP       "192.0.2.1"
#define OUR_CIDR       "192.0.2.2/24"
#define OUR_IP         "192.0.2.2"
#define DEAD_IP        "192.0.2.99"
#define STATIC_FLAGS   "--tap " TAP_NAME " --ip " OUR_CIDR " --gw " LINUX_IP
#define WEB_NAME       "web.axn.test"
#define ALIAS_NAME     "www.axn.test"
#define WEB_IP         "192.0.2.80"
#define GW_NAME        "gw.axn.test" /* Linux's address, for ping by name */
#define RANGE_FIRST    "192.0.2.50"
#define RANGE_LAST     "192.0.2.60"
#define DATA_BYTES     200000
#define OUT_LEN        65536
#define EXIT_NO_REPLY  1
#define EXIT_USAGE     2
#define DNSMASQ_WAIT_S 5
#define STOP_WAIT_MS   3000
#define DECIMAL        10

static struct {
    struct axn_cli_ns w; /* namespace, scratch dir, persistent TAP */
    char out[OUT_LEN];
    long dnsmasq_pid;
} fx;

/* Runs `axnet ARGS` (printf-style) in the namespace; stdout (and stderr
 * when the arguments say 2>&1) in fx.out. Returns the exit status. */
#define axnet(...) axn_cli_ns_tool(&fx.w, fx.out, sizeof(fx.out), AXN_TOOL_PATH, "", __VA_ARGS__)

/* A shell command (printf-style) in the namespace; output in fx.out. */
#define sh(...) axn_cli_ns_sh(&fx.w, fx.out, sizeof(fx.out), __VA_ARGS__)

/* ---- Fixture ----------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    /* A persistent TAP the runner opens (and leaves) each time. */
    if (axn_cli_ns_open(&fx.w, "cli", TAP_NAME, LINUX_IP) != 0)
        return -1;
    return sh("head -c %d /dev/urandom > %s/data", DATA_BYTES, fx.w.dir) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    axn_cli_ns_close(&fx.w, &fx.dnsmasq_pid, 1, STOP_WAIT_MS);
    return 0;
}

/* ---- ping -------------------------------------------------------------------- */

static void ping_gets_three_replies(void **state)
{
    (void)state;
    assert_int_equal(axnet("ping %s -c 3 -i 0.2 %s", LINUX_IP, STATIC_FLAGS), 0);
    assert_non_null(strstr(fx.out, "PING " LINUX_IP " (" LINUX_IP ") 56(84) bytes of data."));
    assert_int_equal(axn_cli_count(fx.out, "64 bytes from " LINUX_IP ": icmp_seq="), 3);
    assert_non_null(strstr(fx.out, "icmp_seq=1 ttl=64 time="));
    assert_non_null(strstr(fx.out, "icmp_seq=3 ttl=64 time="));
    assert_non_null(strstr(fx.out, "3 packets transmitted, 3 received, 0% packet loss"));
    assert_non_null(strstr(fx.out, "rtt min/avg/max/mdev = "));
}

/* Nobody answers ARP for it: the stack gives up (about 3 s) and the ping
 * socket reports it (IP_RECVERR), as iputils prints it. */
static void ping_dead_address_fails(void **state)
{
    (void)state;
    assert_int_equal(axnet("ping %s -c 1 -W 6 %s", DEAD_IP, STATIC_FLAGS), EXIT_NO_REPLY);
    assert_int_equal(axn_cli_count(fx.out, "bytes from"), 0);
    assert_non_null(strstr(fx.out, "From " OUR_IP " icmp_seq=1 Destination Host Unreachable\n"));
    assert_non_null(
        strstr(fx.out, "1 packets transmitted, 0 received, +1 errors, 100% packet loss"));
    /* A big one: fragmented on the way out, reassembled on the way in. */
    assert_int_equal(axnet("ping %s -c 1 -s 3000 %s", LINUX_IP, STATIC_FLAGS), 0);
    assert_non_null(strstr(fx.out, "3008 bytes from " LINUX_IP ": icmp_seq=1 ttl=64"));
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(axnet("ping %s", STATIC_FLAGS), EXIT_USAGE);
    assert_int_equal(axnet("ping %s -c nope %s", LINUX_IP, STATIC_FLAGS), EXIT_USAGE);
    assert_int_equal(axnet("ifconfig --ip 1.2.3.4/40 --tap %s", TAP_NAME), EXIT_USAGE);
    assert_int_equal(axnet("nc %s", STATIC_FLAGS), EXIT_USAGE);
    assert_int_equal(axnet("ping --help"), 0);
    assert_non_null(strstr(fx.out, "usage: axnet ping HOST"));
}

/* ---- Tables as JSON ---------------------------------------------------------- */

/* Runs python3 with `check` on the JSON in fx.w.dir/out.json. */
static int json_check(const char *check)
{
    return sh("python3 -c 'import json,sys\nd=json.load(open(\"%s/out.json\"))\n%s' 2>&1", fx.w.dir,
              check);
}

static void ifconfig_json_parses(void **state)
{
    (void)state;
    assert_int_equal(axnet("ifconfig %s --json > %s/out.json", STATIC_FLAGS, fx.w.dir), 0);
    assert_int_equal(json_check("e=[i for i in d[\"interfaces\"] if i[\"name\"]==\"eth0\"][0]\n"
                                "assert e[\"addr\"]==\"" OUR_IP "\", e\n"
                                "assert e[\"prefix_len\"]==24 and e[\"mtu\"]==1500, e\n"
                                "assert e[\"gateway\"]==\"" LINUX_IP "\", e\n"
                                "assert \"UP\" in e[\"flags\"].split(\",\"), e\n"
                                "assert d[\"interfaces\"][0][\"name\"]==\"lo\"\n"),
                     0);
    /* The text form, with the MAC and MTU asked for. */
    assert_int_equal(axnet("ifconfig %s --mac 02:00:00:00:00:42 --mtu 1400", STATIC_FLAGS), 0);
    assert_non_null(strstr(fx.out, "ifindex  name  flags"));
    assert_non_null(
        strstr(fx.out, "  eth0  UP,BROADCAST,RUNNING,MULTICAST  1400  02:00:00:00:00:42  " OUR_IP));
}

static void route_and_stats_json_parse(void **state)
{
    (void)state;
    assert_int_equal(axnet("route %s --json > %s/out.json", STATIC_FLAGS, fx.w.dir), 0);
    assert_int_equal(json_check("r=[x for x in d[\"routes\"] if x[\"prefix_len\"]==0]\n"
                                "assert r and r[0][\"gateway\"]==\"" LINUX_IP "\", d\n"
                                "assert r[0][\"dev\"]==\"eth0\", d\n"),
                     0);
    assert_int_equal(axnet("arp %s --json > %s/out.json", STATIC_FLAGS, fx.w.dir), 0);
    assert_int_equal(json_check("assert isinstance(d[\"arp\"], list), d\n"), 0);
    assert_int_equal(axnet("stats %s --json > %s/out.json", STATIC_FLAGS, fx.w.dir), 0);
    assert_int_equal(
        json_check("assert set(d)=={\"links\",\"snmp\",\"dhcp\",\"dns\"}, d.keys()\n"
                   "s={(x[\"group\"],x[\"counter\"]):x[\"value\"] for x in d[\"snmp\"]}\n"
                   "assert s[(\"Ip\",\"DefaultTTL\")]==64, s\n"
                   "assert any(x[\"name\"]==\"eth0\" for x in d[\"links\"])\n"),
        0);
}

/* Waits until a Linux socket listens on `port` (ss -l, `proto` t or u), so a
 * packet of ours never meets a closed port on a loaded machine. */
static void wait_listening(char proto, int port)
{
    assert_int_equal(sh("for i in $(seq 100); do ss -ln%c | grep -q ':%d ' && exit 0; sleep 0.1; "
                        "done; exit 1",
                        proto, port),
                     0);
}

/* ---- nc ---------------------------------------------------------------------- */

/* cmp, giving a writer that is still finishing (socat) a few seconds. */
static int same_files(const char *a, const char *b)
{
    return sh("for i in $(seq 50); do cmp -s %s/%s %s/%s && exit 0; sleep 0.1; done; "
              "cmp %s/%s %s/%s",
              fx.w.dir, a, fx.w.dir, b, fx.w.dir, a, fx.w.dir, b);
}

static void nc_tcp_both_ways(void **state)
{
    (void)state;
    /* axnet connects: Linux's socat writes what it gets to a file. */
    assert_int_equal(sh("(timeout 20 socat -u TCP-LISTEN:5002,reuseaddr OPEN:%s/in1,creat "
                        ">/dev/null 2>&1 &)",
                        fx.w.dir),
                     0);
    wait_listening('t', 5002);
    assert_int_equal(axnet("nc %s 5002 %s < %s/data", LINUX_IP, STATIC_FLAGS, fx.w.dir), 0);
    assert_int_equal(same_files("data", "in1"), 0);
    /* axnet listens: socat connects (retrying until the stack is up). */
    assert_int_equal(sh("(%s nc -l 5001 %s < /dev/null > %s/in2; echo $? > %s/rc2) & "
                        "for i in $(seq 100); do socat -u FILE:%s/data TCP:%s:5001 2>/dev/null && "
                        "break; sleep 0.1; done; wait",
                        AXN_TOOL_PATH, STATIC_FLAGS, fx.w.dir, fx.w.dir, fx.w.dir, OUR_IP),
                     0);
    assert_int_equal(sh("cmp %s/data %s/in2 && grep -qx 0 %s/rc2", fx.w.dir, fx.w.dir, fx.w.dir),
                     0);
    /* Nobody listens: Linux answers RST, one line and exit 1. */
    assert_int_equal(axnet("nc %s 5999 %s < /dev/null 2>&1", LINUX_IP, STATIC_FLAGS),
                     EXIT_NO_REPLY);
    assert_non_null(strstr(fx.out,
                           "axnet nc: connect to " LINUX_IP " port 5999 (tcp) failed: Connection "
                           "refused\n"));
    /* Both directions at once: Linux echoes, axnet reads it all back. */
    assert_int_equal(sh("(timeout 20 socat TCP-LISTEN:5005,reuseaddr EXEC:cat >/dev/null 2>&1 &)"),
                     0);
    wait_listening('t', 5005);
    assert_int_equal(
        axnet("nc %s 5005 %s < %s/data > %s/echo", LINUX_IP, STATIC_FLAGS, fx.w.dir, fx.w.dir), 0);
    assert_int_equal(sh("cmp %s/data %s/echo", fx.w.dir, fx.w.dir), 0);
}

static void nc_udp_both_ways(void **state)
{
    (void)state;
    assert_int_equal(sh("echo 'datagram from axnet' > %s/dgram && "
                        "(timeout 10 socat -u UDP-RECV:5003 OPEN:%s/uin1,creat >/dev/null 2>&1 &)",
                        fx.w.dir, fx.w.dir),
                     0);
    wait_listening('u', 5003);
    assert_int_equal(axnet("nc -u -w 0.5 %s 5003 %s < %s/dgram", LINUX_IP, STATIC_FLAGS, fx.w.dir),
                     0);
    assert_int_equal(same_files("dgram", "uin1"), 0);
    /* axnet listens; Linux sends until the datagram got through (each
     * try from a new port: once axnet has its peer, it ignores others). */
    assert_int_equal(sh("(%s nc -l -u -w 0.5 5004 %s < /dev/null > %s/uin2; echo $? > %s/urc) & "
                        "for i in $(seq 50); do sleep 0.2; [ -s %s/uin2 ] && break; "
                        "socat -u FILE:%s/dgram UDP:%s:5004; done; wait",
                        AXN_TOOL_PATH, STATIC_FLAGS, fx.w.dir, fx.w.dir, fx.w.dir, fx.w.dir,
                        OUR_IP),
                     0);
    assert_int_equal(sh("cmp %s/dgram %s/uin2 && grep -qx 0 %s/urc", fx.w.dir, fx.w.dir, fx.w.dir),
                     0);
}

/* ---- Against dnsmasq --------------------------------------------------------- */

static void start_dnsmasq(void)
{
    if (!axn_cmd_exists("dnsmasq"))
        skip();
    assert_int_equal(sh("printf '%s %s\\n%s %s\\n' > %s/hosts && "
                        "dnsmasq --no-daemon --conf-file=/dev/null --user=root --interface=%s "
                        "--bind-interfaces --except-interface=lo --dhcp-range=%s,%s "
                        "--dhcp-option=option:router,%s --dhcp-option=option:dns-server,%s "
                        "--no-resolv --no-hosts --addn-hosts=%s/hosts --local=/axn.test/ "
                        "--cname=%s,%s --dhcp-leasefile=%s/leases >%s/dnsmasq.out 2>&1 "
                        "</dev/null & echo $!",
                        WEB_IP, WEB_NAME, LINUX_IP, GW_NAME, fx.w.dir, TAP_NAME, RANGE_FIRST,
                        RANGE_LAST, LINUX_IP, LINUX_IP, fx.w.dir, ALIAS_NAME, WEB_NAME, fx.w.dir,
                        fx.w.dir),
                     0);
    fx.dnsmasq_pid = strtol(fx.out, NULL, DECIMAL);
    assert_true(fx.dnsmasq_pid > 0);
    /* Up once it answers a query on its port. */
    assert_int_equal(sh("for i in $(seq %d); do grep -q 'started' %s/dnsmasq.out && exit 0; "
                        "sleep 0.1; done; exit 1",
                        DNSMASQ_WAIT_S * DECIMAL, fx.w.dir),
                     0);
}

static void resolve_against_dnsmasq(void **state)
{
    (void)state;
    start_dnsmasq();
    assert_int_equal(axnet("resolve %s %s --dns %s", WEB_NAME, STATIC_FLAGS, LINUX_IP), 0);
    assert_non_null(strstr(fx.out, WEB_NAME " has address " WEB_IP "\n"));
    assert_non_null(strstr(fx.out, "server: " LINUX_IP "\n"));
    assert_int_equal(axnet("resolve %s -4 %s --dns %s", ALIAS_NAME, STATIC_FLAGS, LINUX_IP), 0);
    assert_non_null(strstr(fx.out, ALIAS_NAME " is an alias for " WEB_NAME ".\n"));
    assert_non_null(strstr(fx.out, WEB_NAME " has address " WEB_IP "\n"));
    assert_int_equal(axnet("resolve nope.axn.test %s --dns %s 2>&1", STATIC_FLAGS, LINUX_IP),
                     EXIT_NO_REPLY);
    assert_non_null(strstr(fx.out, "axnet resolve: nope.axn.test: no such name (NXDOMAIN)\n"));
    /* ping takes a name too. */
    assert_int_equal(axnet("ping %s -c 1 %s --dns %s", GW_NAME, STATIC_FLAGS, LINUX_IP), 0);
    assert_non_null(strstr(fx.out, "PING " GW_NAME " (" LINUX_IP ") 56(84) bytes of data."));
    assert_non_null(strstr(fx.out, "1 packets transmitted, 1 received"));
    /* Without a server: one line, exit 1. */
    assert_int_equal(axnet("resolve %s %s 2>&1", WEB_NAME, STATIC_FLAGS), EXIT_NO_REPLY);
    assert_non_null(strstr(fx.out, "no DNS server configured"));
}

static void dhcp_boot_against_dnsmasq(void **state)
{
    (void)state;
    start_dnsmasq();
    assert_int_equal(axnet("ifconfig --tap %s --dhcp --json 2>%s/err >%s/out.json", TAP_NAME,
                           fx.w.dir, fx.w.dir),
                     0);
    assert_int_equal(sh("grep -E 'axnet ifconfig: eth0: DHCP lease 192\\.0\\.2\\.(5[0-9]|60)/24 "
                        "router %s dns %s for [0-9]+ s from %s' %s/err",
                        LINUX_IP, LINUX_IP, LINUX_IP, fx.w.dir),
                     0);
    /* The runner's wait is the only one: no DHCP-14 warning on the way. */
    assert_int_not_equal(sh("grep 'bootstrap timed out' %s/err", fx.w.dir), 0);
    assert_int_equal(json_check("e=[i for i in d[\"interfaces\"] if i[\"name\"]==\"eth0\"][0]\n"
                                "a=[int(x) for x in e[\"addr\"].split(\".\")]\n"
                                "assert a[:3]==[192,0,2] and 50<=a[3]<=60, e\n"
                                "assert e[\"gateway\"]==\"" LINUX_IP "\", e\n"),
                     0);
    /* The lease names the DNS server: a name resolves without --dns. */
    assert_int_equal(axnet("resolve %s --tap %s --dhcp", WEB_NAME, TAP_NAME), 0);
    assert_non_null(strstr(fx.out, WEB_NAME " has address " WEB_IP "\n"));
}

int main(void)
{
#ifndef AXN_TOOL_PATH
    fprintf(stderr, "test_cli_tap: the axnet tool is not built\n");
    return AXN_TEST_SKIP;
#else
    static const char *const tools[] = {"socat", "python3", "cmp", "timeout", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ping_gets_three_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_dead_address_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_errors_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(ifconfig_json_parses, setup, teardown),
        cmocka_unit_test_setup_teardown(route_and_stats_json_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(nc_tcp_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(nc_udp_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(resolve_against_dnsmasq, setup, teardown),
        cmocka_unit_test_setup_teardown(dhcp_boot_against_dnsmasq, setup, teardown),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
