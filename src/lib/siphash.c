/*
 * SipHash-2-4 (siphash.h).
 */
#include "lib/siphash.h"

/* SipHash initialisation constants ("somepseudorandomlygeneratedbytes",
 * Aumasson and Bernstein, 2012). */
#define SIP_V0        0x736f6d6570736575ull
#define SIP_V1        0x646f72616e646f6dull
#define SIP_V2        0x6c7967656e657261ull
#define SIP_V3        0x7465646279746573ull
#define SIP_FINAL_XOR 0xffu
#define SIP_C_ROUNDS  2
#define SIP_D_ROUNDS  4
/* The message length (mod 256) goes in the top byte of the last block. */
#define SIP_LEN_SHIFT 56
#define SIP_BLOCK     8u
#define BYTE_BITS     8u
/* The rotation amounts of one SipRound (the paper's figure 2). */
#define SIP_ROT_V1_A 13
#define SIP_ROT_V1_B 17
#define SIP_ROT_V3_A 16
#define SIP_ROT_V3_B 21
#define SIP_ROT_HALF 32
#define U64_BITS     64u

struct sip {
    uint64_t v0, v1, v2, v3;
};

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (U64_BITS - b));
}

/* Up to 8 bytes as a little-endian word. */
static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (i * BYTE_BITS);
    return v;
}

static struct sip sip_init(uint64_t k0, uint64_t k1)
{
    struct sip s = {
        .v0 = SIP_V0 ^ k0,
        .v1 = SIP_V1 ^ k1,
        .v2 = SIP_V2 ^ k0,
        .v3 = SIP_V3 ^ k1,
    };
    return s;
}

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

static uint64_t sip_finish(struct sip *s)
{
    s->v2 ^= SIP_FINAL_XOR;
    for (unsigned i = 0; i < SIP_D_ROUNDS; i++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t axn_siphash24(const uint8_t key[AXN_SIPHASH_KEY_BYTES], const void *data, size_t len)
{
    const uint8_t *p = data;
    const size_t tail = len % SIP_BLOCK;
    struct sip s = sip_init(load_le(key, SIP_BLOCK), load_le(key + SIP_BLOCK, SIP_BLOCK));
    for (size_t i = 0; i + SIP_BLOCK <= len; i += SIP_BLOCK)
        sip_block(&s, load_le(p + i, SIP_BLOCK));
    /* The last block: the remaining 0..7 bytes, the length in the top byte
     * (no pointer arithmetic when there is no tail: `data` may be NULL). */
    const uint64_t rest = tail ? load_le(p + len - tail, tail) : 0;
    sip_block(&s, ((uint64_t)len << SIP_LEN_SHIFT) | rest);
    return sip_finish(&s);
}

uint64_t axn_siphash24_u64(const uint64_t key[AXN_SIPHASH_KEY_WORDS], uint64_t m)
{
    struct sip s = sip_init(key[0], key[1]);
    sip_block(&s, m);
    sip_block(&s, (uint64_t)SIP_BLOCK << SIP_LEN_SHIFT);
    return sip_finish(&s);
}
