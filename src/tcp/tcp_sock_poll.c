/*
 * poll on a TCP socket: Linux tcp_poll's mask, state by state.
 */
#include "tcp/tcp_sock.h"

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
unsigned axn_tcp_sock_poll(struct axn_socket *s)
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
