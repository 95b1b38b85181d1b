/*
 * ICMPv4 parse -> emit -> re-parse round trip (src/wire/icmp4.c).
 *
 * Input: the same 5-byte prefix as the other L4 targets (4 bytes unused,
 * since ICMPv4 has no pseudo-header; 1 flag byte, bit 0: the device
 * verified the checksum), then the message. Seeds in fuzz/corpus/icmp4/ are
 * real messages.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/checksum.h"
#include "wire/icmp4.h"
#include "support/fuzz_check.h"
#include "support/fuzz_l4.h"

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_ECSUM || err == AXN_WIRE_ELEN ||
           err == AXN_WIRE_EHDRLEN || err == AXN_WIRE_EVERSION;
}

static void check_same(const struct axn_icmp4 *a, const struct axn_icmp4 *b)
{
    CHECK(a->type == b->type && a->code == b->code);
    CHECK(a->id == b->id && a->seq == b->seq && a->next_mtu == b->next_mtu);
    CHECK(a->pointer == b->pointer && a->gateway == b->gateway);
    CHECK(a->orig_hdr_len == b->orig_hdr_len);
    CHECK(a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_l4_input in; /* the pseudo-header sum is unused */
    if (!fuzz_l4_input(data, size, &in))
        return 0;
    const uint8_t *msg = in.msg;
    size_t len = in.len;

    struct axn_icmp4 m;
    int strict = axn_icmp4_parse(msg, len, &m, 0);
    unsigned flags = (in.flags & FUZZ_L4_CSUM_OK) ? AXN_ICMP4_PARSE_CSUM_VERIFIED : 0;
    int err = axn_icmp4_parse(msg, len, &m, flags);
    if (!fuzz_l4_parsed(strict, err, flags != 0, is_parse_error))
        return 0;
    CHECK(m.body == msg + AXN_ICMP4_HDR_LEN && m.body_len == len - AXN_ICMP4_HDR_LEN);
    if (axn_icmp4_is_error(m.type))
        CHECK(m.orig_hdr_len >= 20 && m.body_len >= m.orig_hdr_len + AXN_ICMP4_ORIG_DATA_LEN);

    size_t out_len = axn_icmp4_len(&m);
    CHECK(out_len == len);
    uint8_t *buf = malloc(out_len);
    CHECK(buf != NULL);
    CHECK(axn_icmp4_emit(&m, buf, out_len - 1) == AXN_WIRE_ENOSPC);
    CHECK(axn_icmp4_emit(&m, buf, out_len) == (int)out_len);
    CHECK(axn_csum(buf, out_len) == 0);
    CHECK(buf[0] == msg[0] && buf[1] == msg[1]);
    CHECK(memcmp(buf + AXN_ICMP4_HDR_LEN, m.body, m.body_len) == 0);

    struct axn_icmp4 back;
    CHECK(axn_icmp4_parse(buf, out_len, &back, 0) == 0);
    check_same(&m, &back);

    /* Emitting what was re-parsed gives the same bytes, here in place. */
    uint8_t *again = malloc(out_len);
    CHECK(again != NULL);
    memcpy(again, buf, out_len);
    back.body = again + AXN_ICMP4_HDR_LEN;
    CHECK(axn_icmp4_emit(&back, again, out_len) == (int)out_len);
    CHECK(memcmp(buf, again, out_len) == 0);
    free(again);
    free(buf);
    return 0;
}
