/* Internet checksum: simple reference version (to be replaced by the fast one). */
#include "wire/checksum.h"

#include "lib/byteorder.h"

uint32_t axn_csum_partial(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t acc = sum;
    while (len >= 2) {
        acc += axn_get_be16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)p[0] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t axn_csum_finish(uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t axn_csum(const void *buf, size_t len)
{
    return axn_csum_finish(axn_csum_partial(buf, len, 0));
}

uint32_t axn_csum_pseudo_v4(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, uint16_t l4_len)
{
    uint64_t acc = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
    acc += proto;
    acc += l4_len;
    return (uint32_t)acc;
}

uint32_t axn_csum_pseudo_v6(const struct axn_ip6 *src, const struct axn_ip6 *dst,
                            uint8_t next_header, uint32_t l4_len)
{
    uint32_t sum = axn_csum_partial(src->b, 16, 0);
    sum = axn_csum_partial(dst->b, 16, sum);
    uint64_t acc = (uint64_t)sum + (l4_len >> 16) + (l4_len & 0xffff) + next_header;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t axn_csum_update16(uint16_t old_csum, uint16_t old_word, uint16_t new_word)
{
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
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
