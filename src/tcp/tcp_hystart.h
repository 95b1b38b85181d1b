/*
 * HyStart++ (RFC 9406): leaving the initial slow start before it
 * overshoots, on a rise of the round's minimum RTT, through a
 * Conservative Slow Start (CSS) that a spurious exit can undo.
 *
 * The state lives inside a congestion control's private words
 * (conn->cc_priv, tcp_cc_cubic.c): all uint64_t, so that it can sit in
 * them. A zeroed struct is "off": an RTT sample reaching it before the
 * algorithm's init (the handshake's) does nothing.
 */
#ifndef AXN_TCP_TCP_HYSTART_H
#define AXN_TCP_TCP_HYSTART_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_conn.h"

enum axn_tcp_hystart_phase {
    AXN_TCP_HS_OFF = 0, /* done: standard slow start / congestion avoidance */
    AXN_TCP_HS_SS,      /* RFC 9406 4.2 slow start, watching the RTT */
    AXN_TCP_HS_CSS,     /* Conservative Slow Start */
};

struct axn_tcp_hystart {
    uint64_t phase;        /* enum axn_tcp_hystart_phase */
    uint64_t window_end;   /* windowEnd: the round ends when snd_una reaches it */
    uint64_t last_min_rtt; /* lastRoundMinRTT, µs; AXN_TIME_NEVER: infinity */
    uint64_t cur_min_rtt;  /* currentRoundMinRTT */
    uint64_t samples;      /* rttSampleCount */
    uint64_t css_baseline; /* cssBaselineMinRtt */
    uint64_t css_rounds;   /* rounds completed in CSS */
    uint64_t last_samples; /* RTT samples the last round had */
};

/* RFC 9406 4.2: a new connection starts in slow start, round 1 ending
 * with the data sent so far. */
void axn_tcp_hystart_init(struct axn_tcp_hystart *h, const struct axn_tcp_conn *c);
/* Whether HyStart++ drives this slow start: RFC 9406 4.2 only the initial
 * one (ssthresh still "arbitrarily high", RFC 5681 3.1). */
bool axn_tcp_hystart_active(const struct axn_tcp_hystart *h, const struct axn_tcp_conn *c);
/* An ACK arrived: ends the round when snd_una reached windowEnd; after
 * CSS_ROUNDS rounds of CSS, enters congestion avoidance (ssthresh = cwnd). */
void axn_tcp_hystart_on_ack(struct axn_tcp_hystart *h, struct axn_tcp_conn *c);
/* An RTT sample (µs): the round's minimum, and the exit (or the return
 * from a spurious one) once N_RTT_SAMPLE samples were taken. */
void axn_tcp_hystart_on_rtt(struct axn_tcp_hystart *h, struct axn_tcp_conn *c, axn_time_t rtt);
/* The cwnd increase for `acked` bytes: min(acked, L * SMSS), divided by
 * CSS_GROWTH_DIVISOR in CSS. L is RFC 9406's (AXN_TCP_HYSTART_L_SEGS)
 * only while HyStart++ can watch the RTT (the last round had
 * N_RTT_SAMPLE samples: RFC 7323 timestamps); otherwise RFC 5681 3.1's
 * one SMSS per ACK, as the unguarded faster growth would overshoot. */
uint32_t axn_tcp_hystart_increase(const struct axn_tcp_hystart *h, const struct axn_tcp_conn *c,
                                  uint32_t acked);

#endif /* AXN_TCP_TCP_HYSTART_H */
