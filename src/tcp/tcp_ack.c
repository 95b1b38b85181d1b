/*
 * RFC 9293 3.10.7.4 "fifth, check the ACK field" for the synchronised
 * states: what an acceptable ACK does to the sender. The input side has
 * already applied the RFC 5961 5.2 acceptability test.
 *
 * Loss recovery is RFC 6675 with SACK (the scoreboard in tcp_sack.c,
 * sending by pipe in tcp_sack_send.c), else RFC 5681 3.2 with RFC 6582
 * NewReno: the window arithmetic is in tcp_recovery.c (axn_tcp_recovery_*),
 * the NewReno retransmissions here.
 */
#include "tcp/tcp_output.h"

#include "axnet/socket.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_recovery.h"
#include "tcp/tcp_sack.h"
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

/* The TS sample of an ACK after an RTO: a round trip only when it
 * echoes the latest retransmission's TSval (sent when the armed RTO timer
 * was last set, rto ago). RFC 7323 4.3 makes a receiver that got an
 * earlier copy (its ACK lost) echo that copy's older TSval: a sample
 * that would stretch the backed-off RTO further. */
static bool ts_rtt_after_rto(const struct axn_tcp_conn *c, const struct axn_tcp *seg,
                             axn_time_t now, axn_time_t *rtt)
{
    const axn_time_t due = c->timer[AXN_TCP_T_RTO];

    if (due == AXN_TIME_NEVER || due < c->rto || !axn_tcp_ts_rtt(c, seg, now, rtt))
        return false;
    return *rtt <= now - (due - c->rto);
}

/* RFC 6298 3 with Karn: the timed segment is covered. After an RTO
 * (back-off), Karn leaves nothing timed; then, as Linux
 * (tcp_ack_update_rtt: TS-ECR only when the acknowledged data was
 * retransmitted), RFC 7323 4.1 gives the sample: TSecr echoes the TSval
 * of the transmission that arrived, retransmission included, and this
 * ACK advanced SND.UNA. Not on every ACK: an echo may be older than the
 * segment acknowledged (RFC 7323 4.3 holds TS.Recent across a hole, and
 * a delayed ACK echoes its first segment), which inflates the estimate. */
/* RFC 9406 4.2: HyStart++ wants an RTT sample from every ACK in slow
 * start; the timed segment gives one per round trip. With timestamps each
 * ACK of new data gives one, to the congestion control only: before any
 * loss (no recovery, no back-off) an echo is not stale from a hole, and a
 * delayed ACK's longer echo is filtered by HyStart++'s per-round minimum.
 * The RTO estimator keeps Karn's samples (see ack_rtt). */
static void ack_rtt_for_cc(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    axn_time_t rtt = 0;

    if (c->cc->on_rtt == NULL || c->in_recovery || c->backoff != 0 || c->cwnd >= c->ssthresh) {
        return;
    }
    if (c->rtt_start != 0 && seq_geq(seg->ack, c->rtt_seq)) {
        return; /* ack_rtt's own sample reaches the congestion control */
    }
    if (axn_tcp_ts_rtt(c, seg, now, &rtt)) {
        c->cc->on_rtt(c, rtt, now);
    }
}

static void ack_rtt(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    axn_time_t rtt = 0;

    ack_rtt_for_cc(c, seg, now);
    if (c->rtt_start != 0 && seq_geq(seg->ack, c->rtt_seq)) {
        axn_tcp_rtt_sample(c, now - c->rtt_start, now);
        c->rtt_start = 0;
    } else if (c->backoff != 0 && ts_rtt_after_rto(c, seg, now, &rtt)) {
        axn_tcp_rtt_sample(c, rtt, now);
    } else if (c->backoff != 0 && c->srtt != 0) {
        /* New data acknowledged after a back-off without a sample: back
         * to the estimate (Linux tcp_ack clears icsk_backoff). */
        axn_tcp_rto_from_estimate(c);
    }
    c->backoff = 0;
    c->retries = 0;
    c->first_retrans_at = 0;
}

/* RFC 5681 3.1 growth outside recovery; RFC 6582 3.2 steps 5-6 inside
 * (RFC 6675 5: a partial ACK changes no window, pipe decides what goes).
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
        axn_tcp_recovery_exit(c, now);
        return;
    }
    if (axn_tcp_sack_recovering(c)) {
        return;
    }
    /* Partial ACK: the next hole is lost too; resend it now. */
    axn_tcp_recovery_partial_ack(c, bytes);
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
static void ack_new(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    uint32_t ack = seg->ack;
    uint32_t acked = ack - c->snd_una;
    uint32_t bytes = acked_ring_bytes(c, ack, acked);

    axn_tcp_ring_drop(&c->snd, bytes);
    c->snd_una = ack;
    if (seq_lt(c->snd_nxt, c->snd_una)) {
        c->snd_nxt = c->snd_una; /* acknowledged past a rewind (RTO) */
    }
    c->stats.bytes_acked += bytes;
    ack_loss_marks(c, acked);
    ack_rtt(c, seg, now);
    ack_cc(c, ack, bytes, now);
    ack_timer_and_wake(c, bytes, now);
}

/* RFC 5681 3.2 / RFC 6582 3.2 step 2: fast retransmit, then NewReno
 * fast recovery. */
static void enter_reno_recovery(struct axn_tcp_conn *c, axn_time_t now)
{
    c->layer->ext.fast_retrans++;
    c->layer->ext.reno_recovery++;
    if (c->stats.lost == 0) {
        c->stats.lost = 1; /* the head segment */
    }
    axn_tcp_recovery_enter(c, now);
    axn_tcp_retransmit_head(c, now);
}

/* A recovery may start: not while one runs, nor (RFC 6582 3.2 step 1,
 * RFC 6675 5.1) for data sent before the last recovery or timeout: the
 * ACK must "cover more than recover", the highest sequence number then
 * sent, which is c->recover - 1 (c->recover holds snd_max), so SND.UNA >=
 * c->recover. */
static bool may_recover(const struct axn_tcp_conn *c)
{
    return !c->in_recovery && c->snd_una != c->snd_max && !seq_lt(c->snd_una, c->recover);
}

/* RFC 6675 5: with SACK, recovery starts on DupThresh duplicate ACKs or
 * as soon as IsLost(HighACK + 1), whichever comes first. */
static void sack_maybe_recover(struct axn_tcp_conn *c, axn_time_t now)
{
    if (!c->opt.sack_ok || !may_recover(c)) {
        return;
    }
    if (c->dupacks >= AXN_TCP_DUPACK_THRESH || axn_tcp_sack_is_lost(c, c->snd_una)) {
        axn_tcp_sack_enter_recovery(c, now);
    }
}

/* RFC 5681 3.2: the third duplicate ACK starts fast retransmit (unless
 * may_recover says no); later ones inflate (NewReno only: RFC 6675 sends
 * by pipe). */
static void ack_dup(struct axn_tcp_conn *c, axn_time_t now)
{
    c->dupacks++;
    if (c->in_recovery) {
        if (!axn_tcp_sack_recovering(c)) {
            axn_tcp_recovery_dupack_inflate(c);
        }
        return;
    }
    if (c->opt.sack_ok || c->dupacks != AXN_TCP_DUPACK_THRESH || !may_recover(c)) {
        return;
    }
    enter_reno_recovery(c, now);
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
    /* is_dupack implies ack == SND.UNA: nothing new acknowledged. */
    dup = is_dupack(c, seg);
    c->sb.partial_ack = ack != c->snd_una;
    if (ack != c->snd_una) {
        ack_new(c, seg, now);
    }
    axn_tcp_sack_update(c, seg, now);
    if (dup) {
        ack_dup(c, now);
    }
    sack_maybe_recover(c, now);
    window_update(c, seg, now);
    axn_tcp_output(c, now);
    if (c->fin_sent && c->snd_una == c->snd_max) {
        return AXN_TCP_ACK_FIN_ACKED;
    }
    return AXN_TCP_ACK_OK;
}
