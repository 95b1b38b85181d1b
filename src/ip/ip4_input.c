/*
 * IPv4 input (RFC 791, RFC 1122 3.2.1): validate, count as Linux's
 * /proc/net/snmp does, keep what is addressed to us, reassemble, and
 * dispatch by protocol. A host does not forward, and does not check TTL
 * on what it receives (RFC 1122 3.2.1.7: TTL is checked by routers).
 */
#include "axnet/driver.h"
#include "ip/icmp4.h"
#include "ip/ip4.h"
#include "wire/udp.h"
#include "lib/byteorder.h"

/* Offset of the Total Length field in the IPv4 header. */
#define IP4_TOTAL_LEN_OFF 2
#define IP4_TOTAL_LEN_END (IP4_TOTAL_LEN_OFF + 2)
/* Bytes per IHL unit. */
#define IP4_IHL_UNIT 4u
#define IP4_IHL_MASK 0x0fu

/* The all-hosts group every multicast host is in (RFC 1112 4). */
#define IP4_ALL_HOSTS AXN_IP4(224, 0, 0, 1)
/* 224.0.0.0/24: link-local multicast, where 0.0.0.0 may send (IGMP). */
#define IP4_LOCAL_MCAST_NET  AXN_IP4(224, 0, 0, 0)
#define IP4_LOCAL_MCAST_MASK 0xffffff00u

/* ---- Header errors --------------------------------------------------------------- */

/* Linux ip_rcv_core: a frame shorter than Total Length is a truncated
 * packet (IpExt InTruncatedPkts); a Total Length shorter than the header
 * is a header error. */
static bool is_truncated(const uint8_t *pkt, size_t len)
{
    if (len < IP4_TOTAL_LEN_END)
        return false;
    const size_t total = axn_get_be16(pkt + IP4_TOTAL_LEN_OFF);
    const size_t hdr = (pkt[0] & IP4_IHL_MASK) * IP4_IHL_UNIT;
    return total >= hdr && total > len;
}

static void count_parse_error(struct axn_ip4 *ip, const uint8_t *pkt, size_t len, int err)
{
    if (err == AXN_WIRE_ELEN && is_truncated(pkt, len)) {
        ip->stats.in_truncated_pkts++;
        return;
    }
    /* Linux counts a bad checksum in both (csum_error falls into
     * inhdr_error). */
    if (err == AXN_WIRE_ECSUM)
        ip->stats.in_csum_errors++;
    ip->stats.in_hdr_errors++;
}

/* ---- Martians (Linux ip_route_input_slow, RFC 1122 3.2.1.3) ------------------------ */

static bool is_local_mcast(axn_ip4_t a)
{
    return (a & IP4_LOCAL_MCAST_MASK) == IP4_LOCAL_MCAST_NET;
}

/* A source that names no single host, or loopback from a wire. 0.0.0.0
 * may only ask, to a broadcast or link-local group (BOOTP, IGMP). */
static bool martian_source(struct axn_ip4 *ip, const struct axn_ipv4 *h, uint32_t ifindex)
{
    if (axn_ip4_is_broadcast(h->src) || axn_ip4_is_multicast(h->src))
        return true;
    if (axn_ip4_is_unspecified(h->src))
        return !axn_ip4_is_broadcast(h->dst) && !is_local_mcast(h->dst);
    if (axn_ip4_is_loopback(h->src) && ifindex != AXN_IFINDEX_LOOPBACK)
        return true;
    return axn_ip4_is_any_subnet_broadcast(ip, h->src);
}

static bool martian_destination(const struct axn_ipv4 *h, uint32_t ifindex)
{
    if (axn_ip4_is_unspecified(h->dst))
        return true;
    return axn_ip4_is_loopback(h->dst) && ifindex != AXN_IFINDEX_LOOPBACK;
}

/* ---- Delivery ------------------------------------------------------------------------ */

static void deliver(struct axn_ip4 *ip, const struct axn_ip4_rx *rx, axn_time_t now)
{
    const uint8_t protocol = rx->hdr->protocol;
    /* raw(7): raw sockets get their copy first (Linux raw_local_deliver). */
    const bool raw = ip->raw_tap != NULL && ip->raw_tap(ip->raw_tap_ctx, rx, now);
    if (protocol == AXN_IPPROTO_ICMP) {
        ip->stats.in_delivers++;
        axn_icmp4_input(ip, rx, now);
        return;
    }
    const struct axn_ip4_handler *h = axn_ip4_handler_for(ip, protocol);
    if (h && h->input) {
        ip->stats.in_delivers++;
        h->input(h->input_ctx, rx, now);
        return;
    }
    if (raw) {
        /* Linux ip_protocol_deliver_rcu: taken by a raw socket. */
        ip->stats.in_delivers++;
        return;
    }
    /* RFC 1122 3.2.2.1: protocol unreachable; send_error applies the
     * never-rules (broadcast, non-first fragment, ...). */
    ip->stats.in_unknown_protos++;
    (void)axn_icmp4_send_error(ip, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PROTO, rx->pkt,
                               rx->len, now);
}

/* A fragment: held until its datagram is whole (ip4_reasm.h counts). */
static void reassemble(struct axn_ip4 *ip, struct axn_ip4_rx *rx, axn_time_t now)
{
    struct axn_ip4_datagram d;
    if (axn_ip4_reasm_input(&ip->reasm, rx->hdr, rx->pkt, now, &d) != 1)
        return;
    struct axn_ipv4 whole;
    if (axn_ipv4_parse(d.pkt, d.len, &whole, AXN_IPV4_PARSE_CSUM_VERIFIED) == 0) {
        rx->offload = 0; /* a device sees one fragment, never the transport's sum */
        rx->hdr = &whole;
        rx->pkt = d.pkt;
        rx->len = whole.total_len;
        deliver(ip, rx, now);
    } else {
        ip->stats.in_discards++;
    }
    axn_ip4_reasm_release(&ip->reasm, &d);
}

/* Sorts the packet by destination; false when it is not ours to take. */
static bool accept_destination(struct axn_ip4 *ip, const struct axn_ipv4 *h, uint32_t ifindex,
                               enum axn_ip4_cast *cast)
{
    switch (axn_ip4_classify_dst(ip, h->dst, ifindex)) {
    case AXN_IP4_DST_LOCAL:
        *cast = AXN_IP4_UNICAST;
        return true;
    case AXN_IP4_DST_BROADCAST:
        ip->stats.in_bcast_pkts++;
        *cast = AXN_IP4_BROADCAST;
        return true;
    case AXN_IP4_DST_MULTICAST:
        ip->stats.in_mcast_pkts++;
        *cast = AXN_IP4_MULTICAST;
        /* No IGMP yet: the all-hosts group is the only one we are in. */
        if (h->dst == IP4_ALL_HOSTS)
            return true;
        ip->stats.in_mcast_not_member++;
        return false;
    default:
        /* Linux on a host that does not forward: InAddrErrors. */
        ip->stats.in_addr_errors++;
        return false;
    }
}

void axn_ip4_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                   axn_time_t now)
{
    struct axn_ip4 *ip = ctx;
    ip->stats.in_receives++;
    const unsigned flags = (meta->offload & AXN_OFL_CSUM_VALID) ? AXN_IPV4_PARSE_CSUM_VERIFIED : 0;
    struct axn_ipv4 h;
    const int err = axn_ipv4_parse(pkt, len, &h, flags);
    if (err) {
        count_parse_error(ip, pkt, len, err);
        return;
    }
    if (martian_source(ip, &h, meta->ifindex) || martian_destination(&h, meta->ifindex)) {
        ip->stats.in_martians++;
        return;
    }
    struct axn_ip4_rx rx = {.hdr = &h,
                            .pkt = pkt,
                            .len = h.total_len,
                            .ifindex = meta->ifindex,
                            .offload = (uint8_t)(meta->offload & AXN_OFL_CSUM_VALID)};
    if (ip->svc_tap != NULL && h.protocol == AXN_UDP_PROTO && !h.is_fragment &&
        ip->svc_tap(ip->svc_tap_ctx, &rx, now)) {
        ip->stats.in_delivers++;
        return;
    }
    if (!accept_destination(ip, &h, meta->ifindex, &rx.cast))
        return;
    if (h.is_fragment)
        reassemble(ip, &rx, now);
    else
        deliver(ip, &rx, now);
}

void axn_ip4_set_raw_tap(struct axn_ip4 *ip, axn_ip4_raw_fn fn, void *ctx)
{
    ip->raw_tap = fn;
    ip->raw_tap_ctx = ctx;
}

void axn_ip4_set_svc_tap(struct axn_ip4 *ip, axn_ip4_raw_fn fn, void *ctx)
{
    ip->svc_tap = fn;
    ip->svc_tap_ctx = ctx;
}
