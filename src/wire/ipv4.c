/* IPv4 header (RFC 791) parse/emit. */
#include "wire/ipv4.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

/* RFC 791 3.1 header layout. */
#define IP4_OFF_VER_IHL 0
#define IP4_OFF_TOS     1
#define IP4_OFF_TOTLEN  2
#define IP4_OFF_ID      4
#define IP4_OFF_FRAG    6
#define IP4_OFF_TTL     8
#define IP4_OFF_PROTO   9
#define IP4_OFF_CSUM    10
#define IP4_OFF_SRC     12
#define IP4_OFF_DST     16

#define IP4_VERSION_SHIFT 4
#define IP4_IHL_MASK      0x0Fu
#define IP4_IHL_UNIT      4 /* IHL counts 32-bit words */
#define IP4_OPT_ALIGN     4

/* Flags and Fragment Offset share one 16-bit word. */
#define IP4_FLAG_DF      0x4000u
#define IP4_FLAG_MF      0x2000u
#define IP4_FRAG_MASK    0x1FFFu
#define IP4_FRAG_UNIT    8 /* the offset counts 8-byte blocks */
#define IP4_FRAG_UNIT_LO (IP4_FRAG_UNIT - 1)

/* An option with a length octet is at least its type and length. */
#define IP4_OPT_HDR_LEN 2

/*
 * RFC 791 3.1 (Total Length): the reassembled datagram, at least a minimal
 * header plus every fragment's data, must fit in 65535 bytes. A fragment
 * reaching past that can never be reassembled (the "ping of death").
 */
#define IP4_FRAG_END_MAX (AXN_IPV4_TOTAL_MAX - AXN_IPV4_HDR_MIN)

struct opt_flags {
    bool router_alert;
    bool source_route;
};

/*
 * RFC 791 3.1: an option is either a single octet (EOL, NOP) or type,
 * length (counting both), data. EOL ends the list; what follows is padding.
 */
static int walk_options(const uint8_t *opt, size_t len, struct opt_flags *fl)
{
    size_t i = 0;
    while (i < len) {
        uint8_t type = opt[i];
        if (type == AXN_IPV4_OPT_EOL)
            break;
        if (type == AXN_IPV4_OPT_NOP) {
            i++;
            continue;
        }
        if (len - i < IP4_OPT_HDR_LEN)
            return AXN_WIRE_EOPTLEN;
        size_t olen = opt[i + 1];
        if (olen < IP4_OPT_HDR_LEN || olen > len - i)
            return AXN_WIRE_EOPTLEN;
        /* RFC 2113 2.1: Router Alert is exactly 4 octets long. */
        if (type == AXN_IPV4_OPT_RA && olen != AXN_IPV4_OPT_RA_LEN)
            return AXN_WIRE_EOPTLEN;
        if (type == AXN_IPV4_OPT_RA)
            fl->router_alert = true;
        if (type == AXN_IPV4_OPT_LSRR || type == AXN_IPV4_OPT_SSRR)
            fl->source_route = true;
        i += olen;
    }
    return 0;
}

/* Checks lengths; on success sets hdr_len and total_len in `out`. */
static int check_lengths(const uint8_t *buf, size_t len, struct axn_ipv4 *out)
{
    if (len < AXN_IPV4_HDR_MIN)
        return AXN_WIRE_ETRUNC;
    if (buf[IP4_OFF_VER_IHL] >> IP4_VERSION_SHIFT != AXN_IPV4_VERSION)
        return AXN_WIRE_EVERSION;
    size_t hdr_len = (size_t)(buf[IP4_OFF_VER_IHL] & IP4_IHL_MASK) * IP4_IHL_UNIT;
    if (hdr_len < AXN_IPV4_HDR_MIN || hdr_len > len)
        return AXN_WIRE_EHDRLEN;
    size_t total = axn_get_be16(buf + IP4_OFF_TOTLEN);
    /* Bytes past Total Length are link padding (RFC 894 minimum frame). */
    if (total < hdr_len || total > len)
        return AXN_WIRE_ELEN;
    out->hdr_len = hdr_len;
    out->total_len = total;
    return 0;
}

static void read_fields(const uint8_t *buf, struct axn_ipv4 *out)
{
    uint16_t frag = axn_get_be16(buf + IP4_OFF_FRAG);
    out->tos = buf[IP4_OFF_TOS];
    out->id = axn_get_be16(buf + IP4_OFF_ID);
    out->df = (frag & IP4_FLAG_DF) != 0;
    out->mf = (frag & IP4_FLAG_MF) != 0;
    out->frag_offset = (uint16_t)((frag & IP4_FRAG_MASK) * IP4_FRAG_UNIT);
    out->is_fragment = out->mf || out->frag_offset != 0;
    out->ttl = buf[IP4_OFF_TTL];
    out->protocol = buf[IP4_OFF_PROTO];
    out->src = axn_get_be32(buf + IP4_OFF_SRC);
    out->dst = axn_get_be32(buf + IP4_OFF_DST);
    out->options = buf + AXN_IPV4_HDR_MIN;
    out->options_len = out->hdr_len - AXN_IPV4_HDR_MIN;
    out->payload = buf + out->hdr_len;
    out->payload_len = out->total_len - out->hdr_len;
}

int axn_ipv4_parse(const uint8_t *buf, size_t len, struct axn_ipv4 *out, unsigned flags)
{
    int err = check_lengths(buf, len, out);
    if (err)
        return err;
    /* RFC 1071: a correct header sums, checksum included, to all ones. */
    if (!(flags & AXN_IPV4_PARSE_CSUM_VERIFIED) && axn_csum(buf, out->hdr_len) != 0)
        return AXN_WIRE_ECSUM;
    read_fields(buf, out);
    struct opt_flags fl = {false, false};
    err = walk_options(out->options, out->options_len, &fl);
    if (err)
        return err;
    out->router_alert = fl.router_alert;
    out->source_route = fl.source_route;
    if ((size_t)out->frag_offset + out->payload_len > IP4_FRAG_END_MAX)
        return AXN_WIRE_EFRAG;
    return 0;
}

static size_t padded_options_len(size_t len)
{
    return (len + IP4_OPT_ALIGN - 1) / IP4_OPT_ALIGN * IP4_OPT_ALIGN;
}

static int check_emit(const struct axn_ipv4 *in, size_t hdr_len)
{
    if (in->options_len > AXN_IPV4_OPT_MAX)
        return AXN_WIRE_EOPTLEN;
    if (in->frag_offset & IP4_FRAG_UNIT_LO)
        return AXN_WIRE_EFRAG;
    if (in->payload_len > AXN_IPV4_TOTAL_MAX - hdr_len)
        return AXN_WIRE_ELEN;
    if ((size_t)in->frag_offset + in->payload_len > IP4_FRAG_END_MAX)
        return AXN_WIRE_EFRAG;
    struct opt_flags fl = {false, false};
    return walk_options(in->options, in->options_len, &fl);
}

static void write_fixed(const struct axn_ipv4 *in, uint8_t *buf, size_t hdr_len, size_t total)
{
    uint16_t frag = (uint16_t)(in->frag_offset / IP4_FRAG_UNIT);
    if (in->df)
        frag |= IP4_FLAG_DF;
    if (in->mf)
        frag |= IP4_FLAG_MF;
    buf[IP4_OFF_VER_IHL] =
        (uint8_t)(AXN_IPV4_VERSION << IP4_VERSION_SHIFT | hdr_len / IP4_IHL_UNIT);
    buf[IP4_OFF_TOS] = in->tos;
    axn_put_be16(buf + IP4_OFF_TOTLEN, (uint16_t)total);
    axn_put_be16(buf + IP4_OFF_ID, in->id);
    axn_put_be16(buf + IP4_OFF_FRAG, frag);
    buf[IP4_OFF_TTL] = in->ttl;
    buf[IP4_OFF_PROTO] = in->protocol;
    axn_put_be16(buf + IP4_OFF_CSUM, 0);
    axn_put_be32(buf + IP4_OFF_SRC, in->src);
    axn_put_be32(buf + IP4_OFF_DST, in->dst);
    axn_put_be16(buf + IP4_OFF_CSUM, axn_csum(buf, hdr_len));
}

int axn_ipv4_emit(const struct axn_ipv4 *in, uint8_t *buf, size_t cap)
{
    size_t opt_len = padded_options_len(in->options_len);
    size_t hdr_len = AXN_IPV4_HDR_MIN + opt_len;
    int err = check_emit(in, hdr_len);
    if (err)
        return err;
    size_t total = hdr_len + in->payload_len;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Payload first, then options: either may already sit in place. */
    if (in->payload_len && in->payload != buf + hdr_len)
        memmove(buf + hdr_len, in->payload, in->payload_len);
    if (in->options_len && in->options != buf + AXN_IPV4_HDR_MIN)
        memmove(buf + AXN_IPV4_HDR_MIN, in->options, in->options_len);
    /* RFC 791 3.1: the header is padded with zeros (EOL) to a 32-bit edge. */
    memset(buf + AXN_IPV4_HDR_MIN + in->options_len, 0, opt_len - in->options_len);
    write_fixed(in, buf, hdr_len, total);
    return (int)total;
}
