/* IPv4 header parse/emit and address classes (src/wire/ipv4.c, RFC 791). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire_l3_fixture.h"

#define PROTO_ICMP 1
#define PROTO_IGMP 2
#define PROTO_UDP  17

static const axn_ip4_t ip_a = AXN_IP4(10, 99, 0, 1);
static const axn_ip4_t ip_b = AXN_IP4(10, 99, 0, 2);

/* Loads a fixture frame and returns its IPv4 packet (after Ethernet). */
static size_t load_ip(const char *name, uint8_t *buf)
{
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load(name, f, sizeof(f));
    memcpy(buf, f + L3_ETH_HLEN, n - L3_ETH_HLEN);
    return n - L3_ETH_HLEN;
}

/* Recomputes the header checksum after a test edited the header. */
static void fix_csum(uint8_t *p)
{
    size_t hl = (size_t)(p[0] & 0x0f) * 4;
    p[10] = 0;
    p[11] = 0;
    uint16_t c = axn_csum(p, hl);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
}

/* Sets the fragment offset (bytes, a multiple of 8) and fixes the checksum. */
static void set_offset(uint8_t *p, unsigned offset)
{
    p[6] = (uint8_t)(offset / 8 >> 8);
    p[7] = (uint8_t)(offset / 8);
    fix_csum(p);
}

/*
 * Hand-builds a UDP-carrying datagram with the given option bytes (already
 * a multiple of 4) and payload length, independent of axn_ipv4_emit.
 */
static size_t build(uint8_t *p, const uint8_t *opt, size_t opt_len, size_t payload_len)
{
    size_t hl = 20 + opt_len;
    size_t total = hl + payload_len;
    memset(p, 0, total);
    p[0] = (uint8_t)(0x40 | hl / 4);
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[4] = 0xBE;
    p[5] = 0xEF;
    p[8] = 64;
    p[9] = PROTO_UDP;
    p[12] = 10, p[13] = 99, p[14] = 0, p[15] = 1;
    p[16] = 10, p[17] = 99, p[18] = 0, p[19] = 2;
    if (opt_len)
        memcpy(p + 20, opt, opt_len);
    for (size_t i = 0; i < payload_len; i++)
        p[hl + i] = (uint8_t)(i + 3);
    fix_csum(p);
    return total;
}

static void ipv4_parse_reads_real_echo_request(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.tos, 0);
    assert_int_equal(h.id, 0x13cb);
    assert_true(h.df);
    assert_false(h.mf);
    assert_int_equal(h.frag_offset, 0);
    assert_false(h.is_fragment);
    assert_int_equal(h.ttl, 64);
    assert_int_equal(h.protocol, PROTO_ICMP);
    assert_int_equal(h.src, ip_a);
    assert_int_equal(h.dst, ip_b);
    assert_int_equal(h.hdr_len, 20);
    assert_int_equal(h.total_len, 84);
    assert_int_equal(h.options_len, 0);
    assert_ptr_equal(h.payload, p + 20);
    assert_int_equal(h.payload_len, 64);
    assert_false(h.router_alert);
    assert_false(h.source_route);
}

static void ipv4_parse_reads_real_record_route_options(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_rr_nop.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.hdr_len, 60);
    assert_ptr_equal(h.options, p + 20);
    assert_int_equal(h.options_len, 40);
    assert_int_equal(h.options[0], AXN_IPV4_OPT_NOP);
    assert_int_equal(h.options[1], AXN_IPV4_OPT_RR);
    assert_int_equal(h.options[2], 39);
    assert_int_equal(h.payload_len, 64);
    assert_false(h.router_alert);

    n = load_ip("ipv4_rr_eol.bin", p);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.options_len, 40);
    assert_int_equal(h.options[0], AXN_IPV4_OPT_RR);
    assert_int_equal(h.options[39], AXN_IPV4_OPT_EOL);
    assert_false(h.df);
    assert_int_equal(h.src, ip_b);
}

static void ipv4_parse_reads_real_fragments(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool mf;
        uint16_t offset;
        size_t payload_len;
    } frags[] = {
        {"ipv4_frag1.bin", true, 0, 1480},
        {"ipv4_frag2.bin", true, 1480, 1480},
        {"ipv4_frag3.bin", false, 2960, 48},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t p[L3_FIXTURE_MAX];
        size_t n = load_ip(frags[i].name, p);
        struct axn_ipv4 h;
        assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
        assert_int_equal(h.id, 0x13cd);
        assert_false(h.df);
        assert_int_equal(h.mf, frags[i].mf);
        assert_int_equal(h.frag_offset, frags[i].offset);
        assert_true(h.is_fragment);
        assert_int_equal(h.payload_len, frags[i].payload_len);
    }
}

static void ipv4_parse_reads_real_igmp_router_alert(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_igmp_ra.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.tos, 0xc0);
    assert_int_equal(AXN_IPV4_DSCP(h.tos), 48); /* CS6, network control */
    assert_int_equal(AXN_IPV4_ECN(h.tos), 0);
    assert_int_equal(h.ttl, 1);
    assert_int_equal(h.protocol, PROTO_IGMP);
    assert_int_equal(h.dst, AXN_IP4(224, 0, 0, 22));
    assert_int_equal(h.hdr_len, 24);
    assert_true(h.router_alert);
    assert_int_equal(h.payload_len, 16);
}

static void ipv4_parse_ignores_link_padding(void **state)
{
    (void)state;
    uint8_t p[64];
    size_t n = build(p, NULL, 0, 8); /* 28 bytes, a 42-byte frame */
    memset(p + n, 0xEE, 46 - n);     /* padded to 60 on the wire */
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, 46, &h, 0), 0);
    assert_int_equal(h.total_len, 28);
    assert_int_equal(h.payload_len, 8);
}

static void ipv4_parse_skips_checksum_when_device_verified(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    p[11] ^= 0x01;
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_ECSUM);
    assert_int_equal(axn_ipv4_parse(p, n, &h, AXN_IPV4_PARSE_CSUM_VERIFIED), 0);
    assert_int_equal(h.id, 0x13cb);
}

static void ipv4_parse_rejects_truncated_header(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    load_ip("ipv4_echo_df.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, 19, &h, 0), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_ipv4_parse(p, 0, &h, 0), AXN_WIRE_ETRUNC);
}

static void ipv4_parse_rejects_bad_version(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    p[0] = 0x65;
    fix_csum(p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EVERSION);
}

static void ipv4_parse_rejects_ihl_below_five(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    struct axn_ipv4 h;
    p[0] = 0x44;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EHDRLEN);
    p[0] = 0x40;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EHDRLEN);
}

static void ipv4_parse_rejects_ihl_past_buffer(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    load_ip("ipv4_rr_nop.bin", p); /* IHL 15: 60-byte header */
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, 59, &h, 0), AXN_WIRE_EHDRLEN);
    assert_int_equal(axn_ipv4_parse(p, 24, &h, 0), AXN_WIRE_EHDRLEN);
}

static void ipv4_parse_rejects_total_length_past_buffer(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n - 1, &h, 0), AXN_WIRE_ELEN);
}

static void ipv4_parse_rejects_total_length_below_header(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_rr_nop.bin", p);
    p[2] = 0;
    p[3] = 56; /* IHL says 60 */
    fix_csum(p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_ELEN);
    p[3] = 60; /* header only: valid, empty payload */
    fix_csum(p);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.payload_len, 0);
}

static void ipv4_parse_rejects_bad_header_checksum(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_rr_nop.bin", p);
    struct axn_ipv4 h;
    p[30] ^= 0x40; /* inside the options: the checksum covers them too */
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_ECSUM);
}

static void ipv4_parse_rejects_option_overrunning_header(void **state)
{
    (void)state;
    static const uint8_t opt[4] = {AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_RR, 7, 4};
    uint8_t p[64];
    size_t n = build(p, opt, sizeof(opt), 4);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EOPTLEN);
}

static void ipv4_parse_rejects_option_length_below_two(void **state)
{
    (void)state;
    uint8_t opt[4] = {AXN_IPV4_OPT_RR, 1, 0, 0};
    uint8_t p[64];
    struct axn_ipv4 h;
    size_t n = build(p, opt, sizeof(opt), 4);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EOPTLEN);
    opt[1] = 0; /* would loop forever if accepted */
    n = build(p, opt, sizeof(opt), 4);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EOPTLEN);
}

static void ipv4_parse_rejects_option_missing_its_length_octet(void **state)
{
    (void)state;
    static const uint8_t opt[4] = {AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_NOP,
                                   AXN_IPV4_OPT_RR};
    uint8_t p[64];
    size_t n = build(p, opt, sizeof(opt), 4);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EOPTLEN);
}

static void ipv4_parse_rejects_router_alert_of_wrong_length(void **state)
{
    (void)state;
    static const uint8_t opt[4] = {AXN_IPV4_OPT_RA, 3, 0, AXN_IPV4_OPT_EOL};
    uint8_t p[64];
    size_t n = build(p, opt, sizeof(opt), 4);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EOPTLEN);
}

static void ipv4_parse_stops_options_at_eol(void **state)
{
    (void)state;
    /* After EOL the bytes are padding, even if they look like a bad option. */
    static const uint8_t opt[8] = {
        AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_EOL, AXN_IPV4_OPT_RR, 0, 0xff, 0xff, 0xff, 0xff};
    uint8_t p[64];
    size_t n = build(p, opt, sizeof(opt), 4);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.options_len, 8);
    assert_int_equal(h.hdr_len, 28);
}

static void ipv4_parse_flags_source_route(void **state)
{
    (void)state;
    static const uint8_t opt[8] = {AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_LSRR, 7, 4, 10, 0, 0, 9};
    uint8_t p[64];
    size_t n = build(p, opt, sizeof(opt), 4);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_true(h.source_route);
    assert_false(h.router_alert);
}

static void ipv4_parse_rejects_fragment_offset_overflow(void **state)
{
    (void)state;
    uint8_t p[64];
    size_t n = build(p, NULL, 0, 16);
    struct axn_ipv4 h;
    /* "Ping of death": 65528 + 16 reaches past any 65535-byte datagram. */
    set_offset(p, 65528);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EFRAG);
    set_offset(p, 65488); /* 65488 + 16 = 65504: fits */
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.frag_offset, 65488);
    assert_true(h.is_fragment);
    assert_false(h.mf);
}

static void ipv4_parse_accepts_fragment_ending_at_datagram_limit(void **state)
{
    (void)state;
    uint8_t p[64];
    struct axn_ipv4 h;
    /* 65504 + 11 = 65515 = 65535 - 20: the last byte a datagram can hold. */
    size_t n = build(p, NULL, 0, 11);
    set_offset(p, 65504);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    assert_int_equal(h.frag_offset, 65504);
    n = build(p, NULL, 0, 12);
    set_offset(p, 65504);
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), AXN_WIRE_EFRAG);
}

static void ipv4_emit_round_trips_every_field(void **state)
{
    (void)state;
    static const uint8_t opt[3] = {AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_NOP, AXN_IPV4_OPT_NOP};
    uint8_t payload[33];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(0xA0 + i);
    struct axn_ipv4 in = {.tos = 0xb9,
                          .id = 0xfeed,
                          .df = false,
                          .mf = true,
                          .frag_offset = 2960,
                          .ttl = 3,
                          .protocol = PROTO_UDP,
                          .src = AXN_IP4(192, 0, 2, 1),
                          .dst = AXN_IP4(198, 51, 100, 77),
                          .options = opt,
                          .options_len = sizeof(opt),
                          .payload = payload,
                          .payload_len = sizeof(payload)};
    uint8_t buf[128];
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), 24 + 33);
    assert_int_equal(buf[24 + 33], 0xAA);
    assert_int_equal(buf[23], AXN_IPV4_OPT_EOL); /* padding */
    struct axn_ipv4 out;
    assert_int_equal(axn_ipv4_parse(buf, 24 + 33, &out, 0), 0);
    assert_int_equal(out.tos, 0xb9);
    assert_int_equal(out.id, 0xfeed);
    assert_false(out.df);
    assert_true(out.mf);
    assert_int_equal(out.frag_offset, 2960);
    assert_true(out.is_fragment);
    assert_int_equal(out.ttl, 3);
    assert_int_equal(out.protocol, PROTO_UDP);
    assert_int_equal(out.src, AXN_IP4(192, 0, 2, 1));
    assert_int_equal(out.dst, AXN_IP4(198, 51, 100, 77));
    assert_int_equal(out.hdr_len, 24);
    assert_int_equal(out.total_len, 57);
    assert_int_equal(out.options_len, 4);
    assert_memory_equal(out.options, opt, sizeof(opt));
    assert_int_equal(out.payload_len, sizeof(payload));
    assert_memory_equal(out.payload, payload, sizeof(payload));
}

static void ipv4_emit_reproduces_real_packets(void **state)
{
    (void)state;
    static const char *names[] = {"ipv4_echo_df.bin", "ipv4_echo_reply.bin", "ipv4_rr_nop.bin",
                                  "ipv4_rr_eol.bin",  "ipv4_frag2.bin",      "ipv4_frag3.bin",
                                  "ipv4_igmp_ra.bin"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        uint8_t p[L3_FIXTURE_MAX];
        uint8_t buf[L3_FIXTURE_MAX];
        size_t n = load_ip(names[i], p);
        struct axn_ipv4 h;
        assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
        memset(buf, 0xAA, sizeof(buf));
        assert_int_equal(axn_ipv4_emit(&h, buf, sizeof(buf)), (int)n);
        assert_memory_equal(buf, p, n); /* checksum included */
    }
}

static void ipv4_emit_computes_known_header_checksum(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_ip("ipv4_echo_df.bin", p);
    struct axn_ipv4 h;
    assert_int_equal(axn_ipv4_parse(p, n, &h, 0), 0);
    uint8_t buf[L3_FIXTURE_MAX];
    assert_int_equal(axn_ipv4_emit(&h, buf, sizeof(buf)), (int)n);
    assert_int_equal(buf[10], 0x12); /* as Linux computed it */
    assert_int_equal(buf[11], 0x16);
}

static void ipv4_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    struct axn_ipv4 in = {.ttl = 64,
                          .protocol = PROTO_UDP,
                          .src = ip_a,
                          .dst = ip_b,
                          .payload = buf + 20,
                          .payload_len = 44};
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), 64);
    for (size_t i = 20; i < 64; i++)
        assert_int_equal(buf[i], i);
    assert_int_equal(axn_csum(buf, 20), 0);
}

static void ipv4_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t payload[10] = {0};
    struct axn_ipv4 in = {
        .ttl = 64, .protocol = PROTO_UDP, .payload = payload, .payload_len = sizeof(payload)};
    uint8_t buf[64];
    assert_int_equal(axn_ipv4_emit(&in, buf, 29), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_ipv4_emit(&in, buf, 30), 30);
}

static void ipv4_emit_rejects_bad_options(void **state)
{
    (void)state;
    uint8_t opt[41];
    memset(opt, AXN_IPV4_OPT_NOP, sizeof(opt));
    struct axn_ipv4 in = {.ttl = 64, .options = opt, .options_len = 41};
    uint8_t buf[128];
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), AXN_WIRE_EOPTLEN);
    in.options_len = 40;
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), 60);
    opt[0] = AXN_IPV4_OPT_RR;
    opt[1] = 1;
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), AXN_WIRE_EOPTLEN);
}

static void ipv4_emit_rejects_bad_fragment_fields(void **state)
{
    (void)state;
    uint8_t payload[16] = {0};
    struct axn_ipv4 in = {.ttl = 64,
                          .mf = true,
                          .frag_offset = 1481,
                          .payload = payload,
                          .payload_len = sizeof(payload)};
    uint8_t buf[64];
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), AXN_WIRE_EFRAG);
    in.frag_offset = 65504;
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), AXN_WIRE_EFRAG);
    in.frag_offset = 65488;
    assert_int_equal(axn_ipv4_emit(&in, buf, sizeof(buf)), 36);
}

static void ipv4_emit_rejects_datagram_over_65535(void **state)
{
    (void)state;
    static uint8_t big[65536];
    struct axn_ipv4 in = {.ttl = 64, .payload = big, .payload_len = 65516};
    assert_int_equal(axn_ipv4_emit(&in, big, sizeof(big)), AXN_WIRE_ELEN);
    in.payload_len = 65515;
    in.payload = big + 20;
    assert_int_equal(axn_ipv4_emit(&in, big, sizeof(big)), 65535);
}

static void ip4_address_classes(void **state)
{
    (void)state;
    assert_true(axn_ip4_is_broadcast(AXN_IP4(255, 255, 255, 255)));
    assert_false(axn_ip4_is_broadcast(AXN_IP4(10, 99, 0, 255)));

    assert_false(axn_ip4_is_multicast(AXN_IP4(223, 255, 255, 255)));
    assert_true(axn_ip4_is_multicast(AXN_IP4(224, 0, 0, 0)));
    assert_true(axn_ip4_is_multicast(AXN_IP4(239, 255, 255, 255)));
    assert_false(axn_ip4_is_multicast(AXN_IP4(240, 0, 0, 0)));

    assert_true(axn_ip4_is_loopback(AXN_IP4(127, 0, 0, 1)));
    assert_true(axn_ip4_is_loopback(AXN_IP4(127, 255, 1, 2)));
    assert_false(axn_ip4_is_loopback(AXN_IP4(128, 0, 0, 1)));

    assert_true(axn_ip4_is_unspecified(0));
    assert_false(axn_ip4_is_unspecified(AXN_IP4(0, 0, 0, 1)));

    assert_true(axn_ip4_is_link_local(AXN_IP4(169, 254, 3, 4)));
    assert_false(axn_ip4_is_link_local(AXN_IP4(169, 253, 3, 4)));
}

static void ip4_subnet_broadcast_sets_host_bits(void **state)
{
    (void)state;
    assert_int_equal(axn_ip4_subnet_broadcast(ip_a, 24), AXN_IP4(10, 99, 0, 255));
    assert_int_equal(axn_ip4_subnet_broadcast(AXN_IP4(172, 16, 5, 4), 12),
                     AXN_IP4(172, 31, 255, 255));
    assert_int_equal(axn_ip4_subnet_broadcast(ip_a, 0), AXN_IP4(255, 255, 255, 255));
    assert_int_equal(axn_ip4_subnet_broadcast(ip_a, 32), ip_a);
    assert_int_equal(axn_ip4_subnet_broadcast(ip_a, 40), ip_a);
    assert_int_equal(axn_ip4_subnet_broadcast(AXN_IP4(10, 0, 0, 6), 31), AXN_IP4(10, 0, 0, 7));
}

static void ip4_multicast_mac_keeps_low_23_bits(void **state)
{
    (void)state;
    struct axn_mac m;
    axn_ip4_multicast_mac(AXN_IP4(224, 0, 0, 22), &m);
    static const uint8_t igmp[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x16};
    assert_memory_equal(m.b, igmp, 6);
    /* The frame of the real IGMP report went to exactly this MAC. */
    uint8_t f[L3_FIXTURE_MAX];
    l3_load("ipv4_igmp_ra.bin", f, sizeof(f));
    assert_memory_equal(m.b, f, 6);
    axn_ip4_multicast_mac(AXN_IP4(239, 129, 2, 3), &m);
    static const uint8_t high_bit_dropped[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
    assert_memory_equal(m.b, high_bit_dropped, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_parse_reads_real_echo_request),
        cmocka_unit_test(ipv4_parse_reads_real_record_route_options),
        cmocka_unit_test(ipv4_parse_reads_real_fragments),
        cmocka_unit_test(ipv4_parse_reads_real_igmp_router_alert),
        cmocka_unit_test(ipv4_parse_ignores_link_padding),
        cmocka_unit_test(ipv4_parse_skips_checksum_when_device_verified),
        cmocka_unit_test(ipv4_parse_rejects_truncated_header),
        cmocka_unit_test(ipv4_parse_rejects_bad_version),
        cmocka_unit_test(ipv4_parse_rejects_ihl_below_five),
        cmocka_unit_test(ipv4_parse_rejects_ihl_past_buffer),
        cmocka_unit_test(ipv4_parse_rejects_total_length_past_buffer),
        cmocka_unit_test(ipv4_parse_rejects_total_length_below_header),
        cmocka_unit_test(ipv4_parse_rejects_bad_header_checksum),
        cmocka_unit_test(ipv4_parse_rejects_option_overrunning_header),
        cmocka_unit_test(ipv4_parse_rejects_option_length_below_two),
        cmocka_unit_test(ipv4_parse_rejects_option_missing_its_length_octet),
        cmocka_unit_test(ipv4_parse_rejects_router_alert_of_wrong_length),
        cmocka_unit_test(ipv4_parse_stops_options_at_eol),
        cmocka_unit_test(ipv4_parse_flags_source_route),
        cmocka_unit_test(ipv4_parse_rejects_fragment_offset_overflow),
        cmocka_unit_test(ipv4_parse_accepts_fragment_ending_at_datagram_limit),
        cmocka_unit_test(ipv4_emit_round_trips_every_field),
        cmocka_unit_test(ipv4_emit_reproduces_real_packets),
        cmocka_unit_test(ipv4_emit_computes_known_header_checksum),
        cmocka_unit_test(ipv4_emit_builds_in_place),
        cmocka_unit_test(ipv4_emit_rejects_small_buffer),
        cmocka_unit_test(ipv4_emit_rejects_bad_options),
        cmocka_unit_test(ipv4_emit_rejects_bad_fragment_fields),
        cmocka_unit_test(ipv4_emit_rejects_datagram_over_65535),
        cmocka_unit_test(ip4_address_classes),
        cmocka_unit_test(ip4_subnet_broadcast_sets_host_bits),
        cmocka_unit_test(ip4_multicast_mac_keeps_low_23_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
