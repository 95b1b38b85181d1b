/* IPv6 neighbour discovery messages and options (RFC 4861): parse and emit. */
#include "wire/ndp.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

/*
 * Field offsets. Bytes 4..7 of the message are axn_icmp6.rest (REST_*),
 * bytes from 8 on are axn_icmp6.body (BODY_*), RFC 4861 4.1-4.5.
 */
#define REST_RA_HOP_LIMIT 0
#define REST_RA_FLAGS     1
#define REST_RA_LIFETIME  2
#define REST_NA_FLAGS     0
#define BODY_RA_REACHABLE 0
#define BODY_RA_RETRANS   4
#define BODY_TARGET       0
#define BODY_REDIR_DEST   16

#define RA_FLAG_MANAGED 0x80
#define RA_FLAG_OTHER   0x40
#define NA_FLAG_ROUTER  0x80
#define NA_FLAG_SOLICIT 0x40
#define NA_FLAG_OVERRID 0x20

/* Option layouts (RFC 4861 4.6.1-4.6.4), offsets from the option start. */
#define OPT_TYPE           0
#define OPT_LEN            1
#define OPT_HDR_LEN        2
#define OPT_LLADDR         2
#define OPT_LLADDR_LEN     8 /* RFC 2464 8: Ethernet, length 1 */
#define OPT_PFX_LEN        2
#define OPT_PFX_FLAGS      3
#define OPT_PFX_VALID      4
#define OPT_PFX_PREFERRED  8
#define OPT_PFX_PREFIX     16
#define OPT_PFX_SIZE       32 /* length 4 */
#define OPT_PFX_FLAG_ONLNK 0x80
#define OPT_PFX_FLAG_AUTO  0x40
#define OPT_MTU_VALUE      4
#define OPT_MTU_SIZE       8 /* length 1 */
#define OPT_REDIR_DATA     8
#define OPT_MAX_UNITS      0xff

#define IP6_ADDR_LEN      16
#define IP6_MAX_PREFIX    128
#define IP6_MULTICAST_TAG 0xff /* RFC 4291 2.7: ff00::/8 */

bool axn_ndp_is_ndp(uint8_t icmp6_type)
{
    return icmp6_type >= AXN_ICMP6_ROUTER_SOLICIT && icmp6_type <= AXN_ICMP6_REDIRECT;
}

bool axn_ndp_hop_limit_ok(uint8_t ip_hop_limit)
{
    return ip_hop_limit == AXN_NDP_HOP_LIMIT;
}

/* Bytes of the fixed part after the 8-byte ICMPv6 header. */
static size_t fixed_body_len(uint8_t type)
{
    switch (type) {
    case AXN_ICMP6_ROUTER_SOLICIT:
        return AXN_NDP_RS_LEN - AXN_ICMP6_HDR_LEN;
    case AXN_ICMP6_ROUTER_ADVERT:
        return AXN_NDP_RA_LEN - AXN_ICMP6_HDR_LEN;
    case AXN_ICMP6_NEIGH_SOLICIT:
        return AXN_NDP_NS_LEN - AXN_ICMP6_HDR_LEN;
    case AXN_ICMP6_NEIGH_ADVERT:
        return AXN_NDP_NA_LEN - AXN_ICMP6_HDR_LEN;
    default:
        return AXN_NDP_REDIRECT_LEN - AXN_ICMP6_HDR_LEN;
    }
}

static bool is_multicast(const struct axn_ip6 *a)
{
    return a->b[0] == IP6_MULTICAST_TAG;
}

static int parse_lladdr(const uint8_t *opt, size_t olen, bool *has, struct axn_mac *mac)
{
    if (olen != OPT_LLADDR_LEN)
        return AXN_WIRE_EOPTLEN;
    if (!*has) {
        memcpy(mac->b, opt + OPT_LLADDR, AXN_MAC_LEN);
        *has = true;
    }
    return 0;
}

static int parse_prefix(const uint8_t *opt, size_t olen, struct axn_ndp *out)
{
    if (olen != OPT_PFX_SIZE)
        return AXN_WIRE_EOPTLEN;
    if (opt[OPT_PFX_LEN] > IP6_MAX_PREFIX)
        return AXN_WIRE_EFIELD;
    if (out->n_prefix == AXN_NDP_MAX_PREFIXES) {
        if (out->prefix_dropped < UINT8_MAX)
            out->prefix_dropped++;
        return 0;
    }
    struct axn_ndp_prefix *p = &out->prefix[out->n_prefix++];
    p->prefix_len = opt[OPT_PFX_LEN];
    p->on_link = opt[OPT_PFX_FLAGS] & OPT_PFX_FLAG_ONLNK;
    p->autonomous = opt[OPT_PFX_FLAGS] & OPT_PFX_FLAG_AUTO;
    p->valid_lifetime = axn_get_be32(opt + OPT_PFX_VALID);
    p->preferred_lifetime = axn_get_be32(opt + OPT_PFX_PREFERRED);
    memcpy(p->prefix.b, opt + OPT_PFX_PREFIX, IP6_ADDR_LEN);
    return 0;
}

static int parse_option(const uint8_t *opt, size_t olen, struct axn_ndp *out)
{
    switch (opt[OPT_TYPE]) {
    case AXN_NDP_OPT_SRC_LLADDR:
        return parse_lladdr(opt, olen, &out->has_src_lladdr, &out->src_lladdr);
    case AXN_NDP_OPT_TGT_LLADDR:
        return parse_lladdr(opt, olen, &out->has_tgt_lladdr, &out->tgt_lladdr);
    case AXN_NDP_OPT_PREFIX_INFO:
        return parse_prefix(opt, olen, out);
    case AXN_NDP_OPT_MTU:
        if (olen != OPT_MTU_SIZE)
            return AXN_WIRE_EOPTLEN;
        if (!out->has_mtu) {
            out->mtu = axn_get_be32(opt + OPT_MTU_VALUE);
            out->has_mtu = true;
        }
        return 0;
    case AXN_NDP_OPT_REDIRECTED:
        if (!out->redirected) {
            out->redirected = opt + OPT_REDIR_DATA;
            out->redirected_len = olen - OPT_REDIR_DATA;
        }
        return 0;
    default:
        /* RFC 4861 4.6: unrecognised options are skipped silently. */
        return 0;
    }
}

static int parse_options(const uint8_t *p, size_t len, struct axn_ndp *out)
{
    unsigned count = 0;
    while (len > 0) {
        if (len < OPT_HDR_LEN)
            return AXN_WIRE_EOPTLEN;
        /* RFC 4861 4.6: "The value 0 is invalid. Nodes MUST silently
         * discard an ND packet that contains an option with length zero." */
        size_t olen = (size_t)p[OPT_LEN] * AXN_NDP_OPT_UNIT;
        if (olen == 0 || olen > len)
            return AXN_WIRE_EOPTLEN;
        if (++count > AXN_NDP_MAX_OPTIONS)
            return AXN_WIRE_ECOUNT;
        int err = parse_option(p, olen, out);
        if (err)
            return err;
        p += olen;
        len -= olen;
    }
    return 0;
}

static void parse_fixed(const struct axn_icmp6 *msg, struct axn_ndp *out)
{
    const uint8_t *b = msg->body;
    switch (msg->type) {
    case AXN_ICMP6_ROUTER_ADVERT:
        out->cur_hop_limit = msg->rest[REST_RA_HOP_LIMIT];
        out->managed = msg->rest[REST_RA_FLAGS] & RA_FLAG_MANAGED;
        out->other = msg->rest[REST_RA_FLAGS] & RA_FLAG_OTHER;
        out->router_lifetime = axn_get_be16(msg->rest + REST_RA_LIFETIME);
        out->reachable_time = axn_get_be32(b + BODY_RA_REACHABLE);
        out->retrans_timer = axn_get_be32(b + BODY_RA_RETRANS);
        break;
    case AXN_ICMP6_NEIGH_ADVERT:
        out->router = msg->rest[REST_NA_FLAGS] & NA_FLAG_ROUTER;
        out->solicited = msg->rest[REST_NA_FLAGS] & NA_FLAG_SOLICIT;
        out->override = msg->rest[REST_NA_FLAGS] & NA_FLAG_OVERRID;
        memcpy(out->target.b, b + BODY_TARGET, IP6_ADDR_LEN);
        break;
    case AXN_ICMP6_NEIGH_SOLICIT:
        memcpy(out->target.b, b + BODY_TARGET, IP6_ADDR_LEN);
        break;
    case AXN_ICMP6_REDIRECT:
        memcpy(out->target.b, b + BODY_TARGET, IP6_ADDR_LEN);
        memcpy(out->dest.b, b + BODY_REDIR_DEST, IP6_ADDR_LEN);
        break;
    default: /* router solicitation: reserved word only */
        break;
    }
}

/* RFC 4861 7.1.1, 7.1.2, 8.1: targets and redirect destinations are unicast. */
static int check_addresses(const struct axn_ndp *m)
{
    bool has_target = m->type == AXN_ICMP6_NEIGH_SOLICIT || m->type == AXN_ICMP6_NEIGH_ADVERT ||
                      m->type == AXN_ICMP6_REDIRECT;
    if (has_target && is_multicast(&m->target))
        return AXN_WIRE_EADDR;
    if (m->type == AXN_ICMP6_REDIRECT && is_multicast(&m->dest))
        return AXN_WIRE_EADDR;
    return 0;
}

int axn_ndp_parse(const struct axn_icmp6 *msg, struct axn_ndp *out)
{
    if (!axn_ndp_is_ndp(msg->type))
        return AXN_WIRE_ETYPE;
    /* RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1: "ICMP Code is 0". */
    if (msg->code != 0)
        return AXN_WIRE_EFIELD;
    size_t fixed = fixed_body_len(msg->type);
    if (msg->body_len < fixed)
        return AXN_WIRE_ETRUNC;

    memset(out, 0, sizeof *out);
    out->type = msg->type;
    parse_fixed(msg, out);
    int err = check_addresses(out);
    if (err)
        return err;
    return parse_options(msg->body + fixed, msg->body_len - fixed, out);
}

/* ---- Emit --------------------------------------------------------------- */

static size_t redirected_size(const struct axn_ndp *in)
{
    if (!in->redirected)
        return 0;
    size_t raw = OPT_REDIR_DATA + in->redirected_len;
    return (raw + AXN_NDP_OPT_UNIT - 1) / AXN_NDP_OPT_UNIT * AXN_NDP_OPT_UNIT;
}

static size_t options_len(const struct axn_ndp *in)
{
    size_t n = (size_t)in->n_prefix * OPT_PFX_SIZE + redirected_size(in);
    if (in->has_src_lladdr)
        n += OPT_LLADDR_LEN;
    if (in->has_tgt_lladdr)
        n += OPT_LLADDR_LEN;
    if (in->has_mtu)
        n += OPT_MTU_SIZE;
    return n;
}

size_t axn_ndp_len(const struct axn_ndp *in)
{
    return AXN_ICMP6_HDR_LEN + fixed_body_len(in->type) + options_len(in);
}

static int check_emit(const struct axn_ndp *in)
{
    if (!axn_ndp_is_ndp(in->type))
        return AXN_WIRE_ETYPE;
    if (in->n_prefix > AXN_NDP_MAX_PREFIXES)
        return AXN_WIRE_EFIELD;
    for (unsigned i = 0; i < in->n_prefix; i++)
        if (in->prefix[i].prefix_len > IP6_MAX_PREFIX)
            return AXN_WIRE_EFIELD;
    if (redirected_size(in) / AXN_NDP_OPT_UNIT > OPT_MAX_UNITS)
        return AXN_WIRE_EFIELD;
    return 0;
}

static void put_opt_header(uint8_t *p, uint8_t type, size_t size)
{
    p[OPT_TYPE] = type;
    p[OPT_LEN] = (uint8_t)(size / AXN_NDP_OPT_UNIT);
}

static uint8_t *put_lladdr(uint8_t *p, uint8_t type, const struct axn_mac *mac)
{
    put_opt_header(p, type, OPT_LLADDR_LEN);
    memcpy(p + OPT_LLADDR, mac->b, AXN_MAC_LEN);
    return p + OPT_LLADDR_LEN;
}

static uint8_t *put_prefix(uint8_t *p, const struct axn_ndp_prefix *pfx)
{
    memset(p, 0, OPT_PFX_SIZE); /* reserved fields */
    put_opt_header(p, AXN_NDP_OPT_PREFIX_INFO, OPT_PFX_SIZE);
    p[OPT_PFX_LEN] = pfx->prefix_len;
    p[OPT_PFX_FLAGS] = (uint8_t)((pfx->on_link ? OPT_PFX_FLAG_ONLNK : 0) |
                                 (pfx->autonomous ? OPT_PFX_FLAG_AUTO : 0));
    axn_put_be32(p + OPT_PFX_VALID, pfx->valid_lifetime);
    axn_put_be32(p + OPT_PFX_PREFERRED, pfx->preferred_lifetime);
    memcpy(p + OPT_PFX_PREFIX, pfx->prefix.b, IP6_ADDR_LEN);
    return p + OPT_PFX_SIZE;
}

static uint8_t *put_mtu(uint8_t *p, uint32_t mtu)
{
    memset(p, 0, OPT_MTU_SIZE);
    put_opt_header(p, AXN_NDP_OPT_MTU, OPT_MTU_SIZE);
    axn_put_be32(p + OPT_MTU_VALUE, mtu);
    return p + OPT_MTU_SIZE;
}

/* The quoted packet goes in place first: it may already sit in `buf`. */
static void put_redirected(const struct axn_ndp *in, uint8_t *p)
{
    size_t size = redirected_size(in);
    if (in->redirected_len && in->redirected != p + OPT_REDIR_DATA)
        memmove(p + OPT_REDIR_DATA, in->redirected, in->redirected_len);
    memset(p, 0, OPT_REDIR_DATA); /* type, length, 6 reserved bytes */
    put_opt_header(p, AXN_NDP_OPT_REDIRECTED, size);
    memset(p + OPT_REDIR_DATA + in->redirected_len, 0, size - OPT_REDIR_DATA - in->redirected_len);
}

static void put_fixed(const struct axn_ndp *in, struct axn_icmp6 *m, uint8_t *b)
{
    uint8_t *rest = m->rest;
    memset(rest, 0, sizeof m->rest);
    memset(b, 0, fixed_body_len(in->type));
    switch (in->type) {
    case AXN_ICMP6_ROUTER_ADVERT:
        rest[REST_RA_HOP_LIMIT] = in->cur_hop_limit;
        rest[REST_RA_FLAGS] =
            (uint8_t)((in->managed ? RA_FLAG_MANAGED : 0) | (in->other ? RA_FLAG_OTHER : 0));
        axn_put_be16(rest + REST_RA_LIFETIME, in->router_lifetime);
        axn_put_be32(b + BODY_RA_REACHABLE, in->reachable_time);
        axn_put_be32(b + BODY_RA_RETRANS, in->retrans_timer);
        break;
    case AXN_ICMP6_NEIGH_ADVERT:
        rest[REST_NA_FLAGS] =
            (uint8_t)((in->router ? NA_FLAG_ROUTER : 0) | (in->solicited ? NA_FLAG_SOLICIT : 0) |
                      (in->override ? NA_FLAG_OVERRID : 0));
        memcpy(b + BODY_TARGET, in->target.b, IP6_ADDR_LEN);
        break;
    case AXN_ICMP6_NEIGH_SOLICIT:
        memcpy(b + BODY_TARGET, in->target.b, IP6_ADDR_LEN);
        break;
    case AXN_ICMP6_REDIRECT:
        memcpy(b + BODY_TARGET, in->target.b, IP6_ADDR_LEN);
        memcpy(b + BODY_REDIR_DEST, in->dest.b, IP6_ADDR_LEN);
        break;
    default:
        break;
    }
}

int axn_ndp_emit(const struct axn_ndp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum)
{
    int err = check_emit(in);
    if (err)
        return err;
    size_t total = axn_ndp_len(in);
    if (cap < total)
        return AXN_WIRE_ENOSPC;

    struct axn_icmp6 m = {.type = in->type, .body = buf + AXN_ICMP6_HDR_LEN};
    m.body_len = total - AXN_ICMP6_HDR_LEN;
    uint8_t *p = buf + total - redirected_size(in);
    if (in->redirected)
        put_redirected(in, p);
    put_fixed(in, &m, buf + AXN_ICMP6_HDR_LEN);
    p = buf + AXN_ICMP6_HDR_LEN + fixed_body_len(in->type);
    /* The order radvd uses, so a parsed advertisement re-emits identically. */
    for (unsigned i = 0; i < in->n_prefix; i++)
        p = put_prefix(p, &in->prefix[i]);
    if (in->has_mtu)
        p = put_mtu(p, in->mtu);
    if (in->has_src_lladdr)
        p = put_lladdr(p, AXN_NDP_OPT_SRC_LLADDR, &in->src_lladdr);
    if (in->has_tgt_lladdr)
        put_lladdr(p, AXN_NDP_OPT_TGT_LLADDR, &in->tgt_lladdr);
    return axn_icmp6_emit(&m, buf, cap, pseudo_sum);
}
