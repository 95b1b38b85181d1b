/*
 * The loopback device `lo` (LO-1..3): a registry and route-table citizen
 * whose traffic never reaches it — the router's fast path carries loopback
 * packets straight back into the protocol core (RT-21).
 */
#ifndef AXN_DEV_LOOPBACK_H
#define AXN_DEV_LOOPBACK_H

#include "dev/netdev.h"

#define AXN_LOOPBACK_ADDR   0x7f000001u /* 127.0.0.1 */
#define AXN_LOOPBACK_PREFIX 8u

int axn_loopback_create(const struct axn_platform *plat, struct axn_if_counters *counters,
                        struct axn_netdev **out);

#endif /* AXN_DEV_LOOPBACK_H */
