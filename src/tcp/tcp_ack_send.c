/*
 * When ACKs go (RFC 1122 4.2.3.2): at once or delayed, every second
 * segment, quick-ACK at the start and on out-of-order data; the
 * rate-limited ACKs answering out-of-window segments and the RFC 5961
 * challenge ACKs.
 */
#include "tcp/tcp_output.h"

#include "tcp/tcp_seq.h"

/* RFC 1122 4.2.3.2: an ACK at least every second segment. */
#define OUT_ACK_EVERY_SEGS 2

/* A segment without data goes at the highest sequence sent, not at a
 * snd_nxt an RTO moved back: the peer may have everything up to snd_max,
 * and a sequence number below its RCV.NXT would be unacceptable there
 * (RFC 9293 3.10.7.4), its ACK field never read. Past the peer's window
 * (a zero-window probe byte), its right edge (Linux tcp_acceptable_seq). */
uint32_t axn_tcp_seq_for_control(const struct axn_tcp_conn *c)
{
    uint32_t wnd_end = c->snd_una + c->snd_wnd;

    return seq_gt(c->snd_max, wnd_end) ? wnd_end : c->snd_max;
}

void axn_tcp_send_ack(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = axn_tcp_seq_for_control(c), .flags = AXN_TCP_ACK};

    (void)axn_tcp_xmit(c, &x, now);
}

/* Each call is one received data segment: conn->unacked_rx counts them
 * (every segment, not only full-sized ones: RFC 1122 4.2.3.2 allows ACKing
 * more often), and sending any ACK clears it (axn_tcp_xmit). */
void axn_tcp_ack_schedule(struct axn_tcp_conn *c, bool out_of_order, axn_time_t now)
{
    bool quick = c->quickacks > 0;

    c->unacked_rx++;
    if (out_of_order || quick || c->fin_rcvd || c->unacked_rx >= OUT_ACK_EVERY_SEGS) {
        if (quick) {
            c->quickacks--;
        }
        c->ack_now = true;
        axn_tcp_output(c, now);
        return;
    }
    /* RFC 1122 4.2.3.2: delayed, armed at the first unacknowledged
     * segment so it never waits longer than AXN_TCP_DELACK_MIN_MS (well
     * inside AXN_TCP_DELACK_MAX_MS). */
    c->delack_pending = true;
    if (c->timer[AXN_TCP_T_DELACK] == AXN_TIME_NEVER) {
        axn_tcp_timer_set(c, AXN_TCP_T_DELACK, now + AXN_MSEC(AXN_TCP_DELACK_MIN_MS));
    }
}

bool axn_tcp_oow_limited(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->oow_ack_at != 0 && now - c->oow_ack_at < AXN_MSEC(AXN_TCP_INVALID_RATELIMIT_MS)) {
        return true;
    }
    c->oow_ack_at = axn_tcp_rtt_stamp(now);
    return false;
}

void axn_tcp_send_challenge_ack(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    axn_time_t second = now / AXN_USEC_PER_SEC;

    /* Linux tcp_send_challenge_ack: the connection's own limit first. */
    if (axn_tcp_oow_limited(c, now)) {
        l->ext.ack_skipped_challenge++;
        return;
    }
    if (second != l->challenge_second) {
        l->challenge_second = second;
        l->challenge_count = 0;
    }
    /* RFC 5961 7: rate-limited, stack-wide. */
    if (l->challenge_count >= AXN_TCP_CHALLENGE_ACK_LIMIT) {
        l->ext.ack_skipped_challenge++;
        return;
    }
    l->challenge_count++;
    l->ext.challenge_acks++;
    axn_tcp_send_ack(c, now);
}
