/*
 * `axnet --sim` (tools/runner_sim.c): every subcommand of the built binary
 * on the simulated network, against the in-process gateway (10.0.0.1:
 * DHCP, DNS for sim.test, echo, HTTP, iperf3). No root, no namespace, no
 * TAP: it runs as any user. Checked, with exit codes:
 *   - ping by name after a DHCP boot: the lease line, three replies;
 *     --delay in the round trip; --loss 100 (exit 1);
 *   - resolve: an address, NXDOMAIN (exit 1);
 *   - http-get -o FILE: the 1 MiB data.bin byte for byte (also over a
 *     lossy, slow wire); hello.txt on stdout; a 404 (exit 1);
 *   - nc: a TCP and a UDP echo round trip;
 *   - ifconfig --json, route, arp, stats --json: the rows the lease made;
 *   - iperf3 against the gateway's server;
 *   - --pcap: a capture file; SIGINT: a clean exit 0 with the summary;
 *   - usage errors (exit 2).
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
#include <unistd.h>

#include "cli_run.h"
#include "cmd.h"

#define GW_IP          "10.0.0.1"
#define LEASED_IP      "10.0.0.100" /* the pool's first: each run has a new gateway */
#define STATIC         "--sim --ip 10.0.0.2/24 --gw " GW_IP
#define STATIC_DNS     STATIC " --dns " GW_IP
#define DATA_BYTES     (1024 * 1024)
#define DATA_MODULO    251 /* data.bin: byte i is i % 251 */
#define HELLO_TEXT     "Hello from the axnet sim gateway!\n"
#define OUT_LEN        65536
#define CMD_LEN        1024
#define PATH_LEN       256
#define EXIT_FAIL      1
#define EXIT_USAGE     2
#define SKIP_RC        77
#define RUN_TIMEOUT_MS 30000
#define DELAY_MS       10.0 /* one way: a round trip takes twice it */
#define PUMP_TICK_MS   1.0  /* how late the wire's clock may be */
#define SIGINT_AFTER_S "1.5"
#define PCAP_HEADER    24 /* bytes of a pcap file's global header */
#define NC_BYTES       200000
#define UDP_TEXT       "one datagram over the simulated wire\n"
#define LCG_SEED       12345u
#define LCG_MUL        1664525u
#define LCG_ADD        1013904223u
#define LCG_SHIFT      24

static struct {
    char dir[PATH_LEN];
    char out[OUT_LEN];
} fx;

/* Runs `sh -c "AXNET ARGS"` (printf-style; ARGS may redirect, e.g.
 * 2>&1); stdout in fx.out. Returns the exit status. */
static int axnet(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int axnet(const char *fmt, ...)
{
    char args[CMD_LEN], cmd[CMD_LEN + PATH_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "%s %s", AXN_TOOL_PATH, args);
    const char *const argv[] = {"sh", "-c", cmd, NULL};
    const int rc = axn_cmd_run(argv, fx.out, sizeof(fx.out), RUN_TIMEOUT_MS);
    print_message("$ axnet %s  -> %d\n%s", args, rc, fx.out);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    const char *tmp = getenv("TMPDIR");
    snprintf(fx.dir, sizeof(fx.dir), "%s/axn-cli-sim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(fx.dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_LEN * 2];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
    return axn_cmd_sh(cmd, NULL, 0) == 0 ? 0 : -1;
}

/* The file fx.dir/NAME holds DATA_BYTES of data.bin's pattern. */
static void assert_data_file(const char *name)
{
    char path[PATH_LEN * 2];
    snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    long i = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c != (int)(i % DATA_MODULO))
            fail_msg("%s: byte %ld is %d, not %ld", name, i, c, i % DATA_MODULO);
        i++;
    }
    fclose(f);
    assert_int_equal(i, DATA_BYTES);
}

/* ---- ping ----------------------------------------------------------------------- */

static void ping_by_name_after_dhcp(void **state)
{
    (void)state;
    assert_int_equal(axnet("ping gw.sim.test -c 3 -i 0.2 --sim 2>&1"), 0);
    assert_non_null(strstr(fx.out, "axnet ping: eth0: DHCP lease " LEASED_IP "/24 router " GW_IP
                                   " dns " GW_IP " for 3600 s from " GW_IP));
    assert_non_null(strstr(fx.out, "PING gw.sim.test (" GW_IP ") 56(84) bytes of data."));
    assert_int_equal(axn_cli_count(fx.out, "64 bytes from " GW_IP ": icmp_seq="), 3);
    assert_non_null(strstr(fx.out, "3 packets transmitted, 3 received, 0% packet loss"));
}

static void ping_delayed_and_lost(void **state)
{
    (void)state;
    /* --delay is each way: every round trip takes about twice it (the
     * wire's clock follows the real one a tick late, so a frame may leave
     * up to a tick early). */
    assert_int_equal(axnet("ping " GW_IP " -c 2 -i 0.2 --delay %.0f " STATIC, DELAY_MS), 0);
    const char *rtt = strstr(fx.out, "rtt min/avg/max/mdev = ");
    assert_non_null(rtt);
    const double min = strtod(rtt + strlen("rtt min/avg/max/mdev = "), NULL);
    assert_true(min >= 2 * (DELAY_MS - PUMP_TICK_MS));
    /* Every frame lost: no reply, exit 1. */
    assert_int_equal(axnet("ping " GW_IP " -c 1 -W 1 --loss 100 " STATIC), EXIT_FAIL);
    assert_non_null(strstr(fx.out, "1 packets transmitted, 0 received"));
}

/* ---- resolve, http-get, nc ----------------------------------------------------- */

static void resolve_names(void **state)
{
    (void)state;
    assert_int_equal(axnet("resolve www.sim.test -4 " STATIC_DNS), 0);
    assert_non_null(strstr(fx.out, "www.sim.test has address " GW_IP "\n"));
    assert_int_equal(axnet("resolve nope.sim.test -4 " STATIC_DNS " 2>&1"), EXIT_FAIL);
    assert_non_null(strstr(fx.out, "nope.sim.test: no such name (NXDOMAIN)"));
}

static void http_get_files(void **state)
{
    (void)state;
    assert_int_equal(axnet("http-get http://www.sim.test/data.bin -o %s/data --sim", fx.dir), 0);
    assert_data_file("data");
    /* Loss and delay: TCP recovers, the bytes are the same. */
    assert_int_equal(
        axnet("http-get http://" GW_IP "/data.bin -o %s/lossy --loss 2 --delay 1 " STATIC, fx.dir),
        0);
    assert_data_file("lossy");
    assert_int_equal(axnet("http-get http://" GW_IP "/hello.txt " STATIC), 0);
    assert_string_equal(fx.out, HELLO_TEXT);
    assert_int_equal(axnet("http-get http://" GW_IP "/nope " STATIC " 2>&1"), EXIT_FAIL);
    assert_non_null(strstr(fx.out, "HTTP 404 from " GW_IP ":80"));
}

/* fx.dir/NAME, `len` bytes from a seeded LCG (Numerical Recipes'). */
static void write_random(const char *name, size_t len)
{
    char path[PATH_LEN * 2];
    snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t x = LCG_SEED;
    for (size_t i = 0; i < len; i++) {
        x = x * LCG_MUL + LCG_ADD;
        fputc((int)(x >> LCG_SHIFT), f);
    }
    assert_int_equal(fclose(f), 0);
}

static void nc_echo_tcp_and_udp(void **state)
{
    (void)state;
    write_random("in", NC_BYTES);
    assert_int_equal(axnet("nc " GW_IP " 7 " STATIC " < %s/in > %s/tcp", fx.dir, fx.dir), 0);
    char cmp[PATH_LEN * 3];
    snprintf(cmp, sizeof(cmp), "cmp %s/in %s/tcp", fx.dir, fx.dir);
    assert_int_equal(axn_cmd_sh(cmp, NULL, 0), 0);
    /* UDP: one datagram, echoed once. */
    snprintf(cmp, sizeof(cmp), "printf '%%s' '%s' > %s/in.txt", UDP_TEXT, fx.dir);
    assert_int_equal(axn_cmd_sh(cmp, NULL, 0), 0);
    assert_int_equal(axnet("nc -u -w 1 " GW_IP " 7 " STATIC " < %s/in.txt", fx.dir), 0);
    assert_string_equal(fx.out, UDP_TEXT);
}

/* ---- Tables, iperf3 ------------------------------------------------------------- */

static void tables_show_the_lease(void **state)
{
    (void)state;
    assert_int_equal(axnet("ifconfig --json --sim"), 0);
    assert_non_null(strstr(fx.out, "{\"interfaces\": ["));
    assert_non_null(strstr(fx.out, "\"name\": \"eth0\", \"flags\": \"UP,BROADCAST,RUNNING,"
                                   "MULTICAST\", \"mtu\": 1500"));
    assert_non_null(strstr(fx.out, "\"addr\": \"" LEASED_IP "\", \"prefix_len\": 24, "
                                   "\"gateway\": \"" GW_IP "\""));
    assert_int_equal(axnet("route --sim"), 0);
    assert_non_null(strstr(fx.out, "10.0.0.0             24            eth0  " LEASED_IP));
    assert_non_null(strstr(fx.out, "0.0.0.0               0  " GW_IP "  eth0  " LEASED_IP));
    assert_int_equal(axnet("arp --sim --mac 02:00:00:00:00:42"), 0);
    assert_non_null(strstr(fx.out, "address"));
    assert_int_equal(axnet("stats --json --sim"), 0);
    assert_non_null(strstr(fx.out, "{\"links\": ["));
    assert_non_null(strstr(fx.out, "{\"group\": \"Ip\", \"counter\": \"DefaultTTL\", "
                                   "\"value\": 64}"));
    assert_non_null(strstr(fx.out, "{\"iface\": \"eth0\", \"state\": \"bound\", \"addr\": "
                                   "\"" LEASED_IP "\""));
    assert_non_null(strstr(fx.out, "\"dns\": ["));
}

static void iperf3_against_the_gateway(void **state)
{
    (void)state;
    assert_int_equal(axnet("iperf3 -c " GW_IP " -t 1 " STATIC), 0);
    assert_non_null(strstr(fx.out, "Connecting to host " GW_IP ", port 5201"));
    assert_non_null(strstr(fx.out, "receiver (server)"));
}

/* ---- pcap, SIGINT, usage ---------------------------------------------------------- */

static void pcap_and_sigint(void **state)
{
    (void)state;
    assert_int_equal(axnet("ping " GW_IP " -c 1 --pcap %s/cap.pcap " STATIC, fx.dir), 0);
    char path[PATH_LEN * 2];
    snprintf(path, sizeof(path), "%s/cap.pcap", fx.dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_true(ftell(f) > PCAP_HEADER); /* the header and frames */
    fclose(f);
    /* Ctrl-C: the summary, exit 0 (a reply came), and a clean shutdown
     * (under ASan a leak would make the exit status nonzero). */
    assert_int_equal(axnet("ping " GW_IP " -i 0.2 " STATIC " & p=$!; sleep " SIGINT_AFTER_S
                           "; kill -INT $p; wait $p"),
                     0);
    assert_non_null(strstr(fx.out, "--- " GW_IP " ping statistics ---"));
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(axnet("ifconfig --sim --tap axsim0 2>&1"), EXIT_USAGE);
    assert_non_null(strstr(fx.out, "--sim replaces --tap"));
    assert_int_equal(axnet("ifconfig --loss 5 2>&1"), EXIT_USAGE);
    assert_non_null(strstr(fx.out, "--loss and --delay need --sim"));
    assert_int_equal(axnet("ifconfig --sim --loss 101 2>&1"), EXIT_USAGE);
    assert_int_equal(axnet("ifconfig --sim --delay x 2>&1"), EXIT_USAGE);
    assert_int_equal(axnet("ifconfig --sim --dhcp --ip 10.0.0.2/24 2>&1"), EXIT_USAGE);
    assert_int_equal(axnet("ping --help"), 0);
    assert_non_null(strstr(fx.out, "--sim"));
}

int main(void)
{
#ifndef AXN_TOOL_PATH
    return SKIP_RC; /* no axnet binary in this build */
#else
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ping_by_name_after_dhcp, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_delayed_and_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(resolve_names, setup, teardown),
        cmocka_unit_test_setup_teardown(http_get_files, setup, teardown),
        cmocka_unit_test_setup_teardown(nc_echo_tcp_and_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(tables_show_the_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(iperf3_against_the_gateway, setup, teardown),
        cmocka_unit_test_setup_teardown(pcap_and_sigint, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_errors_exit_2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
