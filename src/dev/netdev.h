/*
 * The internal device contract: what the router sees of a device (spec
 * §2.2, DEV-1..6). The Ethernet adapter (eth_dev.c) and the loopback
 * placeholder (loopback.c) implement it.
 *
 * A device turns driver frames into IP packets and IP packets into frames.
 * It never routes, never chooses a source address, never looks at sockets
 * (DEV-4). The router serialises calls into one device with the device's
 * own lock: `recv` and `tick` from the RX side, `send` from the TX side,
 * `set_ipv4` and `arp_entries` from the control plane.
 *
 * Counting: unlike ax-net's deferred accumulators (DEV-6), a device counts
 * its side-path frames (ARP in and out, flushed pending packets, unknown
 * EtherTypes, errors, drops) straight into its interface counters, which
 * are atomics. The router counts IP packets it moves (RT-38).
 */
#ifndef AXN_DEV_NETDEV_H
#define AXN_DEV_NETDEV_H

#include "axnet/netif.h"
#include "axnet/platform.h"
#include "axnet/types.h"
#include "dev/if_counters.h"

struct axn_netdev;

/* What travels with a received IP packet. */
struct axn_rx_meta {
    uint32_t ifindex;   /* ingress interface */
    uint16_t ethertype; /* 0x0800 or 0x86DD */
    uint32_t frame_len; /* L2 length of the frame it came in (RT-28 pairing) */
    uint8_t offload;    /* AXN_OFL_* of the frame (checksum already verified) */
    uint16_t gso_size;  /* an LRO aggregate: the size of the segments it joins */
};

/* IPv4 address with prefix, for set_ipv4. */
struct axn_ip4_cidr {
    axn_ip4_t addr;
    uint8_t prefix_len;
};

/*
 * Called when packets queued for a next hop are dropped because address
 * resolution failed or they aged out, so the IP layer can report
 * EHOSTUNREACH to the sender the way Linux does. `pkt` is the IP packet.
 */
typedef void (*axn_netdev_unreachable_fn)(void *ctx, uint32_t ifindex, const uint8_t *pkt,
                                          size_t len, axn_time_t now);

/*
 * The driver's MAC changed under the device (a Wi-Fi role switch): the
 * control plane's registry follows it (the CTL-15 hazard). Called with the
 * device lock held, so it may take only leaf locks (the ctl spin lock).
 */
typedef void (*axn_netdev_mac_fn)(void *ctx, uint32_t ifindex, const struct axn_mac *mac);

/* Asks whoever runs this device to run its RX side soon (IRQ, OOB wake). */
typedef void (*axn_netdev_wake_fn)(void *ctx);

struct axn_netdev_ops {
    /*
     * Reads frames from the driver until one IP packet has been written to
     * out[0 .. cap): returns its length (> 0) and fills `meta`. Returns 0
     * when the driver has nothing more. ARP and other side-path frames are
     * handled and counted on the way (ETH-4..9).
     */
    int (*recv)(struct axn_netdev *dev, uint8_t *out, size_t cap, struct axn_rx_meta *meta,
                axn_time_t now);
    /*
     * Sends IP packet `pkt` to `next_hop` (ETH-10). Returns the L2 frame
     * length transmitted (> 0, counted by the caller), 0 if the packet was
     * queued waiting for ARP, or a negative errno if it was dropped (already
     * counted as an error or drop on the interface).
     */
    int (*send)(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                axn_time_t now);
    /*
     * Optional (devices with gso_max): like send, for a TCP/IPv4 packet
     * larger than the MTU that the device cuts into segments of
     * `gso_size` payload bytes (TSO). The TCP checksum field holds the
     * folded pseudo-header sum over the whole TCP length.
     */
    int (*send_gso)(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                    uint16_t gso_size, axn_time_t now);
    /* Replaces the device's IPv4 address; NULL clears it (ETH-15). */
    void (*set_ipv4)(struct axn_netdev *dev, const struct axn_ip4_cidr *cidr, axn_time_t now);
    /* Runs timers (ARP retries, pending-packet aging) due at `now`. */
    void (*tick)(struct axn_netdev *dev, axn_time_t now);
    /* When tick must next run; AXN_TIME_NEVER when nothing is pending. */
    axn_time_t (*next_deadline)(const struct axn_netdev *dev);
    /* Non-expired neighbours (ETH-16); returns how many exist (may exceed max). */
    size_t (*arp_entries)(const struct axn_netdev *dev, struct axn_arp_entry *out, size_t max,
                          axn_time_t now);
    /* True when the device can wake its RX side by itself (IRQ registered or
     * out-of-band RX): only then may its RX worker sleep without a timeout
     * (DEV-5, ETH-18). */
    bool (*has_wake_source)(const struct axn_netdev *dev);
    /* The device's MAC, when it has one. */
    bool (*mac)(const struct axn_netdev *dev, struct axn_mac *mac);
    /*
     * Admin link state (axn_stack_set_link). Down: the device stops
     * receiving, sending and running timers on its own, flushes its
     * neighbours (Linux neigh_ifdown) and drops the packets waiting for
     * ARP, counted tx_dropped and reported to `unreachable`. Up: it
     * announces its address again (gratuitous ARP, RFC 5227 2.3). May be
     * NULL (the router alone then keeps the device quiet).
     */
    void (*set_link)(struct axn_netdev *dev, bool up, axn_time_t now);
    /* Device removal: drops every packet the device still holds (those
     * waiting for ARP), unreported, and returns how many, for the caller
     * to count (the device's own counters are about to vanish). May be
     * NULL: the device holds none. */
    size_t (*discard)(struct axn_netdev *dev);
    /*
     * RFC 5227 address conflict detection, for the DHCP client (all three
     * NULL on a device without ARP). acd_watch: from now on count the
     * conflicts for `ip` (0.0.0.0 stops watching). acd_send: an ARP probe
     * (sender IP 0.0.0.0, target `ip`, RFC 5227 2.1.1) or, `announce`, an
     * ARP announcement (sender and target `ip`, 2.3). acd_conflicts: how
     * many conflicts were seen since the watch began: an ARP packet from
     * another MAC whose sender IP is `ip`, or a probe from another MAC
     * whose target is `ip` (2.1.1). Seen even while the device has no
     * address of its own.
     */
    void (*acd_watch)(struct axn_netdev *dev, axn_ip4_t ip);
    int (*acd_send)(struct axn_netdev *dev, axn_ip4_t ip, bool announce);
    uint32_t (*acd_conflicts)(const struct axn_netdev *dev);
    /* Releases the device (unregisters its IRQ, frees its memory). */
    void (*destroy)(struct axn_netdev *dev);
};

struct axn_netdev {
    const struct axn_netdev_ops *ops;
    uint32_t ifindex;
    char name[AXN_IFNAMSIZ];
    enum axn_iface_kind kind;
    const struct axn_platform *plat;
    struct axn_if_counters *counters; /* owned by the router's device handle */
    axn_netdev_unreachable_fn unreachable;
    void *unreachable_ctx;
    axn_netdev_wake_fn wake;
    void *wake_ctx;
    axn_netdev_mac_fn mac_changed;
    void *mac_changed_ctx;
    /* Largest IP packet the device segments itself (TSO4, send_gso); 0:
     * none. The router gives its TX queue a large-frame lane. */
    uint32_t gso_max;
    /* Largest IP packet an LRO aggregate from the device may be; 0: none.
     * The router gives its RX batch and the shared RX queue a lane. */
    uint32_t lro_max;
};

#endif /* AXN_DEV_NETDEV_H */
