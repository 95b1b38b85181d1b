/*
 * shutdown(2) on a TCP socket (Linux inet_shutdown) and tcp_disconnect,
 * which shutdown and connect(AF_UNSPEC) share.
 */
#include "axnet/errno.h"
#include "tcp/tcp_sock.h"

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
    axn_tcp_sock_release_auto_bind(ts);
    const int err = axn_tcp_sock_renew_conn(ts);
    if (!err && ts->bound) {
        ts->conn->laddr = ts->laddr;
        ts->conn->lport = ts->lport;
    }
    axn_sock_notify(&ts->base, AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLHUP);
    return err;
}

int axn_tcp_sock_shutdown(struct axn_socket *s, int how)
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
