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
#include "ip/ip4_gso.h"
#include "lib/byteorder.h"
#include "route/router.h"
#include "wire/checksum.h"
#include "wire/tcp.h"

/* RFC 9293 3.1: the TCP Data Offset, in 32-bit words, in byte 12's top. */
#define TSO_TCP_OFF_DATA_OFF 12
#define TSO_DATA_OFF_SHIFT   4
#define TSO_TCP_WORD         4u /* Data Offset counts 32-bit words */

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
    out->gso_max = 0; /* a broadcast is never a TCP segment */
}

static void path_via_lo(struct axn_ip4 *ip, axn_ip4_t src, struct axn_ip4_path *out)
{
    out->ifindex = AXN_IFINDEX_LOOPBACK;
    out->src = src;
    out->mtu = axn_ip4_iface_mtu(ip, AXN_IFINDEX_LOOPBACK);
    out->local = true;
    out->gso_max = 0;
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
    out->gso_max = axn_router_gso_max(ip->router, d.ifindex);
    return 0;
}

int axn_ip4_route(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, axn_time_t now,
                  struct axn_ip4_path *out)
{
    return route_at(ip, tx, now, out); /* `now` ages the learned path MTUs */
}

uint32_t axn_ip4_tso_max(struct axn_ip4 *ip, const struct axn_ip4_tx *tx)
{
    if (!axn_router_any_gso(ip->router) || axn_ip4_is_broadcast(tx->dst))
        return 0;
    struct axn_ip4_path local;
    if (route_local(ip, tx, &local))
        return 0;
    struct axn_route_decision d;
    const int err = tx->src != 0 ? axn_ctl_route_for_source(ip->ctl, tx->dst, tx->src, &d)
                                 : axn_ctl_route_select(ip->ctl, tx->dst, tx->ifindex, &d);
    return err ? 0 : axn_router_gso_max(ip->router, d.ifindex);
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

/* ---- Software GSO ----------------------------------------------------------------- */

struct gso_out {
    struct axn_ip4 *ip;
    const struct axn_ip4_tx *tx;
    const struct axn_ip4_path *path;
    axn_time_t now;
    int err; /* the first send error; later segments still go */
};

/* One segment from ip4_gso.c, already at frag_buf + header: the IPv4
 * header goes in front of it in place (axn_ipv4_emit moves the payload
 * with memmove, a no-op here). Each segment has its own IP ID, as the
 * device's segments would (RFC 6864 4.1: IDs of atomic datagrams). */
static int gso_emit(void *ctx, uint8_t *tcp, size_t len)
{
    struct gso_out *g = ctx;
    struct axn_ip4 *ip = g->ip;
    const struct axn_ipv4 h = {
        .tos = g->tx->tos,
        .id = axn_ip4_id_next(&ip->ids, g->path->src, g->tx->dst, g->tx->protocol),
        .df =
            axn_ip4_df_for(ip, g->tx->df, g->tx->dst, len + AXN_IPV4_HDR_MIN, g->path->mtu, g->now),
        .ttl = g->tx->ttl != 0 ? g->tx->ttl : AXN_IP4_DEFAULT_TTL,
        .protocol = g->tx->protocol,
        .src = g->path->src,
        .dst = g->tx->dst,
        .payload = tcp,
        .payload_len = len,
    };
    const int n = axn_ipv4_emit(&h, ip->frag_buf, AXN_PKT_SLOT_SIZE);
    if (n < 0)
        return -AXN_EINVAL;
    ip->stats.out_requests++;
    const int err = send_one(ip, g->path, g->tx->dst, ip->frag_buf, (size_t)n, g->tx->acct, g->now);
    if (err && g->err == 0)
        g->err = err;
    return 0;
}

/* A TCP segment larger than the path allows, with gso_size: cut into
 * whole TCP segments that fit (never IP fragments, never EMSGSIZE: the
 * path MTU bounds each piece, whatever DF says). OutRequests counts each
 * segment, as if TCP had sent them one by one. Returns the first send
 * error, as one datagram's output would. */
static int send_gso(struct axn_ip4 *ip, const struct axn_ip4_tx *tx,
                    const struct axn_ip4_path *path, const uint8_t *payload, size_t len,
                    axn_time_t now)
{
    struct gso_out out = {.ip = ip, .tx = tx, .path = path, .now = now};
    const size_t mtu = path->mtu < AXN_PKT_SLOT_SIZE ? path->mtu : AXN_PKT_SLOT_SIZE;
    const struct axn_ip4_gso g = {
        .src = path->src,
        .dst = tx->dst,
        .mss = tx->gso_size,
        .max_tcp_len = mtu > AXN_IPV4_HDR_MIN ? mtu - AXN_IPV4_HDR_MIN : 0,
        .scratch = ip->frag_buf,
        .scratch_cap = AXN_PKT_SLOT_SIZE,
        .hdr_room = AXN_IPV4_HDR_MIN,
        .emit = gso_emit,
        .ctx = &out,
    };
    const int n = axn_ip4_gso_split(&g, payload, len);
    if (n < 0) {
        ip->stats.out_discards++;
        return n;
    }
    return out.err;
}

/* ---- Hardware TSO ------------------------------------------------------------------ */

/* The one's-complement fold of a partial sum, not complemented. */
static uint16_t csum_fold(uint32_t sum)
{
    return (uint16_t)~axn_csum_finish(sum);
}

/* The TCP checksum field of a TSO datagram holds the folded pseudo-header
 * sum over the whole TCP length (Linux's CHECKSUM_PARTIAL convention; the
 * device adds the bytes per segment and fixes the length). Written here,
 * whatever TCP left in it. */
static void tso_csum_field(uint8_t *tcp, size_t tcp_len, axn_ip4_t src, axn_ip4_t dst)
{
    const uint32_t pseudo = axn_csum_pseudo_v4(src, dst, AXN_TCP_PROTO, (uint16_t)tcp_len);
    axn_put_be16(tcp + AXN_TCP_CSUM_OFFSET, csum_fold(pseudo));
}

/* One datagram above the MTU for a TSO device: OutRequests counts the
 * segments the device will make, as if TCP had sent them one by one. */
static int send_tso(struct axn_ip4 *ip, const struct axn_ip4_tx *tx,
                    const struct axn_ip4_path *path, const uint8_t *payload, size_t len,
                    axn_time_t now)
{
    const int n = build_datagram(ip, tx, path, payload, len, now);
    if (n < 0) {
        ip->stats.out_discards++;
        return -AXN_EINVAL;
    }
    const size_t ihl = (size_t)n - len;
    const size_t thl =
        (size_t)(ip->tx_buf[ihl + TSO_TCP_OFF_DATA_OFF] >> TSO_DATA_OFF_SHIFT) * TSO_TCP_WORD;
    tso_csum_field(ip->tx_buf + ihl, len, path->src, tx->dst);
    ip->stats.out_requests += (len - thl + tx->gso_size - 1) / tx->gso_size;
    const int err =
        axn_router_output_gso(ip->router, ip->tx_buf, (size_t)n, tx->acct, tx->gso_size, now);
    if (err && err != -AXN_ENETUNREACH)
        ip->stats.out_discards++;
    return err;
}

/* The egress segments it: a TCP datagram within what the device takes,
 * whose segments (gso_size each, plus headers) fit the path MTU. */
static bool wants_tso(const struct axn_ip4_tx *tx, const struct axn_ip4_path *path,
                      const uint8_t *tcp, size_t len)
{
    const size_t thl = (size_t)(tcp[TSO_TCP_OFF_DATA_OFF] >> TSO_DATA_OFF_SHIFT) * TSO_TCP_WORD;
    return path->gso_max != 0 && !path->local && len + AXN_IPV4_HDR_MIN <= path->gso_max &&
           (size_t)tx->gso_size + thl + AXN_IPV4_HDR_MIN <= path->mtu;
}

/* A segment TCP sent with gso_size (its checksum maybe only the
 * pseudo-header part) that fits the path after all: checksummed whole. */
static void csum_whole(uint8_t *tcp, size_t len, axn_ip4_t src, axn_ip4_t dst)
{
    axn_put_be16(tcp + AXN_TCP_CSUM_OFFSET, 0);
    const uint32_t pseudo = axn_csum_pseudo_v4(src, dst, AXN_TCP_PROTO, (uint16_t)len);
    axn_put_be16(tcp + AXN_TCP_CSUM_OFFSET, axn_csum_finish(axn_csum_partial(tcp, len, pseudo)));
}

/* gso_size asks for segmentation only of a TCP segment that needs it. */
static bool wants_gso(const struct axn_ip4_tx *tx, const struct axn_ip4_path *path, size_t len)
{
    return tx->gso_size != 0 && tx->protocol == AXN_TCP_PROTO && len + AXN_IPV4_HDR_MIN > path->mtu;
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
    if (wants_gso(tx, &path, len)) {
        if (wants_tso(tx, &path, payload, len))
            return send_tso(ip, tx, &path, payload, len, now);
        return send_gso(ip, tx, &path, payload, len, now);
    }
    ip->stats.out_requests++;
    const int n = build_datagram(ip, tx, &path, payload, len, now);
    if (n < 0) {
        ip->stats.out_discards++;
        return -AXN_EINVAL;
    }
    if (tx->gso_size != 0 && tx->protocol == AXN_TCP_PROTO && len >= AXN_TCP_HDR_LEN)
        csum_whole(ip->tx_buf + ((size_t)n - len), len, path.src, tx->dst);
    if ((size_t)n <= path.mtu)
        return send_one(ip, &path, tx->dst, ip->tx_buf, (size_t)n, tx->acct, now);
    if (axn_ip4_df_strict(tx->df)) {
        /* RFC 1191: the sender learns "message too long" at once. */
        ip->stats.frag_fails++;
        return -AXN_EMSGSIZE;
    }
    return send_fragmented(ip, &path, tx, (size_t)n, now);
}
