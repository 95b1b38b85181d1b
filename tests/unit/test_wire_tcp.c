/* TCP header and options parse/emit (src/wire/tcp.c; RFC 9293, RFC 7323, RFC 2018). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fixtures/l4/tcp.h"
#include "lib/byteorder.h"
#include "wire/checksum.h"
#include "wire/tcp.h"

/* An arbitrary pseudo-header for hand-built segments. */
#define TEST_PSEUDO 0x1234u

static uint32_t fx_pseudo(const struct l4_fixture *f)
{
    return l4_fixture_pseudo(f, AXN_TCP_PROTO, f->len);
}

static int parse_fx(const struct l4_fixture *f, struct axn_tcp *t)
{
    return axn_tcp_parse(f->bytes, f->len, t, fx_pseudo(f), 0);
}

/*
 * Hand-builds a segment independent of axn_tcp_emit: 20-byte header with
 * ports 1000 -> 2000, the given option bytes (a multiple of 4) and payload
 * length, and a correct checksum for TEST_PSEUDO. Returns its length.
 */
static size_t build(uint8_t *p, const uint8_t *opt, size_t opt_len, size_t payload_len)
{
    size_t hl = 20 + opt_len;
    memset(p, 0, hl + payload_len);
    axn_put_be16(p, 1000);
    axn_put_be16(p + 2, 2000);
    p[12] = (uint8_t)(hl / 4 << 4);
    p[13] = AXN_TCP_ACK;
    if (opt_len)
        memcpy(p + 20, opt, opt_len);
    for (size_t i = 0; i < payload_len; i++)
        p[hl + i] = (uint8_t)i;
    axn_put_be16(p + 16, axn_csum_finish(axn_csum_partial(p, hl + payload_len, TEST_PSEUDO)));
    return hl + payload_len;
}

/* Parses a hand-built segment whose only interesting part is `opt`. */
static int parse_opts(const uint8_t *opt, size_t opt_len, struct axn_tcp *t)
{
    uint8_t seg[80];
    size_t n = build(seg, opt, opt_len, 0);
    return axn_tcp_parse(seg, n, t, TEST_PSEUDO, 0);
}

/* Field by field: struct padding is not part of the value. */
static void assert_opts_equal(const struct axn_tcp_opts *a, const struct axn_tcp_opts *b)
{
    assert_int_equal(a->has_mss, b->has_mss);
    assert_int_equal(a->mss, b->mss);
    assert_int_equal(a->has_wscale, b->has_wscale);
    assert_int_equal(a->wscale, b->wscale);
    assert_int_equal(a->sack_perm, b->sack_perm);
    assert_int_equal(a->has_ts, b->has_ts);
    assert_int_equal(a->ts_val, b->ts_val);
    assert_int_equal(a->ts_ecr, b->ts_ecr);
    assert_int_equal(a->n_sack, b->n_sack);
    for (unsigned i = 0; i < a->n_sack; i++) {
        assert_int_equal(a->sack[i].left, b->sack[i].left);
        assert_int_equal(a->sack[i].right, b->sack[i].right);
    }
}

/* ---- Real packets captured from Linux -------------------------------------- */

static void tcp_parse_linux_syn_reads_every_option(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_syn, &t), 0);
    assert_int_equal(t.src_port, 53990);
    assert_int_equal(t.dst_port, 8000);
    assert_int_equal(t.seq, 2534350828u);
    assert_int_equal(t.ack, 0);
    assert_int_equal(t.flags, AXN_TCP_SYN);
    assert_int_equal(t.window, 64480);
    assert_int_equal(t.csum, 0x24c8);
    assert_int_equal(t.urg_ptr, 0);
    assert_int_equal(t.hdr_len, 40);
    assert_true(t.opts.has_mss);
    assert_int_equal(t.opts.mss, 1240);
    assert_true(t.opts.sack_perm);
    assert_true(t.opts.has_ts);
    assert_int_equal(t.opts.ts_val, 3949689926u);
    assert_int_equal(t.opts.ts_ecr, 0);
    assert_true(t.opts.has_wscale);
    assert_int_equal(t.opts.wscale, 10);
    assert_int_equal(t.opts.n_sack, 0);
    assert_int_equal(t.payload_len, 0);
    assert_ptr_equal(t.payload, tcp4_syn.bytes + 40);
}

static void tcp_parse_linux_synack_acks_the_syn(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_synack, &t), 0);
    assert_int_equal(t.src_port, 8000);
    assert_int_equal(t.dst_port, 53990);
    assert_int_equal(t.seq, 671015806u);
    assert_int_equal(t.ack, 2534350829u);
    assert_int_equal(t.flags, AXN_TCP_SYN | AXN_TCP_ACK);
    assert_int_equal(t.window, 65084);
    assert_int_equal(t.opts.mss, 1240);
    assert_int_equal(t.opts.ts_val, 3101675370u);
    assert_int_equal(t.opts.ts_ecr, 3949689926u);
    assert_int_equal(t.opts.wscale, 10);
}

static void tcp_parse_linux_ack_has_only_timestamps(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_ack, &t), 0);
    assert_int_equal(t.flags, AXN_TCP_ACK);
    assert_int_equal(t.seq, 2534350829u);
    assert_int_equal(t.ack, 671015807u);
    assert_int_equal(t.window, 63);
    assert_int_equal(t.hdr_len, 32);
    assert_false(t.opts.has_mss);
    assert_false(t.opts.sack_perm);
    assert_false(t.opts.has_wscale);
    assert_true(t.opts.has_ts);
    assert_int_equal(t.opts.ts_val, 3949689926u);
    assert_int_equal(t.opts.ts_ecr, 3101675370u);
}

static void tcp_parse_linux_request_exposes_payload(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_request, &t), 0);
    assert_int_equal(t.flags, AXN_TCP_PSH | AXN_TCP_ACK);
    assert_int_equal(t.seq, 2534350829u);
    assert_int_equal(t.payload_len, 83);
    assert_memory_equal(t.payload, "GET /small HTTP/1.1\r\n", 21);
    assert_int_equal(t.opts.ts_val, 3949689927u);
}

static void tcp_parse_linux_full_sized_segment(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_data_full, &t), 0);
    assert_int_equal(t.seq, 1756649892u);
    assert_int_equal(t.ack, 1342754338u);
    assert_int_equal(t.payload_len, 1228);
    assert_int_equal(t.hdr_len, 32);
}

static void tcp_parse_linux_rst_has_no_options(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_rst, &t), 0);
    assert_int_equal(t.src_port, 8001);
    assert_int_equal(t.dst_port, 54938);
    assert_int_equal(t.flags, AXN_TCP_RST | AXN_TCP_ACK);
    assert_int_equal(t.seq, 0);
    assert_int_equal(t.ack, 1146430416u);
    assert_int_equal(t.window, 0);
    assert_int_equal(t.hdr_len, 20);
    assert_false(t.opts.has_mss || t.opts.has_ts || t.opts.sack_perm || t.opts.has_wscale);
}

static void tcp_parse_linux_fin(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_fin, &t), 0);
    assert_int_equal(t.flags, AXN_TCP_FIN | AXN_TCP_ACK);
    assert_int_equal(t.seq, 671016012u);
    assert_int_equal(t.ack, 2534350912u);
}

static void tcp_parse_linux_sack_blocks(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp4_sack1, &t), 0);
    assert_int_equal(t.ack, 1756660944u);
    assert_int_equal(t.opts.n_sack, 1);
    assert_int_equal(t.opts.sack[0].left, 1756662172u);
    assert_int_equal(t.opts.sack[0].right, 1756663400u);
    assert_true(t.opts.has_ts);

    assert_int_equal(parse_fx(&tcp4_sack2, &t), 0);
    assert_int_equal(t.opts.n_sack, 2);
    assert_int_equal(t.opts.sack[0].left, 1756731392u);
    assert_int_equal(t.opts.sack[0].right, 1756732620u);
    assert_int_equal(t.opts.sack[1].left, 1756722796u);
    assert_int_equal(t.opts.sack[1].right, 1756730164u);

    assert_int_equal(parse_fx(&tcp4_sack3, &t), 0);
    assert_int_equal(t.hdr_len, 60);
    assert_int_equal(t.opts.n_sack, 3);
    assert_int_equal(t.opts.sack[0].left, 1756752268u);
    assert_int_equal(t.opts.sack[0].right, 1756753496u);
    assert_int_equal(t.opts.sack[1].left, 1756731392u);
    assert_int_equal(t.opts.sack[1].right, 1756751040u);
    assert_int_equal(t.opts.sack[2].left, 1756722796u);
    assert_int_equal(t.opts.sack[2].right, 1756730164u);
}

static void tcp_parse_linux_ipv6_syn_with_ecn(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(parse_fx(&tcp6_syn_ecn, &t), 0);
    assert_int_equal(t.src_port, 39062);
    assert_int_equal(t.seq, 3459162707u);
    assert_int_equal(t.flags, AXN_TCP_SYN | AXN_TCP_ECE | AXN_TCP_CWR);
    assert_int_equal(t.opts.mss, 1220);

    assert_int_equal(parse_fx(&tcp6_synack_ecn, &t), 0);
    assert_int_equal(t.flags, AXN_TCP_SYN | AXN_TCP_ACK | AXN_TCP_ECE);
    assert_int_equal(t.ack, 3459162708u);
    assert_int_equal(t.opts.ts_ecr, 1433968761u);
}

static void tcp_emit_reproduces_linux_segments_byte_for_byte(void **state)
{
    (void)state;
    const struct l4_fixture *all[] = {
        &tcp4_syn, &tcp4_synack, &tcp4_ack,   &tcp4_request, &tcp4_data_full, &tcp4_rst,
        &tcp4_fin, &tcp4_sack1,  &tcp4_sack2, &tcp4_sack3,   &tcp6_syn_ecn,   &tcp6_synack_ecn,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        struct axn_tcp t;
        uint8_t out[2048];
        assert_int_equal(parse_fx(all[i], &t), 0);
        assert_int_equal(axn_tcp_len(&t), all[i]->len);
        assert_int_equal(axn_tcp_emit(&t, out, sizeof out, fx_pseudo(all[i]), 0), (int)all[i]->len);
        assert_memory_equal(out, all[i]->bytes, all[i]->len);
    }
}

/* ---- Emit and round trips ---------------------------------------------------- */

static void tcp_round_trip_keeps_every_field(void **state)
{
    (void)state;
    static const uint8_t data[] = "round trip";
    struct axn_tcp in = {
        .src_port = 0xfedc,
        .dst_port = 0x0102,
        .seq = 0x89abcdefu,
        .ack = 0x01234567u,
        .flags = AXN_TCP_FLAGS_MASK,
        .window = 0xa5a5,
        .urg_ptr = 0x5a5a,
        .opts = {.has_mss = true,
                 .mss = 8960,
                 .has_wscale = true,
                 .wscale = 14,
                 .sack_perm = true,
                 .has_ts = true,
                 .ts_val = 0xdeadbeefu,
                 .ts_ecr = 0xcafef00du},
        .payload = data,
        .payload_len = sizeof data,
    };
    uint8_t buf[128];
    size_t len = axn_tcp_len(&in);
    assert_int_equal(len, 20 + 20 + sizeof data);
    uint32_t ps = axn_csum_pseudo_v4(AXN_IP4(192, 0, 2, 1), AXN_IP4(192, 0, 2, 2), AXN_TCP_PROTO,
                                     (uint16_t)len);
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, ps, 0), (int)len);

    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, len, &out, ps, 0), 0);
    assert_int_equal(out.src_port, in.src_port);
    assert_int_equal(out.dst_port, in.dst_port);
    assert_int_equal(out.seq, in.seq);
    assert_int_equal(out.ack, in.ack);
    assert_int_equal(out.flags, AXN_TCP_FLAGS_MASK);
    assert_int_equal(out.window, in.window);
    assert_int_equal(out.urg_ptr, in.urg_ptr);
    assert_int_equal(out.hdr_len, 40);
    assert_opts_equal(&out.opts, &in.opts);
    assert_int_equal(out.payload_len, sizeof data);
    assert_memory_equal(out.payload, data, sizeof data);
    /* The AE bit lives in byte 12, beside the data offset. */
    assert_int_equal(buf[12], 0xa1);
    assert_int_equal(buf[13], 0xff);
}

static void tcp_round_trip_timestamps_with_three_sack_blocks(void **state)
{
    (void)state;
    struct axn_tcp in = {.flags = AXN_TCP_ACK,
                         .opts = {.has_ts = true, .ts_val = 7, .ts_ecr = 9, .n_sack = 3}};
    for (unsigned i = 0; i < 3; i++) {
        in.opts.sack[i].left = 1000 * (i + 1);
        in.opts.sack[i].right = 1000 * (i + 1) + 500;
    }
    assert_int_equal(axn_tcp_opts_len(&in.opts), 40);
    uint8_t buf[64];
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 60);
    static const uint8_t expect_opts[] = {
        1,    1,    8,    10,   0, 0, 0,    7,    0, 0, 0,    9,          /* NOP NOP TS */
        1,    1,    5,    26,   0, 0, 0x03, 0xe8, 0, 0, 0x05, 0xdc,       /* NOP NOP SACK */
        0,    0,    0x07, 0xd0, 0, 0, 0x09, 0xc4, 0, 0, 0x0b, 0xb8, 0, 0, /* */
        0x0d, 0xac,
    };
    assert_memory_equal(buf + 20, expect_opts, sizeof expect_opts);
    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, 60, &out, TEST_PSEUDO, 0), 0);
    assert_opts_equal(&out.opts, &in.opts);
}

static void tcp_round_trip_four_sack_blocks_without_timestamps(void **state)
{
    (void)state;
    struct axn_tcp in = {.flags = AXN_TCP_ACK, .opts = {.n_sack = 4}};
    for (unsigned i = 0; i < 4; i++) {
        in.opts.sack[i].left = 0xffff0000u + i;
        in.opts.sack[i].right = 0x00010000u + i;
    }
    uint8_t buf[64];
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 20 + 36);
    assert_int_equal(buf[12] >> 4, 14);
    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, 56, &out, TEST_PSEUDO, 0), 0);
    assert_int_equal(out.opts.n_sack, 4);
    assert_opts_equal(&out.opts, &in.opts);
}

static void tcp_emit_pads_sack_permitted_without_timestamps(void **state)
{
    (void)state;
    struct axn_tcp in = {.flags = AXN_TCP_SYN,
                         .opts = {.has_mss = true, .mss = 536, .sack_perm = true}};
    uint8_t buf[64];
    assert_int_equal(axn_tcp_opts_len(&in.opts), 8);
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 28);
    static const uint8_t expect[] = {2, 4, 0x02, 0x18, 1, 1, 4, 2};
    assert_memory_equal(buf + 20, expect, sizeof expect);
    assert_int_equal(buf[12], 7 << 4);
}

static void tcp_emit_lays_out_syn_options_like_linux(void **state)
{
    (void)state;
    struct axn_tcp in = {.flags = AXN_TCP_SYN,
                         .opts = {.has_mss = true,
                                  .mss = 1460,
                                  .sack_perm = true,
                                  .has_ts = true,
                                  .ts_val = 0x01020304u,
                                  .has_wscale = true,
                                  .wscale = 7}};
    uint8_t buf[64];
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 40);
    static const uint8_t expect[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2,
                                     3, 4, 0,    0,    0, 0, 1, 3,  3, 7};
    assert_memory_equal(buf + 20, expect, sizeof expect);
}

static void tcp_opts_len_counts_alignment(void **state)
{
    (void)state;
    struct axn_tcp_opts o = {0};
    assert_int_equal(axn_tcp_opts_len(&o), 0);
    o.has_wscale = true;
    assert_int_equal(axn_tcp_opts_len(&o), 4);
    o.has_ts = true;
    assert_int_equal(axn_tcp_opts_len(&o), 16);
    o.sack_perm = true; /* shares the timestamp's padding */
    assert_int_equal(axn_tcp_opts_len(&o), 16);
    o.has_mss = true;
    assert_int_equal(axn_tcp_opts_len(&o), 20);
    o.n_sack = 1;
    assert_int_equal(axn_tcp_opts_len(&o), 32);
}

static void tcp_emit_builds_in_place(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct axn_tcp in = {
        .src_port = 1, .dst_port = 2, .flags = AXN_TCP_ACK, .opts = {.has_ts = true, .ts_val = 5}};
    size_t hl = 20 + axn_tcp_opts_len(&in.opts);
    memcpy(buf + hl, "in place", 8);
    in.payload = buf + hl;
    in.payload_len = 8;
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), (int)hl + 8);
    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, hl + 8, &out, TEST_PSEUDO, 0), 0);
    assert_memory_equal(out.payload, "in place", 8);
}

static void tcp_emit_moves_overlapping_payload(void **state)
{
    (void)state;
    uint8_t buf[64];
    memcpy(buf, "overlapping payload!", 20);
    struct axn_tcp in = {.flags = AXN_TCP_PSH | AXN_TCP_ACK, .payload = buf, .payload_len = 20};
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), 40);
    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, 40, &out, TEST_PSEUDO, 0), 0);
    assert_memory_equal(out.payload, "overlapping payload!", 20);
}

static void tcp_emit_partial_checksum_leaves_pseudo_sum_for_device(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct axn_tcp in = {.flags = AXN_TCP_ACK, .payload = (const uint8_t *)"abc", .payload_len = 3};
    uint32_t ps = axn_csum_pseudo_v4(AXN_IP4(10, 0, 0, 1), AXN_IP4(10, 0, 0, 2), AXN_TCP_PROTO, 23);
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, ps, AXN_TCP_EMIT_CSUM_PARTIAL), 23);
    uint16_t folded = (uint16_t)~axn_csum_finish(ps);
    assert_int_equal(axn_get_be16(buf + AXN_TCP_CSUM_OFFSET), folded);
    /* What the device does: checksum from the TCP header on, stored in place. */
    axn_put_be16(buf + AXN_TCP_CSUM_OFFSET, axn_csum(buf, 23));
    struct axn_tcp out;
    assert_int_equal(axn_tcp_parse(buf, 23, &out, ps, 0), 0);
}

static void tcp_emit_rejects_small_buffer(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct axn_tcp in = {.opts = {.has_mss = true, .mss = 1},
                         .payload_len = 10,
                         .payload = (const uint8_t *)"0123456789"};
    assert_int_equal(axn_tcp_emit(&in, buf, 33, TEST_PSEUDO, 0), AXN_WIRE_ENOSPC);
    assert_int_equal(axn_tcp_emit(&in, buf, 34, TEST_PSEUDO, 0), 34);
}

static void tcp_emit_rejects_options_over_40_bytes(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct axn_tcp in = {.opts = {.has_ts = true, .n_sack = 4}};
    assert_int_equal(axn_tcp_opts_len(&in.opts), 48);
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), AXN_WIRE_EOPTLEN);
    in.opts.n_sack = AXN_TCP_MAX_SACK_BLOCKS + 1;
    in.opts.has_ts = false;
    assert_int_equal(axn_tcp_emit(&in, buf, sizeof buf, TEST_PSEUDO, 0), AXN_WIRE_EOPTLEN);
}

/* ---- Options parsed from hand-built segments -------------------------------- */

static void tcp_parse_skips_unknown_options_by_length(void **state)
{
    (void)state;
    /* kind 30 (MPTCP) len 6, then MSS, then NOP NOP */
    static const uint8_t opt[] = {30, 6, 0xaa, 0xbb, 0xcc, 0xdd, 2, 4, 0x01, 0x00, 1, 1};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), 0);
    assert_true(t.opts.has_mss);
    assert_int_equal(t.opts.mss, 256);
}

static void tcp_parse_stops_options_at_eol(void **state)
{
    (void)state;
    /* WS, then EOL followed by bytes that would be malformed as options */
    static const uint8_t opt[] = {3, 3, 5, 0, 2, 0, 0, 0};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), 0);
    assert_true(t.opts.has_wscale);
    assert_int_equal(t.opts.wscale, 5);
    assert_false(t.opts.has_mss);
}

static void tcp_parse_keeps_wscale_above_14_as_received(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 3, 3, 15};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), 0);
    assert_int_equal(t.opts.wscale, 15);
}

static void tcp_parse_skip_csum_flag_accepts_bad_checksum(void **state)
{
    (void)state;
    uint8_t seg[64];
    memcpy(seg, tcp4_syn.bytes, tcp4_syn.len);
    seg[17] ^= 0x01;
    struct axn_tcp t;
    assert_int_equal(
        axn_tcp_parse(seg, tcp4_syn.len, &t, fx_pseudo(&tcp4_syn), AXN_TCP_PARSE_CSUM_VERIFIED), 0);
    assert_int_equal(t.seq, 2534350828u);
}

/* ---- Rejections ----------------------------------------------------------------- */

static void tcp_parse_rejects_truncated_header(void **state)
{
    (void)state;
    struct axn_tcp t;
    assert_int_equal(axn_tcp_parse(tcp4_rst.bytes, 19, &t, 0, AXN_TCP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_ETRUNC);
}

static void tcp_parse_rejects_data_offset_below_five(void **state)
{
    (void)state;
    uint8_t seg[64];
    size_t n = build(seg, NULL, 0, 4);
    seg[12] = 4 << 4;
    struct axn_tcp t;
    assert_int_equal(axn_tcp_parse(seg, n, &t, TEST_PSEUDO, AXN_TCP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_EHDRLEN);
}

static void tcp_parse_rejects_data_offset_past_buffer(void **state)
{
    (void)state;
    struct axn_tcp t;
    /* The SYN's 40-byte header cut to 36 bytes. */
    assert_int_equal(axn_tcp_parse(tcp4_syn.bytes, 36, &t, 0, AXN_TCP_PARSE_CSUM_VERIFIED),
                     AXN_WIRE_EHDRLEN);
}

static void tcp_parse_rejects_bad_checksum(void **state)
{
    (void)state;
    uint8_t seg[2048];
    memcpy(seg, tcp4_data_full.bytes, tcp4_data_full.len);
    seg[tcp4_data_full.len - 1] ^= 0x40;
    struct axn_tcp t;
    assert_int_equal(axn_tcp_parse(seg, tcp4_data_full.len, &t, fx_pseudo(&tcp4_data_full), 0),
                     AXN_WIRE_ECSUM);
    /* The right bytes under another pseudo-header (IPv6 addresses) fail too. */
    uint32_t other = l4_fixture_pseudo(&tcp6_syn_ecn, AXN_TCP_PROTO, tcp4_syn.len);
    assert_int_equal(axn_tcp_parse(tcp4_syn.bytes, tcp4_syn.len, &t, other, 0), AXN_WIRE_ECSUM);
}

static void tcp_parse_rejects_option_length_zero(void **state)
{
    (void)state;
    static const uint8_t opt[] = {30, 0, 1, 1};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_option_length_one(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 30, 1};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_option_past_header(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 30, 3};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_option_missing_length_byte(void **state)
{
    (void)state;
    static const uint8_t opt[] = {1, 1, 1, 2};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_wrong_mss_length(void **state)
{
    (void)state;
    static const uint8_t opt[] = {2, 3, 5, 1};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_wrong_wscale_length(void **state)
{
    (void)state;
    static const uint8_t opt[] = {3, 4, 7, 0};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_wrong_sack_permitted_length(void **state)
{
    (void)state;
    static const uint8_t opt[] = {4, 3, 0, 1};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_wrong_timestamp_length(void **state)
{
    (void)state;
    static const uint8_t opt[] = {8, 8, 0, 0, 0, 1, 0, 0};
    struct axn_tcp t;
    assert_int_equal(parse_opts(opt, sizeof opt, &t), AXN_WIRE_EOPTLEN);
}

static void tcp_parse_rejects_sack_length_not_2_plus_8n(void **state)
{
    (void)state;
    static const uint8_t odd[] = {5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1};
    static const uint8_t empty[] = {1, 1, 5, 2};
    struct axn_tcp t;
    assert_int_equal(parse_opts(odd, sizeof odd, &t), AXN_WIRE_EOPTLEN);
    assert_int_equal(parse_opts(empty, sizeof empty, &t), AXN_WIRE_EOPTLEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_parse_linux_syn_reads_every_option),
        cmocka_unit_test(tcp_parse_linux_synack_acks_the_syn),
        cmocka_unit_test(tcp_parse_linux_ack_has_only_timestamps),
        cmocka_unit_test(tcp_parse_linux_request_exposes_payload),
        cmocka_unit_test(tcp_parse_linux_full_sized_segment),
        cmocka_unit_test(tcp_parse_linux_rst_has_no_options),
        cmocka_unit_test(tcp_parse_linux_fin),
        cmocka_unit_test(tcp_parse_linux_sack_blocks),
        cmocka_unit_test(tcp_parse_linux_ipv6_syn_with_ecn),
        cmocka_unit_test(tcp_emit_reproduces_linux_segments_byte_for_byte),
        cmocka_unit_test(tcp_round_trip_keeps_every_field),
        cmocka_unit_test(tcp_round_trip_timestamps_with_three_sack_blocks),
        cmocka_unit_test(tcp_round_trip_four_sack_blocks_without_timestamps),
        cmocka_unit_test(tcp_emit_pads_sack_permitted_without_timestamps),
        cmocka_unit_test(tcp_emit_lays_out_syn_options_like_linux),
        cmocka_unit_test(tcp_opts_len_counts_alignment),
        cmocka_unit_test(tcp_emit_builds_in_place),
        cmocka_unit_test(tcp_emit_moves_overlapping_payload),
        cmocka_unit_test(tcp_emit_partial_checksum_leaves_pseudo_sum_for_device),
        cmocka_unit_test(tcp_emit_rejects_small_buffer),
        cmocka_unit_test(tcp_emit_rejects_options_over_40_bytes),
        cmocka_unit_test(tcp_parse_skips_unknown_options_by_length),
        cmocka_unit_test(tcp_parse_stops_options_at_eol),
        cmocka_unit_test(tcp_parse_keeps_wscale_above_14_as_received),
        cmocka_unit_test(tcp_parse_skip_csum_flag_accepts_bad_checksum),
        cmocka_unit_test(tcp_parse_rejects_truncated_header),
        cmocka_unit_test(tcp_parse_rejects_data_offset_below_five),
        cmocka_unit_test(tcp_parse_rejects_data_offset_past_buffer),
        cmocka_unit_test(tcp_parse_rejects_bad_checksum),
        cmocka_unit_test(tcp_parse_rejects_option_length_zero),
        cmocka_unit_test(tcp_parse_rejects_option_length_one),
        cmocka_unit_test(tcp_parse_rejects_option_past_header),
        cmocka_unit_test(tcp_parse_rejects_option_missing_length_byte),
        cmocka_unit_test(tcp_parse_rejects_wrong_mss_length),
        cmocka_unit_test(tcp_parse_rejects_wrong_wscale_length),
        cmocka_unit_test(tcp_parse_rejects_wrong_sack_permitted_length),
        cmocka_unit_test(tcp_parse_rejects_wrong_timestamp_length),
        cmocka_unit_test(tcp_parse_rejects_sack_length_not_2_plus_8n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
