/*
 * ICMP datagram socket calls (ping.h; Linux net/ipv4/ping.c): bind and
 * identifier choice, connect, send, receive, names; what raw sockets
 * answer alike (connect's routing, receive, shutdown, poll, ioctl) is
 * raw_dgram.c's.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "ip/ping.h"
#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

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

/* ---- Identifiers (Linux ping_get_port) ------------------------------------------------------ */

static bool ident_used(const struct axn_ping_layer *l, const struct axn_ping_sock *self,
                       uint16_t ident, bool reuse)
{
    for (const struct axn_raw_dgram *d = l->socks; d; d = d->next) {
        const struct axn_ping_sock *o = (const struct axn_ping_sock *)d;
        if (o != self && o->ident == ident && (!reuse || !o->d.base.opt.reuseaddr))
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
    if (ident_used(ps->layer, ps, ident, ps->d.base.opt.reuseaddr))
        return -AXN_EADDRINUSE;
    ps->ident = ident;
    return 0;
}

/* Linux inet_autobind: the first send or connect picks an identifier. */
static int autobind(struct axn_ping_sock *ps)
{
    if (ps->ident != 0)
        return 0;
    /* No identifier left: EAGAIN, and waiting frees none (Linux ping_get_port). */
    return pick_ident(ps) == 0 ? 0 : AXN_SOCK_EAGAIN_NOW;
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
    if (kind == AXN_IP4_DST_LOCAL || (kind == AXN_IP4_DST_OTHER && ps->d.base.opt.ip.freebind))
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
    ps->d.rcv_addr = ep->v4;
    ps->d.src_addr = ep->v4;
    ps->ident_locked = ep->port != 0;
    ps->addr_locked = ep->v4 != AXN_INADDR_ANY;
    return 0;
}

/* Linux __udp_disconnect (ping's disconnect): an address or identifier
 * the user did not bind goes. */
static int ping_disconnect(struct axn_ping_sock *ps)
{
    ps->d.connected = false;
    ps->d.peer = 0;
    ps->d.peer_port = 0;
    if (!ps->addr_locked) {
        ps->d.rcv_addr = 0;
        ps->d.src_addr = 0;
    }
    if (!ps->ident_locked)
        ps->ident = 0;
    return 0;
}

/* Linux inet_dgram_connect (an identifier first, even for a family
 * that is then refused) + ip4_datagram_connect (raw_dgram.c). */
static int ping_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_ping_sock *ps = ping_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return ping_disconnect(ps);
    const int err = autobind(ps);
    if (err)
        return err;
    return axn_raw_dgram_connect(&ps->d, ps->layer->ip, ep);
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
    if (!ps->d.connected)
        return -AXN_EDESTADDRREQ;
    *out = ps->d.peer;
    return 0;
}

static uint8_t ttl_for(const struct axn_socket *s, axn_ip4_t dst)
{
    return axn_ip4_is_multicast(dst) ? s->opt.ip.mc_ttl : s->opt.ip.ttl;
}

/* ip(7) IP_MTU_DISCOVER as tx->df; IPv4 output applies Linux's
 * ip_dont_fragment per datagram (ip4_pmtu.c). */
static uint8_t wants_df(const struct axn_socket *s)
{
    return axn_ip4_df_mode(s->opt.ip.pmtudisc);
}

/* The message in the IP layer's output buffer, identifier and checksum
 * ours (Linux ping_v4_push_pending_frames). */
static int transmit(struct axn_ping_sock *ps, const struct axn_msghdr *msg, axn_ip4_t daddr)
{
    struct axn_socket *s = &ps->d.base;
    struct axn_ip4 *ip = ps->layer->ip;
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(ip, &cap);
    const size_t len = axn_sock_copy_from_iov(msg, buf, cap);
    axn_put_be16(buf + ECHO_OFF_ID, ps->ident);
    axn_put_be16(buf + ECHO_OFF_CSUM, 0);
    axn_put_be16(buf + ECHO_OFF_CSUM, axn_csum(buf, len));
    struct axn_ip4_tx tx = {
        .src = ps->d.src_addr,
        .dst = daddr,
        .protocol = AXN_IPPROTO_ICMP,
        .tos = s->opt.ip.tos,
        .ttl = ttl_for(s, daddr),
        .df = wants_df(s),
        .ifindex = s->opt.bound_ifindex,
        .acct = s->wmem,
    };
    axn_sock_dgram_tx_ctl(s, &tx); /* ping_v4_sendmsg's ip_cmsg_send */
    const int err = axn_ip4_output(ip, &tx, buf, len, axn_sock_now(&ps->d.base));
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
    err = axn_raw_dgram_can_send(&ps->d);
    if (err)
        return err;
    axn_ip4_t daddr;
    err = destination(ps, dst, &daddr);
    if (err)
        return err;
    if (axn_raw_dgram_is_broadcast(ps->layer->ip, daddr) && !s->opt.broadcast)
        return -AXN_EACCES;
    err = transmit(ps, msg, daddr);
    return err ? err : (long)len;
}

/* ---- recv
 * ------------------------------------------------------------------------------------------- */

/* Linux ping_recvmsg: the ICMP header and data, the source with port 0;
 * a cut message returns the bytes copied (MSG_TRUNC in msg_flags only:
 * ping_recvmsg ignores the MSG_TRUNC flag, unlike raw and UDP). */
static long ping_recv(struct axn_socket *s, struct axn_msghdr *msg, struct axn_endpoint *src,
                      int flags)
{
    return axn_raw_dgram_recv(&ping_of(s)->d, msg, src, flags & ~AXN_MSG_TRUNC);
}

/* Linux inet_getname: the identifier is the port. */
static int ping_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    struct axn_ping_sock *ps = ping_of(s);
    return axn_raw_dgram_getname(&ps->d, ep, peer, ps->ident);
}

/* ---- Lifecycle
 * ------------------------------------------------------------------------------------------ */

static void ping_close(struct axn_socket *s)
{
    struct axn_ping_sock *ps = ping_of(s);
    axn_raw_dgram_close(&ps->layer->socks, &ps->d);
}

static const struct axn_sock_ops ping_ops = {
    .bind = ping_bind,
    .connect = ping_connect,
    .send = ping_send,
    .recv = ping_recv,
    .shutdown = axn_raw_dgram_shutdown,
    .getname = ping_getname,
    .ioctl = axn_raw_dgram_ioctl,
    .poll = axn_raw_dgram_poll,
    .rcvbuf_changed = axn_raw_dgram_rcvbuf_changed,
    .close = ping_close,
};

static int ping_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    if (protocol != AXN_IPPROTO_ICMP)
        return -AXN_EPROTONOSUPPORT;
    struct axn_raw_dgram *d;
    const int err = axn_raw_dgram_create(st, sizeof(struct axn_ping_sock), AXN_SOCK_DGRAM, protocol,
                                         &ping_ops, &d);
    if (err)
        return err;
    struct axn_ping_sock *ps = (struct axn_ping_sock *)d;
    ps->layer = state;
    axn_raw_dgram_link(&ps->layer->socks, d);
    *out = &d->base;
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
