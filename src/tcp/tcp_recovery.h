/*
 * Loss-recovery window arithmetic every congestion control shares
 * (tcp_recovery.c): RFC 5681 3.2 fast retransmit / fast recovery with the
 * RFC 6582 NewReno partial-ACK rules when SACK is off, RFC 6675 5 when it
 * is on, and the RFC 5681 3.1 loss window after an RTO. Pure arithmetic
 * on the connection, no segment sent: tcp_ack.c, tcp_sack_send.c and
 * tcp_timer.c call these and do the retransmissions. The algorithm's own
 * decisions come from its ops (c->cc->ssthresh, on_recovery_exit, on_rto).
 */
#ifndef AXN_TCP_TCP_RECOVERY_H
#define AXN_TCP_TCP_RECOVERY_H

#include <stdint.h>

#include "tcp/tcp_conn.h"

/* RFC 5681 3.2 steps 2-3 (NewReno, on the third duplicate ACK): ssthresh
 * from the algorithm, cwnd = ssthresh + 3 SMSS, recover = snd_max
 * (RFC 6582 3.2 step 2). The caller retransmits SND.UNA. */
void axn_tcp_recovery_enter(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 6675 5 step 4: RecoveryPoint = HighData, cwnd = ssthresh from the
 * algorithm (no inflation: pipe governs). */
void axn_tcp_recovery_enter_sack(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 5681 3.2 step 4: a further duplicate ACK inflates cwnd by SMSS. */
void axn_tcp_recovery_dupack_inflate(struct axn_tcp_conn *c);
/* RFC 6582 3.2 step 5 partial ACK of `acked` bytes: deflate by the amount
 * acked, add back SMSS if at least SMSS was acked. */
void axn_tcp_recovery_partial_ack(struct axn_tcp_conn *c, uint32_t acked);
/* RFC 6582 3.2 step 6 option (1) (also ending RFC 6675 recovery, against
 * a burst): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS). */
void axn_tcp_recovery_exit(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 5681 3.1: after an RTO, ssthresh from the algorithm (first timeout
 * only), cwnd = 1 SMSS, any recovery ended, recover = snd_max (RFC 6582
 * 4). */
void axn_tcp_recovery_on_rto(struct axn_tcp_conn *c, axn_time_t now);

#endif /* AXN_TCP_TCP_RECOVERY_H */
