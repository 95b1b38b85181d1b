/*
 * Loss-recovery window arithmetic (tcp_recovery.h).
 */
#include "tcp/tcp_recovery.h"

#include "tcp/tcp_cc.h"

/* RFC 5681 3.2 step 3: the three segments that left the network. */
#define RECOVERY_INFLATE_SEGS 3

/* Adds without wrapping past UINT32_MAX. */
static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

void axn_tcp_recovery_enter(struct axn_tcp_conn *c, axn_time_t now)
{
    c->ssthresh = c->cc->ssthresh(c, now);
    c->cwnd = sat_add(c->ssthresh, (uint32_t)RECOVERY_INFLATE_SEGS * c->mss);
    c->recover = c->snd_max;
    c->in_recovery = true;
}

void axn_tcp_recovery_enter_sack(struct axn_tcp_conn *c, axn_time_t now)
{
    c->ssthresh = c->cc->ssthresh(c, now);
    c->cwnd = c->ssthresh;
    c->recover = c->snd_max;
    c->in_recovery = true;
}

void axn_tcp_recovery_dupack_inflate(struct axn_tcp_conn *c)
{
    c->cwnd = sat_add(c->cwnd, c->mss);
}

void axn_tcp_recovery_partial_ack(struct axn_tcp_conn *c, uint32_t acked)
{
    c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
    if (acked >= c->mss) {
        c->cwnd = sat_add(c->cwnd, c->mss);
    }
    if (c->cwnd < c->mss) {
        c->cwnd = c->mss;
    }
}

void axn_tcp_recovery_exit(struct axn_tcp_conn *c, axn_time_t now)
{
    uint32_t flight = axn_tcp_flight_size(c);
    uint32_t fl = sat_add(flight > c->mss ? flight : c->mss, c->mss);

    c->cwnd = c->ssthresh < fl ? c->ssthresh : fl;
    c->in_recovery = false;
    c->sb.active = false;
    c->dupacks = 0;
    c->cc->on_recovery_exit(c, now);
}

void axn_tcp_recovery_on_rto(struct axn_tcp_conn *c, axn_time_t now)
{
    /* RFC 5681 3.1 (after eq. 4): a segment timing out again keeps the
     * ssthresh of its first timeout (FlightSize is then only the loss
     * window); c->backoff counts the consecutive timeouts. */
    if (c->backoff == 0) {
        c->ssthresh = c->cc->ssthresh(c, now);
    }
    c->cwnd = c->mss;
    c->in_recovery = false;
    c->sb.active = false;
    c->dupacks = 0;
    c->recover = c->snd_max;
    c->cc->on_rto(c, now);
}
