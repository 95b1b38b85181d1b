/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): the keyed hash behind IP IDs (ip/ip4_id.c), TCP initial sequence
 * numbers (tcp/tcp_isn.c) and ephemeral port offsets (tcp/tcp_port.c).
 * The key is secret and random; the output is unpredictable to anyone
 * who does not know it.
 */
#ifndef AXN_LIB_SIPHASH_H
#define AXN_LIB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define AXN_SIPHASH_KEY_BYTES 16
#define AXN_SIPHASH_KEY_WORDS 2

/* SipHash-2-4 of `len` bytes at `data` under the 128-bit `key`, both read
 * little-endian as the paper specifies. */
uint64_t axn_siphash24(const uint8_t key[AXN_SIPHASH_KEY_BYTES], const void *data, size_t len);
/* The same for one 8-byte message given as a word (its bytes are the
 * word little-endian) and the key as two words (k0, k1): no byte loads. */
uint64_t axn_siphash24_u64(const uint64_t key[AXN_SIPHASH_KEY_WORDS], uint64_t m);

#endif /* AXN_LIB_SIPHASH_H */
