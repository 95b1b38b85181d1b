/*
 * Inside the Ethernet adapter (eth_dev.c construction and IRQ, eth_rx.c
 * receive path, eth_tx.c frame emission and send, eth_arp.c ARP protocol,
 * pending packets and timers). Not for use outside src/dev/eth_*.c.
 *
 * Counting (RT-38, netdev.h): the router counts the IP packets `recv`
 * returns and the frames `send` returns; everything else — ARP in and
 * out, flushed pending packets, unknown EtherTypes, errors and drops — the
 * adapter counts itself, straight into its interface counters.
 */
#ifndef AXN_DEV_ETH_PRIV_H
#define AXN_DEV_ETH_PRIV_H

#include "axnet/driver.h"
#include "dev/arp_cache.h"
#include "dev/arp_pending.h"
#include "dev/eth_dev.h"

struct axn_eth_dev {
    struct axn_netdev base; /* first: the router holds &base */
    const struct axn_eth_driver *drv;
    bool oob_rx;
    bool irq_registered;
    void *irq_registration;
    /* Admin link state (eth_link.c). Down: recv reads nothing, send and
     * the timers send nothing, no announcement on an address change. The
     * router keeps a down device quiet too; this covers a worker that saw
     * the old state, and what the device would do on its own. */
    bool up;
    struct axn_irq_handler irq_handler;
    /* The MAC last reported through base.mac_changed (CTL-15). */
    struct axn_mac mac_seen;
    bool has_ip;
    struct axn_ip4_cidr ip;
    struct axn_arp_cache neigh;
    struct axn_arp_pending pending;
    /* RFC 5227 conflict detection for the DHCP client (eth_arp.c):
     * the address watched (0.0.0.0: none) and the conflicts seen since. */
    axn_ip4_t acd_ip;
    uint32_t acd_conflicts;
    /* Used until the router points base.counters at its device handle's
     * counters, so a device made on its own (tests, early init) can count. */
    struct axn_if_counters own_counters;
};

static inline struct axn_eth_dev *axn_eth_of(struct axn_netdev *dev)
{
    return (struct axn_eth_dev *)(void *)dev;
}

static inline const struct axn_eth_dev *axn_eth_of_const(const struct axn_netdev *dev)
{
    return (const struct axn_eth_dev *)(const void *)dev;
}

/* The MAC the driver reports now (read each time: ETH-6). */
void axn_eth_own_mac(const struct axn_eth_dev *d, struct axn_mac *mac);

/* Reports a MAC the driver changed since the last call through
 * base.mac_changed (CTL-15); run at the start of every receive. */
void axn_eth_track_mac(struct axn_eth_dev *d);

/* ---- eth_tx.c ------------------------------------------------------------ */

/*
 * Emits one frame (ETH-17): recycle TX buffers, allocate, write header and
 * payload zero-padded to AXN_ETH_ZLEN, transmit. Returns the frame length
 * or a negative errno; a failure is counted as a tx_error here, a success
 * is NOT counted (the caller decides who counts it).
 */
int axn_eth_emit_frame(struct axn_eth_dev *d, const struct axn_mac *dst, uint16_t ethertype,
                       const uint8_t *payload, size_t len);

/* Same, for frames the adapter sends on its own (ARP, flushed pending
 * packets): a success is counted as TX on the interface. */
int axn_eth_emit_side(struct axn_eth_dev *d, const struct axn_mac *dst, uint16_t ethertype,
                      const uint8_t *payload, size_t len);

int axn_eth_send(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                 axn_time_t now);
/* netdev send_gso: one TSO frame with its offload metadata (driver.h). */
int axn_eth_send_gso(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                     uint16_t gso_size, axn_time_t now);

/* ---- eth_rx.c ------------------------------------------------------------ */

int axn_eth_recv(struct axn_netdev *dev, uint8_t *out, size_t cap, struct axn_rx_meta *meta,
                 axn_time_t now);

/* ---- eth_arp.c ----------------------------------------------------------- */

/* Handles the payload of an ARP frame (ETH-12). */
void axn_eth_arp_input(struct axn_eth_dev *d, const uint8_t *payload, size_t len, axn_time_t now);

/* Broadcasts a request for `target` (ETH-11). Returns 0 or a negative
 * errno (counted as a tx_error). Does not touch the neighbour table. */
int axn_eth_arp_request(struct axn_eth_dev *d, axn_ip4_t target);

/* Drops every pending packet, counted tx_dropped, each reported to
 * dev->unreachable if `report`. Returns how many. */
size_t axn_eth_pending_drop_all(struct axn_eth_dev *d, bool report, axn_time_t now);

/* RFC 5227 section 2.3 announcement of our address (if we have one). */
void axn_eth_arp_announce(struct axn_eth_dev *d);

/* netdev acd_watch / acd_send / acd_conflicts (RFC 5227, netdev.h). */
void axn_eth_acd_watch(struct axn_netdev *dev, axn_ip4_t ip);
int axn_eth_acd_send(struct axn_netdev *dev, axn_ip4_t ip, bool announce);
uint32_t axn_eth_acd_conflicts(const struct axn_netdev *dev);

void axn_eth_set_ipv4(struct axn_netdev *dev, const struct axn_ip4_cidr *cidr, axn_time_t now);
void axn_eth_tick(struct axn_netdev *dev, axn_time_t now);
axn_time_t axn_eth_next_deadline(const struct axn_netdev *dev);

/* ---- eth_link.c ---------------------------------------------------------- */

void axn_eth_set_link(struct axn_netdev *dev, bool up, axn_time_t now);
size_t axn_eth_discard(struct axn_netdev *dev);

#endif /* AXN_DEV_ETH_PRIV_H */
