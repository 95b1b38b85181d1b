/*
 * The engine's readiness events (tcp.h axn_tcp_sock_event) reaching the
 * socket: a connection done, an error to report, waiters to wake.
 */
#include "tcp/tcp_sock.h"

static void done_by_engine(struct axn_tcp_sock *ts)
{
    /* Linux tcp_done: both directions shut, the socket unhashed. */
    if (ts->used)
        ts->shutdown = AXN_TCP_SHUT_BOTH;
    axn_tcp_sock_release_auto_bind(ts);
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
