/*
 * The ICMP errors we send (icmp4.h): RFC 1122 3.2.2's never-rules, the
 * rate limits of icmp4_rate.h (Linux icmp_ratemask, icmp_msgs_per_sec
 * and the per-host icmp_ratelimit), and a quote as long as Linux's.
 */
#include "axnet/errno.h"
#include "ip/icmp4.h"
#include "lib/byteorder.h"

/* IPv4 header fields read from an offending datagram that may be cut
 * short (a quote of header + 8 bytes), so no full parse. */
#define OFF_VER_IHL   0
#define OFF_TOS       1
#define OFF_TOTAL_LEN 2
#define OFF_FRAG      6
#define OFF_PROTO     9
#define OFF_SRC       12
#define OFF_DST       16
#define VERSION_SHIFT 4
#define IHL_MASK      0x0fu
#define IHL_UNIT      4u
#define FRAG_OFF_MASK 0x1fffu
/* Linux NR_ICMP_TYPES: types above it are unknown, treated as errors. */
#define ICMP4_NR_TYPES 18u

/* Room for the quote: the error's IP and ICMP headers come first. */
#define QUOTE_MAX (AXN_ICMP_ERROR_MAX - AXN_IPV4_HDR_MIN - AXN_ICMP4_HDR_LEN)

struct offending {
    uint8_t tos;
    uint8_t protocol;
    size_t hdr_len;
    size_t total_len;
    uint16_t frag_offset; /* in 8-byte units; only "0 or not" matters */
    axn_ip4_t src;
    axn_ip4_t dst;
};

static bool read_offending(const uint8_t *p, size_t len, struct offending *o)
{
    if (len < AXN_IPV4_HDR_MIN || (p[OFF_VER_IHL] >> VERSION_SHIFT) != AXN_IPV4_VERSION)
        return false;
    o->hdr_len = (p[OFF_VER_IHL] & IHL_MASK) * IHL_UNIT;
    if (o->hdr_len < AXN_IPV4_HDR_MIN || o->hdr_len > len)
        return false;
    o->tos = p[OFF_TOS];
    o->total_len = axn_get_be16(p + OFF_TOTAL_LEN);
    o->frag_offset = axn_get_be16(p + OFF_FRAG) & FRAG_OFF_MASK;
    o->protocol = p[OFF_PROTO];
    o->src = axn_get_be32(p + OFF_SRC);
    o->dst = axn_get_be32(p + OFF_DST);
    return true;
}

/* RFC 1122 3.2.2: never about an ICMP error message (nor, as Linux, a
 * type we do not know), which could loop. */
static bool is_icmp_error(const uint8_t *p, size_t len, const struct offending *o)
{
    if (o->protocol != AXN_IPPROTO_ICMP || o->frag_offset != 0 || len <= o->hdr_len)
        return false;
    const uint8_t type = p[o->hdr_len];
    return type > ICMP4_NR_TYPES || axn_icmp4_is_error(type);
}

/* RFC 1122 3.2.2: never about a datagram to a broadcast or multicast
 * address, a fragment other than the first, or one whose source is not a
 * single host. */
static bool may_answer(struct axn_ip4 *ip, const uint8_t *p, size_t len, const struct offending *o)
{
    if (axn_ip4_is_broadcast(o->dst) || axn_ip4_is_multicast(o->dst) ||
        axn_ip4_is_any_subnet_broadcast(ip, o->dst))
        return false;
    if (o->frag_offset != 0)
        return false;
    if (axn_ip4_is_unspecified(o->src) || axn_ip4_is_broadcast(o->src) ||
        axn_ip4_is_multicast(o->src) || axn_ip4_is_any_subnet_broadcast(ip, o->src))
        return false;
    return !is_icmp_error(p, len, o);
}

/* Linux icmpv4_xrlim_allow: "No rate limit on loopback", i.e. when the
 * route to the destination is through lo, as it is for a loopback address
 * and for one of ours (Linux routes local addresses through lo). */
static bool via_loopback(struct axn_ip4 *ip, axn_ip4_t dst)
{
    return axn_ip4_is_loopback(dst) || axn_ip4_classify_dst(ip, dst, 0) == AXN_IP4_DST_LOCAL;
}

/* The rate limits of icmp4_rate.h (icmp_ratemask, the stack's bucket, the
 * destination's bucket), counted. */
int axn_icmp4_xmit_allow(struct axn_ip4 *ip, uint8_t type, uint8_t code, axn_ip4_t dst,
                         axn_time_t now)
{
    switch (axn_icmp4_rate_xmit(&ip->rate, type, code, dst, via_loopback(ip, dst), now)) {
    case AXN_ICMP4_RATE_OK:
        return 0;
    case AXN_ICMP4_RATE_GLOBAL:
        ip->icmp.out_rate_limit_global++;
        return -AXN_EAGAIN;
    case AXN_ICMP4_RATE_HOST:
    default:
        ip->icmp.out_rate_limit_host++; /* ip->rate.limited_host counts it too */
        return -AXN_EAGAIN;
    }
}

static void count_out(struct axn_ip4 *ip, uint8_t type)
{
    ip->icmp.out_msgs++;
    if (type == AXN_ICMP4_DEST_UNREACH)
        ip->icmp.out_dest_unreachs++;
    else if (type == AXN_ICMP4_TIME_EXCEEDED)
        ip->icmp.out_time_excds++;
    else if (type == AXN_ICMP4_PARAM_PROBLEM)
        ip->icmp.out_parm_probs++;
}

static size_t quote_len(size_t len, const struct offending *o)
{
    size_t n = len;
    /* Link padding past Total Length is not part of the datagram. */
    if (o->total_len >= o->hdr_len && o->total_len < n)
        n = o->total_len;
    return n < QUOTE_MAX ? n : QUOTE_MAX;
}

static int build_and_send(struct axn_ip4 *ip, uint8_t type, uint8_t code, uint32_t info,
                          const uint8_t *p, const struct offending *o, size_t qlen, axn_time_t now)
{
    size_t cap;
    uint8_t *buf = axn_ip4_tx_payload(ip, &cap);
    const struct axn_icmp4 m = {
        .type = type,
        .code = code,
        .next_mtu = (uint16_t)info,
        .pointer = (uint8_t)info,
        .body = p,
        .body_len = qlen,
    };
    const int n = axn_icmp4_emit(&m, buf, cap);
    if (n < 0)
        return -AXN_EINVAL;
    /* Linux __icmp_send: from the address the datagram was sent to when
     * it is ours, else the route's choice. */
    axn_ip4_t src = o->dst;
    if (axn_ip4_classify_dst(ip, o->dst, 0) != AXN_IP4_DST_LOCAL && !axn_ip4_is_loopback(o->dst))
        src = 0;
    const struct axn_ip4_tx tx = {
        .src = src,
        .dst = o->src,
        .protocol = AXN_IPPROTO_ICMP,
        .tos = (uint8_t)(AXN_ICMP4_ERROR_PRECEDENCE | (o->tos & AXN_IPTOS_TOS_MASK)),
    };
    return axn_ip4_output(ip, &tx, buf, (size_t)n, now);
}

int axn_icmp4_send_error_info(struct axn_ip4 *ip, uint8_t type, uint8_t code, uint32_t info,
                              const uint8_t *offending, size_t len, axn_time_t now)
{
    struct offending o;
    if (!read_offending(offending, len, &o))
        return -AXN_EINVAL;
    if (!may_answer(ip, offending, len, &o))
        return -AXN_EPERM;
    const int limited = axn_icmp4_xmit_allow(ip, type, code, o.src, now);
    if (limited)
        return limited;
    const int err = build_and_send(ip, type, code, info, offending, &o, quote_len(len, &o), now);
    if (err) {
        ip->icmp.out_errors++;
        return err;
    }
    count_out(ip, type);
    return 0;
}

int axn_icmp4_send_error(struct axn_ip4 *ip, uint8_t type, uint8_t code, const uint8_t *offending,
                         size_t len, axn_time_t now)
{
    return axn_icmp4_send_error_info(ip, type, code, 0, offending, len, now);
}
