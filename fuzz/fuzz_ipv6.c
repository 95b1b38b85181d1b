/* IPv6 parse -> emit -> re-parse round trip (src/wire/ipv6.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ipv6.h"
#include "support/fuzz_check.h"

/* Fragment header bytes emit writes as zero: Reserved, and Res bits. */
#define FH_RES_OFF  1
#define FH_OFFLG_LO 3
#define FH_RES_BITS 0x06u

static bool is_parse_error(int err)
{
    return err == AXN_WIRE_ETRUNC || err == AXN_WIRE_EVERSION || err == AXN_WIRE_ELEN ||
           err == AXN_WIRE_EOPTLEN || err == AXN_WIRE_EFIELD || err == AXN_WIRE_ECHAIN ||
           err == AXN_WIRE_EFRAG;
}

static void check_same_frag(const struct axn_ipv6_frag *a, const struct axn_ipv6_frag *b)
{
    CHECK(a->present == b->present);
    if (!a->present)
        return;
    CHECK(a->next_header == b->next_header && a->offset == b->offset && a->more == b->more);
    CHECK(a->id == b->id && a->hdr_offset == b->hdr_offset && a->data_len == b->data_len);
    CHECK(memcmp(a->data, b->data, a->data_len) == 0);
}

/* Everything parse reports, compared; pointers compared by content. */
static void check_same(const struct axn_ipv6 *a, const struct axn_ipv6 *b)
{
    CHECK(a->traffic_class == b->traffic_class && a->flow_label == b->flow_label);
    CHECK(a->next_header == b->next_header && a->hop_limit == b->hop_limit);
    CHECK(axn_ip6_equal(&a->src, &b->src) && axn_ip6_equal(&a->dst, &b->dst));
    CHECK(a->payload_len == b->payload_len); /* bytes: compared by the callers */
    CHECK(a->upper_proto == b->upper_proto && a->upper_offset == b->upper_offset);
    CHECK(a->upper_len == b->upper_len && a->ext_count == b->ext_count);
    CHECK(a->router_alert == b->router_alert);
    CHECK(a->unknown_opt_type == b->unknown_opt_type);
    CHECK(a->unknown_opt_offset == b->unknown_opt_offset);
    CHECK(a->routing.present == b->routing.present && a->routing.type == b->routing.type);
    CHECK(a->routing.segments_left == b->routing.segments_left);
    CHECK(a->routing.hdr_offset == b->routing.hdr_offset);
    check_same_frag(&a->frag, &b->frag);
}

static void check_invariants(const struct axn_ipv6 *h, const uint8_t *data, size_t size)
{
    CHECK(AXN_IPV6_HDR_LEN + h->payload_len <= size);
    CHECK(h->upper == data + h->upper_offset);
    CHECK(h->upper_offset + h->upper_len == AXN_IPV6_HDR_LEN + h->payload_len);
    CHECK(h->ext_count <= AXN_IP6_MAX_EXT_HEADERS);
    CHECK(h->flow_label <= AXN_IPV6_FLOW_MAX);
    if (h->frag.present) {
        CHECK(h->frag.data == data + h->frag.hdr_offset + AXN_IPV6_FRAG_HDR_LEN);
        CHECK(h->frag.offset % 8 == 0);
    }
}

/* Raw path: fixed header + the parsed payload, chain included. */
static void round_trip_raw(const struct axn_ipv6 *h, const uint8_t *data, uint8_t *buf)
{
    struct axn_ipv6 in = *h;
    in.frag.present = false;
    size_t n = AXN_IPV6_HDR_LEN + h->payload_len;
    CHECK(axn_ipv6_emit(&in, buf, n - 1) == AXN_WIRE_ENOSPC);
    CHECK(axn_ipv6_emit(&in, buf, n) == (int)n);
    CHECK(memcmp(buf, data, n) == 0);
    struct axn_ipv6 back;
    CHECK(axn_ipv6_parse(buf, n, &back) == 0);
    check_same(h, &back);
}

/* Fragment path, when the Fragment header directly follows the fixed one. */
static void round_trip_frag(const struct axn_ipv6 *h, const uint8_t *data, uint8_t *buf)
{
    struct axn_ipv6 in = *h;
    in.payload = h->frag.data;
    in.payload_len = h->frag.data_len;
    size_t n = AXN_IPV6_HDR_LEN + h->payload_len;
    CHECK(axn_ipv6_emit(&in, buf, n) == (int)n);
    size_t fh = AXN_IPV6_HDR_LEN;
    CHECK(buf[fh + FH_RES_OFF] == 0);
    CHECK(buf[fh + FH_OFFLG_LO] == (uint8_t)(data[fh + FH_OFFLG_LO] & ~FH_RES_BITS));
    CHECK(memcmp(buf, data, fh + FH_RES_OFF) == 0);
    CHECK(buf[fh + FH_RES_OFF + 1] == data[fh + FH_RES_OFF + 1]);
    CHECK(memcmp(buf + fh + FH_OFFLG_LO + 1, data + fh + FH_OFFLG_LO + 1,
                 n - fh - FH_OFFLG_LO - 1) == 0);
    struct axn_ipv6 back;
    CHECK(axn_ipv6_parse(buf, n, &back) == 0);
    check_same(h, &back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_ipv6 h;
    int err = axn_ipv6_parse(data, size, &h);
    if (err) {
        CHECK(is_parse_error(err));
        return 0;
    }
    check_invariants(&h, data, size);
    uint8_t *buf = malloc(AXN_IPV6_HDR_LEN + h.payload_len);
    CHECK(buf != NULL);
    round_trip_raw(&h, data, buf);
    if (h.frag.present && h.frag.hdr_offset == AXN_IPV6_HDR_LEN)
        round_trip_frag(&h, data, buf);
    free(buf);
    return 0;
}
