/* Ethernet adapter, receive side (ETH-4..9). */
#include "axnet/config.h"
#include "axnet/errno.h"
#include "dev/eth_priv.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "wire/ethernet.h"

/* Largest frame we accept: an IP packet of a full slot plus the header. */
#define ETH_RX_FRAME_MAX ((size_t)AXN_PKT_SLOT_SIZE + AXN_ETH_HLEN)

static void count_rx_error(struct axn_eth_dev *d)
{
    axn_if_count_add(&d->base.counters->rx_errors, 1);
}

static void count_rx_drop(struct axn_eth_dev *d)
{
    axn_if_count_add(&d->base.counters->rx_dropped, 1);
}

/* ETH-6: broadcast, all-zero, or our own MAC; everything else (multicast
 * included) is not for us and silently ignored. */
static bool accept_dst(const struct axn_eth_dev *d, const struct axn_mac *dst)
{
    if (axn_mac_is_broadcast(dst) || axn_mac_is_zero(dst))
        return true;
    struct axn_mac own;
    axn_eth_own_mac(d, &own);
    return axn_mac_equal(dst, &own);
}

/* virtio 1.x 5.1.6.4: a received frame with NEEDS_CSUM has its transport
 * checksum only partially summed, and "any preceding checksums have been
 * validated": the host vouches for the data (a TAP's frames from Linux's
 * own stack). Such a frame is as good as a verified one; checking its
 * partial sum would refuse it. */
static uint8_t rx_offload_flags(const struct axn_offload *ofl)
{
    uint8_t f = ofl->flags;
    if (f & AXN_OFL_NEEDS_CSUM)
        f = (uint8_t)((f & ~AXN_OFL_NEEDS_CSUM) | AXN_OFL_CSUM_VALID);
    return f;
}

/* ETH-7 (and IPv6, which ax-net drops under ETH-9): hands the IP packet to
 * the router. Returns its length, or 0 when it was dropped and counted. */
static int deliver_ip(struct axn_eth_dev *d, const struct axn_eth *eth, const struct axn_rx_buf *rx,
                      uint8_t *out, size_t cap, struct axn_rx_meta *meta)
{
    if (eth->payload_len == 0) {
        count_rx_error(d); /* an IP frame with no IP header is malformed */
        return 0;
    }
    if (eth->payload_len > cap) {
        count_rx_drop(d); /* RT-38: over-MTU RX */
        return 0;
    }
    memcpy(out, eth->payload, eth->payload_len);
    meta->ifindex = d->base.ifindex;
    meta->ethertype = eth->ethertype;
    meta->frame_len = (uint32_t)rx->len;
    meta->offload = rx_offload_flags(&rx->offload);
    meta->gso_size = rx->offload.gso_type != AXN_GSO_NONE ? rx->offload.gso_size : 0;
    return (int)eth->payload_len;
}

/* ETH-9: well-formed but of no protocol of ours: Linux counts such a frame
 * in rx_packets and rx_dropped both. */
static void count_unknown(struct axn_eth_dev *d, const struct axn_rx_buf *rx)
{
    axn_if_count_rx(d->base.counters, rx->len);
    count_rx_drop(d);
}

/*
 * One frame. Returns the IP packet length written to `out`, or 0 when the
 * frame was consumed on the side path (ARP, drops, errors).
 *
 * VLAN-tagged and 802.3-length frames are refused by the Ethernet parser
 * before it reports their destination, so ETH-6 cannot filter them: they
 * are counted as unknown EtherTypes whatever their destination.
 */
/* RT-38: a frame above the MTU is dropped, unless it is an LRO aggregate
 * (the driver says so in gso_type) from a device that declared LRO: then
 * up to one IPv4 datagram. */
static bool frame_too_long(const struct axn_eth_dev *d, const struct axn_rx_buf *rx)
{
    if (rx->len <= ETH_RX_FRAME_MAX)
        return false;
    if (rx->offload.gso_type == AXN_GSO_NONE || d->base.lro_max == 0)
        return true;
    return rx->len > (size_t)d->base.lro_max + AXN_ETH_HLEN;
}

static int handle_frame(struct axn_eth_dev *d, const struct axn_rx_buf *rx, uint8_t *out,
                        size_t cap, struct axn_rx_meta *meta, axn_time_t now)
{
    if (frame_too_long(d, rx)) {
        count_rx_drop(d); /* RT-38: over-MTU RX */
        return 0;
    }
    struct axn_eth eth;
    int r = axn_eth_parse(rx->data, rx->len, &eth);
    if (r == AXN_WIRE_EVLAN || r == AXN_WIRE_EUNSUPP) {
        count_unknown(d, rx);
        return 0;
    }
    if (r < 0) {
        AXN_WARN(d->base.plat, "%s: malformed Ethernet frame (%s)", d->base.name,
                 axn_wire_strerror(r));
        count_rx_error(d); /* ETH-5 */
        return 0;
    }
    if (!accept_dst(d, &eth.dst))
        return 0;
    switch (eth.ethertype) {
    case AXN_ETHERTYPE_IPV4:
    case AXN_ETHERTYPE_IPV6:
        return deliver_ip(d, &eth, rx, out, cap, meta);
    case AXN_ETHERTYPE_ARP:
        axn_if_count_rx(d->base.counters, rx->len); /* ETH-8 */
        axn_eth_arp_input(d, eth.payload, eth.payload_len, now);
        return 0;
    default:
        count_unknown(d, rx);
        return 0;
    }
}

int axn_eth_recv(struct axn_netdev *dev, uint8_t *out, size_t cap, struct axn_rx_meta *meta,
                 axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    const struct axn_eth_driver *drv = d->drv;
    if (!d->up)
        return 0; /* frames of a down link stay in the driver, unread */
    axn_eth_track_mac(d);
    /* ETH-4: side-path frames are consumed until one IP packet comes out
     * or the driver runs dry. Unbounded on purpose: returning 0 early would
     * tell the router "nothing more" while frames still wait. */
    for (;;) {
        struct axn_rx_buf rx = {0};
        int r = drv->ops->receive(drv->drv, &rx);
        if (r == -AXN_EAGAIN)
            return 0;
        if (r < 0) {
            AXN_WARN(d->base.plat, "%s: receive failed: %d", d->base.name, r);
            count_rx_error(d);
            return 0;
        }
        int n = handle_frame(d, &rx, out, cap, meta, now);
        if (drv->ops->recycle_rx(drv->drv, &rx) < 0) {
            AXN_WARN(d->base.plat, "%s: recycle_rx failed", d->base.name);
            count_rx_error(d); /* DRV-2: recycled even when dropped */
        }
        if (n > 0)
            return n;
    }
}
