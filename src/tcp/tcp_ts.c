/*
 * Timestamps on input (RFC 7323 4-5): PAWS, the TS.Recent update rule,
 * and the SYN-ACK check of SYN-SENT. RTT measurement from TSecr and the
 * TSval clock are in tcp_options.c.
 */
#include "tcp/tcp_options.h"

#include "tcp/tcp_seq.h"

/* RFC 7323 5.5: after 24 days idle TS.Recent may have wrapped the
 * 31-bit comparison and is no longer valid. */
#define TS_RECENT_MAX_IDLE_S (24u * 24u * 3600u)
/* Microseconds per TSval tick (tcp_options.c's clock). */
#define TS_US_PER_TICK 1000u

static bool ts_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool ts_recent_valid(const struct axn_tcp_conn *c, axn_time_t now)
{
    return now - c->opt.ts_recent_at <= AXN_SEC(TS_RECENT_MAX_IDLE_S);
}

/* A pure duplicate ACK overtaken by a later segment (reordering): its
 * TSval is older, yet it is no old duplicate of another incarnation but
 * a signal the sender's fast retransmit counts. Accepted when it changes
 * nothing (SEQ = RCV.NXT, ACK = SND.UNA, the same window) and its TSval
 * is within an RTO of TS.Recent (as Linux tcp_disordered_ack). */
static bool disordered_dup_ack(const struct axn_tcp_conn *c, const struct axn_tcp *seg)
{
    const uint16_t other = AXN_TCP_SYN | AXN_TCP_FIN | AXN_TCP_RST;
    const uint32_t rto_ticks = (uint32_t)(c->rto / TS_US_PER_TICK);

    return (seg->flags & AXN_TCP_ACK) && !(seg->flags & other) && seg->payload_len == 0 &&
           seg->seq == c->rcv_nxt && seg->ack == c->snd_una &&
           ((uint32_t)seg->window << c->opt.snd_wscale) == c->snd_wnd &&
           c->opt.ts_recent - seg->opts.ts_val <= rto_ticks;
}

bool axn_tcp_paws_reject(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    /* RFC 7323 5.3 R1: "If there is a Timestamps option in the arriving
     * segment, SEG.TSval < TS.Recent, TS.Recent is valid (see Section
     * 5.5), and if the RST bit is not set, then treat the arriving
     * segment as not acceptable". */
    if (!c->opt.ts_ok || !seg->opts.has_ts || (seg->flags & AXN_TCP_RST) ||
        !ts_before(seg->opts.ts_val, c->opt.ts_recent) || !ts_recent_valid(c, now) ||
        disordered_dup_ack(c, seg)) {
        return false;
    }
    c->layer->ext.paws_estab++;
    return true;
}

void axn_tcp_ts_update_recent(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    /* RFC 7323 3.2: once negotiated, a segment without timestamps "MAY
     * be dropped"; Linux accepts it, and so does this: it just leaves
     * TS.Recent as it is. */
    if (!c->opt.ts_ok || !seg->opts.has_ts) {
        return;
    }
    /* RFC 7323 4.3 (2): "If SEG.TSval >= TS.Recent and SEG.SEQ <=
     * Last.ACK.sent, then SEG.TSval is copied to TS.Recent" (an invalid,
     * idle TS.Recent is replaced whatever its value, 5.5). */
    if (seq_gt(seg->seq, c->opt.last_ack_sent)) {
        return;
    }
    if (ts_before(seg->opts.ts_val, c->opt.ts_recent) && ts_recent_valid(c, now)) {
        return;
    }
    c->opt.ts_recent = seg->opts.ts_val;
    c->opt.ts_recent_at = now;
}

bool axn_tcp_paws_active_reject(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now)
{
    const uint32_t ecr = seg->opts.ts_ecr;

    /* A SYN-ACK echoes the TSval of one of our SYNs: at least the first
     * one's, at most now's. Anything else is not an answer to them (as
     * Linux's PAWSActive; a zero TSecr echoes nothing and is let be). */
    if (!c->opt.ts_ok || !seg->opts.has_ts || ecr == 0 || !c->opt.ts_syn_set) {
        return false;
    }
    if (!ts_before(ecr, c->opt.ts_syn) && !ts_before(axn_tcp_ts_val(c, now), ecr)) {
        return false;
    }
    c->layer->ext.paws_active++;
    return true;
}
