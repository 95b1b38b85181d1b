/*
 * The sender's SACK scoreboard (RFC 6675 2-4, RFC 2018 4; OWNER: SACK
 * helper; functions in tcp_sack.h), embedded in struct axn_tcp_conn as
 * `sb`. A fixed size: no allocation per segment.
 */
#ifndef AXN_TCP_TCP_SACK_SB_H
#define AXN_TCP_TCP_SACK_SB_H

#include <stdbool.h>
#include <stdint.h>

struct axn_tcp_scoreboard {
    uint32_t reserved; /* placeholder until tcp_sack.c needs fields */
};

#endif /* AXN_TCP_TCP_SACK_SB_H */
