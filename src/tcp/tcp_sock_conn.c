/*
 * connect, listen and accept on TCP sockets with Linux's semantics
 * (__inet_stream_connect, tcp_v4_connect, inet_listen, inet_accept).
 *
 * connect is called again by the facade's blocking loop until it stops
 * answering -EAGAIN, so its outcome is a state machine over Linux's
 * sock->state: unconnected -> connecting (SYN sent) -> connected, or back
 * to unconnected with the error after a failure (a later connect starts
 * over with a fresh connection, Linux allowing it).
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_sock.h"

/* ip(7): connecting to 0.0.0.0 means this host. */
#define LOOPBACK_ADDR AXN_IP4(127, 0, 0, 1)

static bool handshaking(enum axn_tcp_state st)
{
    return st == AXN_TCP_SYN_SENT || st == AXN_TCP_SYN_RECV;
}

/* A connect in progress asked again (or retried by the blocking loop). */
static int connect_progress(struct axn_tcp_sock *ts)
{
    const struct axn_tcp_conn *c = ts->conn;
    axn_tcp_sock_sync_err(ts);
    if (handshaking(c->state))
        return ts->base.nonblock ? -AXN_EALREADY : -AXN_EAGAIN;
    ts->connecting = false;
    if (c->state == AXN_TCP_CLOSED) {
        /* __inet_stream_connect sock_error: the error, once; a second
         * look finds none and says ECONNABORTED. */
        const int err = axn_sock_take_error(&ts->base);
        return err ? err : -AXN_ECONNABORTED;
    }
    ts->connected = true;
    return 0;
}

/* The source address and port for a connect to dst:dport. */
static int connect_bind(struct axn_tcp_sock *ts, axn_ip4_t dst, uint16_t dport)
{
    const struct axn_ip4_tx tx = {.src = ts->laddr,
                                  .dst = dst,
                                  .protocol = AXN_TCP_PROTO,
                                  .ifindex = ts->base.opt.bound_ifindex};
    struct axn_ip4_path path;
    int err = axn_ip4_route(ts->layer->ip, &tx, axn_sock_now(&ts->base), &path);
    if (err)
        return err;
    const axn_ip4_t laddr = ts->laddr ? ts->laddr : path.src;
    if (!ts->bound)
        return axn_tcp_port_connect(ts, laddr, dst, dport);
    /* tcp_v4_connect: a bound port whose 4-tuple is taken (inet_hash_connect). */
    if (axn_tcp_lookup(ts->layer, laddr, ts->lport, dst, dport))
        return -AXN_EADDRNOTAVAIL;
    ts->laddr = laddr;
    return 0;
}

static int connect_start(struct axn_tcp_sock *ts, const struct axn_endpoint *ep)
{
    if (ts->used) {
        const int err = axn_tcp_sock_renew_conn(ts);
        if (err)
            return err;
    }
    const axn_ip4_t dst = ep->v4 != 0 ? ep->v4 : LOOPBACK_ADDR;
    int err = connect_bind(ts, dst, ep->port);
    if (err)
        return err;
    struct axn_tcp_conn *c = ts->conn;
    c->laddr = ts->laddr;
    c->lport = ts->lport;
    c->raddr = dst;
    c->rport = ep->port;
    axn_tcp_sock_sync_opts(ts);
    err = axn_tcp_conn_alloc_rings(c);
    if (err) {
        if (!ts->port_locked)
            axn_tcp_port_unbind(ts);
        return err;
    }
    axn_tcp_hash_insert(ts->layer, c);
    ts->used = true;
    ts->connecting = true;
    axn_tcp_open_active(c, axn_sock_now(&ts->base));
    axn_stack_request_poll(ts->base.st);
    /* The first call waits (the facade says EINPROGRESS when it cannot). */
    return handshaking(c->state) ? -AXN_EAGAIN : connect_progress(ts);
}

int axn_tcp_sock_connect(struct axn_socket *s, const struct axn_endpoint *ep)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    if (ep->family == AXN_AF_UNSPEC)
        return axn_tcp_sock_disconnect(ts);
    if (ep->family != AXN_AF_INET)
        return -AXN_EAFNOSUPPORT;
    if (ts->connected)
        return -AXN_EISCONN;
    if (ts->connecting)
        return connect_progress(ts);
    /* Unconnected but listening (or otherwise not CLOSED). */
    if (ts->conn->state != AXN_TCP_CLOSED)
        return -AXN_EISCONN;
    return connect_start(ts, ep);
}

/* ---- listen -------------------------------------------------------------------------- */

/* Linux inet_listen: "(unsigned int)backlog > somaxconn" clamps, so a
 * negative backlog is somaxconn too. */
static uint32_t clamp_backlog(int backlog)
{
    const unsigned b = (unsigned)backlog;
    return b > AXN_TCP_SOMAXCONN ? AXN_TCP_SOMAXCONN : b;
}

/* inet_csk_listen_start: the port (an ephemeral one on the wildcard when
 * unbound) checked again as a listener's. */
static int listen_port(struct axn_tcp_sock *ts)
{
    if (!ts->bound)
        return axn_tcp_port_bind(ts, 0, 0);
    return axn_tcp_port_listen_check(ts);
}

int axn_tcp_sock_listen(struct axn_socket *s, int backlog)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *c = ts->conn;
    if (ts->connecting || ts->connected)
        return -AXN_EINVAL;
    if (c->state == AXN_TCP_LISTEN) {
        c->backlog = clamp_backlog(backlog);
        return 0;
    }
    if (c->state != AXN_TCP_CLOSED)
        return -AXN_EINVAL;
    if (ts->used) {
        const int err = axn_tcp_sock_renew_conn(ts);
        if (err)
            return err;
        c = ts->conn;
    }
    const int err = listen_port(ts);
    if (err)
        return err;
    c->laddr = ts->laddr;
    c->lport = ts->lport;
    c->backlog = clamp_backlog(backlog);
    axn_tcp_sock_sync_opts(ts);
    axn_tcp_set_state(c, AXN_TCP_LISTEN, axn_sock_now(s));
    return 0;
}

/* ---- accept ---------------------------------------------------------------------------- */

/* Linux sk_clone_lock copies the socket's options; multicast
 * memberships are not inherited (inet_sk_clone: mc_list cleared). */
static void inherit(struct axn_tcp_sock *nts, const struct axn_tcp_sock *ts)
{
    nts->base.opt = ts->base.opt;
    nts->base.opt.ip.n_groups = 0;
    nts->addr_locked = ts->addr_locked;
    nts->port_locked = ts->port_locked;
    nts->defer_accept = ts->defer_accept;
    nts->quickack_off = ts->quickack_off;
}

static void attach_child(struct axn_tcp_sock *nts, struct axn_tcp_conn *child)
{
    nts->conn = child;
    child->sock = nts;
    nts->used = true;
    nts->connected = true;
    axn_tcp_port_inherit(nts, child->laddr, child->lport);
    if (child->state == AXN_TCP_CLOSED)
        nts->shutdown = AXN_TCP_SHUT_BOTH; /* reset while queued: tcp_done's mark */
    axn_tcp_sock_sync_err(nts);
}

/* No memory for the socket: the child is reset and let go. */
static void drop_child(struct axn_tcp_conn *child, axn_time_t now)
{
    if (child->state == AXN_TCP_CLOSED) {
        axn_tcp_conn_free(child);
        return;
    }
    /* Orphaned first, so the abort frees it; over the orphan bound or
     * not, it is reset anyway. */
    (void)axn_tcp_conn_orphan(child);
    axn_tcp_abort(child, 0, now);
}

int axn_tcp_sock_accept(struct axn_socket *s, struct axn_endpoint *peer, struct axn_socket **out)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    struct axn_tcp_conn *lc = ts->conn;
    if (lc->state != AXN_TCP_LISTEN)
        return -AXN_EINVAL; /* inet_csk_accept */
    struct axn_tcp_conn *child = axn_tcp_accept_pop(lc);
    if (!child)
        return -AXN_EAGAIN;
    struct axn_tcp_sock *nts;
    const int err = axn_tcp_sock_new(ts->layer, &nts);
    if (err) {
        drop_child(child, axn_sock_now(s));
        return err;
    }
    inherit(nts, ts);
    attach_child(nts, child);
    axn_sock_dgram_endpoint(peer, child->raddr, child->rport);
    *out = &nts->base;
    return 0;
}
