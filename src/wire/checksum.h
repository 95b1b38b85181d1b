/*
 * The Internet checksum (RFC 1071), its pseudo-headers, and incremental
 * update (RFC 1624).
 *
 * Sums are carried as a 32-bit "partial" that is neither folded nor
 * complemented, so pieces can be chained:
 *
 *   uint32_t s = axn_csum_pseudo_v4(src, dst, proto, len);
 *   s = axn_csum_partial(hdr, hdr_len, s);      -- hdr_len must be even
 *   s = axn_csum_partial(payload, plen, s);     -- last piece may be odd
 *   uint16_t field = axn_csum_finish(s);        -- store with axn_put_be16
 *
 * All values are in host order as if the data were read as big-endian
 * 16-bit words, so the result is written with axn_put_be16(). Only the last
 * piece of a chain may have an odd length.
 */
#ifndef AXN_WIRE_CHECKSUM_H
#define AXN_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "axnet/types.h"

/* Adds buf[0 .. len) to `sum`. */
uint32_t axn_csum_partial(const void *buf, size_t len, uint32_t sum);

/* Folds a partial sum to 16 bits and complements it: the field value. */
uint16_t axn_csum_finish(uint32_t sum);

/* Checksum of one buffer, ready to store. */
uint16_t axn_csum(const void *buf, size_t len);

/* Partial sum of the IPv4 pseudo-header (RFC 768, RFC 9293 3.1). */
uint32_t axn_csum_pseudo_v4(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, uint16_t l4_len);

/* Partial sum of the IPv6 pseudo-header (RFC 8200 8.1). */
uint32_t axn_csum_pseudo_v6(const struct axn_ip6 *src, const struct axn_ip6 *dst,
                            uint8_t next_header, uint32_t l4_len);

/*
 * RFC 1624 eqn. 3: the new checksum field after one 16-bit word of the
 * covered data changed from `old_word` to `new_word`, without re-summing.
 */
uint16_t axn_csum_update16(uint16_t old_csum, uint16_t old_word, uint16_t new_word);

/* Same for a 32-bit field (an address): two 16-bit updates. */
uint16_t axn_csum_update32(uint16_t old_csum, uint32_t old_val, uint32_t new_val);

#endif /* AXN_WIRE_CHECKSUM_H */
