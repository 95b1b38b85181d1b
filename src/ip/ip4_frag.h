/*
 * IPv4 fragmentation on output (RFC 791 3.2, RFC 1122 3.3.3), which ax-net
 * lacks: it silently drops a 1473-byte UDP datagram that Linux fragments.
 */
#ifndef AXN_IP_IP4_FRAG_H
#define AXN_IP_IP4_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "wire/ipv4.h"

/* Called once per fragment, in offset order: a complete IPv4 packet of
 * `len` bytes (at most the MTU). Returns 0, or a negative errno that stops
 * the fragmentation and is returned by axn_ip4_fragment. */
typedef int (*axn_ip4_frag_emit_fn)(void *ctx, const uint8_t *frag, size_t len);

/*
 * Splits IPv4 packet pkt[0 .. len) (already a valid packet: header with
 * checksum, `len` == its Total Length) into fragments of at most `mtu`
 * bytes, each payload but the last a multiple of 8 bytes, and hands each
 * to `emit`. Options: all go in the first fragment; later fragments carry
 * only the options whose copied flag is set (RFC 791 3.1). A packet that
 * already fits is emitted unchanged. A packet that is itself a fragment
 * (MF set or offset != 0) is split further with offsets relative to its
 * own and MF kept on all but the true last piece.
 *
 * Returns the number of fragments emitted, or: -AXN_EMSGSIZE (DF set and
 * len > mtu: the caller reports "fragmentation needed", RFC 1191),
 * -AXN_EINVAL (mtu too small to carry the header plus 8 bytes, or the
 * packet does not parse), or `emit`'s error.
 * `scratch` must hold `mtu` bytes (no allocation here).
 */
int axn_ip4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *scratch,
                     axn_ip4_frag_emit_fn emit, void *ctx);

#endif /* AXN_IP_IP4_FRAG_H */
