/*
 * Software segmentation offload (GSO) for TCP over IPv4: one large TCP
 * segment handed to IPv4 output with axn_ip4_tx.gso_size is cut here into
 * segments that fit the path, as a TSO device would (Linux
 * tcp_gso_segment), instead of running TCP's per-segment output once per
 * MSS. Never IP fragmentation: every piece is a whole TCP segment.
 */
#ifndef AXN_IP_IP4_GSO_H
#define AXN_IP_IP4_GSO_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"

/* Called once per segment, in sequence order: the TCP segment (header
 * with options, then payload, checksum filled in) is tcp[0 .. len), placed
 * at `hdr_room` bytes into the caller's scratch buffer so that the IPv4
 * header can be written in front of it in place. Returns 0, or a negative
 * errno that stops the split. */
typedef int (*axn_ip4_gso_emit_fn)(void *ctx, uint8_t *tcp, size_t len);

struct axn_ip4_gso {
    axn_ip4_t src; /* for the pseudo header (RFC 9293 3.1) */
    axn_ip4_t dst;
    size_t mss;         /* payload bytes per segment at most (gso_size) */
    size_t max_tcp_len; /* TCP bytes per segment at most (path MTU - IP header) */
    uint8_t *scratch;   /* one segment plus hdr_room */
    size_t scratch_cap;
    size_t hdr_room; /* bytes left free in front of each segment */
    axn_ip4_gso_emit_fn emit;
    void *ctx;
};

/*
 * Splits TCP segment tcp[0 .. len) into segments of min(g->mss,
 * g->max_tcp_len - TCP header) payload bytes (the last may be shorter). Each carries the original
 * header and options with the sequence number advanced by its offset; FIN and PSH stay on the last
 * segment only and CWR on the first only (RFC 3168 6.1.2: CWR is sent once per window reduction);
 * the checksum is computed per segment. Returns the number of segments emitted, -AXN_EINVAL if the
 * header does not parse, no payload byte fits a segment or a segment does not fit the scratch
 * buffer, or emit's error.
 */
int axn_ip4_gso_split(const struct axn_ip4_gso *g, const uint8_t *tcp, size_t len);

#endif /* AXN_IP_IP4_GSO_H */
