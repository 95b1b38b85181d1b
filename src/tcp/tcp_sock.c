/*
 * TCP socket ops (sock/sock.h) with Linux's semantics: creation, bind
 * (inet_bind), shutdown (inet_shutdown), close (tcp_close), names
 * (inet_getname), poll (tcp_poll) and the engine's readiness events.
 * connect/listen/accept are in tcp_sock_conn.c, the data calls in
 * tcp_sock_io.c, options in tcp_opt.c.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
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

/* A connection that ended gives back the port and address connect chose
 * (Linux tcp_set_state(TCP_CLOSE): inet_put_port unless the user bound). */
static void release_auto_bind(struct axn_tcp_sock *ts)
{
    if (ts->bound && !ts->port_locked)
        axn_tcp_port_unbind(ts);
    if (!ts->addr_locked)
        ts->laddr = 0;
}

/* ---- Engine -> socket ------------------------------------------------------------------ */

static void done_by_engine(struct axn_tcp_sock *ts)
{
    /* Linux tcp_done: both directions shut, the socket unhashed. */
    if (ts->used)
        ts->shutdown = AXN_TCP_SHUT_BOTH;
    release_auto_bind(ts);
}

void axn_tcp_sock_event(struct axn_tcp_conn *c, unsigned events)
{
    struct axn_tcp_sock *ts = c->sock;
    if (ts) {
        if (c->state == AXN_TCP_CLOSED)
            done_by_engine(ts);
        axn_tcp_sock_sync_err(ts);
        axn_sock_notify(&ts->base, events);
        return;
    }
    /* A child just queued for accept: its listener becomes readable. */
    if (c->parent && c->parent->sock && c->in_accept_q)
        axn_sock_notify(&c->parent->sock->base, AXN_POLLIN | AXN_POLLRDNORM);
}

/* ---- bind --------------------------------------------------------------------------------- */

/* Linux inet_bind: a local address (or any, or IP_FREEBIND);
 * -EADDRNOTAVAIL otherwise. */
static int check_local(struct axn_tcp_sock *ts, axn_ip4_t a)
{
    if (a == 0 || ts->base.opt.ip.freebind)
        return 0;
    uint32_t ifindex;
    return axn_ctl_local_binding(&ts->base.st->ctl, a, &ifindex);
}

static int tcp_bind(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    int err = check_local(ts, ep->v4);
    if (err)
        return err;
    /* __inet_bind: a socket not CLOSED or already bound is EINVAL. */
    if (ts->bound || ts->conn->state != AXN_TCP_CLOSED)
        return -AXN_EINVAL;
    err = axn_tcp_port_bind(ts, ep->v4, ep->port);
    if (err)
        return err;
    ts->addr_locked = ep->v4 != 0;
    ts->port_locked = ep->port != 0;
    ts->conn->laddr = ep->v4;
    ts->conn->lport = ts->lport;
    return 0;
}

/* ---- shutdown ------------------------------------------------------------------------------ */

/* Linux tcp_disconnect as shutdown and connect(AF_UNSPEC) use it: stop
 * listening, reset what is synchronised, and start over unconnected. */
int axn_tcp_sock_disconnect(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *c = ts->conn;
    const axn_time_t now = axn_sock_now(&ts->base);
    if (c->state == AXN_TCP_LISTEN)
        axn_tcp_listen_stop(c, now);
    else if (c->state != AXN_TCP_CLOSED)
        axn_tcp_abort(c, 0, now);
    ts->connecting = false;
    release_auto_bind(ts);
    const int err = axn_tcp_sock_renew_conn(ts);
    if (!err && ts->bound) {
        ts->conn->laddr = ts->laddr;
        ts->conn->lport = ts->lport;
    }
    axn_sock_notify(&ts->base, AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLHUP);
    return err;
}

static int tcp_shutdown(struct axn_socket *s, int how)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *c = ts->conn;
    if (how < AXN_SHUT_RD || how > AXN_SHUT_RDWR)
        return -AXN_EINVAL;
    const unsigned bits = (unsigned)how + 1u; /* Linux: how++ gives the mask */
    /* inet_shutdown: a connect that got through but was not yet reported
     * is SS_CONNECTED from now on (a later connect says EISCONN). */
    if (ts->connecting && c->state != AXN_TCP_SYN_SENT && c->state != AXN_TCP_SYN_RECV &&
        c->state != AXN_TCP_CLOSED)
        ts->connected = true;
    ts->connecting = false;
    switch (c->state) {
    case AXN_TCP_LISTEN:
        if (!(bits & AXN_TCP_SHUT_RCV))
            return 0;
        return axn_tcp_sock_disconnect(ts);
    case AXN_TCP_SYN_SENT:
        return axn_tcp_sock_disconnect(ts);
    default:
        break;
    }
    ts->shutdown |= (uint8_t)bits;
    if (bits & AXN_TCP_SHUT_RCV)
        c->shut_rd = true;
    if ((bits & AXN_TCP_SHUT_SEND) && c->state != AXN_TCP_CLOSED)
        axn_tcp_shutdown_wr(c, axn_sock_now(s));
    /* inet_shutdown wakes everyone (sk_state_change). */
    axn_sock_notify(s, AXN_POLLIN | AXN_POLLRDNORM | AXN_POLLRDHUP | AXN_POLLOUT | AXN_POLLHUP);
    /* A CLOSED socket is shut anyway and told ENOTCONN. */
    return c->state == AXN_TCP_CLOSED ? -AXN_ENOTCONN : 0;
}

/* ---- close ----------------------------------------------------------------------------------- */

static axn_time_t fin_wait2_time(const struct axn_tcp_conn *c)
{
    const uint32_t s = c->linger2_s > 0 ? (uint32_t)c->linger2_s : AXN_TCP_FIN_TIMEOUT_S;
    return AXN_SEC(s);
}

/* tcp_close with nothing to finish gracefully: reset when synchronised
 * (RFC 2525 2.17 for unread data; SO_LINGER 0), then freed. */
static void close_abort(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_abort(c, 0, now);
    c->sock = NULL;
    axn_tcp_conn_free(c);
}

/* The FIN goes after the data and the connection finishes on its own. */
static void close_orphan(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    axn_tcp_shutdown_wr(c, now);
    c->sock = NULL;
    if (c->state == AXN_TCP_CLOSED) {
        axn_tcp_conn_free(c);
        return;
    }
    c->orphan = true;
    l->n_orphans++;
    if (l->n_orphans > AXN_TCP_MAX_ORPHANS) {
        l->ext.abort_on_memory++; /* Linux tcp_check_oom: too many orphans */
        axn_tcp_abort(c, 0, now); /* frees the orphan */
        return;
    }
    if (c->state == AXN_TCP_FIN_WAIT2)
        axn_tcp_timer_set(c, AXN_TCP_T_WAIT, now + fin_wait2_time(c));
}

static void close_conn(struct axn_tcp_sock *ts, struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_layer *l = ts->layer;
    const struct axn_linger *lg = &ts->base.opt.linger;
    switch (c->state) {
    case AXN_TCP_LISTEN:
        axn_tcp_listen_stop(c, now);
        c->sock = NULL;
        axn_tcp_conn_free(c);
        return;
    case AXN_TCP_CLOSED:
    case AXN_TCP_SYN_SENT:
        c->sock = NULL;
        axn_tcp_conn_free(c);
        return;
    case AXN_TCP_TIME_WAIT:
        /* The Linux socket is already CLOSE (tcp_time_wait): unread data
         * and SO_LINGER 0 change nothing, TIME-WAIT runs its course. */
        close_orphan(c, now);
        return;
    default:
        break;
    }
    if (c->rcv.len > 0) {
        c->close_unread = true;
        l->ext.abort_on_close++; /* Linux tcp_close: TCPAbortOnClose */
        close_abort(c, now);
    } else if (lg->l_onoff && lg->l_linger == 0) {
        l->ext.abort_on_data++; /* Linux tcp_close counts SO_LINGER 0 as TCPAbortOnData */
        close_abort(c, now);
    } else {
        close_orphan(c, now);
    }
}

/* Linux sk_close_state: the FIN is not yet acknowledged. A FIN queued in
 * SYN-RECEIVED (RFC 9293 3.10.4) waits for ESTABLISHED, so it counts. */
static bool fin_unacked(const struct axn_tcp_conn *c)
{
    switch (c->state) {
    case AXN_TCP_FIN_WAIT1:
    case AXN_TCP_CLOSING:
    case AXN_TCP_LAST_ACK:
        return true;
    case AXN_TCP_SYN_RECV:
        return c->fin_queued;
    default:
        return false;
    }
}

/* SO_LINGER with a time (the facade's linger op): Linux tcp_close sends
 * the FIN, then sk_stream_wait_close waits while it is unacknowledged.
 * Unread data (reset by close) and states with no FIN to send (CLOSED,
 * SYN-SENT, LISTEN) do not wait. After the wait, tcp_close orphans what
 * is left as without SO_LINGER. */
static long tcp_linger(struct axn_socket *s)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *c = ts->conn;
    switch (c->state) {
    case AXN_TCP_CLOSED:
    case AXN_TCP_SYN_SENT:
    case AXN_TCP_LISTEN:
        return 0;
    default:
        break;
    }
    if (c->rcv.len > 0)
        return 0;
    if (!(ts->shutdown & AXN_TCP_SHUT_SEND)) {
        ts->shutdown |= AXN_TCP_SHUT_SEND;
        axn_tcp_shutdown_wr(c, axn_sock_now(s));
        axn_stack_request_poll(s->st);
    }
    return fin_unacked(c) ? -AXN_EAGAIN : 0;
}

/* The FIN handshake goes on in the orphan (after tcp_linger's wait when
 * SO_LINGER has a time). */
static void tcp_close(struct axn_socket *s)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    axn_tcp_port_unbind(ts);
    /* ts->conn stays set while the engine may still report events. */
    close_conn(ts, ts->conn, axn_sock_now(s));
    ts->conn = NULL;
    /* axn_close asks for a poll afterwards: the FIN or RST leaves then. */
}

/* ---- names, poll ----------------------------------------------------------------------------- */

static int tcp_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    const struct axn_tcp_conn *c = ts->conn;
    if (!peer) {
        axn_sock_dgram_endpoint(ep, ts->laddr, ts->bound ? ts->lport : 0);
        return 0;
    }
    /* inet_getname: no peer in CLOSED or SYN-SENT (nor listening: no
     * destination port). A socket's own TIME-WAIT reads CLOSE on Linux
     * (tcp_time_wait hands the tuple over and calls tcp_done). */
    if (axn_tcp_sock_state(ts) == AXN_TCP_CLOSED || c->state == AXN_TCP_SYN_SENT ||
        c->state == AXN_TCP_LISTEN) {
        axn_sock_dgram_endpoint(ep, 0, 0);
        return -AXN_ENOTCONN;
    }
    axn_sock_dgram_endpoint(ep, c->raddr, c->rport);
    return 0;
}

/* Linux sk_stream_is_writeable: free room (within SO_SNDBUF) at least
 * half of what is queued; a socket without rings yet has all of it. */
static bool stream_writeable(const struct axn_tcp_conn *c)
{
    if (!c->snd.buf)
        return true;
    return axn_tcp_sock_snd_room(c) >= c->snd.len / 2u;
}

static unsigned rcvlowat(const struct axn_tcp_sock *ts)
{
    return ts->base.opt.rcvlowat > 0 ? (unsigned)ts->base.opt.rcvlowat : 1u;
}

static unsigned poll_data(const struct axn_tcp_sock *ts, unsigned shut)
{
    const struct axn_tcp_conn *c = ts->conn;
    unsigned mask = 0;
    if (c->rcv.len >= rcvlowat(ts))
        mask |= AXN_POLLIN | AXN_POLLRDNORM;
    if (shut & AXN_TCP_SHUT_SEND)
        mask |= AXN_POLLOUT | AXN_POLLWRNORM;
    else if (stream_writeable(c))
        mask |= AXN_POLLOUT | AXN_POLLWRNORM;
    return mask;
}

/* Linux tcp_poll, state by state. */
static unsigned tcp_poll(struct axn_socket *s)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    const struct axn_tcp_conn *c = ts->conn;
    axn_tcp_sock_sync_err(ts);
    if (c->state == AXN_TCP_LISTEN)
        return c->acc_q_len > 0 ? AXN_POLLIN | AXN_POLLRDNORM : 0u;
    const unsigned shut = axn_tcp_sock_shutdown_bits(ts);
    unsigned mask = 0;
    if (shut == AXN_TCP_SHUT_BOTH || c->state == AXN_TCP_CLOSED)
        mask |= AXN_POLLHUP;
    if (shut & AXN_TCP_SHUT_RCV)
        mask |= AXN_POLLIN | AXN_POLLRDNORM | AXN_POLLRDHUP;
    if (c->state != AXN_TCP_SYN_SENT && c->state != AXN_TCP_SYN_RECV)
        mask |= poll_data(ts, shut);
    if (s->so_error)
        mask |= AXN_POLLERR;
    return mask;
}

/* ---- creation ----------------------------------------------------------------------------------
 */

static const struct axn_sock_ops tcp_ops = {
    .bind = tcp_bind,
    .connect = axn_tcp_sock_connect,
    .listen = axn_tcp_sock_listen,
    .accept = axn_tcp_sock_accept,
    .send = axn_tcp_sock_send,
    .recv = axn_tcp_sock_recv,
    .shutdown = tcp_shutdown,
    .getname = tcp_getname,
    .setsockopt = axn_tcp_setsockopt,
    .getsockopt = axn_tcp_getsockopt,
    .ioctl = axn_tcp_sock_ioctl,
    .poll = tcp_poll,
    .close = tcp_close,
    .linger = tcp_linger,
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
    ts->base.opt.rcvbuf = AXN_TCP_RCVBUF_DEFAULT;
    ts->base.opt.sndbuf = AXN_TCP_SNDBUF_DEFAULT;
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
