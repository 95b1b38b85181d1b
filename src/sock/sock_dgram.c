/*
 * What datagram transports (UDP, raw, ICMP ping) share (sock.h): the byte
 * ring their receive queues keep datagrams in, and the receive-side
 * answers Linux gives every datagram socket alike (datagram_poll,
 * FIONREAD / SIOCOUTQ, inet_shutdown's flags, MSG_TRUNC, ip(7) control
 * messages both ways), and the send buffer's tests (sock_writeable,
 * sock_alloc_send_pskb) over the socket's account. Each transport
 * keeps its own record header and bounding rule; only the mechanics are
 * here, so they cannot drift apart.
 */
#include "ip/ip4.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "lib/tx_acct.h"
#include "sock/sock.h"

/* Linux inet_shutdown: `how` + 1 is a mask of these. */
#define SHUT_RCV_BIT  1
#define SHUT_SEND_BIT 2

/* sock_writeable: writable below sk_sndbuf >> 1. */
#define SNDBUF_WRITABLE_SHIFT 1

/* ---- Byte rings ------------------------------------------------------------------------ */

void axn_sock_ring_read(const uint8_t *ring, size_t cap, size_t pos, void *out, size_t n)
{
    pos %= cap;
    const size_t first = n < cap - pos ? n : cap - pos;
    memcpy(out, ring + pos, first);
    memcpy((uint8_t *)out + first, ring, n - first);
}

void axn_sock_ring_write(uint8_t *ring, size_t cap, size_t pos, const void *in, size_t n)
{
    pos %= cap;
    const size_t first = n < cap - pos ? n : cap - pos;
    memcpy(ring + pos, in, first);
    memcpy(ring, (const uint8_t *)in + first, n - first);
}

size_t axn_sock_ring_to_iov(const uint8_t *ring, size_t cap, size_t pos,
                            const struct axn_msghdr *msg, size_t len)
{
    size_t done = 0;
    for (size_t i = 0; i < msg->msg_iovlen && done < len; i++) {
        const struct axn_iovec *v = &msg->msg_iov[i];
        const size_t n = v->iov_len < len - done ? v->iov_len : len - done;
        if (n == 0)
            continue;
        axn_sock_ring_read(ring, cap, pos + done, v->iov_base, n);
        done += n;
    }
    return done;
}

/* ---- Send buffer ------------------------------------------------------------------------- */

bool axn_sock_writeable(const struct axn_socket *s)
{
    return axn_tx_acct_bytes(s->wmem) < ((unsigned)s->opt.sndbuf >> SNDBUF_WRITABLE_SHIFT);
}

bool axn_sock_wmem_admits(const struct axn_socket *s)
{
    return axn_tx_acct_bytes(s->wmem) < (unsigned)s->opt.sndbuf;
}

void axn_sock_wmem_limit_changed(struct axn_socket *s)
{
    atomic_store(&s->wmem->wake_below, ((unsigned)s->opt.sndbuf >> SNDBUF_WRITABLE_SHIFT));
}

/* ---- Receive-side answers ---------------------------------------------------------------- */

void axn_sock_dgram_endpoint(struct axn_endpoint *ep, axn_ip4_t addr, uint16_t port)
{
    memset(ep, 0, sizeof(*ep));
    ep->family = AXN_AF_INET;
    ep->v4 = addr;
    ep->port = port;
}

long axn_sock_dgram_recv_done(struct axn_msghdr *msg, struct axn_endpoint *src,
                              const struct axn_sock_dgram *d, size_t copied, int flags)
{
    if (d->len > copied)
        msg->msg_flags |= AXN_MSG_TRUNC;
    axn_sock_dgram_endpoint(src, d->src, d->sport);
    return (long)((flags & AXN_MSG_TRUNC) ? d->len : copied);
}

unsigned axn_sock_dgram_poll(const struct axn_socket *s, bool shut_rd, bool shut_wr, bool queued)
{
    unsigned mask = axn_sock_writeable(s) ? AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND : 0;
    if (s->so_error != 0)
        mask |= AXN_POLLERR;
    if (shut_rd)
        mask |= AXN_POLLRDHUP | AXN_POLLIN | AXN_POLLRDNORM;
    if (shut_rd && shut_wr)
        mask |= AXN_POLLHUP;
    if (queued)
        mask |= AXN_POLLIN | AXN_POLLRDNORM;
    return mask;
}

int axn_sock_dgram_ioctl(const struct axn_socket *s, unsigned long req, size_t next_len, int *arg)
{
    switch (req) {
    case AXN_FIONREAD:
        *arg = (int)next_len;
        return 0;
    case AXN_SIOCOUTQ: /* sk_wmem_alloc_get */
        *arg = (int)axn_tx_acct_bytes(s->wmem);
        return 0;
    default:
        return -AXN_ENOTTY;
    }
}

int axn_sock_dgram_shutdown(struct axn_socket *s, int how, bool *shut_rd, bool *shut_wr,
                            unsigned events)
{
    if (how < AXN_SHUT_RD || how > AXN_SHUT_RDWR)
        return -AXN_EINVAL;
    const int mask = how + 1;
    if (mask & SHUT_RCV_BIT)
        *shut_rd = true;
    if (mask & SHUT_SEND_BIT)
        *shut_wr = true;
    axn_sock_notify(s, events);
    return 0;
}

long axn_sock_dgram_empty(const struct axn_socket *s, bool shut_rd, int flags)
{
    const bool would_wait =
        !(flags & AXN_MSG_DONTWAIT) && !s->nonblock && s->opt.rcvtimeo != AXN_SOCK_TIMEO_NOWAIT;
    return shut_rd && would_wait ? 0 : -AXN_EAGAIN;
}

/* ---- Control messages ---------------------------------------------------------------------- */

void axn_sock_dgram_tx_ctl(const struct axn_socket *s, struct axn_ip4_tx *tx)
{
    const struct axn_sock_tx_ctl *c = s->tx_ctl;
    if (!c)
        return;
    /* ip_cmsg_send: ipc->addr = ipi_spec_dst (0 too), ipc->oif only when
     * ipi_ifindex is nonzero. */
    if (c->has_pktinfo) {
        tx->src = c->src;
        if (c->ifindex != 0)
            tx->ifindex = c->ifindex;
    }
    if (c->has_ttl)
        tx->ttl = c->ttl;
    if (c->has_tos)
        tx->tos = c->tos;
}

static void put_addr(struct axn_in_addr *a, axn_ip4_t v)
{
    axn_put_be32((uint8_t *)&a->s_addr, v);
}

/* ip_cmsg_recv_offset: PKTINFO, then TTL (an int), then TOS (one byte). */
void axn_sock_dgram_put_cmsgs(const struct axn_socket *s, struct axn_msghdr *msg,
                              const struct axn_sock_rx_meta *m)
{
    const struct axn_sock_ip_opts *o = &s->opt.ip;
    if (o->pktinfo) {
        struct axn_in_pktinfo pi = {.ipi_ifindex = (int)m->ifindex};
        put_addr(&pi.ipi_spec_dst, m->spec_dst);
        put_addr(&pi.ipi_addr, m->dst);
        axn_sock_put_cmsg(msg, NULL, AXN_SOL_IP, AXN_IP_PKTINFO, &pi, sizeof(pi));
    }
    if (o->recvttl) {
        const int ttl = m->ttl;
        axn_sock_put_cmsg(msg, NULL, AXN_SOL_IP, AXN_IP_TTL, &ttl, sizeof(ttl));
    }
    if (o->recvtos)
        axn_sock_put_cmsg(msg, NULL, AXN_SOL_IP, AXN_IP_TOS, &m->tos, sizeof(m->tos));
}
