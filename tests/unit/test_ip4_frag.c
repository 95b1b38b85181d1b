/* IPv4 fragmentation on output (src/ip/ip4_frag.c, RFC 791 3.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "ip/ip4_frag.h"
#include "lib/byteorder.h"

#define BIG_PAYLOAD 60000u
#define PKT_MAX     65535u
#define MAX_FRAGS   8192u
#define FRAG_UNIT   8u
#define HDR_MIN     20u
#define TEST_ID     0x4242u
#define TEST_TTL    64u
#define TEST_TOS    0xb8u
#define PROTO_UDP   17u
#define SRC         AXN_IP4(10, 99, 0, 1)
#define DST         AXN_IP4(10, 99, 0, 2)

/* Record Route (not copied), LSRR and Router Alert (copied), RFC 791 3.1,
 * RFC 2113: 4 + 1 + 7 + 7 = 19 bytes, padded to 20 by emit. */
static const uint8_t mixed_opts[] = {
    148, 4, 0, 0,            /* Router Alert, copied */
    1,                       /* NOP, not copied */
    7,   7, 4, 0,  0,  0, 0, /* Record Route, one empty slot, not copied */
    131, 7, 4, 10, 99, 0, 9, /* LSRR via 10.99.0.9, copied */
};
/* What every later fragment carries: the copied ones, padded with EOL. */
static const uint8_t later_opts[] = {148, 4, 0, 0, 131, 7, 4, 10, 99, 0, 9, 0};

/* Fragments handed to the emit callback, copied. */
struct sink {
    uint8_t *pkt[MAX_FRAGS];
    size_t len[MAX_FRAGS];
    size_t n;
    size_t fail_at; /* the call (1-based) that fails, 0: none */
};

static int collect(void *ctx, const uint8_t *frag, size_t len)
{
    struct sink *s = ctx;
    if (s->fail_at && s->n + 1 == s->fail_at)
        return -AXN_ENOBUFS;
    assert_true(s->n < MAX_FRAGS);
    s->pkt[s->n] = malloc(len);
    assert_non_null(s->pkt[s->n]);
    memcpy(s->pkt[s->n], frag, len);
    s->len[s->n++] = len;
    return 0;
}

static void sink_free(struct sink *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->pkt[i]);
    memset(s, 0, sizeof(*s));
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7u + (i >> 8));
}

struct spec {
    size_t payload_len;
    const uint8_t *opts;
    size_t opts_len;
    bool df;
    bool mf;
    uint16_t frag_offset;
};

/* Builds a valid packet whose payload byte i is pattern(i). */
static size_t build(uint8_t *buf, const struct spec *sp)
{
    static uint8_t payload[PKT_MAX];
    for (size_t i = 0; i < sp->payload_len; i++)
        payload[i] = pattern(i);
    struct axn_ipv4 h = {
        .tos = TEST_TOS,
        .id = TEST_ID,
        .df = sp->df,
        .mf = sp->mf,
        .frag_offset = sp->frag_offset,
        .ttl = TEST_TTL,
        .protocol = PROTO_UDP,
        .src = SRC,
        .dst = DST,
        .options = sp->opts,
        .options_len = sp->opts_len,
        .payload = payload,
        .payload_len = sp->payload_len,
    };
    int n = axn_ipv4_emit(&h, buf, PKT_MAX);
    assert_true(n > 0);
    return (size_t)n;
}

static struct sink sink;
static uint8_t pkt[PKT_MAX];
static uint8_t scratch[PKT_MAX];

static int teardown(void **state)
{
    (void)state;
    sink_free(&sink);
    return 0;
}

/* Parses fragment i and checks what every fragment must keep. */
static void parse_frag(size_t i, size_t mtu, struct axn_ipv4 *ip)
{
    assert_true(sink.len[i] <= mtu);
    assert_int_equal(axn_ipv4_parse(sink.pkt[i], sink.len[i], ip, 0), 0); /* checksum valid */
    assert_int_equal(ip->total_len, sink.len[i]);
    assert_int_equal(ip->id, TEST_ID);
    assert_int_equal(ip->ttl, TEST_TTL);
    assert_int_equal(ip->tos, TEST_TOS);
    assert_int_equal(ip->protocol, PROTO_UDP);
    assert_int_equal(ip->src, SRC);
    assert_int_equal(ip->dst, DST);
    assert_false(ip->df);
}

static void test_packet_that_fits_is_emitted_unchanged(void **state)
{
    (void)state;
    struct spec sp = {1480, NULL, 0, true, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 1500, scratch, collect, &sink), 1);
    assert_int_equal(sink.n, 1);
    assert_int_equal(sink.len[0], 1500);
    assert_memory_equal(sink.pkt[0], pkt, 1500);
}

/* The ax-net gap this closes: Linux sends a 1473-byte UDP payload as two. */
static void test_udp_1473_bytes_becomes_two_fragments(void **state)
{
    (void)state;
    struct spec sp = {8 + 1473, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(len, 1501);
    assert_int_equal(axn_ip4_fragment(pkt, len, 1500, scratch, collect, &sink), 2);
    struct axn_ipv4 a, b;
    parse_frag(0, 1500, &a);
    parse_frag(1, 1500, &b);
    assert_int_equal(sink.len[0], 1500);
    assert_int_equal(sink.len[1], 21);
    assert_true(a.mf);
    assert_int_equal(a.frag_offset, 0);
    assert_false(b.mf);
    assert_int_equal(b.frag_offset, 1480);
    assert_memory_equal(a.payload, pkt + HDR_MIN, 1480);
    assert_int_equal(b.payload[0], pkt[HDR_MIN + 1480]);
}

/* Checks a split of the BIG_PAYLOAD datagram at `mtu` piece by piece. */
static void check_split(size_t mtu)
{
    struct spec sp = {BIG_PAYLOAD, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    size_t room = (mtu - HDR_MIN) / FRAG_UNIT * FRAG_UNIT;
    size_t want = (BIG_PAYLOAD + room - 1) / room;
    assert_int_equal(axn_ip4_fragment(pkt, len, mtu, scratch, collect, &sink), (int)want);
    assert_int_equal(sink.n, want);
    size_t off = 0;
    for (size_t i = 0; i < sink.n; i++) {
        struct axn_ipv4 ip;
        parse_frag(i, mtu, &ip);
        assert_int_equal(ip.frag_offset, off);
        assert_int_equal(ip.mf, i + 1 < sink.n);
        assert_int_equal(ip.payload_len, i + 1 < sink.n ? room : BIG_PAYLOAD - off);
        assert_memory_equal(ip.payload, pkt + HDR_MIN + off, ip.payload_len);
        off += ip.payload_len;
    }
    assert_int_equal(off, BIG_PAYLOAD);
    sink_free(&sink);
}

static void test_every_fragment_parses_fits_and_tiles_the_payload(void **state)
{
    (void)state;
    check_split(1500);
    check_split(576);
    check_split(1006); /* 986 of room: 984 bytes (123 blocks) per fragment */
    check_split(68);   /* RFC 791 3.2: the minimum every link must carry */
}

static void test_df_set_and_too_big_is_emsgsize(void **state)
{
    (void)state;
    struct spec sp = {1481, NULL, 0, true, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 1500, scratch, collect, &sink), -AXN_EMSGSIZE);
    assert_int_equal(sink.n, 0);
}

static void test_mtu_below_header_plus_8_is_einval(void **state)
{
    (void)state;
    struct spec sp = {100, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, HDR_MIN + 7, scratch, collect, &sink), -AXN_EINVAL);
    assert_int_equal(sink.n, 0);
    /* 28 carries one 8-byte block per fragment: 100 bytes in 13. */
    assert_int_equal(axn_ip4_fragment(pkt, len, HDR_MIN + 8, scratch, collect, &sink), 13);
    sink_free(&sink);
    /* A 40-byte header needs 48: the first fragment carries all options. */
    sp.opts = mixed_opts;
    sp.opts_len = sizeof(mixed_opts);
    len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 47, scratch, collect, &sink), -AXN_EINVAL);
    assert_int_equal(sink.n, 0);
    assert_true(axn_ip4_fragment(pkt, len, 48, scratch, collect, &sink) > 0);
}

static void test_unparseable_packet_is_einval(void **state)
{
    (void)state;
    struct spec sp = {2000, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len - 1, 1500, scratch, collect, &sink),
                     -AXN_EINVAL); /* Total Length past the buffer */
    pkt[10] ^= 0xff;               /* header checksum */
    assert_int_equal(axn_ip4_fragment(pkt, len, 1500, scratch, collect, &sink), -AXN_EINVAL);
    assert_int_equal(sink.n, 0);
}

/* RFC 791 3.1: copied options in every fragment, the others in the first. */
static void test_only_copied_options_repeat_in_later_fragments(void **state)
{
    (void)state;
    struct spec sp = {3000, mixed_opts, sizeof(mixed_opts), false, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 576, scratch, collect, &sink), 6);
    struct axn_ipv4 ip;
    parse_frag(0, 576, &ip);
    assert_int_equal(ip.hdr_len, 40);
    /* The first fragment's header is the original's but for length,
     * flags and checksum. */
    assert_memory_equal(sink.pkt[0] + HDR_MIN, pkt + HDR_MIN, 20);
    assert_int_equal(ip.payload_len, 536);
    size_t off = 536;
    for (size_t i = 1; i < sink.n; i++) {
        parse_frag(i, 576, &ip);
        assert_int_equal(ip.hdr_len, HDR_MIN + sizeof(later_opts));
        assert_memory_equal(ip.options, later_opts, sizeof(later_opts));
        assert_true(ip.router_alert && ip.source_route);
        assert_int_equal(ip.frag_offset, off);
        assert_memory_equal(ip.payload, pkt + 40 + off, ip.payload_len);
        off += ip.payload_len;
    }
    assert_int_equal(off, 3000);
    assert_int_equal(sink.len[1], 32 + 544); /* a 32-byte header leaves 544 */
}

static void test_options_without_copied_flag_vanish_after_first(void **state)
{
    (void)state;
    static const uint8_t rr_only[] = {7, 7, 4, 0, 0, 0, 0, 0};
    struct spec sp = {1000, rr_only, sizeof(rr_only), false, false, 0};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 576, scratch, collect, &sink), 2);
    struct axn_ipv4 ip;
    parse_frag(0, 576, &ip);
    assert_int_equal(ip.hdr_len, 28);
    assert_memory_equal(ip.options, rr_only, sizeof(rr_only));
    parse_frag(1, 576, &ip);
    assert_int_equal(ip.hdr_len, HDR_MIN);
    assert_int_equal(ip.frag_offset, 544);
    assert_int_equal(ip.payload_len, 1000 - 544);
}

/* A middle fragment splits into pieces that all keep MF set. */
static void test_fragment_of_a_middle_fragment_keeps_mf(void **state)
{
    (void)state;
    struct spec sp = {1480, NULL, 0, false, true, 1480};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 576, scratch, collect, &sink), 3);
    static const uint16_t offs[] = {1480, 2032, 2584};
    static const size_t lens[] = {552, 552, 376};
    for (size_t i = 0; i < 3; i++) {
        struct axn_ipv4 ip;
        parse_frag(i, 576, &ip);
        assert_true(ip.mf);
        assert_int_equal(ip.frag_offset, offs[i]);
        assert_int_equal(ip.payload_len, lens[i]);
        assert_memory_equal(ip.payload, pkt + HDR_MIN + (offs[i] - 1480), lens[i]);
    }
}

/* The true last fragment splits into MF pieces and one MF-clear end. */
static void test_fragment_of_the_last_fragment_ends_with_mf_clear(void **state)
{
    (void)state;
    struct spec sp = {1000, NULL, 0, false, false, 2960};
    size_t len = build(pkt, &sp);
    assert_int_equal(axn_ip4_fragment(pkt, len, 576, scratch, collect, &sink), 2);
    struct axn_ipv4 a, b;
    parse_frag(0, 576, &a);
    parse_frag(1, 576, &b);
    assert_true(a.mf);
    assert_int_equal(a.frag_offset, 2960);
    assert_int_equal(a.payload_len, 552);
    assert_false(b.mf);
    assert_int_equal(b.frag_offset, 3512);
    assert_int_equal(b.payload_len, 448);
}

static void test_emit_error_stops_and_is_returned(void **state)
{
    (void)state;
    struct spec sp = {5000, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    sink.fail_at = 2;
    assert_int_equal(axn_ip4_fragment(pkt, len, 1500, scratch, collect, &sink), -AXN_ENOBUFS);
    assert_int_equal(sink.n, 1);
    /* Also for a packet that fits. */
    sink_free(&sink);
    sink.fail_at = 1;
    assert_int_equal(axn_ip4_fragment(pkt, len, PKT_MAX, scratch, collect, &sink), -AXN_ENOBUFS);
    assert_int_equal(sink.n, 0);
}

/* Link padding past Total Length is not part of the packet. */
static void test_link_padding_is_not_sent(void **state)
{
    (void)state;
    struct spec sp = {10, NULL, 0, false, false, 0};
    size_t len = build(pkt, &sp);
    memset(pkt + len, 0xee, 16);
    assert_int_equal(axn_ip4_fragment(pkt, len + 16, 1500, scratch, collect, &sink), 1);
    assert_int_equal(sink.len[0], len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_packet_that_fits_is_emitted_unchanged, teardown),
        cmocka_unit_test_teardown(test_udp_1473_bytes_becomes_two_fragments, teardown),
        cmocka_unit_test_teardown(test_every_fragment_parses_fits_and_tiles_the_payload, teardown),
        cmocka_unit_test_teardown(test_df_set_and_too_big_is_emsgsize, teardown),
        cmocka_unit_test_teardown(test_mtu_below_header_plus_8_is_einval, teardown),
        cmocka_unit_test_teardown(test_unparseable_packet_is_einval, teardown),
        cmocka_unit_test_teardown(test_only_copied_options_repeat_in_later_fragments, teardown),
        cmocka_unit_test_teardown(test_options_without_copied_flag_vanish_after_first, teardown),
        cmocka_unit_test_teardown(test_fragment_of_a_middle_fragment_keeps_mf, teardown),
        cmocka_unit_test_teardown(test_fragment_of_the_last_fragment_ends_with_mf_clear, teardown),
        cmocka_unit_test_teardown(test_emit_error_stops_and_is_returned, teardown),
        cmocka_unit_test_teardown(test_link_padding_is_not_sent, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
