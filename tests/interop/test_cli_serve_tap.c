/*
 * `axnet serve`, `axnet http-get` and `axnet iperf3` (tools/cmd_serve.c,
 * cmd_http_get.c, cmd_iperf3.c) run as a user runs them, against Linux,
 * in a namespace of the test's own. Checked:
 *   - serve: axnet creates its TAP (Linux side then gets 192.0.2.1/24);
 *     Linux curl fetches a file (sha256 compared), an echo round trip
 *     over TCP and UDP (socat), `iperf3 -c -t 1 -J` moves bytes;
 *     SIGINT ends axnet within 3 s with exit 0, its counters printed and
 *     the TAP it created gone;
 *   - serve --echo only: discard's port refuses; an echo connection open
 *     at the SIGINT is ended and counted;
 *   - http-get: a file from `python3 -m http.server` (sha256 compared), a
 *     404 (exit 1 with the status), bad URLs (one line, exit 2); SIGINT
 *     during a download that never ends: exit 1, "interrupted", < 3 s;
 *   - iperf3: a 1 s TCP test against `iperf3 -s -1` (exit 0, summary),
 *     then reverse and UDP at 10 Mbit/s; SIGINT during a 10 s test: exit
 *     1, "interrupted", < 3 s;
 *   - usage errors exit 2.
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

#define TAP_NAME     "axsrv0" /* persistent: the one-shot commands open it */
#define SERVE_TAP    "axsrv1" /* created (and removed) by axnet serve */
#define LINUX_IP     "192.0.2.1"
#define OUR_IP       "192.0.2.2"
#define STATIC_FLAGS "--tap " TAP_NAME " --ip " OUR_IP "/24"
#define FILE_BYTES   300000
#define OUT_LEN      16384
#define EXIT_FAIL    1
#define EXIT_USAGE   2
#define STOP_WAIT_MS 3000
#define DECIMAL      10
#define IPERF3_PORT2 5202
#define HOLD_PORT    8001 /* a Linux server that never finishes its answer */

static struct {
    struct axn_cli_ns w; /* namespace, scratch dir, persistent TAP */
    char out[OUT_LEN];
    /* [0] a Linux server or axnet serve left running by a failed test,
     * [1] a second Linux server */
    long bg[2];
} fx;

/* A shell command (printf-style) in the namespace, logged; output in fx.out. */
#define sh(...) axn_cli_ns_shlog(&fx.w, fx.out, sizeof(fx.out), __VA_ARGS__)

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    if (axn_cli_ns_open(&fx.w, "srv", TAP_NAME, LINUX_IP) != 0)
        return -1;
    return sh("mkdir %s/www && head -c %d /dev/urandom > %s/www/f", fx.w.dir, FILE_BYTES,
              fx.w.dir) == 0
               ? 0
               : -1;
}

static int teardown(void **state)
{
    (void)state;
    axn_cli_ns_close(&fx.w, fx.bg, 2, STOP_WAIT_MS);
    return 0;
}

static void wait_listening(char proto, int port)
{
    assert_int_equal(sh("for i in $(seq 100); do ss -ln%c | grep -q ':%d ' && exit 0; sleep 0.1; "
                        "done; exit 1",
                        proto, port),
                     0);
}

/* ---- serve ------------------------------------------------------------------- */

/* Starts `axnet serve` on a TAP of its own; gives Linux its side. */
static void start_serve(void)
{
    /* Linux routes 192.0.2.0/24 through one TAP only: not the fixture's. */
    assert_int_equal(sh("ip link del %s", TAP_NAME), 0);
    assert_int_equal(sh("(%s serve --http %s/www --echo --iperf3 --tap %s --ip %s/24 "
                        "</dev/null >%s/serve.out 2>%s/serve.err & echo $! > %s/serve.pid; "
                        "wait $!; echo $? > %s/serve.rc) >/dev/null 2>&1 & "
                        "for i in $(seq 100); do [ -s %s/serve.pid ] && break; sleep 0.05; done; "
                        "cat %s/serve.pid",
                        AXN_TOOL_PATH, fx.w.dir, SERVE_TAP, OUR_IP, fx.w.dir, fx.w.dir, fx.w.dir,
                        fx.w.dir, fx.w.dir, fx.w.dir),
                     0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    assert_true(fx.bg[0] > 0);
    assert_int_equal(sh("for i in $(seq 100); do grep -q 'ready' %s/serve.err && break; "
                        "sleep 0.1; done; ip addr add %s/24 dev %s && grep -q ready %s/serve.err",
                        fx.w.dir, LINUX_IP, SERVE_TAP, fx.w.dir),
                     0);
}

static void serve_http_echo_iperf3(void **state)
{
    (void)state;
    start_serve();
    assert_int_equal(sh("curl -sS --retry 3 --retry-connrefused -m 10 -o %s/got http://%s/f && "
                        "[ \"$(sha256sum < %s/www/f)\" = \"$(sha256sum < %s/got)\" ]",
                        fx.w.dir, OUR_IP, fx.w.dir, fx.w.dir),
                     0);
    assert_int_equal(sh("echo hello-axnet-echo | socat -t 2 - TCP:%s:7", OUR_IP), 0);
    assert_non_null(strstr(fx.out, "hello-axnet-echo\n"));
    assert_int_equal(sh("echo udp-echo | socat -t 1 - UDP:%s:7", OUR_IP), 0);
    assert_string_equal(fx.out, "udp-echo\n");
    /* Only --echo was asked for: discard's port answers with a RST. */
    assert_int_not_equal(sh("socat -T 2 - TCP:%s:9 </dev/null 2>&1", OUR_IP), 0);
    assert_non_null(strstr(fx.out, "Connection refused"));
    assert_int_equal(sh("iperf3 -c %s -t 1 -J > %s/ip.json && python3 -c 'import json\n"
                        "d=json.load(open(\"%s/ip.json\"))\n"
                        "assert d[\"end\"][\"sum_received\"][\"bytes\"] > 0, d[\"end\"]'",
                        OUR_IP, fx.w.dir, fx.w.dir),
                     0);
    /* An echo connection still open at the SIGINT: ended by the shutdown
     * and counted (tcp 2 connections, 17 + 5 bytes). */
    assert_int_equal(sh("((echo held; sleep 5) | socat -t 1 - TCP:%s:7 > %s/held.out 2>&1 &) ; "
                        "for i in $(seq 50); do grep -q held %s/held.out && exit 0; sleep 0.1; "
                        "done; exit 1",
                        OUR_IP, fx.w.dir, fx.w.dir),
                     0);
    /* SIGINT: out within 3 s, status 0, counters printed, TAP gone. */
    assert_int_equal(sh("kill -INT %ld && for i in $(seq 30); do [ -s %s/serve.rc ] && break; "
                        "sleep 0.1; done; cat %s/serve.rc",
                        fx.bg[0], fx.w.dir, fx.w.dir),
                     0);
    assert_string_equal(fx.out, "0\n");
    fx.bg[0] = 0;
    assert_int_equal(sh("cat %s/serve.out", fx.w.dir), 0);
    assert_non_null(strstr(fx.out, "http: 1 connections, 0 refused, 1 requests, 300000 body bytes;"
                                   " 200: 1\n"));
    assert_non_null(strstr(fx.out, "echo: tcp 2 connections, 22 bytes in, 22 bytes out; "
                                   "udp 1 datagrams in, 1 out\n"));
    assert_null(strstr(fx.out, "discard:")); /* not asked for, not printed */
    assert_non_null(strstr(fx.out, "iperf3: 1 tests done, 0 failed\n"));
    assert_int_not_equal(sh("ip link show %s", SERVE_TAP), 0);
}

/* ---- http-get ---------------------------------------------------------------- */

static void http_get_from_python(void **state)
{
    (void)state;
    assert_int_equal(sh("cd %s/www && python3 -m http.server 8000 --bind %s >/dev/null 2>&1 "
                        "</dev/null & echo $!",
                        fx.w.dir, LINUX_IP),
                     0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    wait_listening('t', 8000);
    assert_int_equal(sh("%s http-get http://%s:8000/f -o %s/got %s 2>&1 && "
                        "[ \"$(sha256sum < %s/www/f)\" = \"$(sha256sum < %s/got)\" ]",
                        AXN_TOOL_PATH, LINUX_IP, fx.w.dir, STATIC_FLAGS, fx.w.dir, fx.w.dir),
                     0);
    assert_non_null(strstr(fx.out, "axnet http-get: HTTP 200 from " LINUX_IP
                                   ":8000: 300000 body bytes (Content-Length 300000)"));
    /* The body on stdout, the summary on stderr. */
    assert_int_equal(sh("[ \"$(%s http-get http://%s:8000/f %s 2>/dev/null | sha256sum)\" = "
                        "\"$(sha256sum < %s/www/f)\" ]",
                        AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS, fx.w.dir),
                     0);
    assert_int_equal(sh("%s http-get http://%s:8000/nope %s 2>&1 >/dev/null", AXN_TOOL_PATH,
                        LINUX_IP, STATIC_FLAGS),
                     EXIT_FAIL);
    assert_non_null(strstr(fx.out, "axnet http-get: HTTP 404 from " LINUX_IP ":8000"));
    /* Bad URLs: one line, before any TAP is touched. */
    assert_int_equal(sh("%s http-get https://%s/ %s 2>&1", AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS),
                     EXIT_USAGE);
    assert_int_equal(strchr(fx.out, '\n') - fx.out + 1, (long)strlen(fx.out));
    assert_int_equal(sh("%s http-get ftp://x/ %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS), EXIT_USAGE);
    assert_non_null(strstr(fx.out, "axnet http-get: ftp://x/: "));
}

/* A download that never ends: SIGINT ends it within a slice, the stack
 * stops cleanly, exit 1 with "interrupted" (no hard exit). */
static void http_get_interrupted(void **state)
{
    (void)state;
    /* The answer comes from a file: socat's address syntax would split it. */
    assert_int_equal(sh("printf 'HTTP/1.1 200 OK\\r\\nContent-Length: 1000000\\r\\n\\r\\npartial' "
                        "> %s/resp && (socat TCP-LISTEN:%d,bind=%s,reuseaddr "
                        "SYSTEM:'cat %s/resp; sleep 20' >/dev/null 2>&1 </dev/null & echo $!)",
                        fx.w.dir, HOLD_PORT, LINUX_IP, fx.w.dir),
                     0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    wait_listening('t', HOLD_PORT);
    assert_int_equal(sh("%s http-get http://%s:%d/ %s >%s/part 2>%s/hg.err & p=$!; "
                        "for i in $(seq 50); do [ -s %s/part ] && break; sleep 0.1; done; "
                        "kill -INT $p; s=$(date +%%s%%N); wait $p; echo rc=$? "
                        "ms=$((($(date +%%s%%N) - s) / 1000000)); cat %s/part %s/hg.err",
                        AXN_TOOL_PATH, LINUX_IP, HOLD_PORT, STATIC_FLAGS, fx.w.dir, fx.w.dir,
                        fx.w.dir, fx.w.dir, fx.w.dir),
                     0);
    assert_non_null(strstr(fx.out, "rc=1 "));
    assert_non_null(strstr(fx.out, "partial"));
    assert_non_null(strstr(fx.out, "axnet http-get: interrupted\n"));
    const char *ms = strstr(fx.out, "ms=");
    assert_non_null(ms);
    assert_true(strtol(ms + strlen("ms="), NULL, DECIMAL) < STOP_WAIT_MS);
}

/* ---- iperf3 client and usage ------------------------------------------------- */

static void iperf3_against_linux(void **state)
{
    (void)state;
    assert_int_equal(
        sh("timeout 20 iperf3 -s -1 -B %s >/dev/null 2>&1 </dev/null & echo $!", LINUX_IP), 0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    wait_listening('t', 5201);
    assert_int_equal(sh("%s iperf3 -c %s -t 1 %s", AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS), 0);
    assert_non_null(strstr(fx.out, "Connecting to host " LINUX_IP ", port 5201\n"));
    assert_non_null(strstr(fx.out, "Mbits/sec  sender\n"));
    assert_non_null(strstr(fx.out, "Mbits/sec  receiver (server)\n"));
    /* Reverse and UDP, against a server that stays. */
    assert_int_equal(sh("timeout 20 iperf3 -s -p %d -B %s >/dev/null 2>&1 </dev/null & echo $!",
                        IPERF3_PORT2, LINUX_IP),
                     0);
    fx.bg[1] = strtol(fx.out, NULL, DECIMAL);
    wait_listening('t', IPERF3_PORT2);
    assert_int_equal(
        sh("%s iperf3 -c %s -p %d -t 1 -R %s", AXN_TOOL_PATH, LINUX_IP, IPERF3_PORT2, STATIC_FLAGS),
        0);
    assert_non_null(strstr(fx.out, "Mbits/sec  sender (server)\n"));
    assert_non_null(strstr(fx.out, "Mbits/sec  receiver\n"));
    assert_int_equal(sh("%s iperf3 -c %s -p %d -t 1 -u -b 10M %s", AXN_TOOL_PATH, LINUX_IP,
                        IPERF3_PORT2, STATIC_FLAGS),
                     0);
    assert_non_null(strstr(fx.out, "Mbits/sec  sender\n")); /* about 10: not under load */
    assert_non_null(strstr(fx.out, " datagrams, "));
    /* Nobody listens any more (-1): connection refused, exit 1. */
    assert_int_equal(sh("%s iperf3 -c %s -t 1 %s 2>&1", AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS),
                     EXIT_FAIL);
}

/* SIGINT during a 10 s test: over within a tick, exit 1, "interrupted". */
static void iperf3_interrupted(void **state)
{
    (void)state;
    assert_int_equal(
        sh("timeout 20 iperf3 -s -1 -B %s >/dev/null 2>&1 </dev/null & echo $!", LINUX_IP), 0);
    fx.bg[0] = strtol(fx.out, NULL, DECIMAL);
    wait_listening('t', 5201);
    assert_int_equal(sh("%s iperf3 -c %s -t 10 %s >%s/ip.out 2>&1 & p=$!; sleep 2; kill -INT $p; "
                        "s=$(date +%%s%%N); wait $p; echo rc=$? "
                        "ms=$((($(date +%%s%%N) - s) / 1000000)); cat %s/ip.out",
                        AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS, fx.w.dir, fx.w.dir),
                     0);
    assert_non_null(strstr(fx.out, "rc=1 "));
    assert_non_null(strstr(fx.out, "Connecting to host " LINUX_IP ", port 5201\n"));
    assert_non_null(strstr(fx.out, "axnet iperf3: interrupted\n"));
    assert_null(strstr(fx.out, "sender")); /* no summary of a cut test */
    const char *ms = strstr(fx.out, "ms=");
    assert_non_null(ms);
    assert_true(strtol(ms + strlen("ms="), NULL, DECIMAL) < STOP_WAIT_MS);
}

static void usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(sh("%s serve %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS), EXIT_USAGE);
    assert_non_null(strstr(fx.out, "axnet serve: no service asked for"));
    assert_int_equal(sh("%s serve --http-port 0 --echo %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS),
                     EXIT_USAGE);
    assert_int_equal(sh("%s serve --http /nonexistent %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS),
                     EXIT_USAGE);
    assert_string_equal(fx.out, "axnet serve: --http /nonexistent: No such file or directory\n");
    assert_int_equal(sh("%s iperf3 -t 1 %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS), EXIT_USAGE);
    assert_int_equal(sh("%s iperf3 -c %s -P 99 %s 2>&1", AXN_TOOL_PATH, LINUX_IP, STATIC_FLAGS),
                     EXIT_USAGE);
    assert_int_equal(sh("%s http-get %s 2>&1", AXN_TOOL_PATH, STATIC_FLAGS), EXIT_USAGE);
    assert_int_equal(sh("%s serve --help", AXN_TOOL_PATH), 0);
    assert_non_null(strstr(fx.out, "usage: axnet serve"));
}

int main(void)
{
#ifndef AXN_TOOL_PATH
    fprintf(stderr, "test_cli_serve_tap: the axnet tool is not built\n");
    return AXN_TEST_SKIP;
#else
    static const char *const tools[] = {"socat",     "python3", "curl", "iperf3",
                                        "sha256sum", "timeout", "ss",   NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(usage_errors_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(serve_http_echo_iperf3, setup, teardown),
        cmocka_unit_test_setup_teardown(http_get_from_python, setup, teardown),
        cmocka_unit_test_setup_teardown(http_get_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(iperf3_against_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(iperf3_interrupted, setup, teardown),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
