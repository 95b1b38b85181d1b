/*
 * ICMP for IPv4 (RFC 792), with the next-hop MTU of "fragmentation needed"
 * (RFC 1191 4).
 *
 * The parser checks the checksum over the whole message, decodes the
 * rest-of-header word for the types it knows and, for every error type,
 * checks that the quoted original datagram holds an IPv4 header (per its own
 * IHL) and 8 more bytes, which is what a transport needs to find its
 * connection (RFC 792: "Internet Header + 64 bits of Data Datagram").
 * Unknown types parse generically: type, code, the raw rest-of-header and
 * the body.
 */
#ifndef AXN_WIRE_ICMP4_H
#define AXN_WIRE_ICMP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "wire/wire.h"

/* Type, code, checksum and the 4-byte rest-of-header. */
#define AXN_ICMP4_HDR_LEN 8
/* Bytes of the original datagram's data an error must quote (RFC 792). */
#define AXN_ICMP4_ORIG_DATA_LEN 8

/* RFC 792 message types. */
#define AXN_ICMP4_ECHO_REPLY      0
#define AXN_ICMP4_DEST_UNREACH    3
#define AXN_ICMP4_SOURCE_QUENCH   4
#define AXN_ICMP4_REDIRECT        5
#define AXN_ICMP4_ECHO_REQUEST    8
#define AXN_ICMP4_TIME_EXCEEDED   11
#define AXN_ICMP4_PARAM_PROBLEM   12
#define AXN_ICMP4_TIMESTAMP       13
#define AXN_ICMP4_TIMESTAMP_REPLY 14

/* Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1). */
#define AXN_ICMP4_UNREACH_NET         0
#define AXN_ICMP4_UNREACH_HOST        1
#define AXN_ICMP4_UNREACH_PROTO       2
#define AXN_ICMP4_UNREACH_PORT        3
#define AXN_ICMP4_UNREACH_FRAG_NEEDED 4
#define AXN_ICMP4_UNREACH_SRCRT       5

/* Time exceeded codes. */
#define AXN_ICMP4_EXC_TTL      0
#define AXN_ICMP4_EXC_FRAGTIME 1

/* Parse flag: skip checksum verification (the device did it, AXN_OFL_CSUM_VALID). */
#define AXN_ICMP4_PARSE_CSUM_VERIFIED (1u << 0)

struct axn_icmp4 {
    uint8_t type;
    uint8_t code;
    uint16_t csum;   /* as received; ignored by emit, which computes it */
    uint8_t rest[4]; /* raw bytes 4..7; emit uses them only for unknown types */

    /* Decoded rest-of-header, by type (parse fills, emit writes back). */
    uint16_t id;       /* echo request/reply, timestamp */
    uint16_t seq;      /* echo request/reply, timestamp */
    uint16_t next_mtu; /* dest unreachable code 4 (RFC 1191); 0 from old routers */
    uint8_t pointer;   /* parameter problem: offset of the bad octet */
    axn_ip4_t gateway; /* redirect */

    /* Everything after the 8-byte header: echo data, or the quoted datagram. */
    const uint8_t *body;
    size_t body_len;

    /* Error types only: header length of the quoted IPv4 datagram (IHL * 4). */
    uint8_t orig_hdr_len;
};

/* True for the types that quote an offending datagram (RFC 792). */
bool axn_icmp4_is_error(uint8_t type);

/*
 * Parses an ICMPv4 message (the IPv4 payload). Errors: AXN_WIRE_ETRUNC
 * (shorter than 8 bytes), AXN_WIRE_ECSUM, and for error types
 * AXN_WIRE_EVERSION (quoted packet is not IPv4), AXN_WIRE_EHDRLEN (quoted
 * IHL < 5) or AXN_WIRE_ELEN (quote shorter than its header + 8 bytes).
 * `flags`: AXN_ICMP4_PARSE_CSUM_VERIFIED or 0.
 */
int axn_icmp4_parse(const uint8_t *buf, size_t len, struct axn_icmp4 *out, unsigned flags);

/* Bytes axn_icmp4_emit writes for `in`: header plus body. */
size_t axn_icmp4_len(const struct axn_icmp4 *in);

/*
 * Writes header, body and checksum. The body is not copied when it already
 * sits at buf + AXN_ICMP4_HDR_LEN. Returns the length or AXN_WIRE_ENOSPC.
 */
int axn_icmp4_emit(const struct axn_icmp4 *in, uint8_t *buf, size_t cap);

#endif /* AXN_WIRE_ICMP4_H */
