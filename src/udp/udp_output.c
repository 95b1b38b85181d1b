/*
 * UDP output (udp.h): the send op as Linux's udp_sendmsg, with MSG_MORE /
 * UDP_CORK corking (udp(7)), and the datagram built in place in the IPv4
 * layer's output buffer, so a send copies the user's bytes once.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "udp/udp.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

/* Linux udp_sendmsg refuses anything longer up front. */
#define UDP_LEN_FIELD_MAX 0xffffu

/* ip(7): a send to 0.0.0.0 goes to this host (Linux ip_route_output). */
#define LOOPBACK_ADDR AXN_IP4(127, 0, 0, 1)

/* Where the payload goes: past the IPv4 and UDP headers in IPv4's buffer. */
static uint8_t *tx_area(struct axn_udp_layer *l, size_t *cap)
{
    size_t c = 0;
    uint8_t *p = axn_ip4_tx_payload(l->ip, &c);
    *cap = c > AXN_UDP_HDR_LEN ? c - AXN_UDP_HDR_LEN : 0;
    if (*cap > AXN_UDP_PAYLOAD_MAX)
        *cap = AXN_UDP_PAYLOAD_MAX;
    return p + AXN_UDP_HDR_LEN;
}

/* ip(7) IP_MTU_DISCOVER as tx->df: IPv4 output applies Linux's
 * ip_dont_fragment per datagram (ip4_pmtu.c). */
static uint8_t df_wanted(const struct axn_udp_sock *us)
{
    return axn_ip4_df_mode(us->base.opt.ip.pmtudisc);
}

static void fill_tx(const struct axn_udp_sock *us, axn_ip4_t dst, struct axn_ip4_tx *tx)
{
    const struct axn_sock_opts *o = &us->base.opt;
    memset(tx, 0, sizeof(*tx));
    const bool unicast_src = !axn_ip4_is_multicast(us->laddr) && !axn_ip4_is_broadcast(us->laddr);
    /* The source connect() picked serves its peer; to anyone else the
     * route picks (UDP-8: the egress interface is never pinned). */
    const bool own_src = us->addr_locked || (us->connected && dst == us->raddr);
    tx->src = unicast_src && own_src ? us->laddr : 0;
    tx->dst = dst;
    tx->protocol = AXN_UDP_PROTO;
    tx->tos = o->ip.tos;
    tx->ttl = o->ip.ttl;
    tx->df = df_wanted(us);
    tx->ifindex = o->bound_ifindex;
    tx->acct = us->base.wmem; /* skb_set_owner_w */
    if (axn_ip4_is_multicast(dst)) {
        tx->ttl = o->ip.mc_ttl; /* ip(7) IP_MULTICAST_TTL */
        if (o->ip.mc_ifindex != 0)
            tx->ifindex = o->ip.mc_ifindex;
    }
    /* sendmsg's IP_PKTINFO / IP_TTL / IP_TOS win (udp_sendmsg: ipc.addr
     * becomes saddr, ipc.oif the flow's oif). A corked datagram takes the
     * control messages of the call that sends it. */
    axn_sock_dgram_tx_ctl(&us->base, tx);
}

/* Linux udp_send_skb: -ENOBUFS from below is counted, not reported,
 * unless IP_RECVERR. */
static int account(struct axn_udp_sock *us, int err)
{
    struct axn_udp_layer *l = us->layer;
    if (err == 0) {
        l->stats.out_datagrams++;
        return 0;
    }
    if (err == -AXN_ENOBUFS) {
        l->stats.sndbuf_errors++;
        if (!us->base.opt.ip.recverr)
            return 0;
    }
    return err;
}

int axn_udp_output(struct axn_udp_sock *us, axn_ip4_t dst, uint16_t dport, const uint8_t *payload,
                   size_t len)
{
    struct axn_udp_layer *l = us->layer;
    if (len > AXN_UDP_PAYLOAD_MAX)
        return -AXN_EMSGSIZE;
    struct axn_ip4_tx tx;
    fill_tx(us, dst, &tx);
    struct axn_ip4_path path;
    const axn_time_t now = axn_sock_now(&us->base);
    int err = axn_ip4_route(l->ip, &tx, now, &path);
    if (err)
        return err;
    size_t cap;
    uint8_t *area = tx_area(l, &cap);
    if (payload != area)
        memmove(area, payload, len);
    const struct axn_udp u = {
        .src_port = us->lport, .dst_port = dport, .payload = area, .payload_len = len};
    const uint16_t ulen = (uint16_t)(len + AXN_UDP_HDR_LEN);
    uint8_t *seg = area - AXN_UDP_HDR_LEN;
    const int n =
        axn_udp_emit(&u, seg, ulen, axn_csum_pseudo_v4(path.src, dst, AXN_UDP_PROTO, ulen), 0);
    if (n < 0)
        return -AXN_EMSGSIZE;
    tx.src = path.src;
    return account(us, axn_ip4_output(l->ip, &tx, seg, (size_t)n, now));
}

int axn_udp_autobind(struct axn_udp_sock *us)
{
    if (us->bound)
        return 0;
    /* Linux inet_autobind: no port left is EAGAIN, and waiting frees none. */
    return axn_udp_port_bind(us->layer, us, 0, 0) ? AXN_SOCK_EAGAIN_NOW : 0;
}

/* ---- Corking ---------------------------------------------------------------- */

static void cork_drop(struct axn_udp_sock *us)
{
    us->cork.pending = false;
    us->cork.len = 0;
}

int axn_udp_cork_flush(struct axn_udp_sock *us)
{
    if (!us->cork.pending)
        return 0;
    size_t cap;
    uint8_t *area = tx_area(us->layer, &cap);
    memcpy(area, us->cork.buf, us->cork.len);
    const int err = axn_udp_output(us, us->cork.dst, us->cork.dport, area, us->cork.len);
    cork_drop(us);
    return err;
}

/* Appends this call's bytes to the corked datagram (Linux ip_append_data;
 * an error discards the whole cork, as udp_flush_pending_frames). */
static int cork_append(struct axn_udp_sock *us, const struct axn_msghdr *msg, size_t len)
{
    const struct axn_platform *plat = us->layer->plat;
    if (!us->cork.buf) {
        us->cork.buf = plat->alloc(plat->ctx, AXN_UDP_PAYLOAD_MAX, sizeof(uint32_t));
        if (!us->cork.buf) {
            cork_drop(us);
            return -AXN_ENOBUFS;
        }
    }
    if (us->cork.len + len > AXN_UDP_PAYLOAD_MAX) {
        cork_drop(us);
        return -AXN_EMSGSIZE;
    }
    us->cork.len += axn_sock_copy_from_iov(msg, us->cork.buf + us->cork.len,
                                           AXN_UDP_PAYLOAD_MAX - us->cork.len);
    return 0;
}

/* ---- The send op -------------------------------------------------------------- */

static bool is_broadcast(struct axn_udp_layer *l, axn_ip4_t a)
{
    return a == AXN_INADDR_BROADCAST || axn_ip4_is_any_subnet_broadcast(l->ip, a);
}

/* udp_sendmsg's choice of destination: -EDESTADDRREQ, -EINVAL, -EACCES. */
static int pick_dst(struct axn_udp_sock *us, const struct axn_endpoint *to, axn_ip4_t *dst,
                    uint16_t *dport)
{
    if (to && to->family != AXN_AF_UNSPEC) {
        if (to->family != AXN_AF_INET)
            return -AXN_EAFNOSUPPORT;
        if (to->port == 0)
            return -AXN_EINVAL;
        *dst = to->v4;
        *dport = to->port;
    } else {
        if (!us->connected)
            return -AXN_EDESTADDRREQ;
        *dst = us->raddr;
        *dport = us->rport;
    }
    if (*dst == 0)
        *dst = us->laddr != 0 ? us->laddr : LOOPBACK_ADDR;
    /* ip(7) SO_BROADCAST: without it Linux refuses with EACCES. */
    if (is_broadcast(us->layer, *dst) && !us->base.opt.broadcast)
        return -AXN_EACCES;
    return 0;
}

/* sock_alloc_send_skb's checks: a pending error, then SEND_SHUTDOWN. */
static int can_send(struct axn_udp_sock *us)
{
    if (us->base.so_error) {
        const int err = us->base.so_error;
        us->base.so_error = 0;
        return -err;
    }
    return us->shut_wr ? -AXN_EPIPE : 0;
}

static long send_direct(struct axn_udp_sock *us, const struct axn_msghdr *msg, axn_ip4_t dst,
                        uint16_t dport, size_t len)
{
    size_t cap;
    uint8_t *area = tx_area(us->layer, &cap);
    if (len > cap)
        return -AXN_EMSGSIZE;
    const size_t got = axn_sock_copy_from_iov(msg, area, cap);
    const int err = axn_udp_output(us, dst, dport, area, got);
    return err ? err : (long)len;
}

/* A send while a corked datagram is pending: appended to it (its `to`
 * ignored, as Linux), and sent with it unless still corked. */
static long send_corked(struct axn_udp_sock *us, const struct axn_msghdr *msg, size_t len,
                        bool more)
{
    int err = cork_append(us, msg, len);
    if (!err && !more)
        err = axn_udp_cork_flush(us);
    return err ? err : (long)len;
}

long axn_udp_send(struct axn_socket *s, const struct axn_msghdr *msg,
                  const struct axn_endpoint *dst, int flags)
{
    struct axn_udp_sock *us = (struct axn_udp_sock *)s;
    int err = axn_udp_autobind(us); /* inet_send_prepare */
    if (err)
        return err;
    const size_t len = axn_sock_iov_len(msg);
    if (len > UDP_LEN_FIELD_MAX)
        return -AXN_EMSGSIZE;
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP; /* udp(7): "MSG_OOB is not supported" */
    const bool more = us->cork_opt || (flags & AXN_MSG_MORE);
    if (us->cork.pending)
        return send_corked(us, msg, len, more);
    axn_ip4_t to;
    uint16_t dport;
    err = pick_dst(us, dst, &to, &dport);
    if (!err)
        err = can_send(us);
    if (err)
        return err;
    if (!more)
        return send_direct(us, msg, to, dport, len);
    us->cork.pending = true;
    us->cork.dst = to;
    us->cork.dport = dport;
    us->cork.len = 0;
    return send_corked(us, msg, len, more);
}
