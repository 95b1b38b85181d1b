/*
 * A TCP connection's endpoints as bytes, for the keyed hashes of ISNs
 * (RFC 6528) and ephemeral ports (RFC 6056): the address family only sets
 * the address length, so IPv6 endpoints hash the same way as IPv4 ones.
 */
#ifndef AXN_TCP_TCP_TUPLE_H
#define AXN_TCP_TCP_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"

/* The longest address (IPv6) and the bytes of two addresses and ports. */
#define AXN_TCP_ADDR_MAX  16
#define AXN_TCP_PORT_LEN  2
#define AXN_TCP_TUPLE_MAX (2 * (AXN_TCP_ADDR_MAX + AXN_TCP_PORT_LEN))

/* Addresses in network byte order, `addr_len` bytes of each used; ports
 * in host order. */
struct axn_tcp_tuple {
    uint8_t local_addr[AXN_TCP_ADDR_MAX];
    uint8_t remote_addr[AXN_TCP_ADDR_MAX];
    uint8_t addr_len;
    uint16_t local_port;
    uint16_t remote_port;
};

/* An IPv4 tuple from host-order addresses and ports. */
void axn_tcp_tuple_ip4(struct axn_tcp_tuple *t, axn_ip4_t local, uint16_t local_port,
                       axn_ip4_t remote, uint16_t remote_port);
/* Writes local address, local port, remote address, remote port (each in
 * network order) to `out` (AXN_TCP_TUPLE_MAX bytes); returns the length.
 * With `with_local_port` false the local port is left out (RFC 6056 3.3.4
 * hashes the tuple without the port being chosen). */
size_t axn_tcp_tuple_bytes(const struct axn_tcp_tuple *t, bool with_local_port,
                           uint8_t out[AXN_TCP_TUPLE_MAX]);

#endif /* AXN_TCP_TCP_TUPLE_H */
