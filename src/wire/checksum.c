/*
 * The Internet checksum (RFC 1071), fast version.
 *
 * The data is summed as native 64-bit words with an end-around carry
 * (one's complement addition, RFC 1071 section 2(A)), four independent
 * accumulators so the adds of one 32-byte block do not wait on each other.
 * One's complement addition is associative and commutative, so summing
 * 8-byte words and folding to 16 bits at the end gives the sum of the
 * 16-bit words (RFC 1071 section 2(C), "parallel summation"). It is also
 * byte-order independent (section 2(B)): on a little-endian host the folded
 * result is the sum of byte-swapped words, and swapping it back yields the
 * big-endian sum the header promises. Loads go through memcpy, so any
 * alignment of `buf` works on CPUs that trap on unaligned access.
 */
#include "wire/checksum.h"

#include <stdbool.h>

#include "lib/mem.h"

#define CSUM_WORD_BYTES  8
#define CSUM_BLOCK_WORDS 4
#define CSUM_BLOCK_BYTES (CSUM_WORD_BYTES * CSUM_BLOCK_WORDS)

#define LOW16(x) ((x)&0xffffu)
#define LOW32(x) ((x)&0xffffffffu)

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* One's complement 64-bit add: the carry out of bit 63 wraps to bit 0. */
static inline uint64_t add_oc64(uint64_t a, uint64_t b)
{
    a += b;
    return a + (a < b);
}

/* Same in 32 bits; 2^32 == 1 (mod 0xffff), so it keeps the 16-bit sum. */
static inline uint32_t add_oc32(uint32_t a, uint32_t b)
{
    a += b;
    return a + (a < b);
}

/* Folds a 64-bit one's complement sum to 16 bits (end-around each time). */
static inline uint32_t fold64_to16(uint64_t a)
{
    uint32_t s = add_oc32((uint32_t)LOW32(a), (uint32_t)(a >> 32));
    s = LOW16(s) + (s >> 16);
    s = LOW16(s) + (s >> 16);
    return s;
}

static inline bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static inline uint32_t swap16(uint32_t v)
{
    return ((v & 0xffu) << 8) | (v >> 8);
}

/*
 * The last 0..7 bytes, with fixed-size loads (no call to a variable-length
 * memcpy). Where a piece lands among the 64-bit word's 16-bit lanes does not
 * matter: 2^16 == 1 (mod 0xffff). An odd last byte is the first byte of a
 * 16-bit word: the high half in big-endian terms (RFC 1071), which is the
 * low half of a native word on a little-endian host.
 */
static inline uint64_t sum_tail(const uint8_t *p, size_t len)
{
    uint64_t t = 0;
    if (len & 4) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        t += v;
        p += sizeof v;
    }
    if (len & 2) {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        t += v;
        p += sizeof v;
    }
    if (len & 1)
        t += host_is_little_endian() ? p[0] : (uint32_t)p[0] << 8;
    return t;
}

/* Sums buf[0 .. len) as native words; the result is in native word order. */
static uint64_t sum_native(const uint8_t *p, size_t len)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    while (len >= CSUM_BLOCK_BYTES) {
        a0 = add_oc64(a0, load64(p));
        a1 = add_oc64(a1, load64(p + CSUM_WORD_BYTES));
        a2 = add_oc64(a2, load64(p + 2 * CSUM_WORD_BYTES));
        a3 = add_oc64(a3, load64(p + 3 * CSUM_WORD_BYTES));
        p += CSUM_BLOCK_BYTES;
        len -= CSUM_BLOCK_BYTES;
    }
    while (len >= CSUM_WORD_BYTES) {
        a0 = add_oc64(a0, load64(p));
        p += CSUM_WORD_BYTES;
        len -= CSUM_WORD_BYTES;
    }
    return add_oc64(add_oc64(a0, a1), add_oc64(a2, add_oc64(a3, sum_tail(p, len))));
}

uint32_t axn_csum_partial(const void *buf, size_t len, uint32_t sum)
{
    uint32_t s = fold64_to16(sum_native(buf, len));
    if (host_is_little_endian())
        s = swap16(s);
    return add_oc32(sum, s);
}

uint16_t axn_csum_finish(uint32_t sum)
{
    sum = LOW16(sum) + (sum >> 16);
    sum = LOW16(sum) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t axn_csum(const void *buf, size_t len)
{
    return axn_csum_finish(axn_csum_partial(buf, len, 0));
}

uint32_t axn_csum_pseudo_v4(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, uint16_t l4_len)
{
    /* Six 16-bit terms: cannot overflow 32 bits. */
    return (src >> 16) + LOW16(src) + (dst >> 16) + LOW16(dst) + proto + l4_len;
}

uint32_t axn_csum_pseudo_v6(const struct axn_ip6 *src, const struct axn_ip6 *dst,
                            uint8_t next_header, uint32_t l4_len)
{
    uint32_t sum = axn_csum_partial(src->b, sizeof src->b, 0);
    sum = axn_csum_partial(dst->b, sizeof dst->b, sum);
    /* The 32-bit length and the zero-padded next header (RFC 8200 8.1). */
    sum = add_oc32(sum, (l4_len >> 16) + LOW16(l4_len));
    return add_oc32(sum, next_header);
}

uint16_t axn_csum_update16(uint16_t old_csum, uint16_t old_word, uint16_t new_word)
{
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it yields
     * 0x0000, as a full recompute does, when the new sum is 0xFFFF
     * (RFC 1624 section 3). */
    uint32_t sum = (uint16_t)~old_csum;
    sum += (uint16_t)~old_word;
    sum += new_word;
    return axn_csum_finish(sum);
}

uint16_t axn_csum_update32(uint16_t old_csum, uint32_t old_val, uint32_t new_val)
{
    uint16_t c = axn_csum_update16(old_csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
    return axn_csum_update16(c, (uint16_t)old_val, (uint16_t)new_val);
}
