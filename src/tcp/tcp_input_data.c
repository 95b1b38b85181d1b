/*
 * RFC 9293 3.10.7.4 "seventh, process the segment text" and "eighth,
 * check the FIN bit" for the synchronised states (tcp_input_sync.c runs
 * the steps before): the segment trimmed to the window, its data to
 * tcp_reass.c, and the FIN, in sequence or held until the data before it
 * has arrived.
 */
#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"

/* ---- Text (RFC 9293 3.10.7.4 "seventh") --------------------------------------- */

/* Drops what lies before RCV.NXT (a duplicate, or a retransmission that
 * overlaps what we have): an ACK tells the peer at once. */
static void trim_front(struct axn_tcp_conn *c, struct axn_tcp *seg)
{
    if (!seq_lt(seg->seq, c->rcv_nxt))
        return;
    uint32_t skip = c->rcv_nxt - seg->seq;
    if (seg->payload_len > 0) /* RFC 2883: the old part is a D-SACK */
        axn_tcp_sack_rx_dup(
            c, seg->seq, seg->seq + (skip < seg->payload_len ? skip : (uint32_t)seg->payload_len),
            false);
    if (skip > seg->payload_len) {
        skip = (uint32_t)seg->payload_len; /* the FIN too is old */
        seg->flags &= (uint16_t)~AXN_TCP_FIN;
    }
    seg->payload += skip;
    seg->payload_len -= skip;
    seg->seq += skip;
    c->ack_now = true;
}

/* Drops data past the window's right edge, and the FIN after it; a bare
 * FIN on a zero window is kept (Linux tcp_data_queue takes it). */
static void trim_back(struct axn_tcp_conn *c, struct axn_tcp *seg)
{
    const uint32_t end = c->rcv_nxt + axn_tcp_input_wnd(c);
    const uint32_t seg_end = seg->seq + (uint32_t)seg->payload_len;
    if (!seq_gt(seg_end, end))
        return;
    const uint32_t keep = seq_gt(end, seg->seq) ? end - seg->seq : 0;
    seg->payload_len = keep;
    seg->flags &= (uint16_t)~AXN_TCP_FIN;
    c->ack_now = true;
}

static bool takes_text(enum axn_tcp_state s)
{
    return s == AXN_TCP_ESTABLISHED || s == AXN_TCP_FIN_WAIT1 || s == AXN_TCP_FIN_WAIT2;
}

bool axn_tcp_input_text(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    struct axn_tcp *seg = &in->seg;
    trim_front(c, seg);
    trim_back(c, seg);
    /* CLOSE-WAIT, CLOSING, LAST-ACK: "should not occur, since a FIN has
     * been received from the remote side. Ignore the segment text." */
    if (seg->payload_len == 0 || !takes_text(c->state))
        return true;
    if (c->orphan || (c->shut_rd && c->state != AXN_TCP_ESTABLISHED)) {
        /* Nobody will read it. Linux tcp_rcv_state_process in FIN-WAIT-1/2
         * with reading shut (an orphan, or SHUT_RD then SHUT_WR): "RFC
         * 1122 says we MUST send a reset" (TCPAbortOnData, ECONNRESET). In
         * ESTABLISHED it queues data after SHUT_RD; recv returns it. */
        c->layer->ext.abort_on_data++;
        axn_tcp_abort(c, c->orphan ? 0 : AXN_ECONNRESET, now);
        return false;
    }
    c->stats.last_data_recv = now;
    axn_tcp_reass(c, seg->seq, seg->payload, (uint32_t)seg->payload_len,
                  (seg->flags & AXN_TCP_FIN) != 0, now);
    return true;
}

/* ---- FIN (RFC 9293 3.10.7.4 "eighth") ------------------------------------------ */

/* Whether a FIN is at RCV.NXT now: this segment's, after all its data,
 * or one held from an earlier segment that the data has now reached. A
 * FIN beyond RCV.NXT is held (RFC 9293 3.10.7.4 holds out-of-order
 * segments whole), taken once everything before it has arrived. */
static bool fin_due(struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    if (c->fin_rcvd)
        return false;
    const uint32_t fin_seq = seg->seq + (uint32_t)seg->payload_len;
    if ((seg->flags & AXN_TCP_FIN) && seq_geq(fin_seq, c->rcv_nxt)) {
        c->fin_held = true;
        c->fin_held_seq = fin_seq;
    }
    return c->fin_held && c->fin_held_seq == c->rcv_nxt;
}

bool axn_tcp_input_fin(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    if (!fin_due(c, seg))
        return true;
    c->fin_held = false;
    c->rcv_nxt++;
    c->fin_rcvd = true;
    axn_tcp_sock_event(c, AXN_POLLIN | AXN_POLLRDNORM | AXN_POLLRDHUP);
    axn_tcp_send_ack(c, now);
    switch (c->state) {
    case AXN_TCP_SYN_RECV:
    case AXN_TCP_ESTABLISHED:
        axn_tcp_set_state(c, AXN_TCP_CLOSE_WAIT, now);
        return true;
    case AXN_TCP_FIN_WAIT1:
        if (!axn_tcp_our_fin_acked(c)) {
            axn_tcp_set_state(c, AXN_TCP_CLOSING, now); /* simultaneous close */
            return true;
        }
        axn_tcp_enter_time_wait(c, now);
        return false;
    case AXN_TCP_FIN_WAIT2:
        axn_tcp_enter_time_wait(c, now);
        return false;
    default:
        return true;
    }
}
