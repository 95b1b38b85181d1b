/*
 * Neighbour Discovery for IPv6 (RFC 4861): router solicitation and
 * advertisement, neighbour solicitation and advertisement, redirect, and
 * the options source/target link-layer address (Ethernet), prefix
 * information, MTU and redirected header.
 *
 * axn_ndp_parse decodes a message that axn_icmp6_parse has accepted (so the
 * checksum is already checked); axn_ndp_emit writes a whole ICMPv6 message.
 *
 * The checks that need the IP header stay with the caller: the hop limit
 * must be 255 (axn_ndp_hop_limit_ok), RA sources must be link-local, an NS
 * from the unspecified address carries no source link-layer option, and an
 * NA to a multicast address has the S flag clear (RFC 4861 6.1, 7.1).
 */
#ifndef AXN_WIRE_NDP_H
#define AXN_WIRE_NDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "wire/icmp6.h"
#include "wire/wire.h"

/* RFC 4861 6.1.1: NDP packets are accepted only with IP hop limit 255. */
#define AXN_NDP_HOP_LIMIT 255

/* Option types (RFC 4861 4.6); lengths are in units of 8 bytes. */
#define AXN_NDP_OPT_SRC_LLADDR  1
#define AXN_NDP_OPT_TGT_LLADDR  2
#define AXN_NDP_OPT_PREFIX_INFO 3
#define AXN_NDP_OPT_REDIRECTED  4
#define AXN_NDP_OPT_MTU         5
#define AXN_NDP_OPT_UNIT        8

/* Whole-message minimum lengths, ICMPv6 header included (RFC 4861 4.1-4.5). */
#define AXN_NDP_RS_LEN       8
#define AXN_NDP_RA_LEN       16
#define AXN_NDP_NS_LEN       24
#define AXN_NDP_NA_LEN       24
#define AXN_NDP_REDIRECT_LEN 40

/* Lifetime value meaning "forever" in a prefix option (RFC 4861 4.6.2). */
#define AXN_NDP_INFINITE_LIFETIME 0xffffffffu

struct axn_ndp_prefix {
    uint8_t prefix_len;          /* 0..128 */
    bool on_link;                /* L flag */
    bool autonomous;             /* A flag: usable for SLAAC */
    uint32_t valid_lifetime;     /* seconds */
    uint32_t preferred_lifetime; /* seconds */
    struct axn_ip6 prefix;
};

struct axn_ndp {
    uint8_t type; /* AXN_ICMP6_ROUTER_SOLICIT .. AXN_ICMP6_REDIRECT */

    /* Router advertisement (RFC 4861 4.2). */
    uint8_t cur_hop_limit;    /* 0: unspecified */
    bool managed;             /* M: addresses from DHCPv6 */
    bool other;               /* O: other configuration from DHCPv6 */
    uint16_t router_lifetime; /* seconds; 0: not a default router */
    uint32_t reachable_time;  /* ms; 0: unspecified */
    uint32_t retrans_timer;   /* ms; 0: unspecified */

    /* Neighbour advertisement flags (RFC 4861 4.4). */
    bool router;
    bool solicited;
    bool override;

    struct axn_ip6 target; /* NS, NA, redirect */
    struct axn_ip6 dest;   /* redirect: the destination being redirected */

    /* Options: the first of each kind is kept. */
    bool has_src_lladdr;
    bool has_tgt_lladdr;
    bool has_mtu;
    struct axn_mac src_lladdr;
    struct axn_mac tgt_lladdr;
    uint32_t mtu;
    uint8_t n_prefix;
    uint8_t prefix_dropped; /* prefix options beyond AXN_NDP_MAX_PREFIXES */
    struct axn_ndp_prefix prefix[AXN_NDP_MAX_PREFIXES];
    /* Redirected-header option: the quoted packet (padding included). */
    const uint8_t *redirected;
    size_t redirected_len;
};

/* True for the ICMPv6 types this module decodes (133..137). */
bool axn_ndp_is_ndp(uint8_t icmp6_type);

/* RFC 4861 6.1, 7.1, 8.1: the IP hop limit of every NDP message must be 255,
 * which proves it was not forwarded by a router. */
bool axn_ndp_hop_limit_ok(uint8_t ip_hop_limit);

/*
 * Decodes the NDP message `msg` (from axn_icmp6_parse). Errors:
 * AXN_WIRE_ETYPE (not an NDP type), AXN_WIRE_EFIELD (code not 0, prefix
 * length > 128), AXN_WIRE_ETRUNC (shorter than the fixed part),
 * AXN_WIRE_EADDR (multicast target or redirect destination),
 * AXN_WIRE_EOPTLEN (option length 0, overrunning the message, or wrong for
 * its type), AXN_WIRE_ECOUNT (more than AXN_NDP_MAX_OPTIONS options).
 * Unknown options are skipped.
 */
int axn_ndp_parse(const struct axn_icmp6 *msg, struct axn_ndp *out);

/* Bytes axn_ndp_emit writes for `in`: the whole ICMPv6 message. */
size_t axn_ndp_len(const struct axn_ndp *in);

/*
 * Writes the whole ICMPv6 message with options in the order prefixes, MTU,
 * source lladdr, target lladdr, redirected header, and the checksum
 * (`pseudo_sum` is the IPv6 pseudo-header sum for axn_ndp_len(in)).
 * Returns the length, AXN_WIRE_ENOSPC, AXN_WIRE_ETYPE or AXN_WIRE_EFIELD
 * (n_prefix too large, prefix_len > 128).
 */
int axn_ndp_emit(const struct axn_ndp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum);

#endif /* AXN_WIRE_NDP_H */
