/*
 * The iperf3 server and client (tools/iperf3*.c) against the stock iperf3
 * on Linux, over a TAP (tests/support/tap_stack.h: the stack at 192.0.2.2,
 * Linux at 192.0.2.1 in the test's namespace):
 *   - Linux's `iperf3 -c 192.0.2.2 -J` measures our server: TCP, reverse
 *     (-R) and UDP (-u -b 10M) all exit 0 with JSON whose
 *     end.sum_received.bytes is positive, and our server counts the test
 *     as completed;
 *     (iperf3 -J exits 0 even on a failed test: its JSON must have no
 *     "error"); UDP with two streams, and short UDP tests back to back,
 *     alternating directions (a handshake word that beat the bind of our
 *     stream socket used to draw a port unreachable: 1 test in ~12);
 *   - our client measures Linux's `iperf3 -s -1`: TCP, reverse and UDP
 *     all complete, with bytes received, and Linux's server exits 0.
 * One namespace and stack for every run (1 to 2 s each).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "iperf3.h"
#include "netns.h"
#include "tap_jobs.h"
#include "tap_stack.h"

#define TEST_SECONDS   2
#define TEST_SECONDS_S "2"
/* Back-to-back short UDP tests (the stream set-up race needs many). */
#define BURST_TESTS 8
/* A job's budget: its test time and plenty for setup under ASan. */
#define JOB_BUDGET_S 20
#define UDP_RATE     10000000u
#define UDP_RATE_S   "10M"
/* The JSON of a 2 s run is a few KiB. */
#define JSON_CAP 65536
/* At most this share of UDP datagrams may be lost on the TAP. */
#define UDP_MAX_LOSS_PERCENT 50.0
#define PERCENT              100.0
/* How long the server may take to count a finished test. */
#define DONE_POLLS    40
#define DONE_POLL_MS  50
#define BITS_PER_MBIT 1e6
/* A refused connection or a stop takes well under this (ms). */
#define QUICK_MS 2000
/* A test the server stop cuts short, after about a second. */
#define LONG_TEST_S  10
#define CUT_AFTER_MS 1500

static struct {
    struct axn_tap_stack ts;
    struct tap_jobs jobs;
    struct axn_iperf3_server *srv;
    char json[JSON_CAP];
} fx;

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "iperf3", .tap_prefix = "axi", .pcap_prefix = "test_iperf3_tap", .threaded = true};

static int group_setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    if (axn_tap_stack_setup(&fx.ts, &tap_cfg, "all"))
        return -1;
    if (tap_jobs_init(&fx.jobs, &fx.ts.ns, "test_iperf3_tap", "all")) {
        axn_tap_stack_cleanup(&fx.ts);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    axn_iperf3_server_stop(fx.srv);
    fx.srv = NULL;
    tap_jobs_cleanup(&fx.jobs);
    axn_tap_stack_stop(&fx.ts);
    axn_tap_stack_cleanup(&fx.ts);
    return 0;
}

/* A number at `path` of the JSON in fx.json. */
static double json_number(const char *path)
{
    const struct axn_ij_span root = {fx.json, strlen(fx.json)};
    struct axn_ij_span v;
    double d = -1;
    if (axn_ij_validate(root.p, root.n) || axn_ij_path(root, path, &v) || axn_ij_number(v, &d)) {
        fprintf(stderr, "no number at %s in iperf3's JSON:\n%s\n", path, fx.json);
        fail();
    }
    return d;
}

/* No "error" member at the top of fx.json. */
static void assert_no_json_error(void)
{
    const struct axn_ij_span root = {fx.json, strlen(fx.json)};
    struct axn_ij_span v;
    assert_int_equal(axn_ij_validate(root.p, root.n), 0);
    if (axn_ij_get(root, "error", &v) == 0) {
        fprintf(stderr, "iperf3 reported an error: %.*s\n", (int)v.n, v.p);
        fail();
    }
}

/* Linux's iperf3 client against our server for `secs` with extra `args`;
 * its JSON ends up in fx.json. */
static void run_linux_client_for(const char *name, const char *secs, const char *args)
{
    char cmd[256];
    if (!fx.srv)
        assert_int_equal(axn_iperf3_server_start(fx.ts.st, AXN_IPERF3_PORT, &fx.srv), 0);
    const unsigned done = axn_iperf3_server_tests_done(fx.srv);
    snprintf(cmd, sizeof cmd, "timeout %d iperf3 -c %s -t %s -J %s", JOB_BUDGET_S,
             AXN_TAP_OUR_IP_STR, secs, args);
    tap_jobs_start(&fx.jobs, name, cmd);
    const int rc = tap_jobs_wait(&fx.jobs, name, JOB_BUDGET_S + 5);
    char out_name[64];
    snprintf(out_name, sizeof out_name, "%s.out", name);
    assert_true(tap_jobs_read(&fx.jobs, out_name, fx.json, sizeof fx.json));
    if (rc)
        fprintf(stderr, "iperf3 %s exited %d:\n%s\n", args, rc, fx.json);
    assert_int_equal(rc, 0);
    /* iperf3 3.12 with -J exits 0 even when the test failed (a stream it
     * could not open, say): the error is a member of its JSON. */
    assert_no_json_error();
    /* The server counts the test once it has read the client's last
     * message, which may be just after the client exits. */
    for (int i = 0; i < DONE_POLLS && axn_iperf3_server_tests_done(fx.srv) == done; i++)
        tap_jobs_sleep_ms(DONE_POLL_MS);
    assert_int_equal(axn_iperf3_server_tests_done(fx.srv), done + 1);
    assert_int_equal(axn_iperf3_server_tests_failed(fx.srv), 0);
}

static void run_linux_client(const char *name, const char *args)
{
    run_linux_client_for(name, TEST_SECONDS_S, args);
}

/* Linux's figures, for the log. */
static void print_linux_sum(const char *what)
{
    printf("linux client %s: %.0f bytes received, %.1f Mbit/s\n", what,
           json_number("end.sum_received.bytes"),
           json_number("end.sum_received.bits_per_second") / BITS_PER_MBIT);
}

static void linux_client_tcp(void **state)
{
    (void)state;
    run_linux_client("c_tcp", "");
    print_linux_sum("tcp");
    assert_true(json_number("end.sum_received.bytes") > 0);
    assert_true(json_number("end.sum_sent.bytes") >= json_number("end.sum_received.bytes"));
}

static void linux_client_reverse(void **state)
{
    (void)state;
    run_linux_client("c_rev", "-R");
    print_linux_sum("tcp reverse");
    assert_true(json_number("end.sum_received.bytes") > 0);
}

static void linux_client_udp(void **state)
{
    (void)state;
    run_linux_client("c_udp", "-u -b " UDP_RATE_S);
    print_linux_sum("udp");
    assert_true(json_number("end.sum_received.bytes") > 0);
    assert_true(json_number("end.sum_received.packets") > 0);
    assert_true(json_number("end.sum_received.lost_percent") < UDP_MAX_LOSS_PERCENT);
}

/* Two streams each way: ids 1 and 3 on both sides, results per stream. */
static void linux_client_parallel(void **state)
{
    (void)state;
    run_linux_client("c_par", "-P 2");
    print_linux_sum("tcp -P 2");
    assert_true(json_number("end.sum_received.bytes") > 0);
}

static void linux_client_udp_reverse(void **state)
{
    (void)state;
    run_linux_client("c_udp_rev", "-u -R -b " UDP_RATE_S);
    print_linux_sum("udp reverse");
    assert_true(json_number("end.sum_received.packets") > 0);
    assert_true(json_number("end.sum_received.lost_percent") < UDP_MAX_LOSS_PERCENT);
}

/* Two UDP streams: each socket is bound before the client's handshake
 * word for it can arrive (the word after CREATE_STREAMS, then after our
 * reply to the stream before), while the first is already connected. */
static void linux_client_udp_parallel(void **state)
{
    (void)state;
    run_linux_client("c_udp_par", "-u -P 2 -b " UDP_RATE_S);
    print_linux_sum("udp -P 2");
    assert_true(json_number("end.sum_received.packets") > 0);
    assert_true(json_number("end.sum_received.lost_percent") < UDP_MAX_LOSS_PERCENT);
}

/* Short UDP tests back to back, each direction in turn: every one
 * completes on both sides. */
static void linux_client_udp_back_to_back(void **state)
{
    (void)state;
    char name[32];
    for (int i = 0; i < BURST_TESTS; i++) {
        snprintf(name, sizeof name, "c_udp_burst%d", i); /* a job's files are its own */
        run_linux_client_for(name, "1", i % 2 ? "-u -R -b " UDP_RATE_S : "-u -b " UDP_RATE_S);
        assert_true(json_number("end.sum_received.packets") > 0);
    }
}

static void linux_client_udp_64bit_counters(void **state)
{
    (void)state;
    run_linux_client("c_udp64", "-u --udp-counters-64bit -b " UDP_RATE_S);
    print_linux_sum("udp 64-bit counters");
    assert_true(json_number("end.sum_received.packets") > 0);
    assert_true(json_number("end.sum_received.lost_percent") < UDP_MAX_LOSS_PERCENT);
}

/* --bidir is refused with SERVER_ERROR: iperf3 says so and exits 1; the
 * server counts a failed test and serves the next one. */
static void linux_client_bidir_refused(void **state)
{
    (void)state;
    char cmd[128];
    const unsigned failed = axn_iperf3_server_tests_failed(fx.srv);
    snprintf(cmd, sizeof cmd, "timeout %d iperf3 -c %s -t 1 --bidir 2>&1", JOB_BUDGET_S,
             AXN_TAP_OUR_IP_STR);
    tap_jobs_start(&fx.jobs, "c_bidir", cmd);
    assert_int_equal(tap_jobs_wait(&fx.jobs, "c_bidir", JOB_BUDGET_S + 5), 1);
    assert_true(tap_jobs_read(&fx.jobs, "c_bidir.out", fx.json, sizeof fx.json));
    printf("linux client --bidir: %s", fx.json);
    assert_non_null(strstr(fx.json, "not implemented"));
    for (int i = 0; i < DONE_POLLS && axn_iperf3_server_tests_failed(fx.srv) == failed; i++)
        tap_jobs_sleep_ms(DONE_POLL_MS);
    assert_int_equal(axn_iperf3_server_tests_failed(fx.srv), failed + 1);
}

/* Our client against `iperf3 -s -1` on Linux. */
static void run_our_client(const char *name, bool udp, bool reverse)
{
    char cmd[128];
    struct axn_iperf3_result res;
    const struct axn_iperf3_client_opts o = {
        .host = AXN_TAP_LINUX_IP,
        .port = AXN_IPERF3_PORT,
        .seconds = TEST_SECONDS,
        .udp = udp,
        .bitrate = udp ? UDP_RATE : 0,
        .reverse = reverse,
    };
    snprintf(cmd, sizeof cmd, "timeout %d iperf3 -s -1 -B %s", JOB_BUDGET_S, AXN_TAP_LINUX_IP_STR);
    tap_jobs_start(&fx.jobs, name, cmd);
    tap_jobs_wait_listening(&fx.jobs, AXN_IPERF3_PORT);
    memset(&res, 0, sizeof res);
    assert_int_equal(axn_iperf3_client_run(fx.ts.st, &o, &res), 0);
    assert_int_equal(tap_jobs_wait(&fx.jobs, name, JOB_BUDGET_S), 0);
    axn_iperf3_result_print(stdout, &o, &res);
    assert_true(res.bytes_received > 0);
    assert_true(res.bytes_sent >= res.bytes_received);
    assert_true(res.seconds >= TEST_SECONDS);
    if (udp) {
        assert_true(res.packets > 0);
        assert_true((double)res.lost * PERCENT < (double)res.packets * UDP_MAX_LOSS_PERCENT);
    }
}

static void our_client_tcp(void **state)
{
    (void)state;
    run_our_client("s_tcp", false, false);
}

static void our_client_reverse(void **state)
{
    (void)state;
    run_our_client("s_rev", false, true);
}

static void our_client_udp(void **state)
{
    (void)state;
    run_our_client("s_udp", true, false);
}

/* Nobody listens on Linux's side: the client says so and fails, quickly. */
static void our_client_refused(void **state)
{
    (void)state;
    struct axn_iperf3_result res;
    const struct axn_iperf3_client_opts o = {.host = AXN_TAP_LINUX_IP, .seconds = TEST_SECONDS};
    const long long t0 = axn_tap_stack_now_ms();
    assert_int_equal(axn_iperf3_client_run(fx.ts.st, &o, &res), -AXN_ECONNREFUSED);
    assert_true(axn_tap_stack_now_ms() - t0 < QUICK_MS);
}

/* Stopping the server mid-test ends the test at once: Linux's client
 * fails instead of hanging, and the stop returns promptly. */
static void server_stop_cuts_a_running_test(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "timeout %d iperf3 -c %s -t %d", JOB_BUDGET_S, AXN_TAP_OUR_IP_STR,
             LONG_TEST_S);
    tap_jobs_start(&fx.jobs, "c_cut", cmd);
    tap_jobs_sleep_ms(CUT_AFTER_MS);
    const long long t0 = axn_tap_stack_now_ms();
    axn_iperf3_server_stop(fx.srv);
    assert_true(axn_tap_stack_now_ms() - t0 < QUICK_MS);
    fx.srv = NULL;
    assert_int_not_equal(tap_jobs_wait(&fx.jobs, "c_cut", LONG_TEST_S), 0);
}

int main(void)
{
    static const char *const tools[] = {"iperf3", "timeout", "ss", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linux_client_tcp),
        cmocka_unit_test(linux_client_reverse),
        cmocka_unit_test(linux_client_udp),
        cmocka_unit_test(linux_client_parallel),
        cmocka_unit_test(linux_client_udp_reverse),
        cmocka_unit_test(linux_client_udp_64bit_counters),
        cmocka_unit_test(linux_client_udp_parallel),
        cmocka_unit_test(linux_client_udp_back_to_back),
        cmocka_unit_test(our_client_tcp),
        cmocka_unit_test(our_client_reverse),
        cmocka_unit_test(our_client_udp),
        cmocka_unit_test(linux_client_bidir_refused),
        cmocka_unit_test(our_client_refused),
        cmocka_unit_test(server_stop_cuts_a_running_test),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
