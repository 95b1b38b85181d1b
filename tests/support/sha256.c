/* SHA-256 as FIPS 180-4 describes it (sha256.h). */
#include "sha256.h"

#include <string.h>

#define WORDS_PER_SCHEDULE 64u
#define WORDS_PER_BLOCK    16u
#define LEN_FIELD_BYTES    8u /* 5.1.1: the message length in bits, 64-bit big-endian */
#define PAD_FIRST_BYTE     0x80u
#define BITS_PER_BYTE      8u

/* 4.2.2: the first 32 bits of the fractional parts of the cube roots of
 * the first 64 primes. */
static const uint32_t K[WORDS_PER_SCHEDULE] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

/* 5.3.3: the first 32 bits of the fractional parts of the square roots of
 * the first 8 primes. */
static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

/* 4.1.2, functions (4.2) to (4.7). */
static uint32_t ch(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (~x & z);
}

static uint32_t maj(uint32_t x, uint32_t y, uint32_t z)
{
    return (x & y) ^ (x & z) ^ (y & z);
}

static uint32_t big_sigma0(uint32_t x)
{
    return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
}

static uint32_t big_sigma1(uint32_t x)
{
    return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25);
}

static uint32_t small_sigma0(uint32_t x)
{
    return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3);
}

static uint32_t small_sigma1(uint32_t x)
{
    return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10);
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 6.2.2: one 512-bit block. */
static void compress(uint32_t h[8], const uint8_t block[AXN_SHA256_BLOCK_LEN])
{
    uint32_t w[WORDS_PER_SCHEDULE];
    for (unsigned t = 0; t < WORDS_PER_BLOCK; t++)
        w[t] = load_be32(block + 4u * t);
    for (unsigned t = WORDS_PER_BLOCK; t < WORDS_PER_SCHEDULE; t++)
        w[t] = small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16];
    uint32_t v[8];
    memcpy(v, h, sizeof(v));
    for (unsigned t = 0; t < WORDS_PER_SCHEDULE; t++) {
        const uint32_t t1 = v[7] + big_sigma1(v[4]) + ch(v[4], v[5], v[6]) + K[t] + w[t];
        const uint32_t t2 = big_sigma0(v[0]) + maj(v[0], v[1], v[2]);
        memmove(v + 1, v, 7 * sizeof(v[0]));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (unsigned i = 0; i < 8; i++)
        h[i] += v[i];
}

void axn_sha256_init(struct axn_sha256 *c)
{
    memcpy(c->h, H0, sizeof(c->h));
    c->total = 0;
    c->used = 0;
}

void axn_sha256_update(struct axn_sha256 *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->used) {
        const size_t take =
            AXN_SHA256_BLOCK_LEN - c->used < len ? AXN_SHA256_BLOCK_LEN - c->used : len;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < AXN_SHA256_BLOCK_LEN)
            return;
        compress(c->h, c->block);
        c->used = 0;
    }
    for (; len >= AXN_SHA256_BLOCK_LEN; p += AXN_SHA256_BLOCK_LEN, len -= AXN_SHA256_BLOCK_LEN)
        compress(c->h, p);
    memcpy(c->block, p, len);
    c->used = len;
}

void axn_sha256_final(struct axn_sha256 *c, uint8_t out[AXN_SHA256_DIGEST_LEN])
{
    /* 5.1.1: a 1 bit, zeros up to 448 mod 512 bits, the length in bits. */
    const uint64_t bits = c->total * BITS_PER_BYTE;
    c->block[c->used++] = PAD_FIRST_BYTE;
    if (c->used > AXN_SHA256_BLOCK_LEN - LEN_FIELD_BYTES) {
        memset(c->block + c->used, 0, AXN_SHA256_BLOCK_LEN - c->used);
        compress(c->h, c->block);
        c->used = 0;
    }
    memset(c->block + c->used, 0, AXN_SHA256_BLOCK_LEN - LEN_FIELD_BYTES - c->used);
    for (unsigned i = 0; i < LEN_FIELD_BYTES; i++)
        c->block[AXN_SHA256_BLOCK_LEN - 1 - i] = (uint8_t)(bits >> (BITS_PER_BYTE * i));
    compress(c->h, c->block);
    for (unsigned i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    memset(c, 0, sizeof(*c));
}

void axn_sha256(const void *data, size_t len, uint8_t out[AXN_SHA256_DIGEST_LEN])
{
    struct axn_sha256 c;
    axn_sha256_init(&c);
    axn_sha256_update(&c, data, len);
    axn_sha256_final(&c, out);
}

void axn_sha256_hex(const uint8_t digest[AXN_SHA256_DIGEST_LEN], char hex[AXN_SHA256_HEX_LEN])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < AXN_SHA256_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xfu];
    }
    hex[2 * AXN_SHA256_DIGEST_LEN] = '\0';
}
