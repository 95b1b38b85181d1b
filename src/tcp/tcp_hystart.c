/*
 * HyStart++ (RFC 9406 4), the delay-based variant: per round (one window
 * of data, from windowEnd = SND.NXT until it is acknowledged), the
 * smallest RTT seen; slow start ends, into Conservative Slow Start, when
 * a round's minimum exceeds the previous round's by a threshold. CSS
 * grows a quarter as fast; a round minimum dropping back below the
 * baseline says the exit was spurious and slow start resumes; after
 * CSS_ROUNDS rounds the connection enters congestion avoidance.
 *
 * The RTT samples come from axn_tcp_rtt_sample (tcp_rtt.c): with RFC 7323
 * timestamps one per ACK, without them one per round trip (Karn's timed
 * segment), in which case N_RTT_SAMPLE is never reached: slow start then
 * grows by one SMSS per ACK (RFC 5681 3.1, not RFC 9406's L) and ends by
 * loss as before.
 */
#include "tcp/tcp_hystart.h"

#include "tcp/tcp.h"
#include "tcp/tcp_seq.h"

#define HS_INFINITY AXN_TIME_NEVER

void axn_tcp_hystart_init(struct axn_tcp_hystart *h, const struct axn_tcp_conn *c)
{
    h->phase = AXN_TCP_HS_SS;
    h->window_end = c->snd_max;
    h->last_min_rtt = HS_INFINITY;
    h->cur_min_rtt = HS_INFINITY;
    h->samples = 0;
    h->css_baseline = HS_INFINITY;
    h->css_rounds = 0;
    h->last_samples = 0;
}

bool axn_tcp_hystart_active(const struct axn_tcp_hystart *h, const struct axn_tcp_conn *c)
{
    return h->phase != AXN_TCP_HS_OFF && c->ssthresh == UINT32_MAX;
}

/* RFC 9406 4.2: "At the start of each round during standard slow start
 * and CSS": the last round's minimum kept, the new one started. */
static void hs_new_round(struct axn_tcp_hystart *h, struct axn_tcp_conn *c)
{
    h->last_min_rtt = h->cur_min_rtt;
    h->cur_min_rtt = HS_INFINITY;
    h->last_samples = h->samples;
    h->samples = 0;
    h->window_end = c->snd_max;
    if (h->phase != AXN_TCP_HS_CSS) {
        return;
    }
    h->css_rounds++;
    if (h->css_rounds >= AXN_TCP_HYSTART_CSS_ROUNDS) {
        /* RFC 9406 4.2: "enter congestion avoidance by setting the
         * ssthresh to the current cwnd". */
        c->ssthresh = c->cwnd;
        h->phase = AXN_TCP_HS_OFF;
    }
}

void axn_tcp_hystart_on_ack(struct axn_tcp_hystart *h, struct axn_tcp_conn *c)
{
    if (axn_tcp_hystart_active(h, c) && seq_geq(c->snd_una, (uint32_t)h->window_end)) {
        hs_new_round(h, c);
    }
}

/* RFC 9406 4.2: RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT /
 * MIN_RTT_DIVISOR, MAX_RTT_THRESH)). */
static axn_time_t hs_rtt_thresh(axn_time_t last)
{
    axn_time_t t = last / AXN_TCP_HYSTART_MIN_RTT_DIVISOR;

    if (t > AXN_TCP_HYSTART_MAX_RTT_THRESH_US) {
        t = AXN_TCP_HYSTART_MAX_RTT_THRESH_US;
    }
    return t < AXN_TCP_HYSTART_MIN_RTT_THRESH_US ? AXN_TCP_HYSTART_MIN_RTT_THRESH_US : t;
}

/* Slow start: the RTT rose by RttThresh over the last round's: to CSS. */
static void hs_check_exit(struct axn_tcp_hystart *h, struct axn_tcp_conn *c)
{
    if (h->cur_min_rtt < h->last_min_rtt + hs_rtt_thresh(h->last_min_rtt)) {
        return;
    }
    h->css_baseline = h->cur_min_rtt;
    h->css_rounds = 0;
    h->phase = AXN_TCP_HS_CSS;
    if (c->layer != NULL && c->mss != 0) {
        c->layer->ext.hystart_delay_detect++;
        c->layer->ext.hystart_delay_cwnd += c->cwnd / c->mss;
    }
}

/* CSS: the round's minimum fell below the baseline: the exit was
 * spurious, back to slow start. */
static void hs_check_spurious(struct axn_tcp_hystart *h)
{
    if (h->cur_min_rtt < h->css_baseline) {
        h->css_baseline = HS_INFINITY;
        h->phase = AXN_TCP_HS_SS;
    }
}

void axn_tcp_hystart_on_rtt(struct axn_tcp_hystart *h, struct axn_tcp_conn *c, axn_time_t rtt)
{
    axn_tcp_hystart_on_ack(h, c);
    if (!axn_tcp_hystart_active(h, c)) {
        return;
    }
    if (rtt < h->cur_min_rtt) {
        h->cur_min_rtt = rtt;
    }
    h->samples++;
    /* Decide only on a round with enough samples, after a full one. */
    if (h->samples < AXN_TCP_HYSTART_N_RTT_SAMPLE || h->last_min_rtt == HS_INFINITY) {
        return;
    }
    if (h->phase == AXN_TCP_HS_SS) {
        hs_check_exit(h, c);
    } else {
        hs_check_spurious(h);
    }
}

uint32_t axn_tcp_hystart_increase(const struct axn_tcp_hystart *h, const struct axn_tcp_conn *c,
                                  uint32_t acked)
{
    uint32_t segs = h->last_samples >= AXN_TCP_HYSTART_N_RTT_SAMPLE ? AXN_TCP_HYSTART_L_SEGS : 1u;
    uint32_t limit = segs * c->mss;
    uint32_t inc = acked < limit ? acked : limit;

    return h->phase == AXN_TCP_HS_CSS ? inc / AXN_TCP_HYSTART_CSS_GROWTH_DIVISOR : inc;
}
