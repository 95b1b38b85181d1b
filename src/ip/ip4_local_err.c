/*
 * Errors the stack raises about its own datagrams, without an ICMP
 * message on the wire: a next hop that never answered ARP (ETH-14).
 * Linux fails such a packet in neigh_invalidate, which calls
 * icmp_send(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH) back to ourselves; the
 * error then reaches the sending socket through the transport's err
 * handler (udp_err: EHOSTUNREACH). We hand the quote to the same handler
 * directly, as if that ICMP message had come in (core/proto_hooks.h).
 */
#include "ip/ip4.h"
#include "lib/byteorder.h"
#include "wire/icmp4.h"

/* Fields of the quoted IPv4 header (RFC 791 3.1). */
#define QUOTE_OFF_PROTO 9
#define QUOTE_OFF_SRC   12
#define QUOTE_OFF_DST   16
#define IHL_MASK        0x0fu
#define IHL_UNIT        4u
#define VERSION_SHIFT   4u

/* The quoted header's length, or 0 if the quote is not an IPv4 header
 * followed by at least the start of a transport header. */
static size_t quote_hdr_len(const uint8_t *q, size_t len)
{
    if (!q || len < AXN_IPV4_HDR_MIN || (q[0] >> VERSION_SHIFT) != AXN_IPV4_VERSION)
        return 0;
    const size_t hl = (size_t)(q[0] & IHL_MASK) * IHL_UNIT;
    return hl >= AXN_IPV4_HDR_MIN && hl < len ? hl : 0;
}

void axn_ip4_local_unreachable(void *ctx, uint32_t ifindex, const uint8_t *quote, size_t quote_len,
                               axn_time_t now)
{
    struct axn_ip4 *ip = ctx;
    const size_t hl = quote_hdr_len(quote, quote_len);
    if (hl == 0)
        return;
    const axn_ip4_t src = axn_get_be32(quote + QUOTE_OFF_SRC);
    const struct axn_icmp4_err e = {
        .type = AXN_ICMP4_DEST_UNREACH,
        .code = AXN_ICMP4_UNREACH_HOST,
        .info = 0,
        /* Linux's icmp_send answers from the failing host's own side: the
         * reporter is us, the quoted datagram's source. */
        .reporter = src,
        .ifindex = ifindex,
        .quote = quote,
        .quote_len = quote_len,
        .orig_src = src,
        .orig_dst = axn_get_be32(quote + QUOTE_OFF_DST),
        .orig_protocol = quote[QUOTE_OFF_PROTO],
        .orig_l4 = quote + hl,
        .orig_l4_len = quote_len - hl,
    };
    const struct axn_ip4_handler *h = axn_ip4_handler_for(ip, e.orig_protocol);
    if (h && h->err)
        h->err(h->err_ctx, &e, now);
}
