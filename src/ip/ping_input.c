/*
 * What ICMP hands ping sockets (ping.h): echo replies, by identifier
 * (Linux ping_rcv / ping_lookup), and errors quoting our echo requests
 * (ping_err).
 */
#include "axnet/errno.h"
#include "ip/ping.h"
#include "lib/byteorder.h"

/* Quoted ICMP echo request: identifier offset (RFC 792). */
#define QUOTE_ECHO_ID_OFF 4

/* Linux ping_lookup: identifier, bound address, bound device; the first
 * match takes it (the peer of a connected socket is not checked). */
static struct axn_ping_sock *lookup(struct axn_ping_layer *l, uint16_t ident, axn_ip4_t local,
                                    uint32_t ifindex)
{
    for (struct axn_raw_dgram *d = l->socks; d; d = d->next) {
        struct axn_ping_sock *ps = (struct axn_ping_sock *)d;
        if (ps->ident == 0 || ps->ident != ident)
            continue;
        if (ps->d.rcv_addr != 0 && ps->d.rcv_addr != local)
            continue;
        const uint32_t dev = ps->d.base.opt.bound_ifindex;
        if (dev == 0 || dev == ifindex)
            return ps;
    }
    return NULL;
}

void axn_ping_echo_reply(void *ctx, const struct axn_ip4_rx *rx, const struct axn_icmp4 *echo,
                         axn_time_t now)
{
    (void)now;
    struct axn_ping_sock *ps = lookup(ctx, echo->id, rx->hdr->dst, rx->ifindex);
    if (!ps)
        return;
    axn_raw_dgram_enqueue(&ps->d, rx, rx->hdr->payload, rx->hdr->payload_len);
}

/* Linux ping_err: the errno and whether it is hard; false: ignored. */
static bool convert(const struct axn_ping_sock *ps, const struct axn_icmp4_err *e, int *err,
                    bool *hard)
{
    switch (e->type) {
    case AXN_ICMP4_DEST_UNREACH:
        if (e->code == AXN_ICMP4_UNREACH_FRAG_NEEDED) {
            /* Path MTU discovery: an error unless IP_PMTUDISC_DONT. */
            *err = AXN_EMSGSIZE;
            *hard = true;
            return ps->d.base.opt.ip.pmtudisc != AXN_IP_PMTUDISC_DONT;
        }
        if (!axn_icmp4_unreach_errno(e->code, err, hard)) {
            *err = AXN_EHOSTUNREACH;
            *hard = false;
        }
        return true;
    case AXN_ICMP4_TIME_EXCEEDED:
        *err = AXN_EHOSTUNREACH;
        *hard = false;
        return true;
    case AXN_ICMP4_PARAM_PROBLEM:
        *err = AXN_EPROTO;
        *hard = true;
        return true;
    default:
        return false;
    }
}

void axn_ping_error(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    (void)now;
    if (e->orig_l4_len < AXN_ICMP4_HDR_LEN || e->orig_l4[0] != AXN_ICMP4_ECHO_REQUEST ||
        e->orig_l4[1] != 0)
        return;
    const uint16_t ident = axn_get_be16(e->orig_l4 + QUOTE_ECHO_ID_OFF);
    struct axn_ping_sock *ps = lookup(ctx, ident, e->orig_src, e->ifindex);
    int err;
    bool hard;
    if (!ps || !convert(ps, e, &err, &hard))
        return;
    /* Without IP_RECVERR only a hard error on a connected socket counts
     * (ip(7) IP_RECVERR; Linux ping_err). */
    if (!ps->d.base.opt.ip.recverr && (!hard || !ps->d.connected))
        return;
    axn_sock_set_error(&ps->d.base, err);
}
