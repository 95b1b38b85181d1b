/*
 * IPv4 ID generation (ip4_id.h): a keyed hash picks one of many randomly
 * started counters, as Linux's ipv4_select_ident does.
 */
#include "ip/ip4_id.h"

/* Bits of the hash input: src in the high half, dst low, protocol mixed
 * into the key word so (src, dst, proto) is one 64-bit message. */
#define ID_SRC_SHIFT 32

int axn_ip4_id_init(struct axn_ip4_id *g, const struct axn_platform *plat)
{
    int err = plat->random(plat->ctx, g->key, sizeof(g->key));
    if (err)
        return err;
    /* Random starting points: even the first datagram to a destination
     * says nothing about how long the stack has run. */
    return plat->random(plat->ctx, g->counters, sizeof(g->counters));
}

uint16_t axn_ip4_id_next(struct axn_ip4_id *g, axn_ip4_t src, axn_ip4_t dst, uint8_t protocol)
{
    const uint64_t key[AXN_SIPHASH_KEY_WORDS] = {g->key[0] ^ protocol, g->key[1]};
    const uint64_t h = axn_siphash24_u64(key, ((uint64_t)src << ID_SRC_SHIFT) | dst);
    uint16_t *c = &g->counters[h % AXN_IP4_ID_BUCKETS];
    return (*c)++;
}
