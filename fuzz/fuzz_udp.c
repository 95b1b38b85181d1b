/*
 * UDP parse -> emit -> re-parse round trip (src/wire/udp.c).
 *
 * Input: 4-byte big-endian pseudo-header sum, 1 flag byte (bit 0: the
 * device verified the checksum, bit 1: carried by IPv6), then the datagram.
 * Seeds in fuzz/corpus/udp/ are real datagrams with their real sums.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/udp.h"
#include "support/fuzz_check.h"
#include "support/fuzz_l4.h"

#define FLAG_IPV6         0x02
#define ROUND_TRIP_PSEUDO 0x1357u

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_ELEN || err == AXN_WIRE_ECSUM ||
           err == AXN_WIRE_EFIELD;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_l4_input in;
    if (!fuzz_l4_input(data, size, &in))
        return 0;
    uint32_t pseudo = in.pseudo;
    unsigned family = (in.flags & FLAG_IPV6) ? AXN_UDP_PARSE_IPV6 : 0;
    const uint8_t *dgram = in.msg;
    size_t len = in.len;

    struct axn_udp u;
    int strict = axn_udp_parse(dgram, len, &u, pseudo, family);
    unsigned verified = (in.flags & FUZZ_L4_CSUM_OK) ? AXN_UDP_PARSE_CSUM_VERIFIED : 0;
    int err = axn_udp_parse(dgram, len, &u, pseudo, family | verified);
    if (!fuzz_l4_parsed(strict, err, verified != 0, is_parse_error))
        return 0;
    CHECK(u.len >= AXN_UDP_HDR_LEN && u.len <= len);
    CHECK(u.payload == dgram + AXN_UDP_HDR_LEN && u.payload_len == u.len - AXN_UDP_HDR_LEN);
    CHECK(!(family && u.csum == 0));

    size_t out_len = axn_udp_len(&u);
    CHECK(out_len == u.len);
    uint8_t *buf = malloc(out_len);
    CHECK(buf != NULL);
    CHECK(axn_udp_emit(&u, buf, out_len - 1, ROUND_TRIP_PSEUDO, 0) == AXN_WIRE_ENOSPC);
    CHECK(axn_udp_emit(&u, buf, out_len, ROUND_TRIP_PSEUDO, 0) == (int)out_len);
    /* Only the checksum may differ from the input. */
    CHECK(memcmp(buf, dgram, 6) == 0);
    CHECK(memcmp(buf + AXN_UDP_HDR_LEN, dgram + AXN_UDP_HDR_LEN, u.payload_len) == 0);
    CHECK(axn_get_be16(buf + AXN_UDP_CSUM_OFFSET) != 0);

    struct axn_udp back;
    CHECK(axn_udp_parse(buf, out_len, &back, ROUND_TRIP_PSEUDO, family) == 0);
    CHECK(back.src_port == u.src_port && back.dst_port == u.dst_port && back.len == u.len);
    CHECK(back.payload_len == u.payload_len);
    CHECK(memcmp(back.payload, u.payload, u.payload_len) == 0);

    /* Same datagram with trailing bytes: the pseudo sum is for the whole buffer. */
    uint8_t *pad = malloc(out_len + 3);
    CHECK(pad != NULL);
    memcpy(pad, buf, out_len);
    memset(pad + out_len, 0xa5, 3);
    uint32_t wide = ROUND_TRIP_PSEUDO + 3; /* the length word grows by 3 */
    CHECK(axn_udp_parse(pad, out_len + 3, &back, wide, family) == 0);
    CHECK(back.len == u.len);
    free(pad);
    free(buf);
    return 0;
}
