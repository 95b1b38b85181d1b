/*
 * RFC 9293 3.10.7.4 "fifth, check the ACK field" for the synchronised
 * states: what an acceptable ACK does to the sender. The input side has
 * already applied the RFC 5961 5.2 acceptability test.
 *
 * Loss recovery is RFC 5681 3.2 with RFC 6582 NewReno: the window
 * arithmetic is in tcp_cc_newreno.c (axn_tcp_cc_*), the retransmissions
 * here.
 */
#include "tcp/tcp_output.h"

#include "axnet/socket.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_seq.h"

/* Linux sk_stream_is_writeable: writable again once the free space is at
 * least half of what is queued (sk_stream_min_wspace). */
#define ACK_WRITABLE_SHIFT 1

/* RFC 5681 2 "DUPLICATE ACKNOWLEDGMENT": outstanding data, no data or
 * SYN/FIN in the segment, ACK = SND.UNA, the window unchanged. Not while
 * the window is zero: the answers to zero-window probes (whose byte is
 * outstanding) say nothing about loss. */
static bool is_dupack(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    uint32_t wnd = (uint32_t)seg->window << c->opt.snd_wscale;

    return c->snd_max != c->snd_una && c->snd_wnd != 0 && seg->payload_len == 0 &&
           !(seg->flags & (AXN_TCP_SYN | AXN_TCP_FIN)) && seg->ack == c->snd_una &&
           wnd == c->snd_wnd;
}

/* Ring bytes covered by an ACK of `acked` sequence numbers: the SYN and
 * the FIN occupy sequence numbers but no ring bytes. */
static uint32_t acked_ring_bytes(const struct axn_tcp_conn *c, uint32_t ack, uint32_t acked)
{
    if (c->snd_una == c->iss && acked > 0) {
        acked--; /* the SYN */
    }
    if (c->fin_sent && ack == c->snd_max && acked > 0) {
        acked--; /* the FIN */
    }
    return acked < c->snd.len ? acked : c->snd.len;
}

/* RFC 6298 3 with Karn: the timed segment is covered. */
static void ack_rtt(struct axn_tcp_conn *c, uint32_t ack, axn_time_t now)
{
    if (c->rtt_start != 0 && seq_geq(ack, c->rtt_seq)) {
        axn_tcp_rtt_sample(c, now - c->rtt_start, now);
        c->rtt_start = 0;
    } else if (c->backoff != 0 && c->srtt != 0) {
        /* New data acknowledged after a back-off without a sample: back
         * to the estimate (Linux tcp_ack clears icsk_backoff). */
        axn_tcp_rto_from_estimate(c);
    }
    c->backoff = 0;
    c->retries = 0;
    c->first_retrans_at = 0;
}

/* RFC 5681 3.1 growth outside recovery; RFC 6582 3.2 steps 5-6 inside.
 * `bytes`: data bytes acknowledged (RFC 3465 byte counting: the SYN and
 * FIN grow nothing). */
static void ack_cc(struct axn_tcp_conn *c, uint32_t ack, uint32_t bytes, axn_time_t now)
{
    if (!c->in_recovery) {
        c->dupacks = 0;
        axn_tcp_cc_on_ack(c, bytes, now);
        return;
    }
    if (seq_geq(ack, c->recover)) {
        axn_tcp_cc_exit_recovery(c, now);
        return;
    }
    /* Partial ACK: the next hole is lost too; resend it now. */
    axn_tcp_cc_partial_ack(c, bytes);
    axn_tcp_retransmit_head(c, now);
}

/* RFC 6298 5.2/5.3: stop the timer when all is acknowledged, else
 * restart it; tell the socket the send ring has room again. */
static void ack_timer_and_wake(struct axn_tcp_conn *c, uint32_t bytes, axn_time_t now)
{
    if (c->snd_max == c->snd_una) {
        axn_tcp_timer_clear(c, AXN_TCP_T_RTO);
    } else {
        axn_tcp_rto_restart(c, now);
    }
    if (bytes > 0 && axn_tcp_ring_free_space(&c->snd) >= (c->snd.len >> ACK_WRITABLE_SHIFT)) {
        axn_tcp_sock_event(c, AXN_POLLOUT | AXN_POLLWRNORM);
    }
}

/* TCP_INFO's lost and retransmitted segments (tcpi_lost, tcpi_retrans):
 * what the ACK covered is neither any more (counted in segments). */
static void ack_loss_marks(struct axn_tcp_conn *c, uint32_t acked)
{
    uint32_t segs = c->mss != 0 ? (acked + c->mss - 1u) / c->mss : acked;
    struct axn_tcp_conn_stats *st = &c->stats;

    if (c->snd_una == c->snd_max) {
        st->lost = 0;
        st->retrans_out = 0;
        return;
    }
    st->lost = st->lost > segs ? st->lost - segs : 0;
    st->retrans_out = st->retrans_out > segs ? st->retrans_out - segs : 0;
}

/* SND.UNA < SEG.ACK =< SND.MAX: new data acknowledged. */
static void ack_new(struct axn_tcp_conn *c, uint32_t ack, axn_time_t now)
{
    uint32_t acked = ack - c->snd_una;
    uint32_t bytes = acked_ring_bytes(c, ack, acked);

    axn_tcp_ring_drop(&c->snd, bytes);
    c->snd_una = ack;
    if (seq_lt(c->snd_nxt, c->snd_una)) {
        c->snd_nxt = c->snd_una; /* acknowledged past a rewind (RTO) */
    }
    c->stats.bytes_acked += bytes;
    ack_loss_marks(c, acked);
    ack_rtt(c, ack, now);
    ack_cc(c, ack, bytes, now);
    ack_timer_and_wake(c, bytes, now);
}

/* RFC 5681 3.2: the third duplicate ACK starts fast retransmit, unless
 * RFC 6582 3.2 step 1 says it belongs to data sent before the last
 * recovery or timeout: it must "cover more than recover", the highest
 * sequence number then sent, which is c->recover - 1 (c->recover holds
 * snd_max), so SND.UNA >= c->recover; later ones inflate. */
static void ack_dup(struct axn_tcp_conn *c, axn_time_t now)
{
    c->dupacks++;
    if (c->in_recovery) {
        axn_tcp_cc_dupack_inflate(c);
        return;
    }
    if (c->dupacks != AXN_TCP_DUPACK_THRESH || seq_lt(c->snd_una, c->recover)) {
        return;
    }
    c->layer->ext.fast_retrans++;
    if (c->stats.lost == 0) {
        c->stats.lost = 1; /* the head segment */
    }
    axn_tcp_cc_enter_recovery(c, now);
    axn_tcp_retransmit_head(c, now);
}

/* The peer's window opened: probing ends, and a probe byte already past
 * the old window is now ordinary data in flight under the RTO. */
static void window_opened(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_timer_clear(c, AXN_TCP_T_PERSIST);
    c->persist_backoff = 0;
    c->zwp_probes = 0;
    c->first_retrans_at = 0;
    if (c->snd_nxt != c->snd_una && c->timer[AXN_TCP_T_RTO] == AXN_TIME_NEVER) {
        axn_tcp_rto_restart(c, now);
    }
}

/* RFC 9293 3.10.7.4: SND.WND from the newest segment (SND.WL1/SND.WL2). */
static void window_update(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    uint32_t wnd;

    if (!(seq_lt(c->snd_wl1, seg->seq) ||
          (c->snd_wl1 == seg->seq && seq_leq(c->snd_wl2, seg->ack)))) {
        return;
    }
    wnd = (uint32_t)seg->window << c->opt.snd_wscale;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
    c->snd_wnd = wnd;
    if (wnd > c->max_snd_wnd) {
        c->max_snd_wnd = wnd;
    }
    if (wnd > 0 && c->timer[AXN_TCP_T_PERSIST] != AXN_TIME_NEVER) {
        window_opened(c, now);
    }
}

enum axn_tcp_ack_result axn_tcp_ack_process(struct axn_tcp_conn *c, const struct axn_tcp *seg,
                                            axn_time_t now)
{
    uint32_t ack = seg->ack;
    bool dup;

    if (!(seg->flags & AXN_TCP_ACK)) {
        return AXN_TCP_ACK_OK;
    }
    /* RFC 9293 3.10.7.4: it acknowledges something not yet sent. */
    if (seq_gt(ack, c->snd_max)) {
        axn_tcp_send_ack(c, now);
        return AXN_TCP_ACK_DROP;
    }
    c->stats.last_ack_recv = now;
    /* Linux tcp_ack (icsk_probes_out = 0): a peer answering zero-window
     * probes is alive, whatever its window. Not so for TCP_USER_TIMEOUT:
     * its clock (first_retrans_at) runs until the window opens
     * (window_opened; Linux icsk_probes_tstamp). */
    c->zwp_probes = 0;
    /* RFC 9293 3.10.7.4: an old duplicate (SEG.ACK < SND.UNA) is ignored. */
    if (seq_lt(ack, c->snd_una)) {
        return AXN_TCP_ACK_OK;
    }
    dup = is_dupack(c, seg);
    if (ack != c->snd_una) {
        ack_new(c, ack, now);
    } else if (dup) {
        ack_dup(c, now);
    }
    window_update(c, seg, now);
    axn_tcp_output(c, now);
    if (c->fin_sent && c->snd_una == c->snd_max) {
        return AXN_TCP_ACK_FIN_ACKED;
    }
    return AXN_TCP_ACK_OK;
}
