/*
 * TCP socket ops (sock/sock.h) with Linux's semantics: creation, the ops
 * table, and the internals the other socket files share (error and
 * option sync, the state as the socket shows it, a fresh connection).
 * The ops live by concern: bind and names in tcp_sock_bind.c,
 * connect/listen/accept in tcp_sock_conn.c, the data calls in
 * tcp_sock_io.c, shutdown in tcp_sock_shutdown.c, close and SO_LINGER in
 * tcp_sock_close.c, poll in tcp_sock_poll.c, the engine's events in
 * tcp_sock_event.c, options in tcp_opt.c.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"

/* ---- Shared internals -------------------------------------------------------------- */

void axn_tcp_sock_sync_err(struct axn_tcp_sock *ts)
{
    const struct axn_tcp_conn *c = ts->conn;
    if (c->err && !ts->err_reported) {
        ts->err_reported = true;
        axn_sock_set_error(&ts->base, c->err);
    }
}

void axn_tcp_sock_sync_opts(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *c = ts->conn;
    const struct axn_sock_opts *o = &ts->base.opt;
    c->bound_ifindex = o->bound_ifindex;
    c->tos = o->ip.tos;
    c->ttl = o->ip.ttl;
    c->df_mode = axn_ip4_df_mode(o->ip.pmtudisc);
    c->keepalive = o->keepalive;
    /* The rings' sizes: what connect/accept allocates; on a connection
     * with rings, a larger value grows them and a smaller one is a limit
     * (axn_tcp_sock_bufs_changed). */
    if (o->sndbuf > 0)
        c->sndbuf = (uint32_t)o->sndbuf;
    if (o->rcvbuf > 0)
        c->rcvbuf = (uint32_t)o->rcvbuf;
}

enum axn_tcp_state axn_tcp_sock_state(const struct axn_tcp_sock *ts)
{
    /* Linux tcp_time_wait: a socket reaching TIME-WAIT gives the 4-tuple
     * to a TIME-WAIT entry and is done (TCP_CLOSE); axnet keeps the
     * connection on the socket, so the socket side reads CLOSED. */
    return ts->conn->state == AXN_TCP_TIME_WAIT ? AXN_TCP_CLOSED : ts->conn->state;
}

unsigned axn_tcp_sock_shutdown_bits(const struct axn_tcp_sock *ts)
{
    unsigned bits = ts->shutdown;
    if (ts->conn->fin_rcvd)
        bits |= AXN_TCP_SHUT_RCV; /* Linux tcp_fin */
    return bits;
}

/* Options a socket set that a fresh connection must keep (tcp(7)). */
static void copy_conn_opts(struct axn_tcp_conn *dst, const struct axn_tcp_conn *src)
{
    dst->nodelay = src->nodelay;
    dst->cork = src->cork;
    dst->keepidle_s = src->keepidle_s;
    dst->keepintvl_s = src->keepintvl_s;
    dst->keepcnt = src->keepcnt;
    dst->syn_retries = src->syn_retries;
    dst->user_timeout_ms = src->user_timeout_ms;
    dst->linger2_s = src->linger2_s;
    dst->user_mss = src->user_mss;
    dst->mem.rcvbuf_locked = src->mem.rcvbuf_locked; /* Linux sk_userlocks */
    dst->mem.sndbuf_locked = src->mem.sndbuf_locked;
}

int axn_tcp_sock_renew_conn(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *old = ts->conn;
    struct axn_tcp_conn *c = axn_tcp_conn_new(ts->layer);
    if (!c)
        return -AXN_ENOMEM;
    copy_conn_opts(c, old);
    c->sock = ts;
    old->sock = NULL;
    axn_tcp_conn_free(old);
    ts->conn = c;
    axn_tcp_sock_sync_opts(ts);
    ts->err_reported = false;
    ts->used = false;
    ts->connected = false;
    ts->shutdown = 0;
    return 0;
}

/* ---- creation ----------------------------------------------------------------------------------
 */

static const struct axn_sock_ops tcp_ops = {
    .bind = axn_tcp_sock_bind,
    .connect = axn_tcp_sock_connect,
    .listen = axn_tcp_sock_listen,
    .accept = axn_tcp_sock_accept,
    .send = axn_tcp_sock_send,
    .recv = axn_tcp_sock_recv,
    .shutdown = axn_tcp_sock_shutdown,
    .getname = axn_tcp_sock_getname,
    .setsockopt = axn_tcp_setsockopt,
    .getsockopt = axn_tcp_getsockopt,
    .ioctl = axn_tcp_sock_ioctl,
    .poll = axn_tcp_sock_poll,
    .close = axn_tcp_sock_close,
    .linger = axn_tcp_sock_linger,
};

int axn_tcp_sock_new(struct axn_tcp_layer *l, struct axn_tcp_sock **out)
{
    struct axn_socket *s;
    int err = axn_sock_alloc(l->st, sizeof(struct axn_tcp_sock), AXN_AF_INET, AXN_SOCK_STREAM,
                             AXN_IPPROTO_TCP, &tcp_ops, &s);
    if (err)
        return err;
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    ts->layer = l;
    *out = ts;
    return 0;
}

static int tcp_create(struct axn_stack *st, void *state, int protocol, struct axn_socket **out)
{
    (void)st;
    (void)protocol;
    struct axn_tcp_layer *l = state;
    struct axn_tcp_sock *ts;
    int err = axn_tcp_sock_new(l, &ts);
    if (err)
        return err;
    ts->conn = axn_tcp_conn_new(l);
    if (!ts->conn) {
        axn_sock_layer_free(l->st->socks, &ts->base);
        return -AXN_ENOMEM;
    }
    ts->conn->sock = ts;
    /* tcp(7): tcp_rmem / tcp_wmem defaults, not the core ones. */
    ts->base.opt.rcvbuf = (int)l->cfg.rmem[1];
    ts->base.opt.sndbuf = (int)l->cfg.wmem[1];
    axn_tcp_sock_sync_opts(ts);
    *out = &ts->base;
    return 0;
}

const struct axn_sock_proto axn_tcp_proto = {
    .name = "tcp",
    .domain = AXN_AF_INET,
    .type = AXN_SOCK_STREAM,
    .protocol = AXN_IPPROTO_TCP,
    .default_for_type = true,
    .layer_init = axn_tcp_layer_init,
    .layer_destroy = axn_tcp_layer_destroy,
    .create = tcp_create,
};
