/*
 * The raw tap (raw.h, ip4.h): every datagram delivered to this host goes
 * to every raw socket that matches it, as Linux raw_v4_input does.
 */
#include "ip/raw.h"
#include "wire/icmp4.h"

/* ICMP types a filter can name (Linux icmp_filter: bits of a u32). */
#define ICMP_FILTER_TYPES 32u

/* Linux raw_v4_match: protocol, bound local address, connected peer,
 * bound device. The peer check is the fix for the spec's RAW-10: a
 * non-peer datagram is never queued, so it cannot wedge the socket. */
static bool matches(const struct axn_raw_sock *rs, const struct axn_ip4_rx *rx)
{
    const struct axn_ipv4 *h = rx->hdr;
    const struct axn_raw_dgram *d = &rs->d;
    if (d->base.protocol != h->protocol)
        return false;
    if (d->rcv_addr != 0 && d->rcv_addr != h->dst)
        return false;
    if (d->connected && d->peer != h->src)
        return false;
    const uint32_t dev = d->base.opt.bound_ifindex;
    return dev == 0 || dev == rx->ifindex;
}

/* Linux icmp_filter: bit n set drops type n; a message too short to
 * carry its type is dropped too; types from 32 on always pass. */
static bool icmp_filtered(const struct axn_raw_sock *rs, const struct axn_ip4_rx *rx)
{
    if (rx->hdr->protocol != AXN_IPPROTO_ICMP)
        return false;
    if (rx->hdr->payload_len < 1)
        return true;
    const uint8_t type = rx->hdr->payload[0];
    return type < ICMP_FILTER_TYPES && (rs->icmp_filter & (1u << type)) != 0;
}

bool axn_raw_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now)
{
    (void)now;
    struct axn_raw_layer *l = ctx;
    bool delivered = false;
    for (struct axn_raw_dgram *d = l->socks; d; d = d->next) {
        struct axn_raw_sock *rs = (struct axn_raw_sock *)d;
        if (!matches(rs, rx))
            continue;
        delivered = true;
        if (!icmp_filtered(rs, rx))
            axn_raw_dgram_enqueue(&rs->d, rx, rx->pkt, rx->len);
    }
    return delivered;
}
