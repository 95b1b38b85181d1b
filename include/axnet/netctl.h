/*
 * Control-plane queries and runtime changes (spec §4).
 *
 * Every query returns copies and holds no lock after it returns; readers
 * never see half of a commit (address, routes and DNS change together:
 * CTL-19). List queries fill at most `max` entries and return how many
 * exist, so a caller can size a second call.
 */
#ifndef AXNET_NETCTL_H
#define AXNET_NETCTL_H

#include "axnet/netif.h"
#include "axnet/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All interfaces in registration order, lo first (CTL-13). */
size_t axn_ctl_interfaces(struct axn_stack *st, struct axn_iface_info *out, size_t max);
/* 0, or -AXN_ENODEV if no such interface. */
int axn_ctl_interface_by_name(struct axn_stack *st, const char *name, struct axn_iface_info *out);
int axn_ctl_interface_by_index(struct axn_stack *st, uint32_t ifindex, struct axn_iface_info *out);

/* Every route in lookup order, and only the 0.0.0.0/0 ones (RT-12). */
size_t axn_ctl_routes(struct axn_stack *st, struct axn_route_info *out, size_t max);
size_t axn_ctl_default_routes(struct axn_stack *st, struct axn_route_info *out, size_t max);

/* Non-expired neighbours of every device (ETH-16). */
size_t axn_ctl_arp_entries(struct axn_stack *st, struct axn_arp_entry *out, size_t max,
                           axn_time_t now);
/* The same as Linux /proc/net/arp text; returns the length it needed (as
 * snprintf), always NUL-terminating within `cap`. */
size_t axn_ctl_format_proc_net_arp(struct axn_stack *st, char *buf, size_t cap, axn_time_t now);

/* DNS servers ordered by (metric, ifindex, address), de-duplicated (CTL-17). */
size_t axn_ctl_dns_servers(struct axn_stack *st, axn_ip4_t *out, size_t max);

/* Per-interface counters (RT-37). 0 or -AXN_ENODEV. */
int axn_ctl_link_stats(struct axn_stack *st, uint32_t ifindex, struct axn_link_stats *out);

/* Stack-wide counters that belong to no interface. */
struct axn_stack_stats {
    uint64_t ip_out_no_routes; /* Linux IpOutNoRoutes: no route, not counted per interface */
    uint64_t rx_queue_full;    /* times the shared RX queue pushed back on a device */
    /* Packets dropped while waiting for ARP: resolution failed, they aged
     * out, or their link went down. Each is reported to the sender. */
    uint64_t arp_unresolved;
    uint64_t poll_runs;     /* protocol-core polls (for wake-up accounting) */
    uint64_t out_malformed; /* packets from the core the router refused to parse (a bug) */
    uint64_t poll_wakeups;  /* times the threaded poll worker woke up */
    /* Unreachable reports lost because AXN_UNREACH_QUEUE_LEN were waiting
     * for the core (the packet is still counted in arp_unresolved). */
    uint64_t unreach_reports_dropped;
    /* Packets lost with a removed device (its queues, its packets waiting
     * for ARP or for delivery): its own counters are gone with it. */
    uint64_t dev_removed_drops;
};
void axn_ctl_stack_stats(struct axn_stack *st, struct axn_stack_stats *out);

/* Adds a static address (CTL-21): -AXN_EINVAL (prefix > 32), -AXN_ENODEV,
 * -AXN_EOPNOTSUPP (loopback), -AXN_EEXIST (already has one). */
int axn_ctl_set_ipv4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len,
                     axn_time_t now);
/* Removes it (CTL-22): -AXN_EINVAL, -AXN_ENODEV, -AXN_ENOENT (not exactly
 * the current address). Unlike ax-net, `lo`'s address cannot be removed
 * (-AXN_EOPNOTSUPP). */
int axn_ctl_remove_ipv4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t addr, uint8_t prefix_len,
                        axn_time_t now);

/* ---- /proc/net/dev (RT-37) and current MACs (CTL-15) ------------------- */

/* One interface's counters with the identity /proc/net/dev prints. */
struct axn_link_stats_entry {
    uint32_t ifindex;
    char name[AXN_IFNAMSIZ];
    struct axn_link_stats stats;
};

/* Counters of every interface in registration order, lo first (RT-37).
 * Like axn_ctl_link_stats it takes the core lock, so it may wait for a
 * poll to finish; never call it with the core lock held. */
size_t axn_ctl_link_stats_all(struct axn_stack *st, struct axn_link_stats_entry *out, size_t max);
/* The same as Linux /proc/net/dev text (two header lines, one row per
 * interface; counters axnet does not keep are 0); returns the length it
 * needed (as snprintf), always NUL-terminating within `cap`. */
size_t axn_ctl_format_proc_net_dev(struct axn_stack *st, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_NETCTL_H */
