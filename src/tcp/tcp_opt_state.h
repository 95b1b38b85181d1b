/*
 * Receive-side SACK state (RFC 2018 4, RFC 2883; OWNER: options helper,
 * functions in tcp_options.h), embedded in struct axn_tcp_conn as `rsack`.
 */
#ifndef AXN_TCP_TCP_OPT_STATE_H
#define AXN_TCP_TCP_OPT_STATE_H

#include <stdbool.h>
#include <stdint.h>

struct axn_tcp_sack_rx {
    uint32_t reserved; /* placeholder until tcp_sack_rx.c needs fields */
};

#endif /* AXN_TCP_TCP_OPT_STATE_H */
