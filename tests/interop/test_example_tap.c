/*
 * The worked example examples/tap_node.c against the Linux kernel, run as
 * a user would run it (docs/porting.md, "Try it by hand").
 *
 * As in test_tap.c, the TAP is created in our namespace (by the example,
 * which keeps its fd) and then moved into a namespace of the test's own,
 * where Linux gets 192.0.2.1/24 (IPv6 off, so Linux sends nothing unasked).
 * Linux then arpings and pings 192.0.2.2: arping must get our reply, and
 * Linux's neighbour table must hold our MAC. Stopped with SIGTERM, the
 * example must exit 0 and its final ARP table must list 192.0.2.1 at
 * Linux's MAC; its capture must hold our reply (checked with tshark).
 *
 * The binary comes from $AXN_BUILD_DIR/examples/tap_node (ctest sets
 * AXN_BUILD_DIR); without it, or without root, the test is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "netns.h"

extern char **environ;

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP_STR "192.0.2.1"
#define OUR_IP_STR   "192.0.2.2"
#define OUR_CIDR_STR "192.0.2.2/24"
#define PREFIX_LEN   24
#define OUR_IFNAME   "eth0" /* what the example calls its interface */

/* ---- The example's output ------------------------------------------------ */

#define EXAMPLE_REL_PATH "/examples/tap_node"
#define UP_MARK          " up on TAP " /* printed once the stack runs */
#define MAC_MARK         " MAC "
#define STOP_MARK        "tap_node: stopping"
#define TIME_UP_TEXT     "time is up"
#define EXIT_USAGE       2 /* the example's status for bad arguments */

/* ---- Limits and units ------------------------------------------------------ */

#define WAIT_MS        5000 /* longest wait for one expected event */
#define SAFETY_SECONDS "60" /* the example stops itself if we never do */
#define SHORT_RUN_S    "1"  /* --seconds of the self-stopping run */
#define REPORT_AT_END  "0"  /* --every 0: one report, at exit */
#define ARPING_WAIT_S  3
#define PING_WAIT_S    3
#define OUT_MAX        65536
#define CMD_OUT_MAX    4096
#define MAC_STR_LEN    18 /* "aa:bb:cc:dd:ee:ff" + NUL */
#define MAC_TEXT_LEN   (MAC_STR_LEN - 1)
#define READ_CHUNK     1024
#define PID_MODULUS    1000000u
#define SEQ_MODULUS    100u
#define MSEC_PER_SEC   1000
#define NSEC_PER_MSEC  1000000L
#define TSHARK_TIMEOUT 30000
#define SIGNAL_STATUS  128 /* how a child killed by a signal is reported */

/* ---- Fixture -------------------------------------------------------------- */

struct child {
    pid_t pid;  /* 0 when none is running */
    int out_fd; /* read end of its stdout, -1 when closed */
    char out[OUT_MAX];
    size_t used;
};

static struct {
    struct axn_netns ns;
    char binary[PATH_MAX];
    char pcap_path[PATH_MAX];
    char ifname[IFNAMSIZ];
    struct child ex;
    char our_mac[MAC_STR_LEN];
    char linux_mac[MAC_STR_LEN];
} fx;

static unsigned tap_seq;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

/* ---- Running the example ----------------------------------------------------- */

/* Starts argv with stdin from /dev/null, stdout into a pipe we read and
 * stderr inherited (the example's log lands in the test log). */
static int child_start(struct child *c, const char *const argv[])
{
    posix_spawn_file_actions_t fa;
    int pipefd[2];
    int err;

    c->used = 0;
    c->out[0] = '\0';
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    /* argv is only read; posix_spawnp's prototype predates const. */
    err = posix_spawnp(&c->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (err) {
        close(pipefd[0]);
        c->pid = 0;
        return -err;
    }
    c->out_fd = pipefd[0];
    return 0;
}

/* Reads what the child printed until `mark` shows up (true), or EOF or
 * the deadline (false). A NULL mark reads to EOF. */
static bool child_read_until(struct child *c, const char *mark, long long timeout_ms)
{
    const long long deadline = now_ms() + timeout_ms;

    while (c->out_fd >= 0 && !(mark && strstr(c->out, mark))) {
        struct pollfd pfd = {.fd = c->out_fd, .events = POLLIN};
        long long left = deadline - now_ms();
        char buf[READ_CHUNK];
        size_t room = sizeof(c->out) - 1 - c->used;
        ssize_t n;

        if (left <= 0)
            return false;
        if (poll(&pfd, 1, (int)left) <= 0)
            continue; /* timeout or EINTR: the deadline is checked above */
        n = read(c->out_fd, buf, sizeof(buf));
        if (n <= 0) {
            close(c->out_fd);
            c->out_fd = -1;
            break;
        }
        if ((size_t)n > room)
            n = (ssize_t)room;
        memcpy(c->out + c->used, buf, (size_t)n);
        c->used += (size_t)n;
        c->out[c->used] = '\0';
    }
    return mark == NULL ? c->out_fd < 0 : strstr(c->out, mark) != NULL;
}

/* Waits for the child to exit: its exit status, SIGNAL_STATUS + signal,
 * or -ETIMEDOUT (the child is then killed). */
static int child_wait(struct child *c, long long timeout_ms)
{
    const long long deadline = now_ms() + timeout_ms;
    int status;

    for (;;) {
        pid_t r = waitpid(c->pid, &status, WNOHANG);

        if (r == c->pid)
            break;
        if (r < 0 && errno != EINTR)
            return -errno;
        if (now_ms() >= deadline) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            c->pid = 0;
            return -ETIMEDOUT;
        }
        child_read_until(c, NULL, MSEC_PER_SEC / 10); /* keep its pipe drained */
    }
    c->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : SIGNAL_STATUS + WTERMSIG(status);
}

static void child_reap(struct child *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->pid = 0;
    }
    if (c->out_fd >= 0)
        close(c->out_fd);
    c->out_fd = -1;
}

/* ---- Helpers ------------------------------------------------------------------ */

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* The MAC the example announced in its "up" line. */
static void parse_our_mac(void)
{
    const char *up = strstr(fx.ex.out, UP_MARK);
    const char *at = up ? strstr(up, MAC_MARK) : NULL;

    assert_non_null(at);
    at += strlen(MAC_MARK);
    assert_true(strlen(at) >= MAC_TEXT_LEN);
    memcpy(fx.our_mac, at, MAC_TEXT_LEN);
    fx.our_mac[MAC_TEXT_LEN] = '\0';
    lower(fx.our_mac);
}

/* Linux's MAC on its side of the TAP, as `ip link` shows it. */
static void read_linux_mac(void)
{
    char out[CMD_OUT_MAX];
    const char *at;

    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "ip -o link show dev %s", fx.ifname),
                     0);
    at = strstr(out, "link/ether ");
    assert_non_null(at);
    at += strlen("link/ether ");
    memcpy(fx.linux_mac, at, MAC_TEXT_LEN);
    fx.linux_mac[MAC_TEXT_LEN] = '\0';
    lower(fx.linux_mac);
}

/* 192.0.2.1/24 on Linux's side; IPv6 off before the link comes up, or its
 * router solicitations would be the first thing the example sees. */
static void configure_linux_side(void)
{
    assert_int_equal(axn_netns_run(&fx.ns, NULL, 0,
                                   "f=/proc/sys/net/ipv6/conf/%s/disable_ipv6; "
                                   "{ [ ! -e $f ] || echo 1 >$f; } && "
                                   "ip addr add %s/%d dev %s && ip link set dev %s up",
                                   fx.ifname, LINUX_IP_STR, PREFIX_LEN, fx.ifname, fx.ifname),
                     0);
}

/* The row of the example's final /proc/net/arp text for 192.0.2.1. */
static const char *final_arp_row(void)
{
    const char *stop = strstr(fx.ex.out, STOP_MARK);
    const char *row;

    assert_non_null(stop);
    row = strstr(stop, "\n" LINUX_IP_STR " ");
    if (!row)
        fail_msg("no ARP row for %s after the stop line in:\n%s", LINUX_IP_STR, stop);
    return row + 1;
}

/* Whether the example's capture holds an ARP reply from our MAC to Linux. */
static void assert_capture_holds_our_reply(void)
{
    char filter[CMD_OUT_MAX];
    char out[CMD_OUT_MAX];
    const char *argv[] = {"tshark", "-r", fx.pcap_path,         "-Y", filter, "-T",
                          "fields", "-e", "arp.dst.proto_ipv4", NULL};

    snprintf(filter, sizeof(filter), "arp.opcode == 2 && arp.src.hw_mac == %s", fx.our_mac);
    assert_int_equal(axn_cmd_run(argv, out, sizeof(out), TSHARK_TIMEOUT), 0);
    assert_non_null(strstr(out, LINUX_IP_STR));
}

/* ---- Setup / teardown ------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    fx.ex.out_fd = -1;
    fx.ex.pid = 0;
    snprintf(fx.ifname, sizeof(fx.ifname), "axe%u-%u", (unsigned)getpid() % PID_MODULUS,
             tap_seq++ % SEQ_MODULUS);
    snprintf(fx.pcap_path, sizeof(fx.pcap_path), "%s/test_example_tap.pcap",
             getenv("AXN_BUILD_DIR"));
    return axn_netns_create(&fx.ns, "extap");
}

static int teardown(void **state)
{
    (void)state;
    child_reap(&fx.ex);
    axn_netns_delete(&fx.ns);
    return 0;
}

/* ---- Tests ------------------------------------------------------------------------- */

static void example_answers_linux_arp_and_lists_linux_on_exit(void **state)
{
    const char *const argv[] = {fx.binary,      fx.ifname, OUR_CIDR_STR,  "--seconds",
                                SAFETY_SECONDS, "--every", REPORT_AT_END, "--pcap",
                                fx.pcap_path,   NULL};
    char out[CMD_OUT_MAX];
    char line[CMD_OUT_MAX];
    const char *row;

    (void)state;
    assert_int_equal(child_start(&fx.ex, argv), 0);
    if (!child_read_until(&fx.ex, UP_MARK, WAIT_MS))
        fail_msg("the example did not come up; it printed:\n%s", fx.ex.out);
    parse_our_mac();

    /* Move its TAP into our namespace (its fd stays valid) and give Linux
     * the other end of the subnet. */
    assert_int_equal(axn_netns_move_link(&fx.ns, fx.ifname), 0);
    configure_linux_side();
    read_linux_mac();

    /* arping sends its own request from user space: the reply must come
     * back from our MAC. */
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "arping -c 1 -w %d -i %s %s",
                                   ARPING_WAIT_S, fx.ifname, OUR_IP_STR),
                     0);
    lower(out);
    assert_non_null(strstr(out, fx.our_mac));

    /* ping makes Linux's kernel resolve us itself, and the stack's IPv4
     * layer answers the echo. */
    assert_int_equal(
        axn_netns_run(&fx.ns, out, sizeof(out), "ping -c 1 -W %d %s", PING_WAIT_S, OUR_IP_STR), 0);
    assert_non_null(strstr(out, " 1 received"));
    assert_int_equal(
        axn_netns_run(&fx.ns, out, sizeof(out), "ip neigh show %s dev %s", OUR_IP_STR, fx.ifname),
        0);
    lower(out);
    assert_non_null(strstr(out, fx.our_mac));

    /* Stopped like Ctrl-C would: exit 0 after a final report. */
    assert_int_equal(kill(fx.ex.pid, SIGTERM), 0);
    assert_int_equal(child_wait(&fx.ex, WAIT_MS), 0);
    child_read_until(&fx.ex, NULL, WAIT_MS);
    row = final_arp_row();
    snprintf(line, sizeof(line), "%.*s", (int)strcspn(row, "\n"), row);
    lower(line);
    assert_non_null(strstr(line, fx.linux_mac));
    assert_non_null(strstr(line, OUR_IFNAME));

    assert_capture_holds_our_reply();
}

/* --seconds ends the run by itself, also when started inside the
 * namespace with `ip netns exec` (the TAP is then created there). */
static void example_stops_by_itself_after_its_seconds(void **state)
{
    const char *const argv[] = {"ip",        "netns",   "exec",        fx.ns.name,
                                fx.binary,   fx.ifname, OUR_CIDR_STR,  "--seconds",
                                SHORT_RUN_S, "--every", REPORT_AT_END, NULL};

    (void)state;
    assert_int_equal(child_start(&fx.ex, argv), 0);
    assert_int_equal(child_wait(&fx.ex, WAIT_MS), 0);
    child_read_until(&fx.ex, NULL, WAIT_MS);
    assert_non_null(strstr(fx.ex.out, UP_MARK));
    assert_non_null(strstr(fx.ex.out, TIME_UP_TEXT));
    assert_non_null(strstr(fx.ex.out, "Inter-|   Receive"));
}

/* Bad arguments: usage on stderr, status 2, nothing opened. */
static void example_refuses_bad_arguments(void **state)
{
    const char *const no_prefix[] = {fx.binary, fx.ifname, OUR_IP_STR, NULL};
    const char *const bad_prefix[] = {fx.binary, fx.ifname, "192.0.2.2/33", NULL};

    (void)state;
    assert_int_equal(axn_cmd_run(no_prefix, NULL, 0, WAIT_MS), EXIT_USAGE);
    assert_int_equal(axn_cmd_run(bad_prefix, NULL, 0, WAIT_MS), EXIT_USAGE);
}

int main(void)
{
    static const char *const tools[] = {"arping", "ping", "tshark", NULL};
    const char *build = getenv("AXN_BUILD_DIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(example_answers_linux_arp_and_lists_linux_on_exit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(example_stops_by_itself_after_its_seconds, setup, teardown),
        cmocka_unit_test_setup_teardown(example_refuses_bad_arguments, setup, teardown),
    };

    axn_netns_require(tools);
    if (!build) {
        fprintf(stderr, "SKIP: AXN_BUILD_DIR is not set (run through ctest)\n");
        return AXN_TEST_SKIP;
    }
    snprintf(fx.binary, sizeof(fx.binary), "%s" EXAMPLE_REL_PATH, build);
    if (access(fx.binary, X_OK) != 0) {
        fprintf(stderr, "SKIP: %s not built\n", fx.binary);
        return AXN_TEST_SKIP;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
