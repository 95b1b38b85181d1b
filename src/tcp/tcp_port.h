/*
 * Ephemeral ports for connect() by RFC 6056 3.3.4 (Algorithm 4,
 * "Double-Hash Port Selection"): a keyed hash of (local address, remote
 * address, remote port) gives each destination its own starting offset in
 * the ephemeral range, and a second keyed hash of the same picks one of
 * AXN_TCP_PORT_TABLE counters that advances with every port tried. One
 * destination sees its ports move forward by one per connection, so it
 * does not soon get back a port whose tuple may still be in TIME-WAIT;
 * other destinations, in other buckets, learn nothing from it.
 */
#ifndef AXN_TCP_TCP_PORT_H
#define AXN_TCP_TCP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/platform.h"
#include "lib/siphash.h"
#include "tcp/tcp_tuple.h"

/* Whether the 4-tuple `t` (its local_port the candidate) is free to use:
 * RFC 6056 3.3.4 check_suitable_port(). */
typedef bool (*axn_tcp_port_free_fn)(void *arg, const struct axn_tcp_tuple *t);

struct axn_tcp_ports {
    uint8_t offset_key[AXN_SIPHASH_KEY_BYTES]; /* F's secret_key1 */
    uint8_t index_key[AXN_SIPHASH_KEY_BYTES];  /* G's secret_key2 */
    uint32_t table[AXN_TCP_PORT_TABLE];
};

/* Draws both secrets from plat->random and zeroes the table: 0 or its
 * error. */
int axn_tcp_ports_init(struct axn_tcp_ports *p, const struct axn_platform *plat);
/* Picks a local port for `t` (addresses and remote port set) in
 * AXN_TCP_EPHEMERAL_MIN..MAX that `is_free(arg, t)` accepts, trying at most
 * AXN_TCP_PORT_MAX_PROBES; stores it in t->local_port and returns 0, or
 * returns -AXN_EADDRNOTAVAIL (as Linux connect()) with t->local_port
 * unspecified. */
int axn_tcp_port_pick(struct axn_tcp_ports *p, struct axn_tcp_tuple *t,
                      axn_tcp_port_free_fn is_free, void *arg);

#endif /* AXN_TCP_TCP_PORT_H */
