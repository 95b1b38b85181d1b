/*
 * Small pieces every benchmark needs: AF_INET addresses, the one static
 * interface of a benchmark's stack, and a positive decimal argument.
 */
#ifndef AXN_BENCH_UTIL_H
#define AXN_BENCH_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/netif.h"
#include "axnet/socket.h"

/* An AF_INET address (host-order arguments). */
struct axn_sockaddr_in bench_sin4(axn_ip4_t addr, uint16_t port);

/* An interface matched by order with the static IPv4 address addr/prefix_len. */
struct axn_iface_config bench_static_iface(axn_ip4_t addr, uint8_t prefix_len);

/* `v` as a decimal number above 0; calls `usage` (which exits) if it is not one. */
uint64_t bench_arg_u64(const char *v, void (*usage)(void));

#endif /* AXN_BENCH_UTIL_H */
