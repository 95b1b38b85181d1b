/* Snapshot of the per-interface counters. */
#include "dev/if_counters.h"

static uint64_t load(const _Atomic uint64_t *c)
{
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

void axn_if_counters_read(const struct axn_if_counters *c, struct axn_link_stats *out)
{
    out->rx_packets = load(&c->rx_packets);
    out->tx_packets = load(&c->tx_packets);
    out->rx_bytes = load(&c->rx_bytes);
    out->tx_bytes = load(&c->tx_bytes);
    out->rx_errors = load(&c->rx_errors);
    out->tx_errors = load(&c->tx_errors);
    out->rx_dropped = load(&c->rx_dropped);
    out->tx_dropped = load(&c->tx_dropped);
}
