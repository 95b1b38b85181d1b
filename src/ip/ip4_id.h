/*
 * IPv4 Identification for the datagrams we originate (RFC 791 3.2,
 * RFC 6864, RFC 7739): not one global counter, which would tell anyone
 * who sees two of our packets how many we sent in between (idle scans,
 * traffic counting). As Linux's ip_idents: AXN_IP4_ID_BUCKETS counters
 * that start at random values; (src, dst, protocol) picks one through a
 * keyed hash (SipHash-2-4) with a random key. A destination sees its own
 * +1 sequence, which keeps IDs unique within a reassembly lifetime as
 * RFC 791 needs for fragments, and learns nothing of others.
 */
#ifndef AXN_IP_IP4_ID_H
#define AXN_IP_IP4_ID_H

#include <stdint.h>

#include "axnet/config.h"
#include "axnet/platform.h"
#include "lib/siphash.h"

struct axn_ip4_id {
    uint64_t key[AXN_SIPHASH_KEY_WORDS];
    uint16_t counters[AXN_IP4_ID_BUCKETS];
};

/* Draws the key and the starting counters from plat->random: 0 or its
 * error. */
int axn_ip4_id_init(struct axn_ip4_id *g, const struct axn_platform *plat);
/* The next ID for a datagram from `src` to `dst` of `protocol`. */
uint16_t axn_ip4_id_next(struct axn_ip4_id *g, axn_ip4_t src, axn_ip4_t dst, uint8_t protocol);

#endif /* AXN_IP_IP4_ID_H */
