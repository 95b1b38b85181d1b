/*
 * Connection memory (tcp_buf.c; OWNER: memory helper): rings allocated
 * lazily and grown on demand up to the buffer limit, returned when
 * drained; receive-buffer auto-tuning (Linux tcp_rcv_space_adjust) and
 * send-buffer growth.
 */
#ifndef AXN_TCP_TCP_BUF_H
#define AXN_TCP_TCP_BUF_H

#include <stdint.h>

#include "axnet/types.h"

struct axn_tcp_conn;

/* Per-connection state of tcp_buf.c (auto-tuning measurements, ...),
 * embedded in struct axn_tcp_conn as `mem`. */
struct axn_tcp_conn_mem {
    uint32_t reserved; /* placeholder until tcp_buf.c needs fields */
};

/* Makes the receive ring able to hold `bytes` past its head (in-order
 * plus out-of-order data), allocating or growing it within what the
 * receive buffer allows. 0, or -AXN_ENOMEM / -AXN_ENOBUFS when it cannot
 * (the caller then stores what fits). */
int axn_tcp_rcv_ring_reserve(struct axn_tcp_conn *c, uint32_t bytes);

#endif /* AXN_TCP_TCP_BUF_H */
