/*
 * The control plane (spec §4): interface registry, route table and DNS
 * registry, all behind one short spin lock so that a commit of address +
 * routes + DNS is atomic for readers (CTL-19) and every query is a copy.
 *
 * The lock is a leaf: nothing else is taken while it is held, so the
 * router may consult routes from the poll path and workers alike.
 */
#ifndef AXN_CTL_CTL_H
#define AXN_CTL_CTL_H

#include "axnet/config.h"
#include "axnet/netif.h"
#include "axnet/platform.h"
#include "dev/netdev.h"
#include "route/route_table.h"

/* Where a DNS server entry came from (CTL-16). */
enum axn_dns_source {
    AXN_DNS_SRC_DHCP = 0,
    AXN_DNS_SRC_STATIC = 1,
    AXN_DNS_SRC_FALLBACK = 2,
};

struct axn_dns_entry {
    axn_ip4_t server;
    uint32_t ifindex;
    uint32_t metric;
    enum axn_dns_source source;
};

struct axn_ctl {
    const struct axn_platform *plat;
    void *lock; /* platform spin lock guarding everything below */
    struct axn_iface_info ifaces[AXN_MAX_DEVICES];
    size_t n_ifaces;
    uint32_t max_ifindex; /* ifindexes are never reused (CTL-11) */
    struct axn_route_table routes;
    struct axn_dns_entry dns[AXN_MAX_DNS_ENTRIES];
    size_t n_dns;
};

/* Sets up the registry with `lo` (LO-1: ifindex 1, 127.0.0.1/8, flags
 * UP|RUNNING|LOOPBACK, metric 0) and its route 127.0.0.0/8, installed first. */
int axn_ctl_init(struct axn_ctl *c, const struct axn_platform *plat);
void axn_ctl_destroy(struct axn_ctl *c);

/* Egress decision for a packet the core already built (RT-10): first rule
 * containing `dst` whose source is exactly `src`, on an interface that is
 * up. -AXN_ENETUNREACH when none. */
int axn_ctl_route_for_source(struct axn_ctl *c, axn_ip4_t dst, axn_ip4_t src,
                             struct axn_route_decision *out);

/* Socket-level decision (RT-11): first rule containing `dst` on an up
 * interface, restricted to `bound_ifindex` unless it is 0. */
int axn_ctl_route_select(struct axn_ctl *c, axn_ip4_t dst, uint32_t bound_ifindex,
                         struct axn_route_decision *out);

/* True if `ifindex` exists and is up. */
bool axn_ctl_iface_is_up(struct axn_ctl *c, uint32_t ifindex);

/* The subnet-directed broadcast of `ifindex`'s address, if it has one. */
bool axn_ctl_iface_broadcast(struct axn_ctl *c, uint32_t ifindex, axn_ip4_t *bcast);

#endif /* AXN_CTL_CTL_H */
