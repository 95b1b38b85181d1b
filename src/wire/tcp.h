/*
 * The TCP header (RFC 9293 3.1) and its options: MSS (RFC 9293 3.2),
 * window scale and timestamps (RFC 7323), SACK-permitted and SACK blocks
 * (RFC 2018).
 *
 * The checksum covers a pseudo-header, so the caller passes its partial
 * sum: axn_csum_pseudo_v4/v6(src, dst, AXN_TCP_PROTO, len) with the segment
 * length (the buffer it parses, or axn_tcp_len(in) for emit).
 */
#ifndef AXN_WIRE_TCP_H
#define AXN_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_TCP_PROTO       6 /* IP protocol / next-header number */
#define AXN_TCP_HDR_LEN     20
#define AXN_TCP_MAX_HDR_LEN 60 /* data offset is 4 bits of 32-bit words */
#define AXN_TCP_MAX_OPT_LEN (AXN_TCP_MAX_HDR_LEN - AXN_TCP_HDR_LEN)

/* Control bits (RFC 9293 3.1, RFC 3168 6.1); AE is RFC 3540's former NS bit,
 * the 9th bit, reused by accurate ECN. */
#define AXN_TCP_FIN        0x001
#define AXN_TCP_SYN        0x002
#define AXN_TCP_RST        0x004
#define AXN_TCP_PSH        0x008
#define AXN_TCP_ACK        0x010
#define AXN_TCP_URG        0x020
#define AXN_TCP_ECE        0x040
#define AXN_TCP_CWR        0x080
#define AXN_TCP_AE         0x100
#define AXN_TCP_FLAGS_MASK 0x1ff

/* Option kinds (IANA TCP option kind numbers). */
#define AXN_TCP_OPT_EOL       0
#define AXN_TCP_OPT_NOP       1
#define AXN_TCP_OPT_MSS       2
#define AXN_TCP_OPT_WSCALE    3
#define AXN_TCP_OPT_SACK_PERM 4
#define AXN_TCP_OPT_SACK      5
#define AXN_TCP_OPT_TS        8

/* RFC 2018 3: a SACK option holds 1 to 4 blocks. */
#define AXN_TCP_SACK_MAX_WIRE_BLOCKS 4

/* RFC 7323 2.3: shift counts above 14 are used as 14 (the parser keeps
 * the value received; the connection clamps). */
#define AXN_TCP_MAX_WSCALE 14

/* Parse flag: skip checksum verification (the device did it, AXN_OFL_CSUM_VALID). */
#define AXN_TCP_PARSE_CSUM_VERIFIED (1u << 0)
/* Emit flag: leave the folded pseudo-header sum in the checksum field, for
 * a device with AXN_DRV_CAP_TX_CSUM to finish (AXN_OFL_NEEDS_CSUM). */
#define AXN_TCP_EMIT_CSUM_PARTIAL (1u << 1)

/* Offset of the checksum field, for TX checksum offload metadata. */
#define AXN_TCP_CSUM_OFFSET 16

struct axn_tcp_sack_block {
    uint32_t left;  /* first sequence number of the block */
    uint32_t right; /* sequence number just past the block */
};

struct axn_tcp_opts {
    bool has_mss;
    bool has_wscale;
    bool sack_perm;
    bool has_ts;
    uint16_t mss;
    uint8_t wscale;
    uint32_t ts_val;
    uint32_t ts_ecr;
    /* Blocks of a SACK option, in order; 0 when there is none. A SACK
     * option with more blocks than AXN_TCP_MAX_SACK_BLOCKS keeps the first. */
    uint8_t n_sack;
    struct axn_tcp_sack_block sack[AXN_TCP_MAX_SACK_BLOCKS];
};

struct axn_tcp {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t hdr_len; /* data offset in bytes; emit computes it */
    uint16_t flags;  /* AXN_TCP_FIN .. AXN_TCP_AE */
    uint16_t window; /* unscaled, as on the wire */
    uint16_t csum;   /* as received; emit computes it */
    uint16_t urg_ptr;
    struct axn_tcp_opts opts;
    const uint8_t *payload;
    size_t payload_len;
};

/*
 * Parses a TCP segment. Errors: AXN_WIRE_ETRUNC (< 20 bytes),
 * AXN_WIRE_EHDRLEN (data offset < 5 or past the buffer), AXN_WIRE_ECSUM,
 * AXN_WIRE_EOPTLEN (option length < 2 or past the header, or the wrong
 * length for MSS/WS/SACK-permitted/timestamps, or a SACK length not 2+8n
 * with n in 1..4). Unknown options are skipped; EOL ends the list.
 * `flags`: AXN_TCP_PARSE_CSUM_VERIFIED or 0.
 */
int axn_tcp_parse(const uint8_t *buf, size_t len, struct axn_tcp *out, uint32_t pseudo_sum,
                  unsigned flags);

/*
 * Bytes of options axn_tcp_emit writes for `o`, NOP padding included (a
 * multiple of 4). More than AXN_TCP_MAX_OPT_LEN means they do not fit
 * (e.g. timestamps with 4 SACK blocks: RFC 2018 allows 3).
 */
size_t axn_tcp_opts_len(const struct axn_tcp_opts *o);

/* Bytes axn_tcp_emit writes for `in`: header, options and payload. */
size_t axn_tcp_len(const struct axn_tcp *in);

/*
 * Writes header, options (laid out as Linux does: MSS, SACK-permitted +
 * timestamps or NOP NOP timestamps, NOP window scale, NOP NOP SACK), payload
 * and checksum (`pseudo_sum` for axn_tcp_len(in)). in->hdr_len is ignored.
 * The payload is not copied when it already sits at buf + header length.
 * `flags`: AXN_TCP_EMIT_CSUM_PARTIAL or 0. Returns the length, AXN_WIRE_ENOSPC,
 * or AXN_WIRE_EOPTLEN when the options exceed 40 bytes or n_sack is larger
 * than AXN_TCP_MAX_SACK_BLOCKS.
 */
int axn_tcp_emit(const struct axn_tcp *in, uint8_t *buf, size_t cap, uint32_t pseudo_sum,
                 unsigned flags);

#endif /* AXN_WIRE_TCP_H */
