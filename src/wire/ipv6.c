/* IPv6 fixed header and extension-header chain (RFC 8200) parse/emit. */
#include "wire/ipv6.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

/* RFC 8200 3: fixed header layout. */
#define IP6_OFF_VTF   0 /* version 4 bits, traffic class 8, flow label 20 */
#define IP6_OFF_PLEN  4
#define IP6_OFF_NH    6
#define IP6_OFF_HLIM  7
#define IP6_OFF_SRC   8
#define IP6_OFF_DST   24
#define IP6_VER_SHIFT 28
#define IP6_TC_SHIFT  20
#define IP6_TC_MASK   0xFFu
#define IP6_FLOW_MASK AXN_IPV6_FLOW_MAX

/* RFC 8200 4.3/4.4/4.6: Next Header, Hdr Ext Len in 8-octet units beyond
 * the first 8 octets. Every extension header is at least 8 octets. */
#define EXT_OFF_NH   0
#define EXT_OFF_LEN  1
#define EXT_UNIT     8
#define EXT_MIN_LEN  8
#define EXT_OPTS_OFF 2 /* options start after Next Header and Hdr Ext Len */

/* RFC 8200 4.4: Routing header, Routing Type and Segments Left. */
#define RH_OFF_TYPE 2
#define RH_OFF_SEGS 3

/* RFC 8200 4.5: Fragment header. */
#define FH_OFF_RES     1
#define FH_OFF_OFFLG   2 /* 13-bit offset, 2 reserved bits, M flag */
#define FH_OFF_ID      4
#define FH_OFFSET_MASK 0xFFF8u /* offset in 8-octet units, already times 8 */
#define FH_M_FLAG      0x0001u
#define FH_OFFSET_LO   (EXT_UNIT - 1)

/* RFC 8200 4.2: an option with data is type, length (of data), data. */
#define OPT_HDR_LEN     2
#define OPT_RA_DATA_LEN 2 /* RFC 2711 2.1 */

/* State of the extension-header walk. */
struct walk {
    const uint8_t *buf;
    size_t off; /* current header, from the start of buf */
    size_t end; /* end of the Payload Length */
    uint8_t nh; /* type of the header at off */
};

static bool is_walked_ext(uint8_t nh)
{
    return nh == AXN_IPV6_NH_HOPOPTS || nh == AXN_IPV6_NH_ROUTING || nh == AXN_IPV6_NH_FRAGMENT ||
           nh == AXN_IPV6_NH_DSTOPTS;
}

static bool is_known_option(uint8_t type, bool hop_by_hop)
{
    return type == AXN_IPV6_OPT_PADN || (hop_by_hop && type == AXN_IPV6_OPT_ROUTER_ALERT);
}

static void note_unknown_option(struct axn_ipv6 *out, uint8_t type, size_t off)
{
    if (AXN_IPV6_OPT_ACTION(type) == AXN_IPV6_OPT_ACT_SKIP || out->unknown_opt_offset)
        return;
    out->unknown_opt_type = type;
    out->unknown_opt_offset = off;
}

/* RFC 8200 4.2: walks the TLV options of a Hop-by-Hop or Destination
 * Options header occupying buf[off .. off + len). */
static int walk_options(const uint8_t *buf, size_t off, size_t len, bool hop_by_hop,
                        struct axn_ipv6 *out)
{
    size_t i = off + EXT_OPTS_OFF;
    size_t end = off + len;
    while (i < end) {
        uint8_t type = buf[i];
        if (type == AXN_IPV6_OPT_PAD1) {
            i++;
            continue;
        }
        if (end - i < OPT_HDR_LEN || buf[i + 1] > end - i - OPT_HDR_LEN)
            return AXN_WIRE_EOPTLEN;
        if (hop_by_hop && type == AXN_IPV6_OPT_ROUTER_ALERT) {
            if (buf[i + 1] != OPT_RA_DATA_LEN)
                return AXN_WIRE_EOPTLEN;
            out->router_alert = true;
        }
        if (!is_known_option(type, hop_by_hop))
            note_unknown_option(out, type, i);
        i += OPT_HDR_LEN + buf[i + 1];
    }
    return 0;
}

static int read_fragment(const struct walk *w, struct axn_ipv6 *out)
{
    const uint8_t *h = w->buf + w->off;
    if (out->frag.present)
        return AXN_WIRE_EFIELD; /* RFC 8200 4.1: at most once */
    uint16_t offlg = axn_get_be16(h + FH_OFF_OFFLG);
    out->frag.present = true;
    out->frag.next_header = h[EXT_OFF_NH];
    out->frag.offset = (uint16_t)(offlg & FH_OFFSET_MASK);
    out->frag.more = (offlg & FH_M_FLAG) != 0;
    out->frag.id = axn_get_be32(h + FH_OFF_ID);
    out->frag.hdr_offset = w->off;
    out->frag.data = h + AXN_IPV6_FRAG_HDR_LEN;
    out->frag.data_len = w->end - w->off - AXN_IPV6_FRAG_HDR_LEN;
    /* RFC 8200 4.5: the reassembled Payload Length (unfragmentable headers
     * after the fixed header, plus offset, plus this fragment) <= 65535. */
    size_t unfrag = w->off - AXN_IPV6_HDR_LEN;
    if (unfrag + out->frag.offset + out->frag.data_len > AXN_IPV6_PAYLOAD_MAX)
        return AXN_WIRE_EFRAG;
    return 0;
}

static void read_routing(const struct walk *w, struct axn_ipv6 *out)
{
    const uint8_t *h = w->buf + w->off;
    /* Only the first one is reported: a second would be unusual (RFC 8200
     * 4.1) and the first is the one a host acts on. */
    if (out->routing.present)
        return;
    out->routing.present = true;
    out->routing.type = h[RH_OFF_TYPE];
    out->routing.segments_left = h[RH_OFF_SEGS];
    out->routing.hdr_offset = w->off;
}

/* Length of the extension header at w->off; ELEN/EOPTLEN when it does not fit. */
static int ext_length(const struct walk *w, size_t *hlen)
{
    size_t left = w->end - w->off;
    if (left < EXT_MIN_LEN)
        return AXN_WIRE_ELEN;
    if (w->nh == AXN_IPV6_NH_FRAGMENT)
        *hlen = AXN_IPV6_FRAG_HDR_LEN;
    else
        *hlen = ((size_t)w->buf[w->off + EXT_OFF_LEN] + 1) * EXT_UNIT;
    if (*hlen > left)
        return AXN_WIRE_EOPTLEN;
    return 0;
}

/* Reads one extension header at w->off of length hlen. */
static int read_ext(const struct walk *w, size_t hlen, struct axn_ipv6 *out)
{
    switch (w->nh) {
    case AXN_IPV6_NH_HOPOPTS:
        /* RFC 8200 4.1: Hop-by-Hop only immediately after the IPv6 header. */
        if (w->off != AXN_IPV6_HDR_LEN)
            return AXN_WIRE_EFIELD;
        return walk_options(w->buf, w->off, hlen, true, out);
    case AXN_IPV6_NH_DSTOPTS:
        return walk_options(w->buf, w->off, hlen, false, out);
    case AXN_IPV6_NH_ROUTING:
        read_routing(w, out);
        return 0;
    default:
        return read_fragment(w, out);
    }
}

/* Walks the chain; leaves w at the header that ended it. */
static int walk_chain(struct walk *w, struct axn_ipv6 *out)
{
    while (is_walked_ext(w->nh)) {
        if (out->ext_count == AXN_IP6_MAX_EXT_HEADERS)
            return AXN_WIRE_ECHAIN;
        size_t hlen;
        int err = ext_length(w, &hlen);
        if (!err)
            err = read_ext(w, hlen, out);
        if (err)
            return err;
        out->ext_count++;
        bool non_first_frag = w->nh == AXN_IPV6_NH_FRAGMENT && out->frag.offset != 0;
        w->nh = w->buf[w->off + EXT_OFF_NH];
        w->off += hlen;
        if (non_first_frag)
            break;
    }
    return 0;
}

static void read_fixed(const uint8_t *buf, struct axn_ipv6 *out)
{
    uint32_t vtf = axn_get_be32(buf + IP6_OFF_VTF);
    out->traffic_class = (uint8_t)((vtf >> IP6_TC_SHIFT) & IP6_TC_MASK);
    out->flow_label = vtf & IP6_FLOW_MASK;
    out->payload_len = axn_get_be16(buf + IP6_OFF_PLEN);
    out->next_header = buf[IP6_OFF_NH];
    out->hop_limit = buf[IP6_OFF_HLIM];
    memcpy(out->src.b, buf + IP6_OFF_SRC, AXN_IPV6_ADDR_LEN);
    memcpy(out->dst.b, buf + IP6_OFF_DST, AXN_IPV6_ADDR_LEN);
    out->payload = buf + AXN_IPV6_HDR_LEN;
}

static void reset_results(struct axn_ipv6 *out)
{
    memset(&out->frag, 0, sizeof(out->frag));
    memset(&out->routing, 0, sizeof(out->routing));
    out->ext_count = 0;
    out->router_alert = false;
    out->unknown_opt_type = 0;
    out->unknown_opt_offset = 0;
}

int axn_ipv6_parse(const uint8_t *buf, size_t len, struct axn_ipv6 *out)
{
    if (len < AXN_IPV6_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    if (axn_get_be32(buf + IP6_OFF_VTF) >> IP6_VER_SHIFT != AXN_IPV6_VERSION)
        return AXN_WIRE_EVERSION;
    read_fixed(buf, out);
    /* Bytes past Payload Length are link padding. */
    if (out->payload_len > len - AXN_IPV6_HDR_LEN)
        return AXN_WIRE_ELEN;
    reset_results(out);
    struct walk w = {buf, AXN_IPV6_HDR_LEN, AXN_IPV6_HDR_LEN + out->payload_len, out->next_header};
    int err = walk_chain(&w, out);
    if (err)
        return err;
    out->upper_proto = w.nh;
    out->upper_offset = w.off;
    out->upper = buf + w.off;
    out->upper_len = w.end - w.off;
    return 0;
}

static int check_emit(const struct axn_ipv6 *in, size_t ext_len)
{
    if (in->flow_label > AXN_IPV6_FLOW_MAX)
        return AXN_WIRE_EFIELD;
    if (in->payload_len > AXN_IPV6_PAYLOAD_MAX - ext_len)
        return AXN_WIRE_ELEN;
    if (!in->frag.present)
        return 0;
    if (in->frag.offset & FH_OFFSET_LO)
        return AXN_WIRE_EFRAG;
    if ((size_t)in->frag.offset + in->payload_len > AXN_IPV6_PAYLOAD_MAX)
        return AXN_WIRE_EFRAG;
    return 0;
}

static void write_fragment(const struct axn_ipv6_frag *f, uint8_t *h)
{
    uint16_t offlg = f->offset;
    if (f->more)
        offlg |= FH_M_FLAG;
    h[EXT_OFF_NH] = f->next_header;
    h[FH_OFF_RES] = 0;
    axn_put_be16(h + FH_OFF_OFFLG, offlg);
    axn_put_be32(h + FH_OFF_ID, f->id);
}

static void write_fixed(const struct axn_ipv6 *in, uint8_t *buf, size_t plen)
{
    uint32_t vtf = (uint32_t)AXN_IPV6_VERSION << IP6_VER_SHIFT |
                   (uint32_t)in->traffic_class << IP6_TC_SHIFT | in->flow_label;
    axn_put_be32(buf + IP6_OFF_VTF, vtf);
    axn_put_be16(buf + IP6_OFF_PLEN, (uint16_t)plen);
    buf[IP6_OFF_NH] = in->frag.present ? AXN_IPV6_NH_FRAGMENT : in->next_header;
    buf[IP6_OFF_HLIM] = in->hop_limit;
    memcpy(buf + IP6_OFF_SRC, in->src.b, AXN_IPV6_ADDR_LEN);
    memcpy(buf + IP6_OFF_DST, in->dst.b, AXN_IPV6_ADDR_LEN);
}

int axn_ipv6_emit(const struct axn_ipv6 *in, uint8_t *buf, size_t cap)
{
    size_t ext_len = in->frag.present ? AXN_IPV6_FRAG_HDR_LEN : 0;
    int err = check_emit(in, ext_len);
    if (err)
        return err;
    size_t hdr_len = AXN_IPV6_HDR_LEN + ext_len;
    size_t total = hdr_len + in->payload_len;
    if (cap < total)
        return AXN_WIRE_ENOSPC;
    /* Payload first: it may already sit in place (then nothing moves). */
    if (in->payload_len && in->payload != buf + hdr_len)
        memmove(buf + hdr_len, in->payload, in->payload_len);
    if (in->frag.present)
        write_fragment(&in->frag, buf + AXN_IPV6_HDR_LEN);
    write_fixed(in, buf, ext_len + in->payload_len);
    return (int)total;
}
