/*
 * close(2) on a TCP socket (Linux tcp_close): abort, free or orphan the
 * connection, and the SO_LINGER wait before it.
 */
#include "axnet/errno.h"
#include "tcp/tcp_sock.h"

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

/* The FIN goes after the data and the connection finishes on its own,
 * as an orphan holding only what it still needs (axn_tcp_conn_orphan). */
static void close_orphan(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    axn_tcp_shutdown_wr(c, now);
    if (c->state == AXN_TCP_CLOSED) {
        c->sock = NULL;
        axn_tcp_conn_free(c);
        return;
    }
    if (!axn_tcp_conn_orphan(c)) {
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
long axn_tcp_sock_linger(struct axn_socket *s)
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
void axn_tcp_sock_close(struct axn_socket *s)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    axn_tcp_port_unbind(ts);
    /* ts->conn stays set while the engine may still report events. */
    close_conn(ts, ts->conn, axn_sock_now(s));
    ts->conn = NULL;
    /* axn_close asks for a poll afterwards: the FIN or RST leaves then. */
}
