/*
 * Receive-side SACK state (RFC 2018 4, RFC 2883; OWNER: options helper,
 * functions in tcp_options.h, tcp_sack_rx.c), embedded in struct
 * axn_tcp_conn as `rsack`. A fixed size: no allocation per segment.
 */
#ifndef AXN_TCP_TCP_OPT_STATE_H
#define AXN_TCP_TCP_OPT_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* RFC 2018 3: at most 4 blocks fit in a header; the order of the ones we
 * reported is kept for as many. */
#define AXN_TCP_SACK_RX_BLOCKS 4

/* One SACK block, [left, right) in sequence space. */
struct axn_tcp_sack_rx_block {
    uint32_t left;
    uint32_t right;
};

struct axn_tcp_sack_rx {
    /* RFC 2018 4: the blocks in the order the next ACK reports them: the
     * one holding the most recently received segment first, then the
     * most recently reported others. Each is matched again against the
     * out-of-order ranges when sent (ranges grow, merge and leave). */
    struct axn_tcp_sack_rx_block recent[AXN_TCP_SACK_RX_BLOCKS];
    uint8_t n_recent;
    /* RFC 2883: a duplicate to report once in the first block. */
    bool dsack;
    bool dsack_ofo; /* inside out-of-order data (TCPDSACKOfoSent), else below RCV.NXT */
    struct axn_tcp_sack_rx_block dup;
};

#endif /* AXN_TCP_TCP_OPT_STATE_H */
