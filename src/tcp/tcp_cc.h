/*
 * Congestion control behind a small ops table (RFC 5681): NewReno
 * ("reno", tcp_cc_newreno.c) and CUBIC ("cubic", RFC 9438 with RFC 9406
 * HyStart++, tcp_cc_cubic.c and tcp_hystart.c, the default), chosen per
 * stack (net.ipv4.tcp_congestion_control) and per socket
 * (TCP_CONGESTION, tcp_opt.c), found by name in tcp_cc.c.
 *
 * Split of the work:
 *   - the ops decide how cwnd grows on new ACKs (slow start, congestion
 *     avoidance) and what ssthresh becomes on a loss: that is what differs
 *     between algorithms;
 *   - loss recovery (RFC 5681 3.2 fast retransmit/fast recovery with the
 *     RFC 6582 NewReno partial-ACK rules, RFC 6675 with SACK) and the RTO
 *     reaction are shared by every algorithm: pure window arithmetic on
 *     the connection, no segment sent (tcp_recovery.c), unit-tested alone
 *     (tests/unit/test_tcp_cc.c); they call ssthresh, on_recovery_exit
 *     and on_rto, tcp_ack.c and tcp_timer.c do the retransmissions.
 *
 * Who calls the hooks: init when the handshake completes (tcp_conn.c) or
 * when TCP_CONGESTION switches an established connection
 * (axn_tcp_cc_set); cong_avoid for each ACK of new data outside recovery
 * (tcp_ack.c); on_rtt from axn_tcp_rtt_sample (tcp_rtt.c), which every
 * RTT measurement goes through, the handshake's before init; and
 * on_idle_restart from tcp_output.c when data goes out with nothing in
 * flight.
 *
 * Private state: conn->cc_priv (AXN_TCP_CC_PRIV_WORDS uint64_t words),
 * zeroed before init when an algorithm takes over a connection.
 *
 * Every size is in bytes; SMSS is conn->mss; times in µs (axn_time_t).
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
    /* The retransmission timer fired (after ssthresh/cwnd were reset:
     * ssthresh is asked only on the first timeout of a series). */
    void (*on_rto)(struct axn_tcp_conn *c, axn_time_t now);
    /* Fast recovery ended by a full ACK (after cwnd was set). */
    void (*on_recovery_exit)(struct axn_tcp_conn *c, axn_time_t now);
    /* Optional (NULL: none). An RTT sample `rtt` (µs) was taken (HyStart). */
    void (*on_rtt)(struct axn_tcp_conn *c, axn_time_t rtt, axn_time_t now);
    /* Optional. Data goes out with nothing in flight, the last data
     * having been sent at `idle_since` (CUBIC moves its epoch past the
     * idle time, RFC 9438 5.8). May be called again while still idle. */
    void (*on_idle_restart)(struct axn_tcp_conn *c, axn_time_t idle_since, axn_time_t now);
};

/* RFC 5681 / RFC 6582 NewReno ("reno"). */
extern const struct axn_tcp_cc_ops axn_tcp_cc_newreno;
/* RFC 9438 CUBIC with RFC 9406 HyStart++ ("cubic", tcp_cc_cubic.c). */
extern const struct axn_tcp_cc_ops axn_tcp_cc_cubic;

/* The algorithm called `name` (TCP_CONGESTION, tcp_congestion_control),
 * or NULL (tcp_cc.c). */
const struct axn_tcp_cc_ops *axn_tcp_cc_find(const char *name);
/* The algorithm of a new stack: AXN_TCP_CC_DEFAULT. */
const struct axn_tcp_cc_ops *axn_tcp_cc_default(void);
/* TCP_CONGESTION: `c` uses `cc` from now on. Once the handshake is done
 * (init ran) the new algorithm starts from fresh private state with cwnd
 * and ssthresh kept (Linux tcp_reinit_congestion_control). */
void axn_tcp_cc_set(struct axn_tcp_conn *c, const struct axn_tcp_cc_ops *cc, axn_time_t now);

/* CUBIC's arithmetic (tcp_cc_cubic.c), exported for its unit tests. Time
 * is counted in 1/AXN_TCP_CUBIC_HZ s (a power of two, so that a cube of
 * it stays within 64 bits), windows in bytes. */
#define AXN_TCP_CUBIC_HZ 1024u
/* floor(cbrt(x)), integers only. */
uint32_t axn_tcp_cbrt(uint64_t x);
/* RFC 9438 4.2 eq. 2: K = cbrt((W_max - cwnd_epoch) / C), 0 when
 * W_max <= cwnd_epoch; in 1/AXN_TCP_CUBIC_HZ s. */
uint64_t axn_tcp_cubic_k(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss);
/* RFC 9438 4.2 eq. 1: W_cubic(t) = C * (t - K)^3 + W_max, t in µs since
 * the epoch began, K as axn_tcp_cubic_k; saturates at 0 and UINT32_MAX. */
uint32_t axn_tcp_cubic_window(uint32_t w_max, uint64_t k, axn_time_t t, uint32_t mss);

/* RFC 5681 2: FlightSize, data sent and not yet acknowledged. */
uint32_t axn_tcp_flight_size(const struct axn_tcp_conn *c);
/* RFC 6928 / Linux: the initial window, AXN_TCP_INIT_CWND segments. */
uint32_t axn_tcp_initial_cwnd(const struct axn_tcp_conn *c);
/* New data acknowledged outside recovery: the algorithm's growth. */
void axn_tcp_cc_on_ack(struct axn_tcp_conn *c, uint32_t acked, axn_time_t now);
/* Loss recovery (RFC 5681 3.2, RFC 6582, RFC 6675) and the RTO reaction
 * are shared by every algorithm: tcp_recovery.h. */

#endif /* AXN_TCP_TCP_CC_H */
