/*
 * The retransmission timeout estimator of RFC 6298 2, in microseconds.
 *
 * Alpha = 1/8 and beta = 1/4 (RFC 6298 2.3) are applied as shifts. The
 * clock granularity G is one microsecond (axn_time_t), so the max(G, K *
 * RTTVAR) term is K * RTTVAR except when it is 0. The result is clamped
 * to [AXN_TCP_RTO_MIN_MS, AXN_TCP_RTO_MAX_MS]: 200 ms as Linux rather than
 * RFC 6298 2.4's 1 s (config.h says why).
 */
#include "tcp/tcp_output.h"

#include "tcp/tcp_cc.h"

/* RFC 6298 2.3: alpha = 1/8, beta = 1/4 as right shifts; K = 4. */
#define RTT_ALPHA_SHIFT 3
#define RTT_BETA_SHIFT  2
#define RTT_K           4
/* RFC 6298 2.2: RTTVAR <- R/2 on the first sample. */
#define RTT_FIRST_VAR_SHIFT 1
/* Clock granularity G of axn_time_t (RFC 6298 2.2). */
#define RTT_CLOCK_G_US 1
/* conn->backoff saturates here (RTO_MAX is reached long before). */
#define RTT_MAX_BACKOFF 16

static axn_time_t rto_clamp(axn_time_t rto)
{
    if (rto < AXN_MSEC(AXN_TCP_RTO_MIN_MS)) {
        return AXN_MSEC(AXN_TCP_RTO_MIN_MS);
    }
    if (rto > AXN_MSEC(AXN_TCP_RTO_MAX_MS)) {
        return AXN_MSEC(AXN_TCP_RTO_MAX_MS);
    }
    return rto;
}

/* RFC 6298 2.2 (the first) or 2.3 (later) update of SRTT and RTTVAR. */
static void rtt_update(struct axn_tcp_conn *c, axn_time_t r)
{
    axn_time_t err;

    if (c->srtt == 0) {
        c->srtt = r;
        c->rttvar = r >> RTT_FIRST_VAR_SHIFT;
        return;
    }
    err = c->srtt > r ? c->srtt - r : r - c->srtt;
    /* RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|, before SRTT. */
    c->rttvar = c->rttvar - (c->rttvar >> RTT_BETA_SHIFT) + (err >> RTT_BETA_SHIFT);
    /* SRTT <- (1 - alpha) * SRTT + alpha * R'. */
    c->srtt = c->srtt - (c->srtt >> RTT_ALPHA_SHIFT) + (r >> RTT_ALPHA_SHIFT);
}

void axn_tcp_rtt_sample(struct axn_tcp_conn *c, axn_time_t rtt, axn_time_t now)
{
    /* A zero sample would read as "no sample yet" in srtt. */
    if (rtt == 0) {
        rtt = RTT_CLOCK_G_US;
    }
    rtt_update(c, rtt);
    if (c->min_rtt == 0 || rtt < c->min_rtt) {
        c->min_rtt = rtt;
    }
    axn_tcp_rto_from_estimate(c);
    c->backoff = 0;
    if (c->cc != NULL && c->cc->on_rtt != NULL) {
        c->cc->on_rtt(c, rtt, now);
    }
}

void axn_tcp_rto_backoff(struct axn_tcp_conn *c)
{
    /* RFC 6298 5.5: RTO <- RTO * 2, with the maximum of 2.5 applied. */
    c->rto = rto_clamp(c->rto * 2);
    if (c->backoff < RTT_MAX_BACKOFF) {
        c->backoff++;
    }
}

/* RFC 6298 2.3: RTO <- SRTT + max(G, K * RTTVAR), clamped. */
void axn_tcp_rto_from_estimate(struct axn_tcp_conn *c)
{
    axn_time_t var = RTT_K * c->rttvar;

    if (var < RTT_CLOCK_G_US) {
        var = RTT_CLOCK_G_US;
    }
    c->rto = rto_clamp(c->srtt + var);
}
