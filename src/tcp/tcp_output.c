/*
 * What goes out now: SYN and SYN-ACK, data under the send window, cwnd,
 * Nagle (RFC 896, RFC 1122 4.2.3.4), TCP_CORK and sender silly window
 * avoidance (RFC 9293 3.8.6.2.1), the FIN, retransmission of the head,
 * zero-window probes (RFC 9293 3.8.6.1) and keep-alive probes.
 *
 * The rest of the sending side lives beside it: ACK policy and challenge
 * ACKs (tcp_ack_send.c), the receive window we offer (tcp_window.c), MSS
 * and path MTU (tcp_mss.c), shutdown and abort (tcp_close.c).
 *
 * Sequence space of the send side: snd_una .. snd_nxt is in flight (the
 * first snd_nxt - snd_una ring bytes, or the SYN), snd_max is the highest
 * ever sent, so a segment starting below snd_max is a retransmission
 * (after an RTO, snd_nxt goes back to snd_una and output resends).
 *
 * Urgent data (MSG_OOB) is sent as ordinary inline data without URG: the
 * urgent pointer is not emitted in part 1 (documented in docs).
 */
#include "tcp/tcp_output.h"

#include "tcp/tcp_cc.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

/* RFC 9293 3.8.6.2.1: Fs = 1/2, the fraction of the largest window seen
 * that a window-limited segment must fill. */
#define OUT_SWS_FRACTION_SHIFT 1

axn_time_t axn_tcp_rtt_stamp(axn_time_t now)
{
    return now == 0 ? 1 : now;
}

bool axn_tcp_state_sends_data(enum axn_tcp_state s)
{
    return s == AXN_TCP_ESTABLISHED || s == AXN_TCP_CLOSE_WAIT || s == AXN_TCP_FIN_WAIT1 ||
           s == AXN_TCP_CLOSING || s == AXN_TCP_LAST_ACK;
}

uint32_t axn_tcp_unsent(const struct axn_tcp_conn *c)
{
    uint32_t sent = c->snd_nxt - c->snd_una;

    return sent >= c->snd.len ? 0 : c->snd.len - sent;
}

/* RFC 3042 limited transmit: on each of the first two duplicate ACKs
 * outside recovery one new segment may go beyond cwnd (flight up to cwnd
 * + 2 SMSS), so that a small window still draws the third duplicate ACK
 * (or the SACKs) that fast retransmit needs instead of waiting for the
 * RTO. cwnd itself is not changed. */
static uint32_t limited_transmit(const struct axn_tcp_conn *c)
{
    if (c->in_recovery || c->dupacks == 0 || c->dupacks >= AXN_TCP_DUPACK_THRESH) {
        return 0;
    }
    return c->dupacks * (uint32_t)c->mss;
}

uint32_t axn_tcp_usable_window(const struct axn_tcp_conn *c)
{
    uint32_t cwnd = c->cwnd + limited_transmit(c);
    uint32_t wnd = c->snd_wnd < cwnd ? c->snd_wnd : cwnd;
    uint32_t flight = c->snd_nxt - c->snd_una;

    return wnd > flight ? wnd - flight : 0;
}

/* After a segment covering [seq, end) left: snd_max, the RTT timer of one
 * new segment (RFC 6298 3, Karn: never a retransmitted one) and the RTO
 * (RFC 6298 5.1). */
static void sent_bookkeeping(struct axn_tcp_conn *c, uint32_t end, bool retrans, axn_time_t now)
{
    if (seq_gt(end, c->snd_max)) {
        c->snd_max = end;
    }
    if (retrans) {
        c->rtt_start = 0;
    } else if (c->rtt_start == 0) {
        c->rtt_start = axn_tcp_rtt_stamp(now);
        c->rtt_seq = end;
    }
    if (c->timer[AXN_TCP_T_RTO] == AXN_TIME_NEVER) {
        axn_tcp_rto_restart(c, now);
    }
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) at ISS, when not yet out or
 * rewound by the RTO (or asked again: a retransmitted SYN, simultaneous
 * open). */
static void out_syn(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = c->iss, .flags = AXN_TCP_SYN};

    if (c->snd_nxt != c->iss && !(c->state == AXN_TCP_SYN_RECV && c->ack_now)) {
        return;
    }
    if (c->state == AXN_TCP_SYN_RECV) {
        x.flags |= AXN_TCP_ACK;
    }
    x.retrans = c->snd_max != c->iss;
    if (!x.retrans) {
        /* RFC 6582: nothing to recover yet. */
        c->recover = c->iss;
    }
    c->snd_nxt = c->iss + 1;
    (void)axn_tcp_xmit(c, &x, now);
    sent_bookkeeping(c, c->snd_nxt, x.retrans, now);
}

/* Nagle, cork and sender SWS (RFC 9293 3.8.6.2.1) for a segment of `len`
 * bytes when `unsent` are queued. */
static bool data_allowed(const struct axn_tcp_conn *c, uint32_t len, uint32_t unsent)
{
    if (len >= c->mss || seq_lt(c->snd_nxt, c->snd_max)) {
        return true; /* a full segment, or a retransmission */
    }
    if (len < unsent) {
        /* Window-limited: at least half the largest window offered. */
        return c->max_snd_wnd > 0 && len >= (c->max_snd_wnd >> OUT_SWS_FRACTION_SHIFT);
    }
    if (c->fin_queued) {
        return true; /* close/SHUT_WR pushes everything (Linux TCP_NAGLE_OFF) */
    }
    if (c->cork) {
        return false;
    }
    /* RFC 896: a small segment only when nothing is unacknowledged. */
    return c->nodelay || c->snd_nxt == c->snd_una;
}

/* The most one segment at snd_nxt may carry: SMSS for a retransmission
 * (go-back-N after an RTO, which with SACK stops short of the next SACKed
 * range: RFC 6675 5.1), the send size goal (TSO/GSO) for new data. */
static uint32_t seg_cap(struct axn_tcp_conn *c)
{
    if (!seq_lt(c->snd_nxt, c->snd_max)) {
        return axn_tcp_send_size_goal(c);
    }
    if (!c->opt.sack_ok) {
        return c->mss;
    }
    c->snd_nxt = axn_tcp_sack_skip(c, c->snd_nxt);
    if (!seq_lt(c->snd_nxt, c->snd_max)) {
        return axn_tcp_send_size_goal(c);
    }
    return seq_min(c->mss, axn_tcp_sack_next_sacked(c, c->snd_nxt) - c->snd_nxt);
}

bool axn_tcp_send_next(struct axn_tcp_conn *c, uint32_t budget, axn_time_t now)
{
    uint32_t cap = seg_cap(c);
    uint32_t sent = c->snd_nxt - c->snd_una;
    uint32_t unsent;
    uint32_t len;
    struct axn_tcp_xmit x = {.flags = AXN_TCP_ACK};

    if (c->fin_sent && !seq_lt(c->snd_nxt, c->snd_max)) {
        return false; /* the FIN is out (or acknowledged): nothing follows it */
    }
    if (sent > c->snd.len) {
        return false;
    }
    unsent = c->snd.len - sent;
    len = budget < unsent ? budget : unsent;
    len = len < cap ? len : cap;
    if (len > 0 && !data_allowed(c, len, unsent)) {
        return false;
    }
    if (c->fin_queued && len == unsent) {
        x.flags |= AXN_TCP_FIN; /* RFC 9293 3.10.4: after the last byte */
    } else if (len == 0) {
        return false;
    }
    if (len > 0 && len == unsent) {
        x.flags |= AXN_TCP_PSH;
    }
    x.seq = c->snd_nxt;
    x.off = sent;
    x.len = len;
    x.retrans = seq_lt(x.seq, c->snd_max);
    c->snd_nxt += len + ((x.flags & AXN_TCP_FIN) ? 1u : 0u);
    c->fin_sent = c->fin_sent || (x.flags & AXN_TCP_FIN) != 0;
    (void)axn_tcp_xmit(c, &x, now);
    sent_bookkeeping(c, c->snd_nxt, x.retrans, now);
    return true;
}

/* One data (and/or FIN) segment at snd_nxt under the usable window. */
static bool out_data_one(struct axn_tcp_conn *c, axn_time_t now)
{
    return axn_tcp_send_next(c, axn_tcp_usable_window(c), now);
}

axn_time_t axn_tcp_persist_when(const struct axn_tcp_conn *c, axn_time_t now)
{
    axn_time_t t = c->rto;
    uint8_t i;

    for (i = 0; i < c->persist_backoff && t < AXN_MSEC(AXN_TCP_PERSIST_MAX_MS); i++) {
        t *= 2;
    }
    if (t > AXN_MSEC(AXN_TCP_PERSIST_MAX_MS)) {
        t = AXN_MSEC(AXN_TCP_PERSIST_MAX_MS);
    }
    return now + t;
}

/* RFC 9293 3.8.6.1: data waits behind a window too small for it and
 * nothing is in flight to bring an update: the persist timer probes.
 * The same timer ends a TCP_CORK hold (tcp(7): a 200 ms ceiling; Linux
 * arms its probe timer, at least TCP_RTO_MIN, then sends what is held). */
static void maybe_persist(struct axn_tcp_conn *c, axn_time_t now)
{
    uint32_t unsent = axn_tcp_unsent(c);
    uint32_t want = unsent < c->mss ? unsent : c->mss;

    if (unsent == 0 || c->snd_max != c->snd_una || (axn_tcp_usable_window(c) >= want && !c->cork)) {
        return;
    }
    if (c->timer[AXN_TCP_T_PERSIST] == AXN_TIME_NEVER &&
        c->timer[AXN_TCP_T_RTO] == AXN_TIME_NEVER) {
        axn_tcp_timer_set(c, AXN_TCP_T_PERSIST, axn_tcp_persist_when(c, now));
    }
}

/* RFC 5681 4.1 (Linux tcp_slow_start_after_idle, on by default): after
 * an idle period longer than the RTO, cwnd restarts from at most the
 * initial window, its history being stale. Any restart from idle is told
 * to the algorithm (RFC 9438 5.8: CUBIC's epoch skips the idle time). */
static void cwnd_after_idle(struct axn_tcp_conn *c, axn_time_t now)
{
    uint32_t rw = axn_tcp_initial_cwnd(c);

    if (c->snd_max != c->snd_una || c->stats.last_data_sent == 0 || axn_tcp_unsent(c) == 0) {
        return;
    }
    if (c->cc->on_idle_restart != NULL) {
        c->cc->on_idle_restart(c, c->stats.last_data_sent, now);
    }
    if (c->cwnd <= rw || now - c->stats.last_data_sent <= c->rto) {
        return;
    }
    c->cwnd = rw;
}

void axn_tcp_output(struct axn_tcp_conn *c, axn_time_t now)
{
    if (c->state == AXN_TCP_SYN_SENT || c->state == AXN_TCP_SYN_RECV) {
        out_syn(c, now);
        return;
    }
    if (axn_tcp_state_sends_data(c->state)) {
        cwnd_after_idle(c, now);
        if (axn_tcp_sack_recovering(c)) {
            axn_tcp_sack_send(c, now); /* RFC 6675 5: by pipe */
        } else {
            while (out_data_one(c, now)) {
            }
        }
        maybe_persist(c, now);
    }
    if (c->ack_now && c->state != AXN_TCP_CLOSED && c->state != AXN_TCP_LISTEN) {
        axn_tcp_send_ack(c, now);
    }
}

void axn_tcp_retransmit_head(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = c->snd_una, .flags = AXN_TCP_ACK, .retrans = true};
    uint32_t in_flight = c->snd_max - c->snd_una;
    uint32_t end;

    if (c->state == AXN_TCP_SYN_SENT || c->state == AXN_TCP_SYN_RECV) {
        c->snd_nxt = c->iss;
        out_syn(c, now);
        return;
    }
    x.len = c->snd.len < c->mss ? c->snd.len : c->mss;
    x.len = x.len < in_flight ? x.len : in_flight;
    if (c->fin_sent && x.len == c->snd.len && in_flight > x.len) {
        x.flags |= AXN_TCP_FIN;
    }
    if (x.len == 0 && !(x.flags & AXN_TCP_FIN)) {
        return;
    }
    end = c->snd_una + x.len + ((x.flags & AXN_TCP_FIN) ? 1u : 0u);
    if (seq_lt(c->snd_nxt, end)) {
        c->snd_nxt = end; /* after an RTO: output goes on past it */
    }
    (void)axn_tcp_xmit(c, &x, now);
    sent_bookkeeping(c, end, true, now);
}

void axn_tcp_retransmit_seq(struct axn_tcp_conn *c, uint32_t seq, uint32_t len, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = seq, .flags = AXN_TCP_ACK, .retrans = true};
    uint32_t off = seq - c->snd_una;
    uint32_t data = off < c->snd.len ? c->snd.len - off : 0;

    x.off = off;
    x.len = len < data ? len : data;
    if (c->fin_sent && x.len == data && len > x.len) {
        x.flags |= AXN_TCP_FIN; /* the FIN's sequence number is in the range */
    }
    if (x.len == 0 && !(x.flags & AXN_TCP_FIN)) {
        return;
    }
    (void)axn_tcp_xmit(c, &x, now);
    sent_bookkeeping(c, seq + x.len + ((x.flags & AXN_TCP_FIN) ? 1u : 0u), true, now);
}

/* A window below the SWS threshold with nothing in flight: what fits goes
 * as ordinary data under the RTO (RFC 9293 3.8.6.2.1 override timeout;
 * Linux tcp_write_wakeup). */
static void probe_small_window(struct axn_tcp_conn *c, uint32_t len, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = c->snd_nxt, .flags = AXN_TCP_ACK, .len = len};

    x.off = c->snd_nxt - c->snd_una;
    x.retrans = seq_lt(x.seq, c->snd_max);
    c->snd_nxt += len;
    (void)axn_tcp_xmit(c, &x, now);
    sent_bookkeeping(c, c->snd_nxt, x.retrans, now);
}

/* The zero-window probe: RFC 9293 3.8.6.1 "send at least one octet of new
 * data" (again while it is not acknowledged). The persist timer, not the
 * RTO, watches it. */
static void probe_zero_window(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = c->snd_una, .flags = AXN_TCP_ACK, .len = 1};

    if (c->snd_nxt == c->snd_una) {
        c->snd_nxt++;
    }
    x.retrans = seq_lt(x.seq, c->snd_max);
    if (seq_gt(c->snd_nxt, c->snd_max)) {
        c->snd_max = c->snd_nxt;
    }
    c->layer->ext.zero_window_probes++;
    (void)axn_tcp_xmit(c, &x, now);
}

bool axn_tcp_send_probe(struct axn_tcp_conn *c, axn_time_t now)
{
    uint32_t unsent = axn_tcp_unsent(c);
    uint32_t len = axn_tcp_usable_window(c);

    len = len < unsent ? len : unsent;
    len = len < c->mss ? len : c->mss;
    if (c->snd_wnd != 0 && len > 0) {
        probe_small_window(c, len, now);
        return false;
    }
    if (c->snd_wnd != 0 || (unsent == 0 && c->snd_nxt == c->snd_una)) {
        return false;
    }
    probe_zero_window(c, now);
    return true;
}

void axn_tcp_send_keepalive(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_xmit x = {.seq = c->snd_una - 1, .flags = AXN_TCP_ACK};

    c->layer->ext.keepalive_probes++;
    (void)axn_tcp_xmit(c, &x, now);
}

void axn_tcp_open_active(struct axn_tcp_conn *c, axn_time_t now)
{
    struct axn_tcp_layer *l = c->layer;
    struct axn_tcp_tuple t;

    axn_tcp_tuple_ip4(&t, c->laddr, c->lport, c->raddr, c->rport);
    c->iss = axn_tcp_isn(&l->isn, &t, now);
    c->snd_una = c->iss;
    c->snd_nxt = c->iss;
    c->snd_max = c->iss;
    c->recover = c->iss;
    axn_tcp_opts_offer(c); /* RFC 7323, RFC 2018: what our SYN offers */
    axn_tcp_mss_init(c, now);
    axn_tcp_set_state(c, AXN_TCP_SYN_SENT, now);
    l->stats.active_opens++;
    axn_tcp_output(c, now);
}
