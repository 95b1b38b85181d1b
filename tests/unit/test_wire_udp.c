/* UDP parse/emit (src/wire/udp.c; RFC 768, RFC 8200 8.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fixtures/l4/udp.h"
#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/udp.h"

/* An arbitrary pseudo-header for hand-built datagrams. */
#define TEST_PSEUDO 0xbeefu

static uint32_t fx_pseudo(const struct l4_fixture *f, size_t len)
{
    return l4_fixture_pseudo(f, AXN_UDP_PROTO, len);
}

static unsigned fx_flags(const struct l4_fixture *f)
{
    return f->family == 6 ? AXN_UDP_PARSE_IPV6 : 0;
}

static int parse_fx(const struct l4_fixture *f, struct axn_udp *u)
{
    return axn_udp_parse(f->bytes, f->len, u, fx_pseudo(f, f->len), fx_flags(f));
}

/* ---- Real packets captured from Linux -------------------------------------- */

static void udp_parse_linux_ipv4_datagram(void **state)
{
    (void)state;
    struct axn_udp u;
    assert_int_equal(parse_fx(&udp4, &u), 0);
    assert_int_equal(u.src_port, 4000);
    assert_int_equal(u.dst_port, 5000);
    assert_int_equal(u.len, 21);
    assert_int_equal(u.csum, 0x1b89);
    assert_int_equal(u.payload_len, 13);
    assert_ptr_equal(u.payload, udp4.bytes + 8);
    assert_memory_equal(u.payload, "axnet udp v4\n", 13);
}

static void udp_parse_linux_ipv6_datagram(void **state)
{
    (void)state;
    struct axn_udp u;
    assert_int_equal(parse_fx(&udp6, &u), 0);
    assert_int_equal(u.src_port, 4000);
    assert_int_equal(u.dst_port, 5000);
    assert_int_equal(u.csum, 0xdf3c);
    assert_memory_equal(u.payload, "axnet udp v6\n", 13);
}

static void udp_parse_linux_ipv4_without_checksum(void **state)
{
    (void)state;
    struct axn_udp u;
    /* Zero means "no checksum" over IPv4: any pseudo-header is accepted. */
    assert_int_equal(axn_udp_parse(udp4_no_csum.bytes, udp4_no_csum.len, &u, 0, 0), 0);
    assert_int_equal(u.csum, 0);
    assert_int_equal(u.dst_port, 5000);
    assert_int_equal(u.payload_len, 11);
    assert_memory_equal(u.payload, "no checksum", 11);
}

static void udp_emit_reproduces_linux_datagrams(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {&udp4, &udp6};
    for (size_t i = 0; i < 2; i++) {
        struct axn_udp u;
        uint8_t out[64];
        assert_int_equal(parse_fx(all[i], &u), 0);
        assert_int_equal(axn_udp_len(&u), all[i]->len);
        assert_int_equal(axn_udp_emit(&u, out, sizeof out, fx_pseudo(all[i], all[i]->len), 0),
                         (int)all[i]->len);
        assert_memory_equal(out, all[i]->bytes, all[i]->len);
    }
}

static void udp_emit_no_csum_flag_matches_linux_so_no_check(void **state)
{
    (void)state;
    struct axn_udp u;
    uint8_t out[64];
    assert_int_equal(parse_fx(&udp4_no_csum, &u), 0);
    assert_int_equal(axn_udp_emit(&u, out, sizeof out, 0, AXN_UDP_EMIT_NO_CSUM),
                     (int)udp4_no_csum.len);
    assert_memory_equal(out, udp4_no_csum.bytes, udp4_no_csum.len);
}

/* ---- Emit and round trips ---------------------------------------------------- */

static void udp_round_trip_keeps_every_field(void **state)
{
    (void)state;
    static const uint8_t data[] = {0, 1, 2, 0xfe, 0xff};
    struct axn_udp in = {
        .src_port = 0xabcd, .dst_port = 0x1234, .payload = data, .payload_len = sizeof data};
    uint8_t buf[32];
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 13);
    assert_int_equal(axn_get_be16(buf + 4), 13);
    struct axn_udp out;
    assert_int_equal(axn_udp_parse(buf, 13, &out, TEST_PSEUDO, AXN_UDP_PARSE_IPV6), 0);
    assert_int_equal(out.src_port, 0xabcd);
    assert_int_equal(out.dst_port, 0x1234);
    assert_int_equal(out.len, 13);
    assert_int_equal(out.csum, axn_get_be16(buf + 6));
    assert_int_equal(out.payload_len, sizeof data);
    assert_memory_equal(out.payload, data, sizeof data);
}

static void udp_emit_sends_computed_zero_checksum_as_ffff(void **state)
{
    (void)state;
    uint8_t data[2] = {0, 0};
    struct axn_udp in = {.src_port = 7, .dst_port = 9, .payload = data, .payload_len = 2};
    uint8_t buf[16];
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 10);
    /* Adding the checksum into the data makes the sum all ones: checksum 0. */
    axn_put_be16(data, axn_get_be16(buf + 6));
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 10);
    assert_int_equal(axn_get_be16(buf + 6), 0xffff);
    struct axn_udp out;
    assert_int_equal(axn_udp_parse(buf, 10, &out, TEST_PSEUDO, AXN_UDP_PARSE_IPV6), 0);
    assert_int_equal(out.csum, 0xffff);
}

static void udp_emit_partial_checksum_leaves_pseudo_sum_for_device(void **state)
{
    (void)state;
    struct axn_udp in = {
        .src_port = 1, .dst_port = 2, .payload = (const uint8_t *)"xyz", .payload_len = 3};
    uint8_t buf[16];
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, AXN_UDP_EMIT_CSUM_PARTIAL),
                     11);
    assert_int_equal(axn_get_be16(buf + AXN_UDP_CSUM_OFFSET), TEST_PSEUDO);
    axn_put_be16(buf + AXN_UDP_CSUM_OFFSET, axn_csum(buf, 11));
    struct axn_udp out;
    assert_int_equal(axn_udp_parse(buf, 11, &out, TEST_PSEUDO, 0), 0);
}

static void udp_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[32];
    memcpy(buf + AXN_UDP_HDR_LEN, "payload", 7);
    struct axn_udp in = {.src_port = 53, .dst_port = 5353, .payload = buf + 8, .payload_len = 7};
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 15);
    struct axn_udp out;
    assert_int_equal(axn_udp_parse(buf, 15, &out, TEST_PSEUDO, 0), 0);
    assert_memory_equal(out.payload, "payload", 7);
}

static void udp_emit_moves_overlapping_payload(void **state)
{
    (void)state;
    uint8_t buf[32];
    memcpy(buf + 3, "overlap", 7);
    struct axn_udp in = {.src_port = 1, .dst_port = 2, .payload = buf + 3, .payload_len = 7};
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 15);
    assert_memory_equal(buf + 8, "overlap", 7);
}

static void udp_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct axn_udp in = {.payload = (const uint8_t *)"12345", .payload_len = 5};
    assert_int_equal(axn_udp_emit(&in, buf, 12, TEST_PSEUDO, 0), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_udp_emit(&in, buf, 13, TEST_PSEUDO, 0), 13);
}

static void udp_emit_rejects_datagram_over_65535(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct axn_udp in = {.payload = buf, .payload_len = 65535 - 8 + 1};
    assert_int_equal(axn_udp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), AXN_WIRE_ELEN);
}

/* ---- Length and checksum rules -------------------------------------------- */

static void udp_parse_ignores_bytes_past_length_field(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {&udp4, &udp6};
    for (size_t i = 0; i < 2; i++) {
        uint8_t buf[64];
        size_t n = all[i]->len;
        memcpy(buf, all[i]->bytes, n);
        memcpy(buf + n, "\x11\x22\x33", 3);
        struct axn_udp u;
        /* The caller's pseudo-header counts the whole IP payload. */
        assert_int_equal(axn_udp_parse(buf, n + 3, &u, fx_pseudo(all[i], n + 3), fx_flags(all[i])),
                         0);
        assert_int_equal(u.len, n);
        assert_int_equal(u.payload_len, 13);
    }
}

static void udp_parse_skip_csum_flag_accepts_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[64];
    memcpy(buf, udp6.bytes, udp6.len);
    buf[10] ^= 0x20;
    struct axn_udp u;
    assert_int_equal(axn_udp_parse(buf, udp6.len, &u, fx_pseudo(&udp6, udp6.len),
                                   AXN_UDP_PARSE_IPV6 | AXN_UDP_PARSE_CSUM_VERIFIED),
                     0);
    assert_int_equal(u.payload[2], 'N');
}

static void udp_parse_rejects_truncated_header(void **state)
{
    (void)state;
    struct axn_udp u;
    assert_int_equal(axn_udp_parse(udp4.bytes, 7, &u, 0, AXN_UDP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_ETRUNC);
}

static void udp_parse_rejects_length_below_header(void **state)
{
    (void)state;
    uint8_t buf[64];
    memcpy(buf, udp4.bytes, udp4.len);
    axn_put_be16(buf + 4, 7);
    struct axn_udp u;
    assert_int_equal(axn_udp_parse(buf, udp4.len, &u, 0, AXN_UDP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_ELEN);
}

static void udp_parse_rejects_length_past_buffer(void **state)
{
    (void)state;
    struct axn_udp u;
    /* The length field says 21; only 20 bytes arrived. */
    assert_int_equal(axn_udp_parse(udp4.bytes, udp4.len - 1, &u, 0, AXN_UDP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_ELEN);
}

static void udp_parse_rejects_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[64];
    memcpy(buf, udp4.bytes, udp4.len);
    buf[udp4.len - 1] ^= 0x01;
    struct axn_udp u;
    assert_int_equal(axn_udp_parse(buf, udp4.len, &u, fx_pseudo(&udp4, udp4.len), 0),
                     AXN_WIRE_ECSUM);
}

static void udp_parse_rejects_zero_checksum_over_ipv6(void **state)
{
    (void)state;
    struct axn_udp u;
    assert_int_equal(axn_udp_parse(udp4_no_csum.bytes, udp4_no_csum.len, &u, 0, AXN_UDP_PARSE_IPV6),
                     AXN_WIRE_EFIELD);
    /* A device that "verified" it does not make it valid either. */
    assert_int_equal(axn_udp_parse(udp4_no_csum.bytes, udp4_no_csum.len, &u, 0,
                                   AXN_UDP_PARSE_IPV6 | AXN_UDP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_EFIELD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_parse_linux_ipv4_datagram),
        cmocka_unit_test(udp_parse_linux_ipv6_datagram),
        cmocka_unit_test(udp_parse_linux_ipv4_without_checksum),
        cmocka_unit_test(udp_emit_reproduces_linux_datagrams),
        cmocka_unit_test(udp_emit_no_csum_flag_matches_linux_so_no_check),
        cmocka_unit_test(udp_round_trip_keeps_every_field),
        cmocka_unit_test(udp_emit_sends_computed_zero_checksum_as_ffff),
        cmocka_unit_test(udp_emit_partial_checksum_leaves_pseudo_sum_for_device),
        cmocka_unit_test(udp_emit_builds_in_place),
        cmocka_unit_test(udp_emit_moves_overlapping_payload),
        cmocka_unit_test(udp_emit_rejects_small_buffer),
        cmocka_unit_test(udp_emit_rejects_datagram_over_65535),
        cmocka_unit_test(udp_parse_ignores_bytes_past_length_field),
        cmocka_unit_test(udp_parse_skip_csum_flag_accepts_bad_checksum),
        cmocka_unit_test(udp_parse_rejects_truncated_header),
        cmocka_unit_test(udp_parse_rejects_length_below_header),
        cmocka_unit_test(udp_parse_rejects_length_past_buffer),
        cmocka_unit_test(udp_parse_rejects_bad_checksum),
        cmocka_unit_test(udp_parse_rejects_zero_checksum_over_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
