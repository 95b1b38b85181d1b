/*
 * IPv4 header (RFC 791) parse/emit and IPv4 address classes.
 *
 * Parsing validates what a host must check before trusting any field
 * (RFC 1122 3.2.1): version, header length, total length against the
 * buffer, the header checksum, the option list's framing, and that a
 * fragment cannot reach past the largest datagram. It does not judge
 * addresses, TTL or option contents: that is the IP layer's business.
 */
#ifndef AXN_WIRE_IPV4_H
#define AXN_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_IPV4_VERSION 4
#define AXN_IPV4_HDR_MIN 20 /* IHL 5 */
#define AXN_IPV4_HDR_MAX 60 /* IHL 15 */
#define AXN_IPV4_OPT_MAX (AXN_IPV4_HDR_MAX - AXN_IPV4_HDR_MIN)
/* Largest datagram the 16-bit Total Length can describe. */
#define AXN_IPV4_TOTAL_MAX 65535

/* RFC 2474 / RFC 3168: the TOS octet is DSCP (6 bits) then ECN (2 bits). */
#define AXN_IPV4_DSCP_SHIFT 2
#define AXN_IPV4_ECN_MASK   0x03u
#define AXN_IPV4_DSCP(tos)  ((uint8_t)((tos) >> AXN_IPV4_DSCP_SHIFT))
#define AXN_IPV4_ECN(tos)   ((uint8_t)((tos)&AXN_IPV4_ECN_MASK))

/* Option types (RFC 791 3.1, RFC 2113 for Router Alert). */
#define AXN_IPV4_OPT_EOL    0
#define AXN_IPV4_OPT_NOP    1
#define AXN_IPV4_OPT_RR     7
#define AXN_IPV4_OPT_LSRR   131
#define AXN_IPV4_OPT_SSRR   137
#define AXN_IPV4_OPT_RA     148
#define AXN_IPV4_OPT_RA_LEN 4

struct axn_ipv4 {
    uint8_t tos; /* DSCP and ECN, see AXN_IPV4_DSCP / AXN_IPV4_ECN */
    uint16_t id;
    bool df;              /* Don't Fragment */
    bool mf;              /* More Fragments */
    uint16_t frag_offset; /* in bytes (the field times 8) */
    uint8_t ttl;
    uint8_t protocol;
    axn_ip4_t src; /* host order */
    axn_ip4_t dst; /* host order */
    /* Raw option bytes (IHL * 4 - 20 of them, padding included). */
    const uint8_t *options;
    size_t options_len;
    const uint8_t *payload; /* Total Length - IHL * 4 bytes */
    size_t payload_len;

    /* Parse results only; emit ignores them. */
    bool is_fragment;  /* mf || frag_offset != 0 */
    bool router_alert; /* RFC 2113 option present */
    bool source_route; /* LSRR or SSRR option present */
    size_t hdr_len;    /* IHL * 4 */
    size_t total_len;  /* Total Length; bytes past it in the buffer are link padding */
};

/* axn_ipv4_parse flag: the device already verified the header checksum. */
#define AXN_IPV4_PARSE_CSUM_VERIFIED (1u << 0)

/*
 * Parses an IPv4 header and locates its payload. Errors: ETRUNC, EVERSION,
 * EHDRLEN, ELEN, ECSUM, EOPTLEN, EFRAG.
 */
int axn_ipv4_parse(const uint8_t *buf, size_t len, struct axn_ipv4 *out, unsigned flags);

/*
 * Writes header (with computed checksum), options (zero-padded to a
 * multiple of 4 bytes) and payload. Returns the datagram length, or
 * ENOSPC, EOPTLEN (more than 40 option bytes or a malformed option list),
 * EFRAG (offset not a multiple of 8, or reaching past 65535), ELEN (the
 * datagram exceeds 65535 bytes).
 */
int axn_ipv4_emit(const struct axn_ipv4 *in, uint8_t *buf, size_t cap);

/* 255.255.255.255, the limited broadcast (RFC 919). */
bool axn_ip4_is_broadcast(axn_ip4_t a);
/* 224.0.0.0/4 (RFC 5771). */
bool axn_ip4_is_multicast(axn_ip4_t a);
/* 127.0.0.0/8 (RFC 1122 3.2.1.3). */
bool axn_ip4_is_loopback(axn_ip4_t a);
/* 0.0.0.0. */
bool axn_ip4_is_unspecified(axn_ip4_t a);
/* 169.254.0.0/16 (RFC 3927). */
bool axn_ip4_is_link_local(axn_ip4_t a);
/*
 * Directed broadcast of addr's subnet: host bits all ones (RFC 919). For
 * /31 and /32, which have no broadcast (RFC 3021), the result is an
 * address of the subnet itself; callers decide. Prefix masks and subnet
 * membership are in route/prefix.h (axn_ip4_prefix_mask/_contains).
 */
axn_ip4_t axn_ip4_subnet_broadcast(axn_ip4_t addr, unsigned prefix_len);
/* RFC 1112 6.4: 01:00:5e followed by the low 23 bits of the group. */
void axn_ip4_multicast_mac(axn_ip4_t group, struct axn_mac *out);

#endif /* AXN_WIRE_IPV4_H */
