/*
 * ICMP for IPv6 (RFC 4443): the common header, echo and the error messages.
 * Neighbour discovery bodies (RFC 4861) are decoded by wire/ndp.h on top of
 * a message this parser accepted.
 *
 * The checksum covers the IPv6 pseudo-header (RFC 4443 2.3), so the caller
 * passes its partial sum: axn_csum_pseudo_v6(src, dst, AXN_ICMP6_NEXT_HEADER,
 * len) with the length of the message it parses or emits.
 */
#ifndef AXN_WIRE_ICMP6_H
#define AXN_WIRE_ICMP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "wire/wire.h"

/* Next-header value of ICMPv6, for the pseudo-header. */
#define AXN_ICMP6_NEXT_HEADER 58

/* Type, code, checksum and the 4-byte first word of the body. */
#define AXN_ICMP6_HDR_LEN 8
/* The quoted packet must at least hold the IPv6 header to be matched. */
#define AXN_ICMP6_ORIG_MIN_LEN 40

/* RFC 4443 2.1 message types; < 128 are errors. */
#define AXN_ICMP6_DEST_UNREACH   1
#define AXN_ICMP6_PKT_TOO_BIG    2
#define AXN_ICMP6_TIME_EXCEEDED  3
#define AXN_ICMP6_PARAM_PROBLEM  4
#define AXN_ICMP6_ECHO_REQUEST   128
#define AXN_ICMP6_ECHO_REPLY     129
#define AXN_ICMP6_ROUTER_SOLICIT 133 /* RFC 4861 4.1 */
#define AXN_ICMP6_ROUTER_ADVERT  134
#define AXN_ICMP6_NEIGH_SOLICIT  135
#define AXN_ICMP6_NEIGH_ADVERT   136
#define AXN_ICMP6_REDIRECT       137

/* Destination unreachable codes (RFC 4443 3.1). */
#define AXN_ICMP6_UNREACH_NOROUTE 0
#define AXN_ICMP6_UNREACH_ADMIN   1
#define AXN_ICMP6_UNREACH_SCOPE   2
#define AXN_ICMP6_UNREACH_ADDR    3
#define AXN_ICMP6_UNREACH_PORT    4

/* Time exceeded codes (RFC 4443 3.3). */
#define AXN_ICMP6_EXC_HOPLIMIT 0
#define AXN_ICMP6_EXC_FRAGTIME 1

/* Parameter problem codes (RFC 4443 3.4). */
#define AXN_ICMP6_PARAM_HEADER     0
#define AXN_ICMP6_PARAM_NEXTHEADER 1
#define AXN_ICMP6_PARAM_OPTION     2

/* Parse flag: skip checksum verification (the device did it, AXN_OFL_CSUM_VALID). */
#define AXN_ICMP6_PARSE_CSUM_VERIFIED (1u << 0)

struct axn_icmp6 {
    uint8_t type;
    uint8_t code;
    uint16_t csum;   /* as received; ignored by emit, which computes it */
    uint8_t rest[4]; /* raw bytes 4..7; emit uses them only for other types */

    /* Decoded first body word, by type (parse fills, emit writes back). */
    uint16_t id;      /* echo request/reply */
    uint16_t seq;     /* echo request/reply */
    uint32_t mtu;     /* packet too big */
    uint32_t pointer; /* parameter problem: offset of the bad octet */

    /* Everything after the 8-byte header: echo data, the quoted packet of
     * an error, or the rest of an NDP message (decode with wire/ndp.h). */
    const uint8_t *body;
    size_t body_len;
};

/* RFC 4443 2.1: types 0..127 are errors, 128..255 informational. */
bool axn_icmp6_is_error(uint8_t type);

/*
 * Parses an ICMPv6 message (the payload after the IPv6 extension headers).
 * `pseudo_sum` is the IPv6 pseudo-header partial sum for `len`. Errors:
 * AXN_WIRE_ETRUNC (< 8 bytes), AXN_WIRE_ECSUM, and for error types
 * AXN_WIRE_ELEN (quote shorter than an IPv6 header) or AXN_WIRE_EVERSION
 * (quote is not IPv6). `flags`: AXN_ICMP6_PARSE_CSUM_VERIFIED or 0.
 */
int axn_icmp6_parse(const uint8_t *buf, size_t len, struct axn_icmp6 *out, uint32_t pseudo_sum,
                    unsigned flags);

/* Bytes axn_icmp6_emit writes for `in`: header plus body. */
size_t axn_icmp6_len(const struct axn_icmp6 *in);

/*
 * Writes header, body and checksum; `pseudo_sum` is the pseudo-header sum
 * for axn_icmp6_len(in). The body is not copied when it already sits at
 * buf + AXN_ICMP6_HDR_LEN. Returns the length, AXN_WIRE_ENOSPC, or
 * AXN_WIRE_ELEN when the message would not fit an IPv6 payload length.
 */
int axn_icmp6_emit(const struct axn_icmp6 *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum);

#endif /* AXN_WIRE_ICMP6_H */
