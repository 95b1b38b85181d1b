/* UDP datagrams (RFC 768, RFC 8200 8.1): parse and emit. */
#include "wire/udp.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

#define OFF_SRC_PORT 0
#define OFF_DST_PORT 2
#define OFF_LEN      4
#define OFF_CSUM     6

/* The length field is 16 bits wide. */
#define UDP_MAX_LEN 0xffff
/* RFC 768: a computed checksum of zero is transmitted as all ones. */
#define CSUM_ZERO_AS 0xffff
#define WORD_MASK    0xffff
#define WORD_BITS    16

/* One's-complement negation of the 16-bit halves of `x`, for subtracting
 * `x` from a checksum sum (RFC 1071: subtraction is adding the complement). */
static uint32_t neg_words(size_t x)
{
    uint32_t lo = (uint32_t)(x & WORD_MASK);
    uint32_t hi = (uint32_t)((x >> WORD_BITS) & WORD_MASK);
    return (WORD_MASK - lo) + (WORD_MASK - hi);
}

/*
 * The caller's pseudo-header counted the whole buffer; RFC 768 uses the UDP
 * length. When trailing bytes follow the datagram, swap one for the other.
 */
static uint32_t pseudo_for_udp_len(uint32_t sum, size_t buf_len, uint16_t udp_len)
{
    if (buf_len == udp_len)
        return sum;
    uint64_t acc = (uint64_t)sum + neg_words(buf_len) + udp_len;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

int axn_udp_parse(const uint8_t *buf, size_t len, struct axn_udp *out, uint32_t pseudo_sum,
                  unsigned flags)
{
    if (len < AXN_UDP_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    uint16_t ulen = axn_get_be16(buf + OFF_LEN);
    if (ulen < AXN_UDP_HDR_LEN || ulen > len)
        return AXN_WIRE_ELEN;
    uint16_t csum = axn_get_be16(buf + OFF_CSUM);
    /* RFC 8200 8.1: over IPv6 the checksum is mandatory; zero is discarded. */
    if (csum == 0 && (flags & AXN_UDP_PARSE_IPV6))
        return AXN_WIRE_EFIELD;
    /* RFC 768: over IPv4 a zero checksum means the sender computed none. */
    if (csum != 0 && !(flags & AXN_UDP_PARSE_CSUM_VERIFIED)) {
        uint32_t sum = pseudo_for_udp_len(pseudo_sum, len, ulen);
        if (axn_csum_finish(axn_csum_partial(buf, ulen, sum)) != 0)
            return AXN_WIRE_ECSUM;
    }
    out->src_port = axn_get_be16(buf + OFF_SRC_PORT);
    out->dst_port = axn_get_be16(buf + OFF_DST_PORT);
    out->len = ulen;
    out->csum = csum;
    out->payload = buf + AXN_UDP_HDR_LEN;
    out->payload_len = (size_t)ulen - AXN_UDP_HDR_LEN;
    return 0;
}

size_t axn_udp_len(const struct axn_udp *in)
{
    return AXN_UDP_HDR_LEN + in->payload_len;
}

static uint16_t checksum_field(const uint8_t *buf, size_t total, uint32_t pseudo_sum,
                               unsigned flags)
{
    if (flags & AXN_UDP_EMIT_NO_CSUM)
        return 0;
    if (flags & AXN_UDP_EMIT_CSUM_PARTIAL)
        return (uint16_t)~axn_csum_finish(pseudo_sum);
    uint16_t c = axn_csum_finish(axn_csum_partial(buf, total, pseudo_sum));
    return c == 0 ? CSUM_ZERO_AS : c;
}

int axn_udp_emit(const struct axn_udp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum,
                 unsigned flags)
{
    size_t total = axn_udp_len(in);
    if (total > UDP_MAX_LEN)
        return AXN_WIRE_ELEN;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Payload first: it may overlap the header bytes we are about to write. */
    if (in->payload_len && in->payload != buf + AXN_UDP_HDR_LEN)
        memmove(buf + AXN_UDP_HDR_LEN, in->payload, in->payload_len);
    axn_put_be16(buf + OFF_SRC_PORT, in->src_port);
    axn_put_be16(buf + OFF_DST_PORT, in->dst_port);
    axn_put_be16(buf + OFF_LEN, (uint16_t)total);
    axn_put_be16(buf + OFF_CSUM, 0);
    axn_put_be16(buf + OFF_CSUM, checksum_field(buf, total, pseudo_sum, flags));
    return (int)total;
}
