/*
 * The rest of the scripted `axnet` session (with test_cli_tap and
 * test_cli_serve_tap: every subcommand at least once, its output checked),
 * in a namespace of the test's own with a persistent TAP (Linux side
 * 192.0.2.1/24). Checked:
 *   - `axnet --help` names every command; an unknown command, and a bad
 *     flag to each command, is one line on stderr naming it, exit 2; a bad
 *     runner value too; no interface is one line and a failure;
 *   - route, arp and stats as aligned text: headers and rows;
 *   - serve --discard --chargen --iperf3 (on the existing TAP): bytes and
 *     a datagram discarded, the RFC 864 pattern over TCP and UDP, Linux's
 *     iperf3 UDP, reverse and UDP reverse tests (JSON without "error"),
 *     echo's port closed; SIGINT: exit 0 and each counter line exact;
 *   - errors are one line and exit 1: http-get to a closed port and to a
 *     host nobody answers for, iperf3 and nc to that host, iperf3 refused;
 *   - the iperf3 client with two streams; Ctrl-C while it connects, while
 *     it looks a name up and while the server says nothing: exit 1,
 *     "interrupted", promptly.
 * Skipped without root or the tools. The binary comes from AXN_TOOL_PATH.
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
#include "cmd.h"

#define TAP_NAME     "axmore0"
#define LINUX_IP     "192.0.2.1"
#define OUR_IP       "192.0.2.2"
#define DEAD_IP      "192.0.2.99" /* nobody answers ARP for it */
#define STATIC_FLAGS "--tap " TAP_NAME " --ip " OUR_IP "/24 --gw " LINUX_IP
#define OUT_LEN      65536
#define PATH_LEN     256
#define EXIT_FAIL    1
#define EXIT_USAGE   2
#define STOP_WAIT_MS 3000
#define DECIMAL      10
/* What discard gets over TCP. */
#define DISCARD_BYTES 10000
/* RFC 864: 72 characters from the 95 printable ones (from ' '), then CRLF;
 * each line starts one character further. */
#define CHARGEN_LINE      72
#define CHARGEN_LINE_LEN  (CHARGEN_LINE + 2)
#define CHARGEN_FIRST     ' '
#define CHARGEN_ALPHABET  95
#define CHARGEN_TCP_LINES 3
#define CHARGEN_UDP_LINES 6 /* tools/inet_services.h: 444 bytes a datagram */
/* SIGINT to the exit: well under this (ms). */
#define QUICK_MS 1500

static const char *const commands[] = {"ping",   "resolve",  "http-get", "nc",  "serve",
                                       "iperf3", "ifconfig", "route",    "arp", "stats"};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static struct {
    struct axn_cli_ns w; /* namespace, scratch dir, persistent TAP */
    char out[OUT_LEN];
    long bg[2]; /* axnet serve, a Linux server: stopped at teardown */
} fx;

/* A shell command (printf-style) in the namespace, logged; output in fx.out. */
#define sh(...) axn_cli_ns_shlog(&fx.w, fx.out, sizeof(fx.out), __VA_ARGS__)

/* `axnet ARGS`, stderr and stdout together in fx.out: the exit status. */
#define axnet(...)                                                                                 \
    axn_cli_ns_tool(&fx.w, fx.out, sizeof(fx.out), AXN_TOOL_PATH, "2>&1 </dev/null", __VA_ARGS__)

/* fx.out is exactly one line, and it contains `needle`. */
static void assert_one_line(const char *needle)
{
    const char *nl = strchr(fx.out, '\n');
    assert_non_null(nl);
    assert_int_equal(nl - fx.out + 1, (long)strlen(fx.out));
    assert_non_null(strstr(fx.out, needle));
}

/* A line of fx.out that starts with `prefix` (NULL if none). */
static const char *line_starting(const char *prefix)
{
    const size_t n = strlen(prefix);
    for (const char *p = fx.out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, n))
            return p;
    return NULL;
}

/* "ms=N" in fx.out (a shell's measure of a stop): N. */
static long ms_in_out(void)
{
    const char *ms = strstr(fx.out, "ms=");
    assert_non_null(ms);
    return strtol(ms + strlen("ms="), NULL, DECIMAL);
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    return axn_cli_ns_open(&fx.w, "more", TAP_NAME, LINUX_IP);
}

static int teardown(void **state)
{
    (void)state;
    axn_cli_ns_close(&fx.w, fx.bg, 2, STOP_WAIT_MS);
    return 0;
}

/* ---- Help and bad flags ------------------------------------------------------ */

static void help_and_bad_flags(void **state)
{
    (void)state;
    char want[PATH_LEN];
    assert_int_equal(axnet("--help"), 0);
    assert_non_null(strstr(fx.out, "usage: axnet COMMAND [options]\n"));
    for (size_t i = 0; i < N_COMMANDS; i++) {
        snprintf(want, sizeof(want), "\n  %s ", commands[i]);
        assert_non_null(strstr(fx.out, want));
    }
    assert_int_equal(axnet("bogus"), EXIT_USAGE);
    assert_one_line("axnet: unknown command 'bogus' (try axnet --help)");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        assert_int_equal(axnet("%s --bogus %s", commands[i], STATIC_FLAGS), EXIT_USAGE);
        snprintf(want, sizeof(want), "axnet %s: ", commands[i]);
        assert_one_line(want);
        assert_non_null(strstr(fx.out, "'--bogus' (try --help)"));
        assert_int_equal(axnet("%s --help", commands[i]), 0);
        snprintf(want, sizeof(want), "usage: axnet %s", commands[i]);
        assert_non_null(strstr(fx.out, want));
    }
    assert_int_equal(axnet("ping %s -c 1 --tap %s --ip 1.2.3.4/33", LINUX_IP, TAP_NAME),
                     EXIT_USAGE);
    assert_one_line("axnet ping: bad value for --ip: '1.2.3.4/33'");
    assert_int_not_equal(axnet("ifconfig"), 0);
    assert_one_line("axnet ifconfig: no interface: give --tap NAME");
}

/* ---- Tables as text ---------------------------------------------------------- */

static void tables_as_text(void **state)
{
    (void)state;
    assert_int_equal(axnet("route %s", STATIC_FLAGS), 0);
    assert_non_null(line_starting("destination  prefix_len  gateway    dev   source     metric\n"));
    assert_non_null(line_starting("192.0.2.0            24             eth0  192.0.2.2     100\n"));
    assert_non_null(line_starting("0.0.0.0               0  192.0.2.1  eth0  192.0.2.2     100\n"));
    assert_non_null(line_starting("127.0.0.0             8             lo    127.0.0.1       0\n"));
    /* A stack just up has resolved nobody yet: the header alone. */
    assert_int_equal(axnet("arp %s", STATIC_FLAGS), 0);
    assert_string_equal(fx.out, "address  mac  flags  dev\n");
    assert_int_equal(axnet("stats %s", STATIC_FLAGS), 0);
    assert_non_null(line_starting("links:\n"));
    assert_non_null(line_starting("ifindex  name  rx_packets  tx_packets  rx_bytes  tx_bytes"));
    assert_non_null(line_starting("      2  eth0  "));
    assert_non_null(line_starting("protocol counters:\n"));
    assert_non_null(line_starting("group    counter                  value\n"));
    assert_non_null(line_starting("Ip       DefaultTTL                  64\n"));
    assert_non_null(line_starting("Tcp      "));
    assert_non_null(line_starting("Udp      "));
}

/* ---- serve: discard, chargen, iperf3 ----------------------------------------- */

/* `n` lines of the RFC 864 pattern from line `first` at p. */
static void assert_chargen(const char *p, int first, int n)
{
    for (int l = 0; l < n; l++, p += CHARGEN_LINE_LEN) {
        for (int i = 0; i < CHARGEN_LINE; i++)
            assert_int_equal(p[i], CHARGEN_FIRST + (first + l + i) % CHARGEN_ALPHABET);
        assert_memory_equal(p + CHARGEN_LINE, "\r\n", 2);
    }
}

static void start_serve(void)
{
    assert_int_equal(sh("(%s serve --discard --chargen --iperf3 %s </dev/null >%s/serve.out "
                        "2>%s/serve.err & echo $! > %s/serve.pid; wait $!; echo $? > "
                        "%s/serve.rc) >/dev/null 2>&1 & "
                        "for i in $(seq 100); do [ -s %s/serve.pid ] && break; sleep 0.05; done; "
                        "cat %s/serve.pid",
                        AXN_TOOL_PATH, STATIC_FLAGS, fx.w.dir, fx.w.dir, fx.w.dir, fx.w.dir,
                        fx.w.dir, fx.w.dir),
                     0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    assert_true(fx.bg[0] > 0);
    assert_int_equal(sh("for i in $(seq 100); do grep -q ready %s/serve.err && exit 0; "
                        "sleep 0.1; done; exit 1",
                        fx.w.dir),
                     0);
}

/* Linux's iperf3 for 1 s with `args`: JSON without "error", bytes moved. */
static void linux_iperf3(const char *args)
{
    assert_int_equal(sh("timeout 20 iperf3 -c %s -t 1 -J %s > %s/ip.json; python3 -c 'import json\n"
                        "d=json.load(open(\"%s/ip.json\"))\n"
                        "assert \"error\" not in d, d[\"error\"]\n"
                        "assert d[\"end\"][\"sum_received\"][\"bytes\"] > 0, d[\"end\"]' 2>&1",
                        OUR_IP, args, fx.w.dir, fx.w.dir),
                     0);
}

static void serve_discard_chargen_iperf3(void **state)
{
    (void)state;
    start_serve();
    assert_int_equal(sh("head -c %d /dev/zero | socat -u - TCP:%s:9", DISCARD_BYTES, OUR_IP), 0);
    assert_int_equal(sh("echo dropped | socat -u - UDP:%s:9", OUR_IP), 0);
    assert_int_equal(sh("timeout 5 socat -u TCP:%s:19 - 2>/dev/null | head -c %d", OUR_IP,
                        CHARGEN_TCP_LINES * CHARGEN_LINE_LEN),
                     0);
    assert_int_equal(strlen(fx.out), CHARGEN_TCP_LINES * CHARGEN_LINE_LEN);
    assert_chargen(fx.out, 0, CHARGEN_TCP_LINES);
    assert_int_equal(sh("echo x | socat -t 1 - UDP:%s:19", OUR_IP), 0);
    assert_int_equal(strlen(fx.out), CHARGEN_UDP_LINES * CHARGEN_LINE_LEN);
    assert_chargen(fx.out, fx.out[0] - CHARGEN_FIRST, CHARGEN_UDP_LINES);
    /* Not asked for: echo's port answers with a RST. */
    assert_int_not_equal(sh("socat -T 2 - TCP:%s:7 </dev/null 2>&1", OUR_IP), 0);
    assert_non_null(strstr(fx.out, "Connection refused"));
    linux_iperf3("-u -b 10M");
    linux_iperf3("-R");
    linux_iperf3("-u -R -b 10M");
    assert_int_equal(sh("kill -INT %ld && for i in $(seq 30); do [ -s %s/serve.rc ] && break; "
                        "sleep 0.1; done; cat %s/serve.rc",
                        fx.bg[0], fx.w.dir, fx.w.dir),
                     0);
    assert_string_equal(fx.out, "0\n");
    fx.bg[0] = 0;
    assert_int_equal(sh("cat %s/serve.out", fx.w.dir), 0);
    assert_non_null(line_starting("discard: tcp 1 connections, 10000 bytes in, 0 bytes out; "
                                  "udp 1 datagrams in, 0 out\n"));
    const char *cg = line_starting("chargen: tcp 1 connections, 0 bytes in, ");
    assert_non_null(cg);
    assert_non_null(strstr(cg, " bytes out; udp 1 datagrams in, 1 out\n"));
    assert_non_null(line_starting("iperf3: 3 tests done, 0 failed\n"));
    assert_null(line_starting("echo:"));
    assert_null(line_starting("http:"));
}

/* ---- Errors: one line, exit 1 ------------------------------------------------ */

static void errors_are_one_line(void **state)
{
    (void)state;
    assert_int_equal(axnet("http-get http://%s:5999/ %s", LINUX_IP, STATIC_FLAGS), EXIT_FAIL);
    assert_one_line("axnet http-get: http://" LINUX_IP ":5999/: connect to " LINUX_IP
                    ":5999: Connection refused");
    /* ARP gets no answer (about 3 s): "No route to host", as Linux says. */
    assert_int_equal(axnet("http-get http://%s/ %s", DEAD_IP, STATIC_FLAGS), EXIT_FAIL);
    assert_one_line("axnet http-get: http://" DEAD_IP "/: connect to " DEAD_IP
                    ":80: No route to host");
    assert_int_equal(
        sh("%s iperf3 -c %s -t 1 %s 2>&1 >/dev/null", AXN_TOOL_PATH, DEAD_IP, STATIC_FLAGS),
        EXIT_FAIL);
    assert_one_line("axnet iperf3: connecting: No route to host");
    assert_int_equal(
        sh("%s iperf3 -c %s -t 1 %s 2>&1 >/dev/null", AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS),
        EXIT_FAIL);
    assert_one_line("axnet iperf3: connecting: Connection refused");
    assert_int_equal(axnet("nc %s 80 %s", DEAD_IP, STATIC_FLAGS), EXIT_FAIL);
    assert_one_line("axnet nc: connect to " DEAD_IP " port 80 (tcp) failed: No route to host");
}

/* ---- iperf3 client ----------------------------------------------------------- */

static void iperf3_two_streams(void **state)
{
    (void)state;
    assert_int_equal(
        sh("timeout 20 iperf3 -s -1 -B %s >/dev/null 2>&1 </dev/null & echo $!", LINUX_IP), 0);
    fx.bg[1] = strtol(fx.out, NULL, DECIMAL);
    assert_int_equal(sh("for i in $(seq 100); do ss -lnt | grep -q ':5201 ' && exit 0; "
                        "sleep 0.1; done; exit 1"),
                     0);
    assert_int_equal(axnet("iperf3 -c %s -t 1 -P 2 %s", LINUX_IP, STATIC_FLAGS), 0);
    assert_non_null(line_starting("Connecting to host " LINUX_IP ", port 5201\n"));
    assert_non_null(line_starting("[SUM] 0.00-1."));
    assert_non_null(strstr(fx.out, " Mbits/sec  sender\n"));
    assert_non_null(strstr(fx.out, " Mbits/sec  receiver (server)\n"));
}

/* `axnet iperf3 ARGS` stopped by SIGINT after `after` seconds: its output,
 * "rc=" and "ms=" (from the signal to the exit) in fx.out. */
static void iperf3_sigint(const char *args, const char *after)
{
    assert_int_equal(sh("%s iperf3 %s %s >%s/ip.out 2>&1 & p=$!; sleep %s; kill -INT $p; "
                        "s=$(date +%%s%%N); wait $p; echo rc=$? "
                        "ms=$((($(date +%%s%%N) - s) / 1000000)); cat %s/ip.out",
                        AXN_TOOL_PATH, args, STATIC_FLAGS, fx.w.dir, after, fx.w.dir),
                     0);
    assert_non_null(strstr(fx.out, "rc=1 "));
    assert_non_null(strstr(fx.out, "axnet iperf3: interrupted\n"));
    assert_null(strstr(fx.out, "sender"));
    assert_true(ms_in_out() < QUICK_MS);
}

static void iperf3_interrupted_in_setup(void **state)
{
    (void)state;
    /* Connecting: ARP for a host nobody answers for takes about 3 s. */
    iperf3_sigint("-c " DEAD_IP " -t 5", "0.5");
    /* Looking a name up: the DNS server's ARP never completes either. */
    iperf3_sigint("-c x.axn.test -t 5 --dns " DEAD_IP, "0.5");
    /* Waiting for the server's first word: a listener that says nothing
     * (the control read waits up to 10 s). */
    assert_int_equal(sh("(timeout 20 socat TCP-LISTEN:5201,bind=%s,reuseaddr SYSTEM:'sleep 15' "
                        ">/dev/null 2>&1 </dev/null & echo $!)",
                        LINUX_IP),
                     0);
    fx.bg[1] = strtol(fx.out, NULL, DECIMAL);
    assert_int_equal(sh("for i in $(seq 100); do ss -lnt | grep -q ':5201 ' && exit 0; "
                        "sleep 0.1; done; exit 1"),
                     0);
    iperf3_sigint("-c " LINUX_IP " -t 5", "1.5");
    assert_non_null(strstr(fx.out, "Connecting to host " LINUX_IP ", port 5201\n"));
}

int main(void)
{
#ifndef AXN_TOOL_PATH
    fprintf(stderr, "test_cli_more_tap: the axnet tool is not built\n");
    return AXN_TEST_SKIP;
#else
    static const char *const tools[] = {"socat", "python3", "iperf3", "timeout", "ss", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(help_and_bad_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(tables_as_text, setup, teardown),
        cmocka_unit_test_setup_teardown(serve_discard_chargen_iperf3, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_are_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(iperf3_two_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(iperf3_interrupted_in_setup, setup, teardown),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
