/*
 * IPv4 ID generation (ip4_id.h): a keyed hash picks one of many randomly
 * started counters, as Linux's ipv4_select_ident does.
 */
#include "ip/ip4_id.h"

/* SipHash initialisation constants ("somepseudorandomlygeneratedbytes",
 * Aumasson and Bernstein, 2012). */
#define SIP_V0        0x736f6d6570736575ull
#define SIP_V1        0x646f72616e646f6dull
#define SIP_V2        0x6c7967656e657261ull
#define SIP_V3        0x7465646279746573ull
#define SIP_FINAL_XOR 0xffu
#define SIP_C_ROUNDS  2
#define SIP_D_ROUNDS  4
/* The message length (8 bytes) goes in the top byte of the last block. */
#define SIP_LEN_SHIFT 56
#define SIP_MSG_BYTES 8ull
/* The rotation amounts of one SipRound (the paper's figure 2). */
#define SIP_ROT_V1_A 13
#define SIP_ROT_V1_B 17
#define SIP_ROT_V3_A 16
#define SIP_ROT_V3_B 21
#define SIP_ROT_HALF 32
#define U64_BITS     64u

/* Bits of the hash input: src in the high half, dst low, protocol mixed
 * into the key word so (src, dst, proto) is one 64-bit message. */
#define ID_SRC_SHIFT 32

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (U64_BITS - b));
}

struct sip {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, SIP_ROT_V1_A);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, SIP_ROT_HALF);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, SIP_ROT_V3_A);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, SIP_ROT_V3_B);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, SIP_ROT_V1_B);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, SIP_ROT_HALF);
}

static void sip_block(struct sip *s, uint64_t m)
{
    s->v3 ^= m;
    for (unsigned i = 0; i < SIP_C_ROUNDS; i++)
        sip_round(s);
    s->v0 ^= m;
}

uint64_t axn_siphash24_u64(const uint64_t key[AXN_SIPHASH_KEY_WORDS], uint64_t m)
{
    struct sip s = {
        .v0 = SIP_V0 ^ key[0],
        .v1 = SIP_V1 ^ key[1],
        .v2 = SIP_V2 ^ key[0],
        .v3 = SIP_V3 ^ key[1],
    };
    sip_block(&s, m);
    sip_block(&s, SIP_MSG_BYTES << SIP_LEN_SHIFT);
    s.v2 ^= SIP_FINAL_XOR;
    for (unsigned i = 0; i < SIP_D_ROUNDS; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

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
