/* Ethernet II header parse/emit and MAC classes (src/wire/ethernet.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/ethernet.h"
#include "wire_l3_fixture.h"

static const struct axn_mac mac_a = {{0x02, 0xb2, 0x7e, 0x48, 0x86, 0xc7}}; /* side A of capture */
static const struct axn_mac mac_b = {{0x62, 0xf5, 0x47, 0xbc, 0x20, 0x09}}; /* side B */
static const struct axn_mac mac_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

#define ARP_PAYLOAD_LEN 28

static void eth_parse_reads_real_broadcast_arp_request(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("arp_request.bin", f, sizeof(f));
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(f, n, &e), 0);
    assert_memory_equal(e.dst.b, mac_bcast.b, 6);
    assert_memory_equal(e.src.b, mac_a.b, 6);
    assert_int_equal(e.ethertype, AXN_ETHERTYPE_ARP);
    assert_ptr_equal(e.payload, f + 14);
    assert_int_equal(e.payload_len, ARP_PAYLOAD_LEN);
}

static void eth_parse_reads_real_ipv4_and_ipv6_frames(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    struct axn_eth e;
    size_t n = l3_load("ipv4_echo_df.bin", f, sizeof(f));
    assert_int_equal(axn_eth_parse(f, n, &e), 0);
    assert_int_equal(e.ethertype, AXN_ETHERTYPE_IPV4);
    assert_memory_equal(e.dst.b, mac_b.b, 6);
    assert_memory_equal(e.src.b, mac_a.b, 6);
    assert_int_equal(e.payload_len, 84);

    n = l3_load("ipv6_mld_hbh.bin", f, sizeof(f));
    assert_int_equal(axn_eth_parse(f, n, &e), 0);
    assert_int_equal(e.ethertype, AXN_ETHERTYPE_IPV6);
    static const uint8_t mld_dst[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x16};
    assert_memory_equal(e.dst.b, mld_dst, 6);
    assert_int_equal(e.payload_len, 96);
}

static void eth_parse_keeps_link_padding_in_payload(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("arp_request.bin", f, sizeof(f));
    assert_int_equal(n, 42);
    memset(f + n, 0, AXN_ETH_ZLEN - n); /* as a NIC pads it on the wire */
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(f, AXN_ETH_ZLEN, &e), 0);
    assert_int_equal(e.payload_len, AXN_ETH_ZLEN - 14);
}

static void eth_parse_rejects_truncated_header(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    l3_load("arp_request.bin", f, sizeof(f));
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(f, 13, &e), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_eth_parse(f, 0, &e), AXN_WIRE_ETRUNC);
    /* A header and nothing else is a valid (empty) frame. */
    assert_int_equal(axn_eth_parse(f, 14, &e), 0);
    assert_int_equal(e.payload_len, 0);
}

/* Inserts a 4-byte tag with TPID `tpid` after the MACs of a real frame. */
static size_t tag_frame(uint8_t *out, uint16_t tpid)
{
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("arp_request.bin", f, sizeof(f));
    memcpy(out, f, 12);
    out[12] = (uint8_t)(tpid >> 8);
    out[13] = (uint8_t)tpid;
    out[14] = 0x00; /* PCP 0, DEI 0, VID 5 */
    out[15] = 0x05;
    memcpy(out + 16, f + 12, n - 12);
    return n + 4;
}

static void eth_parse_rejects_8021q_tagged_frame(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = tag_frame(f, 0x8100);
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(f, n, &e), AXN_WIRE_EVLAN);
}

static void eth_parse_rejects_8021ad_and_legacy_qinq_frames(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    struct axn_eth e;
    size_t n = tag_frame(f, 0x88A8);
    assert_int_equal(axn_eth_parse(f, n, &e), AXN_WIRE_EVLAN);
    n = tag_frame(f, 0x9100);
    assert_int_equal(axn_eth_parse(f, n, &e), AXN_WIRE_EVLAN);
}

static void eth_parse_rejects_8023_length_frame(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load("arp_request.bin", f, sizeof(f));
    struct axn_eth e;
    /* An STP BPDU style LLC frame: length 0x0026. */
    f[12] = 0x00;
    f[13] = 0x26;
    assert_int_equal(axn_eth_parse(f, n, &e), AXN_WIRE_EUNSUPP);
    /* 0x05FF is neither a valid length (> 1500) nor a type. */
    f[12] = 0x05;
    f[13] = 0xFF;
    assert_int_equal(axn_eth_parse(f, n, &e), AXN_WIRE_EUNSUPP);
    /* 0x0600 is the first type value. */
    f[13] = 0x00;
    f[12] = 0x06;
    assert_int_equal(axn_eth_parse(f, n, &e), 0);
    assert_int_equal(e.ethertype, 0x0600);
}

static void eth_emit_round_trips_every_field(void **state)
{
    (void)state;
    uint8_t payload[100];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    struct axn_eth in = {.dst = mac_b,
                         .src = mac_a,
                         .ethertype = 0x88B5,
                         .payload = payload,
                         .payload_len = sizeof(payload)};
    uint8_t buf[200];
    assert_int_equal(axn_eth_emit(&in, buf, sizeof(buf), AXN_ETH_EMIT_PAD), 114);
    struct axn_eth out;
    assert_int_equal(axn_eth_parse(buf, 114, &out), 0);
    assert_memory_equal(out.dst.b, mac_b.b, 6);
    assert_memory_equal(out.src.b, mac_a.b, 6);
    assert_int_equal(out.ethertype, 0x88B5);
    assert_int_equal(out.payload_len, sizeof(payload));
    assert_memory_equal(out.payload, payload, sizeof(payload));
}

static void eth_emit_reproduces_real_frame(void **state)
{
    (void)state;
    uint8_t f[L3_FIXTURE_MAX];
    uint8_t buf[L3_FIXTURE_MAX];
    size_t n = l3_load("ipv6_frag1.bin", f, sizeof(f));
    struct axn_eth e;
    assert_int_equal(axn_eth_parse(f, n, &e), 0);
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_eth_emit(&e, buf, sizeof(buf), 0), (int)n);
    assert_memory_equal(buf, f, n);
}

static void eth_emit_pads_short_frame_with_zeros(void **state)
{
    (void)state;
    uint8_t arp[ARP_PAYLOAD_LEN];
    memset(arp, 0x5A, sizeof(arp));
    struct axn_eth in = {.dst = mac_bcast,
                         .src = mac_a,
                         .ethertype = AXN_ETHERTYPE_ARP,
                         .payload = arp,
                         .payload_len = sizeof(arp)};
    uint8_t buf[80];
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_eth_emit(&in, buf, sizeof(buf), AXN_ETH_EMIT_PAD), AXN_ETH_ZLEN);
    assert_memory_equal(buf + 14, arp, sizeof(arp));
    for (size_t i = 14 + sizeof(arp); i < AXN_ETH_ZLEN; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[AXN_ETH_ZLEN], 0xAA); /* nothing written past the frame */
}

static void eth_emit_without_pad_flag_keeps_short_frame(void **state)
{
    (void)state;
    uint8_t arp[ARP_PAYLOAD_LEN] = {0};
    struct axn_eth in = {.dst = mac_bcast,
                         .src = mac_a,
                         .ethertype = AXN_ETHERTYPE_ARP,
                         .payload = arp,
                         .payload_len = sizeof(arp)};
    uint8_t buf[80];
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_eth_emit(&in, buf, sizeof(buf), 0), 42);
    assert_int_equal(buf[42], 0xAA);
}

static void eth_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t arp[ARP_PAYLOAD_LEN] = {0};
    struct axn_eth in = {.dst = mac_bcast,
                         .src = mac_a,
                         .ethertype = AXN_ETHERTYPE_ARP,
                         .payload = arp,
                         .payload_len = sizeof(arp)};
    uint8_t buf[80];
    assert_int_equal(axn_eth_emit(&in, buf, 41, 0), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_eth_emit(&in, buf, 42, 0), 42);
    /* Padding needs room too. */
    assert_int_equal(axn_eth_emit(&in, buf, 59, AXN_ETH_EMIT_PAD), AXN_WIRE_ENOSPC);
    in.payload_len = 0;
    assert_int_equal(axn_eth_emit(&in, buf, 13, 0), AXN_WIRE_ENOSPC);
}

static void eth_emit_leaves_in_place_payload_untouched(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    struct axn_eth in = {.dst = mac_b,
                         .src = mac_a,
                         .ethertype = AXN_ETHERTYPE_IPV4,
                         .payload = buf + 14,
                         .payload_len = 50};
    assert_int_equal(axn_eth_emit(&in, buf, sizeof(buf), 0), 64);
    for (size_t i = 14; i < sizeof(buf); i++)
        assert_int_equal(buf[i], i);
    assert_memory_equal(buf, mac_b.b, 6);
    assert_int_equal(buf[12], 0x08);
    assert_int_equal(buf[13], 0x00);
}

static void eth_emit_moves_overlapping_payload(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    /* Payload built 4 bytes early (e.g. space reserved for a VLAN tag). */
    struct axn_eth in = {.dst = mac_b,
                         .src = mac_a,
                         .ethertype = AXN_ETHERTYPE_IPV4,
                         .payload = buf + 10,
                         .payload_len = 40};
    assert_int_equal(axn_eth_emit(&in, buf, sizeof(buf), 0), 54);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(buf[14 + i], 10 + i);
}

static void mac_classes_follow_group_bit(void **state)
{
    (void)state;
    static const struct axn_mac zero = {{0}};
    static const struct axn_mac v6mc = {{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}};
    static const struct axn_mac v4mc = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x16}};
    assert_true(axn_mac_is_broadcast(&mac_bcast));
    assert_true(axn_mac_is_multicast(&mac_bcast));
    assert_false(axn_mac_is_unicast(&mac_bcast));
    assert_false(axn_mac_is_zero(&mac_bcast));

    assert_true(axn_mac_is_multicast(&v6mc));
    assert_true(axn_mac_is_multicast(&v4mc));
    assert_false(axn_mac_is_broadcast(&v6mc));
    assert_false(axn_mac_is_unicast(&v4mc));

    /* Locally administered (0x02) but unicast. */
    assert_true(axn_mac_is_unicast(&mac_a));
    assert_false(axn_mac_is_multicast(&mac_a));
    assert_false(axn_mac_is_broadcast(&mac_a));

    assert_true(axn_mac_is_zero(&zero));
    assert_false(axn_mac_is_unicast(&zero));
    assert_false(axn_mac_is_multicast(&zero));

    struct axn_mac almost = mac_bcast;
    almost.b[5] = 0xfe;
    assert_false(axn_mac_is_broadcast(&almost));
    assert_true(axn_mac_equal(&mac_a, &mac_a));
    assert_false(axn_mac_equal(&mac_a, &mac_b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eth_parse_reads_real_broadcast_arp_request),
        cmocka_unit_test(eth_parse_reads_real_ipv4_and_ipv6_frames),
        cmocka_unit_test(eth_parse_keeps_link_padding_in_payload),
        cmocka_unit_test(eth_parse_rejects_truncated_header),
        cmocka_unit_test(eth_parse_rejects_8021q_tagged_frame),
        cmocka_unit_test(eth_parse_rejects_8021ad_and_legacy_qinq_frames),
        cmocka_unit_test(eth_parse_rejects_8023_length_frame),
        cmocka_unit_test(eth_emit_round_trips_every_field),
        cmocka_unit_test(eth_emit_reproduces_real_frame),
        cmocka_unit_test(eth_emit_pads_short_frame_with_zeros),
        cmocka_unit_test(eth_emit_without_pad_flag_keeps_short_frame),
        cmocka_unit_test(eth_emit_rejects_small_buffer),
        cmocka_unit_test(eth_emit_leaves_in_place_payload_untouched),
        cmocka_unit_test(eth_emit_moves_overlapping_payload),
        cmocka_unit_test(mac_classes_follow_group_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
