/*
 * The Ethernet adapter (spec §2.3, ETH-1..18): turns a NIC driver
 * (include/axnet/driver.h) into an axn_netdev. It owns ARP: the neighbour
 * cache, resolution with timer-driven retries, the bounded pending-packet
 * queue, replies, gratuitous ARP, and the /proc/net/arp export.
 */
#ifndef AXN_DEV_ETH_DEV_H
#define AXN_DEV_ETH_DEV_H

#include "axnet/driver.h"
#include "dev/netdev.h"

struct axn_eth_dev_params {
    const struct axn_platform *plat;
    const struct axn_eth_driver *driver; /* must outlive the device */
    const char *name;
    uint32_t ifindex;
    bool oob_rx; /* the driver wakes the stack itself (ETH-1, CTL-25) */
    struct axn_if_counters *counters;
    axn_netdev_wake_fn wake; /* run from the IRQ action (ETH-3) */
    void *wake_ctx;
    axn_netdev_unreachable_fn unreachable;
    void *unreachable_ctx;
    axn_netdev_mac_fn mac_changed; /* optional: the registry follows the MAC */
    void *mac_changed_ctx;
};

/* Creates the adapter and registers its IRQ when the driver has one and the
 * platform has a registrar (ETH-2); otherwise logs a warning and polls. */
int axn_eth_dev_create(const struct axn_eth_dev_params *params, struct axn_netdev **out);

#endif /* AXN_DEV_ETH_DEV_H */
