/*
 * A stack on a TAP against the Linux kernel: see tap_stack.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/port_posix.h"
#include "tap_stack.h"

#define PID_MODULUS       10000000u
#define SEQ_MODULUS       100u
#define POLL_SLICE_MS     20 /* longest sleep between two stack polls */
#define OUT_LEN           4096
#define LINUX_STAT_FIELDS 4
#define MSEC_PER_SEC      1000
#define NSEC_PER_MSEC     1000000L
#define NSEC_PER_USEC     1000
#define USEC_PER_SEC_     1000000ull
#define DECIMAL           10
#define ARRAY_LEN(a)      (sizeof(a) / sizeof((a)[0]))

static unsigned tap_seq;

/* Capture timestamps in wall-clock time, so the pcap reads naturally. */
static axn_time_t wall_us(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * USEC_PER_SEC_ + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

long long axn_tap_stack_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

static int open_tap(struct axn_tap_stack *ts, const struct axn_tap_stack_config *sc)
{
    const char *prefix = sc->tap_prefix;
    struct axn_tap_config cfg = {.name = ts->ifname,
                                 .unpersist = true,
                                 .vnet_hdr = sc->vnet_hdr,
                                 .csum_only = sc->csum_only};
    int err;

    /* Linux pids have at most 7 digits (pid_max <= 2^22): "<prefix>PPPPPPP-SS". */
    snprintf(ts->ifname, sizeof(ts->ifname), "%s%u-%u", prefix, (unsigned)getpid() % PID_MODULUS,
             tap_seq++ % SEQ_MODULUS);
    err = axn_tap_open(&ts->tap, &cfg);
    if (err)
        return err;
    axn_tap_driver(ts->tap, &ts->tap_drv);
    axn_tap_mac(ts->tap, &ts->ours);
    return 0;
}

/* IPv6 off before the link comes up: its router solicitations and MLD
 * reports would otherwise come at random moments and spoil exact counts.
 * With IPv4 only, Linux sends nothing it is not asked to. */
static int give_linux_side_an_address(const struct axn_tap_stack *ts)
{
    return axn_netns_run(
        &ts->ns, NULL, 0,
        "f=/proc/sys/net/ipv6/conf/%s/disable_ipv6; { [ ! -e $f ] || echo 1 >$f; } "
        "&& ip addr add %s/%d dev %s && ip link set dev %s up",
        ts->ifname, AXN_TAP_LINUX_IP_STR, AXN_TAP_PREFIX_LEN, ts->ifname, ts->ifname);
}

int axn_tap_stack_open_link(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg)
{
    int err = axn_netns_create(&ts->ns, cfg->ns_tag);

    if (!err)
        err = open_tap(ts, cfg);
    if (!err)
        err = axn_netns_move_link(&ts->ns, ts->ifname);
    if (!err)
        err = give_linux_side_an_address(ts);
    return err;
}

static int open_capture(struct axn_tap_stack *ts, const char *prefix, const char *what)
{
    const char *dir = getenv("AXN_BUILD_DIR");
    int err;

    snprintf(ts->pcap_path, sizeof(ts->pcap_path), "%s/%s_%s.pcap", dir ? dir : "/tmp", prefix,
             what);
    err = axn_pcap_open(&ts->pcap, ts->pcap_path, 0);
    if (err)
        return err;
    return axn_pcap_tap_wrap(&ts->recorder, &ts->tap_drv, ts->pcap, wall_us, NULL, &ts->drv);
}

/* 192.0.2.2/24 on the TAP as eth0 (setting it sends the announcement), or
 * a DHCP client there. */
static int start_stack(struct axn_tap_stack *ts, const struct axn_tap_stack_config *sc)
{
    struct axn_iface_config ifc = {.name = AXN_TAP_OUR_IFNAME,
                                   .ipv4_mode = AXN_IPV4_STATIC,
                                   .addr = AXN_TAP_OUR_IP,
                                   .prefix_len = AXN_TAP_PREFIX_LEN,
                                   .dns = {sc->static_dns},
                                   .n_dns = sc->static_dns ? 1 : 0};
    if (sc->ipv4_dhcp)
        ifc = (struct axn_iface_config){.name = AXN_TAP_OUR_IFNAME, .ipv4_mode = AXN_IPV4_DHCP};
    const struct axn_net_config cfg = {.ifaces = &ifc, .n_ifaces = 1};
    const struct axn_eth_driver *drivers[] = {&ts->drv};
    int err = axn_port_posix_init(&ts->plat, AXN_LOG_WARN);

    if (!err)
        err = axn_stack_create(&ts->plat, &ts->st);
    if (!err)
        err =
            axn_stack_init_network(ts->st, drivers, ARRAY_LEN(drivers), &cfg, axn_port_posix_now());
    if (!err && sc->threaded)
        err = axn_stack_start(ts->st);
    return err;
}

int axn_tap_stack_start(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg,
                        const char *what)
{
    int err = open_capture(ts, cfg->pcap_prefix, what);

    if (!err && cfg->wrap_driver)
        err = cfg->wrap_driver(&ts->drv, cfg->wrap_arg);

    if (!err)
        err = start_stack(ts, cfg);
    return err;
}

int axn_tap_stack_setup(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg,
                        const char *what)
{
    int err = axn_tap_stack_open_link(ts, cfg);

    if (!err)
        err = axn_tap_stack_start(ts, cfg, what);
    if (err) {
        fprintf(stderr, "setup failed: %d\n", err);
        axn_tap_stack_cleanup(ts);
    }
    return err;
}

void axn_tap_stack_stop(struct axn_tap_stack *ts)
{
    axn_stack_destroy(ts->st);
    ts->st = NULL;
    axn_pcap_tap_free(ts->recorder);
    ts->recorder = NULL;
    axn_pcap_close(ts->pcap);
    ts->pcap = NULL;
}

void axn_tap_stack_cleanup(struct axn_tap_stack *ts)
{
    axn_tap_stack_stop(ts);
    axn_tap_close(ts->tap);
    axn_netns_delete(&ts->ns);
    memset(ts, 0, sizeof(*ts));
}

/* Sleeps until the TAP has a frame, the stack's next deadline, or at most
 * POLL_SLICE_MS (so `done` conditions that depend on Linux are re-checked). */
static void wait_for_work(const struct axn_tap_stack *ts, axn_time_t next, long long deadline)
{
    struct pollfd pfd = {.fd = axn_tap_fd(ts->tap), .events = POLLIN};
    long long wait = deadline - axn_tap_stack_now_ms();
    axn_time_t now = axn_port_posix_now();

    if (wait > POLL_SLICE_MS)
        wait = POLL_SLICE_MS;
    if (next <= now)
        wait = 0;
    else if ((next - now) / AXN_USEC_PER_MSEC < (axn_time_t)wait)
        wait = (long long)((next - now) / AXN_USEC_PER_MSEC);
    if (wait > 0)
        poll(&pfd, 1, (int)wait);
}

bool axn_tap_stack_pump_until(struct axn_tap_stack *ts, axn_tap_stack_done_fn done, const void *arg,
                              long long timeout_ms)
{
    long long deadline = axn_tap_stack_now_ms() + timeout_ms;

    for (;;) {
        axn_time_t next = axn_stack_poll(ts->st, axn_port_posix_now());

        if (done(arg))
            return true;
        if (axn_tap_stack_now_ms() >= deadline)
            return false;
        wait_for_work(ts, next, deadline);
    }
}

int axn_tap_stack_linux_mac(const struct axn_tap_stack *ts, struct axn_mac *mac)
{
    char out[OUT_LEN];
    unsigned b[AXN_MAC_LEN];
    const char *at;
    int err = axn_netns_run(&ts->ns, out, sizeof(out), "ip -o link show dev %s", ts->ifname);

    at = err ? NULL : strstr(out, "link/ether ");
    if (!at || sscanf(at, "link/ether %x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
                      &b[5]) != AXN_MAC_LEN)
        return -EPROTO;
    for (size_t i = 0; i < AXN_MAC_LEN; i++)
        mac->b[i] = (uint8_t)b[i];
    return 0;
}

void axn_tap_stack_linux_link_stats(const struct axn_tap_stack *ts, struct axn_link_stats *s)
{
    char out[OUT_LEN];
    unsigned long long v[LINUX_STAT_FIELDS];

    assert_int_equal(axn_netns_run(&ts->ns, out, sizeof(out),
                                   "cd /sys/class/net/%s/statistics && "
                                   "cat rx_packets rx_bytes tx_packets tx_bytes",
                                   ts->ifname),
                     0);
    assert_int_equal(sscanf(out, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]),
                     LINUX_STAT_FIELDS);
    *s = (struct axn_link_stats){
        .rx_packets = v[0], .rx_bytes = v[1], .tx_packets = v[2], .tx_bytes = v[3]};
}

long axn_tap_stack_linux_snmp(const struct axn_tap_stack *ts, const char *group,
                              const char *counter)
{
    char out[OUT_LEN];
    const int rc = axn_netns_run(&ts->ns, out, sizeof(out),
                                 "awk '/^%s:/ { if (h) { for (i = 1; i <= NF; i++) "
                                 "if (n[i] == \"%s\") print $i; exit } "
                                 "for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }' /proc/net/snmp",
                                 group, counter);

    assert_int_equal(rc, 0);
    return strtol(out, NULL, DECIMAL);
}

void axn_tap_stack_set_timeouts(struct axn_socket *s, long timeout_s)
{
    const struct axn_timeval tv = {.tv_sec = timeout_s};
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv)), 0);
}

struct axn_socket *axn_tap_stack_tcp_socket(struct axn_tap_stack *ts, long timeout_s)
{
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(ts->st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s), 0);
    axn_tap_stack_set_timeouts(s, timeout_s);
    return s;
}
