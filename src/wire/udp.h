/*
 * UDP (RFC 768) over IPv4 and IPv6 (RFC 8200 8.1).
 *
 * The checksum covers a pseudo-header, so the caller passes its partial
 * sum: axn_csum_pseudo_v4/v6(src, dst, AXN_UDP_PROTO, len) where len is
 * the length of the buffer handed to the parser (the IP payload length),
 * or, for emit, the length emit writes (axn_udp_len). When the UDP length
 * field is shorter than the buffer the parser corrects the sum itself.
 */
#ifndef AXN_WIRE_UDP_H
#define AXN_WIRE_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_UDP_PROTO   17 /* IP protocol / next-header number */
#define AXN_UDP_HDR_LEN 8

/* Parse flags. */
#define AXN_UDP_PARSE_CSUM_VERIFIED (1u << 0) /* the device verified it (AXN_OFL_CSUM_VALID) */
#define AXN_UDP_PARSE_IPV6          (1u << 1) /* carried by IPv6: a zero checksum is invalid */

/* Emit flags. */
#define AXN_UDP_EMIT_NO_CSUM (1u << 2) /* IPv4 only: send checksum 0 ("none") */
/* Leave the folded pseudo-header sum in the checksum field, for a device
 * with AXN_DRV_CAP_TX_CSUM to finish (AXN_OFL_NEEDS_CSUM, csum_offset 6). */
#define AXN_UDP_EMIT_CSUM_PARTIAL (1u << 3)

/* Offset of the checksum field, for TX checksum offload metadata. */
#define AXN_UDP_CSUM_OFFSET 6

struct axn_udp {
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t len;  /* length field as received; emit computes it */
    uint16_t csum; /* as received (0: none, IPv4 only); emit computes it */
    const uint8_t *payload;
    size_t payload_len;
};

/*
 * Parses a UDP datagram. Errors: AXN_WIRE_ETRUNC (< 8 bytes), AXN_WIRE_ELEN
 * (length field < 8 or > len; bytes past the length field are ignored),
 * AXN_WIRE_EFIELD (zero checksum over IPv6), AXN_WIRE_ECSUM.
 * `flags`: AXN_UDP_PARSE_CSUM_VERIFIED, AXN_UDP_PARSE_IPV6.
 */
int axn_udp_parse(const uint8_t *buf, size_t len, struct axn_udp *out, uint32_t pseudo_sum,
                  unsigned flags);

/* Bytes axn_udp_emit writes for `in`: header plus payload. */
size_t axn_udp_len(const struct axn_udp *in);

/*
 * Writes header, payload and checksum (`pseudo_sum` for axn_udp_len(in)).
 * A computed checksum of 0 is sent as 0xFFFF (RFC 768). The payload is not
 * copied when it already sits at buf + AXN_UDP_HDR_LEN. `flags`:
 * AXN_UDP_EMIT_NO_CSUM or AXN_UDP_EMIT_CSUM_PARTIAL. Returns the length,
 * AXN_WIRE_ENOSPC, or AXN_WIRE_ELEN if the datagram exceeds 65535 bytes.
 */
int axn_udp_emit(const struct axn_udp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum,
                 unsigned flags);

#endif /* AXN_WIRE_UDP_H */
