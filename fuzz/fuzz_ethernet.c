/* Ethernet II parse -> emit -> re-parse round trip (src/wire/ethernet.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ethernet.h"
#include "support/fuzz_check.h"

static void check_mac_classes(const struct axn_mac *m)
{
    if (axn_mac_is_broadcast(m))
        CHECK(axn_mac_is_multicast(m));
    CHECK(axn_mac_is_unicast(m) == (!axn_mac_is_multicast(m) && !axn_mac_is_zero(m)));
    CHECK(axn_mac_equal(m, m));
}

static void check_same(const struct axn_eth *a, const struct axn_eth *b)
{
    CHECK(axn_mac_equal(&a->dst, &b->dst));
    CHECK(axn_mac_equal(&a->src, &b->src));
    CHECK(a->ethertype == b->ethertype);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_eth e;
    int err = axn_eth_parse(data, size, &e);
    if (err) {
        CHECK(err == AXN_WIRE_ETRUNC || err == AXN_WIRE_EVLAN || err == AXN_WIRE_EUNSUPP);
        return 0;
    }
    CHECK(e.payload == data + AXN_ETH_HLEN && e.payload_len == size - AXN_ETH_HLEN);
    CHECK(e.ethertype >= AXN_ETHERTYPE_MIN);
    check_mac_classes(&e.dst);
    check_mac_classes(&e.src);

    size_t cap = size + AXN_ETH_ZLEN;
    uint8_t *buf = malloc(cap);
    CHECK(buf != NULL);
    /* Unpadded: the exact input comes back. */
    CHECK(axn_eth_emit(&e, buf, cap, 0) == (int)size);
    CHECK(memcmp(buf, data, size) == 0);
    struct axn_eth back;
    CHECK(axn_eth_parse(buf, size, &back) == 0);
    check_same(&e, &back);
    CHECK(back.payload_len == e.payload_len);

    /* Padded: at least AXN_ETH_ZLEN bytes, zeros after the input. */
    int n = axn_eth_emit(&e, buf, cap, AXN_ETH_EMIT_PAD);
    CHECK(n == (int)(size < AXN_ETH_ZLEN ? AXN_ETH_ZLEN : size));
    CHECK(memcmp(buf, data, size) == 0);
    for (size_t i = size; i < (size_t)n; i++)
        CHECK(buf[i] == 0);
    CHECK(axn_eth_parse(buf, (size_t)n, &back) == 0);
    check_same(&e, &back);
    CHECK(axn_eth_emit(&e, buf, size - 1, 0) == AXN_WIRE_ENOSPC);
    free(buf);
    return 0;
}
