/*
 * A stack on a TAP against the Linux kernel, for interop tests.
 *
 * The shape every TAP interop test shares: a namespace the test owns, a
 * TAP moved into it with Linux at 192.0.2.1/24 (IPv6 off before the link
 * comes up, so Linux sends nothing it is not asked to), and a stack at
 * 192.0.2.2/24 on the TAP as "eth0", every frame recorded through a pcap
 * recorder in $AXN_BUILD_DIR/<pcap_prefix>_<what>.pcap.
 *
 * Typical use:
 *
 *     static const struct axn_tap_stack_config cfg = {
 *         .ns_tag = "sudp", .tap_prefix = "axp", .pcap_prefix = "test_udp_tap",
 *         .threaded = true};
 *     memset(&ts, 0, sizeof(ts));
 *     if (axn_tap_stack_setup(&ts, &cfg, "echo_in")) return -1;  // cleaned up
 *     ...                               // talk to Linux through ts.ns
 *     axn_tap_stack_stop(&ts);          // capture complete from here on
 *     axn_tap_stack_cleanup(&ts);
 *
 * A test that needs Linux's side ready before the stack's first frame (its
 * announcement) calls axn_tap_stack_open_link, does its part, then
 * axn_tap_stack_start.
 */
#ifndef AXN_TEST_TAP_STACK_H
#define AXN_TEST_TAP_STACK_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "axnet/hosted/pcap.h"
#include "axnet/hosted/tap.h"
#include "axnet/netctl.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "netns.h"

/* TEST-NET-1, inside the test's namespace only. */
#define AXN_TAP_LINUX_IP     AXN_IP4(192, 0, 2, 1)
#define AXN_TAP_OUR_IP       AXN_IP4(192, 0, 2, 2)
#define AXN_TAP_LINUX_IP_STR "192.0.2.1"
#define AXN_TAP_OUR_IP_STR   "192.0.2.2"
#define AXN_TAP_PREFIX_LEN   24
#define AXN_TAP_OUR_IFNAME   "eth0"

struct axn_tap_stack_config {
    const char *ns_tag;      /* axn_netns_create's tag */
    const char *tap_prefix;  /* TAP named "<prefix><pid>-<seq>" */
    const char *pcap_prefix; /* capture at $AXN_BUILD_DIR/<prefix>_<what>.pcap */
    bool threaded;           /* port/posix workers, or caller-polled */
    /* Optional: wraps the driver the stack gets (the recorder's) in a
     * test shim (e.g. tap_reorder.h) before the stack starts; 0 or an
     * error that fails the start. */
    int (*wrap_driver)(struct axn_eth_driver *drv, void *arg);
    /* The TAP's axn_tap_config.vnet_hdr and csum_only (offloads). */
    bool vnet_hdr;
    bool csum_only;
    void *wrap_arg;
    /* The stack's eth0 in AXN_IPV4_DHCP mode (its DHCP client starts with
     * the stack) instead of the static 192.0.2.2/24. */
    bool ipv4_dhcp;
    /* With the static address: a DNS server of eth0 (0.0.0.0: none). */
    axn_ip4_t static_dns;
};

struct axn_tap_stack {
    struct axn_netns ns;
    struct axn_platform plat;
    struct axn_tap *tap;
    struct axn_eth_driver tap_drv;
    struct axn_pcap *pcap;
    struct axn_pcap_tap *recorder;
    struct axn_eth_driver drv; /* tap_drv behind the recorder */
    struct axn_stack *st;
    struct axn_mac ours; /* the TAP's MAC, the stack's */
    char ifname[IFNAMSIZ];
    char pcap_path[PATH_MAX];
};

/* The namespace, the TAP moved into it, Linux addressed and up. `ts` must
 * be zeroed. */
int axn_tap_stack_open_link(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg);

/* The capture and the stack on the TAP (its workers started if
 * cfg->threaded). */
int axn_tap_stack_start(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg,
                        const char *what);

/* Both of the above; on failure says so on stderr, cleans up and returns
 * the error. */
int axn_tap_stack_setup(struct axn_tap_stack *ts, const struct axn_tap_stack_config *cfg,
                        const char *what);

/* Stops the stack and closes the capture (complete only once closed).
 * Idempotent. */
void axn_tap_stack_stop(struct axn_tap_stack *ts);

/* Stops, closes the TAP, deletes the namespace and zeroes `ts`. */
void axn_tap_stack_cleanup(struct axn_tap_stack *ts);

/* Monotonic milliseconds. */
long long axn_tap_stack_now_ms(void);

/* SO_RCVTIMEO and SO_SNDTIMEO of `timeout_s` on s, so a blocking call on a
 * threaded stack never waits forever (asserted to succeed). */
void axn_tap_stack_set_timeouts(struct axn_socket *s, long timeout_s);
/* A blocking TCP socket on the stack with those timeouts. */
struct axn_socket *axn_tap_stack_tcp_socket(struct axn_tap_stack *ts, long timeout_s);

typedef bool (*axn_tap_stack_done_fn)(const void *arg);

/* Caller-polled mode with real time: polls the stack until `done` holds or
 * `timeout_ms` pass, sleeping on the TAP in between. Returns whether `done`
 * held. */
bool axn_tap_stack_pump_until(struct axn_tap_stack *ts, axn_tap_stack_done_fn done, const void *arg,
                              long long timeout_ms);

/* Linux's MAC on the TAP, as `ip link` shows it. */
int axn_tap_stack_linux_mac(const struct axn_tap_stack *ts, struct axn_mac *mac);

/* Linux's interface counters on the TAP (sysfs, rtnl_link_stats64);
 * asserts they could be read. */
void axn_tap_stack_linux_link_stats(const struct axn_tap_stack *ts, struct axn_link_stats *s);

/* One counter of Linux's /proc/net/snmp in the namespace, e.g. ("Icmp",
 * "InDestUnreachs"); asserts it could be read. */
long axn_tap_stack_linux_snmp(const struct axn_tap_stack *ts, const char *group,
                              const char *counter);

#endif
