/*
 * RFC 9293 3.10.7.4: a segment for a connection in a synchronised state
 * (SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT, CLOSING,
 * LAST-ACK, TIME-WAIT), step by step in the RFC's order, with the RFC 5961
 * defences against blind RST, SYN and data injection.
 *
 * Urgent data (URG, the urgent pointer) is not signalled: the bytes are
 * delivered inline, in sequence, as Linux does with SO_OOBINLINE (RFC
 * 6093 recommends applications not rely on it). Step "sixth, check the
 * URG bit" is therefore a no-op.
 */
#include "axnet/errno.h"
#include "axnet/socket.h"
#include "tcp/tcp_input.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"

/* What a step decided. */
enum step {
    STEP_GO_ON = 0, /* the next step runs */
    STEP_STOP = 1,  /* the segment is done with (c may be freed: do not touch it) */
};

/* The receive window offered: up to the right edge already advertised
 * (rcv_adv, which never moves left, RFC 9293 3.8.6.2.2), or what the ring
 * takes now if that is more. */
uint32_t axn_tcp_input_wnd(const struct axn_tcp_conn *c)
{
    uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
    if (c->rcv.buf != NULL) {
        const uint32_t now_wnd = axn_tcp_rcv_window(c);
        if (now_wnd > wnd)
            wnd = now_wnd;
    }
    return wnd;
}

static bool in_rcv_window(const struct axn_tcp_conn *c, uint32_t s, uint32_t wnd)
{
    return seq_geq(s, c->rcv_nxt) && seq_lt(s, c->rcv_nxt + wnd);
}

/* RFC 9293 3.10.7.4 "first, check sequence number", the four cases of
 * table 6. A segment starting exactly at RCV.NXT passes even with a zero
 * window, so that "valid ACKs, URGs, and RSTs" are still processed; its
 * text is then trimmed away (trim_back). */
static bool seq_acceptable(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const uint32_t len = axn_tcp_seg_len(seg);
    const uint32_t wnd = axn_tcp_input_wnd(c);
    if (seg->seq == c->rcv_nxt)
        return true;
    if (wnd == 0)
        return false;
    if (in_rcv_window(c, seg->seq, wnd))
        return true;
    return len > 0 && in_rcv_window(c, seg->seq + len - 1, wnd);
}

/* RFC 9293 3.10.7.4: an unacceptable segment is answered with an ACK;
 * one carrying no data or FIN (a pure ACK, a SYN) at most once per
 * AXN_TCP_INVALID_RATELIMIT_MS (Linux tcp_oow_rate_limited, RFC 5961
 * 10): reordered old ACKs then draw no stream of duplicate ACKs, and two
 * confused ends no ACK loop. */
static void oow_ack(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    const bool data = seg->payload_len > 0 || (seg->flags & AXN_TCP_FIN);
    if ((!data || (seg->flags & AXN_TCP_SYN)) && axn_tcp_oow_limited(c, now)) {
        /* Linux tcp_timewait_check_oow_rate_limit counts its skips. */
        if (c->state == AXN_TCP_TIME_WAIT)
            c->layer->ext.ack_skipped_time_wait++;
        return;
    }
    axn_tcp_send_ack(c, now);
}

/* RFC 2883: data wholly or partly below RCV.NXT is a duplicate the
 * next ACK reports in a D-SACK block. */
static void note_old_dup(struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const uint32_t end = seg->seq + (uint32_t)seg->payload_len;

    if (seg->payload_len == 0 || !seq_lt(seg->seq, c->rcv_nxt))
        return;
    axn_tcp_sack_rx_dup(c, seg->seq, seq_lt(end, c->rcv_nxt) ? end : c->rcv_nxt, false);
}

/* RFC 7323 5.3 R1: a segment PAWS rejects is answered with an ACK and
 * dropped; one without data at most once per AXN_TCP_INVALID_RATELIMIT_MS
 * (as oow_ack; TCPACKSkippedPAWS counts the skipped ones). */
static void paws_ack(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    const bool data = seg->payload_len > 0 || (seg->flags & AXN_TCP_FIN);
    if ((!data || (seg->flags & AXN_TCP_SYN)) && axn_tcp_oow_limited(c, now)) {
        c->layer->ext.ack_skipped_paws++;
        return;
    }
    note_old_dup(c, seg);
    axn_tcp_send_ack(c, now);
}

/* ---- RST (RFC 5961 3.2) and SYN (RFC 5961 4.2) ---------------------------- */

/* The errno a RST leaves, as Linux tcp_reset: EPIPE once the peer had
 * closed its side, ECONNRESET otherwise, SYN-RECEIVED included (a
 * simultaneous open's; ECONNREFUSED is SYN-SENT's, tcp_input.c). */
static int reset_errno(enum axn_tcp_state s)
{
    switch (s) {
    case AXN_TCP_CLOSE_WAIT:
        return AXN_EPIPE;
    case AXN_TCP_TIME_WAIT:
        return 0;
    default:
        return AXN_ECONNRESET;
    }
}

/* RFC 5961 3.2: a RST exactly at RCV.NXT resets the connection (a passive
 * child in SYN-RECEIVED goes back to nothing: RFC 9293 "return to LISTEN",
 * the listener never saw it); elsewhere in the window, a challenge ACK. */
static void rst_step(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    if (seg->seq != c->rcv_nxt) {
        axn_tcp_send_challenge_ack(c, now);
        return;
    }
    c->rst_rcvd = true;
    axn_tcp_conn_done(c, reset_errno(c->state), now);
}

/* RFC 5961 4.2 (RFC 9293 3.10.7.4 "fourth"): a SYN in a synchronised
 * state, whatever its sequence number, gets a challenge ACK and is
 * dropped. */
static void syn_step(struct axn_tcp_conn *c, axn_time_t now)
{
    c->layer->ext.syn_challenge++;
    axn_tcp_send_challenge_ack(c, now);
}

/* A child in SYN-RECEIVED receiving its client's SYN again (our SYN-ACK
 * was lost): the SYN-ACK goes again (Linux tcp_check_req), from ISS. */
static bool syn_recv_dup_syn(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    const uint16_t mask = AXN_TCP_SYN | AXN_TCP_ACK | AXN_TCP_RST;
    if (c->state != AXN_TCP_SYN_RECV || (seg->flags & mask) != AXN_TCP_SYN || seg->seq != c->irs)
        return false;
    c->snd_nxt = c->iss;
    axn_tcp_output(c, now);
    return true;
}

/* Simultaneous open (RFC 9293 figure 8): in SYN-RECEIVED our SYN-ACK and
 * the peer's cross. Its SYN-ACK repeats the SYN we already hold, so the
 * sequence test would drop it; Linux (tcp_rcv_state_process) lets it
 * through when it acknowledges exactly our SYN, and so does this: the SYN
 * is spent, the rest is an ACK completing the handshake. */
static void simopen_synack(struct axn_tcp_conn *c, struct axn_tcp *seg)
{
    const uint16_t mask = AXN_TCP_SYN | AXN_TCP_ACK | AXN_TCP_RST | AXN_TCP_FIN;
    if (c->state != AXN_TCP_SYN_RECV || c->parent ||
        (seg->flags & mask) != (AXN_TCP_SYN | AXN_TCP_ACK) || seg->payload_len != 0 ||
        seg->seq + 1 != c->rcv_nxt || seg->ack != c->snd_nxt)
        return;
    seg->seq++;
    seg->flags &= (uint16_t)~AXN_TCP_SYN;
}

/* ---- ACK (RFC 9293 3.10.7.4 "fifth", RFC 5961 5.2) -------------------------- */

/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (snd_max: the
 * highest sent, as snd_nxt falls back on a retransmission timeout). */
static bool ack_in_range(const struct axn_tcp_conn *c, uint32_t ack)
{
    return seq_geq(ack, c->snd_una - c->max_snd_wnd) && seq_leq(ack, c->snd_max);
}

/* RFC 9293 3.10.7.4 SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT,
 * then enter ESTABLISHED state and continue processing with the
 * variables SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK". */
static enum step syn_recv_ack(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    if (!seq_gt(seg->ack, c->snd_una) || !seq_leq(seg->ack, c->snd_max)) {
        /* "<SEQ=SEG.ACK><CTL=RST>" */
        axn_tcp_reply_rst(in->l, in->rx, seg, now);
        return STEP_STOP;
    }
    if (c->parent) {
        const enum axn_tcp_child_result r = axn_tcp_child_established(c, now);
        if (r != AXN_TCP_CHILD_READY)
            return STEP_STOP;
    } else {
        /* Simultaneous open: the socket's own connection, rings allocated. */
        axn_tcp_set_state(c, AXN_TCP_ESTABLISHED, now);
    }
    c->snd_wnd = seg->window;
    if (c->snd_wnd > c->max_snd_wnd)
        c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = seg->seq;
    c->snd_wl2 = seg->ack;
    return STEP_GO_ON;
}

/* Our FIN acknowledged in FIN-WAIT-1: FIN-WAIT-2. An orphan waits there
 * at most TCP_LINGER2 or tcp_fin_timeout (tcp(7)); TCP_LINGER2 < 0 means
 * no FIN-WAIT-2 at all for an orphan (Linux: reset at once). */
static enum step enter_fin_wait2(struct axn_tcp_conn *c, axn_time_t now)
{
    axn_tcp_set_state(c, AXN_TCP_FIN_WAIT2, now);
    if (!c->orphan)
        return STEP_GO_ON;
    if (c->linger2_s < 0) {
        c->layer->ext.abort_on_linger++;
        axn_tcp_abort(c, 0, now);
        return STEP_STOP;
    }
    const uint32_t secs = c->linger2_s > 0 ? (uint32_t)c->linger2_s : AXN_TCP_FIN_TIMEOUT_S;
    axn_tcp_timer_set(c, AXN_TCP_T_WAIT, now + AXN_SEC(secs));
    return STEP_GO_ON;
}

/* RFC 9293 3.10.7.4 "fifth", the closing states' part. */
static enum step fin_acked_step(struct axn_tcp_conn *c, axn_time_t now)
{
    if (!axn_tcp_our_fin_acked(c))
        return STEP_GO_ON;
    switch (c->state) {
    case AXN_TCP_FIN_WAIT1:
        return enter_fin_wait2(c, now);
    case AXN_TCP_CLOSING:
        axn_tcp_enter_time_wait(c, now);
        return STEP_STOP;
    case AXN_TCP_LAST_ACK:
        axn_tcp_conn_done(c, 0, now);
        return STEP_STOP;
    default:
        return STEP_GO_ON;
    }
}

static enum step ack_step(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    if (!(seg->flags & AXN_TCP_ACK))
        return STEP_STOP; /* "if the ACK bit is off, drop the segment" */
    if (c->state == AXN_TCP_SYN_RECV) {
        if (syn_recv_ack(c, in, now) == STEP_STOP)
            return STEP_STOP;
    } else if (!ack_in_range(c, seg->ack)) {
        axn_tcp_send_challenge_ack(c, now);
        return STEP_STOP;
    }
    c->stats.last_ack_recv = now;
    /* Any valid segment shows the peer alive (RFC 1122 4.2.3.6). */
    c->keep_probes = 0;
    axn_tcp_keepalive_reset(c, now);
    if (axn_tcp_ack_process(c, seg, now) == AXN_TCP_ACK_DROP)
        return STEP_STOP;
    return fin_acked_step(c, now);
}

/* A segment entirely left of the window (a duplicate, or a pure ACK whose
 * sequence number went back with its sender's go-back-N retransmission)
 * carrying an ACK. */
static bool wholly_old(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const uint16_t no = AXN_TCP_RST | AXN_TCP_SYN;
    return (seg->flags & AXN_TCP_ACK) && !(seg->flags & no) && c->state != AXN_TCP_SYN_RECV &&
           seq_leq(seg->seq + axn_tcp_seg_len(seg), c->rcv_nxt);
}

/* Its text is dropped, but its acknowledgment is used, as BSD's
 * tcp_input does ("keep on processing for RST or ACK"): when both ends
 * retransmit at once, each one's ACKs may carry a sequence number below
 * what the other already has, and ignoring them would leave both waiting
 * for each other. The RFC 5961 5.2 range still applies, and the window is
 * not taken from an old segment (SND.WL1). */
static void old_ack_only(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    if (!ack_in_range(c, seg->ack))
        return;
    c->stats.last_ack_recv = now;
    if (axn_tcp_ack_process(c, seg, now) == AXN_TCP_ACK_DROP || fin_acked_step(c, now) == STEP_STOP)
        return;
    axn_tcp_output(c, now);
}

/* ---- TIME-WAIT ------------------------------------------------------------------ */

/* RFC 9293 3.10.7.4 in TIME-WAIT: "The only thing that can arrive in this
 * state is a retransmission of the remote FIN. Acknowledge it, and restart
 * the 2 MSL timeout." As Linux tcp_timewait_state_process: a RST exactly
 * at RCV.NXT ends it (RFC 5961 3.2; a RST elsewhere in the window gets a
 * challenge ACK); a bare segment at RCV.NXT restarts the 2 MSL and needs
 * no answer; anything else (an old duplicate, a retransmitted FIN, a SYN
 * that may not reuse the 4-tuple) is answered with an ACK, rate-limited
 * unless it carries data or a FIN (oow_ack), and restarts the 2 MSL when
 * it carries an ACK (an ACK-less SYN may be a new connection's, with a
 * random sequence number: it must not prolong the wait). A new SYN that
 * may reuse the 4-tuple was taken in tcp_input.c. */
static void time_wait_input(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    if (seg->flags & AXN_TCP_RST) {
        if (seg->seq == c->rcv_nxt)
            axn_tcp_conn_done(c, 0, now);
        else if (seq_acceptable(c, seg))
            axn_tcp_send_challenge_ack(c, now);
        return;
    }
    const bool bare_in_seq = seg->seq == c->rcv_nxt && axn_tcp_seg_len(seg) == 0;
    if (bare_in_seq || (seg->flags & AXN_TCP_ACK))
        axn_tcp_time_wait_restart(c, now);
    if (!bare_in_seq)
        oow_ack(c, seg, now);
}

/* ---- The steps in order ---------------------------------------------------------- */

static void count_in(struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    c->stats.segs_in++;
    if (seg->payload_len > 0)
        c->stats.data_segs_in++;
}

void axn_tcp_input_sync(struct axn_tcp_conn *c, struct axn_tcp_in *in, axn_time_t now)
{
    const struct axn_tcp *seg = &in->seg;
    count_in(c, seg);
    if (c->state == AXN_TCP_TIME_WAIT) {
        time_wait_input(c, seg, now);
        return;
    }
    if (syn_recv_dup_syn(c, seg, now))
        return;
    simopen_synack(c, &in->seg);
    /* RFC 7323 5.3: PAWS before the sequence number check (R1, R2). */
    if (axn_tcp_paws_reject(c, seg, now)) {
        paws_ack(c, seg, now);
        return;
    }
    if (!seq_acceptable(c, seg)) {
        /* "If an incoming segment is not acceptable, an acknowledgment
         * should be sent in reply (unless the RST bit is set)". */
        if (!(seg->flags & AXN_TCP_RST)) {
            note_old_dup(c, seg);
            oow_ack(c, seg, now);
        }
        if (wholly_old(c, seg))
            old_ack_only(c, seg, now);
        return;
    }
    if (seg->flags & AXN_TCP_RST) {
        rst_step(c, seg, now);
        return;
    }
    if (seg->flags & AXN_TCP_SYN) {
        syn_step(c, now);
        return;
    }
    if (ack_step(c, in, now) == STEP_STOP)
        return;
    /* RFC 7323 4.3, once the ACK proved the segment genuine (a blind
     * in-window segment must not move TS.Recent, as Linux orders it). */
    axn_tcp_ts_update_recent(c, seg, now);
    if (!axn_tcp_input_text(c, in, now) || !axn_tcp_input_fin(c, &in->seg, now))
        return;
    axn_tcp_output(c, now);
}
