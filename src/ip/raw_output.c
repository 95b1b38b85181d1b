/*
 * Sending on a raw socket (raw(7), Linux raw_sendmsg / raw_send_hdrinc):
 * without IP_HDRINCL the stack builds the header (the socket's protocol,
 * TTL and TOS) and fragments as needed; with it the user's datagram goes
 * as written, except that, as raw(7) lists, the stack always fills in the
 * total length and the header checksum, a zero source address and a zero
 * identification. Such a datagram is never fragmented: longer than the
 * path MTU is -EMSGSIZE.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/raw.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "route/router.h"
#include "wire/checksum.h"

/* IPv4 header fields the stack fills in (RFC 791 3.1). */
#define HDR_OFF_VER_IHL   0
#define HDR_OFF_TOTAL_LEN 2
#define HDR_OFF_ID        4
#define HDR_OFF_PROTO     9
#define HDR_OFF_CSUM      10
#define HDR_OFF_SRC       12
#define HDR_OFF_DST       16
#define HDR_IHL_MASK      0x0fu
#define HDR_IHL_UNIT      4u

static uint8_t wants_df(const struct axn_socket *s)
{
    /* ip(7) IP_MTU_DISCOVER as tx->df: DO and PROBE never fragment
     * locally; IPv4 output applies Linux's ip_dont_fragment (ip4_pmtu.c). */
    return axn_ip4_df_mode(s->opt.ip.pmtudisc);
}

static uint8_t ttl_for(const struct axn_socket *s, axn_ip4_t dst)
{
    if (axn_ip4_is_multicast(dst))
        return s->opt.ip.mc_ttl;
    return s->opt.ip.ttl;
}

static long send_built(struct axn_raw_sock *rs, const struct axn_msghdr *msg, axn_ip4_t dst,
                       axn_time_t now)
{
    struct axn_socket *s = &rs->d.base;
    struct axn_ip4 *ip = rs->layer->ip;
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(ip, &cap);
    const size_t len = axn_sock_copy_from_iov(msg, buf, cap);
    struct axn_ip4_tx tx = {
        .src = rs->d.src_addr,
        .dst = dst,
        .protocol = (uint8_t)s->protocol,
        .tos = s->opt.ip.tos,
        .ttl = ttl_for(s, dst),
        .df = wants_df(s),
        .ifindex = s->opt.bound_ifindex,
        .acct = s->wmem,
    };
    axn_sock_dgram_tx_ctl(s, &tx); /* raw_sendmsg's ip_cmsg_send */
    const int err = axn_ip4_output(ip, &tx, buf, len, now);
    return err ? err : (long)len;
}

/* raw(7): "the source address and packet ID are filled in when left
 * zero; checksum and total length are always filled in". */
static void fill_header(struct axn_ip4 *ip, uint8_t *pkt, size_t len, size_t hlen, axn_ip4_t src)
{
    if (axn_get_be32(pkt + HDR_OFF_SRC) == 0)
        axn_put_be32(pkt + HDR_OFF_SRC, src);
    axn_put_be16(pkt + HDR_OFF_TOTAL_LEN, (uint16_t)len);
    if (axn_get_be16(pkt + HDR_OFF_ID) == 0) {
        const uint16_t id = axn_ip4_id_next(&ip->ids, axn_get_be32(pkt + HDR_OFF_SRC),
                                            axn_get_be32(pkt + HDR_OFF_DST), pkt[HDR_OFF_PROTO]);
        axn_put_be16(pkt + HDR_OFF_ID, id);
    }
    axn_put_be16(pkt + HDR_OFF_CSUM, 0);
    axn_put_be16(pkt + HDR_OFF_CSUM, axn_csum(pkt, hlen));
}

/* The router sends a datagram to one of our own addresses out of the
 * interface owning it; lo's queue takes it directly (as ip4_output.c).
 * So does anything routed through lo, whatever source the user wrote
 * (the router would route by that source). */
static int send_prebuilt(struct axn_ip4 *ip, const struct axn_ip4_path *path, axn_ip4_t dst,
                         const uint8_t *pkt, size_t len, struct axn_tx_acct *acct, axn_time_t now)
{
    ip->stats.out_requests++;
    const bool via_lo = path->local || path->ifindex == AXN_IFINDEX_LOOPBACK;
    const int err =
        via_lo ? axn_router_send_on_device(ip->router, AXN_IFINDEX_LOOPBACK, dst, pkt, len, now)
               : axn_router_output_acct(ip->router, pkt, len, acct, now);
    if (err && err != -AXN_ENETUNREACH)
        ip->stats.out_discards++;
    return err;
}

/* Linux raw_send_hdrinc: routed to `dst` (the address the call names),
 * the MTU checked before the header is looked at. */
static long send_hdrincl(struct axn_raw_sock *rs, const struct axn_msghdr *msg, axn_ip4_t dst,
                         axn_time_t now)
{
    struct axn_socket *s = &rs->d.base;
    struct axn_ip4 *ip = rs->layer->ip;
    const size_t len = axn_sock_iov_len(msg);
    /* raw_send_hdrinc checks the interface MTU, not a learned path MTU. */
    const struct axn_ip4_tx tx = {.src = rs->d.src_addr,
                                  .dst = dst,
                                  .protocol = (uint8_t)s->protocol,
                                  .df = AXN_IP4_DF_IFACE,
                                  .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    int err = axn_ip4_route(ip, &tx, now, &path);
    if (err)
        return err;
    if (len > path.mtu)
        return -AXN_EMSGSIZE;
    if (len < AXN_IPV4_HDR_MIN)
        return -AXN_EINVAL;
    uint8_t *pkt = ip->tx_buf;
    (void)axn_sock_copy_from_iov(msg, pkt, len);
    const size_t hlen = (pkt[HDR_OFF_VER_IHL] & HDR_IHL_MASK) * HDR_IHL_UNIT;
    /* Linux sends a header shorter than 20 bytes untouched; we refuse it,
     * as the router could not route it. */
    if (hlen > len || hlen < AXN_IPV4_HDR_MIN)
        return -AXN_EINVAL;
    fill_header(ip, pkt, len, hlen, path.src);
    /* Linux sends whatever the user wrote (bad options, a fragment past
     * 64 KiB, another version); our router checks every packet it routes,
     * so such a datagram is refused here, as the caller's error, instead
     * of reaching the router as a malformed packet of the core's. */
    struct axn_ipv4 hdr;
    if (axn_ipv4_parse(pkt, len, &hdr, 0) < 0)
        return -AXN_EINVAL;
    err = send_prebuilt(ip, &path, dst, pkt, len, s->wmem, now);
    return err ? err : (long)len;
}

long axn_raw_output(struct axn_raw_sock *rs, const struct axn_msghdr *msg, axn_ip4_t dst,
                    axn_time_t now)
{
    if (!rs->d.base.opt.ip.hdrincl)
        return send_built(rs, msg, dst, now); /* ip_append_data: no shutdown check */
    /* raw_send_hdrinc allocates with sock_alloc_send_skb: a pending error,
     * then EPIPE after SHUT_WR. */
    const int err = axn_raw_dgram_can_send(&rs->d);
    return err ? err : send_hdrincl(rs, msg, dst, now);
}
