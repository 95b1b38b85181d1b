/*
 * The sender's SACK scoreboard and RFC 6675 loss recovery (tcp_sack.c;
 * OWNER: SACK helper). The struct is in tcp_sack_sb.h.
 */
#ifndef AXN_TCP_TCP_SACK_H
#define AXN_TCP_TCP_SACK_H

#include "tcp/tcp_conn.h"

/* The retransmission timer fired: RFC 6675 5.1 (the scoreboard's SACKed
 * marks may be kept, everything else is lost) before the window reset. */
void axn_tcp_sack_on_rto(struct axn_tcp_conn *c, axn_time_t now);

#endif /* AXN_TCP_TCP_SACK_H */
