/*
 * The engine side of shutdown(SHUT_WR), close and abort: the FIN queued
 * behind the data (RFC 9293 3.10.4 CLOSE) and the RST of an abort.
 */
#include "tcp/tcp_output.h"

/* Linux tcp_need_reset: the states whose peer is told by a RST. */
static bool state_needs_rst(enum axn_tcp_state s)
{
    return s == AXN_TCP_SYN_RECV || s == AXN_TCP_ESTABLISHED || s == AXN_TCP_FIN_WAIT1 ||
           s == AXN_TCP_FIN_WAIT2 || s == AXN_TCP_CLOSE_WAIT;
}

/* Linux snd_nxt != write_seq: data or the FIN still waits to be sent
 * (write_seq is snd_una plus the ring plus a queued FIN). */
static bool unsent_queued(const struct axn_tcp_conn *c)
{
    uint32_t write_seq = c->snd_una + c->snd.len + (c->fin_queued ? 1u : 0u);

    return write_seq != c->snd_max;
}

/* RFC 9293 3.10.4 ABORT, as Linux: tcp_close with unread data resets in
 * every state (RFC 2525 2.17, tcp_send_active_reset); tcp_disconnect
 * (SO_LINGER 0, an abort) resets in tcp_need_reset's states, and in
 * CLOSING and LAST-ACK while something is still unsent. */
static bool abort_sends_rst(const struct axn_tcp_conn *c)
{
    if (state_needs_rst(c->state)) {
        return true;
    }
    if (c->state != AXN_TCP_CLOSING && c->state != AXN_TCP_LAST_ACK) {
        return false;
    }
    return c->close_unread || unsent_queued(c);
}

void axn_tcp_abort(struct axn_tcp_conn *c, int err, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = axn_tcp_seq_for_control(c), .flags = AXN_TCP_RST | AXN_TCP_ACK};

    if (abort_sends_rst(c)) {
        (void)axn_tcp_xmit(c, &x, now);
    }
    axn_tcp_conn_done(c, err, now);
}

void axn_tcp_shutdown_wr(struct axn_tcp_conn *c, axn_time_t now)
{
    switch (c->state) {
    case AXN_TCP_ESTABLISHED:
        c->fin_queued = true;
        axn_tcp_set_state(c, AXN_TCP_FIN_WAIT1, now);
        break;
    case AXN_TCP_CLOSE_WAIT:
        c->fin_queued = true;
        axn_tcp_set_state(c, AXN_TCP_LAST_ACK, now);
        break;
    case AXN_TCP_SYN_RECV:
        /* RFC 9293 3.10.4: the FIN waits for ESTABLISHED, when
         * axn_tcp_set_state moves on to FIN-WAIT-1. */
        c->fin_queued = true;
        return;
    case AXN_TCP_SYN_SENT:
        /* RFC 9293 3.10.4: nothing was synchronised; Linux closes
         * (tcp_close_state). May free an orphan. */
        axn_tcp_conn_done(c, 0, now);
        return;
    default:
        return; /* already closing, or not connected */
    }
    axn_tcp_output(c, now);
}
