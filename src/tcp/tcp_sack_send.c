/*
 * RFC 6675 5: loss recovery with SACK. Entered on DupThresh duplicate
 * ACKs or as soon as the scoreboard says SND.UNA is lost; then, on every
 * ACK, segments go while cwnd - pipe >= 1 SMSS, as NextSeg() picks them:
 * lost holes first, new data, other holes, one rescue retransmission.
 * Recovery ends with the cumulative ACK at RecoveryPoint (tcp_ack.c).
 */
#include "tcp/tcp_output.h"
#include "tcp/tcp_recovery.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

bool axn_tcp_sack_recovering(const struct axn_tcp_conn *c)
{
    return c->in_recovery && c->sb.active;
}

/* Sends NextSeg()'s retransmission and moves the pointers RFC 6675 4
 * keeps: HighRxt (rules 1 and 3), RescueRxt (rule 4), and the head's
 * retransmission watched for a second loss (TCPLostRetransmit). */
static void send_rxt(struct axn_tcp_conn *c, const struct axn_tcp_sack_seg *s, axn_time_t now)
{
    struct axn_tcp_scoreboard *sb = &c->sb;
    uint32_t end = s->seq + s->len;

    axn_tcp_retransmit_seq(c, s->seq, s->len, now);
    /* Linux counts every retransmission of fast recovery. */
    c->layer->ext.fast_retrans++;
    if (s->kind == AXN_TCP_SACK_RESCUE) {
        sb->rescue_set = true;
        sb->rescue_rxt = c->recover;
    } else if (seq_gt(end, sb->high_rxt)) {
        sb->high_rxt = end;
    }
    if (s->seq == c->snd_una) {
        sb->rxt_lost = false;
        sb->rxt_pending = true;
        sb->rxt_seq = s->seq;
        sb->rxt_snd_max = c->snd_max;
    }
}

/* The bytes the peer's window still takes past snd_nxt. */
static uint32_t wnd_room(const struct axn_tcp_conn *c)
{
    uint32_t edge = c->snd_una + c->snd_wnd;

    return seq_lt(c->snd_nxt, edge) ? edge - c->snd_nxt : 0;
}

void axn_tcp_sack_send(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_sack_seg s;

    for (;;) {
        uint32_t pipe = axn_tcp_sack_pipe(c);
        uint32_t budget;

        /* RFC 6675 5 (C): cwnd - pipe >= 1 SMSS. */
        if (c->cwnd < pipe || c->cwnd - pipe < c->mss) {
            return;
        }
        budget = c->cwnd - pipe;
        axn_tcp_sack_next_seg(c, &s);
        if (s.kind == AXN_TCP_SACK_NONE) {
            return;
        }
        if (s.kind == AXN_TCP_SACK_NEW) {
            budget = budget < wnd_room(c) ? budget : wnd_room(c);
            if (!axn_tcp_send_next(c, budget, now)) {
                return;
            }
            continue;
        }
        send_rxt(c, &s, now);
    }
}

void axn_tcp_sack_enter_recovery(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_sack_seg s = {.kind = AXN_TCP_SACK_LOST, .seq = c->snd_una};
    struct axn_tcp_scoreboard *sb = &c->sb;

    c->layer->ext.sack_recovery++;
    if (seq_lt(c->snd_nxt, c->snd_max)) {
        c->snd_nxt = c->snd_max; /* RFC 6675 tracks HighData only */
    }
    axn_tcp_recovery_enter_sack(c, now);
    sb->active = true;
    sb->rto_lost = false;
    sb->rescue_set = false;
    /* HighRxt is kept from an earlier recovery: what that one resent
     * beyond its RecoveryPoint is still in flight, and is resent again
     * only when found lost again (TCPLostRetransmit), not because a new
     * recovery began. */
    if (seq_lt(sb->high_rxt, c->snd_una)) {
        sb->high_rxt = c->snd_una;
    }
    /* RFC 6675 5 step 4.3: the first segment presumed dropped goes at
     * once, whatever pipe says (unless it already went again). */
    if (sb->high_rxt == c->snd_una) {
        s.len = seq_min(c->mss, axn_tcp_sack_next_sacked(c, c->snd_una) - c->snd_una);
        send_rxt(c, &s, now);
    }
}
