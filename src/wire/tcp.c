/* TCP headers and options (RFC 9293 3.1, RFC 7323, RFC 2018): parse and emit. */
#include "wire/tcp.h"

#include "lib/byteorder.h"
#include "lib/mem.h"
#include "wire/checksum.h"

_Static_assert(AXN_TCP_MAX_SACK_BLOCKS >= 1, "AXN_TCP_MAX_SACK_BLOCKS must be at least 1");

/* Header offsets (RFC 9293 3.1). */
#define OFF_SRC_PORT 0
#define OFF_DST_PORT 2
#define OFF_SEQ      4
#define OFF_ACK      8
#define OFF_DOFF     12 /* data offset (high nibble), reserved, AE (low bit) */
#define OFF_FLAGS    13
#define OFF_WINDOW   14
#define OFF_CSUM     16
#define OFF_URG      18

#define DOFF_SHIFT 4
#define WORD_LEN   4 /* the data offset counts 32-bit words */
#define AE_BIT     0x01
#define FLAG8_MASK 0xff
#define FLAG_HIGH  8 /* AXN_TCP_AE sits above the 8 classic bits */

/* Option lengths (RFC 9293 3.2, RFC 7323 2.2 and 3.2, RFC 2018 2 and 3). */
#define OPT_HDR_LEN       2
#define OPT_MSS_LEN       4
#define OPT_WSCALE_LEN    3
#define OPT_SACK_PERM_LEN 2
#define OPT_TS_LEN        10
#define SACK_BLOCK_LEN    8
#define SACK_RIGHT_OFF    4 /* a block's right edge follows its left edge */
#define TS_ECR_OFF        4 /* the echo reply follows the timestamp value */
#define MSS_VALUE_LEN     2
#define TS_VALUES_LEN     8
/* With the NOPs that align each option to 32 bits on emit. */
#define EMIT_MSS_LEN       4
#define EMIT_TS_LEN        12 /* NOP NOP TS, or SACK-permitted TS */
#define EMIT_SACK_PERM_LEN 4  /* NOP NOP SACK-permitted */
#define EMIT_WSCALE_LEN    4  /* NOP WS */
#define EMIT_SACK_HDR_LEN  4  /* NOP NOP kind len */

/* ---- Parse ---------------------------------------------------------------- */

static int parse_sack(const uint8_t *opt, size_t olen, struct axn_tcp_opts *o)
{
    /* RFC 2018 3: length 2 + 8n, 1 <= n <= 4 (only 4 fit in 40 bytes). */
    size_t body = olen - OPT_HDR_LEN;
    size_t n = body / SACK_BLOCK_LEN;
    if (body % SACK_BLOCK_LEN || n < 1 || n > AXN_TCP_SACK_MAX_WIRE_BLOCKS)
        return AXN_WIRE_EOPTLEN;
    if (n > AXN_TCP_MAX_SACK_BLOCKS)
        n = AXN_TCP_MAX_SACK_BLOCKS;
    const uint8_t *p = opt + OPT_HDR_LEN;
    for (size_t i = 0; i < n; i++, p += SACK_BLOCK_LEN) {
        o->sack[i].left = axn_get_be32(p);
        o->sack[i].right = axn_get_be32(p + SACK_RIGHT_OFF);
    }
    o->n_sack = (uint8_t)n;
    return 0;
}

/* One option of known length `olen` (>= 2, inside the header). */
static int parse_option(const uint8_t *opt, size_t olen, struct axn_tcp_opts *o)
{
    switch (opt[0]) {
    case AXN_TCP_OPT_MSS:
        if (olen != OPT_MSS_LEN)
            return AXN_WIRE_EOPTLEN;
        o->has_mss = true;
        o->mss = axn_get_be16(opt + OPT_HDR_LEN);
        return 0;
    case AXN_TCP_OPT_WSCALE:
        if (olen != OPT_WSCALE_LEN)
            return AXN_WIRE_EOPTLEN;
        o->has_wscale = true;
        o->wscale = opt[OPT_HDR_LEN];
        return 0;
    case AXN_TCP_OPT_SACK_PERM:
        if (olen != OPT_SACK_PERM_LEN)
            return AXN_WIRE_EOPTLEN;
        o->sack_perm = true;
        return 0;
    case AXN_TCP_OPT_TS:
        if (olen != OPT_TS_LEN)
            return AXN_WIRE_EOPTLEN;
        o->has_ts = true;
        o->ts_val = axn_get_be32(opt + OPT_HDR_LEN);
        o->ts_ecr = axn_get_be32(opt + OPT_HDR_LEN + TS_ECR_OFF);
        return 0;
    case AXN_TCP_OPT_SACK:
        return parse_sack(opt, olen, o);
    default:
        /* RFC 9293 3.2: unknown options are skipped by their length. */
        return 0;
    }
}

static int parse_options(const uint8_t *p, size_t len, struct axn_tcp_opts *o)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == AXN_TCP_OPT_EOL)
            break;
        if (kind == AXN_TCP_OPT_NOP) {
            i++;
            continue;
        }
        /* RFC 9293 3.2: the length counts kind and length octets, so < 2
         * is malformed, and an option may not run past the data offset. */
        if (len - i < OPT_HDR_LEN)
            return AXN_WIRE_EOPTLEN;
        size_t olen = p[i + 1];
        if (olen < OPT_HDR_LEN || olen > len - i)
            return AXN_WIRE_EOPTLEN;
        int err = parse_option(p + i, olen, o);
        if (err)
            return err;
        i += olen;
    }
    return 0;
}

int axn_tcp_parse(const uint8_t *buf, size_t len, struct axn_tcp *out, uint32_t pseudo_sum,
                  unsigned flags)
{
    if (len < AXN_TCP_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    size_t hlen = (size_t)(buf[OFF_DOFF] >> DOFF_SHIFT) * WORD_LEN;
    if (hlen < AXN_TCP_HDR_LEN || hlen > len)
        return AXN_WIRE_EHDRLEN;
    /* RFC 9293 3.1: the checksum covers pseudo-header, header and data. */
    if (!(flags & AXN_TCP_PARSE_CSUM_VERIFIED) &&
        axn_csum_finish(axn_csum_partial(buf, len, pseudo_sum)) != 0)
        return AXN_WIRE_ECSUM;

    memset(out, 0, sizeof *out);
    out->src_port = axn_get_be16(buf + OFF_SRC_PORT);
    out->dst_port = axn_get_be16(buf + OFF_DST_PORT);
    out->seq = axn_get_be32(buf + OFF_SEQ);
    out->ack = axn_get_be32(buf + OFF_ACK);
    out->hdr_len = (uint8_t)hlen;
    /* Reserved bits are ignored on receipt (RFC 9293 3.1). */
    out->flags = (uint16_t)((buf[OFF_DOFF] & AE_BIT) << FLAG_HIGH | buf[OFF_FLAGS]);
    out->window = axn_get_be16(buf + OFF_WINDOW);
    out->csum = axn_get_be16(buf + OFF_CSUM);
    out->urg_ptr = axn_get_be16(buf + OFF_URG);
    out->payload = buf + hlen;
    out->payload_len = len - hlen;
    return parse_options(buf + AXN_TCP_HDR_LEN, hlen - AXN_TCP_HDR_LEN, &out->opts);
}

/* ---- Emit ----------------------------------------------------------------- */

size_t axn_tcp_opts_len(const struct axn_tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += EMIT_MSS_LEN;
    if (o->has_ts)
        n += EMIT_TS_LEN;
    else if (o->sack_perm)
        n += EMIT_SACK_PERM_LEN;
    if (o->has_wscale)
        n += EMIT_WSCALE_LEN;
    if (o->n_sack)
        n += EMIT_SACK_HDR_LEN + (size_t)o->n_sack * SACK_BLOCK_LEN;
    return n;
}

size_t axn_tcp_len(const struct axn_tcp *in)
{
    return AXN_TCP_HDR_LEN + axn_tcp_opts_len(&in->opts) + in->payload_len;
}

static uint8_t *put_ts(uint8_t *p, const struct axn_tcp_opts *o)
{
    /* SACK-permitted fills the two bytes that would otherwise be NOPs. */
    if (o->sack_perm) {
        *p++ = AXN_TCP_OPT_SACK_PERM;
        *p++ = OPT_SACK_PERM_LEN;
    } else {
        *p++ = AXN_TCP_OPT_NOP;
        *p++ = AXN_TCP_OPT_NOP;
    }
    *p++ = AXN_TCP_OPT_TS;
    *p++ = OPT_TS_LEN;
    axn_put_be32(p, o->ts_val);
    axn_put_be32(p + TS_ECR_OFF, o->ts_ecr);
    return p + TS_VALUES_LEN;
}

static uint8_t *put_sack(uint8_t *p, const struct axn_tcp_opts *o)
{
    *p++ = AXN_TCP_OPT_NOP;
    *p++ = AXN_TCP_OPT_NOP;
    *p++ = AXN_TCP_OPT_SACK;
    *p++ = (uint8_t)(OPT_HDR_LEN + o->n_sack * SACK_BLOCK_LEN);
    for (unsigned i = 0; i < o->n_sack; i++, p += SACK_BLOCK_LEN) {
        axn_put_be32(p, o->sack[i].left);
        axn_put_be32(p + SACK_RIGHT_OFF, o->sack[i].right);
    }
    return p;
}

/* Linux's layout (every option 32-bit aligned, no trailing EOL needed). */
static void put_options(uint8_t *p, const struct axn_tcp_opts *o)
{
    if (o->has_mss) {
        *p++ = AXN_TCP_OPT_MSS;
        *p++ = OPT_MSS_LEN;
        axn_put_be16(p, o->mss);
        p += MSS_VALUE_LEN;
    }
    if (o->has_ts) {
        p = put_ts(p, o);
    } else if (o->sack_perm) {
        *p++ = AXN_TCP_OPT_NOP;
        *p++ = AXN_TCP_OPT_NOP;
        *p++ = AXN_TCP_OPT_SACK_PERM;
        *p++ = OPT_SACK_PERM_LEN;
    }
    if (o->has_wscale) {
        *p++ = AXN_TCP_OPT_NOP;
        *p++ = AXN_TCP_OPT_WSCALE;
        *p++ = OPT_WSCALE_LEN;
        *p++ = o->wscale;
    }
    if (o->n_sack)
        put_sack(p, o);
}

static void put_header(const struct axn_tcp *in, uint8_t *buf, size_t hlen)
{
    axn_put_be16(buf + OFF_SRC_PORT, in->src_port);
    axn_put_be16(buf + OFF_DST_PORT, in->dst_port);
    axn_put_be32(buf + OFF_SEQ, in->seq);
    axn_put_be32(buf + OFF_ACK, in->ack);
    buf[OFF_DOFF] =
        (uint8_t)((hlen / WORD_LEN) << DOFF_SHIFT | ((in->flags >> FLAG_HIGH) & AE_BIT));
    buf[OFF_FLAGS] = (uint8_t)(in->flags & FLAG8_MASK);
    axn_put_be16(buf + OFF_WINDOW, in->window);
    axn_put_be16(buf + OFF_CSUM, 0);
    axn_put_be16(buf + OFF_URG, in->urg_ptr);
}

int axn_tcp_emit(const struct axn_tcp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum,
                 unsigned flags)
{
    if (in->opts.n_sack > AXN_TCP_MAX_SACK_BLOCKS || in->opts.n_sack > AXN_TCP_SACK_MAX_WIRE_BLOCKS)
        return AXN_WIRE_EOPTLEN;
    size_t olen = axn_tcp_opts_len(&in->opts);
    if (olen > AXN_TCP_MAX_OPT_LEN)
        return AXN_WIRE_EOPTLEN;
    size_t hlen = AXN_TCP_HDR_LEN + olen;
    size_t total = hlen + in->payload_len;
    if (total > INT32_MAX)
        return AXN_WIRE_ELEN;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Payload first: it may overlap the header bytes we are about to write. */
    if (in->payload_len && in->payload != buf + hlen)
        memmove(buf + hlen, in->payload, in->payload_len);
    put_header(in, buf, hlen);
    put_options(buf + AXN_TCP_HDR_LEN, &in->opts);
    uint16_t csum = (flags & AXN_TCP_EMIT_CSUM_PARTIAL)
                        ? (uint16_t)~axn_csum_finish(pseudo_sum)
                        : axn_csum_finish(axn_csum_partial(buf, total, pseudo_sum));
    axn_put_be16(buf + OFF_CSUM, csum);
    return (int)total;
}
