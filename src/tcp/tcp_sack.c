/*
 * The sender's SACK scoreboard and RFC 6675 loss recovery (tcp_sack.h).
 * Stub until the SACK work lands.
 */
#include "tcp/tcp_sack.h"

void axn_tcp_sack_on_rto(struct axn_tcp_conn *c, axn_time_t now)
{
    (void)c;
    (void)now;
}
