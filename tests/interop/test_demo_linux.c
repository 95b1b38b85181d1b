/*
 * `make demo-linux` (scripts/demo-linux.sh) run as a user runs it, with the
 * build's axnet binary (AXNET=...) instead of its own optimised build.
 * Checked:
 *   - exit 0, every step line, the stack's reserved lease, both sha256
 *     matches (curl from the stack, http-get from python by name), the
 *     stack's name resolved, "demo-linux OK" last;
 *   - afterwards its namespace and temporary directory are gone and no
 *     daemon of it is left;
 *   - a failing axnet (/bin/false) makes it fail with one clear line and
 *     still tear everything down.
 * Skipped without root or the tools. The script runs in the host namespace
 * and creates (and deletes) its own axn-demo-PID namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "netns.h"

#define OUT_LEN       16384
#define CMD_LEN       1024
#define NS_NAME_LEN   64
#define DEMO_TIMEOUT  60000 /* ms: about 5 s under ASan; room for a loaded machine */
#define EXIT_FAIL     1
#define NS_PREFIX     "namespace "
#define STACK_LEASE   "axnet serve: eth0: DHCP lease 192.0.2.10/24 router 192.0.2.1 dns 192.0.2.1"
#define TEMP_DIR_GLOB "/tmp/axn-demo-*"

static char out[OUT_LEN];

/* Runs the script with AXNET=`axnet`, stdout and stderr into `out`. */
static int run_demo(const char *axnet)
{
    char script[CMD_LEN];
    snprintf(script, sizeof(script), "AXNET=%s %s 2>&1", axnet, AXN_DEMO_LINUX_SCRIPT);
    const char *const argv[] = {"sh", "-c", script, NULL};
    const int rc = axn_cmd_run(argv, out, sizeof(out), DEMO_TIMEOUT);
    print_message("$ %s  -> %d\n%s", script, rc, out);
    return rc;
}

/* The namespace the script announced in its first step line must be gone,
 * with no daemon of it left and no temporary directory. */
static void assert_torn_down(void)
{
    const char *p = strstr(out, NS_PREFIX);
    assert_non_null(p);
    char ns[NS_NAME_LEN];
    assert_int_equal(sscanf(p + strlen(NS_PREFIX), "%63[^,]", ns), 1);
    assert_non_null(strstr(ns, "axn-demo-"));
    char cmd[CMD_LEN];
    snprintf(cmd, sizeof(cmd), "ip netns list | grep -qw %s", ns);
    assert_int_not_equal(axn_cmd_sh(cmd, NULL, 0), 0);
    snprintf(cmd, sizeof(cmd), "ps -eo args | grep -v grep | grep -q 'leasefile=/tmp/axn-demo-'");
    assert_int_not_equal(axn_cmd_sh(cmd, NULL, 0), 0);
    assert_int_not_equal(axn_cmd_sh("ls -d " TEMP_DIR_GLOB " 2>/dev/null", NULL, 0), 0);
}

static void demo_runs_and_cleans_up(void **state)
{
    (void)state;
    assert_int_equal(run_demo(AXN_TOOL_PATH), 0);
    static const char *const lines[] = {
        "== step: namespace axn-demo-",
        "== step: dnsmasq: DHCP ",
        "== step: python3 -m http.server on 192.0.2.1:8000\n",
        "== step: axnet serve --http on axd0, address by DHCP\n",
        STACK_LEASE,
        "== step: Linux curl http://192.0.2.10/file from the stack\n",
        "curl: 300000 bytes, sha256 ",
        "http: 1 connections, 0 refused, 1 requests, 300000 body bytes; 200: 1\n",
        "== step: axnet http-get http://www.axnet.test:8000/file ",
        "axnet http-get: HTTP 200 from 192.0.2.1:8000: 300000 body bytes",
        "http-get: 300000 bytes, sha256 ",
        "stack.axnet.test has address 192.0.2.10\n",
        "== step: tear down\n",
    };
    const char *at = out;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *hit = strstr(at, lines[i]);
        if (!hit)
            fail_msg("missing, or out of order: \"%s\"", lines[i]);
        at = hit;
    }
    assert_non_null(strstr(out, " matches\n"));
    /* The verdict is the last line. */
    const size_t len = strlen(out);
    const char ok[] = "\ndemo-linux OK\n";
    assert_true(len >= sizeof(ok) - 1);
    assert_string_equal(out + len - (sizeof(ok) - 1), ok);
    assert_null(strstr(out, "FAILED"));
    assert_torn_down();
}

static void failing_axnet_fails_and_cleans_up(void **state)
{
    (void)state;
    assert_int_equal(run_demo("/bin/false"), EXIT_FAIL);
    assert_non_null(strstr(out, "demo-linux: axnet serve did not come up\n"));
    assert_non_null(strstr(out, "demo-linux: FAILED (exit 1)\n"));
    assert_null(strstr(out, "demo-linux OK"));
    assert_torn_down();
}

int main(void)
{
#ifndef AXN_TOOL_PATH
    fprintf(stderr, "test_demo_linux: the axnet tool is not built\n");
    return AXN_TEST_SKIP;
#else
    static const char *const tools[] = {"bash",      "dnsmasq", "python3", "curl",
                                        "sha256sum", "ps",      NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_runs_and_cleans_up),
        cmocka_unit_test(failing_axnet_fails_and_cleans_up),
    };
    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
