/*
 * The input format and first checks the transport-layer parser targets
 * share (fuzz_icmp4, fuzz_icmp6, fuzz_tcp, fuzz_udp): a 5-byte prefix,
 * 4 bytes of big-endian pseudo-header sum (unused by ICMPv4) and a flag
 * byte whose bit 0 says the device verified the checksum, then the
 * message; each message is parsed twice, checking the checksum and
 * trusting the device.
 */
#ifndef AXN_FUZZ_L4_H
#define AXN_FUZZ_L4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"
#include "lib/byteorder.h"
#include "wire/wire.h"

#define FUZZ_L4_PREFIX_LEN 5u
#define FUZZ_L4_OFF_FLAGS  4u
#define FUZZ_L4_CSUM_OK    0x01u /* flag bit 0: the device verified the checksum */

struct fuzz_l4_input {
    uint32_t pseudo;
    uint8_t flags;
    const uint8_t *msg;
    size_t len;
};

/* Splits the prefix off; false when the input is shorter than it. */
static inline bool fuzz_l4_input(const uint8_t *data, size_t size, struct fuzz_l4_input *in)
{
    if (size < FUZZ_L4_PREFIX_LEN)
        return false;
    in->pseudo = axn_get_be32(data);
    in->flags = data[FUZZ_L4_OFF_FLAGS];
    in->msg = data + FUZZ_L4_PREFIX_LEN;
    in->len = size - FUZZ_L4_PREFIX_LEN;
    return true;
}

/* `strict` is the parse that checks the checksum, `err` the one that
 * trusts the device (`verified`): both fail only as `known` allows, and
 * skipping the checksum changes the outcome only of a checksum failure.
 * True when the message parsed. */
static inline bool fuzz_l4_parsed(int strict, int err, bool verified, bool (*known)(int))
{
    CHECK(strict == 0 || known(strict));
    CHECK(strict == AXN_WIRE_ECSUM || err == strict);
    if (err == 0)
        return true;
    CHECK(known(err) && !(verified && err == AXN_WIRE_ECSUM));
    return false;
}

#endif /* AXN_FUZZ_L4_H */
