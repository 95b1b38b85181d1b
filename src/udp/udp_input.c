/*
 * UDP input (udp.h): datagrams from IPv4 to the sockets that want them,
 * and ICMP errors to the socket that sent the quoted datagram, as Linux's
 * __udp4_lib_rcv and __udp4_lib_err.
 */
#include "axnet/errno.h"
#include "ip/icmp4.h"
#include "lib/byteorder.h"
#include "udp/udp.h"
#include "wire/checksum.h"
#include "wire/icmp4.h"
#include "wire/udp.h"

/* Linux errno values axnet/errno.h does not name. */

/* Bytes of the quoted UDP header that hold the two ports. */
#define QUOTED_PORTS_LEN 4u
#define QUOTED_DPORT_OFF 2u

/* ---- Datagrams ------------------------------------------------------------ */

struct rx_ctx {
    struct axn_udp_layer *l;
    const struct axn_ip4_rx *rx;
    const struct axn_udp *u;
};

/* ip(7) IP_PKTINFO: ipi_spec_dst is the local address a reply would come
 * from: the destination for unicast, the interface's address otherwise
 * (Linux fib_compute_spec_dst). */
static axn_ip4_t spec_dst_of(struct axn_udp_layer *l, const struct axn_ip4_rx *rx)
{
    axn_ip4_t a = rx->hdr->dst;
    if (rx->cast != AXN_IP4_UNICAST && !axn_ip4_iface_addr(l->ip, rx->ifindex, &a))
        a = 0;
    return a;
}

/* Over SO_RCVBUF, even one lowered since the ring was sized. */
static bool over_rcvbuf(const struct axn_udp_sock *us)
{
    const int rcvbuf = us->base.opt.rcvbuf;
    return rcvbuf >= 0 && us->rxq.charged > (size_t)rcvbuf;
}

static void queue_to(struct axn_udp_sock *us, void *arg)
{
    const struct rx_ctx *c = arg;
    const struct axn_ipv4 *h = c->rx->hdr;
    const struct axn_udp_meta m = {
        .src = h->src,
        .dst = h->dst,
        .spec_dst = spec_dst_of(c->l, c->rx),
        .ifindex = c->rx->ifindex,
        .len = (uint32_t)c->u->payload_len,
        .sport = c->u->src_port,
        .tos = h->tos,
        .ttl = h->ttl,
    };
    if (over_rcvbuf(us) || !axn_udp_rxq_push(&us->rxq, &m, c->u->payload)) {
        /* Linux __udp_queue_rcv_skb: -ENOMEM counts both. */
        c->l->stats.rcvbuf_errors++;
        c->l->stats.in_errors++;
        return;
    }
    axn_sock_notify(&us->base, AXN_POLLIN | AXN_POLLRDNORM);
}

static int parse(struct axn_udp_layer *l, const struct axn_ip4_rx *rx, struct axn_udp *u)
{
    const struct axn_ipv4 *h = rx->hdr;
    const uint32_t ps = axn_csum_pseudo_v4(h->src, h->dst, AXN_UDP_PROTO, (uint16_t)h->payload_len);
    /* RFC 768: a zero checksum means "none" over IPv4; the parser knows. */
    const int err = axn_udp_parse(h->payload, h->payload_len, u, ps, 0);
    if (err == AXN_WIRE_ECSUM)
        l->stats.in_csum_errors++;
    if (err)
        l->stats.in_errors++;
    return err;
}

void axn_udp_input(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now)
{
    struct axn_udp_layer *l = ctx;
    struct axn_udp u;
    if (parse(l, rx, &u) != 0)
        return;
    const struct axn_udp_key k = {
        .saddr = rx->hdr->src,
        .daddr = rx->hdr->dst,
        .sport = u.src_port,
        .dport = u.dst_port,
        .ifindex = rx->ifindex,
    };
    struct rx_ctx c = {.l = l, .rx = rx, .u = &u};
    if (rx->cast != AXN_IP4_UNICAST) {
        /* Every matching socket gets a copy; no ICMP (RFC 1122 3.2.2). */
        if (axn_udp_lookup_all(l, &k, queue_to, &c) == 0)
            l->stats.ignored_multi++;
        return;
    }
    struct axn_udp_sock *us = axn_udp_lookup(l, &k);
    if (!us) {
        l->stats.no_ports++;
        (void)axn_icmp4_send_error(l->ip, AXN_ICMP4_DEST_UNREACH, AXN_ICMP4_UNREACH_PORT, rx->pkt,
                                   rx->len, now);
        return;
    }
    queue_to(us, &c);
}

/* ---- ICMP errors ------------------------------------------------------------ */

/* Linux __udp4_lib_err: the errno for `e`, 0 to ignore it. */
static int classify(struct axn_udp_sock *us, const struct axn_icmp4_err *e, axn_time_t now,
                    bool *hard)
{
    *hard = false;
    if (e->type == AXN_ICMP4_TIME_EXCEEDED)
        return AXN_EHOSTUNREACH;
    if (e->type == AXN_ICMP4_PARAM_PROBLEM) {
        *hard = true;
        return AXN_EPROTO;
    }
    int err;
    if (e->type != AXN_ICMP4_DEST_UNREACH || !axn_icmp4_unreach_errno(e->code, &err, hard))
        return 0;
    if (e->code == AXN_ICMP4_UNREACH_FRAG_NEEDED) {
        /* RFC 1191: into the IP layer's path MTU cache (IP_MTU, the next
         * datagrams), as Linux's ipv4_sk_update_pmtu; already there when
         * the error came through ICMP input, which learns first. */
        axn_ip4_frag_needed(us->layer->ip, e, now);
        if (us->base.opt.ip.pmtudisc == AXN_IP_PMTUDISC_DONT)
            return 0;
        *hard = true;
        return AXN_EMSGSIZE;
    }
    return err;
}

void axn_udp_err(void *ctx, const struct axn_icmp4_err *e, axn_time_t now)
{
    struct axn_udp_layer *l = ctx;
    if (!e->orig_l4 || e->orig_l4_len < QUOTED_PORTS_LEN)
        return;
    /* The quoted datagram is ours: its source is our end. */
    const struct axn_udp_key k = {
        .saddr = e->orig_dst,
        .daddr = e->orig_src,
        .sport = axn_get_be16(e->orig_l4 + QUOTED_DPORT_OFF),
        .dport = axn_get_be16(e->orig_l4),
        .ifindex = e->ifindex,
    };
    struct axn_udp_sock *us = axn_udp_lookup(l, &k);
    if (!us)
        return;
    bool hard;
    const int err = classify(us, e, now, &hard);
    if (err == 0)
        return;
    /* udp(7): only a connected socket hears of errors, unless IP_RECVERR. */
    if (!us->base.opt.ip.recverr && (!hard || !us->connected))
        return;
    axn_sock_set_error(&us->base, err);
}
