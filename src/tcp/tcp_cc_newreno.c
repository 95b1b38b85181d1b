/*
 * NewReno congestion control (RFC 5681, RFC 6582), and the helpers every
 * algorithm uses (FlightSize, the initial window, growth dispatch). The
 * loss-recovery arithmetic they share is in tcp_recovery.c.
 */
#include "tcp/tcp_cc.h"

#include "tcp/tcp_seq.h"

/* RFC 5681 eq. (4) and 3.2 step 2: ssthresh never below two segments. */
#define CC_MIN_SSTHRESH_SEGS 2

uint32_t axn_tcp_flight_size(const struct axn_tcp_conn *c)
{
    return c->snd_max - c->snd_una;
}

uint32_t axn_tcp_initial_cwnd(const struct axn_tcp_conn *c)
{
    return (uint32_t)AXN_TCP_INIT_CWND * c->mss;
}

static void newreno_init(struct axn_tcp_conn *c, axn_time_t now)
{
    (void)now;
    c->cwnd = axn_tcp_initial_cwnd(c);
    /* RFC 5681 3.1: ssthresh starts arbitrarily high. */
    c->ssthresh = UINT32_MAX;
}

/* RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2 * SMSS). */
static uint32_t newreno_ssthresh(struct axn_tcp_conn *c, axn_time_t now)
{
    (void)now;
    uint32_t half = axn_tcp_flight_size(c) / 2;
    uint32_t floor = (uint32_t)CC_MIN_SSTHRESH_SEGS * c->mss;

    return half > floor ? half : floor;
}

/* Adds without wrapping past UINT32_MAX. */
static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* RFC 5681 3.1 with byte counting (RFC 3465): slow start grows cwnd by
 * min(acked, SMSS) per ACK while cwnd < ssthresh; congestion avoidance by
 * about SMSS per RTT, counting acked bytes in cc_priv[0] and adding SMSS
 * each time a whole cwnd has been acknowledged (RFC 5681 3.1 "one
 * acceptable way"). */
static void newreno_cong_avoid(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now)
{
    (void)now;
    if (c->cwnd < c->ssthresh) {
        c->cwnd = sat_add(c->cwnd, acked < c->mss ? acked : c->mss);
        return;
    }
    c->cc_priv[0] += acked;
    if (c->cc_priv[0] >= c->cwnd) {
        c->cc_priv[0] -= c->cwnd;
        c->cwnd = sat_add(c->cwnd, c->mss);
    }
}

static void newreno_reset_count(struct axn_tcp_conn *c, axn_time_t now)
{
    (void)now;
    c->cc_priv[0] = 0;
}

const struct axn_tcp_cc_ops axn_tcp_cc_newreno = {
    .name = "reno",
    .init = newreno_init,
    .ssthresh = newreno_ssthresh,
    .cong_avoid = newreno_cong_avoid,
    .on_rto = newreno_reset_count,
    .on_recovery_exit = newreno_reset_count,
};

void axn_tcp_cc_on_ack(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now)
{
    c->cc->cong_avoid(c, acked, now);
}
