/*
 * The UDP socket ops (sock/sock.h) with Linux's semantics (udp(7)): bind,
 * connect and AF_UNSPEC disconnect (ip4_datagram_connect,
 * __udp_disconnect), names, recv with MSG_PEEK / MSG_TRUNC and IP_PKTINFO,
 * IP_TTL, IP_TOS control messages (ip(7)), shutdown, poll, ioctl, close.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"
#include "udp/udp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

/* Linux errno axnet/errno.h does not name: "not a typewriter". */

/* ip(7): connecting to 0.0.0.0 means this host. */
#define LOOPBACK_ADDR AXN_IP4(127, 0, 0, 1)

static struct axn_udp_sock *udp_of(struct axn_socket *s)
{
    return (struct axn_udp_sock *)s;
}

void axn_udp_sync_rcvbuf(struct axn_udp_sock *us)
{
    const int rcvbuf = us->base.opt.rcvbuf;
    if (rcvbuf > 0 && (size_t)rcvbuf != us->rxq.limit)
        (void)axn_udp_rxq_resize(&us->rxq, us->layer->plat, (size_t)rcvbuf);
}

/* SO_RCVBUF set: the ring re-sizes now, keeping what is queued (on
 * -ENOMEM it stays, and the next socket call tries again). */
static void udp_rcvbuf_changed(struct axn_socket *s)
{
    axn_udp_sync_rcvbuf(udp_of(s));
}

/* A pending error (SO_ERROR), read and cleared as Linux sock_error(). */
static int take_error(struct axn_udp_sock *us)
{
    const int err = us->base.so_error;
    us->base.so_error = 0;
    return -err;
}

/* ---- bind / connect ---------------------------------------------------------- */

static bool is_broadcast(struct axn_udp_layer *l, axn_ip4_t a)
{
    return a == AXN_INADDR_BROADCAST || axn_ip4_is_any_subnet_broadcast(l->ip, a);
}

/* Linux inet_bind: a local, broadcast or multicast address (or any with
 * IP_FREEBIND); -EADDRNOTAVAIL otherwise. */
static int check_local(struct axn_udp_sock *us, axn_ip4_t a)
{
    if (a == 0 || us->base.opt.ip.freebind || axn_ip4_is_multicast(a) || is_broadcast(us->layer, a))
        return 0;
    uint32_t ifindex;
    return axn_ctl_local_binding(&us->base.st->ctl, a, &ifindex);
}

static int udp_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_udp_sock *us = udp_of(s);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    if (us->bound)
        return -AXN_EINVAL; /* already bound (also by connect or send) */
    int err = check_local(us, ep->v4);
    if (!err)
        err = axn_udp_port_bind(us->layer, us, ep->v4, ep->port);
    if (err)
        return err;
    us->addr_locked = ep->v4 != 0;
    us->port_locked = ep->port != 0;
    return 0;
}

/* Linux __udp_disconnect: forget the peer; an address or port the user
 * did not bind goes too. */
static int disconnect(struct axn_udp_sock *us)
{
    us->connected = false;
    us->raddr = 0;
    us->rport = 0;
    if (!us->addr_locked)
        us->laddr = 0;
    if (!us->port_locked)
        axn_udp_port_unbind(us->layer, us);
    return 0;
}

static int udp_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_udp_sock *us = udp_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return disconnect(us);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    int err = axn_udp_autobind(us); /* inet_dgram_connect */
    if (err)
        return err;
    const axn_ip4_t dst = ep->v4 != 0 ? ep->v4 : LOOPBACK_ADDR;
    const struct axn_ip4_tx tx = {.src = axn_ip4_is_multicast(us->laddr) ? 0 : us->laddr,
                                  .dst = dst,
                                  .protocol = AXN_UDP_PROTO,
                                  .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    err = axn_ip4_route(us->layer->ip, &tx, axn_sock_now(&us->base), &path);
    if (err)
        return err;
    if (is_broadcast(us->layer, dst) && !s->opt.broadcast)
        return -AXN_EACCES;
    if (us->laddr == 0)
        us->laddr = path.src; /* ip4_datagram_connect fills rcv_saddr */
    us->raddr = dst;
    us->rport = ep->port;
    us->connected = true;
    return 0;
}

static int udp_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    struct axn_udp_sock *us = udp_of(s);
    if (peer && !us->connected) {
        axn_sock_dgram_endpoint(ep, 0, 0);
        return -AXN_ENOTCONN;
    }
    /* Linux: an unbound socket's name is 0.0.0.0:0 (not ENOTCONN). */
    if (peer)
        axn_sock_dgram_endpoint(ep, us->raddr, us->rport);
    else
        axn_sock_dgram_endpoint(ep, us->laddr, us->lport);
    return 0;
}

/* ---- recv ---------------------------------------------------------------------- */

/* ip(7) control messages (sock_dgram.c, Linux ip_cmsg_recv). */
static void put_cmsgs(struct axn_udp_sock *us, struct axn_msghdr *msg, const struct axn_udp_meta *m)
{
    const struct axn_sock_rx_meta rm = {.ifindex = m->ifindex,
                                        .spec_dst = m->spec_dst,
                                        .dst = m->dst,
                                        .ttl = m->ttl,
                                        .tos = m->tos};
    axn_sock_dgram_put_cmsgs(&us->base, msg, &rm);
}

static long udp_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                     int flags)
{
    struct axn_udp_sock *us = udp_of(s);
    axn_udp_sync_rcvbuf(us);
    if (flags & AXN_MSG_ERRQUEUE)
        return AXN_SOCK_EAGAIN_NOW; /* ip(7): nothing is kept on an error queue, never waits */
    if (s->so_error)
        return take_error(us);
    struct axn_udp_meta m;
    if (!axn_udp_rxq_peek_meta(&us->rxq, &m))
        return axn_sock_dgram_empty(&us->base, us->shut_rd, flags);
    const size_t copied = axn_udp_rxq_copy(&us->rxq, msg, axn_sock_iov_len(msg));
    const struct axn_sock_dgram got = {.len = m.len, .src = m.src, .sport = m.sport};
    const long ret = axn_sock_dgram_recv_done(msg, src, &got, copied, flags);
    put_cmsgs(us, msg, &m);
    if (!(flags & AXN_MSG_PEEK)) {
        axn_udp_rxq_pop(&us->rxq);
        us->layer->stats.in_datagrams++; /* Linux counts at read */
    }
    return ret;
}

/* ---- shutdown, poll, ioctl, close --------------------------------------------- */

static int udp_shutdown(struct axn_socket *s, int how)
{
    struct axn_udp_sock *us = udp_of(s);
    const int err = axn_sock_dgram_shutdown(s, how, &us->shut_rd, &us->shut_wr,
                                            AXN_POLLIN | AXN_POLLRDHUP | AXN_POLLHUP | AXN_POLLOUT);
    if (err)
        return err;
    /* inet_shutdown: an unconnected datagram socket is shut down anyway,
     * and told -ENOTCONN. */
    return us->connected ? 0 : -AXN_ENOTCONN;
}

/* Linux datagram_poll; writing never waits (no send buffer is kept). */
static unsigned udp_poll(struct axn_socket *s)
{
    struct axn_udp_sock *us = udp_of(s);
    return axn_sock_dgram_poll(s, us->shut_rd, us->shut_wr, us->rxq.count != 0);
}

static int udp_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    struct axn_udp_sock *us = udp_of(s);
    struct axn_udp_meta m;
    /* udp(7): FIONREAD is the size of the next datagram. */
    const size_t next = axn_udp_rxq_peek_meta(&us->rxq, &m) ? m.len : 0;
    return axn_sock_dgram_ioctl(s, req, next, arg);
}

/* Linux udp_destroy_sock discards a corked datagram; sent ones already
 * left (sends go straight to IPv4 and the device queue). */
static void udp_close(struct axn_socket *s)
{
    struct axn_udp_sock *us = udp_of(s);
    const struct axn_platform *plat = us->layer->plat;
    axn_udp_port_unbind(us->layer, us);
    axn_udp_rxq_free(&us->rxq, plat);
    if (us->cork.buf)
        plat->free(plat->ctx, us->cork.buf, AXN_UDP_PAYLOAD_MAX);
    us->cork.buf = NULL;
}

static const struct axn_sock_ops udp_ops = {
    .bind = udp_bind,
    .connect = udp_connect,
    .send = axn_udp_send,
    .recv = udp_recv,
    .shutdown = udp_shutdown,
    .getname = udp_getname,
    .setsockopt = axn_udp_setsockopt,
    .getsockopt = axn_udp_getsockopt,
    .ioctl = udp_ioctl,
    .poll = udp_poll,
    .rcvbuf_changed = udp_rcvbuf_changed,
    .close = udp_close,
};

static int udp_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    (void)protocol;
    struct axn_socket *s;
    int err = axn_sock_alloc(st, sizeof(struct axn_udp_sock), AXN_AF_INET, AXN_SOCK_DGRAM,
                             AXN_IPPROTO_UDP, &udp_ops, &s);
    if (err)
        return err;
    struct axn_udp_sock *us = udp_of(s);
    us->layer = state;
    const size_t limit = s->opt.rcvbuf > 0 ? (size_t)s->opt.rcvbuf : 0;
    err = axn_udp_rxq_init(&us->rxq, st->plat, limit);
    if (err) {
        axn_sock_layer_free(st->socks, s); /* nothing of ours to close yet */
        return err;
    }
    *out = s;
    return 0;
}

const struct axn_sock_proto axn_udp_proto = {
    .name = "udp",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_DGRAM,
    .protocol = AXN_IPPROTO_UDP,
    .default_for_type = true,
    .layer_init = axn_udp_layer_init,
    .layer_destroy = axn_udp_layer_destroy,
    .create = udp_create,
};
