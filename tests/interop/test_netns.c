/*
 * The namespace and command helpers of tests/support (netns.h, cmd.h) that
 * every interop test stands on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axnet/hosted/tap.h"
#include "cmd.h"
#include "netns.h"

#define OUT_LEN          256
#define SHORT_OUT_LEN    4
#define EXIT_CODE        3
#define SLEEP_TIMEOUT_MS 200
#define SLEEP_MAX_MS     2000
#define MSEC_PER_SEC     1000
#define NSEC_PER_MSEC    1000000L
#define IFNAME_LEN       16
#define NETNS_PATH_LEN   128

struct fixture {
    struct axn_netns ns;
    char stale[AXN_NETNS_NAME_LEN];
    char kept[AXN_NETNS_NAME_LEN];
};

static struct fixture fx;

static int setup(void **state)
{
    memset(&fx, 0, sizeof(fx));
    *state = &fx;
    return axn_netns_create(&fx.ns, "netns");
}

static bool netns_exists(const char *name)
{
    char path[NETNS_PATH_LEN];

    snprintf(path, sizeof(path), "/run/netns/%s", name);
    return access(path, F_OK) == 0;
}

static void delete_by_name(const char *name)
{
    const char *argv[] = {"ip", "netns", "delete", name, NULL};

    if (name[0] && netns_exists(name))
        axn_cmd_run(argv, NULL, 0, AXN_CMD_TIMEOUT_MS);
}

static int teardown(void **state)
{
    (void)state;
    axn_netns_delete(&fx.ns);
    delete_by_name(fx.stale);
    delete_by_name(fx.kept);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

static void netns_run_returns_exit_status_and_stdout(void **state)
{
    char out[OUT_LEN];

    (void)state;
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "echo hello; exit %d", EXIT_CODE),
                     EXIT_CODE);
    assert_string_equal(out, "hello\n");
}

static void netns_run_sees_only_the_namespace_loopback(void **state)
{
    char out[OUT_LEN];

    (void)state;
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "ip -o link show | wc -l"), 0);
    assert_string_equal(out, "1\n");
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "ip -o link show lo"), 0);
    assert_non_null(strstr(out, "<LOOPBACK,UP,LOWER_UP>"));
}

static void netns_name_carries_tag_and_pid(void **state)
{
    char prefix[AXN_NETNS_NAME_LEN];

    (void)state;
    snprintf(prefix, sizeof(prefix), "axn-netns-%ld-", (long)getpid());
    assert_memory_equal(fx.ns.name, prefix, strlen(prefix));
    assert_true(netns_exists(fx.ns.name));
}

static void netns_delete_removes_namespace_and_is_idempotent(void **state)
{
    char name[AXN_NETNS_NAME_LEN];

    (void)state;
    memcpy(name, fx.ns.name, sizeof(name));
    axn_netns_delete(&fx.ns);
    assert_false(netns_exists(name));
    assert_string_equal(fx.ns.name, "");
    axn_netns_delete(&fx.ns);
}

static void move_link_and_enter_put_interface_and_thread_in_namespace(void **state)
{
    struct axn_tap_config cfg = {.name = NULL};
    struct axn_tap *tap = NULL;
    char ifname[IFNAME_LEN];
    char out[OUT_LEN];
    int saved = -1;

    (void)state;
    snprintf(ifname, sizeof(ifname), "axn%ld", (long)getpid());
    cfg.name = ifname;
    assert_int_equal(axn_tap_open(&tap, &cfg), 0);
    assert_int_equal(axn_netns_move_link(&fx.ns, ifname), 0);
    assert_int_equal(if_nametoindex(ifname), 0);
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "ip -o link show dev %s", ifname), 0);
    assert_non_null(strstr(out, ifname));
    assert_int_equal(axn_netns_enter(&fx.ns, &saved), 0);
    unsigned inside = if_nametoindex(ifname);
    assert_int_equal(axn_netns_leave(saved), 0);
    axn_tap_close(tap);
    assert_int_not_equal(inside, 0);
    assert_int_equal(if_nametoindex(ifname), 0);
}

static void sweep_deletes_namespaces_of_dead_processes_only(void **state)
{
    const char *add_stale[] = {"ip", "netns", "add", fx.stale, NULL};
    const char *add_kept[] = {"ip", "netns", "add", fx.kept, NULL};
    pid_t child = fork();

    (void)state;
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    snprintf(fx.stale, sizeof(fx.stale), "axn-stale-%ld-0", (long)child);
    snprintf(fx.kept, sizeof(fx.kept), "axn-kept-%ld-0", (long)getpid());
    assert_int_equal(axn_cmd_run(add_stale, NULL, 0, AXN_CMD_TIMEOUT_MS), 0);
    assert_int_equal(axn_cmd_run(add_kept, NULL, 0, AXN_CMD_TIMEOUT_MS), 0);
    axn_netns_sweep_stale();
    assert_false(netns_exists(fx.stale));
    assert_true(netns_exists(fx.kept));
}

static void cmd_run_kills_child_past_timeout(void **state)
{
    const char *argv[] = {"sleep", "5", NULL};
    long long start = now_ms();

    (void)state;
    assert_int_equal(axn_cmd_run(argv, NULL, 0, SLEEP_TIMEOUT_MS), -ETIMEDOUT);
    assert_true(now_ms() - start < SLEEP_MAX_MS);
}

static void cmd_run_reports_missing_program(void **state)
{
    const char *argv[] = {"axn-no-such-program", NULL};

    (void)state;
    assert_int_equal(axn_cmd_run(argv, NULL, 0, AXN_CMD_TIMEOUT_MS), -ENOENT);
    assert_false(axn_cmd_exists("axn-no-such-program"));
    assert_true(axn_cmd_exists("sh"));
}

static void cmd_run_truncates_output_and_still_reaps(void **state)
{
    char out[SHORT_OUT_LEN];

    (void)state;
    assert_int_equal(axn_cmd_sh("printf abcdef; exit 5", out, sizeof(out)), 5);
    assert_string_equal(out, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(netns_run_returns_exit_status_and_stdout, setup, teardown),
        cmocka_unit_test_setup_teardown(netns_run_sees_only_the_namespace_loopback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(netns_name_carries_tag_and_pid, setup, teardown),
        cmocka_unit_test_setup_teardown(netns_delete_removes_namespace_and_is_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(move_link_and_enter_put_interface_and_thread_in_namespace,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sweep_deletes_namespaces_of_dead_processes_only, setup,
                                        teardown),
        cmocka_unit_test(cmd_run_kills_child_past_timeout),
        cmocka_unit_test(cmd_run_reports_missing_program),
        cmocka_unit_test(cmd_run_truncates_output_and_still_reaps),
    };

    axn_netns_require(NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
