/*
 * IPv6 header and extension-header chain (RFC 8200) parse/emit, and IPv6
 * address classes (RFC 4291).
 *
 * Parsing checks the fixed header, then walks the extension headers a host
 * must understand (Hop-by-Hop, Routing, Fragment, Destination Options) up
 * to the upper-layer header, at most AXN_IP6_MAX_EXT_HEADERS of them. Every
 * other Next Header value (upper layers, but also AH, ESP, Mobility, ...)
 * ends the walk and is reported as `upper_proto` for the caller to accept
 * or refuse. A non-first fragment ends the walk at its Fragment header: the
 * bytes after it continue a chain that only reassembly can read. A first
 * fragment must carry the whole chain (RFC 7112), so it is walked on.
 */
#ifndef AXN_WIRE_IPV6_H
#define AXN_WIRE_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_IPV6_VERSION      6
#define AXN_IPV6_HDR_LEN      40
#define AXN_IPV6_FRAG_HDR_LEN 8
#define AXN_IPV6_ADDR_LEN     16
#define AXN_IPV6_FLOW_MAX     0xFFFFFu /* 20-bit flow label */
/* Largest Payload Length (no jumbograms, RFC 2675 is not supported). */
#define AXN_IPV6_PAYLOAD_MAX 65535

/* Next Header values of the extension headers we walk (IANA). */
#define AXN_IPV6_NH_HOPOPTS  0
#define AXN_IPV6_NH_ROUTING  43
#define AXN_IPV6_NH_FRAGMENT 44
#define AXN_IPV6_NH_NONE     59 /* RFC 8200 4.7: nothing follows */
#define AXN_IPV6_NH_DSTOPTS  60

/* Hop-by-Hop / Destination option types (RFC 8200 4.2, RFC 2711). */
#define AXN_IPV6_OPT_PAD1         0
#define AXN_IPV6_OPT_PADN         1
#define AXN_IPV6_OPT_ROUTER_ALERT 5
/* RFC 8200 4.2: the two high bits of an option type say what to do with an
 * option the node does not recognise. */
#define AXN_IPV6_OPT_ACTION(type)     ((uint8_t)((type) >> 6))
#define AXN_IPV6_OPT_ACT_SKIP         0
#define AXN_IPV6_OPT_ACT_DISCARD      1
#define AXN_IPV6_OPT_ACT_ICMP         2
#define AXN_IPV6_OPT_ACT_ICMP_UNICAST 3

/* Fragment header fields (RFC 8200 4.5), when one was seen. */
struct axn_ipv6_frag {
    bool present;
    uint8_t next_header; /* Next Header of the fragmentable part */
    uint16_t offset;     /* in bytes (the field times 8) */
    bool more;           /* M flag */
    uint32_t id;
    /* Parse results only. */
    size_t hdr_offset;   /* where the Fragment header starts in the buffer */
    const uint8_t *data; /* the fragment data: bytes after the Fragment header */
    size_t data_len;
};

/* Routing header summary (RFC 8200 4.4), when one was seen. */
struct axn_ipv6_routing {
    bool present;
    uint8_t type;
    uint8_t segments_left;
    size_t hdr_offset;
};

struct axn_ipv6 {
    uint8_t traffic_class; /* DSCP << 2 | ECN */
    uint32_t flow_label;   /* 20 bits */
    uint8_t next_header;   /* of the fixed header */
    uint8_t hop_limit;
    struct axn_ip6 src;
    struct axn_ip6 dst;
    /* Parse: the Payload Length bytes after the fixed header (extension
     * headers included; link padding beyond them excluded).
     * Emit: the bytes placed after the headers emit writes. */
    const uint8_t *payload;
    size_t payload_len;
    /* Emit writes a Fragment header when frag.present (see axn_ipv6_emit). */
    struct axn_ipv6_frag frag;

    /* Parse results only; emit ignores them. */
    uint8_t upper_proto;  /* Next Header that ended the walk */
    size_t upper_offset;  /* where that header starts in the buffer */
    const uint8_t *upper; /* == buf + upper_offset */
    size_t upper_len;     /* up to the end of Payload Length */
    unsigned ext_count;   /* extension headers walked */
    bool router_alert;    /* RFC 2711 option in the Hop-by-Hop header */
    struct axn_ipv6_routing routing;
    /* First option the walk did not recognise whose action (the type's two
     * high bits) is not "skip": its type and its offset in the buffer, for
     * an ICMPv6 Parameter Problem pointer (RFC 4443 3.4). Offset 0: none. */
    uint8_t unknown_opt_type;
    size_t unknown_opt_offset;
};

/*
 * Parses the fixed header and walks the extension headers. Errors: ETRUNC,
 * EVERSION, ELEN (Payload Length past the buffer, or an extension header
 * starting less than 8 bytes before its end), EOPTLEN (an extension header
 * or option overrunning), EFIELD (Hop-by-Hop not first, or a second
 * Fragment header), ECHAIN (more than AXN_IP6_MAX_EXT_HEADERS), EFRAG (a
 * fragment reaching past a 65535-byte reassembled payload).
 */
int axn_ipv6_parse(const uint8_t *buf, size_t len, struct axn_ipv6 *out);

/*
 * Writes the fixed header, then, when in->frag.present, a Fragment header
 * (the fixed header's Next Header becomes 44, in->next_header is ignored and
 * in->frag.next_header goes into the Fragment header), then the payload.
 * Returns the packet length, or ENOSPC, EFIELD (flow label over 20 bits),
 * ELEN (payload over 65535), EFRAG (offset not a multiple of 8 or past 65535).
 */
int axn_ipv6_emit(const struct axn_ipv6 *in, uint8_t *buf, size_t cap);

/* ff00::/8. */
bool axn_ip6_is_multicast(const struct axn_ip6 *a);
/* fe80::/10. */
bool axn_ip6_is_link_local(const struct axn_ip6 *a);
/* ::. */
bool axn_ip6_is_unspecified(const struct axn_ip6 *a);
/* ::1. */
bool axn_ip6_is_loopback(const struct axn_ip6 *a);
/* Same 16 octets. */
bool axn_ip6_equal(const struct axn_ip6 *a, const struct axn_ip6 *b);
/* RFC 4291 2.7: scope nibble of a multicast address (2 = link-local). */
uint8_t axn_ip6_multicast_scope(const struct axn_ip6 *a);
/* RFC 4291 2.7.1: ff02::1:ffXX:XXXX from the low 24 bits of addr. */
void axn_ip6_solicited_node(const struct axn_ip6 *addr, struct axn_ip6 *out);
/* RFC 2464 7: 33:33 followed by the low 32 bits of a multicast address. */
void axn_ip6_multicast_mac(const struct axn_ip6 *group, struct axn_mac *out);

#endif /* AXN_WIRE_IPV6_H */
