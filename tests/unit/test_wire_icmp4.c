/* ICMPv4 parse/emit (src/wire/icmp4.c; RFC 792, RFC 1191). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fixtures/l4/icmp4.h"
#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/icmp4.h"

static int parse_fx(const struct l4_fixture *f, struct axn_icmp4 *m)
{
    return axn_icmp4_parse(f->bytes, f->len, m, 0);
}

/*
 * A quoted IPv4 header (version 4, given IHL) followed by `data_len` bytes,
 * for hand-built error messages. Returns the quote's length.
 */
static size_t make_quote(uint8_t *q, unsigned ihl, size_t data_len)
{
    size_t n = (size_t)(ihl < 5 ? 5 : ihl) * 4 + data_len;
    memset(q, 0xab, n);
    q[0] = (uint8_t)(0x40 | ihl);
    return n;
}

/* Emits an error message around `quote` and parses it back. */
static int error_round_trip(const uint8_t *quote, size_t quote_len, struct axn_icmp4 *out,
                            uint8_t *buf, size_t cap)
{
    struct axn_icmp4 in = {.type = AXN_ICMP4_DEST_UNREACH,
                           .code = AXN_ICMP4_UNREACH_PORT,
                           .body = quote,
                           .body_len = quote_len};
    int n = axn_icmp4_emit(&in, buf, cap);
    assert_int_equal(n, (int)(8 + quote_len));
    return axn_icmp4_parse(buf, (size_t)n, out, 0);
}

/* ---- Real packets captured from Linux -------------------------------------- */

static void icmp4_parse_linux_echo_request(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(parse_fx(&icmp4_echo_request, &m), 0);
    assert_int_equal(m.type, AXN_ICMP4_ECHO_REQUEST);
    assert_int_equal(m.code, 0);
    assert_int_equal(m.csum, 0x50a9);
    assert_int_equal(m.id, 10490);
    assert_int_equal(m.seq, 1);
    assert_int_equal(m.body_len, 56);
    assert_ptr_equal(m.body, icmp4_echo_request.bytes + 8);
    /* ping -p 61786e6574 fills the data after its 16-byte timestamp. */
    assert_memory_equal(m.body + 16, "xnetaxneta", 10);
    assert_false(axn_icmp4_is_error(m.type));
}

static void icmp4_parse_linux_echo_reply_mirrors_request(void **state)
{
    (void)state;
    struct axn_icmp4 req, rep;
    assert_int_equal(parse_fx(&icmp4_echo_request, &req), 0);
    assert_int_equal(parse_fx(&icmp4_echo_reply, &rep), 0);
    assert_int_equal(rep.type, AXN_ICMP4_ECHO_REPLY);
    assert_int_equal(rep.id, req.id);
    assert_int_equal(rep.seq, req.seq);
    assert_int_equal(rep.body_len, req.body_len);
    assert_memory_equal(rep.body, req.body, req.body_len);
}

static void icmp4_parse_linux_time_exceeded_quotes_echo(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(parse_fx(&icmp4_time_exceeded, &m), 0);
    assert_int_equal(m.type, AXN_ICMP4_TIME_EXCEEDED);
    assert_int_equal(m.code, AXN_ICMP4_EXC_TTL);
    assert_true(axn_icmp4_is_error(m.type));
    assert_int_equal(m.orig_hdr_len, 20);
    assert_int_equal(m.body_len, 84);
    assert_int_equal(m.body[8], 1);                          /* quoted TTL */
    assert_int_equal(m.body[9], 1);                          /* quoted protocol: ICMP */
    assert_int_equal(axn_get_be32(m.body + 16), 0x0a2c0202); /* 10.44.2.2 */
    assert_int_equal(m.body[m.orig_hdr_len], AXN_ICMP4_ECHO_REQUEST);
}

static void icmp4_parse_linux_frag_needed_reads_next_hop_mtu(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(parse_fx(&icmp4_frag_needed, &m), 0);
    assert_int_equal(m.type, AXN_ICMP4_DEST_UNREACH);
    assert_int_equal(m.code, AXN_ICMP4_UNREACH_FRAG_NEEDED);
    assert_int_equal(m.next_mtu, 1280);
    assert_int_equal(m.orig_hdr_len, 20);
    /* Linux quotes up to 576 bytes of IP: 576 - 20 - 8. */
    assert_int_equal(m.body_len, 548);
    assert_int_equal(axn_get_be16(m.body + 2), 1428); /* the original total length */
}

static void icmp4_parse_linux_port_unreachable_quotes_udp_ports(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(parse_fx(&icmp4_port_unreach, &m), 0);
    assert_int_equal(m.type, AXN_ICMP4_DEST_UNREACH);
    assert_int_equal(m.code, AXN_ICMP4_UNREACH_PORT);
    assert_int_equal(m.next_mtu, 0);
    assert_int_equal(m.body_len, 41);
    assert_int_equal(m.body[9], 17);
    assert_int_equal(axn_get_be16(m.body + m.orig_hdr_len + 2), 9999);
}

static void icmp4_parse_linux_protocol_unreachable(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(parse_fx(&icmp4_proto_unreach, &m), 0);
    assert_int_equal(m.code, AXN_ICMP4_UNREACH_PROTO);
    assert_int_equal(m.body[9], 253);
    assert_int_equal(m.body_len, 35);
    assert_memory_equal(m.body + 20, "axnet-proto-253", 15);
}

static void icmp4_emit_reproduces_linux_messages_byte_for_byte(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {
        &icmp4_echo_request, &icmp4_echo_reply,   &icmp4_time_exceeded,
        &icmp4_frag_needed,  &icmp4_port_unreach, &icmp4_proto_unreach,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct axn_icmp4 m;
        uint8_t out[1024];
        assert_int_equal(parse_fx(all[i], &m), 0);
        assert_int_equal(axn_icmp4_len(&m), all[i]->len);
        assert_int_equal(axn_icmp4_emit(&m, out, sizeof out), (int)all[i]->len);
        assert_memory_equal(out, all[i]->bytes, all[i]->len);
    }
}

/* ---- Emit and round trips ---------------------------------------------------- */

static void icmp4_round_trip_echo(void **state)
{
    (void)state;
    struct axn_icmp4 in = {.type = AXN_ICMP4_ECHO_REQUEST,
                           .id = 0xbeef,
                           .seq = 0x0102,
                           .body = (const uint8_t *)"ping",
                           .body_len = 4};
    uint8_t buf[32];
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 12);
    static const uint8_t rest[] = {0xbe, 0xef, 0x01, 0x02};
    assert_int_equal(buf[0], 8);
    assert_int_equal(buf[1], 0);
    assert_memory_equal(buf + 4, rest, 4);
    assert_int_equal(axn_csum(buf, 12), 0);
    struct axn_icmp4 out;
    assert_int_equal(axn_icmp4_parse(buf, 12, &out, 0), 0);
    assert_int_equal(out.type, AXN_ICMP4_ECHO_REQUEST);
    assert_int_equal(out.id, 0xbeef);
    assert_int_equal(out.seq, 0x0102);
    assert_int_equal(out.body_len, 4);
    assert_memory_equal(out.body, "ping", 4);
}

static void icmp4_round_trip_parameter_problem_pointer(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    size_t ql = make_quote(quote, 5, 8);
    struct axn_icmp4 in = {
        .type = AXN_ICMP4_PARAM_PROBLEM, .pointer = 9, .body = quote, .body_len = ql};
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 36);
    static const uint8_t rest[] = {9, 0, 0, 0};
    assert_memory_equal(buf + 4, rest, 4);
    struct axn_icmp4 out;
    assert_int_equal(axn_icmp4_parse(buf, 36, &out, 0), 0);
    assert_int_equal(out.pointer, 9);
    assert_int_equal(out.orig_hdr_len, 20);
}

static void icmp4_round_trip_redirect_gateway(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    size_t ql = make_quote(quote, 5, 8);
    struct axn_icmp4 in = {.type = AXN_ICMP4_REDIRECT,
                           .code = 1,
                           .gateway = AXN_IP4(192, 0, 2, 254),
                           .body = quote,
                           .body_len = ql};
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 36);
    static const uint8_t gw[] = {192, 0, 2, 254};
    assert_memory_equal(buf + 4, gw, 4);
    struct axn_icmp4 out;
    assert_int_equal(axn_icmp4_parse(buf, 36, &out, 0), 0);
    assert_int_equal(out.code, 1);
    assert_int_equal(out.gateway, AXN_IP4(192, 0, 2, 254));
}

static void icmp4_round_trip_frag_needed_mtu(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    size_t ql = make_quote(quote, 6, 8);
    struct axn_icmp4 in = {.type = AXN_ICMP4_DEST_UNREACH,
                           .code = AXN_ICMP4_UNREACH_FRAG_NEEDED,
                           .next_mtu = 576,
                           .body = quote,
                           .body_len = ql};
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 40);
    static const uint8_t rest[] = {0, 0, 0x02, 0x40};
    assert_memory_equal(buf + 4, rest, 4);
    struct axn_icmp4 out;
    assert_int_equal(axn_icmp4_parse(buf, 40, &out, 0), 0);
    assert_int_equal(out.next_mtu, 576);
    assert_int_equal(out.orig_hdr_len, 24);
}

static void icmp4_unknown_type_keeps_raw_rest_of_header(void **state)
{
    (void)state;
    struct axn_icmp4 in = {.type = 42, .code = 7, .rest = {1, 2, 3, 4}};
    uint8_t buf[16];
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 8);
    struct axn_icmp4 out;
    assert_int_equal(axn_icmp4_parse(buf, 8, &out, 0), 0);
    assert_int_equal(out.type, 42);
    assert_int_equal(out.code, 7);
    assert_memory_equal(out.rest, in.rest, 4);
    assert_int_equal(out.body_len, 0);
    assert_int_equal(out.id, 0);
}

static void icmp4_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[32];
    memcpy(buf + AXN_ICMP4_HDR_LEN, "in place", 8);
    struct axn_icmp4 in = {.type = AXN_ICMP4_ECHO_REPLY, .body = buf + 8, .body_len = 8};
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), 16);
    assert_memory_equal(buf + 8, "in place", 8);
    assert_int_equal(axn_csum(buf, 16), 0);
}

static void icmp4_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct axn_icmp4 in = {.type = AXN_ICMP4_ECHO_REQUEST, .body = buf, .body_len = 4};
    assert_int_equal(axn_icmp4_emit(&in, buf, 11), AXN_WIRE_ENOSPC);
}

static void icmp4_emit_rejects_message_over_65535(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct axn_icmp4 in = {.type = AXN_ICMP4_ECHO_REQUEST, .body = buf, .body_len = 65535 - 7};
    assert_int_equal(axn_icmp4_emit(&in, buf, sizeof buf), AXN_WIRE_ELEN);
}

/* ---- Quoted datagram checks ---------------------------------------------------- */

static void icmp4_error_accepts_quote_of_exactly_header_plus_8(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    struct axn_icmp4 out;
    size_t ql = make_quote(quote, 7, 8);
    assert_int_equal(error_round_trip(quote, ql, &out, buf, sizeof buf), 0);
    assert_int_equal(out.orig_hdr_len, 28);
    assert_int_equal(out.body_len, 36);
}

static void icmp4_error_rejects_quote_shorter_than_ip_header(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    struct axn_icmp4 out;
    make_quote(quote, 5, 0);
    assert_int_equal(error_round_trip(quote, 19, &out, buf, sizeof buf), AXN_WIRE_ELEN);
}

static void icmp4_error_rejects_quote_without_8_data_bytes(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    struct axn_icmp4 out;
    /* IHL 6 (24 bytes) + only 7 bytes of data. */
    size_t ql = make_quote(quote, 6, 7);
    assert_int_equal(error_round_trip(quote, ql, &out, buf, sizeof buf), AXN_WIRE_ELEN);
}

static void icmp4_error_rejects_quote_with_ihl_below_five(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    struct axn_icmp4 out;
    size_t ql = make_quote(quote, 4, 8);
    assert_int_equal(error_round_trip(quote, ql, &out, buf, sizeof buf), AXN_WIRE_EHDRLEN);
}

static void icmp4_error_rejects_quote_that_is_not_ipv4(void **state)
{
    (void)state;
    uint8_t quote[64], buf[128];
    struct axn_icmp4 out;
    size_t ql = make_quote(quote, 5, 8);
    quote[0] = 0x65;
    assert_int_equal(error_round_trip(quote, ql, &out, buf, sizeof buf), AXN_WIRE_EVERSION);
}

static void icmp4_parse_rejects_truncated_header(void **state)
{
    (void)state;
    struct axn_icmp4 m;
    assert_int_equal(
        axn_icmp4_parse(icmp4_echo_request.bytes, 7, &m, AXN_ICMP4_PARSE_CSUM_VERIFIED),
        AXN_WIRE_ETRUNC);
}

static void icmp4_parse_rejects_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, icmp4_echo_request.bytes, icmp4_echo_request.len);
    buf[30] ^= 0x80;
    struct axn_icmp4 m;
    assert_int_equal(axn_icmp4_parse(buf, icmp4_echo_request.len, &m, 0), AXN_WIRE_ECSUM);
    /* A truncated copy of a good message no longer sums either. */
    assert_int_equal(axn_icmp4_parse(icmp4_echo_request.bytes, icmp4_echo_request.len - 2, &m, 0),
                     AXN_WIRE_ECSUM);
}

static void icmp4_parse_skip_csum_flag_accepts_bad_checksum(void **state)
{
    (void)state;
    uint8_t buf[128];
    memcpy(buf, icmp4_echo_request.bytes, icmp4_echo_request.len);
    buf[2] ^= 0xff;
    struct axn_icmp4 m;
    assert_int_equal(
        axn_icmp4_parse(buf, icmp4_echo_request.len, &m, AXN_ICMP4_PARSE_CSUM_VERIFIED), 0);
    assert_int_equal(m.id, 10490);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icmp4_parse_linux_echo_request),
        cmocka_unit_test(icmp4_parse_linux_echo_reply_mirrors_request),
        cmocka_unit_test(icmp4_parse_linux_time_exceeded_quotes_echo),
        cmocka_unit_test(icmp4_parse_linux_frag_needed_reads_next_hop_mtu),
        cmocka_unit_test(icmp4_parse_linux_port_unreachable_quotes_udp_ports),
        cmocka_unit_test(icmp4_parse_linux_protocol_unreachable),
        cmocka_unit_test(icmp4_emit_reproduces_linux_messages_byte_for_byte),
        cmocka_unit_test(icmp4_round_trip_echo),
        cmocka_unit_test(icmp4_round_trip_parameter_problem_pointer),
        cmocka_unit_test(icmp4_round_trip_redirect_gateway),
        cmocka_unit_test(icmp4_round_trip_frag_needed_mtu),
        cmocka_unit_test(icmp4_unknown_type_keeps_raw_rest_of_header),
        cmocka_unit_test(icmp4_emit_builds_in_place),
        cmocka_unit_test(icmp4_emit_rejects_small_buffer),
        cmocka_unit_test(icmp4_emit_rejects_message_over_65535),
        cmocka_unit_test(icmp4_error_accepts_quote_of_exactly_header_plus_8),
        cmocka_unit_test(icmp4_error_rejects_quote_shorter_than_ip_header),
        cmocka_unit_test(icmp4_error_rejects_quote_without_8_data_bytes),
        cmocka_unit_test(icmp4_error_rejects_quote_with_ihl_below_five),
        cmocka_unit_test(icmp4_error_rejects_quote_that_is_not_ipv4),
        cmocka_unit_test(icmp4_parse_rejects_truncated_header),
        cmocka_unit_test(icmp4_parse_rejects_bad_checksum),
        cmocka_unit_test(icmp4_parse_skip_csum_flag_accepts_bad_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
