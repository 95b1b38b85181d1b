/*
 * SHA-256 (FIPS 180-4, section 6.2), for whatever checks a transfer end to
 * end: `axnet demo`'s HTTP download and the tests. Both sides hash what
 * they sent and received, and Linux tools (sha256sum) print the same
 * digest. Incremental, no allocation. Hosted code (tools/, tests/).
 */
#ifndef AXN_TOOLS_SHA256_H
#define AXN_TOOLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define AXN_SHA256_DIGEST_LEN 32u
#define AXN_SHA256_BLOCK_LEN  64u
/* Lowercase hex of a digest, NUL included. */
#define AXN_SHA256_HEX_LEN (2u * AXN_SHA256_DIGEST_LEN + 1u)

struct axn_sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[AXN_SHA256_BLOCK_LEN];
    size_t used; /* bytes waiting in `block` */
};

void axn_sha256_init(struct axn_sha256 *c);
void axn_sha256_update(struct axn_sha256 *c, const void *data, size_t len);
/* Pads, writes the digest and leaves `c` to be initialised again. */
void axn_sha256_final(struct axn_sha256 *c, uint8_t out[AXN_SHA256_DIGEST_LEN]);

/* One-shot digest of `len` bytes. */
void axn_sha256(const void *data, size_t len, uint8_t out[AXN_SHA256_DIGEST_LEN]);

/* `hex` gets the lowercase hex form of `digest`, as sha256sum prints it. */
void axn_sha256_hex(const uint8_t digest[AXN_SHA256_DIGEST_LEN], char hex[AXN_SHA256_HEX_LEN]);

#endif /* AXN_TOOLS_SHA256_H */
