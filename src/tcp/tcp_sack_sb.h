/*
 * The sender's SACK scoreboard (RFC 6675 2-4, RFC 2018 4; OWNER: SACK
 * helper; functions in tcp_sack.h), embedded in struct axn_tcp_conn as
 * `sb`. A fixed size: no allocation per segment.
 *
 * The scoreboard keeps the SACKed ranges, not one mark per segment: every
 * RFC 6675 question (IsLost, SetPipe, NextSeg) is answered from the
 * ranges, the connection's send sequence space and the few pointers
 * below. When the array is full the smallest range is forgotten: a
 * missing SACK mark only makes the sender retransmit more, never less.
 */
#ifndef AXN_TCP_TCP_SACK_SB_H
#define AXN_TCP_TCP_SACK_SB_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/config.h"

/* SACKed bytes [left, right) in sequence space, above SND.UNA. */
struct axn_tcp_sb_range {
    uint32_t left;
    uint32_t right;
};

struct axn_tcp_scoreboard {
    /* Sorted by sequence, disjoint and not adjacent (merged). */
    struct axn_tcp_sb_range r[AXN_TCP_SACK_SB_RANGES];
    uint8_t n;
    /* RFC 6675 5 loss recovery runs (conn->in_recovery with SACK). */
    bool active;
    /* RFC 6675 2 HighRxt, as the end (exclusive) of the highest byte
     * retransmitted in this recovery: bytes below it went again. */
    uint32_t high_rxt;
    /* RFC 6675 4 rule 4: RescueRxt, valid when rescue_set. */
    uint32_t rescue_rxt;
    bool rescue_set;
    /* The ACK being processed advanced SND.UNA: a partial ACK in
     * recovery whose SACK info says nothing of the tail, the case the
     * rescue retransmission is for (RFC 6675 4 rule 4 note). */
    bool partial_ack;
    /* RFC 6675 5.1: after an RTO everything not SACKed is lost, until the
     * cumulative ACK reaches the recovery point (conn->recover). */
    bool rto_lost;
    /* TCPLostRetransmit: the head was retransmitted when snd_max was
     * rxt_snd_max; data above that SACKed while the head stays
     * unacknowledged means the retransmission was lost too. */
    bool rxt_pending;
    bool rxt_lost; /* the head must go again (NextSeg takes it first) */
    uint32_t rxt_seq;
    uint32_t rxt_snd_max;
};

#endif /* AXN_TCP_TCP_SACK_SB_H */
