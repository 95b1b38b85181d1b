/*
 * Congestion control behind a small ops table (RFC 5681), so part 2 can
 * add CUBIC (RFC 9438) next to NewReno without touching the engine.
 *
 * Split of the work:
 *   - the ops decide how cwnd grows on new ACKs (slow start, congestion
 *     avoidance) and what ssthresh becomes on a loss: that is what differs
 *     between algorithms;
 *   - loss recovery (RFC 5681 3.2 fast retransmit/fast recovery with the
 *     RFC 6582 NewReno partial-ACK rules) and the RTO reaction are shared
 *     by every algorithm and live in tcp_cc_newreno.c as axn_tcp_cc_*
 *     functions: pure window arithmetic on the connection, no segment
 *     sent, so they are unit-tested alone (tests/unit/test_tcp_cc.c);
 *     tcp_ack.c and tcp_timer.c call them and do the retransmissions.
 *
 * Every size is in bytes; SMSS is conn->mss.
 */
#ifndef AXN_TCP_TCP_CC_H
#define AXN_TCP_TCP_CC_H

#include <stdint.h>

#include "tcp/tcp_conn.h"

struct axn_tcp_cc_ops {
    const char *name; /* TCP_CONGESTION name */
    /* The connection is established: initial cwnd and ssthresh. */
    void (*init)(struct axn_tcp_conn *c, axn_time_t now);
    /* RFC 5681 eq. (4): the ssthresh after a loss (fast retransmit or RTO);
     * an algorithm may note the loss (CUBIC's W_max, epoch). */
    uint32_t (*ssthresh)(struct axn_tcp_conn *c, axn_time_t now);
    /* `acked` bytes newly acknowledged outside recovery: grow cwnd. */
    void (*cong_avoid)(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now);
    /* The retransmission timer fired (after ssthresh/cwnd were reset). */
    void (*on_rto)(struct axn_tcp_conn *c, axn_time_t now);
    /* Fast recovery ended by a full ACK (after cwnd was set). */
    void (*on_recovery_exit)(struct axn_tcp_conn *c, axn_time_t now);
    /* Optional (NULL: none). An RTT sample `rtt` (µs) was taken (HyStart). */
    void (*on_rtt)(struct axn_tcp_conn *c, axn_time_t rtt, axn_time_t now);
    /* Optional. Sending resumes after the connection was idle (no data in
     * flight) since `idle_since` (CUBIC restarts its epoch). */
    void (*on_idle_restart)(struct axn_tcp_conn *c, axn_time_t idle_since, axn_time_t now);
};

/* RFC 5681 / RFC 6582 NewReno ("reno"). */
extern const struct axn_tcp_cc_ops axn_tcp_cc_newreno;

/* The algorithm called `name` (TCP_CONGESTION, tcp_congestion_control),
 * or NULL (tcp_cc.c). */
const struct axn_tcp_cc_ops *axn_tcp_cc_find(const char *name);
/* The algorithm of a new stack: AXN_TCP_CC_DEFAULT. */
const struct axn_tcp_cc_ops *axn_tcp_cc_default(void);

/* RFC 5681 2: FlightSize, data sent and not yet acknowledged. */
uint32_t axn_tcp_flight_size(const struct axn_tcp_conn *c);
/* RFC 6928 / Linux: the initial window, AXN_TCP_INIT_CWND segments. */
uint32_t axn_tcp_initial_cwnd(const struct axn_tcp_conn *c);
/* New data acknowledged outside recovery: the algorithm's growth. */
void axn_tcp_cc_on_ack(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now);
/* RFC 5681 3.2 steps 2-3 (on the third duplicate ACK): ssthresh from
 * FlightSize, cwnd = ssthresh + 3 SMSS, recover = snd_max (RFC 6582 3.2
 * step 2). The caller retransmits snd_una. */
void axn_tcp_cc_enter_recovery(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 5681 3.2 step 4: a further duplicate ACK in recovery inflates cwnd
 * by SMSS. */
void axn_tcp_cc_dupack_inflate(struct axn_tcp_conn *c);
/* RFC 6582 3.2 step 5 partial ACK of `acked` bytes: deflate cwnd by the
 * amount acked, add back SMSS if at least SMSS was acked. The caller
 * retransmits the next unacknowledged segment. */
void axn_tcp_cc_partial_ack(struct axn_tcp_conn *c, uint32_t acked);
/* RFC 6582 3.2 step 6 full ACK: cwnd = min(ssthresh, FlightSize + SMSS)
 * (FlightSize after the ACK); recovery ends. */
void axn_tcp_cc_exit_recovery(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 5681 3.1 eq. (4) and 3.1 "loss window": after an RTO, ssthresh from
 * FlightSize (first timeout only: call before the back-off grows),
 * cwnd = 1 SMSS; any recovery ends (RFC 6582 4: recover =
 * snd_max, so duplicate ACKs of the old flight start no new recovery). */
void axn_tcp_cc_on_rto(struct axn_tcp_conn *c, axn_time_t now);

#endif /* AXN_TCP_TCP_CC_H */
