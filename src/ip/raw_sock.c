/*
 * Raw IPv4 socket calls (raw(7), Linux net/ipv4/raw.c): creation, bind,
 * connect, send, receive, shutdown, names, options, readiness (raw.h).
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/raw.h"
#include "lib/mem.h"

/* poll.h: writable with priority data (Linux datagram_poll sets it). */
#define RAW_POLLWRBAND 0x200u
/* Linux inet_shutdown: `how` + 1 is a mask of these. */
#define RAW_SHUT_RCV  1
#define RAW_SHUT_SEND 2
/* Largest datagram a raw socket sends (Linux raw_sendmsg). */
#define RAW_MSG_MAX 0xffffu

static struct axn_raw_sock *raw_of(struct axn_socket *s)
{
    return (struct axn_raw_sock *)s;
}

static axn_time_t raw_now(const struct axn_socket *s)
{
    const struct axn_platform *plat = s->st->plat;
    return plat->now(plat->ctx);
}

/* SO_RCVBUF changed since the ring was sized: resize it once empty. */
static void sync_rcvbuf(struct axn_raw_sock *rs)
{
    const size_t want = rs->base.opt.rcvbuf > 0 ? (size_t)rs->base.opt.rcvbuf : 0;
    if (want != rs->rxq_rcvbuf && axn_raw_queue_resize(&rs->rxq, rs->base.st->plat, want))
        rs->rxq_rcvbuf = want;
}

/* ---- bind / connect ------------------------------------------------------------------- */

/* Linux raw_bind: a local, broadcast or multicast address (any address
 * with IP_FREEBIND); the latter two receive but do not send from. */
static int raw_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (rs->connected)
        return -AXN_EINVAL;
    enum axn_ip4_dst_kind kind = AXN_IP4_DST_LOCAL;
    if (ep->v4 != AXN_INADDR_ANY)
        kind = axn_ip4_classify_dst(rs->layer->ip, ep->v4, AXN_IFINDEX_LOOPBACK);
    if (kind == AXN_IP4_DST_OTHER && !s->opt.ip.freebind)
        return -AXN_EADDRNOTAVAIL;
    rs->rcv_addr = ep->v4;
    rs->src_addr = kind == AXN_IP4_DST_LOCAL || kind == AXN_IP4_DST_OTHER ? ep->v4 : 0;
    return 0;
}

/* Linux __udp_disconnect (raw's disconnect): raw_bind takes no address
 * lock, so the local address goes too. */
static int raw_disconnect(struct axn_raw_sock *rs)
{
    rs->connected = false;
    rs->peer = 0;
    rs->peer_port = 0;
    rs->rcv_addr = 0;
    rs->src_addr = 0;
    return 0;
}

static bool is_broadcast(struct axn_raw_sock *rs, axn_ip4_t dst)
{
    return axn_ip4_is_broadcast(dst) || axn_ip4_is_any_subnet_broadcast(rs->layer->ip, dst);
}

/* Linux ip4_datagram_connect: routed now; an unbound socket takes the
 * route's source as its local address. */
static int raw_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return raw_disconnect(rs);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    const struct axn_ip4_tx tx = {.src = rs->src_addr,
                                  .dst = ep->v4,
                                  .protocol = (uint8_t)s->protocol,
                                  .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    const int err = axn_ip4_route(rs->layer->ip, &tx, &path);
    if (err)
        return err;
    if (is_broadcast(rs, ep->v4) && !s->opt.broadcast)
        return -AXN_EACCES;
    if (rs->src_addr == 0)
        rs->src_addr = path.src;
    if (rs->rcv_addr == 0)
        rs->rcv_addr = path.src;
    rs->peer = ep->v4;
    rs->peer_port = ep->port;
    rs->connected = true;
    return 0;
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
    if (axn_sock_iov_len(msg) > RAW_MSG_MAX)
        return -AXN_EMSGSIZE;
    axn_ip4_t daddr;
    if (dst) {
        if (dst->family != AXN_AF_INET && dst->family != AXN_AF_UNSPEC)
            return -AXN_EAFNOSUPPORT;
        daddr = dst->v4;
    } else if (rs->connected) {
        daddr = rs->peer;
    } else {
        return -AXN_EDESTADDRREQ;
    }
    if (is_broadcast(rs, daddr) && !s->opt.broadcast)
        return -AXN_EACCES;
    return axn_raw_output(rs, msg, daddr, raw_now(s));
}

/* Linux raw_recvmsg: the IP header and payload, the source with port 0;
 * MSG_TRUNC returns the datagram's full length. */
static long raw_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                     int flags)
{
    struct axn_raw_sock *rs = raw_of(s);
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    if (flags & AXN_MSG_ERRQUEUE)
        return -AXN_EAGAIN; /* no error queue: always empty (ip_recv_error) */
    sync_rcvbuf(rs);
    struct axn_raw_meta m;
    if (!axn_raw_queue_peek(&rs->rxq, &m))
        return rs->shut_rd ? 0 : -AXN_EAGAIN;
    const size_t room = axn_sock_iov_len(msg);
    const size_t copied = axn_raw_queue_copy_out(&rs->rxq, msg, m.len);
    if (m.len > room)
        msg->msg_flags |= AXN_MSG_TRUNC;
    memset(src, 0, sizeof(*src));
    src->family = AXN_AF_INET;
    src->v4 = m.src;
    if (!(flags & AXN_MSG_PEEK))
        axn_raw_queue_pop(&rs->rxq);
    return (long)((flags & AXN_MSG_TRUNC) ? m.len : copied);
}

/* ---- shutdown, names, readiness -------------------------------------------------------- */

/* Linux inet_shutdown: flags set even when unconnected, which answers
 * -ENOTCONN. */
static int raw_shutdown(struct axn_socket *s, int how)
{
    struct axn_raw_sock *rs = raw_of(s);
    const int mask = how + 1;
    if (how < AXN_SHUT_RD || how > AXN_SHUT_RDWR)
        return -AXN_EINVAL;
    if (mask & RAW_SHUT_RCV)
        rs->shut_rd = true;
    if (mask & RAW_SHUT_SEND)
        rs->shut_wr = true;
    axn_sock_notify(s, AXN_POLLIN | AXN_POLLRDHUP | AXN_POLLHUP);
    return rs->connected ? 0 : -AXN_ENOTCONN;
}

/* Linux inet_getname: a raw socket's "port" is its protocol. */
static int raw_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    struct axn_raw_sock *rs = raw_of(s);
    memset(ep, 0, sizeof(*ep));
    ep->family = AXN_AF_INET;
    if (peer) {
        if (!rs->connected)
            return -AXN_ENOTCONN;
        ep->v4 = rs->peer;
        ep->port = rs->peer_port;
        return 0;
    }
    ep->v4 = rs->rcv_addr != 0 ? rs->rcv_addr : rs->src_addr;
    ep->port = (uint16_t)s->protocol;
    return 0;
}

/* Linux datagram_poll. */
static unsigned raw_poll(struct axn_socket *s)
{
    struct axn_raw_sock *rs = raw_of(s);
    sync_rcvbuf(rs);
    unsigned mask = AXN_POLLOUT | AXN_POLLWRNORM | RAW_POLLWRBAND;
    if (s->so_error != 0)
        mask |= AXN_POLLERR;
    if (rs->shut_rd)
        mask |= AXN_POLLRDHUP | AXN_POLLIN | AXN_POLLRDNORM;
    if (rs->shut_rd && rs->shut_wr)
        mask |= AXN_POLLHUP;
    if (rs->rxq.count != 0)
        mask |= AXN_POLLIN | AXN_POLLRDNORM;
    return mask;
}

/* Linux raw_ioctl: SIOCINQ is the next datagram's length, header
 * included; nothing waits to be sent. */
static int raw_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    struct axn_raw_sock *rs = raw_of(s);
    struct axn_raw_meta m;
    switch (req) {
    case AXN_FIONREAD:
        *arg = axn_raw_queue_peek(&rs->rxq, &m) ? (int)m.len : 0;
        return 0;
    case AXN_SIOCOUTQ:
        *arg = 0;
        return 0;
    default:
        return -AXN_ENOTTY;
    }
}

/* ---- Options ----------------------------------------------------------------------------- */

/* Linux do_raw_setsockopt / raw_seticmpfilter: ICMP_FILTER only on
 * IPPROTO_ICMP sockets, a short value sets its first bytes. */
static int set_icmp_filter(struct axn_raw_sock *rs, const void *val, axn_socklen_t len)
{
    if (rs->base.protocol != AXN_IPPROTO_ICMP)
        return -AXN_EOPNOTSUPP;
    const size_t n = len < sizeof(rs->icmp_filter) ? len : sizeof(rs->icmp_filter);
    memcpy(&rs->icmp_filter, val, n);
    return 0;
}

static int get_icmp_filter(struct axn_raw_sock *rs, void *val, axn_socklen_t *len)
{
    if (rs->base.protocol != AXN_IPPROTO_ICMP)
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
    int v = 0;
    if (len >= sizeof(int))
        memcpy(&v, val, sizeof(int));
    else if (len >= sizeof(uint8_t))
        v = *(const uint8_t *)val;
    else
        return -AXN_EINVAL;
    s->opt.ip.hdrincl = v != 0;
    return 0;
}

/* Linux do_ip_getsockopt: a short buffer gets one byte. */
static int get_hdrincl(struct axn_socket *s, void *val, axn_socklen_t *len)
{
    const int v = s->opt.ip.hdrincl ? 1 : 0;
    if (*len < sizeof(int) && *len > 0) {
        *(uint8_t *)val = (uint8_t)v;
        *len = sizeof(uint8_t);
        return 0;
    }
    if (*len > sizeof(int))
        *len = sizeof(int);
    memcpy(val, &v, *len);
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
        return get_hdrincl(s, val, len);
    return -AXN_ENOPROTOOPT;
}

/* ---- Lifecycle ----------------------------------------------------------------------------- */

static void raw_close(struct axn_socket *s)
{
    struct axn_raw_sock *rs = raw_of(s);
    for (struct axn_raw_sock **p = &rs->layer->socks; *p; p = &(*p)->next) {
        if (*p == rs) {
            *p = rs->next;
            break;
        }
    }
    axn_raw_queue_free(&rs->rxq, s->st->plat);
}

static const struct axn_sock_ops raw_ops = {
    .bind = raw_bind,
    .connect = raw_connect,
    .send = raw_send,
    .recv = raw_recv,
    .shutdown = raw_shutdown,
    .getname = raw_getname,
    .setsockopt = raw_setsockopt,
    .getsockopt = raw_getsockopt,
    .ioctl = raw_ioctl,
    .poll = raw_poll,
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
    /* The ring first, for the default SO_RCVBUF axn_sock_alloc gives
     * (sock_layer.c): nothing to undo in the socket layer if it fails. */
    struct axn_raw_queue q;
    int err = axn_raw_queue_init(&q, st->plat, AXN_SOCK_RCVBUF_DEFAULT);
    if (err)
        return err;
    struct axn_socket *s;
    err = axn_sock_alloc(st, sizeof(struct axn_raw_sock), AXN_AF_INET, AXN_SOCK_RAW, protocol,
                         &raw_ops, &s);
    if (err) {
        axn_raw_queue_free(&q, st->plat);
        return err;
    }
    struct axn_raw_sock *rs = raw_of(s);
    rs->layer = state;
    rs->rxq = q;
    rs->rxq_rcvbuf = AXN_SOCK_RCVBUF_DEFAULT;
    s->opt.ip.hdrincl = protocol == AXN_IPPROTO_RAW;
    rs->next = rs->layer->socks;
    rs->layer->socks = rs;
    *out = s;
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
