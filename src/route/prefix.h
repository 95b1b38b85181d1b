/*
 * IPv4 prefix arithmetic on host-order addresses (axn_ip4_t).
 *
 * Shared by the route table and the control plane, which reports a netmask
 * for every prefix length (CTL-26).
 */
#ifndef AXN_ROUTE_PREFIX_H
#define AXN_ROUTE_PREFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/types.h"

#define AXN_IP4_PREFIX_MAX 32u

/*
 * Netmask of a prefix length: 0 gives 0.0.0.0, otherwise the top
 * min(len, 32) bits set (CTL-26). Shifting a 32-bit value by 32 is
 * undefined in C, hence the special case for 0.
 */
static inline axn_ip4_t axn_ip4_prefix_mask(unsigned len)
{
    if (len == 0)
        return 0;
    if (len > AXN_IP4_PREFIX_MAX)
        len = AXN_IP4_PREFIX_MAX;
    return (axn_ip4_t)(UINT32_MAX << (AXN_IP4_PREFIX_MAX - len));
}

/* The network address of `addr` under a prefix length (host bits cleared). */
static inline axn_ip4_t axn_ip4_prefix_network(axn_ip4_t addr, unsigned len)
{
    return addr & axn_ip4_prefix_mask(len);
}

/* Whether `addr` lies inside prefix/len (0.0.0.0/0 contains everything). */
static inline bool axn_ip4_prefix_contains(axn_ip4_t prefix, unsigned len, axn_ip4_t addr)
{
    const axn_ip4_t mask = axn_ip4_prefix_mask(len);
    return (addr & mask) == (prefix & mask);
}

#endif /* AXN_ROUTE_PREFIX_H */
