/*
 * The socket calls raw and ICMP datagram sockets share (raw_dgram.h).
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/raw_dgram.h"

/* poll.h: writable with priority data (Linux datagram_poll sets it). */

static struct axn_raw_dgram *dgram_of(struct axn_socket *s)
{
    return (struct axn_raw_dgram *)s;
}

static size_t rcvbuf_of(const struct axn_raw_dgram *d)
{
    return d->base.opt.rcvbuf > 0 ? (size_t)d->base.opt.rcvbuf : 0;
}

/* SO_RCVBUF changed since the ring was sized: re-size it, keeping what
 * is queued; when that cannot be done yet (a smaller ring would not hold
 * the queue, no memory) the next call tries again. Admission is by
 * SO_RCVBUF itself (raw_queue.h), so the new value holds meanwhile. */
static void sync_rcvbuf(struct axn_raw_dgram *d)
{
    const size_t want = rcvbuf_of(d);
    if (want != d->rxq_rcvbuf && axn_raw_queue_resize(&d->rxq, d->base.st->plat, want))
        d->rxq_rcvbuf = want;
}

void axn_raw_dgram_rcvbuf_changed(struct axn_socket *s)
{
    sync_rcvbuf(dgram_of(s));
}

/* ---- Lifecycle ------------------------------------------------------------------------------ */

int axn_raw_dgram_create(struct axn_stack *st, size_t size, int type, int protocol,
                         const struct axn_sock_ops *ops, struct axn_raw_dgram **out)
{
    /* Sized for the default SO_RCVBUF axn_sock_alloc gives (sock_layer.c). */
    struct axn_raw_queue q;
    int err = axn_raw_queue_init(&q, st->plat, AXN_SOCK_RCVBUF_DEFAULT);
    if (err)
        return err;
    struct axn_socket *s;
    err = axn_sock_alloc(st, size, AXN_AF_INET, type, protocol, ops, &s);
    if (err) {
        axn_raw_queue_free(&q, st->plat);
        return err;
    }
    struct axn_raw_dgram *d = dgram_of(s);
    d->rxq = q;
    d->rxq_rcvbuf = AXN_SOCK_RCVBUF_DEFAULT;
    *out = d;
    return 0;
}

void axn_raw_dgram_link(struct axn_raw_dgram **list, struct axn_raw_dgram *d)
{
    d->next = *list;
    *list = d;
}

void axn_raw_dgram_close(struct axn_raw_dgram **list, struct axn_raw_dgram *d)
{
    for (struct axn_raw_dgram **p = list; *p; p = &(*p)->next) {
        if (*p == d) {
            *p = d->next;
            break;
        }
    }
    axn_raw_queue_free(&d->rxq, d->base.st->plat);
}

/* ---- Association ------------------------------------------------------------------------------
 */

bool axn_raw_dgram_is_broadcast(struct axn_ip4 *ip, axn_ip4_t dst)
{
    return axn_ip4_is_broadcast(dst) || axn_ip4_is_any_subnet_broadcast(ip, dst);
}

int axn_raw_dgram_connect(struct axn_raw_dgram *d, struct axn_ip4 *ip,
                          const struct axn_endpoint *ep)
{
    struct axn_socket *s = &d->base;
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    const struct axn_ip4_tx tx = {.src = d->src_addr,
                                  .dst = ep->v4,
                                  .protocol = (uint8_t)s->protocol,
                                  .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    const int err = axn_ip4_route(ip, &tx, axn_sock_now(&d->base), &path);
    if (err)
        return err;
    if (axn_raw_dgram_is_broadcast(ip, ep->v4) && !s->opt.broadcast)
        return -AXN_EACCES;
    if (d->src_addr == 0)
        d->src_addr = path.src;
    if (d->rcv_addr == 0)
        d->rcv_addr = path.src;
    d->peer = ep->v4;
    d->peer_port = ep->port;
    d->connected = true;
    return 0;
}

int axn_raw_dgram_getname(struct axn_raw_dgram *d, struct axn_endpoint *ep, bool peer,
                          uint16_t port)
{
    if (peer && !d->connected) {
        axn_sock_dgram_endpoint(ep, 0, 0);
        return -AXN_ENOTCONN;
    }
    if (peer)
        axn_sock_dgram_endpoint(ep, d->peer, d->peer_port);
    else
        axn_sock_dgram_endpoint(ep, d->rcv_addr != 0 ? d->rcv_addr : d->src_addr, port);
    return 0;
}

/* ---- Receiving --------------------------------------------------------------------------------
 */

/* ip(7) IP_PKTINFO ipi_spec_dst: the destination for unicast, the
 * receiving interface's address otherwise (Linux fib_compute_spec_dst,
 * which raw_rcv_skb's ipv4_pktinfo_prepare records). */
static axn_ip4_t spec_dst_of(struct axn_raw_dgram *d, const struct axn_ip4_rx *rx)
{
    axn_ip4_t a = rx->hdr->dst;
    if (rx->cast != AXN_IP4_UNICAST && !axn_ip4_iface_addr(d->base.st->ip4, rx->ifindex, &a))
        a = 0;
    return a;
}

void axn_raw_dgram_enqueue(struct axn_raw_dgram *d, const struct axn_ip4_rx *rx,
                           const uint8_t *data, size_t len)
{
    const struct axn_raw_meta m = {
        .len = (uint32_t)len,
        .src = rx->hdr->src,
        .dst = rx->hdr->dst,
        .spec_dst = spec_dst_of(d, rx),
        .ifindex = rx->ifindex,
        .tos = rx->hdr->tos,
        .ttl = rx->hdr->ttl,
    };
    if (axn_raw_queue_push(&d->rxq, rcvbuf_of(d), &m, data))
        axn_sock_notify(&d->base, AXN_POLLIN | AXN_POLLRDNORM);
}

int axn_raw_dgram_can_send(struct axn_raw_dgram *d)
{
    if (d->base.so_error)
        return axn_sock_take_error(&d->base);
    return d->shut_wr ? -AXN_EPIPE : 0;
}

long axn_raw_dgram_recv(struct axn_raw_dgram *d, struct axn_msghdr *msg, struct axn_endpoint *src,
                        int flags)
{
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    if (flags & AXN_MSG_ERRQUEUE)
        return AXN_SOCK_EAGAIN_NOW; /* no error queue: always empty, never waits */
    if (d->base.so_error)
        return axn_sock_take_error(&d->base); /* Linux sock_error, before the queue */
    sync_rcvbuf(d);
    struct axn_raw_meta m;
    if (!axn_raw_queue_peek(&d->rxq, &m))
        return axn_sock_dgram_empty(&d->base, d->shut_rd, flags);
    const size_t copied = axn_raw_queue_copy_out(&d->rxq, msg, m.len);
    const struct axn_sock_dgram got = {.len = m.len, .src = m.src, .sport = 0};
    const struct axn_sock_rx_meta rm = {
        .ifindex = m.ifindex, .spec_dst = m.spec_dst, .dst = m.dst, .ttl = m.ttl, .tos = m.tos};
    axn_sock_dgram_put_cmsgs(&d->base, msg, &rm); /* ip_cmsg_recv */
    if (!(flags & AXN_MSG_PEEK))
        axn_raw_queue_pop(&d->rxq);
    return axn_sock_dgram_recv_done(msg, src, &got, copied, flags);
}

/* ---- Shared ops -------------------------------------------------------------------------------
 */

/* Linux inet_shutdown: flags set even when unconnected, which answers
 * -ENOTCONN. */
int axn_raw_dgram_shutdown(struct axn_socket *s, int how)
{
    struct axn_raw_dgram *d = dgram_of(s);
    const int err = axn_sock_dgram_shutdown(s, how, &d->shut_rd, &d->shut_wr,
                                            AXN_POLLIN | AXN_POLLRDHUP | AXN_POLLHUP);
    if (err)
        return err;
    return d->connected ? 0 : -AXN_ENOTCONN;
}

/* Linux datagram_poll. */
unsigned axn_raw_dgram_poll(struct axn_socket *s)
{
    struct axn_raw_dgram *d = dgram_of(s);
    sync_rcvbuf(d);
    return axn_sock_dgram_poll(s, d->shut_rd, d->shut_wr, d->rxq.count != 0);
}

/* Linux raw_ioctl: SIOCINQ is the next datagram's length, header
 * included for raw; SIOCOUTQ the bytes in flight. */
int axn_raw_dgram_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    struct axn_raw_dgram *d = dgram_of(s);
    struct axn_raw_meta m;
    const size_t next = axn_raw_queue_peek(&d->rxq, &m) ? m.len : 0;
    return axn_sock_dgram_ioctl(s, req, next, arg);
}
