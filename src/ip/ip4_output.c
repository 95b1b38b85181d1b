/*
 * IPv4 output (RFC 791, RFC 1122 3.3): source selection from the route
 * (RT-11), the header with a per-destination ID (ip4_id.h), fragmentation
 * to the path MTU (the egress interface's, or less when learned: RFC 1191
 * section 4, ip4_pmtu.c) unless DF (RFC 791 3.2, RFC 1191), and the
 * router for every packet that leaves. Counted as Linux does: OutNoRoutes
 * for no route (no OutRequests then), OutRequests per datagram, FragOKs /
 * FragCreates / FragFails.
 */
#include "axnet/errno.h"
#include "ctl/ctl.h"
#include "ip/ip4.h"
#include "ip/ip4_frag.h"
#include "route/router.h"

/* Largest payload one datagram carries after a header without options. */
#define IP4_PAYLOAD_MAX (AXN_IPV4_TOTAL_MAX - AXN_IPV4_HDR_MIN)

uint8_t *axn_ip4_tx_payload(struct axn_ip4 *ip, size_t *cap)
{
    *cap = IP4_PAYLOAD_MAX;
    return ip->tx_buf + AXN_IPV4_HDR_MIN;
}

/* ---- Routing --------------------------------------------------------------------- */

/* 255.255.255.255 has no route of its own: the router copies it to every
 * interface, or only to the one its source belongs to (RT-20). The path
 * is the bound interface, else the source's, else the default route's. */
static void route_limited_broadcast(struct axn_ip4 *ip, const struct axn_ip4_tx *tx,
                                    struct axn_ip4_path *out)
{
    out->src = tx->src;
    out->ifindex = tx->ifindex;
    out->local = false;
    if (out->ifindex == 0 && out->src != 0)
        (void)axn_ctl_local_binding(ip->ctl, out->src, &out->ifindex);
    struct axn_route_decision d;
    if (out->ifindex == 0 && axn_ctl_route_select(ip->ctl, tx->dst, 0, &d) == 0)
        out->ifindex = d.ifindex;
    if (out->src == 0 && out->ifindex != 0 && !axn_ip4_iface_addr(ip, out->ifindex, &out->src))
        out->src = 0;
    out->mtu = axn_ip4_iface_mtu(ip, out->ifindex);
}

static void path_via_lo(struct axn_ip4 *ip, axn_ip4_t src, struct axn_ip4_path *out)
{
    out->ifindex = AXN_IFINDEX_LOOPBACK;
    out->src = src;
    out->mtu = axn_ip4_iface_mtu(ip, AXN_IFINDEX_LOOPBACK);
    out->local = true;
}

/* Linux routes the host's own addresses through lo (its local table): a
 * datagram to one of them never reaches a wire, and comes from the
 * address it goes to unless the sender chose. 127/8 follows lo's rule
 * (from 127.0.0.1); only a source elsewhere in 127/8 (a reply from
 * 127.0.0.2, local on Linux) has no rule and is looped here. */
static bool route_local(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, struct axn_ip4_path *out)
{
    if (axn_ip4_is_loopback(tx->dst)) {
        /* From another of our addresses (a socket bound to eth0's): Linux's
         * local table sends it through lo all the same. */
        uint32_t src_owner = 0;
        if (tx->src != 0 && !axn_ip4_is_loopback(tx->src) &&
            axn_ctl_local_binding(ip->ctl, tx->src, &src_owner) == 0) {
            path_via_lo(ip, tx->src, out);
            return true;
        }
        struct axn_route_decision d;
        if (!axn_ip4_is_loopback(tx->src) ||
            axn_ctl_route_for_source(ip->ctl, tx->dst, tx->src, &d) == 0)
            return false;
        path_via_lo(ip, tx->src, out);
        return true;
    }
    uint32_t owner = 0;
    if (axn_ctl_local_binding(ip->ctl, tx->dst, &owner) != 0 || owner == 0)
        return false;
    path_via_lo(ip, tx->src != 0 ? tx->src : tx->dst, out);
    return true;
}

static int route_at(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, axn_time_t now,
                    struct axn_ip4_path *out)
{
    if (axn_ip4_is_broadcast(tx->dst)) {
        route_limited_broadcast(ip, tx, out);
        return 0;
    }
    if (route_local(ip, tx, out))
        return 0;
    struct axn_route_decision d;
    /* A chosen source pins the egress (RT-10), as the router will. */
    const int err = tx->src != 0 ? axn_ctl_route_for_source(ip->ctl, tx->dst, tx->src, &d)
                                 : axn_ctl_route_select(ip->ctl, tx->dst, tx->ifindex, &d);
    if (err) {
        ip->stats.out_no_routes++;
        return -AXN_ENETUNREACH;
    }
    out->ifindex = d.ifindex;
    out->local = false;
    out->src = tx->src != 0 ? tx->src : d.source;
    if (out->src == 0)
        (void)axn_ip4_iface_addr(ip, d.ifindex, &out->src);
    out->mtu = axn_ip4_path_mtu(ip, tx->df, tx->dst, axn_ip4_iface_mtu(ip, d.ifindex), now);
    return 0;
}

int axn_ip4_route(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, axn_time_t now,
                  struct axn_ip4_path *out)
{
    return route_at(ip, tx, now, out); /* `now` ages the learned path MTUs */
}

/* ---- Sending ------------------------------------------------------------------------ */

/* The router counts its own no-route drops (added into OutNoRoutes);
 * anything else it refused is an output discard. A local datagram goes
 * into lo's queue directly: the router's rules would send one to our own
 * address out of the interface that owns it. */
static int send_one(struct axn_ip4 *ip, const struct axn_ip4_path *path, axn_ip4_t dst,
                    const uint8_t *pkt, size_t len, struct axn_tx_acct *acct, axn_time_t now)
{
    const int err = path->local ? axn_router_send_on_device(ip->router, AXN_IFINDEX_LOOPBACK, dst,
                                                            pkt, len, now)
                                : axn_router_output_acct(ip->router, pkt, len, acct, now);
    if (err && err != -AXN_ENETUNREACH)
        ip->stats.out_discards++;
    return err;
}

struct frag_out {
    struct axn_ip4 *ip;
    const struct axn_ip4_path *path;
    axn_ip4_t dst;
    struct axn_tx_acct *acct;
    axn_time_t now;
};

/* Linux ip_do_fragment: FragCreates per fragment sent; the first failure
 * stops the datagram. */
static int emit_fragment(void *ctx, const uint8_t *frag, size_t len)
{
    struct frag_out *f = ctx;
    const int err = send_one(f->ip, f->path, f->dst, frag, len, f->acct, f->now);
    if (err == 0)
        f->ip->stats.frag_creates++;
    return err;
}

static int send_fragmented(struct axn_ip4 *ip, const struct axn_ip4_path *path,
                           const struct axn_ip4_tx *tx, size_t len, axn_time_t now)
{
    struct frag_out f = {.ip = ip, .path = path, .dst = tx->dst, .acct = tx->acct, .now = now};
    const int n = axn_ip4_fragment(ip->tx_buf, len, path->mtu, ip->frag_buf, emit_fragment, &f);
    if (n < 0) {
        ip->stats.frag_fails++;
        return n;
    }
    ip->stats.frag_oks++;
    return 0;
}

/* The datagram in tx_buf: its length, or a negative wire error. */
static int build_datagram(struct axn_ip4 *ip, const struct axn_ip4_tx *tx,
                          const struct axn_ip4_path *path, const uint8_t *payload, size_t len,
                          axn_time_t now)
{
    const struct axn_ipv4 h = {
        .tos = tx->tos,
        .id = axn_ip4_id_next(&ip->ids, path->src, tx->dst, tx->protocol),
        .df = axn_ip4_df_for(ip, tx->df, tx->dst, len + AXN_IPV4_HDR_MIN, path->mtu, now),
        .ttl = tx->ttl != 0 ? tx->ttl : AXN_IP4_DEFAULT_TTL,
        .protocol = tx->protocol,
        .src = path->src,
        .dst = tx->dst,
        .payload = payload,
        .payload_len = len,
    };
    return axn_ipv4_emit(&h, ip->tx_buf, AXN_IPV4_TOTAL_MAX);
}

int axn_ip4_output(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, const uint8_t *payload,
                   size_t len, axn_time_t now)
{
    if (len > IP4_PAYLOAD_MAX)
        return -AXN_EMSGSIZE;
    struct axn_ip4_path path;
    int err = route_at(ip, tx, now, &path);
    if (err)
        return err;
    ip->stats.out_requests++;
    const int n = build_datagram(ip, tx, &path, payload, len, now);
    if (n < 0) {
        ip->stats.out_discards++;
        return -AXN_EINVAL;
    }
    if ((size_t)n <= path.mtu)
        return send_one(ip, &path, tx->dst, ip->tx_buf, (size_t)n, tx->acct, now);
    if (axn_ip4_df_strict(tx->df)) {
        /* RFC 1191: the sender learns "message too long" at once. */
        ip->stats.frag_fails++;
        return -AXN_EMSGSIZE;
    }
    return send_fragmented(ip, &path, tx, (size_t)n, now);
}
