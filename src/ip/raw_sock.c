/*
 * Raw IPv4 socket calls (raw(7), Linux net/ipv4/raw.c): creation, bind,
 * connect, send, receive, names, options (raw.h); what ICMP datagram
 * sockets answer alike (connect's routing, receive, shutdown, poll,
 * ioctl) is raw_dgram.c's.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/raw.h"
#include "lib/mem.h"

/* Largest datagram a raw socket sends (Linux raw_sendmsg). */
#define RAW_MSG_MAX 0xffffu

static struct axn_raw_sock *raw_of(struct axn_socket *s)
{
    return (struct axn_raw_sock *)s;
}

/* ---- bind / connect ------------------------------------------------------------------- */

/* Linux raw_bind: a local, broadcast or multicast address (any address
 * with IP_FREEBIND); the latter two receive but do not send from. */
static int raw_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (rs->d.connected)
        return -AXN_EINVAL;
    enum axn_ip4_dst_kind kind = AXN_IP4_DST_LOCAL;
    if (ep->v4 != AXN_INADDR_ANY)
        kind = axn_ip4_classify_dst(rs->layer->ip, ep->v4, AXN_IFINDEX_LOOPBACK);
    if (kind == AXN_IP4_DST_OTHER && !s->opt.ip.freebind)
        return -AXN_EADDRNOTAVAIL;
    rs->d.rcv_addr = ep->v4;
    rs->d.src_addr = kind == AXN_IP4_DST_LOCAL || kind == AXN_IP4_DST_OTHER ? ep->v4 : 0;
    return 0;
}

/* Linux __udp_disconnect (raw's disconnect): raw_bind takes no address
 * lock, so the local address goes too. */
static int raw_disconnect(struct axn_raw_dgram *d)
{
    d->connected = false;
    d->peer = 0;
    d->peer_port = 0;
    d->rcv_addr = 0;
    d->src_addr = 0;
    return 0;
}

/* Linux ip4_datagram_connect (raw_dgram.c); AF_UNSPEC dissolves. */
static int raw_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return raw_disconnect(&rs->d);
    return axn_raw_dgram_connect(&rs->d, rs->layer->ip, ep);
}

/* ---- send / recv ----------------------------------------------------------------------- */

/* Linux raw_sendmsg: the destination is `dst` (AF_UNSPEC taken as
 * AF_INET, for old programs), else the connected peer. */
static long raw_send(struct axn_socket *s, const struct axn_msghdr *msg,
                     const struct axn_endpoint *dst, int flags)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    /* raw_sendmsg: at most 0xffff bytes; ip_append_data: with the header
     * we build, the datagram must fit IPv4's total length too. */
    const size_t len = axn_sock_iov_len(msg);
    if (len > RAW_MSG_MAX || (!s->opt.ip.hdrincl && len > RAW_MSG_MAX - AXN_IPV4_HDR_MIN))
        return -AXN_EMSGSIZE;
    axn_ip4_t daddr;
    if (dst) {
        if (dst->family != AXN_AF_INET && dst->family != AXN_AF_UNSPEC)
            return -AXN_EAFNOSUPPORT;
        daddr = dst->v4;
    } else if (rs->d.connected) {
        daddr = rs->d.peer;
    } else {
        return -AXN_EDESTADDRREQ;
    }
    if (axn_raw_dgram_is_broadcast(rs->layer->ip, daddr) && !s->opt.broadcast)
        return -AXN_EACCES;
    return axn_raw_output(rs, msg, daddr, axn_sock_now(&rs->d.base));
}

/* Linux raw_recvmsg: the IP header and payload, the source with port 0;
 * MSG_TRUNC returns the datagram's full length. */
static long raw_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                     int flags)
{
    return axn_raw_dgram_recv(&raw_of(s)->d, msg, src, flags);
}

/* Linux inet_getname: a raw socket's "port" is its protocol. */
static int raw_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    return axn_raw_dgram_getname(&raw_of(s)->d, ep, peer, (uint16_t)s->protocol);
}

/* ---- Options ----------------------------------------------------------------------------- */

/* Linux do_raw_setsockopt / raw_seticmpfilter: ICMP_FILTER only on
 * IPPROTO_ICMP sockets, a short value sets its first bytes. */
static int set_icmp_filter(struct axn_raw_sock *rs, const void *val, axn_socklen_t len)
{
    if (rs->d.base.protocol != AXN_IPPROTO_ICMP)
        return -AXN_EOPNOTSUPP;
    const size_t n = len < sizeof(rs->icmp_filter) ? len : sizeof(rs->icmp_filter);
    memcpy(&rs->icmp_filter, val, n);
    return 0;
}

static int get_icmp_filter(struct axn_raw_sock *rs, void *val, axn_socklen_t *len)
{
    if (rs->d.base.protocol != AXN_IPPROTO_ICMP)
        return -AXN_EOPNOTSUPP;
    if (*len > sizeof(rs->icmp_filter))
        *len = sizeof(rs->icmp_filter);
    memcpy(val, &rs->icmp_filter, *len);
    return 0;
}

/* Linux do_ip_setsockopt: IP_HDRINCL takes an int, or one byte when
 * optlen is shorter; raw sockets only (this is one). */
static int set_hdrincl(struct axn_socket *s, const void *val, axn_socklen_t len)
{
    int v;
    const int err = axn_sock_opt_ip_int(val, len, &v);
    if (err)
        return err;
    s->opt.ip.hdrincl = v != 0;
    return 0;
}

static int raw_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                          axn_socklen_t len)
{
    if (level == AXN_SOL_RAW && name == AXN_ICMP_FILTER)
        return set_icmp_filter(raw_of(s), val, len);
    if (level == AXN_SOL_IP && name == AXN_IP_HDRINCL)
        return set_hdrincl(s, val, len);
    return -AXN_ENOPROTOOPT;
}

static int raw_getsockopt(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len)
{
    if (level == AXN_SOL_RAW && name == AXN_ICMP_FILTER)
        return get_icmp_filter(raw_of(s), val, len);
    if (level == AXN_SOL_IP && name == AXN_IP_HDRINCL)
        return axn_sock_opt_put_ip_int(val, len, s->opt.ip.hdrincl ? 1 : 0);
    return -AXN_ENOPROTOOPT;
}

/* ---- Lifecycle ----------------------------------------------------------------------------- */

static void raw_close(struct axn_socket *s)
{
    struct axn_raw_sock *rs = raw_of(s);
    axn_raw_dgram_close(&rs->layer->socks, &rs->d);
}

static const struct axn_sock_ops raw_ops = {
    .bind = raw_bind,
    .connect = raw_connect,
    .send = raw_send,
    .recv = raw_recv,
    .shutdown = axn_raw_dgram_shutdown,
    .getname = raw_getname,
    .setsockopt = raw_setsockopt,
    .getsockopt = raw_getsockopt,
    .ioctl = axn_raw_dgram_ioctl,
    .poll = axn_raw_dgram_poll,
    .rcvbuf_changed = axn_raw_dgram_rcvbuf_changed,
    .close = raw_close,
};

/* Linux inet_create: SOCK_RAW needs a protocol (0 matches no entry:
 * -EPROTONOSUPPORT); IPPROTO_RAW implies IP_HDRINCL. */
static int raw_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    if (protocol == AXN_IPPROTO_IP)
        return -AXN_EPROTONOSUPPORT;
    if (protocol < 0 || protocol >= AXN_IPPROTO_MAX)
        return -AXN_EINVAL;
    struct axn_raw_dgram *d;
    const int err =
        axn_raw_dgram_create(st, sizeof(struct axn_raw_sock), AXN_SOCK_RAW, protocol, &raw_ops, &d);
    if (err)
        return err;
    struct axn_raw_sock *rs = (struct axn_raw_sock *)d;
    rs->layer = state;
    d->base.opt.ip.hdrincl = protocol == AXN_IPPROTO_RAW;
    axn_raw_dgram_link(&rs->layer->socks, d);
    *out = &d->base;
    return 0;
}

static int raw_layer_init(struct axn_stack *st, void **state)
{
    struct axn_raw_layer *l =
        st->plat->alloc(st->plat->ctx, sizeof(*l), _Alignof(struct axn_raw_layer));
    if (!l)
        return -AXN_ENOMEM;
    l->st = st;
    l->ip = st->ip4;
    axn_ip4_set_raw_tap(st->ip4, axn_raw_input, l);
    *state = l;
    return 0;
}

static void raw_layer_destroy(struct axn_stack *st, void *state)
{
    axn_ip4_set_raw_tap(st->ip4, NULL, NULL);
    st->plat->free(st->plat->ctx, state, sizeof(struct axn_raw_layer));
}

const struct axn_sock_proto axn_raw_proto = {
    .name = "raw",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_RAW,
    .protocol = -1,
    .default_for_type = false,
    .layer_init = raw_layer_init,
    .layer_destroy = raw_layer_destroy,
    .create = raw_create,
};
