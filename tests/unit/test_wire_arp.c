/* ARP for Ethernet/IPv4 parse/emit (src/wire/arp.c, RFC 826). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/arp.h"
#include "wire_l3_fixture.h"

static const struct axn_mac mac_a = {{0x02, 0xb2, 0x7e, 0x48, 0x86, 0xc7}}; /* 10.99.0.1 */
static const struct axn_mac mac_b = {{0x62, 0xf5, 0x47, 0xbc, 0x20, 0x09}}; /* 10.99.0.2 */
static const struct axn_mac mac_zero = {{0}};

/* Loads an ARP fixture and returns its ARP part (after the Ethernet header). */
static size_t load_arp(const char *name, uint8_t *buf)
{
    uint8_t f[L3_FIXTURE_MAX];
    size_t n = l3_load(name, f, sizeof(f));
    memcpy(buf, f + L3_ETH_HLEN, n - L3_ETH_HLEN);
    return n - L3_ETH_HLEN;
}

static void arp_parse_reads_real_request(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    assert_int_equal(n, AXN_ARP_LEN);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(p, n, &a), 0);
    assert_int_equal(a.op, AXN_ARP_OP_REQUEST);
    assert_true(axn_arp_op_is_known(a.op));
    assert_memory_equal(a.sender_mac.b, mac_a.b, 6);
    assert_int_equal(a.sender_ip, AXN_IP4(10, 99, 0, 1));
    assert_memory_equal(a.target_mac.b, mac_zero.b, 6);
    assert_int_equal(a.target_ip, AXN_IP4(10, 99, 0, 2));
}

static void arp_parse_reads_real_reply(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_reply.bin", p);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(p, n, &a), 0);
    assert_int_equal(a.op, AXN_ARP_OP_REPLY);
    assert_memory_equal(a.sender_mac.b, mac_b.b, 6);
    assert_int_equal(a.sender_ip, AXN_IP4(10, 99, 0, 2));
    assert_memory_equal(a.target_mac.b, mac_a.b, 6);
    assert_int_equal(a.target_ip, AXN_IP4(10, 99, 0, 1));
}

static void arp_parse_ignores_trailing_link_padding(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_reply.bin", p);
    memset(p + n, 0, 18); /* padded to a 60-byte frame */
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(p, n + 18, &a), 0);
    assert_int_equal(a.target_ip, AXN_IP4(10, 99, 0, 1));
}

static void arp_parse_rejects_truncated_fixed_part(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    load_arp("arp_request.bin", p);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(p, 7, &a), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_arp_parse(p, 0, &a), AXN_WIRE_ETRUNC);
}

static void arp_parse_rejects_truncated_addresses(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    load_arp("arp_request.bin", p);
    struct axn_arp a;
    assert_int_equal(axn_arp_parse(p, AXN_ARP_LEN - 1, &a), AXN_WIRE_ETRUNC);
    assert_int_equal(axn_arp_parse(p, 8, &a), AXN_WIRE_ETRUNC);
}

static void arp_parse_rejects_wrong_hlen(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    struct axn_arp a;
    p[4] = 8; /* e.g. an EUI-64 hardware address */
    assert_int_equal(axn_arp_parse(p, n, &a), AXN_WIRE_EUNSUPP);
}

static void arp_parse_rejects_wrong_plen(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    struct axn_arp a;
    p[5] = 16;
    assert_int_equal(axn_arp_parse(p, n, &a), AXN_WIRE_EUNSUPP);
}

static void arp_parse_rejects_non_ethernet_hardware_type(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    struct axn_arp a;
    p[1] = 6; /* IEEE 802 networks */
    assert_int_equal(axn_arp_parse(p, n, &a), AXN_WIRE_EUNSUPP);
}

static void arp_parse_rejects_non_ipv4_protocol_type(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    struct axn_arp a;
    p[2] = 0x86;
    p[3] = 0xDD;
    assert_int_equal(axn_arp_parse(p, n, &a), AXN_WIRE_EUNSUPP);
}

static void arp_parse_accepts_unknown_op_and_reports_it(void **state)
{
    (void)state;
    uint8_t p[L3_FIXTURE_MAX];
    size_t n = load_arp("arp_request.bin", p);
    struct axn_arp a;
    p[7] = 3; /* RARP request */
    assert_int_equal(axn_arp_parse(p, n, &a), 0);
    assert_int_equal(a.op, 3);
    assert_false(axn_arp_op_is_known(a.op));
    assert_false(axn_arp_op_is_known(0));
    assert_true(axn_arp_op_is_known(AXN_ARP_OP_REPLY));
}

static void arp_emit_round_trips_every_field(void **state)
{
    (void)state;
    struct axn_arp in = {.op = 0x1234,
                         .sender_mac = mac_b,
                         .sender_ip = AXN_IP4(192, 168, 7, 9),
                         .target_mac = mac_a,
                         .target_ip = AXN_IP4(172, 16, 254, 1)};
    uint8_t buf[64];
    memset(buf, 0xAA, sizeof(buf));
    assert_int_equal(axn_arp_emit(&in, buf, sizeof(buf)), AXN_ARP_LEN);
    assert_int_equal(buf[AXN_ARP_LEN], 0xAA);
    struct axn_arp out;
    assert_int_equal(axn_arp_parse(buf, AXN_ARP_LEN, &out), 0);
    assert_int_equal(out.op, 0x1234);
    assert_memory_equal(out.sender_mac.b, mac_b.b, 6);
    assert_int_equal(out.sender_ip, AXN_IP4(192, 168, 7, 9));
    assert_memory_equal(out.target_mac.b, mac_a.b, 6);
    assert_int_equal(out.target_ip, AXN_IP4(172, 16, 254, 1));
}

static void arp_emit_reproduces_real_packets(void **state)
{
    (void)state;
    const char *names[] = {"arp_request.bin", "arp_reply.bin"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t p[L3_FIXTURE_MAX];
        size_t n = load_arp(names[i], p);
        struct axn_arp a;
        assert_int_equal(axn_arp_parse(p, n, &a), 0);
        uint8_t buf[AXN_ARP_LEN];
        assert_int_equal(axn_arp_emit(&a, buf, sizeof(buf)), AXN_ARP_LEN);
        assert_memory_equal(buf, p, AXN_ARP_LEN);
    }
}

static void arp_emit_rejects_small_buffer(void **state)
{
    (void)state;
    struct axn_arp in = {.op = AXN_ARP_OP_REQUEST};
    uint8_t buf[AXN_ARP_LEN];
    assert_int_equal(axn_arp_emit(&in, buf, AXN_ARP_LEN - 1), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_arp_emit(&in, buf, 0), AXN_WIRE_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arp_parse_reads_real_request),
        cmocka_unit_test(arp_parse_reads_real_reply),
        cmocka_unit_test(arp_parse_ignores_trailing_link_padding),
        cmocka_unit_test(arp_parse_rejects_truncated_fixed_part),
        cmocka_unit_test(arp_parse_rejects_truncated_addresses),
        cmocka_unit_test(arp_parse_rejects_wrong_hlen),
        cmocka_unit_test(arp_parse_rejects_wrong_plen),
        cmocka_unit_test(arp_parse_rejects_non_ethernet_hardware_type),
        cmocka_unit_test(arp_parse_rejects_non_ipv4_protocol_type),
        cmocka_unit_test(arp_parse_accepts_unknown_op_and_reports_it),
        cmocka_unit_test(arp_emit_round_trips_every_field),
        cmocka_unit_test(arp_emit_reproduces_real_packets),
        cmocka_unit_test(arp_emit_rejects_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
