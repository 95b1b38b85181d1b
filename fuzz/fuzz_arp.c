/* ARP parse -> emit -> re-parse round trip (src/wire/arp.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/arp.h"
#include "support/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_arp a;
    int err = axn_arp_parse(data, size, &a);
    if (err) {
        CHECK(err == AXN_WIRE_ETRUNC || err == AXN_WIRE_EUNSUPP);
        return 0;
    }
    CHECK(size >= AXN_ARP_LEN);
    uint8_t buf[AXN_ARP_LEN + 1];
    buf[AXN_ARP_LEN] = 0xA5;
    CHECK(axn_arp_emit(&a, buf, AXN_ARP_LEN - 1) == AXN_WIRE_ENOSPC);
    CHECK(axn_arp_emit(&a, buf, sizeof(buf)) == AXN_ARP_LEN);
    CHECK(buf[AXN_ARP_LEN] == 0xA5);
    /* Everything parse accepted is fixed by the format: the bytes return. */
    CHECK(memcmp(buf, data, AXN_ARP_LEN) == 0);
    struct axn_arp b;
    CHECK(axn_arp_parse(buf, AXN_ARP_LEN, &b) == 0);
    CHECK(a.op == b.op);
    CHECK(memcmp(a.sender_mac.b, b.sender_mac.b, AXN_MAC_LEN) == 0);
    CHECK(memcmp(a.target_mac.b, b.target_mac.b, AXN_MAC_LEN) == 0);
    CHECK(a.sender_ip == b.sender_ip && a.target_ip == b.target_ip);
    CHECK(axn_arp_op_is_known(a.op) == (a.op == AXN_ARP_OP_REQUEST || a.op == AXN_ARP_OP_REPLY));
    return 0;
}
