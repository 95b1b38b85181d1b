/* ICMPv6 messages (RFC 4443): parse and emit. */
#include "wire/icmp6.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

/* Offsets inside the ICMPv6 header (RFC 4443 2.1, 3, 4). */
#define OFF_TYPE    0
#define OFF_CODE    1
#define OFF_CSUM    2
#define OFF_REST    4
#define OFF_ID      4
#define OFF_SEQ     6
#define OFF_MTU     4
#define OFF_POINTER 4

/* RFC 4443 2.1: the high-order bit of the type marks informational messages. */
#define TYPE_INFO_BIT 0x80

#define IP6_VERSION   6
#define VERSION_SHIFT 4

/* Without jumbograms an IPv6 payload is at most 65535 bytes (RFC 8200 3). */
#define ICMP6_MAX_LEN 0xffff

bool axn_icmp6_is_error(uint8_t type)
{
    return !(type & TYPE_INFO_BIT);
}

static bool is_echo(uint8_t type)
{
    return type == AXN_ICMP6_ECHO_REQUEST || type == AXN_ICMP6_ECHO_REPLY;
}

/*
 * RFC 4443 2.4 (d): an error is passed to the upper layer that sent the
 * offending packet, found from the quoted IPv6 header, so without a whole
 * header the error cannot be used.
 */
static int check_quote(const struct axn_icmp6 *m)
{
    if (m->body_len < AXN_ICMP6_ORIG_MIN_LEN)
        return AXN_WIRE_ELEN;
    if (m->body[0] >> VERSION_SHIFT != IP6_VERSION)
        return AXN_WIRE_EVERSION;
    return 0;
}

static void decode_rest(struct axn_icmp6 *m, const uint8_t *buf)
{
    memcpy(m->rest, buf + OFF_REST, sizeof m->rest);
    if (is_echo(m->type)) {
        m->id = axn_get_be16(buf + OFF_ID);
        m->seq = axn_get_be16(buf + OFF_SEQ);
    } else if (m->type == AXN_ICMP6_PKT_TOO_BIG) {
        m->mtu = axn_get_be32(buf + OFF_MTU);
    } else if (m->type == AXN_ICMP6_PARAM_PROBLEM) {
        m->pointer = axn_get_be32(buf + OFF_POINTER);
    }
}

int axn_icmp6_parse(const uint8_t *buf, size_t len, struct axn_icmp6 *out, uint32_t pseudo_sum,
                    unsigned flags)
{
    if (len < AXN_ICMP6_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    /* RFC 4443 2.3: the checksum covers the pseudo-header and the message. */
    if (!(flags & AXN_ICMP6_PARSE_CSUM_VERIFIED) &&
        axn_csum_finish(axn_csum_partial(buf, len, pseudo_sum)) != 0)
        return AXN_WIRE_ECSUM;

    memset(out, 0, sizeof *out);
    out->type = buf[OFF_TYPE];
    out->code = buf[OFF_CODE];
    out->csum = axn_get_be16(buf + OFF_CSUM);
    decode_rest(out, buf);
    out->body = buf + AXN_ICMP6_HDR_LEN;
    out->body_len = len - AXN_ICMP6_HDR_LEN;
    if (axn_icmp6_is_error(out->type))
        return check_quote(out);
    return 0;
}

size_t axn_icmp6_len(const struct axn_icmp6 *in)
{
    return AXN_ICMP6_HDR_LEN + in->body_len;
}

static void encode_rest(const struct axn_icmp6 *m, uint8_t *buf)
{
    if (is_echo(m->type)) {
        axn_put_be16(buf + OFF_ID, m->id);
        axn_put_be16(buf + OFF_SEQ, m->seq);
    } else if (m->type == AXN_ICMP6_PKT_TOO_BIG) {
        axn_put_be32(buf + OFF_MTU, m->mtu);
    } else if (m->type == AXN_ICMP6_PARAM_PROBLEM) {
        axn_put_be32(buf + OFF_POINTER, m->pointer);
    } else if (axn_icmp6_is_error(m->type)) {
        /* RFC 4443 3.1, 3.3: "Unused ... MUST be initialized to zero". */
        axn_put_be32(buf + OFF_REST, 0);
    } else {
        memcpy(buf + OFF_REST, m->rest, sizeof m->rest);
    }
}

int axn_icmp6_emit(const struct axn_icmp6 *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum)
{
    size_t total = axn_icmp6_len(in);
    if (total > ICMP6_MAX_LEN)
        return AXN_WIRE_ELEN;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Body first: it may overlap the header bytes we are about to write. */
    if (in->body_len && in->body != buf + AXN_ICMP6_HDR_LEN)
        memmove(buf + AXN_ICMP6_HDR_LEN, in->body, in->body_len);
    buf[OFF_TYPE] = in->type;
    buf[OFF_CODE] = in->code;
    axn_put_be16(buf + OFF_CSUM, 0);
    encode_rest(in, buf);
    axn_put_be16(buf + OFF_CSUM, axn_csum_finish(axn_csum_partial(buf, total, pseudo_sum)));
    return (int)total;
}
