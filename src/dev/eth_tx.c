/* Ethernet adapter, transmit side: frame emission (ETH-17) and send (ETH-10). */
#include "axnet/config.h"
#include "axnet/errno.h"
#include "dev/eth_priv.h"
#include "lib/log.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

/* RFC 3021: /31 and /32 subnets have no directed broadcast address. */
#define ETH_PREFIX_NO_BROADCAST 31u

/* RFC 9293 3.1: the TCP Data Offset, in 32-bit words, in byte 12's top. */
#define TSO_TCP_OFF_DATA_OFF 12
#define TSO_DATA_OFF_SHIFT   4
#define TSO_TCP_WORD         4u /* Data Offset counts 32-bit words */

static const struct axn_mac eth_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/* A driver's "try later" means nothing to a packet that is already gone:
 * report what Linux reports for a dropped transmit. */
static int dropped_errno(int err)
{
    return err == -AXN_EAGAIN ? -AXN_ENOBUFS : err;
}

static int tx_fail(struct axn_eth_dev *d, const char *what, int err)
{
    axn_if_count_add(&d->base.counters->tx_errors, 1);
    AXN_WARN(d->base.plat, "%s: %s failed: %d", d->base.name, what, err);
    return dropped_errno(err);
}

static size_t padded_len(size_t payload_len)
{
    const size_t len = AXN_ETH_HLEN + payload_len;
    return len < AXN_ETH_ZLEN ? AXN_ETH_ZLEN : len;
}

/* ETH-17 with the frame's offload metadata (NULL: a plain frame). */
static int emit_frame_ofl(struct axn_eth_dev *d, const struct axn_mac *dst, uint16_t ethertype,
                          const uint8_t *payload, size_t len, const struct axn_offload *ofl)
{
    const struct axn_eth_driver *drv = d->drv;
    int r = drv->ops->recycle_tx(drv->drv);
    if (r < 0)
        return tx_fail(d, "recycle_tx", r);
    /* Always pad (ETH-17): the contract lets a driver rely on it, and one
     * that pads by itself just finds nothing left to do. */
    const size_t want = padded_len(len);
    struct axn_tx_buf tx = {0};
    r = drv->ops->alloc_tx(drv->drv, want, &tx);
    if (r < 0)
        return tx_fail(d, "alloc_tx", r);
    struct axn_eth eth = {
        .dst = *dst, .ethertype = ethertype, .payload = payload, .payload_len = len};
    axn_eth_own_mac(d, &eth.src);
    int n = tx.data ? axn_eth_emit(&eth, tx.data, tx.len, AXN_ETH_EMIT_PAD) : AXN_WIRE_ENOSPC;
    if (n < 0) {
        drv->ops->abort_tx(drv->drv, &tx);
        return tx_fail(d, "frame emit", -AXN_EINVAL);
    }
    tx.len = (size_t)n;
    if (ofl)
        tx.offload = *ofl;
    r = drv->ops->transmit(drv->drv, &tx);
    if (r < 0)
        return tx_fail(d, "transmit", r);
    return n;
}

int axn_eth_emit_frame(struct axn_eth_dev *d, const struct axn_mac *dst, uint16_t ethertype,
                       const uint8_t *payload, size_t len)
{
    return emit_frame_ofl(d, dst, ethertype, payload, len, NULL);
}

int axn_eth_emit_side(struct axn_eth_dev *d, const struct axn_mac *dst, uint16_t ethertype,
                      const uint8_t *payload, size_t len)
{
    int n = axn_eth_emit_frame(d, dst, ethertype, payload, len);
    if (n > 0)
        axn_if_count_tx(d->base.counters, (uint64_t)n);
    return n;
}

/* ETH-10a: the limited broadcast, or our subnet's directed broadcast. */
static bool is_broadcast_hop(const struct axn_eth_dev *d, axn_ip4_t hop)
{
    if (axn_ip4_is_broadcast(hop))
        return true;
    return d->has_ip && d->ip.prefix_len < ETH_PREFIX_NO_BROADCAST &&
           hop == axn_ip4_subnet_broadcast(d->ip.addr, d->ip.prefix_len);
}

/* A link-layer destination known without asking: broadcast (ETH-10a), or
 * an IPv4 multicast group (RFC 1112 6.4; ax-net would ARP for it). */
static bool static_dst(const struct axn_eth_dev *d, axn_ip4_t hop, struct axn_mac *mac)
{
    if (is_broadcast_hop(d, hop)) {
        *mac = eth_broadcast;
        return true;
    }
    if (axn_ip4_is_multicast(hop)) {
        axn_ip4_multicast_mac(hop, mac);
        return true;
    }
    return false;
}

/* ETH-10d: ask for the next hop if a request is due. */
static int request_if_due(struct axn_eth_dev *d, axn_ip4_t hop, axn_time_t now)
{
    if (!axn_arp_cache_request_due(&d->neigh, hop, now))
        return 0;
    int r = axn_eth_arp_request(d, hop);
    if (r < 0)
        return r; /* ETH-10e: counted by the request; packet dropped */
    axn_arp_cache_note_request(&d->neigh, hop, now);
    return 0;
}

/* ETH-10d-f: ask for the next hop if due, then park the packet. */
static int queue_for_resolution(struct axn_eth_dev *d, axn_ip4_t hop, const uint8_t *pkt,
                                size_t len, axn_time_t now)
{
    int r = request_if_due(d, hop, now);
    if (r < 0)
        return r;
    r = axn_arp_pending_push(&d->pending, hop, pkt, len, now);
    if (r < 0) {
        /* ETH-10f, plus the per-next-hop bound ax-net lacks (ETH-14). */
        axn_if_count_add(&d->base.counters->tx_dropped, 1);
        AXN_DEBUG(d->base.plat, "%s: pending ARP queue refused a packet: %d", d->base.name, r);
        return r == -AXN_EMSGSIZE ? r : -AXN_ENOBUFS;
    }
    return 0;
}

/* A device with no resolved next hop, or down: the common part of send. */
static int send_prologue(struct axn_eth_dev *d, axn_ip4_t next_hop, struct axn_mac *mac,
                         axn_time_t now)
{
    if (!d->up) {
        /* A worker that saw the link up a moment ago: dropped, counted. */
        axn_if_count_add(&d->base.counters->tx_dropped, 1);
        return -AXN_ENETDOWN;
    }
    return static_dst(d, next_hop, mac) || axn_arp_cache_lookup(&d->neigh, next_hop, now, mac) ? 1
                                                                                               : 0;
}

/*
 * The metadata of a TSO frame (virtio 1.x 5.1.6.2): the device checksums
 * from the TCP header on (the field holds the pseudo-header sum, as
 * Linux's CHECKSUM_PARTIAL) and cuts the payload past hdr_len into
 * gso_size pieces. False if pkt is not TCP/IPv4 with whole headers.
 */
static bool tso_offload(const uint8_t *pkt, size_t len, uint16_t gso_size, struct axn_offload *ofl)
{
    struct axn_ipv4 ip;
    if (axn_ipv4_parse(pkt, len, &ip, 0) != 0 || ip.protocol != AXN_TCP_PROTO)
        return false;
    const size_t ihl = (size_t)(ip.payload - pkt);
    if (ip.payload_len < AXN_TCP_HDR_LEN)
        return false;
    const size_t thl =
        (size_t)(ip.payload[TSO_TCP_OFF_DATA_OFF] >> TSO_DATA_OFF_SHIFT) * TSO_TCP_WORD;
    if (thl < AXN_TCP_HDR_LEN || thl > ip.payload_len)
        return false;
    ofl->flags = AXN_OFL_NEEDS_CSUM;
    ofl->gso_type = AXN_GSO_TCPV4;
    ofl->gso_size = gso_size;
    ofl->hdr_len = (uint16_t)(AXN_ETH_HLEN + ihl + thl);
    ofl->csum_start = (uint16_t)(AXN_ETH_HLEN + ihl);
    ofl->csum_offset = AXN_TCP_CSUM_OFFSET;
    return true;
}

int axn_eth_send_gso(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                     uint16_t gso_size, axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    struct axn_offload ofl = {0};
    if (len <= AXN_PKT_SLOT_SIZE)
        return axn_eth_send(dev, next_hop, pkt, len, now);
    if (!tso_offload(pkt, len, gso_size, &ofl)) {
        axn_if_count_add(&d->base.counters->tx_errors, 1);
        return -AXN_EINVAL;
    }
    struct axn_mac mac;
    const int r = send_prologue(d, next_hop, &mac, now);
    if (r < 0)
        return r;
    if (r == 0) {
        /* No neighbour yet: the pending queue holds plain packets only;
         * TCP retransmits what is dropped here once ARP has answered. */
        (void)request_if_due(d, next_hop, now);
        axn_if_count_add(&d->base.counters->tx_dropped, 1);
        return -AXN_ENOBUFS;
    }
    return emit_frame_ofl(d, &mac, AXN_ETHERTYPE_IPV4, pkt, len, &ofl);
}

int axn_eth_send(struct axn_netdev *dev, axn_ip4_t next_hop, const uint8_t *pkt, size_t len,
                 axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    struct axn_mac mac;
    const int r = send_prologue(d, next_hop, &mac, now);
    if (r < 0)
        return r;
    if (r > 0)
        return axn_eth_emit_frame(d, &mac, AXN_ETHERTYPE_IPV4, pkt, len);
    return queue_for_resolution(d, next_hop, pkt, len, now);
}
