/*
 * The sender's SACK scoreboard and RFC 6675 loss recovery (tcp_sack.c:
 * the scoreboard and what it answers; tcp_sack_send.c: sending by pipe;
 * tcp_recovery.c: the window arithmetic; OWNER: SACK helper). The struct
 * is in tcp_sack_sb.h.
 *
 * Sequence numbers follow RFC 6675 2: HighACK is SND.UNA, HighData is
 * snd_max, RecoveryPoint is conn->recover. Every range is [left, right).
 */
#ifndef AXN_TCP_TCP_SACK_H
#define AXN_TCP_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

/* What RFC 6675 4 NextSeg() chose. */
enum axn_tcp_sack_kind {
    AXN_TCP_SACK_NONE = 0, /* nothing may go */
    AXN_TCP_SACK_LOST,     /* rule 1: a lost hole (or a lost retransmission) */
    AXN_TCP_SACK_NEW,      /* rule 2: new data from snd_max */
    AXN_TCP_SACK_HOLE,     /* rule 3: a hole not yet thought lost */
    AXN_TCP_SACK_RESCUE,   /* rule 4: the rescue retransmission */
};

struct axn_tcp_sack_seg {
    enum axn_tcp_sack_kind kind;
    uint32_t seq;
    uint32_t len; /* sequence numbers (a FIN counts one) */
};

/* Forgets every SACKed range and recovery pointer. */
void axn_tcp_sack_reset(struct axn_tcp_conn *c);
/* Records [left, right) as SACKed (the caller validated it against
 * SND.UNA..snd_max), merging with neighbours; returns the bytes newly
 * SACKed. Full: the smallest range goes (RFC 2018 8 allows forgetting). */
uint32_t axn_tcp_sack_insert(struct axn_tcp_conn *c, uint32_t left, uint32_t right);
/* Drops what the cumulative ACK (SND.UNA) now covers. */
void axn_tcp_sack_trim(struct axn_tcp_conn *c);
/* RFC 2018 4 / RFC 2883 4 / RFC 6675 4 Update(): the SACK blocks of an
 * acceptable ACK, after SND.UNA moved to seg->ack. Counts D-SACK blocks
 * (TCPDSACKRecv, TCPDSACKOfoRecv), invalid ones (TCPSACKDiscard),
 * reordering (TCPSACKReorder), reneging (TCPSACKReneging: the scoreboard
 * is then forgotten) and lost retransmissions (TCPLostRetransmit). */
void axn_tcp_sack_update(struct axn_tcp_conn *c, const struct axn_tcp *seg, axn_time_t now);
/* SACKed bytes above SND.UNA. */
uint32_t axn_tcp_sack_sacked_bytes(const struct axn_tcp_conn *c);
/* RFC 6675 4 IsLost(): every unSACKed byte below the edge is lost
 * (DupThresh SACKed ranges, or more than (DupThresh - 1) * SMSS SACKed
 * bytes, above it; everything after an RTO); SND.UNA when none is. */
uint32_t axn_tcp_sack_lost_edge(const struct axn_tcp_conn *c);
bool axn_tcp_sack_is_lost(const struct axn_tcp_conn *c, uint32_t seq);
/* RFC 6675 4 SetPipe(): the bytes thought to be in the network. */
uint32_t axn_tcp_sack_pipe(const struct axn_tcp_conn *c);
/* Bytes thought lost and not retransmitted (TCP_INFO's lost, in bytes). */
uint32_t axn_tcp_sack_lost_bytes(const struct axn_tcp_conn *c);
/* RFC 6675 4 NextSeg(), at most one SMSS of retransmission; rule 2's
 * length is what the send ring and the peer's window allow (the sender
 * cuts it to its budget). */
void axn_tcp_sack_next_seg(const struct axn_tcp_conn *c, struct axn_tcp_sack_seg *out);
/* The first SACKed range at or above `seq` that starts above it, as its
 * left edge; snd_max when none (go-back-N after an RTO stops there). */
uint32_t axn_tcp_sack_next_sacked(const struct axn_tcp_conn *c, uint32_t seq);
/* If `seq` lies in a SACKed range, that range's right edge, else seq. */
uint32_t axn_tcp_sack_skip(const struct axn_tcp_conn *c, uint32_t seq);

/* The retransmission timer fired: RFC 6675 5.1 (the scoreboard's SACKed
 * marks are kept, everything else is lost) before the window reset. */
void axn_tcp_sack_on_rto(struct axn_tcp_conn *c, axn_time_t now);

/* ---- Sending (tcp_sack_send.c) ---------------------------------------------------- */

/* Whether c's sending is governed by the scoreboard now: SACK was
 * negotiated and RFC 6675 recovery runs. */
bool axn_tcp_sack_recovering(const struct axn_tcp_conn *c);
/* RFC 6675 5 step 4: enter recovery (RecoveryPoint = HighData, cwnd =
 * ssthresh) and retransmit the first lost segment. */
void axn_tcp_sack_enter_recovery(struct axn_tcp_conn *c, axn_time_t now);
/* RFC 6675 5 step (C): while cwnd - pipe >= SMSS, send NextSeg(). */
void axn_tcp_sack_send(struct axn_tcp_conn *c, axn_time_t now);

#endif /* AXN_TCP_TCP_SACK_H */
