/* SHA-256 as FIPS 180-4 describes it (sha256.h). */
#include "sha256.h"

#include <stdbool.h>
#include <string.h>

/* x86-64 with the SHA extensions (SHA-NI) hashes blocks with them, found
 * at run time through CPUID; elsewhere, or when built with
 * -DAXN_SHA256_PORTABLE, the portable code below does. */
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) &&                            \
    !defined(AXN_SHA256_PORTABLE)
#define HAVE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define HAVE_SHA_NI 0
#endif

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

/* 6.2.2 step 3, one round t, with the working variables named by where
 * they sit this round instead of shifted (a to h rotate through the eight
 * registers, eight rounds per cycle): no moves between rounds. */
#define ROUND(a, b, c, d, e, f, g, h, t)                                                           \
    do {                                                                                           \
        const uint32_t t1_ = (h) + big_sigma1(e) + ch(e, f, g) + K[t] + w[(t) % WORDS_PER_BLOCK];  \
        (d) += t1_;                                                                                \
        (h) = t1_ + big_sigma0(a) + maj(a, b, c);                                                  \
    } while (0)

/* 6.2.2 step 1 for t >= 16, kept in a 16-word ring: W(t) replaces
 * W(t - 16), the only one of the four inputs not needed again. */
static uint32_t schedule(uint32_t w[WORDS_PER_BLOCK], unsigned t)
{
    const unsigned m = WORDS_PER_BLOCK - 1u;
    w[t & m] += small_sigma1(w[(t - 2u) & m]) + w[(t - 7u) & m] + small_sigma0(w[(t - 15u) & m]);
    return w[t & m];
}

#define ROUNDS_PER_CYCLE 8u

/* 6.2.2: one 512-bit block, read in place from the caller's buffer. */
static void compress(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[WORDS_PER_BLOCK];
    for (unsigned t = 0; t < WORDS_PER_BLOCK; t++)
        w[t] = load_be32(block + 4u * t);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (unsigned t = 0; t < WORDS_PER_SCHEDULE; t += ROUNDS_PER_CYCLE) {
        if (t >= WORDS_PER_BLOCK)
            for (unsigned i = 0; i < ROUNDS_PER_CYCLE; i++)
                (void)schedule(w, t + i);
        ROUND(a, b, c, d, e, f, g, hh, t);
        ROUND(hh, a, b, c, d, e, f, g, t + 1u);
        ROUND(g, hh, a, b, c, d, e, f, t + 2u);
        ROUND(f, g, hh, a, b, c, d, e, t + 3u);
        ROUND(e, f, g, hh, a, b, c, d, t + 4u);
        ROUND(d, e, f, g, hh, a, b, c, t + 5u);
        ROUND(c, d, e, f, g, hh, a, b, t + 6u);
        ROUND(b, c, d, e, f, g, hh, a, t + 7u);
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

/* ---- SHA-NI ------------------------------------------------------------ */
#if HAVE_SHA_NI

#define CPUID_FEATURES     1u
#define CPUID_EXT_FEATURES 7u
#define ECX1_SSSE3         (1u << 9)
#define ECX1_SSE41         (1u << 19)
#define EBX7_SHA           (1u << 29)

static bool cpu_has_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(CPUID_FEATURES, &a, &b, &c, &d))
        return false;
    const bool sse = (c & ECX1_SSSE3) && (c & ECX1_SSE41);
    if (!__get_cpuid_count(CPUID_EXT_FEATURES, 0, &a, &b, &c, &d))
        return false;
    return sse && (b & EBX7_SHA);
}

#define SHA_NI         __attribute__((target("sha,ssse3,sse4.1")))
#define VEC_WORDS      4u   /* 32-bit words per 128-bit register */
#define VECS_PER_BLOCK 4u   /* the 16 message words */
#define SWAP_PAIRS     0xB1 /* shuffle_epi32: words 1,0,3,2 */
#define REVERSE_WORDS  0x1B /* shuffle_epi32: words 3,2,1,0 */
#define HIGH_TO_LOW    0x0E /* shuffle_epi32: words 2,3 into 0,1 */
#define HIGH_HALF      0xF0 /* blend_epi16: the upper four 16-bit lanes */
#define HALF_BYTES     8
#define WORD_BYTES_VEC 4

/* The instructions keep the state as {A,B,E,F} and {C,D,G,H}, A and C in
 * the top word (Intel SDM, SHA256RNDS2). */
SHA_NI static void ni_load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
    const __m128i badc = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), SWAP_PAIRS);
    const __m128i hgfe =
        _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), REVERSE_WORDS);
    *abef = _mm_alignr_epi8(badc, hgfe, HALF_BYTES);
    *cdgh = _mm_blend_epi16(hgfe, badc, HIGH_HALF);
}

SHA_NI static void ni_store_state(uint32_t h[8], __m128i abef, __m128i cdgh)
{
    const __m128i feba = _mm_shuffle_epi32(abef, REVERSE_WORDS);
    const __m128i ghcd = _mm_shuffle_epi32(cdgh, SWAP_PAIRS);
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, ghcd, HIGH_HALF));
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(ghcd, feba, HALF_BYTES));
}

/* 6.2.2 step 1: W(t) for t = 4g..4g+3 from the four previous groups,
 * m[g % 4] holding W(4g-16..4g-13) on entry. SHA256MSG1 adds
 * sigma0(W(t-15)) to W(t-16), the alignr brings W(t-7), SHA256MSG2 adds
 * sigma1(W(t-2)). */
SHA_NI static __m128i ni_schedule(__m128i m[VECS_PER_BLOCK], unsigned g)
{
    const unsigned r = VECS_PER_BLOCK - 1u;
    const __m128i prev = m[(g + 3u) & r];
    __m128i x = _mm_sha256msg1_epu32(m[g & r], m[(g + 1u) & r]);
    x = _mm_add_epi32(x, _mm_alignr_epi8(prev, m[(g + 2u) & r], WORD_BYTES_VEC));
    m[g & r] = _mm_sha256msg2_epu32(x, prev);
    return m[g & r];
}

SHA_NI static void ni_compress(uint32_t h[8], const uint8_t *block)
{
    /* Message words are big-endian (3.1): reverse the bytes of each. */
    const __m128i be = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    __m128i abef, cdgh, m[VECS_PER_BLOCK];
    ni_load_state(h, &abef, &cdgh);
    const __m128i abef0 = abef, cdgh0 = cdgh;
    for (unsigned g = 0; g < WORDS_PER_SCHEDULE / VEC_WORDS; g++) {
        __m128i w;
        if (g < VECS_PER_BLOCK)
            w = m[g] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *)(block + g * VEC_WORDS * 4u)), be);
        else
            w = ni_schedule(m, g);
        /* Two rounds per SHA256RNDS2, W(t)+K(t) in the low two words; the
         * new {A,B,E,F} comes out where {C,D,G,H} went in. */
        __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)(K + g * VEC_WORDS)));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
        wk = _mm_shuffle_epi32(wk, HIGH_TO_LOW);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
    }
    ni_store_state(h, _mm_add_epi32(abef, abef0), _mm_add_epi32(cdgh, cdgh0));
}

static void compress_blocks(uint32_t h[8], const uint8_t *p, size_t blocks)
{
    static int ni = -1; /* unknown yet; a benign race, every thread finds the same */
    if (ni < 0)
        ni = cpu_has_sha_ni();
    if (ni)
        for (; blocks; blocks--, p += AXN_SHA256_BLOCK_LEN)
            ni_compress(h, p);
    else
        for (; blocks; blocks--, p += AXN_SHA256_BLOCK_LEN)
            compress(h, p);
}

#else

static void compress_blocks(uint32_t h[8], const uint8_t *p, size_t blocks)
{
    for (; blocks; blocks--, p += AXN_SHA256_BLOCK_LEN)
        compress(h, p);
}

#endif

/* ---- Interface ------------------------------------------------------------ */

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
        compress_blocks(c->h, c->block, 1);
        c->used = 0;
    }
    /* Whole blocks straight from the caller's buffer, no copy. */
    const size_t blocks = len / AXN_SHA256_BLOCK_LEN;
    compress_blocks(c->h, p, blocks);
    p += blocks * AXN_SHA256_BLOCK_LEN;
    len -= blocks * AXN_SHA256_BLOCK_LEN;
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
        compress_blocks(c->h, c->block, 1);
        c->used = 0;
    }
    memset(c->block + c->used, 0, AXN_SHA256_BLOCK_LEN - LEN_FIELD_BYTES - c->used);
    for (unsigned i = 0; i < LEN_FIELD_BYTES; i++)
        c->block[AXN_SHA256_BLOCK_LEN - 1 - i] = (uint8_t)(bits >> (BITS_PER_BYTE * i));
    compress_blocks(c->h, c->block, 1);
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
