/*
 * ICMP datagram socket calls (ping.h; Linux net/ipv4/ping.c): bind and
 * identifier choice, connect, send, receive, shutdown, names, readiness.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/ping.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

/* poll.h: writable with priority data (Linux datagram_poll sets it). */
#define PING_POLLWRBAND 0x200u
#define PING_SHUT_RCV   1
#define PING_SHUT_SEND  2
/* Largest message (Linux ping_common_sendmsg). */
#define PING_MSG_MAX 0xffffu
/* Echo header fields (RFC 792). */
#define ECHO_OFF_TYPE 0
#define ECHO_OFF_CODE 1
#define ECHO_OFF_CSUM 2
#define ECHO_OFF_ID   4
/* Identifiers to try when picking one: all of them. */
#define IDENT_SPACE 0x10000u

static struct axn_ping_sock *ping_of(struct axn_socket *s)
{
    return (struct axn_ping_sock *)s;
}

static axn_time_t ping_now(const struct axn_socket *s)
{
    const struct axn_platform *plat = s->st->plat;
    return plat->now(plat->ctx);
}

static void sync_rcvbuf(struct axn_ping_sock *ps)
{
    const size_t want = ps->base.opt.rcvbuf > 0 ? (size_t)ps->base.opt.rcvbuf : 0;
    if (want != ps->rxq_rcvbuf && axn_raw_queue_resize(&ps->rxq, ps->base.st->plat, want))
        ps->rxq_rcvbuf = want;
}

/* ---- Identifiers (Linux ping_get_port) ------------------------------------------------------ */

static bool ident_used(const struct axn_ping_layer *l, const struct axn_ping_sock *self,
                       uint16_t ident, bool reuse)
{
    for (const struct axn_ping_sock *o = l->socks; o; o = o->next) {
        if (o != self && o->ident == ident && (!reuse || !o->base.opt.reuseaddr))
            return true;
    }
    return false;
}

/* The next free identifier from next_ident on, never 0. */
static int pick_ident(struct axn_ping_sock *ps)
{
    struct axn_ping_layer *l = ps->layer;
    uint16_t id = l->next_ident;
    for (uint32_t i = 0; i < IDENT_SPACE; i++, id++) {
        if (id == 0)
            id++;
        if (!ident_used(l, ps, id, false)) {
            l->next_ident = (uint16_t)(id + 1);
            ps->ident = id;
            return 0;
        }
    }
    return -AXN_EADDRINUSE;
}

/* A chosen identifier is shared only if both sockets set SO_REUSEADDR. */
static int take_ident(struct axn_ping_sock *ps, uint16_t ident)
{
    if (ident == 0)
        return pick_ident(ps);
    if (ident_used(ps->layer, ps, ident, ps->base.opt.reuseaddr))
        return -AXN_EADDRINUSE;
    ps->ident = ident;
    return 0;
}

/* Linux inet_autobind: the first send or connect picks an identifier. */
static int autobind(struct axn_ping_sock *ps)
{
    if (ps->ident != 0)
        return 0;
    return pick_ident(ps) == 0 ? 0 : -AXN_EAGAIN;
}

/* ---- bind / connect ----------------------------------------------------------------------------
 */

/* Linux ping_check_bind_addr: a local address (any but a broadcast or
 * multicast one with IP_FREEBIND). */
static int check_bind_addr(struct axn_ping_sock *ps, axn_ip4_t addr)
{
    if (addr == AXN_INADDR_ANY)
        return 0;
    const enum axn_ip4_dst_kind kind =
        axn_ip4_classify_dst(ps->layer->ip, addr, AXN_IFINDEX_LOOPBACK);
    if (kind == AXN_IP4_DST_LOCAL || (kind == AXN_IP4_DST_OTHER && ps->base.opt.ip.freebind))
        return 0;
    return -AXN_EADDRNOTAVAIL;
}

static int ping_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_ping_sock *ps = ping_of(s);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    int err = check_bind_addr(ps, ep->v4);
    if (err)
        return err;
    if (ps->ident != 0)
        return -AXN_EINVAL;
    err = take_ident(ps, ep->port);
    if (err)
        return err;
    ps->rcv_addr = ep->v4;
    ps->src_addr = ep->v4;
    ps->ident_locked = ep->port != 0;
    ps->addr_locked = ep->v4 != AXN_INADDR_ANY;
    return 0;
}

/* Linux __udp_disconnect (ping's disconnect): an address or identifier
 * the user did not bind goes. */
static int ping_disconnect(struct axn_ping_sock *ps)
{
    ps->connected = false;
    ps->peer = 0;
    ps->peer_port = 0;
    if (!ps->addr_locked) {
        ps->rcv_addr = 0;
        ps->src_addr = 0;
    }
    if (!ps->ident_locked)
        ps->ident = 0;
    return 0;
}

static bool is_broadcast(struct axn_ping_sock *ps, axn_ip4_t dst)
{
    return axn_ip4_is_broadcast(dst) || axn_ip4_is_any_subnet_broadcast(ps->layer->ip, dst);
}

/* Linux inet_dgram_connect + ip4_datagram_connect. */
static int ping_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_ping_sock *ps = ping_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return ping_disconnect(ps);
    int err = autobind(ps);
    if (err)
        return err;
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    const struct axn_ip4_tx tx = {.src = ps->src_addr,
                                  .dst = ep->v4,
                                  .protocol = AXN_IPPROTO_ICMP,
                                  .ifindex = s->opt.bound_ifindex};
    struct axn_ip4_path path;
    err = axn_ip4_route(ps->layer->ip, &tx, &path);
    if (err)
        return err;
    if (is_broadcast(ps, ep->v4) && !s->opt.broadcast)
        return -AXN_EACCES;
    if (ps->src_addr == 0)
        ps->src_addr = path.src;
    if (ps->rcv_addr == 0)
        ps->rcv_addr = path.src;
    ps->peer = ep->v4;
    ps->peer_port = ep->port;
    ps->connected = true;
    return 0;
}

/* ---- send
 * ----------------------------------------------------------------------------------------- */

/* Linux ping_common_sendmsg: a whole ICMP header, no MSG_OOB, and an
 * echo request (type 8 code 0). */
static int check_message(const struct axn_msghdr *msg, size_t len, int flags)
{
    if (len > PING_MSG_MAX)
        return -AXN_EMSGSIZE;
    if (len < AXN_ICMP4_HDR_LEN)
        return -AXN_EINVAL;
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    uint8_t hdr[AXN_ICMP4_HDR_LEN];
    (void)axn_sock_copy_from_iov(msg, hdr, sizeof(hdr));
    if (hdr[ECHO_OFF_TYPE] != AXN_ICMP4_ECHO_REQUEST || hdr[ECHO_OFF_CODE] != 0)
        return -AXN_EINVAL;
    return 0;
}

/* Linux ping_v4_sendmsg: to `dst` (AF_INET only), else the peer. */
static int destination(const struct axn_ping_sock *ps, const struct axn_endpoint *dst,
                       axn_ip4_t *out)
{
    if (dst) {
        if (dst->family != AXN_AF_INET)
            return -AXN_EAFNOSUPPORT;
        *out = dst->v4;
        return 0;
    }
    if (!ps->connected)
        return -AXN_EDESTADDRREQ;
    *out = ps->peer;
    return 0;
}

static uint8_t ttl_for(const struct axn_socket *s, axn_ip4_t dst)
{
    return axn_ip4_is_multicast(dst) ? s->opt.ip.mc_ttl : s->opt.ip.ttl;
}

static bool wants_df(const struct axn_socket *s)
{
    return s->opt.ip.pmtudisc == AXN_IP_PMTUDISC_DO || s->opt.ip.pmtudisc == AXN_IP_PMTUDISC_PROBE;
}

/* The message in the IP layer's output buffer, identifier and checksum
 * ours (Linux ping_v4_push_pending_frames). */
static int transmit(struct axn_ping_sock *ps, const struct axn_msghdr *msg, axn_ip4_t daddr)
{
    struct axn_socket *s = &ps->base;
    struct axn_ip4 *ip = ps->layer->ip;
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(ip, &cap);
    const size_t len = axn_sock_copy_from_iov(msg, buf, cap);
    axn_put_be16(buf + ECHO_OFF_ID, ps->ident);
    axn_put_be16(buf + ECHO_OFF_CSUM, 0);
    axn_put_be16(buf + ECHO_OFF_CSUM, axn_csum(buf, len));
    const struct axn_ip4_tx tx = {
        .src = ps->src_addr,
        .dst = daddr,
        .protocol = AXN_IPPROTO_ICMP,
        .tos = s->opt.ip.tos,
        .ttl = ttl_for(s, daddr),
        .df = wants_df(s),
        .ifindex = s->opt.bound_ifindex,
    };
    const int err = axn_ip4_output(ip, &tx, buf, len, ping_now(s));
    if (err == 0) {
        /* Linux icmp_out_count. */
        ip->icmp.out_msgs++;
        ip->icmp.out_echos++;
    }
    return err;
}

static long ping_send(struct axn_socket *s, const struct axn_msghdr *msg,
                      const struct axn_endpoint *dst, int flags)
{
    struct axn_ping_sock *ps = ping_of(s);
    int err = autobind(ps);
    if (err)
        return err;
    const size_t len = axn_sock_iov_len(msg);
    err = check_message(msg, len, flags);
    if (err)
        return err;
    axn_ip4_t daddr;
    err = destination(ps, dst, &daddr);
    if (err)
        return err;
    if (is_broadcast(ps, daddr) && !s->opt.broadcast)
        return -AXN_EACCES;
    err = transmit(ps, msg, daddr);
    return err ? err : (long)len;
}

/* ---- recv
 * ------------------------------------------------------------------------------------------- */

/* Linux ping_recvmsg: the ICMP header and data, the source with port 0;
 * a cut message returns the bytes copied (MSG_TRUNC in msg_flags). */
static long ping_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                      int flags)
{
    struct axn_ping_sock *ps = ping_of(s);
    if (flags & AXN_MSG_OOB)
        return -AXN_EOPNOTSUPP;
    if (flags & AXN_MSG_ERRQUEUE)
        return -AXN_EAGAIN; /* no error queue: always empty (ip_recv_error) */
    sync_rcvbuf(ps);
    struct axn_raw_meta m;
    if (!axn_raw_queue_peek(&ps->rxq, &m))
        return ps->shut_rd ? 0 : -AXN_EAGAIN;
    const size_t copied = axn_raw_queue_copy_out(&ps->rxq, msg, m.len);
    if (m.len > copied)
        msg->msg_flags |= AXN_MSG_TRUNC;
    memset(src, 0, sizeof(*src));
    src->family = AXN_AF_INET;
    src->v4 = m.src;
    if (!(flags & AXN_MSG_PEEK))
        axn_raw_queue_pop(&ps->rxq);
    return (long)copied;
}

/* ---- shutdown, names, readiness
 * ------------------------------------------------------------------ */

static int ping_shutdown(struct axn_socket *s, int how)
{
    struct axn_ping_sock *ps = ping_of(s);
    if (how < AXN_SHUT_RD || how > AXN_SHUT_RDWR)
        return -AXN_EINVAL;
    const int mask = how + 1;
    if (mask & PING_SHUT_RCV)
        ps->shut_rd = true;
    if (mask & PING_SHUT_SEND)
        ps->shut_wr = true;
    axn_sock_notify(s, AXN_POLLIN | AXN_POLLRDHUP | AXN_POLLHUP);
    return ps->connected ? 0 : -AXN_ENOTCONN;
}

/* Linux inet_getname: the identifier is the port. */
static int ping_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    struct axn_ping_sock *ps = ping_of(s);
    memset(ep, 0, sizeof(*ep));
    ep->family = AXN_AF_INET;
    if (peer) {
        if (!ps->connected)
            return -AXN_ENOTCONN;
        ep->v4 = ps->peer;
        ep->port = ps->peer_port;
        return 0;
    }
    ep->v4 = ps->rcv_addr != 0 ? ps->rcv_addr : ps->src_addr;
    ep->port = ps->ident;
    return 0;
}

static unsigned ping_poll(struct axn_socket *s)
{
    struct axn_ping_sock *ps = ping_of(s);
    sync_rcvbuf(ps);
    unsigned mask = AXN_POLLOUT | AXN_POLLWRNORM | PING_POLLWRBAND;
    if (s->so_error != 0)
        mask |= AXN_POLLERR;
    if (ps->shut_rd)
        mask |= AXN_POLLRDHUP | AXN_POLLIN | AXN_POLLRDNORM;
    if (ps->shut_rd && ps->shut_wr)
        mask |= AXN_POLLHUP;
    if (ps->rxq.count != 0)
        mask |= AXN_POLLIN | AXN_POLLRDNORM;
    return mask;
}

/* Linux udp_ioctl-like answers: the next message's length, nothing
 * waiting to go. */
static int ping_ioctl(struct axn_socket *s, unsigned long req, int *arg)
{
    struct axn_ping_sock *ps = ping_of(s);
    struct axn_raw_meta m;
    switch (req) {
    case AXN_FIONREAD:
        *arg = axn_raw_queue_peek(&ps->rxq, &m) ? (int)m.len : 0;
        return 0;
    case AXN_SIOCOUTQ:
        *arg = 0;
        return 0;
    default:
        return -AXN_ENOTTY;
    }
}

/* ---- Lifecycle
 * ------------------------------------------------------------------------------------------ */

static void ping_close(struct axn_socket *s)
{
    struct axn_ping_sock *ps = ping_of(s);
    for (struct axn_ping_sock **p = &ps->layer->socks; *p; p = &(*p)->next) {
        if (*p == ps) {
            *p = ps->next;
            break;
        }
    }
    axn_raw_queue_free(&ps->rxq, s->st->plat);
}

static const struct axn_sock_ops ping_ops = {
    .bind = ping_bind,
    .connect = ping_connect,
    .send = ping_send,
    .recv = ping_recv,
    .shutdown = ping_shutdown,
    .getname = ping_getname,
    .ioctl = ping_ioctl,
    .poll = ping_poll,
    .close = ping_close,
};

static int ping_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    if (protocol != AXN_IPPROTO_ICMP)
        return -AXN_EPROTONOSUPPORT;
    /* The ring first, for the default SO_RCVBUF axn_sock_alloc gives
     * (sock_layer.c): nothing to undo in the socket layer if it fails. */
    struct axn_raw_queue q;
    int err = axn_raw_queue_init(&q, st->plat, AXN_SOCK_RCVBUF_DEFAULT);
    if (err)
        return err;
    struct axn_socket *s;
    err = axn_sock_alloc(st, sizeof(struct axn_ping_sock), AXN_AF_INET, AXN_SOCK_DGRAM, protocol,
                         &ping_ops, &s);
    if (err) {
        axn_raw_queue_free(&q, st->plat);
        return err;
    }
    struct axn_ping_sock *ps = ping_of(s);
    ps->layer = state;
    ps->rxq = q;
    ps->rxq_rcvbuf = AXN_SOCK_RCVBUF_DEFAULT;
    ps->next = ps->layer->socks;
    ps->layer->socks = ps;
    *out = s;
    return 0;
}

static int ping_layer_init(struct axn_stack *st, void **state)
{
    struct axn_ping_layer *l =
        st->plat->alloc(st->plat->ctx, sizeof(*l), _Alignof(struct axn_ping_layer));
    if (!l)
        return -AXN_ENOMEM;
    l->st = st;
    l->ip = st->ip4;
    l->next_ident = 1; /* Linux ping_table.next_free */
    axn_ip4_set_echo_reply_handler(st->ip4, axn_ping_echo_reply, l);
    const int err = axn_ip4_set_err_handler(st->ip4, AXN_IPPROTO_ICMP, axn_ping_error, l);
    if (err) {
        axn_ip4_set_echo_reply_handler(st->ip4, NULL, NULL);
        st->plat->free(st->plat->ctx, l, sizeof(*l));
        return err;
    }
    *state = l;
    return 0;
}

static void ping_layer_destroy(struct axn_stack *st, void *state)
{
    axn_ip4_set_echo_reply_handler(st->ip4, NULL, NULL);
    (void)axn_ip4_set_err_handler(st->ip4, AXN_IPPROTO_ICMP, NULL, NULL);
    st->plat->free(st->plat->ctx, state, sizeof(struct axn_ping_layer));
}

const struct axn_sock_proto axn_ping_proto = {
    .name = "ping",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_DGRAM,
    .protocol = AXN_IPPROTO_ICMP,
    .default_for_type = false,
    .layer_init = ping_layer_init,
    .layer_destroy = ping_layer_destroy,
    .create = ping_create,
};
