/* IPv6 header, extension-header walk, emit and address classes (src/wire/ipv6.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/ipv6.h"
#include "wire_l3_fixture.h"

#define NH_UDP    17
#define NH_AH     51
#define NH_ICMPV6 58

static const struct axn_ip6 addr_a = {{0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
static const struct axn_ip6 addr_b = {{0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
/* Link-local address of side B in the capture. */
static const struct axn_ip6 ll_b = {
    {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x60, 0xf5, 0x47, 0xff, 0xfe, 0xbc, 0x20, 0x09}};

static size_t load_ip(const char *name, uint8_t *buf)
{
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load(name, f, sizeof(f));
    memcpy(buf, f + L3_ETH_HLEN, n - L3_ETH_HLEN);
    return n - L3_ETH_HLEN;
}

/* Writes a fixed header carrying plen bytes (filled by the caller). */
static void fixed(uint8_t *p, uint8_t nh, size_t plen)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    p[4] = (uint8_t)(plen >> 8);
    p[5] = (uint8_t)plen;
    p[6] = nh;
    p[7] = 64;
    memcpy(p + 8, addr_a.b, 16);
    memcpy(p + 24, addr_b.b, 16);
}

/*
 * Writes an options/routing-style extension header of (units + 1) * 8
 * bytes at p: Next Header, Hdr Ext Len, then Pad1 options (zero bytes).
 * Returns its length.
 */
static size_t ext(uint8_t *p, uint8_t nh, uint8_t units)
{
    size_t len = ((size_t)units + 1) * 8;
    memset(p, 0, len);
    p[0] = nh;
    p[1] = units;
    return len;
}

/* Writes a Fragment header at p. */
static size_t frag(uint8_t *p, uint8_t nh, uint16_t offset, bool more, uint32_t id)
{
    p[0] = nh;
    p[1] = 0;
    p[2] = (uint8_t)(offset >> 8);
    p[3] = (uint8_t)((offset & 0xf8) | (more ? 1 : 0));
    p[4] = (uint8_t)(id >> 24);
    p[5] = (uint8_t)(id >> 16);
    p[6] = (uint8_t)(id >> 8);
    p[7] = (uint8_t)id;
    return 8;
}

static void ipv6_parse_reads_real_echo_request(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv6_echo.bin", p);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, n, &h), 0);
    assert_int_equal(h.traffic_class, 0);
    assert_int_equal(h.flow_label, 0xdc9ef);
    assert_int_equal(h.next_header, NH_ICMPV6);
    assert_int_equal(h.hop_limit, 64);
    assert_memory_equal(h.src.b, addr_a.b, 16);
    assert_memory_equal(h.dst.b, addr_b.b, 16);
    assert_ptr_equal(h.payload, p + 40);
    assert_int_equal(h.payload_len, 64);
    assert_int_equal(h.upper_proto, NH_ICMPV6);
    assert_int_equal(h.upper_offset, 40);
    assert_ptr_equal(h.upper, p + 40);
    assert_int_equal(h.upper_len, 64);
    assert_int_equal(h.ext_count, 0);
    assert_false(h.frag.present);
    assert_false(h.routing.present);
    assert_false(h.router_alert);
    assert_int_equal(h.unknown_opt_offset, 0);
}

static void ipv6_parse_reads_real_mld_hop_by_hop(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv6_mld_hbh.bin", p);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, n, &h), 0);
    assert_int_equal(h.next_header, AXN_IPV6_NH_HOPOPTS);
    assert_int_equal(h.hop_limit, 1);
    assert_memory_equal(h.src.b, ll_b.b, 16);
    assert_true(h.router_alert);
    assert_int_equal(h.ext_count, 1);
    assert_int_equal(h.upper_proto, NH_ICMPV6);
    assert_int_equal(h.upper_offset, 48);
    assert_int_equal(h.upper_len, 48);
    assert_int_equal(h.upper[0], 143); /* MLDv2 report */
    assert_int_equal(h.unknown_opt_offset, 0);
}

static void ipv6_parse_reads_real_neighbor_solicitation(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("ipv6_ns.bin", f, sizeof(f));
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(f + 14, n - 14, &h), 0);
    assert_int_equal(h.hop_limit, 255);
    assert_int_equal(h.upper_proto, NH_ICMPV6);
    assert_int_equal(h.upper_len, 32);
    /* Linux sent it to the solicited-node group of fd99::2 ... */
    struct axn_ip6 sn;
    axn_ip6_solicited_node(&addr_b, &sn);
    assert_memory_equal(h.dst.b, sn.b, 16);
    assert_true(axn_ip6_is_multicast(&h.dst));
    /* ... in a frame addressed to that group's MAC. */
    struct axn_mac m;
    axn_ip6_multicast_mac(&h.dst, &m);
    assert_memory_equal(m.b, f, 6);
}

static void ipv6_parse_reads_real_fragments(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint16_t offset;
        bool more;
        size_t data_len;
    } frags[] = {
        {"ipv6_frag1.bin", 0, true, 1448},
        {"ipv6_frag2.bin", 1448, true, 1448},
        {"ipv6_frag3.bin", 2896, false, 112},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t p[L3_FIXTURE_MAX];
        size_t n = load_ip(frags[i].name, p);
        struct axn_ipv6 h;
        assert_int_equal(axn_ipv6_parse(p, n, &h), 0);
        assert_int_equal(h.next_header, AXN_IPV6_NH_FRAGMENT);
        assert_true(h.frag.present);
        assert_int_equal(h.frag.next_header, NH_ICMPV6);
        assert_int_equal(h.frag.offset, frags[i].offset);
        assert_int_equal(h.frag.more, frags[i].more);
        assert_int_equal(h.frag.id, 0x4439f2eb);
        assert_int_equal(h.frag.hdr_offset, 40);
        assert_ptr_equal(h.frag.data, p + 48);
        assert_int_equal(h.frag.data_len, frags[i].data_len);
        assert_int_equal(h.ext_count, 1);
        assert_int_equal(h.upper_proto, NH_ICMPV6);
        assert_int_equal(h.upper_offset, 48);
        assert_int_equal(h.upper_len, frags[i].data_len);
    }
}

static void ipv6_parse_ignores_link_padding(void **state)
{
    (void)state;
    uint8_t p[64];
    fixed(p, AXN_IPV6_NH_NONE, 0);
    memset(p + 40, 0xEE, 6); /* 54-byte frame padded to 60 */
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, 46, &h), 0);
    assert_int_equal(h.payload_len, 0);
    assert_int_equal(h.upper_proto, AXN_IPV6_NH_NONE);
    assert_int_equal(h.upper_len, 0);
}

static void ipv6_parse_rejects_truncated_header(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    load_ip("ipv6_echo.bin", p);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, 39, &h), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_ipv6_parse(p, 0, &h), AXN_WIRE_ETRUNC);
}

static void ipv6_parse_rejects_bad_version(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv6_echo.bin", p);
    struct axn_ipv6 h;
    p[0] = 0x40;
    assert_int_equal(axn_ipv6_parse(p, n, &h), AXN_WIRE_EVERSION);
    p[0] = 0x70;
    assert_int_equal(axn_ipv6_parse(p, n, &h), AXN_WIRE_EVERSION);
}

static void ipv6_parse_rejects_payload_length_past_buffer(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv6_echo.bin", p);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, n - 1, &h), AXN_WIRE_ELEN);
    assert_int_equal(axn_ipv6_parse(p, 40, &h), AXN_WIRE_ELEN);
}

static void ipv6_parse_rejects_hop_by_hop_not_first(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40;
    off += ext(p + off, AXN_IPV6_NH_HOPOPTS, 0);
    off += ext(p + off, NH_UDP, 0);
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_EFIELD);
    /* The same two headers in the right order are fine. */
    ext(p + 40, AXN_IPV6_NH_DSTOPTS, 0);
    fixed(p, AXN_IPV6_NH_HOPOPTS, off - 40);
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    assert_int_equal(h.ext_count, 2);
    assert_int_equal(h.upper_proto, NH_UDP);
}

static void ipv6_parse_rejects_chain_too_long(void **state)
{
    (void)state;
    uint8_t p[40 + 8 * (AXN_IP6_MAX_EXT_HEADERS + 1)];
    struct axn_ipv6 h;
    /* AXN_IP6_MAX_EXT_HEADERS headers: accepted. */
    size_t off = 40;
    for (int i = 0; i < AXN_IP6_MAX_EXT_HEADERS; i++)
        off += ext(p + off, i + 1 < AXN_IP6_MAX_EXT_HEADERS ? AXN_IPV6_NH_DSTOPTS : NH_UDP, 0);
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    assert_int_equal(h.ext_count, AXN_IP6_MAX_EXT_HEADERS);
    assert_int_equal(h.upper_proto, NH_UDP);
    /* One more: rejected. */
    off = 40;
    for (int i = 0; i <= AXN_IP6_MAX_EXT_HEADERS; i++)
        off += ext(p + off, i < AXN_IP6_MAX_EXT_HEADERS ? AXN_IPV6_NH_DSTOPTS : NH_UDP, 0);
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_ECHAIN);
}

static void ipv6_parse_rejects_ext_header_length_overrun(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + ext(p + 40, NH_UDP, 0);
    p[41] = 1; /* claims 16 bytes, 8 are there */
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_EOPTLEN);
    fixed(p, AXN_IPV6_NH_ROUTING, off - 40);
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_EOPTLEN);
}

static void ipv6_parse_rejects_ext_header_cut_short(void **state)
{
    (void)state;
    uint8_t p[128];
    ext(p + 40, NH_UDP, 0);
    fixed(p, AXN_IPV6_NH_DSTOPTS, 7); /* the payload ends inside its first 8 bytes */
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, 48, &h), AXN_WIRE_ELEN);
    fixed(p, AXN_IPV6_NH_FRAGMENT, 4);
    assert_int_equal(axn_ipv6_parse(p, 48, &h), AXN_WIRE_ELEN);
}

static void ipv6_parse_rejects_option_overrunning_ext_header(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + ext(p + 40, NH_UDP, 0);
    p[42] = AXN_IPV6_OPT_PADN;
    p[43] = 5; /* 2 + 5 > the 6 option bytes */
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_EOPTLEN);
    p[43] = 4; /* exactly fills the header */
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    /* A type octet in the last byte has no room for its length. */
    p[42] = 0;
    p[43] = 0;
    p[47] = AXN_IPV6_OPT_PADN;
    assert_int_equal(axn_ipv6_parse(p, off, &h), AXN_WIRE_EOPTLEN);
}

static void ipv6_parse_rejects_router_alert_of_wrong_length(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv6_mld_hbh.bin", p);
    p[43] = 1; /* RA data length 1; the PadN after it grows by one */
    p[46] = 1;
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, n, &h), AXN_WIRE_EOPTLEN);
}

static void ipv6_parse_rejects_fragment_offset_overflow(void **state)
{
    (void)state;
    uint8_t p[128];
    struct axn_ipv6 h;
    size_t off = 40 + frag(p + 40, NH_UDP, 65528, false, 7);
    memset(p + off, 0, 16);
    fixed(p, AXN_IPV6_NH_FRAGMENT, off - 40 + 8);
    assert_int_equal(axn_ipv6_parse(p, off + 8, &h), AXN_WIRE_EFRAG); /* 65536 */
    fixed(p, AXN_IPV6_NH_FRAGMENT, off - 40 + 7);
    assert_int_equal(axn_ipv6_parse(p, off + 7, &h), 0); /* 65535 */
    assert_int_equal(h.frag.offset, 65528);
    /* Unfragmentable headers before it count toward the 65535 too. */
    off = 40 + ext(p + 40, AXN_IPV6_NH_FRAGMENT, 0);
    off += frag(p + off, NH_UDP, 65512, false, 7);
    memset(p + off, 0, 16);
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40 + 15);
    assert_int_equal(axn_ipv6_parse(p, off + 15, &h), 0); /* 8 + 65512 + 15 */
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40 + 16);
    assert_int_equal(axn_ipv6_parse(p, off + 16, &h), AXN_WIRE_EFRAG);
}

static void ipv6_parse_rejects_second_fragment_header(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + frag(p + 40, AXN_IPV6_NH_FRAGMENT, 0, true, 1);
    off += frag(p + off, NH_UDP, 0, false, 2);
    memset(p + off, 0, 8);
    fixed(p, AXN_IPV6_NH_FRAGMENT, off - 40 + 8);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off + 8, &h), AXN_WIRE_EFIELD);
}

static void ipv6_parse_walks_first_fragment_chain(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + frag(p + 40, AXN_IPV6_NH_DSTOPTS, 0, true, 0xabcdef01);
    off += ext(p + off, NH_UDP, 0);
    memset(p + off, 0x11, 16);
    fixed(p, AXN_IPV6_NH_FRAGMENT, off - 40 + 16);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off + 16, &h), 0);
    assert_true(h.frag.present);
    assert_int_equal(h.frag.next_header, AXN_IPV6_NH_DSTOPTS);
    assert_int_equal(h.frag.id, 0xabcdef01);
    assert_int_equal(h.frag.data_len, 24);
    assert_int_equal(h.ext_count, 2);
    assert_int_equal(h.upper_proto, NH_UDP);
    assert_int_equal(h.upper_offset, 56);
    assert_int_equal(h.upper_len, 16);
}

static void ipv6_parse_stops_at_non_first_fragment(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + frag(p + 40, AXN_IPV6_NH_DSTOPTS, 8, true, 5);
    /* Fragment data that would be a broken Destination Options header. */
    memset(p + off, 0xff, 16);
    fixed(p, AXN_IPV6_NH_FRAGMENT, off - 40 + 16);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off + 16, &h), 0);
    assert_int_equal(h.ext_count, 1);
    assert_int_equal(h.upper_proto, AXN_IPV6_NH_DSTOPTS);
    assert_int_equal(h.upper_offset, 48);
    assert_int_equal(h.upper_len, 16);
    assert_int_equal(h.frag.offset, 8);
}

static void ipv6_parse_records_first_unknown_option_needing_action(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + ext(p + 40, NH_UDP, 1);
    /* 0x1e: unknown, action "skip" -> not recorded. */
    p[42] = 0x1e;
    p[43] = 0;
    /* 0x9f: unknown, action "discard + ICMP" at offset 44 -> recorded. */
    p[44] = 0x9f;
    p[45] = 1;
    /* 0x5f: unknown, "discard" at 48 -> a later one, not recorded. */
    p[48] = 0x5f;
    p[49] = 0;
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    assert_int_equal(h.unknown_opt_type, 0x9f);
    assert_int_equal(h.unknown_opt_offset, 44);
    assert_int_equal(AXN_IPV6_OPT_ACTION(h.unknown_opt_type), AXN_IPV6_OPT_ACT_ICMP);
    /* Router Alert outside Hop-by-Hop is not one we know there. */
    p[44] = AXN_IPV6_OPT_ROUTER_ALERT;
    p[45] = 2;
    p[46] = 0;
    p[47] = 0;
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    assert_false(h.router_alert);
    assert_int_equal(h.unknown_opt_offset, 48);
    assert_int_equal(AXN_IPV6_OPT_ACTION(h.unknown_opt_type), AXN_IPV6_OPT_ACT_DISCARD);
}

static void ipv6_parse_records_routing_header(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + ext(p + 40, NH_UDP, 2);
    p[42] = 4; /* Segment Routing (RFC 8754) */
    p[43] = 3; /* segments left */
    fixed(p, AXN_IPV6_NH_ROUTING, off - 40);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off, &h), 0);
    assert_true(h.routing.present);
    assert_int_equal(h.routing.type, 4);
    assert_int_equal(h.routing.segments_left, 3);
    assert_int_equal(h.routing.hdr_offset, 40);
    assert_int_equal(h.upper_proto, NH_UDP);
    assert_int_equal(h.upper_offset, 64);
}

static void ipv6_parse_reports_unwalked_headers_as_upper_layer(void **state)
{
    (void)state;
    uint8_t p[128];
    size_t off = 40 + ext(p + 40, NH_AH, 0);
    memset(p + off, 0, 16);
    fixed(p, AXN_IPV6_NH_DSTOPTS, off - 40 + 16);
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(p, off + 16, &h), 0);
    assert_int_equal(h.upper_proto, NH_AH);
    assert_int_equal(h.upper_offset, 48);
    assert_int_equal(h.upper_len, 16);
}

static void ipv6_emit_round_trips_every_field(void **state)
{
    (void)state;
    uint8_t payload[21];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(0x30 + i);
    struct axn_ipv6 in = {.traffic_class = 0xb9,
                          .flow_label = 0xfedcb,
                          .next_header = NH_UDP,
                          .hop_limit = 7,
                          .src = ll_b,
                          .dst = addr_a,
                          .payload = payload,
                          .payload_len = sizeof(payload)};
    uint8_t buf[128];
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), 61);
    assert_int_equal(buf[61], 0xAA);
    struct axn_ipv6 out;
    assert_int_equal(axn_ipv6_parse(buf, 61, &out), 0);
    assert_int_equal(out.traffic_class, 0xb9);
    assert_int_equal(out.flow_label, 0xfedcb);
    assert_int_equal(out.next_header, NH_UDP);
    assert_int_equal(out.hop_limit, 7);
    assert_memory_equal(out.src.b, ll_b.b, 16);
    assert_memory_equal(out.dst.b, addr_a.b, 16);
    assert_int_equal(out.payload_len, sizeof(payload));
    assert_memory_equal(out.payload, payload, sizeof(payload));
    assert_false(out.frag.present);
    assert_int_equal(out.upper_proto, NH_UDP);
}

static void ipv6_emit_round_trips_fragment_header(void **state)
{
    (void)state;
    uint8_t payload[16];
    memset(payload, 0x42, sizeof(payload));
    struct axn_ipv6 in = {.next_header = 0xEE, /* ignored: a Fragment header follows */
                          .hop_limit = 64,
                          .src = addr_a,
                          .dst = addr_b,
                          .frag = {.present = true,
                                   .next_header = NH_UDP,
                                   .offset = 65512,
                                   .more = true,
                                   .id = 0x80000001},
                          .payload = payload,
                          .payload_len = sizeof(payload)};
    uint8_t buf[128];
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), 64);
    struct axn_ipv6 out;
    assert_int_equal(axn_ipv6_parse(buf, 64, &out), 0);
    assert_int_equal(out.next_header, AXN_IPV6_NH_FRAGMENT);
    assert_true(out.frag.present);
    assert_int_equal(out.frag.next_header, NH_UDP);
    assert_int_equal(out.frag.offset, 65512);
    assert_true(out.frag.more);
    assert_int_equal(out.frag.id, 0x80000001);
    assert_int_equal(out.frag.data_len, sizeof(payload));
    assert_memory_equal(out.frag.data, payload, sizeof(payload));
    assert_int_equal(out.upper_proto, NH_UDP);
    assert_int_equal(buf[41], 0); /* reserved */
}

static void ipv6_emit_reproduces_real_packets(void **state)
{
    (void)state;
    static const char *names[] = {"ipv6_echo.bin",  "ipv6_ns.bin",    "ipv6_mld_hbh.bin",
                                  "ipv6_frag1.bin", "ipv6_frag2.bin", "ipv6_frag3.bin"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        uint8_t p[L3_FIXTURE_MAX];
        uint8_t buf[L3_FIXTURE_MAX];
        size_t n = load_ip(names[i], p);
        struct axn_ipv6 h;
        assert_int_equal(axn_ipv6_parse(p, n, &h), 0);
        if (h.frag.present) {
            /* Rebuild through the Fragment-header path. */
            h.payload = h.frag.data;
            h.payload_len = h.frag.data_len;
        }
        memset(buf, 0xAA, sizeof(buf));
        assert_int_equal(axn_ipv6_emit(&h, buf, sizeof(buf)), (int)n);
        assert_memory_equal(buf, p, n);
    }
}

static void ipv6_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[80];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    struct axn_ipv6 in = {.next_header = NH_UDP,
                          .hop_limit = 1,
                          .src = addr_a,
                          .dst = addr_b,
                          .frag = {.present = true, .next_header = NH_UDP},
                          .payload = buf + 48,
                          .payload_len = 32};
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), 80);
    for (size_t i = 48; i < 80; i++)
        assert_int_equal(buf[i], i);
    assert_int_equal(buf[5], 40); /* Payload Length: Fragment header + 32 */
}

static void ipv6_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t payload[8] = {0};
    struct axn_ipv6 in = {.next_header = NH_UDP, .payload = payload, .payload_len = 8};
    uint8_t buf[64];
    assert_int_equal(axn_ipv6_emit(&in, buf, 47), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_ipv6_emit(&in, buf, 48), 48);
    in.frag.present = true;
    assert_int_equal(axn_ipv6_emit(&in, buf, 55), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_ipv6_emit(&in, buf, 56), 56);
}

static void ipv6_emit_rejects_flow_label_over_20_bits(void **state)
{
    (void)state;
    struct axn_ipv6 in = {.next_header = AXN_IPV6_NH_NONE, .flow_label = 0x100000};
    uint8_t buf[64];
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), AXN_WIRE_EFIELD);
    in.flow_label = 0xfffff;
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), 40);
    assert_int_equal(buf[0], 0x60);
    assert_int_equal(buf[1], 0x0f);
    assert_int_equal(buf[2], 0xff);
    assert_int_equal(buf[3], 0xff);
}

static void ipv6_emit_rejects_payload_over_65535(void **state)
{
    (void)state;
    static uint8_t big[40 + 65536];
    struct axn_ipv6 in = {.next_header = NH_UDP, .payload = big + 40, .payload_len = 65536};
    assert_int_equal(axn_ipv6_emit(&in, big, sizeof(big)), AXN_WIRE_ELEN);
    in.payload_len = 65535;
    assert_int_equal(axn_ipv6_emit(&in, big, sizeof(big)), 40 + 65535);
    /* The Fragment header counts toward Payload Length. */
    in.frag.present = true;
    in.payload_len = 65528;
    assert_int_equal(axn_ipv6_emit(&in, big, sizeof(big)), AXN_WIRE_ELEN);
}

static void ipv6_emit_rejects_bad_fragment_fields(void **state)
{
    (void)state;
    uint8_t payload[16] = {0};
    struct axn_ipv6 in = {.frag = {.present = true, .offset = 1447},
                          .payload = payload,
                          .payload_len = sizeof(payload)};
    uint8_t buf[128];
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), AXN_WIRE_EFRAG);
    in.frag.offset = 65528; /* + 16 > 65535 */
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), AXN_WIRE_EFRAG);
    in.frag.offset = 65512;
    assert_int_equal(axn_ipv6_emit(&in, buf, sizeof(buf)), 64);
}

static void ip6_address_classes(void **state)
{
    (void)state;
    static const struct axn_ip6 unspec = {{0}};
    static const struct axn_ip6 loop = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    static const struct axn_ip6 all_nodes = {
        {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    static const struct axn_ip6 site_mc = {{0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    static const struct axn_ip6 ll_top = {{0xfe, 0xbf, 0xff}};
    static const struct axn_ip6 site_local = {{0xfe, 0xc0}};
    static const struct axn_ip6 v4_mapped_zero = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}};

    assert_true(axn_ip6_is_unspecified(&unspec));
    assert_false(axn_ip6_is_unspecified(&loop));
    assert_true(axn_ip6_is_loopback(&loop));
    assert_false(axn_ip6_is_loopback(&unspec));
    assert_false(axn_ip6_is_loopback(&v4_mapped_zero));

    assert_true(axn_ip6_is_multicast(&all_nodes));
    assert_false(axn_ip6_is_multicast(&addr_a));
    assert_int_equal(axn_ip6_multicast_scope(&all_nodes), 2);
    assert_int_equal(axn_ip6_multicast_scope(&site_mc), 5);

    assert_true(axn_ip6_is_link_local(&ll_b));
    assert_true(axn_ip6_is_link_local(&ll_top));
    assert_false(axn_ip6_is_link_local(&site_local));
    assert_false(axn_ip6_is_link_local(&addr_a));

    assert_true(axn_ip6_equal(&addr_a, &addr_a));
    assert_false(axn_ip6_equal(&addr_a, &addr_b));
}

static void ip6_solicited_node_keeps_low_24_bits(void **state)
{
    (void)state;
    static const struct axn_ip6 want = {
        {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0xbc, 0x20, 0x09}};
    struct axn_ip6 sn;
    axn_ip6_solicited_node(&ll_b, &sn);
    assert_memory_equal(sn.b, want.b, 16);
    /* The real MLD report of that host joins exactly this group. */
    uint8_t p[L3_FIXTURE_MAX];
    load_ip("ipv6_mld_hbh.bin", p);
    assert_memory_equal(p + 48 + 8 + 4, want.b, 16);
    /* In place. */
    struct axn_ip6 x = ll_b;
    axn_ip6_solicited_node(&x, &x);
    assert_memory_equal(x.b, want.b, 16);
}

static void ip6_multicast_mac_maps_low_32_bits(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("ipv6_mld_hbh.bin", f, sizeof(f));
    struct axn_ipv6 h;
    assert_int_equal(axn_ipv6_parse(f + 14, n - 14, &h), 0);
    struct axn_mac m;
    axn_ip6_multicast_mac(&h.dst, &m); /* ff02::16 */
    static const uint8_t want[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x16};
    assert_memory_equal(m.b, want, 6);
    assert_memory_equal(m.b, f, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv6_parse_reads_real_echo_request),
        cmocka_unit_test(ipv6_parse_reads_real_mld_hop_by_hop),
        cmocka_unit_test(ipv6_parse_reads_real_neighbor_solicitation),
        cmocka_unit_test(ipv6_parse_reads_real_fragments),
        cmocka_unit_test(ipv6_parse_ignores_link_padding),
        cmocka_unit_test(ipv6_parse_rejects_truncated_header),
        cmocka_unit_test(ipv6_parse_rejects_bad_version),
        cmocka_unit_test(ipv6_parse_rejects_payload_length_past_buffer),
        cmocka_unit_test(ipv6_parse_rejects_hop_by_hop_not_first),
        cmocka_unit_test(ipv6_parse_rejects_chain_too_long),
        cmocka_unit_test(ipv6_parse_rejects_ext_header_length_overrun),
        cmocka_unit_test(ipv6_parse_rejects_ext_header_cut_short),
        cmocka_unit_test(ipv6_parse_rejects_option_overrunning_ext_header),
        cmocka_unit_test(ipv6_parse_rejects_router_alert_of_wrong_length),
        cmocka_unit_test(ipv6_parse_rejects_fragment_offset_overflow),
        cmocka_unit_test(ipv6_parse_rejects_second_fragment_header),
        cmocka_unit_test(ipv6_parse_walks_first_fragment_chain),
        cmocka_unit_test(ipv6_parse_stops_at_non_first_fragment),
        cmocka_unit_test(ipv6_parse_records_first_unknown_option_needing_action),
        cmocka_unit_test(ipv6_parse_records_routing_header),
        cmocka_unit_test(ipv6_parse_reports_unwalked_headers_as_upper_layer),
        cmocka_unit_test(ipv6_emit_round_trips_every_field),
        cmocka_unit_test(ipv6_emit_round_trips_fragment_header),
        cmocka_unit_test(ipv6_emit_reproduces_real_packets),
        cmocka_unit_test(ipv6_emit_builds_in_place),
        cmocka_unit_test(ipv6_emit_rejects_small_buffer),
        cmocka_unit_test(ipv6_emit_rejects_flow_label_over_20_bits),
        cmocka_unit_test(ipv6_emit_rejects_payload_over_65535),
        cmocka_unit_test(ipv6_emit_rejects_bad_fragment_fields),
        cmocka_unit_test(ip6_address_classes),
        cmocka_unit_test(ip6_solicited_node_keeps_low_24_bits),
        cmocka_unit_test(ip6_multicast_mac_maps_low_32_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
