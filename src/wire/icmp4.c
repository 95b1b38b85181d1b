/* ICMPv4 messages (RFC 792, RFC 1191): parse and emit. */
#include "wire/icmp4.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

/* Offsets inside the ICMP header (RFC 792). */
#define OFF_TYPE     0
#define OFF_CODE     1
#define OFF_CSUM     2
#define OFF_REST     4
#define OFF_ID       4
#define OFF_SEQ      6
#define OFF_NEXT_MTU 6 /* RFC 1191 4: low-order 16 bits of the unused field */
#define OFF_POINTER  4
#define OFF_GATEWAY  4

/* The quoted IPv4 header: version and IHL share the first byte. */
#define IP4_VERSION     4
#define IP4_MIN_HDR_LEN 20
#define IHL_MASK        0x0f
#define IHL_UNIT        4
#define VERSION_SHIFT   4

/* ICMP rides in one IPv4 datagram; its length must fit the total length field. */
#define ICMP4_MAX_LEN 0xffff

bool axn_icmp4_is_error(uint8_t type)
{
    switch (type) {
    case AXN_ICMP4_DEST_UNREACH:
    case AXN_ICMP4_SOURCE_QUENCH:
    case AXN_ICMP4_REDIRECT:
    case AXN_ICMP4_TIME_EXCEEDED:
    case AXN_ICMP4_PARAM_PROBLEM:
        return true;
    default:
        return false;
    }
}

static bool has_id_seq(uint8_t type)
{
    return type == AXN_ICMP4_ECHO_REQUEST || type == AXN_ICMP4_ECHO_REPLY ||
           type == AXN_ICMP4_TIMESTAMP || type == AXN_ICMP4_TIMESTAMP_REPLY;
}

static bool is_frag_needed(uint8_t type, uint8_t code)
{
    return type == AXN_ICMP4_DEST_UNREACH && code == AXN_ICMP4_UNREACH_FRAG_NEEDED;
}

/*
 * RFC 792: an error quotes the original Internet header and at least its
 * first 64 bits of data (ports and, for TCP, the sequence number), which is
 * what the receiver needs to match the error to a connection.
 */
static int check_quote(struct axn_icmp4 *m)
{
    if (m->body_len < IP4_MIN_HDR_LEN)
        return AXN_WIRE_ELEN;
    if (m->body[0] >> VERSION_SHIFT != IP4_VERSION)
        return AXN_WIRE_EVERSION;
    size_t ihl = (size_t)(m->body[0] & IHL_MASK) * IHL_UNIT;
    if (ihl < IP4_MIN_HDR_LEN)
        return AXN_WIRE_EHDRLEN;
    if (m->body_len < ihl + AXN_ICMP4_ORIG_DATA_LEN)
        return AXN_WIRE_ELEN;
    m->orig_hdr_len = (uint8_t)ihl;
    return 0;
}

static void decode_rest(struct axn_icmp4 *m, const uint8_t *buf)
{
    memcpy(m->rest, buf + OFF_REST, sizeof m->rest);
    if (has_id_seq(m->type)) {
        m->id = axn_get_be16(buf + OFF_ID);
        m->seq = axn_get_be16(buf + OFF_SEQ);
    } else if (is_frag_needed(m->type, m->code)) {
        m->next_mtu = axn_get_be16(buf + OFF_NEXT_MTU);
    } else if (m->type == AXN_ICMP4_PARAM_PROBLEM) {
        m->pointer = buf[OFF_POINTER];
    } else if (m->type == AXN_ICMP4_REDIRECT) {
        m->gateway = axn_get_be32(buf + OFF_GATEWAY);
    }
}

int axn_icmp4_parse(const uint8_t *buf, size_t len, struct axn_icmp4 *out, unsigned flags)
{
    if (len < AXN_ICMP4_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    /* RFC 792: the checksum covers the whole ICMP message. */
    if (!(flags & AXN_ICMP4_PARSE_CSUM_VERIFIED) && axn_csum(buf, len) != 0)
        return AXN_WIRE_ECSUM;

    memset(out, 0, sizeof *out);
    out->type = buf[OFF_TYPE];
    out->code = buf[OFF_CODE];
    out->csum = axn_get_be16(buf + OFF_CSUM);
    decode_rest(out, buf);
    out->body = buf + AXN_ICMP4_HDR_LEN;
    out->body_len = len - AXN_ICMP4_HDR_LEN;
    if (axn_icmp4_is_error(out->type))
        return check_quote(out);
    return 0;
}

size_t axn_icmp4_len(const struct axn_icmp4 *in)
{
    return AXN_ICMP4_HDR_LEN + in->body_len;
}

static void encode_rest(const struct axn_icmp4 *m, uint8_t *buf)
{
    /* Known types: fields not carried by the struct are "unused, zero". */
    if (has_id_seq(m->type)) {
        axn_put_be16(buf + OFF_ID, m->id);
        axn_put_be16(buf + OFF_SEQ, m->seq);
    } else if (is_frag_needed(m->type, m->code)) {
        axn_put_be32(buf + OFF_REST, m->next_mtu);
    } else if (m->type == AXN_ICMP4_PARAM_PROBLEM) {
        axn_put_be32(buf + OFF_REST, (uint32_t)m->pointer << 24);
    } else if (m->type == AXN_ICMP4_REDIRECT) {
        axn_put_be32(buf + OFF_GATEWAY, m->gateway);
    } else if (axn_icmp4_is_error(m->type)) {
        axn_put_be32(buf + OFF_REST, 0);
    } else {
        memcpy(buf + OFF_REST, m->rest, sizeof m->rest);
    }
}

int axn_icmp4_emit(const struct axn_icmp4 *in, uint8_t *buf, size_t cap)
{
    size_t total = axn_icmp4_len(in);
    if (total > ICMP4_MAX_LEN)
        return AXN_WIRE_ELEN;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Body first: it may overlap the header bytes we are about to write. */
    if (in->body_len && in->body != buf + AXN_ICMP4_HDR_LEN)
        memmove(buf + AXN_ICMP4_HDR_LEN, in->body, in->body_len);
    buf[OFF_TYPE] = in->type;
    buf[OFF_CODE] = in->code;
    axn_put_be16(buf + OFF_CSUM, 0);
    encode_rest(in, buf);
    axn_put_be16(buf + OFF_CSUM, axn_csum(buf, total));
    return (int)total;
}
