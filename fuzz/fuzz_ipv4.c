/* IPv4 parse -> emit -> re-parse round trip (src/wire/ipv4.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv4.h"
#include "support/fuzz_check.h"

/* Bytes emit may legitimately change: the checksum, and the reserved flag
 * bit (RFC 791 3.1 "must be zero") that parse ignores. */
#define OFF_FLAGS    6
#define RESERVED_BIT 0x80u
#define OFF_CSUM     10

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_EVERSION || err == AXN_WIRE_EHDRLEN ||
           err == AXN_WIRE_ELEN || err == AXN_WIRE_ECSUM || err == AXN_WIRE_EOPTLEN ||
           err == AXN_WIRE_EFRAG;
}

static void check_same(const struct axn_ipv4 *a, const struct axn_ipv4 *b)
{
    CHECK(a->tos == b->tos && a->id == b->id && a->ttl == b->ttl);
    CHECK(a->df == b->df && a->mf == b->mf && a->frag_offset == b->frag_offset);
    CHECK(a->is_fragment == b->is_fragment && a->protocol == b->protocol);
    CHECK(a->src == b->src && a->dst == b->dst);
    CHECK(a->router_alert == b->router_alert && a->source_route == b->source_route);
    CHECK(a->hdr_len == b->hdr_len && a->total_len == b->total_len);
    CHECK(a->options_len == b->options_len);
    CHECK(memcmp(a->options, b->options, a->options_len) == 0);
    CHECK(a->payload_len == b->payload_len);
    CHECK(memcmp(a->payload, b->payload, a->payload_len) == 0);
}

static void check_invariants(const struct axn_ipv4 *h, const uint8_t *data, size_t size)
{
    CHECK(h->hdr_len >= AXN_IPV4_HDR_MIN && h->hdr_len <= AXN_IPV4_HDR_MAX);
    CHECK(h->total_len <= size && h->hdr_len + h->payload_len == h->total_len);
    CHECK(h->options == data + AXN_IPV4_HDR_MIN && h->payload == data + h->hdr_len);
    CHECK(h->options_len == h->hdr_len - AXN_IPV4_HDR_MIN);
    CHECK(h->frag_offset % 8 == 0);
    CHECK(h->is_fragment == (h->mf || h->frag_offset != 0));
}

/* One's complement has two zeros: a header may carry 0xffff where the
 * computed checksum is 0x0000, and both verify (RFC 1624 3). */
static bool same_checksum(const uint8_t *a, const uint8_t *b)
{
    uint16_t x = (uint16_t)(a[0] << 8 | a[1]);
    uint16_t y = (uint16_t)(b[0] << 8 | b[1]);
    return x == y || (x == 0 && y == 0xffff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_ipv4 h;
    int strict = axn_ipv4_parse(data, size, &h, 0);
    CHECK(strict == 0 || is_parse_error(strict));
    int err = axn_ipv4_parse(data, size, &h, AXN_IPV4_PARSE_CSUM_VERIFIED);
    CHECK(err != AXN_WIRE_ECSUM);
    /* Skipping the checksum changes the outcome only of a checksum failure. */
    CHECK(strict == AXN_WIRE_ECSUM || err == strict);
    if (err) {
        CHECK(is_parse_error(err));
        return 0;
    }
    check_invariants(&h, data, size);

    uint8_t *buf = malloc(h.total_len);
    CHECK(buf != NULL);
    CHECK(axn_ipv4_emit(&h, buf, h.total_len - 1) == AXN_WIRE_ENOSPC);
    CHECK(axn_ipv4_emit(&h, buf, h.total_len) == (int)h.total_len);
    struct axn_ipv4 back;
    CHECK(axn_ipv4_parse(buf, h.total_len, &back, 0) == 0);
    check_same(&h, &back);
    /* Byte-exact apart from what emit must recompute or clear. */
    bool reserved = (data[OFF_FLAGS] & RESERVED_BIT) != 0;
    CHECK(buf[OFF_FLAGS] == (uint8_t)(data[OFF_FLAGS] & ~RESERVED_BIT));
    CHECK(memcmp(buf, data, OFF_FLAGS) == 0);
    CHECK(memcmp(buf + OFF_FLAGS + 1, data + OFF_FLAGS + 1, OFF_CSUM - OFF_FLAGS - 1) == 0);
    CHECK(memcmp(buf + OFF_CSUM + 2, data + OFF_CSUM + 2, h.total_len - OFF_CSUM - 2) == 0);
    if (strict == 0 && !reserved)
        CHECK(same_checksum(buf + OFF_CSUM, data + OFF_CSUM));
    free(buf);
    return 0;
}
