/*
 * Per-interface counters (RT-37/38), updated lock-free from the RX worker,
 * the TX worker and the poll path, read by control-plane snapshots.
 * Relaxed atomics: readers tolerate a snapshot that is a few frames stale.
 */
#ifndef AXN_DEV_IF_COUNTERS_H
#define AXN_DEV_IF_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#include "axnet/netif.h"

struct axn_if_counters {
    _Atomic uint64_t rx_packets;
    _Atomic uint64_t tx_packets;
    _Atomic uint64_t rx_bytes;
    _Atomic uint64_t tx_bytes;
    _Atomic uint64_t rx_errors;
    _Atomic uint64_t tx_errors;
    _Atomic uint64_t rx_dropped;
    _Atomic uint64_t tx_dropped;
};

static inline void axn_if_count_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* One received frame of `frame_len` bytes (L2, no FCS). */
static inline void axn_if_count_rx(struct axn_if_counters *c, uint64_t frame_len)
{
    axn_if_count_add(&c->rx_packets, 1);
    axn_if_count_add(&c->rx_bytes, frame_len);
}

/* One transmitted frame (L2 length, padding to 60 included). */
static inline void axn_if_count_tx(struct axn_if_counters *c, uint64_t frame_len)
{
    axn_if_count_add(&c->tx_packets, 1);
    axn_if_count_add(&c->tx_bytes, frame_len);
}

/* Copies the counters into a plain snapshot. */
void axn_if_counters_read(const struct axn_if_counters *c, struct axn_link_stats *out);

#endif /* AXN_DEV_IF_COUNTERS_H */
