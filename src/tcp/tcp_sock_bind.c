/*
 * A TCP socket's addresses: bind (Linux inet_bind), getsockname and
 * getpeername (inet_getname), and giving back what connect bound.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "tcp/tcp_sock.h"

/* Linux inet_bind: a local address (or any, or IP_FREEBIND);
 * -EADDRNOTAVAIL otherwise. */
static int check_local(struct axn_tcp_sock *ts, axn_ip4_t a)
{
    if (a == 0 || ts->base.opt.ip.freebind)
        return 0;
    uint32_t ifindex;
    return axn_ctl_local_binding(&ts->base.st->ctl, a, &ifindex);
}

int axn_tcp_sock_bind(struct axn_socket *s, const struct axn_endpoint *ep)
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

/* A connection that ended gives back the port and address connect chose
 * (Linux tcp_set_state(TCP_CLOSE): inet_put_port unless the user bound). */
void axn_tcp_sock_release_auto_bind(struct axn_tcp_sock *ts)
{
    if (ts->bound && !ts->port_locked)
        axn_tcp_port_unbind(ts);
    if (!ts->addr_locked)
        ts->laddr = 0;
}

int axn_tcp_sock_getname(struct axn_socket *s, struct axn_endpoint *ep, bool peer)
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
